//! What the components show, built from what the engine and the backend
//! report: the one place where numbers and wire types become words,
//! percents and labels. The engine counts bytes; the components show text;
//! this sits between them, so neither knows the other.

use crate::components::{PlayableVideo, ProgressView, VideoItem};
use crate::engine::{CheckedFile, ProgressTracker};
use crate::settings::Accept;
use vidrop_shared::api::{Video, VideoSummary};
use vidrop_shared::policy::human_size;
use wasm_bindgen::JsValue;

/// Where the latest upload stands; the root's `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// No upload yet.
    Idle,
    Uploading,
    /// Paused by the user: nothing is sent until Resume.
    Paused,
    /// An earlier upload of the same file was found; checking which parts
    /// storage already has.
    Resuming,
    /// Stored and playing.
    Done,
    Error,
    Cancelled,
}

impl UploadState {
    /// The `data-state` value.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Idle => "idle",
            UploadState::Uploading => "uploading",
            UploadState::Paused => "paused",
            UploadState::Resuming => "resuming",
            UploadState::Done => "done",
            UploadState::Error => "error",
            UploadState::Cancelled => "cancelled",
        }
    }

    /// Whether an upload is under way (running, paused or resuming).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            UploadState::Uploading | UploadState::Paused | UploadState::Resuming
        )
    }
}

/// The parts of the latest upload, for the root's `data-parts-*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartCounts {
    pub total: u32,
    pub done: u32,
    pub resumed: u32,
}

impl From<&ProgressTracker> for ProgressView {
    fn from(progress: &ProgressTracker) -> Self {
        ProgressView {
            percent: progress.percent(),
            text: progress_text(progress),
            eta: eta_text(progress),
        }
    }
}

impl ProgressView {
    /// Nothing sent yet of `total` bytes.
    pub fn start(total: u64) -> Self {
        ProgressView::from(&ProgressTracker::new(total, 0.0))
    }
}

/// The line under the progress bar: `42 % · 1.2 MiB of 3 MiB · 3.4 MiB/s`.
pub fn progress_text(progress: &ProgressTracker) -> String {
    let speed = progress.bytes_per_second().unwrap_or(0.0);
    format!(
        "{} % · {} of {} · {}/s",
        progress.percent(),
        human_size(progress.loaded()),
        human_size(progress.total()),
        human_size(speed.round() as u64)
    )
}

/// Time left in words (`about 12 s left`, `about 3 min left`), or `None`
/// when there is nothing sensible to say.
pub fn eta_text(progress: &ProgressTracker) -> Option<String> {
    let secs = progress.eta_seconds()?.ceil();
    if !secs.is_finite() {
        return None;
    }
    let secs = secs as u64;
    Some(match secs {
        0..=59 => format!("about {secs} s left"),
        60..=5_999 => format!("about {} min left", secs.div_ceil(60)),
        _ => format!("about {} h left", secs.div_ceil(3600)),
    })
}

/// Why a video the page's `accept` leaves out is refused.
pub fn not_accepted(accept: &Accept, file: &CheckedFile) -> String {
    format!(
        "This page takes only {} files; \"{}\" is {}.",
        accept.describe(),
        file.filename,
        file.content_type
    )
}

impl From<&VideoSummary> for VideoItem {
    fn from(video: &VideoSummary) -> Self {
        VideoItem {
            id: video.id.clone(),
            filename: video.filename.clone(),
            size: human_size(video.size),
            uploaded_at: video.uploaded_at.clone(),
            uploaded: local_time(&video.uploaded_at),
        }
    }
}

impl From<&Video> for PlayableVideo {
    fn from(video: &Video) -> Self {
        PlayableVideo {
            id: video.summary.id.clone(),
            url: video.url.clone(),
            title: video.summary.filename.clone(),
        }
    }
}

/// An RFC 3339 time in the reader's locale and time zone (by the browser's
/// `Intl`); the text as it came when the browser cannot read it.
fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    // "default" is a well-formed tag naming no locale: the browser's own.
    date.to_locale_string("default", &options).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidrop_shared::limits::MIB;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_text_reads_well() {
        let mut p = ProgressTracker::new(3 * MIB, 0.0);
        assert_eq!(progress_text(&p), "0 % · 0 B of 3 MiB · 0 B/s");
        p.update(MIB + MIB / 2, 500.0);
        assert_eq!(progress_text(&p), "50 % · 1.5 MiB of 3 MiB · 3 MiB/s");
        p.finish(1000.0);
        assert_eq!(progress_text(&p), "100 % · 3 MiB of 3 MiB · 3 MiB/s");
        assert_eq!(ProgressView::from(&p).percent, 100);
        assert_eq!(ProgressView::from(&p).eta, None);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn time_left_reads_in_seconds_minutes_or_hours() {
        let mut p = ProgressTracker::new(10 * MIB, 0.0);
        assert_eq!(eta_text(&p), None);
        p.update(2 * MIB, 2000.0);
        assert_eq!(eta_text(&p).as_deref(), Some("about 8 s left"));
        let mut slow = ProgressTracker::new(1000 * MIB, 0.0);
        slow.update(MIB, 1000.0);
        assert_eq!(eta_text(&slow).as_deref(), Some("about 17 min left"));
        let mut slower = ProgressTracker::new(10_000 * MIB, 0.0);
        slower.update(MIB, 1000.0);
        assert_eq!(eta_text(&slower).as_deref(), Some("about 3 h left"));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_video_plays_under_its_file_name() {
        let video = Video {
            summary: VideoSummary {
                id: "01A".into(),
                filename: "first clip.mp4".into(),
                content_type: "video/mp4".into(),
                size: 1,
                uploaded_at: "2026-11-23T15:10:00Z".into(),
            },
            url: "http://s3/videos/01A.mp4?X-Amz-Signature=abc".into(),
            expires_at: "2026-11-23T16:10:00Z".into(),
        };
        assert_eq!(
            PlayableVideo::from(&video),
            PlayableVideo {
                id: "01A".into(),
                url: "http://s3/videos/01A.mp4?X-Amz-Signature=abc".into(),
                title: "first clip.mp4".into(),
            }
        );
    }
}
