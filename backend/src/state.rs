//! What every handler shares: [`AppState`], passed with axum's `State`.

use crate::storage::Storage;
use std::sync::Arc;

/// The storage and the upload limit; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<Storage>,
    /// `--max-size`: the largest upload signed, in bytes.
    pub max_size: u64,
}

impl AppState {
    pub fn new(storage: Storage, max_size: u64) -> AppState {
        AppState {
            storage: Arc::new(storage),
            max_size,
        }
    }
}
