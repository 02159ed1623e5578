//! What a screen reader says as an upload goes: a polite live region, out
//! of sight.

use crate::dom::Tree;

/// A visually hidden `role="status"` region (`aria-live="polite"`) that
/// holds the latest announcement (`None`, or the same text again, says
/// nothing): an upload started, passed a quarter, finished. It is always in
/// the page, since screen readers announce changes to a region that
/// already exists more reliably than a region that appears. Errors go to
/// the [`error_message`]'s assertive alert instead.
///
/// [`error_message`]: super::error_message
pub fn announcer(tree: &mut Tree, text: Option<&str>) {
    tree.open("div")
        .attr("id", "vidrop-announcer")
        .attr("class", "vidrop-visually-hidden")
        .attr("role", "status")
        .attr("aria-live", "polite")
        .attr("aria-atomic", "true");
    if let Some(text) = text {
        tree.text(text);
    }
    tree.close();
}
