//! The S3 side: one [`Storage`] holding the `aws-sdk-s3` client, the bucket and
//! the presigner, used alike for AWS S3, an S3-compatible store and the
//! embedded store.
//!
//! Two clients share one configuration: `client` makes the backend's own calls
//! (list, head, create bucket) at the endpoint the backend reaches, and
//! `presigner` signs URLs naming the endpoint browsers reach (they differ only
//! with `--public-s3-endpoint`). Signing is local: it makes no request.
//!
//! Playback GETs ([`Storage::presign_playback`]) are signed from the start
//! of a window of half the presign expiry rather than from now: the same
//! object signed twice within a window gets the same URL, so the browser's
//! HTTP cache serves a video or poster it already has, and every instance
//! (their clocks agree) signs alike. Each URL still stays valid at least
//! half the expiry after it is given, and its `expires_at` is its own.
//!
//! Presigned PUTs carry no checksum of an empty body: the client is built with
//! `RequestChecksumCalculation::WhenRequired`, so only a checksum the caller
//! gives is signed. A presigned `UploadPart` with a checksum signs
//! `content-length;host;x-amz-checksum-sha256` and nothing else (no
//! `x-amz-sdk-checksum-algorithm`): the browser sends exactly those headers.
//!
//! Multipart uploads are created with `ChecksumAlgorithm::Sha256`, so S3
//! refuses a part without its `x-amz-checksum-sha256` and a completion
//! without each part's checksum.
//!
//! Relay mode's calls, the only ones that carry a video's bytes, are in
//! [`relay`].

pub mod relay;
mod signer;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::config::{
    BehaviorVersion, Credentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
    SharedCredentialsProvider,
};
use aws_sdk_s3::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::presigning::{PresignedRequest, PresigningConfig};
use aws_sdk_s3::primitives::{ByteStream, DateTime, DateTimeFormat};
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload};
use signer::{PROBE_KEY, SignRequest, SignedUrl, UrlSigner};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vidrop_shared::api::{CompletedPart, HttpMethod, StorageKind, StoredPart};
use vidrop_shared::checksum::Sha256Checksum;

/// A failed call to S3 (or a signature the SDK could not make). The cause is
/// for the log; the client sees a generic message.
#[derive(Debug, thiserror::Error)]
#[error("S3 {operation} failed: {cause}")]
pub struct StorageError {
    operation: &'static str,
    cause: String,
}

impl StorageError {
    /// Wraps any error with the S3 operation it came from, keeping the whole
    /// chain of causes as text.
    pub fn new<E>(operation: &'static str, err: E) -> StorageError
    where
        E: std::error::Error,
    {
        StorageError {
            operation,
            cause: DisplayErrorContext(&err).to_string(),
        }
    }

    /// An error that is not the SDK's (an answer that makes no sense).
    pub fn other(operation: &'static str, cause: impl Into<String>) -> StorageError {
        StorageError {
            operation,
            cause: cause.into(),
        }
    }

    pub fn operation(&self) -> &'static str {
        self.operation
    }

    pub fn cause(&self) -> &str {
        &self.cause
    }
}

/// Where the store is and how to reach it.
#[derive(Debug, Clone)]
pub struct StorageConfig {
    pub kind: StorageKind,
    pub bucket: String,
    /// How long presigned URLs stay valid.
    pub presign_expiry: Duration,
    /// The endpoint presigned URLs name, when it differs from the one the
    /// client configuration uses.
    pub public_endpoint: Option<String>,
    /// The longest key the store holds, in bytes (S3: 1,024).
    pub max_key_bytes: usize,
    /// The credentials the S3 configuration signs with, for URLs signed
    /// without the SDK (see [`signer`]); `None` leaves all signing to it.
    pub credentials: Option<SharedCredentialsProvider>,
}

/// A presigned request: what a client sends to S3, and until when.
#[derive(Debug, Clone)]
pub struct Presigned {
    pub method: HttpMethod,
    pub url: String,
    /// Headers the client must send, lower-case names, `host` left out (the
    /// HTTP client derives it from the URL).
    pub headers: Vec<(String, String)>,
    pub expires_at: SystemTime,
}

/// What a presigned PUT binds into its signature.
#[derive(Debug, Clone)]
pub struct PutObject<'a> {
    pub key: &'a str,
    /// The exact body length.
    pub content_length: u64,
    pub content_type: Option<&'a str>,
    /// User metadata (`x-amz-meta-<name>`); values must be ASCII.
    pub metadata: Option<HashMap<String, String>>,
    pub sha256: Option<&'a Sha256Checksum>,
    /// Signs `If-None-Match: *`: the PUT creates the object or fails with
    /// `412`, and never replaces one (a replayed URL included).
    pub create_only: bool,
}

