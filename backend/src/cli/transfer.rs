//! Files as request bodies, and their SHA-256: bytes are read
//! [`READ_BUFFER`] at a time, so neither a whole file nor a whole part is
//! ever in memory, whatever its size.

use super::client::CliError;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::stream;
use reqwest::Body;
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt};
use vidrop_shared::checksum::Sha256Checksum;

/// Bytes read from a file at a time.
pub const READ_BUFFER: usize = 256 * 1024;

/// A streamed body of bytes `range` of the file at `path`; `on_read` hears
/// how many bytes each read gave.
pub async fn file_body(
    path: &Path,
    range: Range<u64>,
    on_read: impl FnMut(u64) + Send + 'static,
) -> Result<Body, CliError> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|err| read_error(path, err))?;
    file.seek(SeekFrom::Start(range.start))
        .await
        .map_err(|err| read_error(path, err))?;
    Ok(reader_body(file.take(range.end - range.start), on_read))
}

/// A streamed body of everything `reader` gives.
pub fn reader_body(
    reader: impl AsyncRead + Send + Unpin + 'static,
    on_read: impl FnMut(u64) + Send + 'static,
) -> Body {
    let chunks = stream::try_unfold((reader, on_read), |(mut reader, mut on_read)| async move {
        let mut buffer = vec![0; READ_BUFFER];
        let read = reader.read(&mut buffer).await?;
        if read == 0 {
            return Ok::<_, std::io::Error>(None);
        }
        buffer.truncate(read);
        on_read(read as u64);
        Ok(Some((buffer, (reader, on_read))))
    });
    Body::wrap_stream(chunks)
}

/// The SHA-256 of bytes `range` of the file at `path`, as S3 carries it.
pub async fn sha256_of(path: &Path, range: Range<u64>) -> Result<Sha256Checksum, CliError> {
    let owned: PathBuf = path.to_owned();
    let digest = tokio::task::spawn_blocking(move || hash_range(&owned, range))
        .await
        .map_err(|err| CliError::Invalid(format!("hashing stopped: {err}")))?
        .map_err(|err| read_error(path, err))?;
    Sha256Checksum::parse(&STANDARD.encode(digest))
        .map_err(|err| CliError::Invalid(format!("a SHA-256 did not encode: {err}")))
}

/// The digest of bytes `range` of a file; an error when the file is
/// shorter than that (it changed since its size was read).
fn hash_range(path: &Path, range: Range<u64>) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(range.start))?;
    let mut part = file.take(range.end - range.start);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; READ_BUFFER];
    let mut total = 0;
    loop {
        let read = part.read(&mut buffer)?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        total += read as u64;
    }
    if total != range.end - range.start {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the file is shorter than it was: it changed during the upload",
        ));
    }
    Ok(hasher.finalize().to_vec())
}

/// A failure to read the file at `path`.
pub fn read_error(path: &Path, err: std::io::Error) -> CliError {
    CliError::io(format!("cannot read {}", path.display()), err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn ranges_hash_as_s3_expects() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"xxabcxx").unwrap();
        // SHA-256("abc") in base64.
        let sum = sha256_of(&path, 2..5).await.unwrap();
        assert_eq!(sum.as_str(), "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        let empty = sha256_of(&path, 0..0).await.unwrap();
        assert_eq!(
            empty.as_str(),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert!(sha256_of(&path, 5..9).await.is_err(), "past the end");
    }
}
