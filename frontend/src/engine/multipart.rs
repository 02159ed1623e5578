//! Runs a [`PartScheduler`] in the browser: hashes parts, asks the backend
//! to sign them, PUTs them straight to storage with `XMLHttpRequest`, and
//! feeds every outcome back to the scheduler, until every part is stored.
//!
//! One loop owns the scheduler. Everything that takes time (a digest, a
//! presign call, a PUT, the stall timer) runs as its own task and reports
//! back through one channel, along with the pause/resume/cancel buttons; the
//! loop handles one event at a time, then starts whatever the scheduler says
//! is next. No state is shared with the tasks, so nothing is ever borrowed
//! twice.
//!
//! A single-PUT upload runs through the same loop as a plan of one part
//! (the whole file, no checksum): it gets the same retries, stall detection,
//! pause and progress. "Signing it again" then means planning a new upload.

use crate::api::ApiError;
use crate::engine::control::ControlEvent;
use crate::engine::hash::Sha256Backend;
use crate::engine::progress::ProgressTracker;
use crate::engine::retry::{is_retryable_status, retry_api};
use crate::engine::s3_error::{S3Error, parse_s3_error};
use crate::engine::scheduler::{
    FailureOutcome, PartFailure, PartScheduler, PartSend, RetryReason, refresh_at, url_lifetime_ms,
};
use crate::engine::timer::{now_ms, parse_time_ms, random, sleep, wall_ms};
use crate::engine::upload::{Context, Report, UploadError};
use crate::engine::xhr::{self, AbortHandle, XhrError, XhrResponse, js_message};
use futures_channel::mpsc::{UnboundedSender, unbounded};
use futures_util::StreamExt;
use vidrop_shared::api::{SignParts, SignedPart, SingleUpload, UploadPlan};
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, File};

/// How often stalls are looked for (and backoffs noticed as over), in ms.
const TICK_MS: f64 = 250.0;

/// Where the parts go.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A multipart upload; parts are signed by `POST /api/uploads/{id}/parts`.
    Multipart { id: String, upload_id: String },
    /// One PUT of the whole file. `fresh` while `plan`'s URL is unused;
    /// after that, a new URL means a new plan (and a new id).
    Single { plan: SingleUpload, fresh: bool },
}

impl Target {
    /// The upload's API id.
    pub fn id(&self) -> &str {
        match self {
            Target::Multipart { id, .. } => id,
            Target::Single { plan, .. } => &plan.id,
        }
    }
}

/// `plan` when its method is PUT, the only single upload the widget sends.
pub(crate) fn put_plan(plan: SingleUpload) -> Result<SingleUpload, UploadError> {
    if plan.method.eq_ignore_ascii_case("PUT") {
        Ok(plan)
    } else {
        Err(UploadError::UnsupportedPlan(plan.method))
    }
}

/// A single PUT's URL, as the URL of its one part.
fn single_part(plan: &SingleUpload) -> SignedPart {
    SignedPart {
        part_number: 1,
        url: plan.url.clone(),
        headers: plan.headers.clone(),
    }
}

/// News for the loop.
enum Event {
    Hashed {
        part_number: u32,
        digest: Result<String, UploadError>,
    },
    Signed(Result<Signed, UploadError>),
    Progress {
        part_number: u32,
        try_id: u64,
        sent: u64,
    },
    Finished {
        part_number: u32,
        try_id: u64,
        answer: Result<XhrResponse, XhrError>,
    },
    Tick,
    Control(ControlEvent),
}

/// URLs from the backend; `replan` when a single PUT was planned anew.
struct Signed {
    parts: Vec<SignedPart>,
    expires_at: String,
    replan: Option<SingleUpload>,
}

/// Why the loop aborted a request itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AbortReason {
    Pause,
    Stall,
}

/// A request in flight (a few at most: a list beats a map in code size).
struct Flight {
    part_number: u32,
    try_id: u64,
    abort: AbortHandle,
    reason: Option<AbortReason>,
}

/// What to do about a refusal from storage: try again for `Ok(reason)`,
/// stop with `Err`.
pub fn classify_refusal(status: u16, error: Option<S3Error>) -> Result<RetryReason, UploadError> {
    match (status, error.as_ref().map(|e| e.code.as_str())) {
        (400, Some("BadDigest" | "InvalidDigest" | "XAmzContentSHA256Mismatch")) => {
            Ok(RetryReason::BadDigest)
        }
        // S3's own timeout waiting for the body.
        (400, Some("RequestTimeout")) => Ok(RetryReason::Timeout),
        (403, _) => Ok(RetryReason::Expired),
        (404, Some("NoSuchUpload")) => Err(UploadError::UploadGone),
        (status, _) if is_retryable_status(status) => Ok(RetryReason::Status(status)),
        (status, _) => Err(UploadError::Storage { status, error }),
    }
}

