//! A Vidrop server as a deployment runs it, *closed*: API keys and a token
//! secret configured, the embedded store (or the suite's external one, see
//! `vidrop::test_store`), `/presign` under `shared/`, a
//! one-second header timeout, no rate limit (unless a test sets one). And
//! what the access tests look at it with: a raw HTTP/1.1 client over a TCP
//! stream (which sends a request target exactly as written, `..` and
//! `%2e%2e` included, where `reqwest` would normalise them away), an
//! `aws-sdk-s3` client on its store, and a snapshot of everything
//! the store holds.

#![allow(dead_code)] // each test binary uses its own subset

use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vidrop::test_store::StoreAccess;
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{IssuedToken, SingleUpload, UploadPlan, Video};
use vidrop_shared::limits::MIB;

/// The host site's API key.
pub const API_KEY: &str = "host-key-0123456789abcdef";

/// The secret that signs upload tokens (at least 32 bytes).
pub const TOKEN_SECRET: &str = "test-token-secret-0123456789-abcdefghij";

/// `--presign-prefix`.
pub const PRESIGN_PREFIX: &str = "shared/";

/// `--max-size`: 64 MiB.
pub const MAX_SIZE: u64 = 64 * MIB;

/// The settings of a closed server on `data_dir`: API key, token secret,
/// `--presign-prefix shared/`, `--header-timeout 1`, `--max-size 64 MiB`,
/// multipart above 1 MiB, no rate limit.
pub fn closed_args(data_dir: &Path) -> ServeArgs {
    let mut args = ServeArgs::for_tests(data_dir);
    args.api_keys = vec![API_KEY.to_owned()];
    args.token_secret = Some(TOKEN_SECRET.to_owned());
    args.presign_prefix = Some(PRESIGN_PREFIX.to_owned());
    args.header_timeout = 1;
    args.max_size = MAX_SIZE;
    args.multipart_threshold = MIB;
    args
}

/// A running closed server and an HTTP client.
pub struct Closed {
    pub server: Server,
    pub http: reqwest::Client,
    pub dir: Option<TempDir>,
}

impl Closed {
    /// A closed server on a fresh data folder, with settings changed by
    /// `tweak`.
    pub async fn start(tweak: impl FnOnce(&mut ServeArgs)) -> Closed {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut closed = Closed::start_in(dir.path(), tweak).await;
        closed.dir = Some(dir);
        closed
    }

