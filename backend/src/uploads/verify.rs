//! The first verification of an uploaded object against its manifest, and
//! the only place Vidrop deletes a video: the object must have the approved
//! size and type, and the approved duration, width and height in its
//! metadata (no other), and its first bytes must be a container of that
//! type ([`vidrop_shared::container`]), so that the bucket never serves an
//! HTML page or a script under a video's name. An object that fails is
//! deleted with its poster and manifest (`422 verification_failed`); one
//! that passes keeps its place (and its poster) for good, and its manifest
//! goes, so that no later call (a repeated completion, a changed policy)
//! ever checks or deletes it again.
//!
//! A completion that brings the upload's handle checks the object against
//! the facts the handle carries without reading the manifest
//! ([`settle_sealed`]); only the manifest can tell that a check is the
//! object's first, so a failing object is then left to [`settle`], after
//! the manifest is read.

use crate::error::AppError;
use crate::manifest::Manifest;
use crate::metadata::unapproved_media;
use crate::poster::delete_poster;
use crate::storage::{ObjectHead, Storage};
use vidrop_shared::container::{SNIFF_BYTES, looks_like};

/// What the first verification found.
#[derive(Debug)]
pub enum Settled {
    /// The object is what was approved; its `HeadObject`.
    Verified(ObjectHead),
    /// There is no object (not uploaded yet, or aborted); the manifest stays.
    Missing,
}

/// Verifies the object of `manifest` and settles the upload: deletes the
/// manifest, and the object too when it is not what was approved.
pub async fn settle(storage: &Storage, manifest: &Manifest) -> Result<Settled, AppError> {
    match inspect(storage, manifest).await? {
        Inspected::Missing => Ok(Settled::Missing),
        Inspected::Approved(head) => {
            Manifest::delete(storage, &manifest.id).await?;
            Ok(Settled::Verified(head))
        }
        Inspected::Unapproved(problems) => {
            storage.delete(&manifest.key).await?;
            delete_poster(storage, manifest).await?;
            Manifest::delete(storage, &manifest.id).await?;
            tracing::warn!(id = %manifest.id, key = %manifest.key, %problems, "deleted an uploaded object that is not what was approved");
            Err(AppError::VerificationFailed(problems))
        }
    }
}

/// Verifies the object of an upload against the facts its handle carries
/// (`sealed`), without reading its manifest: when the object is what was
/// approved, the manifest goes, as with [`settle`] (two S3 calls). When it
/// is not, nothing is deleted and `None` answers: whether this check is the
/// object's first, which alone lets it be deleted, only the manifest tells,
/// so the caller settles it from the manifest.
pub(super) async fn settle_sealed(
    storage: &Storage,
    sealed: &Manifest,
) -> Result<Option<Settled>, AppError> {
    match inspect(storage, sealed).await? {
        Inspected::Missing => Ok(Some(Settled::Missing)),
        Inspected::Approved(head) => {
            Manifest::delete(storage, &sealed.id).await?;
            Ok(Some(Settled::Verified(head)))
        }
        Inspected::Unapproved(problems) => {
            tracing::info!(id = %sealed.id, %problems, "the object is not what its handle approved; the manifest decides");
            Ok(None)
        }
    }
}

/// What the object of an upload is, against what was approved.
enum Inspected {
    Missing,
    Approved(ObjectHead),
    /// What differs, in words.
    Unapproved(String),
}

/// Reads the object of `manifest` (one ranged GET gives the size, type and
/// metadata, and the first bytes) and compares it with what was approved.
async fn inspect(storage: &Storage, manifest: &Manifest) -> Result<Inspected, AppError> {
    let Some((head, first)) = storage
        .head_and_first_bytes(&manifest.key, SNIFF_BYTES)
        .await?
    else {
        return Ok(Inspected::Missing);
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
    if let Some((key, stored)) = unapproved_media(&head.metadata, &manifest.media) {
        problems.push(format!(
            "metadata {key} {} that was not approved",
            stored.map_or_else(|| "missing".to_owned(), |value| format!("{value:?}"))
        ));
    }
    if problems.is_empty() && !looks_like(&manifest.content_type, &first) {
        problems.push(format!(
            "its bytes are not a {} file",
            manifest.content_type
        ));
    }
    if problems.is_empty() {
        Ok(Inspected::Approved(head))
    } else {
        Ok(Inspected::Unapproved(problems.join(", ")))
    }
}
