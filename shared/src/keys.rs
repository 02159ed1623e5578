//! Object key syntax.
//!
//! Videos the widget uploads live at `videos/<ULID>.<ext>`: the server picks
//! the ULID (never a path from the browser) and the extension follows the
//! content type; a video's poster lies beside it, `videos/<ULID>.poster.jpg`.
//! The API's video id is that ULID. Keys given to the `/presign`
//! protocol are checked by [`check_object_key`] and may not reach into the
//! `videos/` prefix, which only the server names.

use crate::filename::is_bidi_format;
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

/// The prefix of the markers that count the uploads of each upload token
/// (`.vidrop/quota/<token id>/<n>`), created with `If-None-Match: *` so that
/// two instances never hand out the same one.
pub const QUOTA_PREFIX: &str = ".vidrop/quota/";

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
pub const ULID_LEN: usize = ulid::ULID_LEN;

/// Whether `id` is a ULID as the server writes them: canonical (upper-case
/// Crockford base32, no aliases such as `I` for `1`), so one video has one id.
pub fn is_video_id(id: &str) -> bool {
    let mut canonical = [0u8; ULID_LEN];
    ulid::Ulid::from_string(id)
        .is_ok_and(|ulid| ulid.array_to_str(&mut canonical).as_bytes() == id.as_bytes())
}

/// The longest key prefix an upload token may name, in bytes: with
/// `videos/`, the id and an extension, a video key stays well within what
/// every store (the embedded one included) holds.
pub const MAX_PREFIX_BYTES: usize = 80;

/// The longest segment of a prefix, in bytes.
const MAX_PREFIX_SEGMENT_BYTES: usize = 48;

/// Checks a key prefix (a user or a tenant) that an upload token scopes:
/// empty, or segments of ASCII letters, digits, `-`, `_` and `.` (not first),
/// each followed by `/`, at most [`MAX_PREFIX_BYTES`] in all. Nothing in such
/// a prefix can climb out of it on any store or file system.
pub fn check_prefix(prefix: &str) -> Result<(), KeyError> {
    if prefix.is_empty() {
        return Ok(());
    }
    if prefix.len() > MAX_PREFIX_BYTES {
        return Err(KeyError::TooLong {
            bytes: prefix.len(),
        });
    }
    let Some(body) = prefix.strip_suffix('/') else {
        return Err(KeyError::BadPrefix);
    };
    let segment_ok = |segment: &str| {
        !segment.is_empty()
            && segment.len() <= MAX_PREFIX_SEGMENT_BYTES
            && !segment.starts_with('.')
            && segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    };
    if body.split('/').all(segment_ok) {
        Ok(())
    } else {
        Err(KeyError::BadPrefix)
    }
}

/// The key of a video with this id and (normalised) content type, under no
/// prefix.
pub fn video_key(id: &str, content_type: &str) -> String {
    video_key_in("", id, content_type)
}

/// The key of a video under `prefix` (checked by [`check_prefix`]):
/// `videos/<prefix><id>.<ext>`.
pub fn video_key_in(prefix: &str, id: &str, content_type: &str) -> String {
    format!("{VIDEO_PREFIX}{prefix}{id}.{}", extension_for(content_type))
}

/// The prefix that a video's key starts with, whatever its extension: used to
/// find the object of an id with one listing.
pub fn video_key_prefix(id: &str) -> String {
    format!("{VIDEO_PREFIX}{id}.")
}

/// The id of a video key (`videos/<prefix><id>.<ext>`), or `None` for keys
/// Vidrop did not name.
pub fn video_id_from_key(key: &str) -> Option<&str> {
    video_prefix_and_id(key).map(|(_, id)| id)
}

/// The prefix and id of a video key, or `None` for keys Vidrop did not name.
pub fn video_prefix_and_id(key: &str) -> Option<(&str, &str)> {
    let rest = key.strip_prefix(VIDEO_PREFIX)?;
    let split = rest.rfind('/').map_or(0, |slash| slash + 1);
    let (prefix, name) = rest.split_at(split);
    let (id, ext) = name.split_once('.')?;
    (check_prefix(prefix).is_ok()
        && is_video_id(id)
        && known_extensions().any(|known| known == ext))
    .then_some((prefix, id))
}

