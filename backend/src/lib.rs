//! Vidrop's backend: an axum server that presigns S3 uploads and playback for
//! the Vidrop widget. The browser PUTs a video straight to S3 with a URL signed
//! here, and plays it straight from S3 with a presigned GET; this server
//! carries no video bytes, but in relay mode (`--relay`, off by default) for
//! clients that cannot reach S3. Every fact lives in S3 (objects, their
//! metadata, and the manifests of multipart uploads in progress), so any
//! number of instances can run side by side.
//!
//! Without `--bucket` the server starts its own S3 API in-process (the
//! embedded store), so `vidrop serve` needs nothing else to run.
//!
//! # Layout
//! - [`config`]: `vidrop serve`'s flags ([`ServeArgs`]), each with an
//!   environment fallback.
//! - [`server`]: [`Server`]: start (bind, storage, routes) and graceful
//!   shutdown; what the binary and the tests run.
//! - [`routes`]: the router, and one module of thin handlers per resource
//!   (`health`, `uploads`, `parts`, `videos`, `presign`): each extracts, calls
//!   one service function, and answers.
//! - [`uploads`]: the uploads service: plan (one presigned PUT, or a
//!   multipart upload and its manifest), sign and list parts, complete and
//!   verify, abort.
//! - [`videos`]: the videos service: list, show, find one, and describe an
//!   object as a video with a presigned GET (and its poster's).
//! - [`poster`]: a video's poster: the presigned PUT that creates it, its
//!   deletion with an upload given up.
//! - [`presign`]: the AWS SDK for Go example's `/presign` protocol, Go's
//!   canonical header names included.
//! - [`relay`]: relay mode (`--relay`, off by default): videos streamed
//!   through the server into S3 and back, with a disk cache of downloads;
//!   the one place the server carries video bytes.
//! - [`video_id`]: the check of a video id named in a path.
//! - [`manifest`]: [`manifest::Manifest`], the approved facts of a multipart
//!   upload, kept as a JSON object in S3 while it is in progress.
//! - [`handle`]: [`handle::HandleKey`], the same facts sealed (HMAC-SHA256)
//!   into the upload handle the client sends back, so that signing parts
//!   and completing need not read the manifest.
//! - [`metrics`]: [`metrics::Metrics`], the figures `GET /metrics` answers.
//! - [`metadata`]: the file name percent-encoded into S3 metadata, what
//!   the browser read of the video (duration, width, height) beside it, and
//!   the `Content-Disposition` of playback URLs.
//! - [`sweep`]: [`sweep::sweep_abandoned`], which aborts multipart uploads
//!   left unfinished, run at start and every hour.
//! - [`state`]: [`state::AppState`], the storage and upload settings the
//!   handlers pass to the services.
//! - [`storage`]: the `aws-sdk-s3` client, bucket and presigner.
//! - [`embedded`]: the in-process S3 store (s3s + s3s-fs) behind CORS.
//! - [`error`]: [`error::AppError`], the JSON error answers, and extractors
//!   whose rejections answer the same way.
//! - [`http_log`]: the `tracing` span of each HTTP request (method and path,
//!   never the query).
//! - [`test_store`]: the store the test suites run on (the embedded one, or
//!   the S3-compatible store `VIDROP_TEST_S3_ENDPOINT` names); unused by
//!   `vidrop serve`.
//! - [`cli`]: the command-line client (`vidrop put|get|upload`), which talks to a server over HTTP only.
//!
//! Handlers use the services; the services use `storage`, `manifest`,
//! `handle`, `metadata`, `poster`, `video_id`, `state` and `error` (and
//! `uploads` uses `videos`); nothing uses `routes` but `server`, and nothing uses `server`
//! but the crate root and, until it moves into its own crate, `embedded`.
//! `tests/architecture.rs` checks these rules and that no module cycle exists.

pub mod access;
pub mod cli;
pub mod config;
pub mod error;
pub mod guard;
pub mod handle;
pub mod http_log;
pub mod manifest;
pub mod metadata;
pub mod metrics;
pub mod poster;
pub mod presign;
pub mod region;
pub mod relay;
pub mod routes;
pub mod server;
pub mod serving;
pub mod state;
pub mod storage;
pub mod sweep;
pub mod test_store;
pub mod uploads;
pub mod video_id;
pub mod videos;

pub use config::ServeArgs;
pub use server::{Server, StartError};
pub use vidrop_store::EmbeddedStore;
