//! How HTTP requests are logged: one `tracing` span per request, naming its
//! method and path and never its query string (on the store, the query holds
//! signatures). A leaf the API's router uses.

use axum::body::Body;
use axum::http::Request;
use tracing::Span;

/// The span of one API request: method and path, never the query.
pub(crate) fn request_span(request: &Request<Body>) -> Span {
    tracing::info_span!("http", method = %request.method(), path = %request.uri().path())
}
