//! A browser over WebDriver, in any [`Engine`]: the engine's driver process of
//! the test's own, one session with a fresh profile, and the page helpers the
//! tests share. Chromium runs headless under ChromeDriver, Firefox ESR
//! `-headless` under geckodriver, WebKitGTK's MiniBrowser under
//! WebKitWebDriver on an Xvfb display of its own.
//!
//! The widget lives in the shadow root of a `<vidrop-uploader>` element, so
//! the helpers take *piercing* selectors: a plain selector is looked for in
//! the page, then in the first widget's shadow root (`#vidrop-file` finds
//! the widget's file input); `host >>> inner` looks for `inner` in the
//! shadow root of the element `host` (`#b >>> #vidrop-file`, the second of
//! two widgets). Scripts run by [`Browser::execute`] and [`Browser::eval`]
//! can call `vidrop(selector)`, which resolves such a selector in the page.

use crate::PAGE_TIMEOUT;
use crate::engine::{self, Engine};
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde::Deserialize;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};
use tempfile::TempDir;
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

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
    // The widget speaks the browser's language; the tests read English
    // whatever the machine's locale.
    "--lang=en-US",
    "--accept-lang=en-US",
];

/// `vidrop(selector)`, defined before every script the helpers run: the
/// element a piercing selector names, or `null`.
const PRELUDE: &str = "const vidrop = (selector) => {
  const [host, inner] = selector.split('>>>').map((part) => part.trim());
  if (inner !== undefined) {
    return document.querySelector(host)?.shadowRoot?.querySelector(inner) ?? null;
  }
  return document.querySelector(selector)
    ?? document.querySelector('vidrop-uploader')?.shadowRoot?.querySelector(selector)
    ?? null;
};
";

/// One entry of the browser's console log, as ChromeDriver keeps it.
#[derive(Debug, Clone, Deserialize)]
pub struct ConsoleEntry {
    /// `SEVERE` for errors (`console.error`, uncaught exceptions, failed
    /// loads), `WARNING`, `INFO`…
    pub level: String,
    pub message: String,
}

/// A browser session, with the driver (and display) that serve it.
pub struct Browser {
    client: Client,
    engine: Engine,
    /// The driver's address, for its commands fantoccini does not have.
    driver_url: String,
    /// The driver, leader of its own process group, which holds the browser
    /// it starts.
    driver: ProcessGroup,
    /// WebKit's virtual X server.
    // Held for its `Drop`.
    _display: Option<ProcessGroup>,
    profile: TempDir,
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

/// How long WebKitGTK's media pipeline is given before a video that does
/// not start is loaded again (see [`Browser::play`]).
const STALL: Duration = Duration::from_secs(15);

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
    pub network_state: u32,
    pub seeking: bool,
    pub ended: bool,
    /// The time ranges buffered, in seconds.
    pub buffered: Vec<(f64, f64)>,
}

impl Browser {
    /// Headless Chromium: [`Browser::start_in`] `Engine::Chromium`.
    pub async fn start() -> Browser {
        Browser::start_in(Engine::Chromium).await
    }

