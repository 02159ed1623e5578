//! The queue of files (with `multiple`): each file with its state, its own
//! progress (bar, speed, time left), its message, and Pause, Cancel and
//! Retry of its own.

use super::error_message::{Notice, NoticeKind};
use super::progress_bar::ProgressView;
use super::words::Words;
use leptos::prelude::*;

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

/// The files added, in the order they came, each a row. A row stays the
/// same element while its file's figures change, so focus on its buttons
/// holds.
#[component]
pub fn UploadQueue(
    items: impl Fn() -> Vec<QueueItem> + Copy + Send + Sync + 'static,
    /// Called with a file's key: pause it, or resume it when paused.
    on_toggle_pause: impl Fn(u64) + Copy + Send + Sync + 'static,
    on_cancel: impl Fn(u64) + Copy + Send + Sync + 'static,
    on_retry: impl Fn(u64) + Copy + Send + Sync + 'static,
    words: impl Fn() -> Words + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <ul
            id="vidrop-queue"
            class="vidrop-queue"
            part="queue"
            aria-label=move || words().queue.title
            hidden=move || items().is_empty()
        >
            <For
                each=move || { items().into_iter().map(|i| i.key).collect::<Vec<_>>() }
                key=|key| *key
                children=move |key| {
                    let item = Memo::new(move |_| {
                        items().into_iter().find(|i| i.key == key)
                    });
                    let field = move |read: fn(&QueueItem) -> String| {
                        move || item.with(|i| i.as_ref().map(read).unwrap_or_default())
                    };
                    let flag = move |read: fn(&QueueItem) -> bool| {
                        move || item.with(|i| i.as_ref().is_some_and(read))
                    };
                    let progress = move || item.with(|i| i.as_ref().and_then(|i| i.progress.clone()));
                    let message = move || item.with(|i| i.as_ref().and_then(|i| i.message.clone()));
                    view! {
                        <li
                            class="vidrop-queue-item"
                            part="queue-item"
                            data-key=key
                            data-state=move || item.with(|i| i.as_ref().map(|i| i.state))
                            data-filename=field(|i| i.filename.clone())
                        >
                            <div class="vidrop-queue-head">
                                <span class="vidrop-queue-name" title=field(|i| i.filename.clone())>
                                    {field(|i| i.filename.clone())}
                                </span>
                                <span class="vidrop-queue-status">{field(|i| i.status.clone())}</span>
                            </div>
                            <div class="vidrop-queue-figures" hidden=move || progress().is_none()>
                                <progress
                                    class="vidrop-queue-progress"
                                    max="100"
                                    value=move || progress().map_or(0, |p| p.percent)
                                    aria-label=field(|i| i.filename.clone())
                                >
                                    {move || progress().map(|p| p.percent_text)}
                                </progress>
                                <div class="vidrop-queue-line">
                                    <span class="vidrop-queue-text">{move || progress().map(|p| p.text)}</span>
                                    <span class="vidrop-eta">{move || progress().and_then(|p| p.eta)}</span>
                                </div>
                            </div>
                            <p
                                class="vidrop-queue-message"
                                class:vidrop-message--error=move || {
                                    message().is_some_and(|m| m.kind == NoticeKind::Error)
                                }
                                class:vidrop-message--info=move || {
                                    message().is_some_and(|m| m.kind == NoticeKind::Info)
                                }
                                hidden=move || message().is_none()
                            >
                                {move || message().map(|m| m.text)}
                            </p>
                            <div class="vidrop-queue-actions">
                                <button
                                    type="button"
                                    class="vidrop-button vidrop-button--secondary vidrop-queue-pause"
                                    part="button pause"
                                    hidden=move || !flag(|i| i.pausable)()
                                    aria-label=field(|i| i.pause_label.clone())
                                    aria-pressed=move || if flag(|i| i.paused)() { "true" } else { "false" }
                                    on:click=move |_| on_toggle_pause(key)
                                >
                                    {move || {
                                        let text = words().pause;
                                        if flag(|i| i.paused)() { text.resume } else { text.pause }
                                    }}
                                </button>
                                <button
                                    type="button"
                                    class="vidrop-button vidrop-button--secondary vidrop-queue-cancel"
                                    part="button cancel"
                                    hidden=move || !flag(|i| i.cancellable)()
                                    aria-label=field(|i| i.cancel_label.clone())
                                    on:click=move |_| on_cancel(key)
                                >
                                    {move || words().cancel}
                                </button>
                                <button
                                    type="button"
                                    class="vidrop-button vidrop-button--secondary vidrop-queue-retry"
                                    part="button retry"
                                    hidden=move || !flag(|i| i.retryable)()
                                    aria-label=field(|i| i.retry_label.clone())
                                    on:click=move |_| on_retry(key)
                                >
                                    {move || words().queue.retry}
                                </button>
                            </div>
                        </li>
                    }
                }
            />
        </ul>
    }
}
