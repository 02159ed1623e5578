//! Playback, straight from storage through a presigned GET URL (the browser's
//! own Range requests give seeking). Engines differ in the formats they can
//! decode (WebKitGTK without GStreamer's H.264 plugins plays no MP4/H.264,
//! for one), so a video the browser cannot play says so in words instead of
//! leaving a black box.

use super::action::Action;
use super::words::PlayerText;
use crate::dom::Tree;

/// A video the player can play.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayableVideo {
    /// Its id: the element's `data-video-id`.
    pub id: String,
    /// Where the browser fetches it from (a presigned GET).
    pub url: String,
    /// The caption: the file name it was uploaded as.
    pub title: String,
    /// Its poster frame (a presigned GET), shown until it plays.
    pub poster: Option<String>,
}

/// A `<video controls>` playing `video` (the element is absent until there
/// is one), with `failure` when the browser cannot play it. A new video
/// changes the element's `src`; the element stays. Its events go to
/// [`Action::Video`].
pub fn player(tree: &mut Tree, video: &PlayableVideo, failure: Option<&str>) {
    tree.open("figure")
        .attr("class", "vidrop-player")
        .attr("part", "player")
        .open("video")
        .attr("id", "vidrop-player")
        .attr("part", "video")
        .flag("controls", true)
        .flag("playsinline", true)
        .attr("preload", "metadata")
        .attr("aria-labelledby", "vidrop-player-caption")
        .attr("src", &video.url)
        .opt("poster", video.poster.as_deref())
        .attr("data-video-id", &video.id)
        .on(&Action::Video.write())
        .close();
    if let Some(text) = failure {
        tree.open("p")
            .attr("id", "vidrop-player-error")
            .attr("role", "alert")
            .attr("class", "vidrop-message vidrop-message--error")
            .attr("part", "message error")
            .text(text)
            .close();
    }
    tree.open("figcaption")
        .attr("id", "vidrop-player-caption")
        .attr("class", "vidrop-player-caption")
        .text(&video.title)
        .close()
        .close();
}

/// What a person reads when the `<video>` fails with `MediaError.code`
/// `code`, in `text`'s words; `None` for an abort (code 1), which the page
/// itself caused.
pub fn playback_failure(code: u16, text: &PlayerText) -> Option<&'static str> {
    match code {
        1 => None,
        2 => Some(text.fetch_failed),
        3 => Some(text.cannot_decode),
        _ => Some(text.unsupported_format),
    }
}

#[cfg(test)]
mod tests {
    use super::{PlayerText, playback_failure};

    #[test]
    fn every_media_error_but_an_abort_is_told() {
        let text = PlayerText {
            fetch_failed: "network",
            cannot_decode: "decode",
            unsupported_format: "format",
        };
        assert_eq!(playback_failure(1, &text), None);
        assert_eq!(playback_failure(2, &text), Some("network"));
        assert_eq!(playback_failure(3, &text), Some("decode"));
        assert_eq!(playback_failure(4, &text), Some("format"));
        assert_eq!(playback_failure(5, &text), Some("format"), "a code to come");
    }
}
