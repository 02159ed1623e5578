//! A relayed upload (`POST /api/relay`): the request body streamed into S3
//! under the rules of a presigned upload, for clients that cannot reach S3.
//!
//! The same admission as `POST /api/uploads` ([`admit_upload`]: video type,
//! size limits, the token's types and quota) runs on the declared
//! `Content-Length` and `Content-Type` before a byte is read, and the key is
//! made the same way, under the caller's prefix. The first part is then read
//! and its first bytes checked to be a container of the declared type
//! ([`looks_like`], as the presigned path's verification does) before
//! anything is written, so a refused upload stores nothing.
//!
//! The body is cut by the shared part rule ([`PartPlan`]): a video of one
//! part goes up in one `PutObject`; a larger one as a multipart upload whose
//! part `n` is sent while part `n + 1` is read, so at most two parts are in
//! memory whatever the size. Every write carries its SHA-256, which S3
//! checks, and can only create (`If-None-Match: *`). A body that fails (too
//! short, too long, stalled) aborts the multipart upload, leaving nothing;
//! should the server die first, the sweep aborts it after `--abandon-after`.
//!
//! No manifest is written: the object appears only once every byte is in
//! and checked, so it is verified from its first moment.

use super::Relay;
use super::body::BodyReader;
use crate::access::Scope;
use crate::error::AppError;
use crate::metadata::{filename_metadata, percent_decode};
use crate::metrics::UploadOutcome;
use crate::storage::relay::PutBytes;
use crate::storage::{Completion, Storage, StorageError};
use crate::uploads::admit_upload;
use crate::video_id::new_video_id;
use crate::videos::{AnnouncedPoster, MetadataCache, describe_checked_video};
use axum::http::HeaderMap;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use futures::Stream;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::fmt::Display;
use vidrop_shared::api::{CompletedPart, VideoDetails};
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::container::{SNIFF_BYTES, looks_like};
use vidrop_shared::filename::clean_filename;
use vidrop_shared::keys::video_key_in;
use vidrop_shared::parts::PartPlan;

/// The header that names the file (`?filename=` does too).
pub const FILENAME_HEADER: &str = "x-filename";

/// What a relayed upload declares in its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelayedUpload {
    /// `Content-Length`.
    pub size: u64,
    /// `Content-Type`.
    pub content_type: String,
    /// `X-Filename` or `?filename=`, not cleaned yet.
    pub filename: String,
}

/// The query of `POST /api/relay`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelayQuery {
    /// The file name, when the client cannot send `X-Filename`.
    pub filename: Option<String>,
}

impl RelayedUpload {
    /// What a request declares: `Content-Length` (required, `411` without
    /// it), `Content-Type`, and the file name from `?filename=` or else
    /// `X-Filename` (UTF-8, or percent-encoded UTF-8).
    pub fn declared(headers: &HeaderMap, query: RelayQuery) -> Result<RelayedUpload, AppError> {
        let size = headers
            .get(CONTENT_LENGTH)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .ok_or(AppError::LengthRequired)?;
        let content_type = headers
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let filename = query.filename.unwrap_or_else(|| {
            headers
                .get(FILENAME_HEADER)
                .and_then(|value| std::str::from_utf8(value.as_bytes()).ok())
                .map(|name| percent_decode(name).unwrap_or_else(|| name.to_owned()))
                .unwrap_or_default()
        });
        Ok(RelayedUpload {
            size,
            content_type,
            filename,
        })
    }
}

/// Streams `body` into S3 as a new video in `scope` and answers it as
/// `GET /api/videos/{id}` would.
pub async fn relay_upload<S, E>(
    storage: &Storage,
    video_metadata: &MetadataCache,
    relay: &Relay,
    scope: &Scope,
    upload: RelayedUpload,
    body: S,
) -> Result<VideoDetails, AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let content_type = admit_upload(storage, scope, &upload.content_type, upload.size).await?;
    relay.metrics.upload(UploadOutcome::Created);
    relay.metrics.bytes_approved(upload.size);
    let id = new_video_id();
    let key = video_key_in(&scope.prefix, &id, &content_type);
    let filename = clean_filename(&upload.filename);
    let plan = PartPlan::for_size(upload.size);
    let mut reader = BodyReader::new(
        body,
        upload.size,
        relay.idle_timeout,
        relay.metrics.relay().clone(),
    );

    let stored = async {
        let first = reader.read_exact(part_len(&plan, 1)).await?;
        let head = &first[..first.len().min(SNIFF_BYTES)];
        if !looks_like(&content_type, head) {
            return Err(AppError::NotAContainer(content_type.clone()));
        }
        if plan.part_count == 1 {
            reader.finish().await?;
            put_whole(storage, &key, &content_type, &filename, first).await
        } else {
            put_parts(
                storage,
                &key,
                &content_type,
                &filename,
                &plan,
                first,
                &mut reader,
            )
            .await
        }
    }
    .await;
    if let Err(err) = stored {
        let outcome = match err {
            AppError::NotAContainer(_) => UploadOutcome::Failed,
            _ => UploadOutcome::Aborted,
        };
        relay.metrics.upload(outcome);
        tracing::info!(%id, %key, error = %err, "relayed upload refused; nothing stored");
        return Err(err);
    }

    let head = storage
        .head(&key)
        .await?
        .ok_or_else(|| StorageError::other("HeadObject", format!("{key} is gone once written")))?;
    relay.metrics.upload(UploadOutcome::Completed);
    tracing::info!(%id, %key, size = upload.size, %content_type, parts = plan.part_count, "relayed upload stored");
    Ok(describe_checked_video(storage, video_metadata, &key, &head, AnnouncedPoster::None).await?)
}

