//! Every bad input issue 8 names, answered with its exact status and error
//! code, and after each one a check that nothing stored changed: every object
//! in the bucket (key, size, ETag), every multipart upload in progress, and
//! their parts.
//!
//! The server runs *closed* (API key, token secret, `--presign-prefix
//! shared/`, `--header-timeout 1`, `--max-size 64 MiB`, multipart above 1
//! MiB) on its embedded store, seeded with a verified video (uploaded with a
//! token allowed one upload, now used up), a multipart upload in progress
//! under Alice's prefix with one part stored, another under Bob's, and an
//! object written through `/presign`. Requests go over a raw HTTP/1.1
//! connection, so that a target such as `/presign/a/../b` or `%2e%2e` reaches
//! the server exactly as written.
//!
//! [`ROWS`] is the table of plain requests; [`SPECIAL_ROWS`] are the inputs
//! that take more than one request (a presigned URL to abuse, a connection
//! held open, a burst). Each row prints its name before it runs.

mod closed;
mod common;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use closed::{
    API_KEY, Closed, MAX_SIZE, RawResponse, Snapshot, TOKEN_SECRET, header_pairs, hold_open,
    raw_request, raw_to_url, s3_code,
};
use common::{payload, sha256};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vidrop::access::{Grant, TokenSigner};
use vidrop_shared::api::{MultipartUpload, PresignResponse, SignedParts, SingleUpload, UploadPlan};
use vidrop_shared::limits::MIB;

/// Headers of a row, with `{PLACEHOLDER}`s filled in at run time.
type Headers = &'static [(&'static str, &'static str)];

const NO_HEADERS: Headers = &[];
const ALICE: Headers = &[("Authorization", "Bearer {ALICE}")];
const ALICE_JSON: Headers = &[
    ("Authorization", "Bearer {ALICE}"),
    ("Content-Type", "application/json"),
];
const BOB: Headers = &[("Authorization", "Bearer {BOB}")];
const BOB_JSON: Headers = &[
    ("Authorization", "Bearer {BOB}"),
    ("Content-Type", "application/json"),
];
const KEY: Headers = &[("Authorization", "Bearer {API_KEY}")];
const KEY_JSON: Headers = &[
    ("Authorization", "Bearer {API_KEY}"),
    ("Content-Type", "application/json"),
];
const JSON_ONLY: Headers = &[("Content-Type", "application/json")];

