//! The `vidrop put`, `get` and `upload` client, run as the real binary
//! against a real server on `127.0.0.1:0` and its embedded store: round
//! trips through files and pipes, a multipart upload with parallel parts,
//! an upload killed part-way and resumed, and the one-line errors and exit
//! status of every kind of failure.

mod common;
#[path = "cli/proxy.rs"]
mod proxy;
#[path = "cli/support.rs"]
mod support;

use common::payload;
use proxy::{Mode, REFUSAL};
use reqwest::StatusCode;
use std::path::Path;
use std::time::{Duration, Instant};
use support::{Harness, run, vidrop, wait};
use vidrop_shared::api::{StoredParts, Video};
use vidrop_shared::limits::MIB;

/// The upload of a video: its id and URL from `vidrop upload`'s line.
fn parse_upload_line(line: &str) -> (String, String) {
    let (id, url) = line.split_once(' ').expect("`<id> <url>`");
    assert!(url.starts_with("http://"), "{line}");
    (id.to_owned(), url.to_owned())
}

/// The bytes at a playback URL.
async fn fetch(url: &str) -> Vec<u8> {
    let response = reqwest::get(url).await.expect("GET the video");
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    response.bytes().await.expect("its bytes").to_vec()
}

/// The parts the store holds of an upload in progress, by the API.
async fn stored_parts(app: &Harness, id: &str, upload_id: &str) -> Vec<u32> {
    let url = format!("{}/api/uploads/{id}/parts?upload_id={upload_id}", app.url());
    let response = app.http.get(url).send().await.expect("GET parts");
    assert_eq!(response.status(), StatusCode::OK);
    let stored: StoredParts = response.json().await.expect("stored parts");
    let mut numbers: Vec<u32> = stored.parts.iter().map(|p| p.part_number).collect();
    numbers.sort_unstable();
    numbers
}

/// `put` then `get`, from and to files and through pipes: the same bytes.
#[tokio::test(flavor = "multi_thread")]
async fn put_and_get_round_trip_through_files_and_pipes() {
    let app = Harness::start(|_| {}).await;
    let bytes = payload(3 * MIB as usize + 17, 1);
    let source = app.write("source.bin", &bytes);
    let copy = app.path("copy.bin");

    app.run(&["put", "files/a.bin", "-f", path(&source)])
        .await
        .ok();
    app.run(&["get", "files/a.bin", "-f", path(&copy)])
        .await
        .ok();
    assert!(std::fs::read(&copy).unwrap() == bytes, "file to file");

    let piped = payload(MIB as usize + 3, 2);
    let put = app
        .run_with(&["put", "pipes/b.bin"], Some(piped.clone()), &[])
        .await;
    put.ok();
    let got = app.run(&["get", "pipes/b.bin"]).await.ok();
    assert!(got.stdout == piped, "stdin to stdout");

    // Nothing stored is replaced: refused before a byte is sent.
    let again = app.run(&["put", "files/a.bin", "-f", path(&source)]).await;
    let line = again.failure();
    assert!(
        line.contains("an object is already stored under files/a.bin"),
        "{line}"
    );
    // A key that is not there: the store's own 404.
    let missing = app
        .run(&["get", "no/such.bin", "-f", path(&app.path("none"))])
        .await;
    let line = missing.failure();
    assert!(line.contains("NoSuchKey"), "{line}");
    assert!(!app.path("none").exists(), "no file for a failed download");
    app.server.shutdown().await;
}

