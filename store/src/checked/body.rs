//! [`CheckedBody`]: a request body that checks itself as it streams to
//! s3s-fs. At its end it compares the checksum the client sent (header or
//! trailer, see `checksum.rs`) and the `Content-MD5` if any with the bytes
//! that came, and *fails* instead of ending when they differ, so that the
//! file system never commits the file. It also notes whether the client's
//! own stream broke (a browser that gave up mid-body), so that the store can
//! answer `IncompleteBody` rather than an internal error.

use super::checksum::{Algorithm, Expected};
use bytes::Bytes;
use futures::Stream;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::{Checksum, Md5};
use s3s::dto::StreamingBlob;
use s3s::stream::{ByteStream, RemainingLength};
use s3s::{S3Error, S3ErrorCode, StdError};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

/// How a body ended.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
enum Verdict {
    /// Not ended (or ended without a checksum to check).
    #[default]
    Open,
    /// The bytes have the expected checksum, this value.
    Verified(Algorithm, String),
    /// The bytes do not match the checksum of this algorithm.
    Mismatch(Algorithm),
    /// The trailer announced by `x-amz-trailer` did not come.
    MissingTrailer(Algorithm),
    /// The bytes do not match `Content-MD5`.
    Md5Mismatch,
    /// The client's body stream failed.
    Interrupted,
}

/// What happened to a [`CheckedBody`], read after the operation returns.
#[derive(Debug, Default)]
pub(crate) struct BodyOutcome {
    verdict: Mutex<Verdict>,
}

impl BodyOutcome {
    fn set(&self, verdict: Verdict) {
        *self.verdict.lock().unwrap_or_else(PoisonError::into_inner) = verdict;
    }

    fn get(&self) -> Verdict {
        self.verdict
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The checksum the body was verified against, once it has ended well.
    pub(crate) fn verified(&self) -> Option<(Algorithm, String)> {
        match self.get() {
            Verdict::Verified(algorithm, value) => Some((algorithm, value)),
            _ => None,
        }
    }

    /// The S3 error for a failed write, when this body explains it.
    pub(crate) fn explain(&self) -> Option<S3Error> {
        let message = match self.get() {
            Verdict::Open | Verdict::Verified(..) => return None,
            Verdict::Mismatch(algorithm) => (
                S3ErrorCode::BadDigest,
                format!(
                    "The {} you specified did not match the calculated checksum.",
                    algorithm.name().to_ascii_lowercase()
                ),
            ),
            Verdict::MissingTrailer(algorithm) => (
                S3ErrorCode::InvalidRequest,
                format!(
                    "The body ended without the {} trailer that x-amz-trailer announced.",
                    algorithm.header_name()
                ),
            ),
            Verdict::Md5Mismatch => (
                S3ErrorCode::BadDigest,
                "The Content-MD5 you specified did not match what we received.".to_owned(),
            ),
            Verdict::Interrupted => (
                S3ErrorCode::IncompleteBody,
                "The request body ended before all its bytes arrived.".to_owned(),
            ),
        };
        Some(S3Error::with_message(message.0, message.1))
    }
}

/// A body that fails at its end, instead of ending, when its checksum or
/// MD5 is not the one expected: the writer never commits it.
pub(crate) struct CheckedBody {
    inner: StreamingBlob,
    checksum: Option<(ChecksumHasher, Expected)>,
    md5: Option<(Md5, [u8; 16])>,
    outcome: Arc<BodyOutcome>,
}

impl CheckedBody {
    pub(crate) fn new(
        inner: StreamingBlob,
        expected: Option<Expected>,
        content_md5: Option<[u8; 16]>,
        outcome: Arc<BodyOutcome>,
    ) -> CheckedBody {
        CheckedBody {
            inner,
            checksum: expected.map(|expected| (expected.algorithm.hasher(), expected)),
            md5: content_md5.map(|digest| (Md5::new(), digest)),
            outcome,
        }
    }

    /// Wraps `body` in place; returns what the operation reads afterwards.
    pub(crate) fn wrap(
        body: &mut Option<StreamingBlob>,
        expected: Option<Expected>,
        content_md5: Option<[u8; 16]>,
    ) -> Arc<BodyOutcome> {
        let outcome = Arc::new(BodyOutcome::default());
        if let Some(inner) = body.take() {
            *body = Some(StreamingBlob::new(CheckedBody::new(
                inner,
                expected,
                content_md5,
                Arc::clone(&outcome),
            )));
        }
        outcome
    }

