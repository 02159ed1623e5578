//! One upload from start to finish: resume an earlier upload of the same
//! file or plan a new one, send the bytes straight to storage through a
//! [`Transfer`] (one PUT, or parts), then have the backend complete it and
//! answer the stored video with its playback URL.
//!
//! It tells what happens through [`Report`]s and ends with a `Result` whose
//! error reads as a sentence.

use crate::api::{Api, ApiError, read_json};
use crate::engine::context::{
    CheckedFile, Context, Report, UploadConfig, UploadError, send_with_retries,
};
use crate::engine::control::UploadControl;
use crate::engine::hash::Sha256Backend;
use crate::engine::probe::probe;
use crate::engine::progress::ProgressTracker;
use crate::engine::resume::{Fingerprint, LocalResumeBook, ResumeRecord};
use crate::engine::scheduler::PartScheduler;
use crate::engine::slots::Slots;
use crate::engine::timer::now_ms;
use crate::engine::transfer::{Sent, Target, Transfer, put_plan};
use crate::engine::xhr;
use vidrop_shared::api::{
    MultipartUpload, PosterUpload, SingleUpload, StoredPart, StoredParts, UploadPlan, VideoDetails,
};
use vidrop_shared::parts::{DEFAULT_MULTIPART_THRESHOLD, PartPlan};
use web_sys::Blob;

