//! The report as Markdown, for a pull-request comment: headings, tables, ```diff blocks.

use std::fmt::Write;

use super::{
    error_summary, formula_counts, line_diff, or_none, other_counts, parameter_counts, reference_lines, variable_counts,
};
use crate::impact::{signed, Impact};
use crate::numbers::count;
use crate::params::{Change, ParameterDiff};
use crate::{FormulaDiff, Report};

/// The report as GitHub-flavoured Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(o, "## Rules diff: `{}` → `{}`\n", report.old.name, report.new.name);
    let _ = writeln!(o, "- **A** (old): `{}` — {}", report.old.name, report.old.description);
    let _ = writeln!(o, "- **B** (new): `{}` — {}", report.new.name, report.new.description);
    if report.is_empty() {
        let _ = writeln!(o, "\nNo difference in parameters or formulas.");
    }
    match &report.parameters {
        None => {
            let _ = writeln!(o, "\n### Parameters\n\nNot compared: a side's parameters do not load (see the errors).");
        }
        Some(parameters) => write_parameters(o, parameters),
    }
    write_formulas(o, &report.formulas);
    if let Some(impact) = &report.impact {
        write_impact(o, impact);
    }
    if report.has_errors() {
        let _ = writeln!(o, "\n### Errors");
        for side in [&report.old, &report.new] {
            if let (Some(summary), Some(errors)) = (error_summary(side), &side.errors) {
                let _ = writeln!(o, "\n{summary}:\n\n```text\n{}```", errors);
            }
        }
    }
    out
}

/// A reference as a Markdown link.
fn reference_link(reference: &dotations_params::Reference) -> String {
    match (&reference.title, &reference.href) {
        (Some(title), Some(href)) => format!("[{}]({href})", title.replace(['[', ']'], "")),
        (Some(title), None) => title.clone(),
        (None, Some(href)) => format!("<{href}>"),
        (None, None) => "(empty reference)".to_string(),
    }
}

/// A table cell: pipes escaped, line breaks as `<br>`.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', "<br>")
}

fn write_parameters(o: &mut String, diff: &ParameterDiff) {
    if !diff.changes.is_empty() {
        let _ = writeln!(o, "\n### Parameters: {}\n", parameter_counts(diff));
        let _ = writeln!(o, "| | parameter | from | A | B | difference | reference |");
        let _ = writeln!(o, "|---|---|---|---:|---:|---:|---|");
    }
    for leaf in &diff.changes {
        for value in &leaf.values {
            let name = match &value.field {
                Some(field) => format!("`{}` {field}", leaf.path),
                None => format!("`{}`", leaf.path),
            };
            let side = |slot: &crate::Slot| if *slot == crate::Slot::Absent { String::new() } else { slot.to_string() };
            let _ = writeln!(
                o,
                "| {} | {} | {} | {} | {} | {} | {} |",
                value.change().mark(),
                cell(&name),
                value.date,
                cell(&side(&value.old)),
                cell(&side(&value.new)),
                cell(value.difference.as_deref().unwrap_or("")),
                cell(&reference_lines(value, reference_link).join("\n"))
            );
        }
    }
    let notes: Vec<String> =
        diff.changes.iter().flat_map(|l| l.notes.iter().map(move |n| format!("- `{}`: {n}", l.path))).collect();
    if !notes.is_empty() {
        let _ = writeln!(o, "\n{}", notes.join("\n"));
    }
    if !diff.metadata.is_empty() {
        let n = diff.metadata.len();
        let _ = writeln!(o, "\n#### Parameter documentation: {n} change{}\n", if n == 1 { "" } else { "s" });
        for change in &diff.metadata {
            let at = change.date.map_or_else(String::new, |d| format!(" ({d})"));
            if change.list {
                let _ = writeln!(o, "- `{}`{at}: {}", change.path, change.field);
                for (what, items) in [("removed", &change.old), ("added", &change.new)] {
                    for item in items {
                        let _ = writeln!(o, "  - {what}: {item}");
                    }
                }
            } else {
                let (old, new) = (change.old.join(""), change.new.join(""));
                let _ = writeln!(o, "- `{}`{at}: {} {} → {}", change.path, change.field, or_none(&old), or_none(&new));
            }
        }
    }
}

