//! `vidrop upload FILE…`: uploads videos over the v1 API, as the widget
//! does. Up to the server's multipart threshold a file goes in one PUT
//! bound to its whole-file SHA-256; above it, in parts cut by the shared
//! rule ([`PartPlan`]), each hashed, signed with its SHA-256 (in batches),
//! and sent several at a time, a failed part sent again with a fresh
//! signature. Then the server completes and verifies the upload, and the
//! video's id and playback URL are printed, one line per file:
//! `<id> <url>`.
//!
//! A multipart upload records its state ([`super::resume`]) until it
//! completes, so after an interruption `--resume` lists the parts the store
//! holds (`GET /api/uploads/{id}/parts`) and sends only the others.

use super::client::{CliError, Client, ConnectArgs};
use super::progress;
use super::resume::{LocalFile, StateFile, UploadState};
use super::transfer::{file_body, sha256_of};
use clap::Args;
use futures::{StreamExt, TryStreamExt, stream};
use indicatif::ProgressBar;
use reqwest::StatusCode;
use reqwest::header::ETAG;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use vidrop_shared::api::{
    CompleteUpload, CompletedPart, CreateUpload, MultipartUpload, PartToSign, SignParts,
    SignedParts, SingleUpload, StoredParts, UploadPlan, Video,
};
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::parts::{DEFAULT_MULTIPART_THRESHOLD, MAX_PARTS_PER_REQUEST, PartPlan};
use vidrop_shared::policy::content_type_from_filename;

/// Files up to this size are hashed whole before their upload is planned,
/// so that a single PUT carries its SHA-256 (the server's default
/// multipart threshold: larger files normally go in parts, each with its
/// own).
const WHOLE_FILE_CHECKSUM_LIMIT: u64 = DEFAULT_MULTIPART_THRESHOLD;

/// Parts signed in one `POST …/parts` (at most the API's limit).
const SIGN_BATCH: usize = 16;

/// Attempts at each part before the upload stops.
const PART_ATTEMPTS: u32 = 4;

/// Flags of `vidrop upload`.
#[derive(Args, Debug)]
#[command(
    after_help = "Prints one line per file: the video's id and its playback URL.

Examples:
  vidrop upload holiday.mp4 talk.webm
  vidrop upload --resume big.mkv      # after an interruption: only missing parts
  VIDROP_TOKEN=… vidrop upload clip.mov -s https://videos.example.com

The state of an upload in parts is kept in $XDG_STATE_HOME/vidrop/uploads/
(~/.local/state/vidrop/uploads/) until it completes."
)]
pub struct UploadArgs {
    /// The video files, uploaded one after the other.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The content type of every FILE, such as video/mp4. Without it, each
    /// file's extension tells (.mp4, .webm, .mov, .mkv, …).
    #[arg(long, value_name = "TYPE")]
    pub content_type: Option<String>,

    /// Continue an interrupted upload of each FILE: only the parts the
    /// store does not have are sent. A FILE changed since, or an upload the
    /// server no longer has, starts afresh.
    #[arg(long)]
    pub resume: bool,

    /// How many parts are sent at once.
    #[arg(
        short = 'j',
        long,
        default_value_t = 4,
        value_parser = clap::value_parser!(u16).range(1..=32),
        value_name = "N"
    )]
    pub parallel: u16,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

