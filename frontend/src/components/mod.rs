//! The widget's parts, each named for what the user sees (drop zone,
//! progress bar, pause and cancel buttons, message line, the queue of files,
//! player, video list) or hears (the announcer). They take plain view models
//! ([`ProgressView`], [`Notice`], [`QueueItem`], [`PlayableVideo`],
//! [`VideoItem`]: text and numbers ready to show) and their words (the
//! locale's [`Words`], see `crate::locale`), either as plain values or as
//! reactive closures (`impl Fn() -> T + Copy`), and plain closures to call
//! back. They know nothing of uploads, the engine, the backend, its wire
//! types or languages: they import nothing else of the crate. The [`App`]
//! wires them up, and `crate::view_model` builds what they show.
//!
//! What changes often (the status line, the error line) and what changes
//! together (a queue's or a list's rows, the drop zone) takes plain values:
//! the view draws it again, in place, from one closure; tachys writes only
//! the attributes and texts that changed, and the elements stay, so focus
//! and screen readers keep following. One closure costs the wasm less than
//! one per attribute, and neither the rows nor the regions keep a signal of
//! their own.
//!
//! Closures, not `Signal<T>` and `Callback<T>`: each type of value a
//! `Signal` or a `Callback` carries costs the wasm its own copy of their
//! code, and a closure only its body (see `BENCHMARKS.md`).
//!
//! [`App`]: crate::App

mod action_button;
mod announcer;
mod cancel_button;
mod drop_zone;
mod error_message;
mod pause_button;
mod player;
mod progress_bar;
mod upload_queue;
mod video_list;
mod words;

pub use action_button::ActionButton;
pub use announcer::Announcer;
pub use cancel_button::CancelButton;
pub use drop_zone::DropZone;
pub use error_message::{ErrorMessage, Notice, NoticeKind};
pub use pause_button::PauseButton;
pub use player::{PlayableVideo, Player};
pub use progress_bar::{ProgressBar, ProgressView};
pub use upload_queue::{QueueItem, UploadQueue};
pub use video_list::{VideoDuration, VideoItem, VideoList};
pub use words::{DropZoneText, PauseText, PlayerText, QueueText, VideoListText, Words};
