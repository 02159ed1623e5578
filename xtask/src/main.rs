//! Dev and CI commands for Vidrop: `cargo xtask <task>`.
//!
//! Every task installs what it needs first (the wasm target, Trunk, the
//! wasm-bindgen CLI that matches `Cargo.lock`, and Debian's Chromium,
//! ChromeDriver and ffmpeg), so each one works on a fresh machine. The crate
//! uses only `std`, so it compiles in seconds before anything else exists.
//!
//! # Tasks
//! - `dev`: the backend on its embedded S3 plus `trunk serve`, at <http://127.0.0.1:8080>.
//! - `test`: every test: shared rules, backend integration, the widget's wasm
//!   tests in headless Chromium, and browser end-to-end tests.
//! - `lint`: `cargo fmt --check` and `cargo clippy -D warnings` on every crate.
//! - `build`: the release widget into `dist/`.
//! - `setup`: only install the tools.
//! - `screenshot`: upload a video in headless Chromium and save `docs/screenshot.png`.
//! - `bench`: the benchmarks; writes `BENCHMARKS.md`.

mod tools;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

const TASKS: &str = "\
Usage: cargo xtask <task>

Tasks:
  dev         run the backend on its embedded S3 and the widget (trunk serve) at http://127.0.0.1:8080
  test        run every test (shared, backend, widget wasm tests, browser end-to-end)
  lint        cargo fmt --check and cargo clippy -D warnings on every crate
  build       build the release widget into dist/
  setup       install the tools the other tasks need (wasm target, trunk, wasm-bindgen, chromium, ffmpeg)
  screenshot  upload a video in headless Chromium and save docs/screenshot.png
  bench       benchmarks (widget vs curl, browser memory, SHA-256 in the browser) into BENCHMARKS.md
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
    tools::put_cargo_bin_on_path();
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
        Some("bench") => bench(),
        Some(other) => Err(format!("unknown task {other:?}\n\n{TASKS}")),
        None => {
            print!("{TASKS}");
            Ok(())
        }
    }
}

/// The backend on its embedded S3 at 127.0.0.1:3000, and `trunk serve` at
/// 127.0.0.1:8080 proxying `/api` and `/presign` to it (see `Trunk.toml`).
fn dev() -> Result {
    tools::setup(tools::Need::Widget)?;
    run(cargo().args(["build", "--package", "vidrop"]))?;
    let vidrop = target_dir().join("debug/vidrop");
    let mut backend = spawn(
        Command::new(&vidrop)
            .args(["serve", "--addr", "127.0.0.1:3000"])
            .current_dir(project_root()),
    )?;
    let mut trunk = match spawn(
        Command::new("trunk")
            .args(["serve", "--offline"])
            .current_dir(project_root()),
    ) {
        Ok(trunk) => trunk,
        Err(error) => {
            let _ = backend.kill();
            return Err(error);
        }
    };
    println!(
        "\nVidrop: open http://127.0.0.1:8080 once trunk has built the widget (Ctrl-C stops both).\n"
    );
    // Whichever ends first (Ctrl-C reaches both), the other is stopped too.
    let outcome = loop {
        if let Some(status) = backend.try_wait().map_err(|e| e.to_string())? {
            break format!("the backend exited ({status})");
        }
        if let Some(status) = trunk.try_wait().map_err(|e| e.to_string())? {
            break format!("trunk exited ({status})");
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let _ = backend.kill();
    let _ = trunk.kill();
    let _ = backend.wait();
    let _ = trunk.wait();
    Err(outcome)
}

/// Every test. The end-to-end tests drive the release widget, so it is built
/// first; all native test crates build in one cargo invocation.
fn test() -> Result {
    tools::setup(tools::Need::Everything)?;
    build_widget()?;
    run(cargo()
        .args([
            "test",
            "--package",
            "vidrop-shared",
            "--package",
            "vidrop",
            "--package",
            "vidrop-e2e",
        ])
        .env("VIDROP_DIST", project_root().join("dist")))?;
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

fn build_widget() -> Result {
    run(Command::new("trunk")
        .args(["build", "--release", "--offline"])
        .current_dir(project_root()))
}

fn screenshot() -> Result {
    tools::setup(tools::Need::Everything)?;
    build_widget()?;
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
        .env("VIDROP_DIST", project_root().join("dist")))
}

/// Runs the benchmarks and writes their figures, with the machine they ran on,
/// to `BENCHMARKS.md`.
fn bench() -> Result {
    tools::setup(tools::Need::Everything)?;
    build_widget()?;
    let transfer = target_dir().join("bench-transfer.md");
    run(cargo()
        .args([
            "run",
            "--profile",
            "bench-native",
            "--package",
            "vidrop-e2e",
            "--bin",
            "bench",
            "--",
        ])
        .arg(&transfer)
        .env("VIDROP_DIST", project_root().join("dist")))?;
    let transfer = std::fs::read_to_string(&transfer).map_err(|e| e.to_string())?;

    // The shipped profile (release, opt-level "z"), as the widget runs it.
    let mut hashing = cargo();
    hashing
        .args([
            "test",
            "--release",
            "--package",
            "vidrop-frontend",
            "--target",
            "wasm32-unknown-unknown",
            "--test",
            "hash",
            "--",
            // The runner skips `--ignored` tests even when asked for them.
            "--include-ignored",
            "--nocapture",
            "bench_sha256",
        ])
        .env("CHROMEDRIVER", tools::CHROMEDRIVER)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            "wasm-bindgen-test-runner",
        );
    println!("xtask: {}", show(&hashing));
    let output = hashing.output().map_err(|e| e.to_string())?;
    let printed = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        return Err(format!("the SHA-256 benchmark failed:\n{printed}"));
    }
    let hash_lines: Vec<&str> = printed
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("sha256 "))
        .collect();

    let machine = format!(
        "{} cores, {}, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        first_line(Command::new("rustc").arg("--version")),
        first_line(Command::new("chromium").arg("--version")),
    );
    let mut md = String::from(BENCHMARKS_HEADER);
    md.push_str(&format!("Machine: {machine}.\n\n"));
    md.push_str(&transfer);
    md.push_str("\n### SHA-256 in the browser (release wasm, headless Chromium)\n\n");
    md.push_str("| implementation | throughput |\n| --- | --- |\n");
    for line in &hash_lines {
        if let Some((name, figure)) = line.trim_start_matches("sha256 ").split_once(':') {
            md.push_str(&format!("| {} | {} |\n", name.trim(), figure.trim()));
        }
    }
    md.push_str(BENCHMARKS_NOTES);
    std::fs::write(project_root().join("BENCHMARKS.md"), md).map_err(|e| e.to_string())?;
    println!("xtask: wrote BENCHMARKS.md");
    Ok(())
}

