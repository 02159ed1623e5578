//! The user's file name: cleaned once, carried as S3 object metadata
//! (`x-amz-meta-filename`, percent-encoded because S3 metadata is ASCII), and
//! given back as the `Content-Disposition` of playback and download URLs.

/// The metadata key (`x-amz-meta-<this>`) that holds the file name.
pub const FILENAME_METADATA_KEY: &str = "filename";

/// The longest file name kept, in UTF-8 bytes (what most file systems allow).
pub const MAX_FILENAME_BYTES: usize = 255;

/// The name used when a browser sends none that is usable.
pub const DEFAULT_FILENAME: &str = "video";

/// The last path component of `name`, without control characters or
/// surrounding white space, at most [`MAX_FILENAME_BYTES`] long.
pub fn clean_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let printable: String = last.chars().filter(|c| !c.is_control()).collect();
    let trimmed = printable.trim();
    let mut end = trimmed.len().min(MAX_FILENAME_BYTES);
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    let cut = trimmed[..end].trim_end();
    if cut.is_empty() || cut == "." || cut == ".." {
        DEFAULT_FILENAME.to_owned()
    } else {
        cut.to_owned()
    }
}

/// Percent-encodes every byte but RFC 3986's unreserved ones, so the value is
/// safe in an HTTP header, S3 metadata and an RFC 5987 `filename*`.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Reverses [`percent_encode`]; `None` when the text is not valid encoding of
/// UTF-8 (metadata written by something else).
pub fn percent_decode(value: &str) -> Option<String> {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = value.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("C:\\Users\\me\\clip.mp4"), "clip.mp4");
        assert_eq!(clean_filename("/etc/../clip.webm"), "clip.webm");
        assert_eq!(clean_filename("  bad\u{0}\nname.mov "), "badname.mov");
        assert_eq!(clean_filename(""), DEFAULT_FILENAME);
        assert_eq!(clean_filename(".."), DEFAULT_FILENAME);
        assert_eq!(clean_filename("dir/"), DEFAULT_FILENAME);
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let name = "é".repeat(200); // 400 bytes
        let cleaned = clean_filename(&name);
        assert!(cleaned.len() <= MAX_FILENAME_BYTES);
        assert_eq!(cleaned, "é".repeat(127));
    }

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
        assert_eq!(percent_decode("%E6%97"), None, "truncated UTF-8");
        assert_eq!(percent_decode("%G0"), None);
        assert_eq!(percent_decode("50%"), None);
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
