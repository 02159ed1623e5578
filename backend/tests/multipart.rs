//! End-to-end tests of multipart uploads over HTTP: a real server on
//! `127.0.0.1:0` with a small `--multipart-threshold` and its embedded S3
//! store, driven by `reqwest` the way the widget drives it (sign parts, PUT
//! them to the store, complete), and the store itself looked at with
//! `aws-sdk-s3` (ListMultipartUploads, HeadObject, ListParts).

mod common;
use common::{error_code, payload, query_param, sha256, with_signed_headers};
use reqwest::StatusCode;
use reqwest::header::ETAG;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;
use tempfile::TempDir;
use vidrop::test_store::{StoreAccess, TestClient};
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{
    MultipartUpload, SignedPart, SignedParts, StoredParts, UploadPlan, Video, VideoList,
};
use vidrop_shared::keys::pending_manifest_key;
use vidrop_shared::limits::MIB;
use vidrop_shared::parts::{MAX_PARTS_PER_REQUEST, PartPlan};

/// 17 MiB: three parts of 8, 8 and 1 MiB.
const THREE_PARTS: usize = 17 * MIB as usize;

/// A running server with a 1 MiB multipart threshold, and an HTTP client.
struct App {
    server: Server,
    /// Sends the suite's API key to the server when it runs closed on an
    /// external store (`vidrop::test_store`).
    http: TestClient,
    _dir: Option<TempDir>,
}

/// Starts a server whose uploads above 1 MiB are multipart.
async fn start() -> App {
    start_with(|_| {}).await
}

/// [`start`], with settings changed by `tweak`.
async fn start_with(tweak: impl FnOnce(&mut ServeArgs)) -> App {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut app = start_in(dir.path(), tweak).await;
    app._dir = Some(dir);
    app
}

/// A server whose embedded store keeps its data in `data_dir`.
async fn start_in(data_dir: &Path, tweak: impl FnOnce(&mut ServeArgs)) -> App {
    let mut args = ServeArgs::for_tests(data_dir);
    args.multipart_threshold = MIB;
    tweak(&mut args);
    let api_key = vidrop::test_store::place_closed(&mut args).await;
    let server = Server::start(args).await.expect("the server starts");
    App {
        http: TestClient::new(&server.base_url(), api_key),
        server,
        _dir: None,
    }
}

/// A multipart upload under way: the plan and the file's bytes.
struct Upload {
    plan: MultipartUpload,
    body: Vec<u8>,
}

impl Upload {
    fn part_plan(&self) -> PartPlan {
        PartPlan::announced(
            self.body.len() as u64,
            self.plan.part_size,
            self.plan.part_count,
        )
        .expect("the announced plan cuts the file")
    }

    /// The bytes of part `number`.
    fn part(&self, number: u32) -> &[u8] {
        let range = self.part_plan().range(number);
        &self.body[range.start as usize..range.end as usize]
    }

    fn numbers(&self) -> Vec<u32> {
        (1..=self.plan.part_count).collect()
    }
}

impl App {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    /// `POST /api/uploads` for `body`, expecting a multipart plan.
    async fn create(&self, filename: &str, body: Vec<u8>) -> Upload {
        let response = self
            .post(
                "/api/uploads",
                &json!({"filename": filename, "content_type": "video/webm", "size": body.len()}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "create upload");
        match response.json::<UploadPlan>().await.expect("a plan") {
            UploadPlan::Multipart(plan) => Upload { plan, body },
            other => panic!("expected a multipart upload, got {other:?}"),
        }
    }

    /// `POST /api/uploads/{id}/parts` for `numbers`, each with its SHA-256.
    async fn sign(&self, upload: &Upload, numbers: &[u32]) -> SignedParts {
        let parts: Vec<Value> = numbers
            .iter()
            .map(|&n| json!({"part_number": n, "sha256": sha256(upload.part(n))}))
            .collect();
        let response = self
            .post(
                &format!("/api/uploads/{}/parts", upload.plan.id),
                &json!({"upload_id": upload.plan.upload_id, "parts": parts}),
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "sign parts");
        response.json().await.expect("signed parts")
    }

    /// PUTs `body` to a signed part URL with its headers, as a browser does
    /// (which sets `Content-Length` itself).
    async fn put_part(&self, signed: &SignedPart, body: Vec<u8>) -> reqwest::Response {
        with_signed_headers(self.http.put(&signed.url).body(body), &signed.headers)
            .send()
            .await
            .expect("PUT a part")
    }

    /// Signs and PUTs every part; answers `(part number, ETag)` pairs.
    async fn upload_all(&self, upload: &Upload) -> Vec<(u32, String)> {
        let signed = self.sign(upload, &upload.numbers()).await;
        let mut etags = Vec::new();
        for part in &signed.parts {
            let response = self
                .put_part(part, upload.part(part.part_number).to_vec())
                .await;
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "part {}",
                part.part_number
            );
            let etag = response.headers()[ETAG].to_str().unwrap().to_owned();
            etags.push((part.part_number, etag));
        }
        etags
    }

