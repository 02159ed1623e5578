//! Vidrop's upload widget: drop a video, watch it go straight to S3 through a
//! presigned PUT, then play it back straight from S3.
//!
//! Client-side rendered with Leptos and built by Trunk. The widget asks the
//! Vidrop backend for presigned URLs (small JSON calls); the video's bytes
//! never pass through the backend.
//!
//! # Layout
//! - [`App`] (here): the whole widget; holds its state in signals, runs the
//!   engine on a chosen file and tells the host page what happened.
//! - [`components`]: what the user sees (drop zone, progress bar, cancel
//!   button, message line, player, video list), knowing nothing of uploads.
//! - [`engine`]: the upload itself (policy check, presign call, XHR PUT,
//!   progress, S3 errors), knowing nothing of the view.
//! - [`api`]: the backend's JSON API and its errors.
//! - [`events`]: the `CustomEvent`s dispatched to the host page.
//! - [`settings`]: what the host page sets on the mount element.
//!
//! The rules shared with the backend (policy, file names, wire types) come
//! from `vidrop-shared` and are never restated here.

pub mod api;
pub mod components;
pub mod engine;
pub mod events;
pub mod settings;

use crate::api::Api;
use crate::components::{
    CancelButton, DropZone, ErrorMessage, Notice, Player, ProgressBar, VideoList,
};
use crate::engine::{Canceller, CheckedFile, ProgressSnapshot, UploadError};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::json;
use vidrop_shared::api::{Video, VideoSummary};
use web_sys::File;

pub use crate::settings::Settings;

/// Where the latest upload stands; the root's `data-state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadState {
    /// No upload yet.
    Idle,
    Uploading,
    /// Stored and playing.
    Done,
    Error,
    Cancelled,
}

impl UploadState {
    pub fn as_str(self) -> &'static str {
        match self {
            UploadState::Idle => "idle",
            UploadState::Uploading => "uploading",
            UploadState::Done => "done",
            UploadState::Error => "error",
            UploadState::Cancelled => "cancelled",
        }
    }
}

/// The widget: drop zone, progress, messages, player and the list of
/// uploaded videos.
#[component]
pub fn App(
    /// Backend address and limits; the defaults suit a page served by the
    /// backend itself.
    #[prop(optional)]
    settings: Settings,
) -> impl IntoView {
    let api = StoredValue::new(Api::new(settings.api_base.clone()));
    let max_size = settings.max_size;
    let root = NodeRef::<html::Div>::new();
    let (state, set_state) = signal(UploadState::Idle);
    let (progress, set_progress) = signal(None::<ProgressSnapshot>);
    let (notice, set_notice) = signal(None::<Notice>);
    let (videos, set_videos) = signal(Vec::<VideoSummary>::new());
    let (playing, set_playing) = signal(None::<Video>);
    // The running upload's canceller: not `Send`, so kept in local storage.
    let canceller = StoredValue::new_local(None::<Canceller>);

    let emit = move |name: &str, detail: serde_json::Value| {
        let element = root.get_untracked();
        events::emit(element.as_ref().map(|e| e.as_ref()), name, &detail);
    };
    let fail = move |message: String| {
        set_state.set(UploadState::Error);
        emit(events::ERROR, json!({ "message": message }));
        set_notice.set(Some(Notice::error(message)));
    };
    let refresh_videos = move || {
        spawn_local(async move {
            match api.get_value().list_videos().await {
                Ok(list) => set_videos.set(list),
                Err(error) => set_notice.set(Some(Notice::error(error.to_string()))),
            }
        })
    };

    let on_file = Callback::new(move |file: File| {
        if state.get_untracked() == UploadState::Uploading {
            return;
        }
        set_notice.set(None);
        let file = match CheckedFile::check(file, max_size) {
            Ok(file) => file,
            Err(error) => {
                set_progress.set(None);
                return fail(error.to_string());
            }
        };
        set_state.set(UploadState::Uploading);
        set_progress.set(Some(ProgressSnapshot::start(file.size)));
        emit(
            events::UPLOAD_START,
            json!({ "filename": file.filename, "content_type": file.content_type, "size": file.size }),
        );
        let cancel = Canceller::default();
        canceller.set_value(Some(cancel.clone()));
        spawn_local(async move {
            let result = engine::upload(&api.get_value(), &file, &cancel, move |p| {
                set_progress.set(Some(p.snapshot()));
                emit(
                    events::PROGRESS,
                    json!({ "loaded": p.loaded(), "total": p.total(), "percent": p.percent() }),
                );
            })
            .await;
            canceller.set_value(None);
            match result {
                Ok(video) => {
                    set_state.set(UploadState::Done);
                    emit(
                        events::UPLOADED,
                        serde_json::to_value(&video).unwrap_or_default(),
                    );
                    set_playing.set(Some(video));
                    refresh_videos();
                }
                Err(UploadError::Cancelled) => {
                    set_state.set(UploadState::Cancelled);
                    emit(events::CANCELLED, json!({ "filename": file.filename }));
                    set_notice.set(Some(Notice::info(UploadError::Cancelled.to_string())));
                }
                Err(error) => fail(error.to_string()),
            }
        });
    });
    let on_cancel = Callback::new(move |()| {
        canceller.with_value(|c| {
            if let Some(c) = c {
                c.cancel();
            }
        })
    });
    let on_play = Callback::new(move |id: String| {
        spawn_local(async move {
            match api.get_value().video(&id).await {
                Ok(video) => {
                    set_notice.set(None);
                    set_playing.set(Some(video));
                }
                Err(error) => set_notice.set(Some(Notice::error(error.to_string()))),
            }
        })
    });

    refresh_videos();

    let uploading = Signal::derive(move || state.get() == UploadState::Uploading);
    view! {
        <div id="vidrop" class="vidrop" data-state=move || state.get().as_str() node_ref=root>
            <DropZone on_file busy=uploading />
            <div class="vidrop-status" hidden=move || progress.with(Option::is_none)>
                <ProgressBar progress />
                <CancelButton enabled=uploading on_cancel />
            </div>
            <ErrorMessage notice />
            <Player video=playing />
            <VideoList
                videos
                playing=Signal::derive(move || playing.with(|v| v.as_ref().map(|v| v.summary.id.clone())))
                on_play
            />
        </div>
    }
}
