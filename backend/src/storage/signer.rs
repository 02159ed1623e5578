//! Presigned S3 URLs signed here, with SigV4's signing key (as an HMAC
//! already keyed with it) and credential scope for the day kept between
//! URLs: one URL costs writing the URL once, hashing the canonical request
//! from its pieces, and one HMAC (about 3 µs), where the SDK's presigning
//! pipeline (interceptors, endpoint rules, identity resolution, a new
//! signing key each time) costs about twenty times that
//! (`e2e/src/bin/presign_url.rs`, in `BENCHMARKS.md`). A part batch, a
//! playback listing and `/presign` all sign many.
//!
//! What the SDK knows is not guessed again: [`UrlSigner::from_sdk_url`]
//! reads a URL the SDK presigned for [`PROBE_KEY`] and keeps its endpoint
//! (scheme, host, port, and the bucket in the path or in the host), the
//! host it signed, and the region of its credential scope. A store the SDK
//! signed some other way (SigV4a, a service other than `s3`) gets no
//! `UrlSigner`, and the SDK keeps signing for it.
//!
//! The canonical request is S3's: the key percent-encoded once (S3 does not
//! encode it again, nor normalise the path), query names and values
//! percent-encoded and sorted, the signed headers' values trimmed, and an
//! `UNSIGNED-PAYLOAD` (the store checks the body against the length and
//! checksum headers it signs). The tests check every signature against the
//! `aws-sigv4` crate's, and the signed headers against the SDK's.

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider};
use hmac::{Hmac, KeyInit, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use vidrop_shared::api::HttpMethod;

/// The key the SDK presigns once to show where objects are and how it signs.
pub(super) const PROBE_KEY: &str = "vidrop-signer-probe";

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The only service signed for here (the SDK keeps `s3express` and the
/// others).
const SERVICE: &str = "s3";

/// Credentials are fetched again this long before they expire (the SDK's
/// identity cache uses the same margin).
const CREDENTIALS_MARGIN: Duration = Duration::from_secs(5 * 60);

/// SigV4's URI encoding: everything but unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An S3 key in a path: `/` stays a separator.
const KEY_PATH: &AsciiSet = &QUERY.remove(b'/');

/// What one URL signs: the method, the key, the request's own query
/// parameters (`partNumber`, `response-content-disposition`, …) and the
/// headers the client must send, lower-case names, `host` left out.
#[derive(Debug, Clone)]
pub(super) struct SignRequest<'a> {
    pub method: HttpMethod,
    pub key: &'a str,
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(String, String)>,
    /// When the URL starts to be valid, in Unix seconds.
    pub start: u64,
    pub expires_in: Duration,
}

/// A signed URL, and the headers (lower-case names, `host` left out) the
/// client must send with it.
#[derive(Debug, Clone)]
pub(super) struct SignedUrl {
    pub url: String,
    pub headers: Vec<(String, String)>,
}

/// Signs presigned URLs for one bucket and one set of credentials.
#[derive(Debug)]
pub(super) struct UrlSigner {
    /// The object URL before the key: `http://127.0.0.1:9000/vidrop/`, or
    /// `https://bucket.s3.eu-west-1.amazonaws.com/`.
    url_prefix: String,
    /// The path part of `url_prefix`, as the canonical request starts it.
    path_prefix: String,
    /// The `host` header signed: the URL's authority.
    host: String,
    region: String,
    credentials: SharedCredentialsProvider,
    day: RwLock<Option<Arc<DayKey>>>,
}

/// Credentials and what is derived from them for one day: the signing key
/// and the credential scope every URL of the day repeats.
#[derive(Debug)]
struct DayKey {
    credentials: Credentials,
    /// `YYYYMMDD`.
    date: String,
    /// HMAC-SHA256 keyed with the day's signing key: each URL's signature
    /// starts from a copy, so the key's two padded blocks are hashed once a
    /// day, not once a URL.
    mac: Hmac<Sha256>,
    /// `YYYYMMDD/region/s3/aws4_request`.
    scope: String,
    /// `X-Amz-Credential`'s value, percent-encoded: `AKID%2F<scope>`.
    credential: String,
    /// `X-Amz-Security-Token`'s value, percent-encoded.
    token: Option<String>,
}

impl DayKey {
    /// Whether its credentials are good beyond `now` and the margin.
    fn credentials_last(&self, now: SystemTime) -> bool {
        self.credentials
            .expiry()
            .is_none_or(|expiry| expiry > now + CREDENTIALS_MARGIN)
    }
}

impl UrlSigner {
    /// A signer for the objects of the URL the SDK presigned for a
    /// `GetObject` of [`PROBE_KEY`]; `None` when that URL is not one this
    /// signer makes alike.
    pub(super) fn from_sdk_url(
        url: &str,
        credentials: SharedCredentialsProvider,
    ) -> Option<UrlSigner> {
        let (path, query) = url.split_once('?')?;
        let url_prefix = path.strip_suffix(PROBE_KEY)?;
        if !url_prefix.ends_with('/') {
            return None;
        }
        let after_scheme = url_prefix.split_once("://")?.1;
        let path_prefix = &after_scheme[after_scheme.find('/')?..];
        let param = |name: &str| {
            query.split('&').find_map(|pair| {
                let (key, value) = pair.split_once('=')?;
                (key == name).then(|| percent_decode_str(value).decode_utf8_lossy().into_owned())
            })
        };
        // Only what this signer writes itself: a directory bucket's session
        // token (`X-Amz-S3session-Token`), for one, is left to the SDK.
        let known = [
            "x-id",
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-SignedHeaders",
            "X-Amz-Security-Token",
            "X-Amz-Signature",
        ];
        let only_known = query
            .split('&')
            .map(|pair| pair.split('=').next().unwrap_or(pair))
            .all(|name| known.contains(&name));
        if param("X-Amz-Algorithm")? != ALGORITHM || !only_known {
            return None;
        }
        // AKID/YYYYMMDD/region/service/aws4_request
        let credential = param("X-Amz-Credential")?;
        let scope: Vec<&str> = credential.rsplitn(5, '/').collect();
        let [terminator, service, region, _date, _access_key] = scope[..] else {
            return None;
        };
        if terminator != "aws4_request"
            || service != SERVICE
            || param("X-Amz-SignedHeaders")? != "host"
        {
            return None;
        }
        // The URL's authority is signed as `host`, but for a default port.
        let authority = &after_scheme[..after_scheme.find('/')?];
        let host = match url_prefix.starts_with("https://") {
            true => authority.strip_suffix(":443"),
            false => authority.strip_suffix(":80"),
        }
        .unwrap_or(authority)
        .to_owned();
        Some(UrlSigner {
            url_prefix: url_prefix.to_owned(),
            path_prefix: path_prefix.to_owned(),
            host,
            region: region.to_owned(),
            credentials,
            day: RwLock::new(None),
        })
    }

    /// Signs one URL.
    pub(super) async fn sign(
        &self,
        request: SignRequest<'_>,
    ) -> Result<SignedUrl, CredentialsError> {
        let start = UNIX_EPOCH + Duration::from_secs(request.start);
        let date_time = amz_date_time(request.start);
        let date_time = std::str::from_utf8(&date_time).expect("ASCII");
        let day = self.day_key(&date_time[..8], start).await?;
        Ok(self.sign_with(&day, date_time, request))
    }

    /// The signing key for `date`, derived again only for a new day or
    /// credentials about to expire.
    async fn day_key(
        &self,
        date: &str,
        start: SystemTime,
    ) -> Result<Arc<DayKey>, CredentialsError> {
        let cached = self.day.read().expect("not poisoned").clone();
        let credentials = match cached {
            Some(day) if day.credentials_last(SystemTime::now()) => {
                if day.date == date {
                    return Ok(day);
                }
                day.credentials.clone()
            }
            _ => self.credentials.provide_credentials().await?,
        };
        let key = aws_sigv4::sign::v4::generate_signing_key(
            credentials.secret_access_key(),
            start,
            &self.region,
            SERVICE,
        );
        let mac =
            Hmac::<Sha256>::new_from_slice(key.as_ref()).expect("HMAC takes keys of any length");
        let scope = format!("{date}/{}/{SERVICE}/aws4_request", self.region);
        let credential = encode(&format!("{}/{scope}", credentials.access_key_id()));
        let token = credentials.session_token().map(encode);
        let day = Arc::new(DayKey {
            credentials,
            date: date.to_owned(),
            mac,
            scope,
            credential,
            token,
        });
        *self.day.write().expect("not poisoned") = Some(day.clone());
        Ok(day)
    }

    /// The URL for `request`, signed with `day`'s key (`date_time` is when
    /// it starts, `YYYYMMDDTHHMMSSZ`, on `day`). The URL is written once, and
    /// the canonical request is hashed from it piece by piece rather than
    /// written out again.
    fn sign_with(&self, day: &DayKey, date_time: &str, request: SignRequest<'_>) -> SignedUrl {
        let mut headers = request.headers;
        for (name, _) in &mut headers {
            name.make_ascii_lowercase();
        }
        headers.sort_unstable();
        // `host` is signed but not handed back: it goes where it sorts.
        let host_at = headers.partition_point(|(name, _)| name.as_str() < "host");
        let mut signed_headers = String::with_capacity(64);
        for (i, name) in headers
            .iter()
            .map(|(name, _)| name.as_str())
            .enumerate()
            .flat_map(|(i, name)| (i == host_at).then_some("host").into_iter().chain([name]))
            .chain((host_at == headers.len()).then_some("host"))
            .enumerate()
        {
            if i > 0 {
                signed_headers.push(';');
            }
            signed_headers.push_str(name);
        }

        let expires = request.expires_in.as_secs().to_string();
        // Every name here is unreserved, so encoded it is itself and sorts
        // as it is. SigV4's own parameters are listed in their order; only
        // the request's few are sorted, then the two lists are merged.
        let mut own: Vec<(&str, &str, bool)> = request
            .query
            .iter()
            .map(|(name, value)| (*name, value.as_str(), true))
            .collect();
        own.sort_unstable_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.cmp(b.1)));
        let token = day
            .token
            .as_deref()
            .map(|token| ("X-Amz-Security-Token", token, false));
        let sigv4 = [
            Some(("X-Amz-Algorithm", ALGORITHM, false)),
            Some(("X-Amz-Credential", day.credential.as_str(), false)),
            Some(("X-Amz-Date", date_time, false)),
            Some(("X-Amz-Expires", expires.as_str(), false)),
            token,
            Some(("X-Amz-SignedHeaders", signed_headers.as_str(), true)),
        ];
        let query = merge_sorted(own, sigv4.into_iter().flatten());

        let mut url = String::with_capacity(self.url_prefix.len() + request.key.len() + 400);
        url.push_str(&self.url_prefix);
        let key_at = url.len();
        url.extend(utf8_percent_encode(request.key, KEY_PATH));
        let key_path = key_at..url.len();
        url.push('?');
        let query_at = url.len();
        for (i, (name, value, to_encode)) in query.iter().enumerate() {
            if i > 0 {
                url.push('&');
            }
            url.push_str(name);
            url.push('=');
            if *to_encode {
                url.extend(utf8_percent_encode(value, QUERY));
            } else {
                url.push_str(value);
            }
        }
        let canonical_query = query_at..url.len();

        let mut canonical = Sha256::new();
        canonical.update(request.method.as_str());
        canonical.update(b"\n");
        canonical.update(&self.path_prefix);
        canonical.update(&url[key_path]);
        canonical.update(b"\n");
        canonical.update(&url[canonical_query]);
        canonical.update(b"\n");
        let mut canonical_header = |name: &str, value: &str| {
            canonical.update(name);
            canonical.update(b":");
            canonical.update(header_value(value).as_bytes());
            canonical.update(b"\n");
        };
        for (i, (name, value)) in headers.iter().enumerate() {
            if i == host_at {
                canonical_header("host", &self.host);
            }
            canonical_header(name, value);
        }
        if host_at == headers.len() {
            canonical_header("host", &self.host);
        }
        canonical.update(b"\n");
        canonical.update(&signed_headers);
        canonical.update(b"\nUNSIGNED-PAYLOAD");

        // The string to sign, straight into the HMAC.
        let mut mac = day.mac.clone();
        for piece in [ALGORITHM, "\n", date_time, "\n", &day.scope, "\n"] {
            mac.update(piece.as_bytes());
        }
        mac.update(&hex(canonical.finalize().into()));
        url.push_str("&X-Amz-Signature=");
        let signature = hex(mac.finalize().into_bytes().into());
        url.push_str(std::str::from_utf8(&signature).expect("ASCII"));
        SignedUrl { url, headers }
    }
}

