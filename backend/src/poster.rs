//! A video's poster: a JPEG of one frame that the browser takes and PUTs to
//! S3 itself, beside its video (`videos/<prefix><id>.poster.jpg`, see
//! `vidrop_shared::keys::poster_key_in`), so that the listing that finds a
//! video finds its poster, and a token's prefix covers both.
//!
//! The plan that announces a poster signs its PUT ([`sign_poster_put`]),
//! bound to the announced length, `image/jpeg` and `If-None-Match: *`: like
//! a video's single PUT, it creates the poster or fails, so a poster once
//! stored is never replaced. Only the plan's answer carries that URL, so
//! only the caller that planned the upload gets it. Whatever gives an
//! upload up (a failed first verification, an abort, the sweep) deletes
//! its poster too ([`delete_poster`]); a verified video keeps its poster
//! for good. Playback reads it through a presigned GET signed as the
//! video's is (`Storage::presign_playback`).

use crate::manifest::Manifest;
use crate::storage::{PutObject, Storage, StorageError, rfc3339};
use std::collections::BTreeMap;
use vidrop_shared::api::PosterUpload;
use vidrop_shared::media::POSTER_CONTENT_TYPE;

/// The presigned PUT of the poster `manifest` approved; `None` when the
/// upload announced none.
pub async fn sign_poster_put(
    storage: &Storage,
    manifest: &Manifest,
) -> Result<Option<PosterUpload>, StorageError> {
    let (Some(size), Some(key)) = (manifest.poster_size, manifest.poster_key()) else {
        return Ok(None);
    };
    let presigned = storage
        .presign_put(PutObject {
            key: &key,
            content_length: size,
            content_type: Some(POSTER_CONTENT_TYPE),
            metadata: None,
            sha256: None,
            create_only: true,
        })
        .await?;
    Ok(Some(PosterUpload {
        url: presigned.url,
        method: presigned.method,
        headers: BTreeMap::from_iter(presigned.headers),
        expires_at: rfc3339(presigned.expires_at),
    }))
}

/// Deletes the poster of an upload given up, if its plan signed one (done
/// when it was never sent).
pub async fn delete_poster(storage: &Storage, manifest: &Manifest) -> Result<(), StorageError> {
    match manifest.poster_key() {
        Some(key) => storage.delete(&key).await,
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use vidrop_shared::keys::{MAX_PREFIX_BYTES, ULID_LEN, check_prefix, poster_key_in};

    #[test]
    fn the_longest_poster_key_fits_the_embedded_store() {
        let prefix = "a/".repeat(MAX_PREFIX_BYTES / 2);
        assert_eq!(check_prefix(&prefix), Ok(()));
        let key = poster_key_in(&prefix, &"0".repeat(ULID_LEN));
        assert!(key.len() <= vidrop_store::MAX_KEY_BYTES, "{}", key.len());
    }
}
