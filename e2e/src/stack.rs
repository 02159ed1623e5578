//! The server side of a browser test: `vidrop serve` on `127.0.0.1:0` with its
//! embedded S3 on a fresh temporary folder, serving the built widget.

use crate::proxy::StoreProxy;
use clap::Parser;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tempfile::TempDir;
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{IssuedToken, Video, VideoDetails, VideoList};

/// `vidrop serve`'s flags, parsed exactly as the binary parses them.
#[derive(Parser)]
struct ServeCommand {
    #[command(flatten)]
    args: ServeArgs,
}

/// A running backend and the folder its embedded store keeps objects in.
pub struct Stack {
    server: Server,
    data_dir: TempDir,
    http: reqwest::Client,
    proxy: Option<StoreProxy>,
}

impl Stack {
    /// Starts the backend with `extra_flags` on top of a fresh data folder and
    /// the widget from [`dist_dir`].
    pub async fn start(extra_flags: &[&str]) -> Stack {
        Stack::start_inner(extra_flags, None).await
    }

    /// Like [`Stack::start`], with a [`StoreProxy`] between the browser and
    /// the store: presigned URLs name the proxy, which forwards to the store.
    pub async fn start_behind_proxy(extra_flags: &[&str]) -> Stack {
        let proxy = StoreProxy::bind().await;
        Stack::start_inner(extra_flags, Some(proxy)).await
    }

    async fn start_inner(extra_flags: &[&str], proxy: Option<StoreProxy>) -> Stack {
        let data_dir = tempfile::tempdir().expect("a temporary data folder");
        let dist = dist_dir();
        let mut argv = vec![
            "vidrop-serve".to_owned(),
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--data-dir".into(),
            data_dir.path().display().to_string(),
            "--static-dir".into(),
            dist.display().to_string(),
        ];
        if let Some(proxy) = &proxy {
            argv.extend(["--public-s3-endpoint".into(), proxy.endpoint()]);
        }
        argv.extend(extra_flags.iter().map(|flag| flag.to_string()));
        let args = ServeCommand::try_parse_from(&argv)
            .unwrap_or_else(|e| panic!("bad test flags {argv:?}: {e}"))
            .args;
        let server = Server::start(args).await.expect("the backend starts");
        if let Some(proxy) = &proxy {
            let store = server
                .embedded_store()
                .expect("tests run on the embedded store");
            proxy.set_upstream(&store.endpoint);
        }
        Stack {
            server,
            data_dir,
            http: reqwest::Client::new(),
            proxy,
        }
    }

    /// The proxy between browser and store, for stacks started behind one.
    pub fn proxy(&self) -> &StoreProxy {
        self.proxy
            .as_ref()
            .expect("the stack was started behind a proxy")
    }

    /// An S3 client on the embedded store, with its credentials: to look at
    /// the store directly (ListMultipartUploads, ListObjectsV2).
    pub fn s3(&self) -> (aws_sdk_s3::Client, String) {
        let store = self
            .server
            .embedded_store()
            .expect("tests run on the embedded store");
        let credentials = aws_sdk_s3::config::Credentials::new(
            &store.access_key,
            &store.secret_key,
            None,
            None,
            "vidrop-e2e",
        );
        let config = aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url(&store.endpoint)
            .force_path_style(true)
            .credentials_provider(credentials)
            .build();
        (aws_sdk_s3::Client::from_conf(config), store.bucket.clone())
    }

