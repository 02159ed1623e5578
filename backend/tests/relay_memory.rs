//! A 1 GiB relayed upload, generated as a stream (the test never holds it
//! either), keeps the process's memory growth under 64 MiB: the relay holds
//! at most two 8 MiB parts. The server, its embedded store and the client
//! all run in this process, so its peak resident size (`VmHWM`, reset
//! first through `/proc/self/clear_refs`) bounds what the relay took. Then
//! the video streams back, checked by its SHA-256, under the same bound.
//!
//! Alone in its test binary, so that no other test's allocations count.
//! `cargo test -p vidrop --test relay_memory -- --nocapture` prints the
//! figures.

mod closed;
mod common;
mod relay_support;

use bytes::Bytes;
use closed::API_KEY;
use common::CONTAINER_MAGIC;
use futures::StreamExt;
use relay_support::{relay_get, relay_server};
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use std::time::Instant;
use vidrop_shared::api::Video;
use vidrop_shared::limits::{GIB, MIB};

/// The bound on memory growth.
const BOUND: u64 = 64 * MIB;

/// A `/proc/self/status` figure, in bytes.
fn status_bytes(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("{field} in /proc/self/status"))
}

/// Resets the peak resident size to the current one; answers that.
fn reset_peak() -> u64 {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
    status_bytes("VmRSS")
}

/// 1 GiB as 1 MiB chunks made as they are sent: the same pattern each
/// time, the first opening with a container's magic bytes.
fn generated(
    size: u64,
) -> (
    impl futures::Stream<Item = Result<Bytes, std::io::Error>>,
    [u8; 32],
) {
    let chunk: Vec<u8> = (0..MIB).map(|i| (i * 31 % 251) as u8).collect();
    let mut first = chunk.clone();
    first[..CONTAINER_MAGIC.len()].copy_from_slice(&CONTAINER_MAGIC);
    let count = size / MIB;
    let mut digest = Sha256::new();
    for n in 0..count {
        digest.update(if n == 0 { &first } else { &chunk });
    }
    let (first, chunk) = (Bytes::from(first), Bytes::from(chunk));
    let stream = futures::stream::iter(0..count)
        .map(move |n| Ok(if n == 0 { first.clone() } else { chunk.clone() }));
    (stream, digest.finalize().into())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gigabyte_relays_in_bounded_memory() {
    let size = GIB;
    let server = relay_server(|args| {
        args.max_size = 2 * GIB;
        args.request_timeout = 60;
    })
    .await;
    // Warm up: the first requests set up clients, pools and buffers.
    let warm = common::payload(9 * MIB as usize, 1);
    let response = relay_support::relay_post(&server, API_KEY, "video/webm", "w.webm", warm).await;
    assert_eq!(response.status(), StatusCode::CREATED);

    let (body, expected) = generated(size);
    let baseline = reset_peak();
    let started = Instant::now();
    let response = server
        .http
        .post(server.url("/api/relay"))
        .bearer_auth(API_KEY)
        .header("content-type", "video/webm")
        .header("content-length", size.to_string())
        .header("x-filename", "gigabyte.webm")
        .body(reqwest::Body::wrap_stream(body))
        .send()
        .await
        .expect("POST /api/relay");
    assert_eq!(response.status(), StatusCode::CREATED);
    let video: Video = response.json().await.unwrap();
    let up = started.elapsed();
    let peak_up = status_bytes("VmHWM");
    assert_eq!(video.summary.size, size);

    let baseline_down = reset_peak();
    let started = Instant::now();
    let response = relay_get(&server, &video.summary.id, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let mut digest = Sha256::new();
    let mut received = 0u64;
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.unwrap();
        received += chunk.len() as u64;
        digest.update(&chunk);
    }
    let down = started.elapsed();
    let peak_down = status_bytes("VmHWM");
    assert_eq!(received, size);
    assert!(
        <[u8; 32]>::from(digest.finalize()) == expected,
        "the same bytes"
    );

    let growth_up = peak_up.saturating_sub(baseline);
    let growth_down = peak_down.saturating_sub(baseline_down);
    println!(
        "1 GiB relayed up in {:.1} s, peak RSS growth {:.1} MiB (from {:.1} MiB); down in {:.1} s, growth {:.1} MiB",
        up.as_secs_f64(),
        growth_up as f64 / MIB as f64,
        baseline as f64 / MIB as f64,
        down.as_secs_f64(),
        growth_down as f64 / MIB as f64,
    );
    assert!(growth_up < BOUND, "upload: {growth_up} bytes");
    assert!(growth_down < BOUND, "download: {growth_down} bytes");
    server.server.shutdown().await;
}
