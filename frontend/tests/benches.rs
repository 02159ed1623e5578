//! The engine's benchmarks, run in the browser as the widget ships
//! (`cargo xtask bench` builds this file with the widget's cargo profile and
//! standard library, and writes what it prints to `BENCHMARKS.md`); ignored
//! by `cargo test`:
//! - `bench_part_checksums`: the part checksums S3 verifies, on 64 MiB.
//!   Prints `checksum SHA-256, webcrypto: X MB/s` and the like (MB = 10⁶
//!   bytes).
//! - `bench_scheduler`: the upload scheduler's work per event, for uploads of
//!   100, 1,000 and 10,000 parts, each a whole upload driven as the browser
//!   drives it (hash, sign in batches, send, ten progress events and a stall
//!   check per part, done). Prints `scheduler <parts> parts: <ns> ns/event`.
//!
//! Alone, from the workspace root (headless Chromium, see `webdriver.json`):
//! `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p vidrop-frontend --target wasm32-unknown-unknown --release --test benches -- --include-ignored --nocapture`

// Everything here needs a browser; on a native `cargo test` the file is empty.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{blob, random_bytes};
use std::collections::BTreeMap;
use std::hint::black_box;
use vidrop_frontend::engine::hash::{Sha256Backend, read_reusing};
use vidrop_frontend::engine::scheduler::{PartScheduler, SchedulerConfig};
use vidrop_shared::api::SignedPart;
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::limits::MIB;
use vidrop_shared::parts::{PREFERRED_PART_SIZE, PartPlan};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The page's clock, in milliseconds.
fn now() -> f64 {
    web_sys::window().unwrap().performance().unwrap().now()
}

/// Measures the part checksums S3 verifies on 64 MiB, in 8 MiB parts as
/// uploads do (reading each part into the reused buffer included): SHA-256
/// by both backends, and CRC32C and CRC64/NVME computed in wasm (with the
/// crates the store verifies them with; each part copied into wasm's
/// memory, as the wasm SHA-256 does). Prints one `checksum …` line each.
#[wasm_bindgen_test]
#[ignore = "a benchmark: run with --include-ignored --nocapture"]
async fn bench_part_checksums() {
    const TOTAL: u64 = 64 * MIB;
    let chunk = random_bytes(8 * MIB as usize, 3);
    // 64 MiB in the browser's memory, not in wasm's.
    let parts: Vec<&[u8]> = (0..TOTAL / (8 * MIB)).map(|_| &chunk[..]).collect();
    let data = blob(&parts);
    drop(parts);
    let plan = PartPlan::for_size(TOTAL);
    let part = |number: u32| {
        let range = plan.range(number);
        data.slice_with_f64_and_f64(range.start as f64, range.end as f64)
            .unwrap()
    };
    let report = |name: &str, start: f64| {
        let seconds = (now() - start) / 1000.0;
        console_log!("checksum {name}: {:.1} MB/s", TOTAL as f64 / 1e6 / seconds);
    };
    for backend in Sha256Backend::ALL {
        // Warm up (JIT, first allocation).
        backend
            .digest(&data.slice_with_f64_and_f64(0.0, MIB as f64).unwrap())
            .await
            .unwrap();
        let start = now();
        for number in 1..=plan.part_count {
            backend.digest(&part(number)).await.unwrap();
        }
        report(&format!("SHA-256, {}", backend.name()), start);
    }

    // The published check values, so a wrong CRC cannot be timed.
    assert_eq!(crc32c::crc32c(b"123456789"), 0xE306_9283);
    let crc64 = |bytes: &[u8]| crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, bytes);
    assert_eq!(crc64(b"123456789"), 0xAE8B_1486_0A79_9888);
    let mut in_wasm = vec![0u8; 8 * MIB as usize];
    for (name, crc) in [
        (
            "CRC32C, wasm",
            &(|bytes: &[u8]| u64::from(crc32c::crc32c(bytes))) as &dyn Fn(&[u8]) -> u64,
        ),
        ("CRC64/NVME, wasm", &crc64),
    ] {
        let mut sums = Vec::new();
        let start = now();
        for number in 1..=plan.part_count {
            let read = read_reusing(&part(number)).await.unwrap();
            let bytes = read.bytes();
            let len = bytes.length() as usize;
            bytes.copy_to(&mut in_wasm[..len]);
            read.done();
            sums.push(crc(&in_wasm[..len]));
        }
        report(name, start);
        assert!(
            sums.windows(2).all(|w| w[0] == w[1]),
            "the same part, the same sum"
        );
        assert_eq!(sums[0], crc(&chunk), "{name} of the bytes read");
    }
}

/// The upload scheduler's work per event: whole uploads of 100, 1,000 and
/// 10,000 parts, each size repeated for a second (the page's clock is
/// coarse), after half a second of warm-up. Prints one `scheduler …` line
/// each.
#[wasm_bindgen_test]
#[ignore = "a benchmark: run with --include-ignored --nocapture"]
fn bench_scheduler() {
    // Warm up: the browser compiles wasm in tiers, the optimised code later.
    let warm_up = now();
    while now() - warm_up < 500.0 {
        black_box(run_upload(1_000));
    }
    for parts in [100, 1_000, 10_000] {
        let started = now();
        let mut events = 0;
        while events == 0 || now() - started < 1_000.0 {
            events += run_upload(parts);
        }
        let ns = (now() - started) * 1e6 / events as f64;
        console_log!("scheduler {parts} parts: {ns:.0} ns/event");
    }
}

/// How many progress events each part's upload reports.
const PROGRESS_EVENTS_PER_PART: u64 = 10;

/// Runs one upload of `parts` parts through the scheduler to the end;
/// answers the events handed to it.
fn run_upload(parts: u64) -> u64 {
    let plan = PartPlan::for_size(parts * PREFERRED_PART_SIZE);
    assert_eq!(u64::from(plan.part_count), parts);
    let mut s = PartScheduler::new(plan, SchedulerConfig::default(), true);
    let sum = Sha256Checksum::parse("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").unwrap();
    let mut events = 0u64;
    let mut clock = 0.0;
    while !s.is_complete() {
        clock += 1.0;
        while let Some(n) = s.next_hash() {
            s.hashed(n, sum.clone());
            events += 1;
        }
        if let Some(batch) = s.next_sign_batch(clock) {
            let signed: Vec<SignedPart> = batch
                .iter()
                .map(|p| SignedPart {
                    part_number: p.part_number,
                    url: String::new(),
                    headers: BTreeMap::new(),
                })
                .collect();
            s.signed(&signed, None);
            events += 1;
        }
        let mut sends = Vec::new();
        while let Some(send) = s.next_send(clock) {
            sends.push(send);
            events += 1;
        }
        for send in sends {
            let len = send.range.end - send.range.start;
            for step in 1..=PROGRESS_EVENTS_PER_PART {
                s.progress(
                    send.part_number,
                    send.try_id,
                    len * step / PROGRESS_EVENTS_PER_PART,
                    clock,
                );
                black_box(s.loaded());
                black_box(s.stalled(clock));
                events += 1;
            }
            s.part_done(send.part_number, send.try_id, String::new());
            black_box(s.parts_done());
            events += 1;
        }
    }
    events
}
