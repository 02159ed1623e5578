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
                ></video>
                <figcaption class="vidrop-player-caption">{field(|v| v.title.clone())}</figcaption>
            </figure>
        </Show>
    }
}
