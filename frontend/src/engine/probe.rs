//! What the browser reads of a video before it goes up (`probe.js`, a
//! wasm-bindgen snippet: a detached muted `<video>` and a canvas): its
//! duration and frame size, bound into the upload as S3 metadata, and a
//! JPEG poster frame sent beside it. A file the browser cannot read as
//! media, or reads without a picture, is refused before any request unless
//! its first bytes are the container its type names: a browser without the
//! codec (WebKitGTK and H.264 here: it reads the MP4 but shows no picture;
//! Chromium and MPEG-TS) must not stop a real video going up, only lose its
//! poster.

use js_sys::{Reflect, Uint8Array};
use vidrop_shared::api::MediaInfo;
use vidrop_shared::container::{SNIFF_BYTES, looks_like};
use vidrop_shared::media::{MAX_POSTER_SIZE, check_dimension, check_duration};
use wasm_bindgen::prelude::*;
use web_sys::{Blob, File};

#[wasm_bindgen(module = "/src/engine/probe.js")]
extern "C" {
    #[wasm_bindgen(js_name = probeVideo)]
    async fn probe_video(
        file: &File,
        poster_width: u32,
        quality: f64,
        timeout_ms: f64,
        sniff_bytes: u32,
    ) -> JsValue;
}

/// The types a browser's `<video>` is asked to read: those browsers play.
/// Others (MPEG-TS, AVI, MPEG-PS, 3GP, FLV, WMV) go up unread, on the
/// backend's container check alone: no browser plays them all, and
/// WebKitGTK's pipeline was seen to hang on an MPEG-TS file read this way
/// (under load, in CI), with the page.
const READ_TYPES: &[&str] = &[
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "video/x-matroska",
    "video/ogg",
    "video/x-m4v",
];

/// The poster's largest width in pixels: enough for a gallery tile, and a
/// JPEG of it stays far below [`MAX_POSTER_SIZE`].
const POSTER_WIDTH: u32 = 640;
const POSTER_QUALITY: f64 = 0.8;
/// How long the browser may take to say anything of the file; a slow one
/// lets the video go up without what it would have read.
const PROBE_TIMEOUT_MS: f64 = 10_000.0;

/// What was read of a video.
#[derive(Debug, Clone, Default)]
pub struct Probe {
    pub media: MediaInfo,
    /// A JPEG of one frame, when one could be drawn.
    pub poster: Option<Blob>,
}

/// Why a file is refused before upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unplayable {
    /// The browser cannot read the file as audio or video, nor does it
    /// begin as the container its type names.
    NotMedia,
    /// It reads as media without a picture (sound only, or a codec the
    /// browser lacks) and does not begin as the container its type names.
    NoPicture,
}

/// What the browser answered, before it is judged ([`judge`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Answer {
    pub readable: bool,
    /// Whether its first bytes are its type's container.
    pub container_matches: bool,
    pub timed_out: bool,
    pub duration: Option<f64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
}

/// Reads `file`, of the checked `content_type`, in the browser (only the
/// [`READ_TYPES`]; other files are not read, and refuse nothing).
pub async fn probe(file: &File, content_type: &str) -> Result<Probe, Unplayable> {
    if !READ_TYPES.contains(&content_type) {
        return Ok(Probe::default());
    }
    let raw = probe_video(
        file,
        POSTER_WIDTH,
        POSTER_QUALITY,
        PROBE_TIMEOUT_MS,
        SNIFF_BYTES as u32,
    )
    .await;
    let field = |name: &str| Reflect::get(&raw, &JsValue::from_str(name)).unwrap_or(JsValue::NULL);
    let dimension = |name: &str| field(name).as_f64().map(|value| value as u32);
    let answer = Answer {
        readable: field("readable").as_bool().unwrap_or(true),
        container_matches: field("head")
            .dyn_into::<Uint8Array>()
            .is_ok_and(|head| looks_like(content_type, &head.to_vec())),
        timed_out: field("timedOut").as_bool().unwrap_or(false),
        duration: field("duration").as_f64(),
        width: dimension("width"),
        height: dimension("height"),
    };
    let media = judge(&answer)?;
    let poster = field("poster")
        .dyn_into::<Blob>()
        .ok()
        .filter(|poster| poster.size() >= 1.0 && poster.size() as u64 <= MAX_POSTER_SIZE);
    Ok(Probe { media, poster })
}

/// The media facts worth sending, or why the file is refused. A browser
/// that timed out refuses nothing (the backend still checks the container),
/// nor does one that cannot read a file that begins as its container;
/// facts out of the shared range are left out rather than sent to be
/// refused.
pub fn judge(answer: &Answer) -> Result<MediaInfo, Unplayable> {
    if answer.timed_out || (!answer.readable && answer.container_matches) {
        return Ok(MediaInfo::default());
    }
    if !answer.readable {
        return Err(Unplayable::NotMedia);
    }
    let (width, height) = match (answer.width, answer.height) {
        (Some(width), Some(height))
            if check_dimension("width", width).is_ok()
                && check_dimension("height", height).is_ok() =>
        {
            (Some(width), Some(height))
        }
        (None, _) | (_, None) if !answer.container_matches => {
            return Err(Unplayable::NoPicture);
        }
        _ => (None, None),
    };
    Ok(MediaInfo {
        duration: answer.duration.filter(|d| check_duration(*d).is_ok()),
        width,
        height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(duration: Option<f64>, width: Option<u32>, height: Option<u32>) -> Answer {
        Answer {
            readable: true,
            container_matches: false,
            timed_out: false,
            duration,
            width,
            height,
        }
    }

    #[test]
    fn a_readable_video_gives_its_facts() {
        let media = judge(&read(Some(3.04), Some(320), Some(240))).unwrap();
        assert_eq!(media.duration, Some(3.04));
        assert_eq!((media.width, media.height), (Some(320), Some(240)));
    }

    #[test]
    fn unreadable_and_soundonly_files_are_refused() {
        let unreadable = Answer {
            readable: false,
            ..Answer::default()
        };
        assert_eq!(judge(&unreadable), Err(Unplayable::NotMedia));
        assert_eq!(
            judge(&read(Some(3.0), None, None)),
            Err(Unplayable::NoPicture)
        );
    }

    #[test]
    fn a_container_the_browser_cannot_decode_goes_up_without_facts() {
        let undecoded = Answer {
            readable: false,
            container_matches: true,
            ..Answer::default()
        };
        assert_eq!(judge(&undecoded), Ok(MediaInfo::default()));
    }

    #[test]
    fn a_container_read_without_a_picture_goes_up_with_its_duration() {
        let no_decoder = Answer {
            container_matches: true,
            ..read(Some(3.0), None, None)
        };
        let media = judge(&no_decoder).unwrap();
        assert_eq!(media.duration, Some(3.0));
        assert_eq!((media.width, media.height), (None, None));
    }

    #[test]
    fn a_browser_that_says_nothing_in_time_refuses_nothing() {
        let silent = Answer {
            readable: false,
            timed_out: true,
            ..Answer::default()
        };
        assert_eq!(judge(&silent), Ok(MediaInfo::default()));
    }

    #[test]
    fn facts_out_of_range_are_left_out() {
        let media = judge(&read(Some(f64::INFINITY), Some(320), Some(240))).unwrap();
        assert_eq!(media.duration, None);
        assert_eq!(media.width, Some(320));
        let media = judge(&read(Some(2.0), Some(u32::MAX), Some(240))).unwrap();
        assert_eq!((media.width, media.height), (None, None));
    }
}
