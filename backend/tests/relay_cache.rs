//! The disk cache of relay downloads (`--cache-dir`, `--cache-ttl`,
//! `--cache-max-bytes`): a hit is served from disk without a single S3
//! request (the embedded store's counter says so), ranges and validators
//! included; TTL expiry fetches again; the least recently read go over the
//! bound; concurrent first requests fetch from S3 once; a client leaving
//! mid-download leaves no entry; the operator empties it; a video deleted by
//! its failed verification is never served from it; `GET /metrics` shows
//! its figures.

mod closed;
mod common;
mod relay_support;

use closed::API_KEY;
use common::{error_code, payload};
use futures::future::join_all;
use relay_support::{
    cache_dir, cached_server, check_ranges, counted, eventually, files_in, relay_get, relay_ok,
    sample, scrape,
};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use vidrop_shared::limits::MIB;

const HITS: &str = "vidrop_relay_cache_hits_total";
const MISSES: &str = "vidrop_relay_cache_misses_total";
const SERVED: &str = "vidrop_relay_cache_served_bytes_total";
const ENTRIES: &str = "vidrop_relay_cache_entries";
const BYTES: &str = "vidrop_relay_cache_bytes";
const BY_SIZE: &str = r#"vidrop_relay_cache_evictions_total{reason="size"}"#;
const EXPIRED: &str = r#"vidrop_relay_cache_evictions_total{reason="expired"}"#;

/// `GET /api/relay/{id}`'s body and the S3 requests it cost.
async fn read(server: &closed::Closed, id: &str) -> (Vec<u8>, u64) {
    let (bytes, calls) = counted(server, async || {
        let response = relay_get(server, id, &[]).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.bytes().await.unwrap().to_vec()
    })
    .await;
    (bytes, calls)
}

/// A first read fills the cache; the next are served from disk, ranges and
/// `304`s too, without a single S3 request, and counted in the metrics.
#[tokio::test]
async fn a_hit_is_served_from_disk_without_the_store() {
    let (server, root) = cached_server(|_| {}).await;
    let body = payload(3 * MIB as usize + 17, 51);
    let video = relay_ok(&server, "c.webm", body.clone()).await;
    let id = &video.summary.id;

    let (first, calls) = read(&server, id).await;
    assert!(first == body);
    // One listing, one HeadObject (the embedded store's listings carry no
    // ETag), the manifest's absence, one GET.
    assert_eq!(calls, 4, "a miss");
    eventually("the entry is listed", async || {
        sample(&scrape(&server).await, ENTRIES) == 1.0
    })
    .await;
    let files = files_in(&cache_dir(&root));
    assert!(
        files.len() == 1 && files[0].ends_with(".video"),
        "{files:?}"
    );

    let (second, calls) = read(&server, id).await;
    assert!(second == body);
    assert_eq!(calls, 0, "a hit does not reach the store");
    let ((), calls) = counted(&server, async || check_ranges(&server, id, &body).await).await;
    assert_eq!(calls, 0, "ranges and 304s from the cache file");

    let metrics = scrape(&server).await;
    assert_eq!(sample(&metrics, MISSES), 1.0);
    // The second read, and check_ranges's nine requests.
    assert_eq!(sample(&metrics, HITS), 10.0, "{metrics}");
    assert!(sample(&metrics, SERVED) >= body.len() as f64 * 3.0);
    assert_eq!(sample(&metrics, ENTRIES), 1.0);
    assert_eq!(sample(&metrics, BYTES), body.len() as f64);
    server.server.shutdown().await;
}

