//! Errors of the HTTP API: one [`AppError`] enum, one variant per cause, that
//! answers `{"error":{"code","message"}}` with the right status; and the
//! extractors ([`AppJson`], [`AppQuery`], [`AppPath`]) whose rejections are
//! `AppError`s, so a malformed request answers in the same format.
//!
//! The client sees only what it may see: a storage failure is logged with its
//! whole cause chain here and answered with a generic sentence.

use crate::access::{Access, AccessError, Caller, MintError, TokenError};
use crate::storage::StorageError;
use axum::Json;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRef, FromRequest, FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::sync::Arc;
use vidrop_shared::api::ErrorBody;
use vidrop_shared::checksum::InvalidChecksum;
use vidrop_shared::keys::KeyError;
use vidrop_shared::media::MediaError;
use vidrop_shared::parts::MAX_PARTS_PER_REQUEST;
use vidrop_shared::policy::PolicyError;

/// Everything a request can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The upload breaks the policy (type, size).
    #[error(transparent)]
    Policy(#[from] PolicyError),

    /// What was read of the video (duration, width, height) is out of
    /// range, or the poster announced is empty or too large.
    #[error(transparent)]
    Media(#[from] MediaError),

    /// A `/presign` key is malformed or reserved.
    #[error(transparent)]
    Key(#[from] KeyError),

    /// The body is not the JSON the route expects.
    #[error("The request body is not valid: {0}")]
    Json(JsonRejection),

    /// The query string does not parse.
    #[error("The query string is not valid: {0}")]
    Query(#[from] QueryRejection),

    /// A path parameter does not parse.
    #[error("The path is not valid: {0}")]
    Path(#[from] PathRejection),

    /// The path holds a `%` not followed by two hexadecimal digits.
    #[error("The path is not valid: each '%' must be followed by two hexadecimal digits.")]
    PercentEncoding,

    /// A `sha256` is not the base64 of 32 bytes.
    #[error("{}", InvalidChecksum::MESSAGE)]
    InvalidChecksum,

    /// A video id that is not a ULID.
    #[error("{0:?} is not a video id.")]
    InvalidId(String),

    /// No video has this id.
    #[error("No video has the id {0}.")]
    VideoNotFound(String),

    /// `/presign` with a method other than GET or PUT.
    #[error("The method must be GET or PUT, not {0:?}.")]
    InvalidMethod(String),

    /// `/presign?method=PUT` without `contentLength`.
    #[error("A PUT needs contentLength: the exact size of the body, which the signature binds.")]
    MissingContentLength,

    /// No route has this path.
    #[error("There is no {0} here.")]
    RouteNotFound(String),

    /// The route exists but not with this method.
    #[error("This route does not answer {0}.")]
    MethodNotAllowed(String),

    /// No upload in progress has this id and `upload_id` (or it finished).
    #[error("No upload {0} with this upload_id is in progress.")]
    UploadNotFound(String),

    /// A part number outside the upload, or a parts list that does not cover
    /// it exactly.
    #[error("{0}")]
    InvalidPart(String),

    /// More part numbers in one `POST …/parts` than allowed.
    #[error("At most {max} parts can be signed in one request; {asked} were asked.", max = MAX_PARTS_PER_REQUEST)]
    TooManyParts { asked: usize },

    /// A part to sign without its SHA-256.
    #[error(
        "Part {0} has no \"sha256\": every part of a multipart upload is sent with its SHA-256, which the signature binds (S3 refuses parts without it)."
    )]
    MissingChecksum(u32),

    /// Completing a multipart upload without its `upload_id`.
    #[error("This upload goes up in parts: complete it with its \"upload_id\" and \"parts\".")]
    MissingUploadId,

    /// The store refused the completion's parts list (S3's `InvalidPart`,
    /// `InvalidPartOrder`, `EntityTooSmall`, …); the upload stays in progress.
    #[error(
        "The store refused the parts list ({0}): an ETag or checksum does not match an uploaded part, or a part is missing or too small. The upload is still in progress: list its parts (GET /api/uploads/{{id}}/parts) and complete it again."
    )]
    PartMismatch(String),

    /// The stored object is not what was approved; it has been deleted.
    #[error("The uploaded object is not what was approved ({0}); it was deleted.")]
    VerificationFailed(String),

    /// The caller's credentials are missing or refused.
    #[error(transparent)]
    Access(#[from] AccessError),

    /// A token request asks for more than the server allows.
    #[error(transparent)]
    Mint(#[from] MintError),

    /// The caller's token does not allow this content type.
    #[error("This upload token allows only {allowed}; this file is {content_type:?}.")]
    TypeNotAllowed {
        content_type: String,
        allowed: String,
    },

    /// The caller's token has started all the uploads it allows.
    #[error(
        "This upload token has started all the {0} uploads it allows; ask the page for a new one."
    )]
    QuotaExceeded(u32),

    /// Too many requests from this client or credential.
    #[error("Too many requests; try again in {0} s.")]
    RateLimited(u64),

    /// The page calling is not one the server lets embed the widget.
    #[error("Pages on {0} may not use this Vidrop server (it is not in --allow-origin).")]
    OriginNotAllowed(String),

    /// The request took longer than `--request-timeout`.
    #[error("The request took too long.")]
    RequestTimeout,

    /// `?cursor=` is not one a listing gave.
    #[error("The cursor is not one a listing gave.")]
    InvalidCursor,

    /// `/presign` on a server that needs credentials, without
    /// `--presign-prefix`.
    #[error("The /presign protocol is off on this server (it has no --presign-prefix).")]
    PresignDisabled,

    /// S3 (or the SDK on the way to it) failed.
    #[error(transparent)]
    Storage(#[from] StorageError),

    /// A relay route on a server started without `--relay`.
    #[error("Relay mode is off on this server (it was started without --relay).")]
    RelayDisabled,

    /// `DELETE /api/relay/cache` on a server without `--cache-dir`.
    #[error("This server keeps no relay cache (it was started without --cache-dir).")]
    CacheDisabled,

    /// A relayed upload without `Content-Length`.
    #[error(
        "A relayed upload needs a Content-Length: the video's exact size, checked against the limits before a byte is read."
    )]
    LengthRequired,

    /// A relayed body that ended before its `Content-Length` (or broke off).
    #[error(
        "The body ended after {received} of the {declared} bytes its Content-Length declared; nothing was stored."
    )]
    BodyTooShort { declared: u64, received: u64 },

    /// A relayed body longer than its `Content-Length`.
    #[error(
        "The body is longer than the {0} bytes its Content-Length declared; nothing was stored."
    )]
    BodyTooLong(u64),

    /// A relayed body that stopped coming.
    #[error("No byte of the body came for {0} s; nothing was stored.")]
    BodyStalled(u64),

    /// A relayed body whose first bytes are not a container of its type.
    #[error("The video's first bytes are not a {0} file; nothing was stored.")]
    NotAContainer(String),

    /// A `Range` that lies wholly outside a video of this many bytes.
    #[error("The range asked lies outside the video's {0} bytes.")]
    RangeNotSatisfiable(u64),
}

