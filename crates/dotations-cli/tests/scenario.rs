//! `dotations scenario`: the test model's scenario end to end, the exit code of a failed
//! expectation, and the repository's scenarios on the embedded synthetic France.

use std::process::{Command, Output};

mod common;
use common::repo;

/// Runs `dotations scenario` from the repository's root (so that paths in messages are short).
fn scenario(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations"))
        .current_dir(repo())
        .arg("scenario")
        .args(args)
        .output()
        .expect("run dotations")
}

/// The test model and its communes of 2024, as every scenario of these tests runs on them.
const TEST_MODEL: [&str; 4] = ["--rules", "tests/model", "--input", "tests/model/communes_2024.csv"];

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes `yaml` as the scenario file `name` of a new directory and runs it on the test model's
/// communes of 2024; its stderr names the file by `name` alone.
fn scenario_file(name: &str, yaml: &str) -> (Output, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, yaml).unwrap();
    let output = scenario(&[&[file.to_str().unwrap()][..], &TEST_MODEL].concat());
    let stderr = text(&output.stderr).replace(&*file.display().to_string(), name);
    (output, stderr)
}

#[test]
fn the_test_model_scenario_runs_and_writes_the_impact() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("impact.csv");
    let quatre = "tests/model/scenarios/quatre_eligibles.yaml";
    let output =
        scenario(&[&[quatre][..], &TEST_MODEL, &["--by", "strate", "--output", csv.to_str().unwrap()]].concat());
    let stdout = text(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", text(&output.stderr));
    assert!(stdout.contains("Expectations: 13 of 13 met"), "{stdout}");
    assert!(stdout.contains("montant by strate (baseline)"), "{stdout}");
    let impact = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = impact.lines().collect();
    assert!(rows[0].starts_with("code_insee,nom,strate,anciennete__baseline,anciennete__reform,"), "{}", rows[0]);
    // E was not eligible; it now receives its ceiling, 120 % of last year's 400.
    let e: Vec<&str> = rows[5].split(',').collect();
    let column = |name: &str| rows[0].split(',').position(|h| h == name).unwrap();
    assert_eq!(e[0], "E");
    assert_eq!((e[column("montant__baseline")], e[column("montant__reform")]), ("0", "480"));
    assert_eq!(e[column("bonus__reform")], "30");
}

#[test]
fn a_failed_expectation_fails_the_command() {
    let original = std::fs::read_to_string(repo().join("tests/model/scenarios/quatre_eligibles.yaml")).unwrap();
    let (output, stderr) = scenario_file(
        "echec.yaml",
        &original.replace("  - winners: montant\n    equals: 1", "  - winners: montant\n    equals: 2"),
    );
    assert_eq!(output.status.code(), Some(1));
    let stdout = text(&output.stdout);
    assert!(stdout.contains("Expectations: 12 of 13 met"), "{stdout}");
    assert!(stdout.contains("FAILED  winners of montant (by more than 0) = 1; expected 2"), "{stdout}");
    insta::assert_snapshot!("scenario_failed_expectation", stderr);
}

#[test]
fn errors_point_into_the_scenario_file() {
    let (output, stderr) = scenario_file(
        "faute.yaml",
        "name: Faute\nyear: 2024\nformulas:\n  - variable: score\n    start: 2024-01-01\n    formula: |\n      \
         if eligible then population * indice * 2\n      else zero\n",
    );
    assert_eq!(output.status.code(), Some(1));
    insta::assert_snapshot!("scenario_error_in_a_formula", stderr);
}

#[test]
fn a_year_is_required() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sans_annee.yaml");
    std::fs::write(&file, "name: Sans année\n").unwrap();
    let output = scenario(&[file.to_str().unwrap(), "--rules", "tests/model"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(text(&output.stderr).contains("gives no year and --year is missing"), "{}", text(&output.stderr));
}

#[test]
fn a_threshold_below_zero_or_not_a_number_is_refused() {
    // Below 0 every commune counted as a winner and a loser; `nan` made none either.
    for threshold in ["--threshold=-1000", "--threshold=nan", "--threshold=-1%"] {
        let output =
            scenario(&[&["tests/model/scenarios/quatre_eligibles.yaml"][..], &TEST_MODEL, &[threshold]].concat());
        assert_eq!(output.status.code(), Some(1), "{threshold}");
        assert!(text(&output.stderr).contains("an amount or a percentage of 0 or more"), "{}", text(&output.stderr));
    }
}

/// Runs a scenario file that succeeds with a warning; its stderr must start with `warning`.
fn warns(name: &str, yaml: &str, warning: &str) {
    let (output, stderr) = scenario_file(name, yaml);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.starts_with(warning), "{stderr}");
}

#[test]
fn a_formula_for_an_input_of_the_data_is_said_to_be_unused() {
    // The data wins, as in OpenFisca: the formula changed nothing, and nothing said so.
    warns(
        "entree.yaml",
        "name: x\nyear: 2024\nformulas:\n  - variable: population\n    start: 2024-01-01\n    formula: 5\n",
        "warning: `population` is given by the data for 2024: the scenario's formula for it is not used\n \
         --> entree.yaml:4:15",
    );
}

/// The repository's scenarios meet their expectations on the embedded data (each computes the
/// whole model twice).
#[test]
fn the_repository_scenarios_meet_their_expectations() {
    for name in ["plf_hausse_dsr_dsu", "indice_cible_poids", "corrections"] {
        let output = scenario(&[&format!("scenarios/{name}.yaml")]);
        let stdout = text(&output.stdout);
        assert!(output.status.success(), "{name}:\n{stdout}\n{}", text(&output.stderr));
        assert!(stdout.contains("Year 2025, embedded data: 35 000 communes."), "{stdout}");
        let met = stdout.lines().find(|l| l.starts_with("Expectations: ")).expect("expectations");
        let (done, total) = met["Expectations: ".len()..].split_once(" of ").unwrap();
        assert_eq!(done, total.trim_end_matches(" met"), "{name}: {met}");
    }
}

#[test]
fn a_change_that_starts_after_the_year_computed_is_said_to_change_nothing() {
    // A scenario of 2025 computed for 2024 showed every difference 0, and nothing said why.
    warns(
        "tard.yaml",
        "name: x\nyear: 2024\nparameters:\n  - parameter: dotation.enveloppe\n    start: 2025-01-01\n    value: 5_000\n",
        "warning: the change of `dotation.enveloppe` starts on 2025-01-01, after January 1 2024: it is not in force in \
         2024\n --> tard.yaml:4:16",
    );
}
