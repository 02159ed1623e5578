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
//!   cancel buttons, message line, player, video list), given plain view
//!   models; they know nothing of uploads, the engine or the backend.
//! - [`view_model`]: what the components show, built from the engine's
//!   numbers and the backend's answers (text, percent, labels).
//! - [`engine`]: the upload itself (policy check, single PUT or multipart
//!   with checksums, retries, pause, resume after reload); it reports
//!   numbers and knows nothing of the view.
//! - [`api`]: the backend's JSON API and its errors.
//! - [`events`]: the `vidrop:*` `CustomEvent`s dispatched to the host page,
//!   one typed payload each.
//! - [`settings`]: what the host page sets on the mount element.
//!
//! Imports go one way: `App` → `view_model` → `components`, and `App` /
//! `view_model` / `settings` → `engine` → `api`; `components` import nothing
//! else of the crate, and the engine nothing outside it but `api`.
//!
//! The rules shared with the backend (policy, file names, wire types) come
//! from `vidrop-shared` and are never restated here.

pub mod api;
pub mod components;
pub mod engine;
pub mod events;
pub mod settings;
pub mod view_model;

use crate::api::Api;
use crate::components::{
    CancelButton, DropZone, ErrorMessage, Notice, PauseButton, PlayableVideo, Player, ProgressBar,
    ProgressView, VideoItem, VideoList,
};
use crate::engine::{CheckedFile, Report, UploadConfig, UploadControl, UploadError};
use crate::events::WidgetEvent;
use crate::view_model::{PartCounts, UploadState};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use vidrop_shared::api::Video;
use web_sys::File;

pub use crate::settings::Settings;

// The unit tests that need a DOM (`DOMParser`, `URL`) run in the browser.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// The widget: drop zone, progress, pause and cancel, messages, the player
/// and the list of uploaded videos.
#[component]
pub fn App(
    /// Backend address, limits and upload knobs; the defaults suit a page
    /// served by the backend itself.
    #[prop(optional)]
    settings: Settings,
) -> impl IntoView {
    let widget = Widget::new(&settings);
    let (max_size, config) = (settings.max_size, settings.upload_config());
    let on_file = Callback::new(move |file: File| widget.upload(file, max_size, config));
    let on_cancel = Callback::new(move |()| widget.cancel());
    let on_toggle_pause = Callback::new(move |()| widget.toggle_pause());
    let on_play = Callback::new(move |id: String| widget.play(id));
    widget.refresh_videos();

    let Widget {
        root,
        state,
        progress,
        notice,
        videos,
        playing,
        upload_id,
        parts,
        ..
    } = widget;
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
                playing=Signal::derive(move || playing.with(|v| v.as_ref().map(|v| v.id.clone())))
                on_play
            />
        </div>
    }
}

/// The widget's state, all of it signals and handles (so `Copy`), and what
/// the user's actions and the engine's reports do to it.
#[derive(Clone, Copy)]
struct Widget {
    api: StoredValue<Api>,
    /// The root element, where events for the host page are dispatched.
    root: NodeRef<html::Div>,
    state: RwSignal<UploadState>,
    progress: RwSignal<Option<ProgressView>>,
    notice: RwSignal<Option<Notice>>,
    videos: RwSignal<Vec<VideoItem>>,
    playing: RwSignal<Option<PlayableVideo>>,
    upload_id: RwSignal<Option<String>>,
    parts: RwSignal<Option<PartCounts>>,
    /// The running upload's buttons: not `Send`, so kept in local storage.
    control: StoredValue<Option<UploadControl>, LocalStorage>,
}

impl Widget {
    fn new(settings: &Settings) -> Self {
        Widget {
            api: StoredValue::new(Api::new(settings.api_base.clone())),
            root: NodeRef::new(),
            state: RwSignal::new(UploadState::Idle),
            progress: RwSignal::new(None),
            notice: RwSignal::new(None),
            videos: RwSignal::new(Vec::new()),
            playing: RwSignal::new(None),
            upload_id: RwSignal::new(None),
            parts: RwSignal::new(None),
            control: StoredValue::new_local(None),
        }
    }

    /// Tells the host page.
    fn emit(&self, event: &impl WidgetEvent) {
        let element = self.root.get_untracked();
        events::emit(element.as_ref().map(|e| e.as_ref()), event);
    }

    fn fail(&self, message: &str) {
        self.state.set(UploadState::Error);
        self.emit(&events::Failed { message });
        self.notice.set(Some(Notice::error(message)));
    }

