//! What differs between browser engines, one test per difference found, each
//! run in every engine: the widget must meet the difference with something a
//! person can read, not a silent failure.
//!
//! Found so far:
//! - WebKitGTK as Debian installs it (no `gstreamer1.0-libav`, no openh264)
//!   has no H.264 decoder, so an MP4/H.264 upload stores fine but cannot
//!   play there; Chromium and Firefox ESR here play it.
//! - Chromium names an `.mkv` file `video/matroska`, Firefox and WebKit
//!   `video/x-matroska`: the shared policy keeps one name for both.
//! - Every engine here names a `.ts` file `text/vnd.trolltech.linguist`
//!   (Debian's type table: Qt Linguist's translations), which refused
//!   MPEG-TS videos as not videos: the shared policy takes that name of a
//!   `.ts` file as `video/mp2t`.

use std::path::Path;
use vidrop_e2e::{Engine, Harness, TestVideo, in_every_engine};

/// GStreamer plugins that would give WebKitGTK an H.264 decoder.
const GSTREAMER_H264: &[&str] = &[
    "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstlibav.so",
    "/usr/lib/x86_64-linux-gnu/gstreamer-1.0/libgstopenh264.so",
];

in_every_engine!(an_mp4_the_browser_cannot_decode_says_so_and_stays_stored);

/// An MP4/H.264 uploads intact in every engine. Where the engine plays it,
/// it plays; where it has no decoder (WebKitGTK here), the player says in
/// words that this browser cannot play the format and that the file is
/// stored, instead of a black box.
async fn an_mp4_the_browser_cannot_decode_says_so_and_stays_stored(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let video = TestVideo::mp4_h264(harness.stack.data_dir(), "street.mp4", 2);
    harness.open_widget().await;
    harness.choose_file(&video.path).await;
    harness.wait_for_upload().await;

    let browser = &harness.browser;
    let id = browser
        .attribute("#vidrop-player", "data-video-id")
        .await
        .expect("the player names the video it plays");
    assert_eq!(harness.stack.stored_bytes(&id).await, video.bytes());
    assert_eq!(
        harness.stack.video(&id).await.summary.content_type,
        "video/mp4"
    );

    // The player either loads the video or fails; either is final.
    let outcome = browser
        .wait_for_value(
            "(() => { const v = vidrop('#vidrop-player');
                      if (v.error) return 'error ' + v.error.code;
                      return v.readyState >= 2 ? 'loaded' : null; })()",
            "the player to load the MP4 or fail",
        )
        .await;
    println!("{engine}: MP4/H.264 playback: {outcome}");
    let no_decoder = engine == Engine::WebKit
        && !GSTREAMER_H264
            .iter()
            .any(|plugin| Path::new(plugin).exists());
    if outcome == "loaded" {
        assert!(
            !no_decoder,
            "WebKitGTK loaded H.264 with no H.264 GStreamer plugin: update this test"
        );
        browser
            .assert_plays("#vidrop-player", Some(video.duration))
            .await;
        assert_eq!(browser.text("#vidrop-player-error").await, "");
    } else {
        let message = browser.text("#vidrop-player-error").await;
        assert!(
            message.contains("This browser cannot play this video's format")
                || message.contains("This browser could not decode this video"),
            "{engine} failed with {outcome} and the widget shows {message:?}"
        );
        assert!(message.contains("stored"), "{message:?}");
        assert_eq!(
            browser.text("#vidrop-error").await,
            "",
            "the upload itself is not reported as failed"
        );
        assert_eq!(
            browser.attribute("#vidrop", "data-state").await.as_deref(),
            Some("done")
        );
    }
    harness.close().await;
}

in_every_engine!(a_matroska_file_is_stored_alike_whichever_engine_names_it);

/// The same `.mkv`, whose type Chromium calls `video/matroska` and Firefox and
/// WebKit `video/x-matroska`, is stored as `video/x-matroska` under a `.mkv`
/// key in every engine.
async fn a_matroska_file_is_stored_alike_whichever_engine_names_it(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let video = TestVideo::matroska(harness.stack.data_dir(), "holiday.mkv", 1);
    harness.open_widget().await;
    // The name the engine gives the file, read before the widget's own
    // listener (a capturing one on the shadow root runs first).
    harness
        .browser
        .execute(
            "vidrop('#vidrop-file').getRootNode().addEventListener('change',
               (e) => { window.__claimed = e.target.files[0]?.type ?? ''; }, true);
             return null;",
        )
        .await;
    harness.choose_file(&video.path).await;
    let claimed = harness
        .browser
        .wait_for_value("window.__claimed", "the file to be chosen")
        .await;
    println!("{engine} names an .mkv file {claimed:?}");
    assert!(
        ["video/matroska", "video/x-matroska", ""].contains(&claimed.as_str()),
        "{engine} names an .mkv file {claimed:?}"
    );
    harness.wait_for_upload().await;

    let id = harness.uploaded_id().await;
    let stored = harness.stack.video(&id).await;
    assert_eq!(stored.summary.content_type, "video/x-matroska");
    assert_eq!(harness.stack.stored_bytes(&id).await, video.bytes());
    let (objects, _) = harness.stack.store_contents().await;
    assert!(
        objects.iter().any(|key| key.ends_with(".mkv")),
        "stored under {objects:?}"
    );
    harness.close().await;
}

in_every_engine!(an_mpeg_ts_file_is_taken_as_the_video_it_is);

/// A `.ts` video, whatever type the engine's type table gives it, uploads
/// as `video/mp2t` and is stored byte for byte.
async fn an_mpeg_ts_file_is_taken_as_the_video_it_is(engine: Engine) {
    let harness = Harness::start_in(engine).await;
    let video = TestVideo::mpeg_ts(harness.stack.data_dir(), "broadcast.ts", 1);
    harness.open_widget().await;
    harness.choose_file(&video.path).await;
    harness.wait_for_upload().await;

    let id = harness.uploaded_id().await;
    let stored = harness.stack.video(&id).await;
    assert_eq!(stored.summary.content_type, "video/mp2t");
    assert_eq!(harness.stack.stored_bytes(&id).await, video.bytes());
    harness.close().await;
}
