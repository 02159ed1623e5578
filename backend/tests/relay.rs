//! Relay mode (`--relay`): a video streamed through the server into the
//! embedded store and back, under the rules of the presigned routes. Off by
//! default; a relayed upload answers the video as `GET /api/videos/{id}`
//! does; a body of several parts goes up as a multipart upload; `Range`,
//! `If-None-Match` and `If-Range` are answered; and a refused caller or
//! body, or one that lies about its length, stores nothing.

mod closed;
mod common;
mod relay_support;

use closed::{API_KEY, Closed, MAX_SIZE};
use common::{error_code, payload};
use futures::StreamExt;
use relay_support::{
    RawAnswer, Then, check_ranges, eventually, header, raw_post, relay_get, relay_ok, relay_post,
    relay_server, sample, scrape,
};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use vidrop_shared::api::Video;
use vidrop_shared::limits::MIB;

/// Without `--relay` the relay routes answer `404 relay_disabled`, and no
/// byte is read or stored.
#[tokio::test]
async fn relay_mode_is_off_by_default() {
    let server = Closed::start(|_| {}).await;
    let before = server.snapshot().await;
    let response = relay_post(&server, API_KEY, "video/webm", "a.webm", payload(1000, 1)).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "relay_disabled"
    );
    let response = relay_get(&server, "01ARZ3NDEKTSV4RRFFQ69G5FAV", &[]).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "relay_disabled"
    );
    let response = server
        .http
        .delete(server.url("/api/relay/cache"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "relay_disabled"
    );
    assert_eq!(server.snapshot().await, before);
    server.server.shutdown().await;
}

