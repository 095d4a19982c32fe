//! Rule text as HTML: keywords, comments, numbers and strings marked for colour, and the names of
//! variables and parameters turned into links to their pages.
//!
//! Which name is a variable and which a parameter is not guessed from the text: the caller gives
//! the links, found in the typed formulas (each read of a variable or a parameter knows where it
//! is written). The lexer here only colours what is left. Its token rules follow `grammar.pest`.

use std::collections::BTreeMap;

use crate::html::escape;

/// A link to put on the text that starts at a byte offset of the file.
pub(crate) struct Link {
    /// Byte offset where the linked text ends.
    pub end: usize,
    /// Relative to the page the code is shown on.
    pub href: String,
    /// CSS class: `v` (variable), `p` (parameter), `e` (entity or enumeration).
    pub class: &'static str,
    /// Shown on hover: the label or the description.
    pub title: Option<String>,
}

/// Names after which the next name is an entity or an enumeration (see [`Names`]).
const DECLARING: [&str; 5] = ["entity", "group", "of", "per", "enum"];

const KEYWORDS: [&str; 46] = [
    "variable",
    "entity",
    "group",
    "enum",
    "column",
    "from",
    "let",
    "if",
    "then",
    "else",
    "and",
    "or",
    "not",
    "is",
    "in",
    "true",
    "false",
    "label",
    "reference",
    "unit",
    "default",
    "end",
    "documentation",
    "plural",
    "otherwise",
    "N",
    "of",
    "per",
    "where",
    "by",
    "budget",
    "score",
    "previous",
    "unbounded",
    "between",
    "ascending",
    "descending",
    "yearly",
    "monthly",
    "eternal",
    "number",
    "money",
    "integer",
    "boolean",
    "date",
    "text",
];

/// Entity and enumeration names, with their anchors: a name after `per`, `enum`, `entity`,
/// `group` or `of` links there.
pub(crate) struct Names<'a> {
    pub entities: &'a BTreeMap<String, String>,
    pub enums: &'a BTreeMap<String, String>,
}

/// The lines `[first line of start, end of the line of end)` of `text` as HTML, one string per
/// line, with their common indentation removed. Spans never cross a line.
pub(crate) fn lines(text: &str, start: usize, end: usize, links: &BTreeMap<usize, Link>, names: &Names) -> Vec<String> {
    let begin = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let stop = text[end..].find('\n').map_or(text.len(), |i| end + i);
    let indent = text[begin..stop]
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start_matches([' ', '\t']).len())
        .min()
        .unwrap_or(0);
    let mut out = Lines { lines: vec![String::new()], indent, at_line_start: true };
    let bytes = text.as_bytes();
    let mut previous_keyword: Option<&str> = None;
    let mut p = begin;
    while p < stop {
        let c = bytes[p];
        if out.at_line_start && (c == b' ' || c == b'\t') {
            let skip = text[p..stop].len() - text[p..stop].trim_start_matches([' ', '\t']).len();
            let skip = skip.min(out.indent);
            out.at_line_start = false;
            if skip > 0 {
                p += skip;
                continue;
            }
        }
        if let Some(link) = links.get(&p).filter(|link| link.end <= stop) {
            out.link(&text[p..link.end], link);
            previous_keyword = None;
            p = link.end;
            continue;
        }
        let mut is_name = false;
        let (len, class) = match c {
            b'\n' => {
                out.newline();
                p += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                out.plain(&text[p..p + 1]);
                p += 1;
                continue;
            }
            b'#' => (text[p..stop].find('\n').unwrap_or(stop - p), "c"),
            b'"' => (string_length(&text[p..stop]), "s"),
            b'0'..=b'9' => (number_length(&text[p..stop]), "n"),
            b'h' if text[p..stop].starts_with("https://") || text[p..stop].starts_with("http://") => {
                let len = text[p..stop].find(char::is_whitespace).unwrap_or(stop - p);
                let url = &text[p..p + len];
                out.push(&format!("<a class=\"u\" href=\"{0}\">{0}</a>", escape(url)));
                p += len;
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let len = text[p..stop].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(stop - p);
                let word = &text[p..p + len];
                let declared = previous_keyword.take();
                is_name = true;
                if let Some(href) = declared.and_then(|k| declared_name(k, word, names)) {
                    out.push(&format!("<a class=\"e\" href=\"{}\">{}</a>", escape(href), escape(word)));
                    p += len;
                    continue;
                }
                let called = bytes.get(p + len) == Some(&b'(');
                let class = if called && dotations_engine::model::FUNCTIONS.contains(&word) {
                    "f"
                } else if let Some(keyword) = KEYWORDS.iter().find(|k| **k == word) {
                    if DECLARING.contains(keyword) {
                        previous_keyword = Some(keyword);
                    }
                    "k"
                } else {
                    ""
                };
                (len, class)
            }
            _ => (text[p..].chars().next().map_or(1, char::len_utf8), ""),
        };
        if !is_name {
            // A declaring keyword holds only until the next token.
            previous_keyword = None;
        }
        out.token(&text[p..p + len], class);
        p += len;
    }
    out.lines
}