impl AppError {
    /// The status and the stable code the client sees.
    pub fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            AppError::Policy(err) => {
                let status = match err {
                    PolicyError::NotAVideo { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    PolicyError::Empty => StatusCode::BAD_REQUEST,
                    PolicyError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
                };
                (status, err.code())
            }
            AppError::Media(err) => (StatusCode::BAD_REQUEST, err.code()),
            AppError::Key(err) => {
                let status = match err {
                    KeyError::Reserved => StatusCode::FORBIDDEN,
                    _ => StatusCode::BAD_REQUEST,
                };
                (status, err.code())
            }
            AppError::Json(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large")
            }
            AppError::Json(rejection) => (rejection.status(), "invalid_body"),
            AppError::Query(_) => (StatusCode::BAD_REQUEST, "invalid_query"),
            AppError::Path(_) | AppError::PercentEncoding => {
                (StatusCode::BAD_REQUEST, "invalid_path")
            }
            AppError::InvalidChecksum => (StatusCode::BAD_REQUEST, "invalid_checksum"),
            AppError::InvalidId(_) => (StatusCode::BAD_REQUEST, "invalid_id"),
            AppError::VideoNotFound(_) | AppError::RouteNotFound(_) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            AppError::InvalidMethod(_) => (StatusCode::BAD_REQUEST, "invalid_method"),
            AppError::MissingContentLength => (StatusCode::BAD_REQUEST, "missing_content_length"),
            AppError::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            AppError::UploadNotFound(_) => (StatusCode::NOT_FOUND, "upload_not_found"),
            AppError::InvalidPart(_) => (StatusCode::BAD_REQUEST, "invalid_part"),
            AppError::TooManyParts { .. } => (StatusCode::BAD_REQUEST, "too_many_parts"),
            AppError::MissingChecksum(_) => (StatusCode::BAD_REQUEST, "missing_checksum"),
            AppError::MissingUploadId => (StatusCode::BAD_REQUEST, "missing_upload_id"),
            AppError::PartMismatch(_) => (StatusCode::BAD_REQUEST, "part_mismatch"),
            AppError::VerificationFailed(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "verification_failed")
            }
            AppError::Access(err) => match err {
                AccessError::MissingCredentials => {
                    (StatusCode::UNAUTHORIZED, "missing_credentials")
                }
                AccessError::Token(TokenError::Expired) => {
                    (StatusCode::UNAUTHORIZED, "token_expired")
                }
                AccessError::MalformedAuthorization | AccessError::Token(TokenError::Invalid) => {
                    (StatusCode::UNAUTHORIZED, "invalid_credentials")
                }
                AccessError::ApiKeyRequired => (StatusCode::FORBIDDEN, "api_key_required"),
            },
            AppError::Mint(MintError::Invalid(_)) => (StatusCode::BAD_REQUEST, "invalid_grant"),
            AppError::Mint(MintError::Signing(_)) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
            }
            AppError::TypeNotAllowed { .. } => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_type")
            }
            AppError::QuotaExceeded(_) => (StatusCode::FORBIDDEN, "quota_exceeded"),
            AppError::RateLimited(_) => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            AppError::OriginNotAllowed(_) => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            AppError::RequestTimeout => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            AppError::InvalidCursor => (StatusCode::BAD_REQUEST, "invalid_cursor"),
            AppError::PresignDisabled => (StatusCode::FORBIDDEN, "presign_disabled"),
            AppError::Storage(_) => (StatusCode::BAD_GATEWAY, "storage_error"),
            AppError::RelayDisabled => (StatusCode::NOT_FOUND, "relay_disabled"),
            AppError::CacheDisabled => (StatusCode::NOT_FOUND, "cache_disabled"),
            AppError::LengthRequired => (StatusCode::LENGTH_REQUIRED, "length_required"),
            AppError::BodyTooShort { .. } | AppError::BodyTooLong(_) => {
                (StatusCode::BAD_REQUEST, "body_length_mismatch")
            }
            AppError::BodyStalled(_) => (StatusCode::REQUEST_TIMEOUT, "request_timeout"),
            AppError::NotAContainer(_) => (StatusCode::UNPROCESSABLE_ENTITY, "verification_failed"),
            AppError::RangeNotSatisfiable(_) => {
                (StatusCode::RANGE_NOT_SATISFIABLE, "range_not_satisfiable")
            }
        }
    }
}

