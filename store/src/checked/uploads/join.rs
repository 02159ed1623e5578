//! Completing a multipart upload in the store rather than in s3s-fs, whose
//! completion reads every part back through user space and hashes it again:
//! here the kernel joins the parts into the object's file
//! (`copy_file_range`, which `std::io::copy` uses between two files on
//! Linux), and the object's ETag is S3's multipart ETag made from the ETags
//! recorded as the parts came in. No byte is read or hashed twice.
//!
//! The files written are the ones s3s-fs reads: the object at
//! `<root>/<bucket>/<key>`, its attributes (content type, metadata) moved
//! from the upload's metadata file, and its `internal.json` (ETag and
//! checksum). The parts are joined into a temporary file first, so a
//! failure there (a full disk) leaves the upload as it was.

use super::{ETAG_FIELD, StoredPart, Upload, UploadDir, internal_info_path, metadata_path};
use crate::checked::checksum::Algorithm;
use s3s::crypto::{Checksum, Md5};
use std::io;
use std::path::{Path, PathBuf};

/// S3's ETag of an object made of parts with these ETags (hex MD5s): the
/// MD5 of the parts' binary MD5s, then `-<number of parts>`.
pub(crate) fn multipart_etag<'a>(part_etags: impl IntoIterator<Item = &'a str>) -> Option<String> {
    let mut md5 = Md5::new();
    let mut count = 0usize;
    for etag in part_etags {
        md5.update(&hex_decode(etag)?);
        count += 1;
    }
    Some(format!("{}-{count}", super::hex(md5.finalize().as_ref())))
}

/// The 16 bytes of a hex MD5.
fn hex_decode(hex: &str) -> Option<[u8; 16]> {
    if hex.len() != 32 {
        return None;
    }
    let mut bytes = [0u8; 16];
    for (byte, pair) in bytes.iter_mut().zip(hex.as_bytes().chunks(2)) {
        let text = std::str::from_utf8(pair).ok()?;
        *byte = u8::from_str_radix(text, 16).ok()?;
    }
    Some(bytes)
}

impl UploadDir {
    /// Makes the object `object` (its file) out of `parts` (all of the
    /// upload's parts to complete, in order, already checked), with `etag`
    /// and `checksum`, then forgets the upload.
    pub(crate) async fn complete(
        &self,
        upload: &Upload,
        parts: &[StoredPart],
        object: &Path,
        etag: &str,
        checksum: Option<(Algorithm, &str)>,
    ) -> io::Result<()> {
        let id = &upload.upload_id;
        let sources: Vec<PathBuf> = parts
            .iter()
            .map(|part| self.part_path(id, part.number))
            .collect();
        let joined = self.tmp_path();
        let target = joined.clone();
        tokio::task::spawn_blocking(move || join_files(&sources, &target))
            .await
            .map_err(io::Error::other)?
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&joined);
            })?;

        let mut info = serde_json::Map::new();
        info.insert(ETAG_FIELD.into(), etag.into());
        if let Some((algorithm, value)) = checksum {
            info.insert(
                format!("checksum_{}", algorithm.name().to_ascii_lowercase()),
                value.into(),
            );
        }
        let attributes = metadata_path(&self.root, &upload.bucket, &upload.key, Some(id));
        let object_attributes = metadata_path(&self.root, &upload.bucket, &upload.key, None);
        let placed = async {
            if let Some(folder) = object.parent() {
                tokio::fs::create_dir_all(folder).await?;
            }
            tokio::fs::rename(&joined, object).await?;
            self.write_json(
                &internal_info_path(&self.root, &upload.bucket, &upload.key),
                &info,
            )
            .await?;
            // The replaced object's attributes go with it.
            match tokio::fs::rename(&attributes, &object_attributes).await {
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    remove_if_there(&object_attributes).await
                }
                other => other,
            }
        }
        .await;
        if let Err(err) = placed {
            let _ = tokio::fs::remove_file(&joined).await;
            return Err(err);
        }
        self.remove_upload_files(id).await
    }

    /// Removes every file of the upload: s3s-fs's upload file, the parts,
    /// and our records.
    async fn remove_upload_files(&self, upload_id: &str) -> io::Result<()> {
        remove_if_there(&self.info_path(upload_id)).await?;
        let prefix = format!(".upload_id-{upload_id}.");
        let mut entries = tokio::fs::read_dir(&self.root).await?;
        while let Some(entry) = entries.next_entry().await? {
            if entry
                .file_name()
                .to_str()
                .is_some_and(|name| name.starts_with(&prefix))
            {
                remove_if_there(&entry.path()).await?;
            }
        }
        Ok(())
    }
}

/// Writes the files `sources` one after another into a new file `target`,
/// in the kernel where it can.
fn join_files(sources: &[PathBuf], target: &Path) -> io::Result<()> {
    let mut out = std::fs::File::create(target)?;
    for source in sources {
        let mut part = std::fs::File::open(source)?;
        io::copy(&mut part, &mut out)?;
    }
    Ok(())
}

async fn remove_if_there(path: &Path) -> io::Result<()> {
    match tokio::fs::remove_file(path).await {
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_multipart_etag_is_the_md5_of_the_part_md5s() {
        // Parts "a" and "b"; the figure is Python's
        // md5(md5(b"a").digest() + md5(b"b").digest()).hexdigest() + "-2".
        let a = "0cc175b9c0f1b6a831c399e269772661";
        let b = "92eb5ffee6ae2fec3ad71c777531578f";
        assert_eq!(
            multipart_etag([a, b]).as_deref(),
            Some("96e024ba2074fe77e8e965ba43a704be-2")
        );
        assert_eq!(multipart_etag(["not hex"]), None);
        assert_eq!(multipart_etag([&a[..30]]), None);
    }
}
