//! `/health` (liveness, with the backend name) and `/metrics` (Prometheus text).
//!
//! Why public: load balancers and Prometheus scrape without tokens; neither answer
//! carries health data (counts are by route pattern, never by id).
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;

pub async fn health(State(state): State<AppState>) -> Response {
    let body = json!({
        "status": "ok",
        "backend": state.store.backend_name(),
        "version": env!("CARGO_PKG_VERSION"),
        "devAuth": state.auth.dev_enabled(),
    });
    ([(CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}