/// Sends every part `scheduler` does not have as done yet to `target`;
/// returns once all are stored. `tracker` follows the bytes.
pub(crate) async fn run(
    cx: &Context<'_>,
    scheduler: &mut PartScheduler,
    target: &mut Target,
    tracker: &mut ProgressTracker,
) -> Result<(), UploadError> {
    let (sender, receiver) = unbounded();
    let controls = cx.control.subscribe().map(Event::Control);
    let mut events = futures_util::stream::select(receiver, controls);
    spawn_ticker(sender.clone());
    let mut flights = Vec::new();
    let outcome = drive(
        cx,
        scheduler,
        target,
        tracker,
        &sender,
        &mut events,
        &mut flights,
    )
    .await;
    // Whatever ended the loop, nothing is left running.
    for flight in &flights {
        flight.abort.abort();
    }
    outcome
}

async fn drive(
    cx: &Context<'_>,
    scheduler: &mut PartScheduler,
    target: &mut Target,
    tracker: &mut ProgressTracker,
    sender: &UnboundedSender<Event>,
    events: &mut (impl futures_util::Stream<Item = Event> + Unpin),
    flights: &mut Vec<Flight>,
) -> Result<(), UploadError> {
    report_started(cx, scheduler, target);
    (cx.report)(Report::Progress(tracker));
    loop {
        cx.control.check()?;
        // The buttons' state is the truth; their events only wake the loop.
        // Checked before anything starts, so no request goes out after a
        // click whose event still waits behind others in the channel.
        if cx.control.is_paused() && !scheduler.is_paused() {
            for (part_number, try_id) in scheduler.pause() {
                abort(flights, part_number, try_id, AbortReason::Pause);
            }
        } else if !cx.control.is_paused() && scheduler.is_paused() {
            scheduler.resume();
        }
        let now = now_ms();
        if let Some(hasher) = cx.hasher {
            while let Some(number) = scheduler.next_hash() {
                spawn_hash(&cx.file.file, hasher, scheduler, number, sender.clone());
            }
        }
        if let Some(batch) = scheduler.next_sign_batch(now) {
            match target {
                Target::Single { plan, fresh } if *fresh => {
                    *fresh = false;
                    let part = single_part(plan);
                    let refresh = expiry(now, &part.url, &plan.expires_at);
                    scheduler.signed(&[part], refresh);
                }
                Target::Single { .. } => spawn_replan(cx, sender.clone()),
                Target::Multipart { id, upload_id } => {
                    let body = SignParts {
                        upload_id: upload_id.clone(),
                        parts: batch,
                    };
                    spawn_sign(cx, id.clone(), body, sender.clone());
                }
            }
        }
        while let Some(send) = scheduler.next_send(now) {
            start(cx, send, target, sender, flights)?;
        }
        if scheduler.is_complete() {
            return Ok(());
        }

        let Some(event) = events.next().await else {
            return Err(UploadError::Cancelled);
        };
        let now = now_ms();
        match event {
            Event::Hashed {
                part_number,
                digest,
            } => scheduler.hashed(part_number, digest?),
            Event::Signed(signed) => {
                let signed = match signed {
                    Ok(signed) => signed,
                    Err(error) => {
                        scheduler.sign_failed();
                        return Err(error);
                    }
                };
                if let Some(plan) = signed.replan {
                    *target = Target::Single { plan, fresh: false };
                    report_started(cx, scheduler, target);
                }
                let url = signed.parts.first().map_or("", |p| p.url.as_str());
                let refresh = expiry(now, url, &signed.expires_at);
                let missing = scheduler.signed(&signed.parts, refresh);
                if !missing.is_empty() {
                    return Err(ApiError::BadAnswer(format!("no URL for parts {missing:?}")).into());
                }
            }
            Event::Progress {
                part_number,
                try_id,
                sent,
            } => {
                scheduler.progress(part_number, try_id, sent, now);
                tracker.update(scheduler.loaded(), now);
                (cx.report)(Report::Progress(tracker));
            }
            Event::Finished {
                part_number,
                try_id,
                answer,
            } => {
                let Some(index) = flights
                    .iter()
                    .position(|f| (f.part_number, f.try_id) == (part_number, try_id))
                else {
                    continue;
                };
                let reason = flights.swap_remove(index).reason;
                let (failure, refusal) =
                    match outcome_of(answer, reason, target, cx.control.is_cancelled())? {
                        Outcome::Stored(etag) => {
                            if scheduler.part_done(part_number, try_id, etag) {
                                (cx.report)(Report::PartDone {
                                    parts_done: scheduler.parts_done(),
                                });
                            }
                            (None, None)
                        }
                        Outcome::Failed(failure, refusal) => (Some(failure), refusal),
                    };
                if let Some(failure) = failure {
                    match scheduler.part_failed(part_number, try_id, failure, now, random()) {
                        FailureOutcome::Retry {
                            attempt,
                            delay_ms,
                            reason,
                        } => (cx.report)(Report::Retry {
                            part_number,
                            attempt,
                            reason,
                            delay_ms,
                        }),
                        FailureOutcome::GiveUp { attempts, reason } => {
                            // A fresh URL refused again is not an expiry:
                            // say what storage said.
                            return Err(match (reason, refusal) {
                                (RetryReason::Expired, Some((status, error))) => {
                                    UploadError::Storage { status, error }
                                }
                                _ => UploadError::PartFailed {
                                    part_number,
                                    attempts,
                                    reason,
                                },
                            });
                        }
                        FailureOutcome::Requeued | FailureOutcome::Stale => {}
                    }
                }
                tracker.update(scheduler.loaded(), now);
                (cx.report)(Report::Progress(tracker));
            }
            Event::Tick => {
                for (part_number, try_id) in scheduler.stalled(now) {
                    abort(flights, part_number, try_id, AbortReason::Stall);
                }
            }
            // Handled at the top of the loop, from the buttons' state.
            Event::Control(ControlEvent::Pause | ControlEvent::Resume) => {}
            Event::Control(ControlEvent::Cancel) => return Err(UploadError::Cancelled),
        }
    }
}

