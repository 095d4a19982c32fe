//! `dotations sweep` and `dotations solve` end to end: a sweep agrees with full computations of
//! the same changes (through scenarios, which compile a reformed model); a solve on the test
//! model of `tests/model` finds the value worked out by hand; mistakes are located.

use std::path::Path;
use std::process::{Command, Output};

use dotations_engine::eval::population::pairwise_sum;

mod common;
use common::repo;

/// Runs `dotations ARGS` from the repository root (paths in messages are then relative).
fn dotations(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations")).args(args).current_dir(repo()).output().expect("run dotations")
}

fn succeeds(args: &[&str]) -> String {
    let output = dotations(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}\n{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

fn fails(args: &[&str]) -> String {
    let output = dotations(args);
    assert_eq!(output.status.code(), Some(1), "an error exit, not a crash: {args:?}");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

/// A CSV file as a header and rows of cells (no quoting in these files).
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines().map(|l| l.split(',').map(str::to_string).collect::<Vec<_>>());
    let header = lines.next().unwrap();
    (header, lines.collect())
}

const CIBLE: &str = "dotation_solidarite_rurale.cible.montant";

#[test]
fn a_sweep_agrees_with_full_computations_of_each_value() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let output = dir.join("sweep.csv");
    let args = [
        "sweep",
        CIBLE,
        "400_000_000..600_000_000",
        "--steps",
        "3",
        "--year",
        "2025",
        "--output",
        output.to_str().unwrap(),
    ];
    let stdout = succeeds(&args);
    assert!(
        stdout.contains("3 variants of `dotation_solidarite_rurale.cible.montant` (law in force: 479438624)"),
        "{stdout}"
    );
    let (header, rows) = read_csv(&output);
    assert_eq!(header[0], "value");
    assert_eq!(rows.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["400000000", "500000000", "600000000"]);
    let sweep_column = |row: &[String], name: &str| -> String {
        row[header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))].clone()
    };
    for row in &rows {
        // The same change, as a scenario: a reformed model compiled and computed in full.
        let scenario = dir.join(format!("cible_{}.yaml", row[0]));
        std::fs::write(
            &scenario,
            format!(
                "name: DSR cible à {value}\nyear: 2025\nparameters:\n  - parameter: {CIBLE}\n    start: 2025-01-01\n    value: {value}\n",
                value = row[0]
            ),
        )
        .unwrap();
        let impact = dir.join(format!("impact_{}.csv", row[0]));
        succeeds(&["scenario", scenario.to_str().unwrap(), "--output", impact.to_str().unwrap()]);
        let (impact_header, communes) = read_csv(&impact);
        let column = |name: &str| -> Vec<f64> {
            let index = impact_header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
            communes.iter().map(|c| c[index].parse::<f64>().unwrap()).collect()
        };
        let mut compared = 0;
        for name in dotations_scenario::DOTATIONS {
            let (baseline, reform) = (column(&format!("{name}__baseline")), column(&format!("{name}__reform")));
            let total: f64 = sweep_column(row, &format!("{name}__total")).parse().unwrap();
            assert_eq!(total, pairwise_sum(&reform), "{name} at {}", row[0]);
            let eligible = reform.iter().filter(|v| **v > 0.0).count();
            assert_eq!(sweep_column(row, &format!("{name}__eligible")), eligible.to_string(), "{name}");
            let winners = reform.iter().zip(&baseline).filter(|(r, b)| *r - *b > 0.0).count();
            let losers = reform.iter().zip(&baseline).filter(|(r, b)| *b - *r > 0.0).count();
            assert_eq!(sweep_column(row, &format!("{name}__winners")), winners.to_string(), "{name}");
            assert_eq!(sweep_column(row, &format!("{name}__losers")), losers.to_string(), "{name}");
            compared += 1;
        }
        assert_eq!(compared, 9);
    }
    // The fraction cible follows its envelope; the dotation forfaitaire does not move.
    let totals: Vec<f64> = rows.iter().map(|r| sweep_column(r, "dsr_fraction_cible__total").parse().unwrap()).collect();
    assert!(totals[0] < totals[1] && totals[1] < totals[2], "{totals:?}");
    assert!(rows.iter().all(|r| sweep_column(r, "dotation_forfaitaire__winners") == "0"));
    assert!(std::fs::metadata(dir.join("sweep.csv.stamp.json")).is_ok(), "the stamp is beside the table");
}

