//! The DOM events the widget sends to its host page.
//!
//! Each is a bubbling, composed `CustomEvent` dispatched on the widget's root
//! element (`#vidrop`), so a page can follow uploads with
//! `addEventListener("vidrop:uploaded", e => e.detail.id)` on any ancestor.
//! Each event is a struct here: its name is [`WidgetEvent::NAME`], and its
//! fields, serialised as JSON, are the event's `detail`. They are a contract
//! with host pages: add fields, never rename or remove one.

use serde::Serialize;
use vidrop_shared::api::Video;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// An event for the host page: a name, and a `detail` to serialise.
pub trait WidgetEvent: Serialize {
    /// The event's type, `vidrop:…`.
    const NAME: &'static str;
}

/// `vidrop:upload-start`: an upload passed the checks and starts.
#[derive(Debug, Serialize)]
pub struct UploadStart<'a> {
    /// The cleaned file name the video will be stored under.
    pub filename: &'a str,
    /// The video's content type, as it will be stored.
    pub content_type: &'a str,
    /// The file's size in bytes.
    pub size: u64,
}

impl WidgetEvent for UploadStart<'_> {
    const NAME: &'static str = "vidrop:upload-start";
}

/// `vidrop:progress`: bytes went out (or came back out after a failure).
#[derive(Debug, Serialize)]
pub struct Progress {
    /// Bytes sent and not failed so far.
    pub loaded: u64,
    /// The file's size in bytes.
    pub total: u64,
    /// Whole percent, 0 to 100; 100 only once storage accepted the upload.
    pub percent: u8,
}

impl WidgetEvent for Progress {
    const NAME: &'static str = "vidrop:progress";
}

/// `vidrop:uploaded`: the video is stored. The detail is the video as
/// `GET /api/videos/{id}` returns it (`id`, `filename`, `content_type`,
/// `size`, `uploaded_at`, and a presigned `url` with its `expires_at`).
#[derive(Debug, Serialize)]
#[serde(transparent)]
pub struct Uploaded<'a> {
    /// The stored video, with its playback URL.
    pub video: &'a Video,
}

impl WidgetEvent for Uploaded<'_> {
    const NAME: &'static str = "vidrop:uploaded";
}

/// `vidrop:error`: the upload failed (or the file was refused).
#[derive(Debug, Serialize)]
pub struct Failed<'a> {
    /// The sentence the widget shows.
    pub message: &'a str,
}

impl WidgetEvent for Failed<'_> {
    const NAME: &'static str = "vidrop:error";
}

/// `vidrop:cancelled`: the user cancelled the upload.
#[derive(Debug, Serialize)]
pub struct Cancelled<'a> {
    /// The cleaned file name of the cancelled upload.
    pub filename: &'a str,
}

impl WidgetEvent for Cancelled<'_> {
    const NAME: &'static str = "vidrop:cancelled";
}

/// `vidrop:paused`: the user paused the upload (requests in flight are
/// aborted, their parts go back to the queue).
#[derive(Debug, Serialize)]
pub struct Paused<'a> {
    /// The upload's API id; `null` before the backend has given one.
    pub upload_id: Option<&'a str>,
}

impl WidgetEvent for Paused<'_> {
    const NAME: &'static str = "vidrop:paused";
}

/// `vidrop:resumed`: the user resumed a paused upload.
#[derive(Debug, Serialize)]
pub struct Resumed<'a> {
    /// The upload's API id; `null` before the backend has given one.
    pub upload_id: Option<&'a str>,
}

impl WidgetEvent for Resumed<'_> {
    const NAME: &'static str = "vidrop:resumed";
}

/// `vidrop:part-retry`: a part failed and will be tried again.
#[derive(Debug, Serialize)]
pub struct PartRetry {
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

impl WidgetEvent for PartRetry {
    const NAME: &'static str = "vidrop:part-retry";
}

/// Dispatches `event` on `target`. An event the page cannot receive is not
/// the widget's problem, so failures are ignored.
pub fn emit<E: WidgetEvent>(target: Option<&Element>, event: &E) {
    let Some(target) = target else { return };
    let detail = serde_json::to_string(event)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL);
    dispatch(target, E::NAME, &detail);
}

/// The part of [`emit`] that does not depend on the event's type, so the
/// wasm holds it once.
fn dispatch(target: &Element, name: &str, detail: &JsValue) {
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

    fn json(event: &impl WidgetEvent) -> String {
        serde_json::to_string(event).unwrap()
    }

    /// Host pages read these names and fields: they never change.
    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn events_keep_their_names_and_fields() {
        assert_eq!(
            [
                UploadStart::NAME,
                Progress::NAME,
                Uploaded::NAME,
                Failed::NAME,
                Cancelled::NAME,
                Paused::NAME,
                Resumed::NAME,
                PartRetry::NAME
            ],
            [
                "vidrop:upload-start",
                "vidrop:progress",
                "vidrop:uploaded",
                "vidrop:error",
                "vidrop:cancelled",
                "vidrop:paused",
                "vidrop:resumed",
                "vidrop:part-retry"
            ]
        );
        assert_eq!(
            json(&UploadStart {
                filename: "clip.webm",
                content_type: "video/webm",
                size: 3
            }),
            r#"{"filename":"clip.webm","content_type":"video/webm","size":3}"#
        );
        assert_eq!(
            json(&Progress {
                loaded: 1,
                total: 2,
                percent: 50
            }),
            r#"{"loaded":1,"total":2,"percent":50}"#
        );
        assert_eq!(json(&Paused { upload_id: None }), r#"{"upload_id":null}"#);
        assert_eq!(
            json(&Resumed {
                upload_id: Some("01A")
            }),
            r#"{"upload_id":"01A"}"#
        );
        assert_eq!(json(&Failed { message: "No." }), r#"{"message":"No."}"#);
        let video: Video = serde_json::from_str(
            r#"{"id":"01A","filename":"a.webm","content_type":"video/webm","size":3,"uploaded_at":"2026-11-23T15:10:00Z","url":"http://s3/a","expires_at":"2026-11-23T16:10:00Z"}"#,
        )
        .unwrap();
        assert_eq!(
            json(&Uploaded { video: &video }),
            serde_json::to_string(&video).unwrap(),
            "the video as the API answers it"
        );
        assert_eq!(
            json(&Cancelled {
                filename: "clip.webm"
            }),
            r#"{"filename":"clip.webm"}"#
        );
        assert_eq!(
            json(&PartRetry {
                part_number: 2,
                attempt: 1,
                reason: "http-503".into(),
                delay_ms: 412
            }),
            r#"{"part_number":2,"attempt":1,"reason":"http-503","delay_ms":412}"#
        );
    }
}