/// `YYYYMMDDTHHMMSSZ` for Unix seconds (proleptic Gregorian, UTC: Howard
/// Hinnant's `civil_from_days`), without a formatter.
fn amz_date_time(secs: u64) -> [u8; 16] {
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let of_day = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let mut out = *b"00000000T000000Z";
    let mut put = |at: usize, width: usize, value: u64| {
        let mut value = value;
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year.clamp(0, 9999) as u64);
    put(4, 2, month as u64);
    put(6, 2, day as u64);
    put(9, 2, of_day / 3600);
    put(11, 2, of_day / 60 % 60);
    put(13, 2, of_day % 60);
    out
}

fn encode(value: &str) -> String {
    utf8_percent_encode(value, QUERY).to_string()
}

/// A header value as S3's SigV4 signs it: spaces (only spaces) trimmed, and
/// runs of them as one.
fn header_value(value: &str) -> std::borrow::Cow<'_, str> {
    let value = value.trim_matches(' ');
    if !value.contains("  ") {
        return value.into();
    }
    let mut collapsed = String::with_capacity(value.len());
    for c in value.chars() {
        if !(c == ' ' && collapsed.ends_with(' ')) {
            collapsed.push(c);
        }
    }
    collapsed.into()
}

/// A SHA-256 digest in lower-case hex, as SigV4 writes hashes and
/// signatures.
fn hex(digest: [u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 64];
    for (pair, byte) in out.chunks_exact_mut(2).zip(digest) {
        pair[0] = DIGITS[usize::from(byte >> 4)];
        pair[1] = DIGITS[usize::from(byte & 0xf)];
    }
    out
}

