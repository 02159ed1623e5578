//! What the relay tests share: a closed server in relay mode (with or
//! without a download cache), relayed uploads and downloads over `reqwest`,
//! a raw HTTP/1.1 sender for bodies that lie about their length, the store's
//! request counter, and the metrics' samples.

#![allow(dead_code)] // each test binary uses its own subset

use crate::closed::{API_KEY, Closed};
use crate::common::error_code;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vidrop::ServeArgs;
use vidrop_shared::api::Video;

/// A closed server with `--relay`, settings changed by `tweak`.
pub async fn relay_server(tweak: impl FnOnce(&mut ServeArgs)) -> Closed {
    Closed::start(|args| {
        args.relay.enabled = true;
        tweak(args);
    })
    .await
}

/// A closed server with `--relay` and a download cache in its own temporary
/// folder (the second value), settings changed by `tweak`.
pub async fn cached_server(tweak: impl FnOnce(&mut ServeArgs)) -> (Closed, tempfile::TempDir) {
    let cache = tempfile::tempdir().expect("a temporary folder");
    let dir = cache.path().join("relay-cache");
    let server = relay_server(|args| {
        args.relay.cache_dir = Some(dir);
        tweak(args);
    })
    .await;
    (server, cache)
}

/// The cache folder of a [`cached_server`].
pub fn cache_dir(root: &tempfile::TempDir) -> PathBuf {
    root.path().join("relay-cache")
}

/// The names of the files in `dir`, sorted.
pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|items| {
            items
                .map(|item| item.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// `POST /api/relay` of `body` as `content_type`, named `filename` with
/// `X-Filename`.
pub async fn relay_post(
    server: &Closed,
    credential: &str,
    content_type: &str,
    filename: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    server
        .http
        .post(server.url("/api/relay"))
        .bearer_auth(credential)
        .header(CONTENT_TYPE, content_type)
        .header("x-filename", filename)
        .body(body)
        .send()
        .await
        .expect("POST /api/relay")
}

/// Relays `body` with the API key, expecting `201` and the video.
pub async fn relay_ok(server: &Closed, filename: &str, body: Vec<u8>) -> Video {
    let response = relay_post(server, API_KEY, "video/webm", filename, body).await;
    assert_eq!(response.status(), StatusCode::CREATED, "relay {filename}");
    response.json().await.expect("a video")
}

/// `GET /api/relay/{id}` with the API key and `headers`.
pub async fn relay_get(server: &Closed, id: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = server
        .http
        .get(server.url(&format!("/api/relay/{id}")))
        .bearer_auth(API_KEY);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("GET /api/relay/{id}")
}

/// A header's value as text ("" when absent).
pub fn header(headers: &HeaderMap, name: &str) -> String {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Runs `call` and answers what it answered and the S3 requests the
/// embedded store served meanwhile.
pub async fn counted<T>(server: &Closed, call: impl AsyncFnOnce() -> T) -> (T, u64) {
    let store = server.server.embedded_store().expect("the embedded store");
    let before = store.requests_answered();
    let answer = call().await;
    (answer, store.requests_answered() - before)
}

/// The Prometheus text of `GET /metrics`.
pub async fn scrape(server: &Closed) -> String {
    let response = server.get("/metrics", API_KEY).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.text().await.unwrap()
}

/// The value of the sample `series` (name and labels as written), 0 when
/// it is not there.
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

/// How a raw request's body is sent after its head.
#[derive(Debug, Clone, Copy)]
pub enum Then {
    /// All of `body`, then the client closes its side.
    Close,
    /// All of `body`, then the connection stays open, silent.
    Hold,
}

/// What a raw request got back: the status (`None` when the server closed
/// without answering) and the body as text.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: Option<u16>,
    pub body: String,
}

/// Sends `POST {target}` over a raw HTTP/1.1 connection with `headers`
/// (written as given: a `Content-Length` that lies is sent as it is), then
/// `body`, then does `then`; reads the answer for at most `limit`.
pub async fn raw_post(
    addr: SocketAddr,
    target: &str,
    headers: &[(&str, String)],
    body: &[u8],
    then: Then,
    limit: Duration,
) -> RawAnswer {
    let mut head = format!("POST {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head += &format!("{name}: {value}\r\n");
    }
    head += "\r\n";
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let body = body.to_vec();
    let writing = tokio::spawn(async move {
        if writer.write_all(head.as_bytes()).await.is_ok() {
            let _ = writer.write_all(&body).await;
        }
        let _ = writer.flush().await;
        match then {
            Then::Close => {
                let _ = writer.shutdown().await;
                drop(writer);
                None
            }
            Then::Hold => Some(writer),
        }
    });
    let started = Instant::now();
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    while started.elapsed() < limit {
        match tokio::time::timeout(limit - started.elapsed(), reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => break,
            Ok(Ok(n)) => raw.extend_from_slice(&buf[..n]),
        }
    }
    // A write the server stopped reading is given up.
    let held = tokio::time::timeout(Duration::from_secs(2), writing)
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    drop(held);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok());
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    RawAnswer { status, body }
}

/// Waits (at most five seconds) until `check` holds.
pub async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{what}: not within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `Range` answers `206` with `Content-Range` (suffixes and ranges past the
/// end clamped), a range wholly past the end `416` with `bytes */size`,
/// `If-None-Match` `304`, and `If-Range` keeps the range only while its ETag
/// is current (a stale one gets the whole `200`).
pub async fn check_ranges(server: &Closed, id: &str, body: &[u8]) {
    let size = body.len();
    let response = relay_get(server, id, &[("range", "bytes=0-99")]).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    let headers = response.headers().clone();
    assert_eq!(
        header(&headers, "content-range"),
        format!("bytes 0-99/{size}")
    );
    assert_eq!(header(&headers, "content-length"), "100");
    assert_eq!(header(&headers, "content-type"), "video/webm");
    assert_eq!(header(&headers, "accept-ranges"), "bytes");
    let etag = header(&headers, "etag");
    assert!(!etag.is_empty());
    assert_eq!(response.bytes().await.unwrap(), body[..100]);

    let response = relay_get(server, id, &[("range", "bytes=1000-")]).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        header(response.headers(), "content-range"),
        format!("bytes 1000-{}/{size}", size - 1)
    );
    assert_eq!(response.bytes().await.unwrap(), body[1000..]);

    let response = relay_get(server, id, &[("range", "bytes=-10")]).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), body[size - 10..]);

    let response = relay_get(server, id, &[("range", &format!("bytes=10-{}", size * 2))]).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), body[10..]);

    let past = format!("bytes={size}-");
    let response = relay_get(server, id, &[("range", &past)]).await;
    assert_eq!(
        header(response.headers(), "content-range"),
        format!("bytes */{size}")
    );
    assert_eq!(
        error_code(response, StatusCode::RANGE_NOT_SATISFIABLE).await,
        "range_not_satisfiable"
    );

    let response = relay_get(server, id, &[("if-none-match", &etag)]).await;
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(response.headers(), "etag"), etag);
    assert!(response.bytes().await.unwrap().is_empty());
    let response = relay_get(server, id, &[("if-none-match", "\"another\"")]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap(), body);

    let response = relay_get(
        server,
        id,
        &[("range", "bytes=100-199"), ("if-range", &etag)],
    )
    .await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), body[100..200]);
    let response = relay_get(
        server,
        id,
        &[("range", "bytes=100-199"), ("if-range", "\"stale\"")],
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(header(response.headers(), "content-range").is_empty());
    assert_eq!(response.bytes().await.unwrap(), body);
}
