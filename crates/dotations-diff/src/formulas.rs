//! The diff of the rule files: variables added or removed, declarations and formulas changed.
//!
//! The comparison works on the parsed files, not on the compiled model, so that a side whose
//! names do not resolve is still compared. Variables are matched by name wherever they are
//! written (moving one to another file is not a change); formulas are matched by their start
//! date. Formula texts are compared with layout and comments ignored — `a+b` and `a + b` on two
//! lines are the same formula — while a report shows each side's real text.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use dotations_lang::{Item, Literal, PeriodKind, Span, TypeName, VariableDecl};

use crate::params::Change;
use crate::side::{Side, SourceFile};

/// The differences between the rule files of two sides.
#[derive(Debug, Default)]
pub struct FormulaDiff {
    pub added: Vec<VariableSummary>,
    pub removed: Vec<VariableSummary>,
    /// Variables on both sides whose declaration (type, label, …) differs.
    pub declarations: Vec<DeclarationChange>,
    /// Formulas added, removed or changed, by variable then start date.
    pub formulas: Vec<FormulaChange>,
    /// Entities, enumerations and input columns that differ.
    pub others: Vec<OtherChange>,
}

/// A variable in a list of added or removed ones.
#[derive(Debug)]
pub struct VariableSummary {
    pub name: String,
    /// `money, per commune, yearly`.
    pub signature: String,
    pub label: Option<String>,
    /// `formulas/dsu.rules:12`.
    pub location: String,
}

/// The declaration fields of a variable that differ: `(field, old, new)`, empty text for none.
#[derive(Debug)]
pub struct DeclarationChange {
    pub variable: String,
    pub location: String,
    pub fields: Vec<(String, String, String)>,
}

/// A formula of a variable, from a start date, on one side or both.
#[derive(Debug)]
pub struct FormulaChange {
    pub variable: String,
    pub change: Change,
    /// When it applies: `from 2024-01-01`, `from 2019-01-01 to 2023-12-31`, `at every date`.
    pub period: String,
    /// Where it is written (on the new side when it exists there).
    pub location: String,
    /// The text as written on each side (dedented), `None` on the side without it.
    pub old: Option<String>,
    pub new: Option<String>,
}

/// An entity, enumeration or input column that differs.
#[derive(Debug)]
pub struct OtherChange {
    /// `entity`, `enum` or `column`.
    pub kind: &'static str,
    pub name: String,
    pub change: Change,
    pub location: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// A declaration found in a side's files.
struct Found<'a> {
    file: &'a SourceFile,
    item: &'a Item,
}

impl Found<'_> {
    fn location(&self, span: Span) -> String {
        format!("{}:{}", self.file.path, self.file.source.location(span.start, 0).line)
    }

    /// The text of `span` as written, dedented as a block (its first line keeps its place
    /// relative to the others).
    fn text(&self, span: Span) -> String {
        let source = &self.file.source;
        let column = source.location(span.start, 0).column - 1;
        let text = format!("{}{}", " ".repeat(column), &source.text()[span.start..span.end]);
        dedent(&text)
    }
}

fn declarations(side: &Side) -> BTreeMap<(&'static str, String), Found<'_>> {
    let mut map = BTreeMap::new();
    for file in &side.files {
        for item in &file.parsed.items {
            let key = match item {
                Item::Variable(v) => ("variable", v.name.text.clone()),
                Item::Entity(e) => ("entity", e.name.text.clone()),
                Item::Enum(e) => ("enum", e.name.text.clone()),
                Item::Column(c) => ("column", c.name.text.clone()),
            };
            // A name declared twice is a compile error reported with the side; the first counts.
            map.entry(key).or_insert(Found { file, item });
        }
    }
    map
}

/// Compares the rule files of two sides.
pub fn diff(old: &Side, new: &Side) -> FormulaDiff {
    let (a, b) = (declarations(old), declarations(new));
    let keys: BTreeSet<&(&str, String)> = a.keys().chain(b.keys()).collect();
    let mut result = FormulaDiff::default();
    for key in keys {
        let (x, y) = (a.get(key), b.get(key));
        match (x.map(|f| (f, f.item)), y.map(|f| (f, f.item))) {
            (Some((fx, Item::Variable(vx))), Some((fy, Item::Variable(vy)))) => {
                let fields = declaration_fields(vx, vy);
                if !fields.is_empty() {
                    let location = fy.location(vy.name.span);
                    result.declarations.push(DeclarationChange { variable: key.1.clone(), location, fields });
                }
                compare_formulas(Some((fx, vx)), Some((fy, vy)), &mut result.formulas);
            }
            (Some((fx, Item::Variable(vx))), None) => {
                result.removed.push(summary(fx, vx));
                compare_formulas(Some((fx, vx)), None, &mut result.formulas);
            }
            (None, Some((fy, Item::Variable(vy)))) => {
                result.added.push(summary(fy, vy));
                compare_formulas(None, Some((fy, vy)), &mut result.formulas);
            }
            _ => {
                let span = |f: &Found<'_>| item_span(f.item);
                let (old_text, new_text) = (x.map(|f| f.text(span(f))), y.map(|f| f.text(span(f))));
                let change = match (&old_text, &new_text) {
                    (None, _) => Change::Added,
                    (_, None) => Change::Removed,
                    (Some(p), Some(q)) if normalize(p) == normalize(q) => continue,
                    _ => Change::Changed,
                };
                let found = y.or(x).expect("the key comes from one side");
                result.others.push(OtherChange {
                    kind: key.0,
                    name: key.1.clone(),
                    change,
                    location: found.location(span(found)),
                    old: old_text,
                    new: new_text,
                });
            }
        }
    }
    result
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Variable(v) => v.span,
        Item::Entity(e) => e.span,
        Item::Enum(e) => e.span,
        Item::Column(c) => c.span,
    }
}

