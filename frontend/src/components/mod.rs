//! The widget's parts, each named for what the user sees (drop zone,
//! status line with its progress bar and buttons, message line, the queue
//! of files, player, video list) or hears (the announcer). Each writes its
//! elements into a [`Tree`](crate::dom::Tree) from plain view models
//! ([`ProgressView`], [`Notice`], [`QueueItem`], [`PlayableVideo`],
//! [`VideoItem`]: text and numbers ready to show) and their words (the
//! locale's [`Words`], see `crate::locale`); what a control does is an
//! [`Action`], handed back with its events. They know nothing of uploads,
//! the engine, the backend, its wire types or languages: they import
//! nothing else of the crate but `dom`. The widget (`crate::Widget`)
//! draws them and acts on their actions, and `crate::view_model` builds
//! what they show.
//!
//! A region is drawn again, whole and in place, when what it shows
//! changes (10 times a second at most): `element.js` writes only the
//! attributes and texts that changed, and the elements stay, so focus and
//! screen readers keep following.

mod action;
mod action_button;
mod announcer;
mod drop_zone;
mod error_message;
mod player;
mod progress_bar;
mod status_line;
mod upload_queue;
mod video_list;
mod words;

pub use action::Action;
pub use action_button::ActionButton;
pub use announcer::announcer;
pub use drop_zone::{DropZone, ZoneEvent, chosen_files, drop_zone, zone_event};
pub use error_message::{Notice, NoticeKind, error_message};
pub use player::{PlayableVideo, playback_failure, player};
pub use progress_bar::{ProgressView, progress_bar};
pub use status_line::{StatusLine, cancel_button, pause_button, status_line};
pub use upload_queue::{QueueItem, upload_queue};
pub use video_list::{VideoDuration, VideoItem, video_list};
pub use words::{DropZoneText, PauseText, PlayerText, QueueText, VideoListText, Words};
