//! Which uploads Vidrop accepts: a video content type, and a size between one
//! byte and the configured maximum.
//!
//! The backend applies [`check_upload`] before it signs anything; the widget
//! applies the same function to a chosen file so that a refusal is explained at
//! once, without a round trip.

use crate::limits::MAX_SINGLE_PUT_SIZE;
use std::fmt;

/// The default `--max-size`: S3's single-PUT limit.
pub const DEFAULT_MAX_SIZE: u64 = MAX_SINGLE_PUT_SIZE;

/// Content types and the file extension Vidrop gives their keys. The first
/// extension of a type is the one used in keys; all are recognised in names.
const VIDEO_TYPES: &[(&str, &[&str])] = &[
    ("video/mp4", &["mp4"]),
    ("video/webm", &["webm"]),
    ("video/quicktime", &["mov", "qt"]),
    ("video/x-matroska", &["mkv"]),
    ("video/ogg", &["ogv"]),
    ("video/x-msvideo", &["avi"]),
    ("video/mpeg", &["mpeg", "mpg"]),
    ("video/mp2t", &["ts", "m2ts"]),
    ("video/3gpp", &["3gp"]),
    ("video/3gpp2", &["3g2"]),
    ("video/x-m4v", &["m4v"]),
    ("video/x-flv", &["flv"]),
    ("video/x-ms-wmv", &["wmv"]),
];

/// Other names browsers give a format in the table above, and the one Vidrop
/// keeps. Chromium names an `.mkv` file `video/matroska` (the IANA name
/// since RFC 9559) where Firefox and WebKit say `video/x-matroska`: one
/// name, so the same file is stored alike whichever engine sent it.
const ALIASES: &[(&str, &str)] = &[("video/matroska", "video/x-matroska")];

/// Extension used for a `video/*` subtype Vidrop has no entry for.
const FALLBACK_EXTENSION: &str = "video";

/// Why an upload is refused. `code()` is the machine-readable error code the
/// backend answers with; `Display` is the sentence a person reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyError {
    /// The content type is not `video/<subtype>`.
    NotAVideo { content_type: String },
    /// The file is empty.
    Empty,
    /// The file is larger than the configured maximum.
    TooLarge { size: u64, max_size: u64 },
}

impl PolicyError {
    /// The error code used in `{"error":{"code",..}}`.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::NotAVideo { .. } => "unsupported_type",
            PolicyError::Empty => "empty_file",
            PolicyError::TooLarge { .. } => "too_large",
        }
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyError::NotAVideo { content_type } if content_type.is_empty() => {
                write!(
                    f,
                    "This file has no type; only video files can be uploaded."
                )
            }
            PolicyError::NotAVideo { content_type } => write!(
                f,
                "Only video files can be uploaded; this file is \"{content_type}\"."
            ),
            PolicyError::Empty => write!(f, "This file is empty."),
            PolicyError::TooLarge { size, max_size } => write!(
                f,
                "This file is {}; the largest upload allowed is {}.",
                human_size(*size),
                human_size(*max_size)
            ),
        }
    }
}

impl std::error::Error for PolicyError {}

/// Checks an upload against the policy and returns the normalised content
/// type (lower case, no parameters) that will be signed and stored.
pub fn check_upload(content_type: &str, size: u64, max_size: u64) -> Result<String, PolicyError> {
    let content_type =
        normalise_video_type(content_type).ok_or_else(|| PolicyError::NotAVideo {
            content_type: content_type.trim().to_owned(),
        })?;
    if size == 0 {
        return Err(PolicyError::Empty);
    }
    if size > max_size {
        return Err(PolicyError::TooLarge { size, max_size });
    }
    Ok(content_type)
}

/// `video/<subtype>` in lower case, or `None` when `content_type` is not a
/// video type. Parameters (`;codecs=…`) are dropped: S3 stores one plain type.
/// An alias (see [`ALIASES`]) becomes the name Vidrop keeps.
pub fn normalise_video_type(content_type: &str) -> Option<String> {
    let essence = content_type.split(';').next()?.trim().to_ascii_lowercase();
    let subtype = essence.strip_prefix("video/")?;
    let is_token_char = |c: char| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c);
    if subtype.is_empty() || subtype.len() > 100 || !subtype.chars().all(is_token_char) {
        return None;
    }
    match ALIASES.iter().find(|(alias, _)| *alias == essence) {
        Some((_, kept)) => Some((*kept).to_owned()),
        None => Some(essence),
    }
}