/// `a` and `b`, each sorted by name and then value, as one sorted list.
fn merge_sorted<'q>(
    a: Vec<(&'q str, &'q str, bool)>,
    b: impl IntoIterator<Item = (&'q str, &'q str, bool)>,
) -> Vec<(&'q str, &'q str, bool)> {
    let mut merged = Vec::with_capacity(a.len() + 6);
    let mut a = a.into_iter().peekable();
    for next in b {
        while let Some(first) = a.next_if(|x| (x.0, x.1) < (next.0, next.1)) {
            merged.push(first);
        }
        merged.push(next);
    }
    merged.extend(a);
    merged
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sigv4::http_request::{
        PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        UriPathNormalizationMode, sign,
    };
    use aws_smithy_runtime_api::client::identity::Identity;

    const SDK_URL: &str = "http://127.0.0.1:9000/vidrop/vidrop-signer-probe?x-id=GetObject&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20261130%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261130T160000Z&X-Amz-Expires=3600&X-Amz-SignedHeaders=host&X-Amz-Signature=00";

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            token.map(str::to_owned),
            None,
            "test",
        )
    }

    fn signer(url: &str, token: Option<&str>) -> UrlSigner {
        UrlSigner::from_sdk_url(url, SharedCredentialsProvider::new(credentials(token)))
            .expect("a SigV4 URL")
    }

    /// The signature the `aws-sigv4` crate makes for the same request.
    fn reference_signature(
        signer: &UrlSigner,
        request: &SignRequest<'_>,
        token: Option<&str>,
    ) -> String {
        let identity: Identity = credentials(token).into();
        let mut settings = SigningSettings::default();
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(request.expires_in);
        settings.percent_encoding_mode = PercentEncodingMode::Single;
        settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&identity)
            .region(&signer.region)
            .name(SERVICE)
            .time(UNIX_EPOCH + Duration::from_secs(request.start))
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let mut uri = format!(
            "{}{}",
            signer.url_prefix,
            utf8_percent_encode(request.key, KEY_PATH)
        );
        for (i, (name, value)) in request.query.iter().enumerate() {
            uri.push(if i == 0 { '?' } else { '&' });
            uri.push_str(&format!("{}={}", encode(name), encode(value)));
        }
        let mut headers: Vec<(&str, &str)> = request
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()))
            .collect();
        headers.push(("host", &signer.host));
        let signable = SignableRequest::new(
            request.method.as_str(),
            uri,
            headers.into_iter(),
            SignableBody::UnsignedPayload,
        )
        .unwrap();
        sign(signable, &params).unwrap().into_parts().1
    }

    fn signature_of(url: &str) -> &str {
        url.rsplit_once("X-Amz-Signature=").unwrap().1
    }

    #[tokio::test]
    async fn signatures_match_the_aws_sigv4_crate_for_odd_keys_queries_and_headers() {
        let keys = [
            "videos/01JD7YBQ9YEE2T2X1ABJHT4DE2.webm",
            "uploads/a b+c%d~e!f*g(h)i'j.mp4",
            "clips/été/日本語 ☃.mov",
            "deep//double/slash/./dot/../x",
        ];
        for token in [None, Some("session/token+with=odd chars")] {
            let signer = signer(SDK_URL, token);
            for key in keys {
                let requests = [
                    SignRequest {
                        method: HttpMethod::Get,
                        key,
                        query: vec![
                            (
                                "response-content-disposition",
                                "inline; filename=\"a b.webm\"; filename*=UTF-8''a%20b.webm"
                                    .to_owned(),
                            ),
                            (
                                "response-cache-control",
                                "private, max-age=3600, immutable".to_owned(),
                            ),
                        ],
                        headers: Vec::new(),
                        start: 1_796_054_400,
                        expires_in: Duration::from_secs(3600),
                    },
                    SignRequest {
                        method: HttpMethod::Put,
                        key,
                        query: vec![
                            ("partNumber", "7".to_owned()),
                            ("uploadId", "2~a/b+c==".to_owned()),
                        ],
                        headers: vec![
                            ("content-length".to_owned(), "8388608".to_owned()),
                            (
                                "x-amz-checksum-sha256".to_owned(),
                                "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=".to_owned(),
                            ),
                        ],
                        start: 1_796_083_199,
                        expires_in: Duration::from_secs(900),
                    },
                    SignRequest {
                        method: HttpMethod::Put,
                        key,
                        query: Vec::new(),
                        headers: vec![
                            ("content-length".to_owned(), "12".to_owned()),
                            ("content-type".to_owned(), "video/webm".to_owned()),
                            (
                                "x-amz-meta-filename".to_owned(),
                                "  two   spaces\tand a tab ".to_owned(),
                            ),
                            ("if-none-match".to_owned(), "*".to_owned()),
                        ],
                        start: 1_796_083_200,
                        expires_in: Duration::from_secs(604_800),
                    },
                ];
                for request in requests {
                    let expected = reference_signature(&signer, &request, token);
                    let signed = signer.sign(request.clone()).await.unwrap();
                    assert_eq!(signature_of(&signed.url), expected, "{request:?}");
                    assert!(signed.url.starts_with("http://127.0.0.1:9000/vidrop/"));
                    let mut sent: Vec<_> = request.headers.clone();
                    sent.sort();
                    assert_eq!(signed.headers, sent, "the client sends what was signed");
                }
            }
        }
    }

    #[test]
    fn reads_the_endpoint_and_scope_of_the_sdks_url() {
        let path_style = signer(SDK_URL, None);
        assert_eq!(path_style.url_prefix, "http://127.0.0.1:9000/vidrop/");
        assert_eq!(path_style.path_prefix, "/vidrop/");
        assert_eq!(path_style.host, "127.0.0.1:9000");
        assert_eq!(path_style.region, "us-east-1");

        let virtual_host = signer(
            &SDK_URL
                .replace(
                    "http://127.0.0.1:9000/vidrop/",
                    "https://my-bucket.s3.eu-west-3.amazonaws.com/",
                )
                .replace("us-east-1", "eu-west-3"),
            None,
        );
        assert_eq!(virtual_host.path_prefix, "/");
        assert_eq!(virtual_host.host, "my-bucket.s3.eu-west-3.amazonaws.com");
        assert_eq!(virtual_host.region, "eu-west-3");

        let default_port = signer(
            &SDK_URL.replace("http://127.0.0.1:9000/", "http://store.test:80/"),
            None,
        );
        assert_eq!(default_port.host, "store.test");
        assert_eq!(default_port.url_prefix, "http://store.test:80/vidrop/");
    }

    #[test]
    fn leaves_other_ways_of_signing_to_the_sdk() {
        let provider = || SharedCredentialsProvider::new(credentials(None));
        let sigv4a = SDK_URL.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256");
        let more_headers = SDK_URL.replace("SignedHeaders=host", "SignedHeaders=host%3Bx-amz-foo");
        let other_key = SDK_URL.replace("vidrop-signer-probe", "something-else");
        let directory_bucket = format!("{SDK_URL}&X-Amz-S3session-Token=abc");
        let other_service = SDK_URL.replace("%2Fs3%2F", "%2Fs3express%2F");
        for url in [
            sigv4a.as_str(),
            &more_headers,
            &other_key,
            &directory_bucket,
            &other_service,
            "not a url",
        ] {
            assert!(UrlSigner::from_sdk_url(url, provider()).is_none(), "{url}");
        }
    }

    #[tokio::test]
    async fn keeps_the_days_key_and_fetches_expiring_credentials_again() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        #[derive(Debug)]
        struct Counting(Arc<AtomicUsize>, Option<SystemTime>);
        impl ProvideCredentials for Counting {
            fn provide_credentials<'a>(
                &'a self,
            ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
            where
                Self: 'a,
            {
                self.0.fetch_add(1, Ordering::SeqCst);
                aws_credential_types::provider::future::ProvideCredentials::ready(Ok(
                    Credentials::new("AKID", "secret", None, self.1, "counting"),
                ))
            }
        }
        let now = unix_now();
        let request = |start| SignRequest {
            method: HttpMethod::Get,
            key: "k",
            query: Vec::new(),
            headers: Vec::new(),
            start,
            expires_in: Duration::from_secs(60),
        };

        let calls = Arc::new(AtomicUsize::new(0));
        let lasting = UrlSigner::from_sdk_url(
            SDK_URL,
            SharedCredentialsProvider::new(Counting(calls.clone(), None)),
        )
        .unwrap();
        lasting.sign(request(now)).await.unwrap();
        lasting.sign(request(now)).await.unwrap();
        assert_eq!(calls.load(Ordering::SeqCst), 1, "credentials fetched once");
        let before = lasting.day.read().unwrap().clone().unwrap();
        lasting.sign(request(now + 86_400)).await.unwrap();
        let after = lasting.day.read().unwrap().clone().unwrap();
        assert_ne!(before.date, after.date, "a new day, a new key");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "the same credentials");

        let calls = Arc::new(AtomicUsize::new(0));
        let expiring = UrlSigner::from_sdk_url(
            SDK_URL,
            SharedCredentialsProvider::new(Counting(
                calls.clone(),
                Some(SystemTime::now() + Duration::from_secs(60)),
            )),
        )
        .unwrap();
        expiring.sign(request(now)).await.unwrap();
        expiring.sign(request(now)).await.unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "credentials about to expire are fetched again"
        );
    }

    #[test]
    fn writes_the_date_as_the_sdk_formats_it() {
        use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
        // Leap days, ends of years and centuries, and today.
        let mut instants = vec![0, 951_782_399, 951_868_800, 4_107_542_399, 4_107_542_400];
        instants.extend((0..2_000).map(|i| 1_700_000_000 + i * 86_399 * 3));
        instants.push(unix_now());
        for secs in instants {
            let sdk: String = DateTime::from_secs(secs as i64)
                .fmt(DateTimeFormat::DateTime)
                .unwrap()
                .chars()
                .filter(|c| !matches!(c, '-' | ':'))
                .collect();
            assert_eq!(
                std::str::from_utf8(&amz_date_time(secs)).unwrap(),
                sdk,
                "{secs}"
            );
        }
    }

    fn unix_now() -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs()
    }
}
