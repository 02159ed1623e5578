//! The uploaded videos (the gallery), newest first: each with its poster,
//! name, size, duration and upload time, and a Play button.

use super::action::Action;
use super::action_button::ActionButton;
use super::words::VideoListText;
use crate::dom::Tree;

/// One stored video, as the list shows it: all of it in the reader's words,
/// so that a row is drawn again when any of it changes (another language).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoItem {
    /// Its id: the item's `data-video-id`, and what Play hands back.
    pub id: String,
    /// The file name it was uploaded as.
    pub filename: String,
    /// Its size in words (`1.5 MiB`).
    pub size: String,
    /// How long it plays, when the browser that uploaded it could tell.
    pub duration: Option<VideoDuration>,
    /// A presigned URL of its poster frame (a JPEG), if it has one.
    pub poster: Option<String>,
    /// When it was stored, machine-readable (the `<time datetime>`).
    pub uploaded_at: String,
    /// When it was stored, in the reader's words.
    pub uploaded: String,
    /// Its Play button's accessible name (`Play clip.webm`): "Play" alone
    /// does not say which.
    pub play_label: String,
}

/// How long a video plays, as shown and as machine-readable text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoDuration {
    /// `1:05`.
    pub clock: String,
    /// ISO 8601, for `<time datetime>`: `PT65S`.
    pub iso: String,
}

/// The list of stored videos, newest first, with the one `playing` (its
/// id) marked. Drawn again, in place and whole, when the list, the video
/// played or the language changes: rare.
pub fn video_list(
    tree: &mut Tree,
    videos: &[VideoItem],
    playing: Option<&str>,
    words: &VideoListText,
) {
    tree.open("section")
        .attr("class", "vidrop-library")
        .attr("aria-labelledby", "vidrop-videos-title")
        .open("h2")
        .attr("id", "vidrop-videos-title")
        .attr("class", "vidrop-library-title")
        .text(words.title)
        .close();
    if videos.is_empty() {
        tree.open("p")
            .attr("class", "vidrop-empty")
            .text(words.empty)
            .close();
    }
    tree.open("ul")
        .attr("id", "vidrop-videos")
        .attr("class", "vidrop-videos")
        .attr("part", "list");
    for video in videos {
        let is_playing = playing == Some(video.id.as_str());
        let name = video.filename.as_str();
        tree.open("li")
            .attr(
                "class",
                if is_playing {
                    "vidrop-video vidrop-video--playing"
                } else {
                    "vidrop-video"
                },
            )
            .attr("part", "item")
            .opt("aria-current", is_playing.then_some("true"))
            .attr("data-video-id", &video.id)
            .open("div")
            .attr("class", "vidrop-video-main")
            // The name beside it says what it is: no alternative text of
            // its own. Without a poster the thumb is empty, and the
            // stylesheet draws a play sign in it.
            .open("div")
            .attr("class", "vidrop-video-thumb")
            .attr("part", "poster");
        if let Some(poster) = &video.poster {
            tree.open("img")
                .attr("src", poster)
                .attr("alt", "")
                .attr("loading", "lazy")
                .attr("decoding", "async")
                .close();
        }
        tree.close()
            .open("div")
            .attr("class", "vidrop-video-info")
            .open("span")
            .attr("class", "vidrop-video-name")
            .attr("title", name)
            .text(name)
            .close()
            .open("span")
            .attr("class", "vidrop-video-meta")
            .text(&video.size);
        if let Some(duration) = &video.duration {
            tree.text(" · ")
                .open("time")
                .attr("class", "vidrop-video-duration")
                .attr("datetime", &duration.iso)
                .text(&duration.clock)
                .close();
        }
        tree.text(" · ")
            .open("time")
            .attr("datetime", &video.uploaded_at)
            .text(&video.uploaded)
            .close()
            .close()
            .close()
            .close();
        ActionButton {
            id: None,
            class: "vidrop-play vidrop-button vidrop-button--secondary",
            part: "button play",
            label: Some(&video.play_label),
            pressed: None,
            disabled: false,
            hidden: false,
            text: words.play,
            action: &Action::Play(video.id.clone()).write(),
        }
        .write(tree);
        tree.close();
    }
    tree.close().close();
}
