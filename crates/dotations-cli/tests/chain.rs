//! Several years in a row (`compute --years`): the results of each year become the previous-year
//! values of the next. On the test model, three years checked by hand; on the embedded data,
//! 2024 → 2025 against the reference, whose 2025 inputs were chained the same way.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::repo;

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("dotations-chain-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `dotations` from the repository root; returns stdout, with `dir` shown as `<dir>`.
fn dotations(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(repo()).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    String::from_utf8(output.stdout).unwrap().replace(&dir.display().to_string(), "<dir>")
}

/// Runs `dotations` from the repository root, expecting it to fail with exit code 1; returns
/// stderr.
fn dotations_fails(args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(repo()).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", String::from_utf8_lossy(&output.stdout));
    String::from_utf8(output.stderr).unwrap()
}

/// A CSV read whole: header, rows.
fn read(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

fn column(path: &Path, name: &str) -> Vec<f64> {
    let (header, rows) = read(path);
    let index = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
    rows.iter().map(|r| r[index].parse().unwrap()).collect()
}

fn national(path: &Path, name: &str) -> f64 {
    let (_, rows) = read(path);
    rows.iter().find(|r| r[0] == name).unwrap()[1].parse().unwrap()
}

fn close(actual: &[f64], expected: &[f64]) {
    assert_eq!(actual.len(), expected.len());
    for (a, e) in actual.iter().zip(expected) {
        assert!((a - e).abs() <= 1e-9 * e.abs().max(1.0), "{actual:?} != {expected:?}");
    }
}

#[test]
fn three_years_of_the_test_model_chained_by_hand() {
    let dir = tempdir("model");
    let out = dir.join("out_{year}.csv").display().to_string();
    let nat = dir.join("nat_{year}.csv").display().to_string();
    let stdout = dotations(
        &dir,
        &[
            "compute",
            "--years",
            "2024..2026",
            "--rules",
            "tests/model",
            "--inputs",
            "tests/model/communes_{year}.csv",
            "--output",
            &out,
            "--national",
            &nat,
        ],
    );
    insta::assert_snapshot!(stdout);
    let file = |kind: &str, year: i32| dir.join(format!("{kind}_{year}.csv"));
    // 2024, as in test_model.rs: x = 484 / 2 967; A = 1.5 s1 x, B = 900, C = 4 800 x.
    let s1 = 14_250.0 / 11.0;
    let x = 484.0 / 2_967.0;
    let (a24, c24) = (1.5 * s1 * x, 4_800.0 * x);
    close(&column(&file("out", 2024), "montant"), &[a24, 900.0, c24, 0.0, 0.0, 0.0]);
    // 2025: the criteria are carried forward, the amounts of 2024 become last year's amounts.
    close(&column(&file("out", 2025), "montant__prev"), &[a24, 900.0, c24, 0.0, 0.0, 0.0]);
    // Four communes are eligible (parameter of 2025): A, C, B and E (ranks 1 to 4). Scores use
    // the rate of N-1 = 2024 (0.25): A 1.25 s1, B s1, C 4 000, E 7 500. C, created in 2024, is
    // no longer new; E had nothing in 2024, so it is unbounded. At any point value that leaves
    // E a share, A, B and C sit at their floors (0.9 × last year), which add up to
    // 0.9 × 2 000 = 1 800: E gets the 200 left, and the point value is 200 / 7 500.
    close(&column(&file("out", 2025), "eligible"), &[1.0, 1.0, 1.0, 0.0, 1.0, 0.0]);
    close(&column(&file("out", 2025), "score"), &[1.25 * s1, s1, 4_000.0, 0.0, 7_500.0, 0.0]);
    let (a25, c25) = (0.9 * a24, 0.9 * c24);
    close(&column(&file("out", 2025), "montant"), &[a25, 810.0, c25, 0.0, 200.0, 0.0]);
    close(&[national(&file("nat", 2025), "valeur_point")], &[200.0 / 7_500.0]);
    // Evolution per 30 €, truncated: A −0.1 × 316.99 = −31.7 → −1; B −90 → −3; C −78.3 → −2;
    // E 200 → 6.
    close(&column(&file("out", 2025), "evolution_par_tranche"), &[-1.0, -3.0, -2.0, 0.0, 6.0, 0.0]);
    // 2026: same scores; every eligible commune now has last year's amount, so all are bounded.
    // A and C leave their floors at the same point value (0.972 x for both), B stays at its
    // floor 729, E at its ceiling 240: 729 + 240 + (1.25 s1 + 4 000) y = 2 000.
    close(&column(&file("out", 2026), "montant__prev"), &[a25, 810.0, c25, 0.0, 200.0, 0.0]);
    let y = 1_031.0 / (1.25 * s1 + 4_000.0);
    close(&column(&file("out", 2026), "montant"), &[1.25 * s1 * y, 729.0, 4_000.0 * y, 0.0, 240.0, 0.0]);
    close(&[national(&file("nat", 2026), "valeur_point")], &[y]);
    close(&[national(&file("nat", 2026), "total_verse")], &[2_000.0]);
}

#[test]
fn a_chain_with_one_output_name_for_several_years_is_refused() {
    let stderr =
        dotations_fails(&["compute", "--years", "2024..2025", "--rules", "tests/model", "--output", "out.csv"]);
    insta::assert_snapshot!(stderr);
}

/// Kinds of the reference's variables (`variable_types.json`): how values are compared.
fn kinds() -> HashMap<String, String> {
    let text = std::fs::read_to_string(repo().join("tests/oracle/variable_types.json")).unwrap();
    let mut kinds = HashMap::new();
    for entry in text.split("},") {
        let name = entry.split('"').nth(1).unwrap_or_default().to_string();
        if let Some(kind) = entry.split("\"value_type\": \"").nth(1).and_then(|k| k.split('"').next()) {
            kinds.insert(name, kind.to_string());
        }
    }
    kinds
}

fn gz(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let file = std::fs::File::open(path).unwrap();
    let mut reader = csv::Reader::from_reader(flate2::read::GzDecoder::new(file));
    let header = reader.headers().unwrap().iter().map(str::to_string).collect();
    let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
    (header, rows)
}

/// 2024 → 2025 on the embedded data. The reference's 2025 inputs hold the 2024 results of its
/// own run — a float32 run, rounded to the cent — and two values the chain cannot derive: the
/// dotation forfaitaire of 2024 (its float32 run wraps the capital's potentiel fiscal, see
/// tests/oracle/README) and the majorée population of 2024 (the generator's, where the model
/// majorates nobody in 2024, quirk Q3). Those two are kept from the input table; every other
/// previous-year value comes from the chain, and must equal the reference's to float32
/// precision (within 0.01 € and 5e-6: the reference's float32 run drifts by up to 1.6 € on a
/// DSU of a million); the 2025 results then equal the reference's within what that moves
/// (0.5 € or 2e-6 of the amount), and every boolean, integer and enumeration exactly.
#[test]
fn chaining_2024_to_2025_on_the_embedded_data_gives_the_reference() {
    let dir = tempdir("embedded");
    let out = dir.join("out_{year}.csv").display().to_string();
    let stdout = dotations(
        &dir,
        &[
            "compute",
            "--years",
            "2024..2025",
            "--keep-prev",
            "dotation_forfaitaire,population_dgf_majoree",
            "--output",
            &out,
        ],
    );
    insta::assert_snapshot!(stdout);
    let (header, rows) = read(&dir.join("out_2025.csv"));
    let (input_header, inputs) = gz(&repo().join("data/france_synthetique_2025.csv.gz"));
    // The previous-year values set by the chain, against the reference's.
    for (index, name) in input_header.iter().enumerate().filter(|(_, h)| h.ends_with("__prev")) {
        let ours = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} not written"));
        for (row, input) in rows.iter().zip(&inputs) {
            let (a, e): (f64, f64) = (row[ours].parse().unwrap(), input[index].parse().unwrap());
            assert!((a - e).abs() <= 0.01 + 5e-6 * e.abs(), "{name} of {}: chained {a}, reference {e}", row[0]);
        }
    }
    let kinds = kinds();
    let (oracle_header, oracle) = gz(&repo().join("tests/oracle/seed1_2025_outputs_f64.csv.gz"));
    let mut mismatches = Vec::new();
    for (index, name) in oracle_header.iter().enumerate().skip(1).filter(|(_, n)| !n.starts_with("rang_")) {
        let ours = header.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} not written"));
        let float = kinds[name] == "float";
        let count = rows
            .iter()
            .zip(&oracle)
            .filter(|(row, expected)| {
                let (a, e) = (&row[ours], &expected[index]);
                match (float, a.parse::<f64>(), e.parse::<f64>()) {
                    (true, Ok(a), Ok(e)) => (a - e).abs() > 0.5f64.max(2e-6 * e.abs()),
                    (_, Ok(a), Ok(e)) => a != e,
                    _ => a != e && !(a == "1" && e == "True" || a == "0" && e == "False"),
                }
            })
            .count();
        if count > 0 {
            mismatches.push(format!("{name}: {count}"));
        }
    }
    assert!(mismatches.is_empty(), "2025 chained differs from the reference: {mismatches:?}");
}

