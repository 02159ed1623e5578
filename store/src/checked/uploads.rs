//! [`UploadDir`]: the multipart uploads of the store, read from the files
//! s3s-fs 0.14.1 keeps in its root folder, plus two small records of ours
//! beside them.
//!
//! What s3s-fs writes (checked against its source, `fs.rs` and `s3.rs`):
//! - `.upload-<uuid>.json`: exists while the upload is in progress; its
//!   content is the access key that created it, the only one s3s-fs lets
//!   touch the upload (see [`UploadDir::adopt`]); its modification time is
//!   the upload's start.
//! - `.bucket-<b64(bucket)>.object-<b64(key)>.upload-<uuid>.metadata.json`:
//!   the object attributes given at creation (base64 URL-safe, unpadded),
//!   which is the only place it names the upload's bucket and key.
//! - `.upload_id-<uuid>.part-<n>`: the bytes of part `n`.
//!
//! s3s-fs also writes `.bucket-<b64(bucket)>.object-<b64(key)>.internal.json`,
//! an object's ETag and checksums. Its completion of an upload keeps the
//! checksums of the object it replaces there, which then contradict the new
//! bytes: [`UploadDir::set_object_checksum`] puts the right one instead.
//!
//! s3s-fs records neither a part's ETag nor its checksum, nor the upload's
//! checksum algorithm, so we keep them, with names that start with
//! `.upload_id-<uuid>.` so that s3s-fs's AbortMultipartUpload (which removes
//! every file with that prefix) removes them too:
//! - `.upload_id-<uuid>.vidrop-upload.json`: bucket, key, checksum
//!   algorithm, start time;
//! - `.upload_id-<uuid>.vidrop-part-<n>.json`: the part's ETag, and the
//!   checksum it was sent with and its algorithm (any algorithm when the
//!   upload was created without one; records written before the algorithm
//!   was kept have the upload's).

pub(crate) mod join;

use super::checksum::Algorithm;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use s3s::crypto::{Checksum, Md5};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::io::AsyncReadExt;

/// What we record about an upload at its creation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct UploadRecord {
    bucket: String,
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<String>,
    /// Start time, milliseconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    initiated_ms: Option<u64>,
}

impl UploadRecord {
    /// A record from s3s-fs's metadata file name alone.
    fn named(bucket: String, key: String) -> UploadRecord {
        UploadRecord {
            bucket,
            key,
            checksum_algorithm: None,
            initiated_ms: None,
        }
    }

    /// The upload, started at the recorded time or else at `file_time` (the
    /// time of s3s-fs's upload file).
    fn into_upload(self, upload_id: String, file_time: SystemTime) -> Upload {
        let initiated = self
            .initiated_ms
            .map_or(file_time, |ms| UNIX_EPOCH + Duration::from_millis(ms));
        Upload {
            upload_id,
            bucket: self.bucket,
            key: self.key,
            checksum_algorithm: self.checksum_algorithm,
            initiated,
        }
    }
}

/// What we record about a part once s3s-fs has stored it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct PartRecord {
    /// The ETag value, without quotes (the part's MD5 in hex).
    pub(crate) etag: String,
    /// The checksum the part was sent with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) checksum: Option<String>,
    /// The algorithm of `checksum`, as S3 names it; absent in records of
    /// parts of uploads created with an algorithm, which is that one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) checksum_algorithm: Option<String>,
}

/// A multipart upload in progress.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) upload_id: String,
    pub(crate) bucket: String,
    pub(crate) key: String,
    /// The algorithm given to CreateMultipartUpload, as S3 names it.
    pub(crate) checksum_algorithm: Option<String>,
    pub(crate) initiated: SystemTime,
}

/// A stored part.
#[derive(Debug, Clone)]
pub(crate) struct StoredPart {
    pub(crate) number: i32,
    pub(crate) size: u64,
    pub(crate) last_modified: SystemTime,
    pub(crate) etag: String,
    pub(crate) checksum: Option<String>,
    pub(crate) checksum_algorithm: Option<String>,
}

