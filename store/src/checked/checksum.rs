//! The checksums S3 clients send with a body, and where each comes from.
//!
//! A client names at most one checksum for a `PutObject` or `UploadPart`
//! body: CRC32, CRC32C, CRC64NVME, SHA-1 or SHA-256, base64 of the binary
//! digest. Either as a header (`x-amz-checksum-crc32: …`, what SDKs send
//! for a body held in memory and what presigned URLs sign), or as a
//! *trailer* after an `aws-chunked` body, announced by `x-amz-trailer:
//! x-amz-checksum-crc32` (what the AWS SDKs send for a streamed body, such as
//! a file). Current SDKs may also name the algorithm in
//! `x-amz-sdk-checksum-algorithm`. [`Expected::of_request`] reads all three
//! and refuses what S3 refuses, before any byte of the body is read.
//!
//! Digests are computed with s3s's `ChecksumHasher`.

use axum::http::HeaderMap;
use s3s::checksum::ChecksumHasher;
use s3s::dto::ChecksumAlgorithm;
use s3s::{S3Error, S3ErrorCode, S3Result, TrailingHeaders};

/// A checksum algorithm S3 takes in an `x-amz-checksum-*` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Algorithm {
    Crc32,
    Crc32c,
    Crc64Nvme,
    Sha1,
    Sha256,
}

impl Algorithm {
    pub(crate) const ALL: [Algorithm; 5] = [
        Algorithm::Crc32,
        Algorithm::Crc32c,
        Algorithm::Crc64Nvme,
        Algorithm::Sha1,
        Algorithm::Sha256,
    ];

    /// The name S3 uses in `x-amz-checksum-algorithm` and `ChecksumAlgorithm`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Algorithm::Crc32 => "CRC32",
            Algorithm::Crc32c => "CRC32C",
            Algorithm::Crc64Nvme => "CRC64NVME",
            Algorithm::Sha1 => "SHA1",
            Algorithm::Sha256 => "SHA256",
        }
    }

    /// The algorithm of a `ChecksumAlgorithm` value (any case).
    pub(crate) fn from_name(name: &str) -> Option<Algorithm> {
        Algorithm::ALL
            .into_iter()
            .find(|algorithm| algorithm.name().eq_ignore_ascii_case(name))
    }

    /// The header (or trailer) carrying this checksum: `x-amz-checksum-crc32`.
    pub(crate) fn header_name(self) -> String {
        format!("x-amz-checksum-{}", self.name().to_ascii_lowercase())
    }

    /// The value for S3's `ChecksumAlgorithm` fields.
    pub(crate) fn to_s3(self) -> ChecksumAlgorithm {
        ChecksumAlgorithm::from(self.name().to_owned())
    }

    /// S3's composite checksum of a multipart object: the checksum of the
    /// parts' binary checksums, in order, then `-<part count>`. `None` when a
    /// part checksum is not base64.
    pub(crate) fn composite(self, part_checksums: &[String]) -> Option<String> {
        use base64::Engine;
        let mut hasher = self.hasher();
        for checksum in part_checksums {
            let raw = base64::engine::general_purpose::STANDARD
                .decode(checksum)
                .ok()?;
            hasher.update(&raw);
        }
        let sum = self.pick(hasher.finalize())?;
        Some(format!("{sum}-{}", part_checksums.len()))
    }

    /// A hasher computing this algorithm only.
    pub(crate) fn hasher(self) -> ChecksumHasher {
        let mut hasher = ChecksumHasher::default();
        match self {
            Algorithm::Crc32 => hasher.crc32 = Some(Default::default()),
            Algorithm::Crc32c => hasher.crc32c = Some(Default::default()),
            Algorithm::Crc64Nvme => hasher.crc64nvme = Some(Default::default()),
            Algorithm::Sha1 => hasher.sha1 = Some(Default::default()),
            Algorithm::Sha256 => hasher.sha256 = Some(Default::default()),
        }
        hasher
    }

    /// This algorithm's value among a hasher's results.
    pub(crate) fn pick(self, sums: s3s::dto::Checksum) -> Option<String> {
        match self {
            Algorithm::Crc32 => sums.checksum_crc32,
            Algorithm::Crc32c => sums.checksum_crc32c,
            Algorithm::Crc64Nvme => sums.checksum_crc64nvme,
            Algorithm::Sha1 => sums.checksum_sha1,
            Algorithm::Sha256 => sums.checksum_sha256,
        }
    }
}

