//! [`CheckedBody`]: a request body that checks itself as it streams to
//! s3s-fs. At its end it compares the checksum the client signed
//! (`x-amz-checksum-<algorithm>`) with the bytes that came, and *fails*
//! instead of ending when they differ, so the file system never commits the
//! file. It also notes whether the client's own stream broke (a browser that
//! gave up mid-body), so that the store can answer `IncompleteBody` rather
//! than an internal error.

use bytes::Bytes;
use futures::Stream;
use s3s::checksum::ChecksumHasher;
use s3s::dto::StreamingBlob;
use s3s::stream::{ByteStream, RemainingLength};
use s3s::{S3Error, S3ErrorCode, S3Result, StdError};
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

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
        [
            Algorithm::Crc32,
            Algorithm::Crc32c,
            Algorithm::Crc64Nvme,
            Algorithm::Sha1,
            Algorithm::Sha256,
        ]
        .into_iter()
        .find(|algorithm| algorithm.name().eq_ignore_ascii_case(name))
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

    fn hasher(self) -> ChecksumHasher {
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

    fn pick(self, sums: s3s::dto::Checksum) -> Option<String> {
        match self {
            Algorithm::Crc32 => sums.checksum_crc32,
            Algorithm::Crc32c => sums.checksum_crc32c,
            Algorithm::Crc64Nvme => sums.checksum_crc64nvme,
            Algorithm::Sha1 => sums.checksum_sha1,
            Algorithm::Sha256 => sums.checksum_sha256,
        }
    }
}

/// The checksum a request carries in its headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expected {
    pub(crate) algorithm: Algorithm,
    pub(crate) value: String,
}

impl Expected {
    /// The one `x-amz-checksum-*` value of a request, if any; more than one
    /// is refused as S3 refuses it.
    pub(crate) fn from_headers(
        crc32: &Option<String>,
        crc32c: &Option<String>,
        crc64nvme: &Option<String>,
        sha1: &Option<String>,
        sha256: &Option<String>,
    ) -> S3Result<Option<Expected>> {
        let given: Vec<Expected> = [
            (Algorithm::Crc32, crc32),
            (Algorithm::Crc32c, crc32c),
            (Algorithm::Crc64Nvme, crc64nvme),
            (Algorithm::Sha1, sha1),
            (Algorithm::Sha256, sha256),
        ]
        .into_iter()
        .filter_map(|(algorithm, value)| {
            value.as_ref().map(|value| Expected {
                algorithm,
                value: value.clone(),
            })
        })
        .collect();
        match given.len() {
            0 => Ok(None),
            1 => Ok(given.into_iter().next()),
            _ => Err(S3Error::with_message(
                S3ErrorCode::InvalidRequest,
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.",
            )),
        }
    }
}

/// What happened to a [`CheckedBody`], read after the operation returns.
#[derive(Debug, Default)]
pub(crate) struct BodyOutcome {
    mismatch: AtomicBool,
    interrupted: AtomicBool,
}

impl BodyOutcome {
    /// The bytes did not match the expected checksum.
    pub(crate) fn mismatch(&self) -> bool {
        self.mismatch.load(Ordering::SeqCst)
    }

    /// The client's body stream failed (the client went away mid-body).
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupted.load(Ordering::SeqCst)
    }

    /// The S3 error for a failed write, when this body explains it.
    pub(crate) fn explain(&self, expected: Option<&Expected>) -> Option<S3Error> {
        if self.mismatch() {
            let name = expected.map_or("checksum", |e| e.algorithm.name());
            Some(S3Error::with_message(
                S3ErrorCode::BadDigest,
                format!(
                    "The {} you specified did not match the calculated checksum.",
                    name.to_ascii_lowercase()
                ),
            ))
        } else if self.interrupted() {
            Some(S3Error::with_message(
                S3ErrorCode::IncompleteBody,
                "The request body ended before all its bytes arrived.",
            ))
        } else {
            None
        }
    }
}

/// A body that fails at its end, instead of ending, when its checksum is not
/// the one expected: the writer never commits it.
pub(crate) struct CheckedBody {
    inner: StreamingBlob,
    hasher: Option<(ChecksumHasher, Expected)>,
    outcome: Arc<BodyOutcome>,
}

impl CheckedBody {
    pub(crate) fn new(
        inner: StreamingBlob,
        expected: Option<Expected>,
        outcome: Arc<BodyOutcome>,
    ) -> CheckedBody {
        CheckedBody {
            inner,
            hasher: expected.map(|expected| (expected.algorithm.hasher(), expected)),
            outcome,
        }
    }