    /// Keys of every object under `videos/`, and every multipart upload in
    /// progress, as the store itself reports them.
    pub async fn store_contents(&self) -> (Vec<String>, Vec<String>) {
        let (s3, bucket) = self.s3();
        let objects = s3
            .list_objects_v2()
            .bucket(&bucket)
            .prefix(vidrop_shared::keys::VIDEO_PREFIX)
            .send()
            .await
            .expect("ListObjectsV2");
        let uploads = s3
            .list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .expect("ListMultipartUploads");
        (
            objects
                .contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_owned))
                .collect(),
            uploads
                .uploads()
                .iter()
                .filter_map(|u| u.key().map(str::to_owned))
                .collect(),
        )
    }

    /// The key of every object in the bucket, whatever its prefix, and of
    /// every multipart upload in progress: what a test compares to see that
    /// nothing was stored.
    pub async fn all_store_keys(&self) -> Vec<String> {
        let (s3, bucket) = self.s3();
        let objects = s3
            .list_objects_v2()
            .bucket(&bucket)
            .send()
            .await
            .expect("ListObjectsV2");
        let uploads = s3
            .list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .expect("ListMultipartUploads");
        let mut keys: Vec<String> = objects
            .contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect();
        keys.extend(
            uploads
                .uploads()
                .iter()
                .filter_map(|u| u.key().map(|key| format!("(upload) {key}"))),
        );
        keys
    }

    /// SHA-256 of the stored object, streamed from S3 through its presigned GET.
    pub async fn stored_sha256(&self, id: &str) -> [u8; 32] {
        let mut response = self.stored_object(id).await;
        let mut hasher = Sha256::new();
        while let Some(chunk) = response.chunk().await.expect("the object's body") {
            hasher.update(&chunk);
        }
        hasher.finalize().into()
    }

    /// The SHA-256 (base64) the store keeps with the object of video `id`:
    /// S3 keeps one only when the upload sent it, so this tells whether the
    /// widget hashed the file.
    pub async fn stored_checksum_sha256(&self, id: &str) -> Option<String> {
        let key = self
            .all_store_keys()
            .await
            .into_iter()
            .find(|key| {
                key.starts_with(vidrop_shared::keys::VIDEO_PREFIX)
                    && key.contains(id)
                    && !key.ends_with(vidrop_shared::keys::POSTER_SUFFIX)
            })
            .unwrap_or_else(|| panic!("no object for video {id}"));
        let (s3, bucket) = self.s3();
        s3.head_object()
            .bucket(bucket)
            .key(key)
            .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
            .send()
            .await
            .expect("HeadObject")
            .checksum_sha256()
            .map(str::to_owned)
    }

    /// Where the page is: the backend serves the widget itself.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The store's origin as browsers reach it: the proxy's when the stack
    /// runs behind one, else the embedded store's.
    pub fn store_origin(&self) -> String {
        match &self.proxy {
            Some(proxy) => proxy.endpoint(),
            None => self
                .server
                .embedded_store()
                .expect("tests run on the embedded store")
                .endpoint
                .clone(),
        }
    }

    /// `POST /api/tokens` with the host site's `api_key`: an upload token
    /// for `grant` (`{"prefix": …, "expires_in": …}`).
    pub async fn mint_token(&self, api_key: &str, grant: serde_json::Value) -> IssuedToken {
        let response = self
            .http
            .post(format!("{}/api/tokens", self.base_url()))
            .bearer_auth(api_key)
            .json(&grant)
            .send()
            .await
            .expect("the backend answers");
        assert_eq!(response.status(), 201, "POST /api/tokens");
        response.json().await.expect("a token")
    }

    /// The embedded store's secret key, which must never leave the backend.
    pub fn store_secret_key(&self) -> String {
        self.server
            .embedded_store()
            .expect("tests run on the embedded store")
            .secret_key
            .clone()
    }

    pub fn data_dir(&self) -> &std::path::Path {
        self.data_dir.path()
    }

    /// `GET /api/videos`.
    pub async fn videos(&self) -> VideoList {
        self.get_json("/api/videos").await
    }

    /// `GET /api/videos/{id}`.
    pub async fn video(&self, id: &str) -> Video {
        self.get_json(&format!("/api/videos/{id}")).await
    }

    /// `GET /api/videos/{id}` in full: what the browser read of the video,
    /// and its `poster_url`.
    pub async fn video_details(&self, id: &str) -> VideoDetails {
        self.get_json(&format!("/api/videos/{id}")).await
    }

    /// The body at a presigned `url`, which must answer 200.
    pub async fn fetch(&self, url: &str) -> Vec<u8> {
        let response = self.http.get(url).send().await.expect("S3 answers");
        assert!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        response.bytes().await.expect("the body").to_vec()
    }

    /// The stored object's bytes, fetched from S3 through the video's
    /// presigned GET, as a browser would.
    pub async fn stored_bytes(&self, id: &str) -> Vec<u8> {
        let response = self.stored_object(id).await;
        response.bytes().await.expect("the object's body").to_vec()
    }

    /// The stored object, fetched from S3 through the video's presigned GET,
    /// as a browser would.
    async fn stored_object(&self, id: &str) -> reqwest::Response {
        let video = self.video(id).await;
        let response = self.http.get(&video.url).send().await.expect("S3 answers");
        assert!(
            response.status().is_success(),
            "GET from S3: {}",
            response.status()
        );
        response
    }

    async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str) -> T {
        let url = format!("{}{path}", self.base_url());
        let response = self
            .http
            .get(&url)
            .send()
            .await
            .expect("the backend answers");
        assert!(
            response.status().is_success(),
            "GET {path}: {}",
            response.status()
        );
        response.json().await.expect("JSON of the contract")
    }

    pub async fn shutdown(self) {
        self.server.shutdown().await;
    }
}

/// The release widget (`trunk build --release`), from `VIDROP_DIST` or
/// `<workspace>/dist`. `cargo xtask test` builds it before the tests run.
pub fn dist_dir() -> PathBuf {
    let dist = std::env::var_os("VIDROP_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .expect("e2e lives one folder below the workspace root")
                .join("dist")
        });
    assert!(
        dist.join("index.html").is_file(),
        "no built widget at {}: run `cargo xtask test` (or `cargo xtask build`) first",
        dist.display()
    );
    dist
}