fn summary(found: &Found<'_>, variable: &VariableDecl) -> VariableSummary {
    VariableSummary {
        name: variable.name.text.clone(),
        signature: signature(variable),
        label: variable.label.clone(),
        location: found.location(variable.name.span),
    }
}

fn signature(variable: &VariableDecl) -> String {
    format!("{}, per {}, {}", type_name(&variable.value_type), variable.entity.text, period_name(variable.period))
}

fn type_name(value_type: &TypeName) -> String {
    match value_type {
        TypeName::Number => "number".into(),
        TypeName::Money => "money".into(),
        TypeName::Integer => "integer".into(),
        TypeName::Boolean => "boolean".into(),
        TypeName::Date => "date".into(),
        TypeName::Text => "text".into(),
        TypeName::Enum(name) => format!("enum {}", name.text),
    }
}

fn period_name(period: PeriodKind) -> &'static str {
    match period {
        PeriodKind::Yearly => "yearly",
        PeriodKind::Monthly => "monthly",
        PeriodKind::Eternal => "eternal",
    }
}

fn literal_text(literal: &Literal) -> String {
    match literal {
        Literal::Number { text, .. } => text.clone(),
        Literal::Boolean(b) => b.to_string(),
        Literal::Date(date) => date.to_string(),
        Literal::Text(text) => format!("{text:?}"),
        Literal::Item(item) => item.clone(),
    }
}

