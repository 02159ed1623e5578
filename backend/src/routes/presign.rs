//! `GET /presign/{*key}?method=GET|PUT&contentLength=N`: the protocol of the
//! AWS SDK for Go's presigned-URL example (`server.go` / `client.go`), so its
//! clients work against Vidrop unchanged. The client names a key, gets a
//! presigned URL and the headers to send with it, and talks to S3 itself.
//!
//! Keys are checked by the shared rules; `videos/` is reserved for uploads the
//! server names, and `.vidrop/` (the server's bookkeeping) is neither
//! readable nor writable here.

use crate::error::{AppError, AppJson, AppPath, AppQuery};
use crate::state::AppState;
use crate::storage::PutObject;
use axum::extract::State;
use std::collections::BTreeMap;
use vidrop_shared::api::{PresignQuery, PresignResponse};
use vidrop_shared::keys::{check_readable_key, check_writable_key};
use vidrop_shared::limits::MAX_SINGLE_PUT_SIZE;
use vidrop_shared::policy::PolicyError;

/// Presigns a GetObject or a PutObject of exactly `contentLength` bytes.
pub async fn presign_show(
    State(state): State<AppState>,
    AppPath(key): AppPath<String>,
    AppQuery(query): AppQuery<PresignQuery>,
) -> Result<AppJson<PresignResponse>, AppError> {
    let method = query.method.unwrap_or_default();
    let presigned = if method.eq_ignore_ascii_case("GET") {
        check_readable_key(&key)?;
        state.storage.presign_get(&key, None).await?
    } else if method.eq_ignore_ascii_case("PUT") {
        check_writable_key(&key)?;
        let size = query.content_length.ok_or(AppError::MissingContentLength)?;
        // One PUT: never more than S3 takes in one, whatever --max-size says.
        let max_size = state.max_size.min(MAX_SINGLE_PUT_SIZE);
        if size > max_size {
            return Err(PolicyError::TooLarge { size, max_size }.into());
        }
        state
            .storage
            .presign_put(PutObject {
                key: &key,
                content_length: size,
                content_type: None,
                metadata: None,
                sha256: None,
            })
            .await?
    } else {
        return Err(AppError::InvalidMethod(method));
    };
    tracing::info!(method = %presigned.method, %key, "presigned for the /presign protocol");

    let mut header: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in presigned.headers {
        header
            .entry(canonical_header_name(&name))
            .or_default()
            .push(value);
    }
    Ok(AppJson(PresignResponse {
        method: presigned.method,
        url: presigned.url,
        header,
    }))
}

/// A header name as Go's `http.CanonicalHeaderKey` writes it:
/// `content-length` → `Content-Length`.
fn canonical_header_name(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper {
                c.to_ascii_uppercase()
            } else {
                c.to_ascii_lowercase()
            };
            upper = c == '-';
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_canonical_as_in_go() {
        assert_eq!(canonical_header_name("content-length"), "Content-Length");
        assert_eq!(
            canonical_header_name("x-amz-meta-filename"),
            "X-Amz-Meta-Filename"
        );
        assert_eq!(canonical_header_name("ETAG"), "Etag");
    }
}
