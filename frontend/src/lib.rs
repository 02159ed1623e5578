//! Vidrop's upload widget: drop a video, watch it go straight to S3 through
//! presigned PUTs (one, or many parts for a large file), then play it back
//! straight from S3.
//!
//! Client-side rendered with Leptos and built by Trunk. The widget asks the
//! Vidrop backend for presigned URLs (small JSON calls); the video's bytes
//! never pass through the backend.
//!
//! # Layout
//! - [`App`] (here): the whole widget; holds its state in signals, runs the
//!   engine on a chosen file and tells the host page what happened.
//! - [`components`]: what the user sees (drop zone, progress bar, pause and
//!   cancel buttons, message line, player, video list), knowing nothing of
//!   uploads.
//! - [`engine`]: the upload itself (policy check, single PUT or multipart
//!   with checksums, retries, pause, resume after reload), knowing nothing
//!   of the view.
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
    CancelButton, DropZone, ErrorMessage, Notice, PauseButton, Player, ProgressBar, VideoList,
};
use crate::engine::{CheckedFile, ProgressSnapshot, Report, UploadControl, UploadError};
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
    /// Paused by the user: nothing is sent until Resume.
    Paused,
    /// An earlier upload of the same file was found; checking which parts
    /// storage already has.
    Resuming,
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
            UploadState::Paused => "paused",
            UploadState::Resuming => "resuming",
            UploadState::Done => "done",
            UploadState::Error => "error",
            UploadState::Cancelled => "cancelled",
        }
    }

    /// Whether an upload is under way (running, paused or resuming).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            UploadState::Uploading | UploadState::Paused | UploadState::Resuming
        )
    }
}

/// The parts of the latest upload, for the root's `data-parts-*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct PartCounts {
    total: u32,
    done: u32,
    resumed: u32,
}

/// The widget: drop zone, progress, pause and cancel, messages, the player
/// and the list of uploaded videos.
#[component]
pub fn App(
    /// Backend address, limits and upload knobs; the defaults suit a page
    /// served by the backend itself.
    #[prop(optional)]
    settings: Settings,
) -> impl IntoView {
    let api = StoredValue::new(Api::new(settings.api_base.clone()));
    let max_size = settings.max_size;
    let config = settings.upload_config();
    let root = NodeRef::<html::Div>::new();
    let (state, set_state) = signal(UploadState::Idle);
    let (progress, set_progress) = signal(None::<ProgressSnapshot>);
    let (notice, set_notice) = signal(None::<Notice>);
    let (videos, set_videos) = signal(Vec::<VideoSummary>::new());
    let (playing, set_playing) = signal(None::<Video>);
    let (upload_id, set_upload_id) = signal(None::<String>);
    let (parts, set_parts) = signal(None::<PartCounts>);
    // The running upload's buttons: not `Send`, so kept in local storage.
    let control = StoredValue::new_local(None::<UploadControl>);

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
        if state.get_untracked().is_active() {
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
        set_upload_id.set(None);
        set_parts.set(None);
        emit(
            events::UPLOAD_START,
            json!({ "filename": file.filename, "content_type": file.content_type, "size": file.size }),
        );
        let buttons = UploadControl::default();
        control.set_value(Some(buttons.clone()));
        spawn_local(async move {
            let report = {
                let buttons = buttons.clone();
                move |report: Report<'_>| match report {
                    Report::Resuming { id } => {
                        set_upload_id.set(Some(id.to_owned()));
                        set_state.set(UploadState::Resuming);
                    }
                    Report::Started {
                        id,
                        parts_total,
                        parts_done,
                        parts_resumed,
                    } => {
                        set_upload_id.set(Some(id.to_owned()));
                        set_parts.set(Some(PartCounts {
                            total: parts_total,
                            done: parts_done,
                            resumed: parts_resumed,
                        }));
                        if state.get_untracked() == UploadState::Resuming {
                            set_state.set(if buttons.is_paused() {
                                UploadState::Paused
                            } else {
                                UploadState::Uploading
                            });
                        }
                    }
                    Report::PartDone { parts_done } => set_parts.update(|counts| {
                        if let Some(counts) = counts {
                            counts.done = parts_done;
                        }
                    }),
                    Report::Progress(p) => {
                        set_progress.set(Some(p.snapshot()));
                        emit(
                            events::PROGRESS,
                            json!({ "loaded": p.loaded(), "total": p.total(), "percent": p.percent() }),
                        );
                    }
                    Report::Retry {
                        part_number,
                        attempt,
                        reason,
                        delay_ms,
                    } => emit(
                        events::PART_RETRY,
                        json!({
                            "part_number": part_number,
                            "attempt": attempt,
                            "reason": reason.to_string(),
                            "delay_ms": delay_ms.round(),
                        }),
                    ),
                }
            };
            let result = engine::upload(&api.get_value(), &file, &buttons, config, report).await;
            control.set_value(None);
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
        control.with_value(|c| {
            if let Some(c) = c {
                c.cancel();
            }
        })
    });
    let on_toggle_pause = Callback::new(move |()| {
        let Some(buttons) = control.with_value(Clone::clone) else {
            return;
        };
        let detail = json!({ "upload_id": upload_id.get_untracked() });
        match state.get_untracked() {
            UploadState::Uploading if buttons.pause() => {
                set_state.set(UploadState::Paused);
                emit(events::PAUSED, detail);
            }
            UploadState::Paused if buttons.resume() => {
                set_state.set(UploadState::Uploading);
                emit(events::RESUMED, detail);
            }
            _ => {}
        }
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

    let active = Signal::derive(move || state.get().is_active());
    let pausable =
        Signal::derive(move || matches!(state.get(), UploadState::Uploading | UploadState::Paused));
    let paused = Signal::derive(move || state.get() == UploadState::Paused);
    let count = move |field: fn(&PartCounts) -> u32| {
        move || parts.get().map(|counts| field(&counts).to_string())
    };
    view! {
        <div
            id="vidrop"
            class="vidrop"
            data-state=move || state.get().as_str()
            data-upload-id=move || upload_id.get()
            data-parts-total=count(|c| c.total)
            data-parts-done=count(|c| c.done)
            data-parts-resumed=count(|c| c.resumed)
            node_ref=root
        >
            <DropZone on_file busy=active />
            <div class="vidrop-status" hidden=move || progress.with(Option::is_none)>
                <ProgressBar progress />
                <PauseButton paused enabled=pausable on_toggle=on_toggle_pause />
                <CancelButton enabled=active on_cancel />
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
