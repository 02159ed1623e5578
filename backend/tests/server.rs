//! End-to-end tests of the backend over HTTP: a real server on `127.0.0.1:0`
//! with its embedded S3 store in a temporary folder, driven by `reqwest` the
//! way the widget (and the AWS SDK for Go's presign example client) drive it.
//! Bytes go to and from the store itself, through presigned URLs.

mod common;
use common::{error_code, payload, query_param, sha256, with_signed_headers};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_RANGE, CONTENT_TYPE, ETAG, RANGE};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;
use vidrop::test_store::{StoreAccess, TestClient};
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{
    Health, PresignResponse, SingleUpload, StorageKind, UploadPlan, Video, VideoList,
};

/// A running server, its data folder and an HTTP client.
struct TestServer {
    server: Server,
    /// Sends the suite's API key to the server when it runs closed on an
    /// external store (`vidrop::test_store`).
    http: TestClient,
}

impl TestServer {
    /// The server's store (embedded, or the suite's external one).
    fn store(&self) -> StoreAccess {
        StoreAccess::of(self.server.embedded_store(), self.server.storage().bucket())
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// `POST /api/uploads`, expecting a single-PUT plan.
    async fn create_upload(&self, body: Value) -> SingleUpload {
        let response = self.post_json("/api/uploads", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "create upload");
        match response.json::<UploadPlan>().await.expect("an upload plan") {
            UploadPlan::Single(single) => single,
            other => panic!("expected a single PUT, got {other:?}"),
        }
    }

    /// PUTs `body` to the plan's URL with its headers, as a browser does
    /// (which sets `Content-Length` itself).
    async fn put_to_store(&self, plan: &SingleUpload, body: Vec<u8>) -> reqwest::Response {
        with_signed_headers(self.http.put(&plan.url).body(body), &plan.headers)
            .send()
            .await
            .expect("PUT to the store")
    }

    /// Creates and PUTs a video, returning its plan.
    async fn upload(&self, filename: &str, content_type: &str, body: &[u8]) -> SingleUpload {
        let plan = self
            .create_upload(json!({
                "filename": filename, "content_type": content_type, "size": body.len(),
            }))
            .await;
        let response = self.put_to_store(&plan, body.to_vec()).await;
        assert_eq!(response.status(), StatusCode::OK, "PUT to S3");
        plan
    }

    async fn videos(&self) -> VideoList {
        let response = self.get("/api/videos").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("a video list")
    }

    async fn video(&self, id: &str) -> Video {
        let response = self.get(&format!("/api/videos/{id}")).await;
        assert_eq!(response.status(), StatusCode::OK, "GET video {id}");
        response.json().await.expect("a video")
    }
}

/// Starts a server on a fresh data folder.
async fn start_server() -> (TestServer, TempDir) {
    start_server_with(|_| {}).await
}

/// Starts a server on a fresh data folder, with settings changed by `tweak`.
async fn start_server_with(tweak: impl FnOnce(&mut ServeArgs)) -> (TestServer, TempDir) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let server = start_server_in(dir.path(), tweak).await;
    (server, dir)
}

/// Starts a server whose embedded store keeps its data in `data_dir`.
async fn start_server_in(data_dir: &Path, tweak: impl FnOnce(&mut ServeArgs)) -> TestServer {
    let mut args = ServeArgs::for_tests(data_dir);
    tweak(&mut args);
    let api_key = vidrop::test_store::place_closed(&mut args).await;
    let server = Server::start(args).await.expect("the server starts");
    TestServer {
        http: TestClient::new(&server.base_url(), api_key),
        server,
    }
}

/// A URL with one character of its `X-Amz-Signature` changed.
fn tamper_signature(url: &str) -> String {
    let signature = query_param(url, "X-Amz-Signature").expect("a signature");
    let first = signature.as_bytes()[0];
    let changed = if first == b'0' { '1' } else { '0' };
    let tampered = format!("{changed}{}", &signature[1..]);
    url.replace(&signature, &tampered)
}

