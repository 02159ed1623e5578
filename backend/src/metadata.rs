//! What a video object's user metadata carries through S3. The user's file
//! name: percent-encoded into `x-amz-meta-filename` (S3 metadata is ASCII),
//! read back from it, and given to browsers as the `Content-Disposition` of
//! playback URLs. What the browser read of the video
//! ([`MediaInfo`]): `x-amz-meta-duration` (seconds), `-width` and `-height`
//! (pixels), in decimal, read back through the same rules that approved
//! them. All of it is set when the upload is planned (signed into the PUT,
//! or given to `CreateMultipartUpload`), so no caller changes it later.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::collections::HashMap;
use vidrop_shared::api::MediaInfo;
use vidrop_shared::filename::FILENAME_METADATA_KEY;
use vidrop_shared::media::{
    DURATION_METADATA_KEY, HEIGHT_METADATA_KEY, WIDTH_METADATA_KEY, check_dimension, check_duration,
};

/// The metadata keys of [`MediaInfo`]'s facts.
pub const MEDIA_METADATA_KEYS: [&str; 3] = [
    DURATION_METADATA_KEY,
    WIDTH_METADATA_KEY,
    HEIGHT_METADATA_KEY,
];

/// Every byte but RFC 3986's unreserved ones is encoded, so the value is safe
/// in an HTTP header, S3 metadata and an RFC 5987 `filename*`.
const ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `value` percent-encoded (see [`ENCODED`]).
pub fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, ENCODED).to_string()
}

/// Reverses [`percent_encode`]; `None` when the text is not valid encoding of
/// UTF-8 or holds a stray `%` (metadata written by something else).
pub fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let well_formed = bytes.iter().enumerate().all(|(i, b)| {
        *b != b'%'
            || bytes
                .get(i + 1..i + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit))
    });
    if !well_formed {
        return None;
    }
    percent_decode_str(value)
        .decode_utf8()
        .ok()
        .map(|name| name.into_owned())
}

/// The object metadata that carries a (cleaned) file name.
pub fn filename_metadata(filename: &str) -> HashMap<String, String> {
    HashMap::from([(FILENAME_METADATA_KEY.to_owned(), percent_encode(filename))])
}

/// The file name an object's metadata carries, if it carries a readable one.
pub fn filename_from_metadata(metadata: &HashMap<String, String>) -> Option<String> {
    metadata
        .get(FILENAME_METADATA_KEY)
        .and_then(|encoded| percent_decode(encoded))
}

/// The metadata of a video object: its (cleaned) file name and each fact
/// known of the video.
pub fn video_metadata(filename: &str, media: &MediaInfo) -> HashMap<String, String> {
    let mut metadata = filename_metadata(filename);
    metadata.extend(media_metadata(media));
    metadata
}

/// The metadata that carries what was read of a video: each fact known, in
/// decimal (a duration as Rust writes an `f64`, which reads back exactly).
pub fn media_metadata(media: &MediaInfo) -> HashMap<String, String> {
    let facts = [
        (DURATION_METADATA_KEY, media.duration.map(|d| d.to_string())),
        (WIDTH_METADATA_KEY, media.width.map(|w| w.to_string())),
        (HEIGHT_METADATA_KEY, media.height.map(|h| h.to_string())),
    ];
    facts
        .into_iter()
        .filter_map(|(key, value)| value.map(|value| (key.to_owned(), value)))
        .collect()
}

/// What an object's metadata says of its video: each fact that reads as a
/// number the shared rules accept; `None` for any other (missing, or
/// written by something else).
pub fn media_from_metadata(metadata: &HashMap<String, String>) -> MediaInfo {
    let dimension = |key: &'static str| {
        metadata
            .get(key)
            .and_then(|value| value.parse::<u32>().ok())
            .filter(|value| check_dimension(key, *value).is_ok())
    };
    MediaInfo {
        duration: metadata
            .get(DURATION_METADATA_KEY)
            .and_then(|value| value.parse::<f64>().ok())
            .filter(|value| check_duration(*value).is_ok()),
        width: dimension(WIDTH_METADATA_KEY),
        height: dimension(HEIGHT_METADATA_KEY),
    }
}

/// The first of `stored`'s media metadata entries (see [`media_metadata`])
/// that differs from what `approved` signs, as `(key, stored value)`:
/// `None` when they match. (A store that takes headers a presigned PUT did
/// not sign could otherwise keep facts nobody approved.)
pub fn unapproved_media<'a>(
    stored: &'a HashMap<String, String>,
    approved: &MediaInfo,
) -> Option<(&'static str, Option<&'a str>)> {
    let expected = media_metadata(approved);
    MEDIA_METADATA_KEYS
        .into_iter()
        .find(|key| stored.get(*key) != expected.get(*key))
        .map(|key| (key, stored.get(key).map(String::as_str)))
}

