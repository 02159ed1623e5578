//! Browser tests of what needs no backend: the pure engine parts as they run
//! in wasm, the policy check on real `File`s, and the components mounted into
//! a page.
//!
//! Run from the workspace root (headless Chromium, see `webdriver.json`):
//! `CHROMEDRIVER=/usr/bin/chromedriver CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p vidrop-frontend --target wasm32-unknown-unknown`

// Everything here needs a browser; on a native `cargo test` the file is empty.
#![cfg(target_arch = "wasm32")]

use leptos::prelude::*;
use leptos::task::tick;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use vidrop_frontend::Settings;
use vidrop_frontend::components::{
    Action, DropZone, Notice, PlayableVideo, ProgressView, VideoItem, ZoneEvent, cancel_button,
    chosen_files, drop_zone, error_message, pause_button, player, progress_bar, video_list,
    zone_event,
};
use vidrop_frontend::dom::{self, Listening, Tree};
use vidrop_frontend::engine::s3_error::parse_s3_error;
use vidrop_frontend::engine::timer::sleep;
use vidrop_frontend::engine::{CheckedFile, ProgressTracker, UploadError};
use vidrop_frontend::locale::{self, EN, ZH_CN};
use vidrop_frontend::view_model::{ProgressFigures, progress_text, video_item};
use vidrop_shared::api::{ListedVideo, MediaInfo, VideoDetails, VideoSummary};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, File, FilePropertyBag, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fresh element in the page for one test to mount into.
fn wrapper() -> HtmlElement {
    let document = document();
    let wrapper = document.create_element("section").unwrap();
    document.body().unwrap().append_child(&wrapper).unwrap();
    wrapper.unchecked_into()
}

fn find(root: &Element, selector: &str) -> Element {
    root.query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in {}", root.inner_html()))
}

fn text_file(name: &str, content_type: &str, text: &str) -> File {
    let options = FilePropertyBag::new();
    options.set_type(content_type);
    let parts = js_sys::Array::of1(&text.into());
    File::new_with_str_sequence_and_options(&parts, name, &options).unwrap()
}

/// A file that begins as a WebM does (the EBML magic) but is no video the
/// browser can read: the widget's probe lets it go up on its container.
fn webm_like_file(name: &str) -> File {
    let options = FilePropertyBag::new();
    options.set_type("video/webm");
    let bytes: &[u8] = b"\x1A\x45\xDF\xA3 not really a video";
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes).into());
    File::new_with_u8_array_sequence_and_options(&parts, name, &options).unwrap()
}

/// Waits up to five seconds for `condition`; the async parts of the widget
/// (fetches) finish on their own schedule.
async fn wait_for(what: &str, condition: impl Fn() -> bool) {
    for _ in 0..100 {
        if condition() {
            return;
        }
        sleep(50.0).await;
    }
    panic!("timed out waiting for {what}");
}

fn summary(id: &str, filename: &str) -> VideoSummary {
    VideoSummary {
        id: id.into(),
        filename: filename.into(),
        content_type: "video/webm".into(),
        size: 1_572_864,
        uploaded_at: "2026-11-23T15:10:00Z".into(),
    }
}

/// The bar reads 99 % while bytes are out but unconfirmed, 100 % only once
/// storage said yes, and the speed is bytes over time.
#[wasm_bindgen_test]
fn progress_never_passes_100_and_measures_speed() {
    let mut progress = ProgressTracker::new(2_000_000, 1_000.0);
    progress.update(1_000_000, 2_000.0);
    assert_eq!(progress.percent(), 50);
    assert_eq!(progress.bytes_per_second(), Some(1_000_000.0));
    progress.update(9_999_999, 3_000.0);
    assert_eq!(progress.percent(), 99);
    progress.finish(3_500.0);
    assert_eq!(progress.percent(), 100);
    let figures = ProgressFigures::from(&progress);
    assert!(progress_text(&figures, &EN).starts_with("100 % · 1.9 MiB of 1.9 MiB · "));
}

/// S3's XML error body gives the code and message shown to the user.
#[wasm_bindgen_test]
fn s3_xml_errors_are_read() {
    let error = parse_s3_error(
        "<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
    )
    .unwrap();
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        ("AccessDenied", "Request has expired")
    );
    let refusal = UploadError::Storage {
        status: 403,
        error: Some(error),
    };
    assert_eq!(
        refusal.to_string(),
        "Storage refused the upload (403 AccessDenied: Request has expired)"
    );
}

