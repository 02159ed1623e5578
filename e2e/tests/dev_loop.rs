//! The dev loop as the README runs it: `cargo xtask dev` (the backend on its
//! embedded S3 at :3000, `trunk serve` at :8080 proxying the API), and a
//! person uploading a video through the page in headless Chromium.
//!
//! Trunk rebuilds the widget and reloads the page on any change in the folder
//! it watches, and the embedded store writes inside that folder. So the
//! backend's data folder is put inside the project tree, under the folder
//! `Trunk.toml` tells Trunk to ignore, and the upload goes in parts: should
//! Trunk see the store's writes, it rebuilds and the page reloads under the
//! upload, and this test fails.
//!
//! It needs ports 3000 and 8080 (those of `cargo xtask dev`) and, cold, a few
//! minutes for the debug widget's first build.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use vidrop_e2e::{Browser, TestVideo, video::probe_duration};

/// Where `cargo xtask dev` serves the page.
const PAGE: &str = "http://127.0.0.1:8080";

/// What `cargo xtask dev` prints once the page answers (see `xtask/src/main.rs`).
const READY: &str = "xtask: dev loop ready at http://127.0.0.1:8080";

/// A cold build of the backend and the debug widget on two cores, with other
/// builds perhaps holding cargo's lock.
const READY_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// A ~20 MiB upload through a debug widget.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);

/// Time for a rebuild the last writes of the upload might trigger to show in
/// Trunk's output, and for the page to reload after it.
const SETTLE: Duration = Duration::from_secs(10);

/// What Trunk logs when it starts a build (`src/build.rs` of Trunk 0.21).
const TRUNK_BUILD: &str = "starting build";

/// Uploads above this go in parts: 5 MiB, S3's smallest part.
const MULTIPART_THRESHOLD: u64 = 5 * 1024 * 1024;

#[tokio::test]
async fn an_upload_in_the_dev_loop_neither_rebuilds_nor_reloads_the_page() {
    for port in [3000, 8080] {
        if let Err(error) = TcpListener::bind(("127.0.0.1", port)) {
            panic!(
                "port {port} is taken ({error}): this test runs `cargo xtask dev`, which needs \
                 ports 3000 and 8080; stop what listens there (another `cargo xtask dev`?)"
            );
        }
    }
    let scratch = tempfile::tempdir().expect("a temporary folder");
    let video = large_webm(scratch.path(), "dev loop.webm");
    let size = std::fs::metadata(&video.path).unwrap().len();
    assert!(
        size > 3 * MULTIPART_THRESHOLD,
        "the test video has {size} bytes, too few for several parts"
    );

    let mut dev = DevLoop::start(scratch.path());
    dev.wait_until_ready();

    // The checks run in a task of their own, so that when one fails the
    // browser still quits through WebDriver (dropping it would leave Chromium
    // running) before the failure goes on; then `dev` stops the dev loop.
    let browser = Arc::new(Browser::start().await);
    let checks = tokio::spawn(upload_and_play(
        browser.clone(),
        dev.output.clone(),
        dev.data_dir.clone(),
        video,
    ))
    .await;
    if let Ok(browser) = Arc::try_unwrap(browser) {
        browser.close().await;
    }
    drop(dev);
    if let Err(failure) = checks {
        match failure.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(failure) => panic!("the checks did not finish: {failure}"),
        }
    }
}

/// Opens the page, uploads `video` in parts and plays it, checking that the
/// page neither rebuilds nor reloads meanwhile.
async fn upload_and_play(browser: Arc<Browser>, dev: Output, data_dir: PathBuf, video: TestVideo) {
    let size = std::fs::metadata(&video.path).unwrap().len();
    browser.goto(PAGE).await;
    browser
        .wait_until(
            "vidrop('#vidrop #vidrop-file') !== null",
            "the widget to mount",
        )
        .await;
    // Gone as soon as the page reloads.
    let marker = format!("dev-loop-{}", unique());
    browser
        .execute(&format!(
            "window.__vidropDevLoop = '{marker}'; return null;"
        ))
        .await;
    let builds_before = dev.builds();
    let output_before = dev.len();

    browser.set_file("#vidrop-file", &video.path).await;
    let started = Instant::now();
    let outcome = wait_for_upload(&browser, &marker).await;
    let upload_time = started.elapsed();
    tokio::time::sleep(SETTLE).await;
    let during_upload = dev.lines_since(output_before);
    let trunk = trunk_activity(&during_upload);
    let last_lines = during_upload[during_upload.len().saturating_sub(40)..].join("\n");
    match outcome {
        Upload::Done => {}
        Upload::Reloaded => panic!(
            "the page reloaded during the upload (its window marker is gone); \
             meanwhile Trunk did:\n{trunk}"
        ),
        Upload::Failed(state, message) => panic!(
            "the upload ended in state {state}: {message:?}\nmeanwhile Trunk did:\n{trunk}\n\
             and the last lines of `cargo xtask dev` were:\n{last_lines}"
        ),
        Upload::TimedOut(html) => panic!(
            "the upload did not finish within {UPLOAD_TIMEOUT:?}; the widget shows:\n{html}\n\
             meanwhile Trunk did:\n{trunk}\nand the last lines of `cargo xtask dev` were:\n\
             {last_lines}"
        ),
    }
    assert_eq!(
        dev.builds(),
        builds_before,
        "Trunk rebuilt the widget while the page uploaded:\n{trunk}"
    );
    assert_eq!(
        marker_now(&browser).await.as_deref(),
        Some(marker.as_str()),
        "the page reloaded after the upload; meanwhile Trunk did:\n{trunk}"
    );
    let total: u32 = browser
        .attribute("#vidrop", "data-parts-total")
        .await
        .and_then(|parts| parts.parse().ok())
        .unwrap_or(0);
    assert!(
        total >= 2,
        "the upload went in {total} part(s), not in parts"
    );
    assert_eq!(
        browser.attribute("#vidrop", "data-parts-done").await,
        Some(total.to_string())
    );
    assert!(
        largest_file(&data_dir) >= size,
        "the store wrote no object of {size} bytes under {}: the test no longer checks what \
         it means to",
        data_dir.display()
    );

    browser
        .assert_plays("#vidrop-player", Some(video.duration))
        .await;
    assert_eq!(
        marker_now(&browser).await.as_deref(),
        Some(marker.as_str()),
        "the page reloaded while the video played"
    );
    println!("dev loop: {size} bytes in {total} parts in {upload_time:?}, no rebuild, no reload");
}