const TEST_MODEL: [&str; 6] = ["--rules", "tests/model", "--input", "tests/model/communes_2024.csv", "--year", "2024"];

#[test]
fn a_sweep_of_a_scale_bracket_on_the_test_model() {
    // Strate 2 starts at 1 000 inhabitants (A 500, B 800, F 900 in strate 1). From 850, F
    // joins strate 2; from 750, B too. Their index is then measured against strate 2's mean
    // potential, and the ranking changes who receives the dotation.
    let mut args =
        vec!["sweep", "strates.brackets[1].threshold", "750..1_050", "--steps", "4", "--variables", "strate,montant"];
    args.extend(TEST_MODEL);
    let stdout = succeeds(&args);
    let rows: Vec<&str> = stdout.lines().collect();
    assert_eq!(rows[0], "value,strate__total,strate__eligible,strate__winners,strate__losers,montant__total,montant__eligible,montant__winners,montant__losers");
    // Strates under the law in force: 1, 1, 2, 2, 3, 1 (sum 10). At 750: B and F → 2 (sum 12);
    // at 850: F → 2 (sum 11); at 950 and 1 050: as in force.
    let strates: Vec<(&str, &str, &str)> = rows[1..]
        .iter()
        .map(|r| {
            let cells: Vec<&str> = r.split(',').collect();
            (cells[0], cells[1], cells[3])
        })
        .collect();
    assert_eq!(strates, [("750", "12", "2"), ("850", "11", "1"), ("950", "10", "0"), ("1050", "10", "0")]);
    // The envelope is distributed in full whatever the strates.
    assert!(rows[1..].iter().all(|r| r.split(',').nth(5) == Some("2000")), "{stdout}");
}

#[test]
fn solve_finds_the_envelope_worked_out_by_hand() {
    // Commune A's amount is score × point value, unbounded between 270 and 360 (90 % and 120 %
    // of last year's 300); B stays at its floor (900) and C, new, is unbounded: the envelope E
    // is 900 + (21 375/11 + 4 800) × x (see tests/test_model.rs). A gets 330 when
    // x = 330 × 11 / 21 375, i.e. E = 1 230 + 4 800 × 3 630 / 21 375 = 38 858 / 19.
    let mut args = vec!["solve", "dotation.enveloppe", "--between", "1200..3000", "--tolerance", "1e-6"];
    args.extend(TEST_MODEL);
    args.extend(["--target", "commune(A).montant = 330"]);
    let stdout = succeeds(&args);
    let line = |prefix: &str| stdout.lines().find(|l| l.starts_with(prefix)).unwrap_or_else(|| panic!("{stdout}"));
    let found: f64 = line("found: ").trim_start_matches("found: dotation.enveloppe = ").parse().unwrap();
    assert!((found - 38_858.0 / 19.0).abs() < 1e-5, "{found}");
    let achieved: f64 = line("achieved: ").split(' ').nth(3).unwrap().parse().unwrap();
    assert!((achieved - 330.0).abs() <= 1e-6, "{achieved}");
    let evaluations: usize = line("evaluations: ").split(' ').nth(1).unwrap().parse().unwrap();
    assert!((9..=20).contains(&evaluations), "{stdout}");
    assert!(stdout.contains("law in force: dotation.enveloppe = 2000, commune(A).montant = 316.98"), "{stdout}");
}

#[test]
fn solving_for_the_baseline_gives_back_the_law_in_force() {
    let mut args = vec!["solve", "dotation.enveloppe", "--between", "1500..2500", "--tolerance", "1e-9"];
    args.extend(TEST_MODEL);
    args.extend(["--target", "total(montant) = baseline + 10%"]);
    let stdout = succeeds(&args);
    // The envelope is distributed in full: 10 % more in total is 10 % more envelope.
    assert!(stdout.contains("found: dotation.enveloppe = 2200\n"), "{stdout}");
    let mut args = vec!["solve", "dotation.enveloppe", "--between", "1500..2500", "--tolerance", "1e-9"];
    args.extend(TEST_MODEL);
    args.extend(["--target", "commune(C).montant = baseline"]);
    assert!(succeeds(&args).contains("found: dotation.enveloppe = 2000\n"));
}