/// A file that is not a video is refused with the shared policy's sentence.
#[wasm_bindgen_test]
fn a_text_file_is_refused_before_any_request() {
    let file = text_file("notes.txt", "text/plain", "hello");
    let error = CheckedFile::check(file, u64::MAX).unwrap_err();
    assert_eq!(
        error.to_string(),
        "Only video files can be uploaded; this file is \"text/plain\"."
    );
}

/// Without a browser-given type, the name decides; empty and oversized
/// files are refused.
#[wasm_bindgen_test]
fn file_checks_use_the_name_and_the_limit() {
    let untyped = text_file("C:\\clips\\holiday.MKV", "", "not really a video");
    let checked = CheckedFile::check(untyped, u64::MAX).unwrap();
    assert_eq!(checked.content_type, "video/x-matroska");
    assert_eq!(checked.filename, "holiday.MKV");
    assert_eq!(checked.size, 18);

    let empty = text_file("empty.webm", "video/webm", "");
    assert_eq!(
        CheckedFile::check(empty, u64::MAX).unwrap_err().to_string(),
        "This file is empty."
    );
    let big = text_file("big.webm", "video/webm", &"x".repeat(2048));
    assert_eq!(
        CheckedFile::check(big, 1024).unwrap_err().to_string(),
        "This file is 2 KiB; the largest upload allowed is 1 KiB."
    );
}

/// Draws what `write` writes into `root`, as the widget draws a region:
/// again, in place, at each call.
fn draw(root: &Element, write: impl FnOnce(&mut Tree)) {
    let mut tree = Tree::new();
    write(&mut tree);
    dom::patch(root, 0, tree, true);
}

/// What the events on a drawing's elements ask for, as the widget reads
/// them: the actions of the clicks, and the names of the files the drop zone
/// and the picker bring (several while `multiple`).
struct Acted {
    clicks: Rc<RefCell<Vec<String>>>,
    files: Rc<RefCell<Vec<String>>>,
    multiple: Rc<Cell<bool>>,
    _listening: Listening,
}

fn acted(root: &Element) -> Acted {
    let clicks = Rc::new(RefCell::new(Vec::new()));
    let files = Rc::new(RefCell::new(Vec::new()));
    let multiple = Rc::new(Cell::new(false));
    let listening = dom::listen(root, {
        let (clicks, files, multiple) = (clicks.clone(), files.clone(), multiple.clone());
        move |action, event, element| {
            let came = match Action::read(&action) {
                Some(Action::DropZone) => match zone_event(&event, &element, multiple.get(), false)
                {
                    ZoneEvent::Files(came) => came,
                    ZoneEvent::None => return false,
                    _ => return true,
                },
                Some(Action::Choose) if event.type_() == "change" => {
                    chosen_files(&element, multiple.get())
                }
                Some(_) if event.type_() == "click" => {
                    clicks.borrow_mut().push(action);
                    return true;
                }
                _ => return false,
            };
            *files.borrow_mut() = came.iter().map(File::name).collect();
            true
        }
    });
    Acted {
        clicks,
        files,
        multiple,
        _listening: listening,
    }
}

fn zone(multiple: bool) -> DropZone {
    DropZone {
        multiple,
        busy: false,
        active: false,
        accept: "video/*".to_owned(),
    }
}

/// A drawing keeps its elements: only the attributes and texts that
/// differ are written, what is no longer described goes, and a text is
/// text, never markup.
#[wasm_bindgen_test]
async fn drawing_again_changes_the_elements_in_place() {
    let root = wrapper();
    draw(&root, |t| {
        t.open("p")
            .attr("class", "a")
            .attr("title", "old")
            .text("one")
            .close()
            .leaf("b", "gone soon");
    });
    let p = find(&root, "p");
    let text = p.first_child().unwrap();
    let changes = Rc::new(Cell::new(0));
    let observer = web_sys::MutationObserver::new(
        Closure::<dyn Fn(js_sys::Array)>::new({
            let changes = changes.clone();
            move |records: js_sys::Array| changes.set(changes.get() + records.length())
        })
        .into_js_value()
        .unchecked_ref(),
    )
    .unwrap();
    let options = web_sys::MutationObserverInit::new();
    options.set_subtree(true);
    options.set_attributes(true);
    options.set_character_data(true);
    options.set_child_list(true);
    observer.observe_with_options(&root, &options).unwrap();

    let hostile = "<img src=x onerror=alert(1)>";
    draw(&root, |t| {
        t.open("p").attr("class", "a").text(hostile).close();
    });
    tick().await;
    assert!(find(&root, "p") == p, "the same element");
    assert!(p.first_child().unwrap() == text, "the same text node");
    assert_eq!(p.text_content().as_deref(), Some(hostile));
    assert!(root.query_selector("img").unwrap().is_none(), "no markup");
    assert!(!p.has_attribute("title"), "no longer described");
    assert!(root.query_selector("b").unwrap().is_none());
    // The text, the title and the `<b>`; the class was the same.
    assert_eq!(changes.get(), 3);

    draw(&root, |t| {
        t.leaf("div", "another element");
    });
    assert!(find(&root, "div") != p);
    assert!(root.query_selector("p").unwrap().is_none());
    observer.disconnect();
}

