//! What a screen reader says as an upload goes: a polite live region, out
//! of sight.

use leptos::prelude::*;

/// A visually hidden `role="status"` region (`aria-live="polite"`) that
/// holds the latest announcement: an upload started, passed a quarter,
/// finished. It is always in the page, since screen readers announce
/// changes to a region that already exists more reliably than a region
/// that appears. Errors go to the [`ErrorMessage`]'s assertive alert
/// instead.
///
/// [`ErrorMessage`]: super::ErrorMessage
#[component]
pub fn Announcer(
    /// What to announce; `None` (or the same text again) says nothing.
    text: Option<String>,
) -> impl IntoView {
    view! {
        <div
            id="vidrop-announcer"
            class="vidrop-visually-hidden"
            role="status"
            aria-live="polite"
            aria-atomic="true"
        >
            {text}
        </div>
    }
}
