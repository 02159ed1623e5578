//! What a relay download answers to a request's validators and `Range`
//! ([`evaluate`]), and the headers that describe the video in the answer.
//!
//! The rules are applied here, from the video's size, ETag and
//! Last-Modified, rather than by passing the headers through to S3's
//! `GetObject`: the cache must answer them from its file anyway, S3 does not
//! implement `If-Range`, and the listing that checks the caller's scope
//! already tells size and ETag, so a `304` or `416` costs no `GetObject`.
//! S3 is then asked for the one byte range to send. The parsing is
//! hyperium's `headers` (`If-None-Match` with weak comparison,
//! `If-Modified-Since`, `If-Range` with strong comparison or a date) and
//! `http-range-header` (a `Range` checked against the length, as tower-http's
//! `ServeDir` does).
//!
//! Following RFC 9110: `If-None-Match` matching (or, without it,
//! `If-Modified-Since` not older) answers `304`; a `Range` whose `If-Range`
//! does not match the current ETag is ignored (`200`, the whole video); a
//! single satisfiable range answers `206`; one wholly past the end `416`
//! with `Content-Range: bytes */size`. A malformed `Range`, or one of
//! several ranges, is ignored and the whole video sent (RFC 9110 lets a
//! server do so; no `multipart/byteranges` here).

use crate::error::AppError;
use crate::metadata::{Disposition, content_disposition};
use axum::http::header::{
    ACCEPT_RANGES, CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE, RANGE,
};
use axum::http::{HeaderMap, HeaderValue};
use headers::{
    ContentRange, ETag, HeaderMapExt, IfModifiedSince, IfNoneMatch, IfRange, LastModified,
};
use http_range_header::{RangeUnsatisfiableError, parse_range_header};
use std::ops::RangeInclusive;
use std::time::SystemTime;

/// What to answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// `304`: the client's copy is current.
    NotModified,
    /// `200`: the whole video.
    Whole,
    /// `206`: these bytes.
    Partial(RangeInclusive<u64>),
}

impl Answer {
    /// The bytes to send of a video of `size` bytes (none for a `304`).
    pub fn bytes(&self, size: u64) -> Option<RangeInclusive<u64>> {
        match self {
            Answer::NotModified => None,
            Answer::Whole => Some(0..=size.saturating_sub(1)),
            Answer::Partial(range) => Some(range.clone()),
        }
    }
}

/// What to answer a request with `headers` for a video of `size` bytes
/// whose validators are `etag` (quoted, as S3 gives it) and
/// `last_modified`; `416` as an error.
pub fn evaluate(
    headers: &HeaderMap,
    size: u64,
    etag: &str,
    last_modified: Option<SystemTime>,
) -> Result<Answer, AppError> {
    let tag: Option<ETag> = etag.parse().ok();
    if let Some(if_none_match) = headers.typed_get::<IfNoneMatch>() {
        if tag
            .as_ref()
            .is_some_and(|tag| !if_none_match.precondition_passes(tag))
        {
            return Ok(Answer::NotModified);
        }
    } else if let (Some(since), Some(modified)) =
        (headers.typed_get::<IfModifiedSince>(), last_modified)
        && !since.is_modified(modified)
    {
        return Ok(Answer::NotModified);
    }

    let Some(range) = headers.get(RANGE).and_then(|value| value.to_str().ok()) else {
        return Ok(Answer::Whole);
    };
    if let Some(if_range) = headers.typed_get::<IfRange>()
        && if_range.is_modified(tag.as_ref(), last_modified.map(LastModified::from).as_ref())
    {
        return Ok(Answer::Whole);
    }
    let Ok(parsed) = parse_range_header(range) else {
        return Ok(Answer::Whole);
    };
    match parsed.validate(size) {
        Ok(ranges) => match <[_; 1]>::try_from(ranges) {
            Ok([range]) => Ok(Answer::Partial(range)),
            Err(_) => Ok(Answer::Whole),
        },
        // RFC 9110 §14.1.3: a suffix longer than the video is all of it.
        Err(RangeUnsatisfiableError::FileSuffixOutOfBounds) if !range.contains(',') => {
            Ok(Answer::Partial(0..=size.saturating_sub(1)))
        }
        Err(_) => Err(AppError::RangeNotSatisfiable(size)),
    }
}

/// The validators every answer about the video carries, `304` included:
/// `ETag`, `Last-Modified`, `Accept-Ranges: bytes`, and `Cache-Control:
/// private` (the answer was authorized for one caller; no shared cache may
/// keep it).
pub fn validators(headers: &mut HeaderMap, etag: &str, last_modified: Option<SystemTime>) {
    if let Ok(tag) = etag.parse::<ETag>() {
        headers.typed_insert(tag);
    }
    if let Some(time) = last_modified {
        headers.typed_insert(LastModified::from(time));
    }
    headers.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("private"));
}

