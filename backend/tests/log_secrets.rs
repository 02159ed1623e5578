//! Logs never carry secrets: a closed server runs with a `tracing`
//! subscriber writing into a buffer, as the binary's with `RUST_LOG=debug`
//! (everything at debug, `vidrop` and `vidrop_store` included, but the crates
//! whose debug logs show signed requests, which the binary keeps at info),
//! while a host backend mints a token, the widget uploads with it (single
//! and multipart), plays, uses `/presign`, and sends refused credentials and
//! broken URLs. The captured logs must hold none of the API key, the tokens,
//! the token secret, the store's secret key, or any signature.
//!
//! One test in this binary: the subscriber is global.

mod closed;
mod common;

use closed::{API_KEY, Closed, TOKEN_SECRET, header_pairs, raw_to_url};
use common::{payload, query_param, sha256};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};
use tracing_subscriber::EnvFilter;
use vidrop::access::{Grant, TokenSigner};
use vidrop_shared::api::{PresignResponse, SignedParts, UploadPlan, Video};
use vidrop_shared::limits::MIB;

/// A writer appending to a shared buffer.
#[derive(Clone)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The binary's filter for `RUST_LOG=debug` (see `log_filter` in
/// `src/main.rs`): debug everywhere, but s3s, s3s-fs, the SigV4 signer and
/// the SDK's runtime at info, and s3s's `ops` off.
fn binary_debug_filter() -> EnvFilter {
    let mut filter = EnvFilter::new("debug");
    for directive in [
        "s3s=info",
        "s3s_fs=info",
        "aws_sigv4=info",
        "aws_smithy_runtime=info",
        "s3s::ops=off",
        "vidrop=debug",
        "vidrop_store=debug",
    ] {
        filter = filter.add_directive(directive.parse().unwrap());
    }
    filter
}

