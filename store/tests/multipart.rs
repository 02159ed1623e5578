//! Multipart uploads as standard clients make them: the AWS SDK with its
//! default checksum settings (a CRC32 on every part, also when the upload
//! was created without an algorithm), parts streamed from files (checksum
//! in a trailer), uploads created with an algorithm (composite checksums),
//! completions that echo part checksums or not, and uploads that outlive a
//! restart of the store.

mod common;

use aws_sdk_s3::Client;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use base64::Engine;
use common::{MIB, TestStore, file_body, get, payload, refusal};
use s3s::crypto::Checksum as _;
use sha2::Digest;

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn crc32(bytes: &[u8]) -> String {
    b64(&crc32fast::hash(bytes).to_be_bytes())
}

/// The parts of a two-part upload: 5 MiB (S3's smallest but the last) and a
/// small last one.
fn two_parts(seed: u8) -> [Vec<u8>; 2] {
    [
        payload(5 * MIB, seed),
        payload(123_457, seed.wrapping_add(1)),
    ]
}

async fn create(
    s3: &Client,
    bucket: &str,
    key: &str,
    algorithm: Option<ChecksumAlgorithm>,
) -> String {
    s3.create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .content_type("video/webm")
        .set_checksum_algorithm(algorithm)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap()
}

async fn complete(
    s3: &Client,
    bucket: &str,
    key: &str,
    upload_id: &str,
    parts: Vec<CompletedPart>,
) -> Result<
    aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadOutput,
    aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::complete_multipart_upload::CompleteMultipartUploadError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
> {
    s3.complete_multipart_upload()
        .bucket(bucket)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(parts))
                .build(),
        )
        .send()
        .await
}

/// The SDK with its defaults: no algorithm at creation, a CRC32 on each part
/// anyway; completed with ETags only.
#[tokio::test]
async fn the_sdk_defaults_upload_and_complete() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/default.webm";
    let parts = two_parts(1);
    let upload_id = create(&s3, &bucket, key, None).await;
    let mut completed = Vec::new();
    for (index, bytes) in parts.iter().enumerate() {
        let number = i32::try_from(index + 1).unwrap();
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(bytes.clone().into())
            .send()
            .await
            .unwrap();
        assert_eq!(part.checksum_crc32(), Some(crc32(bytes).as_str()));
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .build(),
        );
    }
    let done = complete(&s3, &bucket, key, &upload_id, completed)
        .await
        .unwrap();
    assert!(
        done.e_tag().unwrap().ends_with("-2\""),
        "{:?}",
        done.e_tag()
    );
    assert_eq!(get(&s3, &bucket, key).await, parts.concat());
    store.running.stop().await;
}

/// Parts streamed from files go as aws-chunked bodies with a CRC32 trailer;
/// the completion echoes each part's checksum, as some SDKs do.
#[tokio::test]
async fn streamed_parts_with_trailers_complete_with_echoed_checksums() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/streamed.webm";
    let parts = two_parts(3);
    let upload_id = create(&s3, &bucket, key, None).await;
    let mut completed = Vec::new();
    for (index, bytes) in parts.iter().enumerate() {
        let number = i32::try_from(index + 1).unwrap();
        let body = file_body(store.dir.path(), &format!("part-{number}"), bytes).await;
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(part.checksum_crc32(), Some(crc32(bytes).as_str()));
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .set_checksum_crc32(part.checksum_crc32().map(str::to_owned))
                .build(),
        );
    }
    let listed = s3
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    let sums: Vec<_> = listed.parts().iter().map(|p| p.checksum_crc32()).collect();
    assert_eq!(
        sums,
        [
            Some(crc32(&parts[0]).as_str()),
            Some(crc32(&parts[1]).as_str())
        ]
    );

    // An echoed checksum must be the part's.
    let mut wrong = completed.clone();
    wrong[1] = CompletedPart::builder()
        .part_number(2)
        .e_tag(completed[1].e_tag().unwrap())
        .checksum_crc32(crc32(b"other"))
        .build();
    let err = complete(&s3, &bucket, key, &upload_id, wrong)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "InvalidPart".into()));

    complete(&s3, &bucket, key, &upload_id, completed)
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, key).await, parts.concat());
    store.running.stop().await;
}