/// The extension keys of this (normalised) content type end with.
pub fn extension_for(content_type: &str) -> &'static str {
    VIDEO_TYPES
        .iter()
        .find(|(ty, _)| *ty == content_type)
        .map_or(FALLBACK_EXTENSION, |(_, exts)| exts[0])
}

/// Every extension Vidrop gives keys, so a key's extension can be checked.
pub fn known_extensions() -> impl Iterator<Item = &'static str> {
    VIDEO_TYPES
        .iter()
        .map(|(_, exts)| exts[0])
        .chain(std::iter::once(FALLBACK_EXTENSION))
}

/// The content type a file name suggests, for files the browser gives no type
/// (Chromium leaves `File.type` empty for `.mkv` on some systems).
/// Types operating systems' type tables give video files by mistake, with
/// the extension concerned and the video type meant. Debian's
/// (shared-mime-info) names every `.ts` file a Qt Linguist translation, and
/// Chromium, Firefox and WebKitGTK all pass that on as the file's type.
const MISNAMED: &[(&str, &str, &str)] = &[("text/vnd.trolltech.linguist", "ts", "video/mp2t")];

/// The content type a chosen file is checked and uploaded as: the one the
/// browser gives, or the one its name suggests when the browser gives none,
/// or a type known to be a misnomer for that extension (see [`MISNAMED`]).
pub fn chosen_file_type(browser_type: &str, filename: &str) -> String {
    let claimed = browser_type.trim();
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let misnamed = MISNAMED.iter().find(|(wrong, ext, _)| {
        claimed.eq_ignore_ascii_case(wrong) && extension.as_deref() == Some(*ext)
    });
    match misnamed {
        Some((_, _, meant)) => (*meant).to_owned(),
        None if claimed.is_empty() => content_type_from_filename(filename)
            .unwrap_or_default()
            .to_owned(),
        None => claimed.to_owned(),
    }
}

/// The video type a file name's extension suggests.
pub fn content_type_from_filename(filename: &str) -> Option<&'static str> {
    let (_, ext) = filename.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    VIDEO_TYPES
        .iter()
        .find(|(_, exts)| exts.contains(&ext.as_str()))
        .map(|(ty, _)| *ty)
}

/// How many binary units sizes are counted in: B, KiB, MiB, GiB, TiB.
pub const SIZE_UNITS: usize = 5;