#[test]
fn a_target_out_of_reach_is_reported() {
    // B is held at its floor (900) over the whole bracket: 2 000 is out of reach.
    let mut args = vec!["solve", "dotation.enveloppe", "--between", "1200..3000"];
    args.extend(TEST_MODEL);
    args.extend(["--target", "commune(B).montant = 2_000"]);
    insta::assert_snapshot!(fails(&args));
}

#[test]
fn mistakes_in_a_target_are_located() {
    let targets = [
        "totl(montant) = 3",
        "total(montan) = 3",
        "commune(Z).montant = 1",
        "commune(A).total_verse = 1",
        "total(montant) 3",
        "total(montant) = beseline",
        "total(montant) = 3 4",
        "commune(A.montant = 1",
    ];
    let mut report = String::new();
    for target in targets {
        let mut args = vec!["solve", "dotation.enveloppe", "--between", "1200..3000"];
        args.extend(TEST_MODEL);
        args.extend(["--target", target]);
        report.push_str(&format!("$ --target '{target}'\n{}\n", fails(&args)));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn mistakes_in_the_parameter_and_the_values_are_located() {
    let cases: [&[&str]; 10] = [
        &["sweep", "dotation.enveloppes", "1..2", "--steps", "2"],
        &["sweep", "strates", "1..2", "--steps", "2"],
        &["sweep", "strates.brackets[5].amount", "1..2", "--steps", "2"],
        &["sweep", "dotation", "1..2", "--steps", "2"],
        &["sweep", "dotation.enveloppe", "1000..2OOO", "--steps", "2"],
        &["sweep", "dotation.enveloppe", "1500..2500", "--steps", "2", "--set", "dotation.seuil_rang:4"],
        // Each was taken silently: the swept value won, TO was dropped, fewer evaluations ran.
        &["sweep", "dotation.enveloppe", "1500..2500", "--steps", "2", "--set", "dotation.enveloppe=3"],
        &["sweep", "dotation.enveloppe", "1500..2500", "--steps", "1"],
        &["solve", "dotation.enveloppe", "--target", "total(montant) = 1", "--max-evaluations", "5"],
        &["solve", "dotation.enveloppe", "--target", "total(montant) = 1", "--tolerance=-1"],
    ];
    let mut report = String::new();
    for case in cases {
        let mut args = case.to_vec();
        args.extend(TEST_MODEL);
        report.push_str(&format!("$ {}\n{}\n", case.join(" "), fails(&args)));
    }
    insta::assert_snapshot!(report);
}

#[test]
fn other_changes_apply_to_every_value_tried() {
    // With 4 eligible communes (E joins), find the envelope that keeps A's amount of the law in
    // force: E takes a share, so the envelope must grow.
    let mut args = vec!["solve", "dotation.enveloppe", "--between", "1600..4000", "--set", "dotation.seuil_rang=4"];
    args.extend(TEST_MODEL);
    args.extend(["--target", "commune(A).montant = baseline"]);
    let stdout = succeeds(&args);
    let found = stdout.lines().find_map(|l| l.strip_prefix("found: dotation.enveloppe = ")).expect("found");
    assert!(found.parse::<f64>().unwrap() > 2_000.0, "{stdout}");
}

#[test]
fn the_total_of_a_national_amount_stored_on_every_commune_is_that_amount() {
    // `dsr_montant_total_fraction_cible` holds the envelope on every commune: sweep and solve
    // summed it over the 35 000 communes (15 750 billion), where `scenario` gives the envelope.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep.csv");
    let variables = "--variables=dsr_montant_total_fraction_cible";
    let range = "450_000_000..450_000_000";
    let args = ["sweep", "dotation_solidarite_rurale.cible.montant", range, "--steps", "1", "--year", "2025"];
    succeeds(&[&args[..], &[variables, "--output", out.to_str().unwrap()]].concat());
    let (header, rows) = read_csv(&out);
    let total = header.iter().position(|h| h == "dsr_montant_total_fraction_cible__total").unwrap();
    assert_eq!(rows[0][total], "450000000");
    let target = "total(dsr_montant_total_fraction_cible) = 460_000_000";
    let stdout = succeeds(&[
        "solve",
        "dotation_solidarite_rurale.cible.montant",
        "--year",
        "2025",
        "--target",
        target,
        "--between",
        "400_000_000..500_000_000",
    ]);
    assert!(stdout.contains("found: dotation_solidarite_rurale.cible.montant = 460000000\n"), "{stdout}");
}
