//! What the store's tests share: a store on `127.0.0.1:0` in a temporary
//! folder, an `aws-sdk-s3` client with the SDK's default settings (checksums
//! included), a snapshot of the data folder to prove that a refusal wrote
//! nothing, and a way to see the headers the SDK sent.

#![allow(dead_code)] // each test file uses a part

use aws_sdk_s3::Client;
use aws_sdk_s3::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_s3::config::{ConfigBag, Credentials, Intercept, Region, RuntimeComponents};
use aws_sdk_s3::error::{BoxError, ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;
use tempfile::TempDir;
use vidrop_store::{EmbeddedStore, RunningStore, StoreConfig};

pub const MIB: usize = 1024 * 1024;

/// A running store and the folder it keeps its data in.
pub struct TestStore {
    pub dir: TempDir,
    pub running: RunningStore,
}

impl TestStore {
    /// A store in a fresh temporary folder.
    pub async fn start() -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let running = start_in(dir.path(), Vec::new()).await;
        TestStore { dir, running }
    }

    /// A store letting `origins` in (CORS).
    pub async fn start_with_origins(origins: &[&str]) -> TestStore {
        let dir = tempfile::tempdir().unwrap();
        let origins = origins.iter().map(|o| o.parse().unwrap()).collect();
        let running = start_in(dir.path(), origins).await;
        TestStore { dir, running }
    }

    pub fn store(&self) -> &EmbeddedStore {
        self.running.store()
    }

    pub fn bucket(&self) -> String {
        self.store().bucket.clone()
    }

    /// A client with the SDK's default settings.
    pub fn s3(&self) -> Client {
        client(self.store())
    }

    /// Stops the store and starts another on the same folder.
    pub async fn restart(self) -> TestStore {
        let TestStore { dir, running } = self;
        running.stop().await;
        let running = start_in(dir.path(), Vec::new()).await;
        TestStore { dir, running }
    }

    /// Every file and folder under the data folder, with each file's size,
    /// modification time and content hash.
    pub fn snapshot(&self) -> Snapshot {
        snapshot(&self.store().data_dir)
    }

    /// The object files in the bucket folder (keys), sorted.
    pub fn object_files(&self) -> Vec<String> {
        let root = &self.store().bucket_dir;
        snapshot(root)
            .0
            .into_iter()
            .filter(|(_, entry)| entry.is_some())
            .map(|(path, _)| path)
            .collect()
    }
}

pub async fn start_in(dir: &Path, cors_origins: Vec<axum::http::HeaderValue>) -> RunningStore {
    vidrop_store::start(StoreConfig {
        cors_origins,
        ..StoreConfig::new(dir)
    })
    .await
    .unwrap()
}

/// An S3 client of `store` with the SDK's defaults (checksum calculation
/// `WhenSupported`, validation `WhenSupported`), path-style addressing.
pub fn client(store: &EmbeddedStore) -> Client {
    client_with(store, &store.access_key, &store.secret_key)
}

pub fn client_with(store: &EmbeddedStore, access_key: &str, secret_key: &str) -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .endpoint_url(&store.endpoint)
        .region(Region::new(store.region.clone()))
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

/// Files (with size, time and hash) and folders (`None`) under a folder,
/// by path relative to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot(pub BTreeMap<String, Option<(u64, SystemTime, u64)>>);

pub fn snapshot(root: &Path) -> Snapshot {
    let mut entries = BTreeMap::new();
    let mut queue: Vec<PathBuf> = vec![root.to_owned()];
    while let Some(dir) = queue.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let relative = path
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                entries.insert(relative, None);
                queue.push(path);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                let hash = fnv1a(&bytes);
                entries.insert(relative, Some((meta.len(), meta.modified().unwrap(), hash)));
            }
        }
    }
    Snapshot(entries)
}

/// A cheap content hash, to notice a replaced file.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
        (hash ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `len` bytes that differ with `seed`.
pub fn payload(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

/// The HTTP status and S3 error code of a failed call.
pub fn refusal<E: ProvideErrorMetadata>(
    err: &SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
) -> (u16, String) {
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (status, err.code().unwrap_or_default().to_owned())
}

/// The bytes of an object.
pub async fn get(s3: &Client, bucket: &str, key: &str) -> Vec<u8> {
    s3.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes()
        .to_vec()
}

/// A body the SDK streams (aws-chunked, checksum in a trailer) rather than
/// holds in memory (checksum in a header): a file.
pub async fn file_body(dir: &Path, name: &str, bytes: &[u8]) -> ByteStream {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    ByteStream::from_path(&path).await.unwrap()
}

/// Records the headers of the requests the SDK sends, as they leave.
#[derive(Debug, Clone, Default)]
pub struct HeaderSpy {
    pub seen: Arc<Mutex<Vec<BTreeMap<String, String>>>>,
}

impl HeaderSpy {
    /// The last request's header `name`.
    pub fn last(&self, name: &str) -> Option<String> {
        self.seen.lock().unwrap().last()?.get(name).cloned()
    }
}

impl Intercept for HeaderSpy {
    fn name(&self) -> &'static str {
        "HeaderSpy"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let headers = context
            .request()
            .headers()
            .iter()
            .map(|(name, value)| (name.to_ascii_lowercase(), value.to_owned()))
            .collect();
        self.seen.lock().unwrap().push(headers);
        Ok(())
    }
}
