//! One upload from start to finish: check the file against the shared policy,
//! ask the backend for a presigned PUT, send the file straight to storage,
//! then fetch the stored video with its playback URL.
//!
//! Knows nothing of the view: it reports progress through a callback and ends
//! with a `Result` whose error reads as a sentence.

use crate::api::{Api, ApiError};
use crate::engine::progress::ProgressTracker;
use crate::engine::s3_error::{S3Error, parse_s3_error};
use crate::engine::xhr::{self, AbortHandle, XhrError};
use std::cell::RefCell;
use std::rc::Rc;
use vidrop_shared::api::{CreateUpload, UploadPlan, Video};
use vidrop_shared::filename::clean_filename;
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
}

/// Stops an upload from outside it (the Cancel button), whatever step it is
/// at: before the PUT it prevents it, during the PUT it aborts it.
#[derive(Debug, Clone, Default)]
pub struct Canceller(Rc<RefCell<CancelState>>);

#[derive(Debug, Default)]
struct CancelState {
    cancelled: bool,
    request: Option<AbortHandle>,
}

impl Canceller {
    pub fn cancel(&self) {
        let mut state = self.0.borrow_mut();
        state.cancelled = true;
        if let Some(request) = state.request.take() {
            // Release the borrow first: `abort` fires the request's listeners
            // synchronously.
            drop(state);
            request.abort();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.borrow().cancelled
    }

    fn check(&self) -> Result<(), UploadError> {
        if self.is_cancelled() {
            Err(UploadError::Cancelled)
        } else {
            Ok(())
        }
    }

    fn attach(&self, request: Option<AbortHandle>) {
        self.0.borrow_mut().request = request;
    }
}

/// Uploads `file` and returns the stored video. `on_progress` is called as
/// bytes go out, and once more when storage has accepted them all (the only
/// time it reads 100 %).
pub async fn upload(
    api: &Api,
    file: &CheckedFile,
    canceller: &Canceller,
    on_progress: impl Fn(&ProgressTracker) + 'static,
) -> Result<Video, UploadError> {
    canceller.check()?;
    let plan = api
        .create_upload(&CreateUpload {
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size: file.size,
            sha256: None,
        })
        .await?;
    let single = match plan {
        UploadPlan::Single(single) => single,
        UploadPlan::Multipart(multipart) => {
            // Leave no half-started upload behind in the bucket; if this
            // fails, the bucket's lifecycle rule for incomplete uploads is
            // what cleans up.
            let _ = api.abort_upload(&multipart.id, &multipart.upload_id).await;
            return Err(UploadError::UnsupportedPlan("multipart".into()));
        }
    };
    canceller.check()?;
    if !single.method.eq_ignore_ascii_case("PUT") {
        return Err(UploadError::UnsupportedPlan(single.method));
    }

    let tracker = Rc::new(RefCell::new(ProgressTracker::new(file.size, now_ms())));
    let on_progress = Rc::new(on_progress);
    on_progress(&tracker.borrow());
    let request = {
        let (tracker, on_progress) = (tracker.clone(), on_progress.clone());
        xhr::put(&single.url, &single.headers, &file.file, move |loaded| {
            let mut tracker = tracker.borrow_mut();
            tracker.update(loaded, now_ms());
            on_progress(&tracker);
        })?
    };
    canceller.attach(Some(request.abort_handle()));
    let answer = request.response().await;
    canceller.attach(None);
    let answer = answer?;
    if !answer.is_success() {
        return Err(UploadError::Storage {
            status: answer.status,
            error: parse_s3_error(&answer.body),
        });
    }
    tracker.borrow_mut().finish(now_ms());
    on_progress(&tracker.borrow());

    Ok(api.video(&single.id).await?)
}

/// Milliseconds from a monotonic clock.
fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
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
