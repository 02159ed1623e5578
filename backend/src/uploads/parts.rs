//! The parts of a multipart upload: presigned `UploadPart`s for a batch of
//! part numbers, and the parts S3 already holds (to resume). Both read the
//! upload's manifest; nothing is kept here. A batch that brings the upload's
//! handle ([`crate::handle`]) reads the approved facts from it instead, and
//! makes no S3 call at all: signing is local. (An upload aborted since its
//! handle was sealed is then signed all the same, and S3 refuses the parts:
//! there is no upload to put them in.)
//!
//! Each URL binds its part's exact length (from the shared part plan) and
//! SHA-256: the store refuses any other bytes (`403` for another length, `400
//! BadDigest` for other bytes of that length). `headers` lists every header
//! the signature covers (lower case, `host` left out): `content-length`,
//! which browsers set themselves, and `x-amz-checksum-sha256`.

use super::pending::{approved_upload, check_part_number, pending_upload};
use crate::access::Scope;
use crate::error::AppError;
use crate::handle::HandleKey;
use crate::storage::{Storage, UploadPart, rfc3339};
use crate::video_id::check_video_id;
use std::collections::BTreeMap;
use std::time::SystemTime;
use vidrop_shared::api::{SignParts, SignedPart, SignedParts, StoredParts};
use vidrop_shared::parts::MAX_PARTS_PER_REQUEST;

/// Presigns `UploadPart` for each part asked (at most
/// [`MAX_PARTS_PER_REQUEST`]), binding its length and SHA-256; from the
/// facts of the request's handle when `handles` opens it for this upload
/// and scope, otherwise from the manifest.
pub async fn sign_parts(
    storage: &Storage,
    handles: &HandleKey,
    scope: &Scope,
    id: &str,
    request: SignParts,
) -> Result<SignedParts, AppError> {
    check_video_id(id)?;
    if request.parts.len() > MAX_PARTS_PER_REQUEST {
        return Err(AppError::TooManyParts {
            asked: request.parts.len(),
        });
    }
    if request.parts.is_empty() {
        return Err(AppError::InvalidPart(
            "Ask for at least one part to sign.".to_owned(),
        ));
    }
    let manifest = approved_upload(
        storage,
        handles,
        scope,
        id,
        &request.upload_id,
        request.handle.as_deref(),
    )
    .await?;
    let plan = manifest.plan()?;
    let upload_id = manifest.upload_id.as_deref().unwrap_or_default();

    let mut to_sign = Vec::with_capacity(request.parts.len());
    for part in &request.parts {
        check_part_number(part.part_number, &plan)?;
        let sha256 = part
            .sha256
            .as_ref()
            .ok_or(AppError::MissingChecksum(part.part_number))?;
        to_sign.push(UploadPart {
            key: &manifest.key,
            upload_id,
            part_number: part.part_number,
            content_length: plan.len_of(part.part_number),
            sha256: Some(sha256),
        });
    }
    let presigned = storage.presign_upload_parts(&to_sign).await?;
    let expires_at = presigned
        .iter()
        .map(|signed| signed.expires_at)
        .min()
        .unwrap_or_else(SystemTime::now);
    tracing::debug!(%id, count = presigned.len(), "parts presigned");

    let parts = to_sign
        .iter()
        .zip(presigned)
        .map(|(part, signed)| SignedPart {
            part_number: part.part_number,
            url: signed.url,
            headers: BTreeMap::from_iter(signed.headers),
        })
        .collect();
    Ok(SignedParts {
        parts,
        expires_at: rfc3339(expires_at),
    })
}

/// The parts S3 holds for the upload (every page of `ListParts`), with the
/// ETag and SHA-256 a completion needs.
pub async fn stored_parts(
    storage: &Storage,
    scope: &Scope,
    id: &str,
    upload_id: &str,
) -> Result<StoredParts, AppError> {
    let manifest = pending_upload(storage, scope, id, upload_id).await?;
    let parts = storage
        .list_parts(&manifest.key, upload_id)
        .await?
        .ok_or_else(|| AppError::UploadNotFound(id.to_owned()))?;
    Ok(StoredParts { parts })
}
