//! Reforms on the fixture tree: `Parameter.update` semantics (the value set on `[start, stop]`,
//! the earlier value back after `stop`).

use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use dotations_params::{BracketField, ParamValue, ParameterTree};
use rust_decimal::Decimal;

fn tree() -> ParameterTree {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tree");
    ParameterTree::load_dir(&dir).unwrap_or_else(|errors| panic!("{errors}"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::from_str(text).unwrap()
}

fn decimal(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap()
}

fn number(text: &str) -> Option<ParamValue> {
    Some(ParamValue::Number(decimal(text)))
}

fn at(tree: &ParameterTree, path: &str, day: &str) -> Option<ParamValue> {
    tree.value_at(path, date(day)).unwrap().cloned()
}

#[test]
fn a_value_over_a_period_then_the_old_one_resumes() {
    let mut tree = tree();
    let path = "dotation.montant";
    tree.set_value(path, date("2020-01-01"), Some(date("2021-12-31")), number("1000")).unwrap();
    assert_eq!(at(&tree, path, "2019-12-31"), number("7145440325"));
    assert_eq!(at(&tree, path, "2020-01-01"), number("1000"));
    assert_eq!(at(&tree, path, "2021-12-31"), number("1000"));
    assert_eq!(at(&tree, path, "2022-01-01"), number("6906353334"));
    assert_eq!(at(&tree, path, "2023-01-01"), None);
    let parameter = tree.parameter(path).unwrap();
    assert_eq!(&*parameter.entry_at(date("2020-06-01")).unwrap().location.file, "<reform>");
    assert!(parameter.entry_at(date("2022-06-01")).unwrap().location.file.ends_with("montant.yaml"));
}

#[test]
fn an_open_ended_value_and_a_removal() {
    let mut tree = tree();
    let path = "dotation.criteres.coefficient_zrr";
    tree.set_value(path, date("2025-01-01"), None, number("1.5")).unwrap();
    assert_eq!(at(&tree, path, "2030-01-01"), number("1.5"));
    tree.set_value(path, date("2010-01-01"), Some(date("2010-12-31")), None).unwrap();
    assert_eq!(at(&tree, path, "2009-12-31"), number("1.3"));
    assert_eq!(at(&tree, path, "2010-06-01"), None);
    assert_eq!(at(&tree, path, "2011-01-01"), number("1.3"));
}

#[test]
fn brackets_are_reformed_field_by_field() {
    let mut tree = tree();
    let path = "population.groupes";
    tree.set_bracket(path, 1, BracketField::Threshold, date("2022-01-01"), None, decimal("600")).unwrap();
    tree.set_bracket(path, 1, BracketField::Amount, date("2022-01-01"), Some(date("2022-12-31")), decimal("7"))
        .unwrap();
    let y2022 = tree.scale(path).unwrap().at(date("2022-06-01"));
    assert_eq!(y2022.calc(599.0), 1.0);
    assert_eq!(y2022.calc(600.0), 7.0);
    let y2023 = tree.scale(path).unwrap().at(date("2023-06-01"));
    assert_eq!(y2023.calc(600.0), 2.0);

    tree.set_value("population.groupes.brackets[0].amount", date("2022-01-01"), None, number("0.5")).unwrap();
    assert_eq!(tree.scale(path).unwrap().at(date("2022-06-01")).calc(10.0), 0.5);
}

#[test]
fn reforms_that_cannot_apply_say_why() {
    let mut tree = tree();
    let day = date("2022-01-01");
    let errors = [
        tree.set_value("dotation.montnat", day, None, None),
        tree.set_value("dotation", day, None, None),
        tree.set_value("population.groupes", day, None, None),
        tree.set_value("dotation.montant", day, Some(date("2021-01-01")), None),
        tree.set_value("population.groupes.brackets[0].amount", day, None, Some(ParamValue::Bool(true))),
        tree.set_value("dotation.montant", day, None, Some(ParamValue::Bool(true))),
        tree.set_value("dotation.montant", day, None, Some(ParamValue::Text("1000".into()))),
        tree.set_bracket("population.groupes", 9, BracketField::Amount, day, None, Decimal::ONE),
        tree.set_bracket("population.groupes", 0, BracketField::Rate, day, None, Decimal::ONE),
        tree.set_bracket("dotation.montant", 0, BracketField::Amount, day, None, Decimal::ONE),
    ];
    let messages: Vec<String> = errors.into_iter().map(|result| result.unwrap_err()).collect();
    assert_eq!(
        messages,
        [
            "no parameter `dotation.montnat`",
            "`dotation` is a node, not a parameter",
            "`population.groupes` is a scale: set its brackets with `set_bracket`",
            "the period ends (2021-01-01) before it starts (2022-01-01)",
            "`population.groupes.brackets[0].amount` is a bracket field: its values are numbers",
            "its values are numbers, and a boolean is given",
            "its values are numbers, and a text is given",
            "`population.groupes` has 5 brackets: there is no bracket 9",
            "`population.groupes` is a `single_amount` scale: its brackets have `threshold` and `amount`, not `rate`",
            "no scale `dotation.montant`",
        ]
    );
}
