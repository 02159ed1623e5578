//! The S3 store the test suites run on. Test servers start on the embedded
//! store, unless `VIDROP_TEST_S3_ENDPOINT` names an S3-compatible store:
//! then every server a test harness places there gets a bucket of its own,
//! created for it. `cargo xtask garage` runs the API and widget suites this
//! way on a Garage server. `vidrop serve` never reads any of this.
//!
//! A server on a bucket must check credentials (only the embedded store may
//! run open for local development), so a harness whose servers run open on
//! the embedded store closes them on an external one with the suite's API
//! key ([`place_closed`]) and sends that key with every request.
//!
//! The harnesses' own S3 clients (to look at what a store holds) come from
//! here too, so a test reads the same store its server writes, whichever it
//! is.

use crate::config::ServeArgs;
use crate::storage::{Storage, StorageError};
use aws_sdk_s3::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use aws_sdk_s3::types::{CorsConfiguration, CorsRule};
use reqwest::RequestBuilder;
use std::path::Path;
use vidrop_store::EmbeddedStore;

/// Names the S3-compatible store the suites run on instead of the embedded
/// one, e.g. `http://127.0.0.1:3900`. The credentials are the AWS default
/// chain's variables (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), the
/// region `AWS_REGION` (default `us-east-1`); the key must be allowed to
/// create buckets.
pub const ENDPOINT_VARIABLE: &str = "VIDROP_TEST_S3_ENDPOINT";

/// The file in a test server's data folder that names its bucket on an
/// external store, so a server started again on the folder finds the
/// objects of the one before, as on the embedded store.
const BUCKET_FILE: &str = "test-bucket";

/// An S3-compatible store named by [`ENDPOINT_VARIABLE`].
#[derive(Clone, Debug)]
pub struct ExternalStore {
    pub endpoint: String,
    pub region: String,
    pub access_key: String,
    /// Never logged; tests look for it where it must not be.
    pub secret_key: String,
}

impl ExternalStore {
    /// The store the environment names, or `None`: tests run on the
    /// embedded store. Panics when the endpoint is set without credentials.
    pub fn from_env() -> Option<ExternalStore> {
        let endpoint = std::env::var(ENDPOINT_VARIABLE)
            .ok()
            .filter(|value| !value.is_empty())?;
        let variable = |name: &str| {
            std::env::var(name)
                .unwrap_or_else(|_| panic!("{ENDPOINT_VARIABLE} is set, so {name} must be too"))
        };
        Some(ExternalStore {
            endpoint,
            region: std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".into()),
            access_key: variable("AWS_ACCESS_KEY_ID"),
            secret_key: variable("AWS_SECRET_ACCESS_KEY"),
        })
    }

    /// An S3 client on this store, with its credentials.
    pub fn client(&self) -> aws_sdk_s3::Client {
        client(
            &self.endpoint,
            &self.region,
            &self.access_key,
            &self.secret_key,
        )
    }

    /// Points `args` at a bucket of their own on this store: the one their
    /// data folder names, else a new one (created with CORS open to any
    /// origin, since the browser tests' pages and backends listen on ports
    /// chosen at start).
    pub async fn place(&self, args: &mut ServeArgs) -> Result<(), StorageError> {
        let bucket = match read_bucket_file(&args.data_dir) {
            Some(bucket) => bucket,
            None => {
                let bucket = format!(
                    "vidrop-test-{}",
                    ulid::Ulid::generate().to_string().to_ascii_lowercase()
                );
                self.create_bucket(&bucket).await?;
                std::fs::create_dir_all(&args.data_dir)
                    .and_then(|()| std::fs::write(args.data_dir.join(BUCKET_FILE), &bucket))
                    .map_err(|err| StorageError::other("write the bucket file", err.to_string()))?;
                bucket
            }
        };
        args.bucket = Some(bucket);
        args.s3_endpoint = Some(self.endpoint.clone());
        args.region = Some(self.region.clone());
        args.path_style = true;
        Ok(())
    }

    async fn create_bucket(&self, bucket: &str) -> Result<(), StorageError> {
        let s3 = self.client();
        s3.create_bucket()
            .bucket(bucket)
            .send()
            .await
            .map_err(|err| StorageError::new("CreateBucket", err))?;
        let rule = CorsRule::builder()
            .allowed_origins("*")
            .set_allowed_methods(Some(
                ["GET", "HEAD", "PUT", "POST", "DELETE"]
                    .map(String::from)
                    .to_vec(),
            ))
            .allowed_headers("*")
            .expose_headers("ETag")
            .max_age_seconds(600)
            .build()
            .map_err(|err| StorageError::other("PutBucketCors", err.to_string()))?;
        let cors = CorsConfiguration::builder()
            .cors_rules(rule)
            .build()
            .map_err(|err| StorageError::other("PutBucketCors", err.to_string()))?;
        s3.put_bucket_cors()
            .bucket(bucket)
            .cors_configuration(cors)
            .send()
            .await
            .map_err(|err| StorageError::new("PutBucketCors", err))?;
        Ok(())
    }
}

fn read_bucket_file(data_dir: &Path) -> Option<String> {
    std::fs::read_to_string(data_dir.join(BUCKET_FILE))
        .ok()
        .map(|name| name.trim().to_owned())
}

/// Places `args` on the external store when the environment names one
/// (see [`ExternalStore::place`]) and they name no bucket of their own;
/// otherwise leaves them as they are. Panics when the store refuses: a test
/// cannot go on without it.
pub async fn place(args: &mut ServeArgs) {
    if args.bucket.is_some() {
        return;
    }
    if let Some(store) = ExternalStore::from_env() {
        store
            .place(args)
            .await
            .unwrap_or_else(|err| panic!("a bucket on {}: {err}", store.endpoint));
    }
}

