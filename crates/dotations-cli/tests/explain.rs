//! `dotations explain` end to end: the DSR fraction cible of two communes of the embedded
//! synthetic France — one eligible, one receiving the exit guarantee — and the errors of the
//! command (unknown commune, unknown variable, a variable not computed that year).

use std::process::{Command, Output};

mod common;
use common::repo;

/// Runs `dotations explain ARGS` from the repository root (so that paths in messages are
/// relative and the same on every machine).
fn explain(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dotations")).arg("explain").args(args).current_dir(repo()).output().unwrap()
}

fn succeeds(args: &[&str]) -> String {
    let output = explain(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    String::from_utf8(output.stdout).unwrap()
}

fn fails(args: &[&str]) -> String {
    let output = explain(args);
    assert_eq!(output.status.code(), Some(1), "an error exit, not a crash");
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    stderr
}

#[test]
fn a_commune_eligible_to_the_dsr_cible() {
    let text = succeeds(&["--year", "2025", "--commune", "66001", "dsr_fraction_cible"]);
    // The criterion: its index, its rank, the point values and the bounds applied.
    assert!(text.contains("├─ indice_synthetique_dsr_cible = 1,239812"), "{text}");
    assert!(text.contains("rank  rank(indice_synthetique_dsr_cible, descending) → 891st of 35 000"), "{text}");
    assert_eq!(text.matches("    point value ").count(), 4, "the point value of each of the four parts");
    assert!(text.contains("bounded by its floor, amount 80,65 €"), "{text}");
    assert!(text.contains("bounded by its ceiling, amount 40,25 €"), "{text}");
    assert!(text.contains("5 470,80 € is within its bounds [4 587,62 €, 6 116,83 €]"), "{text}");
    assert!(!text.contains("engine bug"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn a_commune_that_gets_the_exit_guarantee() {
    let text = succeeds(&["--year", "2025", "--commune", "32002", "dsr_fraction_cible"]);
    // Ranked past the 10 000 first: not eligible, so half of last year's attribution.
    assert!(text.contains("10 279th of 35 000"), "{text}");
    assert!(text.contains("max  argument 1 `dsr_montant_garantie_non_eligible_fraction_cible` applies → 17 253,88 €"));
    assert!(text.contains("column `dsr_montant_eligible_fraction_cible__prev` of the data"), "{text}");
    assert!(!text.contains("engine bug"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn numbers_inside_an_amount_are_not_shown_as_euros() {
    // The effort fiscal (a ratio) and a sum of points were shown in euros, rounded to the cent,
    // because the variable explained is an amount.
    let text = succeeds(&["--year", "2025", "--commune", "50001", "dsu_montant", "--depth", "1"]);
    assert!(text.contains("min  argument 1 `effort_fiscal` applies → 1,077567\n"), "{text}");
    assert!(text.contains("else 0)) → 5 441 281,38\n"), "{text}");
    assert!(text.contains("then precedent else 0) → 2 602 775 485,15 €\n"), "{text}");
    assert!(text.contains("`valeur_point_haut * progression * score` applies → 195 644,06 €\n"), "{text}");
}

#[test]
fn json_has_the_documented_shape() {
    let text = succeeds(&["--year", "2025", "--commune", "66001", "dsr_fraction_cible", "--depth", "1", "--json"]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    for key in ["commune", "depth", "variable", "label", "year", "value", "text", "source", "formula"] {
        assert!(json.get(key).is_some(), "missing `{key}`");
    }
    for key in ["parameters", "aggregates", "choices", "children"] {
        assert!(json[key].is_array(), "`{key}` is a list");
    }
    assert_eq!(json["commune"]["code"], "66001");
    assert_eq!(json["value"], 5_470.802_117_164_383);
    assert_eq!(json["formula"]["from"], "2024-01-01");
    assert_eq!(json["formula"]["file"], "formulas/dsr_cible.rules");
    let children: Vec<&str> =
        json["children"].as_array().unwrap().iter().map(|c| c["variable"].as_str().unwrap()).collect();
    assert_eq!(children, ["dsr_montant_garantie_non_eligible_fraction_cible", "dsr_montant_eligible_fraction_cible"]);
    // Depth 1: the children's own reads are counted, not shown: the four parts, the
    // eligibility and last year's attribution.
    assert_eq!(json["children"][1]["more"], 6);
}

#[test]
fn an_unknown_commune_suggests_a_code() {
    insta::assert_snapshot!(fails(&["--year", "2025", "--commune", "6601", "dsr_fraction_cible"]));
}

#[test]
fn an_unknown_variable_suggests_a_name() {
    insta::assert_snapshot!(fails(&["--year", "2025", "--commune", "66001", "dsr_fraction_cibel"]));
    // A parameter's path suggested a node of parameters; capitals suggested nothing.
    let parameter = "dotation_solidarite_rurale.seuil_nombre_habitants";
    let stderr = fails(&["--year", "2025", "--commune", "66001", parameter]);
    assert!(stderr.contains(&format!("= note: `{parameter}` is a parameter, not a variable")), "{stderr}");
    let stderr = fails(&["--year", "2025", "--commune", "66001", "DSU_MONTANT"]);
    assert!(stderr.contains("= help: did you mean `dsu_montant`?"), "{stderr}");
}

#[test]
fn a_variable_not_computed_that_year() {
    // The test model's envelope has a formula from 2023 only.
    let args = ["--year", "2022", "--rules", "tests/model", "--input", "tests/model/communes_2024.csv"];
    insta::assert_snapshot!(fails(&[&args[..], &["--commune", "B", "enveloppe"]].concat()));
}

#[test]
fn a_text_of_the_data_has_nothing_to_explain_and_is_written_as_given() {
    // Both said "input `nom` for 2025 is needed but not given", though the column is there.
    let stderr = fails(&["nom", "--commune", "27001", "--year", "2025"]);
    assert!(stderr.starts_with("error: `nom` is a text given by the data: there is nothing to explain"), "{stderr}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.csv");
    let output = Command::new(env!("CARGO_BIN_EXE_dotations"))
        .args(["compute", "--year", "2025", "--variables", "nom,dsu_montant", "--output"])
        .arg(&out)
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    assert_eq!(header.iter().filter(|h| **h == "nom").count(), 1);
    assert_eq!(header.last(), Some(&"dsu_montant"));
}
