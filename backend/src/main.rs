//! The `vidrop` binary: `vidrop serve` runs the backend (see `vidrop serve
//! --help` for its flags) until Ctrl-C or SIGTERM; `vidrop put`, `get` and
//! `upload` are its command-line client (`vidrop::cli`), which print one
//! line and exit with status 1 on any failure.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;
use vidrop::cli::client::CliError;
use vidrop::cli::{get, put, upload};
use vidrop::config::LogFormat;
use vidrop::{ServeArgs, Server};

/// Vidrop: a drop-in video upload widget's presign backend, and its
/// command-line client.
#[derive(Parser)]
#[command(name = "vidrop", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (and the widget, with --static-dir). Without
    /// --bucket, an embedded S3 store keeps videos under --data-dir.
    Serve(Box<ServeArgs>),
    /// Store one object under KEY, from FILE or standard input, through a
    /// URL the server presigns (the /presign protocol).
    Put(put::PutArgs),
    /// Fetch the object under KEY into FILE or onto standard output,
    /// through a URL the server presigns (the /presign protocol).
    Get(get::GetArgs),
    /// Upload video files as the widget does (in parallel parts above the
    /// server's threshold, resumable with --resume) and print each video's
    /// id and playback URL.
    Upload(upload::UploadArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve(args) => {
            let logs = tracing_subscriber::fmt()
                .with_env_filter(log_filter())
                .with_writer(std::io::stderr);
            match args.log_format {
                LogFormat::Pretty => logs.with_ansi(std::io::stderr().is_terminal()).init(),
                LogFormat::Json => logs.json().with_ansi(false).init(),
            }
            return serve(*args).await;
        }
        Command::Put(args) => put::run(args).await,
        Command::Get(args) => get::run(args).await,
        Command::Upload(args) => upload::run(args).await,
    };
    client_exit(outcome)
}

/// A client subcommand's exit status: on failure, the one-line reason
/// first (several failed uploads were each reported already).
fn client_exit(outcome: Result<(), CliError>) -> ExitCode {
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// `RUST_LOG` (default `info`). Crates whose debug logs show signed requests
/// (the embedded store's s3s, the SDK's signer and runtime) stay at `info`
/// unless `RUST_LOG` names them itself. s3s's `ops` target is off unless
/// `RUST_LOG` names s3s: it logs each request it refuses before the store
/// sees it (an expired URL, a body of another length than signed) as an
/// error, twice. The embedded store logs its own refusals at debug level and
/// its failures as errors; a PUT a browser breaks off is a `400
/// IncompleteBody` there, no longer a `500` that s3s logs as an error.
fn log_filter() -> EnvFilter {
    const GUARDED: [&str; 4] = ["s3s", "s3s_fs", "aws_sigv4", "aws_smithy_runtime"];
    const SILENCED: [&str; 1] = ["s3s::ops"];
    let spec = std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned());
    let mut filter = EnvFilter::try_new(&spec).unwrap_or_else(|err| {
        eprintln!("ignoring RUST_LOG={spec:?}: {err}");
        EnvFilter::new("info")
    });
    for target in GUARDED {
        if !spec.contains(target)
            && let Ok(directive) = format!("{target}=info").parse()
        {
            filter = filter.add_directive(directive);
        }
    }
    for target in SILENCED {
        if !spec.contains("s3s")
            && let Ok(directive) = format!("{target}=off").parse()
        {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

async fn serve(args: ServeArgs) -> ExitCode {
    let server = match Server::start(args).await {
        Ok(server) => server,
        Err(err) => {
            tracing::error!("cannot start: {err}");
            return ExitCode::FAILURE;
        }
    };
    stop_signal().await;
    tracing::info!("stopping");
    server.shutdown().await;
    ExitCode::SUCCESS
}

/// Ctrl-C, or SIGTERM on Unix.
async fn stop_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
