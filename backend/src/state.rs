//! What every handler shares: [`AppState`], passed with axum's `State`, and
//! handed on to the services that need the upload settings.

use crate::access::{Access, MintLimits};
use crate::metrics::Metrics;
use crate::relay::Relay;
use crate::storage::Storage;
use crate::videos::MetadataCache;
use axum::extract::FromRef;
use std::sync::Arc;
use std::time::Duration;

/// The storage, the access rules and the upload settings; cheap to clone.
/// Nothing here changes between requests: every fact about an upload lives
/// in S3 (the metadata cache holds facts of objects that never change).
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<Storage>,
    pub access: Arc<Access>,
    /// `--max-size`: the largest upload signed, in bytes.
    pub max_size: u64,
    /// `--multipart-threshold`: uploads larger than this go up in parts.
    pub multipart_threshold: u64,
    /// `--abandon-after`: how long a multipart upload may stay unfinished
    /// before the sweep aborts it.
    pub abandon_after: Duration,
    /// `--presign-prefix`: where the `/presign` protocol may reach; `None`
    /// with `/presign` open to any key (local development) or off.
    pub presign_prefix: Option<String>,
    /// `--max-token-lifetime`.
    pub max_token_lifetime: Duration,
    /// File names and types of video objects, by key.
    pub video_metadata: Arc<MetadataCache>,
    /// What the service has done, for `GET /metrics`.
    pub metrics: Arc<Metrics>,
    /// Relay mode (`--relay`) and its download cache; `None` when off.
    pub relay: Option<Arc<Relay>>,
}

impl AppState {
    /// The limits a token request is checked against.
    pub fn mint_limits(&self) -> MintLimits {
        MintLimits {
            max_size: self.max_size,
            max_lifetime: self.max_token_lifetime,
        }
    }
}

impl FromRef<AppState> for Arc<Access> {
    fn from_ref(state: &AppState) -> Arc<Access> {
        Arc::clone(&state.access)
    }
}
