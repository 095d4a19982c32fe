//! The diff of two versions of the test model (see `fixture/mod.rs` for what changes), through
//! the library: what it finds, both renderings (snapshots), and the impact on the test model's
//! six communes.

mod fixture;

use std::path::Path;

use dotations_diff::{compare, impact, render, Change, Side, Slot};

fn load(root: &Path) -> (Side, Side) {
    dotations_diff::load_pair("old", "new", root).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn every_kind_of_change_is_found_and_layout_is_not() {
    let root = fixture::versions("kinds");
    let (old, new) = load(root.path());
    assert!(old.model.is_ok() && new.model.is_ok(), "both versions compile");
    let report = compare(&old, &new);
    let parameters = report.parameters.as_ref().expect("both parameter trees load");
    let paths: Vec<(&str, Change)> = parameters.changes.iter().map(|c| (c.path.as_str(), c.change)).collect();
    assert_eq!(
        paths,
        [
            ("dotation.enveloppe", Change::Changed),
            ("dotation.quota_eligibles", Change::Added),
            ("dotation.seuil_rang", Change::Removed),
            ("strates", Change::Changed),
        ],
        "bornes.yaml is only reformatted"
    );
    let enveloppe = &parameters.changes[0];
    assert_eq!(enveloppe.values.len(), 2);
    assert_eq!(enveloppe.values[0].old, Slot::Value("2000".into()));
    assert_eq!(enveloppe.values[0].new, Slot::Value("2500".into()));
    assert_eq!(enveloppe.values[1].old, Slot::Absent);
    let strates = &parameters.changes[3];
    assert_eq!(strates.values.len(), 1);
    assert_eq!(strates.values[0].field.as_deref(), Some("brackets[1].threshold"));
    let formulas = &report.formulas;
    let changed: Vec<(&str, Change)> = formulas.formulas.iter().map(|f| (f.variable.as_str(), f.change)).collect();
    assert_eq!(
        changed,
        [
            ("bonus_rural", Change::Added),
            ("eligible", Change::Changed),
            ("enveloppe", Change::Added),
            ("points_entiers", Change::Removed),
            ("score", Change::Changed),
        ],
        "`evolution` is only reformatted"
    );
    assert_eq!(formulas.added.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["bonus_rural"]);
    assert_eq!(formulas.removed.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["points_entiers"]);
    assert_eq!(formulas.declarations.len(), 1);
    assert_eq!(formulas.declarations[0].fields, [("label".into(), String::new(), "\"Strate démographique\"".into())]);
    assert_eq!(formulas.others.len(), 1, "the enumeration gained an item");
}

#[test]
fn terminal_report() {
    let root = fixture::versions("terminal");
    let (old, new) = load(root.path());
    insta::assert_snapshot!(render::terminal(&compare(&old, &new), false));
}

#[test]
fn markdown_report() {
    let root = fixture::versions("markdown");
    let (old, new) = load(root.path());
    insta::assert_snapshot!(render::markdown(&compare(&old, &new)));
}

#[test]
fn a_version_compared_with_itself_has_no_difference() {
    let root = fixture::versions("same");
    let (old, _) = load(root.path());
    let (again, _) = load(root.path());
    let report = compare(&old, &again);
    assert!(report.is_empty());
    assert!(render::terminal(&report, false).contains("No difference in parameters or formulas."));
}

fn impact_report(root: &Path, year: i32) -> dotations_diff::Report {
    let (old, new) = load(root);
    let mut report = compare(&old, &new);
    let input = fixture::repo().join("tests/model/communes_2024.csv");
    let read = |model: &_| dotations_io::read_table(model, &input, year);
    report.impact = Some(impact(&old, &new, year, "communes_2024.csv", read).unwrap_or_else(|e| panic!("{e}")));
    report
}

#[test]
fn impact_on_the_test_model_communes() {
    let root = fixture::versions("impact");
    let report = impact_report(root.path(), 2024);
    let impact = report.impact.as_ref().unwrap();
    assert_eq!(impact.communes, 6);
    // The envelope of 2024 goes from 2 000 to 2 500: every euro of the difference is paid out.
    let total = impact.national.iter().find(|n| n.variable == "total_verse").expect("total_verse changes");
    assert_eq!((total.old.as_str(), total.new.as_str()), ("2000.00", "2500.00"));
    let montant = impact.variables.iter().find(|v| v.variable == "montant").expect("montant changes");
    assert!((montant.total.unwrap() - 500.0).abs() < 1e-6, "{montant:?}");
    assert!(montant.movers.windows(2).all(|w| w[0].delta.unwrap().abs() >= w[1].delta.unwrap().abs()));
    // The strates threshold moves from 1 000 to 1 500: the commune of 900 inhabitants (F) stays
    // in strate 1, none has between 1 000 and 1 500, so no strate changes.
    assert!(impact.variables.iter().all(|v| v.variable != "strate"));
    // A commune variable that holds the national envelope in every row is shown as one value.
    let per_commune = impact.national.iter().find(|n| n.variable == "enveloppe_communale").expect("it changes");
    assert!(per_commune.per_commune && per_commune.new == "2500.00");
    assert!(impact.variables.iter().all(|v| v.variable != "enveloppe_communale"));
    // `bonus_rural` is new, `points_entiers` gone.
    assert_eq!(impact.only_new, ["bonus_rural"]);
    assert_eq!(impact.only_old, ["points_entiers"]);
    insta::assert_snapshot!("impact_terminal", render::terminal(&report, false));
    insta::assert_snapshot!("impact_markdown", render::markdown(&report));
}

#[test]
fn a_version_that_does_not_compile_is_still_compared_on_its_parameters() {
    let root = fixture::versions("broken");
    fixture::edit(
        &root.path().join("new"),
        "formulas/modele.rules",
        "= N - year(date_creation)",
        "= N - year(date_creation_commune)",
    );
    let (old, new) = load(root.path());
    let report = compare(&old, &new);
    assert!(report.has_errors());
    assert!(report.parameters.as_ref().is_some_and(|p| p.changes.len() == 4));
    assert!(report.formulas.formulas.iter().any(|f| f.variable == "anciennete"));
    let text = render::terminal(&report, false);
    let errors = text.split("\nErrors\n").nth(1).expect("an error section");
    insta::assert_snapshot!(errors);
    let no_year = |model: &_| dotations_io::read_table(model, Path::new("unused.csv"), 2024);
    let message = impact(&old, &new, 2024, "unused.csv", no_year).expect_err("no impact without compiling").to_string();
    assert!(message.contains("date_creation_commune"), "{message}");
}

#[test]
fn parameters_that_do_not_load_are_not_compared_but_formulas_are() {
    let root = fixture::versions("yaml");
    fixture::edit(&root.path().join("new"), "parameters/strates.yaml", "brackets:", "brackets: [");
    let (old, new) = load(root.path());
    let report = compare(&old, &new);
    assert!(report.parameters.is_none());
    assert!(report.new.errors.as_ref().is_some_and(|e| e.to_string().contains("strates.yaml")));
    assert_eq!(report.formulas.formulas.len(), 5);
    assert!(render::markdown(&report).contains("Not compared: a side's parameters do not load"));
}

#[test]
fn colours_only_when_asked() {
    let root = fixture::versions("colours");
    let (old, new) = load(root.path());
    let report = compare(&old, &new);
    assert!(!render::terminal(&report, false).contains('\x1b'));
    let coloured = render::terminal(&report, true);
    assert!(coloured.contains("\x1b[32m+ bonus_rural"), "{coloured}");
    assert!(coloured.contains("\x1b[31m- points_entiers"), "{coloured}");
}
