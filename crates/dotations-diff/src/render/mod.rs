//! Writing a [`Report`](crate::Report): for a terminal, or as Markdown for a pull request.
//!
//! Both renderings show the same facts in the same order — parameters, their documentation,
//! variables, formulas, other declarations, impact, errors — so that a reviewer finds in the
//! comment what the author saw in the terminal.

mod markdown;
mod terminal;

pub use markdown::markdown;
pub use terminal::terminal;

use crate::params::{Change, ParameterDiff, ValueChange};
use crate::{FormulaDiff, OtherChange};
use dotations_params::Reference;

/// `2 changed, 1 added` from counts, skipping zeros.
fn counts(parts: &[(usize, &str)]) -> String {
    let parts: Vec<String> = parts.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
    parts.join(", ")
}

fn by_change<T>(items: &[T], change: impl Fn(&T) -> Change) -> [(usize, &'static str); 3] {
    let count = |c: Change| items.iter().filter(|i| change(i) == c).count();
    [(count(Change::Changed), "changed"), (count(Change::Added), "added"), (count(Change::Removed), "removed")]
}

fn parameter_counts(diff: &ParameterDiff) -> String {
    counts(&by_change(&diff.changes, |c| c.change))
}

fn variable_counts(diff: &FormulaDiff) -> String {
    counts(&[
        (diff.added.len(), "added"),
        (diff.removed.len(), "removed"),
        (
            diff.declarations.len(),
            if diff.declarations.len() == 1 { "declaration changed" } else { "declarations changed" },
        ),
    ])
}

fn formula_counts(diff: &FormulaDiff) -> String {
    counts(&by_change(&diff.formulas, |c| c.change))
}

fn other_counts(others: &[OtherChange]) -> String {
    counts(&by_change(others, |c| c.change))
}

/// A line diff of two texts: each line with its mark, `' '`, `'-'` or `'+'`.
fn line_diff(old: Option<&str>, new: Option<&str>) -> Vec<(char, String)> {
    // Every line ends with a newline, so that a last line followed by a new one is not a change.
    let line_end = |t: Option<&str>| t.map_or_else(String::new, |t| format!("{}\n", t.trim_end_matches('\n')));
    let (old, new) = (line_end(old), line_end(new));
    let diff = similar::TextDiff::from_lines(&old, &new);
    diff.iter_all_changes()
        .map(|change| {
            let mark = match change.tag() {
                similar::ChangeTag::Equal => ' ',
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
            };
            (mark, change.value().trim_end_matches('\n').to_string())
        })
        .collect()
}

/// A documentation value, or `(none)`.
fn or_none(text: &str) -> &str {
    if text.is_empty() {
        "(none)"
    } else {
        text
    }
}

/// What a side is, for the heading.
fn side_line(side: &crate::SideSummary) -> String {
    format!("{} ({})", side.name, side.description)
}

/// The error summary of a side whose rules do not load or compile.
fn error_summary(side: &crate::SideSummary) -> Option<String> {
    let n = side.errors.as_ref()?.error_count();
    Some(format!("the rules of `{}` do not load or compile ({n} error{})", side.name, if n == 1 { "" } else { "s" }))
}

/// The references of a value, each written by `write`: once when both sides agree, else each
/// side's.
fn reference_lines(value: &ValueChange, write: impl Fn(&Reference) -> String) -> Vec<String> {
    let join = |refs: &[Reference]| refs.iter().map(&write).collect::<Vec<_>>().join("; ");
    let (old, new) = (join(&value.old_references), join(&value.new_references));
    match value.change() {
        Change::Added if !new.is_empty() => vec![format!("ref: {new}")],
        Change::Removed if !old.is_empty() => vec![format!("ref: {old}")],
        Change::Changed if old == new && !old.is_empty() => vec![format!("ref: {old}")],
        Change::Changed if old != new => vec![format!("A ref: {}", or_none(&old)), format!("B ref: {}", or_none(&new))],
        _ => Vec::new(),
    }
}