/// The drop zone offers a video file input, and Cancel is disabled while
/// nothing uploads.
#[wasm_bindgen_test]
async fn drop_zone_and_idle_cancel_button() {
    let root = wrapper();
    draw(&root, |t| {
        drop_zone(t, &zone(false), &EN.words.drop_zone);
        cancel_button(t, false, &EN.words);
    });
    find(&root, "#vidrop-dropzone");
    let input = find(&root, "#vidrop-file");
    assert_eq!(input.get_attribute("type").as_deref(), Some("file"));
    assert_eq!(input.get_attribute("accept").as_deref(), Some("video/*"));
    let display = window()
        .get_computed_style(&input)
        .unwrap()
        .unwrap()
        .get_property_value("display")
        .unwrap();
    assert_ne!(display, "none", "the input must stay reachable");
    assert!(
        find(&root, "label[for=vidrop-file]")
            .text_content()
            .is_some()
    );
    assert!(find(&root, "#vidrop-cancel").has_attribute("disabled"));
    // The zone's icon is SVG, drawn as such.
    let icon = find(&root, "svg.vidrop-dropzone-icon path");
    assert_eq!(
        icon.namespace_uri().as_deref(),
        Some("http://www.w3.org/2000/svg")
    );
}

/// Pause reads "Pause" until the upload is paused, then "Resume"; it is
/// disabled when there is nothing to pause, and a click asks for a pause.
#[wasm_bindgen_test]
async fn pause_button_offers_pause_then_resume() {
    let root = wrapper();
    let acted = acted(&root);
    draw(&root, |t| pause_button(t, false, false, &EN.words));
    let button = find(&root, "button#vidrop-pause");
    assert_eq!(button.text_content().as_deref(), Some("Pause"));
    assert!(button.has_attribute("disabled"));
    button.unchecked_ref::<HtmlElement>().click();
    assert!(
        acted.clicks.borrow().is_empty(),
        "a disabled button does nothing"
    );

    draw(&root, |t| pause_button(t, false, true, &EN.words));
    assert!(!button.has_attribute("disabled"));
    button.unchecked_ref::<HtmlElement>().click();
    assert_eq!(
        acted.clicks.borrow().as_slice(),
        [Action::Pause(None).write()]
    );

    draw(&root, |t| pause_button(t, true, true, &EN.words));
    assert_eq!(button.text_content().as_deref(), Some("Resume"));
    assert_eq!(
        button.get_attribute("aria-pressed").as_deref(),
        Some("true")
    );
    assert!(find(&root, "#vidrop-pause") == button, "the same element");
}

/// Choosing a file in the picker brings it.
#[wasm_bindgen_test]
async fn choosing_a_file_calls_back() {
    let root = wrapper();
    let acted = acted(&root);
    draw(&root, |t| drop_zone(t, &zone(false), &EN.words.drop_zone));
    let input: HtmlInputElement = find(&root, "#vidrop-file").unchecked_into();
    assert!(!input.multiple());
    choose(&input, &[text_file("clip.webm", "video/webm", "data")]);
    assert_eq!(acted.files.borrow().as_slice(), ["clip.webm"]);
    assert_eq!(input.files().unwrap().length(), 0, "emptied for the next");
}

