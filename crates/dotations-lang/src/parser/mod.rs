//! From text to syntax tree, with every syntax error located.
//!
//! pest stops at the first error of the text it is given, so a file is first cut into its
//! declarations (each starts at the beginning of a line with `variable`, `enum`, `entity`,
//! `group` or `column`) and each piece is parsed on its own: a file with three broken
//! declarations reports three errors, and the correct declarations are still returned.

mod errors;
mod tree;

use dotations_diagnostics::{Diagnostic, Diagnostics, SourceText};
use pest::Parser as _;

use crate::ast::*;
use errors::syntax_error;
use tree::Builder;
pub use tree::MAX_NESTING;

#[derive(pest_derive::Parser)]
#[grammar = "grammar.pest"]
struct RuleParser;

/// A parsed file: the declarations that could be read, and the errors of those that could not.
#[derive(Debug)]
pub struct Parsed {
    pub file: RuleFile,
    pub diagnostics: Diagnostics,
    /// The names declared by the declarations that could not be read (`variable x …` with a
    /// syntax error): they exist, and a reader of the file should not report them unknown.
    pub unreadable: Vec<String>,
}

/// Parses one rule file. `source` gives the path and text used to locate errors.
///
/// ```
/// use dotations_diagnostics::SourceText;
/// let text = "variable x : number, per commune, yearly\n  = 2 * y\n";
/// let parsed = dotations_lang::parse(&SourceText::new("demo.rules", text));
/// assert!(parsed.diagnostics.is_empty());
/// assert_eq!(parsed.file.items.len(), 1);
/// ```
pub fn parse(source: &SourceText) -> Parsed {
    let text = source.text();
    let mut file = RuleFile::default();
    let mut diagnostics = Diagnostics::new();
    let mut unreadable = Vec::new();
    for (start, end) in declaration_chunks(text) {
        let chunk = &text[start..end];
        match RuleParser::parse(Rule::file, chunk) {
            Ok(mut pairs) => {
                let builder = Builder::new(source, start, &mut diagnostics);
                builder.file(pairs.next().expect("file rule"), &mut file);
            }
            Err(error) => {
                diagnostics.push(syntax_error(source, start, end, &error));
                unreadable.extend(declared_name(chunk));
            }
        }
    }
    Parsed { file, diagnostics, unreadable }
}

/// The name a declaration's first line declares (`variable population_dgf : …`), if it has one.
fn declared_name(chunk: &str) -> Option<String> {
    let mut words = chunk.split(|c: char| c.is_whitespace() || c == ':');
    DECLARATION_KEYWORDS.contains(&words.next()?).then_some(())?;
    let name = words.find(|w| !w.is_empty())?;
    name.chars().all(|c| c.is_alphanumeric() || c == '_').then(|| name.to_string())
}

/// Parses a single expression (used by scenario files and tests that write a formula inline).
pub fn parse_expression(source: &SourceText) -> Result<Expr, Diagnostics> {
    let text = source.text();
    let rule = Rule::expr;
    let mut pairs =
        RuleParser::parse(rule, text).map_err(|e| Diagnostics::from(syntax_error(source, 0, text.len(), &e)))?;
    let pair = pairs.next().expect("expr rule");
    let consumed = pair.as_span().end();
    if !text[consumed..].trim().is_empty() {
        let rest = text[consumed..].trim_start();
        let at = text.len() - rest.len();
        return Err(Diagnostics::from(
            Diagnostic::error("unexpected text after the expression").at(source.location(at, rest.len())),
        ));
    }
    let mut diagnostics = Diagnostics::new();
    let expr = Builder::new(source, 0, &mut diagnostics).expr(pair);
    diagnostics.into_result(expr)
}

/// Parses a formula body (`let` bindings then an expression), as written in a scenario file.
pub fn parse_body(source: &SourceText) -> Result<(Vec<Binding>, Expr), Diagnostics> {
    let text = source.text();
    let mut pairs = RuleParser::parse(Rule::whole_body, text)
        .map_err(|e| Diagnostics::from(syntax_error(source, 0, text.len(), &e)))?;
    let body = pairs.next().expect("whole_body rule").into_inner().next().expect("body");
    let mut diagnostics = Diagnostics::new();
    let mut builder = Builder::new(source, 0, &mut diagnostics);
    let (bindings, expr) = builder.body(body);
    diagnostics.into_result((bindings, expr))
}

const DECLARATION_KEYWORDS: [&str; 5] = ["variable", "enum", "entity", "group", "column"];

/// Byte ranges of the declarations of a file: a new one starts at each line that begins (in
/// column 1) with a declaration keyword.
fn declaration_chunks(text: &str) -> Vec<(usize, usize)> {
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let starts_declaration =
            DECLARATION_KEYWORDS.iter().any(|k| line.strip_prefix(k).is_some_and(|rest| rest.starts_with([' ', '\t'])));
        if starts_declaration && offset > 0 {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    starts.windows(2).map(|w| (w[0], w[1])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declaration_with_a_syntax_error_still_names_what_it_declares() {
        let text = "variable a : number, per commune, yearly\n  = 1 + + 2\n\nvariable b : number, per commune, yearly\n  = a\n";
        let parsed = parse(&SourceText::new("f.rules", text));
        assert_eq!(parsed.diagnostics.0.len(), 1);
        assert_eq!(parsed.file.items.len(), 1);
        assert_eq!(parsed.unreadable, ["a"]);
        assert_eq!(declared_name("enum categorie\n  x"), Some("categorie".into()));
        assert_eq!(declared_name("# commentaire\n"), None);
    }
}
