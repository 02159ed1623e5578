//! Checksums on PutObject and UploadPart, sent as the AWS SDK sends them by
//! default (a CRC32 in a header for a body in memory, in an aws-chunked
//! trailer for a streamed body), for every algorithm S3 knows: accepted and
//! kept when right, refused with `400 BadDigest` when wrong, and then
//! nothing is stored.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use base64::Engine;
use common::{HeaderSpy, TestStore, file_body, get, payload, refusal};

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// CRC32 of `bytes` as S3 writes it, computed with crc32fast (not s3s).
fn crc32(bytes: &[u8]) -> String {
    b64(&crc32fast::hash(bytes).to_be_bytes())
}

const ALGORITHMS: [ChecksumAlgorithm; 5] = [
    ChecksumAlgorithm::Crc32,
    ChecksumAlgorithm::Crc32C,
    ChecksumAlgorithm::Crc64Nvme,
    ChecksumAlgorithm::Sha1,
    ChecksumAlgorithm::Sha256,
];

/// A request's checksum field for `algorithm`, as the SDK builders name them.
macro_rules! with_checksum {
    ($builder:expr, $algorithm:expr, $value:expr) => {
        match $algorithm {
            ChecksumAlgorithm::Crc32 => $builder.checksum_crc32($value),
            ChecksumAlgorithm::Crc32C => $builder.checksum_crc32_c($value),
            ChecksumAlgorithm::Crc64Nvme => $builder.checksum_crc64_nvme($value),
            ChecksumAlgorithm::Sha1 => $builder.checksum_sha1($value),
            ChecksumAlgorithm::Sha256 => $builder.checksum_sha256($value),
            other => panic!("{other:?}"),
        }
    };
}

/// An output's checksum for `algorithm`.
macro_rules! checksum_of {
    ($output:expr, $algorithm:expr) => {
        match $algorithm {
            ChecksumAlgorithm::Crc32 => $output.checksum_crc32(),
            ChecksumAlgorithm::Crc32C => $output.checksum_crc32_c(),
            ChecksumAlgorithm::Crc64Nvme => $output.checksum_crc64_nvme(),
            ChecksumAlgorithm::Sha1 => $output.checksum_sha1(),
            ChecksumAlgorithm::Sha256 => $output.checksum_sha256(),
            other => panic!("{other:?}"),
        }
        .map(str::to_owned)
    };
}

#[tokio::test]
async fn put_object_with_the_sdk_defaults_sends_and_keeps_a_crc32() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let bytes = payload(100_000, 1);
    let spy = HeaderSpy::default();
    let put = s3
        .put_object()
        .bucket(&bucket)
        .key("videos/a.webm")
        .content_type("video/webm")
        .body(bytes.clone().into())
        .customize()
        .interceptor(spy.clone())
        .send()
        .await
        .unwrap();
    // The SDK's default: a CRC32 header for a body in memory.
    assert_eq!(spy.last("x-amz-checksum-crc32"), Some(crc32(&bytes)));
    assert_eq!(put.checksum_crc32(), Some(crc32(&bytes).as_str()));
    assert_eq!(get(&s3, &bucket, "videos/a.webm").await, bytes);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("videos/a.webm")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc32(), Some(crc32(&bytes).as_str()));
    assert_eq!(head.content_type(), Some("video/webm"));
    store.running.stop().await;
}

#[tokio::test]
async fn put_object_streamed_from_a_file_is_checked_by_its_trailer() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let bytes = payload(300_000, 2);
    let spy = HeaderSpy::default();
    let body = file_body(store.dir.path(), "upload.bin", &bytes).await;
    s3.put_object()
        .bucket(&bucket)
        .key("videos/streamed.webm")
        .body(body)
        .customize()
        .interceptor(spy.clone())
        .send()
        .await
        .unwrap();
    // Over plain HTTP the SDK signs every chunk and the trailer.
    assert_eq!(
        spy.last("x-amz-trailer").as_deref(),
        Some("x-amz-checksum-crc32")
    );
    assert_eq!(
        spy.last("x-amz-content-sha256").as_deref(),
        Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER")
    );
    assert_eq!(spy.last("content-encoding").as_deref(), Some("aws-chunked"));

    assert_eq!(get(&s3, &bucket, "videos/streamed.webm").await, bytes);
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("videos/streamed.webm")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc32(), Some(crc32(&bytes).as_str()));
    // The body's encoding is not the object's.
    assert_eq!(head.content_encoding(), None);
    store.running.stop().await;
}