/// The body of a row.
#[derive(Debug, Clone, Copy)]
enum Body {
    None,
    /// Text with `{PLACEHOLDER}`s.
    Text(&'static str),
    /// A well-formed upload request of this many bytes (a long file name).
    Filler(usize),
    /// A completion of the seeded multipart upload listing this many parts,
    /// each with an ETag and a SHA-256.
    ManyParts(u32),
}

/// One bad input: a request and the answer it must get.
#[derive(Debug)]
struct Row {
    name: &'static str,
    method: &'static str,
    /// The request target, sent exactly as written.
    path: &'static str,
    headers: Headers,
    body: Body,
    status: u16,
    /// The JSON error code (`""` for a success).
    code: &'static str,
}

const fn row(
    name: &'static str,
    method: &'static str,
    path: &'static str,
    headers: Headers,
    body: Body,
    status: u16,
    code: &'static str,
) -> Row {
    Row {
        name,
        method,
        path,
        headers,
        body,
        status,
        code,
    }
}

use Body::{Filler, ManyParts, None as NoBody, Text};

/// A valid upload request, to which each row changes one thing.
const UPLOAD_OK: &str = r#"{"filename":"a.webm","content_type":"video/webm","size":1000}"#;

#[rustfmt::skip]
const ROWS: &[Row] = &[
    // ---- /presign: traversal and odd keys (Alice's token: shared/users/alice/) ----
    row("presign: ../ climbs out of the prefix", "GET", "/presign/shared/users/alice/../../videos/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: %2e%2e/ climbs out of the prefix", "GET", "/presign/shared/users/alice/%2e%2e/%2e%2e/users/bob/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: %2E%2E%2F, slashes encoded too", "GET", "/presign/shared/users/alice/%2E%2E%2F%2E%2E%2Fbob%2Fx.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: ../ to read a manifest", "GET", "/presign/shared/users/alice/../../../.vidrop/pending/{MP_ID}.json?method=GET", ALICE, NoBody, 400, "invalid_key"),
    row("presign: leading /", "GET", "/presign//shared/users/alice/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: leading %2F", "GET", "/presign/%2Fshared/users/alice/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: backslash %5C", "GET", "/presign/shared/users/alice/..%5C..%5Cx.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: NUL %00", "GET", "/presign/shared/users/alice/x%00.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: control character %01", "GET", "/presign/shared/users/alice/x%01.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: line feed %0A", "GET", "/presign/shared/users/alice/x%0AX-Injected:%201.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: DEL %7F", "GET", "/presign/shared/users/alice/x%7F.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: C1 control U+0085", "GET", "/presign/shared/users/alice/x%C2%85.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: key over 1,024 bytes (PUT)", "GET", "/presign/{KEY_1025}?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: key over 1,024 bytes (GET)", "GET", "/presign/{KEY_1025}?method=GET", ALICE, NoBody, 400, "invalid_key"),
    row("presign: key over the store's limit (129 bytes on the embedded store)", "GET", "/presign/{KEY_OVER_STORE}?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: the key `videos`", "GET", "/presign/videos?method=PUT&contentLength=10", KEY, NoBody, 403, "reserved_key"),
    row("presign: the key `.vidrop`", "GET", "/presign/.vidrop?method=PUT&contentLength=10", KEY, NoBody, 403, "reserved_key"),
    row("presign: overwrite the verified video", "GET", "/presign/{VKEY}?method=PUT&contentLength=10", KEY, NoBody, 403, "reserved_key"),
    row("presign: read a manifest (it names the upload id)", "GET", "/presign/.vidrop/pending/{MP_ID}.json?method=GET", KEY, NoBody, 403, "reserved_key"),
    row("presign: write a quota marker", "GET", "/presign/.vidrop/quota/x/0002?method=PUT&contentLength=1", KEY, NoBody, 403, "reserved_key"),
    row("presign: trailing /", "GET", "/presign/shared/users/alice/folder/?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: empty segment //", "GET", "/presign/shared/users/alice//x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_key"),
    row("presign: invalid percent-encoding %zz", "GET", "/presign/shared/users/alice/x%zz.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_path"),
    row("presign: truncated percent-encoding", "GET", "/presign/shared/users/alice/x.webm%4?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_path"),
    row("presign: %FF, not UTF-8", "GET", "/presign/shared/users/alice/x%FF.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_path"),
    row("presign: outside --presign-prefix", "GET", "/presign/users/alice/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "outside_prefix"),
    row("presign: outside the token's prefix", "GET", "/presign/shared/users/bob/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 400, "outside_prefix"),
    row("presign: read another prefix's object", "GET", "/presign/shared/users/alice/clip.webm?method=GET", BOB, NoBody, 400, "outside_prefix"),
    row("presign: read a video outside --presign-prefix", "GET", "/presign/{VKEY}?method=GET", ALICE, NoBody, 400, "outside_prefix"),
    row("presign: contentLength negative", "GET", "/presign/shared/users/alice/x.webm?method=PUT&contentLength=-1", ALICE, NoBody, 400, "invalid_query"),
    row("presign: contentLength zero", "GET", "/presign/shared/users/alice/x.webm?method=PUT&contentLength=0", ALICE, NoBody, 400, "empty_file"),
    row("presign: contentLength not a number", "GET", "/presign/shared/users/alice/x.webm?method=PUT&contentLength=ten", ALICE, NoBody, 400, "invalid_query"),
    row("presign: contentLength over u64", "GET", "/presign/shared/users/alice/x.webm?method=PUT&contentLength=18446744073709551616", ALICE, NoBody, 400, "invalid_query"),
    row("presign: contentLength over --max-size", "GET", "/presign/shared/x.webm?method=PUT&contentLength={OVER_MAX}", KEY, NoBody, 413, "too_large"),
    row("presign: contentLength over the token's max_size", "GET", "/presign/shared/users/alice/x.webm?method=PUT&contentLength={OVER_TOKEN}", ALICE, NoBody, 413, "too_large"),
    row("presign: .html, a type the token does not allow", "GET", "/presign/shared/users/alice/page.html?method=PUT&contentLength=10", ALICE, NoBody, 415, "unsupported_type"),
    row("presign: .mov, a video type the token does not allow", "GET", "/presign/shared/users/alice/x.mov?method=PUT&contentLength=10", ALICE, NoBody, 415, "unsupported_type"),
    row("presign: method DELETE", "GET", "/presign/shared/users/alice/clip.webm?method=DELETE", ALICE, NoBody, 400, "invalid_method"),
    row("presign: PUT without contentLength", "GET", "/presign/shared/users/alice/x.webm?method=PUT", ALICE, NoBody, 400, "missing_content_length"),
    row("presign: no credentials", "GET", "/presign/shared/x.webm?method=PUT&contentLength=10", NO_HEADERS, NoBody, 401, "missing_credentials"),
    row("presign: expired token", "GET", "/presign/shared/users/alice/x.webm?method=PUT&contentLength=10", &[("Authorization", "Bearer {EXPIRED}")], NoBody, 401, "token_expired"),
    row("presign: method given twice", "GET", "/presign/shared/users/alice/x.webm?method=GET&method=PUT&contentLength=10", ALICE, NoBody, 400, "invalid_query"),
    row("presign: POST", "POST", "/presign/shared/users/alice/x.webm?method=PUT&contentLength=10", ALICE, NoBody, 405, "method_not_allowed"),
    // ---- POST /api/uploads: sizes and types (Alice's token: 32 MiB, webm and mp4) ----
    row("upload: size negative", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":-1}"#), 422, "invalid_body"),
    row("upload: size zero", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":0}"#), 400, "empty_file"),
    row("upload: size not a number", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":"ten"}"#), 422, "invalid_body"),
    row("upload: size over u64", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":18446744073709551616}"#), 422, "invalid_body"),
    row("upload: size fractional", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1.5}"#), 422, "invalid_body"),
    row("upload: size over --max-size", "POST", "/api/uploads", KEY_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":{OVER_MAX}}"#), 413, "too_large"),
    row("upload: size over the token's max_size", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":{OVER_TOKEN}}"#), 413, "too_large"),
    row("upload: text/html", "POST", "/api/uploads", KEY_JSON, Text(r#"{"filename":"a.html","content_type":"text/html","size":1000}"#), 415, "unsupported_type"),
    row("upload: a video type the token does not allow", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.mov","content_type":"video/quicktime","size":1000}"#), 415, "unsupported_type"),
    row("upload: empty content_type", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"","size":1000}"#), 415, "unsupported_type"),
    row("upload: a header injected in content_type", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm\r\nx-amz-acl: public-read","size":1000}"#), 415, "unsupported_type"),
    row("upload: malformed JSON", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename": "#), 400, "invalid_body"),
    row("upload: a JSON array", "POST", "/api/uploads", ALICE_JSON, Text("[]"), 422, "invalid_body"),
    row("upload: missing content_type", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","size":1000}"#), 422, "invalid_body"),
    row("upload: a field given twice", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1,"size":99999999999}"#), 422, "invalid_body"),
    row("upload: garbage after the JSON", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000} x"#), 400, "invalid_body"),
    row("upload: filename mistyped", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":42,"content_type":"video/webm","size":1000}"#), 422, "invalid_body"),
    row("upload: empty body", "POST", "/api/uploads", ALICE_JSON, NoBody, 400, "invalid_body"),
    row("upload: no Content-Type", "POST", "/api/uploads", ALICE, Text(UPLOAD_OK), 415, "invalid_body"),
    row("upload: Content-Type text/plain", "POST", "/api/uploads", &[("Authorization", "Bearer {ALICE}"), ("Content-Type", "text/plain")], Text(UPLOAD_OK), 415, "invalid_body"),
    row("upload: body over 64 KiB", "POST", "/api/uploads", ALICE_JSON, Filler(65 * 1024), 413, "body_too_large"),
    row("upload: 1 MB body", "POST", "/api/uploads", ALICE_JSON, Filler(1_000_000), 413, "body_too_large"),
    row("upload: malformed sha256", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"sha256":"not base64!"}"#), 400, "invalid_checksum"),
    // ---- POST /api/uploads: what the browser read of the video, and its poster ----
    row("upload: duration zero", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"duration":0}"#), 400, "invalid_metadata"),
    row("upload: duration negative", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"duration":-1.5}"#), 400, "invalid_metadata"),
    row("upload: duration over seven days", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"duration":604801}"#), 400, "invalid_metadata"),
    row("upload: duration 1e308", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"duration":1e308}"#), 400, "invalid_metadata"),
    row("upload: duration past f64 (1e309)", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"duration":1e309}"#), 400, "invalid_body"),
    row("upload: duration a header injection", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"duration":"1\r\nx-amz-acl: public-read"}"#), 422, "invalid_body"),
    row("upload: width zero", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"width":0}"#), 400, "invalid_metadata"),
    row("upload: width negative", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"width":-1}"#), 422, "invalid_body"),
    row("upload: height over 16,384", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"width":1920,"height":16385}"#), 400, "invalid_metadata"),
    row("upload: height over u32", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"height":4294967296}"#), 422, "invalid_body"),
    row("upload: poster over 2 MiB", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"poster":{"size":2097153}}"#), 400, "poster_too_large"),
    row("upload: poster over 2 MiB, multipart", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":9437184,"poster":{"size":5242880}}"#), 400, "poster_too_large"),
    row("upload: poster empty", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"poster":{"size":0}}"#), 400, "empty_poster"),
    row("upload: poster without a size", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"poster":{}}"#), 422, "invalid_body"),
    row("upload: poster a number", "POST", "/api/uploads", ALICE_JSON, Text(r#"{"filename":"a.webm","content_type":"video/webm","size":1000,"poster":1000}"#), 422, "invalid_body"),
    // ---- credentials ----
    row("upload: no credentials", "POST", "/api/uploads", JSON_ONLY, Text(UPLOAD_OK), 401, "missing_credentials"),
    row("upload: expired token", "POST", "/api/uploads", &[("Authorization", "Bearer {EXPIRED}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "token_expired"),
    row("upload: tampered token (prefix widened to the bucket)", "POST", "/api/uploads", &[("Authorization", "Bearer {TAMPERED}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: token signed with another secret", "POST", "/api/uploads", &[("Authorization", "Bearer {FOREIGN}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: token with alg none", "POST", "/api/uploads", &[("Authorization", "Bearer {ALG_NONE}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: JWT for another audience (right secret)", "POST", "/api/uploads", &[("Authorization", "Bearer {OTHER_AUD}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: token whose prefix climbs out (right secret)", "POST", "/api/uploads", &[("Authorization", "Bearer {ESCAPING}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: API key wrong by one character", "POST", "/api/uploads", &[("Authorization", "Bearer {WRONG_KEY}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: API key one character short", "POST", "/api/uploads", &[("Authorization", "Bearer {SHORT_KEY}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: Authorization with a non-ASCII byte", "POST", "/api/uploads", &[("Authorization", "Bearer {ALICE}\u{e9}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: Authorization Basic", "POST", "/api/uploads", &[("Authorization", "Basic YWxpY2U6c2VjcmV0"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: Authorization Bearer with nothing", "POST", "/api/uploads", &[("Authorization", "Bearer "), ("Content-Type", "application/json")], Text(UPLOAD_OK), 401, "invalid_credentials"),
    row("upload: exhausted quota (max_uploads 1, used)", "POST", "/api/uploads", &[("Authorization", "Bearer {ONCE}"), ("Content-Type", "application/json")], Text(UPLOAD_OK), 403, "quota_exceeded"),
    row("upload: foreign Origin", "POST", "/api/uploads", &[("Authorization", "Bearer {ALICE}"), ("Content-Type", "application/json"), ("Origin", "https://evil.example")], Text(UPLOAD_OK), 403, "origin_not_allowed"),
    row("upload: Origin null", "POST", "/api/uploads", &[("Authorization", "Bearer {ALICE}"), ("Content-Type", "application/json"), ("Origin", "null")], Text(UPLOAD_OK), 403, "origin_not_allowed"),
    // ---- POST /api/tokens ----
    row("tokens: an upload token instead of an API key", "POST", "/api/tokens", ALICE_JSON, Text(r#"{"prefix":"users/alice/"}"#), 403, "api_key_required"),
    row("tokens: API key wrong by one character", "POST", "/api/tokens", &[("Authorization", "Bearer {WRONG_KEY}"), ("Content-Type", "application/json")], Text(r#"{"prefix":"users/alice/"}"#), 401, "invalid_credentials"),
    row("tokens: no credentials", "POST", "/api/tokens", JSON_ONLY, Text(r#"{"prefix":"users/alice/"}"#), 401, "missing_credentials"),
    row("tokens: prefix ../", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"../"}"#), 400, "invalid_grant"),
    row("tokens: prefix without its slash", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"users"}"#), 400, "invalid_grant"),
    row("tokens: prefix with a leading /", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"/users/"}"#), 400, "invalid_grant"),
    row("tokens: prefix .vidrop/", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":".vidrop/"}"#), 400, "invalid_grant"),
    row("tokens: expires_in 0", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","expires_in":0}"#), 400, "invalid_grant"),
    row("tokens: expires_in over the max", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","expires_in":86401}"#), 400, "invalid_grant"),
    row("tokens: expires_in negative", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","expires_in":-1}"#), 422, "invalid_body"),
    row("tokens: max_size 0", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","max_size":0}"#), 400, "invalid_grant"),
    row("tokens: max_size over the server's", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","max_size":{OVER_MAX}}"#), 400, "invalid_grant"),
    row("tokens: content_types text/html", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","content_types":["text/html"]}"#), 400, "invalid_grant"),
    row("tokens: content_types empty", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","content_types":[]}"#), 400, "invalid_grant"),
    row("tokens: max_uploads 0", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","max_uploads":0}"#), 400, "invalid_grant"),
    row("tokens: an unknown field", "POST", "/api/tokens", KEY_JSON, Text(r#"{"prefix":"u/","admin":true}"#), 422, "invalid_body"),
    row("tokens: JSON nested 5,000 deep", "POST", "/api/tokens", KEY_JSON, Text("{DEEP_JSON}"), 422, "invalid_body"),
    row("tokens: missing prefix", "POST", "/api/tokens", KEY_JSON, Text(r#"{"max_size":10}"#), 422, "invalid_body"),
    // ---- parts of Alice's multipart upload (2 parts; part 2 stored) ----
    row("parts: part number 0", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":0,"sha256":"{SHA}"}]}"#), 400, "invalid_part"),
    row("parts: part number 10,001", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":10001,"sha256":"{SHA}"}]}"#), 400, "invalid_part"),
    row("parts: part number beyond the plan", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":3,"sha256":"{SHA}"}]}"#), 400, "invalid_part"),
    row("parts: part number negative", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":-1,"sha256":"{SHA}"}]}"#), 422, "invalid_body"),
    row("parts: no sha256", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1}]}"#), 400, "missing_checksum"),
    row("parts: malformed sha256", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"sha256":"AAAA"}]}"#), 400, "invalid_checksum"),
    row("parts: no part", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[]}"#), 400, "invalid_part"),
    row("parts: 101 parts in one request", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":{PARTS_101}}"#), 400, "too_many_parts"),
    row("parts: out of order (signed, nothing changes)", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":2,"sha256":"{SHA}"},{"part_number":1,"sha256":"{SHA}"}]}"#), 200, ""),
    row("parts: missing upload_id", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 422, "invalid_body"),
    row("parts: another upload's upload_id", "POST", "/api/uploads/{MP_ID}/parts", KEY_JSON, Text(r#"{"upload_id":"{BOB_MP_UP}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 404, "upload_not_found"),
    row("parts: another upload's id with this upload_id", "POST", "/api/uploads/{BOB_MP_ID}/parts", KEY_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 404, "upload_not_found"),
    row("parts: the verified video's id with this upload_id", "POST", "/api/uploads/{VID}/parts", KEY_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 404, "upload_not_found"),
    row("parts: a made-up upload_id", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"../../x","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 404, "upload_not_found"),
    row("parts: Bob signs Alice's upload", "POST", "/api/uploads/{MP_ID}/parts", BOB_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 404, "upload_not_found"),
    row("parts: Bob signs Alice's upload with her handle", "POST", "/api/uploads/{MP_ID}/parts", BOB_JSON, Text(r#"{"upload_id":"{MP_UP}","handle":"{MP_HANDLE}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 404, "upload_not_found"),
    row("parts: a handle altered to allow more parts", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","handle":"{MP_HANDLE_ALTERED}","parts":[{"part_number":3,"sha256":"{SHA}"}]}"#), 400, "invalid_part"),
    row("parts: Alice's handle on Bob's upload (his manifest signs)", "POST", "/api/uploads/{BOB_MP_ID}/parts", KEY_JSON, Text(r#"{"upload_id":"{BOB_MP_UP}","handle":"{MP_HANDLE}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 200, ""),
    row("parts: handle mistyped", "POST", "/api/uploads/{MP_ID}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","handle":5,"parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 422, "invalid_body"),
    row("parts: Bob lists Alice's parts", "GET", "/api/uploads/{MP_ID}/parts?upload_id={MP_UP}", BOB, NoBody, 404, "upload_not_found"),
    row("parts: list with another upload's upload_id", "GET", "/api/uploads/{MP_ID}/parts?upload_id={BOB_MP_UP}", KEY, NoBody, 404, "upload_not_found"),
    row("parts: list without upload_id", "GET", "/api/uploads/{MP_ID}/parts", ALICE, NoBody, 400, "invalid_query"),
    row("parts: invalid id", "POST", "/api/uploads/not-an-id/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 400, "invalid_id"),
    row("parts: lower-case id", "POST", "/api/uploads/{MP_ID_LOWER}/parts", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"sha256":"{SHA}"}]}"#), 400, "invalid_id"),
    row("parts: id ..%2F.vidrop", "GET", "/api/uploads/..%2F.vidrop%2Fpending%2F{MP_ID}/parts?upload_id={MP_UP}", ALICE, NoBody, 400, "invalid_id"),
    // ---- completion and abort ----
    row("complete: multipart without upload_id", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text("{}"), 400, "missing_upload_id"),
    row("complete: duplicated part", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"etag":"\"a\""},{"part_number":2,"etag":{P2_ETAG}},{"part_number":2,"etag":{P2_ETAG}}]}"#), 400, "invalid_part"),
    row("complete: a part missing", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":2,"etag":{P2_ETAG}}]}"#), 400, "invalid_part"),
    row("complete: part number 0", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":0,"etag":"\"a\""},{"part_number":2,"etag":{P2_ETAG}}]}"#), 400, "invalid_part"),
    row("complete: part number 10,001", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"etag":"\"a\""},{"part_number":10001,"etag":{P2_ETAG}}]}"#), 400, "invalid_part"),
    row("complete: a part never uploaded (the store refuses)", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"etag":"\"0123456789abcdef0123456789abcdef\""},{"part_number":2,"etag":{P2_ETAG}}]}"#), 400, "part_mismatch"),
    row("complete: another upload's upload_id", "POST", "/api/uploads/{MP_ID}/complete", KEY_JSON, Text(r#"{"upload_id":"{BOB_MP_UP}","parts":[{"part_number":1,"etag":"\"a\""},{"part_number":2,"etag":{P2_ETAG}}]}"#), 404, "upload_not_found"),
    row("complete: Bob completes Alice's upload", "POST", "/api/uploads/{MP_ID}/complete", BOB_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[{"part_number":1,"etag":"\"a\""},{"part_number":2,"etag":{P2_ETAG}}]}"#), 404, "upload_not_found"),
    row("complete: Bob completes Alice's upload with her handle", "POST", "/api/uploads/{MP_ID}/complete", BOB_JSON, Text(r#"{"upload_id":"{MP_UP}","handle":"{MP_HANDLE}","parts":[{"part_number":1,"etag":"\"a\""},{"part_number":2,"etag":{P2_ETAG}}]}"#), 404, "upload_not_found"),
    row("complete: an altered handle", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","handle":"{MP_HANDLE_ALTERED}","parts":[{"part_number":2,"etag":{P2_ETAG}}]}"#), 400, "invalid_part"),
    row("complete: Alice's handle on the verified video (answers it)", "POST", "/api/uploads/{VID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","handle":"{MP_HANDLE}","parts":[]}"#), 200, ""),
    row("complete: {} on the verified video (answers it)", "POST", "/api/uploads/{VID}/complete", ALICE_JSON, Text("{}"), 200, ""),
    row("complete: the verified video with an upload_id (answers it)", "POST", "/api/uploads/{VID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":[]}"#), 200, ""),
    row("complete: Bob completes Alice's verified video", "POST", "/api/uploads/{VID}/complete", BOB_JSON, Text("{}"), 404, "upload_not_found"),
    row("complete: a single PUT never made", "POST", "/api/uploads/7ZZZZZZZZZZZZZZZZZZZZZZZZZ/complete", ALICE_JSON, Text("{}"), 404, "upload_not_found"),
    row("complete: lower-case id", "POST", "/api/uploads/{VID_LOWER}/complete", ALICE_JSON, Text("{}"), 400, "invalid_id"),
    // S3's most parts, each with its ETag and SHA-256 (about 1.2 MB): read,
    // and refused for what it says, not for its size.
    row("complete: 10,000 parts listed", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, ManyParts(10_000), 400, "invalid_part"),
    row("complete: body over 2.5 MB", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, ManyParts(25_000), 413, "body_too_large"),
    row("complete: parts mistyped", "POST", "/api/uploads/{MP_ID}/complete", ALICE_JSON, Text(r#"{"upload_id":"{MP_UP}","parts":"all"}"#), 422, "invalid_body"),
    row("abort: another upload's upload_id", "DELETE", "/api/uploads/{MP_ID}?upload_id={BOB_MP_UP}", KEY, NoBody, 404, "upload_not_found"),
    row("abort: another upload's id with this upload_id", "DELETE", "/api/uploads/{BOB_MP_ID}?upload_id={MP_UP}", KEY, NoBody, 404, "upload_not_found"),
    row("abort: Bob aborts Alice's upload", "DELETE", "/api/uploads/{MP_ID}?upload_id={MP_UP}", BOB, NoBody, 404, "upload_not_found"),
    row("abort: the verified video (nothing in progress)", "DELETE", "/api/uploads/{VID}?upload_id={MP_UP}", ALICE, NoBody, 204, ""),
    row("abort: without upload_id", "DELETE", "/api/uploads/{MP_ID}", ALICE, NoBody, 400, "invalid_query"),
    row("abort: invalid id", "DELETE", "/api/uploads/..?upload_id={MP_UP}", ALICE, NoBody, 400, "invalid_id"),
    // ---- videos ----
    row("videos: Bob shows Alice's video", "GET", "/api/videos/{VID}", BOB, NoBody, 404, "not_found"),
    row("videos: lower-case id", "GET", "/api/videos/{VID_LOWER}", ALICE, NoBody, 400, "invalid_id"),
    row("videos: an upload in progress is no video", "GET", "/api/videos/{MP_ID}", ALICE, NoBody, 404, "not_found"),
    row("videos: cursor garbage", "GET", "/api/videos?cursor=garbage", ALICE, NoBody, 400, "invalid_cursor"),
    row("videos: cursor ../", "GET", "/api/videos?cursor=..%2F..%2Fusers%2Fbob%2F", ALICE, NoBody, 400, "invalid_cursor"),
    row("videos: limit not a number", "GET", "/api/videos?limit=all", ALICE, NoBody, 400, "invalid_query"),
    row("videos: limit negative", "GET", "/api/videos?limit=-1", ALICE, NoBody, 400, "invalid_query"),
    row("videos: no credentials", "GET", "/api/videos", NO_HEADERS, NoBody, 401, "missing_credentials"),
    row("videos: wrong-secret token", "GET", "/api/videos", &[("Authorization", "Bearer {FOREIGN}")], NoBody, 401, "invalid_credentials"),
    // ---- routes ----
    row("routes: unknown route", "GET", "/api/nothing-here", ALICE, NoBody, 404, "not_found"),
    row("routes: unknown route outside /api", "GET", "/admin", NO_HEADERS, NoBody, 404, "not_found"),
    row("routes: wrong method on /api/uploads", "PUT", "/api/uploads", ALICE_JSON, Text(UPLOAD_OK), 405, "method_not_allowed"),
    row("routes: wrong method on /api/videos", "DELETE", "/api/videos", ALICE, NoBody, 405, "method_not_allowed"),
    row("routes: a made-up method", "FOO", "/api/videos", ALICE, NoBody, 405, "method_not_allowed"),
    row("routes: wrong method on /api/tokens", "GET", "/api/tokens", KEY, NoBody, 405, "method_not_allowed"),
];

/// Inputs that need more than one plain request.
#[derive(Debug, Clone, Copy)]
enum Special {
    /// A single PUT whose bytes are an HTML page under `video/webm`: stored,
    /// then deleted by its first verification.
    HtmlUnderWebm,
    /// `x-amz-copy-source` added to a presigned PUT of the right length.
    CopySourceOnPut,
    /// `x-amz-copy-source` naming a manifest, on a presigned PUT.
    CopyManifestOnPut,
    /// `x-amz-copy-source` added to a presigned UploadPart.
    CopySourceOnPart,
    /// The verified video's single-PUT URL used again, with its bytes.
    ReplaySinglePut,
    /// The same URL with other bytes of the same length.
    ReplaySinglePutOtherBytes,
    /// The same URL without the `If-None-Match` it was signed with.
    SinglePutWithoutIfNoneMatch,
    /// The `/presign` PUT of seeding used again.
    ReplayPresignPut,
    /// A client that sends part of its headers, then nothing.
    SlowHeaders,
    /// A client that connects and sends nothing.
    SilentClient,
    /// An HTTP/2 client that sends the preface, then nothing.
    SilentHttp2,
    /// Bytes written on the wire as they are (see [`wire_request`]).
    Wire(Wire),
    /// A request whose body never arrives (server with a 1 s timeout).
    BodyNeverArrives,
    /// More requests than the per-IP rate (server with `--rate-limit-ip 2`).
    RateLimited,
}

/// Requests that only a raw connection can send.
#[derive(Debug, Clone, Copy)]
enum Wire {
    /// A 1 MB JSON body sent in chunks, with no `Content-Length`.
    ChunkedBodyOverLimit,
    /// `Content-Length` and `Transfer-Encoding: chunked` together.
    LengthAndChunked,
    /// Two `Content-Length`s that disagree.
    TwoLengths,
    /// One header of 1 MB.
    HugeHeader,
    /// 200 headers.
    ManyHeaders,
    /// A request line that is not HTTP.
    Garbage,
}

struct SpecialRow {
    name: &'static str,
    special: Special,
    /// `0`: the connection is closed without an answer.
    status: u16,
    /// The JSON error code, or the S3 error code for the store's answers.
    code: &'static str,
}

#[rustfmt::skip]
const SPECIAL_ROWS: &[SpecialRow] = &[
    SpecialRow { name: "single PUT of HTML bytes under video/webm", special: Special::HtmlUnderWebm, status: 422, code: "verification_failed" },
    SpecialRow { name: "store: x-amz-copy-source on a presigned PUT", special: Special::CopySourceOnPut, status: 501, code: "NotImplemented" },
    SpecialRow { name: "store: x-amz-copy-source of a manifest", special: Special::CopyManifestOnPut, status: 501, code: "NotImplemented" },
    SpecialRow { name: "store: x-amz-copy-source on a presigned UploadPart", special: Special::CopySourceOnPart, status: 501, code: "NotImplemented" },
    SpecialRow { name: "store: second PUT to a used single-PUT URL", special: Special::ReplaySinglePut, status: 412, code: "PreconditionFailed" },
    SpecialRow { name: "store: used single-PUT URL, other bytes", special: Special::ReplaySinglePutOtherBytes, status: 412, code: "PreconditionFailed" },
    SpecialRow { name: "store: single-PUT URL without If-None-Match", special: Special::SinglePutWithoutIfNoneMatch, status: 403, code: "SignatureDoesNotMatch" },
    SpecialRow { name: "store: second PUT to a used /presign URL", special: Special::ReplayPresignPut, status: 412, code: "PreconditionFailed" },
    SpecialRow { name: "slow client that never finishes its headers", special: Special::SlowHeaders, status: 0, code: "" },
    SpecialRow { name: "client that connects and sends nothing", special: Special::SilentClient, status: 0, code: "" },
    SpecialRow { name: "HTTP/2 client that sends its preface, then nothing", special: Special::SilentHttp2, status: 0, code: "" },
    SpecialRow { name: "chunked body over 64 KiB (no Content-Length)", special: Special::Wire(Wire::ChunkedBodyOverLimit), status: 413, code: "body_too_large" },
    SpecialRow { name: "Content-Length with Transfer-Encoding: chunked", special: Special::Wire(Wire::LengthAndChunked), status: 400, code: "invalid_body" },
    SpecialRow { name: "two Content-Lengths that disagree", special: Special::Wire(Wire::TwoLengths), status: 400, code: "" },
    SpecialRow { name: "a 1 MB header", special: Special::Wire(Wire::HugeHeader), status: 431, code: "" },
    SpecialRow { name: "200 headers", special: Special::Wire(Wire::ManyHeaders), status: 431, code: "" },
    SpecialRow { name: "a request line that is not HTTP", special: Special::Wire(Wire::Garbage), status: 400, code: "" },
    SpecialRow { name: "body that never arrives (--request-timeout 1)", special: Special::BodyNeverArrives, status: 408, code: "request_timeout" },
    SpecialRow { name: "requests over --rate-limit-ip 2", special: Special::RateLimited, status: 429, code: "rate_limited" },
];

/// How long after `--header-timeout` a silent connection may stay open.
const CLOSE_MARGIN: Duration = Duration::from_secs(2);

/// The seeded server and the values rows name.
struct Seeded {
    app: Closed,
    vars: Vec<(String, String)>,
    /// The verified video's single PUT.
    video_plan: SingleUpload,
    video_bytes: Vec<u8>,
    /// The `/presign` PUT of seeding.
    presign_put: PresignResponse,
    presign_bytes: Vec<u8>,
    alice: String,
    multipart: MultipartUpload,
    /// Alice's multipart upload's bytes.
    multipart_bytes: Vec<u8>,
}

impl Seeded {
    fn var(&self, name: &str) -> &str {
        &self.vars.iter().find(|(n, _)| n == name).expect(name).1
    }

    fn fill(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for (name, value) in &self.vars {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        assert!(
            !out.contains("{ALICE}") && !out.contains("{MP_"),
            "unfilled placeholder in {text}"
        );
        out
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A JWT with `claims`, HS256-signed with `secret`.
fn jwt(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .expect("a JWT")
}

/// `token` with its claims changed by `change`, its signature kept.
fn tampered(token: &str, change: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT");
    let mut claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    change(&mut claims);
    let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap());
    format!("{}.{payload}.{}", parts[0], parts[2])
}

/// Starts the closed server and stores what the rows are checked against.
async fn seed() -> Seeded {
    let app = Closed::start(|_| {}).await;
    let alice = app
        .mint(json!({
            "prefix": "users/alice/",
            "max_size": 32 * MIB,
            "content_types": ["video/webm", "video/mp4"],
        }))
        .await;
    let bob = app.mint(json!({"prefix": "users/bob/"})).await;
    let once = app
        .mint(json!({"prefix": "users/alice/", "max_uploads": 1}))
        .await;

    // A verified video, the only upload `once` may make.
    let video_bytes = payload(100_000, 7);
    let (video_plan, video) = app
        .upload(&once, "seeded.webm", "video/webm", &video_bytes)
        .await;
    assert!(
        video_plan.key.starts_with("videos/users/alice/"),
        "{}",
        video_plan.key
    );
    assert_eq!(video.summary.id, video_plan.id);

    // Alice's multipart upload, two parts, the second one stored.
    let multipart_bytes = payload(10 * MIB as usize, 8);
    let response = app
        .post(
            "/api/uploads",
            &alice,
            &json!({"filename": "big.webm", "content_type": "video/webm", "size": multipart_bytes.len()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let UploadPlan::Multipart(multipart) = response.json().await.unwrap() else {
        panic!("a multipart upload");
    };
    assert_eq!(multipart.part_count, 2);
    let part_size = multipart.part_size as usize;
    let part2 = multipart_bytes[part_size..].to_vec();
    let response = app
        .post(
            &format!("/api/uploads/{}/parts", multipart.id),
            &alice,
            &json!({"upload_id": multipart.upload_id, "parts": [{"part_number": 2, "sha256": sha256(&part2)}]}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let signed: SignedParts = response.json().await.unwrap();
    let response = app
        .put_signed(&signed.parts[0].url, &signed.parts[0].headers, part2)
        .await;
    assert_eq!(response.status(), StatusCode::OK, "part 2");
    let p2_etag = response.headers()["etag"].to_str().unwrap().to_owned();

    // Bob's multipart upload, nothing stored yet.
    let response = app
        .post(
            "/api/uploads",
            &bob,
            &json!({"filename": "bob.mp4", "content_type": "video/mp4", "size": 6 * MIB}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let UploadPlan::Multipart(bob_multipart) = response.json().await.unwrap() else {
        panic!("a multipart upload");
    };

    // An object written through /presign.
    let presign_bytes = payload(3000, 9);
    let response = app
        .get(
            &format!(
                "/presign/shared/users/alice/clip.webm?method=PUT&contentLength={}",
                presign_bytes.len()
            ),
            &alice,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let presign_put: PresignResponse = response.json().await.unwrap();
    assert_eq!(presign_put.header["Content-Type"], ["video/webm"]);
    assert_eq!(presign_put.header["If-None-Match"], ["*"]);
    let response = send_presigned(&app, &presign_put, presign_bytes.clone(), &[]).await;
    assert_eq!(response.status(), StatusCode::OK, "PUT through /presign");

    // Tokens that must be refused.
    let signer = TokenSigner::new(TOKEN_SECRET.as_bytes()).unwrap();
    let grant = Grant {
        prefix: "users/alice/".into(),
        max_size: MIB,
        content_types: None,
        max_uploads: None,
    };
    let (expired, _) = signer
        .mint(
            grant.clone(),
            SystemTime::now() - Duration::from_secs(7200),
            Duration::from_secs(60),
        )
        .unwrap();
    let foreign_signer = TokenSigner::new(&[0x5a; 32]).unwrap();
    let (foreign, _) = foreign_signer
        .mint(grant.clone(), SystemTime::now(), Duration::from_secs(600))
        .unwrap();
    let escaping_grant = Grant {
        prefix: "../".into(),
        ..grant.clone()
    };
    let (escaping, _) = signer
        .mint(escaping_grant, SystemTime::now(), Duration::from_secs(600))
        .unwrap();
    let alg_none = {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = alice.split('.').nth(1).unwrap();
        format!("{header}.{payload}.")
    };
    let other_aud = jwt(
        &json!({
            "prefix": "users/alice/", "max_size": MIB, "exp": now_secs() + 600,
            "iat": now_secs(), "jti": "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG", "aud": "billing",
        }),
        TOKEN_SECRET.as_bytes(),
    );
    let widened = tampered(&alice, |claims| claims["prefix"] = json!(""));
    let handle = multipart.handle.clone().expect("a multipart plan's handle");
    let handle_altered = {
        let (payload, tag) = handle.split_once('.').unwrap();
        let mut sealed: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        sealed["upload"]["size"] = json!(20 * MIB);
        sealed["upload"]["part_count"] = json!(3);
        let payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&sealed).unwrap());
        format!("{payload}.{tag}")
    };
    let mut wrong_key = API_KEY.to_owned();
    let last = wrong_key.pop().unwrap();
    wrong_key.push(if last == 'f' { 'e' } else { 'f' });
    let short_key = API_KEY[..API_KEY.len() - 1].to_owned();

    let parts_101: Vec<Value> = (1..=101)
        .map(|n| json!({"part_number": n, "sha256": sha256(b"x")}))
        .collect();
    let base = "shared/users/alice/";
    let key_1025 = format!("{base}{}", "k".repeat(1025 - base.len()));
    // 130 bytes on the embedded store; another store's own limit plus one.
    let over_store = app.server.storage().max_key_bytes() + 1;
    let key_over_store = format!("{base}{}.webm", "k".repeat(over_store - base.len() - 5));
    assert_eq!((key_1025.len(), key_over_store.len()), (1025, over_store));
    assert_eq!(vidrop_store::MAX_KEY_BYTES, 129);

    let vars = vec![
        ("API_KEY", API_KEY.to_owned()),
        ("ALICE", alice.clone()),
        ("BOB", bob),
        ("ONCE", once),
        ("EXPIRED", expired),
        ("FOREIGN", foreign),
        ("ESCAPING", escaping),
        ("ALG_NONE", alg_none),
        ("OTHER_AUD", other_aud),
        ("TAMPERED", widened),
        ("WRONG_KEY", wrong_key),
        ("SHORT_KEY", short_key),
        ("VID", video_plan.id.clone()),
        ("VID_LOWER", video_plan.id.to_ascii_lowercase()),
        ("VKEY", video_plan.key.clone()),
        ("MP_ID", multipart.id.clone()),
        ("MP_ID_LOWER", multipart.id.to_ascii_lowercase()),
        ("MP_UP", multipart.upload_id.clone()),
        ("MP_HANDLE", handle),
        ("MP_HANDLE_ALTERED", handle_altered),
        ("BOB_MP_ID", bob_multipart.id.clone()),
        ("BOB_MP_UP", bob_multipart.upload_id.clone()),
        ("P2_ETAG", serde_json::to_string(&p2_etag).unwrap()),
        ("SHA", sha256(b"any bytes")),
        (
            "DEEP_JSON",
            format!(
                r#"{{"prefix":"u/","x":{}{}}}"#,
                "[".repeat(5000),
                "]".repeat(5000)
            ),
        ),
        ("PARTS_101", serde_json::to_string(&parts_101).unwrap()),
        ("KEY_1025", key_1025),
        ("KEY_OVER_STORE", key_over_store),
        ("OVER_MAX", (MAX_SIZE + 1).to_string()),
        ("OVER_TOKEN", (32 * MIB + 1).to_string()),
    ]
    .into_iter()
    .map(|(name, value)| (name.to_owned(), value))
    .collect();
    Seeded {
        app,
        vars,
        video_plan,
        video_bytes,
        presign_put,
        presign_bytes,
        alice,
        multipart,
        multipart_bytes,
    }
}

/// Sends a `/presign` answer as the Go example's client does (every header
/// given), plus `extra` headers.
async fn send_presigned(
    app: &Closed,
    presigned: &PresignResponse,
    body: Vec<u8>,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .http
        .request(presigned.method.parse().unwrap(), &presigned.url);
    for (name, values) in &presigned.header {
        for value in values {
            request = request.header(name, value);
        }
    }
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request
        .body(body)
        .send()
        .await
        .expect("a presigned request")
}

/// A presigned PUT to the store with its signed headers and
/// `x-amz-copy-source: <source>`, over a raw connection; answers the status
/// and S3 error code.
async fn raw_store_request(
    url: &str,
    signed: &[(String, String)],
    source: &str,
    body: Vec<u8>,
) -> Answer {
    let mut headers = signed.to_vec();
    headers.push(("x-amz-copy-source".into(), source.to_owned()));
    store_answer(&raw_to_url("PUT", url, &headers, body).await)
}

/// The status and S3 error code of a store's answer.
fn store_answer(response: &RawResponse) -> Answer {
    Answer {
        status: response.status,
        code: s3_code(response),
    }
}

/// What a row got: status and code.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    code: String,
}

impl Answer {
    /// A JSON answer of the API; errors must carry a message too.
    fn of(response: &RawResponse) -> Answer {
        let code = response.error_code();
        if response.status >= 400 {
            let message = response.json()["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                response
                    .header("content-type")
                    .is_some_and(|ct| ct.starts_with("application/json")),
                "an error is JSON: {response:?}"
            );
            assert!(!message.is_empty(), "an error has a message: {response:?}");
        }
        Answer {
            status: response.status,
            code,
        }
    }
}

async fn run_row(seeded: &Seeded, row: &Row) -> Answer {
    let headers: Vec<(String, String)> = row
        .headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), seeded.fill(value)))
        .collect();
    let body = match row.body {
        Body::None => Vec::new(),
        Body::Text(text) => seeded.fill(text).into_bytes(),
        Body::Filler(len) => {
            let frame =
                json!({"filename": "", "content_type": "video/webm", "size": 1}).to_string();
            let name = "a".repeat(len.saturating_sub(frame.len()));
            let body =
                json!({"filename": name, "content_type": "video/webm", "size": 1}).to_string();
            assert_eq!(body.len(), len);
            body.into_bytes()
        }
        Body::ManyParts(count) => {
            let parts: Vec<_> = (1..=count)
                .map(|n| {
                    json!({
                        "part_number": n,
                        "etag": format!("\"{n:032x}\""),
                        "sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
                    })
                })
                .collect();
            json!({"upload_id": seeded.fill("{MP_UP}"), "parts": parts})
                .to_string()
                .into_bytes()
        }
    };
    let response = raw_request(
        seeded.app.addr(),
        row.method,
        &seeded.fill(row.path),
        &headers,
        body,
    )
    .await;
    Answer::of(&response)
}

/// A second closed server with a one-second request timeout and a rate
/// limit of 2 per second per address.
async fn limited_server() -> Closed {
    Closed::start(|args| {
        args.request_timeout = 1;
        args.rate_limit_ip = 2;
    })
    .await
}

async fn run_special(seeded: &Seeded, limited: &Closed, special: Special) -> Answer {
    let app = &seeded.app;
    match special {
        Special::HtmlUnderWebm => {
            let mut html =
                b"<!doctype html><html><script>alert(document.cookie)</script></html>".to_vec();
            html.resize(2000, b' ');
            let plan = app
                .create_single(&seeded.alice, "page.webm", "video/webm", html.len())
                .await;
            let response = app.put_signed(&plan.url, &plan.headers, html).await;
            assert_eq!(
                response.status(),
                StatusCode::OK,
                "the store takes the bytes"
            );
            assert!(app.object_exists(&plan.key).await);
            let response = app.complete_single(&seeded.alice, &plan.id).await;
            let status = response.status().as_u16();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            assert!(
                !app.object_exists(&plan.key).await,
                "the HTML object is gone"
            );
            let code = body["error"]["code"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            // Completing it again: the upload is gone, and so is its object.
            let again = app.complete_single(&seeded.alice, &plan.id).await;
            assert_eq!(again.status(), StatusCode::NOT_FOUND, "completed again");
            Answer { status, code }
        }
        Special::CopySourceOnPut | Special::CopyManifestOnPut => {
            let target = "shared/users/alice/copied.webm";
            let (source, len) = match special {
                Special::CopySourceOnPut => (
                    format!("{}/{}", app.bucket(), seeded.video_plan.key),
                    seeded.video_bytes.len(),
                ),
                _ => (
                    format!(
                        "{}/.vidrop/pending/{}.json",
                        app.bucket(),
                        seeded.multipart.id
                    ),
                    100,
                ),
            };
            let response = app
                .get(
                    &format!("/presign/{target}?method=PUT&contentLength={len}"),
                    &seeded.alice,
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            let put: PresignResponse = response.json().await.unwrap();
            let headers: Vec<(String, String)> = put
                .header
                .iter()
                .flat_map(|(name, values)| values.iter().map(move |v| (name.clone(), v.clone())))
                .collect();
            let got = raw_store_request(&put.url, &headers, &source, payload(len, 3)).await;
            assert!(!app.object_exists(target).await, "nothing copied");
            got
        }
        Special::CopySourceOnPart => {
            let part1 = &seeded.multipart_bytes[..seeded.multipart.part_size as usize];
            let response = app
                .post(
                    &format!("/api/uploads/{}/parts", seeded.multipart.id),
                    &seeded.alice,
                    &json!({"upload_id": seeded.multipart.upload_id, "parts": [{"part_number": 1, "sha256": sha256(part1)}]}),
                )
                .await;
            assert_eq!(response.status(), StatusCode::OK);
            let signed: SignedParts = response.json().await.unwrap();
            let source = format!("{}/{}", app.bucket(), seeded.video_plan.key);
            let headers: Vec<(String, String)> = signed.parts[0]
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), value.clone()))
                .collect();
            raw_store_request(&signed.parts[0].url, &headers, &source, part1.to_vec()).await
        }
        Special::ReplaySinglePut => {
            let plan = &seeded.video_plan;
            let headers = header_pairs(&plan.headers);
            let bytes = seeded.video_bytes.clone();
            store_answer(&raw_to_url("PUT", &plan.url, &headers, bytes).await)
        }
        Special::ReplaySinglePutOtherBytes => {
            let plan = &seeded.video_plan;
            let headers = header_pairs(&plan.headers);
            let other = payload(seeded.video_bytes.len(), 99);
            store_answer(&raw_to_url("PUT", &plan.url, &headers, other).await)
        }
        Special::SinglePutWithoutIfNoneMatch => {
            let plan = &seeded.video_plan;
            let mut headers = plan.headers.clone();
            assert_eq!(headers.remove("if-none-match").as_deref(), Some("*"));
            let other = payload(seeded.video_bytes.len(), 98);
            let headers = header_pairs(&headers);
            store_answer(&raw_to_url("PUT", &plan.url, &headers, other).await)
        }
        Special::ReplayPresignPut => {
            let put = &seeded.presign_put;
            let headers: Vec<(String, String)> = put
                .header
                .iter()
                .flat_map(|(name, values)| values.iter().map(move |v| (name.clone(), v.clone())))
                .collect();
            let other = payload(seeded.presign_bytes.len(), 97);
            store_answer(&raw_to_url("PUT", &put.url, &headers, other).await)
        }
        Special::SlowHeaders | Special::SilentClient | Special::SilentHttp2 => {
            let prefix: &[u8] = match special {
                Special::SlowHeaders => format!(
                    "POST /api/uploads HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nX-Slow: ",
                    app.addr(),
                    seeded.alice
                )
                .leak()
                .as_bytes(),
                Special::SilentClient => b"",
                _ => b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
            };
            let limit = Duration::from_secs(1) + CLOSE_MARGIN;
            match hold_open(app.addr(), prefix, limit + Duration::from_secs(3)).await {
                Some((took, answered)) if took <= limit => {
                    // Closed in time; an answer (if any) is told by its status.
                    let status = parse_status(&answered);
                    println!("    closed after {took:?}, answered {status}");
                    Answer {
                        status,
                        code: String::new(),
                    }
                }
                Some((took, _)) => Answer {
                    status: 1,
                    code: format!("closed only after {took:?}"),
                },
                None => Answer {
                    status: 1,
                    code: "still open".to_owned(),
                },
            }
        }
        Special::Wire(wire) => wire_request(seeded, wire).await,
        Special::BodyNeverArrives => {
            let mut stream = tokio::net::TcpStream::connect(limited.addr())
                .await
                .unwrap();
            let head = format!(
                "POST /api/uploads HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {API_KEY}\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{{",
                limited.addr()
            );
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            stream.write_all(head.as_bytes()).await.unwrap();
            let started = Instant::now();
            let mut raw = Vec::new();
            let _ =
                tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw)).await;
            println!("    answered after {:?}", started.elapsed());
            let text = String::from_utf8_lossy(&raw);
            let body = text
                .split_once("\r\n\r\n")
                .map(|(_, b)| b)
                .unwrap_or_default();
            let json: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            Answer {
                status: parse_status(&raw),
                code: json["error"]["code"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            }
        }
        Special::RateLimited => {
            let mut last = None;
            for _ in 0..12 {
                let response = raw_request(
                    limited.addr(),
                    "GET",
                    "/api/videos",
                    &[("Authorization".into(), format!("Bearer {API_KEY}"))],
                    Vec::new(),
                )
                .await;
                if response.status == 429 {
                    let retry: u64 = response
                        .header("retry-after")
                        .and_then(|v| v.parse().ok())
                        .expect("Retry-After in seconds");
                    assert!((1..=2).contains(&retry), "Retry-After: {retry}");
                    last = Some(response);
                    break;
                }
                assert_eq!(response.status, 200, "under the rate");
                last = Some(response);
            }
            Answer::of(&last.unwrap())
        }
    }
}

/// Records in `failures` a row's answer other than `(status, code)`, and a
/// change of the store since `before` (which then becomes the new state).
fn check(
    failures: &mut Vec<String>,
    name: &str,
    got: Answer,
    (status, code): (u16, &str),
    after: Snapshot,
    before: &mut Snapshot,
) {
    if got.status != status || got.code != code {
        failures.push(format!(
            "{name}: expected {status} {code:?}, got {} {:?}",
            got.status, got.code
        ));
    }
    if after != *before {
        failures.push(format!(
            "{name}: the store changed:\n{}",
            after.diff(before)
        ));
        *before = after;
    }
}

/// Sends the bytes of `wire` to the seeded server and reads what comes
/// back: its status (`0` for none) and JSON error code (`""` for none; the
/// HTTP parser's own refusals carry no JSON).
async fn wire_request(seeded: &Seeded, wire: Wire) -> Answer {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = seeded.app.addr();
    let auth = format!("Authorization: Bearer {}\r\n", seeded.alice);
    // `Connection: close`, but where a second request hides in the body: a
    // server that read it as one would answer twice.
    let head = |extra: &str| {
        let close = if extra.contains("chunked\r\n") && extra.contains("Content-Length") {
            ""
        } else {
            "Connection: close\r\n"
        };
        format!(
            "POST /api/uploads HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\n{close}{extra}\r\n"
        )
    };
    let bytes: Vec<u8> = match wire {
        Wire::ChunkedBodyOverLimit => {
            let mut bytes = head("Transfer-Encoding: chunked\r\n").into_bytes();
            let chunk = "a".repeat(16 * 1024);
            let first = r#"{"filename":""#;
            bytes.extend_from_slice(format!("{:x}\r\n{first}\r\n", first.len()).as_bytes());
            for _ in 0..64 {
                bytes.extend_from_slice(format!("{:x}\r\n{chunk}\r\n", chunk.len()).as_bytes());
            }
            bytes.extend_from_slice(b"0\r\n\r\n");
            bytes
        }
        Wire::LengthAndChunked => {
            let mut bytes =
                head("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n").into_bytes();
            bytes.extend_from_slice(b"0\r\n\r\nGET /api/videos HTTP/1.1\r\nHost: x\r\n\r\n");
            bytes
        }
        Wire::TwoLengths => {
            let mut bytes = head("Content-Length: 2\r\nContent-Length: 60\r\n").into_bytes();
            bytes.extend_from_slice(UPLOAD_OK.as_bytes());
            bytes
        }
        Wire::HugeHeader => head(&format!("X-Big: {}\r\n", "b".repeat(1_000_000))).into_bytes(),
        Wire::ManyHeaders => {
            let extra: String = (0..200).map(|i| format!("X-H{i}: {i}\r\n")).collect();
            head(&extra).into_bytes()
        }
        Wire::Garbage => b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n".to_vec(),
    };
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let writing = tokio::spawn(async move {
        let _ = writer.write_all(&bytes).await;
        writer
    });
    let mut raw = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf).await {
            if n == 0 {
                break;
            }
            raw.extend_from_slice(&buf[..n]);
        }
    })
    .await;
    writing.abort();
    let text = String::from_utf8_lossy(&raw);
    // The first answer only (a smuggled second request would answer too).
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body)
        .unwrap_or_default();
    let code = body
        .split_once(r#""code":""#)
        .and_then(|(_, rest)| rest.split_once('"'))
        .map(|(code, _)| code.to_owned())
        .unwrap_or_default();
    let answers = text.matches("HTTP/1.1 ").count();
    Answer {
        status: if answers > 1 { 2 } else { parse_status(&raw) },
        code,
    }
}

/// The status of an HTTP/1 answer in `raw`; `0` when there is none.
fn parse_status(raw: &[u8]) -> u16 {
    std::str::from_utf8(raw)
        .ok()
        .filter(|text| text.starts_with("HTTP/1"))
        .and_then(|text| text.split(' ').nth(1))
        .and_then(|status| status.parse().ok())
        .unwrap_or(0)
}

/// Every row of [`ROWS`] and [`SPECIAL_ROWS`] gets its exact status and code,
/// and after each one the store holds exactly what it held before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_bad_input_is_refused_and_changes_nothing() {
    let seeded = seed().await;
    let limited = limited_server().await;
    let app = &seeded.app;
    // On a store of another make (`cargo xtask garage`), a store's row holds
    // when it refuses with its own 4xx and nothing changes; the rows that
    // need it to refuse an overwrite are left out where it does not.
    let other_store = app.server.embedded_store().is_none();
    let refuses_overwrites = app.store().refuses_overwrites().await;
    let mut left_out = Vec::new();
    let mut before = app.snapshot().await;
    assert_eq!(
        before.uploads.len(),
        2,
        "two multipart uploads in progress: {before:?}"
    );
    let seeded_parts: Vec<_> = before.uploads.values().map(Vec::len).collect();
    assert!(seeded_parts.contains(&1), "a stored part: {before:?}");
    let mut limited_before = limited.snapshot().await;
    let mut failures = Vec::new();
    let total = ROWS.len() + SPECIAL_ROWS.len();
    println!(
        "{total} bad inputs ({} plain, {} special)",
        ROWS.len(),
        SPECIAL_ROWS.len()
    );

    for row in ROWS {
        println!("row: {}", row.name);
        let got = run_row(&seeded, row).await;
        let after = app.snapshot().await;
        check(
            &mut failures,
            row.name,
            got,
            (row.status, row.code),
            after,
            &mut before,
        );
    }
    for row in SPECIAL_ROWS {
        if row.code == "PreconditionFailed" && !refuses_overwrites {
            println!(
                "row left out: {} (this store ignores If-None-Match)",
                row.name
            );
            left_out.push(row.name);
            continue;
        }
        println!("row: {}", row.name);
        let got = run_special(&seeded, &limited, row.special).await;
        let after = app.snapshot().await;
        let store_refused = (400..500).contains(&got.status);
        let expected = if other_store && row.name.starts_with("store:") && store_refused {
            (got.status, got.code.clone())
        } else {
            (row.status, row.code.to_owned())
        };
        check(
            &mut failures,
            row.name,
            got,
            (expected.0, &expected.1),
            after,
            &mut before,
        );
        let limited_after = limited.snapshot().await;
        if limited_after != limited_before {
            let diff = limited_after.diff(&limited_before);
            failures.push(format!(
                "{}: the second server's store changed:\n{diff}",
                row.name
            ));
            limited_before = limited_after;
        }
    }

    // The seeded video still plays, byte for byte.
    let response = app
        .get(&format!("/api/videos/{}", seeded.var("VID")), &seeded.alice)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let video: vidrop_shared::api::Video = response.json().await.unwrap();
    let bytes = app
        .http
        .get(&video.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if bytes.as_ref() != seeded.video_bytes.as_slice() {
        failures.push("the seeded video no longer plays its own bytes".to_owned());
    }

    if !left_out.is_empty() {
        println!(
            "{} rows left out on this store: {left_out:?}",
            left_out.len()
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {total} rows failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(total >= 60, "{total} rows");
    limited.server.shutdown().await;
    seeded.app.server.shutdown().await;
}

/// A video verified before is answered, never checked or deleted again, when
/// it is completed again after the server restarted with a lower
/// `--max-size` (and with a lower one than the token's).
#[tokio::test]
async fn completing_a_verified_video_under_a_lowered_max_size_keeps_it() {
    let dir = tempfile::tempdir().unwrap();
    let app = Closed::start_in(dir.path(), |_| {}).await;
    let token = app
        .mint(json!({"prefix": "users/carol/", "expires_in": 3600}))
        .await;
    let body = payload(200_000, 12);
    let (plan, video) = app.upload(&token, "keep.webm", "video/webm", &body).await;
    let before = app.snapshot().await;
    app.server.shutdown().await;

    let app = Closed::start_in(dir.path(), |args| args.max_size = 50_000).await;
    assert_eq!(app.snapshot().await, before, "the restart changed nothing");
    let response = app.complete_single(&token, &plan.id).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{text}");
    let again: vidrop_shared::api::Video = serde_json::from_str(&text).unwrap();
    assert_eq!(again.summary, video.summary);
    assert_eq!(app.snapshot().await, before, "completing changed nothing");
    // A new upload of that size is refused now; the old one still plays.
    let response = app
        .post(
            "/api/uploads",
            &token,
            &json!({"filename": "new.webm", "content_type": "video/webm", "size": body.len()}),
        )
        .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let response = app.get(&format!("/api/videos/{}", plan.id), &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let shown: vidrop_shared::api::Video = response.json().await.unwrap();
    let bytes = app
        .http
        .get(&shown.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.as_ref(), body.as_slice());
    app.server.shutdown().await;
}

/// A second PUT to a single-PUT URL that started *before* the first one
/// finished (its `If-None-Match: *` checked while the key was still free)
/// must not replace the video once it is stored and verified: S3 evaluates
/// the condition when the object is committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_second_put_cannot_replace_a_verified_video() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = Closed::start(|_| {}).await;
    let token = app.mint(json!({"prefix": "users/mallory/"})).await;
    let video = payload(100_000, 5);
    let plan = app
        .create_single(&token, "clip.webm", "video/webm", video.len())
        .await;

    // The slow PUT: headers and a first slice of other bytes, then a pause.
    let mut other = b"<!doctype html><script>alert(1)</script>".to_vec();
    other.resize(video.len(), b' ');
    let parsed = reqwest::Url::parse(&plan.url).unwrap();
    let addr = parsed.socket_addrs(|| None).unwrap()[0];
    let target = plan.url.strip_prefix(&format!("http://{addr}")).unwrap();
    let mut head = format!(
        "PUT {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        other.len()
    );
    for (name, value) in &plan.headers {
        if name != "content-length" {
            head += &format!("{name}: {value}\r\n");
        }
    }
    head += "\r\n";
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    slow.write_all(head.as_bytes()).await.unwrap();
    slow.write_all(&other[..1000]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The real upload goes up and is verified meanwhile.
    let response = app
        .put_signed(&plan.url, &plan.headers, video.clone())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = app.complete_single(&token, &plan.id).await;
    assert_eq!(response.status(), StatusCode::OK, "verified");

    // The slow PUT finishes.
    slow.write_all(&other[1000..]).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut answer)).await;
    let status = String::from_utf8_lossy(&answer)
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_owned();

    let response = app.get(&format!("/api/videos/{}", plan.id), &token).await;
    let shown: vidrop_shared::api::Video = response.json().await.unwrap();
    let stored = app
        .http
        .get(&shown.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(
        stored.as_ref() == video.as_slice(),
        "the verified video was replaced (the slow PUT answered {status})"
    );
    assert_eq!(status, "412", "the slow PUT is refused");
    app.server.shutdown().await;
}
