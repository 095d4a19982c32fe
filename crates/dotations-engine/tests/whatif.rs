//! What-ifs on the test model of `tests/model`: a budget changed, only what it reaches computed
//! again (the distribution solved again from the rows it classified before), gives what a whole
//! run of the changed law gives.

mod common;

use chrono::NaiveDate;
use common::test_model;
use dotations_engine::eval::{Run, Value};
use dotations_engine::{plan, Dataset, MissingInputs, Model};
use dotations_params::ParamValue;
use rust_decimal::Decimal;

fn data(model: &Model) -> Dataset {
    let mut data = Dataset::single_group(model, (0..4).map(|i| i.to_string()).collect());
    let mut set = |name: &str, year: i32, values: Vec<f64>| {
        data.set_input(model, model.variable_id(name).unwrap(), year, values).unwrap();
    };
    for year in [2024, 2025] {
        set("population", year, vec![500.0, 800.0, 2_000.0, 1_200.0]);
        set("potentiel", year, vec![250_000.0, 800_000.0, 1_000_000.0, 500_000.0]);
        set("categorie_commune", year, vec![1.0, 1.0, 1.0, 1.0]);
    }
    set("date_creation", 2025, vec![0.0, 0.0, 0.0, 0.0]);
    set("montant", 2024, vec![400.0, 300.0, 900.0, 0.0]);
    data
}

fn values(value: &Value) -> Vec<f64> {
    match value {
        Value::Column(column) => column.to_vec(),
        Value::Packed(column) => column.to_vec(),
        Value::Scalar(value) => vec![*value],
    }
}

fn ids(model: &Model, names: &[&str]) -> Vec<usize> {
    names.iter().map(|name| model.variable_id(name).unwrap()).collect()
}

/// Plans `targets` with one parameter changed (path, date, value), computes it from the base
/// run where the change reaches, checks every value against a whole run, and returns the plan
/// and the incremental run.
fn incremental_as_whole(
    model: &Model,
    data: &Dataset,
    targets: &[usize],
    (base, base_run): (&plan::Plan, &Run),
    (path, date, value): (&str, NaiveDate, Decimal),
) -> (plan::Plan, Run) {
    let mut parameters = model.parameters.clone();
    parameters.set_value(path, date, None, Some(ParamValue::Number(value))).unwrap();
    let changed = plan::build_with_parameters(model, &parameters, data, 2025, targets, MissingInputs::Default).unwrap();
    let incremental = changed.run_incremental(model, data, base, base_run).unwrap();
    let whole = changed.run(model, data).unwrap();
    for node in &changed.nodes {
        let name = &model.variables[node.var].name;
        assert_eq!(values(incremental.slot(node.slot)), values(whole.slot(node.slot)), "{name} ({path} = {value})");
    }
    (changed, incremental)
}

#[test]
fn a_changed_budget_recomputed_from_the_classified_rows_gives_a_whole_run() {
    let model = test_model();
    let data = data(&model);
    let targets = ids(&model, &["valeur_point", "montant", "total_verse"]);
    let base = plan::build(&model, &data, 2025, &targets, MissingInputs::Default).unwrap();
    let base_run = base.run_keeping_all(&model, &data).unwrap();
    let january = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let mut points = Vec::new();
    for envelope in [1_700, 2_000, 2_300, 2_600] {
        let value = Decimal::from(envelope);
        let (changed, incremental) =
            incremental_as_whole(&model, &data, &targets, (&base, &base_run), ("dotation.enveloppe", january, value));
        let point = changed.nodes.iter().find(|n| model.variables[n.var].name == "valeur_point").unwrap();
        points.push(values(incremental.slot(point.slot))[0]);
    }
    // A larger budget, a larger point value.
    assert!(points.windows(2).all(|pair| pair[0] < pair[1]), "{points:?}");
}

/// `score` and `points_entiers` (score / 7) are computed together, in one level, piece of rows
/// by piece of rows: a what-if that changes `score` must compute `points_entiers` again, though
/// its own step did not change and `score`'s new value is not known when the level starts.
#[test]
fn a_formula_of_the_same_level_as_a_changed_one_is_computed_again() {
    let model = test_model();
    let data = data(&model);
    let targets = ids(&model, &["score", "points_entiers", "montant"]);
    let base = plan::build(&model, &data, 2025, &targets, MissingInputs::Default).unwrap();
    let level_of = |plan: &plan::Plan, name: &str| {
        let slot = plan.nodes.iter().find(|n| model.variables[n.var].name == name).unwrap().slot;
        plan.schedule.levels.iter().position(|level| level.iter().any(|s| plan.steps[*s].slot() == slot)).unwrap()
    };
    assert_eq!(level_of(&base, "score"), level_of(&base, "points_entiers"));
    let base_run = base.run_keeping_all(&model, &data).unwrap();
    let points = |run: &Run, plan: &plan::Plan| {
        let node = plan.nodes.iter().find(|n| model.variables[n.var].name == "points_entiers").unwrap();
        values(run.slot(node.slot))
    };
    let base_points = points(&base_run, &base);
    let january_2024 = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    for rate in ["0.5", "1", "2"] {
        let change = ("dotation.taux_majoration", january_2024, rate.parse().unwrap());
        let (changed, incremental) = incremental_as_whole(&model, &data, &targets, (&base, &base_run), change);
        assert_ne!(points(&incremental, &changed), base_points, "{rate}");
    }
}