/// Uploads a video through a presigned PUT, finds it in the listing with its
/// name, size and type, and plays back the same bytes under its file name.
#[tokio::test]
async fn an_uploaded_video_is_listed_and_plays_back() {
    let (app, _dir) = start_server().await;
    let body = payload(300 * 1024, 7);
    let filename = "Été à la plage (1).webm";

    let plan = app
        .create_upload(json!({
            "filename": format!("C:\\Users\\me\\{filename}"),
            "content_type": "video/webm; codecs=vp8",
            "size": body.len(),
        }))
        .await;
    assert!(vidrop_shared::keys::is_video_id(&plan.id), "{}", plan.id);
    assert_eq!(plan.key, format!("videos/{}.webm", plan.id));
    assert_eq!(plan.method.as_str(), "PUT");
    assert_eq!(plan.headers["content-length"], body.len().to_string());
    assert_eq!(plan.headers["content-type"], "video/webm");
    assert_eq!(
        plan.headers["x-amz-meta-filename"],
        vidrop::metadata::percent_encode(filename)
    );
    assert!(
        plan.headers.keys().all(|name| !name.contains("checksum")),
        "no checksum header without sha256: {:?}",
        plan.headers
    );
    assert!(
        !plan.url.to_ascii_lowercase().contains("checksum"),
        "no checksum parameter: {}",
        plan.url
    );
    let signed = query_param(&plan.url, "X-Amz-SignedHeaders").expect("signed headers");
    // `If-None-Match: *`: the URL creates the object, never replaces one.
    assert_eq!(plan.headers["if-none-match"], "*");
    assert_eq!(
        signed,
        "content-length;content-type;host;if-none-match;x-amz-meta-filename"
    );

    let response = app.put_to_store(&plan, body.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().contains_key(ETAG));

    let list = app.videos().await;
    assert_eq!(list.videos.len(), 1);
    let summary = &list.videos[0];
    assert_eq!(summary.id, plan.id);
    assert_eq!(summary.filename, filename);
    assert_eq!(summary.content_type, "video/webm");
    assert_eq!(summary.size, body.len() as u64);
    assert!(
        summary.uploaded_at.ends_with('Z'),
        "{}",
        summary.uploaded_at
    );

    let video = app.video(&plan.id).await;
    assert_eq!(&video.summary, summary);
    let response = app.http.get(&video.url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "video/webm");
    let disposition = response.headers()[CONTENT_DISPOSITION].to_str().unwrap();
    assert_eq!(
        disposition,
        vidrop::metadata::content_disposition(vidrop::metadata::Disposition::Inline, filename)
    );
    assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());
    app.server.shutdown().await;
}

/// Seeking: a Range GET on the presigned URL answers 206 with those bytes.
#[tokio::test]
async fn a_range_request_answers_partial_content() {
    let (app, _dir) = start_server().await;
    let body = payload(100_000, 11);
    let plan = app.upload("clip.mp4", "video/mp4", &body).await;
    let video = app.video(&plan.id).await;

    let response = app
        .http
        .get(&video.url)
        .header(RANGE, "bytes=1000-1999")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.headers()[CONTENT_RANGE], "bytes 1000-1999/100000");
    assert_eq!(response.bytes().await.unwrap().as_ref(), &body[1000..2000]);
    app.server.shutdown().await;
}

