//! Screenshots of the example host pages (for docs/EMBED.md): the backend
//! and its embedded store, `examples/` served on another origin, a video
//! uploaded through each page's widget in headless Chromium.
//! `cargo run -p vidrop-e2e --bin embed_screenshot -- docs` writes
//! `docs/embed-example.png` and `docs/embed-strict-csp.png`.

use std::path::PathBuf;
use vidrop_e2e::host::{EXAMPLES_BACKEND, EXAMPLES_STORE};
use vidrop_e2e::{Browser, HostSite, Stack, TestVideo};

#[tokio::main]
async fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .expect("usage: embed_screenshot <folder>");
    std::fs::create_dir_all(&out).expect("the screenshots' folder");
    let site = HostSite::bind().await;
    let stack = Stack::start(&["--allow-origin", &site.origin()]).await;
    site.replace(EXAMPLES_BACKEND, &stack.base_url());
    site.replace(EXAMPLES_STORE, &stack.store_origin());
    let browser = Browser::start().await;
    browser
        .client()
        .set_window_size(1280, 1100)
        .await
        .expect("the window resizes");

    for (page, file, video) in [
        (
            "/host/index.html",
            "embed-example.png",
            "city-timelapse.webm",
        ),
        (
            "/strict-csp/index.html",
            "embed-strict-csp.png",
            "product demo.webm",
        ),
    ] {
        let video = TestVideo::webm(stack.data_dir(), video, 4);
        browser.goto(&site.url(page)).await;
        browser
            .wait_until(
                "vidrop('#uploader >>> #vidrop-file') !== null",
                "the widget to mount",
            )
            .await;
        browser
            .set_file("#uploader >>> #vidrop-file", &video.path)
            .await;
        browser
            .wait_until(
                "document.querySelector('#events li[data-event=\"vidrop:complete\"]') !== null",
                "vidrop:complete",
            )
            .await;
        browser
            .wait_until(
                "vidrop('#uploader >>> #vidrop-player')?.readyState >= 2",
                "the video to load",
            )
            .await;
        // A frame into the video rather than its first.
        browser
            .execute("vidrop('#uploader >>> #vidrop-player').pause(); vidrop('#uploader >>> #vidrop-player').currentTime = 1.5; return null;")
            .await;
        tokio::time::sleep(std::time::Duration::from_millis(800)).await;
        let path = out.join(file);
        std::fs::write(&path, browser.screenshot().await).expect("the screenshot is written");
        println!("wrote {}", path.display());
    }
    browser.close().await;
    stack.shutdown().await;
}
