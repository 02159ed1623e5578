//! Helpers the backend's integration tests share.

#![allow(dead_code)] // each test binary uses its own subset

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// `len` bytes that look like nothing in particular (xorshift) after a
/// container header, standing in for a video's.
pub fn payload(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut bytes: Vec<u8> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    // The server checks that an upload's first bytes are a container of its
    // type: these open both a WebM/Matroska file (EBML magic, bytes 0-3) and
    // an MP4/QuickTime one (`ftyp` box, bytes 4-7).
    for (byte, magic) in bytes.iter_mut().zip(CONTAINER_MAGIC) {
        *byte = magic;
    }
    bytes
}

/// The first bytes of every [`payload`].
pub const CONTAINER_MAGIC: [u8; 8] = [0x1A, 0x45, 0xDF, 0xA3, b'f', b't', b'y', b'p'];

/// The JSON error body's code, after checking the status and that a
/// message for people comes with it.
pub async fn error_code(response: reqwest::Response, status: StatusCode) -> String {
    let answered = response.status();
    let content_type = response.headers()[CONTENT_TYPE].clone();
    let text = response.text().await.expect("a body");
    assert_eq!(answered, status, "status, with {text}");
    assert_eq!(content_type, "application/json", "errors are JSON");
    let body: Value = serde_json::from_str(&text).expect("a JSON error");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    body["error"]["code"].as_str().expect("a code").to_owned()
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = reqwest::Url::parse(url).expect("a URL");
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The base64 SHA-256 of `bytes`, as `x-amz-checksum-sha256` carries it.
pub fn sha256(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

/// `request` with the headers a presigned URL was signed with, all but
/// `content-length`, which the HTTP client sets itself (as a browser does).
pub fn with_signed_headers(
    mut request: reqwest::RequestBuilder,
    headers: &BTreeMap<String, String>,
) -> reqwest::RequestBuilder {
    for (name, value) in headers {
        if name != "content-length" {
            request = request.header(name, value);
        }
    }
    request
}
