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
    // One ranged GET gives the size, type and metadata, and the first bytes.
    let Some((head, first)) = storage
        .head_and_first_bytes(&manifest.key, SNIFF_BYTES)
        .await?
    else {
        return Ok(Settled::Missing);
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
        Manifest::delete(storage, &manifest.id).await?;
        return Ok(Settled::Verified(head));
    }
    storage.delete(&manifest.key).await?;
    delete_poster(storage, manifest).await?;
    Manifest::delete(storage, &manifest.id).await?;
    let problems = problems.join(", ");
    tracing::warn!(id = %manifest.id, key = %manifest.key, %problems, "deleted an uploaded object that is not what was approved");
    Err(AppError::VerificationFailed(problems))
}
