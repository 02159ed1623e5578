//! `vidrop put KEY [-f FILE]`: stores one object under a key of the user's
//! choosing, over the `/presign` protocol: the server signs a PUT of exactly
//! the body's length, and the bytes go straight to the store.
//!
//! The signature binds the length, so standard input is first copied to an
//! anonymous temporary file (never held in memory), then sent from there.

use super::client::{CliError, Client, ConnectArgs, check_key};
use super::progress;
use super::transfer::{read_error, reader_body};
use clap::Args;
use reqwest::header::{CONTENT_LENGTH, RANGE};
use std::io::Seek;
use std::path::PathBuf;
use vidrop_shared::api::PresignResponse;

/// Flags of `vidrop put`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  vidrop put notes/today.txt -f today.txt
  tar c photos | vidrop put backups/photos.tar
  VIDROP_TOKEN=… vidrop put shared/clip.webm -f clip.webm -s https://videos.example.com

Keys under videos/ and .vidrop/ belong to the server (upload videos with
`vidrop upload`); a server that needs credentials takes only keys under its
--presign-prefix. Nothing stored is replaced: a key that exists is refused.")]
pub struct PutArgs {
    /// The object's key, such as "notes/today.txt": segments separated by
    /// "/", none empty, "." or "..".
    pub key: String,

    /// The file to send. Without it, standard input is read to its end
    /// (into a temporary file: the signature binds the exact length), then
    /// sent.
    #[arg(short, long, value_name = "FILE")]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `vidrop put`.
pub async fn run(args: PutArgs) -> Result<(), CliError> {
    let client = Client::new(&args.connect)?;
    check_key(&args.key)?;
    let (file, length) = match &args.file {
        Some(path) => {
            let file = std::fs::File::open(path).map_err(|err| read_error(path, err))?;
            let length = file.metadata().map_err(|err| read_error(path, err))?.len();
            (file, length)
        }
        None => buffer_stdin().await?,
    };

    let url = client.presign_url(&args.key, "PUT", Some(length))?;
    let presigned: PresignResponse = client.get_json(url).await?;
    check_absent(&client, &args.key).await?;
    let mut request = client.presigned_request(&presigned)?;
    if !presigned
        .header
        .keys()
        .any(|name| name.eq_ignore_ascii_case("content-length"))
    {
        // The body is a stream: its length must be said.
        request = request.header(CONTENT_LENGTH, length);
    }

    let bar = progress::bar(Some(length), &args.key);
    let counter = bar.clone();
    let body = reader_body(tokio::fs::File::from_std(file), move |n| counter.inc(n));
    let request = request.body(body);
    let what = format!("the upload of {}", args.key);
    let sent = client.send_to_store(request, &what).await;
    bar.finish_and_clear();
    sent.map(drop)
}

/// Refuses, before a byte is sent, a key under which the store already
/// holds an object (by a one-byte ranged GET). The store itself refuses to
/// replace it (`If-None-Match: *` is signed), but may answer before it
/// reads the body and close the connection, which would read as a broken
/// transfer rather than as its refusal.
async fn check_absent(client: &Client, key: &str) -> Result<(), CliError> {
    let url = client.presign_url(key, "GET", None)?;
    let presigned: PresignResponse = client.get_json(url).await?;
    let probe = client
        .presigned_request(&presigned)?
        .header(RANGE, "bytes=0-0");
    match client.send_to_store(probe, "a look at the key").await {
        Ok(_) => Err(CliError::Invalid(format!(
            "an object is already stored under {key}, and Vidrop never replaces one: choose another key"
        ))),
        // Not found, or not for this caller to read: the PUT decides.
        Err(CliError::Store { .. }) => Ok(()),
        Err(other) => Err(other),
    }
}

/// Copies standard input into an anonymous temporary file (removed by the
/// system once closed) and answers it, rewound, with its length.
async fn buffer_stdin() -> Result<(std::fs::File, u64), CliError> {
    let buffered = tokio::task::spawn_blocking(|| {
        let mut file = tempfile::tempfile()?;
        let length = std::io::copy(&mut std::io::stdin().lock(), &mut file)?;
        file.rewind()?;
        Ok::<_, std::io::Error>((file, length))
    })
    .await
    .map_err(|err| CliError::Invalid(format!("reading standard input stopped: {err}")))?;
    buffered.map_err(|err| CliError::io("cannot copy standard input to a temporary file", err))
}
