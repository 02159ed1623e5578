//! The DOM events the widget sends to its host page.
//!
//! Each is a bubbling, composed `CustomEvent` dispatched on the
//! `<vidrop-uploader>` element itself, so a page can follow uploads with
//! `addEventListener("vidrop:complete", e => e.detail.url)` on the element or
//! any ancestor; `event.target` is the element. Each event is a struct here:
//! its name is [`WidgetEvent::NAME`], and its fields, as a plain object, are
//! the event's `detail`. Every detail names the file it is about. They are a
//! contract with host pages: add fields, never rename or remove one.

use crate::json::{Written, number};
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, EventTarget};

/// An event for the host page: a name, and its `detail`.
pub trait WidgetEvent {
    /// The event's type, `vidrop:…`.
    const NAME: &'static str;

    /// The fields, in order, as the `detail` object.
    fn detail(&self) -> Written;
}

/// `vidrop:start`: a file passed the checks and its upload starts.
#[derive(Debug)]
pub struct Start<'a> {
    /// The cleaned file name the video will be stored under.
    pub filename: &'a str,
    /// The video's content type, as it will be stored.
    pub content_type: &'a str,
    /// The file's size in bytes.
    pub size: u64,
}

impl WidgetEvent for Start<'_> {
    const NAME: &'static str = "vidrop:start";

    fn detail(&self) -> Written {
        Written::new()
            .field("filename", self.filename)
            .field("content_type", self.content_type)
            .field("size", number(self.size))
    }
}

/// `vidrop:progress`: bytes went out (or came back out after a failure). At
/// most one every [`PROGRESS_INTERVAL_MS`]; `vidrop:complete` tells the end.
#[derive(Debug)]
pub struct Progress<'a> {
    pub filename: &'a str,
    /// Bytes sent and not failed so far.
    pub loaded: u64,
    /// The file's size in bytes.
    pub total: u64,
    /// Whole percent, 0 to 100; 100 only once storage accepted the upload.
    pub percent: u8,
}

impl WidgetEvent for Progress<'_> {
    const NAME: &'static str = "vidrop:progress";

    fn detail(&self) -> Written {
        Written::new()
            .field("filename", self.filename)
            .field("loaded", number(self.loaded))
            .field("total", number(self.total))
            .field("percent", self.percent)
    }
}

/// `vidrop:complete`: the video is stored and verified.
#[derive(Debug)]
pub struct Complete<'a> {
    /// The video's id (`GET /api/videos/{id}`).
    pub id: &'a str,
    pub filename: &'a str,
    /// Its size in bytes.
    pub size: u64,
    pub content_type: &'a str,
    /// Seconds, from the `<video>`'s metadata; `null` when the browser could
    /// not read it.
    pub duration: Option<f64>,
    /// Where to play it from: a presigned GET, valid until `expires_at`.
    pub url: &'a str,
    /// RFC 3339 time after which `url` no longer works.
    pub expires_at: &'a str,
}

impl WidgetEvent for Complete<'_> {
    const NAME: &'static str = "vidrop:complete";

    fn detail(&self) -> Written {
        Written::new()
            .field("id", self.id)
            .field("filename", self.filename)
            .field("size", number(self.size))
            .field("content_type", self.content_type)
            .field("duration", self.duration)
            .field("url", self.url)
            .field("expires_at", self.expires_at)
    }
}

/// `vidrop:error`: the upload failed or the file was refused (`filename`
/// set), or the backend refused to list or play videos (`filename` null).
#[derive(Debug)]
pub struct Error<'a> {
    /// A stable machine code: the backend's own (`token_expired`,
    /// `too_large`, …) or the widget's (`unreachable`, `not_accepted`,
    /// `connection_lost`, …).
    pub code: &'a str,
    /// The sentence the widget shows.
    pub message: &'a str,
    pub filename: Option<&'a str>,
}

impl WidgetEvent for Error<'_> {
    const NAME: &'static str = "vidrop:error";

    fn detail(&self) -> Written {
        Written::new()
            .field("code", self.code)
            .field("message", self.message)
            .field("filename", self.filename)
    }
}

/// `vidrop:cancel`: the upload was cancelled (the Cancel button,
/// `element.cancel()`, or the element was removed from the page).
#[derive(Debug)]
pub struct Cancel<'a> {
    pub filename: &'a str,
}

