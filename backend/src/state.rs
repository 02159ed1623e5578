//! What every handler shares: [`AppState`], passed with axum's `State`.

use crate::storage::Storage;
use std::sync::Arc;
use std::time::Duration;

/// The storage and the upload settings; cheap to clone. Nothing here changes
/// between requests: every fact about an upload lives in S3.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<Storage>,
    /// `--max-size`: the largest upload signed, in bytes.
    pub max_size: u64,
    /// `--multipart-threshold`: uploads larger than this go up in parts.
    pub multipart_threshold: u64,
    /// `--abandon-after`: how long a multipart upload may stay unfinished
    /// before the sweep aborts it.
    pub abandon_after: Duration,
}
