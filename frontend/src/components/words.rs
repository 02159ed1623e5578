//! The fixed words the components show, in one language: plain data that
//! a locale's table fills (see `crate::locale`), so that no component holds
//! a sentence of its own.

/// Every fixed word the components show, in one language (a locale's, see
/// `crate::locale`). Every component is drawn with them, each reading its own
/// part: a new language rewords them all at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Words {
    pub drop_zone: DropZoneText,
    pub pause: PauseText,
    /// The button that stops the upload ("Cancel").
    pub cancel: &'static str,
    pub videos: VideoListText,
    pub player: PlayerText,
    pub queue: QueueText,
}

/// What the queue of files (`multiple`) says of each, in the reader's
/// language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueText {
    /// The queue's accessible name ("Files").
    pub title: &'static str,
    /// Waiting for its turn.
    pub queued: &'static str,
    pub uploading: &'static str,
    pub paused: &'static str,
    /// Finding which parts an earlier upload of it left.
    pub resuming: &'static str,
    pub done: &'static str,
    pub failed: &'static str,
    pub cancelled: &'static str,
    /// The button that tries a failed file again ("Retry").
    pub retry: &'static str,
}

/// What the drop zone says, in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DropZoneText {
    /// The title while it takes a file ("Drop a video here").
    pub title: &'static str,
    /// The title while an upload runs ("Uploading…").
    pub busy: &'static str,
    /// The button that opens the file picker ("Choose a video").
    pub choose: &'static str,
    /// The line under the button.
    pub hint: &'static str,
}

/// The pause button's two words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PauseText {
    /// While the upload runs ("Pause").
    pub pause: &'static str,
    /// While it is paused ("Resume").
    pub resume: &'static str,
}

/// What the list says around its videos, in the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VideoListText {
    /// The heading ("Uploaded videos").
    pub title: &'static str,
    /// What stands in for an empty list.
    pub empty: &'static str,
    /// Each video's button ("Play").
    pub play: &'static str,
}

/// What the player says when the browser cannot play a video, in the
/// reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlayerText {
    /// `MEDIA_ERR_NETWORK`: the video could not be fetched.
    pub fetch_failed: &'static str,
    /// `MEDIA_ERR_DECODE`: fetched, but the browser could not decode it.
    pub cannot_decode: &'static str,
    /// `MEDIA_ERR_SRC_NOT_SUPPORTED` (and any later code): no decoder for
    /// the format.
    pub unsupported_format: &'static str,
}
