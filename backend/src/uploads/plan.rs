//! Planning an upload: the policy and the caller's scope checked, and what
//! the browser read of the video and the poster it announces; a new id and
//! key under the scope's prefix, the manifest of what was approved, then
//! either one presigned PUT (up to `--multipart-threshold`) or a multipart
//! upload started in S3; and, when a poster was announced, its presigned PUT
//! ([`crate::poster`]).

use super::admit::admit_upload;
use crate::access::Scope;
use crate::error::AppError;
use crate::manifest::Manifest;
use crate::metadata::video_metadata;
use crate::poster::sign_poster_put;
use crate::state::AppState;
use crate::storage::{PutObject, rfc3339};
use crate::video_id::new_video_id;
use std::collections::BTreeMap;
use std::time::SystemTime;
use vidrop_shared::api::{MultipartUpload, SingleUpload, UploadPlan, UploadRequest};
use vidrop_shared::filename::clean_filename;
use vidrop_shared::keys::video_key_in;
use vidrop_shared::media::{check_media, check_poster};
use vidrop_shared::parts::{PartPlan, is_multipart};

/// Plans an upload: a new id and key, its manifest, then either a presigned
/// PUT binding the size, content type, file name and what was read of the
/// video (as metadata), the SHA-256 when given, and `If-None-Match: *`; or,
/// above the multipart threshold, a multipart upload started in S3 with
/// that metadata. Everything is checked before anything is stored.
pub async fn plan_upload(
    state: &AppState,
    scope: &Scope,
    request: UploadRequest,
) -> Result<UploadPlan, AppError> {
    let UploadRequest {
        upload: request,
        media,
        poster,
    } = request;
    check_media(&media)?;
    if let Some(poster) = &poster {
        check_poster(poster.size)?;
    }
    let content_type =
        admit_upload(&state.storage, scope, &request.content_type, request.size).await?;
    let id = new_video_id();
    let mut manifest = Manifest {
        key: video_key_in(&scope.prefix, &id, &content_type),
        id,
        upload_id: None,
        filename: clean_filename(&request.filename),
        content_type,
        size: request.size,
        sha256: None,
        part_size: request.size,
        part_count: 1,
        created_at: rfc3339(SystemTime::now()),
        media,
        poster_size: poster.map(|poster| poster.size),
    };
    if is_multipart(request.size, state.multipart_threshold) {
        // A whole-file SHA-256 cannot be bound to parts: each part carries its own.
        let plan = start_multipart(state, manifest).await?;
        return Ok(UploadPlan::Multipart(plan));
    }

    manifest.sha256 = request.sha256;
    manifest.save(&state.storage).await?;
    let presigned = state
        .storage
        .presign_put(PutObject {
            key: &manifest.key,
            content_length: manifest.size,
            content_type: Some(&manifest.content_type),
            metadata: Some(video_metadata(&manifest.filename, &manifest.media)),
            sha256: manifest.sha256.as_ref(),
            create_only: true,
        })
        .await?;
    let poster = sign_poster_put(&state.storage, &manifest).await?;
    tracing::info!(id = %manifest.id, key = %manifest.key, size = manifest.size, content_type = %manifest.content_type, poster = poster.is_some(), "upload planned");

    Ok(UploadPlan::Single(SingleUpload {
        id: manifest.id,
        key: manifest.key,
        url: presigned.url,
        method: presigned.method,
        headers: BTreeMap::from_iter(presigned.headers),
        expires_at: rfc3339(presigned.expires_at),
        poster,
    }))
}

/// Starts a multipart upload in S3 and writes its manifest; answers its
/// handle too, the manifest sealed ([`crate::handle`]).
async fn start_multipart(
    state: &AppState,
    mut manifest: Manifest,
) -> Result<MultipartUpload, AppError> {
    let storage = &state.storage;
    let plan = PartPlan::for_size(manifest.size);
    let upload_id = storage
        .create_multipart(
            &manifest.key,
            &manifest.content_type,
            video_metadata(&manifest.filename, &manifest.media),
        )
        .await?;
    let created = SystemTime::now();
    manifest.upload_id = Some(upload_id.clone());
    manifest.part_size = plan.part_size;
    manifest.part_count = plan.part_count;
    manifest.created_at = rfc3339(created);
    if let Err(err) = manifest.save(storage).await {
        if let Err(abort) = storage.abort_multipart(&manifest.key, &upload_id).await {
            tracing::warn!(id = %manifest.id, cause = %abort.cause(), "cannot abort an upload whose manifest failed; the sweep will");
        }
        return Err(err.into());
    }
    let poster = sign_poster_put(storage, &manifest).await?;
    // Valid as long as the upload may stay unfinished, like `expires_at`.
    let expires_at = created + state.abandon_after;
    let handle = state.access.handles.seal(&manifest, expires_at);
    tracing::info!(
        id = %manifest.id,
        key = %manifest.key,
        size = manifest.size,
        part_size = plan.part_size,
        part_count = plan.part_count,
        content_type = %manifest.content_type,
        poster = poster.is_some(),
        "multipart upload started"
    );
    Ok(MultipartUpload {
        id: manifest.id,
        key: manifest.key,
        upload_id,
        part_size: plan.part_size,
        part_count: plan.part_count,
        expires_at: rfc3339(expires_at),
        poster,
        handle: Some(handle),
    })
}
