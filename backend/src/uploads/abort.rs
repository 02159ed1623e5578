//! Giving a multipart upload up: abort it in S3 and delete its poster (if
//! one was sent) and its manifest.
//!
//! Idempotent: done whether it aborted the upload or there was nothing in
//! progress under that id any more (aborted, completed, swept). It never
//! deletes a completed video or its poster, nor touches an upload outside
//! the caller's scope (`404`).

use super::pending::manifest_in_scope;
use crate::access::Scope;
use crate::error::AppError;
use crate::manifest::Manifest;
use crate::poster::delete_poster;
use crate::storage::Storage;

/// Aborts the multipart upload `id` / `upload_id` in S3 and deletes its
/// poster and manifest; done too when no upload is in progress under `id`.
pub async fn abort_upload(
    storage: &Storage,
    scope: &Scope,
    id: &str,
    upload_id: &str,
) -> Result<(), AppError> {
    let Some(manifest) = manifest_in_scope(storage, scope, id).await? else {
        return Ok(());
    };
    let Some(manifest_upload_id) = manifest
        .upload_id
        .as_deref()
        .filter(|known| *known == upload_id)
    else {
        return Err(AppError::UploadNotFound(id.to_owned()));
    };
    let aborted = storage
        .abort_multipart(&manifest.key, manifest_upload_id)
        .await?;
    if aborted {
        // Not when S3 knew no such upload: it may have been completed, and
        // then the poster is the video's.
        delete_poster(storage, &manifest).await?;
    }
    Manifest::delete(storage, id).await?;
    tracing::info!(%id, aborted, "multipart upload given up");
    Ok(())
}
