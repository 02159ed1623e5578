//! The server side of a browser test: `vidrop serve` on `127.0.0.1:0` with its
//! embedded S3 on a fresh temporary folder, serving the built widget.
//!
//! With `VIDROP_TEST_S3_ENDPOINT` set (`cargo xtask garage`), the backend
//! stores in a bucket of its own on that store instead (`vidrop::test_store`);
//! a server on a bucket must check credentials, so one the test would run
//! open is closed with the suite's API key, and the page it serves carries
//! an upload token minted with it.

use crate::proxy::StoreProxy;
use clap::Parser;
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tempfile::TempDir;
use vidrop::test_store::{StoreAccess, TestClient};
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
    /// Sends the suite's API key to the backend when it was closed to run
    /// on an external store.
    http: TestClient,
    proxy: Option<StoreProxy>,
    /// The upload token the served page carries, when the backend was
    /// closed to run on an external store.
    page_token: Option<String>,
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
        let dist = page_folder(data_dir.path());
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
        let mut args = ServeCommand::try_parse_from(&argv)
            .unwrap_or_else(|e| panic!("bad test flags {argv:?}: {e}"))
            .args;
        let api_key = vidrop::test_store::place_closed(&mut args).await;
        let server = Server::start(args).await.expect("the backend starts");
        let mut stack = Stack {
            http: TestClient::new(&server.base_url(), api_key),
            server,
            data_dir,
            proxy,
            page_token: None,
        };
        if let Some(proxy) = &stack.proxy {
            proxy.set_upstream(&stack.store().endpoint);
        }
        if let Some(api_key) = api_key {
            let token = stack
                .mint_token(api_key, serde_json::json!({ "prefix": "" }))
                .await;
            let index = dist.join("index.html");
            let page = std::fs::read_to_string(&index).expect("the page");
            let page = page.replace(
                "<vidrop-uploader>",
                &format!("<vidrop-uploader token=\"{}\">", token.token),
            );
            std::fs::write(&index, page).expect("the page is written");
            stack.page_token = Some(token.token);
        }
        stack
    }

    /// Whether the backend stores on its embedded store (not on the
    /// suite's external one).
    pub fn is_on_embedded_store(&self) -> bool {
        self.server.embedded_store().is_some()
    }

    /// The upload token a page must give the widget, when the backend was
    /// closed to run on an external store (see the module's doc); `None` on
    /// the embedded store.
    pub fn page_token(&self) -> Option<&str> {
        self.page_token.as_deref()
    }

    /// The server's store (embedded, or the suite's external one), with its
    /// credentials.
    pub fn store(&self) -> StoreAccess {
        StoreAccess::of(self.server.embedded_store(), self.server.storage().bucket())
    }

    /// The proxy between browser and store, for stacks started behind one.
    pub fn proxy(&self) -> &StoreProxy {
        self.proxy
            .as_ref()
            .expect("the stack was started behind a proxy")
    }

    /// An S3 client on the server's store, with its credentials, and the
    /// bucket: to look at the store directly (ListMultipartUploads,
    /// ListObjectsV2).
    pub fn s3(&self) -> (aws_sdk_s3::Client, String) {
        let store = self.store();
        (store.client, store.bucket)
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
    /// runs behind one, else the store's own.
    pub fn store_origin(&self) -> String {
        match &self.proxy {
            Some(proxy) => proxy.endpoint(),
            None => self.store().endpoint,
        }
    }

    /// `POST /api/tokens` with the host site's `api_key`: an upload token
    /// for `grant` (`{"prefix": …, "expires_in": …}`).
    pub async fn mint_token(&self, api_key: &str, grant: serde_json::Value) -> IssuedToken {
        let response = self
            .http
            .without_key()
            .post(format!("{}/api/tokens", self.base_url()))
            .bearer_auth(api_key)
            .json(&grant)
            .send()
            .await
            .expect("the backend answers");
        assert_eq!(response.status(), 201, "POST /api/tokens");
        response.json().await.expect("a token")
    }

    /// The store's secret key, which must never leave the backend.
    pub fn store_secret_key(&self) -> String {
        self.store().secret_key
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

/// The folder the backend serves the page from: [`dist_dir`] itself, or on
/// an external store (whose page gets a token written in) a copy of it in
/// `data_dir`.
fn page_folder(data_dir: &std::path::Path) -> PathBuf {
    let dist = dist_dir();
    if vidrop::test_store::ExternalStore::from_env().is_none() {
        return dist;
    }
    let copy = data_dir.join("page");
    copy_folder(&dist, &copy);
    copy
}

fn copy_folder(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("a folder for the page");
    for entry in std::fs::read_dir(from).expect("the built widget") {
        let entry = entry.expect("an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_folder(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("a copy");
        }
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
