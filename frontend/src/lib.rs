//! Vidrop's upload widget: drop a video (or several, with `multiple`), watch
//! it go straight to S3 through presigned PUTs (one, or many parts for a
//! large file), then play it back straight from S3.
//!
//! Client-side rendered (Leptos's signals and effects; the elements drawn by
//! [`dom`]) and built by Trunk. The widget asks the
//! Vidrop backend for presigned URLs (small JSON calls); the video's bytes
//! never pass through the backend.
//!
//! A host page embeds it as `<vidrop-uploader>` (see `docs/EMBED.md`): the
//! wasm's `main` defines the element, which mounts a widget into its shadow
//! root.
//!
//! # Layout
//! - [`element`]: the `<vidrop-uploader>` custom element (with its
//!   JavaScript class, `element.js`): mount, attributes, unmount, methods.
//! - `Widget` and [`mount`] (here): the whole widget; holds its state in
//!   signals (each file's upload a `FileUpload`; with `multiple`, a queue of
//!   them), draws the view, acts on its controls, runs the engine on the
//!   files chosen and tells the host page what happened. `mount` puts one
//!   into an element (the custom element's, or a test's).
//! - [`components`]: what the user sees (drop zone, status line, message
//!   line, queue, player, video list), written from plain view models; they
//!   know nothing of uploads, the engine or the backend.
//! - [`dom`]: the elements the components write, drawn in place.
//! - [`view_model`]: what the components show, built from the engine's
//!   numbers and the backend's answers (text, percent, labels) in the
//!   words of a locale.
//! - [`locale`]: the words of every language the widget speaks (one
//!   `const` table per locale), number and size formats, and which locale
//!   the `locale` attribute and the browser's languages choose.
//! - [`engine`]: the upload itself (policy check, single PUT or multipart
//!   with checksums, retries, pause, resume after reload); it reports
//!   numbers and knows nothing of the view.
//! - [`api`]: the backend's JSON API and its errors.
//! - [`json`]: the API's bodies, the events' details and the resume records
//!   read and written through the browser's `JSON` (no serde in the wasm).
//! - [`events`]: the `vidrop:*` `CustomEvent`s dispatched to the host page,
//!   one typed payload each.
//! - [`settings`]: what the host page sets as the element's attributes.
//!
//! Imports go one way: `element` → `Widget` → `view_model` → `locale` →
//! `components` → `dom`, and `Widget` / `view_model` / `settings` → `engine`
//! → `api`; `components` import nothing else of the crate but `dom` (which
//! imports nothing of it), and the engine nothing outside it but `api` and
//! `json` (which imports nothing of the crate).
//!
//! The rules shared with the backend (policy, file names, wire types) come
//! from `vidrop-shared` and are never restated here.

pub mod api;
pub mod components;
pub mod dom;
pub mod element;
pub mod engine;
pub mod events;
pub mod json;
pub mod locale;
pub mod settings;
pub mod view_model;

use crate::api::{Api, ApiError, Credential};
use crate::components::{
    Action, DropZone, PlayableVideo, StatusLine, ZoneEvent, announcer, chosen_files, drop_zone,
    error_message, playback_failure, player, status_line, upload_queue, video_list, zone_event,
};
use crate::dom::Tree;
use crate::engine::timer::{now_ms, sleep};
use crate::engine::{CheckedFile, Report, Slots, UploadControl, UploadError};
use crate::events::{ProgressThrottle, Throttled, WidgetEvent};
use crate::json::Written;
use crate::locale::Locale;
use crate::view_model::{
    Announcement, Message, PartCounts, ProgressFigures, UploadState, quarter_reached,
};
use any_spawner::Executor;
use leptos::prelude::*;
use leptos::reactive::owner::WeakOwner;
use leptos::task::spawn_local;
use std::future::Future;
use std::pin::Pin;
use vidrop_shared::api::{ListedVideo, VideoDetails};
use vidrop_shared::filename::clean_filename;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event, EventTarget, File, HtmlMediaElement};

pub use crate::settings::Settings;

// The unit tests that need a DOM (`DOMParser`, `URL`) run in the browser.
#[cfg(all(test, target_arch = "wasm32"))]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// How long `vidrop:complete` waits for the player to read the video's
/// duration before it goes out without one.
const DURATION_WAIT_MS: f64 = 10_000.0;

/// Where keyboard focus goes from the chooser when an upload starts: its
/// first button that is enabled.
const UPLOAD_BUTTONS: &str = "#vidrop-pause:enabled, #vidrop-cancel:enabled";

/// A widget in the page: drop zone, progress, pause and cancel, messages,
/// the player and the list of uploaded videos.
pub struct MountedWidget {
    widget: Widget,
    /// What holds its signals and effects: dropped, they go (or when the
    /// last of its tasks ends).
    _owner: Owner,
    _listening: dom::Listening,
}

/// Mounts a widget with `settings` (backend address, token, limits and
/// upload knobs; the defaults suit a page served by the backend itself) at
/// the end of `container`, telling `host` what happens. The
/// `<vidrop-uploader>` element ([`element`]) mounts one into its shadow
/// root; mounted without a host, as the tests do, the widget dispatches its
/// events on its root element.
pub fn mount(container: &Element, settings: Settings, host: Option<EventTarget>) -> MountedWidget {
    // Leptos's effects and tasks run on wasm-bindgen-futures (a second
    // call changes nothing).
    let _ = Executor::init_wasm_bindgen();
    let owner = Owner::new();
    let (widget, listening) = owner.with(|| {
        let widget = Widget::new(settings, host);
        (widget, widget.view(container))
    });
    MountedWidget {
        widget,
        _owner: owner,
        _listening: listening,
    }
}

