//! Operations the store does not implement answer `501 NotImplemented` and
//! change nothing, signed by the SDK or smuggled into a presigned URL: s3s
//! routes a PUT carrying `x-amz-copy-source` to CopyObject (UploadPartCopy
//! with a part number) even when that header was not signed.

mod common;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::types::{Tag, Tagging};
use common::{TestStore, get, payload, refusal};
use std::time::Duration;

#[tokio::test]
async fn copies_tags_and_bucket_deletion_answer_not_implemented() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let source = payload(10_000, 1);
    s3.put_object()
        .bucket(&bucket)
        .key("videos/source.webm")
        .body(source.clone().into())
        .send()
        .await
        .unwrap();
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("videos/target.webm")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let before = store.snapshot();

    let err = s3
        .copy_object()
        .bucket(&bucket)
        .key("videos/copy.webm")
        .copy_source(format!("{bucket}/videos/source.webm"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (501, "NotImplemented".into()));

    let err = s3
        .upload_part_copy()
        .bucket(&bucket)
        .key("videos/target.webm")
        .upload_id(&upload_id)
        .part_number(1)
        .copy_source(format!("{bucket}/videos/source.webm"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (501, "NotImplemented".into()));

    let tagging = Tagging::builder()
        .tag_set(Tag::builder().key("k").value("v").build().unwrap())
        .build()
        .unwrap();
    let err = s3
        .put_object_tagging()
        .bucket(&bucket)
        .key("videos/source.webm")
        .tagging(tagging)
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (501, "NotImplemented".into()));

    let err = s3.delete_bucket().bucket(&bucket).send().await.unwrap_err();
    assert_eq!(refusal(&err), (501, "NotImplemented".into()));
    let err = s3
        .get_object_acl()
        .bucket(&bucket)
        .key("videos/source.webm")
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (501, "NotImplemented".into()));

    assert_eq!(store.snapshot(), before);
    let parts = s3
        .list_parts()
        .bucket(&bucket)
        .key("videos/target.webm")
        .upload_id(&upload_id)
        .send()
        .await
        .unwrap();
    assert!(parts.parts().is_empty());
    store.running.stop().await;
}

/// A presigned PUT sent with an extra, unsigned `x-amz-copy-source`: the
/// signature holds (the header was not signed), and s3s takes it for a copy,
/// which is refused. Nothing is stored or copied, for an object or a part.
#[tokio::test]
async fn a_copy_source_added_to_a_presigned_put_writes_nothing() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let secret = payload(5000, 2);
    s3.put_object()
        .bucket(&bucket)
        .key("videos/secret.webm")
        .body(secret.clone().into())
        .send()
        .await
        .unwrap();
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("videos/parts.webm")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let expiry = PresigningConfig::expires_in(Duration::from_secs(300)).unwrap();
    let body = payload(1000, 3);
    let put = s3
        .put_object()
        .bucket(&bucket)
        .key("videos/new.webm")
        .content_length(1000)
        .content_type("video/webm")
        .presigned(expiry.clone())
        .await
        .unwrap();
    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key("videos/parts.webm")
        .upload_id(&upload_id)
        .part_number(1)
        .content_length(1000)
        .presigned(expiry)
        .await
        .unwrap();
    let before = store.snapshot();
    let http = reqwest::Client::new();
    for presigned in [&put, &part] {
        let mut request = http
            .put(presigned.uri())
            .header("x-amz-copy-source", format!("/{bucket}/videos/secret.webm"))
            .body(body.clone());
        for (name, value) in presigned.headers() {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 501, "{}", presigned.uri());
        let text = response.text().await.unwrap();
        assert!(text.contains("<Code>NotImplemented</Code>"), "{text}");
    }
    assert_eq!(store.snapshot(), before);
    assert_eq!(get(&s3, &bucket, "videos/secret.webm").await, secret);

    // The same URLs without the extra header work: the refusal was the copy.
    for presigned in [&put, &part] {
        let mut request = http.put(presigned.uri()).body(body.clone());
        for (name, value) in presigned.headers() {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
    assert_eq!(get(&s3, &bucket, "videos/new.webm").await, body);
    store.running.stop().await;
}