/// What a request says about its body's checksum, as s3s parsed it: the
/// `x-amz-checksum-*` header values (in [`Algorithm::ALL`]'s order) and
/// `x-amz-sdk-checksum-algorithm`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Declared<'a> {
    pub(crate) values: [Option<&'a str>; 5],
    pub(crate) sdk_algorithm: Option<&'a str>,
}

/// Where the expected value comes from.
#[derive(Debug, Clone)]
enum Source {
    /// A request header: known before the body.
    Header(String),
    /// A trailer of the aws-chunked body: known once the body has ended
    /// (s3s has checked the trailer's signature by then, when it has one).
    Trailer(TrailingHeaders),
}

/// The checksum a body must have.
#[derive(Debug, Clone)]
pub(crate) struct Expected {
    pub(crate) algorithm: Algorithm,
    source: Source,
}

impl Expected {
    /// An expected value given in a header.
    #[cfg(test)]
    pub(crate) fn header(algorithm: Algorithm, value: &str) -> Expected {
        Expected {
            algorithm,
            source: Source::Header(value.to_owned()),
        }
    }

    /// The one checksum a request's body must have, if any. Refused as S3
    /// refuses them: two checksums, a trailer S3 does not know, a trailer
    /// without an aws-chunked body, or an `x-amz-sdk-checksum-algorithm`
    /// that names no checksum sent or another one.
    pub(crate) fn of_request(
        declared: Declared<'_>,
        headers: &HeaderMap,
        trailers: Option<&TrailingHeaders>,
    ) -> S3Result<Option<Expected>> {
        let mut given: Vec<Expected> = Algorithm::ALL
            .into_iter()
            .zip(declared.values)
            .filter_map(|(algorithm, value)| {
                value.map(|value| Expected {
                    algorithm,
                    source: Source::Header(value.to_owned()),
                })
            })
            .collect();
        for algorithm in trailer_checksums(headers)? {
            let trailers = trailers.ok_or_else(|| {
                invalid_request(
                    "x-amz-trailer names a checksum, but the body is not aws-chunked.".to_owned(),
                )
            })?;
            given.push(Expected {
                algorithm,
                source: Source::Trailer(trailers.clone()),
            });
        }
        if given.len() > 1 {
            return Err(invalid_request(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
                    .to_owned(),
            ));
        }
        let expected = given.pop();

        if let Some(name) = declared.sdk_algorithm {
            let named = Algorithm::from_name(name).ok_or_else(|| {
                S3Error::with_message(
                    S3ErrorCode::InvalidArgument,
                    "Value for x-amz-sdk-checksum-algorithm header is invalid.",
                )
            })?;
            match &expected {
                None => {
                    return Err(invalid_request(format!(
                        "x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found. (It named {}.)",
                        named.name()
                    )));
                }
                Some(expected) if expected.algorithm != named => {
                    return Err(invalid_request(format!(
                        "x-amz-sdk-checksum-algorithm names {} but the request carries {}.",
                        named.name(),
                        expected.algorithm.header_name()
                    )));
                }
                Some(_) => {}
            }
        }
        Ok(expected)
    }

    /// The expected value: the header's, or the trailer's once the body has
    /// ended (`None` if the trailer did not come).
    pub(crate) fn value(&self) -> Option<String> {
        match &self.source {
            Source::Header(value) => Some(value.clone()),
            Source::Trailer(trailers) => trailers
                .read(|map| {
                    map.get(self.algorithm.header_name().as_str())
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_owned)
                })
                .flatten(),
        }
    }
}

/// The checksums `x-amz-trailer` announces (a comma-separated list of
/// header names; other trailers are not checksums and are left to s3s).
fn trailer_checksums(headers: &HeaderMap) -> S3Result<Vec<Algorithm>> {
    let mut found = Vec::new();
    for value in headers.get_all("x-amz-trailer") {
        let text = value
            .to_str()
            .map_err(|_| invalid_request("x-amz-trailer is not text.".to_owned()))?;
        for name in text.split(',').map(str::trim) {
            let Some(suffix) = name
                .get(..15)
                .filter(|start| start.eq_ignore_ascii_case("x-amz-checksum-"))
                .map(|_| &name[15..])
            else {
                continue;
            };
            let algorithm = Algorithm::from_name(suffix).ok_or_else(|| {
                invalid_request(format!("The trailer {name} names no checksum S3 knows."))
            })?;
            found.push(algorithm);
        }
    }
    Ok(found)
}

