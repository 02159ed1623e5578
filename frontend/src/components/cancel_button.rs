//! The button that stops the running upload.

use leptos::prelude::*;

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
    view! {
        <button
            type="button"
            id="vidrop-cancel"
            class="vidrop-button vidrop-button--secondary"
            part="button cancel"
            disabled=!enabled
            on:click=move |_| on_cancel()
        >
            {text}
        </button>
    }
}
