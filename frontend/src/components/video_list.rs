//! The uploaded videos (the gallery), newest first: each with its poster,
//! name, size, duration and upload time, and a Play button.

use super::action_button::ActionButton;
use super::words::Words;
use leptos::prelude::*;
use std::sync::Arc;

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

/// The list of stored videos.
#[component]
pub fn VideoList(
    /// The videos, newest first.
    videos: impl Fn() -> Vec<VideoItem> + Copy + Send + Sync + 'static,
    /// The id of the video in the player, to mark it in the list.
    playing: impl Fn() -> Option<String> + Copy + Send + Sync + 'static,
    /// Called with a video's id when its Play button is clicked.
    on_play: impl Fn(String) + Copy + Send + Sync + 'static,
    /// The words of the moment (its own are `videos`).
    words: impl Fn() -> Words + Copy + Send + Sync + 'static,
) -> impl IntoView {
    // Drawn again, in place and whole, when the list, the video played or
    // the language changes: rare, and one closure costs the wasm less than
    // keyed rows or one closure per text.
    move || {
        let playing = playing();
        let words = words().videos;
        let videos = videos();
        let empty = videos.is_empty();
        let rows = videos
            .into_iter()
            .map(|video| {
                let id = video.id;
                let is_playing = playing.as_deref() == Some(id.as_str());
                let play = {
                    let id = id.clone();
                    move || on_play(id.clone())
                };
                // Without a poster the thumb is empty, and the stylesheet
                // draws a play sign in it.
                let poster = video
                    .poster
                    .map(|src| view! { <img src=src alt="" loading="lazy" decoding="async" /> });
                let name = video.filename;
                view! {
                    <li
                        class="vidrop-video"
                        part="item"
                        class:vidrop-video--playing=is_playing
                        aria-current=is_playing.then_some("true")
                        data-video-id=id
                    >
                        <div class="vidrop-video-main">
                            // The name beside it says what it is: no
                            // alternative text of its own.
                            <div class="vidrop-video-thumb" part="poster">
                                {poster}
                            </div>
                            <div class="vidrop-video-info">
                                <span class="vidrop-video-name" title=name.clone()>
                                    {name.clone()}
                                </span>
                                <span class="vidrop-video-meta">
                                    {video.size}
                                    {video
                                        .duration
                                        .map(|duration| {
                                            view! {
                                                " · "
                                                <time
                                                    class="vidrop-video-duration"
                                                    datetime=duration.iso
                                                >
                                                    {duration.clock}
                                                </time>
                                            }
                                        })}
                                    " · "
                                    <time datetime=video.uploaded_at>{video.uploaded}</time>
                                </span>
                            </div>
                        </div>
                        {ActionButton {
                            id: None,
                            class: "vidrop-play vidrop-button vidrop-button--secondary",
                            part: "button play",
                            label: Some(video.play_label),
                            pressed: None,
                            disabled: false,
                            hidden: false,
                            text: words.play,
                            on_click: Arc::new(play),
                        }
                            .view()}
                    </li>
                }
            })
            .collect_view();
        view! {
            <section class="vidrop-library" aria-labelledby="vidrop-videos-title">
                <h2 id="vidrop-videos-title" class="vidrop-library-title">
                    {words.title}
                </h2>
                {empty.then(|| view! { <p class="vidrop-empty">{words.empty}</p> })}
                <ul id="vidrop-videos" class="vidrop-videos" part="list">
                    {rows}
                </ul>
            </section>
        }
    }
}
