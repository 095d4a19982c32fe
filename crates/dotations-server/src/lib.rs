//! The HTTP server of the dotations engine (`dotations serve`).
//!
//! It answers three kinds of clients from one process:
//!
//! - **OpenFisca clients**: `/parameters`, `/parameter/{id}`, `/variables`, `/variable/{id}`,
//!   `/entities`, `/spec`, `POST /calculate` and `POST /trace` follow OpenFisca's Web API —
//!   routes, JSON shapes, periods as keys, entity plurals, error shapes — so that the same
//!   `/calculate` request gets the same answer here as from the OpenFisca model.
//! - **Its own API**: `/communes?search=`, `/communes/{code}`, `POST /communes/{code}/simulation`
//!   (what-if), `/law` and `POST /scenario`.
//! - **People**: the page at `/` finds a commune, shows its dotations with last year's amounts
//!   and their legal references, and recomputes them when a criterion or a parameter changes.
//!
//! Invariants: the law and each year's data are loaded and the baseline is computed once, at
//! start-up ([`AppState::load`]); requests only read that state and compute on copies.
//! Computations run on blocking threads, so a long what-if does not stall other requests.
//! Request bodies are limited to [`BODY_LIMIT`] bytes (413 beyond). Every error is answered
//! with a JSON body and the status that fits it ([`ApiError`]).
#![forbid(unsafe_code)]

pub mod communes;
pub mod error;
pub mod json;
pub mod openfisca;
pub mod scenario;
pub mod spec;
pub mod state;
mod web;
pub mod whatif;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json as AxumJson, Router};
use tower_http::cors::{Any, CorsLayer};

pub use error::ApiError;
pub use state::{AppState, Options};

/// The largest request body accepted, in bytes (1 MiB).
pub const BODY_LIMIT: usize = 1 << 20;

type Shared = Arc<AppState>;

/// Every route of the server.
pub fn router(state: Shared) -> Router {
    let openfisca = [
        ("/parameters", get(parameters)),
        ("/parameter/{*id}", get(parameter)),
        ("/variables", get(variables)),
        ("/variable/{id}", get(variable)),
        ("/entities", get(entities)),
        ("/spec", get(spec)),
        ("/calculate", post(calculate)),
        ("/trace", post(trace)),
    ];
    let mut router = Router::new();
    for (path, route) in openfisca {
        // As OpenFisca's (Flask's `strict_slashes = False`), with a trailing slash too (the
        // wildcard of `/parameter/` takes it, and the handler drops it).
        if !path.contains('*') {
            router = router.route(&format!("{path}/"), route.clone());
        }
        router = router.route(path, route);
    }
    router
        .route("/", get(web::index))
        .route("/app.js", get(web::script))
        .route("/style.css", get(web::style))
        .route("/communes", get(search))
        .route("/communes/{code}", get(commune))
        .route("/communes/{code}/simulation", post(simulation))
        .route("/law", get(law))
        .route("/scenario", post(scenario))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::map_response(package_headers))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods([Method::GET, Method::POST]).allow_headers(Any))
        .with_state(state)
}

/// Serves until Ctrl-C (or SIGTERM).
pub async fn serve(listener: tokio::net::TcpListener, state: Shared) -> std::io::Result<()> {
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown()).await
}

async fn shutdown() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

/// OpenFisca names its country package in two headers of every answer.
async fn package_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert("Country-Package", HeaderValue::from_static("dotations"));
    headers.insert("Country-Package-Version", HeaderValue::from_static(env!("CARGO_PKG_VERSION")));
    response
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route: see GET /spec for the routes of this server")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method not allowed on this route: see GET /spec")
}

/// `http://host/`, for the links OpenFisca puts in its lists.
///
/// Behind a reverse proxy, the host and scheme the client used are in `X-Forwarded-Host` and
/// `X-Forwarded-Proto` (the first value when proxies chain), as OpenFisca reads them through
/// werkzeug's `ProxyFix`; the links then lead back through the proxy.
fn base_url(headers: &HeaderMap) -> String {
    let header =
        |name: &str| headers.get(name).and_then(|h| h.to_str().ok()).and_then(|v| v.split(',').next()).map(str::trim);
    let host = header("x-forwarded-host").or_else(|| header("host")).filter(|h| !h.is_empty()).unwrap_or("localhost");
    let scheme = if header("x-forwarded-proto") == Some("https") { "https" } else { "http" };
    format!("{scheme}://{host}/")
}

/// Runs a computation on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        Err(ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("Internal server error: {e}")))
    })
}

