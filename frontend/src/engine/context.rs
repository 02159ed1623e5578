//! What every step of an upload shares: the file that passed the policy
//! ([`CheckedFile`]), the knobs ([`UploadConfig`]), what is reported to the
//! caller ([`Report`]), how an upload fails ([`UploadError`]), and the step
//! [`Context`] that carries them.
//!
//! Its own module so that [`upload`](super::upload) (the steps) and
//! [`transfer`](super::transfer) (the parts) both import it and never each
//! other's internals. Reports carry facts and numbers; the widget words them.

use crate::api::{Api, ApiCall, ApiError};
use crate::engine::control::{Cancelled, UploadControl};
use crate::engine::hash::Sha256Backend;
use crate::engine::probe::Unplayable;
use crate::engine::progress::ProgressTracker;
use crate::engine::retry::{RetryPolicy, retry_api};
use crate::engine::s3_error::S3Error;
use crate::engine::scheduler::{
    DEFAULT_CONCURRENCY, DEFAULT_STALL_TIMEOUT_MS, RetryReason, SchedulerConfig,
};
use crate::engine::slots::Slots;
use crate::engine::timer::{random, sleep};
use crate::engine::xhr::XhrError;
use vidrop_shared::api::{CreateUpload, MediaInfo, PosterRequest, UploadRequest};
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::filename::clean_filename;
use vidrop_shared::policy::{PolicyError, check_upload, chosen_file_type};
use web_sys::File;

/// Why an upload did not end with a stored video. `Display` is the message
/// the widget shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    /// The file breaks the upload policy (checked before any request).
    #[error("{0}")]
    Policy(#[from] PolicyError),
    /// The backend refused or could not be reached.
    #[error("{0}")]
    Api(#[from] ApiError),
    /// Storage answered the PUT with an error status.
    #[error("{}", storage_refusal(*.status, .error.as_ref()))]
    Storage { status: u16, error: Option<S3Error> },
    /// No answer from storage: the network went away or CORS hid it.
    #[error(
        "The connection to storage was lost before the upload finished. Check your connection and try again."
    )]
    ConnectionLost,
    /// Storage did not answer in time.
    #[error("Storage did not answer in time. Try again.")]
    TimedOut,
    /// The user cancelled.
    #[error("Upload cancelled.")]
    Cancelled,
    /// The backend planned something this version of the widget cannot do.
    #[error(
        "The server asked for a {0} upload, which this version of the widget cannot do. Try a smaller file."
    )]
    UnsupportedPlan(String),
    /// The browser would not start the request.
    #[error("The browser could not send the file ({0}).")]
    Browser(String),
    /// One part kept failing: the upload stops, and the parts already
    /// stored stay for a later resume.
    #[error(
        "Part {part_number} could not be uploaded after {attempts} tries ({reason}). Check your connection, then choose the same file again to continue where it stopped."
    )]
    PartFailed {
        part_number: u32,
        attempts: u32,
        reason: RetryReason,
    },
    /// The upload no longer exists on the server (expired or aborted).
    #[error(
        "The server no longer has this upload (it expired or was cancelled). Choose the file again to start over."
    )]
    UploadGone,
    /// Storage accepted a part without showing its `ETag` (bucket CORS).
    #[error(
        "Storage accepted a part but did not show its ETag, so the upload cannot be completed. The bucket's CORS configuration must expose the ETag header."
    )]
    MissingEtag,
    /// The file could not be read (moved, changed or no longer allowed).
    #[error("The file could not be read ({0}). Choose it again.")]
    Read(String),
    /// A multipart upload needs SHA-256 checksums, and this page has no way
    /// to compute them (WebCrypto exists only in a secure context).
    #[error(
        "Large files go up in checksummed parts, which needs the browser's WebCrypto: open this page over HTTPS (or from localhost) to upload this file."
    )]
    NoChecksum,
    /// The browser cannot read the file as media (checked before any
    /// request).
    #[error(
        "This browser cannot read this file as a video, so it was not uploaded. Choose a video file (MP4, WebM, MOV, …)."
    )]
    NotAVideo,
    /// The file reads as media without a picture (checked before any
    /// request).
    #[error("This file has no picture (sound only?), so it was not uploaded. Choose a video file.")]
    NoPicture,
}

impl From<Unplayable> for UploadError {
    fn from(refusal: Unplayable) -> Self {
        match refusal {
            Unplayable::NotMedia => UploadError::NotAVideo,
            Unplayable::NoPicture => UploadError::NoPicture,
        }
    }
}

