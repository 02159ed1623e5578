//! Benchmarks, not tests. `bench <results.md>` (`cargo xtask bench`): the
//! widget against `curl` and against Uppy on the same server in the same run,
//! the browser's memory during a large upload, and a WAN-like link.
//! `bench engines <results.md>` (`cargo xtask bench engines`): a 5 GiB upload
//! in every engine. Each prints a Markdown section to the file named.
//!
//! - Memory: the peak resident memory of Chromium's renderers while the
//!   widget uploads files of 256 MiB, 1 GiB, 2 GiB and 4 GiB, and while Uppy
//!   uploads 1 GiB, each in a fresh browser with a backend and store of its
//!   own.
//! - Throughput, from two of those runs: the 1 GiB file through the widget in
//!   headless Chromium (multipart, as many parts in flight as it finds pay,
//!   SHA-256 per part) into the embedded S3, then the same file PUT by `curl`
//!   to a presigned URL of the same store; and the 1 GiB file through Uppy
//!   (`benches/uppy/`: `@uppy/core` + `@uppy/aws-s3`, multipart, the plan's
//!   part size, `limit: 4`, SHA-256 per part with WebCrypto, calling Vidrop's
//!   API), from a page on another origin as an integrator's would be. Uppy's
//!   stored object is checked (size and SHA-256), so a broken Uppy run fails
//!   the benchmark. (These were once uploads of their own, before the memory
//!   runs: the same uploads twice, half a minute of every run.)
//! - Every engine (`engines`, issue 13's large-file check; a command of its
//!   own because it takes 7 minutes on two cores, more than all of the
//!   above): a 5 GiB upload in Chromium, Firefox and WebKitGTK, each checked
//!   by the stored object's SHA-256, with each engine's renderer memory (its
//!   content processes) sampled throughout.
//! - WAN-like link: the widget and Uppy each upload 512 MiB through the
//!   harness's proxy with [`WAN_LATENCY`] added to each request, at most
//!   [`WAN_CONNECTION_MIB_S`] MiB/s per connection and [`WAN_TOTAL_MIB_S`]
//!   MiB/s in all: throughput as a share of the total cap, and the parts in
//!   flight at once (from the proxy's records).
//!
//! The Uppy page is built by xtask (`npm ci` and esbuild) into the folder
//! named by `VIDROP_UPPY_PAGE`. Sizes can be changed with
//! `VIDROP_BENCH_UPLOAD_MIB` (the throughput runs' size, and Uppy's, always
//! among the memory runs), `VIDROP_BENCH_MEMORY_MIB` (a comma-separated list
//! of the widget's other memory runs), `VIDROP_BENCH_WAN_MIB` (0 skips that
//! run) and `VIDROP_BENCH_ENGINE_MIB` (the engines' file).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use vidrop_e2e::{Conditions, Engine, Harness, HostSite, InFlight, LargeFile};
use vidrop_shared::api::PresignResponse;
use vidrop_shared::limits::MIB;

const UPLOAD_TIMEOUT: Duration = Duration::from_secs(3600);

/// The WAN-like link of the last section. Each 8 MiB part waits the latency
/// twice (its preflight, then its PUT: presigned URLs differ, so Chromium
/// caches no preflight for the next part) and then takes a second at the
/// per-connection cap, so one connection carries about 6.6 MiB/s (measured:
/// 7.3 MiB/s per part in flight, counted from the PUT's arrival). A client
/// that keeps a fixed 4 parts in flight then gets about 26 MiB/s, 73 % of
/// the total cap (never more than 4 × 8 = 32, 89 %); 5 reach about 92 %,
/// and 6, what Chromium opens per host, fill it.
const WAN_LATENCY: Duration = Duration::from_millis(80);
const WAN_CONNECTION_MIB_S: u64 = 8;
const WAN_TOTAL_MIB_S: u64 = 36;

/// Which page uploads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Client {
    /// The widget, on the backend's own page.
    Widget,
    /// `benches/uppy/`'s page, on another origin.
    Uppy,
}

impl Client {
    fn name(self) -> &'static str {
        match self {
            Client::Widget => "widget",
            Client::Uppy => "Uppy",
        }
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args_os().skip(1);
    let usage = "usage: bench [engines] <results.md>";
    let first = args.next().expect(usage);
    if first == "engines" {
        let out = args.next().map(PathBuf::from).expect(usage);
        every_engine(&out).await;
    } else {
        uploads(&PathBuf::from(first)).await;
    }
}