    async fn complete(&self, upload: &Upload, parts: Value) -> reqwest::Response {
        self.post(
            &format!("/api/uploads/{}/complete", upload.plan.id),
            &json!({"upload_id": upload.plan.upload_id, "parts": parts}),
        )
        .await
    }

    async fn stored_parts(&self, upload: &Upload) -> StoredParts {
        let response = self
            .get(&format!(
                "/api/uploads/{}/parts?upload_id={}",
                upload.plan.id, upload.plan.upload_id
            ))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "list parts");
        response.json().await.expect("stored parts")
    }

    async fn videos(&self) -> VideoList {
        let response = self.get("/api/videos").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("videos")
    }

    /// An S3 client on the server's store, with its credentials.
    fn s3(&self) -> aws_sdk_s3::Client {
        StoreAccess::of(self.server.embedded_store(), self.server.storage().bucket()).client
    }

    fn bucket(&self) -> String {
        self.server.storage().bucket().to_owned()
    }

    /// The bytes of the object at `key`, if it exists.
    async fn object_bytes(&self, key: &str) -> Option<Vec<u8>> {
        match self
            .s3()
            .get_object()
            .bucket(self.bucket())
            .key(key)
            .send()
            .await
        {
            Ok(object) => Some(object.body.collect().await.expect("the body").to_vec()),
            Err(err) if err.raw_response().map(|r| r.status().as_u16()) == Some(404) => None,
            Err(err) => panic!("GetObject {key}: {err:?}"),
        }
    }

    /// The keys of the multipart uploads the store has in progress.
    async fn uploads_in_store(&self) -> Vec<String> {
        let listed = self
            .s3()
            .list_multipart_uploads()
            .bucket(self.bucket())
            .send()
            .await
            .expect("ListMultipartUploads");
        listed
            .uploads()
            .iter()
            .map(|upload| upload.key().unwrap_or_default().to_owned())
            .collect()
    }

    /// Whether the store has an object at `key` (HeadObject).
    async fn object_exists(&self, key: &str) -> bool {
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

/// The completion body of `(part number, ETag)` pairs.
fn completed(etags: &[(u32, String)]) -> Value {
    Value::Array(
        etags
            .iter()
            .map(|(n, etag)| json!({"part_number": n, "etag": etag}))
            .collect(),
    )
}

/// A 17 MiB file goes up in three presigned parts (each URL binding its
/// length and SHA-256, nothing else to send), completes into a byte-identical
/// object with the approved name and type, is listed, and leaves no upload
/// and no manifest behind.
#[tokio::test]
async fn a_multipart_upload_completes_byte_identical() {
    let app = start().await;
    let body = payload(THREE_PARTS, 101);
    let upload = app.create("Long take (4K).webm", body.clone()).await;
    let plan = &upload.plan;
    assert_eq!((plan.part_size, plan.part_count), (8 * MIB, 3));
    assert_eq!(plan.key, format!("videos/{}.webm", plan.id));
    assert!(plan.expires_at.ends_with('Z'), "{}", plan.expires_at);
    let manifest = app
        .object_bytes(&pending_manifest_key(&plan.id))
        .await
        .expect("a manifest");
    let manifest: Value = serde_json::from_slice(&manifest).unwrap();
    assert_eq!(manifest["upload_id"], plan.upload_id.as_str());
    assert_eq!(manifest["size"], THREE_PARTS);
    assert_eq!(manifest["content_type"], "video/webm");
    assert_eq!(manifest["filename"], "Long take (4K).webm");
    assert_eq!(
        app.uploads_in_store().await,
        std::slice::from_ref(&plan.key)
    );

    let signed = app.sign(&upload, &[1, 2, 3]).await;
    assert_eq!(signed.parts.len(), 3);
    for part in &signed.parts {
        let names: Vec<&str> = part.headers.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            ["content-length", "x-amz-checksum-sha256"],
            "{part:?}"
        );
        let length = upload.part(part.part_number).len();
        assert_eq!(part.headers["content-length"], length.to_string());
        assert_eq!(
            part.headers["x-amz-checksum-sha256"],
            sha256(upload.part(part.part_number))
        );
        assert_eq!(
            query_param(&part.url, "X-Amz-SignedHeaders").as_deref(),
            Some("content-length;host;x-amz-checksum-sha256")
        );
        assert_eq!(
            query_param(&part.url, "partNumber"),
            Some(part.part_number.to_string())
        );
        let lower = part.url.to_ascii_lowercase();
        assert!(!lower.contains("x-amz-sdk-checksum"), "{}", part.url);
        assert!(!lower.contains("crc32"), "{}", part.url);
    }
    let mut etags = Vec::new();
    for part in &signed.parts {
        let bytes = upload.part(part.part_number).to_vec();
        let response = app.put_part(part, bytes.clone()).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["x-amz-checksum-sha256"],
            sha256(&bytes).as_str()
        );
        etags.push((
            part.part_number,
            response.headers()[ETAG].to_str().unwrap().to_owned(),
        ));
    }

    // Out of order, one part without its checksum: the server sorts and
    // takes the stored checksum.
    let mut parts = Vec::new();
    for (n, etag) in etags.iter().rev() {
        let mut part = json!({"part_number": n, "etag": etag});
        if *n != 2 {
            part["sha256"] = json!(sha256(upload.part(*n)));
        }
        parts.push(part);
    }
    let response = app.complete(&upload, Value::Array(parts)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: Video = response.json().await.unwrap();
    assert_eq!(video.summary.id, plan.id);
    assert_eq!(video.summary.size, THREE_PARTS as u64);
    assert_eq!(video.summary.content_type, "video/webm");
    assert_eq!(video.summary.filename, "Long take (4K).webm");
    let stored = app.http.get(&video.url).send().await.unwrap();
    assert_eq!(stored.status(), StatusCode::OK);
    assert!(
        stored.bytes().await.unwrap().as_ref() == body.as_slice(),
        "byte-identical"
    );

    let list = app.videos().await;
    assert_eq!(list.videos.len(), 1);
    assert_eq!(list.videos[0], video.summary);
    assert!(app.uploads_in_store().await.is_empty());
    assert!(
        !app.object_exists(&pending_manifest_key(&plan.id)).await,
        "the manifest is deleted"
    );
    // The embedded store's staging files (another store's are out of sight).
    if let Some(store) = app.server.embedded_store() {
        let leftovers: Vec<String> = std::fs::read_dir(&store.data_dir)
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.starts_with(".upload"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }
    app.server.shutdown().await;
}

/// A part whose bytes do not match the SHA-256 its URL was signed with (same
/// length) is refused by the store with `400 BadDigest` and nothing is
/// stored for it; the honest retry of the same URL then succeeds.
#[tokio::test]
async fn a_part_with_a_wrong_checksum_is_refused_and_a_retry_succeeds() {
    let app = start().await;
    let upload = app.create("a.webm", payload(9 * MIB as usize, 7)).await;
    assert_eq!(upload.plan.part_count, 2);
    let signed = app.sign(&upload, &[2]).await;
    let part = &signed.parts[0];
    let mut altered = upload.part(2).to_vec();
    altered[1000] ^= 0xff;

    let response = app.put_part(part, altered).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let refusal = response.text().await.unwrap();
    // AWS names it BadDigest; Garage, InvalidDigest.
    assert!(
        refusal.contains("BadDigest") || refusal.contains("InvalidDigest"),
        "{refusal}"
    );
    assert!(
        app.stored_parts(&upload).await.parts.is_empty(),
        "nothing stored"
    );

    let response = app.put_part(part, upload.part(2).to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let stored = app.stored_parts(&upload).await;
    assert_eq!(stored.parts.len(), 1);
    assert_eq!(stored.parts[0].part_number, 2);
    assert_eq!(stored.parts[0].size, MIB);
    assert_eq!(
        stored.parts[0].sha256.as_ref().map(|s| s.as_str()),
        Some(sha256(upload.part(2)).as_str())
    );
    assert_eq!(
        format!("\"{}\"", stored.parts[0].etag.trim_matches('"')),
        response.headers()[ETAG].to_str().unwrap()
    );
    app.server.shutdown().await;
}

/// A part of another length than its URL binds is refused (`403`), whether
/// shorter or longer, and nothing is stored for it.
#[tokio::test]
async fn a_part_of_the_wrong_length_is_refused() {
    let app = start().await;
    let upload = app.create("a.webm", payload(9 * MIB as usize, 8)).await;
    let signed = app.sign(&upload, &[2]).await;
    let part = &signed.parts[0];
    let bytes = upload.part(2);

    let shorter = app.put_part(part, bytes[..bytes.len() - 1].to_vec()).await;
    assert_eq!(shorter.status(), StatusCode::FORBIDDEN, "shorter");
    let mut longer = bytes.to_vec();
    longer.push(0);
    let longer = app.put_part(part, longer).await;
    assert_eq!(longer.status(), StatusCode::FORBIDDEN, "longer");
    assert!(app.stored_parts(&upload).await.parts.is_empty());
    app.server.shutdown().await;
}

/// A part PUT that the client breaks off mid-body stores nothing, and the
/// upload goes on.
#[tokio::test]
async fn a_part_broken_off_mid_body_stores_nothing() {
    use tokio::io::AsyncWriteExt;
    let app = start().await;
    let upload = app.create("a.webm", payload(9 * MIB as usize, 9)).await;
    let signed = app.sign(&upload, &[2]).await;
    let part = &signed.parts[0];
    let url = reqwest::Url::parse(&part.url).unwrap();
    let mut stream = tokio::net::TcpStream::connect((url.host_str().unwrap(), url.port().unwrap()))
        .await
        .unwrap();
    let mut head = format!(
        "PUT {}?{} HTTP/1.1\r\nHost: {}:{}\r\n",
        url.path(),
        url.query().unwrap(),
        url.host_str().unwrap(),
        url.port().unwrap()
    );
    for (name, value) in &part.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    stream
        .write_all(&upload.part(2)[..MIB as usize / 2])
        .await
        .unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    drop(stream);
    tokio::time::sleep(Duration::from_millis(200)).await;

    assert!(app.stored_parts(&upload).await.parts.is_empty());
    let response = app.put_part(part, upload.part(2).to_vec()).await;
    assert_eq!(response.status(), StatusCode::OK, "the URL still works");
    app.server.shutdown().await;
}

/// Completing with a wrong ETag (or a wrong checksum) fails with `400
/// part_mismatch` and leaves no object; the upload stays in progress, so
/// completing with the right ETags then works.
#[tokio::test]
async fn completing_with_a_wrong_etag_fails_and_leaves_no_object() {
    let app = start().await;
    let upload = app.create("a.webm", payload(THREE_PARTS, 11)).await;
    let etags = app.upload_all(&upload).await;

    let mut wrong = etags.clone();
    wrong[0].1 = "\"0123456789abcdef0123456789abcdef\"".to_owned();
    let response = app.complete(&upload, completed(&wrong)).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "part_mismatch"
    );
    assert!(!app.object_exists(&upload.plan.key).await, "no object");
    assert!(app.videos().await.videos.is_empty());

    let mut wrong_sum = completed(&etags);
    wrong_sum[1]["sha256"] = json!(sha256(b"other bytes"));
    let response = app.complete(&upload, wrong_sum).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "part_mismatch"
    );
    assert!(!app.object_exists(&upload.plan.key).await, "no object");

    assert_eq!(
        app.uploads_in_store().await,
        std::slice::from_ref(&upload.plan.key)
    );
    assert_eq!(app.stored_parts(&upload).await.parts.len(), 3);
    let response = app.complete(&upload, completed(&etags)).await;
    assert_eq!(response.status(), StatusCode::OK, "the retry completes");
    assert!(app.object_exists(&upload.plan.key).await);
    app.server.shutdown().await;
}

