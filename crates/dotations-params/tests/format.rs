//! The corners of OpenFisca's format that the fixture tree does not show.

use std::str::FromStr;

use chrono::NaiveDate;
use dotations_params::{Entry, ParamValue, ParameterTree, ScaleKind};
use rust_decimal::Decimal;

fn load(files: &[(&str, &str)]) -> ParameterTree {
    let files = files.iter().map(|(path, text)| (path.to_string(), text.to_string())).collect();
    ParameterTree::from_files(files, "").unwrap_or_else(|errors| panic!("{errors}"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::from_str(text).unwrap()
}

fn number(text: &str) -> Option<ParamValue> {
    Some(ParamValue::Number(Decimal::from_str(text).unwrap()))
}

fn at(tree: &ParameterTree, path: &str, day: &str) -> Option<ParamValue> {
    tree.value_at(path, date(day)).unwrap().cloned()
}

#[test]
fn the_scale_kind_is_inferred_from_the_brackets_as_openfisca_does() {
    let tree = load(&[
        ("amounts.yaml", "brackets:\n  - threshold: {2019-01-01: 0}\n    amount: {2019-01-01: 5}\n"),
        ("averages.yaml", "brackets:\n  - threshold: {2019-01-01: 0}\n    average_rate: {2019-01-01: 0.1}\n"),
        ("rates.yaml", "brackets:\n  - threshold: {2019-01-01: 0}\n    rate: {2019-01-01: 0.1}\n"),
        ("none.yaml", "brackets: []\n"),
        ("declared.yaml", "metadata:\n  type: marginal_amount\nbrackets:\n  - threshold: {2019-01-01: 0}\n    amount: {2019-01-01: 5}\n"),
    ]);
    let kind = |path| tree.scale(path).unwrap().kind;
    assert_eq!(kind("amounts"), ScaleKind::MarginalAmount);
    assert_eq!(kind("averages"), ScaleKind::LinearAverageRate);
    assert_eq!(kind("rates"), ScaleKind::MarginalRate);
    assert_eq!(kind("none"), ScaleKind::MarginalRate);
    assert_eq!(kind("declared"), ScaleKind::MarginalAmount);
    assert_eq!(tree.scale("none").unwrap().at(date("2020-01-01")).calc(10.0), 0.0);
}

#[test]
fn brackets_with_the_same_threshold_add_up() {
    let text = "metadata: {type: single_amount}\nbrackets:\n  - threshold: {2019-01-01: 100}\n    amount: {2019-01-01: 1.5}\n  - threshold: {2019-01-01: 0}\n    amount: {2019-01-01: 1}\n  - threshold: {2019-01-01: 100}\n    amount: {2019-01-01: 2}\n";
    let tree = load(&[("s.yaml", text)]);
    let scale = tree.scale("s").unwrap().at(date("2019-01-01"));
    assert_eq!(
        scale.brackets,
        [(Decimal::from(0), Decimal::from(1)), (Decimal::from(100), Decimal::from_str("3.5").unwrap())]
    );
    assert_eq!(scale.calc(100.0), 3.5);
}

#[test]
fn a_bracket_field_may_be_written_in_full() {
    let text = "brackets:\n  - threshold:\n      description: Seuil\n      metadata: {unit: currency}\n      values:\n        2019-01-01: {value: 10}\n    rate: {2019-01-01: {value: 0.5}}\n";
    let tree = load(&[("s.yaml", text)]);
    let Some(Entry::Parameter(threshold)) = tree.get("s.brackets[0].threshold") else { panic!() };
    assert_eq!(threshold.description.as_deref(), Some("Seuil"));
    assert_eq!(threshold.metadata.unit.as_deref(), Some("currency"));
    assert_eq!(tree.scale("s").unwrap().at(date("2020-01-01")).calc(30.0), 10.0);
}

#[test]
fn yaml_1_1_scalars_are_typed_as_pyyaml_types_them() {
    let text = "\
a: {2019-01-01: yes, 2020-01-01: off}
b: {2019-01-01: ~, 2020-01-01: Null, 2021-01-01: 1.5e+3, 2022-01-01: -2}
c: {2019-01-01: '12', 2020-01-01: vingt}
d: {2019-01-01: 1_000_000.000_1}
e:
  2018-01-01: 1
  2019-01-01:
    value:
";
    let tree = load(&[("n.yaml", text)]);
    assert_eq!(at(&tree, "n.a", "2019-06-01"), Some(ParamValue::Bool(true)));
    assert_eq!(at(&tree, "n.a", "2020-06-01"), Some(ParamValue::Bool(false)));
    assert_eq!(at(&tree, "n.b", "2019-06-01"), None);
    assert_eq!(at(&tree, "n.b", "2020-06-01"), None);
    assert_eq!(at(&tree, "n.b", "2021-06-01"), number("1500.0"));
    assert_eq!(at(&tree, "n.b", "2022-06-01"), number("-2"));
    assert_eq!(at(&tree, "n.c", "2019-06-01"), Some(ParamValue::Text("12".into())));
    assert_eq!(at(&tree, "n.c", "2020-06-01"), Some(ParamValue::Text("vingt".into())));
    assert_eq!(at(&tree, "n.d", "2019-06-01"), number("1000000.0001"));
    assert_eq!(at(&tree, "n.e", "2019-06-01"), None, "an empty value is null");
    let json = tree.to_json_at(date("2021-06-01"));
    assert!(json.contains("\"n.b\": 1500.0,"), "{json}");
    assert!(json.contains("\"n.c\": \"vingt\","), "{json}");
}

#[test]
fn expected_values_are_skipped_as_openfisca_does() {
    let text = "values:\n  2019-01-01: 1\n  2020-01-01: expected\n  2021-01-01: {value: 3, expected: true}\n";
    let tree = load(&[("p.yaml", text)]);
    let Some(Entry::Parameter(p)) = tree.get("p") else { panic!() };
    assert_eq!(p.values.len(), 1);
    assert_eq!(at(&tree, "p", "2022-01-01"), number("1"));
}

#[test]
fn older_top_level_unit_and_reference_merge_into_metadata() {
    let text = "unit: year\nreference: Code général\nmetadata:\n  unit: currency\nvalues:\n  2019-01-01:\n    value: 1\n    unit: currency\n";
    let tree = load(&[("p.yaml", text)]);
    let Some(Entry::Parameter(p)) = tree.get("p") else { panic!() };
    assert_eq!(p.metadata.unit.as_deref(), Some("currency"));
    assert_eq!(p.metadata.references[0].title.as_deref(), Some("Code général"));
    assert_eq!(p.values[0].metadata.unit.as_deref(), Some("currency"));
}

#[test]
fn directories_files_and_node_files_nest() {
    let tree = load(&[
        ("index.yml", "description: Racine\n"),
        ("a/b/index.yaml", "description: B\n"),
        ("a/b/c.yaml", "d:\n  e:\n    values:\n      2019-01-01: 1\n  f:\n    2019-01-01: 2\n"),
        ("a/notes.md", "not yaml"),
        ("a/g.yml", "2019-01-01: 3\n"),
    ]);
    let Some(Entry::Node(root)) = tree.get("") else { panic!() };
    assert_eq!(root.description.as_deref(), Some("Racine"));
    assert_eq!(root.children, ["a"]);
    let Some(Entry::Node(b)) = tree.get("a.b") else { panic!() };
    assert_eq!(b.description.as_deref(), Some("B"));
    assert_eq!(tree.paths(), ["a", "a.b", "a.b.c", "a.b.c.d", "a.b.c.d.e", "a.b.c.d.f", "a.g"]);
    assert_eq!(at(&tree, "a.b.c.d.e", "2019-01-01"), number("1"));
    assert_eq!(at(&tree, "a.b.c.d.f", "2019-01-01"), number("2"));
    assert_eq!(at(&tree, "a.g", "2019-01-01"), number("3"));
    let Some(Entry::Parameter(e)) = tree.get("a.b.c.d.e") else { panic!() };
    assert_eq!((&*e.location.file, e.location.line, e.location.column), ("a/b/c.yaml", 2, 3));
}

#[test]
fn an_empty_tree_dumps_an_empty_object() {
    let tree = load(&[]);
    assert_eq!(tree.to_json_at(date("2020-01-01")), "{}");
    assert!(tree.paths().is_empty());
}
