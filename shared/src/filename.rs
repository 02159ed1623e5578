//! The user's file name, cleaned once by the same rule on both sides. (The
//! backend carries it as S3 object metadata and gives it back as the
//! `Content-Disposition` of playback URLs: see its `metadata` module.)

/// The metadata key (`x-amz-meta-<this>`) that holds the file name.
pub const FILENAME_METADATA_KEY: &str = "filename";

/// The longest file name kept, in UTF-8 bytes (what most file systems allow).
pub const MAX_FILENAME_BYTES: usize = 255;

/// The name used when a browser sends none that is usable.
pub const DEFAULT_FILENAME: &str = "video";

/// The last path component of `name`, without control characters, bidi
/// formatting characters (which can make `clip\u{202E}4pm.exe` read as
/// `clipexe.mp4`) or surrounding white space, at most [`MAX_FILENAME_BYTES`]
/// long.
pub fn clean_filename(name: &str) -> String {
    let last = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let printable: String = last
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_format(*c))
        .collect();
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

/// Unicode's bidirectional formatting characters (marks, embeddings,
/// overrides and isolates), which make a name read otherwise than it is.
pub fn is_bidi_format(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
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
        assert_eq!(clean_filename("clip\u{202E}4pm.exe"), "clip4pm.exe");
        assert_eq!(clean_filename("\u{2066}a\u{200F}b\u{2069}.webm"), "ab.webm");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let name = "é".repeat(200); // 400 bytes
        let cleaned = clean_filename(&name);
        assert!(cleaned.len() <= MAX_FILENAME_BYTES);
        assert_eq!(cleaned, "é".repeat(127));
    }
}
