//! The bucket's region, kept as AWS keeps it: a request signed for another
//! region is refused before it reaches the bucket, naming the right one in
//! `x-amz-bucket-region`, and HeadBucket tells the region to whoever asks,
//! which is how a client that was given no region finds it.

use axum::body::Body;
use axum::http::{HeaderValue, Method, Request, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The header in which S3 names a bucket's region.
pub const BUCKET_REGION_HEADER: &str = "x-amz-bucket-region";

/// Lets `request` through when it names no region or `region`; refuses it
/// with AWS's code and message otherwise. HeadBucket answers carry the
/// region.
pub(crate) async fn in_region(region: &str, request: Request<Body>, next: Next) -> Response {
    let region_header = HeaderValue::from_str(region).ok();
    if let Some((signed, presigned)) = signed_region(&request)
        && signed != region
    {
        return wrong_region(&signed, region, presigned, region_header);
    }
    let head_bucket = request.method() == Method::HEAD && is_bucket_path(request.uri().path());
    let mut response = next.run(request).await;
    if head_bucket && let Some(value) = region_header {
        response.headers_mut().insert(BUCKET_REGION_HEADER, value);
    }
    response
}

/// The region of the request's SigV4 credential scope
/// (`AKID/DATE/REGION/s3/aws4_request`), from its `Authorization` header or
/// its presigned query (`true`).
fn signed_region(request: &Request<Body>) -> Option<(String, bool)> {
    let region_of = |scope: &str| scope.split('/').nth(2).map(str::to_owned);
    if let Some(authorization) = request.headers().get(header::AUTHORIZATION) {
        let authorization = authorization.to_str().ok()?;
        let scope = authorization
            .split([' ', ','])
            .find_map(|field| field.strip_prefix("Credential="))?;
        return region_of(scope).map(|region| (region, false));
    }
    let query = request.uri().query()?;
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "X-Amz-Credential")
        .and_then(|(_, scope)| region_of(&scope))
        .map(|region| (region, true))
}

/// `/bucket` or `/bucket/`: the path of a bucket operation, path style.
fn is_bucket_path(path: &str) -> bool {
    let path = path.trim_start_matches('/');
    let path = path.strip_suffix('/').unwrap_or(path);
    !path.is_empty() && !path.contains('/')
}

/// AWS's answer to a request signed for the wrong region.
fn wrong_region(
    signed: &str,
    region: &str,
    presigned: bool,
    region_header: Option<HeaderValue>,
) -> Response {
    let (code, what) = if presigned {
        ("AuthorizationQueryParametersError", "query parameters are")
    } else {
        ("AuthorizationHeaderMalformed", "authorization header is")
    };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code>\
         <Message>The {what} malformed; the region '{}' is wrong; expecting '{}'</Message>\
         <Region>{}</Region></Error>",
        xml_text(signed),
        xml_text(region),
        xml_text(region),
    );
    let mut response = (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "application/xml")],
        body,
    )
        .into_response();
    if let Some(value) = region_header {
        response.headers_mut().insert(BUCKET_REGION_HEADER, value);
    }
    response
}

/// `text` with XML's special characters escaped (the signed region is the
/// caller's text).
fn xml_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('\'', "&apos;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str, authorization: Option<&str>) -> Request<Body> {
        let mut builder = Request::builder().uri(uri);
        if let Some(value) = authorization {
            builder = builder.header(header::AUTHORIZATION, value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn the_region_is_read_from_the_header_or_the_presigned_query() {
        let signed = request(
            "/vidrop/a",
            Some(
                "AWS4-HMAC-SHA256 Credential=AKID/20261130/eu-west-3/s3/aws4_request, \
                 SignedHeaders=host, Signature=00",
            ),
        );
        assert_eq!(signed_region(&signed), Some(("eu-west-3".into(), false)));
        let presigned = request(
            "/vidrop/a?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261130%2Fap-south-1%2Fs3%2Faws4_request&X-Amz-Signature=00",
            None,
        );
        assert_eq!(signed_region(&presigned), Some(("ap-south-1".into(), true)));
        assert_eq!(signed_region(&request("/vidrop/a", None)), None);
    }

    #[test]
    fn only_a_bucket_path_is_a_bucket_operation() {
        assert!(is_bucket_path("/vidrop"));
        assert!(is_bucket_path("/vidrop/"));
        assert!(!is_bucket_path("/"));
        assert!(!is_bucket_path("/vidrop/videos/a.mp4"));
    }

    #[test]
    fn the_caller_s_region_is_escaped_in_the_answer() {
        assert_eq!(
            xml_text("<a href='x'>&"),
            "&lt;a href=&apos;x&apos;&gt;&amp;"
        );
    }
}
