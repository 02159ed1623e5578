//! The HTTP face of the store: s3s's [`S3Service`] over
//! [`CheckedStore`], behind SigV4 with one key pair, mounted in an axum
//! router with CORS for browsers and a request span that names the method and
//! path only (the query of a presigned URL holds its signature).

use crate::checked::CheckedStore;
use crate::credentials::KeyPair;
use crate::region;
use axum::Router;
use axum::body::Body;
use axum::error_handling::HandleError;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use s3s::auth::SimpleAuth;
use s3s::service::{S3Service, S3ServiceBuilder};
use s3s_fs::FileSystem;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tower_http::cors::{AllowHeaders, AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;
use tracing::Span;

/// How long browsers may cache a CORS preflight answer.
const PREFLIGHT_MAX_AGE: Duration = Duration::from_secs(3600);

/// Builds the S3 API the store serves: s3s-fs's file system rooted at
/// `root`, wrapped in [`CheckedStore`], behind SigV4 authentication with
/// `keys`; the error says why s3s-fs cannot open `root`.
pub(crate) fn s3_service(root: &Path, keys: &KeyPair) -> Result<S3Service, String> {
    let fs = FileSystem::new(root).map_err(|err| format!("{err:?}"))?;
    let mut builder = S3ServiceBuilder::new(CheckedStore::new(fs, root));
    builder.set_auth(SimpleAuth::from_single(
        keys.access_key.as_str(),
        keys.secret_key.clone(),
    ));
    Ok(builder.build())
}

/// The router: every request goes to `service`, behind CORS for `origins`,
/// the bucket's `region` and a debug-level span per request; `requests`
/// counts the requests that reach the S3 API (not CORS preflights).
pub(crate) fn router(
    service: S3Service,
    origins: Vec<HeaderValue>,
    region: &str,
    requests: Arc<AtomicU64>,
) -> Router {
    let region = region.to_owned();
    Router::new()
        .fallback_service(HandleError::new(service, handle_http_error))
        .layer(axum::middleware::from_fn(
            move |request: Request<Body>, next: Next| {
                let region = region.clone();
                async move { region::in_region(&region, request, next).await }
            },
        ))
        .layer(axum::middleware::from_fn(
            move |request: Request<Body>, next: Next| {
                if request.method() != Method::OPTIONS {
                    requests.fetch_add(1, Ordering::Relaxed);
                }
                next.run(request)
            },
        ))
        .layer(cors_layer(origins))
        .layer(TraceLayer::new_for_http().make_span_with(request_span))
}

/// CORS for browsers uploading to and playing from the store: the listed
/// origins, GET/PUT/HEAD, whatever request headers the browser asks to send
/// (signed ones vary per upload: `content-type`, `x-amz-meta-filename`,
/// `x-amz-checksum-sha256`), and `ETag` readable (multipart completion
/// needs each part's). s3s has no bucket CORS of its own.
fn cors_layer(origins: Vec<HeaderValue>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_methods([Method::GET, Method::PUT, Method::HEAD])
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([header::ETAG])
        .max_age(PREFLIGHT_MAX_AGE)
}

/// The span of one request: method and path, never the query (which holds a
/// presigned URL's signature). Debug level: the store answers many requests
/// per upload.
fn request_span(request: &Request<Body>) -> Span {
    tracing::debug_span!("s3", method = %request.method(), path = %request.uri().path())
}

/// Answers the rare failure s3s cannot turn into an S3 error response itself.
async fn handle_http_error(err: s3s::HttpError) -> (StatusCode, Body) {
    tracing::error!(error = ?err, "embedded S3 store failed a request");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        Body::from("embedded S3 store error"),
    )
}
