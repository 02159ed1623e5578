//! Uploads a short video through the widget in headless Chromium and saves a
//! screenshot of the page: `cargo xtask screenshot` (for the README).

use vidrop_e2e::{Harness, TestVideo};

#[tokio::main]
async fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .expect("usage: screenshot <out.png>");
    let harness = Harness::start().await;
    let first = TestVideo::webm(harness.stack.data_dir(), "city-timelapse.webm", 4);
    let second = TestVideo::webm(harness.stack.data_dir(), "product demo.webm", 2);
    harness.open_widget().await;
    for video in [&second, &first] {
        harness.choose_file(&video.path).await;
        harness.wait_for_upload().await;
    }
    harness
        .browser
        .wait_until(
            "vidrop('#vidrop-player').readyState >= 2",
            "the video to load",
        )
        .await;
    // Tall enough to show the list of videos below the player.
    harness
        .browser
        .client()
        .set_window_size(1000, 1450)
        .await
        .expect("the window resizes");
    let png = harness.browser.screenshot().await;
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).expect("the screenshot's folder");
    }
    std::fs::write(&out, png).expect("the screenshot is written");
    println!("wrote {}", out.display());
    harness.close().await;
}