/// One listed object.
#[derive(Debug, Clone)]
pub struct ObjectEntry {
    pub key: String,
    pub size: u64,
    pub last_modified: Option<DateTime>,
}

/// One page of a listing.
#[derive(Debug, Clone, Default)]
pub struct ListedPage {
    pub entries: Vec<ObjectEntry>,
    /// Whether more keys follow this page.
    pub is_truncated: bool,
}

/// What `HeadObject` tells about an object.
#[derive(Debug, Clone)]
pub struct ObjectHead {
    pub size: u64,
    pub content_type: Option<String>,
    pub metadata: HashMap<String, String>,
    pub last_modified: Option<DateTime>,
}

/// What a presigned `UploadPart` binds into its signature.
#[derive(Debug, Clone)]
pub struct UploadPart<'a> {
    pub key: &'a str,
    pub upload_id: &'a str,
    pub part_number: u32,
    /// The part's exact length.
    pub content_length: u64,
    pub sha256: Option<&'a Sha256Checksum>,
}

/// What `CompleteMultipartUpload` came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Completion {
    /// The object exists now.
    Completed,
    /// S3 knows no such upload: it was completed (or aborted) before.
    NoSuchUpload,
    /// S3 refused the parts list (`InvalidPart`, `InvalidPartOrder`,
    /// `EntityTooSmall`, …); the upload is still in progress.
    Refused { code: String, message: String },
}

/// A multipart upload in progress, as `ListMultipartUploads` tells it.
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub key: String,
    pub upload_id: String,
    /// When it started.
    pub initiated: Option<SystemTime>,
}

/// Error codes with which S3 refuses a completion's parts list. A part's
/// checksum that does not match is `BadDigest` to AWS and `InvalidDigest`
/// to Garage.
const REFUSED_COMPLETION_CODES: [&str; 9] = [
    "PreconditionFailed",
    "InvalidPart",
    "InvalidPartOrder",
    "EntityTooSmall",
    "InvalidRequest",
    "BadDigest",
    "InvalidDigest",
    "MalformedXML",
    "InvalidArgument",
];

/// The S3 client, bucket and presigner.
#[derive(Debug, Clone)]
pub struct Storage {
    client: Client,
    presigner: Client,
    kind: StorageKind,
    bucket: String,
    presign_expiry: Duration,
    max_key_bytes: usize,
    /// Signs URLs without the SDK's pipeline, once a URL the SDK signed has
    /// shown how (see [`signer`]); `None` inside when the SDK must go on.
    signer: Arc<tokio::sync::OnceCell<Option<UrlSigner>>>,
    credentials: Option<SharedCredentialsProvider>,
}

impl Storage {
    /// Builds the clients from an S3 configuration builder (the AWS default
    /// chain's, or the embedded store's static one).
    pub fn new(s3_config: aws_sdk_s3::config::Builder, config: StorageConfig) -> Storage {
        let s3_config = s3_config
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
        let client = Client::from_conf(s3_config.clone().build());
        let presigner = match &config.public_endpoint {
            Some(endpoint) => Client::from_conf(s3_config.endpoint_url(endpoint).build()),
            None => client.clone(),
        };
        Storage {
            client,
            presigner,
            kind: config.kind,
            bucket: config.bucket,
            presign_expiry: config.presign_expiry,
            max_key_bytes: config.max_key_bytes,
            credentials: config.credentials,
            signer: Arc::default(),
        }
    }

    /// The S3 configuration of a store reached with fixed credentials at
    /// `endpoint`, path style: the embedded store, or a test's.
    pub fn static_config(
        endpoint: &str,
        region: &str,
        access_key: &str,
        secret_key: &str,
    ) -> aws_sdk_s3::config::Builder {
        aws_sdk_s3::config::Builder::new()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .endpoint_url(endpoint)
            .force_path_style(true)
            .credentials_provider(Storage::static_credentials(access_key, secret_key))
    }

    /// Fixed credentials, as [`Storage::static_config`] signs with, for
    /// [`StorageConfig::credentials`].
    pub fn static_credentials(access_key: &str, secret_key: &str) -> SharedCredentialsProvider {
        SharedCredentialsProvider::new(Credentials::new(
            access_key,
            secret_key,
            None,
            None,
            "vidrop-static",
        ))
    }

    pub fn kind(&self) -> StorageKind {
        self.kind
    }

    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The longest key the store holds, in bytes.
    pub fn max_key_bytes(&self) -> usize {
        self.max_key_bytes
    }