/// What a finished request means.
enum Outcome {
    /// Stored, with its ETag.
    Stored(String),
    /// Not stored; with storage's refusal, if it sent one.
    Failed(PartFailure, Option<(u16, Option<S3Error>)>),
}

fn outcome_of(
    answer: Result<XhrResponse, XhrError>,
    reason: Option<AbortReason>,
    target: &Target,
    cancelled: bool,
) -> Result<Outcome, UploadError> {
    let retry = |reason| Ok(Outcome::Failed(PartFailure::Retry(reason), None));
    match answer {
        Ok(answer) if answer.is_success() => match (answer.etag, target) {
            (Some(etag), _) if !etag.is_empty() => Ok(Outcome::Stored(etag)),
            // A single PUT needs no ETag: the backend checks the object.
            (_, Target::Single { .. }) => Ok(Outcome::Stored(String::new())),
            (_, Target::Multipart { .. }) => Err(UploadError::MissingEtag),
        },
        Ok(answer) => {
            let error = parse_s3_error(&answer.body);
            let reason = classify_refusal(answer.status, error.clone())?;
            Ok(Outcome::Failed(
                PartFailure::Retry(reason),
                Some((answer.status, error)),
            ))
        }
        Err(XhrError::Aborted) => match reason {
            Some(AbortReason::Pause) => Ok(Outcome::Failed(PartFailure::Paused, None)),
            Some(AbortReason::Stall) => retry(RetryReason::Stalled),
            None if cancelled => Err(UploadError::Cancelled),
            // Aborted by something else (the browser): like a cut connection.
            None => retry(RetryReason::Network),
        },
        Err(XhrError::Network) => retry(RetryReason::Network),
        Err(XhrError::Timeout) => retry(RetryReason::Timeout),
        Err(XhrError::Browser(message)) => Err(UploadError::Browser(message)),
    }
}

fn report_started(cx: &Context<'_>, scheduler: &PartScheduler, target: &Target) {
    (cx.report)(Report::Started {
        id: target.id(),
        parts_total: scheduler.parts_total(),
        parts_done: scheduler.parts_done(),
        parts_resumed: scheduler.parts_resumed(),
    });
}

/// When URLs like `url`, received now with `expires_at`, should be renewed.
fn expiry(now: f64, url: &str, expires_at: &str) -> Option<f64> {
    let lifetime = url_lifetime_ms(url, parse_time_ms(expires_at), wall_ms())?;
    refresh_at(now, lifetime)
}

fn abort(flights: &mut [Flight], part_number: u32, try_id: u64, why: AbortReason) {
    if let Some(flight) = flights
        .iter_mut()
        .find(|f| (f.part_number, f.try_id) == (part_number, try_id))
    {
        flight.reason.get_or_insert(why);
        // Fires the request's `abort` listener at once; its task then
        // reports `Finished`, handled by the loop later.
        flight.abort.abort();
    }
}

