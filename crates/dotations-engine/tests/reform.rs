//! Reforms on the test model of `tests/model`: a parameter changed for a period, a formula
//! replaced for a period, a variable added — and errors located in the reform's own text.

mod common;

use chrono::NaiveDate;
use common::test_model;
use dotations_diagnostics::SourceText;
use dotations_engine::model::{FormulaChange, ParameterChange, ParameterEdit, Reform};
use dotations_engine::{Dataset, MissingInputs, Model, Simulation};
use dotations_params::ParamValue;
use rust_decimal::Decimal;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn data(model: &Model) -> Dataset {
    let mut data = Dataset::single_group(model, (0..3).map(|i| i.to_string()).collect());
    let mut set = |name: &str, year: i32, values: Vec<f64>| {
        data.set_input(model, model.variable_id(name).unwrap(), year, values).unwrap();
    };
    for year in [2024, 2025, 2026] {
        set("population", year, vec![500.0, 800.0, 2_000.0]);
        set("potentiel", year, vec![250_000.0, 800_000.0, 1_000_000.0]);
        set("categorie_commune", year, vec![1.0, 1.0, 1.0]);
    }
    set("date_creation", 2024, vec![0.0, 0.0, 0.0]);
    data
}

fn values(model: &Model, year: i32, name: &str) -> Vec<f64> {
    let data = data(model);
    let simulation = Simulation::new(model, &data, MissingInputs::Default);
    simulation.compute(year, &[name]).unwrap_or_else(|d| panic!("{d}")).values(name).unwrap().to_vec()
}

#[test]
fn a_parameter_changed_for_one_year() {
    let reform = Reform {
        name: "seuil".into(),
        parameters: vec![ParameterChange {
            path: "dotation.seuil_rang".into(),
            start: date(2024, 1, 1),
            stop: Some(date(2024, 12, 31)),
            edit: ParameterEdit::Value(Some(ParamValue::Number(Decimal::ONE))),
            location: None,
        }],
        ..Reform::default()
    };
    let base = test_model();
    let reformed = base.reformed(&reform).unwrap();
    // Indices: strate 1 mean 1 050 000 / 1 300 = 807.7 → 1.615 (a), 0.808 (b); c alone in its
    // strate → 1. Ranks a 1, c 2, b 3: base quota 3 → all eligible; reform quota 1 → only a.
    assert_eq!(values(&base, 2024, "eligible"), [1.0, 1.0, 1.0]);
    assert_eq!(values(&reformed, 2024, "eligible"), [1.0, 0.0, 0.0]);
    // From 2025 the base value (4 from 2025) applies again.
    assert_eq!(values(&reformed, 2025, "eligible"), [1.0, 1.0, 1.0]);
}

#[test]
fn a_formula_replaced_for_one_year_then_the_base_resumes() {
    let reform = Reform {
        name: "majoration".into(),
        formulas: vec![FormulaChange {
            variable: "anciennete".into(),
            start: date(2025, 1, 1),
            stop: Some(date(2025, 12, 31)),
            body: SourceText::new("reform", "let a = N - year(date_creation)\n2 * a"),
            location: None,
        }],
        ..Reform::default()
    };
    let reformed = test_model().reformed(&reform).unwrap();
    // Created on 1970-01-01 (day 0).
    assert_eq!(values(&reformed, 2024, "anciennete"), [54.0; 3]);
    assert_eq!(values(&reformed, 2025, "anciennete"), [110.0; 3]);
    assert_eq!(values(&reformed, 2026, "anciennete"), [56.0; 3]);
}

#[test]
fn a_variable_added_by_a_reform() {
    let reform = Reform {
        name: "bonus".into(),
        additions: vec![SourceText::new(
            "bonus.rules",
            "variable bonus : money, per commune, yearly\n  = 10 * strate\n",
        )],
        ..Reform::default()
    };
    assert_eq!(values(&test_model().reformed(&reform).unwrap(), 2024, "bonus"), [10.0, 10.0, 20.0]);
}

#[test]
fn errors_point_into_the_reform() {
    let reform = Reform {
        name: "faute".into(),
        formulas: vec![FormulaChange {
            variable: "anciennete".into(),
            start: date(2025, 1, 1),
            stop: None,
            body: SourceText::piece("scenarios/faute.yaml", "N - year(date_creaton)", 12, 6),
            location: None,
        }],
        parameters: vec![ParameterChange {
            path: "dotation.seuil_rangs".into(),
            start: date(2025, 1, 1),
            stop: None,
            edit: ParameterEdit::Value(Some(ParamValue::Number(Decimal::ONE))),
            location: Some(dotations_diagnostics::Location::new("scenarios/faute.yaml", 5, 9)),
        }],
        ..Reform::default()
    };
    let error = test_model().reformed(&reform).unwrap_err().to_string();
    assert!(error.contains("scenarios/faute.yaml:5:9"), "{error}");
    assert!(error.contains("did you mean `dotation.seuil_rang`?"), "{error}");
    // Parameter errors are reported first; fix that one and the formula's error shows.
    let reform = Reform { parameters: vec![], ..reform };
    let error = test_model().reformed(&reform).unwrap_err().to_string();
    assert!(error.contains("scenarios/faute.yaml:12:16"), "{error}");
    assert!(error.contains("did you mean `date_creation`?"), "{error}");
}
