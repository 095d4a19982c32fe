//! OpenFisca's Web API: shapes, values and errors, against hand-worked fixtures and snapshots.

mod common;

use axum::http::StatusCode;
use common::{fixture, get, post, post_json};
use dotations_server::json::Json;
use serde_json::json;

#[tokio::test]
async fn calculate_answers_the_hand_worked_fixture() {
    let answer = post("/calculate", fixture("trois_communes.json")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(answer.content_type.starts_with("application/json"));
    let got: Json = serde_json::from_slice(&answer.body).unwrap();
    let expected: Json = serde_json::from_str(&fixture("trois_communes.expected.json")).unwrap();
    assert_eq!(got, expected, "{}", answer.pretty());
    insta::assert_snapshot!(answer.pretty());
}

#[tokio::test]
async fn calculate_keeps_integer_and_float_inputs_and_rounds_floats_as_float32() {
    let situation = json!({
        "communes": {
            "a": {
                "population_insee": {"2024": 1000},
                "potentiel_financier": {"2024": 1234567.891},
                "potentiel_financier_par_habitant": {"2024": null},
                "outre_mer": {"ETERNITY": null},
                "grille_densite_insee": {"2024": null},
                "nom": {"2024-01": null}
            }
        }
    });
    let answer = post_json("/calculate", &situation).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    let a = &body["communes"]["a"];
    // 1 234 567.891 / 1 000 inhabitants, as float32 then printed shortest.
    assert_eq!(a["potentiel_financier_par_habitant"]["2024"], json!(1234.5679));
    assert_eq!(a["potentiel_financier"]["2024"], json!(1234567.891), "inputs are echoed as sent");
    assert_eq!(a["outre_mer"]["ETERNITY"], json!(false));
    assert_eq!(a["grille_densite_insee"]["2024"], json!("inconnue"), "an enum answers its item's name");
    assert_eq!(a["nom"]["2024-01"], json!(""), "a text not given is empty");
    // Without `etats`, each commune is an État of its own, named after it.
    let trace = post_json("/trace", &situation).await.json();
    assert_eq!(trace["entitiesDescription"], json!({"communes": ["a"], "etats": ["a"]}));
}

#[tokio::test]
async fn trace_lists_every_value_with_its_dependencies_and_parameters() {
    // Written as text: the communes are taken in the order the request lists them.
    let situation = r#"{
        "communes": {
            "petite": {"population_insee": {"2024": 80}, "nombre_residences_secondaires": {"2024": 600},
                       "population_dgf_plafonnee": {"2024": null}},
            "grande": {"population_insee": {"2024": 3000}}
        },
        "etats": {"france": {"communes": ["grande", "petite"]}}
    }"#;
    let answer = post("/trace", situation).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    let body = answer.json();
    assert_eq!(body["requestedCalculations"], json!(["population_dgf_plafonnee<2024>"]));
    let node = &body["trace"]["population_dgf_plafonnee<2024>"];
    assert_eq!(node["value"], json!([500, 3000]));
    assert_eq!(body["entitiesDescription"], json!({"communes": ["petite", "grande"], "etats": ["france"]}));
    assert_eq!(node["dependencies"], json!(["population_insee<2024>", "population_dgf<2024>"]));
    assert!(node["parameters"]["population.plafond_dgf<2024-01-01>"].is_object());
    insta::assert_snapshot!(answer.pretty());
}

