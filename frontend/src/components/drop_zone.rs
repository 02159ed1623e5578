//! Where videos come in: drag them onto the zone, choose them with the file
//! picker, or paste them (files copied in a file manager) while the zone
//! has focus.

use super::words::DropZoneText;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, Element, File, HtmlInputElement, Node};

/// A dashed drop zone with a "Choose a video" button.
///
/// The file input is only visually hidden (not `display: none`), so it stays
/// focusable by keyboard and reachable by test drivers; its label is the
/// visible button.
///
/// It takes plain values: the view draws it again, in place, when one of
/// them changes (rarely). The drop state lives in the zone's class list
/// alone, so a drag does not draw it again.
#[component]
pub fn DropZone(
    /// Called with the files the user dropped, chose or pasted (one at
    /// most unless `multiple`).
    on_files: impl Fn(Vec<File>) + Copy + Send + Sync + 'static,
    /// Whether several files may come at once (the picker's `multiple`).
    multiple: bool,
    /// While true (an upload is running) new files are refused.
    busy: bool,
    /// Its words, in the language of the moment.
    text: DropZoneText,
    /// The file input's `accept`.
    accept: String,
) -> impl IntoView {
    let show_drop = move |ev: &DragEvent, on: bool| {
        if let Some(zone) = ev
            .current_target()
            .and_then(|t| t.dyn_into::<Element>().ok())
        {
            let _ = zone.class_list().toggle_with_force(ACTIVE, on && !busy);
        }
    };
    let on_drag_over = move |ev: DragEvent| {
        // Without this the browser opens the dropped file itself.
        ev.prevent_default();
        if let Some(transfer) = ev.data_transfer() {
            transfer.set_drop_effect(if busy { "none" } else { "copy" });
        }
        show_drop(&ev, true);
    };
    let on_drag_leave = move |ev: DragEvent| {
        // Moving over the zone's own children also fires `dragleave`.
        let zone = ev.current_target().and_then(|t| t.dyn_into::<Node>().ok());
        let into = ev.related_target().and_then(|t| t.dyn_into::<Node>().ok());
        if zone.is_some_and(|zone| zone.contains(into.as_ref())) {
            return;
        }
        show_drop(&ev, false);
    };
    // The files a transfer carries: all of them, or the first.
    let take = move |files: Option<web_sys::FileList>| -> Vec<File> {
        let files = files.map_or_else(Vec::new, |list| {
            (0..list.length()).filter_map(|i| list.get(i)).collect()
        });
        let keep = if multiple { files.len() } else { 1 };
        files.into_iter().take(keep).collect()
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        show_drop(&ev, false);
        if busy {
            return;
        }
        let files = take(ev.data_transfer().and_then(|t| t.files()));
        if !files.is_empty() {
            on_files(files);
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        if busy {
            return;
        }
        let files = take(ev.clipboard_data().and_then(|data| data.files()));
        if !files.is_empty() {
            // Files, not text: nothing else of the page takes them.
            ev.prevent_default();
            on_files(files);
        }
    };
    let on_change = move |ev: leptos::ev::Event| {
        let input: HtmlInputElement = event_target(&ev);
        let files = take(input.files());
        if !files.is_empty() {
            on_files(files);
        }
        // So that choosing the same file again fires `change` again.
        input.set_value("");
    };

    view! {
        <div
            id="vidrop-dropzone"
            class="vidrop-dropzone"
            part="dropzone"
            class:vidrop-dropzone--busy=busy
            on:dragenter=on_drag_over
            on:dragover=on_drag_over
            on:dragleave=on_drag_leave
            on:drop=on_drop
            on:paste=on_paste
        >
            <svg class="vidrop-dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M4 5h11a2 2 0 0 1 2 2v2.5l4-2.5v10l-4-2.5V17a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z"></path>
            </svg>
            <p class="vidrop-dropzone-title">{if busy { text.busy } else { text.title }}</p>
            <input
                type="file"
                id="vidrop-file"
                class="vidrop-file-input"
                accept=accept
                multiple=multiple
                disabled=busy
                on:change=on_change
            />
            <label for="vidrop-file" class="vidrop-button vidrop-button--primary" part="button choose">
                {text.choose}
            </label>
            <p class="vidrop-dropzone-hint">{text.hint}</p>
        </div>
    }
}

/// The zone's class while files are dragged over it (and it takes them).
const ACTIVE: &str = "vidrop-dropzone--active";
