//! What the components show, built from what the engine and the backend
//! report: the one place where numbers and wire types become words,
//! percents and labels, in the words of a locale ([`Strings`]). The engine
//! counts bytes; the components show text; this sits between them, so
//! neither knows the other.
//!
//! What the widget keeps is what happened ([`ProgressFigures`],
//! [`Message`], [`Announcement`], the listed videos), never its words:
//! they are made as they are shown, so a new `locale` rewords all of it
//! at once.

use crate::api::ApiError;
use crate::components::{Notice, PlayableVideo, ProgressView, QueueItem, VideoDuration, VideoItem};
use crate::engine::s3_error::S3Error;
use crate::engine::{CheckedFile, ProgressTracker, RetryReason, UploadError};
use crate::locale::{Strings, fill};
use crate::settings::Accept;
use vidrop_shared::api::{ListedVideo, VideoDetails};
use vidrop_shared::policy::PolicyError;
use wasm_bindgen::JsValue;

/// Where the latest upload stands; the root's `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// No upload yet.
    Idle,
    /// In the queue (`multiple`), waiting for its turn.
    Queued,
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
            UploadState::Queued => "queued",
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

/// An upload's progress in numbers, as the bar shows it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProgressFigures {
    /// Whole percent, 0 to 100.
    pub percent: u8,
    /// Bytes sent.
    pub loaded: u64,
    /// The file's size.
    pub total: u64,
    /// Bytes a second, once measured.
    pub speed: Option<f64>,
    /// Seconds left, while they can be estimated.
    pub eta: Option<f64>,
}

impl From<&ProgressTracker> for ProgressFigures {
    fn from(progress: &ProgressTracker) -> Self {
        ProgressFigures {
            percent: progress.percent(),
            loaded: progress.loaded(),
            total: progress.total(),
            speed: progress.bytes_per_second(),
            eta: progress.eta_seconds(),
        }
    }
}

impl ProgressFigures {
    /// Nothing sent yet of `total` bytes.
    pub fn start(total: u64) -> Self {
        ProgressFigures::from(&ProgressTracker::new(total, 0.0))
    }

    /// The bar, its line and the time left, in `s`'s words.
    pub fn view(&self, s: &Strings) -> ProgressView {
        ProgressView {
            percent: self.percent,
            percent_text: s.percent(self.percent),
            text: progress_text(self, s),
            eta: eta_text(self, s),
        }
    }
}

/// The line under the progress bar: `42 % · 1.2 MiB of 3 MiB · 3.4 MiB/s`.
pub fn progress_text(progress: &ProgressFigures, s: &Strings) -> String {
    let speed = progress.speed.unwrap_or(0.0).round() as u64;
    fill(
        s.progress.line,
        &[
            ("percent", &s.percent(progress.percent)),
            ("loaded", &s.size(progress.loaded)),
            ("total", &s.size(progress.total)),
            (
                "speed",
                &fill(s.progress.speed, &[("size", &s.size(speed))]),
            ),
        ],
    )
}

/// Time left in words (`about 12 s left`, `about 3 min left`), or `None`
/// when there is nothing sensible to say.
pub fn eta_text(progress: &ProgressFigures, s: &Strings) -> Option<String> {
    let secs = progress.eta?.ceil();
    if !secs.is_finite() {
        return None;
    }
    let secs = secs as u64;
    let (template, n) = match secs {
        0..=59 => (s.progress.seconds_left, secs),
        60..=5_999 => (s.progress.minutes_left, secs.div_ceil(60)),
        _ => (s.progress.hours_left, secs.div_ceil(3600)),
    };
    Some(fill(template, &[("n", &s.integer(n))]))
}

/// What the message line says: kept as what happened, worded as it is
/// shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An upload failed or its file was refused, or a call outside an
    /// upload (listing, playing) failed.
    Failed(UploadError),
    /// The page's `accept` leaves the file out.
    NotAccepted {
        accept: String,
        filename: String,
        content_type: String,
    },
    /// The user cancelled the upload.
    Cancelled,
    /// Left out of a batch beyond `max-files`.
    TooManyFiles { filename: String, max: u32 },
    /// Left out of a batch whose files would come to more than
    /// `max-total-size` bytes.
    OverTotal { filename: String, max: u64 },
}

