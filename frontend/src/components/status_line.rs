//! The latest upload's line (without `multiple`): its progress, Pause (or
//! Resume) and Cancel.

use super::action::Action;
use super::action_button::ActionButton;
use super::progress_bar::{ProgressView, progress_bar};
use super::words::Words;
use crate::dom::Tree;

/// What the status line shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatusLine {
    /// The latest upload's progress; `None` before any upload.
    pub progress: Option<ProgressView>,
    /// Out of sight (with `multiple` the queue shows each file instead).
    pub hidden: bool,
    /// Whether the upload is paused (Pause then offers to resume).
    pub paused: bool,
    /// Whether there is an upload to pause or resume.
    pub pausable: bool,
    /// Whether there is an upload to cancel.
    pub cancellable: bool,
}

/// The status line: bar, "Pause" while an upload runs ("Resume" while it
/// is paused; disabled otherwise), and "Cancel", enabled only while an
/// upload runs.
pub fn status_line(tree: &mut Tree, line: &StatusLine, words: &Words) {
    tree.open("div")
        .attr("class", "vidrop-status")
        .flag("hidden", line.hidden);
    progress_bar(
        tree,
        line.progress.as_ref().unwrap_or(&ProgressView::default()),
        None,
        false,
    );
    pause_button(tree, line.paused, line.pausable, words);
    cancel_button(tree, line.cancellable, words);
    tree.close();
}

/// `#vidrop-pause`.
pub fn pause_button(tree: &mut Tree, paused: bool, enabled: bool, words: &Words) {
    ActionButton {
        id: Some("vidrop-pause"),
        class: "vidrop-button vidrop-button--secondary",
        part: "button pause",
        label: None,
        pressed: Some(paused),
        disabled: !enabled,
        hidden: false,
        text: if paused {
            words.pause.resume
        } else {
            words.pause.pause
        },
        action: &Action::Pause(None).write(),
    }
    .write(tree);
}

/// `#vidrop-cancel`.
pub fn cancel_button(tree: &mut Tree, enabled: bool, words: &Words) {
    ActionButton {
        id: Some("vidrop-cancel"),
        class: "vidrop-button vidrop-button--secondary",
        part: "button cancel",
        label: None,
        pressed: None,
        disabled: !enabled,
        hidden: false,
        text: words.cancel,
        action: &Action::Cancel(None).write(),
    }
    .write(tree);
}
