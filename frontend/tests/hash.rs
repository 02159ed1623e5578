//! Browser tests of what the engine reads from files: both SHA-256 backends
//! (known vectors, and agreement on a random multi-MiB slice), the
//! fingerprint that recognises a file after a reload, and the resume records
//! in `localStorage`. What they cost is measured in `benches.rs`.
//!
//! Run from the workspace root (headless Chromium, see `webdriver.json`):
//! `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p vidrop-frontend --target wasm32-unknown-unknown --test hash`

// Everything here needs a browser; on a native `cargo test` the file is empty.
#![cfg(target_arch = "wasm32")]

mod common;

use common::{blob, random_bytes};
use js_sys::{Array, Uint8Array};
use vidrop_frontend::engine::hash::{Sha256Backend, digest_checksum, sha256_workers_started};
use vidrop_frontend::engine::resume::{Fingerprint, LocalResumeBook, ResumeRecord, storage_key};
use vidrop_frontend::engine::timer::sleep;
use vidrop_shared::limits::MIB;
use vidrop_shared::parts::PartPlan;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{Blob, File, FilePropertyBag};

wasm_bindgen_test_configure!(run_in_browser);

const ABC_SHA256: &str = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
/// SHA-256 of one million `a`s (FIPS 180-2's long vector), base64.
const MILLION_A_SHA256: &str = "zcduXJkU+5KBocfihNc+Z/GAmkiklyAOBG05zMcRLNA=";

fn file(name: &str, content: &[u8], last_modified: f64) -> File {
    let options = FilePropertyBag::new();
    options.set_type("video/mp4");
    options.set_last_modified(last_modified);
    let sequence = Array::of1(&Uint8Array::from(content));
    File::new_with_u8_array_sequence_and_options(&sequence, name, &options).unwrap()
}