impl Message {
    /// Why a video the page's `accept` leaves out is refused.
    pub fn not_accepted(accept: &Accept, file: &CheckedFile) -> Self {
        Message::NotAccepted {
            accept: accept.describe(),
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
        }
    }

    /// A stable code for the host page (`vidrop:error`'s `code`).
    pub fn code(&self) -> &str {
        match self {
            Message::Failed(error) => error.code(),
            Message::NotAccepted { .. } => "not_accepted",
            Message::Cancelled => "cancelled",
            Message::TooManyFiles { .. } => "too_many_files",
            Message::OverTotal { .. } => "over_total",
        }
    }

    /// The sentence, in `s`'s words.
    pub fn text(&self, s: &Strings) -> String {
        match self {
            Message::Failed(error) => error_text(error, s),
            Message::NotAccepted {
                accept,
                filename,
                content_type,
            } => fill(
                s.errors.not_accepted,
                &[
                    ("accept", accept),
                    ("name", filename),
                    ("type", content_type),
                ],
            ),
            Message::Cancelled => s.errors.cancelled.to_owned(),
            Message::TooManyFiles { filename, max } => fill(
                s.errors.too_many_files,
                &[("name", filename), ("max", &s.integer(u64::from(*max)))],
            ),
            Message::OverTotal { filename, max } => fill(
                s.errors.over_total,
                &[("name", filename), ("max", &s.size(*max))],
            ),
        }
    }

    /// The message line: an error, or information for a cancel.
    pub fn notice(&self, s: &Strings) -> Notice {
        match self {
            Message::Cancelled => Notice::info(self.text(s)),
            _ => Notice::error(self.text(s)),
        }
    }
}

/// Why an upload or a call failed, in `s`'s words. What the backend or
/// storage said in words of its own (a refusal's `message`, S3's
/// `<Message>`) is kept as it was written, inside the widget's sentence
/// where there is one.
pub fn error_text(error: &UploadError, s: &Strings) -> String {
    let e = &s.errors;
    let status_text = |status: &u16| status.to_string();
    match error {
        UploadError::Policy(error) => policy_text(error, s),
        UploadError::Api(error) => api_text(error, s),
        UploadError::Storage { status, error } => {
            let status = status_text(status);
            match error {
                Some(S3Error { code, message }) if message.is_empty() => fill(
                    e.storage_refused_code,
                    &[("status", &status), ("code", code)],
                ),
                Some(S3Error { code, message }) => fill(
                    e.storage_refused_message,
                    &[("status", &status), ("code", code), ("message", message)],
                ),
                None => fill(e.storage_refused, &[("status", &status)]),
            }
        }
        UploadError::ConnectionLost => e.connection_lost.to_owned(),
        UploadError::TimedOut => e.timed_out.to_owned(),
        UploadError::Cancelled => e.cancelled.to_owned(),
        UploadError::UnsupportedPlan(kind) => fill(e.unsupported_plan, &[("kind", kind)]),
        UploadError::Browser(detail) => fill(e.browser, &[("detail", detail)]),
        UploadError::PartFailed {
            part_number,
            attempts,
            reason,
        } => fill(
            e.part_failed,
            &[
                ("part", &s.integer(u64::from(*part_number))),
                ("attempts", &s.integer(u64::from(*attempts))),
                ("reason", &reason_text(*reason, s)),
            ],
        ),
        UploadError::UploadGone => e.upload_gone.to_owned(),
        UploadError::MissingEtag => e.missing_etag.to_owned(),
        UploadError::Read(detail) => fill(e.unreadable, &[("detail", detail)]),
        UploadError::NoChecksum => e.no_checksum.to_owned(),
        UploadError::NotAVideo => e.unreadable_video.to_owned(),
        UploadError::NoPicture => e.no_picture.to_owned(),
    }
}

