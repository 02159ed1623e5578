//! Which object keys the store can hold: [`check_key`] and
//! [`MAX_KEY_BYTES`]. No IO: the backend calls it to refuse a key before it
//! signs anything, and the store calls it before it writes anything.
//!
//! s3s-fs keeps an object as the file `<bucket>/<key>` (each `/` of the key a
//! folder) and its records as files in the root folder whose *names* hold
//! the bucket and key in URL-safe base64 without padding. So a key that S3
//! would take can still be one the file system cannot:
//! - a `/` at either end, an empty, `.` or `..` segment: the path names a
//!   folder, or the same file as another key, or a file outside the bucket;
//! - a backslash or a control character (NUL among them): not portable file
//!   names, and unreadable in listings;
//! - a key longer than [`MAX_KEY_BYTES`]: its record's file name would be
//!   longer than the 255 bytes a file name may have (ext4, XFS, Btrfs, APFS,
//!   tmpfs alike), and s3s-fs would fail with a bare internal error.
//!
//! The other half of the rule, that a key may not be a folder of other
//! objects nor lie inside an object, depends on what is stored: see
//! `checked/layout.rs`.

/// The longest file name the file systems the store runs on accept, in bytes.
const NAME_MAX: usize = 255;

/// The characters of s3s-fs's longest file name that embeds a key, other
/// than the two base64 texts: the record of a multipart upload's object
/// attributes, `.bucket-<b64(bucket)>.object-<b64(key)>.upload-<uuid>.metadata.json`
/// (s3s-fs 0.14.1, `FileSystem::get_metadata_path`). An object's own
/// records (`….metadata.json`, `….internal.json`) have no `.upload-<uuid>`
/// and are shorter.
const UPLOAD_RECORD_NAME_OVERHEAD: usize =
    ".bucket-".len() + ".object-".len() + ".upload-".len() + UUID_TEXT_LEN + ".metadata.json".len();

/// A hyphenated UUID's length: s3s-fs's upload ids.
const UUID_TEXT_LEN: usize = 36;

/// The bucket the store keeps videos in, created at start if missing. Its
/// name is part of the file names s3s-fs writes for each key, so it sets
/// [`MAX_KEY_BYTES`].
pub const EMBEDDED_BUCKET: &str = "vidrop";

/// The longest key, in UTF-8 bytes, that the store can hold in its bucket
/// ([`EMBEDDED_BUCKET`]): 129. Derived from s3s-fs's file names: 255 bytes,
/// less the 74 fixed characters of a multipart upload's record and the 8 of
/// the bucket name in base64, leave 173 characters of base64, which encode
/// at most 129 bytes. S3 itself allows 1,024.
pub const MAX_KEY_BYTES: usize = max_key_bytes(EMBEDDED_BUCKET);

/// The longest key the store can hold in `bucket` (see [`MAX_KEY_BYTES`]).
pub(crate) const fn max_key_bytes(bucket: &str) -> usize {
    let room = NAME_MAX - UPLOAD_RECORD_NAME_OVERHEAD - base64_len(bucket.len());
    // The most bytes whose base64 fits in `room` characters: 3 bytes per 4.
    room * 3 / 4
}

/// The length of `bytes` bytes in base64 without padding.
const fn base64_len(bytes: usize) -> usize {
    (bytes * 4).div_ceil(3)
}

// Even in the shortest bucket name S3 allows (3 characters), a key is
// shorter than a file name may be: so is each of its segments.
const _: () = assert!(max_key_bytes("abc") <= NAME_MAX);

/// Why the store cannot hold a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyRefusal {
    #[error("The object key is empty.")]
    Empty,
    #[error(
        "The object key is {bytes} bytes long; the embedded store holds keys of at most {max} bytes."
    )]
    TooLong { bytes: usize, max: usize },
    #[error("The object key starts with '/'; the embedded store holds no such keys.")]
    LeadingSlash,
    #[error("The object key ends with '/': the embedded store keeps no folder objects.")]
    TrailingSlash,
    #[error("The object key has an empty segment ('//'); the embedded store holds no such keys.")]
    EmptySegment,
    #[error("The object key has a '.' or '..' segment; the embedded store holds no such keys.")]
    DotSegment,
    #[error("The object key has a backslash; the embedded store holds no such keys.")]
    Backslash,
    #[error("The object key has a control character; the embedded store holds no such keys.")]
    ControlCharacter,
    #[error(
        "A segment of the object key is longer than 255 bytes, the longest file name there is."
    )]
    SegmentTooLong,
}

impl KeyRefusal {
    /// The S3 error code the store answers with (status 400 for all).
    pub fn code(&self) -> &'static str {
        match self {
            KeyRefusal::TooLong { .. } => "KeyTooLongError",
            _ => "InvalidArgument",
        }
    }
}

/// Whether the store can hold an object under `key` in its bucket. A key
/// that passes may still be refused by the store when it names a folder of
/// other objects (`videos` beside `videos/a.webm`) or lies inside an object
/// (`a/b` beside `a`).
pub fn check_key(key: &str) -> Result<(), KeyRefusal> {
    check_key_in(EMBEDDED_BUCKET, key)
}

