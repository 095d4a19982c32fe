//! Explanations on the test model of `tests/model` (six communes A..F), checked against the
//! values worked out by hand from that toy law (see `crates/dotations-cli/tests/test_model.rs`):
//!
//! - strates (scale < 1 000 → 1, < 5 000 → 2, else 3): A, B, F in strate 1;
//! - strate 1 mean potential: (250 000 + 800 000 + 1 800 000) / (500 + 800 + 900) = 14 250 / 11;
//! - index of a rural commune = strate mean / own potential per inhabitant: A 2.59, B 1.295, C 1.6,
//!   E 1, F 0.648; D is urban (index 0); ranks A 1, C 2, B 3; the first 3 are eligible;
//! - score = population × index × (1 + 0.5), the rate of N-1: A 21 375/11, B 17 100/11, C 4 800;
//! - 2 000 distributed with bounds [0.9, 1.2] × last year's amount (A 300, B 1 000, C 300):
//!   B sits at its floor 900, A stays within [270, 360], C (created on 2024-01-01) is unbounded;
//!   21 375/11·x + 900 + 4 800·x = 2 000 gives the point x = 484 / 2 967.

use std::path::PathBuf;

use dotations_engine::{Computed, Dataset, MissingInputs, Model, Simulation};
use dotations_explain::{explain, find_commune, render_text, AggregateDetail, Choice, ExplainedNode, Options, Origin};

fn repo() -> PathBuf {
    // Relative to the crate (the directory tests run in), so that locations read the same on
    // every machine.
    PathBuf::from("../..")
}

fn model() -> Model {
    dotations_rules::load(Some(&repo().join("tests/model"))).expect("the test model compiles")
}

fn dataset(model: &Model) -> Dataset {
    let path = repo().join("tests/model/communes_2024.csv");
    dotations_io::read_table(model, &path, 2024).expect("the test data reads").dataset
}

fn compute<'m>(model: &'m Model, dataset: &'m Dataset, name: &str) -> Computed<'m> {
    Simulation::new(model, dataset, MissingInputs::Error).compute(2024, &[name]).expect("the test model computes")
}

fn explain_commune(model: &Model, dataset: &Dataset, name: &str, commune: &str, depth: usize) -> ExplainedNode {
    let computed = compute(model, dataset, name);
    let var = model.variable_id(name).unwrap();
    let row = find_commune(model, dataset, commune).unwrap();
    explain(&computed, dataset, row, var, 2024, &Options { depth }).unwrap().root
}

fn close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() <= 1e-9 * expected.abs().max(1.0), "{actual} != {expected}");
}

fn children(node: &ExplainedNode) -> Vec<(&str, i32)> {
    node.children.iter().map(|c| (c.variable.as_str(), c.year)).collect()
}

fn distribution(node: &ExplainedNode) -> &AggregateDetail {
    let aggregate = node.aggregates.iter().find(|a| matches!(a.detail, AggregateDetail::Distribute { .. }));
    &aggregate.expect("a distribution").detail
}

fn no_mismatch(node: &ExplainedNode) {
    assert!(node.mismatch.is_none(), "{}: {:?}", node.variable, node.mismatch);
    node.children.iter().for_each(no_mismatch);
}

const POINT: f64 = 484.0 / 2_967.0;

#[test]
fn a_commune_bounded_by_its_floor() {
    let (model, dataset) = (model(), dataset(&model()));
    let root = explain_commune(&model, &dataset, "montant", "B", 3);
    no_mismatch(&root);
    assert_eq!(root.value, serde_json::json!(900.0));
    assert_eq!(root.text, "900,00 €");
    assert_eq!(root.source, Origin::Formula);
    let AggregateDetail::Distribute { point, budget, score, previous, floor, ceiling, amount, bound, .. } =
        distribution(&root)
    else {
        unreachable!()
    };
    close(*point, POINT);
    assert_eq!(*budget, 2_000.0);
    close(*score, 17_100.0 / 11.0);
    assert_eq!((*previous, *floor, *ceiling, *amount), (1_000.0, Some(900.0), Some(1_200.0), 900.0));
    // 1 554.5 × 0.163 = 253.6 < 900: the floor.
    assert_eq!(bound, "floor");
    // What the formula read, in order: the budget (the État's envelope through `first`), the
    // score, last year's amount (given), and the flags of `unbounded where not eligible or
    // nouvelle` (B is eligible, so `nouvelle` is needed too).
    assert_eq!(
        children(&root),
        [("enveloppe", 2024), ("score", 2024), ("montant", 2023), ("eligible", 2024), ("nouvelle", 2024)]
    );
    let previous = &root.children[2];
    assert_eq!((previous.source, previous.input.as_ref().unwrap().column.as_str()), (Origin::Input, "montant__prev"));
    let parameters: Vec<(&str, &serde_json::Value)> =
        root.parameters.iter().map(|p| (p.path.as_str(), &p.value)).collect();
    assert_eq!(
        parameters,
        [("dotation.bornes.plancher", &serde_json::json!(0.9)), ("dotation.bornes.plafond", &serde_json::json!(1.2))]
    );
    // The envelope is the État's (entity `etat`), from its 2023 formula.
    let envelope = &root.children[0];
    assert_eq!((envelope.entity.as_str(), envelope.text.as_str()), ("etat", "2 000,00 €"));
    assert_eq!(envelope.formula.as_ref().unwrap().from.as_deref(), Some("2023-01-01"));
}