impl StoredPart {
    /// The checksum the part was sent with and its algorithm, for a part of
    /// an upload created with `upload_algorithm`.
    pub(crate) fn checksum(
        &self,
        upload_algorithm: Option<Algorithm>,
    ) -> Option<(Algorithm, &str)> {
        let algorithm = match &self.checksum_algorithm {
            Some(name) => Algorithm::from_name(name)?,
            None => upload_algorithm?,
        };
        Some((algorithm, self.checksum.as_deref()?))
    }
}

/// The root folder of s3s-fs, read and annotated.
#[derive(Debug)]
pub(crate) struct UploadDir {
    root: PathBuf,
    tmp_counter: AtomicU64,
}

/// Whether `id` is an upload id as s3s-fs writes them: a hyphenated
/// lower-case UUID. (Anything else never names a file.)
pub(crate) fn is_upload_id(id: &str) -> bool {
    id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        })
}

impl UploadDir {
    pub(crate) fn new(root: &Path) -> UploadDir {
        UploadDir {
            root: root.to_owned(),
            tmp_counter: AtomicU64::new(0),
        }
    }

    fn info_path(&self, upload_id: &str) -> PathBuf {
        self.root.join(format!(".upload-{upload_id}.json"))
    }

    fn record_path(&self, upload_id: &str) -> PathBuf {
        self.root
            .join(format!(".upload_id-{upload_id}.vidrop-upload.json"))
    }

    fn part_path(&self, upload_id: &str, number: i32) -> PathBuf {
        self.root
            .join(format!(".upload_id-{upload_id}.part-{number}"))
    }

    fn part_record_path(&self, upload_id: &str, number: i32) -> PathBuf {
        self.root
            .join(format!(".upload_id-{upload_id}.vidrop-part-{number}.json"))
    }

    /// Whether the bucket's folder exists.
    pub(crate) async fn bucket_exists(&self, bucket: &str) -> bool {
        tokio::fs::metadata(self.root.join(bucket))
            .await
            .is_ok_and(|meta| meta.is_dir())
    }

    /// The upload `upload_id`, when it is in progress.
    pub(crate) async fn find(&self, upload_id: &str) -> io::Result<Option<Upload>> {
        if !is_upload_id(upload_id) {
            return Ok(None);
        }
        let Some(file_time) = modified(&self.info_path(upload_id)).await? else {
            return Ok(None);
        };
        let record = match read_json::<UploadRecord>(&self.record_path(upload_id)).await? {
            Some(record) => Some(record),
            None => self
                .scan()
                .await?
                .names
                .remove(upload_id)
                .map(|(bucket, key)| UploadRecord::named(bucket, key)),
        };
        Ok(record.map(|record| record.into_upload(upload_id.to_owned(), file_time)))
    }

    /// Every upload in progress, in no particular order.
    pub(crate) async fn all(&self) -> io::Result<Vec<Upload>> {
        let Scan {
            mut names,
            records,
            infos,
        } = self.scan().await?;
        let mut uploads = Vec::with_capacity(infos.len());
        for upload_id in infos {
            let Some(file_time) = modified(&self.info_path(&upload_id)).await? else {
                continue; // completed or aborted in between
            };
            let recorded = if records.contains(&upload_id) {
                read_json::<UploadRecord>(&self.record_path(&upload_id)).await?
            } else {
                None
            };
            let record = recorded.or_else(|| {
                names
                    .remove(&upload_id)
                    .map(|(bucket, key)| UploadRecord::named(bucket, key))
            });
            if let Some(record) = record {
                uploads.push(record.into_upload(upload_id, file_time));
            }
        }
        Ok(uploads)
    }

    /// Records an upload s3s-fs has just created.
    pub(crate) async fn record_upload(
        &self,
        upload_id: &str,
        bucket: &str,
        key: &str,
        checksum_algorithm: Option<&str>,
    ) -> io::Result<()> {
        let started = modified(&self.info_path(upload_id))
            .await?
            .unwrap_or_else(SystemTime::now);
        let record = UploadRecord {
            bucket: bucket.to_owned(),
            key: key.to_owned(),
            checksum_algorithm: checksum_algorithm.map(str::to_owned),
            initiated_ms: started
                .duration_since(UNIX_EPOCH)
                .ok()
                .and_then(|since| u64::try_from(since.as_millis()).ok()),
        };
        self.write_json(&self.record_path(upload_id), &record).await
    }

