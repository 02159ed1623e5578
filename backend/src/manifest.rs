//! [`Manifest`]: what the backend approved when it planned an upload, kept as
//! a small JSON object in S3 at `.vidrop/pending/<ULID>.json`
//! (`keys::pending_manifest_key`) so that the backend itself keeps nothing
//! between requests. The parts, complete and abort routes read it, unless
//! the client sends back the upload's handle ([`crate::handle`]), which
//! carries the same facts sealed.
//!
//! Its presence also says that the upload has not been verified yet: the
//! first completion checks the object against it, deletes the object if it
//! fails, and deletes the manifest either way. An object without a manifest
//! was verified before and is never deleted (a completion repeated later, or
//! under a changed policy, answers the video as it is). Abort deletes it; the
//! sweep settles it when the upload is abandoned. It also names the poster
//! the plan signed a PUT for, so that whatever gives the upload up deletes
//! the poster with it.

use crate::storage::{Storage, StorageError};
use serde::{Deserialize, Serialize};
use vidrop_shared::api::MediaInfo;
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::keys::{pending_manifest_key, poster_key_of, video_id_from_key};
use vidrop_shared::parts::PartPlan;

/// The approved facts of one multipart upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// The video id (a ULID).
    pub id: String,
    /// The object key, `videos/<prefix><id>.<ext>`.
    pub key: String,
    /// S3's id of the multipart upload; `None` for a single PUT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upload_id: Option<String>,
    /// The cleaned file name (also in the object's metadata).
    pub filename: String,
    /// The normalised content type the object must have.
    pub content_type: String,
    /// The size the object must have.
    pub size: u64,
    /// The whole file's SHA-256 the single PUT was signed with, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256Checksum>,
    pub part_size: u64,
    pub part_count: u32,
    /// RFC 3339 time the upload started.
    pub created_at: String,
    /// What the browser read of the video (also in the object's metadata,
    /// which verification holds to it).
    #[serde(default, skip_serializing_if = "MediaInfo::is_empty")]
    pub media: MediaInfo,
    /// The size of the poster whose PUT the plan signed, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub poster_size: Option<u64>,
}

/// The content type manifests are stored with.
const MANIFEST_CONTENT_TYPE: &str = "application/json";

impl Manifest {
    /// The manifest of upload `id`; `None` when there is none (never started,
    /// completed, or aborted).
    pub async fn load(storage: &Storage, id: &str) -> Result<Option<Manifest>, StorageError> {
        let key = pending_manifest_key(id);
        let Some(bytes) = storage.get_bytes(&key).await? else {
            return Ok(None);
        };
        let manifest: Manifest = serde_json::from_slice(&bytes)
            .map_err(|err| StorageError::other("manifest", format!("{key}: {err}")))?;
        if manifest.id != id || video_id_from_key(&manifest.key) != Some(id) {
            return Err(StorageError::other(
                "manifest",
                format!("{key} names another upload"),
            ));
        }
        Ok(Some(manifest))
    }

    /// Stores the manifest.
    pub async fn save(&self, storage: &Storage) -> Result<(), StorageError> {
        let body = serde_json::to_vec_pretty(self)
            .map_err(|err| StorageError::other("manifest", err.to_string()))?;
        storage
            .put_bytes(&pending_manifest_key(&self.id), body, MANIFEST_CONTENT_TYPE)
            .await
    }

    /// Deletes the manifest of upload `id` (done when there is none).
    pub async fn delete(storage: &Storage, id: &str) -> Result<(), StorageError> {
        storage.delete(&pending_manifest_key(id)).await
    }

    /// The key of the poster the plan signed a PUT for; `None` when the
    /// upload announced none.
    pub fn poster_key(&self) -> Option<String> {
        self.poster_size.and_then(|_| poster_key_of(&self.key))
    }

    /// Whether this upload goes up in parts.
    pub fn is_multipart(&self) -> bool {
        self.upload_id.is_some()
    }

    /// How the approved size is cut into parts.
    pub fn plan(&self) -> Result<PartPlan, StorageError> {
        PartPlan::announced(self.size, self.part_size, self.part_count).ok_or_else(|| {
            StorageError::other(
                "manifest",
                format!("{}: its parts do not cut its size", self.id),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manifest_reads_back_with_its_plan() {
        let plan = PartPlan::for_size(17 * 1024 * 1024);
        let manifest = Manifest {
            id: "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG".into(),
            key: "videos/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.webm".into(),
            upload_id: Some("U".into()),
            filename: "Été.webm".into(),
            content_type: "video/webm".into(),
            size: plan.size,
            sha256: None,
            part_size: plan.part_size,
            part_count: plan.part_count,
            created_at: "2026-11-23T16:00:00Z".into(),
            media: MediaInfo::default(),
            poster_size: None,
        };
        let json = serde_json::to_value(&manifest).unwrap();
        assert!(json.get("media").is_none() && json.get("poster_size").is_none());
        assert_eq!(manifest.poster_key(), None);
        for field in [
            "id",
            "key",
            "upload_id",
            "filename",
            "content_type",
            "size",
            "part_size",
            "part_count",
            "created_at",
        ] {
            assert!(json.get(field).is_some(), "{field}");
        }
        let back: Manifest = serde_json::from_value(json).unwrap();
        assert_eq!(back, manifest);
        assert_eq!(back.plan().unwrap(), plan);
        let broken = Manifest {
            part_count: 1,
            ..manifest
        };
        assert!(broken.plan().is_err());
    }

    #[test]
    fn a_manifest_keeps_what_was_read_and_the_poster() {
        let manifest = Manifest {
            id: "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG".into(),
            key: "videos/u/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.mp4".into(),
            upload_id: None,
            filename: "a.mp4".into(),
            content_type: "video/mp4".into(),
            size: 10,
            sha256: None,
            part_size: 10,
            part_count: 1,
            created_at: "2026-11-23T16:00:00Z".into(),
            media: MediaInfo {
                duration: Some(4.2),
                width: Some(640),
                height: Some(360),
            },
            poster_size: Some(1234),
        };
        let json = serde_json::to_value(&manifest).unwrap();
        assert_eq!(json["media"]["duration"], 4.2);
        assert_eq!(json["poster_size"], 1234);
        assert_eq!(serde_json::from_value::<Manifest>(json).unwrap(), manifest);
        assert_eq!(
            manifest.poster_key().as_deref(),
            Some("videos/u/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.poster.jpg")
        );
    }
}
