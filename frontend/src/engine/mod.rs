//! The upload engine: everything between "the user chose a file" and "the
//! video is stored", with no knowledge of the view.
//!
//! - [`upload`](mod@upload): one upload, step by step ([`upload::upload`]):
//!   the policy check ([`upload::CheckedFile`]), resume or plan, send,
//!   complete; what it reports ([`upload::Report`]) and its errors.
//! - [`multipart`]: the loop that runs a [`scheduler::PartScheduler`] in the
//!   browser (hash, presign, PUT, retry, pause); single PUTs go through it
//!   as a plan of one part.
//! - [`scheduler`]: which part to hash, sign and send next, retries, stalls
//!   and progress counting (pure Rust).
//! - [`retry`]: backoff with jitter and what is worth retrying (pure Rust).
//! - [`hash`]: SHA-256 of a `Blob`, by WebCrypto or (feature `wasm-sha256`)
//!   the `sha2` crate.
//! - [`resume`]: a file's fingerprint and the uploads remembered in
//!   `localStorage` for resuming after a reload.
//! - [`control`]: pause, resume and cancel from outside.
//! - [`xhr`]: the `XMLHttpRequest` PUT that streams a `Blob` and reports
//!   progress.
//! - [`progress`]: percent, speed and time left, from timestamps (pure Rust).
//! - [`s3_error`]: reading S3's XML error answers (pure Rust).
//! - [`timer`]: clocks, `setTimeout` and random numbers.

pub mod control;
pub mod hash;
pub mod multipart;
pub mod progress;
pub mod resume;
pub mod retry;
pub mod s3_error;
pub mod scheduler;
pub mod timer;
pub mod upload;
pub mod xhr;

pub use control::UploadControl;
pub use progress::{ProgressSnapshot, ProgressTracker};
pub use scheduler::RetryReason;
pub use upload::{CheckedFile, Report, UploadConfig, UploadError, upload};
