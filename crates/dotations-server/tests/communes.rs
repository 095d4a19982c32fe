//! This server's own endpoints: finding a commune, its page, what-ifs, scenarios.

mod common;

use axum::http::StatusCode;
use common::{get, post, post_json};
use serde_json::json;

#[tokio::test]
async fn search_by_code_or_name_ignoring_accents_and_case() {
    let by_code = get("/communes?search=27001").await.json();
    assert_eq!(by_code[0], json!({"code": "27001", "name": "Commune 27001", "departement": "27"}));
    // The name, in capitals and with an accent, finds the same commune first.
    let by_name = get("/communes?search=C%C3%94MMUNE%2027001").await.json();
    assert_eq!(by_name[0]["code"], "27001");
    let many = get("/communes?search=commune").await.json();
    assert_eq!(many.as_array().unwrap().len(), 20, "at most 20 results");
    assert_eq!(get("/communes?search=").await.json(), json!([]));
    assert_eq!(get("/communes?search=zzzz").await.json(), json!([]));
    let wrong_year = get("/communes?search=27001&year=1999").await;
    assert_eq!(wrong_year.status, StatusCode::NOT_FOUND);
    assert_eq!(wrong_year.json()["error"], "no data for 1999: this server has the years 2024, 2025");
}

#[tokio::test]
async fn a_commune_shows_each_dotation_with_last_years_amount() {
    let answer = get("/communes/27001?year=2025&depth=0").await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let page = answer.json();
    assert_eq!(page["year"], 2025);
    let dotations = page["dotations"].as_array().unwrap();
    let forfaitaire = dotations.iter().find(|d| d["variable"] == "dotation_forfaitaire").unwrap();
    assert_eq!(forfaitaire["label"], "Dotation forfaitaire");
    assert!(forfaitaire["amount"].as_f64().unwrap() > 0.0);
    assert!(forfaitaire["previous_amount"].as_f64().unwrap() > 0.0);
    assert_eq!(forfaitaire["eligible"], true);
    assert!(forfaitaire["references"][0]["url"].as_str().unwrap().starts_with("https://www.legifrance.gouv.fr/"));
    // The DGF of the commune is the sum of its dotations (art. L2334-1).
    let amount = |name: &str| dotations.iter().find(|d| d["variable"] == name).unwrap()["amount"].as_f64().unwrap();
    let parts = amount("dotation_forfaitaire")
        + amount("dotation_solidarite_rurale")
        + amount("dsu_montant")
        + amount("dotation_nationale_perequation")
        + amount("dotation_communes_nouvelles");
    assert!((amount("dotation_globale_fonctionnement_communes") - parts).abs() < 0.01);
    let population = page["criteria"].as_array().unwrap().iter().find(|c| c["variable"] == "population_insee").unwrap();
    assert_eq!(population["editable"], true);
    insta::assert_snapshot!(answer.pretty());
    let too_deep = get("/communes/27001?depth=7").await;
    assert_eq!(too_deep.status, StatusCode::BAD_REQUEST);
    assert_eq!(too_deep.json()["error"], "depth 7 is too deep: at most 6");
    let missing = get("/communes/99999").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.json()["error"].as_str().unwrap().contains("GET /communes?search="));
}

/// Every node of an explanation tree, depth first.
fn nodes(node: &serde_json::Value) -> Vec<&serde_json::Value> {
    let mut all = vec![node];
    for child in node["children"].as_array().unwrap() {
        all.extend(nodes(child));
    }
    all
}

#[tokio::test]
async fn each_dotation_is_explained_down_to_the_law() {
    let page = get("/communes/27001?year=2025").await.json();
    for dotation in page["dotations"].as_array().unwrap() {
        let explanation = &dotation["explanation"];
        assert_eq!(explanation["variable"], dotation["variable"]);
        assert_eq!(explanation["depth"], 2);
        assert_eq!(explanation["commune"]["code"], "27001");
        // The explanation's value is the amount shown.
        assert_eq!(explanation["value"].as_f64(), dotation["amount"].as_f64(), "{}", dotation["variable"]);
        match explanation["source"].as_str().unwrap() {
            "formula" => assert!(explanation["formula"]["file"].as_str().unwrap().starts_with("formulas/")),
            // The DNP is given in the data: its explanation names the column.
            "input" => assert_eq!(explanation["input"]["column"], dotation["variable"]),
            other => panic!("{other}: {explanation}"),
        }
    }
    // Down the tree of the DSR péréquation: parameters of the law with their legal texts.
    let perequation =
        page["dotations"].as_array().unwrap().iter().find(|d| d["variable"] == "dsr_fraction_perequation");
    let tree = &perequation.unwrap()["explanation"];
    assert!(!tree["children"].as_array().unwrap().is_empty());
    let referenced = nodes(tree).iter().flat_map(|n| n["parameters"].as_array().unwrap().iter()).any(|p| {
        p["references"].as_array().unwrap().iter().any(|r| r["href"].as_str().is_some_and(|h| h.contains("legifrance")))
    });
    assert!(referenced, "{tree}");
    assert!(nodes(tree).iter().all(|n| n["mismatch"].is_null()), "an explanation re-derives every value");
}

