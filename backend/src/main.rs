//! The `vidrop` binary: `vidrop serve` runs the backend (see `vidrop serve
//! --help` for its flags) until Ctrl-C or SIGTERM.

use clap::{Parser, Subcommand};
use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;
use vidrop::{ServeArgs, Server};

/// Vidrop: a drop-in video upload widget's presign backend.
#[derive(Parser)]
#[command(name = "vidrop", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (and the widget, with --static-dir). Without
    /// --bucket, an embedded S3 store keeps videos under --data-dir.
    Serve(ServeArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(log_filter())
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    match cli.command {
        Command::Serve(args) => serve(args).await,
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
