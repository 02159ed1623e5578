//! Resuming a multipart upload after a reload: which file it was, and which
//! upload on the server it went to, remembered in `localStorage`.
//!
//! A file is recognised by its [`Fingerprint`]: name, size, last-modified
//! time and the SHA-256 of its first MiB. A different file that happens to
//! share the name differs in one of the others, so it is never mistaken for
//! the one being uploaded. A record lives until the upload's own expiry (the
//! backend aborts an abandoned upload then), so nothing is kept that could
//! no longer be resumed. The book of [`ResumeRecord`]s and its JSON are pure
//! Rust; [`LocalResumeBook`] keeps it in the browser, under a key per backend
//! address.

use crate::engine::hash::{HashError, Sha256Backend};
use crate::engine::timer::{parse_time_ms, wall_ms};
use crate::json::{self, Fields, FromJson, Written};
use vidrop_shared::limits::MIB;
use vidrop_shared::parts::PartPlan;
use web_sys::File;

/// Bytes at the start of a file whose SHA-256 goes into its fingerprint.
pub const HEAD_BYTES: u64 = MIB;
/// Records kept at most; the oldest go first.
pub const MAX_RECORDS: usize = 20;

/// What identifies a file across reloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// The name as the browser gives it (not cleaned).
    pub name: String,
    pub size: u64,
    /// `File.lastModified`, milliseconds since the epoch.
    pub last_modified: i64,
    /// Base64 SHA-256 of the first [`HEAD_BYTES`]; `None` where the page
    /// cannot hash (no secure context and no wasm backend).
    pub head_sha256: Option<String>,
}

impl Fingerprint {
    /// The fingerprint of `file`, reading its first MiB with `hasher`.
    pub async fn of(file: &File, hasher: Option<Sha256Backend>) -> Result<Fingerprint, HashError> {
        let size = file.size() as u64;
        let head_sha256 = match hasher {
            Some(hasher) => {
                let head = file
                    .slice_with_f64_and_f64(0.0, size.min(HEAD_BYTES) as f64)
                    .map_err(|e| HashError::Read(crate::engine::xhr::js_message(&e)))?;
                Some(String::from(hasher.checksum(&head).await?))
            }
            None => None,
        };
        Ok(Fingerprint {
            name: file.name(),
            size,
            last_modified: file.last_modified() as i64,
            head_sha256,
        })
    }
}

/// A multipart upload in progress, and the file it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct ResumeRecord {
    pub fingerprint: Fingerprint,
    /// The API id (`/api/uploads/{id}`).
    pub id: String,
    /// S3's multipart upload id.
    pub upload_id: String,
    pub part_size: u64,
    pub part_count: u32,
    /// When the backend gives the upload up as abandoned and aborts it
    /// (`expires_at` of its plan, RFC 3339); the record goes with it.
    pub expires_at: String,
}

impl ResumeRecord {
    /// The part plan it records, if it still cuts the file validly.
    pub fn plan(&self) -> Option<PartPlan> {
        PartPlan::announced(self.fingerprint.size, self.part_size, self.part_count)
    }
}

/// Every remembered upload.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResumeBook {
    pub records: Vec<ResumeRecord>,
}

impl ResumeBook {
    /// Reads the stored JSON; anything unreadable counts as an empty book
    /// (an old format, a page that wrote over it).
    pub fn from_json(json: &str) -> ResumeBook {
        <ResumeBook as FromJson>::from_json(json).unwrap_or_default()
    }

    pub fn to_json(&self) -> String {
        let records = json::list(&self.records, |record| {
            let fingerprint = &record.fingerprint;
            Written::new()
                .field(
                    "fingerprint",
                    Written::new()
                        .field("name", fingerprint.name.as_str())
                        .field("size", json::number(fingerprint.size))
                        .field("last_modified", fingerprint.last_modified as f64)
                        .field("head_sha256", fingerprint.head_sha256.as_deref())
                        .value(),
                )
                .field("id", record.id.as_str())
                .field("upload_id", record.upload_id.as_str())
                .field("part_size", json::number(record.part_size))
                .field("part_count", record.part_count)
                .field("expires_at", record.expires_at.as_str())
        });
        Written::new().field("records", records).text()
    }

    /// The upload of exactly this file, if one is remembered.
    pub fn find(&self, fingerprint: &Fingerprint) -> Option<&ResumeRecord> {
        self.records.iter().find(|r| r.fingerprint == *fingerprint)
    }

