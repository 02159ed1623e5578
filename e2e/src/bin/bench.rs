//! Benchmarks, not tests (`cargo xtask bench`): the widget against `curl` on
//! the same server in the same run, and the browser's memory during a large
//! upload. Prints a Markdown section to the file named by its argument.
//!
//! - Throughput: a 1 GiB file uploaded through the widget in headless Chromium
//!   (multipart, 4 parts in flight, SHA-256 per part) into the embedded S3,
//!   then the same file PUT by `curl` to a presigned URL of the same store.
//! - Memory: the peak resident memory of Chromium's renderers while the
//!   widget uploads files of 256 MiB, 1 GiB and 2 GiB.
//! - Every engine: a 5 GiB upload in Chromium, Firefox and WebKitGTK, each
//!   checked by the stored object's SHA-256, with each engine's renderer
//!   memory (its content processes) sampled throughout.
//!
//! Sizes can be changed with `VIDROP_BENCH_UPLOAD_MIB`,
//! `VIDROP_BENCH_MEMORY_MIB` (a comma-separated list) and
//! `VIDROP_BENCH_ENGINE_MIB`.

use std::fmt::Write as _;
use std::time::{Duration, Instant};
use vidrop_e2e::{Engine, Harness, LargeFile};
use vidrop_shared::api::PresignResponse;
use vidrop_shared::limits::MIB;

const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

#[tokio::main]
async fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .expect("usage: bench <results.md>");
    let upload_mib = env_mib("VIDROP_BENCH_UPLOAD_MIB", 1024);
    let memory_mib: Vec<u64> = std::env::var("VIDROP_BENCH_MEMORY_MIB")
        .unwrap_or_else(|_| "256,1024,2048".into())
        .split(',')
        .filter_map(|mib| mib.trim().parse().ok())
        .collect();
    let files = tempfile::tempdir().expect("a folder for the files");

    let harness = Harness::start().await;
    let file = LargeFile::random(files.path(), "bench.webm", upload_mib * MIB, 7);

    harness.open_widget().await;
    let started = Instant::now();
    harness.choose_file(&file.path).await;
    harness.wait_for_upload_within(UPLOAD_TIMEOUT).await;
    let widget = started.elapsed();

    let curl = curl_put(&harness, &file).await;
    let mib_per_sec = |took: Duration| file.size as f64 / MIB as f64 / took.as_secs_f64();
    eprintln!("widget {widget:?}, curl {curl:?}");
    harness.close().await;

    let memory: Vec<MemoryRun> = {
        let mut runs = Vec::new();
        for mib in &memory_mib {
            runs.push(measure_memory(files.path(), *mib).await);
        }
        runs
    };

    let engine_mib = env_mib("VIDROP_BENCH_ENGINE_MIB", 5 * 1024);
    let engines: Vec<EngineRun> = {
        let file = LargeFile::random(files.path(), "engines.webm", engine_mib * MIB, 11);
        let mut runs = Vec::new();
        // Every engine, so a missing one fails the benchmark rather than
        // leaving its row out.
        for engine in Engine::ALL {
            runs.push(measure_engine(engine, &file).await);
        }
        let _ = std::fs::remove_file(&file.path);
        runs
    };

    let mut md = String::new();
    let _ = writeln!(
        md,
        "### Upload throughput: widget against curl, {upload_mib} MiB\n"
    );
    let _ = writeln!(md, "| client | time | throughput |\n| --- | --- | --- |");
    let _ = writeln!(
        md,
        "| widget in headless Chromium (multipart, SHA-256 per part) | {:.1} s | {:.1} MiB/s |",
        widget.as_secs_f64(),
        mib_per_sec(widget)
    );
    let _ = writeln!(
        md,
        "| `curl -T` to a presigned PUT, same store | {:.1} s | {:.1} MiB/s |",
        curl.as_secs_f64(),
        mib_per_sec(curl)
    );
    let _ = writeln!(
        md,
        "\n**Ratio widget / curl: {:.2}** (throughput; 1.00 means as fast as curl).\n",
        curl.as_secs_f64() / widget.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "### Browser memory during an upload\n\n\
         Resident memory of Chromium's renderer processes (from `/proc`), each size in a \
         fresh browser, sampled every 100 ms while the widget uploads.\n"
    );
    let _ = writeln!(
        md,
        "| file | largest renderer before | largest renderer, peak | all renderers, peak | upload time |\n\
         | --- | --- | --- | --- | --- |"
    );
    for run in &memory {
        let _ = writeln!(
            md,
            "| {} MiB | {} MiB | {} MiB | {} MiB | {:.1} s ({:.1} MiB/s) |",
            run.file_mib,
            run.before.largest / 1024,
            run.peak_largest / 1024,
            run.peak_total / 1024,
            run.took.as_secs_f64(),
            run.file_mib as f64 / run.took.as_secs_f64()
        );
    }
    let _ = writeln!(
        md,
        "\n### {engine_mib} MiB upload in every engine\n\n\
         The same file through the widget in each engine, the stored object's SHA-256 \
         checked against the file's. Renderer memory: Chromium's renderer processes, \
         Firefox's web content (`tab`) processes, WebKitGTK's `WebKitWebProcess`, \
         sampled every 100 ms.\n"
    );
    let _ = writeln!(
        md,
        "| engine | upload time | throughput | SHA-256 | largest renderer, peak | all renderers, peak |\n\
         | --- | --- | --- | --- | --- | --- |"
    );
    for run in &engines {
        let _ = writeln!(
            md,
            "| {} | {:.1} s | {:.1} MiB/s | matches | {} MiB | {} MiB |",
            run.engine,
            run.took.as_secs_f64(),
            engine_mib as f64 / run.took.as_secs_f64(),
            run.peak_largest / 1024,
            run.peak_total / 1024,
        );
    }
    std::fs::write(&out, &md).expect("results are written");
    println!("{md}");
}