/// How a watched upload ended.
enum Upload {
    Done,
    /// The window marker is gone: the page was loaded again.
    Reloaded,
    Failed(String, String),
    TimedOut(String),
}

/// Watches the upload until it ends, or until the page reloads under it.
async fn wait_for_upload(browser: &Browser, marker: &str) -> Upload {
    let started = Instant::now();
    loop {
        if started.elapsed() > UPLOAD_TIMEOUT {
            let html = browser
                .try_execute("return vidrop('#vidrop')?.outerHTML ?? document.body.outerHTML;")
                .await
                .map(|html| html.as_str().unwrap_or_default().to_owned())
                .unwrap_or_else(|error| format!("(no page: {error})"));
            return Upload::TimedOut(html);
        }
        let now = browser
            .try_execute(
                "return { marker: window.__vidropDevLoop ?? null,
                          state: vidrop('#vidrop')?.dataset.state ?? null,
                          error: vidrop('#vidrop-error')?.textContent ?? '' };",
            )
            .await;
        // A script can fail while a page loads: look again.
        if let Ok(now) = now {
            if now["marker"].as_str() != Some(marker) {
                return Upload::Reloaded;
            }
            match now["state"].as_str() {
                Some("done") => return Upload::Done,
                Some(state @ ("error" | "cancelled")) => {
                    let message = now["error"].as_str().unwrap_or_default().trim().to_owned();
                    return Upload::Failed(state.to_owned(), message);
                }
                _ => {}
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn marker_now(browser: &Browser) -> Option<String> {
    browser
        .client()
        .execute("return window.__vidropDevLoop ?? null;", vec![])
        .await
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
}

/// Trunk's builds in `lines`, and the changes it acted on (each path once,
/// the first ten), as `RUST_LOG=trunk::watch=debug` shows them.
fn trunk_activity(lines: &[String]) -> String {
    let mut paths = Vec::new();
    let mut activity = Vec::new();
    for line in lines {
        if line.contains(TRUNK_BUILD) || line.contains("applying new distribution") {
            activity.push(line.as_str());
        } else if let Some((_, change)) = line.split_once("accepted change in ") {
            let path = change.split(" of type").next().unwrap_or(change);
            if !paths.contains(&path) {
                paths.push(path);
                if paths.len() <= 10 {
                    activity.push(line.as_str());
                }
            }
        }
    }
    if activity.is_empty() {
        return "(nothing)".to_owned();
    }
    let mut report = activity.join("\n");
    if paths.len() > 10 {
        report.push_str(&format!(
            "\n… and changes in {} more paths",
            paths.len() - 10
        ));
    }
    report
}

/// A real WebM of about 20 MiB that Chromium plays: 20 s of a test pattern
/// under heavy noise, so VP8 cannot squeeze it below its 9 Mbit/s.
fn large_webm(dir: &Path, name: &str) -> TestVideo {
    let path = dir.join(name);
    let status = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"])
        .args(["-i", "testsrc2=duration=20:size=480x270:rate=25"])
        .args(["-vf", "noise=alls=80:allf=t"])
        .args([
            "-c:v", "libvpx", "-b:v", "9M", "-minrate", "9M", "-maxrate", "9M",
        ])
        .args(["-deadline", "realtime", "-cpu-used", "8", "-an"])
        .arg(&path)
        .status()
        .expect("ffmpeg runs (cargo xtask setup installs it)");
    assert!(status.success(), "ffmpeg could not make {}", path.display());
    let duration = probe_duration(&path);
    TestVideo { path, duration }
}

/// A name no other run of this test uses.
fn unique() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    format!("{}-{nanos}", std::process::id())
}

/// `cargo xtask dev` in its own process group, its output collected. Dropping
/// it stops the whole group (cargo, xtask, the backend, Trunk and the builds
/// Trunk started) and removes the backend's data folder, also when the test
/// fails.
struct DevLoop {
    child: Child,
    output: Output,
    /// The backend's data folder, inside the project tree.
    data_dir: PathBuf,
}

impl DevLoop {
    /// Starts `cargo xtask dev` with the backend's data folder under
    /// `.vidrop-data/` of the project (Trunk must ignore it), multipart
    /// uploads above 5 MiB, and Trunk's dist folder in `scratch` (so the
    /// release widget in `dist/` that the other tests use stays as it is).
    fn start(scratch: &Path) -> DevLoop {
        use std::os::unix::process::CommandExt;
        let root = project_root();
        let data_dir = Path::new(".vidrop-data").join(format!("dev-loop-test-{}", unique()));
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut child = Command::new(cargo)
            .args(["xtask", "dev"])
            .current_dir(&root)
            .env("VIDROP_DATA_DIR", &data_dir)
            .env(
                "VIDROP_MULTIPART_THRESHOLD",
                MULTIPART_THRESHOLD.to_string(),
            )
            .env("TRUNK_BUILD_DIST", scratch.join("dist"))
            // Trunk names the path of each change it acts on, to explain a
            // failure; the backend logs as usual.
            .env("RUST_LOG", "info,trunk::watch=debug")
            .env("NO_COLOR", "1")
            .env_remove("VIDROP_ADDR")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .expect("`cargo xtask dev` starts");
        let output = Output::default();
        output.collect(child.stdout.take().expect("piped stdout"));
        output.collect(child.stderr.take().expect("piped stderr"));
        DevLoop {
            child,
            output,
            data_dir: root.join(data_dir),
        }
    }

    /// Waits for xtask's ready line, failing if `cargo xtask dev` ends first.
    fn wait_until_ready(&mut self) {
        let started = Instant::now();
        loop {
            if self
                .output
                .lines_since(0)
                .iter()
                .any(|line| line.contains(READY))
            {
                println!("dev loop: ready after {:?}", started.elapsed());
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "`cargo xtask dev` exited ({status}); it printed:\n{}",
                    self.output.lines_since(0).join("\n")
                );
            }
            if started.elapsed() > READY_TIMEOUT {
                panic!(
                    "no page after {READY_TIMEOUT:?}; `cargo xtask dev` printed:\n{}",
                    self.output.lines_since(0).join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn pgid(&self) -> u32 {
        self.child.id()
    }
}

/// Every line `cargo xtask dev` and what it started printed, in order.
#[derive(Clone, Default)]
struct Output(Arc<Mutex<Vec<String>>>);

impl Output {
    /// Reads `stream` line by line into the output (and echoes it, for
    /// `--nocapture`).
    fn collect(&self, stream: impl std::io::Read + Send + 'static) {
        let output = self.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines() {
                let Ok(line) = line else { break };
                println!("dev | {line}");
                output.0.lock().unwrap().push(line);
            }
        });
    }

    /// How many builds Trunk has started.
    fn builds(&self) -> usize {
        let lines = self.0.lock().unwrap();
        lines
            .iter()
            .filter(|line| line.contains(TRUNK_BUILD))
            .count()
    }

    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }

    fn lines_since(&self, line: usize) -> Vec<String> {
        self.0.lock().unwrap()[line..].to_vec()
    }
}

/// The size of the largest file under `dir`.
fn largest_file(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|entry| match entry.file_type() {
            Ok(kind) if kind.is_dir() => largest_file(&entry.path()),
            _ => entry.metadata().map_or(0, |meta| meta.len()),
        })
        .max()
        .unwrap_or(0)
}

impl Drop for DevLoop {
    fn drop(&mut self) {
        let group = format!("-{}", self.pgid());
        let signal = |name: &str| {
            let _ = Command::new("kill")
                .args(["-s", name, "--", &group])
                .stderr(Stdio::null())
                .status();
        };
        signal("TERM");
        let started = Instant::now();
        while process_group_alive(self.pgid()) && started.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(100));
        }
        if process_group_alive(self.pgid()) {
            signal("KILL");
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// Whether any process of group `pgid` is still running (not a zombie).
fn process_group_alive(pgid: u32) -> bool {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return false;
    };
    entries.flatten().any(|entry| {
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // After the command name: state, ppid, pgrp.
        let mut fields = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.split_whitespace())
            .into_iter()
            .flatten();
        let state = fields.next();
        let group = fields.nth(1);
        state.is_some_and(|state| state != "Z") && group == Some(pgid.to_string().as_str())
    })
}

/// The workspace root. `cargo test` names e2e's folder in the environment,
/// which stays right even when the binary was built in another checkout that
/// shares the target folder.
fn project_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("e2e lives one folder below the workspace root")
        .to_path_buf()
}
