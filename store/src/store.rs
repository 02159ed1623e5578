//! Starting and stopping the store: [`start`] prepares the data folder and
//! its bucket, draws this run's credentials and serves the S3 API on a new
//! loopback port; [`RunningStore::stop`] ends it.

use crate::credentials::{KeyPair, redact};
use crate::keys::EMBEDDED_BUCKET;
use crate::service;
use crate::serving::Serving;
use axum::http::HeaderValue;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use tokio::net::TcpListener;

/// The region clients sign for unless [`StoreConfig::region`] says another
/// (AWS's default).
pub const EMBEDDED_REGION: &str = "us-east-1";

/// What [`start`] needs. The store always listens on `127.0.0.1:0`: it is
/// reached by this machine's browsers and backend only.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// The store's root folder, created if missing. The bucket is the folder
    /// `<data_dir>/vidrop`, one file per object; s3s-fs keeps its records
    /// (metadata, multipart uploads in progress) beside it.
    pub data_dir: PathBuf,
    /// The origins whose pages may PUT, GET and HEAD objects (CORS), such
    /// as `http://127.0.0.1:8080`.
    pub cors_origins: Vec<HeaderValue>,
    /// The region the bucket is in: requests signed for another are refused
    /// as AWS refuses them, naming this one, and HeadBucket tells it
    /// (`x-amz-bucket-region`). [`EMBEDDED_REGION`] by default.
    pub region: String,
}

impl StoreConfig {
    /// A store in `data_dir`, in [`EMBEDDED_REGION`], that no browser origin
    /// may reach.
    pub fn new(data_dir: impl Into<PathBuf>) -> StoreConfig {
        StoreConfig {
            data_dir: data_dir.into(),
            cors_origins: Vec::new(),
            region: EMBEDDED_REGION.to_owned(),
        }
    }
}

/// The running store, as clients, tests and logs see it.
#[derive(Clone)]
pub struct EmbeddedStore {
    /// Where the S3 API answers: `http://127.0.0.1:PORT` (a new port each start).
    pub endpoint: String,
    /// The bucket's name: [`EMBEDDED_BUCKET`].
    pub bucket: String,
    /// The bucket's region ([`StoreConfig::region`]).
    pub region: String,
    /// The store's root folder ([`StoreConfig::data_dir`], made absolute).
    pub data_dir: PathBuf,
    /// The bucket's folder, holding one file per object (`<bucket_dir>/<key>`).
    pub bucket_dir: PathBuf,
    /// This run's access key id.
    pub access_key: String,
    /// This run's secret key: for clients that sign requests; never logged.
    pub secret_key: String,
    /// S3 requests answered since the start (CORS preflights left out).
    requests: Arc<AtomicU64>,
}

impl EmbeddedStore {
    /// How many S3 requests the store has answered since it started (CORS
    /// preflights left out): what a client's calls cost, for tests and
    /// benchmarks.
    pub fn requests_answered(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

impl fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("data_dir", &self.data_dir)
            .field("bucket_dir", &self.bucket_dir)
            .field("access_key", &redact(&self.access_key))
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Why the store could not start.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot use the data folder {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the store in {path}: {message}")]
    Store { path: PathBuf, message: String },
    #[error("cannot listen on a loopback port: {0}")]
    Bind(std::io::Error),
    #[error("cannot read random bytes for credentials: {0}")]
    Random(String),
}

/// A store serving requests until [`RunningStore::stop`].
pub struct RunningStore {
    store: EmbeddedStore,
    serving: Serving,
}

impl fmt::Debug for RunningStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunningStore")
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl RunningStore {
    /// Where the store answers and with which credentials.
    pub fn store(&self) -> &EmbeddedStore {
        &self.store
    }

    /// Stops accepting requests, lets those in flight finish for at most ten
    /// seconds, then drops them. The port is closed when this returns; the
    /// data stays for the next start on the same folder.
    pub async fn stop(self) {
        self.serving.stop().await;
        tracing::info!(endpoint = %self.store.endpoint, "embedded S3 store stopped");
    }
}

/// Starts the store with its data in `config.data_dir` (objects and
/// multipart uploads in progress of an earlier run included), fresh random
/// credentials, and its bucket created if missing. Returns once requests are
/// accepted.
pub async fn start(config: StoreConfig) -> Result<RunningStore, StoreError> {
    let StoreConfig {
        data_dir,
        cors_origins,
        region,
    } = config;
    let data_error = |path: &PathBuf| {
        let path = path.clone();
        move |source| StoreError::DataDir { path, source }
    };
    tokio::fs::create_dir_all(&data_dir)
        .await
        .map_err(data_error(&data_dir))?;
    let root = tokio::fs::canonicalize(&data_dir)
        .await
        .map_err(data_error(&data_dir))?;
    // The bucket is a folder to s3s-fs: making it here is CreateBucket
    // without a client, and leaves an existing one (and its objects) alone.
    let bucket_dir = root.join(EMBEDDED_BUCKET);
    tokio::fs::create_dir_all(&bucket_dir)
        .await
        .map_err(data_error(&bucket_dir))?;

    let keys = KeyPair::generate().map_err(|err| StoreError::Random(err.to_string()))?;
    let service = service::s3_service(&root, &keys).map_err(|message| StoreError::Store {
        path: root.clone(),
        message,
    })?;
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(StoreError::Bind)?;
    let addr = listener.local_addr().map_err(StoreError::Bind)?;
    let requests = Arc::new(AtomicU64::new(0));
    let serving = Serving::spawn(
        listener,
        service::router(service, cors_origins, &region, Arc::clone(&requests)),
    );

    let store = EmbeddedStore {
        endpoint: format!("http://{addr}"),
        bucket: EMBEDDED_BUCKET.to_owned(),
        region,
        bucket_dir,
        data_dir: root,
        access_key: keys.access_key,
        secret_key: keys.secret_key,
        requests,
    };
    tracing::info!(
        endpoint = %store.endpoint,
        data_dir = %store.data_dir.display(),
        access_key = %redact(&store.access_key),
        "embedded S3 store listening"
    );
    Ok(RunningStore { store, serving })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_secret() {
        let store = EmbeddedStore {
            endpoint: "http://127.0.0.1:1".into(),
            bucket: EMBEDDED_BUCKET.into(),
            region: EMBEDDED_REGION.into(),
            data_dir: "/d".into(),
            bucket_dir: "/d/vidrop".into(),
            access_key: "VDABCDEFGH".into(),
            secret_key: "s3cr3t-value".into(),
            requests: Arc::default(),
        };
        let shown = format!("{store:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("VDABCDEFGH"), "{shown}");
        assert!(shown.contains("VDAB"), "{shown}");
    }
}