/// The store refuses a presigned PUT sent with another length, another
/// content type, or a signature changed by one character.
#[tokio::test]
async fn the_store_refuses_puts_that_break_the_signature() {
    let (app, _dir) = start_server().await;
    let body = payload(4096, 3);
    let plan = app
        .create_upload(json!({"filename": "a.webm", "content_type": "video/webm", "size": 4096}))
        .await;

    let longer = app.put_to_store(&plan, payload(4097, 3)).await;
    assert_eq!(longer.status(), StatusCode::FORBIDDEN, "another length");

    let mut other_type = plan.clone();
    other_type
        .headers
        .insert("content-type".into(), "video/mp4".into());
    let response = app.put_to_store(&other_type, body.clone()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "another type");

    let mut other_name = plan.clone();
    other_name
        .headers
        .insert("x-amz-meta-filename".into(), "b.webm".into());
    let response = app.put_to_store(&other_name, body.clone()).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "another file name"
    );

    let mut tampered = plan.clone();
    tampered.url = tamper_signature(&plan.url);
    assert_ne!(tampered.url, plan.url);
    let response = app.put_to_store(&tampered, body.clone()).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "tampered signature"
    );

    assert!(app.videos().await.videos.is_empty(), "nothing was stored");
    let response = app.put_to_store(&plan, body).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "the URL itself still works"
    );
    app.server.shutdown().await;
}

/// A presigned URL stops working once its expiry has passed.
#[tokio::test]
async fn the_store_refuses_an_expired_url() {
    let (app, _dir) = start_server_with(|args| args.presign_expiry = 1).await;
    let body = payload(1024, 5);
    let plan = app
        .create_upload(
            json!({"filename": "a.mov", "content_type": "video/quicktime", "size": 1024}),
        )
        .await;
    assert_eq!(
        query_param(&plan.url, "X-Amz-Expires").as_deref(),
        Some("1")
    );
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let response = app.put_to_store(&plan, body).await;
    let status = response.status();
    let refusal = response.text().await.unwrap();
    // AWS and the embedded store answer 403; Garage, 400 ("Date is too old").
    if app.server.embedded_store().is_some() {
        assert_eq!(status, StatusCode::FORBIDDEN, "{refusal}");
    } else {
        assert!(status.is_client_error(), "{status}: {refusal}");
    }
    assert!(app.videos().await.videos.is_empty());
    app.server.shutdown().await;
}

