//! What the CLI tests run: a real Vidrop server on `127.0.0.1:0` with its
//! embedded store (optionally behind the [`StoreProxy`]), and the real
//! `vidrop` binary as a child process, with its own state folder and none
//! of the caller's `VIDROP_*` settings.

use super::proxy::StoreProxy;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};
use tempfile::TempDir;
use vidrop::test_store::{StoreAccess, TestClient};
use vidrop::{ServeArgs, Server};
use vidrop_shared::limits::MIB;

/// How long one `vidrop` run may take before the test gives up on it.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// A server for the client to talk to, and folders for the test's files.
pub struct Harness {
    pub server: Server,
    /// The proxy presigned URLs name, when started with one.
    pub proxy: Option<StoreProxy>,
    /// The API key every run sends, when the server was closed to run on
    /// an external store (`vidrop::test_store`).
    api_key: Option<&'static str>,
    /// For the test's own API calls (with that key, if any).
    pub http: TestClient,
    /// The server's data folder.
    _data: TempDir,
    /// The test's own files.
    pub files: TempDir,
    /// `XDG_STATE_HOME` of every run: where upload state files go.
    pub state: TempDir,
}

impl Harness {
    /// A server open for local development, with settings changed by `tweak`.
    pub async fn start(tweak: impl FnOnce(&mut ServeArgs)) -> Harness {
        Harness::start_in(None, tweak).await
    }

    /// A server whose presigned URLs go through a [`StoreProxy`], with
    /// multipart uploads above 5 MiB.
    pub async fn with_proxy() -> Harness {
        let proxy = StoreProxy::start().await;
        let endpoint = proxy.url();
        let harness = Harness::start_in(Some(proxy), |args| {
            args.public_s3_endpoint = Some(endpoint);
            args.multipart_threshold = 5 * MIB;
        })
        .await;
        let store = StoreAccess::of(
            harness.server.embedded_store(),
            harness.server.storage().bucket(),
        );
        harness.proxy().forward_to(&store.endpoint);
        harness
    }

    async fn start_in(proxy: Option<StoreProxy>, tweak: impl FnOnce(&mut ServeArgs)) -> Harness {
        let data = tempfile::tempdir().expect("a data folder");
        let mut args = ServeArgs::for_tests(data.path());
        tweak(&mut args);
        let api_key = vidrop::test_store::place_closed(&mut args).await;
        let server = Server::start(args).await.expect("the server starts");
        Harness {
            http: TestClient::new(&server.base_url(), api_key),
            server,
            api_key,
            proxy,
            _data: data,
            files: tempfile::tempdir().expect("a folder for files"),
            state: tempfile::tempdir().expect("a state folder"),
        }
    }

    pub fn proxy(&self) -> &StoreProxy {
        self.proxy.as_ref().expect("started with a proxy")
    }

    /// The server's address, for `-s`.
    pub fn url(&self) -> String {
        self.server.base_url()
    }

    /// A path in the test's folder.
    pub fn path(&self, name: &str) -> PathBuf {
        self.files.path().join(name)
    }

    /// Writes `bytes` to the test's folder and answers the path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("a test file");
        path
    }

    /// `vidrop ARGS -s <server>`, run to its end.
    pub async fn run(&self, args: &[&str]) -> Run {
        self.run_with(args, None, &[]).await
    }

    /// `vidrop ARGS -s <server>` with `stdin` piped in and `env` set.
    pub async fn run_with(
        &self,
        args: &[&str],
        stdin: Option<Vec<u8>>,
        env: &[(&str, &str)],
    ) -> Run {
        let mut command = self.command(args);
        for (name, value) in env {
            command.env(name, value);
        }
        run(command, stdin).await
    }

    /// The command `vidrop ARGS -s <server>`, not started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = vidrop(self.state.path());
        command.args(args).args(["-s", &self.url()]);
        if let Some(key) = self.api_key {
            command.env("VIDROP_TOKEN", key);
        }
        command
    }

    /// The upload state files recorded so far.
    pub fn state_files(&self) -> Vec<PathBuf> {
        let folder = self.state.path().join("vidrop/uploads");
        match std::fs::read_dir(folder) {
            Ok(entries) => entries.map(|e| e.expect("an entry").path()).collect(),
            Err(_) => Vec::new(),
        }
    }
}

/// The `vidrop` binary with `state` as its `XDG_STATE_HOME` and none of
/// the caller's `VIDROP_*` variables.
pub fn vidrop(state: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_vidrop"));
    command
        .env_remove("VIDROP_SERVER")
        .env_remove("VIDROP_TOKEN")
        .env("XDG_STATE_HOME", state);
    command
}

/// What a run of `vidrop` did.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Checks that it succeeded and said nothing on standard error (which
    /// is not a terminal: no progress bar).
    pub fn ok(self) -> Run {
        assert!(self.status.success(), "vidrop failed: {self:?}");
        assert_eq!(self.stderr, "", "quiet when standard error is no terminal");
        self
    }

    /// Checks that it failed with status 1 and one line on standard error
    /// (after any notes), and answers that line.
    pub fn failure(&self) -> String {
        assert_eq!(self.status.code(), Some(1), "{self:?}");
        assert!(self.stdout.is_empty(), "nothing on stdout: {self:?}");
        let lines: Vec<&str> = self
            .stderr
            .lines()
            .filter(|line| !line.starts_with("note: "))
            .collect();
        assert_eq!(lines.len(), 1, "one line: {:?}", self.stderr);
        assert!(lines[0].starts_with("error: "), "{}", self.stderr);
        lines[0].to_owned()
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("UTF-8 on stdout")
    }
}

/// Runs `command` to its end (killed after [`RUN_LIMIT`]), with `stdin`
/// piped in and both outputs captured.
pub async fn run(mut command: Command, stdin: Option<Vec<u8>>) -> Run {
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().expect("vidrop starts");
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    let stdout = reader(child.stdout.take().expect("stdout"));
    let stderr = reader(child.stderr.take().expect("stderr"));
    let status = wait(&mut child, RUN_LIMIT).await;
    Run {
        status,
        stdout: stdout.join().expect("stdout read"),
        stderr: String::from_utf8_lossy(&stderr.join().expect("stderr read")).into_owned(),
    }
}

/// Waits for `child`, polling; kills it and fails the test past `limit`.
pub async fn wait(child: &mut Child, limit: Duration) -> ExitStatus {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("a status") {
            return status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("vidrop still ran after {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}