/// Why the shared policy refuses a file, in `s`'s words (the backend words
/// its own refusals, which come as [`ApiError::Refused`]).
fn policy_text(error: &PolicyError, s: &Strings) -> String {
    let e = &s.errors;
    match error {
        PolicyError::NotAVideo { content_type } if content_type.is_empty() => e.no_type.to_owned(),
        PolicyError::NotAVideo { content_type } => fill(e.not_a_video, &[("type", content_type)]),
        PolicyError::Empty => e.empty.to_owned(),
        PolicyError::TooLarge { size, max_size } => fill(
            e.too_large,
            &[("size", &s.size(*size)), ("max", &s.size(*max_size))],
        ),
    }
}

/// A failed call to the backend: its own sentence when it sent one, else
/// the widget's.
fn api_text(error: &ApiError, s: &Strings) -> String {
    let e = &s.errors;
    match error {
        ApiError::Refused { code, message, .. } => e
            .refusals
            .iter()
            .find(|(known, _)| known == code)
            .map_or_else(|| message.clone(), |(_, text)| (*text).to_owned()),
        ApiError::Unreachable => e.unreachable.to_owned(),
        ApiError::Unexplained { status } => fill(e.unexplained, &[("status", &status.to_string())]),
        ApiError::BadAnswer(detail) => fill(e.bad_answer, &[("detail", detail)]),
    }
}

fn reason_text(reason: RetryReason, s: &Strings) -> String {
    let r = &s.errors.reasons;
    match reason {
        RetryReason::Network => r.network.to_owned(),
        RetryReason::Timeout => r.timeout.to_owned(),
        RetryReason::Stalled => r.stalled.to_owned(),
        RetryReason::Status(status) => fill(r.status, &[("status", &status.to_string())]),
        RetryReason::Expired => r.expired.to_owned(),
        RetryReason::BadDigest => r.bad_digest.to_owned(),
    }
}

/// What the announcer says: an upload's start, each quarter, its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Announcement {
    Started { filename: String },
    Progress { filename: String, percent: u8 },
    Done { filename: String },
}

impl Announcement {
    /// The sentence, in `s`'s words.
    pub fn text(&self, s: &Strings) -> String {
        let a = &s.announce;
        match self {
            Announcement::Started { filename } => fill(a.started, &[("name", filename)]),
            Announcement::Progress { filename, percent } => fill(
                a.progress,
                &[("name", filename), ("percent", &s.percent(*percent))],
            ),
            Announcement::Done { filename } => fill(a.done, &[("name", filename)]),
        }
    }
}

/// The quarter (25, 50 or 75 %) to announce when an upload is at
/// `percent` and the last one announced was `last` (0 for none): only a
/// quarter newly reached, and never 100 %, which its completion tells.
pub fn quarter_reached(last: u8, percent: u8) -> Option<u8> {
    let quarter = percent / 25 * 25;
    (quarter > last && quarter < 100).then_some(quarter)
}

/// A stored video as the list shows it, in `s`'s words.
pub fn video_item(video: &ListedVideo, s: &Strings) -> VideoItem {
    let summary = &video.summary;
    VideoItem {
        id: summary.id.clone(),
        filename: summary.filename.clone(),
        size: s.size(summary.size),
        duration: video.media.duration.and_then(video_duration),
        uploaded_at: summary.uploaded_at.clone(),
        uploaded: local_time(&summary.uploaded_at, s.tag),
        poster: video.poster_url.clone(),
        play_label: fill(s.play_label, &[("name", &summary.filename)]),
    }
}

/// A duration of `seconds` as a clock (`0:07`, `1:05`, `1:02:03`, the same
/// in every locale) and as ISO 8601 (`PT65S`), rounded to the second; `None`
/// for a duration that is not a finite, positive number.
pub fn video_duration(seconds: f64) -> Option<VideoDuration> {
    {
        if !seconds.is_finite() || seconds <= 0.0 {
            return None;
        }
        let total = seconds.round().max(1.0) as u64;
        let (hours, minutes, secs) = (total / 3600, total / 60 % 60, total % 60);
        let clock = if hours > 0 {
            format!("{hours}:{minutes:02}:{secs:02}")
        } else {
            format!("{minutes}:{secs:02}")
        };
        Some(VideoDuration {
            clock,
            iso: format!("PT{total}S"),
        })
    }
}

