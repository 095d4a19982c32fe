//! The server as a whole: its OpenAPI document, routing errors, the web page's assets.

mod common;

use axum::http::StatusCode;
use common::{get, post};

/// Every route of the router, as the OpenAPI document must describe it.
const ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/parameters", "/parameters"),
    ("get", "/parameter/{parameterID}", "/parameter/population"),
    ("get", "/variables", "/variables"),
    ("get", "/variable/{variableID}", "/variable/population_dgf"),
    ("get", "/entities", "/entities"),
    ("get", "/spec", "/spec"),
    ("post", "/calculate", "/calculate"),
    ("post", "/trace", "/trace"),
    ("get", "/communes", "/communes?search=27001"),
    ("get", "/communes/{code}", "/communes/27001"),
    ("post", "/communes/{code}/simulation", "/communes/27001/simulation"),
    ("get", "/law", "/law"),
    ("post", "/scenario", "/scenario"),
];

#[tokio::test]
async fn the_spec_is_openapi_3_and_describes_every_route() {
    let answer = get("/spec").await;
    assert_eq!(answer.status, StatusCode::OK);
    let spec = answer.json();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    assert_eq!(spec["servers"][0]["url"], "http://localhost:8080");
    assert_eq!(spec["info"]["version"], env!("CARGO_PKG_VERSION"));
    let paths = spec["paths"].as_object().unwrap();
    assert_eq!(paths.len(), ROUTES.len(), "{:?}", paths.keys().collect::<Vec<_>>());
    for (method, path, example) in ROUTES {
        assert!(paths.get(*path).and_then(|p| p.get(*method)).is_some(), "{method} {path} is not in the spec");
        // Each route exists: posting an empty body may be refused, never as an unknown route.
        let answer = if *method == "get" { get(example).await } else { post(example, "{}").await };
        assert_ne!(answer.status, StatusCode::NOT_FOUND, "{method} {example}: {}", answer.text());
        assert_ne!(answer.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {example}");
    }
    // Every `$ref` points at a defined component.
    let text = serde_json::to_string(&spec).unwrap();
    for reference in text.split("\"$ref\":\"").skip(1) {
        let target = reference.split('"').next().unwrap();
        let pointer = target.trim_start_matches('#');
        assert!(spec.pointer(pointer).is_some(), "dangling $ref {target}");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_json() {
    let answer = get("/nope").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.json()["error"].as_str().unwrap().contains("/spec"));
    let answer = get("/calculate").await;
    assert_eq!(answer.status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(answer.json()["error"].is_string());
}

#[tokio::test]
async fn a_query_string_or_a_path_that_does_not_read_answers_json() {
    for (uri, culprit) in [
        ("/law?year=abc", "Cannot read the query string"),
        ("/communes?search=x&year=20x5", "Cannot read the query string"),
        ("/communes/%ff%fe", "Cannot read the path"),
        ("/variable/%ff", "Cannot read the path"),
    ] {
        let answer = get(uri).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{uri}");
        let message = answer.json()["error"].as_str().unwrap_or_default().to_string();
        assert!(message.starts_with(culprit), "{uri}: {message}");
    }
    let answer = post("/scenario?year=abc", "{}").await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.json()["error"].as_str().unwrap().contains("year"));
}

#[tokio::test]
async fn the_page_and_its_assets_are_served() {
    let page = get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.content_type.starts_with("text/html"));
    let html = page.text();
    assert!(html.contains(r#"<html lang="fr">"#));
    assert!(html.contains(r#"<label for="search-input">"#));
    for (path, kind) in [("/app.js", "text/javascript"), ("/style.css", "text/css")] {
        assert!(html.contains(&format!("\"{path}\"")), "{path} is linked from the page");
        let asset = get(path).await;
        assert_eq!(asset.status, StatusCode::OK);
        assert!(asset.content_type.starts_with(kind), "{path}: {}", asset.content_type);
        assert!(!asset.body.is_empty());
    }
}