    /// Wraps `body` in place; returns what the operation reads afterwards.
    pub(crate) fn wrap(
        body: &mut Option<StreamingBlob>,
        expected: Option<Expected>,
    ) -> Arc<BodyOutcome> {
        let outcome = Arc::new(BodyOutcome::default());
        if let Some(inner) = body.take() {
            *body = Some(StreamingBlob::new(CheckedBody::new(
                inner,
                expected,
                Arc::clone(&outcome),
            )));
        }
        outcome
    }
}

impl Stream for CheckedBody {
    type Item = Result<Bytes, StdError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                if let Some((hasher, _)) = self.hasher.as_mut() {
                    hasher.update(&bytes);
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(err))) => {
                self.outcome.interrupted.store(true, Ordering::SeqCst);
                Poll::Ready(Some(Err(err)))
            }
            Poll::Ready(None) => {
                let Some((hasher, expected)) = self.hasher.take() else {
                    return Poll::Ready(None);
                };
                let actual = expected.algorithm.pick(hasher.finalize());
                if actual.as_deref() == Some(expected.value.as_str()) {
                    Poll::Ready(None)
                } else {
                    self.outcome.mismatch.store(true, Ordering::SeqCst);
                    Poll::Ready(Some(Err(format!(
                        "the body does not match x-amz-checksum-{}",
                        expected.algorithm.name().to_ascii_lowercase()
                    )
                    .into())))
                }
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ByteStream for CheckedBody {
    fn remaining_length(&self) -> RemainingLength {
        self.inner.remaining_length()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::StreamExt;

    fn blob(chunks: Vec<Result<Bytes, std::io::Error>>) -> StreamingBlob {
        StreamingBlob::wrap(futures::stream::iter(chunks))
    }

    async fn drain(body: CheckedBody) -> Vec<Result<Bytes, StdError>> {
        body.collect().await
    }

    const SHA256_OF_ABC: &str = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

    #[tokio::test]
    async fn a_matching_body_ends_normally() {
        let outcome = Arc::new(BodyOutcome::default());
        let expected = Expected {
            algorithm: Algorithm::Sha256,
            value: SHA256_OF_ABC.into(),
        };
        let body = CheckedBody::new(
            blob(vec![
                Ok(Bytes::from_static(b"a")),
                Ok(Bytes::from_static(b"bc")),
            ]),
            Some(expected),
            Arc::clone(&outcome),
        );
        let items = drain(body).await;
        assert!(items.iter().all(Result::is_ok));
        assert!(!outcome.mismatch() && !outcome.interrupted());
    }

    #[tokio::test]
    async fn another_body_fails_at_its_end() {
        let outcome = Arc::new(BodyOutcome::default());
        let expected = Expected {
            algorithm: Algorithm::Sha256,
            value: SHA256_OF_ABC.into(),
        };
        let body = CheckedBody::new(
            blob(vec![Ok(Bytes::from_static(b"abd"))]),
            Some(expected.clone()),
            Arc::clone(&outcome),
        );
        let items = drain(body).await;
        assert!(items.last().unwrap().is_err());
        assert!(outcome.mismatch());
        let err = outcome.explain(Some(&expected)).unwrap();
        assert_eq!(*err.code(), S3ErrorCode::BadDigest);
    }

    #[tokio::test]
    async fn a_broken_client_stream_is_noted() {
        let outcome = Arc::new(BodyOutcome::default());
        let body = CheckedBody::new(
            blob(vec![
                Ok(Bytes::from_static(b"a")),
                Err(std::io::ErrorKind::ConnectionReset.into()),
            ]),
            None,
            Arc::clone(&outcome),
        );
        drain(body).await;
        assert!(outcome.interrupted());
        let err = outcome.explain(None).unwrap();
        assert_eq!(*err.code(), S3ErrorCode::IncompleteBody);
    }

    #[test]
    fn composite_checksums_hash_the_part_checksums() {
        // SHA-256 of the 32 bytes of SHA-256("abc"), then "-1".
        let composite = Algorithm::Sha256
            .composite(&[SHA256_OF_ABC.to_owned()])
            .unwrap();
        assert!(composite.ends_with("-1"), "{composite}");
        assert_eq!(composite.len(), 44 + 2);
        assert_eq!(Algorithm::Sha256.composite(&["%%".to_owned()]), None);
    }

    #[test]
    fn one_checksum_header_at_most() {
        let some = Some("x".to_owned());
        assert!(
            Expected::from_headers(&None, &None, &None, &None, &None)
                .unwrap()
                .is_none()
        );
        let one = Expected::from_headers(&None, &None, &None, &None, &some).unwrap();
        assert_eq!(one.unwrap().algorithm, Algorithm::Sha256);
        assert!(Expected::from_headers(&some, &None, &None, &None, &some).is_err());
        assert_eq!(Algorithm::from_name("sha256"), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::from_name("md5"), None);
    }
}
