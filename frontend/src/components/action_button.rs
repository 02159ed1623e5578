//! The shape every button of the widget shares: Pause, Cancel, Retry and
//! Play, in the status line, in each row of the queue and of the list.

use leptos::prelude::*;
use std::sync::Arc;

/// A secondary button that does one thing when clicked. Each is a value
/// of this one type, drawn by [`ActionButton::view`]: `view!` with a
/// closure of each button's own would have the wasm hold the code of one
/// button per place and callback (1.4 KB of the gzipped wasm for these six).
pub struct ActionButton {
    /// Its `id`, for the one of its kind.
    pub id: Option<&'static str>,
    /// Its classes: `vidrop-button vidrop-button--secondary` and its own.
    pub class: &'static str,
    /// Its `::part` names.
    pub part: &'static str,
    /// Its accessible name, when its text alone does not say whose it is.
    pub label: Option<String>,
    /// `aria-pressed`, for a toggle.
    pub pressed: Option<bool>,
    pub disabled: bool,
    pub hidden: bool,
    /// What it says.
    pub text: &'static str,
    pub on_click: Arc<dyn Fn() + Send + Sync>,
}

impl ActionButton {
    /// The button, drawn again in place with its region.
    pub fn view(self) -> impl IntoView + use<> {
        let on_click = self.on_click;
        view! {
            <button
                type="button"
                id=self.id
                class=self.class
                part=self.part
                aria-label=self.label
                aria-pressed=self.pressed.map(|pressed| if pressed { "true" } else { "false" })
                disabled=self.disabled
                hidden=self.hidden
                on:click=move |_| on_click()
            >
                {self.text}
            </button>
        }
    }
}
