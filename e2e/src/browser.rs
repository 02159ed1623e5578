//! Headless Chromium over WebDriver: a ChromeDriver process of the test's own,
//! one session with a fresh profile, and the page helpers the tests share.

use crate::PAGE_TIMEOUT;
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::process::{Child, Command};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Chromium as root in a sandboxed machine with no internet: no sandbox, no
/// GPU, and none of the background connections the closed network refuses.
const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
    "--window-size=1100,1000",
];

/// A browser session, with the ChromeDriver that serves it.
pub struct Browser {
    client: Client,
    // Dropped after the client: kills the driver (and with it Chromium).
    _driver: Child,
    _profile: TempDir,
}

/// Resident memory of a browser's renderer processes, in KiB.
#[derive(Debug, Clone, Copy, Default)]
pub struct RendererMemory {
    /// All renderers together, now.
    pub total: u64,
    /// The largest renderer, now.
    pub largest: u64,
    /// The highest any renderer has been since it started (`VmHWM`).
    pub high_water: u64,
    pub processes: u32,
}

/// What a `<video>` element reports.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VideoState {
    pub ready_state: u32,
    pub duration: f64,
    pub current_time: f64,
    pub paused: bool,
    /// `MediaError.code`, when the element failed to load.
    pub error: Option<u32>,
    pub src: String,
}