    /// Checks `file` against the policy and, if it may go, uploads it; a
    /// file chosen while an upload runs is ignored.
    fn upload(self, file: File, max_size: u64, config: UploadConfig) {
        if self.state.get_untracked().is_active() {
            return;
        }
        self.notice.set(None);
        let file = match CheckedFile::check(file, max_size) {
            Ok(file) => file,
            Err(error) => {
                self.progress.set(None);
                return self.fail(&error.to_string());
            }
        };
        self.state.set(UploadState::Uploading);
        self.progress.set(Some(ProgressView::start(file.size)));
        self.upload_id.set(None);
        self.parts.set(None);
        self.emit(&events::UploadStart {
            filename: &file.filename,
            content_type: &file.content_type,
            size: file.size,
        });
        let buttons = UploadControl::default();
        self.control.set_value(Some(buttons.clone()));
        spawn_local(async move {
            let report = |report: Report<'_>| self.on_report(report, &buttons);
            let api = self.api.get_value();
            let result = engine::upload(&api, &file, &buttons, config, report).await;
            self.control.set_value(None);
            self.on_upload_end(result, &file.filename);
        });
    }

    /// What the running upload reports, shown and told to the host page.
    fn on_report(&self, report: Report<'_>, buttons: &UploadControl) {
        match report {
            Report::Resuming { id } => {
                self.upload_id.set(Some(id.to_owned()));
                self.state.set(UploadState::Resuming);
            }
            Report::Started {
                id,
                parts_total,
                parts_done,
                parts_resumed,
            } => {
                self.upload_id.set(Some(id.to_owned()));
                self.parts.set(Some(PartCounts {
                    total: parts_total,
                    done: parts_done,
                    resumed: parts_resumed,
                }));
                if self.state.get_untracked() == UploadState::Resuming {
                    self.state.set(if buttons.is_paused() {
                        UploadState::Paused
                    } else {
                        UploadState::Uploading
                    });
                }
            }
            Report::PartDone { parts_done } => self.parts.update(|counts| {
                if let Some(counts) = counts {
                    counts.done = parts_done;
                }
            }),
            Report::Progress(progress) => {
                self.progress.set(Some(ProgressView::from(progress)));
                self.emit(&events::Progress {
                    loaded: progress.loaded(),
                    total: progress.total(),
                    percent: progress.percent(),
                });
            }
            Report::Retry {
                part_number,
                attempt,
                reason,
                delay_ms,
            } => self.emit(&events::PartRetry {
                part_number,
                attempt,
                reason: reason.to_string(),
                delay_ms: delay_ms.round() as u64,
            }),
        }
    }

    fn on_upload_end(self, result: Result<Video, UploadError>, filename: &str) {
        match result {
            Ok(video) => {
                self.state.set(UploadState::Done);
                self.emit(&events::Uploaded { video: &video });
                self.playing.set(Some(PlayableVideo::from(&video)));
                self.refresh_videos();
            }
            Err(UploadError::Cancelled) => {
                self.state.set(UploadState::Cancelled);
                self.emit(&events::Cancelled { filename });
                self.notice
                    .set(Some(Notice::info(UploadError::Cancelled.to_string())));
            }
            Err(error) => self.fail(&error.to_string()),
        }
    }

    fn cancel(&self) {
        self.control.with_value(|control| {
            if let Some(control) = control {
                control.cancel();
            }
        })
    }

    fn toggle_pause(&self) {
        let Some(buttons) = self.control.with_value(Clone::clone) else {
            return;
        };
        let upload_id = self.upload_id.get_untracked();
        let upload_id = upload_id.as_deref();
        match self.state.get_untracked() {
            UploadState::Uploading if buttons.pause() => {
                self.state.set(UploadState::Paused);
                self.emit(&events::Paused { upload_id });
            }
            UploadState::Paused if buttons.resume() => {
                self.state.set(UploadState::Uploading);
                self.emit(&events::Resumed { upload_id });
            }
            _ => {}
        }
    }

    fn refresh_videos(self) {
        spawn_local(async move {
            match self.api.get_value().list_videos().await {
                Ok(list) => self.videos.set(list.iter().map(VideoItem::from).collect()),
                Err(error) => self.notice.set(Some(Notice::error(error.to_string()))),
            }
        })
    }

    /// Plays video `id`, with a fresh URL from the backend.
    fn play(self, id: String) {
        spawn_local(async move {
            match self.api.get_value().video(&id).await {
                Ok(video) => {
                    self.notice.set(None);
                    self.playing.set(Some(PlayableVideo::from(&video)));
                }
                Err(error) => self.notice.set(Some(Notice::error(error.to_string()))),
            }
        })
    }
}
