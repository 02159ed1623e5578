//! The upload engine: everything between "the user chose a file" and "the
//! video is stored", with no knowledge of the view.
//!
//! - [`upload`](mod@upload): one upload, step by step ([`upload::upload`]), the policy
//!   check ([`upload::CheckedFile`]) and cancellation ([`upload::Canceller`]).
//! - [`xhr`]: the `XMLHttpRequest` PUT that streams a `File` and reports
//!   progress.
//! - [`progress`]: percent, speed and time left, from timestamps (pure Rust).
//! - [`s3_error`]: reading S3's XML error answers (pure Rust).

pub mod progress;
pub mod s3_error;
pub mod upload;
pub mod xhr;

pub use progress::{ProgressSnapshot, ProgressTracker};
pub use upload::{Canceller, CheckedFile, UploadError, upload};
