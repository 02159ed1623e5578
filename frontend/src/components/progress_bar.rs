//! How far an upload is: a bar, a line of text, and the time left.

use crate::dom::Tree;

/// What the progress bar shows at one moment, already in words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProgressView {
    /// 0 to 100: the bar's value and its `data-percent`.
    pub percent: u8,
    /// The percent in words (`42 %`): what a browser without `<progress>`
    /// shows instead of the bar.
    pub percent_text: String,
    /// The line under the bar (`42 % · 1.2 MiB of 3 MiB · 3.4 MiB/s`).
    pub text: String,
    /// Time left (`about 12 s left`), while it can be estimated.
    pub eta: Option<String>,
}

/// A bar with its line of text and time left: the status line's, or a
/// queued file's (`of_file`, which names the bar; the status line's has the
/// ids and `::part` names instead). Drawn again in place as the numbers
/// change: the elements stay the same, so anything holding them (a screen
/// reader, a test driver) keeps following.
pub fn progress_bar(tree: &mut Tree, progress: &ProgressView, of_file: Option<&str>, hidden: bool) {
    let status = of_file.is_none();
    let of_status = |value: &'static str| status.then_some(value);
    let of_row = |value: &'static str| (!status).then_some(value);
    let percent = progress.percent.to_string();
    tree.open("div")
        .attr(
            "class",
            if status {
                "vidrop-progress"
            } else {
                "vidrop-queue-figures"
            },
        )
        .flag("hidden", hidden)
        .open("progress")
        .opt("id", of_status("vidrop-progress"))
        .opt("class", of_row("vidrop-queue-progress"))
        .opt("part", of_status("progress"))
        .attr("max", "100")
        .attr("value", &percent)
        .attr("data-percent", &percent)
        .opt("aria-labelledby", of_status("vidrop-progress-text"))
        .opt("aria-label", of_file)
        .text(&progress.percent_text)
        .close()
        .open("div")
        .attr(
            "class",
            if status {
                "vidrop-progress-line"
            } else {
                "vidrop-queue-line"
            },
        )
        .open("span")
        .opt("id", of_status("vidrop-progress-text"))
        .opt("class", of_row("vidrop-queue-text"))
        .opt("part", of_status("progress-text"))
        .text(&progress.text)
        .close()
        .open("span")
        .attr("class", "vidrop-eta");
    if let Some(eta) = &progress.eta {
        tree.text(eta);
    }
    tree.close().close().close();
}
