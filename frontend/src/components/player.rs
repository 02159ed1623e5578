//! Playback, straight from storage through a presigned GET URL (the browser's
//! own Range requests give seeking).

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
}

/// A `<video controls>` playing the chosen video, absent until there is one.
/// Changing the video changes the element's `src`; the element stays.
#[component]
pub fn Player(
    /// The video to play. Every new value starts playback, even of the same
    /// video (a Play click after it ended).
    #[prop(into)]
    video: Signal<Option<PlayableVideo>>,
    /// Called once the browser has read a video's metadata, with its id and
    /// its duration in seconds (`None` when it is not a finite number, or
    /// the video could not be loaded).
    #[prop(optional)]
    on_metadata: Option<Callback<(String, Option<f64>)>>,
) -> impl IntoView {
    let element = NodeRef::<html::Video>::new();
    Effect::new(move |_| {
        video.track();
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
    let field = move |f: fn(&PlayableVideo) -> String| move || video.with(|v| v.as_ref().map(f));
    let tell = move |duration: Option<f64>| {
        let id = video.with_untracked(|v| v.as_ref().map(|v| v.id.clone()));
        if let (Some(on_metadata), Some(id)) = (on_metadata, id) {
            on_metadata.run((id, duration.filter(|d| d.is_finite())));
        }
    };
    let on_loaded = move |_| tell(element.get_untracked().map(|v| v.duration()));
    let on_error = move |_| tell(None);
    view! {
        <Show when=move || video.with(Option::is_some)>
            <figure class="vidrop-player">
                <video
                    id="vidrop-player"
                    node_ref=element
                    controls
                    playsinline
                    preload="metadata"
                    src=field(|v| v.url.clone())
                    data-video-id=field(|v| v.id.clone())
                    on:loadedmetadata=on_loaded
                    on:error=on_error
                ></video>
                <figcaption class="vidrop-player-caption">{field(|v| v.title.clone())}</figcaption>
            </figure>
        </Show>
    }
}