/// An upload created with an algorithm takes parts with that checksum only,
/// wants them repeated at completion, and answers S3's composite checksum.
#[tokio::test]
async fn an_upload_created_with_an_algorithm_keeps_to_it() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/sha256.webm";
    let parts = two_parts(5);
    let upload_id = create(&s3, &bucket, key, Some(ChecksumAlgorithm::Sha256)).await;

    // The SDK's default CRC32 is not the upload's algorithm.
    let before = store.snapshot();
    let err = s3
        .upload_part()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .body(parts[0].clone().into())
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "InvalidRequest".into()));
    assert_eq!(store.snapshot(), before);

    let mut completed = Vec::new();
    let mut digests = Vec::new();
    for (index, bytes) in parts.iter().enumerate() {
        let number = i32::try_from(index + 1).unwrap();
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .body(bytes.clone().into())
            .send()
            .await
            .unwrap();
        let digest = sha2::Sha256::digest(bytes);
        assert_eq!(part.checksum_sha256(), Some(b64(&digest).as_str()));
        digests.push(digest);
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .set_checksum_sha256(part.checksum_sha256().map(str::to_owned))
                .build(),
        );
    }
    let without_sums: Vec<_> = completed
        .iter()
        .map(|part| {
            CompletedPart::builder()
                .part_number(part.part_number().unwrap())
                .e_tag(part.e_tag().unwrap())
                .build()
        })
        .collect();
    let err = complete(&s3, &bucket, key, &upload_id, without_sums)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "InvalidRequest".into()));

    let done = complete(&s3, &bucket, key, &upload_id, completed)
        .await
        .unwrap();
    let mut of_digests = sha2::Sha256::new();
    for digest in &digests {
        of_digests.update(digest);
    }
    let composite = format!("{}-2", b64(&of_digests.finalize()));
    assert_eq!(done.checksum_sha256(), Some(composite.as_str()));
    assert_eq!(get(&s3, &bucket, key).await, parts.concat());
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key(key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_sha256(), Some(composite.as_str()));
    store.running.stop().await;
}

/// A restart draws new credentials; the uploads in progress stay, are
/// listed, and take more parts and their completion under the new ones.
#[tokio::test]
async fn uploads_in_progress_survive_a_restart() {
    let store = TestStore::start().await;
    let bucket = store.bucket();
    let key = "videos/resumed.webm";
    let parts = two_parts(7);
    let s3 = store.s3();
    let upload_id = create(&s3, &bucket, key, None).await;
    let first = s3
        .upload_part()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(1)
        .body(ByteStream::from(parts[0].clone()))
        .send()
        .await
        .unwrap();
    let old_key = store.store().access_key.clone();

    let store = store.restart().await;
    assert_ne!(store.store().access_key, old_key);
    let s3 = store.s3();
    let listed = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let ids: Vec<_> = listed
        .uploads()
        .iter()
        .filter_map(|u| u.upload_id())
        .collect();
    assert_eq!(ids, [upload_id.as_str()]);
    assert_eq!(listed.uploads()[0].key(), Some(key));

    let second = s3
        .upload_part()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .part_number(2)
        .body(ByteStream::from(parts[1].clone()))
        .send()
        .await
        .unwrap();
    let completed = vec![
        CompletedPart::builder()
            .part_number(1)
            .e_tag(first.e_tag().unwrap())
            .build(),
        CompletedPart::builder()
            .part_number(2)
            .e_tag(second.e_tag().unwrap())
            .build(),
    ];
    complete(&s3, &bucket, key, &upload_id, completed)
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, key).await, parts.concat());
    let listed = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert!(listed.uploads().is_empty());
    store.running.stop().await;
}

/// A completion that would fail leaves the upload as it was; an unknown
/// upload answers `NoSuchUpload`.
#[tokio::test]
async fn failed_completions_leave_the_upload_in_place() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/retry.webm";
    let upload_id = create(&s3, &bucket, key, None).await;
    let small = payload(1000, 9);
    let mut completed = Vec::new();
    for number in 1..=2 {
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(small.clone().into())
            .send()
            .await
            .unwrap();
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .build(),
        );
    }
    let before = store.snapshot();
    let err = complete(&s3, &bucket, key, &upload_id, completed.clone())
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "EntityTooSmall".into()));
    let wrong_etag = vec![
        CompletedPart::builder()
            .part_number(1)
            .e_tag("\"00000000000000000000000000000000\"")
            .build(),
    ];
    let err = complete(&s3, &bucket, key, &upload_id, wrong_etag)
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "InvalidPart".into()));
    assert_eq!(store.snapshot(), before);

    // s3s-fs completes parts 1, 2, 3, … only; a gap is refused up front.
    let err = complete(&s3, &bucket, key, &upload_id, completed[1..].to_vec())
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (501, "NotImplemented".into()));
    assert_eq!(store.snapshot(), before);
    complete(&s3, &bucket, key, &upload_id, completed[..1].to_vec())
        .await
        .unwrap();
    let err = complete(&s3, &bucket, key, &upload_id, completed[..1].to_vec())
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (404, "NoSuchUpload".into()));
    let err = s3
        .abort_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .upload_id("0f8fad5b-d9cb-469f-a165-70867728950e")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (404, "NoSuchUpload".into()));
    store.running.stop().await;
}

