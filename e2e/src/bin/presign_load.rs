//! A benchmark, not a test (`cargo xtask bench`): the presign path under
//! load. `wrk` (2 threads, 64 connections, 10 s each) against the backend
//! on its embedded store, rate limits off: `/api/health` (the same binary's
//! ceiling), `/presign` GET and PUT, `POST /api/uploads` (a single PUT), and
//! a batch of 16 parts (with the plan's handle, as the widget sends it);
//! then the same `/presign` GET and PUT against a Node
//! server with the AWS SDK for JavaScript's presigner
//! (`benches/presign-node/`) and a Python one with boto3
//! (`benches/presign-boto3/`), signing for the same store. Prints a
//! Markdown section to the file named by its argument.
//!
//! Needs `wrk` and `python3` with boto3 on `PATH`, and `VIDROP_NPM_MODULES`
//! naming a `node_modules` holding `@aws-sdk/client-s3` and
//! `@aws-sdk/s3-request-presigner` (`cargo xtask bench` installs them).

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use vidrop::test_store::StoreAccess;
use vidrop_e2e::Stack;
use vidrop_shared::api::UploadPlan;

const KEY: &str = "clips/bench.webm";
const PARTS_PER_BATCH: u32 = 16;
/// How long each `wrk` run lasts: five seconds are 140,000 requests to the
/// backend here, and some 7,000 to the slowest reference server.
const WRK_SECONDS: u32 = 5;

/// `wrk`'s arguments before the script and the URL, as every run has them.
fn wrk_args() -> [String; 4] {
    [
        "-t2".into(),
        "-c64".into(),
        format!("-d{WRK_SECONDS}s"),
        "--latency".into(),
    ]
}

/// What one `wrk` run measured.
struct Load {
    requests_per_sec: f64,
    p99_ms: f64,
    /// Answers that were not 2xx or 3xx: a run with any is not a figure.
    failed: u64,
}

#[tokio::main]
async fn main() {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .expect("usage: presign_load <results.md>");
    let scripts = tempfile::tempdir().expect("a folder for wrk's scripts");
    let stack = Stack::start(&["--rate-limit-ip", "0", "--rate-limit-token", "0"]).await;
    let base = stack.base_url();
    let upload = multipart_upload(&base).await;

    let post = |name: &str, path: &str, body: String| {
        let script = scripts.path().join(name);
        std::fs::write(
            &script,
            format!(
                "wrk.method = \"POST\"\nwrk.body = {}\nwrk.headers[\"Content-Type\"] = \"application/json\"\n",
                lua_string(&body)
            ),
        )
        .expect("the script is written");
        (format!("{base}{path}"), Some(script))
    };
    let single = serde_json::json!({
        "filename": "bench.webm", "content_type": "video/webm", "size": 1_048_576
    });
    let parts: Vec<_> = (1..=PARTS_PER_BATCH)
        .map(|n| {
            serde_json::json!({
                "part_number": n, "sha256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
            })
        })
        .collect();
    // With the plan's handle, as the widget sends it: the batch reads
    // nothing from the store.
    let batch = serde_json::json!({ "upload_id": upload.1, "parts": parts, "handle": upload.2 });
    let vidrop_runs = [
        ("`GET /api/health`", (format!("{base}/api/health"), None)),
        (
            "`GET /presign/{key}?method=GET`",
            (format!("{base}/presign/{KEY}?method=GET"), None),
        ),
        (
            "`GET /presign/{key}?method=PUT&contentLength=…`",
            (
                format!("{base}/presign/{KEY}?method=PUT&contentLength=1048576"),
                None,
            ),
        ),
        (
            "`POST /api/uploads` (1 MiB: one PUT)",
            post("uploads.lua", "/api/uploads", single.to_string()),
        ),
        (
            "`POST /api/uploads/{id}/parts` (16 parts, with the plan's handle)",
            post(
                "parts.lua",
                &format!("/api/uploads/{}/parts", upload.0),
                batch.to_string(),
            ),
        ),
    ];
    let mut vidrop = Vec::new();
    for (label, (url, script)) in &vidrop_runs {
        vidrop.push((*label, wrk(url, script.as_deref())));
    }
    let health = vidrop[0].1.requests_per_sec;

    let store = stack.store();
    let mut references = Vec::new();
    for (name, mut server) in [
        ("Node, `@aws-sdk/s3-request-presigner`", node_server(&store)),
        ("Python, boto3", boto3_server(&store)),
    ] {
        let port = listening_port(&mut server);
        for (method, query) in [
            ("GET", "method=GET"),
            ("PUT", "method=PUT&contentLength=1048576"),
        ] {
            let load = wrk(
                &format!("http://127.0.0.1:{port}/presign/{KEY}?{query}"),
                None,
            );
            references.push((name, method, load));
        }
        let _ = server.kill();
        let _ = server.wait();
    }

    let mut md = String::new();
    let _ = writeln!(
        md,
        "### The presign path under load (`wrk -t2 -c64 -d{WRK_SECONDS}s`, loopback)\n\n\
         The backend on its embedded store (rate limits off), then two presigning servers \
         of other SDKs for the same store, one after another on the same 2 cores as `wrk`. \
         Each row is `wrk {} <url>`; the `POST` rows add `-s <script>`, a script setting \
         `wrk.method = \"POST\"`, the JSON body and its `Content-Type`.\n\n\
         | server and request | requests/s | p99 latency | of `/api/health` |\n\
         | --- | ---: | ---: | ---: |",
        wrk_args().join(" ")
    );
    for (label, load) in &vidrop {
        let _ = writeln!(
            md,
            "| Vidrop {label} | {} | {} | {:.0} % |",
            rate(load),
            latency(load),
            100.0 * load.requests_per_sec / health
        );
    }
    for (name, method, load) in &references {
        let _ = writeln!(
            md,
            "| {name}, presigned {method} | {} | {} | |",
            rate(load),
            latency(load)
        );
    }
    let _ = writeln!(md);
    for (method, vidrop_index) in [("GET", 1), ("PUT", 2)] {
        for (name, _, load) in references.iter().filter(|(_, m, _)| *m == method) {
            let _ = writeln!(
                md,
                "**Vidrop / {name}, presigned {method}: {:.1}×** (requests per second).\n",
                vidrop[vidrop_index].1.requests_per_sec / load.requests_per_sec
            );
        }
    }
    std::fs::write(&out, md).expect("the results are written");
    stack.shutdown().await;
}

