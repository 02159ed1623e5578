//! Where videos come in: drag them onto the zone, choose them with the file
//! picker, or paste them (files copied in a file manager) while the zone
//! has focus.

use super::words::Words;
use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DragEvent, File, HtmlInputElement, Node};

/// A dashed drop zone with a "Choose a video" button.
///
/// The file input is only visually hidden (not `display: none`), so it stays
/// focusable by keyboard and reachable by test drivers; its label is the
/// visible button.
#[component]
pub fn DropZone(
    /// Called with the files the user dropped, chose or pasted (one at
    /// most unless `multiple`).
    on_files: impl Fn(Vec<File>) + Copy + Send + Sync + 'static,
    /// Whether several files may come at once (the picker's `multiple`).
    multiple: impl Fn() -> bool + Copy + Send + Sync + 'static,
    /// While true (an upload is running) new files are refused.
    busy: impl Fn() -> bool + Copy + Send + Sync + 'static,
    /// The words of the moment (its own are `drop_zone`).
    words: impl Fn() -> Words + Copy + Send + Sync + 'static,
    /// The file input's `accept`.
    accept: impl Fn() -> String + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let (dragging, set_dragging) = signal(false);
    let text = move || words().drop_zone;

    let on_drag_over = move |ev: DragEvent| {
        // Without this the browser opens the dropped file itself.
        ev.prevent_default();
        if let Some(transfer) = ev.data_transfer() {
            transfer.set_drop_effect(if untrack(busy) { "none" } else { "copy" });
        }
        set_dragging.set(true);
    };
    let on_drag_leave = move |ev: DragEvent| {
        // Moving over the zone's own children also fires `dragleave`.
        let zone = ev.current_target().and_then(|t| t.dyn_into::<Node>().ok());
        let into = ev.related_target().and_then(|t| t.dyn_into::<Node>().ok());
        if zone.is_some_and(|zone| zone.contains(into.as_ref())) {
            return;
        }
        set_dragging.set(false);
    };
    // The files a transfer carries: all of them, or the first.
    let take = move |files: Option<web_sys::FileList>| -> Vec<File> {
        let files = files.map_or_else(Vec::new, |list| {
            (0..list.length()).filter_map(|i| list.get(i)).collect()
        });
        let keep = if untrack(multiple) { files.len() } else { 1 };
        files.into_iter().take(keep).collect()
    };
    let on_drop = move |ev: DragEvent| {
        ev.prevent_default();
        set_dragging.set(false);
        if untrack(busy) {
            return;
        }
        let files = take(ev.data_transfer().and_then(|t| t.files()));
        if !files.is_empty() {
            on_files(files);
        }
    };
    let on_paste = move |ev: leptos::ev::ClipboardEvent| {
        if untrack(busy) {
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
            class:vidrop-dropzone--active=move || dragging.get() && !busy()
            class:vidrop-dropzone--busy=move || busy()
            on:dragenter=on_drag_over
            on:dragover=on_drag_over
            on:dragleave=on_drag_leave
            on:drop=on_drop
            on:paste=on_paste
        >
            <svg class="vidrop-dropzone-icon" viewBox="0 0 24 24" aria-hidden="true">
                <path d="M4 5h11a2 2 0 0 1 2 2v2.5l4-2.5v10l-4-2.5V17a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2z"></path>
            </svg>
            <p class="vidrop-dropzone-title">
                {move || if busy() { text().busy } else { text().title }}
            </p>
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
                {move || text().choose}
            </label>
            <p class="vidrop-dropzone-hint">{move || text().hint}</p>
        </div>
    }
}