/// How a poster's key ends: `videos/<prefix><id>.poster.jpg`, beside its
/// video's `videos/<prefix><id>.<ext>`. "poster.jpg" is no video
/// extension, so no poster is ever taken for a video.
pub const POSTER_SUFFIX: &str = ".poster.jpg";

/// The key of the poster of video `id` under `prefix` (checked by
/// [`check_prefix`]). Beside the video: the listing that finds a video finds
/// its poster next to it (the keys of one id sort together), a token's
/// prefix covers both, and `/presign` may not write it (`videos/` is
/// reserved).
pub fn poster_key_in(prefix: &str, id: &str) -> String {
    format!("{VIDEO_PREFIX}{prefix}{id}{POSTER_SUFFIX}")
}

/// The key of the poster of the video at `video_key`; `None` for keys
/// Vidrop did not name.
pub fn poster_key_of(video_key: &str) -> Option<String> {
    video_prefix_and_id(video_key).map(|(prefix, id)| poster_key_in(prefix, id))
}

/// The prefix and id of a poster key, or `None` for other keys.
pub fn poster_prefix_and_id(key: &str) -> Option<(&str, &str)> {
    let rest = key
        .strip_prefix(VIDEO_PREFIX)?
        .strip_suffix(POSTER_SUFFIX)?;
    let split = rest.rfind('/').map_or(0, |slash| slash + 1);
    let (prefix, id) = rest.split_at(split);
    (check_prefix(prefix).is_ok() && is_video_id(id)).then_some((prefix, id))
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
    /// A prefix that is not segments of letters, digits, `-`, `_`, `.`,
    /// each ending in `/`.
    BadPrefix,
    /// A key outside the prefix the caller may use.
    OutsidePrefix {
        prefix: String,
    },
}

impl KeyError {
    /// The error code used in `{"error":{"code",..}}`.
    pub fn code(&self) -> &'static str {
        match self {
            KeyError::Reserved => "reserved_key",
            KeyError::OutsidePrefix { .. } => "outside_prefix",
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
                "The object key contains a control or bidi formatting character, or a backslash."
            ),
            KeyError::BadSegment => write!(
                f,
                "The object key may not start or end with '/', contain '//', or have '.' or '..' segments."
            ),
            KeyError::Reserved => write!(
                f,
                "Keys under '{VIDEO_PREFIX}' and '{SYSTEM_PREFIX}' are named by the server; upload through /api/uploads."
            ),
            KeyError::BadPrefix => write!(
                f,
                "A prefix is segments of letters, digits, '-', '_' and '.' (not first), each ending in '/', such as \"users/42/\"."
            ),
            KeyError::OutsidePrefix { prefix } => {
                write!(f, "The object key must start with {prefix:?}.")
            }
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
    if key
        .chars()
        .any(|c| c.is_control() || c == '\\' || is_bidi_format(c))
    {
        return Err(KeyError::BadCharacter);
    }
    // An empty last segment (a trailing '/') names a folder on file-system
    // stores and breaks every key below it.
    if key
        .split('/')
        .any(|segment| segment.is_empty() || segment == "." || segment == "..")
    {
        return Err(KeyError::BadSegment);
    }
    Ok(())
}

/// Whether `key` is one of the reserved prefixes or lies under one (the
/// prefixes without their slash too: written as objects, they would take
/// the place of the folders on file-system stores).
fn is_reserved(key: &str, prefixes: &[&str]) -> bool {
    prefixes
        .iter()
        .any(|prefix| key.starts_with(prefix) || Some(key) == prefix.strip_suffix('/'))
}

/// Checks a key a client names through `/presign` for reading (`write` false)
/// or writing, when it may only use keys starting with `prefix` (itself
/// checked by [`check_prefix`], or a configured `--presign-prefix`).
pub fn check_client_key(key: &str, prefix: &str, write: bool) -> Result<(), KeyError> {
    if write {
        check_writable_key(key)?;
    } else {
        check_readable_key(key)?;
    }
    if !key.starts_with(prefix) {
        return Err(KeyError::OutsidePrefix {
            prefix: prefix.to_owned(),
        });
    }
    Ok(())
}

