//! The S3 calls of relay mode (`crate::relay`), on the same [`Storage`]
//! client: the only ones in Vidrop that carry a video's bytes. Uploads are
//! written from bytes already in memory (one part at a time, each with its
//! SHA-256, which S3 checks), downloads come back as a stream of chunks, so
//! nothing here holds a whole video.

use super::{Storage, StorageError, created, is_not_found};
use aws_sdk_s3::primitives::ByteStream;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::collections::HashMap;
use std::ops::RangeInclusive;
use std::time::SystemTime;
use vidrop_shared::checksum::Sha256Checksum;

/// An object as a listing tells it, ETag included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectStat {
    pub key: String,
    pub size: u64,
    /// As S3 writes it, quoted (`"…"`, `"…-3"` for a multipart object).
    pub etag: String,
    pub last_modified: Option<SystemTime>,
}

/// An object's bytes as they come from S3, with what its `GetObject` tells.
pub struct ObjectBody {
    pub content_type: Option<String>,
    pub metadata: HashMap<String, String>,
    pub etag: Option<String>,
    pub body: BoxStream<'static, Result<Bytes, StorageError>>,
}

/// A whole object written in one `PutObject` that can only create it.
#[derive(Debug, Clone)]
pub struct PutBytes<'a> {
    pub key: &'a str,
    pub body: Bytes,
    pub content_type: &'a str,
    pub metadata: HashMap<String, String>,
    pub sha256: &'a Sha256Checksum,
}

impl Storage {
    /// The objects directly under `prefix` (no further `/`), at most
    /// `max_keys`, with their ETags.
    pub async fn stat_prefix(
        &self,
        prefix: &str,
        max_keys: i32,
    ) -> Result<Vec<ObjectStat>, StorageError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .delimiter("/")
            .max_keys(max_keys)
            .send()
            .await
            .map_err(|err| StorageError::new("ListObjectsV2", err))?;
        Ok(page
            .contents()
            .iter()
            .filter_map(|object| {
                Some(ObjectStat {
                    key: object.key()?.to_owned(),
                    size: object.size().and_then(|size| u64::try_from(size).ok())?,
                    etag: object.e_tag().unwrap_or_default().to_owned(),
                    last_modified: object
                        .last_modified()
                        .and_then(|time| SystemTime::try_from(*time).ok()),
                })
            })
            .collect())
    }

    /// The object's size, ETag and time, from its `HeadObject` (for stores
    /// whose listings leave the ETag out, as the embedded store's do);
    /// `None` when there is no such key.
    pub async fn stat_object(&self, key: &str) -> Result<Option<ObjectStat>, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(ObjectStat {
                key: key.to_owned(),
                size: head
                    .content_length()
                    .and_then(|size| u64::try_from(size).ok())
                    .unwrap_or(0),
                etag: head.e_tag().unwrap_or_default().to_owned(),
                last_modified: head
                    .last_modified()
                    .and_then(|time| SystemTime::try_from(*time).ok()),
            })),
            Err(err) if is_not_found(&err) => Ok(None),
            Err(err) => Err(StorageError::new("HeadObject", err)),
        }
    }

    /// Writes a whole object unless its key exists (`If-None-Match: *`),
    /// with its type, metadata and SHA-256 (which S3 checks): true when this
    /// call created it.
    pub async fn put_object_bytes(&self, put: PutBytes<'_>) -> Result<bool, StorageError> {
        let length =
            i64::try_from(put.body.len()).map_err(|err| StorageError::new("PutObject", err))?;
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(put.key)
            .content_type(put.content_type)
            .content_length(length)
            .set_metadata(Some(put.metadata))
            .checksum_sha256(put.sha256.as_str())
            .if_none_match("*")
            .body(ByteStream::from(put.body))
            .send()
            .await;
        created(result)
    }

    /// Uploads part `part_number` of a multipart upload with its SHA-256;
    /// answers the part's ETag.
    pub async fn upload_part_bytes(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: Bytes,
        sha256: &Sha256Checksum,
    ) -> Result<String, StorageError> {
        let number =
            i32::try_from(part_number).map_err(|err| StorageError::new("UploadPart", err))?;
        let length =
            i64::try_from(body.len()).map_err(|err| StorageError::new("UploadPart", err))?;
        let output = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(number)
            .content_length(length)
            .checksum_sha256(sha256.as_str())
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|err| StorageError::new("UploadPart", err))?;
        output
            .e_tag()
            .filter(|etag| !etag.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| StorageError::other("UploadPart", "the answer has no ETag"))
    }

    /// The object's bytes (those of `range` only, when given) as a stream;
    /// `None` when there is no such key.
    pub async fn get_object_stream(
        &self,
        key: &str,
        range: Option<RangeInclusive<u64>>,
    ) -> Result<Option<ObjectBody>, StorageError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_range(range.map(|range| format!("bytes={}-{}", range.start(), range.end())))
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if is_not_found(&err) => return Ok(None),
            Err(err) => return Err(StorageError::new("GetObject", err)),
        };
        let content_type = output.content_type().map(str::to_owned);
        let metadata = output.metadata().cloned().unwrap_or_default();
        let etag = output.e_tag().map(str::to_owned);
        let body = futures::stream::unfold(output.body, |mut body| async move {
            let chunk = body.next().await?;
            Some((
                chunk.map_err(|err| StorageError::new("GetObject", err)),
                body,
            ))
        })
        .boxed();
        Ok(Some(ObjectBody {
            content_type,
            metadata,
            etag,
            body,
        }))
    }
}
