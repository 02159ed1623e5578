//! Relay mode over HTTP (with `--relay`; `404 relay_disabled` without):
//! `POST /api/relay` streams a video into S3 and answers it (`201`, as
//! `GET /api/videos/{id}` does), `GET /api/relay/{id}` streams one back
//! (`200`, `206`, `304`), and `DELETE /api/relay/cache` empties the download
//! cache (operators only). The rules live in [`crate::relay`].

use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::relay::Relay;
use crate::relay::cache::Cleared;
use crate::relay::download::relay_download;
use crate::relay::upload::{RelayQuery, RelayedUpload, relay_upload};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use vidrop_shared::api::Video;

/// Stores the request body as a new video.
pub async fn relay_create(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppQuery(query): AppQuery<RelayQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, AppJson<Video>), AppError> {
    let relay = relay(&state)?;
    let scope = caller.scope(state.max_size);
    let upload = RelayedUpload::declared(&headers, query)?;
    let stream = body.into_data_stream();
    let video = relay_upload(
        &state.storage,
        &state.video_metadata,
        relay,
        &scope,
        upload,
        stream,
    )
    .await?;
    Ok((StatusCode::CREATED, AppJson(video)))
}

/// Streams a video, or the range of it asked.
pub async fn relay_show(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let relay = relay(&state)?;
    let scope = caller.scope(state.max_size);
    relay_download(&state.storage, relay, &scope, &id, &headers).await
}

/// Empties the download cache; answers what it held.
pub async fn relay_cache_destroy(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
) -> Result<AppJson<Cleared>, AppError> {
    let relay = relay(&state)?;
    state.access.require_operator(&caller)?;
    let cache = relay.cache.as_ref().ok_or(AppError::CacheDisabled)?;
    Ok(AppJson(cache.clear()))
}

/// Relay mode, when it is on.
fn relay(state: &AppState) -> Result<&Relay, AppError> {
    state.relay.as_deref().ok_or(AppError::RelayDisabled)
}
