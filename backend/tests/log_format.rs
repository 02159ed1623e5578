//! `vidrop serve --log-format json` writes one JSON object per line on
//! standard error, as log collectors read them; without the flag the lines
//! stay text. The real binary, started as an operator starts it.

use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// The binary's log lines from its start to the line saying where it
/// listens (at most 100), with `--log-format FORMAT` when given.
fn startup_lines(format: Option<&str>) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_vidrop"));
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir.path())
        .env_remove("RUST_LOG")
        .env_remove("VIDROP_LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    if let Some(format) = format {
        command.args(["--log-format", format]);
    }
    let mut child = command.spawn().expect("the vidrop binary starts");
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let mut lines = Vec::new();
    for line in stderr.lines().take(100) {
        let line = line.unwrap();
        let listening = line.contains("vidrop listening");
        lines.push(line);
        if listening {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    lines
}

#[test]
fn json_logs_are_one_object_per_line() {
    let lines = startup_lines(Some("json"));
    assert!(
        lines.last().is_some_and(|l| l.contains("vidrop listening")),
        "the server said where it listens: {lines:#?}"
    );
    for line in &lines {
        let event: Value = serde_json::from_str(line)
            .unwrap_or_else(|err| panic!("not a JSON object ({err}): {line}"));
        assert!(event["level"].is_string(), "{line}");
        assert!(event["timestamp"].is_string(), "{line}");
        assert!(event["fields"]["message"].is_string(), "{line}");
    }
    let listening: Value = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(listening["level"], "INFO");
    assert!(
        listening["fields"]["url"]
            .as_str()
            .is_some_and(|url| url.starts_with("http://127.0.0.1:")),
        "{listening}"
    );
}

#[test]
fn logs_are_text_by_default() {
    let lines = startup_lines(None);
    let listening = lines.last().expect("a log line");
    assert!(listening.contains("vidrop listening"), "{lines:#?}");
    assert!(
        serde_json::from_str::<Value>(listening).is_err(),
        "a text line: {listening}"
    );
    assert!(
        listening.contains("INFO"),
        "the level is written: {listening}"
    );
}