impl MountedWidget {
    pub(crate) fn widget(&self) -> Widget {
        self.widget
    }
}

/// The widget's state, all of it signals and handles (so `Copy`), and what
/// the user's actions, the host page and the engine's reports do to it.
#[derive(Clone, Copy)]
pub(crate) struct Widget {
    settings: RwSignal<Settings>,
    /// Notified when the browser's languages (`Local::languages`) change:
    /// [`Widget::locale`] tracks it. (A signal of the list would cost the
    /// wasm the code of one more type of signal.)
    languages: Trigger,
    /// What is shown, but the list of videos and the video played: one
    /// signal, because a signal of each type of value costs the wasm its
    /// own code.
    shown: RwSignal<Shown>,
    /// The stored videos: a signal of their own, so that an upload's
    /// progress does not word the whole list again.
    videos: RwSignal<Vec<ListedVideo>>,
    /// The video the player plays, and the `MediaError.code` it failed
    /// with, if it did.
    playing: RwSignal<Option<(PlayableVideo, Option<u16>)>>,
    /// What nothing on screen follows; not `Send`, so in local storage.
    local: StoredValue<Local, LocalStorage>,
}

/// What the widget shows (but the list of videos and the video played).
#[derive(Default)]
struct Shown {
    /// The latest file's upload: what the status area and the root's
    /// `data-*` show.
    current: Option<FileUpload>,
    /// The files added with `multiple`, in the order they came: the queue.
    queue: Vec<FileUpload>,
    notice: Option<Message>,
    /// Whether the notice is about one file's upload (with `multiple` its
    /// row shows it, and the alert only announces it).
    notice_of_file: bool,
    /// What the announcer says (a polite live region).
    announcement: Option<Announcement>,
    /// Files are dragged over the drop zone.
    dragging: bool,
}

/// The widget's state that is not shown. Read and changed only through
/// [`Widget::local`], never while telling the host page anything (a page's
/// listener may call back into the widget).
struct Local {
    /// The page's token, shared by every [`Api`] this widget makes.
    credential: Credential,
    api: Api,
    /// Where events for the host page go: the custom element, or else the
    /// root element.
    host: Option<EventTarget>,
    /// The widget's root element, once mounted.
    root: Option<Element>,
    /// The reactive owner of all of this; a task of the widget holds it
    /// until the task ends, so an unmount never pulls a signal from under a
    /// running upload.
    owner: Option<WeakOwner>,
    /// False once unmounted: nothing is shown or fetched any more.
    mounted: bool,
    /// Whether the notice is about a call outside an upload (listing,
    /// playing), which a later successful listing clears.
    call_notice: bool,
    /// The stored video whose `vidrop:complete` waits for its duration,
    /// and its file's upload.
    completing: Option<(VideoDetails, FileUpload)>,
    /// The requests in flight every upload of this widget shares
    /// (`concurrency`).
    slots: Slots,
    /// The key the next file added gets.
    next_key: u64,
    /// The browser's languages, best first (`navigator.languages`), as of
    /// the last `languagechange`.
    languages: Vec<String>,
}

/// One file's upload: what is shown of it, as signals, and what runs it.
#[derive(Clone, Copy)]
struct FileUpload {
    /// The queue's id for it.
    key: u64,
    /// One signal for all of it: a signal of each type of value costs the
    /// widget's wasm its own code, and these change together.
    shown: RwSignal<FileShown>,
    run: StoredValue<Run, LocalStorage>,
}

/// What is shown of one file's upload.
#[derive(Clone)]
struct FileShown {
    state: UploadState,
    progress: Option<ProgressFigures>,
    /// Why it failed or was left out, or that it was cancelled.
    message: Option<Message>,
    upload_id: Option<String>,
    parts: Option<PartCounts>,
}

/// What a file's upload needs that nothing on screen follows.
struct Run {
    /// The cleaned file name: every event about it names it.
    filename: String,
    /// The file as checked, to send (again, on Retry); `None` for one left
    /// out before anything was sent.
    file: Option<CheckedFile>,
    /// Its buttons while it runs.
    control: Option<UploadControl>,
    throttle: ProgressThrottle,
    /// The latest progress not shown and told yet.
    unsent_progress: Option<ProgressFigures>,
    /// The last quarter of the upload announced (25, 50, 75; 0 for none).
    announced_quarter: u8,
}

impl FileUpload {
    fn new(key: u64, filename: String, file: Option<CheckedFile>) -> Self {
        FileUpload {
            key,
            shown: RwSignal::new(FileShown {
                state: UploadState::Idle,
                progress: None,
                message: None,
                upload_id: None,
                parts: None,
            }),
            run: StoredValue::new_local(Run {
                filename,
                file,
                control: None,
                throttle: ProgressThrottle::default(),
                unsent_progress: None,
                announced_quarter: 0,
            }),
        }
    }

    fn run<T>(&self, f: impl FnOnce(&mut Run) -> T) -> Option<T> {
        self.run.try_update_value(f)
    }

    fn filename(&self) -> String {
        self.run(|r| r.filename.clone()).unwrap_or_default()
    }

    fn control(&self) -> Option<UploadControl> {
        self.run(|r| r.control.clone()).flatten()
    }

    fn is_active(&self) -> bool {
        self.state_untracked().is_active()
    }

