//! The browser test harness: everything a Vidrop end-to-end test needs, started
//! for real and torn down by `Drop`.
//!
//! [`Harness::start`] brings up the `vidrop` backend on a fresh data folder with
//! its embedded S3 (a real S3 API on another loopback port, so every upload is
//! cross-origin, as it is against AWS), serving the release widget built into
//! `dist/`; then a browser with a fresh profile over WebDriver: headless
//! Chromium, or any [`Engine`] with [`Harness::start_in`]. A test drives the
//! page through [`Browser`] the way a person would, and checks the store
//! through the backend's own API. [`in_every_engine!`] turns one test into a
//! test per engine.
//!
//! # Layout
//! - [`engine`]: the engines (Chromium, Firefox, WebKit), what each needs
//!   installed, and the [`in_every_engine!`] macro.
//! - [`browser`]: the engine's driver, the WebDriver session and page helpers
//!   (set a file on an input, wait for a DOM state, read a `<video>`'s state,
//!   press keys, emulate media features).
//! - [`stack`]: the backend and its embedded store on a temporary folder.
//! - [`proxy`]: a proxy between browser and store that counts requests,
//!   injects faults and throttles.
//! - [`video`]: real video files made with ffmpeg.
//! - [`host`]: a host site on another origin, serving `examples/` and the
//!   pages a test writes, that embeds the widget from the backend.
//! - [`size`]: the size of the built widget, raw and gzipped.
//! - [`axe`]: axe-core's WCAG rules run in the page ([`Browser::axe`]).

pub mod axe;
pub mod browser;
pub mod engine;
pub mod host;
pub mod proxy;
pub mod size;
pub mod stack;
pub mod video;

pub use axe::AxeReport;
pub use browser::{Browser, ConsoleEntry, RendererMemory, VideoState};
pub use engine::Engine;
/// The keys [`Browser::press`] takes.
pub use fantoccini::key::Key;
pub use host::HostSite;
pub use proxy::{Conditions, InFlight, StoreProxy};
pub use stack::Stack;
pub use video::{LargeFile, TestVideo};

use std::time::Duration;

/// How long a test waits for the page to reach a state before it fails.
pub const PAGE_TIMEOUT: Duration = Duration::from_secs(60);

/// A backend with its embedded S3 plus a browser pointed at nothing yet.
pub struct Harness {
    pub stack: Stack,
    pub browser: Browser,
}

impl Harness {
    /// Backend with default settings, and headless Chromium.
    pub async fn start() -> Harness {
        Harness::start_with(&[]).await
    }

    /// Backend with default settings, and a browser of `engine`.
    pub async fn start_in(engine: Engine) -> Harness {
        let stack = Stack::start(&[]).await;
        let browser = Browser::start_in(engine).await;
        Harness { stack, browser }
    }

    /// Backend started with extra `vidrop serve` flags (e.g. `["--max-size", "1000"]`).
    pub async fn start_with(extra_flags: &[&str]) -> Harness {
        let stack = Stack::start(extra_flags).await;
        let browser = Browser::start().await;
        Harness { stack, browser }
    }

    /// Backend behind a [`StoreProxy`] (see [`Stack::start_behind_proxy`]),
    /// and headless Chromium.
    pub async fn start_behind_proxy(extra_flags: &[&str]) -> Harness {
        Harness::start_behind_proxy_in(Engine::Chromium, extra_flags).await
    }

    /// Backend behind a [`StoreProxy`], and a browser of `engine`.
    pub async fn start_behind_proxy_in(engine: Engine, extra_flags: &[&str]) -> Harness {
        let stack = Stack::start_behind_proxy(extra_flags).await;
        let browser = Browser::start_in(engine).await;
        Harness { stack, browser }
    }

    /// Opens the widget's page and waits until the widget is mounted.
    pub async fn open_widget(&self) {
        self.browser.goto(&self.stack.base_url()).await;
        self.browser
            .wait_until(
                "vidrop('#vidrop #vidrop-file') !== null",
                "the widget to mount",
            )
            .await;
    }

    /// Chooses a file in the widget's picker, as a person does with the dialog.
    pub async fn choose_file(&self, path: &std::path::Path) {
        self.browser.set_file("#vidrop-file", path).await;
    }

    /// Waits until the widget reports the latest upload finished (`done`),
    /// failing at once with the widget's message if it reports an error.
    pub async fn wait_for_upload(&self) {
        self.wait_for_upload_within(PAGE_TIMEOUT).await;
    }

    /// [`Harness::wait_for_upload`] for large uploads.
    pub async fn wait_for_upload_within(&self, timeout: Duration) {
        let state = self
            .browser
            .wait_for_value_within(
                "(() => { const s = vidrop('#vidrop')?.dataset.state; \
                  return (s === 'done' || s === 'error' || s === 'cancelled') ? s : null; })()",
                "the upload to finish",
                timeout,
            )
            .await;
        if state != "done" {
            let message = self.browser.text("#vidrop-error").await;
            panic!("the upload ended in state {state}: {message:?}");
        }
    }

    /// The id of the widget's latest upload (`data-upload-id` of its root).
    pub async fn uploaded_id(&self) -> String {
        self.browser
            .attribute("#vidrop", "data-upload-id")
            .await
            .expect("the widget names the upload")
    }

    /// Waits until the widget's latest upload is in `state` (`data-state` of
    /// its root `#vidrop`: `error`, `cancelled`, `paused`, …).
    pub async fn wait_for_state(&self, state: &str) {
        self.browser
            .wait_until(
                &format!("vidrop('#vidrop')?.dataset.state === '{state}'"),
                &format!("the widget to be {state}"),
            )
            .await;
    }

    /// Ends the browser session; the backend stops when the harness drops.
    pub async fn close(self) {
        self.browser.close().await;
        self.stack.shutdown().await;
    }
}
