//! Dev and CI commands for Vidrop: `cargo xtask <task>`.
//!
//! Every task installs what it needs first (the wasm target, Trunk, the
//! wasm-bindgen CLI that matches `Cargo.lock`, and Debian's Chromium,
//! ChromeDriver and ffmpeg), so each one works on a fresh machine. The crate
//! uses only `std`, so it compiles in seconds before anything else exists.
//!
//! # Tasks
//! - `dev`: the backend on its embedded S3 plus `trunk serve`, at <http://127.0.0.1:8080>.
//! - `test`: every test: shared rules, backend integration, the widget's unit
//!   tests natively and its wasm tests in headless Chromium, browser end-to-end
//!   tests (the dev loop included).
//! - `lint`: `cargo fmt --check` and `cargo clippy -D warnings` on every crate.
//! - `build`: the release widget (cargo profile `widget`) into `dist/`.
//! - `setup`: only install the tools.
//! - `screenshot`: upload videos in headless Chromium and save
//!   `docs/screenshot.png`, the widget's light, dark and Chinese views
//!   (`docs/widget-*.png`) and the example pages'.
//! - `bench`: the benchmarks; writes `BENCHMARKS.md`. Builds the Uppy page
//!   it measures the widget against (`benches/uppy/`, `npm ci` and esbuild).
//! - `bench engines`: a 5 GiB upload in every engine; writes its section of
//!   `BENCHMARKS.md`, which `bench` keeps.
//! - `garage`: build Garage 2.5.0 once (cached; over twenty minutes on two
//!   cores, too long for CI's budget), run the API and widget suites on a
//!   one-node Garage (`garage.rs`), then `backend/tests/garage.rs`, two
//!   backends on a three-node Garage cluster.

mod compress;
mod example;
mod garage;
mod imports;
mod minify;
mod tools;

use std::env;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, ExitCode};
use std::time::Duration;

type Result<T = ()> = std::result::Result<T, String>;

const TASKS: &str = "\
Usage: cargo xtask <task>

Tasks:
  dev         run the backend on its embedded S3 and the widget (trunk serve) at http://127.0.0.1:8080
  test        run every test (shared, backend, widget unit and wasm tests, browser end-to-end)
  lint        cargo fmt --check and cargo clippy -D warnings on every crate
  build       build the release widget (cargo profile `widget`) into dist/
  setup       install the tools the other tasks need (wasm target, trunk, wasm-bindgen, chromium, ffmpeg)
  screenshot  upload videos in headless Chromium and save docs/screenshot.png, docs/widget-{light,dark,zh-CN}.png and the example pages' screenshots
  bench       benchmarks (widget vs curl and Uppy, browser memory, a WAN-like link, SHA-256 in the browser, the scheduler per event, one presigned URL, the presign path under wrk, widget size) into BENCHMARKS.md
  bench engines
              a 5 GiB upload in Chromium, Firefox and WebKitGTK (stored SHA-256, renderer memory) into BENCHMARKS.md's section for it
  garage      build Garage 2.5.0 once (cached in ~/.cache/vidrop/garage), run the API and widget tests on Garage, then the three-node cluster test
  example     serve examples/ at http://127.0.0.1:8081, pages of another origin embedding the widget (with `dev` running)
";

