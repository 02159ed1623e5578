//! `GET /api/openapi.json`: the OpenAPI document the router makes from the
//! handlers' annotations. Checked three ways: it is a valid OpenAPI 3.1
//! document whose every schema reference resolves; every operation it
//! lists, called on a real server, reaches a handler (the router's
//! fallbacks answer "There is no … here." and 405); and it equals the copy
//! in `docs/openapi.json`, so a change to the API shows in review
//! (`VIDROP_BLESS=1 cargo test -p vidrop --test openapi` rewrites the copy).

mod closed;
mod common;

use closed::{API_KEY, Closed};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

async fn document(server: &Closed) -> Value {
    let response = server
        .http
        .get(server.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/json");
    response.json().await.unwrap()
}

/// Every `$ref` under `value`.
fn references(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => {
                        found.insert(target.clone());
                    }
                    _ => references(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn the_document_describes_every_route_and_each_reaches_its_handler() {
    let server = Closed::start(|_| {}).await;
    let doc = document(&server).await;
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["info"]["title"], "Vidrop");

    let mut refs = BTreeSet::new();
    references(&doc, &mut refs);
    assert!(
        refs.contains("#/components/schemas/CreateUpload"),
        "{refs:?}"
    );
    for target in &refs {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("an unexpected reference {target}"));
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{target} does not resolve"
        );
    }
    for scheme in ["api_key", "upload_token"] {
        assert_eq!(
            doc["components"]["securitySchemes"][scheme]["scheme"],
            "bearer"
        );
    }

    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().unwrap() {
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{method} {path} documents its answers"
            );
            operations.insert(format!("{} {path}", method.to_uppercase()));
            // Parameters filled with a word: the handler answers (whatever
            // it thinks of the word), not the router's fallback.
            let concrete = path
                .replace("{id}", "01ARZ3NDEKTSV4RRFFQ69G5FAV")
                .replace("{key}", "videos/a.mp4");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = server
                .http
                .request(method.clone(), server.url(&concrete))
                .bearer_auth(API_KEY)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert_ne!(
                status,
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {concrete}"
            );
            let body = response.text().await.unwrap();
            assert!(
                !body.contains("There is no"),
                "{method} {concrete} fell through to the router's fallback: {status} {body}"
            );
        }
    }
    let expected: BTreeSet<String> = [
        "GET /api/health",
        "POST /api/tokens",
        "POST /api/uploads",
        "DELETE /api/uploads/{id}",
        "POST /api/uploads/{id}/parts",
        "GET /api/uploads/{id}/parts",
        "POST /api/uploads/{id}/complete",
        "GET /api/videos",
        "GET /api/videos/{id}",
        "POST /api/relay",
        "GET /api/relay/{id}",
        "DELETE /api/relay/cache",
        "GET /presign/{key}",
        "GET /metrics",
    ]
    .map(String::from)
    .into();
    assert_eq!(operations, expected);
    server.server.shutdown().await;
}

#[tokio::test]
async fn the_document_matches_the_copy_in_docs() {
    let server = Closed::start(|_| {}).await;
    let served = serde_json::to_string_pretty(&document(&server).await).unwrap() + "\n";
    let copy = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    if std::env::var_os("VIDROP_BLESS").is_some() {
        std::fs::write(&copy, &served).unwrap();
    }
    let written = std::fs::read_to_string(&copy).unwrap_or_default();
    assert!(
        written == served,
        "docs/openapi.json differs from what the server serves: the API changed. \
         Check the change, then `VIDROP_BLESS=1 cargo test -p vidrop --test openapi`"
    );
    server.server.shutdown().await;
}
