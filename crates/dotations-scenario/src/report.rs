//! The impact as a reader sees it: tables for a terminal, and the per-commune CSV file.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use dotations_diagnostics::Diagnostic;
use dotations_engine::model::{format_number, ParameterEdit, ValueType};

use crate::expectation::{Expectation, Outcome};
use crate::format::{self, table};
use crate::impact::{all_rows, Impact, Threshold, VariableImpact};
use crate::Scenario;

/// The scenario's title and the changes it makes to the law.
pub fn header(scenario: &Scenario, year: i32, data: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Scenario: {}  ({})", scenario.name, scenario.path);
    if let Some(description) = &scenario.description {
        for line in wrap(description, 96) {
            let _ = writeln!(out, "  {line}");
        }
    }
    let _ = writeln!(out, "\nYear {year}, {data}.");
    let reform = &scenario.reform;
    if reform.parameters.is_empty() && reform.formulas.is_empty() && reform.additions.is_empty() {
        let _ = writeln!(out, "The scenario changes nothing in the law.");
        return out;
    }
    let _ = writeln!(out, "\nChanges to the law:");
    let period = |start: chrono::NaiveDate, stop: Option<chrono::NaiveDate>| match stop {
        Some(stop) => format!("from {start} to {stop}"),
        None => format!("from {start}"),
    };
    for change in &reform.parameters {
        let what = match &change.edit {
            ParameterEdit::Value(Some(value)) => format!("= {}", parameter_value(value)),
            ParameterEdit::Value(None) => "ends".to_string(),
            ParameterEdit::Bracket { index, field, value } => {
                format!("bracket {index} {} = {}", format!("{field:?}").to_lowercase(), thousands_decimal(*value))
            }
        };
        let _ = writeln!(out, "  parameter {} {what} {}", change.path, period(change.start, change.stop));
    }
    for change in &reform.formulas {
        let _ = writeln!(out, "  formula   {} {}", change.variable, period(change.start, change.stop));
    }
    for addition in &reform.additions {
        let declared: Vec<&str> = addition
            .text()
            .lines()
            .filter_map(|l| l.strip_prefix("variable "))
            .filter_map(|l| l.split([' ', ':']).next())
            .collect();
        let _ = writeln!(out, "  new       {}", declared.join(", "));
    }
    out
}

fn parameter_value(value: &dotations_params::ParamValue) -> String {
    match value {
        dotations_params::ParamValue::Number(n) => thousands_decimal(*n),
        dotations_params::ParamValue::Bool(b) => b.to_string(),
        dotations_params::ParamValue::Text(t) => format!("{t:?}"),
    }
}

fn thousands_decimal(value: rust_decimal::Decimal) -> String {
    let number = dotations_params::decimal_to_f64(value);
    if value.fract().is_zero() {
        format::thousands(number)
    } else {
        value.normalize().to_string()
    }
}

/// Splits a text into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

/// National totals, then counts of communes, then the breakdown by group of each variable
/// that changes.
pub fn impact(impact: &Impact, threshold: Threshold) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nNational totals");
    let rows: Vec<Vec<String>> = impact
        .variables
        .iter()
        .map(|v| {
            let base = v.total(false, &all_rows);
            let reform = v.total(true, &all_rows).unwrap_or(f64::NAN);
            let suffix = match (v.per_commune, v.uniform) {
                (false, _) => " (national)",
                (true, true) => " (same in every commune)",
                (true, false) => "",
            };
            let missing = "—".to_string();
            vec![
                format!("{}{suffix}", v.name),
                base.map_or(missing.clone(), |b| shown(v, b)),
                shown(v, reform),
                base.map_or(missing.clone(), |b| shown_change(v, reform - b)),
                base.map_or(missing, |b| format::percent_change(reform - b, b)),
            ]
        })
        .collect();
    out.push_str(&table(&["variable", "baseline", "reform", "difference", "%"], &rows, 2));
    let communal: Vec<&VariableImpact> = impact.variables.iter().filter(|v| v.per_commune && !v.uniform).collect();
    if communal.is_empty() {
        return out;
    }
    let by = match threshold {
        Threshold::Absolute(t) => format::number(t),
        Threshold::Relative(t) => format::percent(t),
    };
    let _ = writeln!(
        out,
        "\nCommunes ({}): receiving = value > 0 (true); winners, losers = rising, falling by more than {by}",
        format::thousands(impact.communes() as f64)
    );
    let rows: Vec<Vec<String>> = communal.iter().map(|v| counts_row(&v.name, v, threshold, &all_rows)).collect();
    let header = ["variable", "receiving, baseline", "receiving, reform", "winners", "losers"];
    out.push_str(&table(&header, &rows, 2));
    if let Some(grouping) = &impact.grouping {
        let mut unchanged = Vec::new();
        for v in communal {
            if v.baseline.as_ref().is_some_and(|b| *b == v.reform) {
                unchanged.push(v.name.as_str());
                continue;
            }
            let _ = writeln!(out, "\n{} by {} (baseline)", v.name, grouping.variable);
            out.push_str(&by_group(v, &grouping.values, threshold));
        }
        if !unchanged.is_empty() {
            let _ = writeln!(out, "\nUnchanged in every commune: {}", unchanged.join(", "));
        }
    }
    out
}

/// A total as its type deserves: amounts (euros) and counts to the unit, other numbers with
/// their significant decimals.
fn shown(v: &VariableImpact, value: f64) -> String {
    if v.value_type == ValueType::Number {
        format::number(value)
    } else {
        format::thousands(value)
    }
}