/// Reads a JSON body, keeping the order of its keys.
fn json_body(body: Result<Bytes, BytesRejection>) -> Result<json::Json, ApiError> {
    let bytes = body.map_err(ApiError::body)?;
    serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))
}

async fn parameters(State(state): State<Shared>, headers: HeaderMap) -> Response {
    AxumJson(openfisca::metadata::parameters(&state.model, &base_url(&headers))).into_response()
}

async fn parameter(State(state): State<Shared>, id: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(ApiError::path)?;
    let id = id.strip_suffix('/').unwrap_or(&id);
    match openfisca::metadata::parameter(&state.model, id) {
        Some(parameter) => Ok(AxumJson(parameter).into_response()),
        None => Err(ApiError::not_found(format!("no parameter `{id}`: see GET /parameters"))),
    }
}

async fn variables(State(state): State<Shared>, headers: HeaderMap) -> Response {
    AxumJson(openfisca::metadata::variables(&state.model, &base_url(&headers))).into_response()
}

async fn variable(State(state): State<Shared>, id: Result<Path<String>, PathRejection>) -> Result<Response, ApiError> {
    let Path(id) = id.map_err(ApiError::path)?;
    match state.model.variable_id(&id) {
        Some(var) => Ok(AxumJson(openfisca::metadata::variable(&state.model, var)).into_response()),
        None => Err(ApiError::not_found(openfisca::situation::unknown_variable(&id))),
    }
}

async fn entities(State(state): State<Shared>) -> Response {
    AxumJson(openfisca::metadata::entities(&state.model)).into_response()
}

async fn spec(headers: HeaderMap) -> Response {
    AxumJson(spec::document(&base_url(&headers))).into_response()
}

async fn calculate(State(state): State<Shared>, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let input = json_body(body)?;
    let output = blocking(move || openfisca::calculate::calculate(&state.model, input)).await?;
    Ok(AxumJson(output).into_response())
}

async fn trace(State(state): State<Shared>, body: Result<Bytes, BytesRejection>) -> Result<Response, ApiError> {
    let input = json_body(body)?;
    let output = blocking(move || openfisca::calculate::trace(&state.model, input)).await?;
    Ok(AxumJson(output).into_response())
}

async fn search(
    State(state): State<Shared>,
    query: Result<Query<communes::SearchQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(ApiError::query)?;
    let year = state.year(query.year)?;
    let found = communes::search(year, query.search.as_deref().unwrap_or_default());
    Ok(AxumJson(found).into_response())
}

async fn commune(
    State(state): State<Shared>,
    code: Result<Path<String>, PathRejection>,
    query: Result<Query<communes::PageQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let (Path(code), Query(query)) = (code.map_err(ApiError::path)?, query.map_err(ApiError::query)?);
    let page = blocking(move || {
        let year = state.year(query.year)?;
        communes::page(&state, year, &code, query.depth)
    })
    .await?;
    Ok(AxumJson(page).into_response())
}

async fn simulation(
    State(state): State<Shared>,
    code: Result<Path<String>, PathRejection>,
    query: Result<Query<communes::YearQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let (Path(code), Query(query)) = (code.map_err(ApiError::path)?, query.map_err(ApiError::query)?);
    let bytes = body.map_err(ApiError::body)?;
    let change: whatif::Change = if bytes.iter().all(u8::is_ascii_whitespace) {
        whatif::Change::default()
    } else {
        serde_json::from_slice(&bytes).map_err(|e| ApiError::bad_request(format!("Invalid JSON: {e}")))?
    };
    let simulated = blocking(move || {
        let year = state.year(query.year)?;
        whatif::simulate(&state, year, &code, &change)
    })
    .await?;
    Ok(AxumJson(simulated).into_response())
}

async fn law(
    State(state): State<Shared>,
    query: Result<Query<communes::YearQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(ApiError::query)?;
    let year = state.year(query.year)?.year;
    let parameters = whatif::law(&state.model, year);
    let years: Vec<i32> = state.years.keys().copied().collect();
    Ok(AxumJson(serde_json::json!({ "year": year, "years": years, "parameters": parameters })).into_response())
}

async fn scenario(
    State(state): State<Shared>,
    query: Result<Query<communes::YearQuery>, QueryRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let Query(query) = query.map_err(ApiError::query)?;
    let bytes = body.map_err(ApiError::body)?;
    let text = String::from_utf8(bytes.to_vec())
        .map_err(|_| ApiError::bad_request("the scenario must be UTF-8 text (YAML or JSON)"))?;
    let impact = blocking(move || scenario::run(&state, text, query.year)).await?;
    Ok(AxumJson(impact).into_response())
}
