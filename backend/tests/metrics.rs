//! `GET /metrics` moves as requests are made, in Prometheus's text format:
//! requests by route template and status with their latency, uploads by
//! outcome and the bytes approved. Operators only: an API key on a closed
//! server, never an upload token or no credential.

mod closed;
mod common;

use closed::{API_KEY, Closed};
use reqwest::StatusCode;
use serde_json::json;

/// The value of the sample `name{labels}` (labels as written, in order), 0
/// when it is not there yet.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.trim().parse().expect("a number"))
}

async fn scrape(server: &Closed) -> String {
    let response = server.get("/metrics", API_KEY).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("application/openmetrics-text")),
        "{:?}",
        response.headers()
    );
    response.text().await.unwrap()
}

#[tokio::test]
async fn metrics_move_as_requests_are_made() {
    let server = Closed::start(|_| {}).await;
    let before = scrape(&server).await;
    let health = r#"vidrop_http_requests_total{method="GET",route="/api/health",status="200"}"#;
    let created = r#"vidrop_uploads_total{outcome="created"}"#;
    let completed = r#"vidrop_uploads_total{outcome="completed"}"#;
    let refused = r#"vidrop_http_requests_total{method="POST",route="/api/uploads",status="401"}"#;

    for _ in 0..3 {
        let response = server.get("/api/health", "").await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let body = common::payload(1000, 7);
    server.upload(API_KEY, "a.webm", "video/webm", &body).await;
    let response = server
        .post(
            "/api/uploads",
            "",
            &json!({"filename": "b.webm", "content_type": "video/webm", "size": 5}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // An id in the path is not a new series: the route's template is.
    let response = server
        .get("/api/videos/01ARZ3NDEKTSV4RRFFQ69G5FAV", API_KEY)
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let after = scrape(&server).await;
    assert_eq!(
        sample(&after, health) - sample(&before, health),
        3.0,
        "{after}"
    );
    assert_eq!(sample(&after, created) - sample(&before, created), 1.0);
    assert_eq!(sample(&after, completed) - sample(&before, completed), 1.0);
    assert_eq!(
        sample(&after, "vidrop_upload_bytes_approved_total")
            - sample(&before, "vidrop_upload_bytes_approved_total"),
        1000.0
    );
    assert_eq!(sample(&after, refused) - sample(&before, refused), 1.0);
    assert!(
        after.contains(r#"route="/api/videos/{id}",status="404""#),
        "{after}"
    );
    assert!(!after.contains("01ARZ3NDEKTSV4RRFFQ69G5FAV"));
    assert!(
        sample(
            &after,
            r#"vidrop_http_request_duration_seconds_count{route="/api/health"}"#
        ) >= 3.0,
        "{after}"
    );
}

#[tokio::test]
async fn only_an_api_key_reads_the_metrics() {
    let server = Closed::start(|_| {}).await;
    let response = server.get("/metrics", "").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let token = server.mint(json!({"prefix": "users/alice/"})).await;
    let response = server.get("/metrics", &token).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        server.get("/metrics", API_KEY).await.status(),
        StatusCode::OK
    );
}