/// Both backends give the published digests.
#[wasm_bindgen_test]
async fn both_sha256_backends_match_known_vectors() {
    assert!(
        Sha256Backend::ALL.len() >= 2,
        "the tests build both backends"
    );
    let million_a = vec![b'a'; 1_000_000];
    for backend in Sha256Backend::ALL {
        assert!(backend.is_available(), "{}", backend.name());
        assert_eq!(
            backend.checksum(&blob(&[b"abc"])).await.unwrap().as_str(),
            ABC_SHA256,
            "{}",
            backend.name()
        );
        assert_eq!(
            backend.checksum(&blob(&[])).await.unwrap().as_str(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
            "{}",
            backend.name()
        );
        assert_eq!(
            backend
                .checksum(&blob(&[&million_a]))
                .await
                .unwrap()
                .as_str(),
            MILLION_A_SHA256,
            "{}",
            backend.name()
        );
    }
    assert_eq!(Sha256Backend::preferred(), Some(Sha256Backend::WebCrypto));
}

/// Each part is read into the buffer the last one used: a shorter part
/// after a longer one, and the longer one again, digest their own bytes
/// only, from a byte stream read in many chunks.
#[wasm_bindgen_test]
async fn a_reused_buffer_holds_only_the_part_read_into_it() {
    let million_a = vec![b'a'; 1_000_000];
    let backend = Sha256Backend::WebCrypto;
    for (content, expected) in [
        (&million_a[..], MILLION_A_SHA256),
        (b"abc", ABC_SHA256),
        (&million_a[..], MILLION_A_SHA256),
        (b"", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="),
    ] {
        assert_eq!(
            backend.checksum(&blob(&[content])).await.unwrap().as_str(),
            expected,
            "{} bytes",
            content.len()
        );
    }
}

/// Parts are hashed in a worker that is replaced every 128 MiB (its heap,
/// and the garbage reading leaves in it, go with it); the digests stay
/// right across the change of worker, with parts asked for at once.
#[wasm_bindgen_test]
async fn hashing_workers_are_replaced_and_digests_stay_right() {
    let part = random_bytes(8 * MIB as usize, 5);
    let expected = Sha256Backend::Wasm.checksum(&blob(&[&part])).await.unwrap();
    let parts: Vec<&[u8]> = (0..20).map(|_| &part[..]).collect();
    let data = blob(&parts);
    let started_before = sha256_workers_started();
    // Two at a time, as two files' uploads would ask.
    for pair in (0..20u32).collect::<Vec<_>>().chunks(2) {
        let slices: Vec<Blob> = pair
            .iter()
            .map(|n| {
                let start = f64::from(*n) * 8.0 * MIB as f64;
                data.slice_with_f64_and_f64(start, start + 8.0 * MIB as f64)
                    .unwrap()
            })
            .collect();
        let (a, b) = futures_util::future::join(
            Sha256Backend::WebCrypto.checksum(&slices[0]),
            Sha256Backend::WebCrypto.checksum(&slices[1]),
        )
        .await;
        assert_eq!(a.unwrap(), expected, "part {}", pair[0]);
        assert_eq!(b.unwrap(), expected, "part {}", pair[1]);
    }
    let started = sha256_workers_started() - started_before;
    assert!(
        started >= 2,
        "160 MiB of parts went through {started} new worker(s)"
    );
}

/// A worker left idle ends (with its part-sized buffer); the next part
/// starts another, and hashes right.
#[wasm_bindgen_test]
async fn an_idle_hashing_worker_ends_and_the_next_part_starts_another() {
    let backend = Sha256Backend::WebCrypto;
    assert_eq!(
        backend.checksum(&blob(&[b"abc"])).await.unwrap().as_str(),
        ABC_SHA256
    );
    let started = sha256_workers_started();
    assert_eq!(
        backend.checksum(&blob(&[b"abc"])).await.unwrap().as_str(),
        ABC_SHA256
    );
    assert_eq!(sha256_workers_started(), started, "a busy worker stays");
    sleep(3500.0).await;
    assert_eq!(
        backend.checksum(&blob(&[b"abc"])).await.unwrap().as_str(),
        ABC_SHA256
    );
    assert_eq!(sha256_workers_started(), started + 1, "the idle one ended");
}

/// Where no worker can start, parts are hashed on the page, to the same
/// digests.
#[wasm_bindgen_test]
async fn without_workers_parts_are_hashed_on_the_page() {
    let global = js_sys::global();
    let worker = js_sys::Reflect::get(&global, &"Worker".into()).unwrap();
    js_sys::Reflect::set(&global, &"Worker".into(), &JsValue::UNDEFINED).unwrap();
    let started_before = sha256_workers_started();
    let million_a = vec![b'a'; 1_000_000];
    let digest = Sha256Backend::WebCrypto
        .checksum(&blob(&[&million_a]))
        .await;
    let abc = Sha256Backend::WebCrypto.checksum(&blob(&[b"abc"])).await;
    js_sys::Reflect::set(&global, &"Worker".into(), &worker).unwrap();
    assert_eq!(digest.unwrap().as_str(), MILLION_A_SHA256);
    assert_eq!(abc.unwrap().as_str(), ABC_SHA256);
    assert_eq!(
        sha256_workers_started(),
        started_before,
        "no worker started"
    );
}

/// Digests are written as S3 expects (standard padded base64, by the
/// browser's `btoa`), whatever their bytes.
#[wasm_bindgen_test]
fn digests_encode_as_s3_expects() {
    const EMPTY_SHA256: [u8; 32] = [
        0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9,
        0x24, 0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52,
        0xb8, 0x55,
    ];
    assert_eq!(
        digest_checksum(&EMPTY_SHA256).as_str(),
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
    assert_eq!(
        digest_checksum(&[0xff; 32]).as_str(),
        "//////////////////////////////////////////8="
    );
    assert_eq!(
        digest_checksum(&[0; 32]).as_str(),
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
    );
}

/// On a random slice of a multi-MiB Blob (odd offsets, across the wasm
/// backend's 1 MiB chunks), the two backends agree.
#[wasm_bindgen_test]
async fn both_sha256_backends_agree_on_a_random_slice() {
    let bytes = random_bytes(5 * MIB as usize + 123, 7);
    let whole = blob(&[&bytes[..MIB as usize], &bytes[MIB as usize..]]);
    let slice = whole
        .slice_with_f64_and_f64(MIB as f64 + 7.0, 4.0 * MIB as f64 + 3.0)
        .unwrap();
    assert_eq!(slice.size(), (3 * MIB - 4) as f64);
    let mut digests = Vec::new();
    for backend in Sha256Backend::ALL {
        digests.push(backend.digest(&slice).await.unwrap());
    }
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "{digests:?}");
    // And the slice is what was asked for: hashing the same bytes directly.
    let direct = blob(&[&bytes[MIB as usize + 7..4 * MIB as usize + 3]]);
    assert_eq!(
        Sha256Backend::WebCrypto.digest(&direct).await.unwrap(),
        digests[0]
    );
}

/// Two files with the same name, size and date but different bytes in
/// their first MiB have different fingerprints; the same file read twice
/// has the same one.
#[wasm_bindgen_test]
async fn files_with_the_same_name_but_other_content_differ() {
    let hasher = Sha256Backend::preferred();
    let content = random_bytes(2 * MIB as usize, 1);
    let mut other = content.clone();
    other[100] ^= 1;
    let a = Fingerprint::of(&file("clip.mp4", &content, 1_700_000_000_000.0), hasher)
        .await
        .unwrap();
    let a_again = Fingerprint::of(&file("clip.mp4", &content, 1_700_000_000_000.0), hasher)
        .await
        .unwrap();
    let b = Fingerprint::of(&file("clip.mp4", &other, 1_700_000_000_000.0), hasher)
        .await
        .unwrap();
    let c = Fingerprint::of(&file("clip.mp4", &content, 1_700_000_000_001.0), hasher)
        .await
        .unwrap();
    assert_eq!(a, a_again);
    assert_eq!(
        (a.name.as_str(), a.size, a.last_modified),
        ("clip.mp4", 2 * MIB, 1_700_000_000_000)
    );
    assert_ne!(a, b, "other bytes");
    assert_ne!(a, c, "other date");
    assert_eq!((a.name.as_str(), a.size), (b.name.as_str(), b.size));
    // Only the first MiB is read: a change after it is the same fingerprint
    // (size and date still tell most edits apart).
    let mut tail = content.clone();
    tail[(MIB + 5) as usize] ^= 1;
    let d = Fingerprint::of(&file("clip.mp4", &tail, 1_700_000_000_000.0), hasher)
        .await
        .unwrap();
    assert_eq!(a, d);
    // A file shorter than a MiB hashes all of itself.
    let small = Fingerprint::of(&file("s.mp4", b"abc", 1.0), hasher)
        .await
        .unwrap();
    assert_eq!(small.head_sha256.as_deref(), Some(ABC_SHA256));
}

/// A record written to `localStorage` is found again by a fresh book (as
/// after a reload), and is gone once forgotten.
#[wasm_bindgen_test]
async fn resume_records_survive_in_local_storage() {
    let base = format!("http://test.invalid/{}", js_sys::Math::random());
    let fingerprint = Fingerprint {
        name: "clip.mp4".into(),
        size: 100 * MIB,
        last_modified: 1_700_000_000_000,
        head_sha256: Some(ABC_SHA256.into()),
    };
    let plan = PartPlan::for_size(100 * MIB);
    let record = ResumeRecord {
        fingerprint: fingerprint.clone(),
        id: "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG".into(),
        upload_id: "upload/with+odd=chars".into(),
        part_size: plan.part_size,
        part_count: plan.part_count,
        // An hour from now: the upload has not expired.
        expires_at: js_sys::Date::new(&(js_sys::Date::now() + 3_600_000.0).into())
            .to_iso_string()
            .into(),
    };
    LocalResumeBook::new(&base).remember(record.clone());

    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let raw = storage.get_item(&storage_key(&base)).unwrap().unwrap();
    assert!(raw.contains("upload/with+odd=chars"), "{raw}");

    let reloaded = LocalResumeBook::new(&base);
    assert_eq!(reloaded.find(&fingerprint), Some(record.clone()));
    assert_eq!(reloaded.find(&fingerprint).unwrap().plan(), Some(plan));
    assert_eq!(
        LocalResumeBook::new("http://another.invalid").find(&fingerprint),
        None,
        "each backend has its own records"
    );
    reloaded.forget(&record.id);
    assert_eq!(LocalResumeBook::new(&base).find(&fingerprint), None);
    assert_eq!(
        storage.get_item(&storage_key(&base)).unwrap(),
        None,
        "an empty book leaves nothing behind"
    );
}