/// Throughput, memory and the WAN-like link, as a Markdown section in `out`.
async fn uploads(out: &Path) {
    let upload_mib = env_mib("VIDROP_BENCH_UPLOAD_MIB", 1024);
    let mut memory_mib: Vec<u64> = std::env::var("VIDROP_BENCH_MEMORY_MIB")
        .unwrap_or_else(|_| "256,1024,2048,4096".into())
        .split(',')
        .filter_map(|mib| mib.trim().parse().ok())
        .chain([upload_mib])
        .collect();
    memory_mib.sort_unstable();
    memory_mib.dedup();
    let wan_mib = env_mib("VIDROP_BENCH_WAN_MIB", 512);
    let uppy = UppyPage::from_env();
    let files = tempfile::tempdir().expect("a folder for the files");

    let section = Instant::now();
    let mut memory: Vec<MemoryRun> = Vec::new();
    let mut curl = None;
    for mib in &memory_mib {
        let run = measure_memory(files.path(), *mib, Client::Widget, &uppy).await;
        if *mib == upload_mib {
            curl = Some(curl_put(&run.harness, &run.file).await);
        }
        memory.push(run.finish().await);
    }
    let started = Instant::now();
    let run = measure_memory(files.path(), upload_mib, Client::Uppy, &uppy).await;
    let uppy_id = wait_for_uppy(&run.harness).await;
    check_stored(&run.harness, &uppy_id, &run.file, "Uppy").await;
    memory.push(run.finish().await);
    eprintln!("Uppy's memory run: {:?}", started.elapsed());
    eprintln!("memory runs: {:?}", section.elapsed());
    let curl = curl.expect("the throughput size is among the memory runs");
    let took = |client: Client| {
        memory
            .iter()
            .find(|run| run.client == client && run.file_mib == upload_mib)
            .expect("a run of the throughput size")
            .took
    };
    let (widget, uppy_took) = (took(Client::Widget), took(Client::Uppy));
    eprintln!("widget {widget:?}, curl {curl:?}, Uppy {uppy_took:?}");
    let mib_per_sec = |took: Duration| upload_mib as f64 / took.as_secs_f64();

    let section = Instant::now();
    let wan: Vec<WanRun> = if wan_mib == 0 {
        Vec::new()
    } else {
        let file = LargeFile::random(files.path(), "wan.webm", wan_mib * MIB, 13);
        let mut runs = Vec::new();
        for client in [Client::Widget, Client::Uppy] {
            runs.push(measure_wan(client, &file, &uppy).await);
        }
        let _ = std::fs::remove_file(&file.path);
        runs
    };
    eprintln!("WAN-like link: {:?}", section.elapsed());

    let mut md = String::new();
    let _ = writeln!(
        md,
        "### Upload throughput: widget against Uppy and curl, {upload_mib} MiB\n\n\
         The widget's and Uppy's {upload_mib} MiB runs of the memory section below, each \
         in a fresh headless Chromium with a backend and store of its own, and `curl` to \
         a presigned PUT of the widget run's store right after the widget's upload: \
         `curl {} <file> -H <name: value>… <url>`, each header one the `/presign` answer \
         names.\n",
        CURL_ARGS.join(" ")
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
        "| Uppy 5 (`@uppy/aws-s3` multipart, `limit: 4`, SHA-256 per part) on Vidrop's API, headless Chromium | {:.1} s | {:.1} MiB/s |",
        uppy_took.as_secs_f64(),
        mib_per_sec(uppy_took)
    );
    let _ = writeln!(
        md,
        "| `curl -T` to a presigned PUT, same store | {:.1} s | {:.1} MiB/s |",
        curl.as_secs_f64(),
        mib_per_sec(curl)
    );
    let _ = writeln!(
        md,
        "\n**Ratio widget / curl: {:.2}** (throughput; 1.00 means as fast as curl).\n\n\
         **Ratio widget / Uppy: {:.2}** (throughput; above 1.00, the widget is faster).\n",
        curl.as_secs_f64() / widget.as_secs_f64(),
        uppy_took.as_secs_f64() / widget.as_secs_f64()
    );
    let _ = writeln!(
        md,
        "### Browser memory during an upload\n\n\
         Resident memory of Chromium's renderer processes (from `/proc`), each size in a \
         fresh browser, sampled every 100 ms while the widget (or Uppy) uploads.\n"
    );
    let _ = writeln!(
        md,
        "| client | file | largest renderer before | largest renderer, peak | all renderers, peak | upload time |\n\
         | --- | --- | --- | --- | --- | --- |"
    );
    for run in &memory {
        let _ = writeln!(
            md,
            "| {} | {} MiB | {} MiB | {} MiB | {} MiB | {:.1} s ({:.1} MiB/s) |",
            run.client.name(),
            run.file_mib,
            run.before.largest / 1024,
            run.peak_largest / 1024,
            run.peak_total / 1024,
            run.took.as_secs_f64(),
            run.file_mib as f64 / run.took.as_secs_f64()
        );
    }
    if !wan.is_empty() {
        let _ = writeln!(
            md,
            "\n### WAN-like link: {wan_mib} MiB through the proxy\n\n\
             Headless Chromium to the store through the harness's proxy (`e2e/src/proxy.rs`): \
             {} ms added to each request before it is forwarded, request bodies capped at \
             {WAN_CONNECTION_MIB_S} MiB/s per connection and {WAN_TOTAL_MIB_S} MiB/s over all \
             connections together (token buckets). The API calls go to the backend directly. \
             Parts in flight: part uploads between their arrival at the proxy and their answer; \
             the mean is over the span from the first part's arrival to the last one's answer. \
             The stored object's SHA-256 is checked for both.\n",
            WAN_LATENCY.as_millis()
        );
        let _ = writeln!(
            md,
            "| client | upload time | first request to the store after | throughput | of the total cap | of the cap while parts flowed | parts in flight, peak | parts in flight, mean |\n\
             | --- | --- | --- | --- | ---: | ---: | ---: | ---: |"
        );
        for run in &wan {
            let throughput = wan_mib as f64 / run.took.as_secs_f64();
            let flowing = wan_mib as f64 / run.parts_span.as_secs_f64();
            let _ = writeln!(
                md,
                "| {} | {:.1} s | {:.1} s | {:.1} MiB/s | {:.0} % | {:.0} % | {} | {:.1} |",
                run.client.name(),
                run.took.as_secs_f64(),
                run.first_request.as_secs_f64(),
                throughput,
                100.0 * throughput / WAN_TOTAL_MIB_S as f64,
                100.0 * flowing / WAN_TOTAL_MIB_S as f64,
                run.in_flight.peak,
                run.in_flight.mean,
            );
        }
        if let [widget, uppy] = &wan[..] {
            let _ = writeln!(
                md,
                "\n**Ratio widget / Uppy on this link: {:.2}** (throughput).",
                uppy.took.as_secs_f64() / widget.took.as_secs_f64()
            );
        }
    }
    std::fs::write(out, &md).expect("results are written");
    println!("{md}");
}

