//! Playback, straight from storage through a presigned GET URL (the browser's
//! own Range requests give seeking). Engines differ in the formats they can
//! decode (WebKitGTK without GStreamer's H.264 plugins plays no MP4/H.264,
//! for one), so a video the browser cannot play says so in words instead of
//! leaving a black box.

use super::words::{PlayerText, Words};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen_futures::JsFuture;

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

/// A `<video controls>` playing the chosen video, absent until there is one.
/// Changing the video changes the element's `src`; the element stays.
#[component]
pub fn Player(
    /// The video to play. Every new value starts playback, even of the same
    /// video (a Play click after it ended).
    video: impl Fn() -> Option<PlayableVideo> + Copy + Send + Sync + 'static,
    /// Called once the browser has read a video's metadata, with its id and
    /// its duration in seconds (`None` when it is not a finite number, or
    /// the video could not be loaded).
    on_metadata: impl Fn(String, Option<f64>) + Copy + Send + Sync + 'static,
    /// The words of the moment (its own are `player`).
    words: impl Fn() -> Words + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let element = NodeRef::<html::Video>::new();
    // The `MediaError.code` of the current video, when it cannot play:
    // worded as it is shown, so in the language of the moment.
    let failure = RwSignal::new(None::<u16>);
    Effect::new(move |_| {
        video();
        failure.set(None);
        let Some(player) = element.get_untracked() else {
            return;
        };
        if let Ok(started) = player.play() {
            // A browser that blocks autoplay rejects this; the controls are
            // there for the user to start it.
            spawn_local(async move {
                let _ = JsFuture::from(started).await;
            });
        }
    });
    let tell = move |duration: Option<f64>| {
        let id = untrack(video).map(|v| v.id);
        if let Some(id) = id {
            on_metadata(id, duration.filter(|d| d.is_finite()));
        }
    };
    let message = move || {
        failure
            .get()
            .and_then(|code| playback_failure(code, &words().player))
    };
    let on_loaded = move |_| tell(element.get_untracked().map(|v| v.duration()));
    let on_error = move |_| {
        let code = element
            .get_untracked()
            .and_then(|v| v.error())
            .map(|error| error.code());
        failure.set(code);
        tell(None);
    };
    // Drawn again in place when the video, its failure or the language
    // changes: the `<video>` element stays, and only what changed is
    // written (the same `src` is not set again, so nothing reloads).
    move || {
        let message = message();
        video().map(|video| {
            view! {
                <figure class="vidrop-player" part="player">
                    <video
                        id="vidrop-player"
                        part="video"
                        node_ref=element
                        controls
                        playsinline
                        preload="metadata"
                        aria-labelledby="vidrop-player-caption"
                        src=video.url
                        poster=video.poster
                        data-video-id=video.id
                        on:loadedmetadata=on_loaded
                        on:error=on_error
                    ></video>
                    {message
                        .map(|text| {
                            view! {
                                <p
                                    id="vidrop-player-error"
                                    role="alert"
                                    class="vidrop-message vidrop-message--error"
                                    part="message error"
                                >
                                    {text}
                                </p>
                            }
                        })}
                    <figcaption id="vidrop-player-caption" class="vidrop-player-caption">
                        {video.title}
                    </figcaption>
                </figure>
            }
        })
    }
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
