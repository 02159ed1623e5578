//! Keys the store cannot hold are refused with `400` before anything is
//! written, on PutObject and CreateMultipartUpload (and so on every later
//! multipart call); reads and deletes of such keys find nothing and touch
//! nothing. The longest key the store takes works end to end.

mod common;

use aws_sdk_s3::Client;
use aws_sdk_s3::types::{CompletedMultipartUpload, CompletedPart, Delete, ObjectIdentifier};
use common::{TestStore, get, payload, refusal};
use vidrop_store::{MAX_KEY_BYTES, check_key};

/// Puts `key` both ways (PutObject, CreateMultipartUpload) and returns the
/// two refusals.
async fn write_both_ways(s3: &Client, bucket: &str, key: &str) -> [(u16, String); 2] {
    let put = s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(payload(100, 1).into())
        .send()
        .await
        .expect_err(key);
    let create = s3
        .create_multipart_upload()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .expect_err(key);
    [refusal(&put), refusal(&create)]
}

async fn put(s3: &Client, bucket: &str, key: &str, bytes: &[u8]) {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(bytes.to_vec().into())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn keys_the_store_cannot_hold_are_refused_before_anything_is_written() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    put(&s3, &bucket, "videos/x.webm", b"x").await;
    put(&s3, &bucket, "a", b"a").await;
    let before = store.snapshot();

    let too_long = format!("videos/{}", "k".repeat(MAX_KEY_BYTES - 6));
    assert_eq!(too_long.len(), MAX_KEY_BYTES + 1);
    let cases: [(&str, &str); 14] = [
        ("videos/", "InvalidArgument"),
        ("/lead.webm", "InvalidArgument"),
        ("videos", "InvalidRequest"),
        ("a/b", "InvalidRequest"),
        ("a/b/c.webm", "InvalidRequest"),
        ("videos/x.webm/y", "InvalidRequest"),
        ("videos//y.webm", "InvalidArgument"),
        ("videos/./y.webm", "InvalidArgument"),
        ("videos/../y.webm", "InvalidArgument"),
        ("./y.webm", "InvalidArgument"),
        ("videos\\y.webm", "InvalidArgument"),
        ("videos/y\0.webm", "InvalidArgument"),
        ("videos/y\n.webm", "InvalidArgument"),
        (&too_long, "KeyTooLongError"),
    ];
    for (key, code) in cases {
        let refusals = write_both_ways(&s3, &bucket, key).await;
        for (status, answered) in refusals {
            assert_eq!(status, 400, "{key:?}");
            assert_eq!(answered, code, "{key:?}");
        }
        assert_eq!(store.snapshot(), before, "{key:?}");
    }
    assert!(
        s3.list_multipart_uploads()
            .bucket(&bucket)
            .send()
            .await
            .unwrap()
            .uploads()
            .is_empty()
    );
    store.running.stop().await;
}

/// The store's own check agrees with `check_key`, which the backend uses.
#[test]
fn check_key_refuses_what_the_store_refuses_by_text() {
    assert!(check_key("videos/").is_err());
    assert!(check_key("videos//y.webm").is_err());
    assert!(check_key(&"k".repeat(MAX_KEY_BYTES + 1)).is_err());
    assert!(check_key(&"k".repeat(MAX_KEY_BYTES)).is_ok());
    // Conflicts depend on what is stored: not `check_key`'s to see.
    assert!(check_key("videos").is_ok());
}

/// An object created before a conflicting one blocks its completion, which
/// is refused and leaves the upload in place.
#[tokio::test]
async fn a_completion_whose_key_became_a_folder_is_refused() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("clips")
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key("clips")
        .upload_id(&upload_id)
        .part_number(1)
        .body(payload(1000, 2).into())
        .send()
        .await
        .unwrap();
    put(&s3, &bucket, "clips/inside.webm", b"i").await;
    let completed = CompletedMultipartUpload::builder()
        .parts(
            CompletedPart::builder()
                .part_number(1)
                .e_tag(part.e_tag().unwrap())
                .build(),
        )
        .build();
    let before = store.snapshot();
    let err = s3
        .complete_multipart_upload()
        .bucket(&bucket)
        .key("clips")
        .upload_id(&upload_id)
        .multipart_upload(completed.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(refusal(&err), (400, "InvalidRequest".into()));
    assert_eq!(store.snapshot(), before);

    // Once the way is clear, the same completion works (s3s-fs leaves the
    // folder `clips` behind, empty: it blocks nothing).
    s3.delete_object()
        .bucket(&bucket)
        .key("clips/inside.webm")
        .send()
        .await
        .unwrap();
    assert!(store.store().bucket_dir.join("clips").is_dir());
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key("clips")
        .upload_id(&upload_id)
        .multipart_upload(completed)
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, "clips").await, payload(1000, 2));
    store.running.stop().await;
}

#[tokio::test]
async fn the_longest_key_works_single_and_multipart() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    let single = format!("videos/{}", "s".repeat(MAX_KEY_BYTES - 7));
    let multi = format!("videos/{}", "m".repeat(MAX_KEY_BYTES - 7));
    assert_eq!(single.len(), MAX_KEY_BYTES);

    put(&s3, &bucket, &single, b"single").await;
    assert_eq!(get(&s3, &bucket, &single).await, b"single");

    let upload_id = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key(&multi)
        .send()
        .await
        .unwrap()
        .upload_id
        .unwrap();
    let part = s3
        .upload_part()
        .bucket(&bucket)
        .key(&multi)
        .upload_id(&upload_id)
        .part_number(1)
        .body(payload(2000, 3).into())
        .send()
        .await
        .unwrap();
    let listed = s3
        .list_multipart_uploads()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.uploads()[0].key(), Some(multi.as_str()));
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key(&multi)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .parts(
                    CompletedPart::builder()
                        .part_number(1)
                        .e_tag(part.e_tag().unwrap())
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(get(&s3, &bucket, &multi).await, payload(2000, 3));
    store.running.stop().await;
}

/// A folder is not an object: reads find nothing, deletes touch nothing.
#[tokio::test]
async fn reads_and_deletes_of_folders_find_nothing() {
    let store = TestStore::start().await;
    let s3 = store.s3();
    let bucket = store.bucket();
    put(&s3, &bucket, "videos/x.webm", b"x").await;
    put(&s3, &bucket, "a", b"a").await;
    let before = store.snapshot();

    for key in ["videos", "videos/", "a/b", "videos/../a"] {
        let err = s3
            .head_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap_err();
        assert_eq!(refusal(&err).0, 404, "{key}");
        let err = s3
            .get_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap_err();
        assert_eq!(refusal(&err), (404, "NoSuchKey".into()), "{key}");
        s3.delete_object()
            .bucket(&bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    }
    assert_eq!(store.snapshot(), before);

    let deleted = s3
        .delete_objects()
        .bucket(&bucket)
        .delete(
            Delete::builder()
                .objects(ObjectIdentifier::builder().key("videos").build().unwrap())
                .objects(ObjectIdentifier::builder().key("a/b").build().unwrap())
                .objects(
                    ObjectIdentifier::builder()
                        .key("videos/x.webm")
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let mut keys: Vec<_> = deleted.deleted().iter().filter_map(|d| d.key()).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["a/b", "videos", "videos/x.webm"]);
    assert!(deleted.errors().is_empty());
    assert_eq!(store.object_files(), ["a"]);
    store.running.stop().await;
}