/// A first request that asks for a range still fills the whole video (the
/// rest goes on once its client has its bytes), and the ranges of a miss
/// are answered like those of a hit.
#[tokio::test]
async fn a_first_ranged_request_fills_the_whole_video() {
    let (server, _root) = cached_server(|_| {}).await;
    let body = payload(2 * MIB as usize, 52);
    let video = relay_ok(&server, "r.webm", body.clone()).await;
    let id = &video.summary.id;
    let response = relay_get(&server, id, &[("range", "bytes=0-99")]).await;
    assert_eq!(response.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(response.bytes().await.unwrap(), body[..100]);
    eventually("the entry is listed", async || {
        sample(&scrape(&server).await, ENTRIES) == 1.0
    })
    .await;
    let (whole, calls) = read(&server, id).await;
    assert!(whole == body);
    assert_eq!(calls, 0);

    let other = relay_ok(&server, "s.webm", body.clone()).await;
    check_ranges(&server, &other.summary.id, &body).await;
    server.server.shutdown().await;
}

/// An entry not read for `--cache-ttl` is fetched again; each read starts
/// its TTL again.
#[tokio::test]
async fn an_entry_expires_after_its_ttl_and_reads_restart_it() {
    let (server, root) = cached_server(|args| {
        args.relay.cache_ttl = Duration::from_millis(1500);
    })
    .await;
    let body = payload(MIB as usize, 53);
    let id = relay_ok(&server, "t.webm", body.clone()).await.summary.id;
    let (_, calls) = read(&server, &id).await;
    assert!(calls > 0);
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let (bytes, calls) = read(&server, &id).await;
        assert!(bytes == body);
        assert_eq!(calls, 0, "read within its TTL, which each read restarts");
    }
    tokio::time::sleep(Duration::from_millis(1700)).await;
    let (bytes, calls) = read(&server, &id).await;
    assert!(bytes == body);
    assert!(calls > 0, "expired: fetched again");
    let metrics = scrape(&server).await;
    assert_eq!(sample(&metrics, EXPIRED), 1.0, "{metrics}");
    assert_eq!(sample(&metrics, MISSES), 2.0);
    assert_eq!(files_in(&cache_dir(&root)).len(), 1, "the old file is gone");
    server.server.shutdown().await;
}

/// Over `--cache-max-bytes` the least recently read video goes; one larger
/// than the bound is relayed but not cached.
#[tokio::test]
async fn the_least_recently_read_go_over_the_bound() {
    let size = MIB as usize;
    let (server, root) = cached_server(|args| {
        args.relay.cache_max_bytes = (size * 5 / 2) as u64;
    })
    .await;
    let mut ids = Vec::new();
    for (n, name) in ["a.webm", "b.webm", "c.webm"].into_iter().enumerate() {
        let video = relay_ok(&server, name, payload(size, 60 + n as u64)).await;
        ids.push(video.summary.id);
    }
    let [a, b, c] = [&ids[0], &ids[1], &ids[2]];
    let filled = async |id: &str| {
        let (_, calls) = read(&server, id).await;
        assert!(calls > 0, "{id}: a miss");
        eventually("the fill is listed", async || {
            let text = scrape(&server).await;
            sample(&text, MISSES) == sample(&text, ENTRIES) + sample(&text, BY_SIZE)
        })
        .await;
    };
    filled(a).await;
    filled(b).await;
    assert_eq!(
        read(&server, a).await.1,
        0,
        "a is read again: b is the least recent"
    );
    filled(c).await;
    assert_eq!(read(&server, a).await.1, 0, "a stayed");
    assert_eq!(read(&server, c).await.1, 0, "c is cached");
    let metrics = scrape(&server).await;
    assert_eq!(sample(&metrics, BY_SIZE), 1.0, "{metrics}");
    assert_eq!(sample(&metrics, ENTRIES), 2.0);
    assert!(sample(&metrics, BYTES) <= (size * 5 / 2) as f64);
    assert!(read(&server, b).await.1 > 0, "b was evicted");
    assert_eq!(files_in(&cache_dir(&root)).len(), 2);

    let huge = relay_ok(&server, "huge.webm", payload(size * 3, 64)).await;
    let (bytes, calls) = read(&server, &huge.summary.id).await;
    assert_eq!(bytes.len(), size * 3);
    assert!(calls > 0);
    assert!(read(&server, &huge.summary.id).await.1 > 0, "never cached");
    server.server.shutdown().await;
}

/// Concurrent first requests for one video cost S3 what one does: one
/// fetch, which the others wait for and then read from the cache.
#[tokio::test]
async fn concurrent_first_requests_fetch_from_the_store_once() {
    let (server, _root) = cached_server(|_| {}).await;
    let body = payload(8 * MIB as usize, 71);
    let one = relay_ok(&server, "one.webm", body.clone()).await.summary.id;
    let many = relay_ok(&server, "many.webm", body.clone())
        .await
        .summary
        .id;
    let (_, single) = read(&server, &one).await;

    let (bodies, calls) = counted(&server, async || {
        join_all((0..8).map(|_| async {
            let response = relay_get(&server, &many, &[]).await;
            assert_eq!(response.status(), StatusCode::OK);
            response.bytes().await.unwrap()
        }))
        .await
    })
    .await;
    assert!(bodies.iter().all(|got| *got == body));
    assert_eq!(calls, single, "eight first requests, one fetch");
    let metrics = scrape(&server).await;
    assert_eq!(sample(&metrics, MISSES), 2.0, "{metrics}");
    assert_eq!(sample(&metrics, HITS), 7.0);
    server.server.shutdown().await;
}