#[tokio::test]
async fn a_what_if_recomputes_the_commune_and_the_country() {
    let page = get("/communes/27001?year=2025").await.json();
    let population = page["criteria"].as_array().unwrap().iter().find(|c| c["variable"] == "population_insee").unwrap()
        ["value"]
        .as_i64()
        .unwrap();
    let answer =
        post_json("/communes/27001/simulation?year=2025", &json!({"criteria": {"population_insee": population * 10}}))
            .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let result = answer.json();
    assert_eq!(result["criteria"], json!({"population_insee": population * 10}));
    let line =
        |name: &str| result["dotations"].as_array().unwrap().iter().find(|d| d["variable"] == name).unwrap().clone();
    let dgf = line("dotation_globale_fonctionnement_communes");
    assert!(dgf["amount"].as_f64() > dgf["baseline_amount"].as_f64(), "{dgf}");
    let national = result["national"].as_array().unwrap();
    let forfaitaire = national.iter().find(|n| n["variable"] == "dotation_forfaitaire").unwrap();
    assert!(forfaitaire["changed"].as_u64().unwrap() >= 1);
    // Without any change, the what-if gives the baseline back.
    let same = post("/communes/27001/simulation?year=2025", "{}").await.json();
    for line in same["dotations"].as_array().unwrap() {
        assert_eq!(line["amount"], line["baseline_amount"], "{line}");
    }
    for total in same["national"].as_array().unwrap() {
        assert_eq!(total["changed"], 0, "{total}");
    }
}

#[tokio::test]
async fn a_what_if_on_an_envelope_moves_the_national_total_to_it() {
    let envelope = 500_000_000.0;
    let answer = post_json(
        "/communes/27001/simulation?year=2025",
        &json!({"parameters": {"dotation_solidarite_rurale.cible.montant": envelope}}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let result = answer.json();
    let cible =
        result["national"].as_array().unwrap().iter().find(|n| n["variable"] == "dsr_fraction_cible").unwrap().clone();
    assert_eq!(cible["envelope"], json!(envelope));
    // The amounts are distributed to the euro: the total meets the envelope within a millionth.
    assert!((cible["total"].as_f64().unwrap() - envelope).abs() < envelope * 1e-6, "{cible}");
    assert!(cible["baseline_total"].as_f64().unwrap() < envelope - 1e6);
}

#[tokio::test]
async fn what_if_mistakes_are_400_with_a_message() {
    let cases = [
        json!({"criteria": {"populaton_insee": 3}}),
        json!({"criteria": {"population_dgf": 3}}),
        json!({"criteria": {"population_insee": "beaucoup"}}),
        json!({"criteria": {"population_insee": 3e9}}),
        json!({"parameters": {"dotation_solidarite_rurale.cible.montan": 3}}),
        json!({"parameters": {"population": 3}}),
        json!({"parameters": {"dotation_solidarite_rurale.cible.montant": "x"}}),
        json!({"critères": {}}),
    ];
    let mut report = String::new();
    for case in cases {
        let answer = post_json("/communes/27001/simulation", &case).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{case}");
        report.push_str(&format!("{case}\n{}\n\n", answer.status_and_body()));
    }
    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn the_law_lists_parameters_envelopes_first() {
    let law = get("/law?year=2025").await.json();
    assert_eq!(law["year"], 2025);
    assert_eq!(law["years"], json!([2024, 2025]));
    let parameters = law["parameters"].as_array().unwrap();
    assert!(parameters[0]["path"].as_str().unwrap().contains(".montant"));
    let cible = parameters.iter().find(|p| p["path"] == "dotation_solidarite_rurale.cible.montant").unwrap();
    assert_eq!(cible["value"], json!(479438624.0));
}

const SCENARIO: &str = r#"
name: Fraction cible à 500 M€
year: 2025
parameters:
  - parameter: dotation_solidarite_rurale.cible.montant
    start: 2025-01-01
    stop: 2025-12-31
    value: 500_000_000
expectations:
  - total: dsr_fraction_cible
    of: difference
    between: [20_000_000, 21_000_000]
    label: la fraction cible croît de la hausse de son enveloppe
  - total: dsu_montant
    of: difference
    equals: 0
"#;

#[tokio::test]
async fn a_scenario_answers_its_impact_and_its_expectations() {
    let answer = post("/scenario", SCENARIO).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let impact = answer.json();
    assert_eq!(impact["name"], "Fraction cible à 500 M€");
    assert_eq!(impact["year"], 2025);
    assert_eq!(impact["passed"], true, "{impact}");
    let cible = impact["variables"].as_array().unwrap().iter().find(|v| v["variable"] == "dsr_fraction_cible").unwrap();
    // 500 000 000 − 479 438 624 €, within a millionth of the envelope.
    assert!((cible["difference"].as_f64().unwrap() - 20_561_376.0).abs() < 500.0, "{cible}");
    insta::assert_snapshot!(answer.pretty());
}

#[tokio::test]
async fn a_scenario_may_be_written_in_json() {
    let scenario = json!({
        "name": "Fraction cible à 500 M€",
        "parameters": [{"parameter": "dotation_solidarite_rurale.cible.montant", "start": "2025-01-01", "value": 500000000}]
    });
    let answer = post_json("/scenario?year=2025", &scenario).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["expectations"], json!([]));
}

#[tokio::test]
async fn a_formula_for_an_input_of_the_data_comes_with_a_warning() {
    let scenario =
        "name: x\nyear: 2025\nformulas:\n  - variable: population_insee\n    start: 2025-01-01\n    formula: 5\n";
    let answer = post("/scenario", scenario).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(
        answer.json()["warnings"],
        json!(["`population_insee` is given by the data for 2025: the scenario's formula for it is not used (4:15)"])
    );
}

#[tokio::test]
async fn a_wrong_scenario_is_a_400_that_says_where() {
    let answer = post("/scenario", "name: x\nparameter:\n  - parameter: a\n").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    let message = answer.json()["error"].as_str().unwrap().to_string();
    assert!(message.contains("scenario:2:1"), "{message}");
    assert!(message.contains("did you mean `parameters`?"), "{message}");
}
