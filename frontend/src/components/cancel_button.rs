//! The button that stops the running upload.

use super::words::Words;
use leptos::prelude::*;

/// "Cancel", enabled only while an upload runs.
#[component]
pub fn CancelButton(
    /// Whether there is an upload to cancel.
    #[prop(into)]
    enabled: Signal<bool>,
    /// The words of the moment (its own is `cancel`).
    #[prop(into)]
    words: Signal<Words>,
    /// Called when the user clicks.
    on_cancel: Callback<()>,
) -> impl IntoView {
    view! {
        <button
            type="button"
            id="vidrop-cancel"
            class="vidrop-button vidrop-button--secondary"
            part="button cancel"
            disabled=move || !enabled.get()
            on:click=move |_| on_cancel.run(())
        >
            {move || words.get().cancel}
        </button>
    }
}