/// The declaration fields that differ, in the order they are written.
fn declaration_fields(old: &VariableDecl, new: &VariableDecl) -> Vec<(String, String, String)> {
    let quoted = |t: &Option<String>| t.as_ref().map_or_else(String::new, |t| format!("{t:?}"));
    let references = |v: &VariableDecl| {
        v.references
            .iter()
            .map(|r| match (&r.title, &r.url) {
                (Some(title), Some(url)) => format!("{title:?} {url}"),
                (Some(title), None) => format!("{title:?}"),
                (None, Some(url)) => url.clone(),
                (None, None) => String::new(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    let default = |v: &VariableDecl| v.default.as_ref().map_or_else(String::new, |(l, _)| literal_text(l));
    let end = |v: &VariableDecl| v.end.map_or_else(String::new, |(d, _)| d.to_string());
    let documentation = |v: &VariableDecl| {
        v.documentation.as_ref().map_or_else(String::new, |d| {
            let line = d.split_whitespace().collect::<Vec<_>>().join(" ");
            if line.chars().count() > 100 {
                format!("{:?}…", line.chars().take(99).collect::<String>())
            } else {
                format!("{line:?}")
            }
        })
    };
    let pairs = [
        ("type", type_name(&old.value_type), type_name(&new.value_type)),
        ("entity", old.entity.text.clone(), new.entity.text.clone()),
        ("period", period_name(old.period).to_string(), period_name(new.period).to_string()),
        ("label", quoted(&old.label), quoted(&new.label)),
        ("reference", references(old), references(new)),
        ("unit", quoted(&old.unit), quoted(&new.unit)),
        ("default", default(old), default(new)),
        ("end", end(old), end(new)),
        ("documentation", documentation(old), documentation(new)),
    ];
    pairs.into_iter().filter(|(_, a, b)| a != b).map(|(f, a, b)| (f.to_string(), a, b)).collect()
}

/// Compares a variable's formulas by start date.
fn compare_formulas(
    old: Option<(&Found<'_>, &VariableDecl)>,
    new: Option<(&Found<'_>, &VariableDecl)>,
    out: &mut Vec<FormulaChange>,
) {
    let starts: BTreeSet<Option<NaiveDate>> =
        old.iter().chain(new.iter()).flat_map(|(_, v)| v.formulas.iter().map(|f| f.start)).collect();
    for start in starts {
        let find = |side: Option<(&Found<'_>, &VariableDecl)>| {
            let (found, variable) = side?;
            let index = variable.formulas.iter().position(|f| f.start == start)?;
            let text = found.text(variable.formulas[index].span);
            Some((found.location(variable.formulas[index].span), period(variable, index), text))
        };
        let (a, b) = (find(old), find(new));
        let change = match (&a, &b) {
            (None, _) => Change::Added,
            (_, None) => Change::Removed,
            (Some((_, _, x)), Some((_, _, y))) if normalize(x) == normalize(y) => continue,
            _ => Change::Changed,
        };
        let (location, period) = match (&a, &b) {
            (_, Some((location, period, _))) | (Some((location, period, _)), None) => {
                (location.clone(), period.clone())
            }
            (None, None) => unreachable!("the start date comes from one side"),
        };
        let name = new.or(old).map(|(_, v)| v.name.text.clone()).unwrap_or_default();
        out.push(FormulaChange {
            variable: name,
            change,
            period,
            location,
            old: a.map(|(_, _, text)| text),
            new: b.map(|(_, _, text)| text),
        });
    }
}

/// When the `index`-th formula of a variable applies: until the next formula's start, or the
/// variable's end.
fn period(variable: &VariableDecl, index: usize) -> String {
    let formulas = &variable.formulas;
    let next = formulas.iter().filter_map(|f| f.start).filter(|d| formulas[index].start.is_none_or(|s| *d > s)).min();
    let until = next.and_then(|d| d.pred_opt()).or(variable.end.map(|(d, _)| d));
    match (formulas[index].start, until) {
        (Some(start), Some(until)) => format!("from {start} to {until}"),
        (Some(start), None) => format!("from {start}"),
        (None, Some(until)) => format!("until {until}"),
        (None, None) => "at every date".to_string(),
    }
}

/// Removes the indentation common to every non-blank line and trailing blanks.
fn dedent(text: &str) -> String {
    let indent = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.chars().take_while(|c| *c == ' ' || *c == '\t').count())
        .min()
        .unwrap_or(0);
    text.lines()
        .map(|l| l.chars().skip(indent).collect::<String>().trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text with comments removed and blanks kept only between two word characters, so that
/// two texts that differ only in layout compare equal. Strings are kept as written.
pub fn normalize(text: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.';
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                flush_space(&mut out, &mut pending_space, c, word);
                out.push(c);
                while let Some(s) = chars.next() {
                    out.push(s);
                    if s == '\\' {
                        out.extend(chars.next());
                    } else if s == '"' {
                        break;
                    }
                }
            }
            '#' => {
                for s in chars.by_ref() {
                    if s == '\n' {
                        break;
                    }
                }
                pending_space = true;
            }
            c if c.is_whitespace() => pending_space = true,
            c => {
                flush_space(&mut out, &mut pending_space, c, word);
                out.push(c);
            }
        }
    }
    out
}

fn flush_space(out: &mut String, pending: &mut bool, next: char, word: impl Fn(char) -> bool) {
    if *pending && out.chars().next_back().is_some_and(&word) && word(next) {
        out.push(' ');
    }
    *pending = false;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_and_comments_do_not_count() {
        let a = "= if eligible then population * (1 + t[N-1]) else 0";
        let b = "= if eligible\n    then population*(1+t[N - 1]) # majoré\n    else 0";
        assert_eq!(normalize(a), normalize(b));
        assert_ne!(normalize("= not outre_mer"), normalize("= notoutre_mer"));
        assert_ne!(normalize("= x * 2"), normalize("= x * 3"));
        assert_eq!(normalize("= \"a  #b\""), "=\"a  #b\"");
    }

    #[test]
    fn blocks_are_dedented_as_a_whole() {
        assert_eq!(dedent("    from 2024-01-01:\n      a +\n        b  "), "from 2024-01-01:\n  a +\n    b");
    }
}