/// Runs `vidrop upload`: each file in turn; with several files, a failure
/// is reported and the next file goes on.
pub async fn run(args: UploadArgs) -> Result<(), CliError> {
    let client = Client::new(&args.connect)?;
    let total = args.files.len();
    let mut failed = 0;
    for path in &args.files {
        let uploaded = upload_file(&client, &args, path).await;
        match uploaded {
            Ok(video) => {
                let mut stdout = std::io::stdout().lock();
                writeln!(stdout, "{} {}", video.summary.id, video.url)
                    .and_then(|()| stdout.flush())
                    .map_err(|err| CliError::io("cannot write to standard output", err))?;
            }
            Err(err) if total == 1 => return Err(err),
            Err(err) => {
                eprintln!("error: {}: {err}", path.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        return Err(CliError::SomeFailed { failed, total });
    }
    Ok(())
}

/// One upload in parts: where it goes, how the file is cut, and what is
/// needed to send and record it.
struct Multipart<'a> {
    client: &'a Client,
    file: &'a LocalFile,
    state: StateFile,
    id: String,
    upload_id: String,
    /// The plan's handle, sent with each batch and the completion.
    handle: Option<String>,
    plan: PartPlan,
    parallel: usize,
    bar: ProgressBar,
}

/// A part ready to go: its bytes' SHA-256 and the URL signed for them.
struct PartJob {
    number: u32,
    sha256: Sha256Checksum,
    url: String,
    headers: BTreeMap<String, String>,
}

/// Uploads one file: resumes its recorded upload with `--resume`, else
/// plans a new one; answers the stored video.
async fn upload_file(
    client: &Client,
    args: &UploadArgs,
    path: &std::path::Path,
) -> Result<Video, CliError> {
    let file = LocalFile::of(path)?;
    let state = StateFile::of(&file, client.server());
    if let Some(recorded) = state.load() {
        if args.resume {
            let resumed = recorded_upload(client, &file, &state, recorded, args).await?;
            if let Some((upload, stored)) = resumed {
                return upload.send(stored).await;
            }
        } else {
            progress::note(&format!(
                "an unfinished upload of {} is left for the server to expire; `--resume` would continue it",
                path.display()
            ));
        }
    }

    let filename = file.name();
    let content_type = args
        .content_type
        .clone()
        .or_else(|| content_type_from_filename(&filename).map(str::to_owned))
        // No type: the server explains that only videos are taken.
        .unwrap_or_default();
    let sha256 = if file.size <= WHOLE_FILE_CHECKSUM_LIMIT {
        Some(sha256_of(path, 0..file.size).await?)
    } else {
        None
    };
    let request = CreateUpload {
        filename,
        content_type,
        size: file.size,
        sha256,
    };
    let plan: UploadPlan = client
        .post_json(client.api_url("api/uploads"), &request)
        .await?;
    match plan {
        UploadPlan::Single(single) => upload_single(client, &file, single).await,
        UploadPlan::Multipart(multipart) => {
            let upload = start_multipart(client, &file, state, multipart, args).await?;
            upload.send(StoredParts { parts: Vec::new() }).await
        }
    }
}

/// One PUT of the whole file, then the server's check of what was stored.
async fn upload_single(
    client: &Client,
    file: &LocalFile,
    single: SingleUpload,
) -> Result<Video, CliError> {
    let bar = progress::bar(Some(file.size), &file.name());
    let counter = bar.clone();
    let body = file_body(&file.path, 0..file.size, move |n| counter.inc(n)).await?;
    let headers = single
        .headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()));
    let request = client
        .store_request(single.method.as_str(), &single.url, headers)?
        .body(body);
    let sent = client
        .send_to_store(request, &format!("the upload of {}", file.path.display()))
        .await;
    bar.finish_and_clear();
    sent?;
    let complete = CompleteUpload {
        upload_id: None,
        parts: Vec::new(),
        handle: None,
    };
    client
        .post_json(complete_url(client, &single.id), &complete)
        .await
}

/// A multipart upload the server just started: its plan checked and its
/// state recorded before any byte goes.
async fn start_multipart<'a>(
    client: &'a Client,
    file: &'a LocalFile,
    state: StateFile,
    multipart: MultipartUpload,
    args: &UploadArgs,
) -> Result<Multipart<'a>, CliError> {
    let Some(plan) = PartPlan::announced(file.size, multipart.part_size, multipart.part_count)
    else {
        abort(client, &multipart.id, &multipart.upload_id).await;
        return Err(CliError::BadAnswer(format!(
            "the server planned {} parts of {} bytes for a file of {} bytes",
            multipart.part_count, multipart.part_size, file.size
        )));
    };
    state.save(&UploadState {
        server: client.server().to_owned(),
        file: file.absolute.clone(),
        size: file.size,
        modified_ns: file.modified_ns,
        id: multipart.id.clone(),
        upload_id: multipart.upload_id.clone(),
        part_size: plan.part_size,
        part_count: plan.part_count,
        handle: multipart.handle.clone(),
    })?;
    Ok(Multipart {
        client,
        file,
        state,
        id: multipart.id,
        upload_id: multipart.upload_id,
        handle: multipart.handle,
        plan,
        parallel: usize::from(args.parallel),
        bar: progress::bar(Some(file.size), &file.name()),
    })
}