/// With `multiple`, the picker takes several files, and a drop or a paste
/// of several brings them all; without it, only the first.
#[wasm_bindgen_test]
async fn several_files_come_by_picker_drop_and_paste() {
    let root = wrapper();
    let acted = acted(&root);
    acted.multiple.set(true);
    draw(&root, |t| drop_zone(t, &zone(true), &EN.words.drop_zone));
    let files = || {
        [
            text_file("a.webm", "video/webm", "a"),
            text_file("b.mp4", "video/mp4", "b"),
        ]
    };
    let input: HtmlInputElement = find(&root, "#vidrop-file").unchecked_into();
    assert!(input.multiple());
    choose(&input, &files());
    assert_eq!(acted.files.borrow().as_slice(), ["a.webm", "b.mp4"]);

    let zone_element = find(&root, "#vidrop-dropzone");
    let transfer = web_sys::DataTransfer::new().unwrap();
    for file in files().iter().rev() {
        transfer.items().add_with_file(file).unwrap();
    }
    let init = web_sys::DragEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_data_transfer(Some(&transfer));
    let drop = web_sys::DragEvent::new_with_event_init_dict("drop", &init).unwrap();
    zone_element.dispatch_event(&drop).unwrap();
    assert!(
        drop.default_prevented(),
        "the browser does not open the file"
    );
    assert_eq!(acted.files.borrow().as_slice(), ["b.mp4", "a.webm"]);

    let init = web_sys::ClipboardEventInit::new();
    init.set_bubbles(true);
    init.set_cancelable(true);
    init.set_clipboard_data(Some(&transfer));
    let paste = web_sys::ClipboardEvent::new_with_event_init_dict("paste", &init).unwrap();
    acted.files.borrow_mut().clear();
    input.dispatch_event(&paste).unwrap();
    assert_eq!(
        acted.files.borrow().as_slice(),
        ["b.mp4", "a.webm"],
        "a paste inside the zone is the zone's"
    );

    acted.multiple.set(false);
    draw(&root, |t| drop_zone(t, &zone(false), &EN.words.drop_zone));
    zone_element
        .dispatch_event(
            &web_sys::DragEvent::new_with_event_init_dict("drop", &{
                let init = web_sys::DragEventInit::new();
                init.set_data_transfer(Some(&transfer));
                init
            })
            .unwrap(),
        )
        .unwrap();
    assert_eq!(
        acted.files.borrow().as_slice(),
        ["b.mp4"],
        "one file without multiple"
    );
}

fn choose(input: &HtmlInputElement, files: &[File]) {
    let transfer = web_sys::DataTransfer::new().unwrap();
    for file in files {
        transfer.items().add_with_file(file).unwrap();
    }
    input.set_files(transfer.files().as_ref());
    input
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
}

/// The bar, its `data-percent` and its text follow the progress, in the same
/// elements.
#[wasm_bindgen_test]
async fn progress_bar_shows_percent_bytes_and_speed() {
    let root = wrapper();
    draw(&root, |t| {
        progress_bar(t, &ProgressView::default(), None, false)
    });
    let bar = find(&root, "#vidrop-progress");
    assert_eq!(bar.get_attribute("max").as_deref(), Some("100"));
    assert_eq!(bar.get_attribute("data-percent").as_deref(), Some("0"));

    let mut tracker = ProgressTracker::new(1_258_291, 0.0);
    tracker.update(629_146, 500.0);
    let view = ProgressFigures::from(&tracker).view(&EN);
    draw(&root, |t| progress_bar(t, &view, None, false));
    assert_eq!(bar.get_attribute("data-percent").as_deref(), Some("50"));
    assert_eq!(bar.get_attribute("value").as_deref(), Some("50"));
    assert_eq!(
        find(&root, "#vidrop-progress-text").text_content().unwrap(),
        "50 % · 614 KiB of 1.2 MiB · 1.2 MiB/s"
    );

    tracker.finish(1_000.0);
    let view = ProgressFigures::from(&tracker).view(&EN);
    draw(&root, |t| progress_bar(t, &view, None, false));
    let same_bar = find(&root, "#vidrop-progress");
    assert!(same_bar == bar, "the element is updated, not replaced");
    assert_eq!(bar.get_attribute("data-percent").as_deref(), Some("100"));
    assert_eq!(
        find(&root, "#vidrop-progress-text").text_content().unwrap(),
        "100 % · 1.2 MiB of 1.2 MiB · 1.2 MiB/s"
    );
}

