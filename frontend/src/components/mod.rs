//! The widget's parts, each named for what the user sees (drop zone,
//! progress bar, pause and cancel buttons, message line, the queue of files,
//! player, video list) or hears (the announcer). They take reactive
//! closures (`impl Fn() -> T + Copy`) of plain view models ([`ProgressView`],
//! [`Notice`], [`QueueItem`], [`PlayableVideo`], [`VideoItem`]: text and
//! numbers ready to show) and of their [`Words`] (the locale's, see
//! `crate::locale`), and plain closures to call back, and know nothing of
//! uploads, the engine,
//! the backend, its wire types or languages: they import nothing else of
//! the crate. The [`App`] wires them up, and `crate::view_model` builds
//! what they show.
//!
//! Closures, not `Signal<T>` and `Callback<T>`: each type of value a
//! `Signal` or a `Callback` carries costs the wasm its own copy of their
//! code, and a closure only its body (the widget's wasm was 9.5 KB smaller
//! gzipped; see `BENCHMARKS.md`).
//!
//! [`App`]: crate::App

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