impl UploadError {
    /// A stable code for host pages (`vidrop:error`'s `code`): the backend's
    /// own for its refusals, the shared policy's for a refused file.
    pub fn code(&self) -> &str {
        match self {
            UploadError::Policy(error) => error.code(),
            UploadError::Api(error) => error.kind(),
            UploadError::Storage { .. } => "storage_refused",
            UploadError::ConnectionLost => "connection_lost",
            UploadError::TimedOut => "timed_out",
            UploadError::Cancelled => "cancelled",
            UploadError::UnsupportedPlan(_) => "unsupported_plan",
            UploadError::Browser(_) => "browser_error",
            UploadError::PartFailed { .. } => "part_failed",
            UploadError::UploadGone => "upload_gone",
            UploadError::MissingEtag => "missing_etag",
            UploadError::Read(_) => "unreadable_file",
            UploadError::NoChecksum => "no_checksum",
            UploadError::NotAVideo => "not_a_video",
            UploadError::NoPicture => "no_picture",
        }
    }

    /// Whether the server-side upload is gone, so remembering it is useless.
    pub(crate) fn is_gone(&self) -> bool {
        match self {
            UploadError::UploadGone => true,
            UploadError::Api(error) => error.is_upload_gone(),
            _ => false,
        }
    }
}

fn storage_refusal(status: u16, error: Option<&S3Error>) -> String {
    match error {
        Some(S3Error { code, message }) if message.is_empty() => {
            format!("Storage refused the upload ({status} {code}).")
        }
        Some(S3Error { code, message }) => {
            format!("Storage refused the upload ({status} {code}: {message})")
        }
        None => format!("Storage refused the upload (HTTP {status})."),
    }
}

impl From<Cancelled> for UploadError {
    fn from(_: Cancelled) -> Self {
        UploadError::Cancelled
    }
}

impl From<XhrError> for UploadError {
    fn from(error: XhrError) -> Self {
        match error {
            XhrError::Network => UploadError::ConnectionLost,
            XhrError::Aborted => UploadError::Cancelled,
            XhrError::Timeout => UploadError::TimedOut,
            XhrError::Browser(message) => UploadError::Browser(message),
        }
    }
}

/// A file that passed the policy check, with what will be signed for it.
#[derive(Debug, Clone)]
pub struct CheckedFile {
    pub file: File,
    /// The cleaned file name the backend will store.
    pub filename: String,
    /// The normalised video content type.
    pub content_type: String,
    pub size: u64,
}

impl CheckedFile {
    /// Applies the shared upload policy to `file`, so a refusal is explained
    /// before any request. The content type is the browser's, or the one its
    /// name suggests when the browser gives none or a known misnomer
    /// ([`chosen_file_type`]).
    pub fn check(file: File, max_size: u64) -> Result<CheckedFile, UploadError> {
        let filename = clean_filename(&file.name());
        let content_type = chosen_file_type(&file.type_(), &filename);
        let size = file.size() as u64;
        let content_type = check_upload(&content_type, size, max_size)?;
        Ok(CheckedFile {
            file,
            filename,
            content_type,
            size,
        })
    }

    /// The `POST /api/uploads` body that plans an upload of this file,
    /// with the whole file's SHA-256 when it was computed (the backend binds
    /// it into a single PUT's signature), what the browser read of the
    /// video, and the size of the poster it will send.
    pub fn create_request(
        &self,
        sha256: Option<Sha256Checksum>,
        media: MediaInfo,
        poster_size: Option<u64>,
    ) -> UploadRequest {
        UploadRequest {
            upload: CreateUpload {
                filename: self.filename.clone(),
                content_type: self.content_type.clone(),
                size: self.size,
                sha256,
            },
            media,
            poster: poster_size.map(|size| PosterRequest { size }),
        }
    }
}

/// How uploads behave; from the widget's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UploadConfig {
    /// Concurrency, batching, stall timeout and the retry policy of parts
    /// (and of backend calls once bytes are going).
    pub scheduler: SchedulerConfig,
}

impl UploadConfig {
    pub fn new(concurrency: usize, stall_timeout_ms: f64, max_attempts: u32) -> Self {
        UploadConfig {
            scheduler: SchedulerConfig::new(
                concurrency,
                stall_timeout_ms,
                RetryPolicy::default().with_max_attempts(max_attempts),
            ),
        }
    }