/// Each algorithm, computed by the SDK, is accepted on PutObject and kept;
/// the same value on other bytes is refused and changes nothing.
#[tokio::test]
async fn put_object_checks_every_algorithm() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let (right, other) = (payload(70_000, 3), payload(70_000, 4));
    for algorithm in ALGORITHMS {
        let key = format!("videos/{}.bin", algorithm.as_str());
        let put = s3
            .put_object()
            .bucket(&bucket)
            .key(&key)
            .checksum_algorithm(algorithm.clone())
            .body(right.clone().into())
            .send()
            .await
            .unwrap();
        let value = checksum_of!(put, &algorithm).expect("the checksum answered");

        let before = store.snapshot();
        let err = with_checksum!(
            s3.put_object().bucket(&bucket).key(&key),
            &algorithm,
            value.clone()
        )
        .body(other.clone().into())
        .send()
        .await
        .unwrap_err();
        assert_eq!(refusal(&err), (400, "BadDigest".into()), "{algorithm:?}");
        assert_eq!(store.snapshot(), before, "{algorithm:?}");
        assert_eq!(get(&s3, &bucket, &key).await, right, "{algorithm:?}");

        // Right again, with the value given rather than computed by the SDK.
        with_checksum!(
            s3.put_object().bucket(&bucket).key(&key),
            &algorithm,
            value.clone()
        )
        .body(right.clone().into())
        .send()
        .await
        .unwrap();
    }
    store.running.stop().await;
}

/// Each algorithm is taken on a part of an upload created without one (as
/// AWS takes it), checked, kept for ListParts, and refused when wrong.
#[tokio::test]
async fn upload_part_checks_every_algorithm() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let (right, other) = (payload(50_000, 5), payload(50_000, 6));
    let key = "videos/parts.bin";
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    for (index, algorithm) in ALGORITHMS.into_iter().enumerate() {
        let number = i32::try_from(index).unwrap() * 2 + 1;
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .checksum_algorithm(algorithm.clone())
            .body(right.clone().into())
            .send()
            .await
            .unwrap();
        let value = checksum_of!(part, &algorithm).expect("the checksum answered");

        let before = store.snapshot();
        let err = with_checksum!(
            s3.upload_part()
                .bucket(&bucket)
                .key(key)
                .upload_id(&upload_id)
                .part_number(number + 1),
            &algorithm,
            value.clone()
        )
        .body(other.clone().into())
        .send()
        .await
        .unwrap_err();
        assert_eq!(refusal(&err), (400, "BadDigest".into()), "{algorithm:?}");
        assert_eq!(store.snapshot(), before, "{algorithm:?}");

        let listed = s3
            .list_parts()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .send()
            .await
            .unwrap();
        let numbers: Vec<i32> = listed
            .parts()
            .iter()
            .filter_map(|p| p.part_number())
            .collect();
        assert_eq!(numbers.last(), Some(&number), "{algorithm:?}");
        let last = listed.parts().last().unwrap();
        assert_eq!(checksum_of!(last, &algorithm), Some(value), "{algorithm:?}");
    }
    store.running.stop().await;
}

/// A part whose body does not match its CRC32 header (what the SDKs add by
/// default) is refused, and no part is stored.
#[tokio::test]
async fn a_part_with_a_wrong_crc32_is_refused_and_not_stored() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/bad-part.webm";
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let bytes = payload(20_000, 7);
    let before = store.snapshot();
    let err = s3
        .upload_part()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .checksum_crc32(crc32(b"something else"))
        .body(bytes.into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "BadDigest".into()));
    assert_eq!(store.snapshot(), before);
    let listed = s3
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    assert!(listed.parts().is_empty());
    store.running.stop().await;
}

/// A `Content-MD5` that does not match the body is refused before the
/// object is replaced (s3s-fs compares it only after).
#[tokio::test]
async fn a_content_md5_that_does_not_match_is_refused_before_commit() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/md5.webm";
    let bytes = payload(10_000, 8);
    s3.put_object()
        .bucket(&bucket)
        .key(key)
        .body(bytes.clone().into())
        .send()
        .await
        .unwrap();
    let before = store.snapshot();
    let wrong_md5 = "kAFQmDzST7DWlj99KOF/cg=="; // MD5 of "abc"
    let err = s3
        .put_object()
        .bucket(&bucket)
        .key(key)
        .content_md5(wrong_md5)
        .body(ByteStream::from(payload(10_000, 9)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "BadDigest".into()));
    assert_eq!(store.snapshot(), before);
    assert_eq!(get(&s3, &bucket, key).await, bytes);
    store.running.stop().await;
}