/// A relayed upload answers `201` with the video as `GET /api/videos/{id}`
/// shows it (its name from `X-Filename` or `?filename=`), and `GET
/// /api/relay/{id}` gives back the same bytes with the headers of a file.
#[tokio::test]
async fn a_relayed_upload_reads_back_the_same_bytes() {
    let server = relay_server(|_| {}).await;
    let body = payload(100_000, 3);
    let response = relay_post(
        &server,
        API_KEY,
        "video/webm",
        "clip one.webm",
        body.clone(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let video: Video = response.json().await.unwrap();
    assert_eq!(video.summary.filename, "clip one.webm");
    assert_eq!(video.summary.content_type, "video/webm");
    assert_eq!(video.summary.size, body.len() as u64);

    let shown: Video = server
        .get(&format!("/api/videos/{}", video.summary.id), API_KEY)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown.summary, video.summary);

    let response = relay_get(&server, &video.summary.id, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert_eq!(header(&headers, "content-type"), "video/webm");
    assert_eq!(header(&headers, "content-length"), body.len().to_string());
    assert_eq!(header(&headers, "accept-ranges"), "bytes");
    assert!(header(&headers, "etag").starts_with('"'), "{headers:?}");
    assert!(
        header(&headers, "last-modified").ends_with("GMT"),
        "{headers:?}"
    );
    assert!(
        header(&headers, "content-disposition").contains("clip%20one.webm"),
        "{headers:?}"
    );
    assert_eq!(response.bytes().await.unwrap(), body);

    // The name from the query, in UTF-8; or percent-encoded in the header.
    let response = server
        .http
        .post(server.url("/api/relay?filename=%C3%A9t%C3%A9%201.mp4"))
        .bearer_auth(API_KEY)
        .header("content-type", "video/mp4")
        .body(payload(2000, 4))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let video: Video = response.json().await.unwrap();
    assert_eq!(video.summary.filename, "été 1.mp4");
    let video = relay_ok(&server, "%E2%9C%93%20done.webm", payload(3000, 5)).await;
    assert_eq!(video.summary.filename, "✓ done.webm");

    let metrics = scrape(&server).await;
    assert_eq!(
        sample(&metrics, "vidrop_relay_bytes_in_total"),
        (100_000 + 2000 + 3000) as f64
    );
    assert_eq!(sample(&metrics, "vidrop_relay_bytes_out_total"), 100_000.0);
    assert_eq!(
        sample(&metrics, r#"vidrop_uploads_total{outcome="completed"}"#),
        3.0
    );
    server.server.shutdown().await;
}

/// A body of several parts (40 MiB: five of 8 MiB) streams up as a
/// multipart upload, completed, with nothing left in progress; it reads
/// back whole.
#[tokio::test]
async fn a_large_body_goes_up_as_a_multipart_upload() {
    let server = relay_server(|_| {}).await;
    let size = 40 * MIB as usize;
    let body = payload(size, 9);
    // Sent as a stream of 1 MiB chunks, with its length declared.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(MIB as usize).map(|c| Ok(c.to_vec())).collect();
    let response = server
        .http
        .post(server.url("/api/relay"))
        .bearer_auth(API_KEY)
        .header("content-type", "video/webm")
        .header("content-length", size.to_string())
        .header("x-filename", "big.webm")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let video: Video = response.json().await.unwrap();
    assert_eq!(video.summary.size, size as u64);

    let stored = server.snapshot().await;
    assert!(stored.uploads.is_empty(), "{:?}", stored.uploads);
    let object = stored
        .objects
        .iter()
        .find(|object| object.key.contains(&video.summary.id))
        .expect("the object");
    assert_eq!(object.size, size as i64);
    let head = server
        .s3()
        .head_object()
        .bucket(server.bucket())
        .key(&object.key)
        .send()
        .await
        .unwrap();
    let etag = head.e_tag().unwrap_or_default();
    assert!(
        etag.trim_matches('"').ends_with("-5"),
        "a multipart object of five parts: {etag}"
    );

    let response = relay_get(&server, &video.summary.id, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut got = Vec::with_capacity(size);
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        got.extend_from_slice(&chunk.unwrap());
    }
    assert!(got == body, "the same bytes");
    server.server.shutdown().await;
}

/// `Range`, `If-None-Match` and `If-Range` are answered from S3's listing
/// and one ranged GET (see `relay_support::check_ranges`).
#[tokio::test]
async fn ranges_and_conditional_requests_are_answered() {
    let server = relay_server(|_| {}).await;
    let body = payload(50_000, 11);
    let video = relay_ok(&server, "r.webm", body.clone()).await;
    check_ranges(&server, &video.summary.id, &body).await;
    server.server.shutdown().await;
}

/// The raw answer's JSON error code.
fn raw_code(answer: &RawAnswer) -> String {
    let json: serde_json::Value = serde_json::from_str(answer.body.trim()).unwrap_or_default();
    json["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn relay_head(size: usize) -> Vec<(&'static str, String)> {
    vec![
        ("Authorization", format!("Bearer {API_KEY}")),
        ("Content-Type", "video/webm".to_owned()),
        ("Content-Length", size.to_string()),
    ]
}

/// A body that ends before its `Content-Length` (the client closes, or
/// stops sending) fails and stores nothing: for a single `PutObject` and
/// for a multipart upload already past its first part, which is aborted.
/// A body longer than declared never stores more than declared: over
/// HTTP/1.1 the bytes after `Content-Length` are not the body's (the server
/// reads them as the next request, and refuses that).
#[tokio::test]
async fn a_body_shorter_or_longer_than_declared_stores_nothing_more() {
    let server = relay_server(|args| args.request_timeout = 1).await;
    let before = server.snapshot().await;
    let limit = Duration::from_secs(20);
    let small = payload(1000, 21);
    let large = payload(20 * MIB as usize, 22);

    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(1000),
        &small[..600],
        Then::Close,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(400), "{answer:?}");
    assert_eq!(raw_code(&answer), "body_length_mismatch");
    // Past the first 8 MiB part: the multipart upload has begun.
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(large.len()),
        &large[..12 * MIB as usize],
        Then::Close,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(400), "{answer:?}");
    assert_eq!(raw_code(&answer), "body_length_mismatch");
    // A client that stops sending: after --request-timeout without a byte.
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(large.len()),
        &large[..10 * MIB as usize],
        Then::Hold,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(408), "{answer:?}");
    assert_eq!(raw_code(&answer), "request_timeout");
    eventually("nothing stored", async || {
        server.snapshot().await.diff(&before).is_empty()
    })
    .await;

    // Longer: 1000 bytes declared, 1500 sent.
    let mut longer = small.clone();
    longer.extend_from_slice(&[b'x'; 500]);
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(1000),
        &longer,
        Then::Close,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(201), "{answer:?}");
    let after = server.snapshot().await;
    let new: Vec<_> = after
        .objects
        .iter()
        .filter(|object| !before.objects.contains(object))
        .collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(new[0].size, 1000, "exactly the declared bytes");
    assert!(after.uploads.is_empty());
    server.server.shutdown().await;
}

/// A relayed body has no overall time limit: one that takes three times
/// `--request-timeout` but never stops for that long goes through.
#[tokio::test]
async fn a_slow_but_steady_body_is_not_cut() {
    let server = relay_server(|args| args.request_timeout = 1).await;
    let body = payload(64 * 1024, 23);
    let chunks: Vec<Vec<u8>> = body.chunks(4096).map(<[u8]>::to_vec).collect();
    let paced = futures::stream::iter(chunks).then(async |chunk| {
        tokio::time::sleep(Duration::from_millis(200)).await;
        Ok::<_, std::io::Error>(chunk)
    });
    let started = std::time::Instant::now();
    let response = server
        .http
        .post(server.url("/api/relay"))
        .bearer_auth(API_KEY)
        .header("content-type", "video/webm")
        .header("content-length", body.len().to_string())
        .body(reqwest::Body::wrap_stream(paced))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(started.elapsed() > Duration::from_secs(3));
    let video: Video = response.json().await.unwrap();
    let response = relay_get(&server, &video.summary.id, &[]).await;
    assert_eq!(response.bytes().await.unwrap(), body);
    server.server.shutdown().await;
}