    /// Reads what is shown, and is read again when it changes.
    fn shown<T>(&self, f: impl FnOnce(&FileShown) -> T) -> T {
        self.shown.with(f)
    }

    fn state_untracked(&self) -> UploadState {
        self.shown.with_untracked(|s| s.state)
    }

    /// Changes what is shown.
    fn show(&self, f: impl FnOnce(&mut FileShown)) {
        self.shown.update(f);
    }
}

/// How many files of the queue upload at once; their parts share the
/// widget's `concurrency` whatever the number.
const FILES_AT_ONCE: usize = 3;

impl Widget {
    /// A widget with `settings`, telling `host` (else its root element)
    /// what happens. Call inside the reactive owner that will hold it.
    pub(crate) fn new(settings: Settings, host: Option<EventTarget>) -> Self {
        let credential = Credential::default();
        credential.set(settings.token.clone());
        let api = Api::with_credential(settings.api_base.clone(), credential.clone());
        let local = Local {
            credential,
            api,
            host,
            root: None,
            owner: Owner::current().map(|owner| owner.downgrade()),
            mounted: true,
            call_notice: false,
            completing: None,
            slots: Slots::with_concurrency(settings.concurrency),
            next_key: 1,
            languages: locale::browser_languages(),
        };
        let settings = RwSignal::new(settings);
        let languages = Trigger::new();
        Widget {
            settings,
            languages,
            shown: RwSignal::new(Shown::default()),
            videos: RwSignal::new(Vec::new()),
            playing: RwSignal::new(None),
            local: StoredValue::new_local(local),
        }
    }

    /// Reads or changes the state that is not shown; `None` once the widget
    /// is disposed.
    fn local<T>(&self, f: impl FnOnce(&mut Local) -> T) -> Option<T> {
        self.local.try_update_value(f)
    }

    /// Changes what is shown.
    fn show(&self, f: impl FnOnce(&mut Shown)) {
        self.shown.update(f);
    }

    /// Reads what is shown, without following it.
    fn shown_untracked<T>(&self, f: impl FnOnce(&Shown) -> T) -> T {
        self.shown.with_untracked(f)
    }

    /// The locale the widget speaks: the `locale` attribute's, else the
    /// browser's first the widget has, else English.
    fn locale(&self) -> Locale {
        self.languages.track();
        self.settings.with(|settings| {
            let wanted = settings.locale.as_deref();
            let chosen = self.local(|l| locale::choose(wanted, &l.languages));
            Locale(chosen.unwrap_or_else(|| locale::choose(wanted, &[])))
        })
    }

    /// The view, in a root element added to `container` and wired to this
    /// widget: acts on the events of its elements until the returned value
    /// is dropped; lists the videos once, and follows the browser's
    /// languages.
    fn view(self, container: &Element) -> dom::Listening {
        let root = document()
            .create_element("div")
            .expect("a document can always create a div");
        for (name, value) in [("id", "vidrop"), ("class", "vidrop"), ("part", "root")] {
            let _ = root.set_attribute(name, value);
        }
        let _ = container.append_child(&root);
        self.local(|l| l.root = Some(root.clone()));
        self.refresh_videos();
        let listener = window_event_listener_untyped("languagechange", move |_| {
            self.local(|l| l.languages = locale::browser_languages());
            self.languages.notify();
        });
        on_cleanup(move || listener.remove());

        // Each region is drawn now, then again whenever what it shows
        // changes: the uploads' (children 0 to 4 of the root, drawn first),
        // then the player's and the list's (from child 5 on).
        let draw_uploads = {
            let root = root.clone();
            move || dom::patch(&root, 0, self.draw_uploads(), false)
        };
        untrack(&draw_uploads);
        Effect::new(move |_| draw_uploads());
        let draw_videos = {
            let root = root.clone();
            move || dom::patch(&root, 5, self.draw_videos(), true)
        };
        untrack(&draw_videos);
        Effect::new(move |_| draw_videos());
        // The root's attributes: what the host page's CSS and its scripts
        // (and the tests) read of the widget's state. Set in one effect,
        // which costs the wasm less than an effect per attribute.
        Effect::new({
            let root = root.clone();
            move |_| self.mark_root(&root)
        });
        dom::listen(&root, move |action, event, element| {
            self.act(&action, &event, &element)
        })
    }

    /// The latest upload's state.
    fn state(&self) -> UploadState {
        self.shown
            .with(|s| s.current)
            .map_or(UploadState::Idle, |u| u.shown(|s| s.state))
    }

    /// Whether new files are refused: an upload runs, and (without
    /// `multiple`) files do not come while others go up.
    fn busy(&self) -> bool {
        self.state().is_active() && !self.settings.with(|s| s.multiple)
    }

