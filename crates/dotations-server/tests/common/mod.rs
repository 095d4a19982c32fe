//! The server under test: the embedded law and data, loaded once for every test of a file.

#![allow(dead_code)]

use std::sync::{Arc, OnceLock};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use dotations_server::{router, AppState, Options};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The state with the embedded data of 2024 and 2025.
pub fn state() -> Arc<AppState> {
    static STATE: OnceLock<Arc<AppState>> = OnceLock::new();
    STATE.get_or_init(|| Arc::new(AppState::load(&Options::default()).expect("the embedded law and data load"))).clone()
}

/// An answer: status, content type and body.
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The JSON body, pretty, keys in the order the server wrote them, for snapshots.
    pub fn pretty(&self) -> String {
        let value: dotations_server::json::Json = serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)));
        serde_json::to_string_pretty(&value).unwrap()
    }

    /// Status and pretty body, for snapshots of errors.
    pub fn status_and_body(&self) -> String {
        format!("{}\n{}", self.status.as_u16(), self.pretty())
    }
}

pub async fn send(request: Request<Body>) -> Answer {
    let response = router(state()).oneshot(request).await.expect("the router answers");
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let body = response.into_body().collect().await.expect("a body").to_bytes().to_vec();
    Answer { status, content_type, headers, body }
}

pub async fn get(uri: &str) -> Answer {
    send(Request::get(uri).header("host", "localhost:8080").body(Body::empty()).unwrap()).await
}

pub async fn post(uri: &str, body: impl Into<Body>) -> Answer {
    let request = Request::post(uri)
        .header("host", "localhost:8080")
        .header("content-type", "application/json")
        .body(body.into())
        .unwrap();
    send(request).await
}

/// A fixture of `tests/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Posts a JSON value.
pub async fn post_json(uri: &str, value: &serde_json::Value) -> Answer {
    post(uri, serde_json::to_vec(value).unwrap()).await
}