    /// Makes an upload started under an earlier run's credentials usable with
    /// `access_key`, this run's. (s3s-fs lets only the access key that
    /// created an upload touch it, and the embedded store draws new keys at
    /// each start: without this, a restart would strand every upload in
    /// progress, for the client and for the sweep alike.) The file keeps its
    /// modification time, the upload's start.
    pub(crate) async fn adopt(&self, upload_id: &str, access_key: Option<&str>) -> io::Result<()> {
        let path = self.info_path(upload_id);
        let Some(owner) = read_json::<Option<String>>(&path).await? else {
            return Ok(()); // completed or aborted in between
        };
        if owner.as_deref() == access_key {
            return Ok(());
        }
        let Some(started) = modified(&path).await? else {
            return Ok(());
        };
        self.write_json(&path, &access_key).await?;
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .await?;
        let file = file.into_std().await;
        tokio::task::spawn_blocking(move || file.set_modified(started))
            .await
            .map_err(io::Error::other)?
    }

    /// Records a part s3s-fs has just stored.
    pub(crate) async fn record_part(
        &self,
        upload_id: &str,
        number: i32,
        record: &PartRecord,
    ) -> io::Result<()> {
        self.write_json(&self.part_record_path(upload_id, number), record)
            .await
    }

    /// The stored parts of an upload, by part number.
    pub(crate) async fn parts(&self, upload_id: &str) -> io::Result<Vec<StoredPart>> {
        let prefix = format!(".upload_id-{upload_id}.part-");
        let mut numbers = Vec::new();
        let mut entries = tokio::fs::read_dir(&self.root).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some(number) = name
                .to_str()
                .and_then(|name| name.strip_prefix(&prefix))
                .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|digits| digits.parse::<i32>().ok())
            else {
                continue;
            };
            numbers.push(number);
        }
        numbers.sort_unstable();
        let mut parts = Vec::with_capacity(numbers.len());
        for number in numbers {
            if let Some(part) = self.part(upload_id, number).await? {
                parts.push(part);
            }
        }
        Ok(parts)
    }

    /// Part `number` of an upload, if stored.
    pub(crate) async fn part(
        &self,
        upload_id: &str,
        number: i32,
    ) -> io::Result<Option<StoredPart>> {
        let path = self.part_path(upload_id, number);
        let meta = match tokio::fs::metadata(&path).await {
            Ok(meta) => meta,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(err),
        };
        let record =
            match read_json::<PartRecord>(&self.part_record_path(upload_id, number)).await? {
                Some(record) => record,
                // The part's file without its record: s3s-fs renamed it into
                // place but the request ended before we recorded it (a client
                // that goes away then, as a browser reloading, cancels the
                // request), or it was stored without us. What the record would
                // say is read from the bytes: the ETag is their MD5 and the
                // checksum is in the upload's algorithm. A part's bytes are in
                // place only after their checksum, if one was sent, was
                // checked.
                None => {
                    let algorithm = read_json::<UploadRecord>(&self.record_path(upload_id))
                        .await?
                        .and_then(|upload| upload.checksum_algorithm)
                        .and_then(|name| Algorithm::from_name(&name));
                    let (etag, checksum) = digest_file(&path, algorithm).await?;
                    PartRecord {
                        etag,
                        checksum,
                        checksum_algorithm: algorithm.map(|a| a.name().to_owned()),
                    }
                }
            };
        Ok(Some(StoredPart {
            number,
            size: meta.len(),
            last_modified: meta.modified()?,
            etag: record.etag,
            checksum: record.checksum,
            checksum_algorithm: record.checksum_algorithm,
        }))
    }

    /// The ETag of the object `key`: s3s-fs's record of it, or else the
    /// MD5 of its bytes (an object written before the record was kept).
    pub(crate) async fn object_etag(&self, bucket: &str, key: &str) -> io::Result<Option<String>> {
        let record = read_json::<serde_json::Map<String, serde_json::Value>>(&internal_info_path(
            &self.root, bucket, key,
        ))
        .await?;
        if let Some(etag) = record
            .as_ref()
            .and_then(|record| record.get(ETAG_FIELD))
            .and_then(|etag| etag.as_str())
        {
            return Ok(Some(etag.to_owned()));
        }
        let path = super::layout::object_path(&self.root.join(bucket), key);
        match digest_file(&path, None).await {
            Ok((md5, _)) => Ok(Some(md5)),
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// A new temporary file's path, named so that s3s-fs removes it at start
    /// if it is left over.
    fn tmp_path(&self) -> PathBuf {
        let n = self.tmp_counter.fetch_add(1, Ordering::Relaxed);
        self.root.join(format!(
            ".tmp.vidrop-{}-{n}.internal.part",
            std::process::id()
        ))
    }

    /// Writes `value` as JSON at `path`, atomically (a temporary file that
    /// s3s-fs removes at start if it is left over, then a rename).
    async fn write_json<T: Serialize>(&self, path: &Path, value: &T) -> io::Result<()> {
        let tmp = self.tmp_path();
        let bytes = serde_json::to_vec(value).map_err(io::Error::other)?;
        tokio::fs::write(&tmp, bytes).await?;
        if let Err(err) = tokio::fs::rename(&tmp, path).await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(err);
        }
        Ok(())
    }

    /// One pass over the root folder: the uploads in progress, our records,
    /// and the bucket and key s3s-fs's metadata file names give each upload.
    async fn scan(&self) -> io::Result<Scan> {
        let mut scan = Scan::default();
        let mut entries = tokio::fs::read_dir(&self.root).await?;
        while let Some(entry) = entries.next_entry().await? {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            if let Some(id) = name
                .strip_prefix(".upload-")
                .and_then(|rest| rest.strip_suffix(".json"))
                .filter(|id| is_upload_id(id))
            {
                scan.infos.push(id.to_owned());
            } else if let Some(id) = name
                .strip_prefix(".upload_id-")
                .and_then(|rest| rest.strip_suffix(".vidrop-upload.json"))
                .filter(|id| is_upload_id(id))
            {
                scan.records.push(id.to_owned());
            } else if let Some((id, bucket, key)) = parse_metadata_name(name) {
                scan.names.insert(id, (bucket, key));
            }
        }
        Ok(scan)
    }
}