/// Checks a key a client wants to read through `/presign`: any valid key but
/// Vidrop's own bookkeeping, whose manifests name upload ids, which act as
/// keys to their uploads.
pub fn check_readable_key(key: &str) -> Result<(), KeyError> {
    check_object_key(key)?;
    if is_reserved(key, &[SYSTEM_PREFIX]) {
        return Err(KeyError::Reserved);
    }
    Ok(())
}

/// Checks a key a client wants to write through `/presign`.
pub fn check_writable_key(key: &str) -> Result<(), KeyError> {
    check_object_key(key)?;
    if is_reserved(key, &RESERVED_PREFIXES) {
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
    fn prefixes_are_plain_segments_ending_in_a_slash() {
        for good in ["", "users/", "users/42/", "tenant_a/u-1.x/"] {
            assert_eq!(check_prefix(good), Ok(()), "{good:?}");
        }
        for bad in [
            "users", "/users/", "users//", "../", "./", "a/../", ".hidden/", "a b/", "a\\b/",
            "%2e%2e/", "ü/",
        ] {
            assert_eq!(check_prefix(bad), Err(KeyError::BadPrefix), "{bad:?}");
        }
        let long = "a/".repeat(MAX_PREFIX_BYTES / 2 + 1);
        assert!(matches!(check_prefix(&long), Err(KeyError::TooLong { .. })));
    }

    #[test]
    fn prefixed_video_keys_round_trip() {
        let key = video_key_in("users/42/", ID, "video/mp4");
        assert_eq!(key, format!("videos/users/42/{ID}.mp4"));
        assert_eq!(video_prefix_and_id(&key), Some(("users/42/", ID)));
        assert_eq!(video_id_from_key(&key), Some(ID));
        assert_eq!(video_id_from_key(&format!("videos/../{ID}.mp4")), None);
        assert_eq!(video_id_from_key(&format!("videos/a//{ID}.mp4")), None);
    }

    #[test]
    fn posters_lie_beside_their_video_and_are_never_videos() {
        let video = video_key_in("users/42/", ID, "video/webm");
        let poster = poster_key_of(&video).unwrap();
        assert_eq!(poster, format!("videos/users/42/{ID}.poster.jpg"));
        assert_eq!(poster, poster_key_in("users/42/", ID));
        assert_eq!(poster_prefix_and_id(&poster), Some(("users/42/", ID)));
        assert_eq!(video_prefix_and_id(&poster), None, "a poster is no video");
        assert_eq!(poster_prefix_and_id(&video), None, "a video is no poster");
        assert!(!known_extensions().any(|ext| ext.starts_with("poster")));
        assert_eq!(poster_key_of(&format!("other/{ID}.webm")), None);
        assert_eq!(
            poster_prefix_and_id(&format!("videos/../{ID}.poster.jpg")),
            None
        );
        assert_eq!(poster_prefix_and_id("videos/nope.poster.jpg"), None);
        // The keys of one id sort together, whatever the video's extension.
        let next = "01JD8Z3V5Q6W7X8Y9Z0ABCDEFH";
        for content_type in ["video/mp4", "video/webm", "video/3gpp", "video/x-new"] {
            let video = video_key_in("", ID, content_type);
            let poster = poster_key_in("", ID);
            let after = video_key_in("", next, "video/3gpp");
            assert!(video.max(poster.clone()) < after, "{content_type}");
        }
        // Clients can neither write posters through /presign nor read one
        // of another prefix.
        assert_eq!(check_writable_key(&poster), Err(KeyError::Reserved));
        assert!(check_client_key(&poster_key_in("u/1/", ID), "videos/u/2/", false).is_err());
        assert_eq!(
            poster_key_in(&"a/".repeat(MAX_PREFIX_BYTES / 2), ID).len(),
            VIDEO_PREFIX.len() + MAX_PREFIX_BYTES + ULID_LEN + POSTER_SUFFIX.len()
        );
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
        assert_eq!(check_object_key("dir/"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("日本語/ファイル.mp4"), Ok(()));
        assert_eq!(check_object_key(""), Err(KeyError::Empty));
        assert_eq!(check_object_key("/abs"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("a//b"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("a/../b"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("./a"), Err(KeyError::BadSegment));
        assert_eq!(check_object_key("a\\b"), Err(KeyError::BadCharacter));
        assert_eq!(check_object_key("a\nb"), Err(KeyError::BadCharacter));
        assert_eq!(
            check_object_key("clip\u{202E}4pm.exe"),
            Err(KeyError::BadCharacter)
        );
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

    #[test]
    fn the_reserved_names_themselves_are_not_writable() {
        for key in ["videos", ".vidrop", "videos/x", ".vidrop/pending/x.json"] {
            assert_eq!(check_writable_key(key), Err(KeyError::Reserved), "{key}");
        }
        assert_eq!(check_readable_key(".vidrop"), Err(KeyError::Reserved));
        assert_eq!(check_writable_key("videosx"), Ok(()));
    }

    #[test]
    fn client_keys_stay_inside_their_prefix() {
        assert_eq!(check_client_key("up/u1/a.bin", "up/u1/", true), Ok(()));
        assert_eq!(
            check_client_key("up/u2/a.bin", "up/u1/", true),
            Err(KeyError::OutsidePrefix {
                prefix: "up/u1/".into()
            })
        );
        assert_eq!(
            check_client_key("up/u1/../u2/a.bin", "up/u1/", false),
            Err(KeyError::BadSegment)
        );
        assert_eq!(check_client_key("any/key", "", false), Ok(()));
    }

    use proptest::prelude::*;

    /// Key-like strings, made of the pieces that climb out of prefixes.
    fn hostile_key() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("..".to_owned()),
            Just(".".to_owned()),
            Just("/".to_owned()),
            Just("//".to_owned()),
            Just("\\".to_owned()),
            Just("%2e%2e".to_owned()),
            Just("\u{0}".to_owned()),
            Just("videos".to_owned()),
            Just(".vidrop".to_owned()),
            Just("up/u1/".to_owned()),
            Just("up/u10/".to_owned()),
            "[a-zA-Z0-9._~ -]{1,8}",
            "\\PC{1,3}",
        ];
        proptest::collection::vec(piece, 1..10).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(3000))]

        /// No accepted key escapes its prefix or the bucket: it starts with
        /// the prefix, has no segment that climbs, no empty segment, no
        /// backslash, and resolving its segments stays under the prefix.
        #[test]
        fn accepted_keys_never_escape_their_prefix(
            key in hostile_key(),
            prefix in prop_oneof![Just(""), Just("up/u1/"), Just("up/")],
            write in any::<bool>(),
        ) {
            if check_client_key(&key, prefix, write).is_ok() {
                prop_assert!(key.starts_with(prefix));
                prop_assert!(!key.contains('\\'));
                prop_assert!(!key.chars().any(char::is_control));
                let mut depth: i64 = 0;
                for segment in key.split('/') {
                    prop_assert!(!segment.is_empty() && segment != "." && segment != "..");
                    depth += 1;
                }
                prop_assert!(depth >= 1);
                prop_assert!(!key.starts_with(SYSTEM_PREFIX) && key != ".vidrop");
                if write {
                    prop_assert!(!key.starts_with(VIDEO_PREFIX) && key != "videos");
                }
            }
        }

        /// Any prefix a token may name stays one folder deep or more under
        /// `videos/`, and video keys under it parse back to it.
        #[test]
        fn valid_prefixes_make_keys_that_parse_back(
            prefix in "([a-z0-9._-]{1,6}/){0,3}",
        ) {
            if check_prefix(&prefix).is_ok() {
                let key = video_key_in(&prefix, ID, "video/webm");
                prop_assert_eq!(video_prefix_and_id(&key), Some((prefix.as_str(), ID)));
            }
        }
    }
}