    /// The drop zone, the status line, the queue, the error line and the
    /// announcer: five nodes, whatever their state.
    fn draw_uploads(self) -> Tree {
        let Widget {
            settings, shown, ..
        } = self;
        let locale = self.locale();
        let words = &locale.words;
        let state = self.state();
        let multiple = settings.with(|s| s.multiple);
        let mut tree = Tree::new();
        drop_zone(
            &mut tree,
            &DropZone {
                multiple,
                busy: self.busy(),
                active: shown.with(|s| s.dragging),
                accept: settings.with(|s| s.accept.input_attribute()),
            },
            &words.drop_zone,
        );
        let progress = shown
            .with(|s| s.current)
            .and_then(|u| u.shown(|s| s.progress))
            .map(|figures| figures.view(&locale));
        status_line(
            &mut tree,
            &StatusLine {
                hidden: multiple || progress.is_none(),
                progress,
                paused: state == UploadState::Paused,
                pausable: matches!(state, UploadState::Uploading | UploadState::Paused),
                cancellable: state.is_active(),
            },
            words,
        );
        let items = shown.with(|Shown { queue: uploads, .. }| {
            uploads
                .iter()
                .map(|upload| {
                    let mut item = upload.shown(|shown| {
                        view_model::queue_item(
                            upload.key,
                            &upload.filename(),
                            shown.state,
                            shown.progress.as_ref(),
                            shown.message.as_ref(),
                            &locale,
                        )
                    });
                    item.retryable &= upload.run(|r| r.file.is_some()).unwrap_or(false);
                    item
                })
                .collect::<Vec<_>>()
        });
        upload_queue(&mut tree, &items, words);
        shown.with(|s| {
            error_message(
                &mut tree,
                s.notice.as_ref().map(|m| m.notice(&locale)).as_ref(),
                multiple && s.notice_of_file,
            );
            announcer(
                &mut tree,
                s.announcement.as_ref().map(|a| a.text(&locale)).as_deref(),
            );
        });
        tree
    }

    /// The player, while there is a video to play, and the list of videos.
    fn draw_videos(self) -> Tree {
        let locale = self.locale();
        let mut tree = Tree::new();
        let playing = self.playing.with(|playing| {
            let (video, failure) = playing.as_ref()?;
            let failure = failure.and_then(|code| playback_failure(code, &locale.words.player));
            player(&mut tree, video, failure);
            Some(video.id.clone())
        });
        let items = self.videos.with(|list| {
            list.iter()
                .map(|video| view_model::video_item(video, &locale))
                .collect::<Vec<_>>()
        });
        video_list(&mut tree, &items, playing.as_deref(), &locale.words.videos);
        tree
    }

    /// Sets the root's attributes that tell the widget's state, where they
    /// changed.
    fn mark_root(self, root: &Element) {
        let Widget {
            settings, shown, ..
        } = self;
        let parts = shown.with(|s| s.current).and_then(|u| u.shown(|s| s.parts));
        let attributes = [
            ("lang", Some(self.locale().tag.to_owned())),
            (
                "data-theme",
                Some(settings.with(|s| s.theme.as_str()).to_owned()),
            ),
            (
                "data-multiple",
                settings.with(|s| s.multiple).then(String::new),
            ),
            ("data-state", Some(self.state().as_str().to_owned())),
            (
                "data-upload-id",
                shown
                    .with(|s| s.current)
                    .and_then(|u| u.shown(|s| s.upload_id.clone())),
            ),
            ("data-parts-total", parts.map(|c| c.total.to_string())),
            ("data-parts-done", parts.map(|c| c.done.to_string())),
            ("data-parts-resumed", parts.map(|c| c.resumed.to_string())),
        ];
        for (name, value) in attributes {
            // Only what changed: a page may watch them (`MutationObserver`).
            if root.get_attribute(name) != value {
                let _ = match value {
                    Some(value) => root.set_attribute(name, &value),
                    None => root.remove_attribute(name),
                };
            }
        }
    }

    /// What the user did with a control of the widget (its `action`, the
    /// `event`, and the `element` that has the action); false when the
    /// action takes no event of that kind (a click on the drop zone, a
    /// paste in the file input), which then goes to the controls around.
    fn act(self, action: &str, event: &Event, element: &Element) -> bool {
        let Some(action) = Action::read(action) else {
            return false;
        };
        let kind = event.type_();
        if kind == "click" {
            match action {
                Action::Pause(None) => {
                    if let Some(upload) = self.shown_untracked(|s| s.current) {
                        self.toggle_pause(upload);
                    }
                }
                Action::Pause(Some(key)) => {
                    if let Some(upload) = self.find(key) {
                        self.toggle_pause(upload);
                    }
                }
                Action::Cancel(None) => self.cancel_current(),
                Action::Cancel(Some(key)) => self.cancel_one(key),
                Action::Retry(key) => self.retry(key),
                Action::Play(id) => self.play(id),
                _ => return false,
            }
            return true;
        }
        let multiple = self.settings.with_untracked(|s| s.multiple);
        match action {
            Action::DropZone => match zone_event(event, element, multiple, untrack(|| self.busy()))
            {
                ZoneEvent::Over => self.show_dragging(true),
                ZoneEvent::Left => self.show_dragging(false),
                ZoneEvent::Files(files) => {
                    self.show_dragging(false);
                    if !files.is_empty() {
                        self.add_files(files);
                    }
                }
                ZoneEvent::None => return false,
            },
            Action::Choose if kind == "change" => {
                let files = chosen_files(element, multiple);
                if !files.is_empty() {
                    self.add_files(files);
                }
            }
            Action::Video if kind == "loadedmetadata" || kind == "error" => {
                let video = element.dyn_ref::<HtmlMediaElement>();
                let duration = if kind == "error" {
                    let code = video.and_then(|v| v.error()).map(|error| error.code());
                    self.playing.update(|playing| {
                        if let Some((_, failure)) = playing {
                            *failure = code;
                        }
                    });
                    None
                } else {
                    video.map(|v| v.duration())
                };
                let id = self
                    .playing
                    .with_untracked(|p| p.as_ref().map(|(video, _)| video.id.clone()));
                if let Some(id) = id {
                    self.on_metadata(&id, duration.filter(|d| d.is_finite()));
                }
            }
            _ => return false,
        }
        true
    }

