//! The text of a run: each failing test with its place, each differing output with the rows
//! that differ (expected, actual, difference, the margin used), errors as located diagnostics,
//! and a last line `N passed, M failed`.

use std::fmt::Write;

use dotations_diagnostics::Location;

use crate::run::{Failure, TestResult};

/// Rows listed per differing output before the rest is counted.
const MAX_ROWS: usize = 20;

/// One test's outcome (or a file that could not be read).
#[derive(Debug, Clone)]
pub struct Outcome {
    pub file: String,
    /// The test's `name` (empty for a file-level error).
    pub name: String,
    /// Where the test starts (`None` for a file-level error).
    pub location: Option<Location>,
    pub result: TestResult,
}

/// Every outcome of a run.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
}

impl Report {
    pub fn passed(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o.result, TestResult::Passed)).count()
    }

    pub fn failed(&self) -> usize {
        self.outcomes.len() - self.passed()
    }

    /// The report as printed by `dotations test`; `verbose` also lists passing tests.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        for outcome in &self.outcomes {
            let place = match &outcome.location {
                Some(location) => format!("{}:{}", location.file, location.line),
                None => outcome.file.clone(),
            };
            let name = if outcome.name.is_empty() { String::new() } else { format!("  {}", outcome.name) };
            match &outcome.result {
                TestResult::Passed => {
                    if verbose {
                        let _ = writeln!(out, "ok    {place}{name}");
                    }
                }
                TestResult::Failed(failures) => {
                    let _ = writeln!(out, "FAIL  {place}{name}");
                    for failure in failures {
                        render_failure(&mut out, failure);
                    }
                    out.push('\n');
                }
                TestResult::Error(errors) => {
                    let what = if outcome.location.is_some() { "  (this test cannot run)" } else { "" };
                    let _ = writeln!(out, "ERROR {place}{name}{what}");
                    out.push_str(&indent(&errors.to_string(), "  "));
                    out.push('\n');
                }
            }
        }
        if self.failed() > 1 {
            // A recap, so that a long report's failures can be found again at its end.
            let _ = writeln!(out, "failed:");
            for outcome in self.outcomes.iter().filter(|o| !matches!(o.result, TestResult::Passed)) {
                let place =
                    outcome.location.as_ref().map_or(outcome.file.clone(), |l| format!("{}:{}", l.file, l.line));
                let _ = writeln!(out, "{}", format!("  {place}  {}", outcome.name).trim_end());
            }
        }
        let _ = writeln!(out, "{} passed, {} failed", self.passed(), self.failed());
        out
    }
}

fn render_failure(out: &mut String, failure: &Failure) {
    let count = failure.mismatches.len();
    let rows = if failure.checked == 1 { failure.entity.clone() } else { format!("{}s", failure.entity) };
    let _ = writeln!(
        out,
        "  {} [{}]: {count} of {} {rows} differ{} ({})",
        failure.variable,
        failure.year,
        failure.checked,
        if count == 1 { "s" } else { "" },
        failure.margin
    );
    let _ = writeln!(out, "    --> {}", failure.location);
    if count > 0 {
        let numeric = failure.mismatches.iter().any(|m| m.difference.is_some());
        let mut table = vec![vec![failure.entity.clone(), "expected".into(), "actual".into()]];
        if numeric {
            table[0].push("difference".into());
        }
        for mismatch in failure.mismatches.iter().take(MAX_ROWS) {
            let mut row = vec![mismatch.id.clone(), mismatch.expected.clone(), mismatch.actual.clone()];
            if let Some(difference) = mismatch.difference {
                row.push(signed(difference));
            }
            table.push(row);
        }
        let widths: Vec<usize> = (0..table[0].len())
            .map(|c| table.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
            .collect();
        for row in &table {
            let cells: Vec<String> = row.iter().enumerate().map(|(c, s)| format!("{s:<w$}", w = widths[c])).collect();
            let _ = writeln!(out, "    {}", cells.join("  ").trim_end());
        }
        if count > MAX_ROWS {
            let _ = writeln!(out, "    … and {} more", count - MAX_ROWS);
        }
    }
    if let Some(trace) = &failure.trace {
        out.push_str(&indent(trace, "    "));
    }
}

/// A difference, to 10 significant digits (`0.1`, not `0.09999999999999964`), with its sign.
fn signed(value: f64) -> String {
    let rounded: f64 = format!("{value:.9e}").parse().unwrap_or(value);
    let text = dotations_engine::model::format_number(rounded);
    if value > 0.0 {
        format!("+{text}")
    } else {
        text
    }
}

fn indent(text: &str, pad: &str) -> String {
    text.lines().map(|line| if line.is_empty() { "\n".to_string() } else { format!("{pad}{line}\n") }).collect()
}