/// Every `X-Amz-Signature=` value and `Signature=` of an `Authorization`
/// header in `text`: 64 hex digits after either.
fn signatures_in(text: &str) -> Vec<String> {
    let lower = text.to_ascii_lowercase();
    let mut found = Vec::new();
    for marker in ["x-amz-signature=", "signature="] {
        let mut from = 0;
        while let Some(at) = lower[from..].find(marker) {
            let start = from + at + marker.len();
            let value: String = lower[start..]
                .chars()
                .take_while(char::is_ascii_hexdigit)
                .collect();
            if value.len() >= 16 {
                found.push(value);
            }
            from = start;
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_never_carry_secrets() {
    let buffer = Arc::new(Mutex::new(Vec::new()));
    let writer = Capture(Arc::clone(&buffer));
    tracing_subscriber::fmt()
        .with_env_filter(binary_debug_filter())
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let app = Closed::start(|args| args.cors_origins = vec!["https://host.example".into()]).await;
    let store_secret = app.store().secret_key;
    let mut secrets: Vec<(String, String)> = vec![
        ("the API key".into(), API_KEY.into()),
        ("the token secret".into(), TOKEN_SECRET.into()),
        ("the store's secret key".into(), store_secret),
    ];
    let mut signatures = Vec::new();
    let remember_url = |url: &str, signatures: &mut Vec<String>| {
        if let Some(signature) = query_param(url, "X-Amz-Signature") {
            signatures.push(signature);
        }
    };

    // The host backend mints a token; the widget uploads a single PUT with
    // its SHA-256 and plays it.
    let token = app
        .mint(json!({"prefix": "users/alice/", "max_uploads": 5}))
        .await;
    secrets.push(("the upload token".into(), token.clone()));
    let body = payload(50_000, 1);
    let response = app
        .post(
            "/api/uploads",
            &token,
            &json!({"filename": "clip.webm", "content_type": "video/webm", "size": body.len(), "sha256": sha256(&body)}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let UploadPlan::Single(plan) = response.json().await.unwrap() else {
        panic!("a single PUT");
    };
    remember_url(&plan.url, &mut signatures);
    let response = app.put_signed(&plan.url, &plan.headers, body.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.complete_single(&token, &plan.id).await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: Video = app
        .get(&format!("/api/videos/{}", plan.id), &token)
        .await
        .json()
        .await
        .unwrap();
    remember_url(&video.url, &mut signatures);
    assert_eq!(
        app.http.get(&video.url).send().await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/videos", &token).await.status(),
        StatusCode::OK
    );

    // A replayed PUT (412), a tampered URL (403), a foreign copy source.
    let headers = header_pairs(&plan.headers);
    let response = raw_to_url("PUT", &plan.url, &headers, body.clone()).await;
    // Garage ignores If-None-Match and takes the same bytes again.
    let replay_refused = if app.store().refuses_overwrites().await {
        412
    } else {
        200
    };
    assert_eq!(response.status, replay_refused);
    let signature = query_param(&plan.url, "X-Amz-Signature").unwrap();
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    let tampered = plan
        .url
        .replace(&signature, &format!("{flipped}{}", &signature[1..]));
    let response = raw_to_url("PUT", &tampered, &headers, body.clone()).await;
    assert_eq!(response.status, 403);

    // A multipart upload: two parts, signed, sent, listed, completed.
    let big = payload(9 * MIB as usize, 2);
    let response = app
        .post(
            "/api/uploads",
            &token,
            &json!({"filename": "big.webm", "content_type": "video/webm", "size": big.len()}),
        )
        .await;
    let UploadPlan::Multipart(multipart) = response.json().await.unwrap() else {
        panic!("a multipart upload");
    };
    let part_size = multipart.part_size as usize;
    let parts: Vec<&[u8]> = big.chunks(part_size).collect();
    let asked: Vec<Value> = parts
        .iter()
        .enumerate()
        .map(|(i, part)| json!({"part_number": i + 1, "sha256": sha256(part)}))
        .collect();
    let signed: SignedParts = app
        .post(
            &format!("/api/uploads/{}/parts", multipart.id),
            &token,
            &json!({"upload_id": multipart.upload_id, "parts": asked}),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut completed = Vec::new();
    for (part, bytes) in signed.parts.iter().zip(&parts) {
        remember_url(&part.url, &mut signatures);
        let response = app
            .put_signed(&part.url, &part.headers, bytes.to_vec())
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let etag = response.headers()["etag"].to_str().unwrap().to_owned();
        completed.push(json!({"part_number": part.part_number, "etag": etag}));
    }
    let path = format!(
        "/api/uploads/{}/parts?upload_id={}",
        multipart.id, multipart.upload_id
    );
    assert_eq!(app.get(&path, &token).await.status(), StatusCode::OK);
    // A wrong ETag first (the store refuses it, and says why), then the
    // right ones.
    let wrong: Vec<Value> = completed
        .iter()
        .map(|part| json!({"part_number": part["part_number"], "etag": "\"00\""}))
        .collect();
    let response = app
        .post(
            &format!("/api/uploads/{}/complete", multipart.id),
            &token,
            &json!({"upload_id": multipart.upload_id, "parts": wrong}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let response = app
        .post(
            &format!("/api/uploads/{}/complete", multipart.id),
            &token,
            &json!({"upload_id": multipart.upload_id, "parts": completed}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    // /presign: a PUT, the bytes, a GET; a copy source on a PUT.
    let clip = payload(4000, 3);
    let put: PresignResponse = app
        .get(
            &format!(
                "/presign/shared/users/alice/note.webm?method=PUT&contentLength={}",
                clip.len()
            ),
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    remember_url(&put.url, &mut signatures);
    let mut request = app.http.put(&put.url).body(clip.clone());
    for (name, values) in &put.header {
        for value in values {
            request = request.header(name, value);
        }
    }
    assert_eq!(request.send().await.unwrap().status(), StatusCode::OK);
    let get: PresignResponse = app
        .get("/presign/shared/users/alice/note.webm?method=GET", &token)
        .await
        .json()
        .await
        .unwrap();
    remember_url(&get.url, &mut signatures);
    assert_eq!(
        app.http.get(&get.url).send().await.unwrap().status(),
        StatusCode::OK
    );
    let put_again: PresignResponse = app
        .get(
            "/presign/shared/users/alice/copy.webm?method=PUT&contentLength=10",
            &token,
        )
        .await
        .json()
        .await
        .unwrap();
    remember_url(&put_again.url, &mut signatures);
    let mut headers: Vec<(String, String)> = put_again
        .header
        .iter()
        .flat_map(|(name, values)| values.iter().map(move |v| (name.clone(), v.clone())))
        .collect();
    headers.push((
        "x-amz-copy-source".into(),
        format!("{}/{}", app.bucket(), plan.key),
    ));
    let response = raw_to_url("PUT", &put_again.url, &headers, vec![0u8; 10]).await;
    // 501 from the embedded store; another store refuses in its own words.
    if app.server.embedded_store().is_some() {
        assert_eq!(response.status, 501, "the store copies nothing");
    } else {
        assert!(
            (400..500).contains(&response.status),
            "the store copies nothing: {}",
            response.status
        );
    }

    // Refused credentials of every kind.
    let signer = TokenSigner::new(TOKEN_SECRET.as_bytes()).unwrap();
    let grant = Grant {
        prefix: "users/alice/".into(),
        max_size: MIB,
        content_types: None,
        max_uploads: None,
    };
    let (expired, _) = signer
        .mint(
            grant.clone(),
            SystemTime::now() - Duration::from_secs(7200),
            Duration::from_secs(60),
        )
        .unwrap();
    let (foreign, _) = TokenSigner::new(&[9; 32])
        .unwrap()
        .mint(grant, SystemTime::now(), Duration::from_secs(60))
        .unwrap();
    let mut wrong_key = API_KEY.to_owned();
    wrong_key.push('x');
    let mut tampered_token = token.clone();
    tampered_token.insert(token.len() / 2, 'A');
    for credential in [&expired, &foreign, &wrong_key, &tampered_token] {
        secrets.push(("a refused credential".into(), credential.clone()));
        let response = app.get("/api/videos", credential).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let response = app
            .post("/api/tokens", credential, &json!({"prefix": "x/"}))
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .http
        .get(app.url("/api/videos"))
        .bearer_auth(&token)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = app
        .get(
            "/presign/shared/users/bob/x.webm?method=PUT&contentLength=1",
            &token,
        )
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let embedded = app.server.embedded_store().is_some();
    app.server.shutdown().await;

    let logs = String::from_utf8_lossy(&buffer.lock().unwrap()).into_owned();
    // The capture works: the server's own lines are there, and the
    // embedded store's when it runs in this process.
    assert!(logs.lines().count() > 100, "{logs}");
    assert!(!embedded || logs.contains("vidrop_store"), "{logs}");
    for expected in [
        "upload planned",
        "request refused",
        "presigned for the /presign protocol",
    ] {
        assert!(
            logs.contains(expected),
            "no {expected:?} in the logs:\n{logs}"
        );
    }
    assert!(signatures.len() >= 7, "{signatures:?}");
    let mut leaks = Vec::new();
    for (what, secret) in &secrets {
        if logs.contains(secret.as_str()) {
            leaks.push(format!("{what} ({secret})"));
        }
        // A JWT's signature alone is a leak too.
        if let Some(jwt_signature) = secret.rsplit('.').next().filter(|s| s.len() >= 20)
            && secret.matches('.').count() == 2
            && logs.contains(jwt_signature)
        {
            leaks.push(format!("the signature of {what}"));
        }
    }
    for signature in &signatures {
        if logs.contains(signature.as_str()) {
            leaks.push(format!("a presigned URL's signature ({signature})"));
        }
    }
    for signature in signatures_in(&logs) {
        leaks.push(format!("a signature in the logs ({signature})"));
    }
    let excerpt = |needle: &str| {
        logs.lines()
            .filter(|line| line.contains(needle))
            .take(3)
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert!(
        leaks.is_empty(),
        "secrets in the logs ({} bytes of logs):\n{}\n{}",
        logs.len(),
        leaks.join("\n"),
        excerpt("ignature")
    );
}
