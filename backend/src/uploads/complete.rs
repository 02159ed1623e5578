//! Completing an upload: a multipart upload from its parts, or a single PUT
//! once S3 holds it; then the object's first verification
//! ([`super::verify`]), and the answer is the video.
//!
//! Safe to repeat: once an upload has been verified its manifest is gone,
//! and completing it again answers the same video, never checks or deletes
//! it again. A parts list S3 refuses (a wrong ETag or checksum) answers
//! `400 part_mismatch` and leaves the upload in progress, with no object, so
//! the client can list the stored parts and complete again. Uploads outside
//! the caller's scope answer `404`.
//!
//! With the upload's handle ([`crate::handle`]), a multipart upload is
//! completed from the facts the handle carries, in three S3 calls:
//! `CompleteMultipartUpload`, the one ranged GET that verifies the object,
//! and deleting the manifest. Not reading the manifest first is sound
//! because the object never changes once completed, so checking it again
//! against the same facts (a repeated completion) finds it as the first
//! check did; and an object found not to be what the handle approved is
//! deleted only after the manifest says this is its first verification
//! (the completion then goes on as without a handle). The poster the plan
//! announced is taken as sent, not looked for (that would be a fourth
//! call): its URL is in the answer, and a client whose poster PUT failed
//! knows it and shows none; the listing, which finds posters beside their
//! videos, is exact either way.

use super::pending::{check_part_number, manifest_in_scope, sealed_upload};
use super::verify::{Settled, settle, settle_sealed};
use crate::access::Scope;
use crate::error::AppError;
use crate::manifest::Manifest;
use crate::state::AppState;
use crate::storage::{Completion, ObjectHead, Storage};
use crate::video_id::check_video_id;
use crate::videos::{AnnouncedPoster, describe_checked_video, find_video};
use std::collections::{HashMap, HashSet};
use vidrop_shared::api::{CompleteUpload, CompletedPart, VideoDetails};
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::parts::PartPlan;

/// Completes upload `id` and answers its video: a multipart upload from its
/// parts (with its `upload_id`, and its handle when the client has it), or
/// a single PUT (without), once S3 holds it.
pub async fn complete_upload(
    state: &AppState,
    scope: &Scope,
    id: &str,
    request: CompleteUpload,
) -> Result<VideoDetails, AppError> {
    let storage = &state.storage;
    let not_found = || AppError::UploadNotFound(id.to_owned());
    check_video_id(id)?;
    if let Some(upload_id) = request.upload_id.as_deref()
        && let Some(sealed) = sealed_upload(
            &state.access.handles,
            scope,
            id,
            upload_id,
            request.handle.as_deref(),
        )
    {
        complete_parts(storage, &sealed, upload_id, &request.parts).await?;
        match settle_sealed(storage, &sealed).await? {
            Some(Settled::Verified(head)) => {
                return verified(state, &sealed, &head, AnnouncedPoster::TakenAsSent).await;
            }
            Some(Settled::Missing) => return Err(not_found()),
            // Not what was approved: the manifest decides, below.
            None => {}
        }
    }
    let Some(manifest) = manifest_in_scope(storage, scope, id).await? else {
        // Verified before (the manifest goes then), or never started,
        // aborted or swept: the object tells which.
        return find_video(storage, &state.video_metadata, scope, id)
            .await?
            .ok_or_else(not_found);
    };
    match (manifest.upload_id.as_deref(), request.upload_id.as_deref()) {
        (Some(_), None) => return Err(AppError::MissingUploadId),
        (Some(known), Some(given)) if known == given => {
            complete_parts(storage, &manifest, known, &request.parts).await?;
        }
        (Some(_), Some(_)) | (None, Some(_)) => return Err(not_found()),
        (None, None) => {}
    }
    match settle(storage, &manifest).await? {
        Settled::Verified(head) => {
            verified(state, &manifest, &head, AnnouncedPoster::Unchecked).await
        }
        Settled::Missing => Err(not_found()),
    }
}

/// The video of an upload just verified (`head`: its object), with the
/// poster its plan announced, if any, known as `announced` says.
async fn verified(
    state: &AppState,
    manifest: &Manifest,
    head: &ObjectHead,
    announced: AnnouncedPoster,
) -> Result<VideoDetails, AppError> {
    tracing::info!(id = %manifest.id, key = %manifest.key, size = manifest.size, "upload completed and verified");
    let poster = match manifest.poster_size {
        Some(_) => announced,
        None => AnnouncedPoster::None,
    };
    let cache = &state.video_metadata;
    Ok(describe_checked_video(&state.storage, cache, &manifest.key, head, poster).await?)
}

/// Completes the multipart upload of `manifest` from its parts (S3 checks
/// each ETag and checksum); done too when an earlier call completed it.
async fn complete_parts(
    storage: &Storage,
    manifest: &Manifest,
    upload_id: &str,
    parts: &[CompletedPart],
) -> Result<(), AppError> {
    let plan = manifest.plan()?;
    let mut parts = check_completed_parts(parts.to_vec(), &plan)?;
    if parts.iter().any(|part| part.sha256.is_none())
        && let Some(stored) = storage.list_parts(&manifest.key, upload_id).await?
    {
        let sums: HashMap<u32, Sha256Checksum> = stored
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
        // Or completed by an earlier call whose answer was lost, or aborted:
        // the object tells which.
        Completion::Completed | Completion::NoSuchUpload => Ok(()),
        Completion::Refused { code, message } => {
            tracing::info!(id = %manifest.id, %code, %message, "the store refused a parts list");
            Err(AppError::PartMismatch(code))
        }
    }
}

/// The parts of a completion, checked against the plan and sorted: every
/// part exactly once, checksums well formed.
fn check_completed_parts(
    mut parts: Vec<CompletedPart>,
    plan: &PartPlan,
) -> Result<Vec<CompletedPart>, AppError> {
    for part in &parts {
        check_part_number(part.part_number, plan)?;
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
        let listed: HashSet<u32> = parts.iter().map(|part| part.part_number).collect();
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
    }
}