#[test]
fn a_commune_within_its_bounds_and_a_new_one_unbounded() {
    let (model, dataset) = (model(), dataset(&model()));
    let a = explain_commune(&model, &dataset, "montant", "A", 1);
    let AggregateDetail::Distribute { floor, ceiling, amount, bound, unbounded_because, .. } = distribution(&a) else {
        unreachable!()
    };
    // 21 375/11 × 484/2 967 = 316.99, within [270, 360].
    close(*amount, 21_375.0 / 11.0 * POINT);
    assert_eq!((floor, ceiling, bound.as_str(), unbounded_because), (&Some(270.0), &Some(360.0), "within", &None));

    let c = explain_commune(&model, &dataset, "montant", "C", 1);
    let AggregateDetail::Distribute { floor, amount, bound, unbounded_because, previous, .. } = distribution(&c) else {
        unreachable!()
    };
    // C had 300 last year but was created on 2024-01-01: `unbounded where … nouvelle` holds.
    assert_eq!((*previous, floor, bound.as_str()), (300.0, &None, "unbounded"));
    assert_eq!(unbounded_because.as_deref(), Some("`unbounded where` holds"));
    close(*amount, 4_800.0 * POINT);
    let nouvelle = c.children.iter().find(|n| n.variable == "nouvelle").unwrap();
    assert_eq!(nouvelle.value, serde_json::json!(true));
}

#[test]
fn only_what_contributed_is_shown() {
    let (model, dataset) = (model(), dataset(&model()));
    // D is not eligible and had nothing last year: `not eligible` decides `… or nouvelle`, so
    // `nouvelle` did not matter.
    let d = explain_commune(&model, &dataset, "montant", "D", 1);
    assert!(!children(&d).contains(&("nouvelle", 2024)), "{:?}", children(&d));
    assert!(d
        .choices
        .iter()
        .any(|c| matches!(c, Choice::ShortCircuit { left, left_value: true, .. } if left == "not eligible")));
    let AggregateDetail::Distribute { bound, unbounded_because, amount, .. } = distribution(&d) else { unreachable!() };
    assert_eq!((bound.as_str(), unbounded_because.as_deref(), *amount), ("unbounded", Some("no previous amount"), 0.0));
    // D is urban: `if categorie_commune is rurale then ratio(…) else 0` took the `else`, and
    // reads neither the strate mean nor the commune's own potential.
    let index = explain_commune(&model, &dataset, "indice", "D", 1);
    assert_eq!(children(&index), [("categorie_commune", 2024)]);
    assert_eq!(index.children[0].text, "urbaine");
    let Choice::If { holds, branch, taken, .. } = &index.choices[0] else { unreachable!() };
    assert_eq!((*holds, branch.as_str(), taken.as_str()), (false, "else", "0"));
}

#[test]
fn strate_means_and_ranks_are_told_for_the_commune() {
    let (model, dataset) = (model(), dataset(&model()));
    let mean = explain_commune(&model, &dataset, "potentiel_moyen_strate", "A", 1);
    let aggregate = &mean.aggregates[0];
    let AggregateDetail::RatioOfSums { group, communes, numerator, denominator, default_applied, .. } =
        &aggregate.detail
    else {
        unreachable!()
    };
    let group = group.as_ref().unwrap();
    assert_eq!((group.by.as_str(), group.text.as_str()), ("strate", "1"));
    assert_eq!((*communes, *numerator, *denominator, *default_applied), (3, 2_850_000.0, 2_200.0, false));
    close(mean.value.as_f64().unwrap(), 14_250.0 / 11.0);
    // The key (`by strate`) is what the commune read: its strate, from the scale.
    assert_eq!(children(&mean), [("strate", 2024)]);
    let strate = &mean.children[0];
    assert_eq!(strate.parameters[0].path, "strates");
    assert_eq!(strate.parameters[0].scale_input, Some(500.0));

    let rank = explain_commune(&model, &dataset, "rang", "B", 1);
    let AggregateDetail::Rank { rank: r, ranked, order, ranked_value } = &rank.aggregates[0].detail else {
        unreachable!()
    };
    assert_eq!((*r, *ranked, order.as_str()), (3, 6, "descending"));
    close(*ranked_value, 14_250.0 / 11.0 / 1_000.0);
    assert_eq!(rank.aggregates[0].text, "3rd of 6");
}