/// A client that leaves mid-download leaves no entry and no file behind:
/// the next request is a miss and gets every byte.
#[tokio::test]
async fn a_client_leaving_mid_download_leaves_no_entry() {
    let (server, root) = cached_server(|_| {}).await;
    let body = payload(32 * MIB as usize, 81);
    let id = relay_ok(&server, "left.webm", body.clone())
        .await
        .summary
        .id;

    let mut stream = TcpStream::connect(server.addr()).await.unwrap();
    let request = format!(
        "GET /api/relay/{id} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\n\r\n",
        server.addr()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut got = 0;
    let mut buf = vec![0u8; 64 * 1024];
    while got < MIB as usize {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "the server closed early");
        got += n;
    }
    drop(stream);

    eventually("the fill is given up", async || {
        files_in(&cache_dir(&root)).is_empty()
    })
    .await;
    assert_eq!(sample(&scrape(&server).await, ENTRIES), 0.0);
    let (bytes, calls) = read(&server, &id).await;
    assert!(bytes == body, "every byte");
    assert!(calls > 0, "a miss: nothing partial was kept");
    server.server.shutdown().await;
}

/// `DELETE /api/relay/cache` needs the operator (an API key) and empties
/// the cache, files included; the next read is a miss.
#[tokio::test]
async fn the_operator_clears_the_cache() {
    let (server, root) = cached_server(|_| {}).await;
    let body = payload(MIB as usize, 91);
    let id = relay_ok(&server, "x.webm", body.clone()).await.summary.id;
    read(&server, &id).await;
    eventually("the entry is listed", async || {
        sample(&scrape(&server).await, ENTRIES) == 1.0
    })
    .await;

    let clear = async |credential: &str| {
        let request = server.http.delete(server.url("/api/relay/cache"));
        let request = if credential.is_empty() {
            request
        } else {
            request.bearer_auth(credential)
        };
        request.send().await.unwrap()
    };
    let token = server.mint(json!({"prefix": ""})).await;
    assert_eq!(
        error_code(clear("").await, StatusCode::UNAUTHORIZED).await,
        "missing_credentials"
    );
    assert_eq!(
        error_code(clear(&token).await, StatusCode::FORBIDDEN).await,
        "api_key_required"
    );
    assert_eq!(read(&server, &id).await.1, 0, "still cached");
    let response = clear(API_KEY).await;
    assert_eq!(response.status(), StatusCode::OK);
    let cleared: serde_json::Value = response.json().await.unwrap();
    assert_eq!(cleared, json!({"entries": 1, "bytes": body.len()}));
    assert!(files_in(&cache_dir(&root)).is_empty());
    assert_eq!(sample(&scrape(&server).await, ENTRIES), 0.0);
    assert!(read(&server, &id).await.1 > 0, "a miss after the clear");
    server.server.shutdown().await;
}

/// An upload not verified yet is relayed but not cached, so when its
/// verification fails and deletes it, nothing of it stays readable.
#[tokio::test]
async fn a_video_deleted_by_its_failed_verification_is_not_served_from_the_cache() {
    let (server, _root) = cached_server(|_| {}).await;
    let bytes = b"<html>not a video</html>".repeat(40);
    let plan = server
        .create_single(API_KEY, "bad.webm", "video/webm", bytes.len())
        .await;
    let response = server
        .put_signed(&plan.url, &plan.headers, bytes.clone())
        .await;
    assert_eq!(response.status(), StatusCode::OK);

    let (got, _) = read(&server, &plan.id).await;
    assert_eq!(got, bytes, "relayed before its completion");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sample(&scrape(&server).await, ENTRIES), 0.0, "not cached");

    let response = server.complete_single(API_KEY, &plan.id).await;
    assert_eq!(
        error_code(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "verification_failed"
    );
    let response = relay_get(&server, &plan.id, &[]).await;
    assert_eq!(
        error_code(response, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    server.server.shutdown().await;
}