fn invalid_request(message: String) -> S3Error {
    S3Error::with_message(S3ErrorCode::InvalidRequest, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use sha2::Digest;

    const SHA256_OF_ABC: &str = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

    fn declared<'a>(values: [Option<&'a str>; 5], sdk: Option<&'a str>) -> Declared<'a> {
        Declared {
            values,
            sdk_algorithm: sdk,
        }
    }

    fn base64(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    #[test]
    fn composite_checksums_are_the_checksum_of_the_part_checksums() {
        // Computed here with the sha2 crate, not with s3s's hasher.
        let part_one = sha2::Sha256::digest(b"abc");
        let part_two = sha2::Sha256::digest(b"defg");
        let mut both = sha2::Sha256::new();
        both.update(part_one);
        both.update(part_two);
        let expected = format!("{}-2", base64(&both.finalize()));

        let parts = [base64(&part_one), base64(&part_two)];
        assert_eq!(parts[0], SHA256_OF_ABC);
        assert_eq!(Algorithm::Sha256.composite(&parts), Some(expected));

        let single = format!("{}-1", base64(&sha2::Sha256::digest(part_one)));
        assert_eq!(
            Algorithm::Sha256.composite(&[SHA256_OF_ABC.to_owned()]),
            Some(single)
        );
        assert_eq!(Algorithm::Sha256.composite(&["%%".to_owned()]), None);
    }

    #[test]
    fn one_checksum_header_at_most() {
        let headers = HeaderMap::new();
        let none = declared([None; 5], None);
        assert!(
            Expected::of_request(none, &headers, None)
                .unwrap()
                .is_none()
        );
        let one = declared([None, None, None, None, Some("x")], None);
        let one = Expected::of_request(one, &headers, None).unwrap().unwrap();
        assert_eq!(one.algorithm, Algorithm::Sha256);
        assert_eq!(one.value().as_deref(), Some("x"));
        let two = declared([Some("x"), None, None, None, Some("x")], None);
        assert!(Expected::of_request(two, &headers, None).is_err());
        assert_eq!(Algorithm::from_name("sha256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::from_name("md5"), None);
    }

    #[test]
    fn the_sdk_algorithm_must_match_a_checksum_sent() {
        let headers = HeaderMap::new();
        let alone = declared([None; 5], Some("CRC32"));
        let err = Expected::of_request(alone, &headers, None).unwrap_err();
        assert_eq!(*err.code(), S3ErrorCode::InvalidRequest);
        let other = declared([None, None, None, None, Some("x")], Some("CRC32"));
        assert!(Expected::of_request(other, &headers, None).is_err());
        let same = declared([Some("x"), None, None, None, None], Some("crc32"));
        assert!(
            Expected::of_request(same, &headers, None)
                .unwrap()
                .is_some()
        );
        let unknown = declared([Some("x"), None, None, None, None], Some("MD5"));
        let err = Expected::of_request(unknown, &headers, None).unwrap_err();
        assert_eq!(*err.code(), S3ErrorCode::InvalidArgument);
    }

    #[test]
    fn trailers_need_an_aws_chunked_body() {
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-amz-trailer",
            HeaderValue::from_static("x-amz-checksum-crc32c"),
        );
        let none = declared([None; 5], Some("CRC32C"));
        let err = Expected::of_request(none, &headers, None).unwrap_err();
        assert_eq!(*err.code(), S3ErrorCode::InvalidRequest);

        headers.insert(
            "x-amz-trailer",
            HeaderValue::from_static("x-amz-checksum-md5"),
        );
        assert!(Expected::of_request(declared([None; 5], None), &headers, None).is_err());

        headers.insert("x-amz-trailer", HeaderValue::from_static("x-amz-meta-a"));
        assert!(
            Expected::of_request(declared([None; 5], None), &headers, None)
                .unwrap()
                .is_none()
        );
    }
}
