//! The command-line client: `vidrop put`, `vidrop get` and `vidrop upload`,
//! which talk to a running Vidrop server over HTTP exactly as any other
//! client does, and send bytes straight to the store with the URLs it signs.
//!
//! - [`put`] and [`get`]: one object by key over the `/presign` protocol
//!   (the AWS SDK for Go example's), from and to a file or the standard
//!   streams.
//! - [`upload`]: videos over the v1 upload API, in parallel parts with
//!   their SHA-256 (the widget's rule, [`vidrop_shared::parts::PartPlan`]),
//!   resumable with `--resume` thanks to a small state file per upload
//!   ([`resume`]).
//! - [`client`]: what they share: the `--server`/`--token` flags, JSON calls
//!   to the API, requests to the store, and [`client::CliError`], whose
//!   `Display` is the one line printed on failure.
//! - [`transfer`]: files as streamed request bodies, read with a bounded
//!   buffer, and their SHA-256.
//! - [`progress`]: the progress bar, drawn on standard error only when it is
//!   a terminal.
//!
//! Nothing here uses the server's modules: the client knows the server only
//! through the wire types of `vidrop_shared::api`.

pub mod client;
pub mod get;
pub mod progress;
pub mod put;
pub mod resume;
pub mod transfer;
pub mod upload;
