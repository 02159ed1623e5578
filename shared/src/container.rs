//! What the first bytes of a video file look like, by content type: MP4 and
//! QuickTime start with an ISO base media box (`ftyp`, or an older movie's
//! `moov`/`mdat`/`wide`/`free`/`skip`), WebM and Matroska with the EBML
//! magic number, Ogg with `OggS`, and so on.
//!
//! The backend reads the first [`SNIFF_BYTES`] of every completed upload
//! and deletes one whose bytes are not a container of its declared type, so
//! that the bucket holds no HTML page or script under a video's name; the
//! widget can apply the same rule to a chosen file before it sends a byte.

/// How many leading bytes [`looks_like`] needs at most.
pub const SNIFF_BYTES: usize = 4096;

/// A container format and how its files begin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// ISO base media (MP4, QuickTime, 3GPP, M4V).
    IsoMedia,
    /// EBML (WebM, Matroska).
    Ebml,
    Ogg,
    /// RIFF … `AVI `.
    Avi,
    /// MPEG program or elementary stream.
    MpegPs,
    /// MPEG transport stream (188-byte packets starting with 0x47).
    MpegTs,
    Flv,
    /// ASF (WMV).
    Asf,
}

/// The containers of every content type the policy names with an
/// extension.
const CONTAINERS: &[(&str, Container)] = &[
    ("video/mp4", Container::IsoMedia),
    ("video/quicktime", Container::IsoMedia),
    ("video/3gpp", Container::IsoMedia),
    ("video/3gpp2", Container::IsoMedia),
    ("video/x-m4v", Container::IsoMedia),
    ("video/webm", Container::Ebml),
    ("video/x-matroska", Container::Ebml),
    ("video/ogg", Container::Ogg),
    ("video/x-msvideo", Container::Avi),
    ("video/mpeg", Container::MpegPs),
    ("video/mp2t", Container::MpegTs),
    ("video/x-flv", Container::Flv),
    ("video/x-ms-wmv", Container::Asf),
];

const ALL: [Container; 8] = [
    Container::IsoMedia,
    Container::Ebml,
    Container::Ogg,
    Container::Avi,
    Container::MpegPs,
    Container::MpegTs,
    Container::Flv,
    Container::Asf,
];

impl Container {
    /// The container of a (normalised) content type; `None` for a `video/*`
    /// subtype without an entry.
    pub fn of(content_type: &str) -> Option<Container> {
        CONTAINERS
            .iter()
            .find(|(ty, _)| *ty == content_type)
            .map(|(_, container)| *container)
    }

    /// Whether `head` (a file's first bytes) begins like this container.
    pub fn matches(self, head: &[u8]) -> bool {
        match self {
            Container::IsoMedia => head.get(4..8).is_some_and(|kind| {
                [b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip"]
                    .iter()
                    .any(|box_type| kind == *box_type)
            }),
            Container::Ebml => head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]),
            Container::Ogg => head.starts_with(b"OggS"),
            Container::Avi => head.starts_with(b"RIFF") && head.get(8..12) == Some(b"AVI "),
            Container::MpegPs => {
                head.starts_with(&[0, 0, 1, 0xBA]) || head.starts_with(&[0, 0, 1, 0xB3])
            }
            // One sync byte can be chance: ask for the next packet's too
            // (when the file has one).
            Container::MpegTs => {
                head.first() == Some(&0x47) && head.get(188).is_none_or(|b| *b == 0x47)
            }
            Container::Flv => head.starts_with(b"FLV"),
            Container::Asf => head.starts_with(&[
                0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11, 0xA6, 0xD9, 0x00, 0xAA, 0x00, 0x62,
                0xCE, 0x6C,
            ]),
        }
    }
}

/// Whether `head`, the first bytes of a file (up to [`SNIFF_BYTES`]), is a
/// container of `content_type`. A `video/*` subtype without an entry must
/// still begin like one of the known containers.
pub fn looks_like(content_type: &str, head: &[u8]) -> bool {
    match Container::of(content_type) {
        Some(container) => container.matches(head),
        None => ALL.iter().any(|container| container.matches(head)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_container_is_recognised_by_its_first_bytes() {
        let mp4 = b"\0\0\0\x20ftypisom\0\0\x02\0";
        assert!(looks_like("video/mp4", mp4));
        assert!(looks_like("video/quicktime", b"\0\0\0\x08wide\0\0\0\0mdat"));
        assert!(looks_like("video/webm", &[0x1A, 0x45, 0xDF, 0xA3, 0x9F]));
        assert!(looks_like("video/x-matroska", &[0x1A, 0x45, 0xDF, 0xA3]));
        assert!(looks_like("video/ogg", b"OggS\0\x02"));
        assert!(looks_like("video/x-msvideo", b"RIFF\0\0\0\0AVI LIST"));
        assert!(looks_like("video/mpeg", &[0, 0, 1, 0xBA, 0x44]));
        let mut ts = vec![0u8; 400];
        ts[0] = 0x47;
        ts[188] = 0x47;
        assert!(looks_like("video/mp2t", &ts));
        ts[188] = 0;
        assert!(!looks_like("video/mp2t", &ts));
    }

    #[test]
    fn other_bytes_or_another_container_are_refused() {
        let html = b"<!doctype html><script>alert(1)</script>";
        for ty in ["video/mp4", "video/webm", "video/ogg", "video/x-anything"] {
            assert!(!looks_like(ty, html), "{ty}");
        }
        assert!(!looks_like("video/mp4", &[0x1A, 0x45, 0xDF, 0xA3]));
        assert!(!looks_like("video/webm", b"\0\0\0\x20ftypisom"));
        assert!(!looks_like("video/mp4", b""));
        assert!(looks_like("video/x-anything", b"OggS"));
    }
}
