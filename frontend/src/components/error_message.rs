//! The one line that says what went wrong (or that an upload was cancelled).

use leptos::prelude::*;

/// A message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

/// How a [`Notice`] is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something failed.
    Error,
    /// Worth saying, but nothing failed ("Upload cancelled.").
    Info,
}

impl Notice {
    pub fn error(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Error,
            text: text.into(),
        }
    }

    pub fn info(text: impl Into<String>) -> Self {
        Notice {
            kind: NoticeKind::Info,
            text: text.into(),
        }
    }
}

/// A live region (`role="alert"`), empty when there is nothing to say. It is
/// always in the page: screen readers announce changes to a region that
/// already exists more reliably than a region that appears.
#[component]
pub fn ErrorMessage(
    /// The message to show, if any.
    notice: Option<Notice>,
    /// While true the line is out of sight but still announced: its words
    /// show elsewhere (a queued file's row).
    out_of_sight: bool,
) -> impl IntoView {
    let kind = notice.as_ref().map(|n| n.kind);
    view! {
        <div
            id="vidrop-error"
            role="alert"
            class="vidrop-message"
            part=match kind {
                Some(NoticeKind::Error) => "message error",
                Some(NoticeKind::Info) => "message info",
                None => "message",
            }
            class:vidrop-message--error=kind == Some(NoticeKind::Error)
            class:vidrop-message--info=kind == Some(NoticeKind::Info)
            class:vidrop-visually-hidden=out_of_sight
        >
            {notice.map(|n| n.text)}
        </div>
    }
}