/// With a `sha256`, the checksum is signed and sent as a header; the store
/// takes the body it matches, and refuses (and does not store) another of the
/// same length.
#[tokio::test]
async fn a_given_checksum_is_bound_into_the_upload() {
    let (app, _dir) = start_server().await;
    let body = payload(8192, 13);
    let sha256 = sha256(&body);
    let plan = app
        .create_upload(json!({
            "filename": "sum.webm", "content_type": "video/webm", "size": body.len(), "sha256": sha256,
        }))
        .await;
    assert_eq!(plan.headers["x-amz-checksum-sha256"], sha256);
    let signed = query_param(&plan.url, "X-Amz-SignedHeaders").unwrap();
    assert!(signed.contains("x-amz-checksum-sha256"), "{signed}");

    let other = app.put_to_store(&plan, payload(8192, 14)).await;
    assert_eq!(other.status(), StatusCode::BAD_REQUEST, "another body");
    let refusal = other.text().await.unwrap();
    // AWS names it BadDigest; Garage, InvalidDigest.
    assert!(
        refusal.contains("BadDigest") || refusal.contains("InvalidDigest"),
        "{refusal}"
    );
    assert!(
        app.videos().await.videos.is_empty(),
        "a body that fails its checksum is not stored"
    );
    let response = app.put_to_store(&plan, body.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video = app.video(&plan.id).await;
    let stored = app.http.get(&video.url).send().await.unwrap();
    assert_eq!(stored.bytes().await.unwrap().as_ref(), body.as_slice());

    let overwrite = app.put_to_store(&plan, payload(8192, 15)).await;
    // Refused for the object that exists (If-None-Match), or on a store
    // that ignores that (Garage) for the bytes the URL's checksum binds.
    let refused = if app.store().refuses_overwrites().await {
        StatusCode::PRECONDITION_FAILED
    } else {
        StatusCode::BAD_REQUEST
    };
    assert_eq!(overwrite.status(), refused, "a second PUT to a used URL");
    let stored = app.http.get(&video.url).send().await.unwrap();
    assert_eq!(
        stored.bytes().await.unwrap().as_ref(),
        body.as_slice(),
        "a refused body does not replace the object"
    );

    let response = app
        .post_json(
            "/api/uploads",
            &json!({"filename": "a.webm", "content_type": "video/webm", "size": 1, "sha256": "abc"}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_checksum"
    );
    app.server.shutdown().await;
}

/// The `/presign` protocol, exactly as the AWS SDK for Go's example client
/// uses it: ask for a PUT with the length, send every header given, then ask
/// for a GET and read the bytes back.
#[tokio::test]
async fn the_go_presign_protocol_round_trips() {
    let (app, _dir) = start_server().await;
    let body = payload(5000, 21);

    let response = app
        .get(&format!(
            "/presign/some/key.bin?method=PUT&contentLength={}",
            body.len()
        ))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let raw: Value = response.json().await.unwrap();
    assert_eq!(raw["Method"], "PUT");
    // The length, a type from the extension (never text/html), and
    // `If-None-Match: *`: the key can be written once, never replaced.
    assert_eq!(
        raw["Header"],
        json!({
            "Content-Length": ["5000"],
            "Content-Type": ["application/octet-stream"],
            "If-None-Match": ["*"],
        })
    );
    let put: PresignResponse = serde_json::from_value(raw).unwrap();
    let mut request = app.http.request(put.method.parse().unwrap(), &put.url);
    for (name, values) in &put.header {
        for value in values {
            request = request.header(name, value);
        }
    }
    let response = request.body(body.clone()).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "PUT as client.go does");

    let response = app
        .get("/presign/some/key.bin?method=GET&contentLength=0")
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let get: PresignResponse = response.json().await.unwrap();
    assert_eq!(get.method, "GET");
    assert!(get.header.is_empty(), "{:?}", get.header);
    let response = app.http.get(&get.url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());

    assert!(
        app.videos().await.videos.is_empty(),
        "keys outside videos/ are not videos"
    );
    app.server.shutdown().await;
}

/// `/presign` refuses unknown methods, keys it may not sign, and PUTs
/// without a length or above the maximum, each with a JSON error.
#[tokio::test]
async fn the_go_presign_protocol_refuses_bad_requests() {
    let (app, _dir) = start_server_with(|args| args.max_size = 1000).await;
    let cases = [
        (
            "/presign/a/key?method=DELETE",
            StatusCode::BAD_REQUEST,
            "invalid_method",
        ),
        ("/presign/a/key", StatusCode::BAD_REQUEST, "invalid_method"),
        (
            "/presign/videos/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.webm?method=PUT&contentLength=10",
            StatusCode::FORBIDDEN,
            "reserved_key",
        ),
        (
            "/presign/a//b?method=GET",
            StatusCode::BAD_REQUEST,
            "invalid_key",
        ),
        (
            "/presign/a%5Cb?method=PUT&contentLength=1",
            StatusCode::BAD_REQUEST,
            "invalid_key",
        ),
        (
            "/presign/a/key?method=PUT",
            StatusCode::BAD_REQUEST,
            "missing_content_length",
        ),
        (
            "/presign/a/key?method=PUT&contentLength=1001",
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
        (
            "/presign/a/key?method=PUT&contentLength=lots",
            StatusCode::BAD_REQUEST,
            "invalid_query",
        ),
    ];
    for (path, status, code) in cases {
        let response = app.get(path).await;
        assert_eq!(response.status(), status, "{path}");
        assert_eq!(error_code(response, status).await, code, "{path}");
    }
    // A GET of a key nobody wrote still signs; S3 answers 404 itself.
    let response = app.get("/presign/nothing/here?method=GET").await;
    assert_eq!(response.status(), StatusCode::OK);
    let get: PresignResponse = response.json().await.unwrap();
    let response = app.http.get(&get.url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    app.server.shutdown().await;
}

/// After a restart on the same data folder (new port, new credentials),
/// earlier videos are still listed and play back.
#[tokio::test]
async fn videos_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let body = payload(20_000, 31);
    let app = start_server_in(dir.path(), |_| {}).await;
    let plan = app.upload("keep me.mkv", "video/x-matroska", &body).await;
    let old_key = app.server.embedded_store().map(|s| s.access_key.clone());
    app.server.shutdown().await;

    let app = start_server_in(dir.path(), |_| {}).await;
    // The embedded store's own facts (an external store keeps its bucket
    // and credentials over the restart).
    if let (Some(store), Some(old_key)) = (app.server.embedded_store(), old_key) {
        assert_ne!(store.access_key, old_key, "fresh credentials");
        assert!(
            store.bucket_dir.join(&plan.key).is_file(),
            "the object is a file in the bucket folder"
        );
    }
    let list = app.videos().await;
    assert_eq!(list.videos.len(), 1);
    assert_eq!(list.videos[0].filename, "keep me.mkv");
    let video = app.video(&plan.id).await;
    let response = app.http.get(&video.url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap().as_ref(), body.as_slice());
    app.server.shutdown().await;
}

/// Bad input (malformed JSON, a missing field, a non-video type, an empty or
/// too large file, a bad id) answers a JSON error with the right status, and
/// what was stored before stays.
#[tokio::test]
async fn bad_input_answers_json_errors_and_loses_nothing() {
    let (app, _dir) = start_server_with(|args| args.max_size = 50_000).await;
    let plan = app
        .upload("first.webm", "video/webm", &payload(10_000, 41))
        .await;

    let response = app
        .http
        .post(app.url("/api/uploads"))
        .header(CONTENT_TYPE, "application/json")
        .body("{\"filename\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_body"
    );
    let response = app
        .post_json("/api/uploads", &json!({"filename": "a.webm", "size": 1}))
        .await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_body"
    );

    let cases = [
        (
            "notes.txt",
            "text/plain",
            100,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_type",
        ),
        (
            "empty.webm",
            "video/webm",
            0,
            StatusCode::BAD_REQUEST,
            "empty_file",
        ),
        (
            "big.webm",
            "video/webm",
            50_001,
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
        ),
    ];
    for (filename, content_type, size, status, code) in cases {
        let response = app
            .post_json(
                "/api/uploads",
                &json!({"filename": filename, "content_type": content_type, "size": size}),
            )
            .await;
        assert_eq!(error_code(response, status).await, code, "{filename}");
    }

    let response = app.get("/api/videos/not-a-ulid").await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_id"
    );
    let response = app.get("/api/videos/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG").await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let response = app.get("/api/nothing-here").await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let response = app
        .http
        .delete(app.url("/api/videos"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response, StatusCode::METHOD_NOT_ALLOWED).await,
        "method_not_allowed"
    );

    let list = app.videos().await;
    assert_eq!(list.videos.len(), 1);
    assert_eq!(list.videos[0].id, plan.id);
    app.server.shutdown().await;
}