/// How a browser should treat a presigned GET.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// Show it (the `<video>` player).
    Inline,
    /// Save it as a file.
    Attachment,
}

impl Disposition {
    pub fn as_str(self) -> &'static str {
        match self {
            Disposition::Inline => "inline",
            Disposition::Attachment => "attachment",
        }
    }
}

/// A `Content-Disposition` value naming the file: `inline` for playback,
/// `attachment` for download. The plain `filename` is an ASCII stand-in for old
/// clients; `filename*` carries the exact name.
pub fn content_disposition(disposition: Disposition, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        disposition.as_str(),
        percent_encode(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_round_trips() {
        for name in [
            "plain.mp4",
            "with space & ümlaut.webm",
            "日本語.mov",
            "100%.mp4",
            "a\"b'c",
        ] {
            let encoded = percent_encode(name);
            assert!(encoded.bytes().all(|b| b.is_ascii_graphic()), "{encoded}");
            assert_eq!(percent_decode(&encoded).as_deref(), Some(name));
        }
        assert_eq!(percent_encode("a b~c"), "a%20b~c");
        assert_eq!(percent_decode("%E6%97"), None, "truncated UTF-8");
        assert_eq!(percent_decode("%G0"), None);
        assert_eq!(percent_decode("50%"), None);
    }

    #[test]
    fn the_file_name_travels_in_metadata() {
        let metadata = filename_metadata("été 1.webm");
        assert_eq!(metadata[FILENAME_METADATA_KEY], "%C3%A9t%C3%A9%201.webm");
        assert_eq!(
            filename_from_metadata(&metadata).as_deref(),
            Some("été 1.webm")
        );
        assert_eq!(filename_from_metadata(&HashMap::new()), None);
    }

    #[test]
    fn what_was_read_of_a_video_travels_in_metadata_and_reads_back_exactly() {
        let media = MediaInfo {
            duration: Some(12.345_678_901_234_5),
            width: Some(1920),
            height: None,
        };
        let metadata = video_metadata("a.webm", &media);
        assert_eq!(metadata["duration"], "12.3456789012345");
        assert_eq!(metadata["width"], "1920");
        assert!(!metadata.contains_key("height"));
        assert_eq!(metadata[FILENAME_METADATA_KEY], "a.webm");
        assert_eq!(media_from_metadata(&metadata), media);
        for duration in [3.0, 0.04, 604_800.0, 1.0 / 3.0, f64::MIN_POSITIVE] {
            let media = MediaInfo {
                duration: Some(duration),
                ..MediaInfo::default()
            };
            assert_eq!(media_from_metadata(&media_metadata(&media)), media);
        }
        assert_eq!(media_from_metadata(&HashMap::new()), MediaInfo::default());
    }

    #[test]
    fn metadata_the_rules_refuse_reads_as_unknown() {
        let stored = HashMap::from([
            ("duration".to_owned(), "-5".to_owned()),
            ("width".to_owned(), "wide".to_owned()),
            ("height".to_owned(), "99999".to_owned()),
        ]);
        assert_eq!(media_from_metadata(&stored), MediaInfo::default());
        let stored = HashMap::from([("duration".to_owned(), "inf".to_owned())]);
        assert_eq!(media_from_metadata(&stored).duration, None);
    }

    #[test]
    fn unapproved_media_metadata_is_found() {
        let approved = MediaInfo {
            duration: Some(2.5),
            ..MediaInfo::default()
        };
        let mut stored = video_metadata("a.webm", &approved);
        assert_eq!(unapproved_media(&stored, &approved), None);
        stored.insert("width".into(), "640".into());
        assert_eq!(
            unapproved_media(&stored, &approved),
            Some(("width", Some("640")))
        );
        stored.remove("width");
        stored.remove("duration");
        assert_eq!(
            unapproved_media(&stored, &approved),
            Some(("duration", None))
        );
    }

    #[test]
    fn content_disposition_names_the_file() {
        assert_eq!(
            content_disposition(Disposition::Inline, "my clip.webm"),
            "inline; filename=\"my clip.webm\"; filename*=UTF-8''my%20clip.webm"
        );
        assert_eq!(
            content_disposition(Disposition::Attachment, "été\".mp4"),
            "attachment; filename=\"_t__.mp4\"; filename*=UTF-8''%C3%A9t%C3%A9%22.mp4"
        );
    }
}
