//! Relay mode (`vidrop serve --relay`; off by default), for clients that
//! cannot reach S3 themselves: the one place the backend carries video
//! bytes. Everywhere else it only signs URLs.
//!
//! - `POST /api/relay` ([`upload::relay_upload`]) streams the request body
//!   into S3 under the rules of `POST /api/uploads`: admission, key, first
//!   bytes checked, one `PutObject` or a multipart upload with at most two
//!   parts in memory, nothing stored for a refused or broken body.
//! - `GET /api/relay/{id}` ([`download::relay_download`]) streams a video
//!   back under the read rules of `GET /api/videos/{id}`, with `Range`,
//!   `If-None-Match` and `If-Range` answered ([`ranges`]); with
//!   `--cache-dir`, through a disk cache ([`cache`], filled by [`fill`]).
//! - `DELETE /api/relay/cache` empties the cache (operators only).
//!
//! A relayed body has no overall time limit, as an upload of gigabytes may
//! take long: it fails when no byte comes for `--request-timeout` seconds
//! (the idle limit, [`Relay::idle_timeout`]), which also bounds how long a
//! download waits on another's cache fill or on S3 between two chunks.

pub mod body;
pub mod cache;
pub mod download;
pub mod fill;
pub mod ranges;
pub mod upload;

use crate::metrics::Metrics;
use cache::{CacheSettings, RelayCache};
use std::sync::Arc;
use std::time::Duration;

/// Relay mode's settings and cache, shared by its handlers.
pub struct Relay {
    /// The longest wait for a body's next chunk, for S3's next chunk, or
    /// for another request's cache fill.
    pub idle_timeout: Duration,
    /// The download cache, with `--cache-dir`.
    pub cache: Option<Arc<RelayCache>>,
    pub metrics: Arc<Metrics>,
}

impl Relay {
    /// Relay mode with `cache` (opened, and emptied, now) if given.
    pub fn start(
        idle_timeout: Duration,
        cache: Option<CacheSettings>,
        metrics: Arc<Metrics>,
    ) -> Result<Relay, String> {
        let cache = cache
            .map(|settings| {
                let dir = settings.dir.clone();
                RelayCache::open(settings, metrics.relay().clone())
                    .map(Arc::new)
                    .map_err(|err| format!("--cache-dir {}: {err}", dir.display()))
            })
            .transpose()?;
        Ok(Relay {
            idle_timeout,
            cache,
            metrics,
        })
    }
}
