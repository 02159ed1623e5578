//! The button that pauses the running upload, and resumes it.

use super::action_button::ActionButton;
use super::words::PauseText;
use leptos::prelude::*;
use std::sync::Arc;

/// "Pause" while an upload runs, "Resume" while it is paused; disabled
/// otherwise.
#[component]
pub fn PauseButton(
    /// Whether the upload is paused (the button then offers to resume).
    paused: bool,
    /// Whether there is an upload to pause or resume.
    enabled: bool,
    /// Its words, in the language of the moment.
    text: PauseText,
    /// Called when the user clicks, to pause or resume.
    on_toggle: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    ActionButton {
        id: Some("vidrop-pause"),
        class: "vidrop-button vidrop-button--secondary",
        part: "button pause",
        label: None,
        pressed: Some(paused),
        disabled: !enabled,
        hidden: false,
        text: if paused { text.resume } else { text.pause },
        on_click: Arc::new(on_toggle),
    }
    .view()
}