    /// Creates the bucket unless it exists.
    pub async fn ensure_bucket(&self) -> Result<(), StorageError> {
        match self.client.head_bucket().bucket(&self.bucket).send().await {
            Ok(_) => return Ok(()),
            Err(err) if is_not_found(&err) => {}
            Err(err) => return Err(StorageError::new("HeadBucket", err)),
        }
        match self
            .client
            .create_bucket()
            .bucket(&self.bucket)
            .send()
            .await
        {
            Ok(_) => Ok(()),
            Err(err)
                if matches!(
                    err.code(),
                    Some("BucketAlreadyOwnedByYou" | "BucketAlreadyExists")
                ) =>
            {
                Ok(())
            }
            Err(err) => Err(StorageError::new("CreateBucket", err)),
        }
    }

    /// Whether the bucket answers (used at start to warn early about a bucket
    /// that is missing or out of reach).
    pub async fn check_bucket(&self) -> Result<(), StorageError> {
        self.client
            .head_bucket()
            .bucket(&self.bucket)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| StorageError::new("HeadBucket", err))
    }

    /// Presigns a `PutObject` that binds the length, type, metadata and
    /// checksum given.
    pub async fn presign_put(&self, put: PutObject<'_>) -> Result<Presigned, StorageError> {
        let start = unix_secs(SystemTime::now());
        if let Some(signer) = self.signer().await? {
            let mut headers = vec![("content-length".to_owned(), put.content_length.to_string())];
            if let Some(content_type) = put.content_type {
                headers.push(("content-type".to_owned(), content_type.to_owned()));
            }
            for (name, value) in put.metadata.iter().flatten() {
                headers.push((format!("x-amz-meta-{name}"), value.clone()));
            }
            if let Some(sum) = put.sha256 {
                headers.push(("x-amz-checksum-sha256".to_owned(), sum.as_str().to_owned()));
            }
            if put.create_only {
                headers.push(("if-none-match".to_owned(), "*".to_owned()));
            }
            return self
                .sign_here(
                    signer,
                    SignRequest {
                        method: HttpMethod::Put,
                        key: put.key,
                        query: Vec::new(),
                        headers,
                        start,
                        expires_in: self.presign_expiry,
                    },
                )
                .await;
        }
        self.sdk_presign_put(put, start).await
    }

    /// [`Storage::presign_put`] through the SDK's presigning, signed at
    /// `start` (Unix seconds).
    async fn sdk_presign_put(
        &self,
        put: PutObject<'_>,
        start: u64,
    ) -> Result<Presigned, StorageError> {
        let (config, expires_at) = self.presigning_config_from(start)?;
        let content_length = i64::try_from(put.content_length)
            .map_err(|err| StorageError::new("PutObject presign", err))?;
        let request = self
            .presigner
            .put_object()
            .bucket(&self.bucket)
            .key(put.key)
            .content_length(content_length)
            .set_content_type(put.content_type.map(str::to_owned))
            .set_metadata(put.metadata)
            .set_checksum_sha256(put.sha256.map(|sum| sum.as_str().to_owned()))
            .set_if_none_match(put.create_only.then(|| "*".to_owned()))
            .presigned(config)
            .await
            .map_err(|err| StorageError::new("PutObject presign", err))?;
        Ok(presigned(HttpMethod::Put, &request, expires_at))
    }

    /// Presigns a `GetObject`, with the `Content-Disposition` S3 should answer.
    pub async fn presign_get(
        &self,
        key: &str,
        content_disposition: Option<String>,
    ) -> Result<Presigned, StorageError> {
        self.presign_get_from(unix_secs(SystemTime::now()), key, content_disposition, None)
            .await
    }

    /// Presigns a `GetObject` for playback (see the module doc): signed
    /// from the start of the current window of half the expiry, so that it
    /// is the same URL all window long; with the `Content-Disposition` S3
    /// should answer.
    pub async fn presign_playback(
        &self,
        key: &str,
        content_disposition: Option<String>,
    ) -> Result<Presigned, StorageError> {
        let start = playback_window_start(unix_secs(SystemTime::now()), self.presign_expiry);
        let cache = playback_cache_control(self.presign_expiry);
        self.presign_get_from(start, key, content_disposition, Some(cache))
            .await
    }

    /// Presigns a `GetObject` signed at `start` (Unix seconds), with the
    /// `Content-Disposition` and `Cache-Control` S3 should answer.
    async fn presign_get_from(
        &self,
        start: u64,
        key: &str,
        content_disposition: Option<String>,
        cache_control: Option<String>,
    ) -> Result<Presigned, StorageError> {
        if let Some(signer) = self.signer().await? {
            let mut query = Vec::new();
            if let Some(disposition) = content_disposition {
                query.push(("response-content-disposition", disposition));
            }
            if let Some(cache) = cache_control {
                query.push(("response-cache-control", cache));
            }
            return self
                .sign_here(
                    signer,
                    SignRequest {
                        method: HttpMethod::Get,
                        key,
                        query,
                        headers: Vec::new(),
                        start,
                        expires_in: self.presign_expiry,
                    },
                )
                .await;
        }
        self.sdk_presign_get(start, key, content_disposition, cache_control)
            .await
    }

    /// [`Storage::presign_get_from`] through the SDK's presigning.
    async fn sdk_presign_get(
        &self,
        start: u64,
        key: &str,
        content_disposition: Option<String>,
        cache_control: Option<String>,
    ) -> Result<Presigned, StorageError> {
        let (config, expires_at) = self.presigning_config_from(start)?;
        let request = self
            .presigner
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .set_response_content_disposition(content_disposition)
            .set_response_cache_control(cache_control)
            .presigned(config)
            .await
            .map_err(|err| StorageError::new("GetObject presign", err))?;
        Ok(presigned(HttpMethod::Get, &request, expires_at))
    }

    /// Every object whose key starts with `prefix`, all pages.
    pub async fn list(&self, prefix: &str) -> Result<Vec<ObjectEntry>, StorageError> {
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut entries = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| StorageError::new("ListObjectsV2", err))?;
            for object in page.contents() {
                let Some(key) = object.key() else { continue };
                entries.push(listed_entry(key, object));
            }
        }
        Ok(entries)
    }

    /// The object's size, type and metadata; `None` when there is no such key.
    pub async fn head(&self, key: &str) -> Result<Option<ObjectHead>, StorageError> {
        match self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(head) => Ok(Some(ObjectHead {
                size: head
                    .content_length()
                    .and_then(|s| u64::try_from(s).ok())
                    .unwrap_or(0),
                content_type: head.content_type().map(str::to_owned),
                metadata: head.metadata().cloned().unwrap_or_default(),
                last_modified: head.last_modified().copied(),
            })),
            Err(err) if is_not_found(&err) => Ok(None),
            Err(err) => Err(StorageError::new("HeadObject", err)),
        }
    }

    /// One page of the keys under `prefix` (only those with no further `/`
    /// after it, with `delimiter`), after `start_after`, at most `max_keys`.
    pub async fn list_page(
        &self,
        prefix: &str,
        delimited: bool,
        start_after: Option<String>,
        max_keys: i32,
    ) -> Result<ListedPage, StorageError> {
        let page = self
            .client
            .list_objects_v2()
            .bucket(&self.bucket)
            .prefix(prefix)
            .set_delimiter(delimited.then(|| "/".to_owned()))
            .set_start_after(start_after)
            .max_keys(max_keys)
            .send()
            .await
            .map_err(|err| StorageError::new("ListObjectsV2", err))?;
        Ok(ListedPage {
            entries: page
                .contents()
                .iter()
                .filter_map(|object| object.key().map(|key| listed_entry(key, object)))
                .collect(),
            is_truncated: page.is_truncated().unwrap_or(false),
        })
    }

    /// An object's head (as [`Storage::head`]) and its first `len` bytes
    /// (fewer when it is shorter), in one ranged GET; `None` when there is
    /// no such key.
    pub async fn head_and_first_bytes(
        &self,
        key: &str,
        len: usize,
    ) -> Result<Option<(ObjectHead, Vec<u8>)>, StorageError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .range(format!("bytes=0-{}", len.saturating_sub(1)))
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if is_not_found(&err) => return Ok(None),
            // An empty object has no byte 0.
            Err(err) if err.code() == Some("InvalidRange") => {
                return Ok(self.head(key).await?.map(|head| (head, Vec::new())));
            }
            Err(err) => return Err(StorageError::new("GetObject", err)),
        };
        // `Content-Range: bytes 0-N/TOTAL` gives the object's size.
        let size = output
            .content_range()
            .and_then(|range| range.rsplit_once('/'))
            .and_then(|(_, total)| total.parse().ok())
            .or_else(|| output.content_length().and_then(|n| u64::try_from(n).ok()))
            .unwrap_or(0);
        let head = ObjectHead {
            size,
            content_type: output.content_type().map(str::to_owned),
            metadata: output.metadata().cloned().unwrap_or_default(),
            last_modified: output.last_modified().copied(),
        };
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|err| StorageError::new("GetObject", err))?;
        let mut bytes = bytes.into_bytes().to_vec();
        bytes.truncate(len);
        Ok(Some((head, bytes)))
    }

    /// Writes a small object unless `key` exists (`If-None-Match: *`): true
    /// when this call created it.
    pub async fn put_bytes_if_absent(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<bool, StorageError> {
        let result = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .if_none_match("*")
            .body(ByteStream::from(body))
            .send()
            .await;
        created(result)
    }

    /// Writes a small object (the backend's own bookkeeping) in one call.
    pub async fn put_bytes(
        &self,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), StorageError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .body(ByteStream::from(body))
            .send()
            .await
            .map(|_| ())
            .map_err(|err| StorageError::new("PutObject", err))
    }

    /// A small object's bytes; `None` when there is no such key.
    pub async fn get_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
        let output = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
        {
            Ok(output) => output,
            Err(err) if is_not_found(&err) => return Ok(None),
            Err(err) => return Err(StorageError::new("GetObject", err)),
        };
        let bytes = output
            .body
            .collect()
            .await
            .map_err(|err| StorageError::new("GetObject", err))?;
        Ok(Some(bytes.into_bytes().to_vec()))
    }

    /// Deletes an object (deleting a missing key succeeds, as in S3).
    pub async fn delete(&self, key: &str) -> Result<(), StorageError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .map(|_| ())
            .map_err(|err| StorageError::new("DeleteObject", err))
    }

    /// Starts a multipart upload of `key` with this type and metadata, whose
    /// parts must each carry their SHA-256; answers its upload id.
    pub async fn create_multipart(
        &self,
        key: &str,
        content_type: &str,
        metadata: HashMap<String, String>,
    ) -> Result<String, StorageError> {
        let output = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .content_type(content_type)
            .set_metadata(Some(metadata))
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(|err| StorageError::new("CreateMultipartUpload", err))?;
        output
            .upload_id()
            .filter(|id| !id.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                StorageError::other("CreateMultipartUpload", "the answer has no upload id")
            })
    }

    /// Presigns `UploadPart`s, each binding its part's length and checksum;
    /// all expire together.
    pub async fn presign_upload_parts(
        &self,
        parts: &[UploadPart<'_>],
    ) -> Result<Vec<Presigned>, StorageError> {
        let start = unix_secs(SystemTime::now());
        let Some(signer) = self.signer().await? else {
            return self.sdk_presign_upload_parts(parts, start).await;
        };
        let mut signed = Vec::with_capacity(parts.len());
        for part in parts {
            let mut headers = vec![("content-length".to_owned(), part.content_length.to_string())];
            if let Some(sum) = part.sha256 {
                headers.push(("x-amz-checksum-sha256".to_owned(), sum.as_str().to_owned()));
            }
            let query = vec![
                ("partNumber", part.part_number.to_string()),
                ("uploadId", part.upload_id.to_owned()),
            ];
            signed.push(
                self.sign_here(
                    signer,
                    SignRequest {
                        method: HttpMethod::Put,
                        key: part.key,
                        query,
                        headers,
                        start,
                        expires_in: self.presign_expiry,
                    },
                )
                .await?,
            );
        }
        Ok(signed)
    }

    /// [`Storage::presign_upload_parts`] through the SDK's presigning.
    async fn sdk_presign_upload_parts(
        &self,
        parts: &[UploadPart<'_>],
        start: u64,
    ) -> Result<Vec<Presigned>, StorageError> {
        let (config, expires_at) = self.presigning_config_from(start)?;
        let mut signed = Vec::with_capacity(parts.len());
        for part in parts {
            let part_number = i32::try_from(part.part_number)
                .map_err(|err| StorageError::new("UploadPart presign", err))?;
            let content_length = i64::try_from(part.content_length)
                .map_err(|err| StorageError::new("UploadPart presign", err))?;
            let request = self
                .presigner
                .upload_part()
                .bucket(&self.bucket)
                .key(part.key)
                .upload_id(part.upload_id)
                .part_number(part_number)
                .content_length(content_length)
                .set_checksum_sha256(part.sha256.map(|sum| sum.as_str().to_owned()))
                .presigned(config.clone())
                .await
                .map_err(|err| StorageError::new("UploadPart presign", err))?;
            signed.push(presigned(HttpMethod::Put, &request, expires_at));
        }
        Ok(signed)
    }

    /// The parts S3 holds for an upload, all pages, by part number; `None`
    /// when S3 knows no such upload.
    pub async fn list_parts(
        &self,
        key: &str,
        upload_id: &str,
    ) -> Result<Option<Vec<StoredPart>>, StorageError> {
        self.list_parts_paged(key, upload_id, None).await
    }

    /// [`Storage::list_parts`], asking for pages of `page_size` parts (S3's
    /// default, 1,000, when `None`).
    pub async fn list_parts_paged(
        &self,
        key: &str,
        upload_id: &str,
        page_size: Option<i32>,
    ) -> Result<Option<Vec<StoredPart>>, StorageError> {
        let mut pages = self
            .client
            .list_parts()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .set_max_parts(page_size)
            .into_paginator()
            .send();
        let mut parts = Vec::new();
        while let Some(page) = pages.next().await {
            let page = match page {
                Ok(page) => page,
                Err(err) if err.code() == Some("NoSuchUpload") => return Ok(None),
                Err(err) => return Err(StorageError::new("ListParts", err)),
            };
            for part in page.parts() {
                let (Some(number), Some(etag)) = (part.part_number(), part.e_tag()) else {
                    continue;
                };
                let Ok(part_number) = u32::try_from(number) else {
                    continue;
                };
                parts.push(StoredPart {
                    part_number,
                    etag: etag.to_owned(),
                    size: part
                        .size()
                        .and_then(|size| u64::try_from(size).ok())
                        .unwrap_or(0),
                    sha256: part
                        .checksum_sha256()
                        .and_then(|sum| Sha256Checksum::parse(sum).ok()),
                });
            }
        }
        parts.sort_by_key(|part| part.part_number);
        parts.dedup_by_key(|part| part.part_number);
        Ok(Some(parts))
    }

    /// Completes a multipart upload from its parts (sorted by part number,
    /// each with its ETag and, when known, its SHA-256).
    pub async fn complete_multipart(
        &self,
        key: &str,
        upload_id: &str,
        parts: &[CompletedPart],
    ) -> Result<Completion, StorageError> {
        let mut sdk_parts = Vec::with_capacity(parts.len());
        for part in parts {
            let part_number = i32::try_from(part.part_number)
                .map_err(|err| StorageError::new("CompleteMultipartUpload", err))?;
            sdk_parts.push(
                aws_sdk_s3::types::CompletedPart::builder()
                    .part_number(part_number)
                    .e_tag(&part.etag)
                    .set_checksum_sha256(part.sha256.as_ref().map(|sum| sum.as_str().to_owned()))
                    .build(),
            );
        }
        let result = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            // Never replaces an object: keys are fresh, so one already there
            // was not put by this upload.
            .if_none_match("*")
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(sdk_parts))
                    .build(),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(Completion::Completed),
            Err(err) if err.code() == Some("NoSuchUpload") => Ok(Completion::NoSuchUpload),
            Err(err)
                if err
                    .code()
                    .is_some_and(|code| REFUSED_COMPLETION_CODES.contains(&code)) =>
            {
                Ok(Completion::Refused {
                    code: err.code().unwrap_or_default().to_owned(),
                    message: err.message().unwrap_or_default().to_owned(),
                })
            }
            Err(err) => Err(StorageError::new("CompleteMultipartUpload", err)),
        }
    }

    /// Aborts a multipart upload; `false` when S3 knows no such upload
    /// (aborted or completed before).
    pub async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<bool, StorageError> {
        match self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(key)
            .upload_id(upload_id)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.code() == Some("NoSuchUpload") => Ok(false),
            Err(err) => Err(StorageError::new("AbortMultipartUpload", err)),
        }
    }

    /// The multipart uploads in progress under `prefix`, all pages.
    pub async fn list_multipart_uploads(
        &self,
        prefix: &str,
    ) -> Result<Vec<PendingUpload>, StorageError> {
        self.list_multipart_uploads_paged(prefix, None).await
    }

    /// [`Storage::list_multipart_uploads`], asking for pages of `page_size`
    /// uploads (S3's default, 1,000, when `None`).
    pub async fn list_multipart_uploads_paged(
        &self,
        prefix: &str,
        page_size: Option<i32>,
    ) -> Result<Vec<PendingUpload>, StorageError> {
        let mut uploads = Vec::new();
        let mut markers: (Option<String>, Option<String>) = (None, None);
        loop {
            let page = self
                .client
                .list_multipart_uploads()
                .bucket(&self.bucket)
                .prefix(prefix)
                .set_max_uploads(page_size)
                .set_key_marker(markers.0.clone())
                .set_upload_id_marker(markers.1.clone())
                .send()
                .await
                .map_err(|err| StorageError::new("ListMultipartUploads", err))?;
            for upload in page.uploads() {
                let (Some(key), Some(upload_id)) = (upload.key(), upload.upload_id()) else {
                    continue;
                };
                uploads.push(PendingUpload {
                    key: key.to_owned(),
                    upload_id: upload_id.to_owned(),
                    initiated: upload
                        .initiated()
                        .and_then(|time| SystemTime::try_from(*time).ok()),
                });
            }
            let next = (
                page.next_key_marker().map(str::to_owned),
                page.next_upload_id_marker().map(str::to_owned),
            );
            if !page.is_truncated().unwrap_or(false) || next.0.is_none() || next == markers {
                return Ok(uploads);
            }
            markers = next;
        }
    }

    /// The signer of this store's URLs: made on first use from a URL the SDK
    /// presigns for [`PROBE_KEY`]; `None` when that URL shows a way of
    /// signing it does not make (the SDK signs every URL then). A probe that
    /// fails is tried again next time.
    async fn signer(&self) -> Result<Option<&UrlSigner>, StorageError> {
        let signer = self
            .signer
            .get_or_try_init(|| async {
                let Some(credentials) = self.credentials.clone() else {
                    return Ok(None);
                };
                let probe = self
                    .sdk_presign_get(unix_secs(SystemTime::now()), PROBE_KEY, None, None)
                    .await?;
                let signer = UrlSigner::from_sdk_url(&probe.url, credentials);
                if signer.is_none() {
                    tracing::info!("presigned URLs of this store are signed by the SDK's pipeline");
                }
                Ok::<_, StorageError>(signer)
            })
            .await?;
        Ok(signer.as_ref())
    }

    /// Signs `request` with this store's [`UrlSigner`].
    async fn sign_here(
        &self,
        signer: &UrlSigner,
        request: SignRequest<'_>,
    ) -> Result<Presigned, StorageError> {
        let (method, start, expires_in) = (request.method, request.start, request.expires_in);
        let SignedUrl { url, headers } = signer
            .sign(request)
            .await
            .map_err(|err| StorageError::new("credentials for presigning", err))?;
        Ok(Presigned {
            method,
            url,
            headers,
            expires_at: UNIX_EPOCH + Duration::from_secs(start) + expires_in,
        })
    }

    /// A presigning configuration starting at `start` (Unix seconds), and
    /// the instant its URLs expire.
    fn presigning_config_from(
        &self,
        start: u64,
    ) -> Result<(PresigningConfig, SystemTime), StorageError> {
        let start = UNIX_EPOCH + Duration::from_secs(start);
        let config = PresigningConfig::builder()
            .start_time(start)
            .expires_in(self.presign_expiry)
            .build()
            .map_err(|err| StorageError::new("presigning configuration", err))?;
        Ok((config, start + self.presign_expiry))
    }
}

