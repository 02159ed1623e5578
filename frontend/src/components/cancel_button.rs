//! The button that stops the running upload.

use super::words::Words;
use leptos::prelude::*;

/// "Cancel", enabled only while an upload runs.
#[component]
pub fn CancelButton(
    /// Whether there is an upload to cancel.
    enabled: impl Fn() -> bool + Copy + Send + Sync + 'static,
    /// The words of the moment (its own is `cancel`).
    words: impl Fn() -> Words + Copy + Send + Sync + 'static,
    /// Called when the user clicks.
    on_cancel: impl Fn() + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <button
            type="button"
            id="vidrop-cancel"
            class="vidrop-button vidrop-button--secondary"
            part="button cancel"
            disabled=move || !enabled()
            on:click=move |_| on_cancel()
        >
            {move || words().cancel}
        </button>
    }
}
