//! Vidrop's backend: an axum server that presigns S3 uploads and playback for
//! the Vidrop widget. The browser PUTs a video straight to S3 with a URL signed
//! here, and plays it straight from S3 with a presigned GET; this server never
//! carries video bytes. Every fact lives in S3 (objects, their metadata, and
//! the manifests of multipart uploads in progress), so any number of
//! instances can run side by side.
//!
//! Without `--bucket` the server starts its own S3 API in-process (the
//! embedded store), so `vidrop serve` needs nothing else to run.
//!
//! # Layout
//! - [`config`]: `vidrop serve`'s flags ([`ServeArgs`]), each with an
//!   environment fallback.
//! - [`server`]: [`Server`]: start (bind, storage, routes) and graceful
//!   shutdown; what the binary and the tests run.
//! - [`state`]: [`state::AppState`], shared by the handlers.
//! - [`routes`]: one module per resource: `health`, `uploads` (create,
//!   complete, abort), `parts` (sign, list), `videos`, and `presign` (the AWS
//!   SDK for Go example's protocol).
//! - [`manifest`]: [`manifest::Manifest`], the approved facts of a multipart
//!   upload, kept as a JSON object in S3 while it is in progress.
//! - [`sweep`]: [`sweep::sweep_abandoned`], which aborts multipart uploads
//!   left unfinished, run at start and every hour.
//! - [`storage`]: the `aws-sdk-s3` client, bucket and presigner.
//! - [`embedded`]: the in-process S3 store (s3s + s3s-fs) behind CORS.
//! - [`error`]: [`error::AppError`], the JSON error answers, and extractors
//!   whose rejections answer the same way.

pub mod config;
pub mod embedded;
pub mod error;
pub mod manifest;
pub mod routes;
pub mod server;
pub mod state;
pub mod storage;
pub mod sweep;

pub use config::ServeArgs;
pub use embedded::EmbeddedStore;
pub use server::{Server, StartError};
