//! The uploaded videos, newest first, each with a Play button.

use leptos::prelude::*;
use vidrop_shared::api::VideoSummary;
use vidrop_shared::policy::human_size;
use wasm_bindgen::JsValue;

/// The list of stored videos.
#[component]
pub fn VideoList(
    /// The videos, as `GET /api/videos` lists them.
    #[prop(into)]
    videos: Signal<Vec<VideoSummary>>,
    /// The id of the video in the player, to mark it in the list.
    #[prop(into)]
    playing: Signal<Option<String>>,
    /// Called with a video's id when its Play button is clicked.
    on_play: Callback<String>,
) -> impl IntoView {
    view! {
        <section class="vidrop-library" aria-labelledby="vidrop-videos-title">
            <h2 id="vidrop-videos-title" class="vidrop-library-title">
                "Uploaded videos"
            </h2>
            <Show when=move || videos.with(Vec::is_empty)>
                <p class="vidrop-empty">"No videos yet. Uploaded videos appear here."</p>
            </Show>
            <ul id="vidrop-videos" class="vidrop-videos">
                <For
                    each=move || videos.get()
                    key=|video| video.id.clone()
                    children=move |video| {
                        let id = video.id.clone();
                        let is_playing = {
                            let id = id.clone();
                            move || playing.with(|p| p.as_deref() == Some(id.as_str()))
                        };
                        let play_label = format!("Play {}", video.filename);
                        let play = {
                            let id = id.clone();
                            move |_| on_play.run(id.clone())
                        };
                        view! {
                            <li
                                class="vidrop-video"
                                class:vidrop-video--playing=is_playing.clone()
                                aria-current=move || is_playing().then_some("true")
                                data-video-id=id
                            >
                                <div class="vidrop-video-info">
                                    <span class="vidrop-video-name" title=video.filename.clone()>
                                        {video.filename.clone()}
                                    </span>
                                    <span class="vidrop-video-meta">
                                        {human_size(video.size)}
                                        " · "
                                        <time datetime=video.uploaded_at.clone()>
                                            {local_time(&video.uploaded_at)}
                                        </time>
                                    </span>
                                </div>
                                <button
                                    type="button"
                                    class="vidrop-play vidrop-button vidrop-button--secondary"
                                    aria-label=play_label
                                    on:click=play
                                >
                                    "Play"
                                </button>
                            </li>
                        }
                    }
                />
            </ul>
        </section>
    }
}

/// An RFC 3339 time in the reader's locale and time zone; the text as it came
/// when the browser cannot read it.
fn local_time(rfc3339: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_str(rfc3339));
    if date.get_time().is_nan() {
        return rfc3339.to_owned();
    }
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"dateStyle".into(), &"medium".into());
    let _ = js_sys::Reflect::set(&options, &"timeStyle".into(), &"short".into());
    // "default" is a well-formed tag naming no locale: the browser's own.
    date.to_locale_string("default", &options).into()
}
