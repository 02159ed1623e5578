//! A person uploads a video in a real browser and watches it: every engine
//! (Chromium, Firefox, WebKit) over WebDriver, the release widget, the backend
//! on a real socket and its embedded S3 on another origin.

use base64::Engine as _;
use sha2::Digest;
use vidrop_e2e::{Engine, Harness, TestVideo, in_every_engine};
use vidrop_shared::api::VideoDetails;

in_every_engine!(a_chosen_video_uploads_to_s3_and_plays);

/// A chosen WebM goes straight to S3: the bar reaches 100 %, the stored object
/// is the file byte for byte, it is listed, and the player plays it.
async fn a_chosen_video_uploads_to_s3_and_plays(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let video = TestVideo::webm(harness.stack.data_dir(), "sunset clip.webm", 3);
    harness.open_widget().await;

    harness.choose_file(&video.path).await;
    harness.wait_for_upload().await;

    let browser = &harness.browser;
    assert_eq!(
        browser
            .attribute("#vidrop-progress", "data-percent")
            .await
            .as_deref(),
        Some("100")
    );
    assert_eq!(
        browser.eval("vidrop('#vidrop-progress').value").await,
        100.0
    );
    assert!(
        browser
            .text("#vidrop-progress-text")
            .await
            .starts_with("100 %")
    );

    let id = browser
        .attribute("#vidrop-player", "data-video-id")
        .await
        .expect("the player names the video it plays");
    assert_eq!(
        harness.stack.stored_bytes(&id).await,
        video.bytes(),
        "the stored object is the file"
    );
    // The widget hashed the file and the store checked that SHA-256 (a
    // single PUT binds it into the signature).
    let sha256 =
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(video.bytes()));
    assert_eq!(
        harness.stack.stored_checksum_sha256(&id).await,
        Some(sha256),
        "the single PUT carried the file's SHA-256"
    );
    let listed = harness.stack.videos().await;
    let entry = listed
        .videos
        .iter()
        .find(|v| v.id == id)
        .expect("the video is listed");
    assert_eq!(entry.filename, video.file_name());
    assert_eq!(entry.content_type, "video/webm");
    browser
        .wait_until(
            &format!("vidrop('#vidrop-videos li[data-video-id=\"{id}\"]') !== null"),
            "the widget's list to show the video",
        )
        .await;

    browser
        .assert_plays("#vidrop-player", Some(video.duration))
        .await;
    harness.close().await;
}

/// Before a video goes up the widget reads it: its duration and frame size
/// are stored with it and answered by `GET /api/videos/{id}`, and a JPEG
/// poster of one frame, at the video's aspect ratio, is stored beside it
/// and shown by the player.
#[tokio::test]
async fn a_video_goes_up_with_its_duration_frame_size_and_poster() {
    let harness = Harness::start().await;
    let video = TestVideo::webm(harness.stack.data_dir(), "wide clip.webm", 3);
    harness.open_widget().await;
    let details = upload_and_describe(&harness, &video).await;
    let duration = details.listed.media.duration.expect("a duration");
    assert!(
        (duration - video.duration).abs() <= 0.2,
        "duration {duration} against ffprobe's {}",
        video.duration
    );
    assert_eq!(details.listed.media.width, Some(320));
    assert_eq!(details.listed.media.height, Some(240));
    let poster_url = details.listed.poster_url.expect("a poster");
    let shown = harness
        .browser
        .attribute("#vidrop-player", "poster")
        .await
        .expect("the player shows the poster until it plays");
    assert!(shown.contains(".poster.jpg?"), "{shown}");
    let poster = harness.stack.fetch(&poster_url).await;
    assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF], "the poster is a JPEG");
    let poster_path = harness.stack.data_dir().join("poster.jpg");
    std::fs::write(&poster_path, &poster).unwrap();
    assert_eq!(
        vidrop_e2e::video::frame_size(&poster_path),
        (320, 240),
        "the poster has the video's size (it is under 640 pixels wide)"
    );
    harness.close().await;
}

/// Records the body of every `POST /api/uploads/{id}/parts` and
/// `/complete` the widget sends (its `fetch` wrapped), in
/// `window.vidropApiBodies`.
const RECORD_UPLOAD_CALLS: &str = r#"
    window.vidropApiBodies = [];
    const send = window.fetch;
    window.fetch = function (input, init) {
        const request = input instanceof Request ? input.clone() : new Request(input, init);
        const path = new URL(request.url).pathname;
        if (request.method === "POST" && /^\/api\/uploads\/[^/]+\/(parts|complete)$/.test(path)) {
            request.text().then((body) => window.vidropApiBodies.push({ path, body: JSON.parse(body) }));
        }
        return send.call(this, input, init);
    };
    return true;
