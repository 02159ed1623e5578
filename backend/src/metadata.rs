//! The user's file name on its way through S3: percent-encoded into the
//! object's user metadata (`x-amz-meta-filename`: S3 metadata is ASCII), read
//! back from it, and given to browsers as the `Content-Disposition` of
//! playback URLs.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use std::collections::HashMap;
use vidrop_shared::filename::FILENAME_METADATA_KEY;

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