#[test]
fn a_chain_file_whose_masks_are_a_list_is_refused() {
    // Written as a list, the masks were silently ignored.
    let dir = tempdir("masks-list");
    let chain = dir.join("chain.yaml");
    std::fs::write(&chain, "masks:\n  - montant: eligible\n").unwrap();
    let stderr = dotations_fails(&[
        "compute",
        "--years",
        "2024..2025",
        "--rules",
        "tests/model",
        "--input",
        "tests/model/communes_2024.csv",
        "--chain",
        chain.to_str().unwrap(),
    ]);
    assert!(stderr.contains("`masks` holds `value: mask` lines"), "{stderr}");
    assert!(stderr.contains("chain.yaml:1:1"), "{stderr}");
}

#[test]
fn chain_options_without_years_are_refused() {
    let stderr = dotations_fails(&["compute", "--year", "2024", "--rules", "tests/model", "--keep-prev", "montant"]);
    assert!(stderr.contains("--keep-prev chains years: it needs --years, not --year"), "{stderr}");
}

#[test]
fn previous_year_values_follow_each_commune_by_code_not_by_row() {
    // The table of 2025 lists the communes in another order, without F and with a new G: the
    // results of 2024 were passed on by row, so each commune got another's amount.
    let dir = tempdir("by-code");
    let text = std::fs::read_to_string(repo().join("tests/model/communes_2024.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let header = lines.remove(0);
    lines.retain(|l| !l.starts_with("F,"));
    lines.reverse();
    let new = "G,Gamma,700,350000,rurale,0001-01-01,123";
    let table_2025 = format!("{header}\n{new}\n{}\n", lines.join("\n"));
    std::fs::write(dir.join("communes_2025.csv"), table_2025).unwrap();
    let out = dir.join("out_{year}.csv").display().to_string();
    let input_2025 = dir.join("communes_2025.csv").display().to_string();
    let stdout = dotations(
        &dir,
        &[
            "compute",
            "--years",
            "2024..2025",
            "--rules",
            "tests/model",
            "--input",
            "tests/model/communes_2024.csv",
            "--input-2025",
            &input_2025,
            "--output",
            &out,
        ],
    );
    assert!(stdout.contains("2025: 1 commune is not in 2024 (G)"), "{stdout}");
    let by_code = |year: i32, name: &str| -> HashMap<String, f64> {
        let path = dir.join(format!("out_{year}.csv"));
        let (header, rows) = read(&path);
        let index = header.iter().position(|h| h == name).unwrap();
        rows.iter().map(|r| (r[0].clone(), r[index].parse().unwrap())).collect()
    };
    let (montant_2024, prev_2025) = (by_code(2024, "montant"), by_code(2025, "montant__prev"));
    for code in ["A", "B", "C", "D", "E"] {
        assert_eq!(prev_2025[code], montant_2024[code], "{code}");
    }
    assert_eq!(prev_2025["G"], 123.0, "a new commune keeps the table's own value");
    assert!(!prev_2025.contains_key("F"));
}

#[test]
fn a_first_year_without_its_table_names_the_file_looked_for() {
    // It said "no input table for 2023" and suggested --inputs, the option already given.
    let stderr = dotations_fails(&[
        "compute",
        "--years",
        "2023..2024",
        "--rules",
        "tests/model",
        "--inputs",
        "tests/model/communes_{year}.csv",
    ]);
    assert!(stderr.starts_with("error: no input table for 2023, the first year of the chain\n"), "{stderr}");
    assert!(
        stderr.contains("= note: --inputs names tests/model/communes_2023.csv for 2023, and there is no such file"),
        "{stderr}"
    );
}