/// The 5 GiB upload in every engine (issue 13's large-file check), as a
/// Markdown section in `out`.
async fn every_engine(out: &Path) {
    let engine_mib = env_mib("VIDROP_BENCH_ENGINE_MIB", 5 * 1024);
    let files = tempfile::tempdir().expect("a folder for the file");
    let writing = Instant::now();
    let file = LargeFile::random(files.path(), "engines.webm", engine_mib * MIB, 11);
    let _ = file.sha256();
    eprintln!(
        "the engines' file written and hashed in {:?}",
        writing.elapsed()
    );
    let mut engines = Vec::new();
    // Every engine, so a missing one fails the benchmark rather than
    // leaving its row out.
    for engine in Engine::ALL {
        engines.push(measure_engine(engine, &file).await);
    }
    let mut md = String::new();
    let _ = writeln!(
        md,
        "### {engine_mib} MiB upload in every engine\n\n\
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
    std::fs::write(out, &md).expect("results are written");
    println!("{md}");
}

/// The Uppy page xtask built (`benches/uppy/`, bundled into
/// `VIDROP_UPPY_PAGE`).
struct UppyPage {
    html: String,
    script: String,
}

impl UppyPage {
    fn from_env() -> UppyPage {
        let folder = std::env::var_os("VIDROP_UPPY_PAGE")
            .map(PathBuf::from)
            .expect(
                "VIDROP_UPPY_PAGE names no folder: run `cargo xtask bench`, which builds \
             benches/uppy/ and names it",
            );
        let read = |name: &str| {
            std::fs::read_to_string(folder.join(name))
                .unwrap_or_else(|e| panic!("{}: {e}", folder.join(name).display()))
        };
        UppyPage {
            html: read("index.html"),
            script: read("uppy-bench.js"),
        }
    }

    /// A host site on its own origin serving the page at `/uppy/`.
    async fn serve(&self) -> HostSite {
        let host = HostSite::bind().await;
        host.add_page("/uppy/index.html", &self.html);
        host.add_page("/uppy/uppy-bench.js", &self.script);
        host
    }
}

/// Opens the Uppy page, pointed at the harness's backend (with the page's
/// token when the backend is closed), and waits until its script runs.
async fn open_uppy(harness: &Harness, host: &HostSite) {
    let mut url = format!(
        "{}?endpoint={}&limit=4",
        host.url("/uppy/index.html"),
        harness.stack.base_url()
    );
    if let Some(token) = harness.stack.page_token() {
        url.push_str(&format!("&token={token}"));
    }
    harness.browser.goto(&url).await;
    harness
        .browser
        .wait_until(
            "window.__uppyBench?.state === 'idle'",
            "the Uppy page to load",
        )
        .await;
}

/// The Uppy page's state: `Some(Ok(id))` once done, `Some(Err(message))`
/// once failed, `None` while uploading.
async fn uppy_state(harness: &Harness) -> Option<Result<String, String>> {
    let bench = harness.browser.eval("window.__uppyBench").await;
    match bench["state"].as_str() {
        Some("done") => Some(Ok(bench["id"].as_str().unwrap_or_default().to_owned())),
        Some("error") => Some(Err(bench["error"].to_string())),
        _ => None,
    }
}

/// Waits for the Uppy page's upload; answers the video's id.
async fn wait_for_uppy(harness: &Harness) -> String {
    let started = Instant::now();
    loop {
        match uppy_state(harness).await {
            Some(Ok(id)) => return id,
            Some(Err(message)) => panic!("Uppy's upload failed: {message}"),
            None => {}
        }
        assert!(
            started.elapsed() < UPLOAD_TIMEOUT,
            "Uppy's upload did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Fails the benchmark unless video `id` is `file`, byte for byte.
async fn check_stored(harness: &Harness, id: &str, file: &LargeFile, who: &str) {
    let video = harness.stack.video(id).await;
    assert_eq!(
        video.summary.size, file.size,
        "{who}: the stored object's size is not the file's"
    );
    assert!(
        harness.stack.stored_sha256(id).await == file.sha256(),
        "{who}: the stored object's SHA-256 is not the file's"
    );
}

/// What one memory run saw.
struct MemoryRun {
    client: Client,
    file_mib: u64,
    before: vidrop_e2e::RendererMemory,
    peak_largest: u64,
    peak_total: u64,
    took: Duration,
}

/// A memory run just done, its browser, backend, store and file still there
/// for what the throughput figures do with them.
struct OpenMemoryRun {
    run: MemoryRun,
    harness: Harness,
    file: LargeFile,
    /// The Uppy page's origin (unused by the widget's runs).
    _host: HostSite,
}

impl OpenMemoryRun {
    async fn finish(self) -> MemoryRun {
        self.harness.close().await;
        let _ = std::fs::remove_file(&self.file.path);
        self.run
    }
}

/// Uploads a file of `file_mib` MiB with `client` in a fresh browser (so no
/// renderer of an earlier upload is counted), sampling the renderers' memory.
async fn measure_memory(
    dir: &Path,
    file_mib: u64,
    client: Client,
    uppy: &UppyPage,
) -> OpenMemoryRun {
    let host = uppy.serve().await;
    let harness = Harness::start_with(&["--allow-origin", &host.origin()]).await;
    let file = LargeFile::random(
        dir,
        &format!("memory-{file_mib}.webm"),
        file_mib * MIB,
        file_mib,
    );
    match client {
        Client::Widget => harness.open_widget().await,
        Client::Uppy => open_uppy(&harness, &host).await,
    }
    let before = harness.browser.renderer_memory_kib();
    harness
        .browser
        .set_file(file_input(client), &file.path)
        .await;
    let (peak_largest, peak_total, took) = sample_until_done(&harness, client).await;
    OpenMemoryRun {
        run: MemoryRun {
            client,
            file_mib,
            before,
            peak_largest,
            peak_total,
            took,
        },
        harness,
        file,
        _host: host,
    }
}

/// The file input of `client`'s page.
fn file_input(client: Client) -> &'static str {
    match client {
        Client::Widget => "#vidrop-file",
        Client::Uppy => "#file",
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
    let starting = Instant::now();
    let harness = Harness::start_in(engine).await;
    harness.open_widget().await;
    eprintln!("{engine}: started and opened in {:?}", starting.elapsed());
    harness.choose_file(&file.path).await;
    let (peak_largest, peak_total, took) = sample_until_done(&harness, Client::Widget).await;
    let id = harness.uploaded_id().await;
    let checking = Instant::now();
    assert!(
        harness.stack.stored_sha256(&id).await == file.sha256(),
        "{engine}: the stored object's SHA-256 is not the file's"
    );
    let checked = checking.elapsed();
    let closing = Instant::now();
    harness.close().await;
    eprintln!(
        "{engine}: {took:?}, largest renderer peak {peak_largest} KiB; SHA-256 check {checked:?}, \
         closing {:?}",
        closing.elapsed()
    );
    EngineRun {
        engine,
        peak_largest,
        peak_total,
        took,
    }
}

/// What one upload over the WAN-like link saw.
struct WanRun {
    client: Client,
    took: Duration,
    /// From choosing the file to the first request reaching the store.
    first_request: Duration,
    /// From the first part's arrival at the proxy to the last one's answer.
    parts_span: Duration,
    in_flight: InFlight,
}

/// Uploads `file` with `client` in a fresh browser, the store behind the
/// proxy set to the WAN-like link; checks the stored object.
async fn measure_wan(client: Client, file: &LargeFile, uppy: &UppyPage) -> WanRun {
    let host = uppy.serve().await;
    let harness = Harness::start_behind_proxy(&["--allow-origin", &host.origin()]).await;
    harness.stack.proxy().set_conditions(Conditions {
        latency: WAN_LATENCY,
        connection_bytes_per_sec: Some(WAN_CONNECTION_MIB_S * MIB),
        total_bytes_per_sec: Some(WAN_TOTAL_MIB_S * MIB),
        ..Conditions::default()
    });
    match client {
        Client::Widget => harness.open_widget().await,
        Client::Uppy => open_uppy(&harness, &host).await,
    }
    let started = Instant::now();
    harness
        .browser
        .set_file(file_input(client), &file.path)
        .await;
    sample_until_done(&harness, client).await;
    let took = started.elapsed();
    let id = match client {
        Client::Widget => harness.uploaded_id().await,
        Client::Uppy => wait_for_uppy(&harness).await,
    };
    check_stored(&harness, &id, file, client.name()).await;
    let parts = harness.stack.proxy().part_uploads();
    let first = parts
        .iter()
        .map(|r| r.started)
        .min()
        .expect("parts went up");
    let last = parts.iter().map(|r| r.at).max().expect("parts went up");
    let in_flight = harness.stack.proxy().parts_in_flight();
    let first_arrival = harness.stack.proxy().arrivals().first().map(|a| a.at);
    eprintln!(
        "WAN {}: {took:?}, {in_flight:?}; first request to the store after {:?}, \
         first part after {:?}, parts for {:?}, done {:?} after the last part; {} preflights; {}",
        client.name(),
        first_arrival.map(|at| at.duration_since(started)),
        first.duration_since(started),
        last.duration_since(first),
        (started + took).saturating_duration_since(last),
        harness
            .stack
            .proxy()
            .arrivals()
            .iter()
            .filter(|a| a.method == "OPTIONS")
            .count(),
        harness.stack.proxy().summary()
    );
    harness.close().await;
    WanRun {
        client,
        took,
        first_request: first_arrival.map_or(took, |at| at.duration_since(started)),
        parts_span: last.duration_since(first),
        in_flight,
    }
}

/// Samples the renderers' memory every 100 ms until `client`'s upload is
/// done: (largest renderer peak, all renderers peak, time), in KiB.
async fn sample_until_done(harness: &Harness, client: Client) -> (u64, u64, Duration) {
    let mut peak_total = 0;
    let mut peak_largest = 0;
    let started = Instant::now();
    loop {
        let now = harness.browser.renderer_memory_kib();
        peak_total = peak_total.max(now.total);
        peak_largest = peak_largest.max(now.largest);
        match client {
            Client::Widget => {
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
            }
            Client::Uppy => match uppy_state(harness).await {
                Some(Ok(_)) => break,
                Some(Err(message)) => panic!("Uppy's upload failed: {message}"),
                None => {}
            },
        }
        assert!(
            started.elapsed() < UPLOAD_TIMEOUT,
            "the upload did not finish"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (peak_largest, peak_total, started.elapsed())
}

/// `curl`'s arguments before the file, the presigned headers and the URL.
const CURL_ARGS: [&str; 8] = [
    "-sS",
    "-o",
    "/dev/null",
    "-w",
    "%{http_code}",
    "-X",
    "PUT",
    "-T",
];

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
    command.args(CURL_ARGS);
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
