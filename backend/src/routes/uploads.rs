//! Uploads: `POST /api/uploads` plans one, `POST /api/uploads/{id}/complete`
//! checks what S3 stored and answers the video, `DELETE
//! /api/uploads/{id}?upload_id=…` gives a multipart upload up. (Its parts are
//! signed and listed in [`super::parts`].)
//!
//! Up to `--multipart-threshold` bytes, an upload is one presigned PUT and
//! nothing is stored until the browser's PUT completes. Above it, the upload
//! is multipart: S3 starts it here, and the approved facts go to a manifest
//! object ([`Manifest`]) that the other routes read, since the server keeps
//! nothing between requests.
//!
//! Completion is safe to repeat: once an upload has completed and been
//! verified its manifest is gone, and completing it again answers the same
//! video. An object that is not what was approved (size, type) is deleted and
//! the answer is `422 verification_failed`. A parts list S3 refuses (a wrong
//! ETag or checksum) answers `400 part_mismatch` and leaves the upload in
//! progress, with no object, so the client can list the stored parts and
//! complete again.
//!
//! Abort is idempotent: `204` whether it aborted the upload or there was
//! nothing in progress under that id any more (aborted, completed, swept).
//! It never deletes a completed video.

use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::manifest::Manifest;
use crate::routes::videos::{find_video, find_video_object, video};
use crate::state::AppState;
use crate::storage::{Completion, ObjectHead, PutObject, Storage, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::time::SystemTime;
use ulid::Ulid;
use vidrop_shared::api::{
    CompleteUpload, CompletedPart, CreateUpload, MultipartUpload, SingleUpload, UploadPlan, Video,
};
use vidrop_shared::checksum::is_base64_sha256;
use vidrop_shared::filename::{FILENAME_METADATA_KEY, clean_filename, percent_encode};
use vidrop_shared::keys::{is_video_id, video_key};
use vidrop_shared::parts::{PartPlan, is_multipart};
use vidrop_shared::policy::check_upload;

/// The query of the routes that name a multipart upload: `?upload_id=…`.
#[derive(Debug, Deserialize)]
pub struct UploadQuery {
    pub upload_id: String,
}

/// Plans an upload: a new id and key, then either a presigned PUT binding the
/// size, content type, file name (as metadata) and, when given, the SHA-256;
/// or, above the multipart threshold, a multipart upload started in S3.
pub async fn uploads_create(
    State(state): State<AppState>,
    AppJson(request): AppJson<CreateUpload>,
) -> Result<(StatusCode, AppJson<UploadPlan>), AppError> {
    let content_type = check_upload(&request.content_type, request.size, state.max_size)?;
    let sha256 = request.sha256.as_deref().map(str::trim);
    if let Some(sha256) = sha256
        && !is_base64_sha256(sha256)
    {
        return Err(AppError::InvalidChecksum);
    }
    let filename = clean_filename(&request.filename);
    let id = Ulid::generate().to_string();
    let key = video_key(&id, &content_type);

    if is_multipart(request.size, state.multipart_threshold) {
        // A whole-file SHA-256 cannot be bound to parts: each part carries its own.
        let plan = start_multipart(&state, id, key, filename, content_type, request.size).await?;
        return Ok((StatusCode::CREATED, AppJson(UploadPlan::Multipart(plan))));
    }

    let presigned = state
        .storage
        .presign_put(PutObject {
            key: &key,
            content_length: request.size,
            content_type: Some(&content_type),
            metadata: Some(filename_metadata(&filename)),
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

/// Starts a multipart upload in S3 and writes its manifest.
async fn start_multipart(
    state: &AppState,
    id: String,
    key: String,
    filename: String,
    content_type: String,
    size: u64,
) -> Result<MultipartUpload, AppError> {
    let storage = &state.storage;
    let plan = PartPlan::for_size(size);
    let upload_id = storage
        .create_multipart(&key, &content_type, filename_metadata(&filename))
        .await?;
    let created = SystemTime::now();
    let manifest = Manifest {
        id,
        key,
        upload_id,
        filename,
        content_type,
        size,
        part_size: plan.part_size,
        part_count: plan.part_count,
        created_at: rfc3339(created),
    };
    if let Err(err) = manifest.save(storage).await {
        if let Err(abort) = storage
            .abort_multipart(&manifest.key, &manifest.upload_id)
            .await
        {
            tracing::warn!(id = %manifest.id, cause = %abort.cause(), "cannot abort an upload whose manifest failed; the sweep will");
        }
        return Err(err.into());
    }
    tracing::info!(
        id = %manifest.id,
        key = %manifest.key,
        size,
        part_size = plan.part_size,
        part_count = plan.part_count,
        content_type = %manifest.content_type,
        "multipart upload started"
    );
    Ok(MultipartUpload {
        id: manifest.id,
        key: manifest.key,
        upload_id: manifest.upload_id,
        part_size: plan.part_size,
        part_count: plan.part_count,
        expires_at: rfc3339(created + state.abandon_after),
    })
}

/// Completes an upload and answers the video: a multipart upload from its
/// parts, or (without `upload_id`) a single PUT, once S3 holds it.
pub async fn uploads_complete(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppJson(request): AppJson<CompleteUpload>,
) -> Result<AppJson<Video>, AppError> {
    check_id(&id)?;
    let video = match request.upload_id {
        None => complete_single(&state, &id).await?,
        Some(upload_id) => complete_multipart(&state, &id, &upload_id, request.parts).await?,
    };
    Ok(AppJson(video))
}

/// Confirms a single PUT: the object is there, its type is the one its key
/// was named for, and its size is within the policy (the signature bound
/// both, so anything else is deleted).
async fn complete_single(state: &AppState, id: &str) -> Result<Video, AppError> {
    let storage = &state.storage;
    if Manifest::load(storage, id).await?.is_some() {
        return Err(AppError::MissingUploadId);
    }
    let not_found = || AppError::UploadNotFound(id.to_owned());
    let entry = find_video_object(storage, id)
        .await?
        .ok_or_else(not_found)?;
    let head = storage.head(&entry.key).await?.ok_or_else(not_found)?;
    let approved = head
        .content_type
        .as_deref()
        .and_then(|ty| check_upload(ty, head.size, state.max_size).ok())
        .is_some_and(|ty| video_key(id, &ty) == entry.key);
    if !approved {
        storage.delete(&entry.key).await?;
        tracing::warn!(%id, key = %entry.key, size = head.size, content_type = ?head.content_type, "deleted an object that breaks the policy");
        return Err(AppError::VerificationFailed(format!(
            "{} bytes of type {:?}",
            head.size,
            head.content_type.unwrap_or_default()
        )));
    }
    Ok(video(storage, &entry, head).await?)
}

/// Completes a multipart upload from its parts, verifies the object against
/// the manifest, and answers the video.
async fn complete_multipart(
    state: &AppState,
    id: &str,
    upload_id: &str,
    parts: Vec<CompletedPart>,
) -> Result<Video, AppError> {
    let storage = &state.storage;
    let Some(manifest) = Manifest::load(storage, id).await? else {
        // Completed and verified before (the manifest goes last), or never
        // started, aborted or swept: the object tells which.
        return find_video(storage, id)
            .await?
            .ok_or_else(|| AppError::UploadNotFound(id.to_owned()));
    };
    if manifest.upload_id != upload_id {
        return Err(AppError::UploadNotFound(id.to_owned()));
    }
    let plan = manifest.plan()?;
    let mut parts = check_completed_parts(parts, &plan)?;
    if parts.iter().any(|part| part.sha256.is_none())
        && let Some(stored) = storage.list_parts(&manifest.key, upload_id).await?
    {
        let sums: HashMap<u32, String> = stored
            .into_iter()
            .filter_map(|part| part.sha256.map(|sum| (part.part_number, sum)))
            .collect();
        for part in parts.iter_mut().filter(|part| part.sha256.is_none()) {
            part.sha256 = sums.get(&part.part_number).cloned();
        }
    }

    match storage
        .complete_multipart(&manifest.key, upload_id, &parts)
        .await?
    {
        Completion::Completed => {}
        // Completed by an earlier call whose answer was lost, or aborted:
        // the object tells which.
        Completion::NoSuchUpload => {}
        Completion::Refused { code, message } => {
            tracing::info!(%id, %code, %message, "the store refused a parts list");
            return Err(AppError::PartMismatch(code));
        }
    }
    let head = verify(storage, &manifest).await?;
    Manifest::delete(storage, id).await?;
    tracing::info!(%id, key = %manifest.key, size = manifest.size, "multipart upload completed");
    let entry = find_video_object(storage, id)
        .await?
        .ok_or_else(|| AppError::UploadNotFound(id.to_owned()))?;
    Ok(video(storage, &entry, head).await?)
}

/// Checks the completed object against the manifest and answers its
/// `HeadObject`; an object that is not what was approved is deleted, with the
/// manifest.
async fn verify(storage: &Storage, manifest: &Manifest) -> Result<ObjectHead, AppError> {
    let Some(head) = storage.head(&manifest.key).await? else {
        return Err(AppError::UploadNotFound(manifest.id.clone()));
    };
    let mut problems = Vec::new();
    if head.size != manifest.size {
        problems.push(format!("{} bytes instead of {}", head.size, manifest.size));
    }
    if head.content_type.as_deref() != Some(manifest.content_type.as_str()) {
        problems.push(format!(
            "type {:?} instead of {:?}",
            head.content_type.as_deref().unwrap_or_default(),
            manifest.content_type
        ));
    }
    if problems.is_empty() {
        return Ok(head);
    }
    storage.delete(&manifest.key).await?;
    Manifest::delete(storage, &manifest.id).await?;
    let problems = problems.join(", ");
    tracing::warn!(id = %manifest.id, key = %manifest.key, %problems, "deleted a completed object that is not what was approved");
    Err(AppError::VerificationFailed(problems))
}

/// The parts of a completion, checked against the plan and sorted: every
/// part exactly once, checksums well formed.
fn check_completed_parts(
    mut parts: Vec<CompletedPart>,
    plan: &PartPlan,
) -> Result<Vec<CompletedPart>, AppError> {
    for part in &mut parts {
        check_part_number(part.part_number, plan)?;
        if let Some(sum) = &mut part.sha256 {
            *sum = sum.trim().to_owned();
            if !is_base64_sha256(sum) {
                return Err(AppError::InvalidChecksum);
            }
        }
    }
    parts.sort_by_key(|part| part.part_number);
    if let Some(twice) = parts
        .windows(2)
        .find(|pair| pair[0].part_number == pair[1].part_number)
    {
        return Err(AppError::InvalidPart(format!(
            "Part {} is listed twice.",
            twice[0].part_number
        )));
    }
    if parts.len() != plan.part_count as usize {
        let listed: std::collections::HashSet<u32> =
            parts.iter().map(|part| part.part_number).collect();
        let missing: Vec<String> = (1..=plan.part_count)
            .filter(|number| !listed.contains(number))
            .take(10)
            .map(|number| number.to_string())
            .collect();
        return Err(AppError::InvalidPart(format!(
            "The parts list must name all {} parts of this upload; missing: {}{}.",
            plan.part_count,
            missing.join(", "),
            if missing.len() == 10 { ", …" } else { "" }
        )));
    }
    Ok(parts)
}

/// Gives a multipart upload up: aborts it in S3 and deletes its manifest.
pub async fn uploads_destroy(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppQuery(query): AppQuery<UploadQuery>,
) -> Result<StatusCode, AppError> {
    check_id(&id)?;
    let storage = &state.storage;
    let Some(manifest) = Manifest::load(storage, &id).await? else {
        return Ok(StatusCode::NO_CONTENT);
    };
    if manifest.upload_id != query.upload_id {
        return Err(AppError::UploadNotFound(id));
    }
    let aborted = storage
        .abort_multipart(&manifest.key, &manifest.upload_id)
        .await?;
    Manifest::delete(storage, &id).await?;
    tracing::info!(%id, aborted, "multipart upload given up");
    Ok(StatusCode::NO_CONTENT)
}

/// The manifest of the multipart upload `id` / `upload_id` in progress, or
/// `404 upload_not_found`.
pub(crate) async fn pending(
    storage: &Storage,
    id: &str,
    upload_id: &str,
) -> Result<Manifest, AppError> {
    check_id(id)?;
    match Manifest::load(storage, id).await? {
        Some(manifest) if manifest.upload_id == upload_id => Ok(manifest),
        _ => Err(AppError::UploadNotFound(id.to_owned())),
    }
}

/// Refuses a path id that is not a video id.
pub(crate) fn check_id(id: &str) -> Result<(), AppError> {
    if is_video_id(id) {
        Ok(())
    } else {
        Err(AppError::InvalidId(id.to_owned()))
    }
}

/// Refuses a part number outside the plan.
pub(crate) fn check_part_number(number: u32, plan: &PartPlan) -> Result<(), AppError> {
    if (1..=plan.part_count).contains(&number) {
        Ok(())
    } else {
        Err(AppError::InvalidPart(format!(
            "Part {number} is not a part of this upload: its parts are numbered 1 to {}.",
            plan.part_count
        )))
    }
}

/// The object metadata that carries the file name.
fn filename_metadata(filename: &str) -> HashMap<String, String> {
    HashMap::from([(FILENAME_METADATA_KEY.to_owned(), percent_encode(filename))])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(number: u32) -> CompletedPart {
        CompletedPart {
            part_number: number,
            etag: format!("\"{number}\""),
            sha256: None,
        }
    }

    #[test]
    fn completed_parts_are_sorted_and_must_cover_the_plan() {
        let plan = PartPlan::for_size(17 * 1024 * 1024);
        assert_eq!(plan.part_count, 3);
        let sorted = check_completed_parts(vec![part(3), part(1), part(2)], &plan).unwrap();
        let numbers: Vec<u32> = sorted.iter().map(|p| p.part_number).collect();
        assert_eq!(numbers, [1, 2, 3]);

        for parts in [
            vec![part(1), part(2)],
            vec![part(1), part(2), part(2)],
            vec![part(0), part(1), part(2)],
            vec![part(1), part(2), part(3), part(4)],
            vec![],
        ] {
            let err = check_completed_parts(parts.clone(), &plan).unwrap_err();
            assert_eq!(err.status_and_code().1, "invalid_part", "{parts:?}");
        }
        let mut bad_sum = vec![part(1), part(2), part(3)];
        bad_sum[0].sha256 = Some("nope".into());
        let err = check_completed_parts(bad_sum, &plan).unwrap_err();
        assert_eq!(err.status_and_code().1, "invalid_checksum");
    }
}
