//! `POST /api/uploads`: checks an upload against the policy and answers the
//! presigned PUT the browser sends the file with. Nothing is stored here: the
//! object appears in S3 when the browser's PUT completes.

use crate::error::{AppError, AppJson};
use crate::state::AppState;
use crate::storage::{PutObject, rfc3339};
use axum::extract::State;
use axum::http::StatusCode;
use std::collections::{BTreeMap, HashMap};
use ulid::Ulid;
use vidrop_shared::api::{CreateUpload, SingleUpload, UploadPlan};
use vidrop_shared::filename::{FILENAME_METADATA_KEY, clean_filename, percent_encode};
use vidrop_shared::keys::video_key;
use vidrop_shared::policy::check_upload;

/// Plans an upload: a new id and key, and a presigned PUT binding the size,
/// content type, file name (as metadata) and, when given, the SHA-256.
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

    let presigned = state
        .storage
        .presign_put(PutObject {
            key: &key,
            content_length: request.size,
            content_type: Some(&content_type),
            metadata: Some(HashMap::from([(
                FILENAME_METADATA_KEY.to_owned(),
                percent_encode(&filename),
            )])),
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

/// Whether `value` is standard base64 (padded) of exactly 32 bytes, as S3's
/// `x-amz-checksum-sha256` is written.
fn is_base64_sha256(value: &str) -> bool {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // 256 bits = 42 full digits + 4 bits: the 43rd digit's low 2 bits are 0.
    const LAST_DIGITS: &[u8] = b"AEIMQUYcgkosw048";
    let bytes = value.as_bytes();
    bytes.len() == 44
        && bytes[..42].iter().all(|b| ALPHABET.contains(b))
        && LAST_DIGITS.contains(&bytes[42])
        && bytes[43] == b'='
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_checksums_are_32_bytes_of_base64() {
        // SHA-256 of the empty string.
        assert!(is_base64_sha256(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        ));
        assert!(!is_base64_sha256(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFV="
        ));
        assert!(!is_base64_sha256(
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
        ));
        assert!(!is_base64_sha256(
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        ));
        assert!(!is_base64_sha256(""));
    }
}