    /// The verdict on the whole body, now that it has ended.
    fn judge(&mut self) -> Verdict {
        if let Some((md5, digest)) = self.md5.take()
            && md5.finalize() != digest
        {
            return Verdict::Md5Mismatch;
        }
        let Some((hasher, expected)) = self.checksum.take() else {
            return Verdict::Open;
        };
        let algorithm = expected.algorithm;
        let Some(wanted) = expected.value() else {
            return Verdict::MissingTrailer(algorithm);
        };
        match algorithm.pick(hasher.finalize()) {
            Some(actual) if actual == wanted => Verdict::Verified(algorithm, actual),
            _ => Verdict::Mismatch(algorithm),
        }
    }
}

impl Stream for CheckedBody {
    type Item = Result<Bytes, StdError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(bytes))) => {
                if let Some((hasher, _)) = self.checksum.as_mut() {
                    hasher.update(&bytes);
                }
                if let Some((md5, _)) = self.md5.as_mut() {
                    md5.update(&bytes);
                }
                Poll::Ready(Some(Ok(bytes)))
            }
            Poll::Ready(Some(Err(err))) => {
                self.outcome.set(Verdict::Interrupted);
                Poll::Ready(Some(Err(err)))
            }
            Poll::Ready(None) => {
                // Polled again after the end: already judged.
                if self.checksum.is_none() && self.md5.is_none() {
                    return Poll::Ready(None);
                }
                let verdict = self.judge();
                let failed = !matches!(verdict, Verdict::Open | Verdict::Verified(..));
                self.outcome.set(verdict);
                if failed {
                    Poll::Ready(Some(Err("the body does not match its checksum".into())))
                } else {
                    Poll::Ready(None)
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
    use sha2::Digest;

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
        let expected = Expected::header(Algorithm::Sha256, SHA256_OF_ABC);
        let md5: [u8; 16] = md5_of(b"abc");
        let body = CheckedBody::new(
            blob(vec![
                Ok(Bytes::from_static(b"a")),
                Ok(Bytes::from_static(b"bc")),
            ]),
            Some(expected),
            Some(md5),
            Arc::clone(&outcome),
        );
        let items = drain(body).await;
        assert!(items.iter().all(Result::is_ok));
        assert_eq!(
            outcome.verified(),
            Some((Algorithm::Sha256, SHA256_OF_ABC.to_owned()))
        );
        assert!(outcome.explain().is_none());
    }

    #[tokio::test]
    async fn another_body_fails_at_its_end() {
        let outcome = Arc::new(BodyOutcome::default());
        let expected = Expected::header(Algorithm::Sha256, SHA256_OF_ABC);
        let body = CheckedBody::new(
            blob(vec![Ok(Bytes::from_static(b"abd"))]),
            Some(expected),
            None,
            Arc::clone(&outcome),
        );
        let items = drain(body).await;
        assert!(items.last().unwrap().is_err());
        assert_eq!(outcome.verified(), None);
        let err = outcome.explain().unwrap();
        assert_eq!(*err.code(), S3ErrorCode::BadDigest);
    }

    #[tokio::test]
    async fn a_wrong_content_md5_fails_too() {
        let outcome = Arc::new(BodyOutcome::default());
        let body = CheckedBody::new(
            blob(vec![Ok(Bytes::from_static(b"abd"))]),
            None,
            Some(md5_of(b"abc")),
            Arc::clone(&outcome),
        );
        let items = drain(body).await;
        assert!(items.last().unwrap().is_err());
        assert_eq!(*outcome.explain().unwrap().code(), S3ErrorCode::BadDigest);
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
            None,
            Arc::clone(&outcome),
        );
        drain(body).await;
        let err = outcome.explain().unwrap();
        assert_eq!(*err.code(), S3ErrorCode::IncompleteBody);
    }

    #[tokio::test]
    async fn every_algorithm_is_checked_against_an_independent_digest() {
        // SHA-256 from the sha2 crate, CRC32 from crc32fast: not s3s's code.
        use base64::Engine;
        let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let data = b"The quick brown fox jumps over the lazy dog";
        let cases = [
            (Algorithm::Sha256, b64(&sha2::Sha256::digest(data))),
            (Algorithm::Crc32, b64(&crc32fast::hash(data).to_be_bytes())),
        ];
        for (algorithm, value) in cases {
            let outcome = Arc::new(BodyOutcome::default());
            let body = CheckedBody::new(
                blob(vec![Ok(Bytes::from_static(data))]),
                Some(Expected::header(algorithm, &value)),
                None,
                Arc::clone(&outcome),
            );
            drain(body).await;
            assert_eq!(
                outcome.verified(),
                Some((algorithm, value)),
                "{algorithm:?}"
            );
        }
    }

    fn md5_of(bytes: &[u8]) -> [u8; 16] {
        let mut md5 = Md5::new();
        md5.update(bytes);
        md5.finalize()
    }
}