impl WidgetEvent for Cancel<'_> {
    const NAME: &'static str = "vidrop:cancel";

    fn detail(&self) -> Written {
        Written::new().field("filename", self.filename)
    }
}

/// `vidrop:pause`: the user paused the upload (requests in flight are
/// aborted, their parts go back to the queue).
#[derive(Debug)]
pub struct Pause<'a> {
    pub filename: &'a str,
    /// The upload's API id; `null` before the backend has given one.
    pub upload_id: Option<&'a str>,
}

impl WidgetEvent for Pause<'_> {
    const NAME: &'static str = "vidrop:pause";

    fn detail(&self) -> Written {
        Written::new()
            .field("filename", self.filename)
            .field("upload_id", self.upload_id)
    }
}

/// `vidrop:resume`: the user resumed a paused upload.
#[derive(Debug)]
pub struct Resume<'a> {
    pub filename: &'a str,
    /// The upload's API id; `null` before the backend has given one.
    pub upload_id: Option<&'a str>,
}

impl WidgetEvent for Resume<'_> {
    const NAME: &'static str = "vidrop:resume";

    fn detail(&self) -> Written {
        Written::new()
            .field("filename", self.filename)
            .field("upload_id", self.upload_id)
    }
}

/// `vidrop:part-retry`: a part failed and will be tried again.
#[derive(Debug)]
pub struct PartRetry<'a> {
    pub filename: &'a str,
    /// The part's number, from 1.
    pub part_number: u32,
    /// The number of the try that failed (1 for the first).
    pub attempt: u32,
    /// Why: `network`, `timeout`, `stalled`, `expired`, `bad-digest` or
    /// `http-<status>`.
    pub reason: String,
    /// The wait before the next try, in whole milliseconds.
    pub delay_ms: u64,
}

impl WidgetEvent for PartRetry<'_> {
    const NAME: &'static str = "vidrop:part-retry";

    fn detail(&self) -> Written {
        Written::new()
            .field("filename", self.filename)
            .field("part_number", self.part_number)
            .field("attempt", self.attempt)
            .field("reason", self.reason.as_str())
            .field("delay_ms", number(self.delay_ms))
    }
}

/// The shortest time between two `vidrop:progress` events: at most ten a
/// second, however often the browser reports bytes.
pub const PROGRESS_INTERVAL_MS: f64 = 100.0;

/// When a progress report becomes a `vidrop:progress` event: at once, or
/// (the latest of those that came too soon) once the interval is over, so
/// the last figures are always told.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProgressThrottle {
    last_ms: Option<f64>,
    /// A send of the latest report is scheduled.
    waiting: bool,
}

/// What to do with a progress report.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Throttled {
    /// Send it now.
    Now,
    /// Keep it, and send the latest report after this many milliseconds
    /// (then call [`ProgressThrottle::sent`]).
    After(f64),
    /// Keep it: a send of the latest is already scheduled.
    Held,
}

impl ProgressThrottle {
    /// What to do with a report at `now_ms`.
    pub fn offer(&mut self, now_ms: f64) -> Throttled {
        if self.waiting {
            return Throttled::Held;
        }
        match self.last_ms {
            Some(last) if now_ms - last < PROGRESS_INTERVAL_MS => {
                self.waiting = true;
                Throttled::After(last + PROGRESS_INTERVAL_MS - now_ms)
            }
            _ => {
                self.last_ms = Some(now_ms);
                Throttled::Now
            }
        }
    }

    /// Milliseconds until a scheduled send is due at `now_ms` (none left
    /// when it is). A timer may end a little early by the page's clock
    /// (`setTimeout` drops fractions; Firefox blurs `performance.now()`),
    /// so the send checks before it goes.
    pub fn wait_left(&self, now_ms: f64) -> f64 {
        self.last_ms
            .map_or(0.0, |last| last + PROGRESS_INTERVAL_MS - now_ms)
            .max(0.0)
    }

    /// The scheduled send happened at `now_ms`.
    pub fn sent(&mut self, now_ms: f64) {
        self.waiting = false;
        self.last_ms = Some(now_ms);
    }
}

