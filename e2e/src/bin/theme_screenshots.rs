//! Screenshots of the widget in its light and dark palettes and in Chinese
//! (for the README and docs/EMBED.md): two videos uploaded through the dev
//! page in headless Chromium, one playing, then the page shot as a person
//! with each setting sees it. `cargo xtask screenshot` runs it;
//! `cargo run -p vidrop-e2e --bin theme_screenshots -- docs` writes
//! `docs/widget-light.png`, `docs/widget-dark.png`,
//! `docs/widget-zh-CN.png` and, with `multiple`, the queue of three files
//! (two videos, a text file refused) in `docs/widget-queue.png`. The
//! Chinese view needs a CJK font (`fonts-noto-cjk`, which
//! `cargo xtask screenshot` installs).

use std::path::PathBuf;
use vidrop_e2e::{Harness, TestVideo};

/// Each view: its file, the page's emulated `prefers-color-scheme`, and
/// the element's `locale`.
const VIEWS: [(&str, &str, Option<&str>); 3] = [
    ("widget-light.png", "light", None),
    ("widget-dark.png", "dark", None),
    ("widget-zh-CN.png", "light", Some("zh-CN")),
];

#[tokio::main]
async fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .expect("usage: theme_screenshots <folder>");
    std::fs::create_dir_all(&out).expect("the screenshots' folder");
    let harness = Harness::start().await;
    let browser = &harness.browser;
    let first = TestVideo::webm(harness.stack.data_dir(), "harbour-at-dusk.webm", 6);
    let second = TestVideo::webm(harness.stack.data_dir(), "product demo.webm", 3);
    harness.open_widget().await;
    for video in [&second, &first] {
        harness.choose_file(&video.path).await;
        harness.wait_for_upload().await;
    }
    // The same frame in every shot.
    browser
        .wait_until(
            "vidrop('#vidrop-player')?.readyState >= 2",
            "the video to load",
        )
        .await;
    browser
        .execute(
            "const v = vidrop('#vidrop-player');
             v.pause();
             v.currentTime = 2;
             return null;",
        )
        .await;
    browser
        .wait_until(
            "!vidrop('#vidrop-player').seeking && vidrop('#vidrop-player').readyState >= 2",
            "the frame to show",
        )
        .await;
    // Tall enough to show the list of videos below the player.
    browser
        .client()
        .set_window_size(1000, 1400)
        .await
        .expect("the window resizes");

    for (file, scheme, locale) in VIEWS {
        browser
            .emulate_media(&[("prefers-color-scheme", scheme)])
            .await;
        let set_locale = match locale {
            Some(locale) => format!("setAttribute('locale', '{locale}')"),
            None => "removeAttribute('locale')".to_owned(),
        };
        browser
            .execute(&format!(
                "document.querySelector('vidrop-uploader').{set_locale}; return null;"
            ))
            .await;
        browser
            .wait_until(
                &format!("vidrop('#vidrop').lang === '{}'", locale.unwrap_or("en")),
                "the locale to apply",
            )
            .await;
        // Past the widget's colour transitions, and the fonts loaded.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        browser
            .wait_until("document.fonts.status === 'loaded'", "the fonts")
            .await;
        let png = browser.screenshot().await;
        let path = out.join(file);
        std::fs::write(&path, png).expect("the screenshot is written");
        println!("wrote {}", path.display());
    }

    // Several files at once: the queue, each file in its row.
    browser
        .emulate_media(&[("prefers-color-scheme", "light")])
        .await;
    browser
        .execute(
            "const element = document.querySelector('vidrop-uploader');
             element.removeAttribute('locale');
             element.setAttribute('multiple', '');
             return null;",
        )
        .await;
    browser
        .wait_until(
            "vidrop('#vidrop').lang === 'en' && vidrop('#vidrop-file').multiple",
            "several files to be taken",
        )
        .await;
    let dir = harness.stack.data_dir();
    let notes = dir.join("meeting notes.txt");
    std::fs::write(&notes, "not a video").unwrap();
    let clips = [
        TestVideo::webm(dir, "interview take 1.webm", 4),
        TestVideo::webm(dir, "b-roll.webm", 2),
    ];
    browser
        .set_files("#vidrop-file", &[&clips[0].path, &notes, &clips[1].path])
        .await;
    browser
        .wait_until(
            "vidrop('#vidrop-queue').children.length === 3 && \
             Array.from(vidrop('#vidrop-queue').children) \
               .every((li) => ['done', 'error'].includes(li.dataset.state))",
            "the queue to settle",
        )
        .await;
    browser
        .client()
        .set_window_size(1000, 1700)
        .await
        .expect("the window resizes");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let path = out.join("widget-queue.png");
    std::fs::write(&path, browser.screenshot().await).expect("the screenshot is written");
    println!("wrote {}", path.display());
    harness.close().await;
}