    /// Shows (or stops showing) that files are dragged over the drop zone.
    fn show_dragging(&self, on: bool) {
        if self.shown_untracked(|s| s.dragging) != on {
            self.show(|s| s.dragging = on);
        }
    }

    /// New settings from the host page. A new endpoint or token applies to
    /// the next call (a token also to the calls of the uploads under way)
    /// and lists the videos again; a new locale rewords everything at once;
    /// a new concurrency applies to the parts that go next; the rest
    /// applies to the next upload.
    pub(crate) fn configure(self, new: Settings) {
        let old = self.settings.get_untracked();
        if old == new {
            return;
        }
        if old.token != new.token {
            self.local(|l| l.credential.set(new.token.clone()));
        }
        if old.api_base != new.api_base {
            self.local(|l| l.api = Api::with_credential(&new.api_base, l.credential.clone()));
        }
        if old.concurrency != new.concurrency {
            self.local(|l| l.slots.set_concurrency(new.concurrency));
        }
        let relist = old.api_base != new.api_base || old.token != new.token;
        self.settings.set(new);
        if relist {
            self.refresh_videos();
        }
    }

    /// The widget leaves the page: every upload under way is cancelled (its
    /// requests aborted), nothing more is shown or fetched, and a
    /// `vidrop:complete` still waiting for its duration goes out without it.
    pub(crate) fn unmount(self) {
        self.local(|l| l.mounted = false);
        self.cancel();
        if let Some((video, upload)) = self.local(|l| l.completing.take()).flatten() {
            self.emit_complete(upload, video, None);
        }
    }

    fn is_mounted(&self) -> bool {
        self.local(|l| l.mounted).unwrap_or(false)
    }

    /// Runs `make` under the widget's reactive owner, so that the signals
    /// it makes live as long as the widget. (Event handlers run under the
    /// owner of the part of the view that holds them, which a new drawing
    /// of that part disposes.)
    fn owned<T>(self, make: impl FnOnce() -> T) -> T {
        match self.owner() {
            Some(owner) => owner.with(make),
            None => make(),
        }
    }

    /// The widget's reactive owner, while it lives.
    fn owner(self) -> Option<Owner> {
        self.local(|l| l.owner.as_ref().and_then(WeakOwner::upgrade))
            .flatten()
    }

    /// Runs `task` holding the widget's reactive owner, so its signals
    /// outlive an unmount until the task ends; nothing runs once the owner
    /// is gone.
    fn spawn(self, task: impl Future<Output = ()> + 'static) {
        self.spawn_boxed(Box::pin(task));
    }

    /// [`Widget::spawn`]'s work, once for every kind of task.
    fn spawn_boxed(self, task: Pin<Box<dyn Future<Output = ()>>>) {
        if let Some(owner) = self.owner() {
            spawn_local(async move {
                task.await;
                drop(owner);
            });
        }
    }

    /// Tells the host page.
    fn emit<E: WidgetEvent>(&self, event: &E) {
        self.dispatch(E::NAME, event.detail());
    }

    /// [`Widget::emit`]'s work, once for every type of event.
    fn dispatch(&self, name: &str, detail: Written) {
        let target = self
            .local(|l| {
                l.host
                    .clone()
                    .or_else(|| l.root.clone().map(EventTarget::from))
            })
            .flatten();
        if let Some(target) = target {
            events::dispatch(&target, name, &detail.value());
        }
    }

    /// `vidrop:progress` of `upload` with its latest figures not shown and
    /// told yet, if any; a quarter newly reached is announced.
    fn emit_progress(&self, upload: FileUpload) {
        let unsent = upload.run(|r| {
            let figures = r.unsent_progress.take()?;
            let quarter = quarter_reached(r.announced_quarter, figures.percent);
            if let Some(quarter) = quarter {
                r.announced_quarter = quarter;
            }
            Some((r.filename.clone(), figures, quarter))
        });
        if let Some((filename, figures, quarter)) = unsent.flatten() {
            upload.show(|s| s.progress = Some(figures));
            if let Some(percent) = quarter {
                self.show(|s| {
                    s.announcement = Some(Announcement::Progress {
                        filename: filename.clone(),
                        percent,
                    })
                });
            }
            self.emit(&events::Progress {
                filename: &filename,
                loaded: figures.loaded,
                total: figures.total,
                percent: figures.percent,
            });
            // The interval runs from when the page has heard this one, so
            // the page's own clock sees the next at least an interval
            // later, however long its listeners took.
            upload.run(|r| r.throttle.sent(now_ms()));
        }
    }

    /// `vidrop:complete`, after `upload`'s progress not told yet (whose
    /// send is scheduled within [`events::PROGRESS_INTERVAL_MS`]): the page
    /// hears the last figures first, and nothing of this upload after.
    fn emit_complete(self, upload: FileUpload, video: VideoDetails, duration: Option<f64>) {
        let tell = move || {
            let summary = &video.listed.summary;
            self.emit(&events::Complete {
                id: &summary.id,
                filename: &summary.filename,
                size: summary.size,
                content_type: &summary.content_type,
                duration,
                url: &video.url,
                expires_at: &video.expires_at,
            });
        };
        let unsent_wait = move || {
            upload
                .run(|r| {
                    r.unsent_progress
                        .is_some()
                        .then(|| r.throttle.wait_left(now_ms()))
                })
                .flatten()
        };
        if unsent_wait().is_some() {
            self.spawn(async move {
                // A millisecond after the scheduled send's timer, which
                // goes first.
                while let Some(wait) = unsent_wait() {
                    sleep(wait.ceil() + 1.0).await;
                }
                tell();
            });
        } else {
            tell();
        }
    }

