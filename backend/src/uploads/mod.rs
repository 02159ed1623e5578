//! The uploads service: the rules of an upload, from its plan to the video
//! it becomes. The handlers of `/api/uploads` and `/api/uploads/{id}/parts`
//! call one function here each; nothing here knows of HTTP beyond
//! [`AppError`](crate::error::AppError).
//!
//! Every upload starts with a manifest object
//! ([`Manifest`](crate::manifest::Manifest)) holding the approved facts,
//! which every later step reads, since the server keeps nothing between
//! requests; or, for a multipart upload whose client sends back the plan's
//! handle ([`crate::handle`]), the same facts sealed by the server, so that
//! a batch of parts costs no S3 call and a completion three. A handle only
//! stands for the manifest read: it is honoured where the manifest would
//! have said the same, and ignored otherwise (`pending::sealed_upload`).
//! Up to `--multipart-threshold` bytes, an upload is one
//! presigned PUT that can only create its object (`If-None-Match: *`).
//! Above it, the upload is multipart: S3 starts it, and each part is
//! presigned with its length and SHA-256. Every step checks the caller's
//! [`Scope`](crate::access::Scope): uploads outside it answer `404`.
//!
//! - [`plan_upload`]: a new id and key, then a presigned PUT or a multipart
//!   upload with its manifest (and the poster's presigned PUT, when one is
//!   announced; see [`crate::poster`]).
//! - [`sign_parts`], [`stored_parts`]: presigned `UploadPart`s binding each
//!   part's length and SHA-256; the parts S3 holds (to resume).
//! - [`complete_upload`]: completes (for a multipart upload), verifies what
//!   S3 stored against what was approved, and answers the video.
//! - [`abort_upload`]: gives a multipart upload up.
//! - [`settle`]: an object's first (and only) verification, also used by the
//!   sweep; the one place a video is ever deleted.
//! - [`admit_upload`]: the policy, the scope's types and its quota, the
//!   same for every way an upload's bytes travel (relay mode's included).
//! - `quota`: counts the uploads of a token that limits them.

mod abort;
mod admit;
mod complete;
mod parts;
mod pending;
mod plan;
mod quota;
mod verify;

pub use abort::abort_upload;
pub use admit::admit_upload;
pub use complete::complete_upload;
pub use parts::{sign_parts, stored_parts};
pub use plan::plan_upload;
pub use verify::{Settled, settle};