fn main() -> ExitCode {
    match try_main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn try_main() -> Result {
    let task = env::args().nth(1);
    match task.as_deref() {
        Some("dev") => dev(),
        Some("test") => test(),
        Some("lint") => lint(),
        Some("build") => {
            tools::setup(tools::Need::Widget)?;
            build_widget()
        }
        Some("setup") => tools::setup(tools::Need::Everything),
        Some("screenshot") => screenshot(),
        Some("bench") => match env::args().nth(2).as_deref() {
            None => bench(),
            Some("engines") => bench_engines(),
            Some(other) => Err(format!(
                "unknown benchmark {other:?}: `cargo xtask bench` or `cargo xtask bench engines`"
            )),
        },
        Some("example") => example::run(&project_root()),
        Some("garage") => garage(),
        Some(other) => Err(format!("unknown task {other:?}\n\n{TASKS}")),
        None => {
            print!("{TASKS}");
            Ok(())
        }
    }
}

/// Where `cargo xtask dev` runs the backend, and where `trunk serve` listens
/// (`Trunk.toml`'s `[serve]`, which proxies `/api` and `/presign` to the backend).
const DEV_BACKEND_ADDR: &str = "127.0.0.1:3000";
const DEV_PAGE_ADDR: &str = "127.0.0.1:8080";

/// What `cargo xtask dev` prints once the page answers; the dev-loop test
/// (`e2e/tests/dev_loop.rs`) waits for it.
const DEV_READY: &str = "xtask: dev loop ready at http://127.0.0.1:8080";

/// The backend on its embedded S3 at 127.0.0.1:3000, and `trunk serve` at
/// 127.0.0.1:8080 proxying `/api` and `/presign` to it (see `Trunk.toml`).
/// Both inherit the environment, so `VIDROP_*` (`VIDROP_DATA_DIR`,
/// `VIDROP_MULTIPART_THRESHOLD`, …) reaches the backend and `TRUNK_*` Trunk;
/// the backend's address is always 127.0.0.1:3000, where Trunk proxies to.
fn dev() -> Result {
    for (addr, who) in [
        (DEV_BACKEND_ADDR, "the backend"),
        (DEV_PAGE_ADDR, "trunk serve"),
    ] {
        if let Err(error) = TcpListener::bind(addr) {
            return Err(format!(
                "{addr} is taken ({error}), and {who} needs it: stop what listens there \
                 (another `cargo xtask dev`?) and try again"
            ));
        }
    }
    tools::setup(tools::Need::Widget)?;
    run(cargo().args(["build", "--package", "vidrop"]))?;
    // The backend serves the widget trunk builds there; it must exist first.
    std::fs::create_dir_all(project_root().join("dist")).map_err(|e| e.to_string())?;
    let vidrop = target_dir().join("debug/vidrop");
    let mut backend = spawn(
        tools::command(&vidrop)
            // The widget at /widget/ (from trunk's dist/), for pages on other
            // origins such as the examples'.
            .args([
                "serve",
                "--addr",
                DEV_BACKEND_ADDR,
                "--static-dir",
                "dist",
                "--allow-origin",
                example::ORIGIN,
            ])
            .current_dir(project_root()),
    )?;
    let mut trunk = match spawn(trunk_command().args(["serve", "--offline"])) {
        Ok(trunk) => trunk,
        Err(error) => {
            let _ = backend.kill();
            return Err(error);
        }
    };
    println!(
        "\nVidrop: http://127.0.0.1:8080 once trunk has built the widget (Ctrl-C stops both).\n"
    );
    // Whichever ends first (Ctrl-C reaches both), the other is stopped too.
    let mut ready = false;
    let outcome = loop {
        if let Some(status) = backend.try_wait().map_err(|e| e.to_string())? {
            break format!("the backend exited ({status})");
        }
        if let Some(status) = trunk.try_wait().map_err(|e| e.to_string())? {
            break format!("trunk exited ({status})");
        }
        if !ready && page_answers(DEV_PAGE_ADDR) {
            ready = true;
            println!("{DEV_READY} (Ctrl-C stops both)");
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let _ = backend.kill();
    let _ = trunk.kill();
    let _ = backend.wait();
    let _ = trunk.wait();
    Err(outcome)
}

/// Whether `GET /` at `addr` answers 200: Trunk listens only after its first
/// build, and answers 200 once that build has produced the page.
fn page_answers(addr: &str) -> bool {
    let Ok(addr) = addr.parse() else {
        return false;
    };
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    // The status line, e.g. `HTTP/1.1 200 OK`.
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.ends_with(b" 200")
}

/// The packages whose native tests `test` runs in one invocation (so one
/// build of their dependencies' features serves all of them, and `garage`).
const NATIVE_TEST_PACKAGES: [&str; 8] = [
    "--package",
    "vidrop-shared",
    "--package",
    "vidrop-store",
    "--package",
    "vidrop",
    "--package",
    "vidrop-e2e",
];

/// Every test. The end-to-end tests drive the release widget, so it is built
/// first; then the native test crates build in one cargo
/// invocation. The dev-loop test among them runs `cargo xtask dev` itself, so
/// ports 3000 and 8080 must be free.
fn test() -> Result {
    tools::setup(tools::Need::Everything)?;
    build_widget()?;
    // The widget engine's unit tests that need no browser, on the host: fast,
    // and with native panics and backtraces.
    run(cargo().args(["test", "--package", "vidrop-frontend", "--lib"]))?;
    run(cargo()
        .arg("test")
        .args(NATIVE_TEST_PACKAGES)
        .env("VIDROP_DIST", project_root().join("dist"))
        .env("VIDROP_AXE_CORE", tools::axe_core_script()?))?;
    run(cargo()
        .args([
            "test",
            "--package",
            "vidrop-frontend",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        ))?;
    println!("xtask: every test passed");
    Ok(())
}

fn lint() -> Result {
    tools::setup(tools::Need::WasmTarget)?;
    run(cargo().args(["fmt", "--all", "--", "--check"]))?;
    run(cargo().args(["clippy", "--all-targets", "--", "-D", "warnings"]))?;
    run(cargo().args([
        "clippy",
        "--package",
        "vidrop-frontend",
        "--target",
        "wasm32-unknown-unknown",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))
}

/// The widget as it ships into `dist/`: index.html has `trunk build --release`
/// build it with the cargo profile [`WIDGET_PROFILE`], and
/// [`WIDGET_BUILD_ENV`] has it build the standard library too; then the
/// wasm's imports get short names (`imports.rs`), its JavaScript is
/// minified (`minify.rs`), and every file compressed ahead of
/// time for the backend to serve (`compress.rs`).
fn build_widget() -> Result {
    // Trunk runs cargo offline, and the standard library's own dependencies
    // (its `Cargo.lock` in `rust-src`) are not among the workspace's: a fresh
    // machine has not downloaded them yet.
    let mut fetch = cargo();
    fetch.args(["fetch", "--target", "wasm32-unknown-unknown"]);
    fetch.envs(WIDGET_BUILD_ENV.iter().copied());
    run(&mut fetch)?;
    // wasm-bindgen writes the snippets into Trunk's staging folder, which
    // keeps those of earlier builds: Trunk would ship a snippet the widget
    // no longer has (and have index.html preload it).
    let staged_snippets = target_dir().join("wasm-bindgen/release/snippets");
    if staged_snippets.exists() {
        std::fs::remove_dir_all(&staged_snippets)
            .map_err(|e| format!("{}: {e}", staged_snippets.display()))?;
    }
    let mut trunk = trunk_command();
    trunk.args(["build", "--release", "--offline"]);
    trunk.envs(WIDGET_BUILD_ENV.iter().copied());
    run(&mut trunk)?;
    let dist = project_root().join("dist");
    imports::shorten_widget_imports(&dist)?;
    minify::minify_widget_js(&dist)?;
    compress::precompress_widget(&dist)
}

/// The shipped widget's standard library is compiled with it (and so is the
/// engine benchmarks' wasm test, which measures the widget's code), with
/// `panic = "immediate-abort"`: a panic traps at once, and no message
/// formatting or panic machinery is linked in. That is 19.5 KiB of the gzipped
/// wasm (178.6 → 159.1 KiB, measured on 2026-12-01). The standard library is
/// also built with its `optimize_for_size` feature (smaller sorting, formatting
/// and search code; 0.7 KiB of the gzipped wasm, measured on 2026-12-02): the
/// widget's hot paths are the browser's. `-Zfmt-debug=none` is not used: it
/// would blank any `{:?}` a message shows. Rebuilding std and
/// that panic strategy are still unstable, so the build lets stable cargo and rustc take `-Z` flags
/// (`RUSTC_BOOTSTRAP`), for these builds alone: the backend, the test suite
/// (whose harness reports panics) and `trunk serve` are built as before. It needs
/// the `rust-src` component, which `tools::setup` adds. What a panic in the
/// shipped widget leaves is a `RuntimeError: unreachable` in the console;
/// `trunk serve`'s dev build prints the message and where.
const WIDGET_BUILD_ENV: &[(&str, &str)] = &[
    ("RUSTC_BOOTSTRAP", "1"),
    // `test` too, though the widget never links it: a test build adds it to
    // the standard library's crates, and that set is part of every crate's
    // build hash. With the same set, the engine benchmarks' wasm test reuses
    // the widget build's dependencies but those whose features the tests
    // change (see `frontend/Cargo.toml`): serde, serde_json and what of Leptos
    // depends on them. Without `test` here, it compiled 148 crates again.
    ("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort,test"),
    ("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size"),
    (
        "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
        // `panic_abort_tests` lets the engine benchmarks' wasm test build
        // with the same settings, and so with the same dependencies.
        "-Zunstable-options -Cpanic=immediate-abort -Zpanic_abort_tests",
    ),
];

/// Trunk, in the workspace root. `NO_COLOR` means "no colours" whenever it is
/// set and not empty (<https://no-color.org>), but Trunk 0.21.14 reads it as a
/// boolean and refuses to start on the usual `NO_COLOR=1`: it gets `true`.
fn trunk_command() -> Command {
    let mut trunk = tools::command("trunk");
    trunk.current_dir(project_root());
    if let Some(no_color) = env::var_os("NO_COLOR") {
        trunk.env(
            "NO_COLOR",
            if no_color.is_empty() { "false" } else { "true" },
        );
    }
    trunk
}

fn screenshot() -> Result {
    tools::setup_screenshots()?;
    build_widget()?;
    run(cargo()
        .args([
            "run",
            "--package",
            "vidrop-e2e",
            "--bin",
            "theme_screenshots",
            "--",
        ])
        .arg(project_root().join("docs"))
        .env("VIDROP_DIST", project_root().join("dist")))?;
    run(cargo()
        .args([
            "run",
            "--package",
            "vidrop-e2e",
            "--bin",
            "screenshot",
            "--",
        ])
        .arg(project_root().join("docs/screenshot.png"))
        .env("VIDROP_DIST", project_root().join("dist")))?;
    run(cargo()
        .args([
            "run",
            "--package",
            "vidrop-e2e",
            "--bin",
            "embed_screenshot",
            "--",
        ])
        .arg(project_root().join("docs"))
        .env("VIDROP_DIST", project_root().join("dist")))
}

/// The cargo profile production builds the backend with (`cargo run
/// --release`), and so the one the benchmarks measure.
const BACKEND_PROFILE: &str = "release";

/// The cargo profile the widget ships with: `index.html` selects it for
/// `trunk build --release` (`data-cargo-profile-release`).
const WIDGET_PROFILE: &str = "widget";

/// Runs the benchmarks and writes their figures, with the machine they ran on
/// and the cargo profile of each part, to `BENCHMARKS.md`. Everything is built
/// as it ships: the backend (in process in the `bench` binary) in
/// [`BACKEND_PROFILE`], the widget in [`WIDGET_PROFILE`].
fn bench() -> Result {
    // Issue 11 asks for the whole run in under 25 minutes on a fresh machine:
    // the file says how long this one took.
    let started = std::time::Instant::now();
    let mut laps = Laps::new();
    tools::setup(tools::Need::Everything)?;
    let aws_sdk_js = tools::setup_bench()?;
    laps.lap("tools (installs what is missing)");
    let uppy_page = tools::build_uppy_page()?;
    laps.lap("the Uppy page (npm, esbuild)");
    build_widget()?;
    laps.lap("the widget (`cargo xtask build`)");
    build_bench_programs()?;
    laps.lap("the benchmark's native programs (cargo profile `release`)");
    let transfer = bench_bin(
        "bench",
        &[],
        &[
            ("VIDROP_DIST", &project_root().join("dist")),
            ("VIDROP_UPPY_PAGE", &uppy_page),
        ],
    )?;
    laps.lap("uploads: throughput, memory, WAN");

    let engine = output_of(&mut engine_benches())?;
    laps.lap("the engine in the browser: checksums, scheduler (wasm test: build and run)");
    let lines_of = |prefix: &str| -> Vec<(String, String)> {
        engine
            .lines()
            .filter_map(|line| line.trim().strip_prefix(prefix))
            .filter_map(|rest| rest.split_once(':'))
            .map(|(name, figure)| (name.trim().to_owned(), figure.trim().to_owned()))
            .collect()
    };

    let benchmarks = project_root().join("BENCHMARKS.md");
    let engines = std::fs::read_to_string(&benchmarks)
        .ok()
        .and_then(|old| engines_section(&old).map(str::to_owned))
        .unwrap_or_else(|| {
            format!(
                "{ENGINES_BEGIN}\n### Upload in every engine\n\n\
                 Not measured yet: `cargo xtask bench engines` writes this section.\n{ENGINES_END}\n"
            )
        });
    let mut md = benchmarks_header();
    md.push_str(&format!("Machine: {}.\n\n", machine()));
    md.push_str(&transfer);
    md.push('\n');
    md.push_str(&engines);
    md.push_str(&format!(
        "\n### Part checksums in the browser (wasm of profile `{WIDGET_PROFILE}`, headless Chromium)\n\n\
         64 MiB in 8 MiB parts, each read into the reused buffer as uploads read it.\n\n"
    ));
    md.push_str("| checksum, implementation | throughput |\n| --- | --- |\n");
    for (name, figure) in lines_of("checksum ") {
        md.push_str(&format!("| {name} | {figure} |\n"));
    }
    md.push_str(&format!(
        "\n### The upload scheduler's work per event (wasm of profile `{WIDGET_PROFILE}`, headless Chromium)\n\n\
         A whole upload driven as the browser drives it (`bench_scheduler` in \
         `frontend/tests/benches.rs`): hashing, signing in batches, sending, ten progress \
         events per part.\n\n\
         | parts | time per event |\n| --- | --- |\n"
    ));
    for (parts, figure) in lines_of("scheduler ") {
        let parts = parts.trim_end_matches(" parts");
        md.push_str(&format!("| {parts} | {figure} |\n"));
    }
    md.push_str(&presign_table()?);
    laps.lap("one presigned URL (criterion)");
    md.push('\n');
    md.push_str(&presign_load(&aws_sdk_js)?);
    laps.lap("the presign path under load (wrk)");
    let dist = project_root().join("dist");
    let size = output_of(
        e2e_bin("size")
            .arg(&dist)
            .env("VIDROP_UPPY_PAGE", &uppy_page),
    )?;
    md.push_str("\n### Widget size (what a page downloads from `/widget/`)\n\n");
    md.push_str(&size);
    laps.lap("widget size");
    md.push_str(&format!(
        "\n### This run\n\n`cargo xtask bench` took **{:.1} min**, from its start to this \
         file, with whatever installs and builds it needed first (a fresh machine's target \
         directory has none of its `{BACKEND_PROFILE}` or `{WIDGET_PROFILE}` builds yet).\n\n\
         | step | time |\n| --- | ---: |\n",
        started.elapsed().as_secs_f64() / 60.0
    ));
    for (step, seconds) in &laps.laps {
        md.push_str(&format!("| {step} | {:.1} min |\n", seconds / 60.0));
    }
    md.push_str(
        "\nThe commands it ran, in order, each with what it set in the environment \
         (installs, when a tool was missing, would be among them; `wrk` and `curl` are run \
         by `presign_load` and `bench`, as their sections say):\n\n```\n",
    );
    for command in commands_run() {
        md.push_str(&command);
        md.push('\n');
    }
    md.push_str("```\n");
    md.push_str(BENCHMARKS_NOTES);
    std::fs::write(&benchmarks, md).map_err(|e| e.to_string())?;
    println!("xtask: wrote BENCHMARKS.md");
    Ok(())
}

/// Where `cargo xtask bench engines` writes in `BENCHMARKS.md`; `cargo xtask
/// bench` keeps what is between these lines.
const ENGINES_BEGIN: &str = "<!-- written by `cargo xtask bench engines` -->";
const ENGINES_END: &str = "<!-- end of `cargo xtask bench engines` -->";

/// The engines' section of `benchmarks` (a `BENCHMARKS.md`), its two marker
/// lines and the line break after the last included.
fn engines_section(benchmarks: &str) -> Option<&str> {
    let start = benchmarks.find(ENGINES_BEGIN)?;
    let end = start + benchmarks[start..].find(ENGINES_END)? + ENGINES_END.len();
    let end = if benchmarks[end..].starts_with('\n') {
        end + 1
    } else {
        end
    };
    Some(&benchmarks[start..end])
}

/// The 5 GiB upload in every engine (issue 13's large-file check), into its
/// section of `BENCHMARKS.md`. A command of its own: it takes about 7
/// minutes on two cores, and `cargo xtask bench` is to stay under 25.
fn bench_engines() -> Result {
    let started = std::time::Instant::now();
    tools::setup(tools::Need::Everything)?;
    build_widget()?;
    build_bench_programs()?;
    let measured = bench_bin(
        "bench",
        &["engines"],
        &[("VIDROP_DIST", &project_root().join("dist"))],
    )?;
    let section = format!(
        "{ENGINES_BEGIN}\n{measured}\nWritten by `cargo xtask bench engines` ({:.1} min with its \
         builds; machine: {}), kept by `cargo xtask bench`.\n{ENGINES_END}\n",
        started.elapsed().as_secs_f64() / 60.0,
        machine()
    );
    let benchmarks = project_root().join("BENCHMARKS.md");
    let old = std::fs::read_to_string(&benchmarks).map_err(|e| {
        format!(
            "{}: {e} (run `cargo xtask bench` first)",
            benchmarks.display()
        )
    })?;
    let Some(old_section) = engines_section(&old) else {
        return Err(format!(
            "{} has no section for the engines (run `cargo xtask bench` first)",
            benchmarks.display()
        ));
    };
    std::fs::write(&benchmarks, old.replacen(old_section, &section, 1))
        .map_err(|e| e.to_string())?;
    println!("xtask: wrote the engines' section of BENCHMARKS.md");
    Ok(())
}

/// The machine the benchmarks ran on: cores, the compiler, the browsers.
fn machine() -> String {
    format!(
        "{} cores, {}, {}, {}, WebKitGTK {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        first_line(tools::command("rustc").arg("--version")),
        first_line(tools::command("chromium").arg("--version")),
        first_line(tools::command("firefox-esr").arg("--version")),
        first_line(tools::command("dpkg-query").args([
            "--show",
            "--showformat=${Version}",
            "libwebkit2gtk-4.1-0"
        ])),
    )
}

/// How long each step of a run took, for its report.
struct Laps {
    last: std::time::Instant,
    laps: Vec<(&'static str, f64)>,
}

impl Laps {
    fn new() -> Laps {
        Laps {
            last: std::time::Instant::now(),
            laps: Vec::new(),
        }
    }

    /// `step` took the time since the last lap.
    fn lap(&mut self, step: &'static str) {
        let now = std::time::Instant::now();
        self.laps
            .push((step, now.duration_since(self.last).as_secs_f64()));
        self.last = now;
    }
}

/// The cost of one presigned URL (`e2e/src/bin/presign_url.rs`, criterion),
/// signed as the backend signs and through the SDK's pipeline, as a
/// Markdown section.
fn presign_table() -> Result<String> {
    // What `cargo bench` passes: criterion measures only with it.
    let printed = e2e_bin_output("presign_url", &["--bench".as_ref()])?;
    // Criterion prints `presign-here/get   time:   [low median high]`, the
    // name alone on a line before when it is long.
    let mut medians = std::collections::BTreeMap::new();
    let mut name = String::new();
    for line in printed.lines() {
        let line = line.trim();
        if line.starts_with("presign-") {
            name = line
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned();
        }
        if let Some(figures) = line.split_once("time:").map(|(_, rest)| rest) {
            let figures: Vec<&str> = figures
                .trim()
                .trim_matches(['[', ']'])
                .split_whitespace()
                .collect();
            if let [_, _, median, unit, ..] = figures[..] {
                medians.insert(name.clone(), format!("{median} {unit}"));
            }
        }
    }
    let mut md = format!(
        "\n### One presigned URL (native, cargo profile `{BACKEND_PROFILE}`, criterion)\n\n\
         Signing only, no request (`e2e/src/bin/presign_url.rs`), median time: as the \
         backend signs (`aws-sigv4` with the day's signing key kept, \
         `backend/src/storage/signer.rs`) and through the AWS SDK's presigning pipeline \
         (what it falls back to for a store it cannot sign for alike).\n\n\
         | URL | signed here | SDK pipeline |\n| --- | --- | --- |\n",
    );
    for (what, label) in [
        ("get", "playback `GetObject`"),
        ("put", "create-only `PutObject` with SHA-256"),
        ("part", "`UploadPart` with SHA-256"),
    ] {
        let figure = |signer: &str| {
            medians
                .get(&format!("presign-{signer}/{what}"))
                .cloned()
                .unwrap_or_else(|| "not measured".to_owned())
        };
        md.push_str(&format!(
            "| {label} | {} | {} |\n",
            figure("here"),
            figure("sdk")
        ));
    }
    Ok(md)
}

/// Runs the program `name` of `e2e/` with `args` and answers what it
/// printed.
fn e2e_bin_output(name: &str, args: &[&std::ffi::OsStr]) -> Result<String> {
    output_of(e2e_bin(name).args(args))
}

/// Runs `command` to its end and answers its stdout; on failure, the error
/// names the command and carries its stdout and stderr.
fn output_of(command: &mut Command) -> Result<String> {
    let shown = show(command);
    record(&shown);
    let output = command
        .output()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    let printed = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "`{shown}` failed:\n{printed}{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(printed)
}

/// The program `name` of `e2e/` as [`build_bench_programs`] built it, its
/// arguments to follow, run directly from the target directory.
fn e2e_bin(name: &str) -> Command {
    let mut command = tools::command(target_dir().join(BACKEND_PROFILE).join(name));
    command.current_dir(project_root());
    command
}

/// Builds the native programs of a benchmark run in one cargo call (profile
/// [`BACKEND_PROFILE`]): `e2e/`'s `bench`, `presign_load`, `presign_url` and
/// `size`. One call resolves features once and builds every shared
/// dependency once, side by side on both cores.
fn build_bench_programs() -> Result {
    run(cargo().args([
        "build",
        "--profile",
        BACKEND_PROFILE,
        "--package",
        "vidrop-e2e",
        "--bin",
        "bench",
        "--bin",
        "presign_load",
        "--bin",
        "presign_url",
        "--bin",
        "size",
    ]))
}

/// `cargo test` of the engine's benchmarks (`frontend/tests/benches.rs`:
/// part checksums and the scheduler) in headless Chromium, compiled as the
/// widget ships (its profile and standard library, and its dependencies:
/// see `frontend/Cargo.toml`), printing their figures.
fn engine_benches() -> Command {
    let mut benches = cargo();
    benches
        .args([
            "test",
            "--profile",
            WIDGET_PROFILE,
            "--package",
            "vidrop-frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "benches",
            "--",
            // The runner skips `--ignored` tests even when asked for them.
            "--include-ignored",
            "--nocapture",
        ])
        .envs(WIDGET_BUILD_ENV.iter().copied())
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        );
    benches
}

/// The presign path under load against two other SDKs' presigners
/// (`e2e/src/bin/presign_load.rs`), as a Markdown section.
fn presign_load(aws_sdk_js: &std::path::Path) -> Result<String> {
    bench_bin("presign_load", &[], &[("VIDROP_NPM_MODULES", aws_sdk_js)])
}

/// Runs the benchmark binary `name` of `e2e/`, built as the backend ships
/// ([`BACKEND_PROFILE`]), with `args` and then the file to write, and
/// `env`; answers the Markdown it wrote.
fn bench_bin(name: &str, args: &[&str], env: &[(&str, &std::path::Path)]) -> Result<String> {
    let suffix: String = args.iter().map(|arg| format!("-{arg}")).collect();
    let results = target_dir().join(format!("bench-{name}{suffix}.md"));
    run(e2e_bin(name)
        .args(args)
        .arg(&results)
        .envs(env.iter().copied()))?;
    std::fs::read_to_string(&results).map_err(|e| e.to_string())
}

/// The top of `BENCHMARKS.md`: what ran, and built with which cargo profile.
fn benchmarks_header() -> String {
    format!(
        "\
# Benchmarks

Written by `cargo xtask bench` (do not edit by hand; run it again), but for the
upload in every engine, which `cargo xtask bench engines` writes (about 7 minutes
on its own) and `cargo xtask bench` keeps. Everything runs on one machine over
loopback, built as it ships:

- the backend with its embedded S3, and the benchmark's own client code (the
  `bench` binary of `e2e/`, which runs the backend in process): cargo profile
  `{BACKEND_PROFILE}`, as production runs it (`cargo run --release`);
- the widget, in headless Chromium (and, for the upload in every engine, in
  Firefox ESR and WebKitGTK): cargo profile `{WIDGET_PROFILE}`, built by
  `trunk build --release` with the standard library rebuilt with
  `panic = \"immediate-abort\"` and its `optimize_for_size` feature
  (`cargo xtask build`), as it ships in `dist/`;
  the checksum and scheduler figures run the same code built the same way, as a
  wasm test in the same headless Chromium;
- `curl`, Debian's;
- Uppy (`benches/uppy/`: `@uppy/core` 5.2.0, `@uppy/aws-s3` 5.1.0), bundled
  by esbuild (minified), in the same headless Chromium; for the size, the same
  with `@uppy/dashboard` 5.1.1 and its CSS.

Figures are from one run. Loopback uploads vary between runs by more than a
few percent (two runs an hour apart, same machine: widget / Uppy 1.06 and 1.31);
the same-run ratios are the figures to compare.

"
    )
}

const BENCHMARKS_NOTES: &str = "\n\
### How to read these figures\n\
\n\
- **Widget against curl.** Both send the same bytes to the same embedded store over\n\
  loopback, but not the same work. curl sends one PUT with no checksum, and the store\n\
  computes an MD5 and writes the file. The widget reads each 8 MiB part and hashes it\n\
  with WebCrypto in the browser, then sends it. The store verifies that part's\n\
  SHA-256 and computes its MD5 ETag, and at the end the kernel joins the parts into\n\
  the object (`copy_file_range`). On this 2-core machine all of that shares the same\n\
  two cores as the browser, so the ratio is bounded by CPU, not by the network.\n\
  Against AWS, the store's part of the work runs at S3 instead. The widget's\n\
  browser-side SHA-256 alone limits it to about the WebCrypto figure below.\n\
- **Part checksums.** Every part's URL binds a checksum the store verifies. On\n\
  this machine CRC64/NVME and CRC32C in wasm run faster than WebCrypto's\n\
  SHA-256 (see their rows), but the widget keeps SHA-256: WebCrypto hashes off\n\
  the page's thread and adds no bytes to the widget (the CRC crates' tables would\n\
  add tens of KiB), and a URL bound to a SHA-256 cannot carry other bytes, where\n\
  anyone holding a URL bound to a CRC can make other bytes with the same CRC. The\n\
  store verifies SHA-256 with the CPU's SHA extensions (`sha2`), CRC32C with its\n\
  CRC32 instruction (`crc32c`) and CRC64/NVME with carry-less multiplication\n\
  (`crc-fast`): the crates s3s uses.\n\
- **Widget against Uppy.** Uppy does what the widget does on the wire: the same\n\
  API, the plan's part size, SHA-256 of each part with WebCrypto, four requests\n\
  at once (`limit: 4`; Uppy counts its signing requests in that limit too, so\n\
  fewer than four parts may be in flight). It signs one part per API call where\n\
  the widget signs in batches, and it neither probes the video nor draws and\n\
  sends a poster first, which the widget does before its first part (the WAN\n\
  table shows when each client's first request reaches the store). Its page is\n\
  on another origin, as an integrator's would be, so its API calls are\n\
  cross-origin (the preflights are cached); the widget runs on the backend's own\n\
  page. Uppy's stored object is checked byte for byte (SHA-256), so a broken run\n\
  fails the benchmark.\n\
- **WAN-like link.** Each 8 MiB part waits 80 ms twice (its preflight, then its\n\
  PUT: every presigned URL differs, so no preflight is cached for the next part)\n\
  and a second at 8 MiB/s, so one connection carries about 6.6 MiB/s. A client\n\
  with a fixed four parts in flight gets about 26 MiB/s, 73 % of the 36 MiB/s\n\
  cap (never more than 4 x 8 = 32, 89 %); five parts reach about 92 %, and six,\n\
  what Chromium opens per host, fill it. The widget, left to choose, measures\n\
  and keeps one more part in flight while that moves 4 % more bytes, up to six;\n\
  Uppy keeps its four. \"While parts flowed\" leaves out\n\
  what comes before the first part and after the last; \"parts in flight\"\n\
  counts part uploads between their arrival at the proxy and their answer.\n\
- **Memory.** Each part is read from the file's byte stream into the buffer the\n\
  previous part used, in a worker that is replaced every 128 MiB\n\
  (`frontend/src/engine/sha256.js`): reading a byte stream leaves garbage per chunk\n\
  that the browser collects only now and then, and a terminated worker's heap goes\n\
  with it (reading and hashing 4 GiB alone: +74 MiB on the page, +18 MiB this way).\n\
  The rest of what grew with the file was the progress bar: its value transitioned\n\
  its width, so with a new value every 100 ms it animated (style, layout, paint on\n\
  the page's thread) for the whole upload; it no longer does (4 GiB: +69 MiB with\n\
  it, +55 and +57 in two runs without). Before parts reused a buffer, each had a\n\
  fresh `ArrayBuffer` left to the garbage collector, and the renderer grew by\n\
  hundreds of MiB. Firefox reads the same way.\n\
  WebKitGTK's `Blob` streams are not byte streams: there each chunk of the stream\n\
  is copied into the reused buffer, and its renderer still grows further.\n\
  Uppy's row is the same measurement of the Uppy page, which slices each part\n\
  from the file and reads it whole into a fresh `ArrayBuffer` to hash it.\n\
- **Presigning.** One URL signed here is written once, its canonical request is\n\
  hashed from the URL's pieces, and one HMAC signs it: the day's signing key and\n\
  credential scope are kept, and the endpoint was read once from a URL the SDK\n\
  signed. The SDK's pipeline runs its interceptors, endpoint rules and\n\
  identity resolution and derives the key again for every URL. Under `wrk`, the\n\
  backend and `wrk` share the same two cores, so every row there is bounded by\n\
  CPU; `/api/health` is the same binary's ceiling. `POST /api/uploads` makes S3\n\
  calls (the caller's quota, the upload's record; here to the embedded store on\n\
  the same cores), and that is what bounds it, not signing. A part batch that\n\
  sends the plan's handle (as the widget does) makes none: the handle carries\n\
  the approved facts, sealed by the backend (`backend/tests/s3_calls.rs` counts\n\
  the calls of each request). The Node and Python servers sign with their\n\
  SDKs' presigners for the same store; Node runs on one core, as a Node server\n\
  does unless clustered.\n\
";

fn first_line(command: &mut Command) -> String {
    tools::output(command)
        .and_then(|out| out.lines().next().map(str::to_owned))
        .unwrap_or_default()
}

/// The workspace root, above xtask's manifest. `cargo run` (what the `cargo
/// xtask` alias runs) names that manifest's folder in the environment, and it
/// comes first: the path compiled into the binary may be another checkout's.
/// Two checkouts sharing one `CARGO_TARGET_DIR` share xtask's artifact, and
/// cargo has been seen to run, as fresh, the xtask built in the other one.
fn project_root() -> PathBuf {
    let manifest_dir = env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .expect("xtask lives one folder below the workspace root")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"))
}

/// Tests left out on Garage, each with why. (`cargo test` takes them as
/// substrings of test names.) The rest run there as they run on the
/// embedded store, but for the store's own error codes and the rows of
/// `bad_inputs.rs` that need overwrites refused, which those tests decide
/// by asking the store.
const NOT_ON_GARAGE: &[(&str, &str)] = &[
    (
        "health_names_the_embedded_store",
        "asserts the embedded store's bucket folder and endpoint",
    ),
    (
        "the_embedded_store_",
        "tests of the embedded store's own S3 behaviour",
    ),
    (
        "dev_loop",
        "`cargo xtask dev` runs on the embedded store by design",
    ),
    (
        "each_request_makes_few_s3_calls",
        "counts the requests the embedded store answers",
    ),
    // relay_cache.rs: each counts the requests the embedded store answers
    // to tell a cache hit from a fetch.
    (
        "a_first_ranged_request_fills_the_whole_video",
        "counts embedded-store requests",
    ),
    (
        "a_hit_is_served_from_disk_without_the_store",
        "counts embedded-store requests",
    ),
    (
        "a_video_deleted_by_its_failed_verification_is_not_served_from_the_cache",
        "counts embedded-store requests",
    ),
    (
        "an_entry_expires_after_its_ttl_and_reads_restart_it",
        "counts embedded-store requests",
    ),
    (
        "a_client_leaving_mid_download_leaves_no_entry",
        "counts embedded-store requests",
    ),
    (
        "concurrent_first_requests_fetch_from_the_store_once",
        "counts embedded-store requests",
    ),
    (
        "the_least_recently_read_go_over_the_bound",
        "counts embedded-store requests",
    ),
    (
        "the_operator_clears_the_cache",
        "counts embedded-store requests",
    ),
    // Garage 2.5 ignores `If-None-Match: *`: a replayed or concurrent PUT
    // replaces the object (README, "On a cluster").
    (
        "concurrent_create_only_puts_create_once",
        "Garage ignores If-None-Match",
    ),
    (
        "an_upload_quota_holds_under_concurrent_requests",
        "Garage ignores If-None-Match (quota slots are create-only objects)",
    ),
    (
        "a_slow_second_put_cannot_replace_a_verified_video",
        "Garage ignores If-None-Match",
    ),
    (
        "a_stored_poster_is_never_replaced_as_a_video_is_not",
        "Garage ignores If-None-Match",
    ),
    // What a server open for local development does; one on a bucket is
    // never open, and /presign is off on a closed one without a prefix.
    (
        "put_and_get_round_trip_through_files_and_pipes",
        "`vidrop put|get` on an open server's /presign",
    ),
    (
        "failures_say_why_in_one_line",
        "`vidrop put` on an open server's /presign",
    ),
    ("the_go_presign_protocol_", "/presign on an open server"),
];

/// The tests on a real distributed store: the API and widget suites (what
/// `test` runs natively, the release widget in the browsers) with every
/// test server on a one-node Garage, each in a bucket of its own; then
/// `backend/tests/garage.rs` (ignored by `test`), two backends on a
/// three-node cluster. Garage is built once and cached.
fn garage() -> Result {
    tools::setup(tools::Need::Everything)?;
    let garage = tools::install_garage()?;
    build_widget()?;
    let node = garage::SingleNode::start(&garage, &env::temp_dir())?;
    println!("xtask: the suites on Garage at {}", node.endpoint);
    let mut suite = cargo();
    suite
        .arg("test")
        .args(NATIVE_TEST_PACKAGES)
        .arg("--no-fail-fast")
        .env("VIDROP_DIST", project_root().join("dist"))
        .env("VIDROP_AXE_CORE", tools::axe_core_script()?)
        .envs(node.environment())
        .arg("--");
    for (name, why) in NOT_ON_GARAGE {
        println!("xtask: skipped on Garage: {name} ({why})");
        suite.args(["--skip", name]);
    }
    run(&mut suite)?;
    drop(node);
    // The packages of `test`, so its build serves here too.
    run(cargo()
        .arg("test")
        .args(NATIVE_TEST_PACKAGES)
        .args(["--test", "garage", "--", "--include-ignored", "--nocapture"])
        .env("VIDROP_GARAGE", garage))
}

/// `cargo` (the one running xtask), in the workspace root.
fn cargo() -> Command {
    let mut command = tools::command(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(project_root());
    command
}

/// Runs a command to its end; a failure names the command.
fn run(command: &mut Command) -> Result {
    let shown = show(command);
    println!("xtask: {shown}");
    record(&shown);
    let status = command
        .status()
        .map_err(|error| format!("could not start `{shown}`: {error}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{shown}` failed ({status})"))
    }
}

fn spawn(command: &mut Command) -> Result<Child> {
    let shown = show(command);
    println!("xtask: {shown} &");
    command
        .spawn()
        .map_err(|error| format!("could not start `{shown}`: {error}"))
}

/// Every command [`run`] and [`output_of`] started, in order, as [`show`]
/// writes it: `BENCHMARKS.md` lists a run's exact commands.
static COMMANDS_RUN: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

fn record(shown: &str) {
    COMMANDS_RUN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(shown.to_owned());
}

/// The commands started so far ([`COMMANDS_RUN`]).
fn commands_run() -> Vec<String> {
    COMMANDS_RUN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

fn show(command: &Command) -> String {
    let mut shown = String::new();
    // What a command is run with, but the long PATH that only puts tools
    // first (`tools::command`).
    for (key, value) in command.get_envs().filter(|(key, _)| *key != "PATH") {
        if let Some(value) = value {
            shown.push_str(&format!("{}={} ", key.display(), value.display()));
        }
    }
    shown.push_str(&command.get_program().to_string_lossy());
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_engines_section_is_found_whole_and_replaced_in_place() {
        let file = format!(
            "# Benchmarks\n\n### Throughput\n\n{ENGINES_BEGIN}\n### 5120 MiB in every engine\n\n\
             | chromium | 47.7 s |\n{ENGINES_END}\n\n### WAN\n"
        );
        let section = engines_section(&file).expect("the section is there");
        assert!(section.starts_with(ENGINES_BEGIN));
        assert!(section.ends_with(&format!("{ENGINES_END}\n")));
        assert!(section.contains("| chromium | 47.7 s |"));
        let replaced = file.replacen(
            section,
            &format!("{ENGINES_BEGIN}\nnew\n{ENGINES_END}\n"),
            1,
        );
        assert_eq!(
            replaced,
            format!(
                "# Benchmarks\n\n### Throughput\n\n{ENGINES_BEGIN}\nnew\n{ENGINES_END}\n\n### WAN\n"
            )
        );
        assert_eq!(engines_section("# Benchmarks\n\nno section\n"), None);
        assert_eq!(
            engines_section(&format!("{ENGINES_BEGIN}\nnever ended\n")),
            None
        );
    }
}
