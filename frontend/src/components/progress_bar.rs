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
    let ProgressView {
        percent,
        percent_text,
        text,
        eta,
    } = progress.unwrap_or_default();
    view! {
        <div class="vidrop-progress">
            <progress
                id="vidrop-progress"
                part="progress"
                max="100"
                value=percent
                data-percent=percent
                aria-labelledby="vidrop-progress-text"
            >
                {percent_text}
            </progress>
            <div class="vidrop-progress-line">
                <span id="vidrop-progress-text" part="progress-text">
                    {text}
                </span>
                <span class="vidrop-eta">{eta}</span>
            </div>
        </div>
    }
}
