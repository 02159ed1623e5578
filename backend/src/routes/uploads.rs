//! Uploads over HTTP: `POST /api/uploads` plans one (`201`), `POST
//! /api/uploads/{id}/complete` answers the video, `DELETE
//! /api/uploads/{id}?upload_id=…` gives a multipart upload up (`204`, also
//! when nothing was in progress any more). The rules live in
//! [`crate::uploads`].

use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::state::AppState;
use crate::uploads;
use axum::extract::State;
use axum::http::StatusCode;
use vidrop_shared::api::{CompleteUpload, CreateUpload, UploadPlan, UploadQuery, Video};

/// Plans an upload: one presigned PUT, or a multipart upload started in S3.
pub async fn uploads_create(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppJson(request): AppJson<CreateUpload>,
) -> Result<(StatusCode, AppJson<UploadPlan>), AppError> {
    let scope = caller.scope(state.max_size);
    let plan = uploads::plan_upload(&state, &scope, request).await?;
    Ok((StatusCode::CREATED, AppJson(plan)))
}

/// Completes an upload and answers the video.
pub async fn uploads_complete(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    AppJson(request): AppJson<CompleteUpload>,
) -> Result<AppJson<Video>, AppError> {
    let scope = caller.scope(state.max_size);
    let video = uploads::complete_upload(&state, &scope, &id, request).await?;
    Ok(AppJson(video))
}

/// Gives a multipart upload up: aborts it in S3 and deletes its manifest.
pub async fn uploads_destroy(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    AppQuery(query): AppQuery<UploadQuery>,
) -> Result<StatusCode, AppError> {
    let scope = caller.scope(state.max_size);
    uploads::abort_upload(&state.storage, &scope, &id, &query.upload_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
