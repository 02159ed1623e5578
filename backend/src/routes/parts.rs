//! The parts of a multipart upload over HTTP: `POST /api/uploads/{id}/parts`
//! presigns `UploadPart` for a batch of part numbers, `GET
//! /api/uploads/{id}/parts?upload_id=…` lists what S3 already holds (to
//! resume). The rules live in [`crate::uploads`].

use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::state::AppState;
use crate::uploads;
use axum::extract::State;
use vidrop_shared::api::{ErrorBody, SignParts, SignedParts, StoredParts, UploadQuery};

/// Presigns `UploadPart` for each part asked, binding its length and SHA-256.
///
/// With the plan's `handle`, the upload's facts are read from it and no S3
/// call is made; without it (or with one the server cannot use), from the
/// upload's manifest.
#[utoipa::path(post, path = "/uploads/{id}/parts", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id")),
    request_body = SignParts,
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 200, description = "Presigned UploadPart URLs, bound to length and SHA-256", body = SignedParts),
        (status = "4XX", description = "Refused", body = ErrorBody),
    ))]
pub async fn parts_create(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    AppJson(request): AppJson<SignParts>,
) -> Result<AppJson<SignedParts>, AppError> {
    let scope = caller.scope(state.max_size);
    let signed =
        uploads::sign_parts(&state.storage, &state.access.handles, &scope, &id, request).await?;
    Ok(AppJson(signed))
}

/// The parts S3 holds for the upload, with the ETag and SHA-256 a completion
/// needs.
#[utoipa::path(get, path = "/uploads/{id}/parts", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id"), UploadQuery),
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 200, description = "The parts S3 holds (to resume)", body = StoredParts),
        (status = "4XX", description = "Refused", body = ErrorBody),
    ))]
pub async fn parts_index(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    AppQuery(query): AppQuery<UploadQuery>,
) -> Result<AppJson<StoredParts>, AppError> {
    let scope = caller.scope(state.max_size);
    let stored = uploads::stored_parts(&state.storage, &scope, &id, &query.upload_id).await?;
    Ok(AppJson(stored))
}
