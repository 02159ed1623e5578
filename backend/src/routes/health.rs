//! `GET /api/health`: the server answers, and which storage it uses.

use crate::error::AppJson;
use crate::state::AppState;
use axum::extract::State;
use vidrop_shared::api::Health;

/// Says the server is up, and whether it uses the embedded store or a bucket.
#[utoipa::path(get, path = "/health", tag = "service",
    responses((status = 200, description = "The server answers", body = Health)))]
pub async fn health_show(State(state): State<AppState>) -> AppJson<Health> {
    AppJson(Health {
        status: "ok".to_owned(),
        storage: state.storage.kind(),
        bucket: state.storage.bucket().to_owned(),
    })
}