/// Health says the server uses the embedded store and names its bucket.
#[tokio::test]
async fn health_names_the_embedded_store() {
    let (app, _dir) = start_server().await;
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.storage, StorageKind::Embedded);
    assert_eq!(health.bucket, "vidrop");
    let store = app.server.embedded_store().unwrap();
    assert_eq!(store.bucket, "vidrop");
    assert!(store.endpoint.starts_with("http://127.0.0.1:"));
    assert!(store.bucket_dir.is_dir(), "the bucket was created");
    app.server.shutdown().await;
}

/// Videos are listed newest first.
#[tokio::test]
async fn videos_are_listed_newest_first() {
    let (app, _dir) = start_server().await;
    let first = app.upload("1.webm", "video/webm", &payload(100, 1)).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = app.upload("2.webm", "video/webm", &payload(100, 2)).await;
    let ids: Vec<String> = app
        .videos()
        .await
        .videos
        .into_iter()
        .map(|v| v.id)
        .collect();
    assert_eq!(ids, [second.id, first.id]);
    app.server.shutdown().await;
}

/// The embedded store answers CORS preflights for the backend's own origin,
/// trunk's dev origin and `--cors-origin`s, mirrors the requested headers,
/// exposes `ETag`, and says nothing to other origins.
#[tokio::test]
async fn the_embedded_store_answers_cors_for_allowed_origins() {
    let (app, _dir) =
        start_server_with(|args| args.cors_origins = vec!["https://host.example".into()]).await;
    let plan = app
        .create_upload(json!({"filename": "a.webm", "content_type": "video/webm", "size": 3}))
        .await;
    let own = app.server.base_url();
    let localhost = format!("http://localhost:{}", app.server.addr().port());
    for origin in [
        own.as_str(),
        localhost.as_str(),
        "http://localhost:8080",
        "https://host.example",
    ] {
        let response = app
            .http
            .request(reqwest::Method::OPTIONS, &plan.url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PUT")
            .header(
                "Access-Control-Request-Headers",
                "content-type,x-amz-meta-filename",
            )
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{origin}: {}",
            response.status()
        );
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], origin);
        assert_eq!(
            headers["access-control-allow-headers"],
            "content-type,x-amz-meta-filename"
        );
        let methods = headers["access-control-allow-methods"].to_str().unwrap();
        assert!(
            methods.contains("PUT") && methods.contains("GET"),
            "{methods}"
        );
    }

    let response = app
        .http
        .request(reqwest::Method::OPTIONS, &plan.url)
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "PUT")
        .send()
        .await
        .unwrap();
    assert!(
        !response
            .headers()
            .contains_key("access-control-allow-origin")
    );

    let request = app.http.put(&plan.url).header("Origin", own.as_str());
    let response = with_signed_headers(request, &plan.headers)
        .body(vec![1u8, 2, 3])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        own.as_str()
    );
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
    app.server.shutdown().await;
}