/// Every situation error of OpenFisca's test suite that applies to this model, with its status
/// and the message at the culprit's path.
#[tokio::test]
async fn situation_errors_are_reported_as_openfisca_reports_them() {
    let cases = [
        r#"{"a" : "x", "b"}"#,
        r#"["An", "array"]"#,
        r#"{"communes": {}}"#,
        r#"{"communes": {"a": {}}, "unknown_entity": {}}"#,
        r#"{"communes": {"a": {}}, "etats": {"france": {"communes": {}}}}"#,
        r#"{"communes": {"a": {"unknown_variable": {}}}}"#,
        r#"{"communes": {"a": {"dsr_montant_total_fraction_bourg_centre": {}}}}"#,
        r#"{"communes": {"a": {"population_insee": 4000}}}"#,
        r#"{"communes": {"a": {"population_insee": {"2024": "toto"}}}}"#,
        r#"{"communes": {"a": {"potentiel_financier": {"2024": "inf"}}}}"#,
        r#"{"communes": {"a": {"revenu_total": {"2024": "NaN"}}}}"#,
        r#"{"communes": {"a": {"potentiel_financier": {"2024": {}}}}}"#,
        r#"{"communes": {"a": {"date_creation_commune": {"ETERNITY": "toto"}}}}"#,
        r#"{"communes": {"a": {"grille_densite_insee": {"2024": "urbain"}}}}"#,
        r#"{"communes": {"a": {}}, "etats": {"france": {"communes": ["b"]}}}"#,
        r#"{"communes": {"a": {}}, "etats": {"france": {"communes": ["a", "a"]}}}"#,
        r#"{"communes": {"a": {}}, "etats": {"france": {"communes": ["a", {}]}}}"#,
        r#"{"communes": {"a": {"population_insee": {"invalid period": 2000}}}}"#,
        r#"{"communes": {"a": {"population_insee": {"invalid period": null}}}}"#,
        r#"{"communes": {"a": {"population_insee": {"2024-01": 2000}}}}"#,
        r#"{"communes": {"a": {"population_insee": {"ETERNITY": 2000}}}}"#,
        r#"{"communes": {"a": {"strate_demographique": {"2024-01": null}}}}"#,
        r#"{"communes": {"a": {"population_insee": {"2024-01-01": 2000}}}}"#,
        r#"{"communes": {"a": {"strate_demographique": {"2024-01-01": null}}}}"#,
        r#"{"communes": {"a": {"population_insee": {"2024-02-30": 2000}}}}"#,
        r#"{"communes": {"1": {}}, "etats": {"france": {"communes": [1.5]}}}"#,
        r#"{"communes": {"a": {}}, "axes": [[{"name": "population_insee", "count": 2, "min": 0, "max": 1}]]}"#,
    ];
    let mut report = String::new();
    for case in cases {
        let answer = post("/calculate", case).await;
        assert!(answer.status.is_client_error(), "{case}: {}", answer.status);
        assert!(answer.content_type.starts_with("application/json"), "{case}");
        report.push_str(&format!("{case}\n{}\n\n", answer.status_and_body()));
    }
    insta::assert_snapshot!(report);
}

#[tokio::test]
async fn an_integer_with_no_value_is_answered_as_openfisca_s_int32_holds_it() {
    // An État of no commune: 0/0 for its ratio, so no integer amount. The engine keeps the
    // reference's int64 cast (−2^63); OpenFisca's int32 holds −2^31, which the API answers.
    let situation = r#"{"communes": {"c": {}}, "etats": {"d": {"communes": ["c"]}, "e": {"dnp_montant_metropole": {"2025": null}}}}"#;
    let answer = post("/calculate", situation).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["etats"]["e"]["dnp_montant_metropole"]["2025"], serde_json::json!(-2_147_483_648i64));
}