impl From<JsonRejection> for AppError {
    /// A body refused because a checksum in it is malformed answers
    /// `invalid_checksum` (the shared type refused it as the JSON was read);
    /// any other refusal is `invalid_body`.
    fn from(rejection: JsonRejection) -> AppError {
        if rejection.body_text().contains(InvalidChecksum::MESSAGE) {
            AppError::InvalidChecksum
        } else {
            AppError::Json(rejection)
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            AppError::Storage(err) => {
                tracing::error!(operation = err.operation(), cause = %err.cause(), "storage failed");
                "The storage service failed; please try again later.".to_owned()
            }
            AppError::Mint(MintError::Signing(cause)) => {
                tracing::error!(%cause, "cannot sign a token");
                self.to_string()
            }
            other => {
                tracing::debug!(%status, code, error = %other, "request refused");
                other.to_string()
            }
        };
        let mut response = (status, Json(ErrorBody::new(code, message))).into_response();
        let headers = response.headers_mut();
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let AppError::RateLimited(secs) = self {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // RFC 9110 §15.5.17: a 416 names the representation's length.
        if let AppError::RangeNotSatisfiable(size) = self
            && let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}"))
        {
            headers.insert(header::CONTENT_RANGE, value);
        }
        response
    }
}

/// `Json` whose rejection is an [`AppError`]; also the JSON answer type.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(AppError))]
pub struct AppJson<T>(pub T);

impl<T: Serialize> IntoResponse for AppJson<T> {
    fn into_response(self) -> Response {
        Json(self.0).into_response()
    }
}

/// `Query` whose rejection is an [`AppError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(AppError))]
pub struct AppQuery<T>(pub T);

/// `Path` whose rejection is an [`AppError`].
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(AppError))]
pub struct AppPath<T>(pub T);

/// The caller of a request, from its `Authorization` header: an extractor
/// whose rejection (no credential where one is needed, a refused one) is an
/// [`AppError`].
#[derive(Debug, Clone)]
pub struct Authorized(pub Caller);

impl<S> FromRequestParts<S> for Authorized
where
    Arc<Access>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let access = Arc::<Access>::from_ref(state);
        Ok(Authorized(access.caller(&parts.headers)?))
    }
}

/// Fallback of routes nobody serves: a JSON 404 naming the path as asked
/// (the original URI, not the part a nested router sees).
pub async fn route_not_found(OriginalUri(uri): OriginalUri) -> AppError {
    AppError::RouteNotFound(uri.path().to_owned())
}

/// Fallback of a route asked with a method it does not answer: a JSON 405.
pub async fn method_not_allowed(method: axum::http::Method) -> AppError {
    AppError::MethodNotAllowed(method.to_string())
}