    /// Starts `engine`'s driver on a free loopback port and opens a session
    /// with a fresh profile; fails the test, naming what to install, when the
    /// engine is not on this machine.
    pub async fn start_in(engine: Engine) -> Browser {
        engine.require();
        let profile = tempfile::tempdir().expect("a temporary browser profile");
        let port = free_port();
        let mut display = None;
        let mut capabilities = serde_json::Map::new();
        let mut driver = match engine {
            Engine::Chromium => {
                let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|f| f.to_string()).collect();
                args.push(format!("--user-data-dir={}", profile.path().display()));
                capabilities.insert(
                    "goog:chromeOptions".into(),
                    json!({ "binary": engine::CHROMIUM, "args": args }),
                );
                // Keep the console, for `console_errors`.
                capabilities.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
                let mut driver = Command::new(engine::CHROMEDRIVER);
                driver.arg(format!("--port={port}"));
                driver
            }
            Engine::Firefox => {
                capabilities.insert("browserName".into(), json!("firefox"));
                capabilities.insert(
                    "moz:firefoxOptions".into(),
                    json!({
                        "binary": engine::FIREFOX,
                        "args": ["-headless"],
                        "prefs": {
                            // Playback starts from a script, as in Chromium.
                            "media.autoplay.default": 0,
                            // Nothing may reach for the internet here.
                            "app.update.auto": false,
                            "browser.shell.checkDefaultBrowser": false,
                            "datareporting.policy.dataSubmissionEnabled": false,
                            "network.captive-portal-service.enabled": false,
                            "network.connectivity-service.enabled": false,
                            // English, whatever the machine's locale.
                            "intl.accept_languages": "en-US",
                        },
                    }),
                );
                let mut driver = Command::new(engine::geckodriver().expect("required above"));
                driver.args(["--port", &port.to_string()]);
                // geckodriver makes a fresh profile in the temporary folder:
                // ours, so it goes with the browser even when a failed test
                // leaves no time to clean up.
                driver.env("TMPDIR", profile.path());
                driver
            }
            Engine::WebKit => {
                let (xvfb, number) = start_display().await;
                display = Some(ProcessGroup(xvfb));
                capabilities.insert(
                    "webkitgtk:browserOptions".into(),
                    json!({
                        "binary": engine::MINIBROWSER,
                        "args": ["--automation", "--autoplay-policy=allow"],
                    }),
                );
                let mut driver = Command::new(engine::WEBKIT_DRIVER);
                driver.arg(format!("--port={port}"));
                driver.env("DISPLAY", format!(":{number}"));
                // WebKitGTK's `navigator.language` comes from the locale:
                // English, whatever the machine's.
                driver.env("LC_ALL", "C.UTF-8");
                // Automation sessions are ephemeral; whatever WebKitGTK
                // still writes (caches, GStreamer's registry) goes to the
                // profile folder rather than the home folder.
                for (variable, folder) in [
                    ("XDG_CACHE_HOME", "cache"),
                    ("XDG_DATA_HOME", "data"),
                    ("XDG_CONFIG_HOME", "config"),
                ] {
                    driver.env(variable, profile.path().join(folder));
                }
                driver
            }
        };
        let driver = ProcessGroup(
            driver
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .process_group(0)
                .kill_on_drop(true)
                .spawn()
                .unwrap_or_else(|e| panic!("the {engine} driver starts: {e}")),
        );
        let driver_url = format!("http://127.0.0.1:{port}");
        let client = async {
            wait_for_driver(engine, &driver_url).await;
            ClientBuilder::rustls()
                .expect("rustls connector")
                .capabilities(capabilities)
                .connect(&driver_url)
                .await
                .unwrap_or_else(|e| panic!("a WebDriver session with {engine}: {e}"))
        };
        let client = client.await;
        let browser = Browser {
            client,
            engine,
            driver_url,
            driver,
            _display: display,
            profile,
        };
        if engine != Engine::Chromium {
            // Chromium takes its size as a flag; the same viewport for all.
            browser
                .client
                .set_window_size(1100, 1000)
                .await
                .unwrap_or_else(|e| panic!("{engine} resizes its window: {e}"));
        }
        browser
    }

    /// The engine this browser runs.
    pub fn engine(&self) -> Engine {
        self.engine
    }

    /// The browser's profile folder: it names this browser's processes.
    pub fn profile_dir(&self) -> &Path {
        self.profile.path()
    }

    /// Resident memory of this browser's renderer processes (those descended
    /// from its driver), in KiB, from `/proc`: Chromium's `--type=renderer`
    /// processes, Firefox's content processes (`-contentproc … tab`), WebKit's
    /// `WebKitWebProcess`.
    pub fn renderer_memory_kib(&self) -> RendererMemory {
        let driver = self.driver.0.id().unwrap_or(0);
        let mut memory = RendererMemory::default();
        for (pid, args) in processes() {
            if !is_renderer(self.engine, &args) || !descends_from(pid, driver) {
                continue;
            }
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
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

    /// The element a piercing selector names (see the module docs), as a
    /// WebDriver element: in the page, else in the first widget's shadow
    /// root; `host >>> inner` in `host`'s shadow root.
    pub async fn find(&self, selector: &str) -> Result<Element, String> {
        let shadow_of = |host| async move {
            self.client
                .find(Locator::Css(host))
                .await
                .map_err(|e| format!("no {host}: {e}"))?
                .shadow_root()
                .await
                .map_err(|e| format!("{host} has no open shadow root: {e}"))
        };
        if let Some((host, inner)) = selector.split_once(">>>") {
            let root = shadow_of(host.trim()).await?;
            return root
                .find(Locator::Css(inner.trim()))
                .await
                .map_err(|e| format!("no {selector}: {e}"));
        }
        if let Ok(element) = self.client.find(Locator::Css(selector)).await {
            return Ok(element);
        }
        let root = shadow_of("vidrop-uploader").await?;
        root.find(Locator::Css(selector))
            .await
            .map_err(|e| format!("no {selector} in the page or the widget: {e}"))
    }

    /// Sets a file on an `<input type="file">`, as choosing it in the dialog does.
    pub async fn set_file(&self, selector: &str, path: &Path) {
        self.set_files(selector, &[path]).await;
    }

    /// Sets several files on an `<input type="file" multiple>` at once, as
    /// choosing them together in the dialog does (WebDriver takes their
    /// paths one a line).
    pub async fn set_files(&self, selector: &str, paths: &[&Path]) {
        let input = self
            .find(selector)
            .await
            .unwrap_or_else(|e| panic!("no file input {selector}: {e}"));
        let paths: Vec<String> = paths
            .iter()
            .map(|path| {
                let path = path.canonicalize().expect("the file exists");
                path.to_str().expect("a UTF-8 path").to_owned()
            })
            .collect();
        input
            .send_keys(&paths.join("\n"))
            .await
            .expect("the files are set on the input");
    }

    pub async fn click(&self, selector: &str) {
        self.find(selector)
            .await
            .unwrap_or_else(|e| panic!("nothing matches {selector}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {selector}: {e}"));
    }

    /// Runs `script` (a function body: use `return`; `vidrop(selector)`
    /// is defined) in the page.
    pub async fn execute(&self, script: &str) -> Value {
        self.try_execute(script)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// [`Browser::execute`], with the failure to handle (a script can fail
    /// while a page loads).
    pub async fn try_execute(&self, script: &str) -> Result<Value, fantoccini::error::CmdError> {
        self.client
            .execute(&format!("{PRELUDE}{script}"), vec![])
            .await
    }

    /// The value of a JavaScript expression.
    ///
    /// WebKitWebDriver now and then answers a read with "Could not parse
    /// script result" when the page is busy (seen once in CI, reading the
    /// recorded events mid-upload); an expression only reads, so WebKit gets
    /// that one answer asked again, and any other failure fails the test.
    pub async fn eval(&self, expression: &str) -> Value {
        let script = format!("return ({expression});");
        for _ in 0..3 {
            match self.try_execute(&script).await {
                Err(error)
                    if self.engine == Engine::WebKit
                        && error.to_string().contains("Could not parse script result") =>
                {
                    eprintln!("WebKitWebDriver could not parse {expression:?}; asking again");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                other => {
                    return other.unwrap_or_else(|e| panic!("script failed: {e}\n{script}"));
                }
            }
        }
        self.execute(&script).await
    }

    /// The text of the first element matching `selector`, or `""`.
    pub async fn text(&self, selector: &str) -> String {
        let value = self
            .eval(&format!("vidrop({})?.textContent ?? ''", json!(selector)))
            .await;
        value.as_str().unwrap_or_default().trim().to_owned()
    }

    /// An attribute of the first element matching `selector`.
    pub async fn attribute(&self, selector: &str, name: &str) -> Option<String> {
        let value = self
            .eval(&format!(
                "vidrop({})?.getAttribute({}) ?? null",
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
                    .eval("vidrop('#vidrop')?.outerHTML ?? document.body.outerHTML")
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
                "const v = vidrop({});
                 if (!v) return null;
                 return {{ readyState: v.readyState, duration: v.duration,
                          currentTime: v.currentTime, paused: v.paused,
                          error: v.error ? v.error.code : null, src: v.currentSrc || v.src,
                          networkState: v.networkState, seeking: v.seeking, ended: v.ended,
                          buffered: Array.from({{ length: v.buffered.length }},
                            (_, i) => [v.buffered.start(i), v.buffered.end(i)]) }};",
                json!(selector)
            ))
            .await;
        serde_json::from_value(value).unwrap_or_else(|e| panic!("no video at {selector}: {e}"))
    }

    /// Checks that the `<video>` at `player` plays: it loads without error
    /// (with `duration` seconds, within 0.2 s, when given), `play()` starts,
    /// and playback advances past half a second.
    pub async fn assert_plays(&self, player: &str, duration: Option<f64>) {
        let at = json!(player);
        self.wait_until(
            &format!("vidrop({at})?.readyState >= 2"),
            "the video to load",
        )
        .await;
        let loaded = self.video_state(player).await;
        assert_eq!(loaded.error, None, "the video at {player} failed to load");
        if let Some(duration) = duration {
            assert!(
                (loaded.duration - duration).abs() <= 0.2,
                "the player reads {} s, the file has {duration} s",
                loaded.duration,
            );
        }
        self.play(player).await.expect("play() starts playback");
        let started = Instant::now();
        let mut reloaded = false;
        loop {
            let state = self.video_state(player).await;
            if state.current_time > 0.5 {
                return;
            }
            if !reloaded && self.engine == Engine::WebKit && started.elapsed() > STALL {
                reloaded = true;
                self.reload_stalled(player, "playback has not advanced")
                    .await;
            }
            assert!(
                started.elapsed() < PAGE_TIMEOUT,
                "playback did not advance in {PAGE_TIMEOUT:?}: {state:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Starts playback (muted, as autoplay rules allow) and waits for `play()`
    /// to resolve; returns the error message if it rejected.
    ///
    /// The promise is watched from the page rather than awaited by an
    /// asynchronous script, which WebDriver gives 30 s. In WebKitGTK the
    /// media pipeline now and then stalls for good on two busy cores with
    /// the whole video buffered (`readyState` 2, `currentTime` stuck near 0,
    /// a seek never ends); loading the video again, as a person would by
    /// reloading, starts a new pipeline, so WebKit gets one such retry
    /// (logged) after [`STALL`].
    pub async fn play(&self, selector: &str) -> Result<(), String> {
        self.start_playing(selector, false).await;
        let started = Instant::now();
        let mut reloaded = false;
        loop {
            match self.eval("window.__vidropPlay ?? null").await {
                Value::Null => {}
                Value::String(ok) if ok == "ok" => return Ok(()),
                other => return Err(other.to_string()),
            }
            if !reloaded && self.engine == Engine::WebKit && started.elapsed() > STALL {
                reloaded = true;
                self.reload_stalled(selector, "play() has not settled")
                    .await;
            }
            if started.elapsed() > PAGE_TIMEOUT {
                let state = self.video_state(selector).await;
                panic!("play() did not settle in {PAGE_TIMEOUT:?}: {state:?}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Calls `play()` on the video (after `load()` when `reload`), and
    /// records how that call's promise settles in `window.__vidropPlay`
    /// (an earlier call's, aborted by `load()`, is ignored).
    async fn start_playing(&self, selector: &str, reload: bool) {
        self.execute(&format!(
            "const v = vidrop({});
             const attempt = {{}};
             window.__vidropPlayAttempt = attempt;
             window.__vidropPlay = undefined;
             if ({reload}) v.load();
             v.muted = true;
             const settle = (outcome) => {{
               if (window.__vidropPlayAttempt === attempt) window.__vidropPlay = outcome;
             }};
             v.play().then(() => settle('ok'), e => settle('rejected: ' + String(e)));
             return null;",
            json!(selector)
        ))
        .await;
    }

    /// Loads and plays again a video whose WebKitGTK pipeline stalled
    /// (see [`Browser::play`]), saying so on the test's output.
    async fn reload_stalled(&self, selector: &str, what: &str) {
        let state = self.video_state(selector).await;
        eprintln!("{what} in {STALL:?} in WebKitGTK: {state:?}; loading the video again");
        self.start_playing(selector, true).await;
    }

    /// What the page logged as errors since the last call (ChromeDriver
    /// hands each entry out once): `console.error`, uncaught exceptions and
    /// rejections, failed loads, CSP violations.
    ///
    /// Chromium only: the console log is ChromeDriver's extension
    /// (`goog:loggingPrefs`, `/se/log`); geckodriver and WebKitWebDriver
    /// offer none over classic WebDriver, so the tests that read it run in
    /// Chromium alone.
    pub async fn console_errors(&self) -> Vec<ConsoleEntry> {
        assert_eq!(
            self.engine,
            Engine::Chromium,
            "the console log is read through ChromeDriver only"
        );
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session");
        let url = format!("{}/session/{session}/se/log", self.driver_url);
        let answer: Value = reqwest::Client::new()
            .post(&url)
            .json(&json!({ "type": "browser" }))
            .send()
            .await
            .expect("ChromeDriver answers")
            .json()
            .await
            .expect("ChromeDriver's log as JSON");
        let entries: Vec<ConsoleEntry> =
            serde_json::from_value(answer["value"].clone()).unwrap_or_default();
        entries
            .into_iter()
            .filter(|entry| entry.level == "SEVERE")
            .collect()
    }

    /// Presses `keys` together, as a person at the keyboard does, on
    /// whatever has focus: each goes down in order and up in reverse
    /// (`&[Key::Shift, Key::Tab]` is Shift+Tab). WebDriver key actions, so
    /// the browser handles them as real key presses (focus moves, buttons
    /// activate), which no script's `dispatchEvent` does.
    pub async fn press(&self, keys: &[Key]) {
        let mut actions = KeyActions::new("keyboard".to_owned());
        for key in keys {
            actions = actions.then(KeyAction::Down {
                value: char::from(*key),
            });
        }
        for key in keys.iter().rev() {
            actions = actions.then(KeyAction::Up {
                value: char::from(*key),
            });
        }
        self.client
            .perform_actions(actions)
            .await
            .unwrap_or_else(|e| panic!("the keys {keys:?} are pressed: {e}"));
    }

    /// Emulates CSS media features for the page, as a person's settings
    /// would set them: `[("prefers-color-scheme", "dark")]`,
    /// `[("prefers-reduced-motion", "reduce")]`; an empty list ends the
    /// emulation. It lasts for the session, across navigations.
    ///
    /// Chromium only: DevTools' `Emulation.setEmulatedMedia`, through
    /// ChromeDriver's `goog/cdp/execute`; classic WebDriver has no such
    /// command.
    pub async fn emulate_media(&self, features: &[(&str, &str)]) {
        let features: Vec<Value> = features
            .iter()
            .map(|(name, value)| json!({ "name": name, "value": value }))
            .collect();
        self.devtools(
            "Emulation.setEmulatedMedia",
            json!({ "features": features }),
        )
        .await;
    }

    /// Runs a Chrome DevTools Protocol command in the page's target,
    /// through ChromeDriver; fails the test if it is refused.
    async fn devtools(&self, command: &str, params: Value) -> Value {
        assert_eq!(
            self.engine,
            Engine::Chromium,
            "DevTools commands go through ChromeDriver only"
        );
        let session = self
            .client
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session");
        let url = format!("{}/session/{session}/goog/cdp/execute", self.driver_url);
        let response = reqwest::Client::new()
            .post(&url)
            .json(&json!({ "cmd": command, "params": params }))
            .send()
            .await
            .expect("ChromeDriver answers");
        let status = response.status();
        let answer: Value = response
            .json()
            .await
            .expect("ChromeDriver's answer as JSON");
        assert!(status.is_success(), "{command} was refused: {answer}");
        answer["value"].clone()
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Vec<u8> {
        self.client.screenshot().await.expect("a screenshot")
    }

    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

/// A child process started as the leader of its own process group. The
/// browser a driver starts (with its content processes) stays in the
/// driver's group, so ending the group on drop ends them all, also when the
/// session was not closed (a test that failed) or never opened.
struct ProcessGroup(Child);

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Some(group) = self.0.id() {
            kill(&format!("-{group}"));
        }
    }
}

impl Drop for Browser {
    /// Chromium's processes are also found by their profile folder, should
    /// one have left its driver's process group.
    fn drop(&mut self) {
        if self.engine != Engine::Chromium {
            return;
        }
        let profile = format!("--user-data-dir={}", self.profile.path().display());
        for (pid, args) in processes() {
            if args.contains(&profile) {
                kill(&pid.to_string());
            }
        }
    }
}

/// Every process on the machine, with its id and its arguments. Chromium and
/// Firefox rewrite their command line in place (as a process title), joining
/// the arguments with spaces, so arguments are split on spaces as well as on
/// NULs.
fn processes() -> impl Iterator<Item = (u32, Vec<String>)> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args = String::from_utf8_lossy(&cmdline)
                .split(['\0', ' '])
                .filter(|arg| !arg.is_empty())
                .map(str::to_owned)
                .collect();
            Some((pid, args))
        })
}

/// `kill -KILL -- target`: a process id, or `-group` for a process group.
fn kill(target: &str) {
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", target])
        .stderr(Stdio::null())
        .status();
}

/// Whether a process with arguments `args` renders pages for `engine`.
fn is_renderer(engine: Engine, args: &[String]) -> bool {
    let has = |wanted: &str| args.iter().any(|arg| arg == wanted);
    match engine {
        Engine::Chromium => has("--type=renderer"),
        // Firefox's web content processes end with their type, `tab`
        // (others are `rdd`, `socket`, `utility`, …).
        Engine::Firefox => has("-contentproc") && args.last().is_some_and(|arg| arg == "tab"),
        Engine::WebKit => args
            .first()
            .is_some_and(|program| program.ends_with("WebKitWebProcess")),
    }
}

/// A virtual X server for WebKitGTK, which has no headless mode, and its
/// display number. `Xvfb -displayfd` picks a free display itself and says
/// which once it accepts connections: `xvfb-run -a` guesses a number from
/// lock files instead, which races when tests start displays in parallel.
async fn start_display() -> (Child, String) {
    let mut xvfb = Command::new(engine::XVFB)
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x1024x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()
        .expect("Xvfb starts (apt xvfb)");
    let stdout = xvfb.stdout.take().expect("Xvfb's standard output");
    let mut number = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        tokio::io::BufReader::new(stdout).read_line(&mut number),
    )
    .await
    .expect("Xvfb names its display within 20 s")
    .expect("Xvfb's display number");
    let number = number.trim().to_owned();
    assert!(
        !number.is_empty() && number.chars().all(|c| c.is_ascii_digit()),
        "Xvfb named no display: {number:?}"
    );
    (xvfb, number)
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

async fn wait_for_driver(engine: Engine, url: &str) {
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
    panic!("the {engine} driver did not answer at {status}");
}

/// A port nothing listens on now (the drivers take a port number, not a
/// listener).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}
