//! `--bucket` without `--region`: the server asks the bucket for its region
//! at start (HeadBucket's `x-amz-bucket-region`) and signs for it. The
//! bucket is a store in eu-west-3 that refuses requests signed for any
//! other region, as AWS does, so an upload and its playback only work if
//! the region was found. Its own test binary, because the default chain
//! reads credentials and region from the process environment.

mod common;
use common::with_signed_headers;
use reqwest::StatusCode;
use serde_json::json;
use vidrop::{ServeArgs, Server};
use vidrop_shared::api::{UploadPlan, Video};
use vidrop_store::StoreConfig;

const API_KEY: &str = "host-site-key-0123456789";
const REGION: &str = "eu-west-3";

#[tokio::test]
async fn without_a_region_the_server_finds_the_bucket_s_and_signs_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let running = vidrop_store::start(StoreConfig {
        region: REGION.into(),
        ..StoreConfig::new(dir.path().join("store"))
    })
    .await
    .unwrap();
    let store = running.store().clone();

    // SAFETY: this test binary has one test, and sets the variables before
    // anything else runs in it.
    unsafe {
        std::env::remove_var("AWS_REGION");
        std::env::remove_var("AWS_DEFAULT_REGION");
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
    args.region = None;
    args.s3_endpoint = Some(store.endpoint.clone());
    args.path_style = true;
    args.api_keys = vec![API_KEY.into()];
    args.token_secret = Some("t".repeat(32));
    let server = Server::start(args).await.expect("the bucket server starts");
    let base = server.base_url();
    let http = reqwest::Client::new();

    let body = common::payload(50_000, 7);
    let response = http
        .post(format!("{base}/api/uploads"))
        .bearer_auth(API_KEY)
        .json(&json!({"filename": "far.mp4", "content_type": "video/mp4", "size": body.len()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let UploadPlan::Single(plan) = response.json().await.unwrap() else {
        panic!("a single PUT")
    };
    assert!(
        plan.url
            .contains(&format!("%2F{REGION}%2Fs3%2Faws4_request")),
        "signed for the bucket's region: {}",
        plan.url
    );
    let put = with_signed_headers(http.put(&plan.url).body(body.clone()), &plan.headers);
    assert_eq!(put.send().await.unwrap().status(), StatusCode::OK);

    let video: Video = http
        .get(format!("{base}/api/videos/{}", plan.id))
        .bearer_auth(API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let played = http.get(&video.url).send().await.unwrap();
    assert_eq!(played.status(), StatusCode::OK);
    assert_eq!(played.bytes().await.unwrap().as_ref(), body.as_slice());

    // The same URL signed for the SDK's default region is what the server
    // would have answered without discovery; the store refuses it.
    let wrong = video
        .url
        .replace(&format!("%2F{REGION}%2F"), "%2Fus-east-1%2F");
    assert_eq!(
        http.get(&wrong).send().await.unwrap().status(),
        StatusCode::BAD_REQUEST
    );

    server.shutdown().await;
    running.stop().await;
}