/// One file of the queue as its row shows it, in `s`'s words.
pub fn queue_item(
    key: u64,
    filename: &str,
    state: UploadState,
    progress: Option<&ProgressFigures>,
    message: Option<&Message>,
    s: &Strings,
) -> QueueItem {
    let words = &s.words.queue;
    let status = match state {
        UploadState::Idle | UploadState::Queued => words.queued,
        UploadState::Uploading => words.uploading,
        UploadState::Paused => words.paused,
        UploadState::Resuming => words.resuming,
        UploadState::Done => words.done,
        UploadState::Error => words.failed,
        UploadState::Cancelled => words.cancelled,
    };
    let label = |action: &str| {
        fill(
            s.queue_action_label,
            &[("action", action), ("name", filename)],
        )
    };
    let pause_word = if state == UploadState::Paused {
        s.words.pause.resume
    } else {
        s.words.pause.pause
    };
    QueueItem {
        key,
        filename: filename.to_owned(),
        state: state.as_str(),
        status: status.to_owned(),
        progress: progress.map(|figures| figures.view(s)),
        message: message.map(|m| m.notice(s)),
        pausable: matches!(state, UploadState::Uploading | UploadState::Paused),
        paused: state == UploadState::Paused,
        cancellable: state.is_active() || state == UploadState::Queued,
        retryable: matches!(state, UploadState::Error | UploadState::Cancelled),
        pause_label: label(pause_word),
        cancel_label: label(s.words.cancel),
        retry_label: label(words.retry),
    }
}

impl From<&VideoDetails> for PlayableVideo {
    fn from(video: &VideoDetails) -> Self {
        PlayableVideo {
            id: video.listed.summary.id.clone(),
            url: video.url.clone(),
            title: video.listed.summary.filename.clone(),
            poster: video.listed.poster_url.clone(),
        }
    }
}