/// The alert region is always there, empty until there is something to say.
#[wasm_bindgen_test]
async fn error_message_is_an_alert() {
    let root = wrapper();
    draw(&root, |t| error_message(t, None, false));
    let alert = find(&root, "#vidrop-error");
    assert_eq!(alert.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(alert.text_content().unwrap_or_default(), "");
    let notice = Notice::error("This file is empty.");
    draw(&root, |t| error_message(t, Some(&notice), false));
    assert_eq!(alert.text_content().unwrap(), "This file is empty.");
    assert!(alert.class_list().contains("vidrop-message--error"));
    let notice = Notice::info("Upload cancelled.");
    draw(&root, |t| error_message(t, Some(&notice), false));
    assert!(alert.class_list().contains("vidrop-message--info"));
    assert!(!alert.class_list().contains("vidrop-message--error"));
}

/// The list shows each video with its name, size, poster and duration, and
/// Play asks for its id; the player plays the presigned URL.
#[wasm_bindgen_test]
async fn video_list_and_player() {
    let root = wrapper();
    let acted = acted(&root);
    let videos: Vec<VideoItem> = [
        ListedVideo {
            summary: summary("01B", "second.webm"),
            media: MediaInfo {
                duration: Some(65.4),
                width: Some(320),
                height: Some(240),
            },
            poster_url: Some("http://127.0.0.1:9/bucket/videos/01B.poster.jpg?s=1".into()),
        },
        ListedVideo {
            summary: summary("01A", "first clip.mp4"),
            media: MediaInfo::default(),
            poster_url: None,
        },
    ]
    .iter()
    .map(|video| video_item(video, &EN))
    .collect();
    draw(&root, |t| video_list(t, &videos, None, &EN.words.videos));
    assert!(root.query_selector("#vidrop-player").unwrap().is_none());
    let items = root
        .query_selector_all("#vidrop-videos li.vidrop-video")
        .unwrap();
    assert_eq!(items.length(), 2);
    let first: Element = items.get(0).unwrap().unchecked_into();
    assert_eq!(first.get_attribute("data-video-id").as_deref(), Some("01B"));
    assert!(first.text_content().unwrap().contains("second.webm"));
    assert!(first.text_content().unwrap().contains("1.5 MiB"));
    // Its poster and duration; the other, known to have neither, shows a
    // play sign and no duration.
    let poster = find(&first, ".vidrop-video-thumb img");
    assert_eq!(
        poster.get_attribute("src").as_deref(),
        Some("http://127.0.0.1:9/bucket/videos/01B.poster.jpg?s=1")
    );
    assert_eq!(poster.get_attribute("alt").as_deref(), Some(""));
    let duration = find(&first, "time.vidrop-video-duration");
    assert_eq!(duration.text_content().as_deref(), Some("1:05"));
    assert_eq!(duration.get_attribute("datetime").as_deref(), Some("PT65S"));
    let second: Element = items.get(1).unwrap().unchecked_into();
    assert!(
        second
            .query_selector(".vidrop-video-thumb img")
            .unwrap()
            .is_none()
    );
    // The stylesheet draws a play sign in an empty thumb.
    let thumb = find(&second, ".vidrop-video-thumb");
    assert!(thumb.matches(":empty").unwrap(), "{}", thumb.outer_html());
    let style = document().create_element("style").unwrap();
    style.set_text_content(Some(vidrop_frontend::element::STYLESHEET));
    document().head().unwrap().append_child(&style).unwrap();
    let sign = window()
        .get_computed_style_with_pseudo_elt(&thumb, "::before")
        .unwrap()
        .unwrap();
    assert_eq!(sign.get_property_value("content").unwrap(), "\"\"");
    assert_ne!(sign.get_property_value("clip-path").unwrap(), "none");
    style.remove();
    assert!(
        second
            .query_selector(".vidrop-video-duration")
            .unwrap()
            .is_none()
    );
    find(&second, "button.vidrop-play")
        .unchecked_into::<HtmlElement>()
        .click();
    assert_eq!(
        acted.clicks.borrow().as_slice(),
        [Action::Play("01A".into()).write()]
    );

    let video = PlayableVideo::from(&VideoDetails {
        listed: ListedVideo {
            summary: summary("01A", "first clip.mp4"),
            media: MediaInfo::default(),
            poster_url: Some(
                "http://127.0.0.1:9/bucket/videos/01A.poster.jpg?X-Amz-Signature=def".into(),
            ),
        },
        url: "http://127.0.0.1:9/bucket/videos/01A.mp4?X-Amz-Signature=abc".into(),
        expires_at: "2026-11-23T16:10:00Z".into(),
    });
    draw(&root, |t| {
        player(t, &video, None);
        video_list(t, &videos, Some("01A"), &EN.words.videos);
    });
    let player = find(&root, "video#vidrop-player");
    assert!(player.has_attribute("controls"));
    assert_eq!(
        player.get_attribute("data-video-id").as_deref(),
        Some("01A")
    );
    assert_eq!(
        player.get_attribute("src").as_deref(),
        Some("http://127.0.0.1:9/bucket/videos/01A.mp4?X-Amz-Signature=abc")
    );
    assert_eq!(
        player.get_attribute("poster").as_deref(),
        Some("http://127.0.0.1:9/bucket/videos/01A.poster.jpg?X-Amz-Signature=def"),
        "the poster shows until it plays"
    );
    let second = find(&root, "li[data-video-id='01A']");
    assert_eq!(
        second.get_attribute("aria-current").as_deref(),
        Some("true")
    );
}

/// The whole widget: idle at first, says clearly when the backend cannot be
/// reached, and refuses a non-video file with the policy's sentence, an
/// `error` state and a `vidrop:error` event.
#[wasm_bindgen_test]
async fn app_explains_an_unreachable_backend_and_a_refused_file() {
    let root = wrapper();
    // On the wrapper: the events bubble out of the widget.
    let errors = listen(&root, "vidrop:error");
    // Port 9 (discard) refuses connections: a backend that is not running.
    let settings = Settings::from_attributes(|name| {
        (name == "endpoint").then(|| "http://127.0.0.1:9".to_owned())
    });
    let _mounted = vidrop_frontend::mount(&root, settings, None);
    tick().await;

    let widget = find(&root, "#vidrop");
    assert_eq!(widget.get_attribute("data-state").as_deref(), Some("idle"));
    assert!(find(&root, "#vidrop-cancel").has_attribute("disabled"));
    let pause = find(&root, "#vidrop-pause");
    assert!(pause.has_attribute("disabled"));
    assert_eq!(pause.text_content().as_deref(), Some("Pause"));
    for attribute in [
        "data-upload-id",
        "data-parts-total",
        "data-parts-done",
        "data-parts-resumed",
    ] {
        assert!(
            !widget.has_attribute(attribute),
            "{attribute} before any upload"
        );
    }
    let alert = find(&root, "#vidrop-error");
    wait_for("the list error", || {
        alert.text_content().is_some_and(|t| !t.is_empty())
    })
    .await;
    assert!(
        alert
            .text_content()
            .unwrap()
            .contains("could not be reached"),
        "{:?}",
        alert.text_content()
    );

    let input: HtmlInputElement = find(&root, "#vidrop-file").unchecked_into();
    choose(&input, &[text_file("notes.txt", "text/plain", "hello")]);
    tick().await;
    assert_eq!(widget.get_attribute("data-state").as_deref(), Some("error"));
    let message = "Only video files can be uploaded; this file is \"text/plain\".";
    assert_eq!(alert.text_content().as_deref(), Some(message));
    assert_eq!(
        fields(&errors, &["code", "message", "filename"]),
        vec![
            vec!["unreachable", UNREACHABLE, "null"],
            vec!["unsupported_type", message, "notes.txt"],
        ],
        "the listing's failure, then the refused file"
    );

    // Still usable: a video goes on to the (unreachable) backend.
    choose(&input, &[webm_like_file("clip.webm")]);
    tick().await;
    wait_for("the upload to fail", || {
        widget.get_attribute("data-state").as_deref() == Some("error")
            && alert
                .text_content()
                .is_some_and(|t| t.contains("could not be reached"))
    })
    .await;
    assert_eq!(
        fields(&errors, &["code", "filename"])[2],
        vec!["unreachable", "clip.webm"]
    );
}

const UNREACHABLE: &str = "The Vidrop server could not be reached. Check your connection, or that the server is running, and try again.";

/// The details of every `name` event that reaches `target`, as they come.
fn listen(target: &web_sys::EventTarget, name: &str) -> Rc<RefCell<Vec<(JsValue, JsValue)>>> {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let listener = {
        let seen = seen.clone();
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |event: web_sys::CustomEvent| {
            let target = event.target().map_or(JsValue::NULL, JsValue::from);
            seen.borrow_mut().push((target, event.detail()));
        })
    };
    target
        .add_event_listener_with_callback(name, listener.as_ref().unchecked_ref())
        .unwrap();
    listener.forget();
    seen
}