/// Dispatches the event `name` (a [`WidgetEvent::NAME`]) with its `detail`
/// on `target`: bubbling, and composed, so that it leaves the shadow root.
/// Not generic, so the wasm holds it once. An event the page cannot
/// receive is not the widget's problem, so failures are ignored.
pub fn dispatch(target: &EventTarget, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = target.dispatch_event(&event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(target_arch = "wasm32")]
    fn json(event: &impl WidgetEvent) -> String {
        event.detail().text()
    }

    /// Host pages read these names and fields: they never change. (The
    /// details are JavaScript objects: in the browser only.)
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn events_keep_their_names_and_fields() {
        assert_eq!(
            [
                Start::NAME,
                Progress::NAME,
                Complete::NAME,
                Error::NAME,
                Cancel::NAME,
                Pause::NAME,
                Resume::NAME,
                PartRetry::NAME
            ],
            [
                "vidrop:start",
                "vidrop:progress",
                "vidrop:complete",
                "vidrop:error",
                "vidrop:cancel",
                "vidrop:pause",
                "vidrop:resume",
                "vidrop:part-retry"
            ]
        );
        assert_eq!(
            json(&Start {
                filename: "clip.webm",
                content_type: "video/webm",
                size: 3
            }),
            r#"{"filename":"clip.webm","content_type":"video/webm","size":3}"#
        );
        assert_eq!(
            json(&Progress {
                filename: "a.webm",
                loaded: 1,
                total: 2,
                percent: 50
            }),
            r#"{"filename":"a.webm","loaded":1,"total":2,"percent":50}"#
        );
        assert_eq!(
            json(&Complete {
                id: "01A",
                filename: "a.webm",
                size: 3,
                content_type: "video/webm",
                duration: Some(2.5),
                url: "http://s3/a",
                expires_at: "2026-11-23T16:10:00Z",
            }),
            r#"{"id":"01A","filename":"a.webm","size":3,"content_type":"video/webm","duration":2.5,"url":"http://s3/a","expires_at":"2026-11-23T16:10:00Z"}"#
        );
        assert_eq!(
            json(&Error {
                code: "token_expired",
                message: "No.",
                filename: None
            }),
            r#"{"code":"token_expired","message":"No.","filename":null}"#
        );
        assert_eq!(
            json(&Cancel {
                filename: "clip.webm"
            }),
            r#"{"filename":"clip.webm"}"#
        );
        assert_eq!(
            json(&Pause {
                filename: "a.webm",
                upload_id: None
            }),
            r#"{"filename":"a.webm","upload_id":null}"#
        );
        assert_eq!(
            json(&Resume {
                filename: "a.webm",
                upload_id: Some("01A")
            }),
            r#"{"filename":"a.webm","upload_id":"01A"}"#
        );
        assert_eq!(
            json(&PartRetry {
                filename: "a.webm",
                part_number: 2,
                attempt: 1,
                reason: "http-503".into(),
                delay_ms: 412
            }),
            r#"{"filename":"a.webm","part_number":2,"attempt":1,"reason":"http-503","delay_ms":412}"#
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn progress_goes_out_at_most_ten_times_a_second_and_the_last_is_told() {
        // A report every millisecond for a second; a scheduled send happens
        // when it is due.
        let mut throttle = ProgressThrottle::default();
        let mut sent = Vec::new();
        let mut due = None;
        for ms in 0..1000 {
            let now = f64::from(ms);
            if due.is_some_and(|due| now >= due) {
                throttle.sent(now);
                sent.push(now);
                due = None;
            }
            match throttle.offer(now) {
                Throttled::Now => sent.push(now),
                Throttled::After(wait) => due = Some(now + wait),
                Throttled::Held => {}
            }
        }
        assert_eq!(sent.len(), 10, "{sent:?}");
        assert!(sent.windows(2).all(|w| w[1] - w[0] >= PROGRESS_INTERVAL_MS));
        assert_eq!(due, Some(1000.0), "the last report is still to be told");

        let mut throttle = ProgressThrottle::default();
        assert_eq!(throttle.offer(5.0), Throttled::Now);
        assert_eq!(throttle.offer(30.0), Throttled::After(75.0));
        assert_eq!(throttle.offer(60.0), Throttled::Held);
        assert_eq!(throttle.wait_left(103.5), 1.5, "a timer that ended early");
        assert_eq!(throttle.wait_left(105.0), 0.0);
        throttle.sent(105.0);
        assert_eq!(throttle.offer(150.0), Throttled::After(55.0));
        throttle.sent(205.0);
        assert_eq!(throttle.offer(400.0), Throttled::Now);
    }
}
