//! How far the upload is: a bar, a line of text, and the time left.

use leptos::prelude::*;

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

/// The progress of the latest upload. The view draws it again in place as
/// the numbers change: the elements stay the same, so anything holding them
/// (a screen reader, a test driver) keeps following.
#[component]
pub fn ProgressBar(
    /// The latest upload's progress; `None` before any upload.
    progress: Option<ProgressView>,
) -> impl IntoView {
    ProgressLine {
        progress: progress.unwrap_or_default(),
        of_file: None,
        hidden: false,
    }
    .view()
}

/// A bar with its line of text and time left: the status line's, or a
/// queued file's. Both are values of this one type, drawn by one function:
/// the wasm holds the code of one.
pub struct ProgressLine {
    pub progress: ProgressView,
    /// The file of a queue's row, which names its bar; `None` for the status
    /// line's, which has the ids and `::part` names.
    pub of_file: Option<String>,
    pub hidden: bool,
}

impl ProgressLine {
    pub fn view(self) -> impl IntoView + use<> {
        let ProgressView {
            percent,
            percent_text,
            text,
            eta,
        } = self.progress;
        let status = self.of_file.is_none();
        let of_status = move |value: &'static str| status.then_some(value);
        let of_row = move |value: &'static str| (!status).then_some(value);
        view! {
            <div
                class=if status { "vidrop-progress" } else { "vidrop-queue-figures" }
                hidden=self.hidden
            >
                <progress
                    id=of_status("vidrop-progress")
                    class=of_row("vidrop-queue-progress")
                    part=of_status("progress")
                    max="100"
                    value=percent
                    data-percent=percent
                    aria-labelledby=of_status("vidrop-progress-text")
                    aria-label=self.of_file
                >
                    {percent_text}
                </progress>
                <div class=if status { "vidrop-progress-line" } else { "vidrop-queue-line" }>
                    <span
                        id=of_status("vidrop-progress-text")
                        class=of_row("vidrop-queue-text")
                        part=of_status("progress-text")
                    >
                        {text}
                    </span>
                    <span class="vidrop-eta">{eta}</span>
                </div>
            </div>
        }
    }
}