/// Whole seconds since the Unix epoch.
fn unix_secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs()
}

/// The start (Unix seconds) of the playback window holding `now`: windows
/// of half `expiry` (at least a second) from the epoch, so that a URL signed
/// from it has at least half `expiry` left.
fn playback_window_start(now: u64, expiry: Duration) -> u64 {
    let window = (expiry.as_secs() / 2).max(1);
    now - now % window
}

/// The `Cache-Control` a playback URL asks S3 to answer with: the browser
/// may keep the video as long as the URL lives (a URL is the same all
/// window long, so playing a video again is served from its cache), for
/// this reader only. A video's bytes never change under its key.
fn playback_cache_control(expiry: Duration) -> String {
    format!("private, max-age={}, immutable", expiry.as_secs())
}

/// Whether S3 answered 404 (a missing key or bucket), whatever the error's
/// modelled type (HeadObject's 404 has no body to name it).
/// A create-only `PutObject`'s outcome (`If-None-Match: *`): true when this
/// call created the object, false when the key already existed.
fn created<T, E>(result: Result<T, SdkError<E, HttpResponse>>) -> Result<bool, StorageError>
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    match result {
        Ok(_) => Ok(true),
        Err(err) if err.code() == Some("PreconditionFailed") => Ok(false),
        Err(err) => Err(StorageError::new("PutObject", err)),
    }
}

