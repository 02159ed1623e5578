//! An upload in progress, as the routes name it: its manifest found by id
//! (and, for a multipart upload, `upload_id`) inside the caller's scope, and
//! the part numbers its plan allows. An upload outside the scope is answered
//! as missing, so that a caller learns nothing of other prefixes.

use crate::access::Scope;
use crate::error::AppError;
use crate::manifest::Manifest;
use crate::storage::Storage;
use crate::video_id::check_video_id;
use vidrop_shared::parts::PartPlan;

/// The manifest of upload `id` if it is in progress inside `scope`.
pub(super) async fn manifest_in_scope(
    storage: &Storage,
    scope: &Scope,
    id: &str,
) -> Result<Option<Manifest>, AppError> {
    check_video_id(id)?;
    match Manifest::load(storage, id).await? {
        Some(manifest) if scope.owns_key(&manifest.key) => Ok(Some(manifest)),
        Some(_) => Err(AppError::UploadNotFound(id.to_owned())),
        None => Ok(None),
    }
}

/// The manifest of the multipart upload `id` / `upload_id` in progress in
/// `scope`, or `404 upload_not_found`.
pub(super) async fn pending_upload(
    storage: &Storage,
    scope: &Scope,
    id: &str,
    upload_id: &str,
) -> Result<Manifest, AppError> {
    match manifest_in_scope(storage, scope, id).await? {
        Some(manifest) if manifest.upload_id.as_deref() == Some(upload_id) => Ok(manifest),
        _ => Err(AppError::UploadNotFound(id.to_owned())),
    }
}

/// Refuses a part number outside the plan.
pub(super) fn check_part_number(number: u32, plan: &PartPlan) -> Result<(), AppError> {
    if (1..=plan.part_count).contains(&number) {
        Ok(())
    } else {
        Err(AppError::InvalidPart(format!(
            "Part {number} is not a part of this upload: its parts are numbered 1 to {}.",
            plan.part_count
        )))
    }
}