/// A file above the threshold goes up in parts, several at once, each
/// through the store; one below it in one PUT. Each prints its id and
/// URL, whose bytes are the file's.
#[tokio::test(flavor = "multi_thread")]
async fn upload_sends_large_files_in_parallel_parts() {
    let app = Harness::with_proxy().await;
    let large = payload(20 * MIB as usize + 5, 3);
    let small = payload(MIB as usize, 4);
    let large_path = app.write("large.webm", &large);
    let small_path = app.write("small.mp4", &small);

    let run = app
        .run(&["upload", path(&large_path), path(&small_path)])
        .await
        .ok();
    let text = run.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    let mut stored = app.proxy().stored_parts();
    stored.sort_unstable();
    assert_eq!(stored, [1, 2, 3], "20 MiB in 8 MiB parts");
    assert!(app.proxy().most_in_flight() >= 2, "parts go in parallel");

    for (line, bytes, content_type) in [
        (lines[0], &large, "video/webm"),
        (lines[1], &small, "video/mp4"),
    ] {
        let (id, url) = parse_upload_line(line);
        assert!(fetch(&url).await == *bytes, "{id}: the stored bytes");
        let video: Video = app
            .http
            .get(format!("{}/api/videos/{id}", app.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(video.summary.content_type, content_type);
    }
    assert!(app.state_files().is_empty(), "no state left once done");
    app.server.shutdown().await;
}

/// An upload killed after its first part is stored: `--resume` sends only
/// the parts the store lacks, and the video is whole.
#[tokio::test(flavor = "multi_thread")]
async fn an_interrupted_upload_resumes_with_the_missing_parts_only() {
    let app = Harness::with_proxy().await;
    let bytes = payload(20 * MIB as usize, 5);
    let file = app.write("talk.webm", &bytes);

    app.proxy().set_mode(Mode::HoldAfter(1));
    let mut child = app
        .command(&["upload", path(&file)])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("vidrop starts");
    let started = Instant::now();
    while app.proxy().stored_parts().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no part stored"
        );
        assert!(child.try_wait().unwrap().is_none(), "vidrop stopped early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    child.kill().expect("kill vidrop");
    wait(&mut child, Duration::from_secs(10)).await;
    let first = app.proxy().stored_parts();

    let states = app.state_files();
    assert_eq!(states.len(), 1, "one upload recorded");
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&states[0]).unwrap()).unwrap();
    let id = state["id"].as_str().unwrap();
    let upload_id = state["upload_id"].as_str().unwrap();
    assert_eq!(stored_parts(&app, id, upload_id).await, first, "before");

    app.proxy().set_mode(Mode::Pass);
    let resumed = app.run(&["upload", "--resume", path(&file)]).await.ok();
    let (video_id, url) = parse_upload_line(resumed.stdout_text().trim());
    assert_eq!(video_id, id, "the same upload, completed");
    let mut sent = app.proxy().stored_parts();
    sent.sort_unstable();
    let missing: Vec<u32> = (1..=3).filter(|n| !first.contains(n)).collect();
    assert_eq!(sent, missing, "only the missing parts went again");
    assert!(fetch(&url).await == bytes, "the video is whole");
    assert!(app.state_files().is_empty(), "its state is gone");
    app.server.shutdown().await;
}

/// A store that refuses parts: one line with S3's code and message, and
/// how to go on; the state is kept for `--resume`.
#[tokio::test(flavor = "multi_thread")]
async fn a_refused_part_stops_the_upload_with_the_stores_words() {
    let app = Harness::with_proxy().await;
    let file = app.write("refused.webm", &payload(12 * MIB as usize, 6));
    app.proxy().set_mode(Mode::Refuse);
    let run = app.run(&["upload", path(&file)]).await;
    let line = run.failure();
    assert!(line.contains(&format!("AccessDenied: {REFUSAL}")), "{line}");
    assert!(line.contains("(403 Forbidden)"), "{line}");
    assert!(line.contains("vidrop upload --resume"), "{line}");
    assert_eq!(app.state_files().len(), 1, "kept for --resume");
    app.server.shutdown().await;
}

