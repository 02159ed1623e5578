//! The upload engine: everything between "the user chose a file" and "the
//! video is stored". It knows nothing of the view: it reports facts and
//! numbers ([`Report`]: ids, part counts, bytes, retries) and ends with a
//! `Result`; the widget turns them into text, attributes and events.
//!
//! # Layout
//!
//! From the modules that import no other module of the engine to the one
//! that imports most; no module imports one listed after it, so there is no
//! cycle.
//!
//! - [`timer`]: the browser's clocks, `setTimeout` and random numbers.
//! - [`xhr`]: the `XMLHttpRequest` PUT that streams a `Blob` and reports
//!   progress.
//! - [`s3_error`]: S3's XML error answers, read by the browser's `DOMParser`.
//! - [`probe`]: what the browser reads of a video before it goes up
//!   (duration, frame size, a JPEG poster), and which files it refuses.
//! - [`progress`]: bytes, percent, speed and time left, from timestamps
//!   (pure Rust).
//! - [`control`]: pause, resume and cancel from outside.
//! - [`adaptive`]: how many parts go at once when the page does not say,
//!   found by measuring the bytes each more part moves (pure Rust).
//! - [`slots`]: the requests in flight the widget's uploads share.
//! - [`retry`]: backoff with jitter and what is worth retrying (pure Rust).
//! - [`scheduler`]: which part to hash, sign and send next, retries, stalls
//!   and the bytes counted (pure Rust).
//! - [`hash`]: SHA-256 of a `Blob`, by WebCrypto or (feature `wasm-sha256`)
//!   the `sha2` crate.
//! - [`resume`]: a file's fingerprint and the uploads remembered in
//!   `localStorage`, until they expire, for resuming after a reload.
//! - [`context`]: what every step shares: [`CheckedFile`] (the policy
//!   check), [`UploadConfig`], [`Report`], [`UploadError`] and the step
//!   context.
//! - [`transfer`]: a [`scheduler::PartScheduler`] run against the browser
//!   (hash, presign, PUT, retry, pause), for any upload: a single PUT is a
//!   plan of one part.
//! - [`upload`](mod@upload): one upload, step by step ([`upload()`]): resume
//!   or plan, transfer, complete.

pub mod adaptive;
pub mod context;
pub mod control;
pub mod hash;
pub mod part_set;
pub mod probe;
pub mod progress;
pub mod resume;
pub mod retry;
pub mod s3_error;
pub mod scheduler;
pub mod slots;
pub mod timer;
pub mod transfer;
pub mod upload;
pub mod xhr;

pub use context::{CheckedFile, Report, UploadConfig, UploadError};
pub use control::UploadControl;
pub use progress::ProgressTracker;
pub use scheduler::RetryReason;
pub use slots::Slots;
pub use upload::upload;