fn declared_name<'a>(keyword: &str, word: &str, names: &'a Names) -> Option<&'a String> {
    match keyword {
        "enum" => names.enums.get(word),
        _ => names.entities.get(word),
    }
}

/// A string literal with its quotes (`\` escapes the next character); to the end if unclosed.
fn string_length(text: &str) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return i + 1,
            _ => escaped = false,
        }
    }
    text.len()
}

/// A number (`1_000`, `0.85`, `2e-3`) or a date (`2024-01-01`).
fn number_length(text: &str) -> usize {
    let bytes = text.as_bytes();
    let is_date = bytes.len() >= 10
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[5..7].iter().all(u8::is_ascii_digit)
        && bytes[7] == b'-'
        && bytes[8..10].iter().all(u8::is_ascii_digit);
    if is_date {
        return 10;
    }
    let mut i = 0;
    while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
        i += 1;
    }
    if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
        i += 1;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'_') {
            i += 1;
        }
    }
    if i < bytes.len() && (bytes[i] == b'e' || bytes[i] == b'E') {
        let mut j = i + 1;
        if j < bytes.len() && (bytes[j] == b'+' || bytes[j] == b'-') {
            j += 1;
        }
        if j < bytes.len() && bytes[j].is_ascii_digit() {
            while j < bytes.len() && bytes[j].is_ascii_digit() {
                j += 1;
            }
            i = j;
        }
    }
    i
}

/// Lines of HTML being built.
struct Lines {
    lines: Vec<String>,
    indent: usize,
    at_line_start: bool,
}

impl Lines {
    fn push(&mut self, html: &str) {
        self.at_line_start = false;
        self.lines.last_mut().expect("at least one line").push_str(html);
    }

    fn plain(&mut self, text: &str) {
        self.push(&escape(text));
    }

    fn newline(&mut self) {
        self.lines.push(String::new());
        self.at_line_start = true;
    }

    fn token(&mut self, text: &str, class: &str) {
        if class.is_empty() {
            self.plain(text);
        } else {
            self.push(&format!("<span class=\"{class}\">{}</span>", escape(text)));
        }
    }

    fn link(&mut self, text: &str, link: &Link) {
        let title = link.title.as_ref().map(|t| format!(" title=\"{}\"", escape(t))).unwrap_or_default();
        self.push(&format!("<a class=\"{}\" href=\"{}\"{title}>{}</a>", link.class, escape(&link.href), escape(text)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(text: &str, links: BTreeMap<usize, Link>) -> Vec<String> {
        let entities = BTreeMap::from([("commune".to_string(), "e.html#commune".to_string())]);
        let enums = BTreeMap::from([("categorie".to_string(), "e.html#categorie".to_string())]);
        lines(text, 0, text.len(), &links, &Names { entities: &entities, enums: &enums })
    }

    #[test]
    fn keywords_comments_numbers_and_strings_are_marked() {
        let text = "  = if a <= 1_000 then ratio(b, 2e-3, else 0) else c[N-1] # note & <x>\n    + \"s<\"";
        let html = render(text, BTreeMap::new());
        assert_eq!(
            html,
            [
                "= <span class=\"k\">if</span> a &lt;= <span class=\"n\">1_000</span> <span class=\"k\">then</span> \
                 <span class=\"f\">ratio</span>(b, <span class=\"n\">2e-3</span>, <span class=\"k\">else</span> \
                 <span class=\"n\">0</span>) <span class=\"k\">else</span> c[<span class=\"k\">N</span>-\
                 <span class=\"n\">1</span>] <span class=\"c\"># note &amp; &lt;x&gt;</span>",
                "  + <span class=\"s\">&quot;s&lt;&quot;</span>",
            ]
        );
    }

    #[test]
    fn given_links_win_over_keywords_and_declared_names_link_to_their_anchor() {
        let text = "variable v : enum categorie, per commune, yearly\n  = distribute(score score)";
        let at = text.rfind("score").unwrap();
        let links = BTreeMap::from([(
            at,
            Link { end: at + 5, href: "score.html".into(), class: "v", title: Some("Le <score>".into()) },
        )]);
        let html = render(text, links);
        assert!(
            html[0].contains("<span class=\"k\">enum</span> <a class=\"e\" href=\"e.html#categorie\">categorie</a>")
        );
        assert!(html[0].contains("<span class=\"k\">per</span> <a class=\"e\" href=\"e.html#commune\">commune</a>"));
        assert_eq!(
            html[1],
            "  = <span class=\"f\">distribute</span>(<span class=\"k\">score</span> \
             <a class=\"v\" href=\"score.html\" title=\"Le &lt;score&gt;\">score</a>)"
        );
    }

    #[test]
    fn dates_and_urls() {
        let html = render("from 2024-01-01:\nreference \"T\" https://x.fr/a?b=1&c=2", BTreeMap::new());
        assert_eq!(html[0], "<span class=\"k\">from</span> <span class=\"n\">2024-01-01</span>:");
        assert!(html[1].ends_with("<a class=\"u\" href=\"https://x.fr/a?b=1&amp;c=2\">https://x.fr/a?b=1&amp;c=2</a>"));
    }
}
