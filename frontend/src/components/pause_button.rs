//! The button that pauses the running upload, and resumes it.

use super::words::PauseText;
use leptos::prelude::*;

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
    view! {
        <button
            type="button"
            id="vidrop-pause"
            class="vidrop-button vidrop-button--secondary"
            part="button pause"
            aria-pressed=if paused { "true" } else { "false" }
            disabled=!enabled
            on:click=move |_| on_toggle()
        >
            {if paused { text.resume } else { text.pause }}
        </button>
    }
}
