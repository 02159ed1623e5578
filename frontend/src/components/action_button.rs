//! The shape every button of the widget shares: Pause, Cancel, Retry and
//! Play, in the status line, in each row of the queue and of the list.

use crate::dom::Tree;

/// A secondary button that does one thing when clicked.
pub struct ActionButton<'a> {
    /// Its `id`, for the one of its kind.
    pub id: Option<&'static str>,
    /// Its classes: `vidrop-button vidrop-button--secondary` and its own.
    pub class: &'static str,
    /// Its `::part` names.
    pub part: &'static str,
    /// Its accessible name, when its text alone does not say whose it is.
    pub label: Option<&'a str>,
    /// `aria-pressed`, for a toggle.
    pub pressed: Option<bool>,
    pub disabled: bool,
    pub hidden: bool,
    /// What it says.
    pub text: &'static str,
    /// What a click does (see [`Action`](super::Action)).
    pub action: &'a str,
}

impl ActionButton<'_> {
    pub fn write(&self, tree: &mut Tree) {
        tree.open("button")
            .attr("type", "button")
            .opt("id", self.id)
            .attr("class", self.class)
            .attr("part", self.part)
            .opt("aria-label", self.label)
            .opt(
                "aria-pressed",
                self.pressed
                    .map(|pressed| if pressed { "true" } else { "false" }),
            )
            .flag("disabled", self.disabled)
            .flag("hidden", self.hidden)
            .on(self.action)
            .text(self.text)
            .close();
    }
}
