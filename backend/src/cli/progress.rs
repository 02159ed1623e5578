//! The progress bar of a transfer: drawn on standard error when it is a
//! terminal, hidden otherwise (in scripts, pipes and tests), so standard
//! output carries only what a command answers.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;

const BAR_TEMPLATE: &str =
    "{msg:.bold} [{bar:32}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}";
const SPINNER_TEMPLATE: &str = "{spinner} {msg:.bold} {bytes} {binary_bytes_per_sec}";

/// A bar for `label` over `total` bytes, or a spinner when the total is not
/// known; hidden unless standard error is a terminal.
pub fn bar(total: Option<u64>, label: &str) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let (bar, template) = match total {
        Some(total) => (
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr()),
            BAR_TEMPLATE,
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            SPINNER_TEMPLATE,
        ),
    };
    let style = ProgressStyle::with_template(template)
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(label.to_owned());
    bar
}

/// Prints a note for the user on standard error, above the bars.
pub fn note(message: &str) {
    eprintln!("note: {message}");
}