fn write_formulas(o: &mut String, diff: &FormulaDiff) {
    if !diff.added.is_empty() || !diff.removed.is_empty() || !diff.declarations.is_empty() {
        let _ = writeln!(o, "\n### Variables: {}\n", variable_counts(diff));
    }
    if !diff.added.is_empty() || !diff.removed.is_empty() {
        let _ = writeln!(o, "| | variable | declaration | label | where |");
        let _ = writeln!(o, "|---|---|---|---|---|");
        let summaries = diff.added.iter().map(|v| ('+', v)).chain(diff.removed.iter().map(|v| ('-', v)));
        for (mark, v) in summaries {
            let label = v.label.as_deref().unwrap_or("");
            let _ = writeln!(o, "| {mark} | `{}` | {} | {} | {} |", v.name, v.signature, cell(label), v.location);
        }
    }
    if !diff.declarations.is_empty() {
        let _ = writeln!(o);
    }
    for declaration in &diff.declarations {
        let _ = writeln!(o, "- `{}` ({}):", declaration.variable, declaration.location);
        for (field, old, new) in &declaration.fields {
            let _ = writeln!(o, "  - {field}: {} → {}", or_none(old), or_none(new));
        }
    }
    if !diff.formulas.is_empty() {
        let _ = writeln!(o, "\n### Formulas: {}", formula_counts(diff));
    }
    for formula in &diff.formulas {
        let what = match formula.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        };
        let _ = writeln!(o, "\n#### `{}` {}, {what} ({})\n", formula.variable, formula.period, formula.location);
        diff_block(o, formula.old.as_deref(), formula.new.as_deref());
    }
    if !diff.others.is_empty() {
        let _ = writeln!(o, "\n### Other declarations: {}", other_counts(&diff.others));
    }
    for other in &diff.others {
        let _ = writeln!(o, "\n#### {} {} `{}` ({})\n", other.change.mark(), other.kind, other.name, other.location);
        diff_block(o, other.old.as_deref(), other.new.as_deref());
    }
}

fn diff_block(o: &mut String, old: Option<&str>, new: Option<&str>) {
    let _ = writeln!(o, "```diff");
    for (mark, line) in line_diff(old, new) {
        let _ = writeln!(o, "{}", format!("{mark} {line}").trim_end());
    }
    let _ = writeln!(o, "```");
}

fn write_impact(o: &mut String, impact: &Impact) {
    let communes = count(impact.communes);
    let _ = writeln!(o, "\n### Impact on `{}`, {}: {communes} communes\n", impact.input, impact.year);
    if impact.variables.is_empty() {
        let _ = writeln!(o, "No commune variable changes ({} compared).", impact.unchanged);
    } else {
        let _ = writeln!(o, "| commune variable | communes changed | total difference | largest moves |");
        let _ = writeln!(o, "|---|---:|---:|---|");
        for v in &impact.variables {
            let total = v.total.map_or_else(|| "—".to_string(), |t| signed(v.measure, t));
            let movers: Vec<String> = v
                .movers
                .iter()
                .map(|m| {
                    let who = match &m.name {
                        Some(name) if !name.is_empty() => format!("{} {name}", m.code),
                        _ => m.code.clone(),
                    };
                    let delta = m.delta.map_or_else(String::new, |d| format!(" ({})", signed(v.measure, d)));
                    format!("{who}: {} → {}{delta}", m.old, m.new)
                })
                .collect();
            let _ = writeln!(
                o,
                "| `{}` | {} of {communes} | {total} | {} |",
                v.variable,
                count(v.changed),
                cell(&movers.join("\n"))
            );
        }
        if impact.unchanged > 0 {
            let _ = writeln!(o, "\n{} other commune variables do not change.", impact.unchanged);
        }
    }
    if impact.national.is_empty() {
        let _ = writeln!(o, "\nNo national (État) variable changes ({} compared).", impact.national_unchanged);
    } else {
        let _ = writeln!(o, "\n| national variable | A | B | difference |");
        let _ = writeln!(o, "|---|---:|---:|---:|");
        for n in &impact.national {
            let delta = n.delta.map_or_else(String::new, |d| signed(n.measure, d));
            let every = if n.per_commune { " (every commune)" } else { "" };
            let _ = writeln!(o, "| `{}`{every} | {} | {} | {delta} |", n.variable, n.old, n.new);
        }
        if impact.national_unchanged > 0 {
            let _ = writeln!(o, "\n{} other national variables do not change.", impact.national_unchanged);
        }
    }
    if !impact.only_old.is_empty() {
        let _ = writeln!(
            o,
            "\nComputed in A only: {}.",
            impact.only_old.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        );
    }
    if !impact.only_new.is_empty() {
        let _ = writeln!(
            o,
            "\nComputed in B only: {}.",
            impact.only_new.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
        );
    }
}
