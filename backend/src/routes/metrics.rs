//! `GET /metrics`: the service's figures in Prometheus's text format
//! ([`crate::metrics`]). Operators only: an API key when the server is
//! closed (Prometheus sends one as a bearer token), anyone when it is open
//! for local development; never an upload token.

use crate::error::{AppError, Authorized};
use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use vidrop_shared::api::ErrorBody;

/// The content type of the text format prometheus-client writes.
const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[utoipa::path(get, path = "/metrics", tag = "service",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "Prometheus/OpenMetrics text", content_type = "application/openmetrics-text"),
        (status = "4XX", description = "Not an operator", body = ErrorBody),
    ))]
pub async fn metrics_show(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
) -> Result<impl IntoResponse, AppError> {
    state.access.require_operator(&caller)?;
    Ok((
        [(header::CONTENT_TYPE, OPENMETRICS)],
        state.metrics.render(),
    ))
}