/// A video of one part: one `PutObject`.
async fn put_whole(
    storage: &Storage,
    key: &str,
    content_type: &str,
    filename: &str,
    body: Bytes,
) -> Result<(), AppError> {
    let sha256 = sha256_of(body.clone()).await?;
    let created = storage
        .put_object_bytes(PutBytes {
            key,
            body,
            content_type,
            metadata: filename_metadata(filename),
            sha256: &sha256,
        })
        .await?;
    if created {
        Ok(())
    } else {
        // Keys are fresh ULIDs: one taken was not written by this upload.
        Err(StorageError::other("PutObject", format!("{key} exists already")).into())
    }
}

/// A video of several parts: a multipart upload, aborted if anything fails.
async fn put_parts<S, E>(
    storage: &Storage,
    key: &str,
    content_type: &str,
    filename: &str,
    plan: &PartPlan,
    first: Bytes,
    reader: &mut BodyReader<S>,
) -> Result<(), AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let upload_id = storage
        .create_multipart(key, content_type, filename_metadata(filename))
        .await?;
    let sent = send_parts(storage, key, &upload_id, plan, first, reader).await;
    if sent.is_err() {
        match storage.abort_multipart(key, &upload_id).await {
            Ok(_) => tracing::debug!(%key, "relayed multipart upload aborted"),
            Err(err) => {
                tracing::warn!(%key, cause = %err.cause(), "cannot abort a failed relayed upload; the sweep will");
            }
        }
    }
    sent
}

/// Sends every part, part `n` while part `n + 1` is read, then completes.
async fn send_parts<S, E>(
    storage: &Storage,
    key: &str,
    upload_id: &str,
    plan: &PartPlan,
    first: Bytes,
    reader: &mut BodyReader<S>,
) -> Result<(), AppError>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    let mut completed = Vec::with_capacity(plan.part_count as usize);
    let mut current = first;
    for number in 1..=plan.part_count {
        let upload = upload_part(storage, key, upload_id, number, current);
        // Both run to their end, so a part in flight is never left behind
        // an abort. The body's own failure is the one to tell.
        if number < plan.part_count {
            let (sent, next) = tokio::join!(upload, reader.read_exact(part_len(plan, number + 1)));
            current = next?;
            completed.push(sent?);
        } else {
            let (sent, end) = tokio::join!(upload, reader.finish());
            end?;
            completed.push(sent?);
            break;
        }
    }
    match storage
        .complete_multipart(key, upload_id, &completed)
        .await?
    {
        Completion::Completed => Ok(()),
        Completion::NoSuchUpload => {
            Err(StorageError::other("CompleteMultipartUpload", "the upload is gone").into())
        }
        Completion::Refused { code, message } => {
            Err(StorageError::other("CompleteMultipartUpload", format!("{code}: {message}")).into())
        }
    }
}

/// Uploads one part with its SHA-256.
async fn upload_part(
    storage: &Storage,
    key: &str,
    upload_id: &str,
    number: u32,
    bytes: Bytes,
) -> Result<CompletedPart, AppError> {
    let sha256 = sha256_of(bytes.clone()).await?;
    let etag = storage
        .upload_part_bytes(key, upload_id, number, bytes, &sha256)
        .await?;
    Ok(CompletedPart {
        part_number: number,
        etag,
        sha256: Some(sha256),
    })
}

/// The length of part `number`, which the part rule keeps within memory.
fn part_len(plan: &PartPlan, number: u32) -> usize {
    usize::try_from(plan.len_of(number)).expect("a part fits in memory")
}

/// The SHA-256 of `bytes` as S3 carries it, hashed off the async threads.
async fn sha256_of(bytes: Bytes) -> Result<Sha256Checksum, AppError> {
    let encoded = tokio::task::spawn_blocking(move || STANDARD.encode(Sha256::digest(&bytes)))
        .await
        .map_err(|err| StorageError::other("SHA-256", err.to_string()))?;
    Sha256Checksum::parse(&encoded)
        .map_err(|_| StorageError::other("SHA-256", "not a checksum").into())
}