/// Completing again after success (the first answer lost, say) answers the
/// same video, whether the second call carries the parts or not.
#[tokio::test]
async fn completing_twice_answers_the_same_video() {
    let app = start().await;
    let upload = app.create("twice.webm", payload(THREE_PARTS, 13)).await;
    let etags = app.upload_all(&upload).await;
    let first = app.complete(&upload, completed(&etags)).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Video = first.json().await.unwrap();

    let again = app.complete(&upload, completed(&etags)).await;
    assert_eq!(again.status(), StatusCode::OK);
    let again: Video = again.json().await.unwrap();
    assert_eq!(again.summary, first.summary);
    let bare = app.complete(&upload, json!([])).await;
    assert_eq!(bare.status(), StatusCode::OK);
    let bare: Video = bare.json().await.unwrap();
    assert_eq!(bare.summary, first.summary);
    assert_eq!(app.videos().await.videos.len(), 1);
    app.server.shutdown().await;
}

/// Completion also stays correct when its manifest outlives the upload (the
/// answer of the first completion lost before the manifest went): S3 says
/// NoSuchUpload, the object is checked against the manifest, and the same
/// video is answered.
#[tokio::test]
async fn completing_after_s3_completed_answers_the_video() {
    let app = start().await;
    let upload = app.create("late.webm", payload(THREE_PARTS, 14)).await;
    let etags = app.upload_all(&upload).await;
    // Complete in S3 directly, as a first call that died before answering.
    let s3 = app.s3();
    let mut parts = Vec::new();
    for (n, etag) in &etags {
        parts.push(
            aws_sdk_s3::types::CompletedPart::builder()
                .part_number(*n as i32)
                .e_tag(etag)
                .checksum_sha256(sha256(upload.part(*n)))
                .build(),
        );
    }
    s3.complete_multipart_upload()
        .bucket(app.bucket())
        .key(&upload.plan.key)
        .upload_id(&upload.plan.upload_id)
        .multipart_upload(
            aws_sdk_s3::types::CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
        .expect("CompleteMultipartUpload");

    let response = app.complete(&upload, completed(&etags)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: Video = response.json().await.unwrap();
    assert_eq!(video.summary.size, THREE_PARTS as u64);
    assert!(
        !app.object_exists(&pending_manifest_key(&upload.plan.id))
            .await,
        "the manifest is deleted"
    );
    app.server.shutdown().await;
}

/// A completed object that is not what the manifest approved (here: the
/// manifest says another type) is deleted and the answer is `422
/// verification_failed`.
#[tokio::test]
async fn an_object_that_is_not_what_was_approved_is_deleted() {
    let app = start().await;
    let upload = app.create("a.webm", payload(THREE_PARTS, 15)).await;
    let etags = app.upload_all(&upload).await;
    let key = pending_manifest_key(&upload.plan.id);
    let s3 = app.s3();
    let manifest = s3
        .get_object()
        .bucket(app.bucket())
        .key(&key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    let mut manifest: Value = serde_json::from_slice(&manifest).unwrap();
    manifest["content_type"] = json!("video/mp4");
    s3.put_object()
        .bucket(app.bucket())
        .key(&key)
        .body(serde_json::to_vec(&manifest).unwrap().into())
        .send()
        .await
        .unwrap();

    let response = app.complete(&upload, completed(&etags)).await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "verification_failed"
    );
    assert!(!app.object_exists(&upload.plan.key).await, "deleted");
    assert!(!app.object_exists(&key).await, "manifest deleted");
    assert!(app.videos().await.videos.is_empty());
    app.server.shutdown().await;
}

/// `GET …/parts` lists what was uploaded, with ETags, sizes and checksums;
/// the listing gathers every page of ListParts, which the embedded store
/// paginates by `max-parts` like S3.
#[tokio::test]
async fn stored_parts_are_listed_across_pages() {
    let app = start().await;
    let upload = app.create("a.webm", payload(THREE_PARTS, 17)).await;
    let signed = app.sign(&upload, &[3, 1]).await;
    let mut etags = Vec::new();
    for part in &signed.parts {
        let response = app
            .put_part(part, upload.part(part.part_number).to_vec())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        etags.push((
            part.part_number,
            response.headers()[ETAG]
                .to_str()
                .unwrap()
                .trim_matches('"')
                .to_owned(),
        ));
    }
    let stored = app.stored_parts(&upload).await;
    let numbers: Vec<u32> = stored.parts.iter().map(|p| p.part_number).collect();
    assert_eq!(numbers, [1, 3]);
    for part in &stored.parts {
        assert_eq!(part.size, upload.part(part.part_number).len() as u64);
        assert_eq!(
            part.sha256.as_ref().map(|s| s.as_str()),
            Some(sha256(upload.part(part.part_number)).as_str())
        );
        let uploaded = etags.iter().find(|(n, _)| *n == part.part_number).unwrap();
        assert_eq!(part.etag.trim_matches('"'), uploaded.1);
    }

    let paged = app
        .server
        .storage()
        .list_parts_paged(&upload.plan.key, &upload.plan.upload_id, Some(1))
        .await
        .unwrap()
        .expect("the upload exists");
    assert_eq!(paged, stored.parts, "one part per page, same result");

    let page = app
        .s3()
        .list_parts()
        .bucket(app.bucket())
        .key(&upload.plan.key)
        .upload_id(&upload.plan.upload_id)
        .max_parts(1)
        .send()
        .await
        .unwrap();
    assert_eq!(page.parts().len(), 1);
    assert_eq!(page.is_truncated(), Some(true));
    assert_eq!(page.next_part_number_marker(), Some("1"));
    app.server.shutdown().await;
}

/// Abort leaves no upload in ListMultipartUploads, no part files and no
/// manifest; aborting again answers `204` too, and the upload is gone for
/// the other routes (`404 upload_not_found`).
#[tokio::test]
async fn abort_leaves_no_upload_and_no_manifest() {
    let app = start().await;
    let upload = app.create("a.webm", payload(9 * MIB as usize, 19)).await;
    let signed = app.sign(&upload, &[1]).await;
    let response = app
        .put_part(&signed.parts[0], upload.part(1).to_vec())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(app.uploads_in_store().await.len(), 1);
    let abort_url = |upload_id: &str| {
        app.url(&format!(
            "/api/uploads/{}?upload_id={upload_id}",
            upload.plan.id
        ))
    };

    let response = app.http.delete(abort_url("wrong")).send().await.unwrap();
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    assert_eq!(app.uploads_in_store().await.len(), 1, "still there");

    let response = app
        .http
        .delete(abort_url(&upload.plan.upload_id))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert!(app.uploads_in_store().await.is_empty());
    assert!(
        !app.object_exists(&pending_manifest_key(&upload.plan.id))
            .await,
        "the manifest is gone"
    );
    // The embedded store's staging files (another store's are out of sight).
    if let Some(store) = app.server.embedded_store() {
        let leftovers: Vec<String> = std::fs::read_dir(&store.data_dir)
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.contains(&upload.plan.upload_id))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    let response = app
        .http
        .delete(abort_url(&upload.plan.upload_id))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "idempotent");
    let response = app
        .get(&format!(
            "/api/uploads/{}/parts?upload_id={}",
            upload.plan.id, upload.plan.upload_id
        ))
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = app.complete(&upload, json!([])).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = app
        .post(
            &format!("/api/uploads/{}/parts", upload.plan.id),
            &json!({"upload_id": upload.plan.upload_id, "parts": [{"part_number": 1, "sha256": sha256(b"x")}]}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    app.server.shutdown().await;
}

/// The sweep aborts the uploads older than the age given, with their
/// manifests, deletes orphaned manifests that old, and leaves younger
/// uploads alone; ListMultipartUploads pages through both beforehand.
#[tokio::test]
async fn the_sweep_aborts_old_uploads_and_keeps_young_ones() {
    let app = start().await;
    let old = app.create("old.webm", payload(2 * MIB as usize, 21)).await;
    // A manifest whose upload is gone (say, aborted by a bucket lifecycle rule).
    let orphan = pending_manifest_key("01JD8Z3V5Q6W7X8Y9Z0ABCDEFG");
    app.s3()
        .put_object()
        .bucket(app.bucket())
        .key(&orphan)
        .body(b"{}".to_vec().into())
        .send()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let young = app
        .create("young.webm", payload(2 * MIB as usize, 22))
        .await;

    let listed = app
        .server
        .storage()
        .list_multipart_uploads_paged("videos/", Some(1))
        .await
        .unwrap();
    let keys: BTreeSet<String> = listed.iter().map(|u| u.key.clone()).collect();
    assert_eq!(
        keys,
        BTreeSet::from([old.plan.key.clone(), young.plan.key.clone()])
    );
    let started_old = listed
        .iter()
        .find(|u| u.key == old.plan.key)
        .unwrap()
        .initiated;
    let started_young = listed
        .iter()
        .find(|u| u.key == young.plan.key)
        .unwrap()
        .initiated;
    assert!(
        started_old.unwrap() < started_young.unwrap(),
        "Initiated times"
    );

    let report = app
        .server
        .sweep_abandoned(Duration::from_secs(1))
        .await
        .expect("the sweep runs");
    assert_eq!(report.aborted, std::slice::from_ref(&old.plan.key));
    assert_eq!(report.kept, 1);
    assert_eq!(
        report.manifests_deleted, 2,
        "the old upload's and the orphan"
    );
    assert!(!app.object_exists(&orphan).await);
    assert_eq!(
        app.uploads_in_store().await,
        std::slice::from_ref(&young.plan.key)
    );
    assert!(!app.object_exists(&pending_manifest_key(&old.plan.id)).await);
    assert!(
        app.object_exists(&pending_manifest_key(&young.plan.id))
            .await
    );

    // The young one still uploads and completes.
    let etags = app.upload_all(&young).await;
    let response = app.complete(&young, completed(&etags)).await;
    assert_eq!(response.status(), StatusCode::OK);
    app.server.shutdown().await;
}

/// Bad input to the multipart routes answers JSON errors with the right
/// status: part numbers outside the upload, too many parts at once, a
/// malformed or missing checksum, unknown ids and upload ids, incomplete
/// parts lists.
#[tokio::test]
async fn bad_multipart_input_answers_json_errors() {
    let app = start().await;
    let upload = app.create("a.webm", payload(THREE_PARTS, 23)).await;
    let id = &upload.plan.id;
    let upload_id = &upload.plan.upload_id;
    let good = sha256(b"x");
    let sign_path = format!("/api/uploads/{id}/parts");

    let too_many: Vec<Value> = (0..=MAX_PARTS_PER_REQUEST)
        .map(|_| json!({"part_number": 1, "sha256": good}))
        .collect();
    let cases = [
        (
            json!([{"part_number": 0, "sha256": good}]),
            StatusCode::BAD_REQUEST,
            "invalid_part",
        ),
        (
            json!([{"part_number": 4, "sha256": good}]),
            StatusCode::BAD_REQUEST,
            "invalid_part",
        ),
        (json!([]), StatusCode::BAD_REQUEST, "invalid_part"),
        (
            Value::Array(too_many),
            StatusCode::BAD_REQUEST,
            "too_many_parts",
        ),
        (
            json!([{"part_number": 1, "sha256": "abc"}]),
            StatusCode::BAD_REQUEST,
            "invalid_checksum",
        ),
        (
            json!([{"part_number": 1}]),
            StatusCode::BAD_REQUEST,
            "missing_checksum",
        ),
        (
            json!([{"part_number": -1, "sha256": good}]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
        ),
    ];
    for (parts, status, code) in cases {
        let shown = parts.to_string();
        let response = app
            .post(&sign_path, &json!({"upload_id": upload_id, "parts": parts}))
            .await;
        assert_eq!(error_code(response, status).await, code, "{shown:.80}");
    }

    let unknown = "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG";
    let response = app
        .post(
            &format!("/api/uploads/{unknown}/parts"),
            &json!({"upload_id": upload_id, "parts": [{"part_number": 1, "sha256": good}]}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = app
        .post(
            &format!("/api/uploads/{id}/parts"),
            &json!({"upload_id": "not-this-one", "parts": [{"part_number": 1, "sha256": good}]}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );
    let response = app
        .post(
            "/api/uploads/not-an-id/parts",
            &json!({"upload_id": upload_id, "parts": [{"part_number": 1, "sha256": good}]}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_id"
    );

    let response = app.get(&format!("/api/uploads/{id}/parts")).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );
    let response = app
        .get(&format!(
            "/api/uploads/{unknown}/parts?upload_id={upload_id}"
        ))
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );

    let response = app
        .complete(&upload, json!([{"part_number": 1, "etag": "\"e\""}]))
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_part"
    );
    let response = app
        .complete(
            &upload,
            json!([{"part_number": 1, "etag": "\"e\""}, {"part_number": 1, "etag": "\"e\""},
                   {"part_number": 2, "etag": "\"e\""}]),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_part"
    );
    let response = app
        .post(&format!("/api/uploads/{id}/complete"), &json!({}))
        .await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "missing_upload_id"
    );
    let response = app
        .post(&format!("/api/uploads/{unknown}/complete"), &json!({}))
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found"
    );

    let response = app
        .http
        .delete(app.url(&format!("/api/uploads/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_query"
    );
    let response = app
        .get("/presign/.vidrop/pending/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.json?method=GET")
        .await;
    // A server on a bucket is closed, and without --presign-prefix /presign
    // is off there altogether.
    let refusal = if app.server.embedded_store().is_some() {
        "reserved_key"
    } else {
        "presign_disabled"
    };
    assert_eq!(error_code(response, StatusCode::FORBIDDEN).await, refusal);

    assert_eq!(
        app.uploads_in_store().await,
        std::slice::from_ref(&upload.plan.key),
        "untouched"
    );
    app.server.shutdown().await;
}

/// A single PUT is confirmed by `complete` without `upload_id`: the video is
/// answered (again on repeat); an id with nothing uploaded is `404`.
#[tokio::test]
async fn complete_confirms_a_single_put() {
    let app = start().await;
    let body = payload(4096, 25);
    let response = app
        .post(
            "/api/uploads",
            &json!({"filename": "small.mp4", "content_type": "video/mp4", "size": body.len()}),
        )
        .await;
    let UploadPlan::Single(plan) = response.json().await.unwrap() else {
        panic!("a single PUT under the threshold")
    };
    let path = format!("/api/uploads/{}/complete", plan.id);
    let response = app.post(&path, &json!({})).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "upload_not_found",
        "not uploaded yet"
    );
    let put = with_signed_headers(app.http.put(&plan.url).body(body.clone()), &plan.headers);
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);

    let response = app.post(&path, &json!({"parts": []})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: Video = response.json().await.unwrap();
    assert_eq!(video.summary.size, 4096);
    assert_eq!(video.summary.filename, "small.mp4");
    let again: Video = app.post(&path, &json!({})).await.json().await.unwrap();
    assert_eq!(again.summary, video.summary);
    app.server.shutdown().await;
}

/// The embedded store answers for multipart uploads as AWS S3 does: a part
/// without the checksum the upload was created with, a completion without
/// part checksums (`400 InvalidRequest`), an unknown upload id (`404
/// NoSuchUpload`); ListParts and the completion answer checksums.
#[tokio::test]
async fn the_embedded_store_checks_multipart_checksums_as_s3_does() {
    let app = start().await;
    let s3 = app.s3();
    let bucket = app.bucket();
    let key = "videos/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.webm";
    let created = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.checksum_algorithm(),
        Some(&aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
    );
    let upload_id = created.upload_id().unwrap().to_owned();
    let bytes = payload(1000, 27);

    let err = s3
        .upload_part()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .body(bytes.clone().into())
        .send()
        .await
        .unwrap_err();
    let err = err.into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("InvalidRequest")
    );

    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .checksum_sha256(sha256(&bytes))
        .body(bytes.clone().into())
        .send()
        .await
        .unwrap();
    assert_eq!(part.checksum_sha256(), Some(sha256(&bytes).as_str()));
    let listed = s3
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        listed.parts()[0].checksum_sha256(),
        Some(sha256(&bytes).as_str())
    );
    assert_eq!(listed.parts()[0].e_tag(), part.e_tag());

    let complete = |with_sum: bool| {
        let part = aws_sdk_s3::types::CompletedPart::builder()
            .part_number(1)
            .e_tag(part.e_tag().unwrap())
            .set_checksum_sha256(with_sum.then(|| sha256(&bytes)))
            .build();
        s3.complete_multipart_upload()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .multipart_upload(
                aws_sdk_s3::types::CompletedMultipartUpload::builder()
                    .parts(part)
                    .build(),
            )
            .send()
    };
    let err = complete(false).await.unwrap_err().into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("InvalidRequest")
    );
    let done = complete(true).await.unwrap();
    let composite = done.checksum_sha256().unwrap();
    assert!(composite.ends_with("-1"), "{composite}");
    let err = complete(true).await.unwrap_err().into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("NoSuchUpload")
    );

    let err = s3
        .abort_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_no_such_upload(), "{err:?}");
    let err = s3
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id("0f8fad5b-d9cb-469f-a165-70867728950e")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&err),
        Some("NoSuchUpload")
    );
    app.server.shutdown().await;
}