/// `bytes` as people read a size: the number (with a `.` for decimals) and
/// the index of its binary unit (B, KiB, MiB, GiB, TiB). An exact count
/// under 1 KiB; above, whole from 100 up and one decimal below, unless it
/// is `.0` (`"512"`, `"1.5"`, `"46"`, `"118"`). The backend's sentences
/// ([`human_size`]) and the widget's locales both word this.
pub fn scaled_size(bytes: u64) -> (String, usize) {
    if bytes < 1024 {
        return (bytes.to_string(), 0);
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < SIZE_UNITS - 1 {
        value /= 1024.0;
        unit += 1;
    }
    // Rounded first, so 45.99 reads "46 MiB", not "46.0 MiB". In whole
    // numbers, not float formatting: the widget's wasm then carries no
    // float-to-decimal code for it.
    let text = if value >= 100.0 {
        (value.round() as u64).to_string()
    } else {
        let tenths = (value * 10.0).round() as u64;
        match tenths % 10 {
            0 => (tenths / 10).to_string(),
            tenth => format!("{}.{tenth}", tenths / 10),
        }
    };
    (text, unit)
}

/// A size for people: `512 B`, `1.5 MiB`, `5 GiB`.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; SIZE_UNITS] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let (number, unit) = scaled_size(bytes);
    format!("{number} {}", UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{GIB, MIB};

    #[test]
    fn accepts_video_types_and_normalises_them() {
        assert_eq!(check_upload("video/webm", 10, 100).unwrap(), "video/webm");
        assert_eq!(
            check_upload(" Video/MP4; codecs=avc1 ", 10, 100).unwrap(),
            "video/mp4"
        );
        assert_eq!(
            check_upload("video/x-new-codec", 1, 1).unwrap(),
            "video/x-new-codec"
        );
    }

    #[test]
    fn refuses_what_is_not_a_video() {
        for ty in [
            "",
            "image/png",
            "application/octet-stream",
            "video/",
            "video",
            "video/a b",
            "videos/mp4",
            "video/<script>",
        ] {
            let err = check_upload(ty, 10, 100).unwrap_err();
            assert_eq!(err.code(), "unsupported_type", "{ty:?}");
        }
        let err = check_upload("image/png", 10, 100).unwrap_err();
        assert_eq!(
            err.to_string(),
            "Only video files can be uploaded; this file is \"image/png\"."
        );
    }

    #[test]
    fn refuses_empty_and_oversized_files() {
        assert_eq!(check_upload("video/mp4", 0, 100), Err(PolicyError::Empty));
        assert_eq!(check_upload("video/mp4", 100, 100).unwrap(), "video/mp4");
        let err = check_upload("video/mp4", 101, 100).unwrap_err();
        assert_eq!(err.code(), "too_large");
        let err = check_upload("video/mp4", 6 * GIB, DEFAULT_MAX_SIZE).unwrap_err();
        assert_eq!(
            err.to_string(),
            "This file is 6 GiB; the largest upload allowed is 5 GiB."
        );
    }

    #[test]
    fn extensions_follow_the_content_type() {
        assert_eq!(extension_for("video/webm"), "webm");
        assert_eq!(extension_for("video/quicktime"), "mov");
        assert_eq!(extension_for("video/x-unheard-of"), "video");
        assert!(known_extensions().any(|e| e == "mkv"));
        assert!(known_extensions().any(|e| e == "video"));
    }

    #[test]
    fn a_chosen_file_is_checked_as_the_browser_names_it_but_for_known_misnomers() {
        assert_eq!(chosen_file_type("video/webm", "a.webm"), "video/webm");
        assert_eq!(chosen_file_type("", "a.MKV"), "video/x-matroska");
        assert_eq!(chosen_file_type(" ", "notes.txt"), "");
        // Debian's type table, passed on by every engine here.
        assert_eq!(
            chosen_file_type("text/vnd.trolltech.linguist", "clip.TS"),
            "video/mp2t"
        );
        // The misnomer only for its extension; other types stay as given.
        assert_eq!(
            chosen_file_type("text/vnd.trolltech.linguist", "app_fr.qm"),
            "text/vnd.trolltech.linguist"
        );
        assert_eq!(chosen_file_type("text/plain", "clip.ts"), "text/plain");
        assert!(
            check_upload(
                &chosen_file_type("text/vnd.trolltech.linguist", "a.ts"),
                1,
                10
            )
            .is_ok()
        );
    }

    #[test]
    fn every_engines_name_for_matroska_is_one_type() {
        // Chromium, then Firefox and WebKit, for the same `.mkv` file.
        for claimed in ["video/matroska", "video/x-matroska", "Video/Matroska"] {
            assert_eq!(
                normalise_video_type(claimed).as_deref(),
                Some("video/x-matroska")
            );
        }
        assert_eq!(extension_for("video/x-matroska"), "mkv");
    }

    #[test]
    fn file_names_suggest_a_type() {
        assert_eq!(
            content_type_from_filename("holiday.MKV"),
            Some("video/x-matroska")
        );
        assert_eq!(content_type_from_filename("clip.mpg"), Some("video/mpeg"));
        assert_eq!(content_type_from_filename("notes.txt"), None);
        assert_eq!(content_type_from_filename("noextension"), None);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(5 * MIB), "5 MiB");
        assert_eq!(human_size(150 * MIB), "150 MiB");
        assert_eq!(human_size(46 * MIB - 1), "46 MiB");
        assert_eq!(human_size(1_000_000), "977 KiB");
    }
}