    /// `upload` did not happen or failed: shown, and told with its `code`.
    fn fail(&self, upload: FileUpload, message: Message) {
        upload.show(|s| {
            s.state = UploadState::Error;
            s.message = Some(message.clone());
        });
        self.show(|s| {
            s.announcement = None;
            s.notice_of_file = true;
        });
        self.local(|l| l.call_notice = false);
        self.show_error(message, Some(&upload.filename()));
    }

    /// A call to the backend outside an upload failed (listing, playing).
    fn fail_call(&self, error: ApiError) {
        self.local(|l| l.call_notice = true);
        self.show(|s| s.notice_of_file = false);
        self.show_error(Message::Failed(error.into()), None);
    }

    /// Shows `message` and tells the page, in the words shown.
    fn show_error(&self, message: Message, filename: Option<&str>) {
        let code = message.code().to_owned();
        let text = message.text(&untrack(|| self.locale()));
        self.show(|s| s.notice = Some(message));
        self.emit(&events::Error {
            code: &code,
            message: &text,
            filename,
        });
    }

    /// Uploads `file` (the element's `upload(file)`), as if it was chosen.
    pub(crate) fn upload(self, file: File) {
        self.add_files(vec![file]);
    }

    /// Files dropped, chosen or pasted. Each is checked against the policy,
    /// the page's `accept` and `max-size` and, with `multiple`, the batch
    /// against `max-files` and `max-total-size`, before anything is sent: a
    /// file left out says why and never stops the others. Without
    /// `multiple` the first file goes, unless an upload runs.
    pub(crate) fn add_files(self, files: Vec<File>) {
        if !self.is_mounted() {
            return;
        }
        let settings = self.settings.get_untracked();
        if !settings.multiple
            && self
                .shown_untracked(|s| s.current)
                .is_some_and(|u| u.is_active())
        {
            return;
        }
        self.show(|s| s.notice = None);
        self.local(|l| l.call_notice = false);
        let take = if settings.multiple { files.len() } else { 1 };
        let (mut count, mut total) = (0u32, 0u64);
        let mut added = Vec::new();
        for file in files.into_iter().take(take) {
            let name = clean_filename(&file.name());
            let checked = check_file(file, &settings).and_then(|file| {
                if let Some(max) = settings.max_files.filter(|max| count >= *max) {
                    return Err(Message::TooManyFiles {
                        filename: file.filename,
                        max,
                    });
                }
                if let Some(max) = settings
                    .max_total_size
                    .filter(|max| total + file.size > *max)
                {
                    return Err(Message::OverTotal {
                        filename: file.filename,
                        max,
                    });
                }
                Ok(file)
            });
            let key = self.local(|l| {
                l.next_key += 1;
                l.next_key - 1
            });
            let run = checked.as_ref().ok().cloned();
            let upload = self.owned(|| FileUpload::new(key.unwrap_or_default(), name, run));
            added.push(upload);
            match checked {
                Ok(file) => {
                    count += 1;
                    total += file.size;
                    upload.show(|s| s.state = UploadState::Queued);
                }
                Err(message) => {
                    upload.show(|s| s.progress = None);
                    if !settings.multiple {
                        self.show(|s| s.current = Some(upload));
                    }
                    self.fail(upload, message);
                }
            }
        }
        if settings.multiple {
            self.show(|s| s.queue.extend(added));
            self.pump();
        } else if let Some(upload) = added
            .into_iter()
            .find(|u| u.state_untracked() == UploadState::Queued)
        {
            self.begin(upload);
        }
    }

    /// Starts the queue's waiting files while fewer than [`FILES_AT_ONCE`]
    /// go up.
    fn pump(self) {
        loop {
            let (running, next) = self.shown_untracked(|Shown { queue, .. }| {
                let running = queue.iter().filter(|u| u.is_active()).count();
                let next = queue
                    .iter()
                    .find(|u| u.state_untracked() == UploadState::Queued)
                    .copied();
                (running, next)
            });
            match next {
                Some(upload) if running < FILES_AT_ONCE && self.is_mounted() => self.begin(upload),
                _ => return,
            }
        }
    }

    /// Uploads a checked file; the queue moves on when it ends.
    fn begin(self, upload: FileUpload) {
        let Some(file) = upload.run(|r| r.file.clone()).flatten() else {
            return;
        };
        let settings = self.settings.get_untracked();
        // The chooser is disabled while the upload runs: a keyboard user
        // on it goes on to the upload's buttons.
        let refocus = !settings.multiple && self.has_match("#vidrop-file:focus");
        upload.show(|s| {
            s.state = UploadState::Uploading;
            s.message = None;
            s.progress = Some(ProgressFigures::start(file.size));
            s.upload_id = None;
            s.parts = None;
        });
        self.show(|s| s.current = Some(upload));
        if refocus {
            self.focus_soon(UPLOAD_BUTTONS);
        }
        self.show(|s| {
            s.announcement = Some(Announcement::Started {
                filename: file.filename.clone(),
            })
        });
        let buttons = UploadControl::default();
        upload.run(|r| {
            r.throttle = ProgressThrottle::default();
            r.unsent_progress = None;
            r.announced_quarter = 0;
            r.control = Some(buttons.clone());
        });
        let Some((api, slots)) = self.local(|l| (l.api.clone(), l.slots.clone())) else {
            return;
        };
        self.emit(&events::Start {
            filename: &file.filename,
            content_type: &file.content_type,
            size: file.size,
        });
        let config = settings.upload_config();
        self.spawn(async move {
            let report = |report: Report<'_>| self.on_report(upload, report, &buttons);
            let result = engine::upload(&api, &file, &buttons, config, &slots, report).await;
            upload.run(|r| r.control = None);
            self.on_upload_end(upload, result);
            self.pump();
        });
    }