    /// A closed server on `data_dir`.
    pub async fn start_in(data_dir: &Path, tweak: impl FnOnce(&mut ServeArgs)) -> Closed {
        let mut args = closed_args(data_dir);
        tweak(&mut args);
        vidrop::test_store::place(&mut args).await;
        let server = Server::start(args).await.expect("the server starts");
        Closed {
            server,
            http: reqwest::Client::new(),
            dir: None,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    /// `GET path` with `Authorization: Bearer <credential>`.
    pub async fn get(&self, path: &str, credential: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(credential)
            .send()
            .await
            .expect("GET")
    }

    /// `POST path` with a JSON body and `Authorization: Bearer <credential>`.
    pub async fn post(&self, path: &str, credential: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .bearer_auth(credential)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// An upload token minted with the API key for `grant` (the body of
    /// `POST /api/tokens`).
    pub async fn mint(&self, grant: Value) -> String {
        let response = self.post("/api/tokens", API_KEY, &grant).await;
        assert_eq!(response.status(), StatusCode::CREATED, "mint {grant}");
        let issued: IssuedToken = response.json().await.expect("a token");
        issued.token
    }

    /// `POST /api/uploads` with `credential`, expecting a single PUT.
    pub async fn create_single(
        &self,
        credential: &str,
        filename: &str,
        content_type: &str,
        size: usize,
    ) -> SingleUpload {
        let response = self
            .post(
                "/api/uploads",
                credential,
                &json!({"filename": filename, "content_type": content_type, "size": size}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create {filename}");
        match response.json::<UploadPlan>().await.expect("a plan") {
            UploadPlan::Single(plan) => plan,
            other => panic!("expected a single PUT, got {other:?}"),
        }
    }

    /// PUTs `body` to a presigned URL with the headers it was signed with
    /// (all but `content-length`, which the client sets).
    pub async fn put_signed(
        &self,
        url: &str,
        headers: &BTreeMap<String, String>,
        body: Vec<u8>,
    ) -> reqwest::Response {
        crate::common::with_signed_headers(self.http.put(url).body(body), headers)
            .send()
            .await
            .expect("PUT to the store")
    }

    /// `POST /api/uploads/{id}/complete` of a single PUT.
    pub async fn complete_single(&self, credential: &str, id: &str) -> reqwest::Response {
        self.post(
            &format!("/api/uploads/{id}/complete"),
            credential,
            &json!({}),
        )
        .await
    }

    /// Uploads `body` with `credential` (create, PUT, complete) and answers
    /// the plan and the video.
    pub async fn upload(
        &self,
        credential: &str,
        filename: &str,
        content_type: &str,
        body: &[u8],
    ) -> (SingleUpload, Video) {
        let plan = self
            .create_single(credential, filename, content_type, body.len())
            .await;
        let response = self
            .put_signed(&plan.url, &plan.headers, body.to_vec())
            .await;
        assert_eq!(response.status(), StatusCode::OK, "PUT {filename}");
        let response = self.complete_single(credential, &plan.id).await;
        assert_eq!(response.status(), StatusCode::OK, "complete {filename}");
        let video = response.json().await.expect("a video");
        (plan, video)
    }

    /// The server's store (embedded, or the external one the suite runs
    /// on), with its credentials.
    pub fn store(&self) -> StoreAccess {
        StoreAccess::of(self.server.embedded_store(), self.server.storage().bucket())
    }

    /// An S3 client on the server's store, with its credentials.
    pub fn s3(&self) -> aws_sdk_s3::Client {
        self.store().client
    }

    pub fn bucket(&self) -> String {
        self.server.storage().bucket().to_owned()
    }

    /// Everything the store holds: every object (key, size, ETag), every
    /// multipart upload in progress (key, upload id), and the parts of each.
    pub async fn snapshot(&self) -> Snapshot {
        let s3 = self.s3();
        let bucket = self.bucket();
        let mut objects = Vec::new();
        let mut token = None;
        loop {
            let page = s3
                .list_objects_v2()
                .bucket(&bucket)
                .set_continuation_token(token.take())
                .send()
                .await
                .expect("ListObjectsV2");
            for object in page.contents() {
                objects.push(StoredObject {
                    key: object.key().unwrap_or_default().to_owned(),
                    size: object.size().unwrap_or(-1),
                    etag: object.e_tag().unwrap_or_default().to_owned(),
                });
            }
            match page.next_continuation_token() {
                Some(next) if page.is_truncated() == Some(true) => token = Some(next.to_owned()),
                _ => break,
            }
        }
        let listed = s3
            .list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .expect("ListMultipartUploads");
        assert_ne!(listed.is_truncated(), Some(true), "one page of uploads");
        let mut uploads = BTreeMap::new();
        for upload in listed.uploads() {
            let key = upload.key().unwrap_or_default().to_owned();
            let upload_id = upload.upload_id().unwrap_or_default().to_owned();
            let parts = s3
                .list_parts()
                .bucket(&bucket)
                .key(&key)
                .upload_id(&upload_id)
                .send()
                .await
                .expect("ListParts");
            let parts = parts
                .parts()
                .iter()
                .map(|part| StoredPart {
                    number: part.part_number().unwrap_or_default(),
                    size: part.size().unwrap_or(-1),
                    etag: part.e_tag().unwrap_or_default().to_owned(),
                })
                .collect();
            uploads.insert((key, upload_id), parts);
        }
        objects.sort();
        Snapshot { objects, uploads }
    }

    /// Whether the store holds an object at `key`.
    pub async fn object_exists(&self, key: &str) -> bool {
        match self
            .s3()
            .head_object()
            .bucket(self.bucket())
            .key(key)
            .send()
            .await
        {
            Ok(_) => true,
            Err(err) if err.raw_response().map(|r| r.status().as_u16()) == Some(404) => false,
            Err(err) => panic!("HeadObject {key}: {err:?}"),
        }
    }
}

/// An object as listed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StoredObject {
    pub key: String,
    pub size: i64,
    pub etag: String,
}

/// A part of a multipart upload as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    pub number: i32,
    pub size: i64,
    pub etag: String,
}

/// What the store holds at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub objects: Vec<StoredObject>,
    /// Parts of each upload in progress, by (key, upload id).
    pub uploads: BTreeMap<(String, String), Vec<StoredPart>>,
}

impl Snapshot {
    /// What differs from `before`, for a failure message; empty when nothing.
    pub fn diff(&self, before: &Snapshot) -> String {
        let mut out = String::new();
        for object in &before.objects {
            if !self.objects.contains(object) {
                out += &format!("  gone or changed: {object:?}\n");
            }
        }
        for object in &self.objects {
            if !before.objects.contains(object) {
                out += &format!("  new or changed: {object:?}\n");
            }
        }
        for (upload, parts) in &before.uploads {
            match self.uploads.get(upload) {
                None => out += &format!("  upload gone: {upload:?}\n"),
                Some(now) if now != parts => {
                    out += &format!("  parts of {upload:?}: {parts:?} -> {now:?}\n");
                }
                Some(_) => {}
            }
        }
        for upload in self.uploads.keys() {
            if !before.uploads.contains_key(upload) {
                out += &format!("  new upload: {upload:?}\n");
            }
        }
        out
    }
}

/// An HTTP answer as read off the wire.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    /// `error.code` of a JSON error body, `""` when there is none.
    pub fn error_code(&self) -> String {
        self.json()["error"]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// Sends one HTTP/1.1 request to `addr` exactly as given (`target` is the
/// request target, written as is), with `Host` and `Connection: close`
/// added, and a `Content-Length` when there is a body. The body is written
/// while the answer is read, so that a server that answers before reading
/// all of it (a body over the limit) is heard.
pub async fn raw_request(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> RawResponse {
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    if !body.is_empty() || method == "POST" || method == "PUT" {
        head += &format!("Content-Length: {}\r\n", body.len());
    }
    head += "\r\n";
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        // The server may answer and close before reading everything.
        if writer.write_all(head.as_bytes()).await.is_ok() && !body.is_empty() {
            let _ = writer.write_all(&body).await;
        }
        let _ = writer.flush().await;
        writer
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) => break,
                Ok(n) => {
                    raw.extend_from_slice(&buf[..n]);
                    if complete_response(&raw) {
                        break;
                    }
                }
                // A reset after the answer: keep what was read.
                Err(_) => break,
            }
        }
    })
    .await;
    assert!(read.is_ok(), "{method} {target}: no answer within 30 s");
    writing.abort();
    parse_response(&raw).unwrap_or_else(|| {
        panic!(
            "{method} {target}: not an HTTP answer: {:?}",
            String::from_utf8_lossy(&raw)
        )
    })
}

