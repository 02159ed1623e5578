//! Object key syntax.
//!
//! Videos the widget uploads live at `videos/<ULID>.<ext>`: the server picks
//! the ULID (never a path from the browser) and the extension follows the
//! content type. The API's video id is that ULID. Keys given to the `/presign`
//! protocol are checked by [`check_object_key`] and may not reach into the
//! `videos/` prefix, which only the server names.

use crate::limits::MAX_KEY_BYTES;
use crate::policy::{extension_for, known_extensions};
use std::fmt;

/// The prefix under which every widget upload is stored.
pub const VIDEO_PREFIX: &str = "videos/";

/// The prefix of Vidrop's own bookkeeping objects (the manifest of each
/// multipart upload in progress, which keeps the backend stateless).
pub const SYSTEM_PREFIX: &str = ".vidrop/";

/// Prefixes only the server writes to.
pub const RESERVED_PREFIXES: [&str; 2] = [VIDEO_PREFIX, SYSTEM_PREFIX];

/// The prefix of the manifests of uploads in progress (under [`SYSTEM_PREFIX`]).
pub const PENDING_MANIFEST_PREFIX: &str = ".vidrop/pending/";

/// The key of the manifest of upload `id` while it is in progress.
pub fn pending_manifest_key(id: &str) -> String {
    format!("{PENDING_MANIFEST_PREFIX}{id}.json")
}

/// The upload id of a manifest key, or `None` for other keys.
pub fn pending_id_from_key(key: &str) -> Option<&str> {
    let id = key
        .strip_prefix(PENDING_MANIFEST_PREFIX)?
        .strip_suffix(".json")?;
    is_video_id(id).then_some(id)
}

/// Length of a ULID in its canonical text form.
pub const ULID_LEN: usize = 26;

/// Crockford's base32 alphabet, in which ULIDs are written.
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Whether `id` is a canonical (upper-case) ULID.
pub fn is_video_id(id: &str) -> bool {
    id.len() == ULID_LEN
        && id.bytes().all(|b| CROCKFORD.contains(&b))
        // 26 base32 digits hold 130 bits; a ULID has 128, so the first digit is 0–7.
        && id.as_bytes()[0] <= b'7'
}

/// The key of a video with this id and (normalised) content type.
pub fn video_key(id: &str, content_type: &str) -> String {
    format!("{VIDEO_PREFIX}{id}.{}", extension_for(content_type))
}

/// The prefix that a video's key starts with, whatever its extension: used to
/// find the object of an id with one listing.
pub fn video_key_prefix(id: &str) -> String {
    format!("{VIDEO_PREFIX}{id}.")
}

/// The id of a video key, or `None` for keys Vidrop did not name.
pub fn video_id_from_key(key: &str) -> Option<&str> {
    let rest = key.strip_prefix(VIDEO_PREFIX)?;
    let (id, ext) = rest.split_once('.')?;
    (is_video_id(id) && known_extensions().any(|known| known == ext)).then_some(id)
}

/// Why a key given to `/presign` is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyError {
    Empty,
    TooLong {
        bytes: usize,
    },
    BadCharacter,
    BadSegment,
    /// Writing into the widget's prefix, whose keys only the server chooses.
    Reserved,
}

