//! `vidrop get KEY [-f FILE]`: fetches one object by key over the
//! `/presign` protocol (the server signs a GET, the bytes come straight from
//! the store) into a file or onto standard output.
//!
//! A file is written beside its final name and renamed into place once
//! complete, so a failed download never leaves half a file, nor clobbers
//! one that was there.

use super::client::{CliError, Client, ConnectArgs};
use super::progress;
use clap::Args;
use std::path::{Path, PathBuf};
use tokio::io::{AsyncWrite, AsyncWriteExt};
use vidrop_shared::api::PresignResponse;

/// Flags of `vidrop get`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  vidrop get notes/today.txt -f today.txt
  vidrop get backups/photos.tar | tar x

Videos uploaded with `vidrop upload` are under videos/ (see their keys in
GET /api/videos).")]
pub struct GetArgs {
    /// The object's key, such as "notes/today.txt".
    pub key: String,

    /// The file to write (replaced if it exists, once the download is
    /// complete). Without it, the bytes go to standard output.
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `vidrop get`.
pub async fn run(args: GetArgs) -> Result<(), CliError> {
    let client = Client::new(&args.connect)?;
    let url = client.presign_url(&args.key, "GET", None)?;
    let presigned: PresignResponse = client.get_json(url).await?;
    let request = client.presigned_request(&presigned)?;
    let what = format!("the download of {}", args.key);
    let response = client.send_to_store(request, &what).await?;

    let bar = progress::bar(response.content_length(), &args.key);
    let copied = match &args.file {
        Some(path) => write_file(response, path, &bar).await,
        None => {
            let mut stdout = tokio::io::stdout();
            copy_body(response, &mut stdout, &bar, "standard output").await
        }
    };
    bar.finish_and_clear();
    copied
}

/// Writes the body to a temporary file beside `path`, then renames it to
/// `path`.
async fn write_file(
    response: reqwest::Response,
    path: &Path,
    bar: &indicatif::ProgressBar,
) -> Result<(), CliError> {
    let shown = path.display().to_string();
    let write_error = |err| CliError::io(format!("cannot write {shown}"), err);
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".vidrop-get-");
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o644));
    let temporary = builder.tempfile_in(folder).map_err(write_error)?;
    let file = temporary.as_file().try_clone().map_err(write_error)?;
    let mut file = tokio::fs::File::from_std(file);
    copy_body(response, &mut file, bar, &shown).await?;
    file.sync_all().await.map_err(write_error)?;
    temporary
        .persist(path)
        .map_err(|err| write_error(err.error))?;
    Ok(())
}

/// Copies the response body to `out` chunk by chunk.
async fn copy_body(
    mut response: reqwest::Response,
    out: &mut (impl AsyncWrite + Unpin),
    bar: &indicatif::ProgressBar,
    target: &str,
) -> Result<(), CliError> {
    let origin = response.url().origin().ascii_serialization();
    let write_error = |err| CliError::io(format!("cannot write to {target}"), err);
    loop {
        let chunk = response
            .chunk()
            .await
            .map_err(|err| CliError::StoreBrokeOff {
                origin: origin.clone(),
                cause: super::client::root_cause(&err),
            })?;
        let Some(chunk) = chunk else { break };
        out.write_all(&chunk).await.map_err(write_error)?;
        bar.inc(chunk.len() as u64);
    }
    out.flush().await.map_err(write_error)
}
