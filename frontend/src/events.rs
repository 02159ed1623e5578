//! The DOM events the widget sends to its host page.
//!
//! Each is a bubbling `CustomEvent` dispatched on the widget's root element
//! (`#vidrop`), with a JSON-shaped `detail`, so a page can follow uploads with
//! `addEventListener("vidrop:uploaded", e => e.detail.id)` on any ancestor.

use serde::Serialize;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, Element};

/// An upload passed the checks and starts; detail
/// `{filename, content_type, size}`.
pub const UPLOAD_START: &str = "vidrop:upload-start";
/// Bytes went out; detail `{loaded, total, percent}`.
pub const PROGRESS: &str = "vidrop:progress";
/// The video is stored; detail: the video as `GET /api/videos/{id}` returns it.
pub const UPLOADED: &str = "vidrop:uploaded";
/// The upload failed; detail `{message}`, the sentence the widget shows.
pub const ERROR: &str = "vidrop:error";
/// The user cancelled the upload; detail `{filename}`.
pub const CANCELLED: &str = "vidrop:cancelled";
/// The user paused the upload (requests in flight are aborted, their parts
/// go back to the queue); detail `{upload_id}` (`null` before it is known).
pub const PAUSED: &str = "vidrop:paused";
/// The user resumed a paused upload; detail `{upload_id}`.
pub const RESUMED: &str = "vidrop:resumed";
/// A part failed and will be tried again; detail
/// `{part_number, attempt, reason, delay_ms}`: `attempt` is the number of the
/// try that failed (1 for the first), `reason` one of `network`, `timeout`,
/// `stalled`, `expired`, `bad-digest` or `http-<status>`, `delay_ms` the wait
/// before the next try.
pub const PART_RETRY: &str = "vidrop:part-retry";

/// Dispatches event `name` with `detail` on `target`. An event the page cannot
/// receive is not the widget's problem, so failures are ignored.
pub fn emit(target: Option<&Element>, name: &str, detail: &impl Serialize) {
    let Some(target) = target else { return };
    let detail = serde_json::to_string(detail)
        .ok()
        .and_then(|json| js_sys::JSON::parse(&json).ok())
        .unwrap_or(JsValue::NULL);
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(&detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = target.dispatch_event(&event);
    }
}
