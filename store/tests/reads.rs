//! GetObject as a player and a download use it: the whole object and byte
//! ranges (first, last, suffix, open-ended, across the store's read chunks),
//! each with the bytes, length and `Content-Range` S3 answers, and an
//! object's checksum only when the whole object is read.

mod common;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use common::{MIB, TestStore};

/// Bytes that differ at every offset that matters here (not one repeated
/// block), so that a range read from the wrong place cannot pass.
fn object_bytes(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3])
        .collect()
}

#[tokio::test]
async fn whole_objects_and_ranges_read_back_exactly() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    // Longer than several read chunks, and not a multiple of one.
    let bytes = object_bytes(MIB + 12_345);
    let len = bytes.len();
    s3.put_object()
        .bucket(&bucket)
        .key("videos/read.webm")
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .body(ByteStream::from(bytes.clone()))
        .send()
        .await
        .unwrap();

    let whole = s3
        .get_object()
        .bucket(&bucket)
        .key("videos/read.webm")
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(whole.content_length(), Some(len as i64));
    assert_eq!(whole.content_range(), None);
    assert!(whole.checksum_sha256().is_some());
    assert!(whole.body.collect().await.unwrap().into_bytes() == bytes);

    let chunk = 256 * 1024;
    let ranges: [(String, usize, usize); 6] = [
        ("bytes=0-0".into(), 0, 1),
        (
            format!("bytes={}-{}", chunk - 2, chunk + 1),
            chunk - 2,
            chunk + 2,
        ),
        (format!("bytes={}-{}", len - 1, len - 1), len - 1, len),
        ("bytes=-1000".into(), len - 1000, len),
        ("bytes=700000-".into(), 700_000, len),
        // A range past the end is cut at the end, as S3 cuts it.
        (format!("bytes=1000-{}", len + 5000), 1000, len),
    ];
    for (range, start, end) in ranges {
        let part = s3
            .get_object()
            .bucket(&bucket)
            .key("videos/read.webm")
            .range(&range)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{range}: {e:?}"));
        assert_eq!(part.content_length(), Some((end - start) as i64), "{range}");
        assert_eq!(
            part.content_range(),
            Some(format!("bytes {start}-{}/{len}", end - 1).as_str()),
            "{range}"
        );
        assert_eq!(
            part.checksum_sha256(),
            None,
            "{range}: a part has no checksum"
        );
        let got = part.body.collect().await.unwrap().into_bytes();
        assert!(
            got == bytes[start..end],
            "{range}: other bytes than the object's"
        );
    }

    let refused = s3
        .get_object()
        .bucket(&bucket)
        .key("videos/read.webm")
        .range(format!("bytes={len}-"))
        .send()
        .await;
    assert!(refused.is_err(), "a range starting past the end is refused");
    store.running.stop().await;
}

#[tokio::test]
async fn an_empty_object_reads_back_empty() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    s3.put_object()
        .bucket(&bucket)
        .key("empty")
        .body(ByteStream::from_static(b""))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket(&bucket)
        .key("empty")
        .send()
        .await
        .unwrap();
    assert_eq!(got.content_length(), Some(0));
    assert!(got.body.collect().await.unwrap().into_bytes().is_empty());
    store.running.stop().await;
}
