//! One upload from start to finish: check the file against the shared policy,
//! resume an earlier upload of the same file or plan a new one, send the
//! bytes straight to storage (one PUT, or parts through [`multipart`]), then
//! complete it and answer the stored video with its playback URL.
//!
//! Knows nothing of the view: it tells what happens through [`Report`]s and
//! ends with a `Result` whose error reads as a sentence.
//!
//! [`multipart`]: super::multipart

use crate::api::{Api, ApiError};
use crate::engine::control::UploadControl;
use crate::engine::hash::Sha256Backend;
use crate::engine::multipart::{self, Target};
use crate::engine::progress::ProgressTracker;
use crate::engine::resume::{Fingerprint, LocalResumeBook, ResumeRecord};
use crate::engine::retry::{RetryPolicy, retry_api};
use crate::engine::s3_error::S3Error;
use crate::engine::scheduler::{
    DEFAULT_CONCURRENCY, DEFAULT_STALL_TIMEOUT_MS, PartScheduler, RetryReason, SchedulerConfig,
};
use crate::engine::timer::{now_ms, random, sleep, wall_ms};
use crate::engine::xhr::XhrError;
use vidrop_shared::api::{
    CompleteUpload, CreateUpload, SingleUpload, StoredPart, UploadPlan, Video,
};
use vidrop_shared::filename::clean_filename;
use vidrop_shared::parts::PartPlan;
use vidrop_shared::policy::{PolicyError, check_upload, content_type_from_filename};
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
}