/// What one memory run saw.
struct MemoryRun {
    file_mib: u64,
    before: vidrop_e2e::RendererMemory,
    peak_largest: u64,
    peak_total: u64,
    took: Duration,
}

/// Uploads a file of `file_mib` MiB in a fresh browser (so no renderer of an
/// earlier upload is counted), sampling the renderers' memory.
async fn measure_memory(dir: &std::path::Path, file_mib: u64) -> MemoryRun {
    let harness = Harness::start().await;
    let big = LargeFile::random(
        dir,
        &format!("memory-{file_mib}.webm"),
        file_mib * MIB,
        file_mib,
    );
    harness.open_widget().await;
    let before = harness.browser.renderer_memory_kib();
    harness.choose_file(&big.path).await;
    let (peak_largest, peak_total, took) = sample_until_done(&harness).await;
    harness.close().await;
    let _ = std::fs::remove_file(&big.path);
    MemoryRun {
        file_mib,
        before,
        peak_largest,
        peak_total,
        took,
    }
}

/// What one engine's large upload saw.
struct EngineRun {
    engine: Engine,
    peak_largest: u64,
    peak_total: u64,
    took: Duration,
}

/// Uploads `file` through the widget in a fresh browser of `engine`,
/// sampling its renderers' memory, and checks the stored object's SHA-256.
async fn measure_engine(engine: Engine, file: &LargeFile) -> EngineRun {
    let harness = Harness::start_in(engine).await;
    harness.open_widget().await;
    harness.choose_file(&file.path).await;
    let (peak_largest, peak_total, took) = sample_until_done(&harness).await;
    let id = harness
        .browser
        .attribute("#vidrop", "data-upload-id")
        .await
        .expect("the widget names the upload");
    assert!(
        harness.stack.stored_sha256(&id).await == file.sha256(),
        "{engine}: the stored object's SHA-256 is not the file's"
    );
    eprintln!("{engine}: {took:?}, largest renderer peak {peak_largest} KiB");
    harness.close().await;
    EngineRun {
        engine,
        peak_largest,
        peak_total,
        took,
    }
}

/// Samples the renderers' memory every 100 ms until the widget's upload is
/// done: (largest renderer peak, all renderers peak, time), in KiB.
async fn sample_until_done(harness: &Harness) -> (u64, u64, Duration) {
    let mut peak_total = 0;
    let mut peak_largest = 0;
    let started = Instant::now();
    loop {
        let now = harness.browser.renderer_memory_kib();
        peak_total = peak_total.max(now.total);
        peak_largest = peak_largest.max(now.largest);
        let state = harness.browser.attribute("#vidrop", "data-state").await;
        match state.as_deref() {
            Some("done") => break,
            Some("error") | Some("cancelled") => {
                panic!(
                    "the upload failed: {}",
                    harness.browser.text("#vidrop-error").await
                )
            }
            _ => {}
        }
        assert!(
            started.elapsed() < UPLOAD_TIMEOUT,
            "the upload did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (peak_largest, peak_total, started.elapsed())
}

/// `curl` PUTs the file to a presigned URL from the `/presign` protocol, as
/// any client of it would; returns the wall time of the transfer.
async fn curl_put(harness: &Harness, file: &LargeFile) -> Duration {
    let presign_url = format!(
        "{}/presign/bench/curl.bin?method=PUT&contentLength={}",
        harness.stack.base_url(),
        file.size
    );
    let presigned: PresignResponse = reqwest::get(&presign_url)
        .await
        .expect("the backend answers")
        .json()
        .await
        .expect("a presign answer");
    let mut command = tokio::process::Command::new("curl");
    command.args([
        "-sS",
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "-X",
        "PUT",
        "-T",
    ]);
    command.arg(&file.path);
    for (name, values) in &presigned.header {
        for value in values {
            command.args(["-H", &format!("{name}: {value}")]);
        }
    }
    command.arg(&presigned.url);
    let started = Instant::now();
    let output = command.output().await.expect("curl runs");
    let took = started.elapsed();
    let status = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        status,
        "200",
        "curl's PUT: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    took
}

fn env_mib(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