/// [`check_key`] for any bucket of the store.
pub(crate) fn check_key_in(bucket: &str, key: &str) -> Result<(), KeyRefusal> {
    let max = max_key_bytes(bucket);
    if key.len() > max {
        return Err(KeyRefusal::TooLong {
            bytes: key.len(),
            max,
        });
    }
    check_key_syntax(key)
}

/// The rules of [`check_key`] but the length: what a key must be to name a
/// file in the bucket at all. Reads use it, so that objects stored under
/// an earlier, longer limit stay readable.
pub(crate) fn check_key_syntax(key: &str) -> Result<(), KeyRefusal> {
    if key.is_empty() {
        return Err(KeyRefusal::Empty);
    }
    if key.starts_with('/') {
        return Err(KeyRefusal::LeadingSlash);
    }
    if key.ends_with('/') {
        return Err(KeyRefusal::TrailingSlash);
    }
    if key.contains('\\') {
        return Err(KeyRefusal::Backslash);
    }
    if key.chars().any(char::is_control) {
        return Err(KeyRefusal::ControlCharacter);
    }
    for segment in key.split('/') {
        match segment {
            "" => return Err(KeyRefusal::EmptySegment),
            "." | ".." => return Err(KeyRefusal::DotSegment),
            _ if segment.len() > NAME_MAX => return Err(KeyRefusal::SegmentTooLong),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// The name s3s-fs gives a multipart upload's record (its longest).
    fn upload_record_name(bucket: &str, key: &str) -> String {
        format!(
            ".bucket-{}.object-{}.upload-0f8fad5b-d9cb-469f-a165-70867728950e.metadata.json",
            URL_SAFE_NO_PAD.encode(bucket),
            URL_SAFE_NO_PAD.encode(key)
        )
    }

    #[test]
    fn the_longest_key_fills_the_longest_file_name() {
        assert_eq!(MAX_KEY_BYTES, 129);
        assert!(upload_record_name(EMBEDDED_BUCKET, &"k".repeat(MAX_KEY_BYTES)).len() <= NAME_MAX);
        assert!(
            upload_record_name(EMBEDDED_BUCKET, &"k".repeat(MAX_KEY_BYTES + 1)).len() > NAME_MAX
        );
        for bucket in ["abc", "a-bucket-of-medium-length", &"b".repeat(63)] {
            let max = max_key_bytes(bucket);
            assert!(upload_record_name(bucket, &"k".repeat(max)).len() <= NAME_MAX);
            assert!(upload_record_name(bucket, &"k".repeat(max + 1)).len() > NAME_MAX);
        }
    }

    #[test]
    fn ordinary_keys_pass() {
        for key in [
            "videos/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.webm",
            ".vidrop/pending/01JD8Z3V5Q6W7X8Y9Z0ABCDEFG.json",
            "a",
            "a b/c?d=e&f#g.mp4",
            "élan/vidéo.webm",
            "...",
            ".hidden",
            &"k".repeat(MAX_KEY_BYTES),
        ] {
            assert_eq!(check_key(key), Ok(()), "{key}");
        }
    }

    #[test]
    fn keys_that_name_no_single_file_are_refused() {
        let cases = [
            ("", KeyRefusal::Empty),
            ("/a", KeyRefusal::LeadingSlash),
            ("videos/", KeyRefusal::TrailingSlash),
            ("a//b", KeyRefusal::EmptySegment),
            ("a/./b", KeyRefusal::DotSegment),
            ("a/../b", KeyRefusal::DotSegment),
            ("..", KeyRefusal::DotSegment),
            ("a\\b", KeyRefusal::Backslash),
            ("a\0b", KeyRefusal::ControlCharacter),
            ("a\nb", KeyRefusal::ControlCharacter),
            ("a\u{7f}b", KeyRefusal::ControlCharacter),
            ("a\u{85}b", KeyRefusal::ControlCharacter),
        ];
        for (key, refusal) in cases {
            assert_eq!(check_key(key), Err(refusal), "{key:?}");
        }
    }

    #[test]
    fn long_keys_are_refused_by_their_bytes() {
        let refusal = check_key(&"k".repeat(MAX_KEY_BYTES + 1)).unwrap_err();
        assert_eq!(
            refusal,
            KeyRefusal::TooLong {
                bytes: MAX_KEY_BYTES + 1,
                max: MAX_KEY_BYTES
            }
        );
        assert_eq!(refusal.code(), "KeyTooLongError");
        // 65 two-byte characters: 65 characters, 130 bytes.
        assert!(matches!(
            check_key(&"é".repeat(65)),
            Err(KeyRefusal::TooLong { bytes: 130, .. })
        ));
        assert_eq!(KeyRefusal::Backslash.code(), "InvalidArgument");
    }

    #[test]
    fn reads_refuse_segments_no_file_name_can_have() {
        let long = format!("a/{}", "s".repeat(NAME_MAX + 1));
        assert_eq!(check_key_syntax(&long), Err(KeyRefusal::SegmentTooLong));
        assert_eq!(check_key_syntax(&"s".repeat(NAME_MAX)), Ok(()));
    }
}