#[derive(Default)]
struct Scan {
    /// Upload id → (bucket, key), from s3s-fs's metadata file names.
    names: HashMap<String, (String, String)>,
    /// Upload ids with a record of ours.
    records: Vec<String>,
    /// Upload ids in progress (`.upload-<uuid>.json`).
    infos: Vec<String>,
}

/// The field of s3s-fs's object record that holds the ETag.
const ETAG_FIELD: &str = "e_tag";

/// s3s-fs's record of an object's ETag and checksums.
fn internal_info_path(root: &Path, bucket: &str, key: &str) -> PathBuf {
    root.join(format!(
        ".bucket-{}.object-{}.internal.json",
        URL_SAFE_NO_PAD.encode(bucket),
        URL_SAFE_NO_PAD.encode(key)
    ))
}

/// s3s-fs's record of an object's attributes (content type, metadata), or
/// with an upload id, of the attributes an upload will give its object.
fn metadata_path(root: &Path, bucket: &str, key: &str, upload_id: Option<&str>) -> PathBuf {
    let upload = upload_id
        .map(|id| format!(".upload-{id}"))
        .unwrap_or_default();
    root.join(format!(
        ".bucket-{}.object-{}{upload}.metadata.json",
        URL_SAFE_NO_PAD.encode(bucket),
        URL_SAFE_NO_PAD.encode(key)
    ))
}

