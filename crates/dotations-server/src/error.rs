//! Errors as HTTP answers: a status and a JSON body.
//!
//! Every error is answered with JSON, never an empty body or HTML: `{"error": "message"}`, or,
//! for a situation OpenFisca would reject, OpenFisca's own shape — the message placed at the
//! path of the culprit in the request (`{"communes": {"c1": {"populaton": "…"}}}`), so a client
//! written for OpenFisca reads our errors as it reads its.

use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use dotations_diagnostics::Diagnostics;
use serde_json::{json, Value};

/// An error answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
}

impl ApiError {
    /// `{"error": message}` with a status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError { status, body: json!({ "error": message.into() }) }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }

    /// OpenFisca's `SituationParsingError`: the message at `path` inside the situation. Line
    /// breaks become spaces, as OpenFisca does.
    pub fn at_path(status: StatusCode, path: &[&str], message: impl Into<String>) -> ApiError {
        let mut body = Value::String(message.into().trim().replace('\n', " "));
        for key in path.iter().rev() {
            body = json!({ *key: body });
        }
        ApiError { status, body }
    }

    /// A computation that failed: the diagnostics as plain text. The situation was valid but
    /// the law cannot be computed on it (a parameter missing at that date, a budget that cannot
    /// be distributed): OpenFisca answers such errors with 500 and this prefix.
    pub fn computation(diagnostics: &Diagnostics) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("Internal server error: {}", plain(diagnostics)))
    }

    /// The user's input (a scenario, a criterion) is wrong: 400 with the diagnostics as text.
    pub fn invalid(diagnostics: &Diagnostics) -> ApiError {
        ApiError::bad_request(plain(diagnostics))
    }

    /// A query string that does not read (`?year=abc`): 400, in JSON like every error.
    pub fn query(rejection: QueryRejection) -> ApiError {
        ApiError::new(rejection.status(), format!("Cannot read the query string: {}", rejection.body_text()))
    }

    /// A path segment that does not read (percent-encoded bytes that are no UTF-8).
    pub fn path(rejection: PathRejection) -> ApiError {
        ApiError::new(rejection.status(), format!("Cannot read the path: {}", rejection.body_text()))
    }

    /// A request body that could not be read: too large (413) or cut short (400).
    pub fn body(rejection: BytesRejection) -> ApiError {
        let status = rejection.status();
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(status, format!("Request body too large: the limit is {} bytes", crate::BODY_LIMIT))
        } else {
            ApiError::new(status, format!("Cannot read the request body: {}", rejection.body_text()))
        }
    }
}

/// Diagnostics as text, without trailing blank lines.
pub fn plain(diagnostics: &Diagnostics) -> String {
    diagnostics.to_string().trim_end().to_string()
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn situation_errors_are_nested_at_their_path() {
        let error = ApiError::at_path(StatusCode::NOT_FOUND, &["communes", "c1", "x"], "line one\nline two");
        assert_eq!(error.body, json!({"communes": {"c1": {"x": "line one line two"}}}));
    }
}
