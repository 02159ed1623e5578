//! The widget's parts, each named for what the user sees (drop zone,
//! progress bar, pause and cancel buttons, message line, player, video
//! list). They take signals and callbacks and know nothing of uploads or the
//! backend: the [`App`] wires them to the engine.
//!
//! [`App`]: crate::App

mod cancel_button;
mod drop_zone;
mod error_message;
mod pause_button;
mod player;
mod progress_bar;
mod video_list;

pub use cancel_button::CancelButton;
pub use drop_zone::DropZone;
pub use error_message::{ErrorMessage, Notice, NoticeKind};
pub use pause_button::PauseButton;
pub use player::Player;
pub use progress_bar::ProgressBar;
pub use video_list::VideoList;