/// A multipart object that replaces one put with a checksum keeps nothing
/// of it: not its checksum (s3s-fs merges the old object's record into the
/// new one's, so clients that validate what they download, as the SDK does
/// by default, fail), nor its type or metadata. Its ETag is S3's multipart
/// ETag (the MD5 of the parts' MD5s, `-2`), and no file of the upload is
/// left.
#[tokio::test]
async fn a_completed_upload_replaces_the_checksum_of_the_object_it_replaces() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/replaced.webm";
    s3.put_object()
        .bucket(&bucket)
        .key(key)
        .content_type("video/mp4")
        .metadata("old", "yes")
        .body(payload(1000, 11).into())
        .send()
        .await
        .unwrap();
    let parts = two_parts(12);
    let upload_id = create(&s3, &bucket, key, None).await;
    let mut completed = Vec::new();
    for (index, bytes) in parts.iter().enumerate() {
        let number = i32::try_from(index + 1).unwrap();
        let part = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(number)
            .body(bytes.clone().into())
            .send()
            .await
            .unwrap();
        completed.push(
            CompletedPart::builder()
                .part_number(number)
                .e_tag(part.e_tag().unwrap())
                .build(),
        );
    }
    complete(&s3, &bucket, key, &upload_id, completed)
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, key).await, parts.concat());
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key(key)
        .checksum_mode(aws_sdk_s3::types::ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    assert_eq!(head.checksum_crc32(), None);
    let mut of_md5s = s3s::crypto::Md5::new();
    for bytes in &parts {
        let mut md5 = s3s::crypto::Md5::new();
        md5.update(bytes);
        of_md5s.update(md5.finalize().as_ref());
    }
    let etag: String = of_md5s
        .finalize()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(head.e_tag(), Some(format!("\"{etag}-2\"").as_str()));
    assert_eq!(head.content_type(), Some("video/webm"));
    assert_eq!(head.metadata().and_then(|m| m.get("old")), None);
    let left: Vec<_> = store
        .snapshot()
        .0
        .into_keys()
        .filter(|path| path.contains(&upload_id) || path.contains(".tmp."))
        .collect();
    assert!(left.is_empty(), "files of the upload left: {left:?}");
    store.running.stop().await;
}

/// A part whose request ends between s3s-fs putting its bytes in place and
/// our record of it (a browser that reloads mid-upload cancels the request
/// then) is still listed with its ETag and checksum, so a client resuming
/// from the list completes the upload. The record's loss is made here by
/// removing it, the state such a cancelled request leaves.
#[tokio::test]
async fn a_part_whose_record_was_lost_is_listed_with_its_checksum() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/cancelled.webm";
    let parts = two_parts(9);
    let upload_id = create(&s3, &bucket, key, Some(ChecksumAlgorithm::Sha256)).await;
    let mut etags = Vec::new();
    for (index, bytes) in parts.iter().enumerate() {
        let uploaded = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(&upload_id)
            .part_number(i32::try_from(index + 1).unwrap())
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .body(bytes.clone().into())
            .send()
            .await
            .unwrap();
        etags.push(uploaded.e_tag().unwrap().to_owned());
    }
    let record = store
        .store()
        .data_dir
        .join(format!(".upload_id-{upload_id}.vidrop-part-1.json"));
    std::fs::remove_file(&record).expect("the store records each part");

    let listed = s3
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    let first = &listed.parts()[0];
    assert_eq!(
        first.e_tag(),
        Some(etags[0].as_str()),
        "the ETag is the MD5"
    );
    assert_eq!(
        first.checksum_sha256(),
        Some(b64(&sha2::Sha256::digest(&parts[0])).as_str()),
        "the checksum is read from the part's bytes"
    );
    let completed = listed
        .parts()
        .iter()
        .map(|part| {
            CompletedPart::builder()
                .part_number(part.part_number().unwrap())
                .e_tag(part.e_tag().unwrap())
                .set_checksum_sha256(part.checksum_sha256().map(str::to_owned))
                .build()
        })
        .collect();
    complete(&s3, &bucket, key, &upload_id, completed)
        .await
        .expect("the listed parts complete the upload");
    assert_eq!(get(&s3, &bucket, key).await, parts.concat());
    store.running.stop().await;
}
