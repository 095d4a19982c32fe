//! Reading scenario files: what a well-formed file becomes, and the message of each kind of
//! mistake, located in the scenario (snapshots).

use std::path::PathBuf;

use chrono::NaiveDate;
use dotations_diagnostics::SourceText;
use dotations_engine::model::ParameterEdit;
use dotations_engine::Model;
use dotations_params::{BracketField, ParamValue};
use dotations_scenario::{Amount, Comparison, Measure, Of, Scenario, Threshold};
use rust_decimal::Decimal;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn test_model() -> Model {
    dotations_rules::load(Some(&repo().join("tests/model"))).unwrap_or_else(|d| panic!("{d}"))
}

fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::parse(&SourceText::new("scenarios/essai.yaml", text)).map_err(|d| d.to_string())
}

fn error(text: &str) -> String {
    parse(text).expect_err("the scenario has a mistake")
}

/// The error of a scenario that parses but does not fit the test model.
fn reform_error(text: &str) -> String {
    let scenario = parse(text).unwrap_or_else(|e| panic!("{e}"));
    scenario.reformed(&test_model()).map(|_| ()).expect_err("the reform has a mistake").to_string()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_scenario_becomes_a_reform_and_expectations() {
    let scenario = parse(
        r#"
name: Essai
description: |
  Deux lignes
  de description.
year: 2024
parameters:
  - parameter: dotation.enveloppe
    start: 2024-01-01
    stop: 2024-12-31
    value: 1_500.50
  - parameter: strates
    start: "2025-01-01"
    bracket: 1
    threshold: 1_200
  - parameter: dotation.seuil_rang
    start: 2026-01-01
    value: null
formulas:
  - variable: anciennete
    start: 2025-01-01
    formula: |
      let a = N - year(date_creation)
      2 * a
new_variables: |
  variable bonus : money, per commune, yearly
    = 10 * strate
show: bonus
expectations:
  - total: montant
    of: difference
    equals: 0
    tolerance: 0.1 %
  - winners: montant
    threshold: 5 %
    at_least: 1
  - largest_loss: montant
    where: [eligible, nouvelle]
    between: [1 %, 5.5 %]
  - commune: "01001"
    variable: montant
    at_most: -3
    label: une commune
"#,
    )
    .unwrap();
    assert_eq!(scenario.name, "Essai");
    assert_eq!(scenario.description.as_deref(), Some("Deux lignes\nde description."));
    assert_eq!(scenario.year, Some(2024));
    let parameters = &scenario.reform.parameters;
    assert_eq!(parameters.len(), 3);
    assert_eq!((parameters[0].start, parameters[0].stop), (date(2024, 1, 1), Some(date(2024, 12, 31))));
    assert!(matches!(&parameters[0].edit,
        ParameterEdit::Value(Some(ParamValue::Number(n))) if *n == Decimal::new(150_050, 2)));
    assert!(matches!(parameters[1].edit,
        ParameterEdit::Bracket { index: 1, field: BracketField::Threshold, value } if value == Decimal::from(1200)));
    assert!(matches!(parameters[2].edit, ParameterEdit::Value(None)));
    let formula = &scenario.reform.formulas[0];
    assert_eq!((formula.variable.as_str(), formula.start, formula.stop), ("anciennete", date(2025, 1, 1), None));
    // The formula is a piece of the scenario file: its first line is line 23, column 7.
    let location = formula.body.location(0, 3);
    assert_eq!((location.line, location.column), (23, 7));
    assert!(scenario.reform.additions[0].text().starts_with("variable bonus"));
    assert_eq!(scenario.variables(), ["bonus", "montant", "eligible", "nouvelle"]);

    let [total, winners, largest, commune] = scenario.expectations.as_slice() else { panic!("four expectations") };
    assert!(matches!(total.measure, Measure::Total(ref v) if v.name == "montant"));
    assert_eq!(total.of, Of::Difference);
    assert_eq!(total.bound.tolerance, Some(Amount::Percent(Decimal::new(1, 1))));
    assert!(matches!(winners.measure, Measure::Winners { threshold: Threshold::Relative(t), .. } if t == 0.05));
    assert_eq!(largest.bound.comparison, Comparison::Between(0.01, 0.055));
    assert!(largest.bound.percent);
    assert_eq!(largest.filter.len(), 2);
    assert!(matches!(&commune.measure, Measure::Commune { code, .. } if code == "01001"));
    assert_eq!(commune.bound.comparison, Comparison::AtMost(-3.0));
    assert_eq!(commune.label.as_deref(), Some("une commune"));
    assert_eq!(commune.location.line, 40);
}

#[test]
fn a_scenario_applies_to_the_test_model() {
    let scenario = Scenario::load(&repo().join("tests/model/scenarios/quatre_eligibles.yaml")).unwrap();
    let reformed = scenario.reformed(&test_model()).unwrap_or_else(|d| panic!("{d}"));
    assert!(reformed.variable_id("bonus").is_some());
}

#[test]
fn unknown_keys_suggest_the_closest() {
    insta::assert_snapshot!(
        "unknown_keys",
        error(
            "name: Essai\nparameter:\n  - parameter: x\nexpectations:\n  - total: montant\n    at_leest: 3\n    \
             of: reform\n"
        )
    );
}

#[test]
fn a_bad_date_is_located() {
    insta::assert_snapshot!(
        "bad_date",
        error("name: Essai\nparameters:\n  - parameter: dotation.enveloppe\n    start: 2024-02-30\n    value: 1\n")
    );
}

#[test]
fn an_unknown_parameter_suggests_the_closest() {
    insta::assert_snapshot!(
        "unknown_parameter",
        reform_error(
            "name: Essai\nparameters:\n  - parameter: dotation.enveloppes\n    start: 2024-01-01\n    value: 1\n"
        )
    );
}

#[test]
fn a_syntax_error_in_a_formula_points_into_the_scenario() {
    insta::assert_snapshot!(
        "formula_syntax_error",
        reform_error(
            "name: Essai\nformulas:\n  - variable: anciennete\n    start: 2025-01-01\n    formula: |\n      \
             let a = N - year(date_creation)\n      2 * * a\n"
        )
    );
}

#[test]
fn an_unknown_variable_in_a_formula_or_an_expectation_suggests_the_closest() {
    insta::assert_snapshot!(
        "unknown_variable_in_formula",
        reform_error(
            "name: Essai\nformulas:\n  - variable: anciennete\n    start: 2025-01-01\n    formula: N - year(date_creaton)\n"
        )
    );
    insta::assert_snapshot!(
        "unknown_variable_in_expectation",
        reform_error("name: Essai\nexpectations:\n  - losers: montnat\n    equals: 0\n")
    );
    insta::assert_snapshot!(
        "unknown_formula_variable",
        reform_error("name: Essai\nformulas:\n  - variable: ancienete\n    start: 2025-01-01\n    formula: '1'\n")
    );
}

#[test]
fn mistakes_in_expectations() {
    insta::assert_snapshot!(
        "mistakes_in_expectations",
        error(
            "name: Essai\nexpectations:\n  - total: montant\n  - total: montant\n    eligible: montant\n    equals: 1\n  \
             - total: montant\n    equals: 5 %\n  - winners: montant\n    of: difference\n    equals: 1\n  \
             - largest_loss: montant\n    between: [5 %, 1 %]\n  - commune: A\n    equals: 1\n  \
             - total: montant\n    of: reformed\n    equals: 1\n"
        )
    );
}

#[test]
fn a_folded_formula_and_a_missing_name_are_refused() {
    insta::assert_snapshot!(
        "folded_formula",
        error("formulas:\n  - variable: anciennete\n    start: 2025-01-01\n    formula: >\n      2 *\n      N\n")
    );
}

#[test]
fn a_stop_before_the_start_is_refused() {
    let message = error(
        "name: Essai\nparameters:\n  - parameter: a\n    start: 2025-01-01\n    stop: 2024-12-31\n    value: 1\n",
    );
    assert!(message.contains("scenarios/essai.yaml:5:11"), "{message}");
    assert!(message.contains("`stop` (2024-12-31) is before `start` (2025-01-01)"), "{message}");
}

#[test]
fn a_year_out_of_the_calendar_is_refused_not_wrapped() {
    // 4 294 969 321 is 2025 plus 2^32: cast to 32 bits, it was read as 2025.
    for year in ["4294969321", "300000", "0"] {
        let message = error(&format!("name: x\nyear: {year}\n"));
        assert!(message.contains(&format!("`year` must be a year from 1 to 9999, not {year}")), "{message}");
        assert!(message.contains("scenarios/essai.yaml:2:7"), "{message}");
    }
}

#[test]
fn a_quoted_formula_over_several_lines_is_refused() {
    // YAML folds it into one line: every message then pointed past the end of its line.
    for quoted in ["\"a\n      + b\"", "'a\n      + b'"] {
        let text = format!(
            "name: x\nyear: 2025\nformulas:\n  - variable: montant\n    start: 2025-01-01\n    formula: {quoted}\n"
        );
        let message = error(&text);
        assert!(message.starts_with("error: write the formula on several lines as a literal block (`|`)"), "{message}");
        assert!(message.contains("scenarios/essai.yaml:6:14"), "{message}");
    }
    // On one line, quotes and escaped quotes inside are fine.
    for quoted in [r#""a + \"b\" + c""#, "'a + ''b'' + c'"] {
        let text = format!(
            "name: x\nyear: 2025\nformulas:\n  - variable: montant\n    start: 2025-01-01\n    formula: {quoted}\n"
        );
        parse(&text).unwrap_or_else(|e| panic!("{quoted}: {e}"));
    }
}

#[test]
fn a_plain_formula_over_several_lines_is_refused() {
    // YAML folds it into one line, as a quoted one: messages pointed past its first line.
    let text =
        "name: x\nyear: 2025\nformulas:\n  - variable: montant\n    start: 2025-01-01\n    formula: a +\n      b\n";
    let message = error(text);
    assert!(message.starts_with("error: write the formula on several lines as a literal block (`|`)"), "{message}");
    assert!(message.contains("scenarios/essai.yaml:6:14"), "{message}");
    // On one line, with a comment after it or inside a flow mapping, it is fine.
    for formula in ["formula: a + b  # un commentaire", "{variable: montant, start: 2025-01-01, formula: a + b}"] {
        let text = if formula.starts_with('{') {
            format!("name: x\nyear: 2025\nformulas:\n  - {formula}\n")
        } else {
            format!("name: x\nyear: 2025\nformulas:\n  - variable: montant\n    start: 2025-01-01\n    {formula}\n")
        };
        let scenario = parse(&text).unwrap_or_else(|e| panic!("{formula}: {e}"));
        assert_eq!(scenario.reform.formulas[0].body.text(), "a + b");
    }
}

#[test]
fn a_mistake_after_escapes_in_a_quoted_formula_is_located_in_the_file() {
    // `\"`, `\u00e9` and `''` are more characters of the file than of the formula: the unknown
    // name is where the file has it, and the line shown is the file's.
    let lines = [
        r#"formula: "categorie_commune == \"rurale\" and populaton > 0""#,
        r#"formula: 'categorie_commune != "l''autre" and populaton > 0'"#,
        r#"formula: "categorie_commune != \"\u00e9\" and populaton > 0""#,
    ];
    for line in lines {
        let text =
            format!("name: x\nformulas:\n  - variable: potentiel_par_habitant\n    start: 2025-01-01\n    {line}\n");
        let message = reform_error(&text);
        let column = 4 + line.find("populaton").unwrap() + 1;
        assert!(message.contains(&format!("scenarios/essai.yaml:5:{column}")), "{line}\n{message}");
        let underline = format!("5 |     {line}\n  | {}^^^^^^^^^", " ".repeat(column - 1));
        assert!(message.contains(&underline), "{line}\n{message}");
        // The text is underlined whole, its escapes too, and the fix is said.
        let quoted = line.split(' ').nth(3).unwrap();
        let column = 4 + line.find(quoted).unwrap() + 1;
        let underline = format!("{line}\n  | {}{}\n", " ".repeat(column - 1), "^".repeat(quoted.chars().count()));
        assert!(message.contains(&underline), "{line}\n{message}");
        assert!(message.contains("= help: an enumeration's item is named without quotes"), "{message}");
    }
}

#[test]
fn a_second_yaml_document_is_refused_not_dropped() {
    let message = error("name: x\nyear: 2025\n---\nname: y\n");
    assert!(message.starts_with("error: this file holds a second YAML document"), "{message}");
    assert!(message.contains("scenarios/essai.yaml:3:1"), "{message}");
    // A byte-order mark at the start is no part of the file's text.
    assert_eq!(parse("\u{feff}name: x\n").map(|s| s.name), Ok("x".to_string()));
}

#[test]
fn a_threshold_below_zero_is_refused() {
    // Every commune counted as a winner and a loser, as `--threshold` refuses too.
    for threshold in ["-1", "-5 %"] {
        let message = error(&format!(
            "name: x\nexpectations:\n  - winners: montant\n    threshold: {threshold}\n    equals: 1\n"
        ));
        assert!(message.starts_with("error: `threshold` is an amount or a percentage of 0 or more"), "{message}");
        assert!(message.contains("scenarios/essai.yaml:4:16"), "{message}");
    }
}

#[test]
fn two_changes_over_the_same_days_are_refused() {
    // The last one won, silently.
    let message = error(
        "name: x\nparameters:\n  - parameter: a\n    start: 2025-01-01\n    value: 1\n  \
         - parameter: a\n    start: 2025-06-01\n    stop: 2025-12-31\n    value: 2\n",
    );
    assert!(message.starts_with("error: `a` is changed twice over the same days"), "{message}");
    assert!(message.contains("scenarios/essai.yaml:6:16"), "{message}");
    assert!(
        message.contains("this change is 2025-06-01 to 2025-12-31, the change above (line 3) from 2025-01-01"),
        "{message}"
    );
    let message = error(
        "name: x\nformulas:\n  - variable: v\n    start: 2025-01-01\n    formula: '1'\n  \
         - variable: v\n    start: 2024-01-01\n    formula: '2'\n",
    );
    assert!(message.starts_with("error: `v` is changed twice over the same days"), "{message}");
    // One after the other, as the documentation says to write a replacement per period.
    parse(
        "name: x\nparameters:\n  - parameter: a\n    start: 2024-01-01\n    stop: 2024-12-31\n    value: 1\n  \
         - parameter: a\n    start: 2025-01-01\n    value: 2\n  - parameter: b\n    start: 2024-01-01\n    value: 2\n",
    )
    .unwrap();
}