/// Part URLs work from a browser on another origin: the store's CORS answer
/// allows the `x-amz-checksum-sha256` request header and exposes `ETag`.
#[tokio::test]
async fn part_urls_pass_cors() {
    let app = start_with(|args| args.cors_origins = vec!["https://host.example".into()]).await;
    let upload = app.create("a.webm", payload(2 * MIB as usize, 29)).await;
    let signed = app.sign(&upload, &[1]).await;
    let part = &signed.parts[0];
    let response = app
        .http
        .request(reqwest::Method::OPTIONS, &part.url)
        .header("Origin", "https://host.example")
        .header("Access-Control-Request-Method", "PUT")
        .header("Access-Control-Request-Headers", "x-amz-checksum-sha256")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    // Named, or all allowed (the wildcard answer of a bucket whose CORS rule
    // allows any header, as the suite's buckets on another store do).
    let allowed = &response.headers()["access-control-allow-headers"];
    assert!(
        allowed == "x-amz-checksum-sha256" || allowed == "*",
        "{allowed:?}"
    );
    let request = app
        .http
        .put(&part.url)
        .header("Origin", "https://host.example")
        .body(upload.part(1).to_vec());
    let response = with_signed_headers(request, &part.headers)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
    app.server.shutdown().await;
}

/// With `--public-s3-endpoint`, part URLs name that endpoint (a proxy in
/// front of the store), while the backend's own calls still reach the store.
#[tokio::test]
async fn part_urls_name_the_public_endpoint() {
    let app =
        start_with(|args| args.public_s3_endpoint = Some("http://media.localhost:9".into())).await;
    let upload = app.create("a.webm", payload(2 * MIB as usize, 31)).await;
    let signed = app.sign(&upload, &[1]).await;
    assert!(
        signed.parts[0].url.starts_with(&format!(
            "http://media.localhost:9/{}/videos/",
            app.server.storage().bucket()
        )),
        "{}",
        signed.parts[0].url
    );
    assert!(app.stored_parts(&upload).await.parts.is_empty());
    app.server.shutdown().await;
}

