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
use vidrop_shared::api::{ErrorBody, VideoDetails};

/// Stores the request body as a new video.
#[utoipa::path(post, path = "/relay", tag = "relay",
    params(RelayQuery,
        ("Content-Length" = u64, Header, description = "The video's size in bytes (411 without it)"),
        ("Content-Type" = String, Header, description = "The video's media type"),
        ("X-Filename" = Option<String>, Header, description = "The file name, UTF-8 or percent-encoded")),
    request_body(content = VideoBytes, content_type = "video/*", description = "The video's bytes"),
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 201, description = "Stored and verified; the video as GET /api/videos/{id} answers it (no poster)", body = VideoDetails),
        (status = "4XX", description = "Refused (404 relay_disabled without --relay); nothing stored", body = ErrorBody),
    ))]
pub async fn relay_create(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppQuery(query): AppQuery<RelayQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, AppJson<VideoDetails>), AppError> {
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
#[utoipa::path(get, path = "/relay/{id}", tag = "relay",
    params(("id" = String, Path, description = "The video's id"),
        ("Range" = Option<String>, Header, description = "One byte range"),
        ("If-None-Match" = Option<String>, Header, description = "An ETag the client holds"),
        ("If-Range" = Option<String>, Header, description = "Send the range only if this ETag or date still holds")),
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 200, description = "The whole video", content_type = "video/*", body = VideoBytes),
        (status = 206, description = "The range asked", content_type = "video/*", body = VideoBytes),
        (status = 304, description = "Not modified"),
        (status = 416, description = "The range lies outside the video", body = ErrorBody),
        (status = "4XX", description = "Refused or not found (404 relay_disabled without --relay)", body = ErrorBody),
    ))]
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
#[utoipa::path(delete, path = "/relay/cache", tag = "relay",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The cache is empty; what it held", body = Cleared),
        (status = "4XX", description = "Not an operator, relay mode off, or no cache", body = ErrorBody),
    ))]
pub async fn relay_cache_destroy(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
) -> Result<AppJson<Cleared>, AppError> {
    let relay = relay(&state)?;
    state.access.require_operator(&caller)?;
    let cache = relay.cache.as_ref().ok_or(AppError::CacheDisabled)?;
    Ok(AppJson(cache.clear()))
}

/// A video's bytes, as the OpenAPI document names a binary body.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)] // Only the document uses it.
struct VideoBytes(Vec<u8>);

/// Relay mode, when it is on.
fn relay(state: &AppState) -> Result<&Relay, AppError> {
    state.relay.as_deref().ok_or(AppError::RelayDisabled)
}
