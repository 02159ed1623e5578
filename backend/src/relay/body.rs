//! [`BodyReader`]: a relayed request body read a part at a time, held to
//! the length its `Content-Length` declared. It fails a body that ends
//! early or breaks off ([`AppError::BodyTooShort`]), one that goes on past
//! the declared length ([`AppError::BodyTooLong`]), and one that stops
//! coming for the idle limit ([`AppError::BodyStalled`]), so the upload
//! stores nothing of it.
//!
//! Over HTTP/1.1 hyper frames the body by `Content-Length`, so bytes past
//! it are never part of the body (they are read as the next request, which
//! fails to parse); the check past the length still guards any transport
//! that does not frame it so.

use crate::error::AppError;
use crate::metrics::RelayMetrics;
use bytes::{Bytes, BytesMut};
use futures::{Stream, StreamExt};
use std::fmt::Display;
use std::time::Duration;

/// A request body of a declared length, read in parts.
pub struct BodyReader<S> {
    stream: S,
    declared: u64,
    received: u64,
    /// Bytes of the last chunk not taken yet.
    leftover: Bytes,
    idle: Duration,
    metrics: RelayMetrics,
}

impl<S, E> BodyReader<S>
where
    S: Stream<Item = Result<Bytes, E>> + Unpin,
    E: Display,
{
    /// Reads `stream`, which must hold exactly `declared` bytes, waiting at
    /// most `idle` for each chunk.
    pub fn new(stream: S, declared: u64, idle: Duration, metrics: RelayMetrics) -> BodyReader<S> {
        BodyReader {
            stream,
            declared,
            received: 0,
            leftover: Bytes::new(),
            idle,
            metrics,
        }
    }

    /// The next `len` bytes, all of them, or the error the body failed with.
    pub async fn read_exact(&mut self, len: usize) -> Result<Bytes, AppError> {
        // A chunk that holds the whole part is handed on without a copy.
        if self.leftover.is_empty() {
            self.leftover = self.next_chunk().await?;
        }
        if self.leftover.len() >= len {
            return Ok(self.leftover.split_to(len));
        }
        let mut part = BytesMut::with_capacity(len);
        loop {
            let take = (len - part.len()).min(self.leftover.len());
            part.extend_from_slice(&self.leftover.split_to(take));
            if part.len() == len {
                return Ok(part.freeze());
            }
            self.leftover = self.next_chunk().await?;
        }
    }

    /// Checks that the body ends here, at its declared length.
    pub async fn finish(&mut self) -> Result<(), AppError> {
        if !self.leftover.is_empty() {
            return Err(AppError::BodyTooLong(self.declared));
        }
        loop {
            match tokio::time::timeout(self.idle, self.stream.next()).await {
                Err(_) => return Err(AppError::BodyStalled(self.idle.as_secs())),
                Ok(None) => return Ok(()),
                Ok(Some(Ok(chunk))) if chunk.is_empty() => {}
                Ok(Some(Ok(_))) => return Err(AppError::BodyTooLong(self.declared)),
                Ok(Some(Err(err))) => {
                    tracing::debug!(error = %err, "a relayed body failed at its end");
                    return Err(self.too_short());
                }
            }
        }
    }

    /// The body's next chunk that has bytes.
    async fn next_chunk(&mut self) -> Result<Bytes, AppError> {
        loop {
            let chunk = match tokio::time::timeout(self.idle, self.stream.next()).await {
                Err(_) => return Err(AppError::BodyStalled(self.idle.as_secs())),
                Ok(None) => return Err(self.too_short()),
                Ok(Some(Err(err))) => {
                    tracing::debug!(error = %err, received = self.received, "a relayed body broke off");
                    return Err(self.too_short());
                }
                Ok(Some(Ok(chunk))) => chunk,
            };
            if chunk.is_empty() {
                continue;
            }
            self.received += chunk.len() as u64;
            self.metrics.bytes_in(chunk.len() as u64);
            if self.received > self.declared {
                return Err(AppError::BodyTooLong(self.declared));
            }
            return Ok(chunk);
        }
    }

    fn too_short(&self) -> AppError {
        AppError::BodyTooShort {
            declared: self.declared,
            received: self.received,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    type Chunk = Result<Bytes, std::io::Error>;

    fn reader(chunks: Vec<Chunk>, declared: u64) -> BodyReader<impl Stream<Item = Chunk> + Unpin> {
        BodyReader::new(
            stream::iter(chunks),
            declared,
            Duration::from_secs(5),
            RelayMetrics::default(),
        )
    }

    fn ok(bytes: &[u8]) -> Chunk {
        Ok(Bytes::copy_from_slice(bytes))
    }

    #[tokio::test]
    async fn parts_are_cut_across_chunks() {
        let mut body = reader(vec![ok(b"abc"), ok(b""), ok(b"defg"), ok(b"h")], 8);
        assert_eq!(&body.read_exact(2).await.unwrap()[..], b"ab");
        assert_eq!(&body.read_exact(5).await.unwrap()[..], b"cdefg");
        assert_eq!(&body.read_exact(1).await.unwrap()[..], b"h");
        body.finish().await.unwrap();
    }

    #[tokio::test]
    async fn a_short_body_fails() {
        let mut body = reader(vec![ok(b"abc")], 8);
        let err = body.read_exact(8).await.unwrap_err();
        assert!(
            matches!(
                err,
                AppError::BodyTooShort {
                    declared: 8,
                    received: 3
                }
            ),
            "{err:?}"
        );
        let mut broken = reader(vec![ok(b"abc"), Err(std::io::Error::other("reset"))], 8);
        let err = broken.read_exact(8).await.unwrap_err();
        assert!(matches!(err, AppError::BodyTooShort { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn a_long_body_fails() {
        let mut body = reader(vec![ok(b"abcd"), ok(b"ef")], 4);
        assert_eq!(&body.read_exact(4).await.unwrap()[..], b"abcd");
        assert!(matches!(body.finish().await, Err(AppError::BodyTooLong(4))));
        let mut body = reader(vec![ok(b"abcdef")], 4);
        assert!(matches!(
            body.read_exact(4).await,
            Err(AppError::BodyTooLong(4))
        ));
    }

    #[tokio::test]
    async fn a_stalled_body_fails() {
        let mut body = BodyReader::new(
            stream::pending::<Chunk>(),
            4,
            Duration::from_millis(20),
            RelayMetrics::default(),
        );
        assert!(matches!(
            body.read_exact(4).await,
            Err(AppError::BodyStalled(_))
        ));
    }
}
