//! aws-chunked bodies with a trailing checksum, sent by hand: the shape the
//! AWS SDKs use over HTTPS (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`: headers
//! signed, chunks not, the checksum after the last chunk). Over plain HTTP
//! the SDK signs the chunks too; `checksums.rs` covers that with the SDK.

mod common;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use common::{TestStore, get, payload};
use std::time::SystemTime;
use vidrop_store::{EMBEDDED_REGION, EmbeddedStore};

/// CRC32 of `bytes` as S3 writes it, computed with crc32fast.
fn crc32(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(bytes).to_be_bytes())
}

/// `data` in two aws-chunked chunks without signatures, then the trailer.
fn unsigned_chunked(data: &[u8], trailer: &str) -> Vec<u8> {
    let (one, two) = data.split_at(data.len() / 2);
    let mut body = Vec::new();
    for chunk in [one, two] {
        body.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
        body.extend_from_slice(chunk);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("0\r\n{trailer}\r\n\r\n").as_bytes());
    body
}

/// PUTs `body` (aws-chunked, announcing a CRC32 trailer) at `path_and_query`,
/// signed as the SDK signs it over HTTPS.
async fn put_unsigned_trailer(
    store: &EmbeddedStore,
    path_and_query: &str,
    decoded_len: usize,
    body: Vec<u8>,
) -> reqwest::Response {
    let url = format!("{}{path_and_query}", store.endpoint);
    let host = store.endpoint.trim_start_matches("http://").to_owned();
    let headers = [
        ("host", host),
        ("content-encoding", "aws-chunked".to_owned()),
        ("x-amz-decoded-content-length", decoded_len.to_string()),
        ("x-amz-trailer", "x-amz-checksum-crc32".to_owned()),
    ];
    let identity: Identity =
        Credentials::new(&store.access_key, &store.secret_key, None, None, "test").into();
    let mut settings = SigningSettings::default();
    settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(EMBEDDED_REGION)
        .name("s3")
        .time(SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "PUT",
        &url,
        headers.iter().map(|(name, value)| (*name, value.as_str())),
        SignableBody::Precomputed("STREAMING-UNSIGNED-PAYLOAD-TRAILER".to_owned()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();

    let mut request = reqwest::Client::new().put(&url).body(body);
    for (name, value) in &headers[1..] {
        request = request.header(*name, value);
    }
    for (name, value) in instructions.headers() {
        request = request.header(name, value);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn unsigned_chunks_with_a_trailing_crc32_are_checked() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let data = payload(40_000, 11);
    let path = format!("/{bucket}/videos/trailer.bin");

    let body = unsigned_chunked(&data, &format!("x-amz-checksum-crc32:{}", crc32(&data)));
    let response = put_unsigned_trailer(store.store(), &path, data.len(), body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(get(&s3, &bucket, "videos/trailer.bin").await, data);

    let before = store.snapshot();
    let wrong = format!("x-amz-checksum-crc32:{}", crc32(b"other"));
    let response = put_unsigned_trailer(
        store.store(),
        &path,
        data.len(),
        unsigned_chunked(&payload(40_000, 12), &wrong),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("<Code>BadDigest</Code>")
    );
    assert_eq!(store.snapshot(), before);

    // A trailer announced but not sent.
    let response = put_unsigned_trailer(
        store.store(),
        &path,
        data.len(),
        unsigned_chunked(&payload(40_000, 13), "x-amz-meta-other:1"),
    )
    .await;
    assert_eq!(response.status(), 400);
    let text = response.text().await.unwrap();
    assert!(text.contains("<Code>InvalidRequest</Code>"), "{text}");
    assert!(text.contains("x-amz-checksum-crc32 trailer"), "{text}");
    assert_eq!(store.snapshot(), before);
    assert_eq!(get(&s3, &bucket, "videos/trailer.bin").await, data);
    store.running.stop().await;
}

#[tokio::test]
async fn parts_with_a_trailing_crc32_are_checked_and_kept() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let key = "videos/trailer-parts.bin";
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let data = payload(30_000, 14);
    let path = |n: u32| format!("/{bucket}/{key}?partNumber={n}&uploadId={upload_id}");

    let body = unsigned_chunked(&data, &format!("x-amz-checksum-crc32:{}", crc32(&data)));
    let response = put_unsigned_trailer(store.store(), &path(1), data.len(), body).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(
        response.headers()["x-amz-checksum-crc32"].to_str().unwrap(),
        crc32(&data)
    );

    let before = store.snapshot();
    let wrong = format!("x-amz-checksum-crc32:{}", crc32(b"other"));
    let response = put_unsigned_trailer(
        store.store(),
        &path(2),
        data.len(),
        unsigned_chunked(&data, &wrong),
    )
    .await;
    assert_eq!(response.status(), 400);
    assert_eq!(store.snapshot(), before);

    let listed = s3
        .list_parts()
        .bucket(&bucket)
        .key(key)
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.parts().len(), 1);
    assert_eq!(
        listed.parts()[0].checksum_crc32(),
        Some(crc32(&data).as_str())
    );
    store.running.stop().await;
}