/// `--static-dir` serves the built widget at `/`, `index.html` for paths
/// that name no file, while unknown `/api` paths stay JSON 404s.
#[tokio::test]
async fn a_static_dir_serves_the_widget() {
    let dist = tempfile::tempdir().unwrap();
    std::fs::write(
        dist.path().join("index.html"),
        "<!doctype html><p>vidrop</p>",
    )
    .unwrap();
    std::fs::write(dist.path().join("app.js"), "console.log(1)").unwrap();
    let static_dir = dist.path().to_owned();
    let (app, _dir) = start_server_with(|args| args.static_dir = Some(static_dir)).await;

    for path in ["/", "/some/page"] {
        let response = app.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert!(response.text().await.unwrap().contains("vidrop"), "{path}");
    }
    let response = app.get("/app.js").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "console.log(1)");
    let response = app.get("/api/unknown").await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let response = app.get("/api/health").await;
    assert_eq!(response.status(), StatusCode::OK);
    app.server.shutdown().await;
}

/// `--public-s3-endpoint` changes the endpoint presigned URLs name, and only
/// that: the backend itself still reaches the store.
#[tokio::test]
async fn a_public_endpoint_is_named_in_presigned_urls() {
    let (app, _dir) =
        start_server_with(|args| args.public_s3_endpoint = Some("http://media.localhost:9".into()))
            .await;
    let plan = app
        .create_upload(json!({"filename": "a.webm", "content_type": "video/webm", "size": 3}))
        .await;
    assert!(
        plan.url.starts_with(&format!(
            "http://media.localhost:9/{}/videos/",
            app.server.storage().bucket()
        )),
        "{}",
        plan.url
    );
    assert!(app.videos().await.videos.is_empty(), "listing still works");
    app.server.shutdown().await;
}