fn is_not_found<E>(err: &SdkError<E, HttpResponse>) -> bool {
    matches!(err, SdkError::ServiceError(_))
        && err.raw_response().map(|raw| raw.status().as_u16()) == Some(404)
}

fn presigned(method: HttpMethod, request: &PresignedRequest, expires_at: SystemTime) -> Presigned {
    debug_assert_eq!(request.method(), method.as_str());
    Presigned {
        method,
        url: request.uri().to_owned(),
        headers: request
            .headers()
            .filter(|(name, _)| !name.eq_ignore_ascii_case("host"))
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect(),
        expires_at,
    }
}

/// A listed object as [`ObjectEntry`].
fn listed_entry(key: &str, object: &aws_sdk_s3::types::Object) -> ObjectEntry {
    ObjectEntry {
        key: key.to_owned(),
        size: object
            .size()
            .and_then(|size| u64::try_from(size).ok())
            .unwrap_or(0),
        last_modified: object.last_modified().copied(),
    }
}

/// An instant as RFC 3339 (`2026-11-23T16:00:00Z`).
pub fn rfc3339(time: impl Into<DateTime>) -> String {
    time.into()
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn playback_urls_start_at_their_window_and_keep_half_their_life() {
        let expiry = Duration::from_secs(900);
        let start = playback_window_start(1_800_000_123, expiry);
        assert_eq!(start % 450, 0);
        assert!(start <= 1_800_000_123 && 1_800_000_123 - start < 450);
        for now in 1_800_000_000..1_800_001_000 {
            let start = playback_window_start(now, expiry);
            let left = start + expiry.as_secs() - now;
            assert!((451..=900).contains(&left), "{now}: {left} s left");
            // Everyone in the window signs from the same second.
            assert_eq!(start, playback_window_start(start + 449, expiry));
        }
        // An odd or tiny expiry: windows of whole seconds, at least one.
        assert_eq!(playback_window_start(1001, Duration::from_secs(901)), 900);
        assert_eq!(playback_window_start(1001, Duration::from_secs(1)), 1001);
    }

    fn storage(public_endpoint: Option<&str>) -> Storage {
        Storage::new(
            Storage::static_config("http://127.0.0.1:9000", "us-east-1", "AKID", "secret"),
            StorageConfig {
                kind: StorageKind::Embedded,
                bucket: "vidrop".to_owned(),
                presign_expiry: Duration::from_secs(900),
                public_endpoint: public_endpoint.map(str::to_owned),
                max_key_bytes: 1024,
                credentials: Some(Storage::static_credentials("AKID", "secret")),
            },
        )
    }

    /// A URL's path and its query parameters but the signature and the
    /// SDK's `x-id` (which names the operation and is not needed by S3).
    fn signed_parts(url: &str) -> (String, Vec<(String, String)>) {
        let (path, query) = url.split_once('?').unwrap();
        let mut params: Vec<(String, String)> = query
            .split('&')
            .map(|pair| {
                let (name, value) = pair.split_once('=').unwrap();
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(s)
                        .decode_utf8()
                        .unwrap()
                        .into_owned()
                };
                (decode(name), decode(value))
            })
            .filter(|(name, _)| name != "x-id" && name != "X-Amz-Signature")
            .collect();
        params.sort();
        (path.to_owned(), params)
    }

    /// URLs signed here bind what the SDK's would, and tell the client the
    /// same headers: for every kind of URL the backend gives, at the same
    /// instant, with and without a public endpoint.
    #[tokio::test]
    async fn urls_signed_here_bind_what_the_sdks_bind() {
        let sum = Sha256Checksum::parse("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").unwrap();
        let key = "videos/01JD7 odd+key~é.webm";
        for public in [None, Some("https://media.example.com:8443")] {
            let storage = storage(public);
            assert!(
                storage.signer().await.unwrap().is_some(),
                "signs SigV4 here"
            );
            let start = unix_secs(SystemTime::now());
            let mut pairs = Vec::new();

            let disposition = Some("inline; filename=\"a b.webm\"".to_owned());
            let cache = Some(playback_cache_control(storage.presign_expiry));
            pairs.push((
                storage
                    .presign_get_from(start, key, disposition.clone(), cache.clone())
                    .await
                    .unwrap(),
                storage
                    .sdk_presign_get(start, key, disposition, cache)
                    .await
                    .unwrap(),
            ));

            let put = PutObject {
                key,
                content_length: 1234,
                content_type: Some("video/webm"),
                metadata: Some(HashMap::from([(
                    "filename".to_owned(),
                    "a b.webm".to_owned(),
                )])),
                sha256: Some(&sum),
                create_only: true,
            };
            pairs.push((
                storage.presign_put(put.clone()).await.unwrap(),
                storage.sdk_presign_put(put, start).await.unwrap(),
            ));

            let part = [UploadPart {
                key,
                upload_id: "upload/id+==",
                part_number: 3,
                content_length: 8 << 20,
                sha256: Some(&sum),
            }];
            pairs.push((
                storage.presign_upload_parts(&part).await.unwrap().remove(0),
                storage
                    .sdk_presign_upload_parts(&part, start)
                    .await
                    .unwrap()
                    .remove(0),
            ));

            for (here, sdk) in pairs {
                let (here_path, mut here_params) = signed_parts(&here.url);
                let (sdk_path, sdk_params) = signed_parts(&sdk.url);
                // The PUTs here are signed "now", a second after `start` at
                // most: their dates are compared apart.
                let date = |params: &[(String, String)]| {
                    let (_, date) = params.iter().find(|(n, _)| n == "X-Amz-Date").unwrap();
                    date.clone()
                };
                let (here_date, sdk_date) = (date(&here_params), date(&sdk_params));
                assert!(here_date >= sdk_date, "{here_date} before {sdk_date}");
                for (name, value) in &mut here_params {
                    if name == "X-Amz-Date" {
                        value.clone_from(&sdk_date);
                    }
                }
                assert_eq!(here_path, sdk_path);
                assert_eq!(here_params, sdk_params, "{}", sdk.url);
                let mut sdk_headers = sdk.headers.clone();
                sdk_headers.sort();
                assert_eq!(here.headers, sdk_headers);
                assert_eq!(here.method, sdk.method);
            }
        }
    }
}