    /// Remembers `record`, in place of any record of the same file; keeps
    /// the newest [`MAX_RECORDS`].
    pub fn remember(&mut self, record: ResumeRecord) {
        self.records
            .retain(|r| r.fingerprint != record.fingerprint && r.id != record.id);
        self.records.push(record);
        if self.records.len() > MAX_RECORDS {
            let extra = self.records.len() - MAX_RECORDS;
            self.records.drain(..extra);
        }
    }

    /// Forgets the upload `id`; whether there was one.
    pub fn forget(&mut self, id: &str) -> bool {
        let before = self.records.len();
        self.records.retain(|r| r.id != id);
        self.records.len() != before
    }

    /// Drops the records of uploads whose expiry has passed at `now_ms`
    /// (milliseconds since the epoch), and those whose expiry cannot be read
    /// (`time_ms` reads an RFC 3339 time).
    pub fn prune(&mut self, now_ms: f64, time_ms: impl Fn(&str) -> Option<f64>) {
        self.records
            .retain(|r| time_ms(&r.expires_at).is_some_and(|expiry| expiry > now_ms));
    }
}

impl FromJson for ResumeBook {
    fn read(fields: &Fields) -> Result<Self, json::Unreadable> {
        Ok(ResumeBook {
            records: fields.list("records")?,
        })
    }
}

impl FromJson for ResumeRecord {
    fn read(fields: &Fields) -> Result<Self, json::Unreadable> {
        let fingerprint = fields.object("fingerprint")?;
        Ok(ResumeRecord {
            fingerprint: Fingerprint {
                name: fingerprint.string("name")?,
                size: fingerprint.integer("size")?,
                last_modified: fingerprint.integer("last_modified")?,
                head_sha256: fingerprint.opt_string("head_sha256")?,
            },
            id: fields.string("id")?,
            upload_id: fields.string("upload_id")?,
            part_size: fields.integer("part_size")?,
            part_count: fields.integer("part_count")?,
            expires_at: fields.string("expires_at")?,
        })
    }
}

/// The `localStorage` key of the book for the backend at `api_base`.
pub fn storage_key(api_base: &str) -> String {
    format!("vidrop:uploads:v1:{api_base}")
}

/// The [`ResumeBook`] in this browser's `localStorage`. Every method reads
/// and writes the storage afresh, so two tabs do not undo each other's
/// changes. Where storage is unavailable (disabled, full, private mode),
/// nothing is remembered and nothing fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalResumeBook {
    key: String,
}