"#;

/// A multipart upload (every upload here, with `--multipart-threshold 1`)
/// sends the plan's handle back with each batch of parts and with the
/// completion, so the backend reads no manifest; the completion then names
/// the poster the plan announced without looking for it, and the player
/// shows it, as the store holds it.
#[tokio::test]
async fn a_multipart_upload_sends_its_handle_and_shows_its_poster() {
    let harness = Harness::start_with(&["--multipart-threshold", "1"]).await;
    let video = TestVideo::webm(harness.stack.data_dir(), "parts clip.webm", 3);
    harness.open_widget().await;
    harness.browser.execute(RECORD_UPLOAD_CALLS).await;
    let details = upload_and_describe(&harness, &video).await;

    let calls = harness.browser.eval("window.vidropApiBodies").await;
    let calls = calls.as_array().expect("the recorded calls");
    let handles: Vec<(&str, &str)> = calls
        .iter()
        .map(|call| {
            let path = call["path"].as_str().unwrap_or_default();
            let kind = path.rsplit('/').next().unwrap_or_default();
            (kind, call["body"]["handle"].as_str().unwrap_or_default())
        })
        .collect();
    assert!(
        handles.iter().any(|(kind, _)| *kind == "parts")
            && handles.iter().any(|(kind, _)| *kind == "complete"),
        "{calls:?}"
    );
    let handle = handles[0].1;
    assert!(!handle.is_empty(), "{calls:?}");
    assert!(
        handles.iter().all(|(_, sent)| *sent == handle),
        "every call sends the plan's handle: {calls:?}"
    );

    let poster_url = details.listed.poster_url.expect("a stored poster");
    let poster = harness.stack.fetch(&poster_url).await;
    assert_eq!(&poster[..3], &[0xFF, 0xD8, 0xFF], "the poster is a JPEG");
    let shown = harness
        .browser
        .attribute("#vidrop-player", "poster")
        .await
        .expect("the player shows the poster the completion names");
    assert!(shown.contains(".poster.jpg?"), "{shown}");
    let id = harness
        .browser
        .attribute("#vidrop-player", "data-video-id")
        .await
        .unwrap();
    assert_eq!(harness.stack.stored_bytes(&id).await, video.bytes());

    // The parts were hashed in a worker of the shipped widget, whose source
    // is made of `sha256.js`'s own functions as minified (`cargo xtask build`
    // minifies the JavaScript): a worker that failed would answer `null`,
    // and the widget would hash on the page instead, unseen.
    let snippet = shipped_file("sha256.js");
    let worker = harness
        .browser
        .execute(&format!(
            "const hashing = await import('/{snippet}');
             const started = hashing.sha256WorkersStarted();
             const digest = await hashing.sha256InWorker(new Blob(['abc']));
             return [started, digest && btoa(String.fromCharCode(...new Uint8Array(digest)))];"
        ))
        .await;
    assert!(
        worker[0].as_u64().is_some_and(|started| started >= 1),
        "the upload hashed its parts in a worker: {worker}"
    );
    assert_eq!(
        worker[1], "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
        "the shipped worker answers SHA-256(\"abc\")"
    );
    harness.close().await;
}

/// The path under the built widget (`dist/`) of its script `name`.
fn shipped_file(name: &str) -> String {
    let dist = vidrop_e2e::stack::dist_dir();
    let scripts = vidrop_e2e::size::js_files(&dist).expect("dist/ lists");
    let path = scripts
        .iter()
        .find(|path| path.file_name().is_some_and(|file| file == name))
        .unwrap_or_else(|| panic!("no {name} in {}", dist.display()));
    let shipped = path.strip_prefix(&dist).expect("under dist/");
    shipped.to_string_lossy().into_owned()
}

/// Uploads `video` through the widget and answers what
/// `GET /api/videos/{id}` says of it once stored.
async fn upload_and_describe(harness: &Harness, video: &TestVideo) -> VideoDetails {
    harness.choose_file(&video.path).await;
    harness.wait_for_upload().await;
    let id = harness
        .browser
        .attribute("#vidrop-player", "data-video-id")
        .await
        .expect("the player names the video it plays");
    harness.stack.video_details(&id).await
}