/// Starts the PUT of `send`: a slice of the file (the browser streams it from
/// disk; nothing is read into wasm memory), or the whole file for a single
/// PUT.
fn start(
    cx: &Context<'_>,
    send: PartSend,
    target: &Target,
    sender: &UnboundedSender<Event>,
    flights: &mut Vec<Flight>,
) -> Result<(), UploadError> {
    let body: Blob = match target {
        Target::Single { .. } => (*cx.file.file).clone(),
        Target::Multipart { .. } => slice(&cx.file.file, &send.range)?,
    };
    let (part_number, try_id) = (send.part_number, send.try_id);
    let progress = sender.clone();
    let request = xhr::put(&send.url, &send.headers, &body, move |sent| {
        let _ = progress.unbounded_send(Event::Progress {
            part_number,
            try_id,
            sent,
        });
    })?;
    flights.push(Flight {
        part_number,
        try_id,
        abort: request.abort_handle(),
        reason: None,
    });
    let finished = sender.clone();
    spawn_local(async move {
        let answer = request.response().await;
        let _ = finished.unbounded_send(Event::Finished {
            part_number,
            try_id,
            answer,
        });
    });
    Ok(())
}

fn slice(file: &File, range: &std::ops::Range<u64>) -> Result<Blob, UploadError> {
    file.slice_with_f64_and_f64(range.start as f64, range.end as f64)
        .map_err(|e| UploadError::Read(js_message(&e)))
}

/// Hashes part `number` in its own task; its bytes are dropped as soon as
/// the digest is known.
fn spawn_hash(
    file: &File,
    hasher: Sha256Backend,
    scheduler: &PartScheduler,
    number: u32,
    sender: UnboundedSender<Event>,
) {
    let part = slice(file, &scheduler.plan().range(number));
    spawn_local(async move {
        let digest = match part {
            Ok(part) => hasher
                .digest_base64(&part)
                .await
                .map_err(|e| UploadError::Read(e.to_string())),
            Err(error) => Err(error),
        };
        let _ = sender.unbounded_send(Event::Hashed {
            part_number: number,
            digest,
        });
    });
}

/// Asks the backend for the URLs of a batch of parts, with retries.
fn spawn_sign(cx: &Context<'_>, id: String, body: SignParts, sender: UnboundedSender<Event>) {
    let api = cx.api.clone();
    let policy = cx.config.api_retry();
    spawn_local(async move {
        let signed = retry_api(policy, random, sleep, || api.sign_parts(&id, &body))
            .await
            .map(|signed| Signed {
                parts: signed.parts,
                expires_at: signed.expires_at,
                replan: None,
            })
            .map_err(UploadError::from);
        let _ = sender.unbounded_send(Event::Signed(signed));
    });
}

/// Plans a new single PUT (its URL expired or was refused).
fn spawn_replan(cx: &Context<'_>, sender: UnboundedSender<Event>) {
    let api = cx.api.clone();
    let policy = cx.config.api_retry();
    let body = cx.file.create_request();
    spawn_local(async move {
        let plan = retry_api(policy, random, sleep, || api.create_upload(&body)).await;
        let signed = match plan {
            Ok(UploadPlan::Single(plan)) => put_plan(plan).map(|plan| Signed {
                parts: vec![single_part(&plan)],
                expires_at: plan.expires_at.clone(),
                replan: Some(plan),
            }),
            Ok(UploadPlan::Multipart(multipart)) => {
                let _ = api.abort_upload(&multipart.id, &multipart.upload_id).await;
                Err(UploadError::UnsupportedPlan("multipart".into()))
            }
            Err(error) => Err(error.into()),
        };
        let _ = sender.unbounded_send(Event::Signed(signed));
    });
}

/// Sends `Tick` every [`TICK_MS`] until the loop is gone.
fn spawn_ticker(sender: UnboundedSender<Event>) {
    spawn_local(async move {
        loop {
            sleep(TICK_MS).await;
            if sender.unbounded_send(Event::Tick).is_err() {
                break;
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(code: &str) -> Option<S3Error> {
        Some(S3Error {
            code: code.into(),
            message: String::new(),
        })
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn storage_refusals_decide_what_is_redone() {
        assert_eq!(
            classify_refusal(400, s3("BadDigest")),
            Ok(RetryReason::BadDigest)
        );
        assert_eq!(
            classify_refusal(403, s3("AccessDenied")),
            Ok(RetryReason::Expired)
        );
        assert_eq!(classify_refusal(403, None), Ok(RetryReason::Expired));
        assert_eq!(
            classify_refusal(503, s3("SlowDown")),
            Ok(RetryReason::Status(503))
        );
        assert_eq!(classify_refusal(429, None), Ok(RetryReason::Status(429)));
        assert_eq!(
            classify_refusal(400, s3("RequestTimeout")),
            Ok(RetryReason::Timeout)
        );
        assert_eq!(
            classify_refusal(404, s3("NoSuchUpload")),
            Err(UploadError::UploadGone)
        );
        assert_eq!(
            classify_refusal(400, s3("InvalidArgument")),
            Err(UploadError::Storage {
                status: 400,
                error: s3("InvalidArgument")
            })
        );
    }
}
