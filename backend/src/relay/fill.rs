//! [`fill`]: one video streamed from S3 into the cache's part file and, at
//! the same time, to the client whose request led the fill.
//!
//! The client gets the bytes of the range it asked for as they come (its
//! channel holds a few chunks, so the fill goes at the client's pace while
//! it is served). Should the client leave, or stop reading for the idle
//! limit, before it has all it asked for, the fill stops and the part file
//! is removed: nothing partial is ever listed. Once the client has its
//! bytes (a range at the start, say) the fill goes on alone to the end of
//! the video. S3 failing or stalling ends the fill the same way, and cuts
//! the client's body short, as S3 failing mid-download would.

use super::cache::{CachedVideo, Flight};
use crate::metrics::RelayMetrics;
use crate::storage::StorageError;
use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::{AsyncWriteExt, BufWriter};
use tokio::sync::mpsc;

/// How many bytes the part file is written by.
const WRITE_BUFFER: usize = 256 * 1024;

/// What the client's body is made of.
pub type ClientChunk = Result<Bytes, std::io::Error>;

/// A fill, ready to run.
pub struct Fill {
    /// The whole video, from S3.
    pub source: BoxStream<'static, Result<Bytes, StorageError>>,
    pub file: tokio::fs::File,
    pub flight: Flight,
    pub video: CachedVideo,
    /// The bytes the leading client asked for.
    pub wanted: RangeInclusive<u64>,
    pub client: mpsc::Sender<ClientChunk>,
    pub idle: Duration,
    pub metrics: RelayMetrics,
}

/// Runs the fill to its end: the video listed in the cache, or nothing.
pub async fn fill(fill: Fill) {
    let Fill {
        source,
        file,
        flight,
        video,
        wanted,
        client,
        idle,
        metrics,
    } = fill;
    let part = flight.part_path();
    let copied = copy(source, file, video.size, wanted, client, idle, &metrics).await;
    match copied {
        Ok(()) => {
            let id = video.key.clone();
            if flight.complete(video) {
                tracing::debug!(key = %id, "relay cache filled");
            }
        }
        Err(why) => {
            tracing::debug!(key = %video.key, %why, "relay cache fill given up");
            remove_part(part).await;
            drop(flight);
        }
    }
}

/// Copies `source` to `file` and the `wanted` bytes of it to `client`.
async fn copy(
    mut source: BoxStream<'static, Result<Bytes, StorageError>>,
    file: tokio::fs::File,
    size: u64,
    wanted: RangeInclusive<u64>,
    client: mpsc::Sender<ClientChunk>,
    idle: Duration,
    metrics: &RelayMetrics,
) -> Result<(), String> {
    let mut writer = BufWriter::with_capacity(WRITE_BUFFER, file);
    let mut client = Some(client);
    let mut offset = 0u64;
    loop {
        let chunk = match tokio::time::timeout(idle, source.next()).await {
            Err(_) => return fail(client, "S3 stopped sending").await,
            Ok(None) => break,
            Ok(Some(Err(err))) => return fail(client, &err.to_string()).await,
            Ok(Some(Ok(chunk))) => chunk,
        };
        let start = offset;
        offset += chunk.len() as u64;
        if offset > size {
            return fail(client, "S3 sent more bytes than the video has").await;
        }
        writer
            .write_all(&chunk)
            .await
            .map_err(|err| format!("cannot write the part file: {err}"))?;
        if let Some(sender) = &client {
            let from = start.max(*wanted.start());
            let to = offset.min(wanted.end() + 1);
            if from < to {
                let slice = chunk.slice(
                    usize::try_from(from - start).unwrap_or(0)
                        ..usize::try_from(to - start).unwrap_or(0),
                );
                let len = slice.len() as u64;
                match tokio::time::timeout(idle, sender.send(Ok(slice))).await {
                    Ok(Ok(())) => metrics.bytes_out(len),
                    Ok(Err(_)) => return Err("the client left".to_owned()),
                    Err(_) => return Err("the client stopped reading".to_owned()),
                }
            }
            if offset > *wanted.end() {
                // The client has all it asked for: its body ends here.
                client = None;
            }
        }
    }
    if offset != size {
        return fail(client, &format!("S3 sent {offset} of {size} bytes")).await;
    }
    writer
        .flush()
        .await
        .map_err(|err| format!("cannot write the part file: {err}"))?;
    Ok(())
}

/// Cuts the client's body short with `why`, and gives the fill up.
async fn fail(client: Option<mpsc::Sender<ClientChunk>>, why: &str) -> Result<(), String> {
    if let Some(client) = client {
        let _ = client.try_send(Err(std::io::Error::other(why.to_owned())));
    }
    Err(why.to_owned())
}

async fn remove_part(path: PathBuf) {
    match tokio::fs::remove_file(&path).await {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => {
            tracing::warn!(path = %path.display(), error = %err, "cannot remove a relay cache part file");
        }
    }
}
