//! The one line that says what went wrong (or that an upload was cancelled).

use crate::dom::Tree;

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

/// The class of a line that shows a notice of `kind`, after `base`.
pub(super) fn message_class(base: &str, kind: Option<NoticeKind>) -> String {
    match kind {
        Some(NoticeKind::Error) => format!("{base} vidrop-message--error"),
        Some(NoticeKind::Info) => format!("{base} vidrop-message--info"),
        None => base.to_owned(),
    }
}

/// A live region (`role="alert"`), empty when there is nothing to say
/// (`notice` is `None`). It is always in the page: screen readers announce
/// changes to a region that already exists more reliably than a region
/// that appears. While `out_of_sight` it is still announced but not
/// shown: its words show elsewhere (a queued file's row).
pub fn error_message(tree: &mut Tree, notice: Option<&Notice>, out_of_sight: bool) {
    let kind = notice.map(|n| n.kind);
    let mut class = message_class("vidrop-message", kind);
    if out_of_sight {
        class.push_str(" vidrop-visually-hidden");
    }
    tree.open("div")
        .attr("id", "vidrop-error")
        .attr("role", "alert")
        .attr("class", &class)
        .attr(
            "part",
            match kind {
                Some(NoticeKind::Error) => "message error",
                Some(NoticeKind::Info) => "message info",
                None => "message",
            },
        );
    if let Some(notice) = notice {
        tree.text(&notice.text);
    }
    tree.close();
}