impl LocalResumeBook {
    /// The book for the backend at `api_base`.
    pub fn new(api_base: &str) -> Self {
        LocalResumeBook {
            key: storage_key(api_base),
        }
    }

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok()?
    }

    /// The stored book, less records too old to resume.
    pub fn load(&self) -> ResumeBook {
        let json = Self::storage().and_then(|s| s.get_item(&self.key).ok().flatten());
        let mut book = json
            .as_deref()
            .map(ResumeBook::from_json)
            .unwrap_or_default();
        book.prune(wall_ms(), parse_time_ms);
        book
    }

    fn save(&self, book: &ResumeBook) {
        if let Some(storage) = Self::storage() {
            let _ = if book.records.is_empty() {
                storage.remove_item(&self.key)
            } else {
                storage.set_item(&self.key, &book.to_json())
            };
        }
    }

    pub fn find(&self, fingerprint: &Fingerprint) -> Option<ResumeRecord> {
        self.load().find(fingerprint).cloned()
    }

    pub fn remember(&self, record: ResumeRecord) {
        let mut book = self.load();
        book.remember(record);
        self.save(&book);
    }

    pub fn forget(&self, id: &str) {
        let mut book = self.load();
        if book.forget(id) {
            self.save(&book);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fingerprint(name: &str, size: u64, modified: i64, head: &str) -> Fingerprint {
        Fingerprint {
            name: name.into(),
            size,
            last_modified: modified,
            head_sha256: Some(head.into()),
        }
    }

    const TODAY: &str = "2026-11-23T15:00:00Z";
    const TOMORROW: &str = "2026-11-24T15:00:00Z";
    /// [`TODAY`] in milliseconds since the epoch.
    const TODAY_MS: f64 = 1_795_446_000_000.0;

    /// Reads the two times the tests use (the browser reads any).
    fn time_ms(rfc3339: &str) -> Option<f64> {
        match rfc3339 {
            TODAY => Some(TODAY_MS),
            TOMORROW => Some(TODAY_MS + 86_400_000.0),
            _ => None,
        }
    }

    fn record(fp: Fingerprint, id: &str, expires_at: &str) -> ResumeRecord {
        let plan = PartPlan::for_size(fp.size);
        ResumeRecord {
            fingerprint: fp,
            id: id.into(),
            upload_id: format!("upload-{id}"),
            part_size: plan.part_size,
            part_count: plan.part_count,
            expires_at: expires_at.into(),
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn only_the_same_file_matches() {
        let original = fingerprint("clip.mp4", 100 * MIB, 1_700_000_000_000, "H");
        let mut book = ResumeBook::default();
        book.remember(record(original.clone(), "A", TOMORROW));
        assert_eq!(book.find(&original).map(|r| r.id.as_str()), Some("A"));
        // Same name, anything else different: another file.
        for other in [
            fingerprint("clip.mp4", 100 * MIB + 1, 1_700_000_000_000, "H"),
            fingerprint("clip.mp4", 100 * MIB, 1_700_000_000_001, "H"),
            fingerprint("clip.mp4", 100 * MIB, 1_700_000_000_000, "other head"),
            fingerprint("Clip.mp4", 100 * MIB, 1_700_000_000_000, "H"),
            Fingerprint {
                head_sha256: None,
                ..original.clone()
            },
        ] {
            assert_eq!(book.find(&other), None, "{other:?}");
        }
    }

    // Through the browser's JSON: in the browser only.
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_book_round_trips_through_json() {
        let mut book = ResumeBook::default();
        book.remember(record(fingerprint("a.webm", 70 * MIB, 1, "x"), "A", TODAY));
        book.remember(record(
            Fingerprint {
                head_sha256: None,
                ..fingerprint("b \"quoted\" ☃.mkv", 9 * MIB, -3, "")
            },
            "B",
            TOMORROW,
        ));
        let json = book.to_json();
        assert_eq!(ResumeBook::from_json(&json), book);
        assert!(json.contains("\"upload_id\":\"upload-A\""), "{json}");
        assert_eq!(book.records[0].plan(), Some(PartPlan::for_size(70 * MIB)));
        // Whatever else is stored there reads as an empty book.
        for junk in [
            "",
            "null",
            "[1,2]",
            "{\"records\":[{\"id\":1}]}",
            "not json",
        ] {
            assert_eq!(ResumeBook::from_json(junk), ResumeBook::default(), "{junk}");
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn remembering_replaces_forgets_and_stays_small() {
        let fp = fingerprint("a.webm", 70 * MIB, 1, "x");
        let mut book = ResumeBook::default();
        book.remember(record(fp.clone(), "A", TOMORROW));
        book.remember(record(fp.clone(), "B", TOMORROW));
        assert_eq!(book.records.len(), 1, "one upload per file");
        assert_eq!(book.find(&fp).unwrap().id, "B");
        assert!(book.forget("B"));
        assert!(!book.forget("B"));
        assert_eq!(book.find(&fp), None);

        for i in 0..(MAX_RECORDS as i64 + 5) {
            book.remember(record(
                fingerprint("f", 70 * MIB, i, "x"),
                &i.to_string(),
                TOMORROW,
            ));
        }
        assert_eq!(book.records.len(), MAX_RECORDS);
        assert_eq!(book.records[0].id, "5", "the oldest went first");

        book.prune(TODAY_MS, time_ms);
        assert_eq!(book.records.len(), MAX_RECORDS, "none has expired yet");
        book.prune(TODAY_MS + 86_400_000.0, time_ms);
        assert!(
            book.records.is_empty(),
            "past its expiry: the upload is gone"
        );
        book.remember(record(fp.clone(), "D", "next week, say"));
        book.prune(TODAY_MS, time_ms);
        assert!(book.records.is_empty(), "an unreadable expiry is no expiry");
        let mut invalid = record(fp, "C", TOMORROW);
        invalid.part_count += 1;
        assert_eq!(
            invalid.plan(),
            None,
            "a plan that no longer fits is unusable"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn each_backend_has_its_own_book() {
        assert_ne!(storage_key(""), storage_key("https://vidrop.example"));
    }
}