impl UploadError {
    /// Whether the server-side upload is gone, so remembering it is useless.
    fn is_gone(&self) -> bool {
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
    /// name suggests when the browser gives none.
    pub fn check(file: File, max_size: u64) -> Result<CheckedFile, UploadError> {
        let filename = clean_filename(&file.name());
        let claimed = file.type_();
        let content_type = if claimed.trim().is_empty() {
            content_type_from_filename(&filename).unwrap_or_default()
        } else {
            claimed.as_str()
        };
        let size = file.size() as u64;
        let content_type = check_upload(content_type, size, max_size)?;
        Ok(CheckedFile {
            file,
            filename,
            content_type,
            size,
        })
    }

    /// The `POST /api/uploads` body that plans an upload of this file.
    pub fn create_request(&self) -> CreateUpload {
        CreateUpload {
            filename: self.filename.clone(),
            content_type: self.content_type.clone(),
            size: self.size,
            sha256: None,
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

/// What an upload tells its caller as it goes.
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
    pub hasher: Option<Sha256Backend>,
}

impl Context<'_> {
    /// Calls the backend with `config`'s retries, unless cancelled.
    pub async fn call<T, Fut>(
        &self,
        policy: RetryPolicy,
        call: impl FnMut() -> Fut,
    ) -> Result<T, UploadError>
    where
        Fut: std::future::Future<Output = Result<T, ApiError>>,
    {
        let step = async { Ok(retry_api(policy, random, sleep, call).await?) };
        self.control.unless_cancelled(step).await
    }
}

/// Uploads `file` and returns the stored video. Resumes an earlier upload of
/// the same file when this browser remembers one; `report` hears what
/// happens, and `control` pauses, resumes or cancels.
pub async fn upload(
    api: &Api,
    file: &CheckedFile,
    control: &UploadControl,
    config: UploadConfig,
    report: impl Fn(Report<'_>),
) -> Result<Video, UploadError> {
    control.check()?;
    let cx = Context {
        api,
        file,
        control,
        config,
        report: &report,
        hasher: Sha256Backend::preferred(),
    };
    let book = LocalResumeBook::new(api.base());
    // A file that cannot be read is found out by the upload itself.
    let fingerprint = control
        .unless_cancelled(async { Ok(Fingerprint::of(&file.file, cx.hasher).await.ok()) })
        .await?;

    if let Some(fingerprint) = &fingerprint
        && let Some(record) = book.find(fingerprint)
    {
        match stored_parts(&cx, &record).await? {
            Some((plan, stored)) => {
                return upload_parts(&cx, &book, &record.id, &record.upload_id, plan, &stored)
                    .await;
            }
            // Gone from the server: start afresh.
            None => book.forget(&record.id),
        }
    }

    let request = file.create_request();
    let plan = cx
        .call(cx.config.create_retry(), || api.create_upload(&request))
        .await?;
    match plan {
        UploadPlan::Single(single) => upload_single(&cx, single).await,
        UploadPlan::Multipart(multipart) => {
            let plan =
                match PartPlan::announced(file.size, multipart.part_size, multipart.part_count) {
                    // The backend signs parts only with their checksums.
                    Some(_) if cx.hasher.is_none() => Err(UploadError::NoChecksum),
                    Some(plan) => Ok(plan),
                    None => Err(UploadError::Api(ApiError::BadAnswer(format!(
                        "{} parts of {} bytes for a file of {} bytes",
                        multipart.part_count, multipart.part_size, file.size
                    )))),
                };
            let plan = match plan {
                Ok(plan) => plan,
                Err(refusal) => {
                    abort_on_server(&cx, &multipart.id, &multipart.upload_id).await;
                    return Err(refusal);
                }
            };
            if let Some(fingerprint) = fingerprint {
                book.remember(ResumeRecord {
                    fingerprint,
                    id: multipart.id.clone(),
                    upload_id: multipart.upload_id.clone(),
                    part_size: multipart.part_size,
                    part_count: multipart.part_count,
                    saved_at_ms: wall_ms(),
                });
            }
            upload_parts(&cx, &book, &multipart.id, &multipart.upload_id, plan, &[]).await
        }
    }
}

/// What the store holds of the remembered upload `record`: its plan and its
/// stored parts; `None` when it no longer exists (or the record is
/// unusable), and the file should be uploaded afresh.
async fn stored_parts(
    cx: &Context<'_>,
    record: &ResumeRecord,
) -> Result<Option<(PartPlan, Vec<StoredPart>)>, UploadError> {
    let Some(plan) = record.plan() else {
        return Ok(None);
    };
    if cx.hasher.is_none() {
        return Ok(None);
    }
    (cx.report)(Report::Resuming { id: &record.id });
    let stored = cx
        .call(cx.config.api_retry(), || {
            cx.api.list_parts(&record.id, &record.upload_id)
        })
        .await;
    let stored = match stored {
        Ok(stored) => stored.parts,
        Err(error) if error.is_gone() => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(Some((plan, stored)))
}

/// Sends the parts of multipart upload `id` (S3's `upload_id`) the store
/// does not have in `stored`, then completes it. A cancel aborts it on the
/// server; either way, the record is forgotten unless the upload can still
/// be resumed.
async fn upload_parts(
    cx: &Context<'_>,
    book: &LocalResumeBook,
    id: &str,
    upload_id: &str,
    plan: PartPlan,
    stored: &[StoredPart],
) -> Result<Video, UploadError> {
    let outcome = async {
        let mut scheduler = PartScheduler::new(plan, cx.config.scheduler, cx.hasher.is_some());
        for part in stored {
            scheduler.mark_stored(part);
        }
        let mut target = Target::Multipart {
            id: id.to_owned(),
            upload_id: upload_id.to_owned(),
        };
        let mut tracker = ProgressTracker::resumed(cx.file.size, scheduler.loaded(), now_ms());
        multipart::run(cx, &mut scheduler, &mut target, &mut tracker).await?;
        let parts = scheduler
            .completed_parts()
            .expect("run returns once every part is done");
        let body = CompleteUpload {
            upload_id: Some(upload_id.to_owned()),
            parts,
        };
        let video = cx
            .call(cx.config.api_retry(), || cx.api.complete_upload(id, &body))
            .await?;
        tracker.finish(now_ms());
        (cx.report)(Report::Progress(&tracker));
        Ok(video)
    }
    .await;
    match &outcome {
        Ok(_) => book.forget(id),
        Err(UploadError::Cancelled) => {
            abort_on_server(cx, id, upload_id).await;
            book.forget(id);
        }
        Err(error) if error.is_gone() => book.forget(id),
        Err(_) => {}
    }
    outcome
}

/// One PUT of the whole file, then the backend's confirmation.
async fn upload_single(cx: &Context<'_>, single: SingleUpload) -> Result<Video, UploadError> {
    let single = multipart::put_plan(single)?;
    let plan = PartPlan::announced(cx.file.size, cx.file.size.max(1), 1)
        .expect("one part of the whole size is always a valid plan");
    let mut scheduler = PartScheduler::new(plan, cx.config.scheduler, false);
    let mut target = Target::Single {
        plan: single,
        fresh: true,
    };
    let mut tracker = ProgressTracker::new(cx.file.size, now_ms());
    multipart::run(cx, &mut scheduler, &mut target, &mut tracker).await?;
    let id = target.id().to_owned();
    // The backend confirms the object and answers the video. A backend
    // older than `/complete` answers 404 or 405: ask for the video instead.
    let confirm = CompleteUpload {
        upload_id: None,
        parts: Vec::new(),
    };
    let confirmed = cx
        .call(cx.config.api_retry(), || {
            cx.api.complete_upload(&id, &confirm)
        })
        .await;
    let video = match confirmed {
        Err(UploadError::Api(error)) if matches!(error.status(), Some(404 | 405)) => {
            cx.call(cx.config.api_retry(), || cx.api.video(&id)).await
        }
        other => other,
    }?;
    tracker.finish(now_ms());
    (cx.report)(Report::Progress(&tracker));
    Ok(video)
}

/// Aborts the multipart upload on the server, best effort: if this fails,
/// the bucket's lifecycle rule for incomplete uploads cleans up.
async fn abort_on_server(cx: &Context<'_>, id: &str, upload_id: &str) {
    let policy = cx.config.create_retry();
    let _ = retry_api(policy, random, sleep, || cx.api.abort_upload(id, upload_id)).await;
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