    /// Retries of the backend calls made once an upload exists (presign,
    /// list parts, complete): as patient as parts are.
    pub fn api_retry(&self) -> RetryPolicy {
        self.scheduler.retry
    }

    /// Retries of planning the upload: short, so a backend that is down is
    /// reported quickly.
    pub fn create_retry(&self) -> RetryPolicy {
        RetryPolicy::before_upload(self.scheduler.retry.max_attempts)
    }
}

impl Default for UploadConfig {
    fn default() -> Self {
        UploadConfig::new(
            DEFAULT_CONCURRENCY,
            DEFAULT_STALL_TIMEOUT_MS,
            RetryPolicy::default().max_attempts,
        )
    }
}

/// What an upload tells its caller as it goes: facts and numbers, which the
/// widget turns into text, attributes and events.
#[derive(Debug)]
pub enum Report<'a> {
    /// An earlier upload of this file was found; its stored parts are being
    /// checked.
    Resuming { id: &'a str },
    /// Bytes start going to upload `id` (again, with another id, when a
    /// single PUT had to be planned anew).
    Started {
        id: &'a str,
        parts_total: u32,
        parts_done: u32,
        parts_resumed: u32,
    },
    /// A part is stored; `parts_done` of them so far.
    PartDone { parts_done: u32 },
    /// Bytes went out, or came back out after a failure.
    Progress(&'a ProgressTracker),
    /// A part failed and will be tried again after `delay_ms`; `attempt` is
    /// the number of the try that failed (1 for the first).
    Retry {
        part_number: u32,
        attempt: u32,
        reason: RetryReason,
        delay_ms: f64,
    },
}

/// Everything an upload step needs.
pub(crate) struct Context<'a> {
    pub api: &'a Api,
    pub file: &'a CheckedFile,
    pub control: &'a UploadControl,
    pub config: UploadConfig,
    pub report: &'a dyn Fn(Report<'_>),
    /// How parts are checksummed; `None` where the page cannot hash (then
    /// only single PUTs are possible, and nothing is resumed).
    pub hasher: Option<Sha256Backend>,
    /// The whole file's SHA-256, for a file small enough to go up in one PUT.
    pub file_sha256: Option<Sha256Checksum>,
    /// What the browser read of the video, sent with every plan of it.
    pub media: MediaInfo,
    /// The requests in flight this upload shares with the widget's others.
    pub slots: &'a Slots,
}

impl Context<'_> {
    /// Makes `call` with `policy`'s retries, unless cancelled; the answer's
    /// body, for [`read_json`](crate::api::read_json).
    pub async fn call(&self, policy: RetryPolicy, call: &ApiCall) -> Result<String, UploadError> {
        let step = async { Ok(send_with_retries(self.api, call, policy).await?) };
        self.control.unless_cancelled(step).await
    }
}

/// Makes `call` with `policy`'s retries: the one instance of [`retry_api`]
/// the widget holds.
pub async fn send_with_retries(
    api: &Api,
    call: &ApiCall,
    policy: RetryPolicy,
) -> Result<String, ApiError> {
    retry_api(policy, random, sleep, || api.send(call)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn storage_refusals_name_the_code_and_message() {
        let error = UploadError::Storage {
            status: 403,
            error: Some(S3Error {
                code: "SignatureDoesNotMatch".into(),
                message: "The request signature we calculated does not match.".into(),
            }),
        };
        assert_eq!(
            error.to_string(),
            "Storage refused the upload (403 SignatureDoesNotMatch: The request signature we calculated does not match.)"
        );
        let bare = UploadError::Storage {
            status: 503,
            error: None,
        };
        assert_eq!(bare.to_string(), "Storage refused the upload (HTTP 503).");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_failure_has_a_code_for_the_host_page() {
        assert_eq!(
            UploadError::from(XhrError::Network).code(),
            "connection_lost"
        );
        assert_eq!(UploadError::Policy(PolicyError::Empty).code(), "empty_file");
        assert_eq!(
            UploadError::Api(ApiError::Unreachable).code(),
            "unreachable"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn request_failures_read_as_sentences() {
        assert_eq!(
            UploadError::from(XhrError::Aborted).to_string(),
            "Upload cancelled."
        );
        assert!(
            UploadError::from(XhrError::Network)
                .to_string()
                .starts_with("The connection to storage was lost")
        );
    }
}