/// Fields of the events' details, as text (`null` for null).
fn fields(events: &Rc<RefCell<Vec<(JsValue, JsValue)>>>, names: &[&str]) -> Vec<Vec<String>> {
    events
        .borrow()
        .iter()
        .map(|(_, detail)| {
            names
                .iter()
                .map(|name| {
                    let value = js_sys::Reflect::get(detail, &JsValue::from_str(name)).unwrap();
                    value
                        .as_string()
                        .unwrap_or_else(|| String::from(js_sys::JSON::stringify(&value).unwrap()))
                })
                .collect()
        })
        .collect()
}

/// A `<vidrop-uploader>` with `attributes`, added to the page.
fn uploader(attributes: &[(&str, &str)]) -> HtmlElement {
    vidrop_frontend::element::define();
    let element = document().create_element("vidrop-uploader").unwrap();
    for (name, value) in attributes {
        element.set_attribute(name, value).unwrap();
    }
    document().body().unwrap().append_child(&element).unwrap();
    element.unchecked_into()
}

fn shadow(element: &HtmlElement) -> web_sys::ShadowRoot {
    element.shadow_root().expect("an open shadow root")
}

fn in_shadow(element: &HtmlElement, selector: &str) -> Element {
    shadow(element)
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector} in the shadow root"))
}