#[test]
fn the_tree_as_text() {
    // Checked by hand against the values in this file's header.
    let (model, dataset) = (model(), dataset(&model()));
    let computed = compute(&model, &dataset, "montant");
    let row = find_commune(&model, &dataset, "B").unwrap();
    let var = model.variable_id("montant").unwrap();
    let explanation = explain(&computed, &dataset, row, var, 2024, &Options { depth: 2 }).unwrap();
    insta::assert_snapshot!(render_text(&explanation));
}

#[test]
fn the_tree_as_json() {
    let (model, dataset) = (model(), dataset(&model()));
    let computed = compute(&model, &dataset, "eligible");
    let row = find_commune(&model, &dataset, "E").unwrap();
    let var = model.variable_id("eligible").unwrap();
    let explanation = explain(&computed, &dataset, row, var, 2024, &Options { depth: 1 }).unwrap();
    insta::assert_snapshot!(serde_json::to_string_pretty(&explanation).unwrap());
}

#[test]
fn depth_and_repeated_nodes() {
    let (model, dataset) = (model(), dataset(&model()));
    // Depth 0: only the explained variable; its five reads are counted.
    let root = explain_commune(&model, &dataset, "montant", "B", 0);
    assert!(root.children.is_empty());
    assert_eq!(root.more, 5);
    // `eligible` is read by `score` (first) and by `montant`: expanded once, then referenced.
    let root = explain_commune(&model, &dataset, "montant", "B", 5);
    let score = &root.children[1];
    let first = score.children.iter().find(|c| c.variable == "eligible").unwrap();
    assert!(!first.repeated && first.formula.is_some());
    let again = root.children.iter().find(|c| c.variable == "eligible").unwrap();
    assert!(again.repeated && again.formula.is_none() && again.children.is_empty());
    assert_eq!(again.value, serde_json::json!(true));
}

#[test]
fn otherwise_applies_when_last_year_is_not_given() {
    let model = model();
    let text = std::fs::read_to_string(repo().join("tests/model/communes_2024.csv")).unwrap();
    // The same communes without the column `montant__prev`.
    let without: String = text.lines().map(|l| l.rsplit_once(',').unwrap().0.to_string() + "\n").collect();
    let dataset = dotations_io::read_table_from(&model, without.as_bytes(), "no_prev.csv", 2024).unwrap().dataset;
    let root = explain_commune(&model, &dataset, "montant", "B", 2);
    no_mismatch(&root);
    let previous = root.children.iter().find(|c| c.variable == "montant").unwrap();
    assert_eq!((previous.year, previous.source, previous.text.as_str()), (2023, Origin::Otherwise, "0,00 €"));
    assert_eq!(previous.formula.as_ref().unwrap().text, "0");
    assert!(previous.why.as_ref().unwrap().contains("not given"));
    // Without last year's amounts nobody is bounded: the budget goes by score alone.
    let AggregateDetail::Distribute { bound, .. } = distribution(&root) else { unreachable!() };
    assert_eq!(bound, "unbounded");
}

#[test]
fn a_run_that_differs_from_the_formula_is_reported() {
    let (model, dataset) = (model(), dataset(&model()));
    let mut computed = compute(&model, &dataset, "score");
    let var = model.variable_id("score").unwrap();
    let node = computed.plan.node_index(var, dotations_engine::model::YearKey::Year(2024)).unwrap();
    let slot = computed.plan.nodes[node].slot;
    // Tamper with the run's value of B: re-deriving the formula no longer gives it.
    let mut values = computed.run.slot(slot).to_column(6).to_vec();
    values[1] += 1.0;
    computed.run.slots[slot] = Some(dotations_engine::eval::Value::Column(values.into()));
    let row = find_commune(&model, &dataset, "B").unwrap();
    let explanation = explain(&computed, &dataset, row, var, 2024, &Options::default()).unwrap();
    let mismatch = explanation.root.mismatch.as_ref().expect("a mismatch");
    close(mismatch.computed.as_f64().unwrap() - mismatch.rederived.as_f64().unwrap(), 1.0);
    assert!(render_text(&explanation).contains("engine bug"));
}

#[test]
fn unknown_communes_and_variables_not_computed() {
    let (model, dataset) = (model(), dataset(&model()));
    let error = find_commune(&model, &dataset, "Z").unwrap_err().to_string();
    assert!(error.contains("no commune `Z` in the data (6 communes)"), "{error}");
    let computed = compute(&model, &dataset, "score");
    let montant = model.variable_id("montant").unwrap();
    let error = explain(&computed, &dataset, 0, montant, 2024, &Options::default()).unwrap_err().to_string();
    assert!(error.contains("`montant` for 2024 was not computed in this run"), "{error}");
}
