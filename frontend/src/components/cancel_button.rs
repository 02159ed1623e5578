//! The button that stops the running upload.

use super::action_button::ActionButton;
use leptos::prelude::*;
use std::sync::Arc;

/// "Cancel", enabled only while an upload runs.
#[component]
pub fn CancelButton(
    /// Whether there is an upload to cancel.
    enabled: bool,
    /// Its word, in the language of the moment.
    text: &'static str,
    /// Called when the user clicks.
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    ActionButton {
        id: Some("vidrop-cancel"),
        class: "vidrop-button vidrop-button--secondary",
        part: "button cancel",
        label: None,
        pressed: None,
        disabled: !enabled,
        hidden: false,
        text,
        on_click: Arc::new(on_cancel),
    }
    .view()
}