/// The element mounts the widget into an open shadow root styled by one
/// adopted stylesheet (no `<style>`, no `style=`), and reflects its
/// attributes; a changed attribute applies in place, without a remount.
#[wasm_bindgen_test]
async fn the_element_mounts_into_its_shadow_root_and_follows_its_attributes() {
    let element = uploader(&[
        ("endpoint", "http://127.0.0.1:9"),
        ("locale", "zh-CN"),
        ("theme", "dark"),
        ("accept", "video/webm"),
        ("multiple", ""),
    ]);
    tick().await;
    let root = shadow(&element);
    assert_eq!(root.mode(), web_sys::ShadowRootMode::Open);
    let sheets = js_sys::Reflect::get(&root, &"adoptedStyleSheets".into()).unwrap();
    assert_eq!(js_sys::Array::from(&sheets).length(), 1);
    assert!(root.query_selector("style, [style]").unwrap().is_none());
    let widget = in_shadow(&element, "#vidrop");
    assert_eq!(widget.get_attribute("lang").as_deref(), Some("zh-CN"));
    let cancel = in_shadow(&element, "#vidrop-cancel");
    assert_eq!(cancel.text_content().as_deref(), Some(ZH_CN.words.cancel));
    let announcer = in_shadow(&element, "#vidrop-announcer");
    assert_eq!(announcer.get_attribute("role").as_deref(), Some("status"));
    assert_eq!(widget.get_attribute("data-theme").as_deref(), Some("dark"));
    assert!(widget.has_attribute("data-multiple"));
    let input = in_shadow(&element, "#vidrop-file");
    assert_eq!(input.get_attribute("accept").as_deref(), Some("video/webm"));
    assert!(
        document().get_element_by_id("vidrop").is_none(),
        "nothing of the widget is in the page's own tree"
    );

    element.set_attribute("theme", "light").unwrap();
    element.remove_attribute("locale").unwrap();
    element.remove_attribute("multiple").unwrap();
    element.remove_attribute("accept").unwrap();
    tick().await;
    assert!(in_shadow(&element, "#vidrop") == widget, "the same widget");
    assert_eq!(widget.get_attribute("data-theme").as_deref(), Some("light"));
    assert_eq!(
        widget.get_attribute("lang").as_deref(),
        Some(locale::choose(None, &locale::browser_languages()).tag),
        "without the attribute, the browser's language"
    );
    element.set_attribute("locale", "en-GB").unwrap();
    tick().await;
    assert_eq!(widget.get_attribute("lang").as_deref(), Some("en"));
    assert_eq!(
        cancel.text_content().as_deref(),
        Some(EN.words.cancel),
        "at once"
    );
    assert!(!widget.has_attribute("data-multiple"));
    assert_eq!(input.get_attribute("accept").as_deref(), Some("video/*"));
    element.remove();
    // The unmount runs after the task that removed the element.
    sleep(0.0).await;
}

