//! The parts of a multipart upload: `POST /api/uploads/{id}/parts` presigns
//! `UploadPart` for a batch of part numbers, `GET
//! /api/uploads/{id}/parts?upload_id=…` lists what S3 already holds (to
//! resume). Both read the upload's manifest; nothing is kept here.
//!
//! Each URL binds its part's exact length (from the shared part plan) and
//! SHA-256: the store refuses any other bytes (`403` for another length, `400
//! BadDigest` for other bytes of that length). `headers` lists every header
//! the signature covers (lower case, `host` left out): `content-length`,
//! which browsers set themselves, and `x-amz-checksum-sha256`.

use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::routes::uploads::{UploadQuery, check_id, check_part_number, pending};
use crate::state::AppState;
use crate::storage::{UploadPart, rfc3339};
use axum::extract::State;
use std::collections::BTreeMap;
use std::time::SystemTime;
use vidrop_shared::api::{SignParts, SignedPart, SignedParts, StoredParts};
use vidrop_shared::checksum::is_base64_sha256;
use vidrop_shared::parts::MAX_PARTS_PER_REQUEST;

/// Presigns `UploadPart` for each part asked (at most
/// [`MAX_PARTS_PER_REQUEST`]), binding its length and SHA-256.
pub async fn parts_create(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppJson(request): AppJson<SignParts>,
) -> Result<AppJson<SignedParts>, AppError> {
    check_id(&id)?;
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
    let manifest = pending(&state.storage, &id, &request.upload_id).await?;
    let plan = manifest.plan()?;

    let mut to_sign = Vec::with_capacity(request.parts.len());
    for part in &request.parts {
        check_part_number(part.part_number, &plan)?;
        let sha256 = part
            .sha256
            .as_deref()
            .map(str::trim)
            .ok_or(AppError::MissingChecksum(part.part_number))?;
        if !is_base64_sha256(sha256) {
            return Err(AppError::InvalidChecksum);
        }
        to_sign.push(UploadPart {
            key: &manifest.key,
            upload_id: &manifest.upload_id,
            part_number: part.part_number,
            content_length: plan.len_of(part.part_number),
            sha256: Some(sha256),
        });
    }
    let presigned = state.storage.presign_upload_parts(&to_sign).await?;
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
    Ok(AppJson(SignedParts {
        parts,
        expires_at: rfc3339(expires_at),
    }))
}

/// The parts S3 holds for the upload (every page of `ListParts`), with the
/// ETag and SHA-256 a completion needs.
pub async fn parts_index(
    State(state): State<AppState>,
    AppPath(id): AppPath<String>,
    AppQuery(query): AppQuery<UploadQuery>,
) -> Result<AppJson<StoredParts>, AppError> {
    let manifest = pending(&state.storage, &id, &query.upload_id).await?;
    let parts = state
        .storage
        .list_parts(&manifest.key, &manifest.upload_id)
        .await?
        .ok_or(AppError::UploadNotFound(id))?;
    Ok(AppJson(StoredParts { parts }))
}
