//! The `--bucket` path (AWS default credential chain, `--s3-endpoint`,
//! `--path-style`, `--region`) against an S3-compatible store: the embedded
//! store of a first server stands in for MinIO. Its own test binary, because
//! the default chain reads credentials from the process environment.

mod common;
use common::with_signed_headers;
use reqwest::StatusCode;
use serde_json::json;
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{Health, StorageKind, UploadPlan, Video, VideoList};

/// The host site's key of the bucket server.
const API_KEY: &str = "host-site-key-0123456789";

/// A second server configured with `--bucket` on the first one's store
/// uploads, lists and plays back through presigned URLs like the embedded
/// path, and says `"storage":"s3"`.
#[tokio::test]
async fn a_configured_bucket_works_like_the_embedded_store() {
    let dir = tempfile::tempdir().unwrap();
    let store_server = Server::start(ServeArgs::for_tests(dir.path()))
        .await
        .expect("the store's server starts");
    let store = store_server.embedded_store().unwrap().clone();

    // SAFETY: this test binary has one test, and sets the variables before
    // anything else runs in it.
    unsafe {
        std::env::set_var("AWS_ACCESS_KEY_ID", &store.access_key);
        std::env::set_var("AWS_SECRET_ACCESS_KEY", &store.secret_key);
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
        std::env::set_var("AWS_CONFIG_FILE", dir.path().join("no-config"));
        std::env::set_var(
            "AWS_SHARED_CREDENTIALS_FILE",
            dir.path().join("no-credentials"),
        );
    }
    let mut args = ServeArgs::for_tests(dir.path().join("unused"));
    args.bucket = Some(store.bucket.clone());
    args.region = Some("us-east-1".into());
    args.s3_endpoint = Some(store.endpoint.clone());
    args.path_style = true;
    // With a bucket, the server checks credentials: the host site's API key
    // does everything.
    args.api_keys = vec![API_KEY.into()];
    args.token_secret = Some("t".repeat(32));
    let server = Server::start(args).await.expect("the bucket server starts");
    assert!(server.embedded_store().is_none());
    let base = server.base_url();
    let http = reqwest::Client::new();

    let health: Health = http
        .get(format!("{base}/api/health"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(health.storage, StorageKind::S3);
    assert_eq!(health.bucket, "vidrop");

    let body = common::payload(70_000, 41);
    let response = http
        .post(format!("{base}/api/uploads"))
        .bearer_auth(API_KEY)
        .json(&json!({"filename": "remote.mp4", "content_type": "video/mp4", "size": body.len()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let UploadPlan::Single(plan) = response.json().await.unwrap() else {
        panic!("a single PUT")
    };
    assert!(
        plan.url
            .starts_with(&format!("{}/vidrop/videos/", store.endpoint))
    );
    let put = with_signed_headers(http.put(&plan.url).body(body.clone()), &plan.headers);
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);

    let list: VideoList = http
        .get(format!("{base}/api/videos"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.videos.len(), 1);
    assert_eq!(list.videos[0].filename, "remote.mp4");
    let video: Video = http
        .get(format!("{base}/api/videos/{}", plan.id))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bytes = http
        .get(&video.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), body.as_slice());

    // The store going away is a 502 with a generic message, not a hang or a leak.
    store_server.shutdown().await;
    let response = http
        .get(format!("{base}/api/videos"))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let error: serde_json::Value = response.json().await.unwrap();
    assert_eq!(error["error"]["code"], "storage_error");
    let message = error["error"]["message"].as_str().unwrap();
    assert!(!message.contains("127.0.0.1"), "{message}");
    server.shutdown().await;
}