/// Without a `locale` attribute the widget speaks the browser's language,
/// and rewords itself at once when that changes (`languagechange`).
#[wasm_bindgen_test]
async fn a_widget_without_a_locale_follows_the_browsers_languages() {
    let element = uploader(&[("endpoint", "http://127.0.0.1:9")]);
    tick().await;
    let widget = in_shadow(&element, "#vidrop");
    let cancel = in_shadow(&element, "#vidrop-cancel");
    let browsers = locale::choose(None, &locale::browser_languages());
    assert_eq!(widget.get_attribute("lang").as_deref(), Some(browsers.tag));
    assert_ne!(
        browsers.tag, "zh-CN",
        "the test browser speaks something else"
    );

    // What a user who switches the browser to Chinese makes the page see.
    let navigator: js_sys::Object = window().navigator().unchecked_into();
    let languages = js_sys::Object::new();
    let chinese = js_sys::Array::of2(&"zh-CN".into(), &"en".into());
    js_sys::Reflect::set(&languages, &"value".into(), &chinese).unwrap();
    js_sys::Reflect::set(&languages, &"configurable".into(), &true.into()).unwrap();
    js_sys::Object::define_property(&navigator, &"languages".into(), &languages);
    let change = || {
        let event = web_sys::Event::new("languagechange").unwrap();
        window().dispatch_event(&event).unwrap();
    };
    change();
    tick().await;
    assert_eq!(widget.get_attribute("lang").as_deref(), Some("zh-CN"));
    assert_eq!(cancel.text_content().as_deref(), Some(ZH_CN.words.cancel));

    js_sys::Reflect::delete_property(&navigator, &"languages".into()).unwrap();
    change();
    tick().await;
    assert_eq!(widget.get_attribute("lang").as_deref(), Some(browsers.tag));
    element.remove();
    sleep(0.0).await;
}

/// Events are dispatched on the element and bubble out of the shadow root;
/// a file the page's `accept` leaves out is refused before any request.
#[wasm_bindgen_test]
async fn events_reach_the_page_from_the_element() {
    let element = uploader(&[("endpoint", "http://127.0.0.1:9"), ("accept", ".webm")]);
    let errors = listen(&document().body().unwrap(), "vidrop:error");
    tick().await;
    let input: HtmlInputElement = in_shadow(&element, "#vidrop-file").unchecked_into();
    choose(&input, &[text_file("clip.mp4", "video/mp4", "data")]);
    tick().await;
    let mine = JsValue::from(&element);
    wait_for("both errors", || {
        errors
            .borrow()
            .iter()
            .filter(|(target, _)| *target == mine)
            .count()
            >= 2
    })
    .await;
    // Other tests' widgets may also have told the page about errors.
    errors.borrow_mut().retain(|(target, _)| *target == mine);
    let refused = fields(&errors, &["code", "filename", "message"])
        .into_iter()
        .find(|f| f[0] == "not_accepted")
        .expect("a not_accepted error on the element");
    assert_eq!(refused[1], "clip.mp4");
    assert_eq!(
        refused[2],
        "This page takes only .webm files; \"clip.mp4\" is video/mp4."
    );
    assert_eq!(
        in_shadow(&element, "#vidrop")
            .get_attribute("data-state")
            .as_deref(),
        Some("error")
    );
    element.remove();
    sleep(0.0).await;
}

/// Removing the element unmounts its widget (after the task that removed
/// it, so a move within the page keeps it); adding it again mounts a new
/// one; a second definition of the element is refused.
#[wasm_bindgen_test]
async fn removal_unmounts_and_adding_again_mounts() {
    sleep(0.0).await;
    let before = vidrop_frontend::element::mounted_widgets();
    let element = uploader(&[("endpoint", "http://127.0.0.1:9")]);
    let other = uploader(&[("endpoint", "http://127.0.0.1:9")]);
    assert_eq!(vidrop_frontend::element::mounted_widgets(), before + 2);
    let first = in_shadow(&element, "#vidrop");

    // Moved: out and back in the same task.
    let body = document().body().unwrap();
    body.append_child(&element).unwrap();
    sleep(0.0).await;
    assert_eq!(vidrop_frontend::element::mounted_widgets(), before + 2);
    assert!(
        in_shadow(&element, "#vidrop") == first,
        "a move keeps the widget"
    );

    element.remove();
    sleep(0.0).await;
    assert_eq!(vidrop_frontend::element::mounted_widgets(), before + 1);
    assert_eq!(
        shadow(&element).child_element_count(),
        0,
        "the view is gone"
    );
    assert!(shadow(&other).query_selector("#vidrop").unwrap().is_some());

    body.append_child(&element).unwrap();
    tick().await;
    assert_eq!(vidrop_frontend::element::mounted_widgets(), before + 2);
    assert!(in_shadow(&element, "#vidrop") != first, "a new widget");
    assert!(!vidrop_frontend::element::define(), "already defined");
    element.remove();
    other.remove();
    sleep(0.0).await;
    assert_eq!(vidrop_frontend::element::mounted_widgets(), before);
}