#[tokio::test]
async fn a_computation_that_fails_is_a_500_with_the_located_message() {
    // Alone, a commune gets no bourg-centre budget share it could be bounded by: the budget
    // cannot be distributed (OpenFisca's Brent solver fails on the same case).
    let answer = post("/calculate", r#"{"communes": {"a": {"dsr_fraction_bourg_centre": {"2024": null}}}}"#).await;
    assert_eq!(answer.status, StatusCode::INTERNAL_SERVER_ERROR);
    let message = answer.json()["error"].as_str().unwrap().to_string();
    assert!(message.starts_with("Internal server error: "), "{message}");
    assert!(message.contains("formulas/dsr_bourg_centre.rules:"), "{message}");
    assert!(
        message.contains("note: no commune of the computation can receive any of it: every score is 0"),
        "{message}"
    );
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let big =
        format!(r#"{{"communes": {{"a": {{"nom": {{"2024": "{}"}}}}}}}}"#, "x".repeat(dotations_server::BODY_LIMIT));
    let answer = post("/calculate", big).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(answer.json(), json!({"error": "Request body too large: the limit is 1048576 bytes"}));
}

#[tokio::test]
async fn variables_list_links_to_each_variable() {
    let answer = get("/variables").await;
    assert_eq!(answer.status, StatusCode::OK);
    let body = answer.json();
    assert_eq!(
        body["population_dgf"],
        json!({
            "description": "Population DGF de la commune : population INSEE majorée des résidences secondaires, des places de caravanes et des logements des ORCOD-IN",
            "href": "http://localhost:8080/variable/population_dgf"
        })
    );
    assert!(body.as_object().unwrap().len() > 150);
}

#[tokio::test]
async fn variable_pages_show_formulas_by_date_references_and_possible_values() {
    let mut report = String::new();
    for id in
        ["population_dgf_plafonnee", "dsr_eligible_fraction_bourg_centre", "grille_densite_insee", "population_insee"]
    {
        let answer = get(&format!("/variable/{id}")).await;
        assert_eq!(answer.status, StatusCode::OK, "{id}");
        report.push_str(&format!("GET /variable/{id}\n{}\n\n", answer.pretty()));
    }
    insta::assert_snapshot!(report);
    let missing = get("/variable/populaton").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.json()["error"].as_str().unwrap().contains("'populaton'"));
}

#[tokio::test]
async fn parameters_are_reached_with_dots_or_slashes() {
    let list = get("/parameters").await.json();
    assert_eq!(
        list["population.plafond_dgf"]["href"],
        json!("http://localhost:8080/parameter/population/plafond_dgf"),
        "{list}"
    );
    assert!(list.get("population").is_none(), "nodes are not listed");
    let dotted = get("/parameter/dotation_solidarite_rurale.seuil_nombre_habitants").await;
    let slashed = get("/parameter/dotation_solidarite_rurale/seuil_nombre_habitants").await;
    assert_eq!(dotted.status, StatusCode::OK);
    assert_eq!(dotted.body, slashed.body);
    let mut report = String::new();
    for id in ["dotation_solidarite_rurale.seuil_nombre_habitants", "population/plafond_dgf", "population"] {
        report.push_str(&format!("GET /parameter/{id}\n{}\n\n", get(&format!("/parameter/{id}")).await.pretty()));
    }
    insta::assert_snapshot!(report);
    let missing = get("/parameter/population.nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.json()["error"].is_string());
}

#[tokio::test]
async fn a_trailing_slash_reaches_the_same_route_as_in_openfisca() {
    for path in [
        "/parameters",
        "/variables",
        "/entities",
        "/spec",
        "/variable/population_insee",
        "/parameter/population.plafond_dgf",
    ] {
        let (plain, slashed) = (get(path).await, get(&format!("{path}/")).await);
        assert_eq!(slashed.status, StatusCode::OK, "{path}/");
        assert_eq!(plain.body, slashed.body, "{path}/");
    }
    let situation =
        r#"{"communes": {"a": {"population_insee": {"2024": 80}, "population_dgf_plafonnee": {"2024": null}}}}"#;
    let (plain, slashed) = (post("/calculate", situation).await, post("/calculate/", situation).await);
    assert_eq!(slashed.json()["communes"]["a"]["population_dgf_plafonnee"]["2024"], json!(80));
    assert_eq!(plain.body, slashed.body);
}

#[tokio::test]
async fn a_number_may_be_written_as_arithmetic_as_in_openfisca() {
    // OpenFisca evaluates such a string with numexpr; it was refused here.
    let situation =
        r#"{"communes": {"a": {"population_insee": {"2024": "2 * 40"}, "population_dgf_plafonnee": {"2024": null}}}}"#;
    let answer = post("/calculate", situation).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["communes"]["a"]["population_dgf_plafonnee"]["2024"], json!(80));
    let answer = post("/calculate", situation.replace("2 * 40", "2 * population")).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(
        answer.text().contains("Can't deal with value: expected type integer, received '2 * population'"),
        "{}",
        answer.text()
    );
}

#[tokio::test]
async fn communes_may_be_listed_by_integer_identifiers_as_in_openfisca() {
    // OpenFisca turns an integer member into its text: `1` is the commune "1".
    let situation = r#"{"communes": {"1": {"population_insee": {"2024": 80}}, "2": {}},
                        "etats": {"f": {"communes": [1, "2"]}, "g": {"communes": 3}}}"#;
    let answer = post("/trace", situation).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "commune 3 is not declared: {}", answer.text());
    assert!(answer.text().contains("Unexpected value: 3."), "{}", answer.text());
    let situation = situation.replace(", \"g\": {\"communes\": 3}", "");
    let answer = post("/trace", situation).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert_eq!(answer.json()["entitiesDescription"], json!({"communes": ["1", "2"], "etats": ["f"]}));
}

#[tokio::test]
async fn links_lead_back_through_a_reverse_proxy() {
    let request = |headers: &[(&str, &str)]| {
        let mut request = axum::http::Request::get("/variables").header("host", "127.0.0.1:8000");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.body(axum::body::Body::empty()).unwrap()
    };
    let href = |answer: common::Answer| answer.json()["population_insee"]["href"].as_str().unwrap().to_string();
    assert_eq!(href(common::send(request(&[])).await), "http://127.0.0.1:8000/variable/population_insee");
    let proxied = request(&[("x-forwarded-host", "api.example.org, 10.0.0.1"), ("x-forwarded-proto", "https")]);
    assert_eq!(href(common::send(proxied).await), "https://api.example.org/variable/population_insee");
}

#[tokio::test]
async fn entities_name_their_plural_and_roles() {
    let answer = get("/entities").await;
    assert_eq!(answer.status, StatusCode::OK);
    insta::assert_snapshot!(answer.pretty());
}

#[tokio::test]
async fn every_answer_names_the_country_package() {
    let answer = get("/entities").await;
    assert_eq!(answer.headers["country-package"], "dotations");
    assert_eq!(answer.headers["country-package-version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(answer.headers["access-control-allow-origin"], "*");
}
