//! Where videos come in: drag them onto the zone, choose them with the file
//! picker, or paste them (files copied in a file manager) while the zone
//! has focus.

use super::action::Action;
use super::words::DropZoneText;
use crate::dom::Tree;
use wasm_bindgen::JsCast;
use web_sys::{ClipboardEvent, DragEvent, Element, Event, File, FileList, HtmlInputElement, Node};

/// What the drop zone shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DropZone {
    /// Whether several files may come at once (the picker's `multiple`).
    pub multiple: bool,
    /// While true (an upload is running) new files are refused.
    pub busy: bool,
    /// Files are dragged over it (and it takes them).
    pub active: bool,
    /// The file input's `accept`.
    pub accept: String,
}

/// A dashed drop zone with a "Choose a video" button.
///
/// The file input is only visually hidden (not `display: none`), so it stays
/// focusable by keyboard and reachable by test drivers; its label is the
/// visible button.
pub fn drop_zone(tree: &mut Tree, zone: &DropZone, text: &DropZoneText) {
    let mut class = String::from("vidrop-dropzone");
    if zone.busy {
        class.push_str(" vidrop-dropzone--busy");
    }
    if zone.active && !zone.busy {
        class.push_str(" vidrop-dropzone--active");
    }
    tree.open("div")
        .attr("id", "vidrop-dropzone")
        .attr("class", &class)
        .attr("part", "dropzone")
        .on(&Action::DropZone.write())
        .open("svg")
        .attr("class", "vidrop-dropzone-icon")
        .attr("viewBox", "0 0 24 24")
        .attr("aria-hidden", "true")
        .open("path")
        .attr(
            "d",
            "M4 5h11a2 2 0 0 1 2 2v2.5l4-2.5v10l-4-2.5V17a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z",
        )
        .close()
        .close()
        .open("p")
        .attr("class", "vidrop-dropzone-title")
        .text(if zone.busy { text.busy } else { text.title })
        .close()
        .open("input")
        .attr("type", "file")
        .attr("id", "vidrop-file")
        .attr("class", "vidrop-file-input")
        .attr("accept", &zone.accept)
        .flag("multiple", zone.multiple)
        .flag("disabled", zone.busy)
        .on(&Action::Choose.write())
        .close()
        .open("label")
        .attr("for", "vidrop-file")
        .attr("class", "vidrop-button vidrop-button--primary")
        .attr("part", "button choose")
        .text(text.choose)
        .close()
        .open("p")
        .attr("class", "vidrop-dropzone-hint")
        .text(text.hint)
        .close()
        .close();
}

/// What an event on the zone means.
#[derive(Debug)]
pub enum ZoneEvent {
    /// Files are dragged over it: show that it takes them.
    Over,
    /// They left it (or were dropped): stop showing it.
    Left,
    /// These files came (dropped or pasted), and the drag, if any, is over.
    Files(Vec<File>),
    /// Nothing for the widget.
    None,
}

/// What `event` on the drop zone `zone` means, for a zone that takes
/// several files if `multiple`, none while `busy`. Cancels what the
/// browser would do itself with files dropped or pasted.
pub fn zone_event(event: &Event, zone: &Element, multiple: bool, busy: bool) -> ZoneEvent {
    let take = |list| take_files(list, multiple);
    match event.type_().as_str() {
        "dragenter" | "dragover" => {
            // Without this the browser opens the dropped file itself.
            event.prevent_default();
            if let Some(transfer) = event.dyn_ref::<DragEvent>().and_then(|e| e.data_transfer()) {
                transfer.set_drop_effect(if busy { "none" } else { "copy" });
            }
            ZoneEvent::Over
        }
        "dragleave" => {
            // Moving over the zone's own children also fires `dragleave`.
            let into = event
                .dyn_ref::<DragEvent>()
                .and_then(|e| e.related_target())
                .and_then(|t| t.dyn_into::<Node>().ok());
            if zone.contains(into.as_ref()) {
                ZoneEvent::None
            } else {
                ZoneEvent::Left
            }
        }
        "drop" => {
            event.prevent_default();
            let files = event
                .dyn_ref::<DragEvent>()
                .and_then(|e| e.data_transfer())
                .and_then(|t| t.files());
            if busy {
                ZoneEvent::Left
            } else {
                ZoneEvent::Files(take(files))
            }
        }
        "paste" if !busy => {
            let files = take(
                event
                    .dyn_ref::<ClipboardEvent>()
                    .and_then(|e| e.clipboard_data())
                    .and_then(|data| data.files()),
            );
            if files.is_empty() {
                return ZoneEvent::None;
            }
            // Files, not text: nothing else of the page takes them.
            event.prevent_default();
            ZoneEvent::Files(files)
        }
        _ => ZoneEvent::None,
    }
}

/// The files chosen in the picker `input` (one at most unless
/// `multiple`); the picker is emptied, so that choosing the same file again
/// fires `change` again.
pub fn chosen_files(input: &Element, multiple: bool) -> Vec<File> {
    let Some(input) = input.dyn_ref::<HtmlInputElement>() else {
        return Vec::new();
    };
    let files = take_files(input.files(), multiple);
    input.set_value("");
    files
}

/// The files a transfer carries: all of them, or the first.
fn take_files(list: Option<FileList>, multiple: bool) -> Vec<File> {
    let files = list.map_or_else(Vec::new, |list| {
        (0..list.length()).filter_map(|i| list.get(i)).collect()
    });
    let keep = if multiple { files.len() } else { 1 };
    files.into_iter().take(keep).collect()
}
