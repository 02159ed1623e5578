//! The embedded store: a real S3 API served in-process on a loopback port
//! when no `--bucket` is given, so Vidrop runs with nothing else installed.
//!
//! `s3s` speaks the S3 protocol and verifies SigV4 (presigned URLs included:
//! signature, signed headers, expiry); `s3s-fs` keeps the bucket as a folder
//! under `--data-dir` (object user metadata, content type and ETag in JSON
//! files beside it). Credentials are random at each start, so URLs signed by an
//! earlier run stop working, while the objects stay.
//!
//! s3s has no bucket CORS, so a tower-http [`CorsLayer`] answers browsers in
//! front of it. `s3_service` is the one place the `S3` implementation is
//! chosen: `checked::CheckedStore`, our wrapper of s3s-fs that adds what it
//! lacks.

mod checked;

use crate::server::{Serving, request_span_debug};
use axum::Router;
use axum::body::Body;
use axum::error_handling::HandleError;
use axum::http::{HeaderValue, Method, StatusCode, header};
use checked::CheckedStore;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s_fs::FileSystem;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

/// The bucket the embedded store keeps videos in.
pub const EMBEDDED_BUCKET: &str = "vidrop";

/// The region the embedded store's URLs are signed for (s3s accepts any).
pub const EMBEDDED_REGION: &str = "us-east-1";

/// How long browsers may cache a CORS preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// A running embedded store, as tests and logs see it.
#[derive(Clone)]
pub struct EmbeddedStore {
    /// Where the S3 API answers: `http://127.0.0.1:PORT` (a new port each start).
    pub endpoint: String,
    /// The bucket's name: [`EMBEDDED_BUCKET`].
    pub bucket: String,
    /// The store's root folder (`--data-dir`, made absolute).
    pub data_dir: PathBuf,
    /// The bucket's folder, holding one file per object (`<bucket_dir>/<key>`).
    pub bucket_dir: PathBuf,
    /// This run's access key id.
    pub access_key: String,
    /// This run's secret key: for tests that talk S3 themselves; never logged.
    pub secret_key: String,
}

impl fmt::Debug for EmbeddedStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmbeddedStore")
            .field("endpoint", &self.endpoint)
            .field("bucket", &self.bucket)
            .field("data_dir", &self.data_dir)
            .field("bucket_dir", &self.bucket_dir)
            .field("access_key", &redact(&self.access_key))
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Why the embedded store could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmbeddedError {
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

/// Starts the store on `127.0.0.1:0` with its data in `data_dir`, letting
/// browsers from `cors_origins` PUT, GET and HEAD objects.
pub(crate) async fn start(
    data_dir: &Path,
    cors_origins: Vec<HeaderValue>,
) -> Result<(EmbeddedStore, Serving), EmbeddedError> {
    let data_error = |source| EmbeddedError::DataDir {
        path: data_dir.to_owned(),
        source,
    };
    tokio::fs::create_dir_all(data_dir)
        .await
        .map_err(data_error)?;
    let root = tokio::fs::canonicalize(data_dir)
        .await
        .map_err(data_error)?;

    let access_key = format!(
        "VD{}",
        random_text(18, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")?
    );
    let secret_key = random_text(
        40,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    )?;
    let service = s3_service(&root, &access_key, &secret_key)?;

    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(EmbeddedError::Bind)?;
    let addr = listener.local_addr().map_err(EmbeddedError::Bind)?;
    let router = Router::new()
        .fallback_service(HandleError::new(service, handle_http_error))
        .layer(cors_layer(cors_origins))
        .layer(TraceLayer::new_for_http().make_span_with(request_span_debug));
    let serving = Serving::spawn(listener, router);

    let store = EmbeddedStore {
        endpoint: format!("http://{addr}"),
        bucket: EMBEDDED_BUCKET.to_owned(),
        bucket_dir: root.join(EMBEDDED_BUCKET),
        data_dir: root,
        access_key,
        secret_key,
    };
    tracing::info!(
        endpoint = %store.endpoint,
        data_dir = %store.data_dir.display(),
        access_key = %redact(&store.access_key),
        "embedded S3 store listening"
    );
    Ok((store, serving))
}

/// Builds the S3 API the embedded store serves: s3s-fs's file system, wrapped
/// in [`CheckedStore`], behind SigV4 authentication with one key pair.
fn s3_service(root: &Path, access_key: &str, secret_key: &str) -> Result<S3Service, EmbeddedError> {
    let fs = FileSystem::new(root).map_err(|err| EmbeddedError::Store {
        path: root.to_owned(),
        message: format!("{err:?}"),
    })?;
    let mut builder = S3ServiceBuilder::new(CheckedStore::new(fs, root));
    builder.set_auth(SimpleAuth::from_single(access_key, secret_key.to_owned()));
    Ok(builder.build())
}

/// CORS for browsers uploading to and playing from the store: the listed
/// origins, GET/PUT/HEAD, whatever request headers the browser asks to send
/// (signed ones vary per upload: `content-type`, `x-amz-meta-filename`,
/// `x-amz-checksum-sha256`), and `ETag` readable (multipart completion
/// needs each part's).
fn cors_layer(origins: Vec<HeaderValue>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::PUT, Method::HEAD])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::ETAG])
        .max_age(PREFLIGHT_MAX_AGE)
}

/// Answers the rare failure s3s cannot turn into an S3 error response itself.
async fn handle_http_error(err: s3s::HttpError) -> (StatusCode, Body) {
    tracing::error!(error = ?err, "embedded S3 store failed a request");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Body::from("embedded S3 store error"),
    )
}

/// `len` characters drawn from `alphabet` (whose length divides 256, so each
/// is equally likely).
fn random_text(len: usize, alphabet: &[u8]) -> Result<String, EmbeddedError> {
    debug_assert_eq!(256 % alphabet.len(), 0);
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).map_err(|err| EmbeddedError::Random(err.to_string()))?;
    Ok(bytes
        .iter()
        .map(|b| alphabet[usize::from(*b) % alphabet.len()] as char)
        .collect())
}

/// The first four characters of a key id, for logs.
fn redact(access_key: &str) -> String {
    let shown: String = access_key.chars().take(4).collect();
    format!("{shown}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_text_uses_the_alphabet() {
        let text = random_text(64, b"ab").unwrap();
        assert_eq!(text.len(), 64);
        assert!(text.chars().all(|c| c == 'a' || c == 'b'));
        assert_ne!(
            random_text(40, b"0123").unwrap(),
            random_text(40, b"0123").unwrap()
        );
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let store = EmbeddedStore {
            endpoint: "http://127.0.0.1:1".into(),
            bucket: EMBEDDED_BUCKET.into(),
            data_dir: "/d".into(),
            bucket_dir: "/d/vidrop".into(),
            access_key: "VDABCDEFGH".into(),
            secret_key: "s3cr3t-value".into(),
        };
        let shown = format!("{store:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("VDABCDEFGH"), "{shown}");
        assert!(shown.contains("VDAB"), "{shown}");
    }
}
