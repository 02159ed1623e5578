//! The store in a region of its own, as an AWS bucket is: requests signed
//! for another region are refused with the right one named and nothing
//! written; HeadBucket tells the region to any caller who asks.

mod common;

use aws_sdk_s3::Client;
use aws_sdk_s3::config::{Credentials, Region};
use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use common::{TestStore, client};
use std::time::Duration;
use vidrop_store::{BUCKET_REGION_HEADER, EmbeddedStore, StoreConfig};

const REGION: &str = "eu-west-3";

async fn store_in_region() -> (tempfile::TempDir, vidrop_store::RunningStore) {
    let dir = tempfile::tempdir().unwrap();
    let running = vidrop_store::start(StoreConfig {
        region: REGION.into(),
        ..StoreConfig::new(dir.path())
    })
    .await
    .unwrap();
    (dir, running)
}

/// A client of `store` that signs for `region`.
fn client_for(store: &EmbeddedStore, region: &str) -> Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version_latest()
        .endpoint_url(&store.endpoint)
        .region(Region::new(region.to_owned()))
        .credentials_provider(Credentials::new(
            &store.access_key,
            &store.secret_key,
            None,
            None,
            "test",
        ))
        .force_path_style(true)
        .build();
    Client::from_conf(config)
}

#[tokio::test]
async fn a_request_signed_for_another_region_is_refused_and_names_the_right_one() {
    let (_dir, running) = store_in_region().await;
    let store = running.store();
    assert_eq!(store.region, REGION);
    let before = common::snapshot(&store.data_dir);

    let wrong = client_for(store, "us-east-1");
    let err = wrong
        .put_object()
        .bucket(&store.bucket)
        .key("videos/a.mp4")
        .body(ByteStream::from_static(b"not in this region"))
        .send()
        .await
        .expect_err("signed for us-east-1");
    assert_eq!(err.code(), Some("AuthorizationHeaderMalformed"), "{err:?}");
    let raw = err.raw_response().expect("an answer");
    assert_eq!(raw.status().as_u16(), 400);
    assert_eq!(raw.headers().get(BUCKET_REGION_HEADER), Some(REGION));
    assert_eq!(common::snapshot(&store.data_dir), before, "nothing written");

    // A presigned URL signed for the wrong region is refused the same way.
    let presigned = wrong
        .get_object()
        .bucket(&store.bucket)
        .key("videos/a.mp4")
        .presigned(PresigningConfig::expires_in(Duration::from_secs(60)).unwrap())
        .await
        .unwrap();
    let answer = reqwest::get(presigned.uri()).await.unwrap();
    assert_eq!(answer.status(), 400);
    assert_eq!(answer.headers()[BUCKET_REGION_HEADER], REGION);
    let body = answer.text().await.unwrap();
    assert!(
        body.contains("<Code>AuthorizationQueryParametersError</Code>")
            && body.contains("expecting 'eu-west-3'"),
        "{body}"
    );

    // Signed for its region, the same request goes through.
    client_for(store, REGION)
        .put_object()
        .bucket(&store.bucket)
        .key("videos/a.mp4")
        .body(ByteStream::from_static(b"here"))
        .send()
        .await
        .expect("signed for the bucket's region");
}

#[tokio::test]
async fn head_bucket_tells_the_region_whichever_region_asks() {
    let (_dir, running) = store_in_region().await;
    let store = running.store();
    let right = client_for(store, REGION)
        .head_bucket()
        .bucket(&store.bucket)
        .send()
        .await
        .unwrap();
    assert_eq!(right.bucket_region(), Some(REGION));

    let err = client_for(store, "ap-south-1")
        .head_bucket()
        .bucket(&store.bucket)
        .send()
        .await
        .expect_err("signed for another region");
    let raw = err.raw_response().expect("an answer");
    assert_eq!(raw.headers().get(BUCKET_REGION_HEADER), Some(REGION));
}

#[tokio::test]
async fn the_default_store_is_in_the_sdk_s_default_region() {
    let store = TestStore::start().await;
    assert_eq!(store.store().region, "us-east-1");
    let head = client(store.store())
        .head_bucket()
        .bucket(store.bucket())
        .send()
        .await
        .unwrap();
    assert_eq!(head.bucket_region(), Some("us-east-1"));
}