/// Every failure: status 1, one line saying what the server or the store
/// said, nothing on standard output.
#[tokio::test(flavor = "multi_thread")]
async fn failures_say_why_in_one_line() {
    // Nothing listening.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let state = tempfile::tempdir().unwrap();
    let dead = format!("http://127.0.0.1:{port}");
    for args in [
        vec!["get", "a/b"],
        vec!["put", "a/b", "-f", "Cargo.toml"],
        vec!["upload", "Cargo.toml"],
    ] {
        let mut command = vidrop(state.path());
        command.args(&args).args(["-s", &dead]);
        let line = run(command, None).await.failure();
        assert!(
            line.starts_with(&format!(
                "error: cannot reach the Vidrop server at {dead}: "
            )),
            "{args:?}: {line}"
        );
    }

    let app = Harness::start(|_| {}).await;
    let clip = app.write("clip.bin", b"some bytes");
    // A key only the server names: its 403 and message.
    let line = app
        .run(&["put", "videos/x", "-f", path(&clip)])
        .await
        .failure();
    assert!(
        line.contains("Keys under 'videos/' and '.vidrop/' are named by the server"),
        "{line}"
    );
    assert!(line.ends_with("(403 Forbidden, reserved_key)"), "{line}");
    // A key no store could hold the same way, refused before any request.
    let line = app.run(&["get", "a//b"]).await.failure();
    assert!(line.contains("key \"a//b\""), "{line}");

    // Not a video: the server's 415, by extension or by --content-type.
    let notes = app.write("notes.txt", b"just text");
    let line = app.run(&["upload", path(&notes)]).await.failure();
    assert!(line.contains("no type; only video files"), "{line}");
    assert!(line.contains("415 Unsupported Media Type"), "{line}");
    let line = app
        .run(&["upload", "--content-type", "text/plain", path(&notes)])
        .await
        .failure();
    assert!(
        line.contains("Only video files can be uploaded; this file is \"text/plain\""),
        "{line}"
    );
    // A video by name but not by its bytes: verified, refused, deleted.
    let fake = app.write("fake.webm", b"not a video at all");
    let line = app.run(&["upload", path(&fake)]).await.failure();
    assert!(line.contains("verification_failed"), "{line}");
    // A missing file.
    let line = app
        .run(&["upload", path(&app.path("absent.webm"))])
        .await
        .failure();
    assert!(line.contains("cannot read"), "{line}");
    app.server.shutdown().await;
}

/// A server that needs credentials: refused without a token (401 and its
/// message); with an API key from `VIDROP_TOKEN` or `--token`, `put`,
/// `get` and `upload` work.
#[tokio::test(flavor = "multi_thread")]
async fn a_closed_server_needs_a_token() {
    const API_KEY: &str = "cli-test-key-0123456789abcdef";
    let app = Harness::start(|args| {
        args.api_keys = vec![API_KEY.to_owned()];
        args.token_secret = Some("cli-test-secret-0123456789-abcdefghijkl".to_owned());
        args.presign_prefix = Some("shared/".to_owned());
    })
    .await;
    let bytes = payload(100_000, 7);
    let file = app.write("clip.webm", &bytes);

    let line = app
        .run(&["put", "shared/a.webm", "-f", path(&file)])
        .await
        .failure();
    assert!(line.contains("This server needs credentials"), "{line}");
    assert!(
        line.ends_with("(401 Unauthorized, missing_credentials)"),
        "{line}"
    );
    let line = app
        .run(&["get", "shared/a.webm", "--token", "wrong"])
        .await
        .failure();
    assert!(line.contains("401 Unauthorized"), "{line}");

    let env = [("VIDROP_TOKEN", API_KEY)];
    app.run_with(&["put", "shared/a.webm", "-f", path(&file)], None, &env)
        .await
        .ok();
    let got = app
        .run_with(&["get", "shared/a.webm"], None, &env)
        .await
        .ok();
    assert!(got.stdout == bytes);
    let uploaded = app
        .run(&["upload", path(&file), "--token", API_KEY])
        .await
        .ok();
    let (_, url) = parse_upload_line(uploaded.stdout_text().trim());
    assert!(fetch(&url).await == bytes);
    app.server.shutdown().await;
}

/// `--help` of each subcommand names its arguments, `-s/--server` with its
/// default and environment variable, and `--token`.
#[tokio::test]
async fn every_subcommand_explains_itself() {
    let state = tempfile::tempdir().unwrap();
    for (subcommand, own) in [
        ("put", &["KEY", "--file"][..]),
        ("get", &["KEY", "--file"]),
        (
            "upload",
            &["FILE", "--resume", "--content-type", "--parallel"],
        ),
    ] {
        let mut command = vidrop(state.path());
        command.args([subcommand, "--help"]);
        let help = run(command, None).await;
        assert!(help.status.success());
        let text = help.stdout_text();
        for expected in own.iter().chain(&[
            "--server",
            "[env: VIDROP_SERVER=]",
            "http://127.0.0.1:3000",
            "--token",
            "VIDROP_TOKEN",
            "Examples:",
        ]) {
            assert!(text.contains(expected), "{subcommand}: {expected}:\n{text}");
        }
    }
}

fn path(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}