/// Sends `body` to a presigned `url` over a raw connection (see
/// [`raw_request`]) with `headers` (less any `Content-Length`, which is
/// written from the body). The store may answer and close before it reads
/// the body (a refused signature or condition), which `reqwest` reports as
/// a broken pipe; this reads the answer anyway.
pub async fn raw_to_url(
    method: &str,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> RawResponse {
    let parsed = reqwest::Url::parse(url).expect("a URL");
    let addr = parsed
        .socket_addrs(|| None)
        .expect("an address")
        .into_iter()
        .next()
        .expect("an address");
    let target = url
        .strip_prefix(&format!("http://{addr}"))
        .expect("the URL names its address");
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-length"))
        .cloned()
        .collect();
    raw_request(addr, method, target, &headers, body).await
}

/// The S3 error code of a store's XML error answer (`""` for none).
pub fn s3_code(response: &RawResponse) -> String {
    let text = String::from_utf8_lossy(&response.body);
    text.split_once("<Code>")
        .and_then(|(_, rest)| rest.split_once("</Code>"))
        .map(|(code, _)| code.to_owned())
        .unwrap_or_default()
}

/// `(name, value)` pairs of a signed-headers map.
pub fn header_pairs<'a>(
    headers: impl IntoIterator<Item = (&'a String, &'a String)>,
) -> Vec<(String, String)> {
    headers
        .into_iter()
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect()
}

/// Whether `raw` holds a whole answer (headers and a `Content-Length` body).
fn complete_response(raw: &[u8]) -> bool {
    let Some(end) = find(raw, b"\r\n\r\n") else {
        return false;
    };
    let Some(response) = parse_response(raw) else {
        return false;
    };
    match response
        .header("content-length")
        .and_then(|len| len.parse::<usize>().ok())
    {
        Some(len) => raw.len() >= end + 4 + len,
        None => false,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Parses a status line, headers and a body (plain or chunked).
fn parse_response(raw: &[u8]) -> Option<RawResponse> {
    let end = find(raw, b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked"));
    if chunked {
        body = dechunk(&body);
    } else if let Some(len) = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
    {
        body.truncate(len);
    }
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

fn dechunk(mut rest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(line_end) = find(rest, b"\r\n") {
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size.filter(|s| *s > 0) else {
            break;
        };
        let start = line_end + 2;
        let stop = (start + size).min(rest.len());
        out.extend_from_slice(&rest[start..stop]);
        rest = &rest[(stop + 2).min(rest.len())..];
    }
    out
}

/// How a connection that is sent `prefix` and then nothing ended: the time
/// until the server closed it, and what it answered (if anything). Gives up
/// after `limit`, answering `None`.
pub async fn hold_open(
    addr: SocketAddr,
    prefix: &[u8],
    limit: Duration,
) -> Option<(Duration, Vec<u8>)> {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    let started = std::time::Instant::now();
    stream.write_all(prefix).await.expect("write");
    let mut answered = Vec::new();
    let outcome = tokio::time::timeout(limit, async {
        let mut buf = [0u8; 4096];
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answered.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await;
    outcome.ok().map(|()| (started.elapsed(), answered))
}