/// `(upload id, bucket, key)` of an upload's metadata file name:
/// `.bucket-<b64>.object-<b64>.upload-<uuid>.metadata.json`. The base64 is
/// URL-safe, so it holds no `.` and the name splits without ambiguity.
fn parse_metadata_name(name: &str) -> Option<(String, String, String)> {
    let rest = name
        .strip_prefix(".bucket-")?
        .strip_suffix(".metadata.json")?;
    let (bucket, rest) = rest.split_once(".object-")?;
    let (key, upload_id) = rest.split_once(".upload-")?;
    if !is_upload_id(upload_id) {
        return None;
    }
    let decode = |text: &str| {
        URL_SAFE_NO_PAD
            .decode(text)
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
    };
    Some((upload_id.to_owned(), decode(bucket)?, decode(key)?))
}

/// A file's modification time, `None` when it does not exist.
async fn modified(path: &Path) -> io::Result<Option<SystemTime>> {
    match tokio::fs::metadata(path).await {
        Ok(meta) => meta.modified().map(Some),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// A JSON file's value, `None` when it does not exist.
async fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> io::Result<Option<T>> {
    match tokio::fs::read(path).await {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(io::Error::other),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err),
    }
}

/// A file's MD5 (hex, an S3 ETag) and, given an algorithm, its checksum.
async fn digest_file(
    path: &Path,
    algorithm: Option<Algorithm>,
) -> io::Result<(String, Option<String>)> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut md5 = Md5::new();
    let mut hasher = algorithm.map(Algorithm::hasher);
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = file.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        md5.update(&buf[..n]);
        if let Some(hasher) = hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
    }
    let checksum = algorithm
        .zip(hasher)
        .and_then(|(algorithm, hasher)| algorithm.pick(hasher.finalize()));
    Ok((hex(md5.finalize().as_ref()), checksum))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    #[test]
    fn upload_ids_are_lower_case_hyphenated_uuids() {
        assert!(is_upload_id(ID));
        assert!(!is_upload_id(&ID.to_ascii_uppercase()));
        assert!(!is_upload_id("../../etc/passwd"));
        assert!(!is_upload_id(&ID.replace('-', "")));
    }

    #[test]
    fn part_checksums_fall_back_to_the_upload_algorithm() {
        let part = |checksum: Option<&str>, algorithm: Option<&str>| StoredPart {
            number: 1,
            size: 3,
            last_modified: UNIX_EPOCH,
            etag: "e".into(),
            checksum: checksum.map(str::to_owned),
            checksum_algorithm: algorithm.map(str::to_owned),
        };
        let own = part(Some("c"), Some("CRC32"));
        assert_eq!(own.checksum(None), Some((Algorithm::Crc32, "c")));
        assert_eq!(
            own.checksum(Some(Algorithm::Sha256)),
            Some((Algorithm::Crc32, "c"))
        );
        let legacy = part(Some("c"), None);
        assert_eq!(
            legacy.checksum(Some(Algorithm::Sha256)),
            Some((Algorithm::Sha256, "c"))
        );
        assert_eq!(legacy.checksum(None), None);
        assert_eq!(part(None, None).checksum(Some(Algorithm::Sha1)), None);
    }

    #[test]
    fn part_records_of_earlier_runs_still_read() {
        let old: PartRecord = serde_json::from_str(r#"{"etag":"e","checksum":"c"}"#).unwrap();
        assert_eq!(old.checksum.as_deref(), Some("c"));
        assert_eq!(old.checksum_algorithm, None);
    }

    #[test]
    fn metadata_names_give_bucket_and_key() {
        let name = format!(
            ".bucket-{}.object-{}.upload-{ID}.metadata.json",
            URL_SAFE_NO_PAD.encode("vidrop"),
            URL_SAFE_NO_PAD.encode("videos/a b?.webm")
        );
        assert_eq!(
            parse_metadata_name(&name),
            Some((ID.into(), "vidrop".into(), "videos/a b?.webm".into()))
        );
        let object = format!(
            ".bucket-{}.object-{}.metadata.json",
            URL_SAFE_NO_PAD.encode("vidrop"),
            URL_SAFE_NO_PAD.encode("k")
        );
        assert_eq!(parse_metadata_name(&object), None);
    }
}
