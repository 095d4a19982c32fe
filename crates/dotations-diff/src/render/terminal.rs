//! The report for a terminal: sections, aligned columns, `+`/`-`/`~` marks, colours on request.

use std::fmt::Write;

use super::variable_counts;
use super::{
    counts, error_summary, formula_counts, line_diff, or_none, other_counts, parameter_counts, reference_lines,
    side_line,
};
use crate::impact::{signed, Impact};
use crate::numbers::count;
use crate::params::{reference_title, Change, ParameterDiff};
use crate::{FormulaDiff, Report};

/// ANSI colours, or nothing (when the output is not a terminal, or `NO_COLOR` is set).
struct Paint(bool);

impl Paint {
    fn code(&self, code: &str, text: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn bold(&self, text: &str) -> String {
        self.code("1", text)
    }

    /// A line coloured after its mark: green `+`, red `-`, yellow `~`.
    fn marked(&self, mark: char, text: &str) -> String {
        match mark {
            '+' => self.code("32", text),
            '-' => self.code("31", text),
            '~' => self.code("33", text),
            _ => text.to_string(),
        }
    }
}

/// The report as text for a terminal; `color` adds ANSI colours.
pub fn terminal(report: &Report, color: bool) -> String {
    let paint = Paint(color);
    let mut out = String::new();
    let o = &mut out;
    let _ = writeln!(o, "{}", paint.bold(&format!("Rules diff: {} → {}", report.old.name, report.new.name)));
    let _ = writeln!(o, "  A (old)  {}", side_line(&report.old));
    let _ = writeln!(o, "  B (new)  {}", side_line(&report.new));
    if report.is_empty() {
        let _ = writeln!(o, "\nNo difference in parameters or formulas.");
    }
    match &report.parameters {
        None => {
            let _ = writeln!(o, "\n{}", paint.bold("Parameters: not compared (a side's parameters do not load)"));
        }
        Some(parameters) => write_parameters(o, &paint, parameters),
    }
    write_formulas(o, &paint, &report.formulas);
    if let Some(impact) = &report.impact {
        write_impact(o, &paint, impact);
    }
    let sides = [&report.old, &report.new];
    if report.has_errors() {
        let _ = writeln!(o, "\n{}", paint.bold("Errors"));
        for side in sides {
            if let (Some(summary), Some(errors)) = (error_summary(side), &side.errors) {
                let _ = writeln!(o, "  {summary}:\n");
                for line in errors.to_string().lines() {
                    let _ = writeln!(o, "    {line}");
                }
            }
        }
    }
    out
}

fn write_parameters(o: &mut String, paint: &Paint, diff: &ParameterDiff) {
    if !diff.changes.is_empty() {
        let _ = writeln!(o, "\n{}", paint.bold(&format!("Parameters: {}", parameter_counts(diff))));
    }
    for leaf in &diff.changes {
        let kind = if leaf.scale { "  (scale)" } else { "" };
        let _ = writeln!(
            o,
            "  {}",
            paint.marked(leaf.change.mark(), &format!("{} {}{kind}", leaf.change.mark(), leaf.path))
        );
        for note in &leaf.notes {
            let _ = writeln!(o, "      {note}");
        }
        let width =
            leaf.values.iter().map(|v| v.field.as_ref().map_or(0, |f| f.chars().count() + 2)).max().unwrap_or(0);
        for value in &leaf.values {
            let field = value.field.as_deref().map_or_else(String::new, |f| format!("{f:<w$}", w = width - 2) + "  ");
            let text = match value.change() {
                Change::Changed => match &value.difference {
                    Some(difference) => format!("{} → {}   {difference}", value.old, value.new),
                    None => format!("{} → {}", value.old, value.new),
                },
                Change::Added => value.new.to_string(),
                Change::Removed => value.old.to_string(),
            };
            let mark = value.change().mark();
            let _ = writeln!(o, "      {}", paint.marked(mark, &format!("{mark} {field}{}  {text}", value.date)));
            let indent = " ".repeat(8 + width + 12);
            for line in reference_lines(value, reference_title) {
                let _ = writeln!(o, "{indent}{line}");
            }
        }
    }
    if !diff.metadata.is_empty() {
        let n = diff.metadata.len();
        let _ = writeln!(o, "\n{}", paint.bold(&format!("Parameter documentation: {n} change{}", plural(n))));
        for change in &diff.metadata {
            let at = change.date.map_or_else(String::new, |d| format!(" ({d})"));
            if change.list {
                let _ = writeln!(o, "  ~ {}{at}  {}:", change.path, change.field);
                for (mark, items) in [('-', &change.old), ('+', &change.new)] {
                    for item in items {
                        let _ = writeln!(o, "      {}", paint.marked(mark, &format!("{mark} {item}")));
                    }
                }
            } else {
                let (old, new) = (change.old.join(""), change.new.join(""));
                write_change(o, paint, &format!("  ~ {}{at}  {}:", change.path, change.field), &old, &new);
            }
        }
    }
}

/// `head old → new` on one line, or the old and new values on lines of their own when that
/// line would be long.
fn write_change(o: &mut String, paint: &Paint, head: &str, old: &str, new: &str) {
    let (old, new) = (or_none(old), or_none(new));
    if head.chars().count() + old.chars().count() + new.chars().count() <= 96 {
        let _ = writeln!(o, "{head} {old} → {new}");
    } else {
        let indent = " ".repeat(head.chars().take_while(|c| *c == ' ').count() + 4);
        let _ = writeln!(o, "{head}");
        let _ = writeln!(o, "{indent}{}", paint.marked('-', &format!("- {old}")));
        let _ = writeln!(o, "{indent}{}", paint.marked('+', &format!("+ {new}")));
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn write_formulas(o: &mut String, paint: &Paint, diff: &FormulaDiff) {
    let summaries = diff.added.iter().map(|v| ('+', v)).chain(diff.removed.iter().map(|v| ('-', v)));
    let width = diff
        .added
        .iter()
        .chain(&diff.removed)
        .map(|v| v.name.chars().count())
        .chain(diff.declarations.iter().map(|d| d.variable.chars().count()))
        .max()
        .unwrap_or(0);
    if !diff.added.is_empty() || !diff.removed.is_empty() || !diff.declarations.is_empty() {
        let _ = writeln!(o, "\n{}", paint.bold(&format!("Variables: {}", variable_counts(diff))));
    }
    for (mark, variable) in summaries {
        let head = format!("{mark} {:<width$}  ({})  {}", variable.name, variable.signature, variable.location);
        let _ = writeln!(o, "  {}", paint.marked(mark, &head));
        if let Some(label) = &variable.label {
            let _ = writeln!(o, "      {label:?}");
        }
    }
    for declaration in &diff.declarations {
        let head = format!("~ {:<width$}  {}", declaration.variable, declaration.location);
        let _ = writeln!(o, "  {}", paint.marked('~', &head));
        for (field, old, new) in &declaration.fields {
            write_change(o, paint, &format!("      {field}:"), old, new);
        }
    }
    if !diff.formulas.is_empty() {
        let _ = writeln!(o, "\n{}", paint.bold(&format!("Formulas: {}", formula_counts(diff))));
    }
    for formula in &diff.formulas {
        let mark = formula.change.mark();
        let head = format!("{mark} {}  {}  {}", formula.variable, formula.period, formula.location);
        let _ = writeln!(o, "  {}", paint.marked(mark, &head));
        write_lines(o, paint, formula.old.as_deref(), formula.new.as_deref());
    }
    if !diff.others.is_empty() {
        let _ = writeln!(o, "\n{}", paint.bold(&format!("Other declarations: {}", other_counts(&diff.others))));
    }
    for other in &diff.others {
        let mark = other.change.mark();
        let head = format!("{mark} {} {}  {}", other.kind, other.name, other.location);
        let _ = writeln!(o, "  {}", paint.marked(mark, &head));
        write_lines(o, paint, other.old.as_deref(), other.new.as_deref());
    }
}

fn write_lines(o: &mut String, paint: &Paint, old: Option<&str>, new: Option<&str>) {
    for (mark, line) in line_diff(old, new) {
        let _ = writeln!(o, "      {}", paint.marked(mark, format!("{mark} {line}").trim_end()));
    }
}

fn write_impact(o: &mut String, paint: &Paint, impact: &Impact) {
    let heading = format!("Impact on {}, {}: {} communes", impact.input, impact.year, count(impact.communes));
    let _ = writeln!(o, "\n{}", paint.bold(&heading));
    let changes = impact.variables.len();
    let _ = writeln!(
        o,
        "  Commune variables: {}",
        or_none(&counts(&[(changes, "changed"), (impact.unchanged, "unchanged")]))
    );
    if !impact.variables.is_empty() {
        let rows: Vec<[String; 3]> = impact
            .variables
            .iter()
            .map(|v| {
                let total = v.total.map_or_else(|| "—".to_string(), |t| signed(v.measure, t));
                [v.variable.clone(), format!("{} of {}", count(v.changed), count(impact.communes)), total]
            })
            .collect();
        let header = ["variable".to_string(), "communes changed".to_string(), "total difference".to_string()];
        let column_widths = widths(std::iter::once(&header).chain(&rows));
        let _ = writeln!(o, "    {}", row(&header, &column_widths));
        for (variable, cells) in impact.variables.iter().zip(&rows) {
            let _ = writeln!(o, "    {}", row(cells, &column_widths));
            let movers: Vec<[String; 4]> = variable
                .movers
                .iter()
                .map(|m| {
                    let delta = m.delta.map_or_else(String::new, |d| signed(variable.measure, d));
                    [m.code.clone(), m.name.clone().unwrap_or_default(), format!("{} → {}", m.old, m.new), delta]
                })
                .collect();
            let mover_widths = widths(movers.iter());
            for mover in &movers {
                let _ = writeln!(o, "        {}", row(mover, &mover_widths));
            }
        }
    }
    let changes = impact.national.len();
    let _ = writeln!(
        o,
        "  National (État) variables: {}",
        or_none(&counts(&[(changes, "changed"), (impact.national_unchanged, "unchanged")]))
    );
    let rows: Vec<[String; 3]> = impact
        .national
        .iter()
        .map(|n| {
            let delta = n.delta.map_or_else(String::new, |d| signed(n.measure, d));
            let name = if n.per_commune { format!("{} (every commune)", n.variable) } else { n.variable.clone() };
            [name, format!("{} → {}", n.old, n.new), delta]
        })
        .collect();
    let national_widths = widths(rows.iter());
    for cells in &rows {
        let _ = writeln!(o, "    {}", row(cells, &national_widths));
    }
    if !impact.only_old.is_empty() {
        let _ = writeln!(o, "  Computed in A only: {}", impact.only_old.join(", "));
    }
    if !impact.only_new.is_empty() {
        let _ = writeln!(o, "  Computed in B only: {}", impact.only_new.join(", "));
    }
}

fn widths<'a, const N: usize>(rows: impl Iterator<Item = &'a [String; N]>) -> [usize; N] {
    let mut widths = [0; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    widths
}

fn row<const N: usize>(cells: &[String; N], widths: &[usize; N]) -> String {
    let cells: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
    cells.join("  ").trim_end().to_string()
}