/// An RFC 3339 time in locale `tag` and the reader's time zone (by the
/// browser's `Intl`); the text as it came when the browser cannot read it.
fn local_time(rfc3339: &str, tag: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    date.to_locale_string(tag, &options).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::xhr::XhrError;
    use crate::locale::{EN, LOCALES, ZH_CN};
    use vidrop_shared::api::{MediaInfo, VideoSummary};
    use vidrop_shared::limits::MIB;

    fn figures(p: &ProgressTracker) -> ProgressFigures {
        ProgressFigures::from(p)
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_text_reads_well() {
        let mut p = ProgressTracker::new(3 * MIB, 0.0);
        assert_eq!(
            progress_text(&figures(&p), &EN),
            "0 % · 0 B of 3 MiB · 0 B/s"
        );
        p.update(MIB + MIB / 2, 500.0);
        assert_eq!(
            progress_text(&figures(&p), &EN),
            "50 % · 1.5 MiB of 3 MiB · 3 MiB/s"
        );
        assert_eq!(
            progress_text(&figures(&p), &ZH_CN),
            "50% · 已上传 1.5 MiB，共 3 MiB · 3 MiB/秒"
        );
        p.finish(1000.0);
        assert_eq!(
            progress_text(&figures(&p), &EN),
            "100 % · 3 MiB of 3 MiB · 3 MiB/s"
        );
        let view = figures(&p).view(&EN);
        assert_eq!((view.percent, view.percent_text.as_str()), (100, "100 %"));
        assert_eq!(view.eta, None);
        assert_eq!(figures(&p).view(&ZH_CN).percent_text, "100%");
        assert_eq!(
            progress_text(&ProgressFigures::start(500), &ZH_CN),
            "0% · 已上传 0 字节，共 500 字节 · 0 字节/秒"
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn time_left_reads_in_seconds_minutes_or_hours() {
        let mut p = ProgressTracker::new(10 * MIB, 0.0);
        assert_eq!(eta_text(&figures(&p), &EN), None);
        p.update(2 * MIB, 2000.0);
        assert_eq!(
            eta_text(&figures(&p), &EN).as_deref(),
            Some("about 8 s left")
        );
        assert_eq!(
            eta_text(&figures(&p), &ZH_CN).as_deref(),
            Some("剩余约 8 秒")
        );
        let mut slow = ProgressTracker::new(1000 * MIB, 0.0);
        slow.update(MIB, 1000.0);
        assert_eq!(
            eta_text(&figures(&slow), &EN).as_deref(),
            Some("about 17 min left")
        );
        assert_eq!(
            eta_text(&figures(&slow), &ZH_CN).as_deref(),
            Some("剩余约 17 分钟")
        );
        let mut slower = ProgressTracker::new(10_000 * MIB, 0.0);
        slower.update(MIB, 1000.0);
        assert_eq!(
            eta_text(&figures(&slower), &EN).as_deref(),
            Some("about 3 h left")
        );
        let mut slowest = ProgressTracker::new(10_000_000 * MIB, 0.0);
        slowest.update(MIB, 1000.0);
        assert_eq!(
            eta_text(&figures(&slowest), &ZH_CN).as_deref(),
            Some("剩余约 2,778 小时"),
            "counts are grouped"
        );
    }

    /// One error of every kind the widget words.
    fn every_error() -> Vec<UploadError> {
        vec![
            PolicyError::NotAVideo {
                content_type: String::new(),
            }
            .into(),
            PolicyError::NotAVideo {
                content_type: "text/plain".into(),
            }
            .into(),
            PolicyError::Empty.into(),
            PolicyError::TooLarge {
                size: 3 * MIB,
                max_size: MIB,
            }
            .into(),
            ApiError::Unreachable.into(),
            ApiError::Unexplained { status: 500 }.into(),
            ApiError::BadAnswer("missing field `id`".into()).into(),
            ApiError::Refused {
                status: 401,
                code: "token_expired".into(),
                message: "The upload token has expired.".into(),
            }
            .into(),
            UploadError::Storage {
                status: 403,
                error: None,
            },
            UploadError::Storage {
                status: 403,
                error: Some(S3Error {
                    code: "AccessDenied".into(),
                    message: String::new(),
                }),
            },
            UploadError::Storage {
                status: 403,
                error: Some(S3Error {
                    code: "AccessDenied".into(),
                    message: "Request has expired".into(),
                }),
            },
            XhrError::Network.into(),
            XhrError::Timeout.into(),
            XhrError::Aborted.into(),
            UploadError::UnsupportedPlan("POST".into()),
            XhrError::Browser("InvalidStateError".into()).into(),
            UploadError::PartFailed {
                part_number: 3,
                attempts: 10,
                reason: RetryReason::Stalled,
            },
            UploadError::PartFailed {
                part_number: 10_000,
                attempts: 2,
                reason: RetryReason::Status(503),
            },
            UploadError::UploadGone,
            UploadError::MissingEtag,
            UploadError::Read("NotReadableError".into()),
            UploadError::NoChecksum,
            UploadError::NotAVideo,
            UploadError::NoPicture,
        ]
    }

    #[test]
    fn english_errors_read_as_the_engine_words_them() {
        for error in every_error() {
            if matches!(error, UploadError::PartFailed { part_number, .. } if part_number >= 1000) {
                // English groups the part number; `Display` does not.
                continue;
            }
            assert_eq!(error_text(&error, &EN), error.to_string(), "{error:?}");
        }
    }

    #[test]
    fn every_error_is_worded_in_every_locale() {
        for locale in LOCALES {
            for error in every_error() {
                let text = error_text(&error, locale);
                assert!(!text.is_empty() && !text.contains('{'), "{text}");
                // What the server and storage said stays as they said it.
                match &error {
                    // Unless the locale words that refusal itself.
                    UploadError::Api(ApiError::Refused { code, message, .. }) => {
                        match locale
                            .errors
                            .refusals
                            .iter()
                            .find(|(known, _)| known == code)
                        {
                            Some((_, own)) => assert_eq!(&text, own),
                            None => assert_eq!(&text, message),
                        }
                    }
                    UploadError::Storage {
                        error: Some(S3Error { code, message }),
                        ..
                    } => assert!(text.contains(code) && text.contains(message), "{text}"),
                    _ => {}
                }
            }
        }
        let zh = |error: UploadError| error_text(&error, &ZH_CN);
        assert_eq!(zh(PolicyError::Empty.into()), "此文件是空的。");
        assert_eq!(
            zh(PolicyError::TooLarge {
                size: 3 * MIB,
                max_size: 1000
            }
            .into()),
            "此文件大小为 3 MiB；允许上传的最大大小为 1000 字节。"
        );
        assert_eq!(
            zh(UploadError::PartFailed {
                part_number: 10_000,
                attempts: 2,
                reason: RetryReason::Status(503),
            }),
            "第 10,000 个分片尝试 2 次后仍未能上传（HTTP 503）。请检查网络连接，\
             然后再次选择同一文件，从中断处继续。"
        );
        assert_eq!(
            zh(UploadError::Storage {
                status: 403,
                error: Some(S3Error {
                    code: "AccessDenied".into(),
                    message: "Request has expired".into(),
                }),
            }),
            "存储拒绝了上传（403 AccessDenied：Request has expired）。"
        );
    }

    #[test]
    fn messages_and_announcements_are_worded_when_shown() {
        let refused = Message::NotAccepted {
            accept: ".webm".into(),
            filename: "clip.mp4".into(),
            content_type: "video/mp4".into(),
        };
        assert_eq!(
            refused.text(&EN),
            "This page takes only .webm files; \"clip.mp4\" is video/mp4."
        );
        assert_eq!(
            refused.text(&ZH_CN),
            "此页面只接受 .webm 文件；“clip.mp4”的类型是 video/mp4。"
        );
        assert_eq!(
            Message::Cancelled.notice(&EN),
            Notice::info("Upload cancelled.")
        );
        assert_eq!(
            Message::Failed(PolicyError::Empty.into()).notice(&ZH_CN),
            Notice::error("此文件是空的。")
        );

        let name = || "sunset clip.webm".to_owned();
        let said = |a: Announcement| (a.text(&EN), a.text(&ZH_CN));
        assert_eq!(
            said(Announcement::Started { filename: name() }),
            (
                "Uploading sunset clip.webm".into(),
                "正在上传 sunset clip.webm".into()
            )
        );
        assert_eq!(
            said(Announcement::Progress {
                filename: name(),
                percent: 50
            }),
            (
                "sunset clip.webm: 50 % uploaded".into(),
                "sunset clip.webm：已上传 50%".into()
            )
        );
        assert_eq!(
            said(Announcement::Done { filename: name() }),
            (
                "sunset clip.webm uploaded".into(),
                "sunset clip.webm 已上传".into()
            )
        );
    }

    #[test]
    fn progress_is_announced_once_a_quarter() {
        let mut last = 0;
        let mut said = Vec::new();
        for percent in [0, 3, 24, 25, 26, 49, 80, 80, 99, 100] {
            if let Some(quarter) = quarter_reached(last, percent) {
                said.push(quarter);
                last = quarter;
            }
        }
        assert_eq!(said, [25, 75], "a quarter skipped over is not told late");
        assert_eq!(quarter_reached(0, 100), None, "completion says 100 %");
        assert_eq!(quarter_reached(0, 50), Some(50));
    }

    #[test]
    fn the_servers_refusals_read_in_the_readers_language() {
        let refused = |code: &str| {
            UploadError::Api(ApiError::Refused {
                status: 401,
                code: code.into(),
                message: "This upload token has expired.".into(),
            })
        };
        assert_eq!(
            error_text(&refused("token_expired"), &EN),
            "This upload token has expired.",
            "English shows the server's own words"
        );
        assert_eq!(
            error_text(&refused("token_expired"), &ZH_CN),
            "上传令牌已过期。请重新加载页面以获取新的令牌。"
        );
        assert_eq!(
            error_text(&refused("some_new_code"), &ZH_CN),
            "This upload token has expired.",
            "an unknown code keeps the server's words"
        );
        for (code, text) in ZH_CN.errors.refusals {
            let latin = text.replace("Vidrop", "").replace("token", "");
            assert!(
                !latin.chars().any(|c| c.is_ascii_alphabetic()),
                "{code}: {text}"
            );
        }
    }

    #[test]
    fn a_file_left_out_of_a_batch_says_why_in_every_locale() {
        let many = Message::TooManyFiles {
            filename: "fourth.webm".into(),
            max: 3,
        };
        let over = Message::OverTotal {
            filename: "big.mp4".into(),
            max: 10 * MIB,
        };
        assert_eq!(
            (many.code(), many.text(&EN)),
            (
                "too_many_files",
                "\"fourth.webm\" was not added: at most 3 files at a time.".into()
            )
        );
        assert_eq!(
            many.text(&ZH_CN),
            "未添加“fourth.webm”：一次最多 3 个文件。"
        );
        assert_eq!(
            (over.code(), over.text(&EN)),
            (
                "over_total",
                "\"big.mp4\" was not added: the files would come to more than 10 MiB \
                 together."
                    .into()
            )
        );
        assert_eq!(
            over.text(&ZH_CN),
            "未添加“big.mp4”：这些文件合计将超过 10 MiB。"
        );
    }

    #[test]
    fn a_queued_file_offers_what_its_state_allows() {
        let figures = ProgressFigures::start(1000);
        let row = |state, s| queue_item(7, "a.webm", state, Some(&figures), None, s);
        let uploading = row(UploadState::Uploading, &EN);
        assert_eq!(
            (uploading.state, uploading.status.as_str()),
            ("uploading", "Uploading")
        );
        assert!(uploading.pausable && uploading.cancellable && !uploading.retryable);
        assert_eq!(uploading.pause_label, "Pause a.webm");
        assert_eq!(uploading.cancel_label, "Cancel a.webm");
        let paused = row(UploadState::Paused, &ZH_CN);
        assert!(paused.paused && paused.pausable);
        assert_eq!(paused.status, "已暂停");
        assert_eq!(paused.pause_label, "继续：a.webm");
        let queued = row(UploadState::Queued, &EN);
        assert!(!queued.pausable && queued.cancellable && !queued.retryable);
        assert_eq!(queued.status, "Waiting");
        for state in [UploadState::Error, UploadState::Cancelled] {
            let ended = row(state, &EN);
            assert!(ended.retryable && !ended.cancellable && !ended.pausable);
            assert_eq!(ended.retry_label, "Retry a.webm");
        }
        let done = row(UploadState::Done, &EN);
        assert!(!done.retryable && !done.cancellable && !done.pausable);
    }

    #[test]
    fn a_duration_reads_as_a_clock_in_every_locale() {
        let clock = |seconds| video_duration(seconds).map(|d| (d.clock, d.iso));
        assert_eq!(clock(7.4), Some(("0:07".into(), "PT7S".into())));
        assert_eq!(clock(0.3), Some(("0:01".into(), "PT1S".into())));
        assert_eq!(clock(65.0), Some(("1:05".into(), "PT65S".into())));
        assert_eq!(clock(3723.0), Some(("1:02:03".into(), "PT3723S".into())));
        assert_eq!(clock(0.0), None);
        assert_eq!(clock(f64::INFINITY), None);
        assert_eq!(clock(f64::NAN), None);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_video_plays_under_its_file_name() {
        let video = VideoDetails {
            listed: ListedVideo {
                summary: VideoSummary {
                    id: "01A".into(),
                    filename: "first clip.mp4".into(),
                    content_type: "video/mp4".into(),
                    size: 1,
                    uploaded_at: "2026-11-23T15:10:00Z".into(),
                },
                media: MediaInfo::default(),
                poster_url: Some("http://s3/videos/01A.poster.jpg?X-Amz-Signature=def".into()),
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
                poster: Some("http://s3/videos/01A.poster.jpg?X-Amz-Signature=def".into()),
            }
        );
    }
}
