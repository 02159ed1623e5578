//! Wire types and rules shared by the Vidrop backend and the widget.
//!
//! Everything a rule says is written here once, and both sides call it: the
//! backend to decide what it signs, the widget to explain a refusal before it
//! sends a byte. Nothing here does IO or knows about axum, Leptos or the
//! network, so the crate compiles for `wasm32-unknown-unknown` and native alike.
//!
//! # Layout
//! - [`api`]: request and response bodies of the HTTP API (the v1 contract).
//! - [`checksum`]: how a SHA-256 checksum is written on the wire.
//! - [`container`]: what the first bytes of each video container look like.
//! - [`keys`]: object key syntax: video keys (`videos/<ULID>.<ext>`), ids, and
//!   which keys the `/presign` protocol may use.
//! - [`policy`]: which uploads are accepted (content type, size).
//! - [`media`]: what a browser reads of a video (duration, frame size) and
//!   the poster it sends: their limits and metadata names.
//! - [`filename`]: cleaning a user's file name and carrying it through S3
//!   metadata and `Content-Disposition`.
//! - [`parts`]: how a multipart upload cuts a file into parts.
//! - [`limits`]: S3's own limits, as constants.

pub mod api;
pub mod checksum;
pub mod container;
pub mod filename;
pub mod keys;
pub mod limits;
pub mod media;
pub mod parts;
pub mod policy;