/// Refusals store nothing, answering as `POST /api/uploads` does: no
/// credential `401`; a type the token does not allow or no video type
/// `415`; over the size limit `413` (before the body is read); an empty
/// body `400`; no `Content-Length` `411`; first bytes that are not the
/// declared container `422` (one part or several, before anything is
/// written); a token's quota spent `403`.
#[tokio::test]
async fn refused_callers_and_bodies_store_nothing() {
    let server = relay_server(|_| {}).await;
    let mp4_only = server
        .mint(json!({"prefix": "users/alice/", "content_types": ["video/mp4"]}))
        .await;
    let small = payload(5000, 31);
    let before = server.snapshot().await;

    let response = server
        .http
        .post(server.url("/api/relay"))
        .header("content-type", "video/webm")
        .body(small.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response, StatusCode::UNAUTHORIZED).await,
        "missing_credentials"
    );
    let response = relay_post(&server, &mp4_only, "video/webm", "a.webm", small.clone()).await;
    assert_eq!(
        error_code(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        "unsupported_type"
    );
    let response = relay_post(&server, API_KEY, "text/html", "a.html", small.clone()).await;
    assert_eq!(
        error_code(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        "unsupported_type"
    );
    let html = b"<!doctype html><script>alert(1)</script>".repeat(100);
    let response = relay_post(&server, API_KEY, "video/webm", "a.webm", html).await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "verification_failed"
    );
    // Several parts: refused once the first is read, before S3 is asked.
    let limit = Duration::from_secs(10);
    let zeros = vec![0u8; 20 * MIB as usize];
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(zeros.len()),
        &zeros,
        Then::Close,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(422), "{answer:?}");
    assert_eq!(raw_code(&answer), "verification_failed");

    // Over --max-size: refused on the declared length, before the body.
    let too_large = (MAX_SIZE + 1) as usize;
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(too_large),
        b"",
        Then::Hold,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(413), "{answer:?}");
    assert_eq!(raw_code(&answer), "too_large");
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &relay_head(0),
        b"",
        Then::Close,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(400), "{answer:?}");
    assert_eq!(raw_code(&answer), "empty_file");
    // No Content-Length (a chunked body).
    let headers = vec![
        ("Authorization", format!("Bearer {API_KEY}")),
        ("Content-Type", "video/webm".to_owned()),
        ("Transfer-Encoding", "chunked".to_owned()),
    ];
    let answer = raw_post(
        server.addr(),
        "/api/relay",
        &headers,
        b"",
        Then::Hold,
        limit,
    )
    .await;
    assert_eq!(answer.status, Some(411), "{answer:?}");
    assert_eq!(raw_code(&answer), "length_required");
    assert_eq!(server.snapshot().await.diff(&before), "");

    // A token's quota: one upload, then 403.
    let once = server.mint(json!({"prefix": "q/", "max_uploads": 1})).await;
    let response = relay_post(&server, &once, "video/webm", "a.webm", small.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let video: Video = response.json().await.unwrap();
    let stored = server.snapshot().await;
    assert!(
        stored
            .objects
            .iter()
            .any(|o| o.key == format!("videos/q/{}.webm", video.summary.id)),
        "under the token's prefix: {:?}",
        stored.objects
    );
    let response = relay_post(&server, &once, "video/webm", "b.webm", small.clone()).await;
    assert_eq!(
        error_code(response, StatusCode::FORBIDDEN).await,
        "quota_exceeded"
    );
    assert_eq!(server.snapshot().await.diff(&stored), "");

    let metrics = scrape(&server).await;
    assert_eq!(
        sample(&metrics, r#"vidrop_uploads_total{outcome="failed"}"#),
        2.0
    );
    server.server.shutdown().await;
}

/// Reads follow `GET /api/videos/{id}`'s rules: credentials, a video id,
/// and only videos directly under the caller's prefix.
#[tokio::test]
async fn reads_follow_the_rules_of_videos_show() {
    let server = relay_server(|_| {}).await;
    let alice = server.mint(json!({"prefix": "users/alice/"})).await;
    let bob = server.mint(json!({"prefix": "users/bob/"})).await;
    let body = payload(4000, 41);
    let response = relay_post(&server, &alice, "video/webm", "a.webm", body.clone()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let video: Video = response.json().await.unwrap();
    let path = format!("/api/relay/{}", video.summary.id);

    let response = server.get(&path, &alice).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.bytes().await.unwrap(), body);
    let response = server.get(&path, API_KEY).await;
    assert_eq!(
        response.status(),
        StatusCode::NOT_FOUND,
        "not directly under the key's prefix"
    );
    let response = server.get(&path, &bob).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let response = server.http.get(server.url(&path)).send().await.unwrap();
    assert_eq!(
        error_code(response, StatusCode::UNAUTHORIZED).await,
        "missing_credentials"
    );
    let response = server.get("/api/relay/not-an-id", &alice).await;
    assert_eq!(
        error_code(response, StatusCode::BAD_REQUEST).await,
        "invalid_id"
    );
    let response = server
        .get("/api/relay/01ARZ3NDEKTSV4RRFFQ69G5FAV", &alice)
        .await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    // The same answers as the videos route.
    let response = server
        .get(&format!("/api/videos/{}", video.summary.id), &bob)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    server.server.shutdown().await;
}