/// A WebM written as a stream (as `MediaRecorder` writes one) names no
/// duration: the browser says `Infinity` until it has seen the end. The
/// widget seeks to the end to learn it, so the stored duration is still the
/// video's.
#[tokio::test]
async fn a_streamed_webm_without_a_duration_is_stored_with_its_real_one() {
    let harness = Harness::start().await;
    let video = TestVideo::webm_streamed(harness.stack.data_dir(), "recorded.webm", 4);
    harness.open_widget().await;
    // What the browser itself reads of the file: no duration.
    harness
        .browser
        .execute(
            "const feeder = document.createElement('input');
             feeder.type = 'file'; feeder.id = 'feeder';
             document.body.append(feeder); return null;",
        )
        .await;
    harness.browser.set_file("#feeder", &video.path).await;
    let reported = harness
        .browser
        .execute(
            "return await new Promise((resolve) => {
               const v = document.createElement('video');
               v.muted = true; v.preload = 'metadata';
               v.onloadedmetadata = () => resolve(String(v.duration));
               v.onerror = () => resolve('error');
               v.src = URL.createObjectURL(document.getElementById('feeder').files[0]);
             });",
        )
        .await;
    assert_eq!(
        reported, "Infinity",
        "the browser reads no duration in the header"
    );
    let details = upload_and_describe(&harness, &video).await;
    let duration = details
        .listed
        .media
        .duration
        .expect("a duration, found by seeking");
    assert!(
        duration.is_finite() && (duration - video.duration).abs() <= 0.2,
        "duration {duration} against the source's {}",
        video.duration
    );
    assert_eq!(
        (details.listed.media.width, details.listed.media.height),
        (Some(320), Some(240))
    );
    assert!(details.listed.poster_url.is_some(), "a poster too");
    harness.close().await;
}

/// A file named as a video that neither the browser can read nor begins
/// as its container is refused before any request, in words.
#[tokio::test]
async fn a_file_the_browser_cannot_read_as_video_is_refused_before_upload() {
    let harness = Harness::start().await;
    let fake = harness.stack.data_dir().join("holiday.webm");
    std::fs::write(&fake, "these are the notes of a holiday, not a video").unwrap();
    harness.open_widget().await;
    harness.choose_file(&fake).await;
    harness.wait_for_state("error").await;
    let message = harness.browser.text("#vidrop-error").await;
    assert!(
        message.contains("cannot read this file as a video"),
        "message: {message:?}"
    );
    assert!(
        harness.stack.all_store_keys().await.is_empty(),
        "nothing was stored, not even a plan"
    );
    harness.close().await;
}

/// A file that is not a video is refused with a readable message and nothing
/// is stored; the widget then still uploads a real video.
#[tokio::test]
async fn a_non_video_is_refused_and_the_widget_stays_usable() {
    let harness = Harness::start().await;
    let text_file = harness.stack.data_dir().join("notes.txt");
    std::fs::write(&text_file, "not a video").unwrap();
    harness.open_widget().await;

    harness.choose_file(&text_file).await;
    let browser = &harness.browser;
    harness.wait_for_state("error").await;
    let message = browser.text("#vidrop-error").await;
    assert!(message.contains("Only video files"), "message: {message:?}");
    assert!(
        harness.stack.videos().await.videos.is_empty(),
        "nothing was stored"
    );

    let video = TestVideo::webm(harness.stack.data_dir(), "after.webm", 1);
    harness.choose_file(&video.path).await;
    harness.wait_for_upload().await;
    assert_eq!(
        browser.text("#vidrop-error").await,
        "",
        "the old error is gone"
    );
    assert_eq!(harness.stack.videos().await.videos.len(), 1);
    harness.close().await;
}

/// The backend's refusal (413 over `--max-size`) reaches the person as the
/// backend's own sentence, before any byte goes to S3.
#[tokio::test]
async fn a_video_over_the_size_limit_shows_the_backends_message() {
    let harness = Harness::start_with(&["--max-size", "2000"]).await;
    let video = TestVideo::webm(harness.stack.data_dir(), "big.webm", 2);
    assert!(video.bytes().len() > 2000);
    harness.open_widget().await;

    harness.choose_file(&video.path).await;
    let browser = &harness.browser;
    harness.wait_for_state("error").await;
    let message = browser.text("#vidrop-error").await;
    assert!(
        message.contains("largest upload allowed"),
        "message: {message:?}"
    );
    assert!(harness.stack.videos().await.videos.is_empty());
    harness.close().await;
}
