//! Who may call the server: it stays open only for local development (the
//! embedded store, a loopback listener, no API key) and refuses to start
//! otherwise without API keys and a token secret; upload tokens minted with
//! an API key upload, list and play only inside their prefix; listings
//! page; rates and quotas are limited.

mod closed;
mod common;

use closed::{API_KEY, Closed, TOKEN_SECRET, closed_args};
use common::{error_code, payload};
use futures::future::join_all;
use reqwest::StatusCode;
use reqwest::header::RETRY_AFTER;
use serde_json::json;
use std::time::Duration;
use vidrop::access::Mode;
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{PresignResponse, Video, VideoList};

/// The error `Server::start` refuses `args` with.
async fn refused(args: ServeArgs) -> String {
    match Server::start(args).await {
        Ok(server) => {
            server.shutdown().await;
            panic!("the server started");
        }
        Err(err) => err.to_string(),
    }
}

/// Outside local development the server needs API keys, and with API keys a
/// token secret; each refusal names the flag to set. Settings that cannot
/// work together are refused too.
#[tokio::test]
async fn the_server_refuses_to_start_without_credentials_outside_local_development() {
    let dir = tempfile::tempdir().unwrap();

    let mut with_bucket = ServeArgs::for_tests(dir.path());
    with_bucket.bucket = Some("videos".into());
    with_bucket.s3_endpoint = Some("http://127.0.0.1:9".into());
    let error = refused(with_bucket.clone()).await;
    assert!(error.contains("--api-keys-file"), "{error}");
    assert!(error.contains("bucket"), "{error}");

    let mut everywhere = ServeArgs::for_tests(dir.path());
    everywhere.addr = "0.0.0.0:0".into();
    let error = refused(everywhere.clone()).await;
    assert!(error.contains("--api-keys-file"), "{error}");
    assert!(error.contains("VIDROP_API_KEYS"), "{error}");

    let mut keys_only = ServeArgs::for_tests(dir.path());
    keys_only.api_keys = vec![API_KEY.into()];
    let error = refused(keys_only.clone()).await;
    assert!(error.contains("--token-secret-file"), "{error}");
    everywhere.api_keys = vec![API_KEY.into()];
    let error = refused(everywhere.clone()).await;
    assert!(error.contains("--token-secret-file"), "{error}");
    with_bucket.api_keys = vec![API_KEY.into()];
    let error = refused(with_bucket).await;
    assert!(error.contains("--token-secret-file"), "{error}");

    keys_only.token_secret = Some("too short".into());
    let error = refused(keys_only.clone()).await;
    assert!(error.contains("32"), "{error}");

    let mut short_key = closed_args(dir.path());
    short_key.api_keys = vec!["short".into()];
    let error = refused(short_key).await;
    assert!(error.contains("API key"), "{error}");

    let mut missing_file = closed_args(dir.path());
    missing_file.api_keys = Vec::new();
    missing_file.api_keys_file = Some(dir.path().join("no-such-file"));
    let error = refused(missing_file).await;
    assert!(error.contains("--api-keys-file"), "{error}");

    let mut any_origin = closed_args(dir.path());
    any_origin.cors_origins = vec!["*".into()];
    let error = refused(any_origin).await;
    assert!(error.contains("--allow-origin"), "{error}");

    let mut sweep_too_soon = closed_args(dir.path());
    sweep_too_soon.abandon_after = sweep_too_soon.presign_expiry;
    let error = refused(sweep_too_soon.clone()).await;
    assert!(error.contains("--abandon-after"), "{error}");
    assert!(error.contains("--presign-expiry"), "{error}");
    sweep_too_soon.abandon_after = sweep_too_soon.presign_expiry - 1;
    let error = refused(sweep_too_soon).await;
    assert!(error.contains("--abandon-after"), "{error}");

    // Keys from a file (comments, blank lines) and a secret from a file.
    let keys = dir.path().join("api-keys");
    std::fs::write(&keys, format!("# host site\n\n{API_KEY}  # prod\n")).unwrap();
    let secret = dir.path().join("token-secret");
    std::fs::write(&secret, format!("{TOKEN_SECRET}\n")).unwrap();
    let mut from_files = ServeArgs::for_tests(dir.path().join("data"));
    from_files.api_keys_file = Some(keys);
    from_files.token_secret_file = Some(secret);
    from_files.addr = "0.0.0.0:0".into();
    let server = Server::start(from_files).await.expect("the server starts");
    assert_eq!(server.mode(), Mode::Closed);
    let url = format!("http://127.0.0.1:{}/api/tokens", server.addr().port());
    let http = reqwest::Client::new();
    let response = http
        .post(&url)
        .bearer_auth(API_KEY)
        .json(&json!({"prefix": "u/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = http
        .post(&url)
        .json(&json!({"prefix": "u/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        error_code(response, StatusCode::UNAUTHORIZED).await,
        "missing_credentials"
    );
    server.shutdown().await;
}

/// On loopback with the embedded store and no key, the server is open:
/// uploads, listings, `/presign` and token minting need no credentials.
#[tokio::test]
async fn loopback_embedded_and_no_key_is_open_for_local_development() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(ServeArgs::for_tests(dir.path()))
        .await
        .expect("starts");
    assert_eq!(server.mode(), Mode::Open);
    let http = reqwest::Client::new();
    let url = |path: &str| format!("{}{path}", server.base_url());

    let response = http
        .post(url("/api/uploads"))
        .json(&json!({"filename": "a.webm", "content_type": "video/webm", "size": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let response = http.get(url("/api/videos")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = http
        .get(url("/presign/any/key.webm?method=PUT&contentLength=5"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let response = http
        .post(url("/api/tokens"))
        .json(&json!({"prefix": "u/"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    server.shutdown().await;

    // A closed server without --presign-prefix has /presign off.
    let closed = Closed::start(|args| args.presign_prefix = None).await;
    let response = closed
        .get("/presign/shared/x.webm?method=GET", API_KEY)
        .await;
    assert_eq!(
        error_code(response, StatusCode::FORBIDDEN).await,
        "presign_disabled"
    );
    closed.server.shutdown().await;
}

/// A token minted with the API key uploads under its prefix, and lists,
/// shows and presigns only there; another prefix's token sees none of it.
#[tokio::test]
async fn a_token_uploads_and_reads_only_inside_its_prefix() {
    let app = Closed::start(|_| {}).await;
    let alice = app.mint(json!({"prefix": "users/alice/"})).await;
    let bob = app.mint(json!({"prefix": "users/bob/"})).await;
    let webm_only = app
        .mint(json!({"prefix": "users/alice/", "content_types": ["video/webm"]}))
        .await;

    let (alice_plan, _) = app
        .upload(&alice, "alice.webm", "video/webm", &payload(5000, 1))
        .await;
    let (bob_plan, _) = app
        .upload(&bob, "bob.mp4", "video/mp4", &payload(6000, 2))
        .await;
    assert!(
        alice_plan.key.starts_with("videos/users/alice/"),
        "{}",
        alice_plan.key
    );
    assert!(
        bob_plan.key.starts_with("videos/users/bob/"),
        "{}",
        bob_plan.key
    );

    let list = |credential: String| {
        let app = &app;
        async move {
            let response = app.get("/api/videos", &credential).await;
            assert_eq!(response.status(), StatusCode::OK);
            let list: VideoList = response.json().await.unwrap();
            list.videos.into_iter().map(|v| v.id).collect::<Vec<_>>()
        }
    };
    let only = std::slice::from_ref;
    assert_eq!(list(alice.clone()).await, only(&alice_plan.id));
    assert_eq!(list(bob.clone()).await, only(&bob_plan.id));
    assert_eq!(list(webm_only.clone()).await, only(&alice_plan.id));

    for (credential, id, status) in [
        (&alice, &alice_plan.id, StatusCode::OK),
        (&alice, &bob_plan.id, StatusCode::NOT_FOUND),
        (&bob, &alice_plan.id, StatusCode::NOT_FOUND),
        (&bob, &bob_plan.id, StatusCode::OK),
    ] {
        let response = app.get(&format!("/api/videos/{id}"), credential).await;
        assert_eq!(response.status(), status, "{id}");
        if status == StatusCode::OK {
            let video: Video = response.json().await.unwrap();
            let played = app.http.get(&video.url).send().await.unwrap();
            assert_eq!(played.status(), StatusCode::OK);
        }
    }

    // /presign: the token's own prefix under --presign-prefix, nothing else.
    let response = app
        .get(
            "/presign/shared/users/alice/notes.webm?method=PUT&contentLength=4",
            &alice,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let put: PresignResponse = response.json().await.unwrap();
    assert_eq!(put.header["Content-Type"], ["video/webm"]);
    for key in [
        "shared/users/bob/notes.webm",
        "shared/notes.webm",
        "users/alice/notes.webm",
    ] {
        let response = app
            .get(
                &format!("/presign/{key}?method=PUT&contentLength=4"),
                &alice,
            )
            .await;
        assert_eq!(
            error_code(response, StatusCode::BAD_REQUEST).await,
            "outside_prefix",
            "{key}"
        );
    }

    // A token limited to webm cannot upload mp4.
    let response = app
        .post(
            "/api/uploads",
            &webm_only,
            &json!({"filename": "a.mp4", "content_type": "video/mp4", "size": 10}),
        )
        .await;
    assert_eq!(
        error_code(response, StatusCode::UNSUPPORTED_MEDIA_TYPE).await,
        "unsupported_type"
    );
    app.server.shutdown().await;
}

/// Five videos, two a page: three pages, newest first, and no cursor on the
/// last one.
#[tokio::test]
async fn the_listing_pages_newest_first() {
    let app = Closed::start(|_| {}).await;
    let token = app.mint(json!({"prefix": "tenant/"})).await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let (plan, _) = app
            .upload(
                &token,
                &format!("{n}.webm"),
                "video/webm",
                &payload(1000, n),
            )
            .await;
        ids.push(plan.id);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    ids.reverse();

    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/videos?limit=2&cursor={cursor}"),
            None => "/api/videos?limit=2".to_owned(),
        };
        let response = app.get(&path, &token).await;
        assert_eq!(response.status(), StatusCode::OK);
        let page: VideoList = response.json().await.unwrap();
        pages.push(page.videos.iter().map(|v| v.id.clone()).collect::<Vec<_>>());
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
        assert!(pages.len() <= 3, "too many pages: {pages:?}");
    }
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(pages.concat(), ids, "newest first, each once");

    app.server.shutdown().await;
}

/// Over `--rate-limit-ip 2` (bursts of 4) a client gets `429 rate_limited`
/// with `Retry-After`; over `--rate-limit-token`, one credential does,
/// while another still passes.
#[tokio::test]
async fn rates_are_limited_with_retry_after() {
    let app = Closed::start(|args| args.rate_limit_ip = 2).await;
    let mut statuses = Vec::new();
    let mut limited = None;
    for _ in 0..8 {
        let response = app.get("/api/videos", API_KEY).await;
        statuses.push(response.status().as_u16());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let response = limited.unwrap_or_else(|| panic!("never limited: {statuses:?}"));
    assert!(statuses.len() >= 5, "a burst of 4 passes: {statuses:?}");
    let retry: u64 = response.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After: {retry}");
    assert_eq!(
        error_code(response, StatusCode::TOO_MANY_REQUESTS).await,
        "rate_limited"
    );
    app.server.shutdown().await;

    let app = Closed::start(|args| args.rate_limit_token = 1).await;
    let first = app.mint(json!({"prefix": "a/"})).await;
    let second = app.mint(json!({"prefix": "b/"})).await;
    let mut limited = false;
    for _ in 0..6 {
        if app.get("/api/videos", &first).await.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = true;
            break;
        }
    }
    assert!(limited, "one token over its rate");
    assert_eq!(
        app.get("/api/videos", &second).await.status(),
        StatusCode::OK
    );
    app.server.shutdown().await;
}

/// A token allowed three uploads starts three, however many requests race
/// for them; the others answer `403 quota_exceeded`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_quota_holds_under_concurrent_requests() {
    let app = Closed::start(|_| {}).await;
    let token = app.mint(json!({"prefix": "q/", "max_uploads": 3})).await;
    let body = json!({"filename": "a.webm", "content_type": "video/webm", "size": 100});
    let responses = join_all((0..8).map(|_| app.post("/api/uploads", &token, &body))).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::FORBIDDEN => {
                assert_eq!(
                    error_code(response, StatusCode::FORBIDDEN).await,
                    "quota_exceeded"
                );
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(created, 3);
    app.server.shutdown().await;
}

/// Every instance with the same secret honours a token another minted (a
/// load balancer sends requests anywhere); one with another secret does not.
#[tokio::test]
async fn tokens_work_on_every_instance_sharing_the_secret() {
    let one = Closed::start(|_| {}).await;
    let two = Closed::start(|_| {}).await;
    let other = Closed::start(|args| {
        args.token_secret = Some("another-secret-0123456789-abcdefghijklmn".into());
    })
    .await;
    let token = one.mint(json!({"prefix": "lb/"})).await;
    assert_eq!(
        two.get("/api/videos", &token).await.status(),
        StatusCode::OK
    );
    let response = other.get("/api/videos", &token).await;
    assert_eq!(
        error_code(response, StatusCode::UNAUTHORIZED).await,
        "invalid_credentials"
    );
    for app in [one, two, other] {
        app.server.shutdown().await;
    }
}

/// The embedded store's `If-None-Match: *` is what every "create, never
/// replace" rule stands on (quota markers, single PUTs, `/presign` PUTs):
/// of concurrent create-only PUTs of one key, exactly one may succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_create_only_puts_create_once() {
    let app = Closed::start(|_| {}).await;
    let s3 = app.s3();
    let bucket = app.bucket();
    // Bodies of 1 MiB: the store checks for the key before it reads the
    // body, and commits after.
    let puts = (0..8u8).map(|n| {
        s3.put_object()
            .bucket(&bucket)
            .key("race/one-key")
            .if_none_match("*")
            .body(vec![n; 1024 * 1024].into())
            .send()
    });
    let results = join_all(puts).await;
    let created = results.iter().filter(|result| result.is_ok()).count();
    for result in &results {
        if let Err(err) = result {
            use aws_sdk_s3::error::ProvideErrorMetadata;
            assert_eq!(err.code(), Some("PreconditionFailed"), "{err:?}");
        }
    }
    assert_eq!(created, 1, "create-only PUTs that succeeded");
    app.server.shutdown().await;
}