/// The headers of a `200` or `206` with `bytes` of a video of `size`
/// bytes: its type, length, range and file name (shown inline).
pub fn content_headers(
    headers: &mut HeaderMap,
    answer: &Answer,
    size: u64,
    content_type: &str,
    filename: &str,
) {
    if let Ok(value) = HeaderValue::from_str(content_type) {
        headers.insert(CONTENT_TYPE, value);
    }
    if let Ok(value) = HeaderValue::from_str(&content_disposition(Disposition::Inline, filename)) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
    let length = answer
        .bytes(size)
        .map_or(0, |bytes| bytes.end() + 1 - bytes.start());
    headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    if let Answer::Partial(range) = answer
        && let Ok(content_range) = ContentRange::bytes(range.clone(), size)
    {
        headers.typed_insert(content_range);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    const ETAG: &str = "\"abc\"";

    fn ask(pairs: &[(&str, &str)]) -> Result<Answer, AppError> {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let modified = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        evaluate(&headers, 100, ETAG, Some(modified))
    }

    #[test]
    fn ranges_answer_206_or_416() {
        assert_eq!(ask(&[]).unwrap(), Answer::Whole);
        assert_eq!(
            ask(&[("range", "bytes=0-9")]).unwrap(),
            Answer::Partial(0..=9)
        );
        assert_eq!(
            ask(&[("range", "bytes=90-")]).unwrap(),
            Answer::Partial(90..=99)
        );
        assert_eq!(
            ask(&[("range", "bytes=-10")]).unwrap(),
            Answer::Partial(90..=99)
        );
        assert_eq!(
            ask(&[("range", "bytes=-500")]).unwrap(),
            Answer::Partial(0..=99)
        );
        assert_eq!(
            ask(&[("range", "bytes=50-500")]).unwrap(),
            Answer::Partial(50..=99)
        );
        let err = ask(&[("range", "bytes=100-")]).unwrap_err();
        assert_eq!(err.status_and_code().1, "range_not_satisfiable");
        assert_eq!(ask(&[("range", "bytes=0-1,5-6")]).unwrap(), Answer::Whole);
        assert_eq!(ask(&[("range", "pages=1-2")]).unwrap(), Answer::Whole);
        assert_eq!(ask(&[("range", "bytes=x-1")]).unwrap(), Answer::Whole);
    }

    #[test]
    fn validators_answer_304_and_if_range_guards_the_range() {
        assert_eq!(
            ask(&[("if-none-match", ETAG)]).unwrap(),
            Answer::NotModified
        );
        assert_eq!(
            ask(&[("if-none-match", "W/\"abc\"")]).unwrap(),
            Answer::NotModified
        );
        assert_eq!(
            ask(&[("if-none-match", "\"x\", \"abc\"")]).unwrap(),
            Answer::NotModified
        );
        assert_eq!(ask(&[("if-none-match", "*")]).unwrap(), Answer::NotModified);
        assert_eq!(ask(&[("if-none-match", "\"old\"")]).unwrap(), Answer::Whole);
        let later = "Wed, 15 Nov 2023 00:00:00 GMT";
        let earlier = "Mon, 13 Nov 2023 00:00:00 GMT";
        assert_eq!(
            ask(&[("if-modified-since", later)]).unwrap(),
            Answer::NotModified
        );
        assert_eq!(
            ask(&[("if-modified-since", earlier)]).unwrap(),
            Answer::Whole
        );
        assert_eq!(
            ask(&[("if-none-match", "\"old\""), ("if-modified-since", later)]).unwrap(),
            Answer::Whole,
            "If-None-Match wins over If-Modified-Since"
        );

        let range = ("range", "bytes=10-19");
        assert_eq!(
            ask(&[range, ("if-range", ETAG)]).unwrap(),
            Answer::Partial(10..=19)
        );
        assert_eq!(
            ask(&[range, ("if-range", "\"old\"")]).unwrap(),
            Answer::Whole
        );
        assert_eq!(
            ask(&[range, ("if-range", "W/\"abc\"")]).unwrap(),
            Answer::Whole,
            "strong"
        );
        assert_eq!(
            ask(&[range, ("if-range", later)]).unwrap(),
            Answer::Partial(10..=19)
        );
        assert_eq!(ask(&[range, ("if-range", earlier)]).unwrap(), Answer::Whole);
    }

    #[test]
    fn answers_carry_the_headers_of_their_bytes() {
        let mut headers = HeaderMap::new();
        validators(&mut headers, ETAG, Some(UNIX_EPOCH));
        content_headers(
            &mut headers,
            &Answer::Partial(10..=19),
            100,
            "video/webm",
            "a b.webm",
        );
        assert_eq!(headers["etag"], ETAG);
        assert_eq!(headers["last-modified"], "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(headers["accept-ranges"], "bytes");
        assert_eq!(headers["content-range"], "bytes 10-19/100");
        assert_eq!(headers["content-length"], "10");
        assert_eq!(headers["content-type"], "video/webm");
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .starts_with("inline;")
        );
        let mut whole = HeaderMap::new();
        content_headers(&mut whole, &Answer::Whole, 100, "video/webm", "a.webm");
        assert_eq!(whole["content-length"], "100");
        assert!(whole.get("content-range").is_none());
    }
}
