//! The queue of files (with `multiple`): each file with its state, its own
//! progress (bar, speed, time left), its message, and Pause, Cancel and
//! Retry of its own.

use super::action::Action;
use super::action_button::ActionButton;
use super::error_message::{Notice, message_class};
use super::progress_bar::{ProgressView, progress_bar};
use super::words::Words;
use crate::dom::Tree;

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
pub fn upload_queue(tree: &mut Tree, items: &[QueueItem], words: &Words) {
    tree.open("ul")
        .attr("id", "vidrop-queue")
        .attr("class", "vidrop-queue")
        .attr("part", "queue")
        .attr("aria-label", words.queue.title)
        .flag("hidden", items.is_empty());
    for item in items {
        queue_row(tree, item, words);
    }
    tree.close();
}

fn queue_row(tree: &mut Tree, item: &QueueItem, words: &Words) {
    let name = item.filename.as_str();
    let kind = item.message.as_ref().map(|m| m.kind);
    tree.open("li")
        .attr("class", "vidrop-queue-item")
        .attr("part", "queue-item")
        .attr("data-key", &item.key.to_string())
        .attr("data-state", item.state)
        .attr("data-filename", name)
        .open("div")
        .attr("class", "vidrop-queue-head")
        .open("span")
        .attr("class", "vidrop-queue-name")
        .attr("title", name)
        .text(name)
        .close()
        .open("span")
        .attr("class", "vidrop-queue-status")
        .text(&item.status)
        .close()
        .close();
    progress_bar(
        tree,
        item.progress.as_ref().unwrap_or(&ProgressView::default()),
        Some(name),
        item.progress.is_none(),
    );
    tree.open("p")
        .attr("class", &message_class("vidrop-queue-message", kind))
        .flag("hidden", kind.is_none());
    if let Some(message) = &item.message {
        tree.text(&message.text);
    }
    tree.close()
        .open("div")
        .attr("class", "vidrop-queue-actions");
    let key = item.key;
    let buttons = [
        ActionButton {
            id: None,
            class: "vidrop-button vidrop-button--secondary vidrop-queue-pause",
            part: "button pause",
            label: Some(&item.pause_label),
            pressed: Some(item.paused),
            disabled: false,
            hidden: !item.pausable,
            text: if item.paused {
                words.pause.resume
            } else {
                words.pause.pause
            },
            action: &Action::Pause(Some(key)).write(),
        },
        ActionButton {
            id: None,
            class: "vidrop-button vidrop-button--secondary vidrop-queue-cancel",
            part: "button cancel",
            label: Some(&item.cancel_label),
            pressed: None,
            disabled: false,
            hidden: !item.cancellable,
            text: words.cancel,
            action: &Action::Cancel(Some(key)).write(),
        },
        ActionButton {
            id: None,
            class: "vidrop-button vidrop-button--secondary vidrop-queue-retry",
            part: "button retry",
            label: Some(&item.retry_label),
            pressed: None,
            disabled: false,
            hidden: !item.retryable,
            text: words.queue.retry,
            action: &Action::Retry(key).write(),
        },
    ];
    for button in buttons {
        button.write(tree);
    }
    tree.close().close();
}
