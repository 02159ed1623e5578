//! Starting, stopping and restarting the store, and its CORS answers: the
//! bucket exists from the start, objects outlive a restart on the same
//! folder while the credentials change, a stopped store's port is closed,
//! stopping waits for requests in flight (ten seconds at most), and
//! browsers from the listed origins only get a preflight answer.

mod common;

use aws_sdk_s3::presigning::PresigningConfig;
use common::{TestStore, client_with, get};
use std::time::Duration;
use vidrop_store::{EMBEDDED_BUCKET, StoreConfig};

#[tokio::test]
async fn the_bucket_exists_from_the_start() {
    let store = TestStore::start().await;
    assert_eq!(store.bucket(), EMBEDDED_BUCKET);
    assert!(store.store().bucket_dir.is_dir());
    assert_eq!(
        store.store().bucket_dir,
        store.store().data_dir.join(EMBEDDED_BUCKET)
    );
    assert!(store.store().endpoint.starts_with("http://127.0.0.1:"));
    let s3 = store.s3();
    s3.head_bucket()
        .bucket(EMBEDDED_BUCKET)
        .send()
        .await
        .unwrap();
    let buckets = s3.list_buckets().send().await.unwrap();
    let names: Vec<_> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, [EMBEDDED_BUCKET]);
    store.running.stop().await;
}

#[tokio::test]
async fn objects_outlive_a_restart_and_credentials_do_not() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    s3.put_object()
        .bucket(&bucket)
        .key("videos/kept.webm")
        .body(b"kept".to_vec().into())
        .send()
        .await
        .unwrap();
    let old = store.store().clone();
    let endpoint = old.endpoint.clone();

    let store = store.restart().await;
    let new = store.store();
    assert_ne!(new.access_key, old.access_key);
    assert_ne!(new.secret_key, old.secret_key);
    assert_eq!(new.data_dir, old.data_dir);
    assert_eq!(get(&store.s3(), &bucket, "videos/kept.webm").await, b"kept");

    // The old key pair is refused on the new store.
    let stale = client_with(new, &old.access_key, &old.secret_key);
    let err = stale
        .get_object()
        .bucket(&bucket)
        .key("videos/kept.webm")
        .send()
        .await
        .unwrap_err();
    assert_eq!(common::refusal(&err).0, 403);

    // The first store's port no longer answers (it may have been reused by
    // the new store, so only when it differs).
    if new.endpoint != endpoint {
        let refused = reqwest::Client::new().get(&endpoint).send().await;
        assert!(refused.is_err(), "{refused:?}");
    }
    store.running.stop().await;
}

#[tokio::test]
async fn a_data_folder_that_cannot_be_made_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("file");
    std::fs::write(&file, b"not a folder").unwrap();
    let err = vidrop_store::start(StoreConfig::new(file.join("data")))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("data folder"), "{err}");
}

#[tokio::test]
async fn cors_preflights_are_answered_for_listed_origins_only() {
    let store = TestStore::start_with_origins(&["https://host.example"]).await;
    let url = format!(
        "{}/{}/videos/a.webm",
        store.store().endpoint,
        store.bucket()
    );
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, &url)
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "PUT")
            .header(
                "Access-Control-Request-Headers",
                "content-type,x-amz-checksum-sha256",
            )
            .send()
    };

    let allowed = preflight("https://host.example").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    let headers = allowed.headers();
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://host.example"
    );
    let methods = headers["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("PUT"), "{methods}");
    assert_eq!(
        headers["access-control-allow-headers"],
        "content-type,x-amz-checksum-sha256"
    );

    let other = preflight("https://elsewhere.example").await.unwrap();
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        other.headers()
    );

    // A simple request from the listed origin may read the ETag.
    store
        .s3()
        .put_object()
        .bucket(store.bucket())
        .key("videos/a.webm")
        .body(b"a".to_vec().into())
        .send()
        .await
        .unwrap();
    let response = http
        .head(&url)
        .header("Origin", "https://host.example")
        .send()
        .await
        .unwrap();
    // Unsigned: refused, but with CORS headers so the page can read why.
    assert_eq!(response.status(), 403);
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("etag"), "{exposed}");
    store.running.stop().await;
}

/// Writes a presigned PUT of `body` by hand on a raw connection: the head
/// and the first `sent` bytes now, so that a test can hold the rest back.
async fn start_slow_put(
    store: &TestStore,
    key: &str,
    body: &[u8],
    sent: usize,
) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let presigned = store
        .s3()
        .put_object()
        .bucket(store.bucket())
        .key(key)
        .content_length(i64::try_from(body.len()).unwrap())
        .presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap())
        .await
        .unwrap();
    let uri: reqwest::Url = presigned.uri().parse().unwrap();
    let host = format!("{}:{}", uri.host_str().unwrap(), uri.port().unwrap());
    let mut head = format!(
        "PUT {}?{} HTTP/1.1\r\nhost: {host}\r\n",
        uri.path(),
        uri.query().unwrap()
    );
    for (name, value) in presigned.headers() {
        if !name.eq_ignore_ascii_case("host") {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str("\r\n");
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body[..sent]).await.unwrap();
    stream.flush().await.unwrap();
    stream
}

/// A request in flight when the store is asked to stop is served to its
/// end before the store stops.
#[tokio::test]
async fn stopping_lets_requests_in_flight_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let store = TestStore::start().await;
    let body = common::payload(100_000, 1);
    let mut stream = start_slow_put(&store, "videos/in-flight.webm", &body, 50_000).await;
    // Let the store start reading the body before it is told to stop.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bucket_dir = store.store().bucket_dir.clone();
    let TestStore { dir, running } = store;
    let stopping = tokio::spawn(running.stop());
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!stopping.is_finished());
    stream.write_all(&body[50_000..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut answer))
        .await
        .expect("the connection is closed after its answer")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stopping.await.unwrap();
    assert_eq!(
        std::fs::read(bucket_dir.join("videos/in-flight.webm")).unwrap(),
        body
    );
    drop(dir);
}

/// A request that does not finish is dropped after the grace period (ten
/// seconds), and what it sent is not stored.
#[tokio::test]
async fn stopping_drops_a_stalled_request_after_the_grace_period() {
    use tokio::io::AsyncReadExt;
    let store = TestStore::start().await;
    let body = common::payload(100_000, 2);
    let mut stream = start_slow_put(&store, "videos/stalled.webm", &body, 10_000).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let bucket_dir = store.store().bucket_dir.clone();
    let TestStore { dir, running } = store;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(30), running.stop())
        .await
        .expect("stop returns after the grace period");
    assert!(
        started.elapsed() >= Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    let mut answer = Vec::new();
    // The connection is closed (reset or ended) without an answer.
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("the stalled connection is closed");
    assert!(!String::from_utf8_lossy(&answer).contains(" 200 "));
    assert!(!bucket_dir.join("videos/stalled.webm").exists());
    drop(dir);
}
