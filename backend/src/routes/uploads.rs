//! `POST /api/uploads`: checks an upload against the policy and answers the
//! presigned PUT the browser sends the file with. Nothing is stored here: the
//! object appears in S3 when the browser's PUT completes.

use crate::error::{AppError, AppJson};
use crate::state::AppState;
use crate::storage::{PutObject, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::{BTreeMap, HashMap};
use ulid::Ulid;
use vidrop_shared::api::{CreateUpload, SingleUpload, UploadPlan};
use vidrop_shared::filename::{FILENAME_METADATA_KEY, clean_filename, percent_encode};
use vidrop_shared::keys::video_key;
use vidrop_shared::policy::check_upload;

/// Plans an upload: a new id and key, and a presigned PUT binding the size,
/// content type, file name (as metadata) and, when given, the SHA-256.
pub async fn uploads_create(
    State(state): State<AppState>,
    AppJson(request): AppJson<CreateUpload>,
) -> Result<(StatusCode, AppJson<UploadPlan>), AppError> {
    let content_type = check_upload(&request.content_type, request.size, state.max_size)?;
    let sha256 = request.sha256.as_deref().map(str::trim);
    if let Some(sha256) = sha256
        && !vidrop_shared::checksum::is_base64_sha256(sha256)
    {
        return Err(AppError::InvalidChecksum);
    }
    let filename = clean_filename(&request.filename);
    let id = Ulid::generate().to_string();
    let key = video_key(&id, &content_type);

    let presigned = state
        .storage
        .presign_put(PutObject {
            key: &key,
            content_length: request.size,
            content_type: Some(&content_type),
            metadata: Some(HashMap::from([(
                FILENAME_METADATA_KEY.to_owned(),
                percent_encode(&filename),
            )])),
            sha256,
        })
        .await?;
    tracing::info!(%id, %key, size = request.size, %content_type, "upload planned");

    let plan = UploadPlan::Single(SingleUpload {
        id,
        key,
        url: presigned.url,
        method: presigned.method,
        headers: BTreeMap::from_iter(presigned.headers),
        expires_at: rfc3339(presigned.expires_at),
    });
    Ok((StatusCode::CREATED, AppJson(plan)))
}
