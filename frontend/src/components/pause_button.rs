//! The button that pauses the running upload, and resumes it.

use super::words::Words;
use leptos::prelude::*;

/// "Pause" while an upload runs, "Resume" while it is paused; disabled
/// otherwise.
#[component]
pub fn PauseButton(
    /// Whether the upload is paused (the button then offers to resume).
    paused: impl Fn() -> bool + Copy + Send + Sync + 'static,
    /// Whether there is an upload to pause or resume.
    enabled: impl Fn() -> bool + Copy + Send + Sync + 'static,
    /// The words of the moment (its own are `pause`).
    words: impl Fn() -> Words + Copy + Send + Sync + 'static,
    /// Called when the user clicks, to pause or resume.
    on_toggle: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <button
            type="button"
            id="vidrop-pause"
            class="vidrop-button vidrop-button--secondary"
            part="button pause"
            aria-pressed=move || if paused() { "true" } else { "false" }
            disabled=move || !enabled()
            on:click=move |_| on_toggle()
        >
            {move || {
                let text = words().pause;
                if paused() { text.resume } else { text.pause }
            }}
        </button>
    }
}