/// A change, signed, rounded as [`shown`] rounds.
fn shown_change(v: &VariableImpact, change: f64) -> String {
    if v.value_type == ValueType::Number {
        format::signed(change)
    } else {
        format::signed(change.round())
    }
}

fn counts_row(first: &str, v: &VariableImpact, threshold: Threshold, rows: crate::impact::Rows) -> Vec<String> {
    let count = |c: Option<usize>| c.map_or("—".to_string(), |c| format::thousands(c as f64));
    vec![
        first.to_string(),
        count(v.eligible(false, rows)),
        count(v.eligible(true, rows)),
        count(v.winners(threshold, rows)),
        count(v.losers(threshold, rows)),
    ]
}

/// One line per value of the grouping variable, and a line for all communes.
fn by_group(v: &VariableImpact, groups: &[f64], threshold: Threshold) -> String {
    let mut keys: BTreeMap<i64, ()> = BTreeMap::new();
    for g in groups.iter().filter(|g| g.is_finite()) {
        keys.insert(*g as i64, ());
    }
    let line = |label: String, rows: crate::impact::Rows| {
        let communes = (0..v.reform.len()).filter(|i| rows(*i)).count();
        let base = v.total(false, rows);
        let reform = v.total(true, rows).unwrap_or(f64::NAN);
        let counts = counts_row("", v, threshold, rows);
        vec![
            label,
            format::thousands(communes as f64),
            base.map_or("—".into(), |b| shown(v, b)),
            shown(v, reform),
            base.map_or("—".into(), |b| shown_change(v, reform - b)),
            base.map_or("—".into(), |b| format::percent_change(reform - b, b)),
            format!("{} → {}", counts[1], counts[2]),
            counts[3].clone(),
            counts[4].clone(),
        ]
    };
    let mut hidden = 0;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for key in keys.keys() {
        let in_group = |i: usize| groups[i].is_finite() && groups[i] as i64 == *key;
        let nothing = |values: Option<&[f64]>| values.is_none_or(|v| (0..v.len()).all(|i| !in_group(i) || v[i] == 0.0));
        if nothing(v.side(false)) && nothing(v.side(true)) {
            hidden += 1;
            continue;
        }
        rows.push(line(key.to_string(), &in_group));
    }
    rows.push(line("all".into(), &all_rows));
    let header = ["group", "communes", "baseline", "reform", "difference", "%", "receiving", "winners", "losers"];
    let mut out = table(&header, &rows, 2);
    if hidden > 0 {
        let _ =
            writeln!(out, "  ({hidden} groups where the value is 0 in every commune under both laws are not shown)");
    }
    out
}

/// Each expectation with its result; a failed one shows where it is written.
pub fn outcomes(expectations: &[Expectation], results: &[Result<Outcome, Diagnostic>]) -> String {
    let mut out = String::new();
    if expectations.is_empty() {
        return out;
    }
    let passed = results.iter().filter(|r| r.as_ref().is_ok_and(|o| o.passed)).count();
    let _ = writeln!(out, "\nExpectations: {passed} of {} met", expectations.len());
    for (expectation, result) in expectations.iter().zip(results) {
        match result {
            Ok(outcome) => {
                let status = if outcome.passed { "passed" } else { "FAILED" };
                let _ =
                    writeln!(out, "  {status}  {} = {}; expected {}", outcome.what, outcome.shown, outcome.expected);
                if !outcome.passed {
                    let _ = writeln!(out, "          at {}", expectation.location);
                }
            }
            Err(error) => {
                let _ = writeln!(out, "  ERROR   {}", error.message);
                let _ = writeln!(out, "          at {}", expectation.location);
            }
        }
        if let Some(label) = &expectation.label {
            let _ = writeln!(out, "          ({label})");
        }
    }
    out
}

/// Writes one row per commune: code, name, group, then for each commune variable its baseline,
/// reform and difference (`name__baseline`, `name__reform`, `name__difference`).
pub fn write_csv(out: impl Write, impact: &Impact) -> std::io::Result<()> {
    let mut writer = csv::Writer::from_writer(std::io::BufWriter::new(out));
    let communal: Vec<&VariableImpact> = impact.variables.iter().filter(|v| v.per_commune).collect();
    let mut header = vec!["code_insee".to_string(), "nom".to_string()];
    header.extend(impact.grouping.as_ref().map(|g| g.variable.clone()));
    for v in &communal {
        for suffix in ["baseline", "reform", "difference"] {
            header.push(format!("{}__{suffix}", v.name));
        }
    }
    writer.write_record(&header)?;
    let mut record = Vec::with_capacity(header.len());
    for row in 0..impact.communes() {
        record.clear();
        record.push(impact.codes[row].clone());
        record.push(impact.names[row].clone());
        if let Some(grouping) = &impact.grouping {
            record.push(format_number(grouping.values[row]));
        }
        for v in &communal {
            let reform = v.reform[row];
            match v.baseline.as_ref().map(|b| b[row]) {
                Some(base) => {
                    record.push(format_number(base));
                    record.push(format_number(reform));
                    record.push(format_number(reform - base));
                }
                None => {
                    record.push(String::new());
                    record.push(format_number(reform));
                    record.push(String::new());
                }
            }
        }
        writer.write_record(&record)?;
    }
    writer.flush()
}
