//! Running scenarios end to end: the test model's scenario (values worked out by hand in its
//! comments), a failed expectation, and the example of `docs/scenarios.md` on the synthetic
//! France.

use std::path::{Path, PathBuf};

use dotations_diagnostics::{Diagnostics, SourceText};
use dotations_engine::Model;
use dotations_scenario::{report, Impact, Scenario, Side, Threshold};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs a scenario given as text (named as in the repository) on a model and a data file;
/// returns the printed report and the diagnostics of failed expectations.
fn run(name: &str, text: &str, base: &Model, data: &Path, year: i32, by: Option<&str>) -> (String, Diagnostics) {
    let scenario = Scenario::parse(&SourceText::new(name, text)).unwrap_or_else(|d| panic!("{d}"));
    let reform = scenario.reformed(base).unwrap_or_else(|d| panic!("{d}"));
    let base_table = dotations_io::read_table(base, data, year).unwrap_or_else(|d| panic!("{d}"));
    let reform_table = dotations_io::read_table(&reform, data, year).unwrap_or_else(|d| panic!("{d}"));
    let impact = Impact::compute(
        Side { model: base, table: &base_table },
        Side { model: &reform, table: &reform_table },
        year,
        &scenario.reported_variables(&reform),
        by,
    )
    .unwrap_or_else(|d| panic!("{d}"));
    let (results, failures) = scenario.check(&impact);
    let mut text = report::header(&scenario, year, "tests/model/communes_2024.csv");
    text.push_str(&report::impact(&impact, Threshold::Absolute(0.0)));
    text.push_str(&report::outcomes(&scenario.expectations, &results));
    (text, failures)
}

fn test_model_scenario() -> String {
    std::fs::read_to_string(repo().join("tests/model/scenarios/quatre_eligibles.yaml")).unwrap()
}

fn test_model() -> Model {
    dotations_rules::load(Some(&repo().join("tests/model"))).unwrap_or_else(|d| panic!("{d}"))
}

#[test]
fn the_test_model_scenario_meets_its_hand_worked_expectations() {
    let data = repo().join("tests/model/communes_2024.csv");
    let name = "tests/model/scenarios/quatre_eligibles.yaml";
    let (text, failures) = run(name, &test_model_scenario(), &test_model(), &data, 2024, Some("strate"));
    assert!(failures.is_empty(), "{failures}");
    insta::assert_snapshot!("test_model_report", text);
}

#[test]
fn a_failed_expectation_is_reported_at_its_line() {
    let text =
        test_model_scenario().replace("    equals: 480", "    equals: 481").replace("equals: 100", "at_least: 101");
    let data = repo().join("tests/model/communes_2024.csv");
    let name = "tests/model/scenarios/quatre_eligibles.yaml";
    let (report, failures) = run(name, &text, &test_model(), &data, 2024, None);
    assert!(report.contains("Expectations: 11 of 13 met"), "{report}");
    insta::assert_snapshot!("failed_expectations", failures.to_string());
}

#[test]
fn the_csv_holds_both_laws_and_their_difference() {
    let base = test_model();
    let scenario = Scenario::load(&repo().join("tests/model/scenarios/quatre_eligibles.yaml")).unwrap();
    let reform = scenario.reformed(&base).unwrap();
    let data = repo().join("tests/model/communes_2024.csv");
    let base_table = dotations_io::read_table(&base, &data, 2024).unwrap();
    let reform_table = dotations_io::read_table(&reform, &data, 2024).unwrap();
    let variables = vec!["montant".to_string(), "bonus".to_string(), "valeur_point".to_string()];
    let base_side = Side { model: &base, table: &base_table };
    let reform_side = Side { model: &reform, table: &reform_table };
    let impact = Impact::compute(base_side, reform_side, 2024, &variables, Some("strate")).unwrap();
    let mut csv = Vec::new();
    report::write_csv(&mut csv, &impact).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    // National values (valeur_point) are not per commune: they are not columns.
    assert_eq!(
        lines[0],
        "code_insee,nom,strate,montant__baseline,montant__reform,montant__difference,bonus__baseline,bonus__reform,\
         bonus__difference"
    );
    // E (strate 3) was not eligible; under the reform it receives its ceiling, 120 % of 400.
    assert_eq!(lines[5], "E,Epsilon,3,0,480,480,,30,");
    assert_eq!(lines.len(), 7);
}

/// The complete example of `docs/scenarios.md` runs on the synthetic France and meets its
/// expectations, so that the documentation stays true.
#[test]
fn the_example_of_the_documentation_holds() {
    let doc = std::fs::read_to_string(repo().join("docs/scenarios.md")).unwrap();
    let section = doc.split("## A complete example").nth(1).expect("the section");
    let text = section.split("```yaml\n").nth(1).and_then(|s| s.split("```").next()).expect("a YAML block");
    let data = repo().join("data/france_synthetique_2025.csv.gz");
    let base = dotations_rules::load(None).unwrap_or_else(|d| panic!("{d}"));
    let (report, failures) = run("docs/scenarios.md", text, &base, &data, 2025, Some("strate_demographique"));
    assert!(failures.is_empty(), "{failures}\n{report}");
    assert!(report.contains("Expectations: 3 of 3 met"), "{report}");
}