/// The recorded upload of `file`, if it can go on: the file is unchanged
/// and the server still has the upload. Otherwise the record is dropped
/// (with a note) and the file starts afresh.
async fn recorded_upload<'a>(
    client: &'a Client,
    file: &'a LocalFile,
    state: &StateFile,
    recorded: UploadState,
    args: &UploadArgs,
) -> Result<Option<(Multipart<'a>, StoredParts)>, CliError> {
    let shown = file.path.display();
    let plan = match recorded.plan() {
        Some(plan) if recorded.is_for(file, client.server()) => plan,
        _ => {
            progress::note(&format!(
                "{shown} changed since its upload started: starting afresh"
            ));
            state.remove();
            return Ok(None);
        }
    };
    let mut url = client.api_url(&format!("api/uploads/{}/parts", recorded.id));
    url.query_pairs_mut()
        .append_pair("upload_id", &recorded.upload_id);
    let stored: StoredParts = match client.get_json(url).await {
        Ok(stored) => stored,
        Err(CliError::Api { status, .. }) if status == StatusCode::NOT_FOUND => {
            progress::note(&format!(
                "the server no longer has the upload of {shown} (completed, aborted or expired): starting afresh"
            ));
            state.remove();
            return Ok(None);
        }
        Err(err) => return Err(err),
    };
    let upload = Multipart {
        client,
        file,
        state: state.clone(),
        id: recorded.id,
        upload_id: recorded.upload_id,
        handle: recorded.handle,
        plan,
        parallel: usize::from(args.parallel),
        bar: progress::bar(Some(file.size), &file.name()),
    };
    Ok(Some((upload, stored)))
}

