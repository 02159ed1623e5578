//! The queue of files (with `multiple`): each file with its state, its own
//! progress (bar, speed, time left), its message, and Pause, Cancel and
//! Retry of its own.

use super::action_button::ActionButton;
use super::error_message::{Notice, NoticeKind};
use super::progress_bar::{ProgressLine, ProgressView};
use super::words::Words;
use leptos::prelude::*;
use std::sync::Arc;

/// One file of the queue, all of it in the reader's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueItem {
    /// The queue's own id for the file (its row's `data-key`).
    pub key: u64,
    pub filename: String,
    /// Its state, machine-readable (the row's `data-state`): `queued`,
    /// `uploading`, `paused`, `resuming`, `done`, `error`, `cancelled`.
    pub state: &'static str,
    /// Its state in words.
    pub status: String,
    pub progress: Option<ProgressView>,
    /// Why it failed or was left out, or that it was cancelled.
    pub message: Option<Notice>,
    pub pausable: bool,
    pub paused: bool,
    pub cancellable: bool,
    pub retryable: bool,
    /// The buttons' accessible names (`Pause clip.webm`): several rows
    /// have a "Pause", so each says whose.
    pub pause_label: String,
    pub cancel_label: String,
    pub retry_label: String,
}

/// The files added, in the order they came, each a row. The view draws
/// the queue again, in place, at each step; files are only ever added at
/// the end, so rows match by position: a row stays the same element while
/// its file's figures change, and focus on its buttons holds.
#[component]
pub fn UploadQueue(
    items: Vec<QueueItem>,
    /// Called with a file's key: pause it, or resume it when paused.
    on_toggle_pause: impl Fn(u64) + Copy + Send + Sync + 'static,
    on_cancel: impl Fn(u64) + Copy + Send + Sync + 'static,
    on_retry: impl Fn(u64) + Copy + Send + Sync + 'static,
    /// Its words, in the language of the moment.
    words: Words,
) -> impl IntoView {
    let hidden = items.is_empty();
    let rows = items
        .into_iter()
        .map(|item| {
            let key = item.key;
            let progress = item.progress.is_some();
            let kind = item.message.as_ref().map(|m| m.kind);
            let name = item.filename;
            view! {
                <li
                    class="vidrop-queue-item"
                    part="queue-item"
                    data-key=key
                    data-state=item.state
                    data-filename=name.clone()
                >
                    <div class="vidrop-queue-head">
                        <span class="vidrop-queue-name" title=name.clone()>
                            {name.clone()}
                        </span>
                        <span class="vidrop-queue-status">{item.status}</span>
                    </div>
                    {ProgressLine {
                        progress: item.progress.unwrap_or_default(),
                        of_file: Some(name.clone()),
                        hidden: !progress,
                    }
                        .view()}
                    <p
                        class="vidrop-queue-message"
                        class:vidrop-message--error=kind == Some(NoticeKind::Error)
                        class:vidrop-message--info=kind == Some(NoticeKind::Info)
                        hidden=kind.is_none()
                    >
                        {item.message.map(|m| m.text)}
                    </p>
                    <div class="vidrop-queue-actions">
                        {ActionButton {
                            id: None,
                            class: "vidrop-button vidrop-button--secondary vidrop-queue-pause",
                            part: "button pause",
                            label: Some(item.pause_label),
                            pressed: Some(item.paused),
                            disabled: false,
                            hidden: !item.pausable,
                            text: if item.paused { words.pause.resume } else { words.pause.pause },
                            on_click: Arc::new(move || on_toggle_pause(key)),
                        }
                            .view()}
                        {ActionButton {
                            id: None,
                            class: "vidrop-button vidrop-button--secondary vidrop-queue-cancel",
                            part: "button cancel",
                            label: Some(item.cancel_label),
                            pressed: None,
                            disabled: false,
                            hidden: !item.cancellable,
                            text: words.cancel,
                            on_click: Arc::new(move || on_cancel(key)),
                        }
                            .view()}
                        {ActionButton {
                            id: None,
                            class: "vidrop-button vidrop-button--secondary vidrop-queue-retry",
                            part: "button retry",
                            label: Some(item.retry_label),
                            pressed: None,
                            disabled: false,
                            hidden: !item.retryable,
                            text: words.queue.retry,
                            on_click: Arc::new(move || on_retry(key)),
                        }
                            .view()}
                    </div>
                </li>
            }
        })
        .collect_view();
    view! {
        <ul
            id="vidrop-queue"
            class="vidrop-queue"
            part="queue"
            aria-label=words.queue.title
            hidden=hidden
        >
            {rows}
        </ul>
    }
}
