//! The protocol of the AWS SDK for Go's presigned-URL example (its
//! `server.go` and `client.go`), so that its clients work against Vidrop
//! unchanged: a client names a key and a method (and, for a PUT, the length
//! it will send), gets a presigned URL and the headers to send with it, and
//! talks to S3 itself. The protocol's clients send back every header they
//! receive, so whatever the signature binds is in `Header`. Header names are
//! written as Go's `http.CanonicalHeaderKey` writes them.
//!
//! The same access rules as the rest of the API: keys only under
//! `--presign-prefix` followed by the caller's own prefix (on a server open
//! for local development without a prefix, any key outside Vidrop's own);
//! off on a server that needs credentials unless a prefix is configured.
//! A PUT binds its exact length (1 byte to the caller's largest upload), a
//! `Content-Type` derived from the key's extension (never `text/html`: a
//! page could not be hosted on the bucket), and `If-None-Match: *`, so that
//! nothing stored is ever replaced.

use crate::access::Scope;
use crate::error::AppError;
use crate::storage::{PutObject, Storage};
use std::collections::BTreeMap;
use vidrop_shared::api::{HttpMethod, PresignQuery, PresignResponse};
use vidrop_shared::keys::{KeyError, check_client_key};
use vidrop_shared::limits::MAX_SINGLE_PUT_SIZE;
use vidrop_shared::policy::{PolicyError, content_type_from_filename};

/// The type signed for a key whose extension names no video type: browsers
/// download it rather than render it.
const OPAQUE_CONTENT_TYPE: &str = "application/octet-stream";

/// Where `/presign` may reach on this server.
#[derive(Debug, Clone, Copy)]
pub struct PresignRules<'a> {
    /// `--presign-prefix`.
    pub prefix: Option<&'a str>,
    /// Whether the server is open for local development.
    pub open: bool,
}

/// Presigns a GetObject of `key`, or a PutObject of exactly `contentLength`
/// bytes (at most the scope's largest upload, and never more than one PUT
/// takes), if the caller's scope and the rules allow that key.
pub async fn presign_key(
    storage: &Storage,
    rules: PresignRules<'_>,
    scope: &Scope,
    key: &str,
    query: PresignQuery,
) -> Result<PresignResponse, AppError> {
    let base = match (rules.prefix, rules.open) {
        (Some(prefix), _) => prefix,
        (None, true) => "",
        (None, false) => return Err(AppError::PresignDisabled),
    };
    let allowed = format!("{base}{}", scope.prefix);
    let method = query.method.unwrap_or_default();
    let presigned = match HttpMethod::from_name(&method) {
        Some(HttpMethod::Get) => {
            check_client_key(key, &allowed, false)?;
            storage.presign_get(key, None).await?
        }
        Some(HttpMethod::Put) => {
            check_client_key(key, &allowed, true)?;
            if key.len() > storage.max_key_bytes() {
                return Err(KeyError::TooLong { bytes: key.len() }.into());
            }
            let size = query.content_length.ok_or(AppError::MissingContentLength)?;
            if size == 0 {
                return Err(PolicyError::Empty.into());
            }
            // One PUT: never more than S3 takes in one, whatever else says.
            let max_size = scope.max_size.min(MAX_SINGLE_PUT_SIZE);
            if size > max_size {
                return Err(PolicyError::TooLarge { size, max_size }.into());
            }
            let content_type = content_type_from_filename(key).unwrap_or(OPAQUE_CONTENT_TYPE);
            if let Some(allowed) = scope
                .content_types
                .as_ref()
                .filter(|_| !scope.allows_type(content_type))
            {
                return Err(AppError::TypeNotAllowed {
                    content_type: content_type.to_owned(),
                    allowed: allowed.join(", "),
                });
            }
            storage
                .presign_put(PutObject {
                    key,
                    content_length: size,
                    content_type: Some(content_type),
                    metadata: None,
                    sha256: None,
                    create_only: true,
                })
                .await?
        }
        None => return Err(AppError::InvalidMethod(method)),
    };
    tracing::info!(method = %presigned.method, %key, "presigned for the /presign protocol");

    let mut header: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in presigned.headers {
        header
            .entry(canonical_header_name(&name))
            .or_default()
            .push(value);
    }
    Ok(PresignResponse {
        method: presigned.method.to_string(),
        url: presigned.url,
        header,
    })
}

/// Refuses a request path whose percent-encoding is malformed (`%zz`, a `%`
/// at its end): the path extractor decodes it leniently, keeping the `%`,
/// so another key would be signed than the client wrote.
pub fn check_percent_encoding(raw_path: &str) -> Result<(), AppError> {
    let bytes = raw_path.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if well_formed {
        Ok(())
    } else {
        Err(AppError::PercentEncoding)
    }
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

    #[test]
    fn malformed_percent_encoding_is_refused() {
        for good in [
            "/presign/a/b.webm",
            "/presign/a%20b/%2e%2E",
            "/presign/100%25",
        ] {
            assert!(check_percent_encoding(good).is_ok(), "{good}");
        }
        for bad in [
            "/presign/a%zz",
            "/presign/a%4",
            "/presign/a%",
            "/presign/%g0",
        ] {
            assert!(check_percent_encoding(bad).is_err(), "{bad}");
        }
    }
}