impl Multipart<'_> {
    /// Sends every part the store does not hold in `stored`, then completes
    /// the upload. The record is kept while the upload can still be
    /// resumed, and dropped once it is done or gone.
    async fn send(self, stored: StoredParts) -> Result<Video, CliError> {
        let mut done: BTreeMap<u32, CompletedPart> = BTreeMap::new();
        for part in stored.parts {
            let number = part.part_number;
            if (1..=self.plan.part_count).contains(&number) && part.size == self.plan.len_of(number)
            {
                self.bar.inc(part.size);
                done.insert(
                    number,
                    CompletedPart {
                        part_number: number,
                        etag: part.etag,
                        sha256: part.sha256,
                    },
                );
            }
        }
        // What is already stored is no speed of this run's.
        self.bar.reset_eta();
        let missing: Vec<u32> = (1..=self.plan.part_count)
            .filter(|number| !done.contains_key(number))
            .collect();

        let batches = missing.chunks(SIGN_BATCH.min(MAX_PARTS_PER_REQUEST));
        let sent: Result<Vec<CompletedPart>, CliError> = stream::iter(batches)
            .then(|batch| self.sign_batch(batch))
            .map_ok(|jobs| stream::iter(jobs.into_iter().map(Ok)))
            .try_flatten()
            .map_ok(|job| self.send_part(job))
            .try_buffer_unordered(self.parallel)
            .try_collect()
            .await;
        let sent = sent.map_err(|err| self.interrupted(err))?;
        done.extend(sent.into_iter().map(|part| (part.part_number, part)));
        self.bar.finish_and_clear();

        let complete = CompleteUpload {
            upload_id: Some(self.upload_id.clone()),
            parts: done.into_values().collect(),
            handle: self.handle.clone(),
        };
        let url = complete_url(self.client, &self.id);
        match self.client.post_json(url, &complete).await {
            Ok(video) => {
                self.state.remove();
                Ok(video)
            }
            Err(err @ (CliError::Unreachable { .. } | CliError::NotVidrop { .. })) => {
                Err(self.interrupted(err))
            }
            Err(err @ CliError::Api { status, .. }) if status.is_server_error() => {
                Err(self.interrupted(err))
            }
            Err(err) => {
                // Refused for good (verification failed, upload gone).
                self.state.remove();
                Err(err)
            }
        }
    }

    /// Hashes the parts `numbers` (several at a time) and has the server
    /// sign them in one request.
    async fn sign_batch(&self, numbers: &[u32]) -> Result<Vec<PartJob>, CliError> {
        let sums: Vec<(u32, Sha256Checksum)> = stream::iter(numbers.iter().copied())
            .map(|number| async move {
                let sum = sha256_of(&self.file.path, self.plan.range(number)).await?;
                Ok::<_, CliError>((number, sum))
            })
            .buffered(self.parallel)
            .try_collect()
            .await?;
        let request = SignParts {
            upload_id: self.upload_id.clone(),
            parts: sums
                .iter()
                .map(|(number, sum)| PartToSign {
                    part_number: *number,
                    sha256: Some(sum.clone()),
                })
                .collect(),
            handle: self.handle.clone(),
        };
        let url = self
            .client
            .api_url(&format!("api/uploads/{}/parts", self.id));
        let signed: SignedParts = self.client.post_json(url, &request).await?;
        let mut urls: BTreeMap<u32, _> = signed
            .parts
            .into_iter()
            .map(|part| (part.part_number, part))
            .collect();
        sums.into_iter()
            .map(|(number, sha256)| {
                let part = urls.remove(&number).ok_or_else(|| {
                    CliError::BadAnswer(format!("the server did not sign part {number}"))
                })?;
                Ok(PartJob {
                    number,
                    sha256,
                    url: part.url,
                    headers: part.headers,
                })
            })
            .collect()
    }

    /// Sends one part, again (signed afresh) after a failure that may pass,
    /// at most [`PART_ATTEMPTS`] times; answers it for the completion.
    async fn send_part(&self, mut job: PartJob) -> Result<CompletedPart, CliError> {
        let mut attempt = 1;
        loop {
            let sent = Arc::new(AtomicU64::new(0));
            match self.put_part(&job, Arc::clone(&sent)).await {
                Ok(etag) => {
                    return Ok(CompletedPart {
                        part_number: job.number,
                        etag,
                        sha256: Some(job.sha256),
                    });
                }
                Err(err) => {
                    self.bar.dec(sent.load(Ordering::Relaxed));
                    if attempt >= PART_ATTEMPTS || !err.is_retryable() {
                        return Err(err);
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(500 << attempt)).await;
            attempt += 1;
            job = self.sign_again(job).await?;
        }
    }

    /// A fresh signature for a part, so a retry never meets an expired URL.
    async fn sign_again(&self, job: PartJob) -> Result<PartJob, CliError> {
        let request = SignParts {
            upload_id: self.upload_id.clone(),
            parts: vec![PartToSign {
                part_number: job.number,
                sha256: Some(job.sha256.clone()),
            }],
            handle: self.handle.clone(),
        };
        let url = self
            .client
            .api_url(&format!("api/uploads/{}/parts", self.id));
        let signed: SignedParts = self.client.post_json(url, &request).await?;
        let part = signed
            .parts
            .into_iter()
            .find(|part| part.part_number == job.number)
            .ok_or_else(|| {
                CliError::BadAnswer(format!("the server did not sign part {}", job.number))
            })?;
        Ok(PartJob {
            url: part.url,
            headers: part.headers,
            ..job
        })
    }

    /// One PUT of a part's bytes to its presigned URL; answers its ETag.
    async fn put_part(&self, job: &PartJob, sent: Arc<AtomicU64>) -> Result<String, CliError> {
        let bar = self.bar.clone();
        let body = file_body(&self.file.path, self.plan.range(job.number), move |n| {
            sent.fetch_add(n, Ordering::Relaxed);
            bar.inc(n);
        })
        .await?;
        let headers = job
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let request = self
            .client
            .store_request("PUT", &job.url, headers)?
            .body(body);
        let what = format!(
            "part {} of {} of {}",
            job.number,
            self.plan.part_count,
            self.file.path.display()
        );
        let response = self.client.send_to_store(request, &what).await?;
        response
            .headers()
            .get(ETAG)
            .and_then(|etag| etag.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| CliError::BadAnswer(format!("the store stored {what} but sent no ETag")))
    }

    /// `err`, with how to go on: the upload is still in progress.
    fn interrupted(&self, err: CliError) -> CliError {
        self.bar.abandon();
        CliError::Interrupted {
            file: self.file.path.display().to_string(),
            error: Box::new(err),
        }
    }
}

/// `POST /api/uploads/{id}/complete`.
fn complete_url(client: &Client, id: &str) -> reqwest::Url {
    client.api_url(&format!("api/uploads/{id}/complete"))
}

/// Aborts a multipart upload, best effort (the server's sweep aborts what
/// is left anyway).
async fn abort(client: &Client, id: &str, upload_id: &str) {
    let mut url = client.api_url(&format!("api/uploads/{id}"));
    url.query_pairs_mut().append_pair("upload_id", upload_id);
    let _ = client.delete(url).await;
}