    /// What `upload` reports as it runs, shown and told to the host page.
    fn on_report(&self, upload: FileUpload, report: Report<'_>, buttons: &UploadControl) {
        match report {
            Report::Resuming { id } => {
                upload.show(|s| {
                    s.upload_id = Some(id.to_owned());
                    s.state = UploadState::Resuming;
                });
            }
            Report::Started {
                id,
                parts_total,
                parts_done,
                parts_resumed,
            } => {
                let paused = buttons.is_paused();
                upload.show(|s| {
                    s.upload_id = Some(id.to_owned());
                    s.parts = Some(PartCounts {
                        total: parts_total,
                        done: parts_done,
                        resumed: parts_resumed,
                    });
                    if s.state == UploadState::Resuming {
                        s.state = if paused {
                            UploadState::Paused
                        } else {
                            UploadState::Uploading
                        };
                    }
                });
            }
            Report::PartDone { parts_done } => upload.show(|s| {
                if let Some(counts) = &mut s.parts {
                    counts.done = parts_done;
                }
            }),
            // The bar and the page hear at most one progress of a file
            // every PROGRESS_INTERVAL_MS (XHR progress comes far more
            // often), and always the last.
            Report::Progress(progress) => {
                let figures = ProgressFigures::from(progress);
                let now = now_ms();
                let offered = upload.run(|r| {
                    r.unsent_progress = Some(figures);
                    r.throttle.offer(now)
                });
                match offered {
                    Some(Throttled::Now) => self.emit_progress(upload),
                    Some(Throttled::After(wait)) => {
                        let widget = *self;
                        widget.spawn(async move {
                            let mut wait = wait;
                            while wait > 0.0 {
                                sleep(wait.ceil()).await;
                                wait = upload
                                    .run(|r| r.throttle.wait_left(now_ms()))
                                    .unwrap_or(0.0);
                            }
                            upload.run(|r| r.throttle.sent(now_ms()));
                            widget.emit_progress(upload);
                        })
                    }
                    Some(Throttled::Held) | None => {}
                }
            }
            Report::Retry {
                part_number,
                attempt,
                reason,
                delay_ms,
            } => self.emit(&events::PartRetry {
                filename: &upload.filename(),
                part_number,
                attempt,
                reason: reason.to_string(),
                delay_ms: delay_ms.round() as u64,
            }),
        }
    }

    fn on_upload_end(self, upload: FileUpload, result: Result<VideoDetails, UploadError>) {
        // The upload's buttons are disabled once it ends: a keyboard user
        // on one of them goes back to the chooser.
        if self.has_match("#vidrop-pause:focus, #vidrop-cancel:focus") {
            self.focus_soon("#vidrop-file");
        }
        if result.is_err() {
            // Nothing more of this upload's progress is told.
            upload.run(|r| r.unsent_progress = None);
        }
        match result {
            Ok(video) => {
                // The bar shows the end at once; the page's event keeps its
                // turn (see `emit_complete`).
                if let Some(figures) = upload.run(|r| r.unsent_progress).flatten() {
                    upload.show(|s| s.progress = Some(figures));
                }
                upload.show(|s| s.state = UploadState::Done);
                self.show(|s| {
                    s.announcement = Some(Announcement::Done {
                        filename: video.listed.summary.filename.clone(),
                    })
                });
                if !self.is_mounted() {
                    return self.emit_complete(upload, video, None);
                }
                // `vidrop:complete` waits for the player to read the
                // duration (or gives up); one still waiting goes now.
                let id = video.listed.summary.id.clone();
                let playable = PlayableVideo::from(&video);
                let earlier = self
                    .local(|l| l.completing.replace((video, upload)))
                    .flatten();
                if let Some((earlier, its_upload)) = earlier {
                    self.emit_complete(its_upload, earlier, None);
                }
                self.start_playing(playable);
                self.refresh_videos();
                self.spawn(async move {
                    sleep(DURATION_WAIT_MS).await;
                    self.on_metadata(&id, None);
                });
            }
            Err(UploadError::Cancelled) => self.cancelled(upload),
            Err(error) => self.fail(upload, Message::Failed(error)),
        }
    }

    /// `upload` was cancelled: shown, and told.
    fn cancelled(self, upload: FileUpload) {
        upload.show(|s| {
            s.state = UploadState::Cancelled;
            s.message = Some(Message::Cancelled);
        });
        self.show(|s| {
            s.announcement = None;
            s.notice_of_file = true;
            s.notice = Some(Message::Cancelled);
        });
        self.local(|l| l.call_notice = false);
        self.emit(&events::Cancel {
            filename: &upload.filename(),
        });
    }

    /// The player read video `id`'s metadata: its `vidrop:complete` goes
    /// out, if it waits.
    fn on_metadata(self, id: &str, duration: Option<f64>) {
        let waiting = self
            .local(|l| match &l.completing {
                Some((video, _)) if video.listed.summary.id == id => l.completing.take(),
                _ => None,
            })
            .flatten();
        if let Some((video, upload)) = waiting {
            self.emit_complete(upload, video, duration);
        }
    }

