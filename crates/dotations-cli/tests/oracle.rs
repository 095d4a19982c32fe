//! The whole model, on the embedded synthetic France, against the reference outputs of
//! `tests/oracle` (2024, and 2025 which chains on 2024): every computed commune variable and
//! every national variable, with the reference checker's tolerances.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use dotations_engine::{MissingInputs, Simulation};

mod common;
use common::repo;

/// A table read whole: header and rows of text cells.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn read_csv(path: &Path) -> Table {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut text = String::new();
    if path.extension().is_some_and(|e| e == "gz") {
        flate2::read::GzDecoder::new(file).read_to_string(&mut text).unwrap();
    } else {
        std::io::BufReader::new(file).read_to_string(&mut text).unwrap();
    }
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    Table { header, rows: lines.collect() }
}

/// How a variable's values are compared (from the reference's `variable_types.json`).
fn kinds() -> HashMap<String, String> {
    let text = std::fs::read_to_string(repo().join("tests/oracle/variable_types.json")).unwrap();
    // {"name": {"computed": …, "value_type": "float", …}, …}: read name → value_type.
    let mut kinds = HashMap::new();
    for entry in text.split("},") {
        let name = entry.split('"').nth(1).unwrap_or_default().to_string();
        if let Some(kind) = entry.split("\"value_type\": \"").nth(1).and_then(|k| k.split('"').next()) {
            kinds.insert(name, kind.to_string());
        }
    }
    kinds
}

fn float_matches(expected: f64, actual: f64) -> bool {
    (expected.is_nan() && actual.is_nan()) || (expected - actual).abs() <= 0.01f64.max(1e-9 * expected.abs())
}

fn value_matches(kind: &str, expected: &str, actual: &str) -> bool {
    match kind {
        "float" => match (expected.parse::<f64>(), actual.parse::<f64>()) {
            (Ok(e), Ok(a)) => float_matches(e, a),
            _ => expected == actual,
        },
        "int" => expected.parse::<f64>().ok() == actual.parse::<f64>().ok(),
        "bool" => (expected == "1" || expected == "True") == (actual == "1" || actual == "True"),
        _ => expected == actual,
    }
}

/// The rows whose rank is compared: the ranked index is positive and not tied (as the
/// reference checker decides, since ties and zeros are ranked in an arbitrary order there).
fn ranked_rows(oracle: &Table, column: &str) -> Vec<bool> {
    let col = |name: &str| oracle.header.iter().position(|h| h == name).unwrap();
    let population = col("population_dgf");
    let index = |row: &Vec<String>| -> f64 {
        let pop: f64 = row[population].parse().unwrap();
        let (name, keep) = match column {
            "rang_indice_synthetique_dsr_cible" => ("indice_synthetique_dsr_cible", true),
            "rang_indice_synthetique_dsu_seuil_haut" => ("indice_synthetique_dsu", pop >= 10_000.0),
            _ => ("indice_synthetique_dsu", (5_000.0..10_000.0).contains(&pop)),
        };
        if keep {
            row[col(name)].parse().unwrap()
        } else {
            0.0
        }
    };
    let values: Vec<f64> = oracle.rows.iter().map(index).collect();
    let mut counts: HashMap<u64, usize> = HashMap::new();
    for v in &values {
        *counts.entry(v.to_bits()).or_default() += 1;
    }
    values.iter().map(|v| *v > 0.0 && counts[&v.to_bits()] == 1).collect()
}

fn check_year(year: i32) -> Vec<String> {
    let model = dotations_rules::load(None).unwrap_or_else(|d| panic!("{d}"));
    let input = repo().join(format!("data/france_synthetique_{year}.csv.gz"));
    let table = dotations_io::read_table(&model, &input, year).unwrap_or_else(|d| panic!("{d}"));
    let computed_vars: Vec<usize> = (0..model.variables.len()).filter(|v| model.variables[*v].is_computed()).collect();
    let simulation = Simulation::new(&model, &table.dataset, MissingInputs::Error);
    let computed = simulation.compute_ids(year, &computed_vars).unwrap_or_else(|d| panic!("{d}"));
    let kinds = kinds();
    let oracle = read_csv(&repo().join(format!("tests/oracle/seed1_{year}_outputs_f64.csv.gz")));
    let ids = table.dataset.ids(model.person_entity());
    assert_eq!(oracle.rows.len(), ids.len(), "same communes");
    let mut failures = Vec::new();
    for (column, name) in oracle.header.iter().enumerate().skip(1) {
        let var = model.variable_id(name).unwrap_or_else(|| panic!("the model has no variable `{name}`"));
        let values = computed.value(var, year).and_then(|v| v.as_column().cloned());
        let Some(values) = values else {
            failures.push(format!("{name:<75} not computed"));
            continue;
        };
        let kind = &kinds[name];
        let compared = if name.starts_with("rang_") { ranked_rows(&oracle, name) } else { vec![true; ids.len()] };
        let mut mismatches = Vec::new();
        for (row, expected) in oracle.rows.iter().enumerate() {
            let actual = model.format_value(var, values[row]);
            if compared[row] && !value_matches(kind, &expected[column], &actual) {
                mismatches.push(format!("{}: {} | {}", ids[row], expected[column], actual));
            }
        }
        if !mismatches.is_empty() {
            let first: Vec<&str> = mismatches.iter().take(3).map(String::as_str).collect();
            failures.push(format!(
                "{name:<75} {:>6} mismatches; first (oracle | engine): {}",
                mismatches.len(),
                first.join("; ")
            ));
        }
    }
    let national = read_csv(&repo().join(format!("tests/oracle/seed1_{year}_etat_f64.csv")));
    for row in &national.rows {
        let (name, expected) = (&row[0], &row[1]);
        let var = model.variable_id(name).unwrap_or_else(|| panic!("the model has no variable `{name}`"));
        let actual = computed.value(var, year).map(|v| v.at(0)).unwrap_or(f64::NAN);
        if !value_matches(&kinds[name], expected, &dotations_engine::model::format_number(actual)) {
            failures.push(format!("{:<75} national: oracle {expected} | engine {actual}", format!("etat:{name}")));
        }
    }
    failures
}

fn assert_matches(year: i32) {
    let failures = check_year(year);
    assert!(
        failures.is_empty(),
        "{year}: {} variables differ from the reference:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn matches_the_reference_in_2024() {
    assert_matches(2024);
}

#[test]
fn matches_the_reference_in_2025_chained_on_2024() {
    assert_matches(2025);
}
