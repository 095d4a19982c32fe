//! The frame every page shares (head, header with the search form, footer) and the small
//! pieces of French text and HTML the pages are made of.
//!
//! Every text that comes from the rules (labels, descriptions, formulas, URLs) goes through
//! [`escape`] before it reaches a page: a label may hold `<` or `&`.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Escapes text for HTML content and for attribute values (double or single quoted).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The sections of the site, for the navigation bar (the current one is marked for screen readers).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Section {
    Home,
    Variables,
    Parameters,
    Entities,
    Search,
}

/// A page: its title, where it sits (for relative links) and its main content.
pub(crate) struct Page<'a> {
    pub title: &'a str,
    /// `""` for a page at the root, `"../"` for a page in a sub-directory.
    pub root: &'a str,
    pub section: Section,
    /// The HTML inside `<main>`.
    pub body: String,
}

pub(crate) const SITE_NAME: &str = "Dotations locales";

impl Page<'_> {
    pub fn render(&self) -> String {
        let root = self.root;
        let nav = [
            (Section::Variables, "variables.html", "Variables"),
            (Section::Parameters, "parametres.html", "Paramètres"),
            (Section::Entities, "entites.html", "Entités et énumérations"),
        ]
        .iter()
        .map(|(section, href, text)| {
            let current = if *section == self.section { " aria-current=\"page\"" } else { "" };
            format!("<li><a href=\"{root}{href}\"{current}>{text}</a></li>")
        })
        .collect::<Vec<_>>()
        .join("");
        let title = if self.section == Section::Home {
            format!("{SITE_NAME} — la législation en règles")
        } else {
            format!("{} — {SITE_NAME}", self.title)
        };
        format!(
            r##"<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<link rel="stylesheet" href="{root}style.css">
<script src="{root}recherche.js" defer></script>
</head>
<body data-racine="{root}">
<a class="evitement" href="#contenu">Aller au contenu</a>
<header class="entete">
<a class="site" href="{root}index.html">{SITE_NAME}</a>
<nav aria-label="Sections du site"><ul>{nav}</ul></nav>
<form class="recherche" role="search" action="{root}recherche.html" method="get">
<label for="q">Rechercher une variable ou un paramètre</label>
<div class="champ"><input type="search" id="q" name="q" autocomplete="off" spellcheck="false" aria-describedby="q-aide" aria-controls="q-resultats"><button type="submit">Rechercher</button></div>
<p id="q-aide" class="aide">Nom, libellé ou description ; flèche bas pour parcourir les résultats.</p>
<p id="q-statut" class="statut" role="status" aria-live="polite"></p>
<ul id="q-resultats" class="resultats" hidden></ul>
</form>
</header>
<main id="contenu" tabindex="-1">
{body}</main>
<footer class="pied"><p>Généré par <code>dotations docs</code> à partir des fichiers de règles (<code>parameters/</code> et <code>formulas/</code>).</p></footer>
</body>
</html>
"##,
            body = self.body
        )
    }
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date in French, e.g. `1er janvier 2024`.
pub(crate) fn date_fr(date: NaiveDate) -> String {
    let day = if date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{day} {} {}", MONTHS[date.month0() as usize], date.year())
}

/// A date in French, marked up with its ISO form.
pub(crate) fn time(date: NaiveDate) -> String {
    format!("<time datetime=\"{}\">{}</time>", date.format("%Y-%m-%d"), date_fr(date))
}

/// A unit as the rules write it, with its meaning in French when it is a known one.
pub(crate) fn unit(unit: &str) -> String {
    let meaning = match unit {
        "currency" => Some("euros"),
        "/1" => Some("taux ou coefficient"),
        "inhabitant" => Some("habitants"),
        "municipality" => Some("communes"),
        "dwelling" => Some("logements"),
        "hectare" => Some("hectares"),
        "meter" => Some("mètres"),
        "year" => Some("années"),
        "index" => Some("indice"),
        _ => None,
    };
    match meaning {
        Some(meaning) => format!("{meaning} (<code>{}</code>)", escape(unit)),
        None => format!("<code>{}</code>", escape(unit)),
    }
}

/// An exact decimal, its digits grouped by thousands for reading (narrow no-break spaces) and
/// its exact value, as written, kept in the `value` attribute.
pub(crate) fn decimal(number: Decimal) -> String {
    let text = number.to_string();
    let (sign, unsigned) = match text.strip_prefix('-') {
        Some(rest) => ("−", rest),
        None => ("", text.as_str()),
    };
    let (whole, fraction) = match unsigned.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (unsigned, None),
    };
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('\u{202F}');
        }
        grouped.push(digit);
    }
    let fraction = fraction.map(|f| format!(".{f}")).unwrap_or_default();
    format!("<data value=\"{text}\">{sign}{grouped}{fraction}</data>")
}

/// A link whose text is a name in code font.
pub(crate) fn code_link(href: &str, name: &str) -> String {
    format!("<a href=\"{}\"><code>{}</code></a>", escape(href), escape(name))
}

/// A legal reference: its title linked to its URL (either may be missing).
pub(crate) fn reference(title: Option<&str>, url: Option<&str>) -> String {
    match (title, url) {
        (Some(title), Some(url)) => format!("<a href=\"{}\">{}</a>", escape(url), escape(title)),
        (None, Some(url)) => format!("<a href=\"{0}\">{0}</a>", escape(url)),
        (Some(title), None) => escape(title),
        (None, None) => String::new(),
    }
}

/// `1 variable`, `3 variables`: French plurals for counts.
pub(crate) fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n > 1 { plural } else { singular })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn escaping_covers_markup_and_quotes() {
        assert_eq!(escape(r#"a < b && c > "d" 'e'"#), "a &lt; b &amp;&amp; c &gt; &quot;d&quot; &#39;e&#39;");
    }

    #[test]
    fn decimals_keep_their_digits_as_written() {
        let d = |text| decimal(Decimal::from_str(text).unwrap());
        assert_eq!(d("834946859"), "<data value=\"834946859\">834\u{202F}946\u{202F}859</data>");
        assert_eq!(d("0.850"), "<data value=\"0.850\">0.850</data>");
        assert_eq!(d("-1280.623569"), "<data value=\"-1280.623569\">−1\u{202F}280.623569</data>");
        assert_eq!(d("100"), "<data value=\"100\">100</data>");
    }

    #[test]
    fn dates_read_in_french() {
        let date = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(date_fr(date(2024, 1, 1)), "1er janvier 2024");
        assert_eq!(date_fr(date(2023, 12, 31)), "31 décembre 2023");
        assert_eq!(time(date(2019, 8, 2)), "<time datetime=\"2019-08-02\">2 août 2019</time>");
    }
}
