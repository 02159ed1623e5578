//! The button that pauses the running upload, and resumes it.

use super::words::Words;
use leptos::prelude::*;

/// "Pause" while an upload runs, "Resume" while it is paused; disabled
/// otherwise.
#[component]
pub fn PauseButton(
    /// Whether the upload is paused (the button then offers to resume).
    #[prop(into)]
    paused: Signal<bool>,
    /// Whether there is an upload to pause or resume.
    #[prop(into)]
    enabled: Signal<bool>,
    /// The words of the moment (its own are `pause`).
    #[prop(into)]
    words: Signal<Words>,
    /// Called when the user clicks, to pause or resume.
    on_toggle: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            id="vidrop-pause"
            class="vidrop-button vidrop-button--secondary"
            part="button pause"
            aria-pressed=move || if paused.get() { "true" } else { "false" }
            disabled=move || !enabled.get()
            on:click=move |_| on_toggle.run(())
        >
            {move || {
                let text = words.get().pause;
                if paused.get() { text.resume } else { text.pause }
            }}
        </button>
    }
}