/// Uploads `file` and returns the stored video. Resumes an earlier upload of
/// the same file when this browser remembers one; `report` hears what
/// happens, and `control` pauses, resumes or cancels. Its requests in flight
/// count against `slots`, which the widget's uploads share.
pub async fn upload(
    api: &Api,
    file: &CheckedFile,
    control: &UploadControl,
    config: UploadConfig,
    slots: &Slots,
    report: impl Fn(Report<'_>),
) -> Result<VideoDetails, UploadError> {
    control.check()?;
    // What the browser cannot read as a video is refused before any request.
    let probe = control
        .unless_cancelled(async {
            probe(&file.file, &file.content_type)
                .await
                .map_err(UploadError::from)
        })
        .await?;
    let hasher = Sha256Backend::preferred();
    // A file that can go up in one PUT is sent with its SHA-256, which the
    // backend binds into the signature: the store takes those bytes only.
    // (Larger files are multipart, each part with its own.)
    let file_sha256 = match hasher {
        Some(hasher) if file.size <= DEFAULT_MULTIPART_THRESHOLD => {
            control
                .unless_cancelled(async {
                    hasher
                        .checksum(&file.file)
                        .await
                        .map(Some)
                        .map_err(|error| UploadError::Read(error.to_string()))
                })
                .await?
        }
        _ => None,
    };
    let cx = Context {
        api,
        file,
        control,
        config,
        report: &report,
        hasher,
        file_sha256,
        media: probe.media,
        slots,
    };
    let book = LocalResumeBook::new(api.base());
    // A file that cannot be read is found out by the upload itself.
    let fingerprint = control
        .unless_cancelled(async {
            Ok::<_, UploadError>(Fingerprint::of(&file.file, cx.hasher).await.ok())
        })
        .await?;

    if let Some(fingerprint) = &fingerprint
        && let Some(record) = book.find(fingerprint)
    {
        match stored_parts(&cx, &record).await? {
            Some((plan, stored)) => {
                // No handle is kept across a reload: the backend reads the
                // upload's manifest instead.
                let (id, upload_id) = (&record.id, &record.upload_id);
                return upload_parts(&cx, &book, id, upload_id, None, plan, &stored).await;
            }
            // Gone from the server: start afresh.
            None => book.forget(&record.id),
        }
    }

    let poster = probe.poster;
    let request = file.create_request(
        cx.file_sha256.clone(),
        cx.media,
        poster.as_ref().map(|poster| poster.size() as u64),
    );
    let call = api.create_upload(&request);
    let plan: UploadPlan = read_json(&cx.call(cx.config.create_retry(), &call).await?)?;
    let poster_put = match &plan {
        UploadPlan::Single(single) => single.poster.as_ref(),
        UploadPlan::Multipart(multipart) => multipart.poster.as_ref(),
    };
    let poster_sent = match (poster_put, &poster) {
        // First: its URL expires before a long upload would end.
        (Some(put), Some(poster)) => send_poster(put, poster).await,
        _ => false,
    };
    let mut video = match plan {
        UploadPlan::Single(single) => upload_single(&cx, single).await,
        UploadPlan::Multipart(multipart) => {
            upload_multipart(&cx, &book, multipart, fingerprint).await
        }
    }?;
    // A completion with the upload's handle names the announced poster
    // without checking it was sent; this page knows.
    if !poster_sent {
        video.listed.poster_url = None;
    }
    Ok(video)
}

/// PUTs the poster where the plan says; whether the store took it. The
/// video is what matters: a poster the store does not take is left out,
/// and the video goes up without one.
async fn send_poster(put: &PosterUpload, poster: &Blob) -> bool {
    match xhr::put(&put.url, &put.headers, poster, Box::new(|_| {})) {
        Ok(request) => request
            .response()
            .await
            .is_ok_and(|response| (200..300).contains(&response.status)),
        Err(_) => false,
    }
}

/// What the store holds of the remembered upload `record`: its plan and its
/// stored parts; `None` when it no longer exists (or the record is
/// unusable), and the file should be uploaded afresh.
async fn stored_parts(
    cx: &Context<'_>,
    record: &ResumeRecord,
) -> Result<Option<(PartPlan, Vec<StoredPart>)>, UploadError> {
    let Some(plan) = record.plan() else {
        return Ok(None);
    };
    if cx.hasher.is_none() {
        return Ok(None);
    }
    (cx.report)(Report::Resuming { id: &record.id });
    let call = cx.api.list_parts(&record.id, &record.upload_id);
    let stored = match cx.call(cx.config.api_retry(), &call).await {
        Ok(stored) => read_json::<StoredParts>(&stored)?.parts,
        Err(error) if error.is_gone() => return Ok(None),
        Err(error) => return Err(error),
    };
    Ok(Some((plan, stored)))
}

/// A new multipart upload: checks the backend's plan, remembers the upload
/// for a resume after a reload (until it expires), then sends it.
async fn upload_multipart(
    cx: &Context<'_>,
    book: &LocalResumeBook,
    multipart: MultipartUpload,
    fingerprint: Option<Fingerprint>,
) -> Result<VideoDetails, UploadError> {
    let size = cx.file.size;
    let plan = match PartPlan::announced(size, multipart.part_size, multipart.part_count) {
        // The backend signs parts only with their checksums.
        Some(_) if cx.hasher.is_none() => Err(UploadError::NoChecksum),
        Some(plan) => Ok(plan),
        None => Err(UploadError::Api(ApiError::BadAnswer(format!(
            "{} parts of {} bytes for a file of {size} bytes",
            multipart.part_count, multipart.part_size
        )))),
    };
    let plan = match plan {
        Ok(plan) => plan,
        Err(refusal) => {
            abort_on_server(cx, &multipart.id, &multipart.upload_id).await;
            return Err(refusal);
        }
    };
    if let Some(fingerprint) = fingerprint {
        book.remember(ResumeRecord {
            fingerprint,
            id: multipart.id.clone(),
            upload_id: multipart.upload_id.clone(),
            part_size: multipart.part_size,
            part_count: multipart.part_count,
            expires_at: multipart.expires_at.clone(),
        });
    }
    let (id, upload_id, handle) = (&multipart.id, &multipart.upload_id, &multipart.handle);
    upload_parts(cx, book, id, upload_id, handle.as_deref(), plan, &[]).await
}

/// Sends the parts of multipart upload `id` (S3's `upload_id`) the store
/// does not have in `stored`, then completes it, sending the plan's
/// `handle` when this page has it. A cancel aborts it on the server; either
/// way, the record is forgotten unless the upload can still be resumed.
async fn upload_parts(
    cx: &Context<'_>,
    book: &LocalResumeBook,
    id: &str,
    upload_id: &str,
    handle: Option<&str>,
    plan: PartPlan,
    stored: &[StoredPart],
) -> Result<VideoDetails, UploadError> {
    let mut scheduler = PartScheduler::new(plan, cx.config.scheduler, cx.hasher.is_some());
    for part in stored {
        scheduler.mark_stored(part);
    }
    let tracker = ProgressTracker::resumed(cx.file.size, scheduler.loaded(), now_ms());
    let target = Target::Multipart {
        id: id.to_owned(),
        upload_id: upload_id.to_owned(),
        handle: handle.map(str::to_owned),
    };
    let outcome = send_and_complete(cx, scheduler, target, tracker).await;
    match &outcome {
        Ok(_) => book.forget(id),
        Err(UploadError::Cancelled) => {
            abort_on_server(cx, id, upload_id).await;
            book.forget(id);
        }
        Err(error) if error.is_gone() => book.forget(id),
        Err(_) => {}
    }
    outcome
}

/// One PUT of the whole file: a plan of one part, without a checksum.
async fn upload_single(
    cx: &Context<'_>,
    single: SingleUpload,
) -> Result<VideoDetails, UploadError> {
    let target = Target::Single {
        plan: put_plan(single)?,
        fresh: true,
    };
    let plan = PartPlan::announced(cx.file.size, cx.file.size.max(1), 1)
        .expect("one part of the whole size is always a valid plan");
    let scheduler = PartScheduler::new(plan, cx.config.scheduler, false);
    let tracker = ProgressTracker::new(cx.file.size, now_ms());
    send_and_complete(cx, scheduler, target, tracker).await
}

/// Sends the parts, then has the backend complete the upload (for a single
/// PUT: check the object) and answer the video; only then is it 100 %.
async fn send_and_complete(
    cx: &Context<'_>,
    scheduler: PartScheduler,
    target: Target,
    tracker: ProgressTracker,
) -> Result<VideoDetails, UploadError> {
    let Sent {
        id,
        complete,
        mut tracker,
    } = Transfer::run(cx, scheduler, target, tracker).await?;
    let call = cx.api.complete_upload(&id, &complete);
    let video: VideoDetails = read_json(&cx.call(cx.config.api_retry(), &call).await?)?;
    tracker.finish(now_ms());
    (cx.report)(Report::Progress(&tracker));
    Ok(video)
}

/// Aborts the multipart upload on the server, best effort: if this fails,
/// the backend's sweep aborts the abandoned upload once it expires.
async fn abort_on_server(cx: &Context<'_>, id: &str, upload_id: &str) {
    let policy = cx.config.create_retry();
    let _ = send_with_retries(cx.api, &cx.api.abort_upload(id, upload_id), policy).await;
}
