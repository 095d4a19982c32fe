//! `GET /spec`: the OpenAPI 3 document of this server, written in `openapi.yaml` beside this
//! file and completed with the server's address and version.

use serde_json::{json, Value};

const DOCUMENT: &str = include_str!("openapi.yaml");

/// The document, with `servers` pointing at `base_url`.
pub fn document(base_url: &str) -> Value {
    let text = DOCUMENT.replace("{VERSION}", env!("CARGO_PKG_VERSION"));
    let mut document: Value = serde_yaml::from_str(&text).expect("openapi.yaml is valid YAML (tested)");
    document["servers"] = json!([{ "url": base_url.trim_end_matches('/') }]);
    document
}