impl Browser {
    /// Starts ChromeDriver on a free loopback port and opens a session.
    pub async fn start() -> Browser {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts (cargo xtask setup installs chromium-driver)");
        let driver_url = format!("http://127.0.0.1:{port}");
        wait_for_driver(&driver_url).await;

        let profile = tempfile::tempdir().expect("a temporary Chromium profile");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({ "binary": CHROMIUM, "args": args }),
        );
        let client = ClientBuilder::rustls()
            .expect("rustls connector")
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .expect("a WebDriver session with headless Chromium");
        Browser {
            client,
            _driver: driver,
            _profile: profile,
        }
    }

    /// The Chromium profile folder: it names this browser's processes.
    pub fn profile_dir(&self) -> &Path {
        self._profile.path()
    }

    /// Resident memory of this browser's renderer processes (those descended
    /// from its ChromeDriver), in KiB, from `/proc`.
    pub fn renderer_memory_kib(&self) -> RendererMemory {
        let driver = self._driver.id().unwrap_or(0);
        let mut memory = RendererMemory::default();
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let dir = entry.path();
            let Ok(cmdline) = std::fs::read(dir.join("cmdline")) else {
                continue;
            };
            let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
            let pid = dir
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.parse::<u32>().ok())
                .unwrap_or(0);
            if !cmdline.contains("--type=renderer") || !descends_from(pid, driver) {
                continue;
            }
            let status = std::fs::read_to_string(dir.join("status")).unwrap_or_default();
            let field = |name: &str| {
                status
                    .lines()
                    .find(|line| line.starts_with(name))
                    .and_then(|line| line.split_whitespace().nth(1))
                    .and_then(|kib| kib.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            let resident = field("VmRSS:");
            memory.total += resident;
            memory.largest = memory.largest.max(resident);
            memory.high_water = memory.high_water.max(field("VmHWM:"));
            memory.processes += 1;
        }
        memory
    }

    /// The WebDriver client, for what the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub async fn goto(&self, url: &str) {
        self.client.goto(url).await.expect("the page loads");
    }

    pub async fn refresh(&self) {
        self.client.refresh().await.expect("the page reloads");
    }

    /// Sets a file on an `<input type="file">`, as choosing it in the dialog does.
    pub async fn set_file(&self, selector: &str, path: &Path) {
        let input = self
            .client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("no file input {selector}: {e}"));
        let path = path.canonicalize().expect("the file exists");
        input
            .send_keys(path.to_str().expect("a UTF-8 path"))
            .await
            .expect("the file is set on the input");
    }

    pub async fn click(&self, selector: &str) {
        self.client
            .find(Locator::Css(selector))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {selector}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {selector}: {e}"));
    }

    /// Runs `script` (a function body: use `return`) in the page.
    pub async fn execute(&self, script: &str) -> Value {
        self.client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// The value of a JavaScript expression.
    pub async fn eval(&self, expression: &str) -> Value {
        self.execute(&format!("return ({expression});")).await
    }

    /// The text of the first element matching `selector`, or `""`.
    pub async fn text(&self, selector: &str) -> String {
        let value = self
            .eval(&format!(
                "document.querySelector({})?.textContent ?? ''",
                json!(selector)
            ))
            .await;
        value.as_str().unwrap_or_default().trim().to_owned()
    }

    /// An attribute of the first element matching `selector`.
    pub async fn attribute(&self, selector: &str, name: &str) -> Option<String> {
        let value = self
            .eval(&format!(
                "document.querySelector({})?.getAttribute({}) ?? null",
                json!(selector),
                json!(name)
            ))
            .await;
        value.as_str().map(str::to_owned)
    }

    /// Waits until a JavaScript expression is true, or fails the test with
    /// what the widget shows.
    pub async fn wait_until(&self, condition: &str, what: &str) {
        self.wait_for_value(&format!("({condition}) ? true : null"), what)
            .await;
    }

    /// Waits until a JavaScript expression is neither `null` nor `undefined`,
    /// and returns it as text.
    pub async fn wait_for_value(&self, expression: &str, what: &str) -> String {
        self.wait_for_value_within(expression, what, PAGE_TIMEOUT)
            .await
    }

    pub async fn wait_for_value_within(
        &self,
        expression: &str,
        what: &str,
        timeout: Duration,
    ) -> String {
        let started = Instant::now();
        loop {
            let value = self.eval(&format!("{expression} ?? null")).await;
            match value {
                Value::Null => {}
                Value::String(text) => return text,
                other => return other.to_string(),
            }
            if started.elapsed() > timeout {
                let widget = self
                    .eval("document.getElementById('vidrop')?.outerHTML ?? document.body.outerHTML")
                    .await;
                panic!(
                    "timed out after {timeout:?} waiting for {what}; the widget shows:\n{widget}"
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The state of the `<video>` matching `selector`.
    pub async fn video_state(&self, selector: &str) -> VideoState {
        let value = self
            .execute(&format!(
                "const v = document.querySelector({});
                 if (!v) return null;
                 return {{ readyState: v.readyState, duration: v.duration,
                          currentTime: v.currentTime, paused: v.paused,
                          error: v.error ? v.error.code : null, src: v.currentSrc || v.src }};",
                json!(selector)
            ))
            .await;
        serde_json::from_value(value).unwrap_or_else(|e| panic!("no video at {selector}: {e}"))
    }

    /// Starts playback (muted, as autoplay rules allow) and waits for `play()`
    /// to resolve; returns the error message if it rejected.
    pub async fn play(&self, selector: &str) -> Result<(), String> {
        let script = format!(
            "const done = arguments[arguments.length - 1];
             const v = document.querySelector({});
             v.muted = true;
             v.play().then(() => done(null), e => done(String(e)));",
            json!(selector)
        );
        let value = self
            .client
            .execute_async(&script, vec![])
            .await
            .expect("play() settles");
        match value {
            Value::Null => Ok(()),
            other => Err(other.to_string()),
        }
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("a screenshot")
    }

    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}

/// Whether process `pid` has `ancestor` among its parents.
fn descends_from(mut pid: u32, ancestor: u32) -> bool {
    for _ in 0..16 {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        // The command name may hold spaces; the fields after it do not.
        let parent = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1))
            .and_then(|ppid| ppid.parse::<u32>().ok());
        match parent {
            Some(parent) if parent == ancestor => return true,
            Some(parent) if parent > 1 => pid = parent,
            _ => return false,
        }
    }
    false
}

async fn wait_for_driver(url: &str) {
    let status = format!("{url}/status");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(20) {
        if let Ok(response) = reqwest::get(&status).await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("chromedriver did not answer at {status}");
}

/// A port nothing listens on now (ChromeDriver takes a port number, not a
/// listener).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