impl KeyError {
    /// The error code used in `{"error":{"code",..}}`.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Reserved => "reserved_key",
            _ => "invalid_key",
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => write!(f, "The object key is empty."),
            KeyError::TooLong { bytes } => write!(
                f,
                "The object key is {bytes} bytes long; at most {MAX_KEY_BYTES} are allowed."
            ),
            KeyError::BadCharacter => write!(
                f,
                "The object key contains a control character or a backslash."
            ),
            KeyError::BadSegment => write!(
                f,
                "The object key may not start with '/', contain '//', or have '.' or '..' segments."
            ),
            KeyError::Reserved => write!(
                f,
                "Keys under '{VIDEO_PREFIX}' and '{SYSTEM_PREFIX}' are named by the server; upload through /api/uploads."
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// Checks a key a client names (the `/presign` protocol): S3 accepts almost
/// anything, but Vidrop keeps keys that read the same on every store and file
/// system.
pub fn check_object_key(key: &str) -> Result<(), KeyError> {
    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    if key.len() > MAX_KEY_BYTES {
        return Err(KeyError::TooLong { bytes: key.len() });
    }
    if key.chars().any(|c| c.is_control() || c == '\\') {
        return Err(KeyError::BadCharacter);
    }
    if key.split('/').enumerate().any(|(i, segment)| {
        let last = i == key.split('/').count() - 1;
        segment == "." || segment == ".." || (segment.is_empty() && !last)
    }) {
        return Err(KeyError::BadSegment);
    }
    Ok(())
}

/// Checks a key a client wants to read through `/presign`: any valid key but
/// Vidrop's own bookkeeping, whose manifests name upload ids, which act as
/// keys to their uploads.
pub fn check_readable_key(key: &str) -> Result<(), KeyError> {
    check_object_key(key)?;
    if key.starts_with(SYSTEM_PREFIX) {
        return Err(KeyError::Reserved);
    }
    Ok(())
}

/// Checks a key a client wants to write through `/presign`.
pub fn check_writable_key(key: &str) -> Result<(), KeyError> {
    check_object_key(key)?;
    if RESERVED_PREFIXES
        .iter()
        .any(|prefix| key.starts_with(prefix))
    {
        return Err(KeyError::Reserved);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "01JD8Z3V5Q6W7X8Y9Z0ABCDEFG";

    #[test]
    fn ulids_are_recognised() {
        assert!(is_video_id(ID));
        assert!(is_video_id("7ZZZZZZZZZZZZZZZZZZZZZZZZZ"));
        assert!(
            !is_video_id("8ZZZZZZZZZZZZZZZZZZZZZZZZZ"),
            "overflows 128 bits"
        );
        assert!(
            !is_video_id("01jd8z3v5q6w7x8y9z0abcdefg"),
            "lower case is not canonical"
        );
        assert!(
            !is_video_id("01JD8Z3V5Q6W7X8Y9Z0ABCDEFI"),
            "I is not Crockford"
        );
        assert!(!is_video_id("01JD8Z3V5Q6W7X8Y9Z0ABCDEF"), "too short");
        assert!(!is_video_id("../../etc/passwd"));
    }

    #[test]
    fn video_keys_round_trip() {
        let key = video_key(ID, "video/webm");
        assert_eq!(key, format!("videos/{ID}.webm"));
        assert_eq!(video_id_from_key(&key), Some(ID));
        assert!(key.starts_with(&video_key_prefix(ID)));
        assert_eq!(video_key(ID, "video/x-odd"), format!("videos/{ID}.video"));
    }

    #[test]
    fn foreign_keys_are_not_videos() {
        assert_eq!(video_id_from_key(&format!("other/{ID}.webm")), None);
        assert_eq!(video_id_from_key(&format!("videos/{ID}.exe")), None);
        assert_eq!(video_id_from_key("videos/notanid.webm"), None);
        assert_eq!(video_id_from_key(&format!("videos/{ID}")), None);
    }

    #[test]
    fn presign_keys_are_checked() {
        assert_eq!(check_object_key("my-object/key"), Ok(()));
        assert_eq!(check_object_key("dir/"), Ok(()));
        assert_eq!(check_object_key("日本語/ファイル.mp4"), Ok(()));
        assert_eq!(check_object_key(""), Err(KeyError::Empty));
        assert_eq!(check_object_key("/abs"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("a//b"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("a/../b"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("./a"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("a\\b"), Err(KeyError::BadCharacter));
        assert_eq!(check_object_key("a\nb"), Err(KeyError::BadCharacter));
        let long = "k".repeat(MAX_KEY_BYTES + 1);
        assert_eq!(
            check_object_key(&long),
            Err(KeyError::TooLong {
                bytes: MAX_KEY_BYTES + 1
            })
        );
        assert_eq!(check_object_key(&long[1..]), Ok(()));
    }

    #[test]
    fn videos_are_readable_through_presign_but_bookkeeping_is_not() {
        assert_eq!(check_readable_key(&format!("videos/{ID}.webm")), Ok(()));
        assert_eq!(check_readable_key("uploads/a.bin"), Ok(()));
        assert_eq!(
            check_readable_key(&pending_manifest_key(ID)),
            Err(KeyError::Reserved)
        );
        assert_eq!(check_readable_key("a//b"), Err(KeyError::BadSegment));
    }

    #[test]
    fn the_video_prefix_is_not_writable_through_presign() {
        let err = check_writable_key(&format!("videos/{ID}.webm")).unwrap_err();
        assert_eq!(err.code(), "reserved_key");
        assert_eq!(check_writable_key("uploads/a.bin"), Ok(()));
        assert_eq!(
            check_writable_key(&pending_manifest_key(ID)),
            Err(KeyError::Reserved)
        );
        assert_eq!(
            pending_manifest_key(ID),
            format!(".vidrop/pending/{ID}.json")
        );
        assert!(PENDING_MANIFEST_PREFIX.starts_with(SYSTEM_PREFIX));
        assert_eq!(pending_id_from_key(&pending_manifest_key(ID)), Some(ID));
        assert_eq!(pending_id_from_key(&format!("videos/{ID}.json")), None);
        assert_eq!(pending_id_from_key(".vidrop/pending/nope.json"), None);
        assert_eq!(
            check_writable_key("a/../b").unwrap_err().code(),
            "invalid_key"
        );
    }
}
