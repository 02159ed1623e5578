//! The cost of one presigned URL, signed locally (no request is made): a
//! playback `GetObject`, a create-only `PutObject` with its checksum, and an
//! `UploadPart` with its checksum, on the embedded store's configuration;
//! each signed as the backend signs (`here`: `aws-sigv4` with the day's key
//! kept) and through the SDK's presigning pipeline (`sdk`: what a storage
//! without known credentials falls back to). Run by `cargo xtask bench`,
//! which writes the figures to `BENCHMARKS.md`; alone:
//! `cargo run --release -p vidrop-e2e --bin presign_url -- --bench`
//! (criterion measures only when given `--bench`, as `cargo bench` does;
//! without it, it runs each function once as a test).

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use vidrop::storage::{PutObject, Storage, StorageConfig, UploadPart};
use vidrop_shared::api::StorageKind;
use vidrop_shared::checksum::Sha256Checksum;

const ACCESS_KEY: &str = "AKIAVIDROPBENCH";
const SECRET_KEY: &str = "bench-secret-key-not-a-real-one";

/// The embedded store's storage; `direct` gives it the credentials that let
/// it sign without the SDK.
fn storage(direct: bool) -> Storage {
    Storage::new(
        Storage::static_config("http://127.0.0.1:9000", "us-east-1", ACCESS_KEY, SECRET_KEY),
        StorageConfig {
            kind: StorageKind::Embedded,
            bucket: "vidrop".to_owned(),
            presign_expiry: Duration::from_secs(3600),
            public_endpoint: None,
            max_key_bytes: 1024,
            credentials: direct.then(|| Storage::static_credentials(ACCESS_KEY, SECRET_KEY)),
        },
    )
}

fn presign(c: &mut Criterion) {
    // The SDK's presigning wants a Tokio runtime (its timeouts), as in the
    // server.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let sum = Sha256Checksum::parse("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").unwrap();
    let key = "videos/01JD7YBQ9YEE2T2X1ABJHT4DE2.webm";
    for (name, direct) in [("here", true), ("sdk", false)] {
        let storage = storage(direct);
        let mut group = c.benchmark_group(format!("presign-{name}"));
        group.bench_function("get", |b| {
            b.iter(|| {
                runtime
                    .block_on(storage.presign_playback(black_box(key), Some("inline".to_owned())))
                    .unwrap()
            })
        });
        group.bench_function("put", |b| {
            b.iter(|| {
                runtime
                    .block_on(storage.presign_put(PutObject {
                        key: black_box(key),
                        content_length: 1 << 20,
                        content_type: Some("video/webm"),
                        metadata: None,
                        sha256: Some(&sum),
                        create_only: true,
                    }))
                    .unwrap()
            })
        });
        group.bench_function("part", |b| {
            b.iter(|| {
                runtime
                    .block_on(storage.presign_upload_parts(&[UploadPart {
                        key: black_box(key),
                        upload_id: "upload-id",
                        part_number: 7,
                        content_length: 8 << 20,
                        sha256: Some(&sum),
                    }]))
                    .unwrap()
            })
        });
        group.finish();
    }
}

// A presigned URL takes microseconds: two seconds give criterion hundreds
// of thousands of them per sample set, and keep the benchmark run short.
criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2));
    targets = presign
}
criterion_main!(benches);