const BENCHMARKS_HEADER: &str = "\
# Benchmarks

Written by `cargo xtask bench` (do not edit by hand; run it again). Everything runs
on one machine over loopback: the backend (profile `bench-native`) with its embedded
S3, headless Chromium driving the release widget, and `curl`. Figures are from one
run; expect a few percent of noise.

";

const BENCHMARKS_NOTES: &str = "\n\
### How to read these figures\n\
\n\
- **Widget against curl.** Both send the same bytes to the same embedded store over\n\
  loopback, but not the same work. curl sends one PUT with no checksum, and the store\n\
  computes an MD5 and writes the file. The widget reads each 8 MiB part and hashes it\n\
  with WebCrypto in the browser, then sends it. The store verifies that part's\n\
  SHA-256 and computes its MD5 ETag, and at the end it copies the parts into the\n\
  object. On this 2-core machine all of that shares the same two cores as the\n\
  browser, so the ratio is bounded by CPU, not by the network. Against AWS, the\n\
  store's part of the work runs at S3 instead. The widget's browser-side SHA-256 alone\n\
  limits it to about the WebCrypto figure below.\n\
- **Memory.** The renderer's peak grows with the file size, but much more slowly than\n\
  the file (see the table: tens of MiB per doubling, not the file's size). The widget reads\n\
  one part at a time for hashing and sends `Blob` slices. The growth looks like the\n\
  garbage collector running late on the 8 MiB `ArrayBuffer`s read for hashing. It is\n\
  not fixed yet.\n\
";

fn first_line(command: &mut Command) -> String {
    tools::output(command)
        .and_then(|out| out.lines().next().map(str::to_owned))
        .unwrap_or_default()
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the workspace root")
        .to_path_buf()
}

fn target_dir() -> PathBuf {
    env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"))
}

fn cargo() -> Command {
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(project_root());
    command
}

/// Runs a command to its end; a failure names the command.
fn run(command: &mut Command) -> Result {
    let shown = show(command);
    println!("xtask: {shown}");
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

fn show(command: &Command) -> String {
    let mut shown = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}
