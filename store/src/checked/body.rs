//! [`CheckedBody`]: a request body that checks itself as it streams to
//! s3s-fs. At its end it compares the checksum the client sent (header or
//! trailer, see `checksum.rs`) and the `Content-MD5` if any with the bytes
//! that came, and *fails* instead of ending when they differ, so that the
//! file system never commits the file. It also notes whether the client's
//! own stream broke (a browser that gave up mid-body), so that the store can
//! answer `IncompleteBody` rather than an internal error.
//!
//! A body may carry a [`Gate`]: once the bytes are in and checked, the body
//! waits for it before it ends, and fails if it stays shut. The store uses
//! it to take the key's write lock only after the client has sent
//! everything, and to check `If-None-Match: *` again under that lock.

use super::checksum::{Algorithm, Expected};
use super::locks::Held;
use bytes::Bytes;
use futures::Stream;
use s3s::checksum::ChecksumHasher;
use s3s::crypto::{Checksum, Md5};
use s3s::dto::StreamingBlob;
use s3s::stream::{ByteStream, RemainingLength};
use s3s::{S3Error, S3ErrorCode, StdError};
use std::future::Future;
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
    /// The write may only create its object, and one was there by the time
    /// the body was in.
    AlreadyExists,
}

/// What a body waits for before it ends: the lock that lets the writer
/// commit it, or `None` when it must not be committed.
pub(crate) type Gate = Pin<Box<dyn Future<Output = Option<Held>> + Send>>;

/// What happened to a [`CheckedBody`], read after the operation returns.
#[derive(Default)]
pub(crate) struct BodyOutcome {
    verdict: Mutex<Verdict>,
    /// The lock the gate gave, held until the operation has returned.
    held: Mutex<Option<Held>>,
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

    /// Releases the lock the gate gave, if any.
    pub(crate) fn release(&self) {
        drop(
            self.held
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take(),
        );
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
            Verdict::AlreadyExists => (
                S3ErrorCode::PreconditionFailed,
                "At least one of the pre-conditions you specified did not hold".to_owned(),
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
    /// In a mutex only to be `Sync`, as s3s wants of a body; never locked.
    gate: Mutex<Option<Gate>>,
    /// Whether the client's stream has ended (and the body been judged).
    inner_done: bool,
    /// Whether this body has ended (or failed): nothing more comes.
    ended: bool,
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
            gate: Mutex::new(None),
            inner_done: false,
            ended: false,
            outcome,
        }
    }

    /// The body waits for `gate` before it ends.
    pub(crate) fn with_gate(mut self, gate: Gate) -> CheckedBody {
        self.gate = Mutex::new(Some(gate));
        self
    }

    /// Wraps `body` in place; returns what the operation reads afterwards.
    pub(crate) fn wrap(
        body: &mut Option<StreamingBlob>,
        expected: Option<Expected>,
        content_md5: Option<[u8; 16]>,
        gate: Option<Gate>,
    ) -> Arc<BodyOutcome> {
        let outcome = Arc::new(BodyOutcome::default());
        if let Some(inner) = body.take() {
            let checked = CheckedBody::new(inner, expected, content_md5, Arc::clone(&outcome));
            let checked = match gate {
                Some(gate) => checked.with_gate(gate),
                None => checked,
            };
            *body = Some(StreamingBlob::new(checked));
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

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        if !this.inner_done {
            match Pin::new(&mut this.inner).poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    if let Some((hasher, _)) = this.checksum.as_mut() {
                        hasher.update(&bytes);
                    }
                    if let Some((md5, _)) = this.md5.as_mut() {
                        md5.update(&bytes);
                    }
                    return Poll::Ready(Some(Ok(bytes)));
                }
                Poll::Ready(Some(Err(err))) => {
                    this.outcome.set(Verdict::Interrupted);
                    this.ended = true;
                    return Poll::Ready(Some(Err(err)));
                }
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    this.inner_done = true;
                    let verdict = this.judge();
                    let failed = !matches!(verdict, Verdict::Open | Verdict::Verified(..));
                    this.outcome.set(verdict);
                    if failed {
                        this.ended = true;
                        return Poll::Ready(Some(Err(
                            "the body does not match its checksum".into()
                        )));
                    }
                }
            }
        }
        let gate = this.gate.get_mut().unwrap_or_else(PoisonError::into_inner);
        let opened = match gate.as_mut().map(|waiting| waiting.as_mut().poll(cx)) {
            None => {
                this.ended = true;
                return Poll::Ready(None);
            }
            Some(Poll::Pending) => return Poll::Pending,
            Some(Poll::Ready(opened)) => opened,
        };
        *gate = None;
        this.ended = true;
        match opened {
            Some(held) => {
                *this
                    .outcome
                    .held
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner) = Some(held);
                Poll::Ready(None)
            }
            None => {
                this.outcome.set(Verdict::AlreadyExists);
                Poll::Ready(Some(Err("an object is already stored at this key".into())))
            }
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

    #[tokio::test]
    async fn a_body_ends_only_through_its_gate_and_keeps_the_lock() {
        let locks = super::super::locks::Locks::default();
        let held_elsewhere = locks.hold("k".into()).await;
        let outcome = Arc::new(BodyOutcome::default());
        let gate_locks = locks.clone();
        let body = CheckedBody::new(
            blob(vec![Ok(Bytes::from_static(b"abc"))]),
            None,
            None,
            Arc::clone(&outcome),
        )
        .with_gate(Box::pin(
            async move { Some(gate_locks.hold("k".into()).await) },
        ));
        let draining = tokio::spawn(drain(body));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!draining.is_finished(), "the body waits for the key's lock");
        drop(held_elsewhere);
        let items = draining.await.unwrap();
        assert!(items.iter().all(Result::is_ok));
        let third = tokio::spawn(async move { drop(locks.hold("k".into()).await) });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(!third.is_finished(), "the lock is held until released");
        outcome.release();
        third.await.unwrap();
    }

    #[tokio::test]
    async fn a_shut_gate_fails_the_body() {
        let outcome = Arc::new(BodyOutcome::default());
        let body = CheckedBody::new(
            blob(vec![Ok(Bytes::from_static(b"abc"))]),
            None,
            None,
            Arc::clone(&outcome),
        )
        .with_gate(Box::pin(async { None }));
        let items = drain(body).await;
        assert!(items.last().unwrap().is_err());
        let err = outcome.explain().unwrap();
        assert_eq!(*err.code(), S3ErrorCode::PreconditionFailed);
    }

    fn md5_of(bytes: &[u8]) -> [u8; 16] {
        let mut md5 = Md5::new();
        md5.update(bytes);
        md5.finalize()
    }
}
