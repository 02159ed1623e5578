//! Uploads over HTTP: `POST /api/uploads` plans one (`201`), `POST
//! /api/uploads/{id}/complete` answers the video, `DELETE
//! /api/uploads/{id}?upload_id=…` gives a multipart upload up (`204`, also
//! when nothing was in progress any more). The rules live in
//! [`crate::uploads`].

use crate::error::{AppError, AppJson, AppPath, AppQuery, Authorized};
use crate::metrics::UploadOutcome;
use crate::state::AppState;
use crate::uploads;
use axum::extract::State;
use axum::http::StatusCode;
use vidrop_shared::api::{
    CompleteUpload, ErrorBody, UploadPlan, UploadQuery, UploadRequest, VideoDetails,
};

/// Plans an upload: one presigned PUT, or a multipart upload started in S3
/// (and the PUT of its poster when one is announced).
#[utoipa::path(post, path = "/uploads", tag = "uploads",
    request_body = UploadRequest,
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 201, description = "One presigned PUT, or a multipart upload started; and the poster's PUT when one is announced", body = UploadPlan),
        (status = "4XX", description = "Refused: credentials, type, size, quota, metadata, poster", body = ErrorBody),
    ))]
pub async fn uploads_create(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppJson(request): AppJson<UploadRequest>,
) -> Result<(StatusCode, AppJson<UploadPlan>), AppError> {
    let scope = caller.scope(state.max_size);
    let size = request.upload.size;
    let plan = uploads::plan_upload(&state, &scope, request).await?;
    state.metrics.upload(UploadOutcome::Created);
    state.metrics.bytes_approved(size);
    Ok((StatusCode::CREATED, AppJson(plan)))
}

/// Completes an upload and answers the video.
///
/// With the plan's `handle`, a multipart upload is completed from the facts
/// it carries (three S3 calls), and `poster_url` names the poster the plan
/// announced without checking it was sent.
#[utoipa::path(post, path = "/uploads/{id}/complete", tag = "uploads",
    params(("id" = String, Path, description = "The upload's (and video's) id")),
    request_body = CompleteUpload,
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 200, description = "The stored video, checked against what was approved", body = VideoDetails),
        (status = "4XX", description = "Refused, or the object is not what was approved", body = ErrorBody),
    ))]
pub async fn uploads_complete(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    AppJson(request): AppJson<CompleteUpload>,
) -> Result<AppJson<VideoDetails>, AppError> {
    let scope = caller.scope(state.max_size);
    match uploads::complete_upload(&state, &scope, &id, request).await {
        Ok(video) => {
            state.metrics.upload(UploadOutcome::Completed);
            Ok(AppJson(video))
        }
        Err(err) => {
            if matches!(err, AppError::VerificationFailed(_)) {
                state.metrics.upload(UploadOutcome::Failed);
            }
            Err(err)
        }
    }
}

/// Gives a multipart upload up: aborts it in S3 and deletes its manifest.
#[utoipa::path(delete, path = "/uploads/{id}", tag = "uploads",
    params(("id" = String, Path, description = "The upload's id"), UploadQuery),
    security(("api_key" = []), ("upload_token" = [])),
    responses(
        (status = 204, description = "The multipart upload is given up (or was already gone)"),
        (status = "4XX", description = "Refused", body = ErrorBody),
    ))]
pub async fn uploads_destroy(
    State(state): State<AppState>,
    Authorized(caller): Authorized,
    AppPath(id): AppPath<String>,
    AppQuery(query): AppQuery<UploadQuery>,
) -> Result<StatusCode, AppError> {
    let scope = caller.scope(state.max_size);
    uploads::abort_upload(&state.storage, &scope, &id, &query.upload_id).await?;
    state.metrics.upload(UploadOutcome::Aborted);
    Ok(StatusCode::NO_CONTENT)
}