/// After a restart on the same data folder (new port, new credentials), an
/// upload in progress resumes: its stored parts are listed, the missing ones
/// are signed anew and sent, and it completes byte-identical; another one
/// can still be swept.
#[tokio::test]
async fn a_multipart_upload_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let app = start_in(dir.path(), |_| {}).await;
    let upload = app.create("resume.webm", payload(THREE_PARTS, 33)).await;
    let stale = app
        .create("stale.webm", payload(2 * MIB as usize, 34))
        .await;
    let signed = app.sign(&upload, &[1]).await;
    let response = app
        .put_part(&signed.parts[0], upload.part(1).to_vec())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let first_etag = response.headers()[ETAG].to_str().unwrap().to_owned();
    app.server.shutdown().await;

    let app = start_in(dir.path(), |_| {}).await;
    let stored = app.stored_parts(&upload).await;
    assert_eq!(stored.parts.len(), 1);
    assert_eq!(
        stored.parts[0].sha256.as_ref().map(|s| s.as_str()),
        Some(sha256(upload.part(1)).as_str())
    );
    let signed = app.sign(&upload, &[2, 3]).await;
    let mut etags = vec![(1, first_etag)];
    for part in &signed.parts {
        let response = app
            .put_part(part, upload.part(part.part_number).to_vec())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        etags.push((
            part.part_number,
            response.headers()[ETAG].to_str().unwrap().to_owned(),
        ));
    }
    let response = app.complete(&upload, completed(&etags)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: Video = response.json().await.unwrap();
    let bytes = app
        .http
        .get(&video.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes.as_ref() == upload.body.as_slice(), "byte-identical");

    let report = app
        .server
        .sweep_abandoned(Duration::ZERO)
        .await
        .expect("the sweep runs");
    assert_eq!(report.aborted, std::slice::from_ref(&stale.plan.key));
    assert_eq!(report.failed, 0);
    assert!(app.uploads_in_store().await.is_empty());
    app.server.shutdown().await;
}

/// Two completions of the same upload sent at once both answer the same
/// video: the store completes one at a time, as S3's completion is atomic.
#[tokio::test]
async fn concurrent_completions_answer_the_same_video() {
    let app = start().await;
    let upload = app.create("race.webm", payload(THREE_PARTS, 35)).await;
    let etags = app.upload_all(&upload).await;
    let body = completed(&etags);
    let (first, second) = tokio::join!(
        app.complete(&upload, body.clone()),
        app.complete(&upload, body.clone())
    );
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(second.status(), StatusCode::OK);
    let first: Video = first.json().await.unwrap();
    let second: Video = second.json().await.unwrap();
    assert_eq!(first.summary, second.summary);
    assert_eq!(first.summary.size, THREE_PARTS as u64);
    app.server.shutdown().await;
}
