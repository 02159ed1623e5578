//! An upload in progress, as the routes name it: its manifest found by id
//! (and, for a multipart upload, `upload_id`) inside the caller's scope, or
//! read from the upload's handle ([`crate::handle`]) under the same rules;
//! and the part numbers its plan allows. An upload outside the scope is
//! answered as missing, so that a caller learns nothing of other prefixes.

use crate::access::Scope;
use crate::error::AppError;
use crate::handle::HandleKey;
use crate::manifest::Manifest;
use crate::storage::Storage;
use crate::video_id::check_video_id;
use std::time::SystemTime;
use vidrop_shared::keys::video_id_from_key;
use vidrop_shared::parts::PartPlan;

/// The approved facts of the multipart upload `id` / `upload_id` as its
/// `handle` carries them, when the handle is one this server's key sealed,
/// has not expired, names this very upload, and its key lies inside
/// `scope` (the rule [`manifest_in_scope`] applies); `None` otherwise.
///
/// A handle that fails any of these is ignored, not refused: the request
/// goes on as if none had been sent, reading the manifest, whose own rules
/// then decide. That is the safer choice: an ignored handle can only make a
/// request what a request without one is, so no mistake here (nor any
/// forgery) can grant more than the manifest would; it costs a forger the
/// one S3 read any caller can cause already; and an honest client whose
/// handle this instance cannot open (a restart without `--token-secret`,
/// a rotated secret, an upload past its handle's expiry) keeps going.
/// Refusing instead would add a way to fail and guard nothing more.
pub(super) fn sealed_upload(
    handles: &HandleKey,
    scope: &Scope,
    id: &str,
    upload_id: &str,
    handle: Option<&str>,
) -> Option<Manifest> {
    let handle = handle?;
    let manifest = match handles.open(handle, SystemTime::now()) {
        Ok(manifest) => manifest,
        Err(why) => {
            tracing::debug!(%id, ?why, "upload handle ignored");
            return None;
        }
    };
    let names_this_upload = manifest.id == id
        && video_id_from_key(&manifest.key) == Some(id)
        && manifest.upload_id.as_deref() == Some(upload_id);
    if !names_this_upload || !scope.owns_key(&manifest.key) {
        tracing::debug!(%id, "upload handle of another upload or scope ignored");
        return None;
    }
    Some(manifest)
}

/// The approved facts of the multipart upload `id` / `upload_id` in
/// progress in `scope`: from its `handle` when it is usable (no S3 call),
/// otherwise from its manifest ([`pending_upload`]).
pub(super) async fn approved_upload(
    storage: &Storage,
    handles: &HandleKey,
    scope: &Scope,
    id: &str,
    upload_id: &str,
    handle: Option<&str>,
) -> Result<Manifest, AppError> {
    check_video_id(id)?;
    match sealed_upload(handles, scope, id, upload_id, handle) {
        Some(manifest) => Ok(manifest),
        None => pending_upload(storage, scope, id, upload_id).await,
    }
}

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