/// Starts a multipart upload (1 GiB, nothing sent) for the part batches;
/// answers its id, S3 upload id and handle.
async fn multipart_upload(base: &str) -> (String, String, Option<String>) {
    let plan: UploadPlan = reqwest::Client::new()
        .post(format!("{base}/api/uploads"))
        .json(&serde_json::json!({
            "filename": "batches.webm", "content_type": "video/webm", "size": 1u64 << 30
        }))
        .send()
        .await
        .expect("the backend answers")
        .error_for_status()
        .expect("the upload is created")
        .json()
        .await
        .expect("an upload plan");
    match plan {
        UploadPlan::Multipart(upload) => (upload.id, upload.upload_id, upload.handle),
        UploadPlan::Single(_) => panic!("1 GiB is uploaded in parts"),
    }
}

/// Runs `wrk` against `url` (with a Lua `script`, for a POST).
fn wrk(url: &str, script: Option<&Path>) -> Load {
    let mut command = Command::new("wrk");
    command.args(wrk_args());
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command
        .arg(url)
        .output()
        .expect("wrk runs (apt install wrk)");
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "wrk failed on {url}:\n{printed}");
    eprintln!("wrk {url}\n{printed}");
    let value_after = |label: &str| {
        printed
            .lines()
            .find_map(|line| line.trim().strip_prefix(label))
            .map(str::trim)
    };
    let requests_per_sec = value_after("Requests/sec:")
        .and_then(|figure| figure.parse().ok())
        .expect("wrk tells requests per second");
    let p99_ms = value_after("99%")
        .and_then(parse_duration_ms)
        .expect("wrk tells its 99th percentile");
    let failed = value_after("Non-2xx or 3xx responses:")
        .and_then(|figure| figure.parse().ok())
        .unwrap_or(0);
    Load {
        requests_per_sec,
        p99_ms,
        failed,
    }
}

/// `wrk`'s `1.23ms`, `456.00us`, `1.02s` in milliseconds.
fn parse_duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    match unit {
        "us" => Some(number / 1000.0),
        "ms" => Some(number),
        "s" => Some(number * 1000.0),
        "m" => Some(number * 60_000.0),
        _ => None,
    }
}

fn rate(load: &Load) -> String {
    if load.failed > 0 {
        format!("{:.0} ({} failed)", load.requests_per_sec, load.failed)
    } else {
        format!("{:.0}", load.requests_per_sec)
    }
}

fn latency(load: &Load) -> String {
    format!("{:.2} ms", load.p99_ms)
}

/// A Lua string literal holding `text`.
fn lua_string(text: &str) -> String {
    format!("{text:?}")
}

fn store_env(command: &mut Command, store: &StoreAccess) {
    command
        .env("S3_ENDPOINT", &store.endpoint)
        .env("S3_BUCKET", &store.bucket)
        .env("S3_REGION", vidrop_store::EMBEDDED_REGION)
        .env("AWS_ACCESS_KEY_ID", &store.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &store.secret_key)
        .stdout(Stdio::piped());
}

fn node_server(store: &StoreAccess) -> Child {
    let modules = std::env::var_os("VIDROP_NPM_MODULES")
        .expect("VIDROP_NPM_MODULES names the node_modules with the AWS SDK");
    let mut command = Command::new("node");
    command
        .arg(benches_dir().join("presign-node/server.js"))
        .env("NODE_PATH", modules);
    store_env(&mut command, store);
    command.spawn().expect("node runs")
}

fn boto3_server(store: &StoreAccess) -> Child {
    let mut command = Command::new("python3");
    command.arg(benches_dir().join("presign-boto3/server.py"));
    store_env(&mut command, store);
    command.spawn().expect("python3 runs")
}

/// The project's `benches/`, with the reference servers.
fn benches_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../benches")
}

/// The port a reference server printed (`listening on <port>`).
fn listening_port(server: &mut Child) -> u16 {
    let stdout = server.stdout.take().expect("its output is piped");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the server prints its port");
    line.trim()
        .strip_prefix("listening on ")
        .and_then(|port| port.parse().ok())
        .unwrap_or_else(|| panic!("the server printed {line:?}, not its port"))
}