/// The API key a harness closes its server with on an external store.
pub const SUITE_API_KEY: &str = "vidrop-test-suite-api-key-0123456789";

/// The token secret beside [`SUITE_API_KEY`] (at least 32 bytes).
pub const SUITE_TOKEN_SECRET: &str = "vidrop-test-suite-token-secret-0123456789-abcdef";

/// [`place`], and a server that would run open (no API key) is closed with
/// [`SUITE_API_KEY`] and [`SUITE_TOKEN_SECRET`] when it lands on a bucket.
/// Answers the API key its clients must send, if it closed the server.
pub async fn place_closed(args: &mut ServeArgs) -> Option<&'static str> {
    let had_bucket = args.bucket.is_some();
    place(args).await;
    let open = args.api_keys.is_empty() && args.api_keys_file.is_none();
    if had_bucket || args.bucket.is_none() || !open {
        return None;
    }
    args.api_keys = vec![SUITE_API_KEY.to_owned()];
    if args.token_secret.is_none() && args.token_secret_file.is_none() {
        args.token_secret = Some(SUITE_TOKEN_SECRET.to_owned());
    }
    Some(SUITE_API_KEY)
}

/// A harness's HTTP client: `reqwest`'s, plus `Authorization: Bearer
/// <api_key>` on requests to the test server when [`place_closed`] closed
/// it. Presigned URLs go out without it (S3 takes one signature only).
#[derive(Clone, Debug)]
pub struct TestClient {
    client: reqwest::Client,
    /// The server's base URL and the key it wants, once known.
    server: Option<(String, &'static str)>,
}

impl TestClient {
    /// A client for the server at `base_url` (`http://127.0.0.1:PORT`),
    /// sending `api_key` to it if given.
    pub fn new(base_url: &str, api_key: Option<&'static str>) -> TestClient {
        TestClient {
            client: reqwest::Client::new(),
            server: api_key.map(|key| (format!("{base_url}/"), key)),
        }
    }

    pub fn request(&self, method: reqwest::Method, url: impl AsRef<str>) -> RequestBuilder {
        let url = url.as_ref();
        let request = self.client.request(method, url);
        match &self.server {
            Some((base, key)) if url.starts_with(base.as_str()) => request.bearer_auth(key),
            _ => request,
        }
    }

    /// The client without the key, for a request that sends a credential
    /// of its own.
    pub fn without_key(&self) -> &reqwest::Client {
        &self.client
    }

    pub fn get(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(reqwest::Method::GET, url)
    }

    pub fn head(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(reqwest::Method::HEAD, url)
    }

    pub fn post(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(reqwest::Method::POST, url)
    }

    pub fn put(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(reqwest::Method::PUT, url)
    }

    pub fn delete(&self, url: impl AsRef<str>) -> RequestBuilder {
        self.request(reqwest::Method::DELETE, url)
    }
}

/// Where a test server keeps its objects, as a test reaches them.
#[derive(Clone, Debug)]
pub struct StoreAccess {
    /// The S3 endpoint (the browser's, unless a proxy stands between).
    pub endpoint: String,
    pub bucket: String,
    pub access_key: String,
    pub secret_key: String,
    /// An S3 client with the store's credentials, checksums only where
    /// required (as the server's own).
    pub client: aws_sdk_s3::Client,
}

impl StoreAccess {
    /// The store of a server started on `embedded`, or (with `None`) on the
    /// external store in `bucket`.
    pub fn of(embedded: Option<&EmbeddedStore>, bucket: &str) -> StoreAccess {
        match embedded {
            Some(store) => StoreAccess {
                endpoint: store.endpoint.clone(),
                bucket: store.bucket.clone(),
                access_key: store.access_key.clone(),
                secret_key: store.secret_key.clone(),
                client: client(
                    &store.endpoint,
                    &store.region,
                    &store.access_key,
                    &store.secret_key,
                ),
            },
            None => {
                let store = ExternalStore::from_env().unwrap_or_else(|| {
                    panic!("a server without an embedded store, but {ENDPOINT_VARIABLE} is unset")
                });
                StoreAccess {
                    client: store.client(),
                    endpoint: store.endpoint,
                    bucket: bucket.to_owned(),
                    access_key: store.access_key,
                    secret_key: store.secret_key,
                }
            }
        }
    }
}

impl StoreAccess {
    /// Whether the store refuses a `PutObject` with `If-None-Match: *` over
    /// an object that exists, as AWS S3, MinIO and the embedded store do
    /// (Garage 2.5 ignores the header and replaces it). Tried on a key of
    /// its own, removed afterwards.
    pub async fn refuses_overwrites(&self) -> bool {
        let key = format!(
            "vidrop-test-probe/{}",
            ulid::Ulid::generate().to_string().to_ascii_lowercase()
        );
        let put = || {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&key)
                .if_none_match("*")
                .body(aws_sdk_s3::primitives::ByteStream::from_static(b"probe"))
                .send()
        };
        put().await.expect("the probe's first PUT");
        let refused = put().await.is_err();
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(&key)
            .send()
            .await
            .expect("the probe's object is removed");
        refused
    }
}

fn client(endpoint: &str, region: &str, access_key: &str, secret_key: &str) -> aws_sdk_s3::Client {
    let config = Storage::static_config(endpoint, region, access_key, secret_key)
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}