    /// Whether any of the widget's elements matches `selectors`
    /// (`#vidrop-file:focus`: whether the chooser has focus).
    fn has_match(&self, selectors: &str) -> bool {
        self.element(selectors).is_some()
    }

    /// The first of the widget's elements matching `selectors`.
    fn element(&self, selectors: &str) -> Option<Element> {
        self.local(|l| l.root.clone())
            .flatten()
            .and_then(|root| root.query_selector(selectors).ok().flatten())
    }

    /// Moves keyboard focus to the first of the widget's elements matching
    /// `selectors`, once the view shows the state just set (which may
    /// enable it).
    fn focus_soon(self, selectors: &'static str) {
        self.spawn(async move {
            sleep(0.0).await;
            let target = self.element(selectors);
            if let Some(target) = target.and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok()) {
                let _ = target.focus();
            }
        });
    }

    /// Plays `video` in the player: every call starts playback, even of
    /// the video already there (a Play click after it ended).
    fn start_playing(self, video: PlayableVideo) {
        self.playing.set(Some((video, None)));
        self.spawn(async move {
            // Once the view has given the player the new `src`.
            sleep(0.0).await;
            let player = self
                .element("#vidrop-player")
                .and_then(|p| p.dyn_into::<HtmlMediaElement>().ok());
            // A browser that blocks autoplay rejects this; the controls
            // are there for the user to start it.
            if let Some(started) = player.and_then(|p| p.play().ok()) {
                let _ = JsFuture::from(started).await;
            }
        });
    }

    /// Cancels every upload under way and every file waiting in the queue
    /// (the element's `cancel()`).
    pub(crate) fn cancel(&self) {
        self.cancel_current();
        let keys: Vec<u64> = self.shown_untracked(|s| s.queue.iter().map(|u| u.key).collect());
        for key in keys {
            self.cancel_one(key);
        }
    }

    /// Cancels the latest file's upload, if it runs.
    fn cancel_current(&self) {
        if let Some(control) = self
            .shown_untracked(|s| s.current)
            .and_then(|u| u.control())
        {
            control.cancel();
        }
    }

    /// Cancels the queue's file `key`: its upload if it runs, else its turn.
    fn cancel_one(&self, key: u64) {
        let Some(upload) = self.find(key) else {
            return;
        };
        if let Some(control) = upload.control() {
            control.cancel();
        } else if upload.state_untracked() == UploadState::Queued {
            self.cancelled(upload);
        }
    }

    /// Sends the queue's file `key` again after it failed or was cancelled
    /// (a multipart upload resumes with the parts storage has).
    fn retry(self, key: u64) {
        let Some(upload) = self.find(key) else {
            return;
        };
        let retryable = matches!(
            upload.state_untracked(),
            UploadState::Error | UploadState::Cancelled
        );
        if retryable && upload.run(|r| r.file.is_some()) == Some(true) {
            upload.show(|s| {
                s.message = None;
                s.state = UploadState::Queued;
            });
            self.pump();
        }
    }

    /// The queue's file `key`.
    fn find(&self, key: u64) -> Option<FileUpload> {
        self.shown_untracked(|s| s.queue.iter().find(|u| u.key == key).copied())
    }

    fn toggle_pause(&self, upload: FileUpload) {
        let Some(buttons) = upload.control() else {
            return;
        };
        let upload_id = upload.shown.with_untracked(|s| s.upload_id.clone());
        let upload_id = upload_id.as_deref();
        let filename = upload.filename();
        let filename = filename.as_str();
        match upload.state_untracked() {
            UploadState::Uploading if buttons.pause() => {
                upload.show(|s| s.state = UploadState::Paused);
                self.emit(&events::Pause {
                    filename,
                    upload_id,
                });
            }
            UploadState::Paused if buttons.resume() => {
                upload.show(|s| s.state = UploadState::Uploading);
                self.emit(&events::Resume {
                    filename,
                    upload_id,
                });
            }
            _ => {}
        }
    }

    /// Lists the videos (again). A success clears the message of a failed
    /// listing or playback (a token that had expired, a backend that was
    /// down), not one about an upload.
    fn refresh_videos(self) {
        if !self.is_mounted() {
            return;
        }
        let Some(api) = self.local(|l| l.api.clone()) else {
            return;
        };
        self.spawn(async move {
            match api.list_videos().await {
                Ok(list) => {
                    self.videos.set(list);
                    if self.local(|l| std::mem::take(&mut l.call_notice)) == Some(true) {
                        self.show(|s| s.notice = None);
                    }
                }
                Err(error) => self.fail_call(error),
            }
        })
    }

    /// Plays video `id`, with a fresh URL from the backend.
    fn play(self, id: String) {
        let Some(api) = self.local(|l| l.api.clone()) else {
            return;
        };
        self.spawn(async move {
            match api.video(&id).await {
                Ok(video) if self.is_mounted() => {
                    self.local(|l| l.call_notice = false);
                    self.show(|s| s.notice = None);
                    self.start_playing(PlayableVideo::from(&video));
                }
                Ok(_) => {}
                Err(error) => self.fail_call(error),
            }
        })
    }
}

/// `file` checked against the policy, the page's `max-size` and `accept`:
/// what will be signed for it, or why it is left out.
fn check_file(file: File, settings: &Settings) -> Result<CheckedFile, Message> {
    match CheckedFile::check(file, settings.max_size) {
        Ok(file) if settings.accept.accepts(&file.filename, &file.content_type) => Ok(file),
        Ok(file) => Err(Message::not_accepted(&settings.accept, &file)),
        Err(error) => Err(Message::Failed(error)),
    }
}
