//! Runs a [`PartScheduler`] against the browser, for any upload: hashes
//! parts, asks the backend to sign them, PUTs them straight to storage with
//! `XMLHttpRequest`, and feeds every outcome back to the scheduler, until
//! every part is stored.
//!
//! A [`Transfer`] owns the scheduler. Everything that takes time (a digest, a
//! presign call, a PUT, the stall timer) runs as its own task and reports
//! back through one channel, along with the pause/resume/cancel buttons.
//! [`Transfer::run`] hands one event at a time to its handler (`on_hashed`,
//! `on_signed`, `on_progress`, `on_finished`, `on_tick`, `on_control`), then
//! starts whatever the scheduler says is next. No state is shared with the
//! tasks, so nothing is ever borrowed twice.
//!
//! A single PUT runs the same way, as a plan of one part (the whole file, no
//! checksum): it gets the same retries, stall detection, pause and progress.
//! "Signing it again" then means planning a new upload.

use crate::api::{ApiError, read_json};
use crate::engine::context::{Context, Report, UploadError, send_with_retries};
use crate::engine::control::ControlEvent;
use crate::engine::hash::Sha256Backend;
use crate::engine::progress::ProgressTracker;
use crate::engine::retry::is_retryable_status;
use crate::engine::s3_error::{S3Error, parse_s3_error};
use crate::engine::scheduler::{
    FailureOutcome, PartFailure, PartScheduler, PartSend, RetryReason, refresh_at, url_lifetime_ms,
};
use crate::engine::slots::Slot;
use crate::engine::timer::{now_ms, parse_time_ms, random, sleep, wall_ms};
use crate::engine::xhr::{self, AbortHandle, XhrError, XhrResponse, js_message};
use futures_channel::mpsc::{UnboundedSender, unbounded};
use futures_util::StreamExt;
use std::ops::Range;
use vidrop_shared::api::{
    CompleteUpload, HttpMethod, PartToSign, SignParts, SignedPart, SignedParts, SingleUpload,
    UploadPlan,
};
use vidrop_shared::checksum::Sha256Checksum;
use wasm_bindgen_futures::spawn_local;
use web_sys::{Blob, File};

/// How often stalls are looked for (and backoffs noticed as over), in ms.
const TICK_MS: f64 = 250.0;

/// Where the parts go.
#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// A multipart upload; parts are signed by `POST /api/uploads/{id}/parts`,
    /// with the plan's `handle` when this page has it (not after a reload).
    Multipart {
        id: String,
        upload_id: String,
        handle: Option<String>,
    },
    /// One PUT of the whole file. `fresh` while `plan`'s URL is unused;
    /// after that, a new URL means a new plan (and a new id).
    Single { plan: SingleUpload, fresh: bool },
}

impl Target {
    /// The upload's API id.
    fn id(&self) -> &str {
        match self {
            Target::Multipart { id, .. } => id,
            Target::Single { plan, .. } => &plan.id,
        }
    }

    /// The body of `POST /api/uploads/{id}/complete` once every part of
    /// `scheduler` is stored: the parts of a multipart upload; nothing for a
    /// single PUT, whose object the backend checks itself.
    fn complete_request(&self, scheduler: &PartScheduler) -> CompleteUpload {
        match self {
            Target::Multipart {
                upload_id, handle, ..
            } => CompleteUpload {
                upload_id: Some(upload_id.clone()),
                parts: scheduler
                    .completed_parts()
                    .expect("a transfer ends once every part is done"),
                handle: handle.clone(),
            },
            Target::Single { .. } => CompleteUpload {
                upload_id: None,
                parts: Vec::new(),
                handle: None,
            },
        }
    }
}

/// `plan` when its method is PUT, the only single upload the widget sends.
pub(crate) fn put_plan(plan: SingleUpload) -> Result<SingleUpload, UploadError> {
    if plan.method == HttpMethod::Put {
        Ok(plan)
    } else {
        Err(UploadError::UnsupportedPlan(plan.method.to_string()))
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

/// News for the loop, from the tasks and the buttons.
enum Event {
    Hashed {
        part_number: u32,
        digest: Result<Sha256Checksum, UploadError>,
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

/// A request in flight.
struct Flight {
    part_number: u32,
    try_id: u64,
    abort: AbortHandle,
    reason: Option<AbortReason>,
}

/// The requests in flight (a few at most: a list beats a map in code size).
/// Dropping them aborts them: whatever ends a transfer (an error, a cancel,
/// its future dropped), no request is left running.
#[derive(Default)]
struct Flights(Vec<Flight>);

impl Flights {
    /// Aborts try `try_id` of part `number`, if it still flies, for `why`.
    fn abort(&mut self, number: u32, try_id: u64, why: AbortReason) {
        if let Some(flight) = self
            .0
            .iter_mut()
            .find(|f| (f.part_number, f.try_id) == (number, try_id))
        {
            flight.reason.get_or_insert(why);
            // Fires the request's `abort` listener at once; its task then
            // reports `Finished`, handled by the loop later.
            flight.abort.abort();
        }
    }

    /// Takes try `try_id` of part `number` off the list: `None` when it was
    /// not on it (old news), else why the loop aborted it, if it did.
    fn land(&mut self, number: u32, try_id: u64) -> Option<Option<AbortReason>> {
        let index = self
            .0
            .iter()
            .position(|f| (f.part_number, f.try_id) == (number, try_id))?;
        Some(self.0.swap_remove(index).reason)
    }
}

impl Drop for Flights {
    fn drop(&mut self) {
        for flight in &self.0 {
            flight.abort.abort();
        }
    }
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

/// What a transfer leaves once every part is stored.
pub(crate) struct Sent {
    /// The upload's API id (a single PUT may have been planned anew).
    pub id: String,
    /// The body of `POST /api/uploads/{id}/complete`.
    pub complete: CompleteUpload,
    /// The bytes as they went; to be finished once storage confirms.
    pub tracker: ProgressTracker,
}

/// One upload's parts on their way to `target`; see the module docs.
pub(crate) struct Transfer<'a> {
    cx: &'a Context<'a>,
    scheduler: PartScheduler,
    target: Target,
    tracker: ProgressTracker,
    /// Where the tasks send their news; [`Transfer::run`] holds the receiver.
    sender: UnboundedSender<Event>,
    flights: Flights,
    /// The bytes sent when the shared slots last heard of them.
    reported_sent: u64,
}

impl<'a> Transfer<'a> {
    /// Sends every part `scheduler` does not have as done yet to `target`;
    /// returns once all are stored. `tracker` follows the bytes.
    pub async fn run(
        cx: &'a Context<'a>,
        scheduler: PartScheduler,
        target: Target,
        tracker: ProgressTracker,
    ) -> Result<Sent, UploadError> {
        let (sender, receiver) = unbounded();
        let controls = cx.control.subscribe().map(Event::Control);
        let mut events = futures_util::stream::select(receiver, controls);
        spawn_ticker(sender.clone());
        // Another upload's request ending frees a slot for this one.
        let woken = sender.clone();
        let _waiter = cx.slots.wait_with(move || {
            let _ = woken.unbounded_send(Event::Tick);
        });
        let mut transfer = Transfer {
            cx,
            scheduler,
            target,
            tracker,
            sender,
            flights: Flights::default(),
            reported_sent: 0,
        };
        transfer.report_started();
        (cx.report)(Report::Progress(&transfer.tracker));
        loop {
            transfer.start_next()?;
            if transfer.scheduler.is_complete() {
                return Ok(Sent {
                    id: transfer.target.id().to_owned(),
                    complete: transfer.target.complete_request(&transfer.scheduler),
                    tracker: transfer.tracker,
                });
            }
            // The loop holds a sender itself, so the stream never ends.
            let Some(event) = events.next().await else {
                return Err(UploadError::Cancelled);
            };
            let now = now_ms();
            match event {
                Event::Hashed {
                    part_number,
                    digest,
                } => transfer.on_hashed(part_number, digest)?,
                Event::Signed(signed) => transfer.on_signed(signed, now)?,
                Event::Progress {
                    part_number,
                    try_id,
                    sent,
                } => transfer.on_progress(part_number, try_id, sent, now),
                Event::Finished {
                    part_number,
                    try_id,
                    answer,
                } => transfer.on_finished(part_number, try_id, answer, now)?,
                Event::Tick => transfer.on_tick(now),
                Event::Control(event) => transfer.on_control(event)?,
            }
        }
    }

    /// Starts whatever the scheduler says is next: digests, a batch of URLs,
    /// PUTs.
    fn start_next(&mut self) -> Result<(), UploadError> {
        self.cx.control.check()?;
        self.follow_buttons();
        let now = now_ms();
        if let Some(hasher) = self.cx.hasher {
            while let Some(number) = self.scheduler.next_hash() {
                let range = self.scheduler.plan().range(number);
                spawn_hash(&self.cx.file.file, hasher, number, range, &self.sender);
            }
        }
        if let Some(batch) = self.scheduler.next_sign_batch(now) {
            self.sign(batch, now);
        }
        // A part goes when a slot of the shared budget is free too.
        while let Some(slot) = self.cx.slots.try_take() {
            let Some(send) = self.scheduler.next_send(now) else {
                break;
            };
            self.send(send, slot.use_for_request())?;
        }
        // After the slots were filled: a slot freed by a part that just
        // ended, whose next part goes in this very call, is not a slot the
        // limit left unused.
        self.cx.slots.look(now);
        Ok(())
    }

    /// Pauses or resumes the scheduler as the buttons say. Their state is
    /// the truth and their events only wake the loop: this runs before
    /// anything starts, so no request goes out after a click whose event
    /// still waits behind others in the channel.
    fn follow_buttons(&mut self) {
        let paused = self.cx.control.is_paused();
        if paused && !self.scheduler.is_paused() {
            for (part_number, try_id) in self.scheduler.pause() {
                self.flights.abort(part_number, try_id, AbortReason::Pause);
            }
        } else if !paused && self.scheduler.is_paused() {
            self.scheduler.resume();
        }
    }

    fn on_hashed(
        &mut self,
        part_number: u32,
        digest: Result<Sha256Checksum, UploadError>,
    ) -> Result<(), UploadError> {
        self.scheduler.hashed(part_number, digest?);
        Ok(())
    }

    fn on_signed(
        &mut self,
        signed: Result<Signed, UploadError>,
        now: f64,
    ) -> Result<(), UploadError> {
        let signed = match signed {
            Ok(signed) => signed,
            Err(error) => {
                self.scheduler.sign_failed();
                return Err(error);
            }
        };
        if let Some(plan) = signed.replan {
            self.target = Target::Single { plan, fresh: false };
            self.report_started();
        }
        let url = signed.parts.first().map_or("", |p| p.url.as_str());
        let refresh = expiry(now, url, &signed.expires_at);
        let missing = self.scheduler.signed(&signed.parts, refresh);
        if !missing.is_empty() {
            return Err(ApiError::BadAnswer(format!(
                "no URL for parts {}",
                missing
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        Ok(())
    }

    fn on_progress(&mut self, part_number: u32, try_id: u64, sent: u64, now: f64) {
        self.scheduler.progress(part_number, try_id, sent, now);
        self.report_progress(now);
    }

    fn on_finished(
        &mut self,
        part_number: u32,
        try_id: u64,
        answer: Result<XhrResponse, XhrError>,
        now: f64,
    ) -> Result<(), UploadError> {
        let Some(reason) = self.flights.land(part_number, try_id) else {
            return Ok(());
        };
        match outcome_of(answer, reason, &self.target, self.cx.control.is_cancelled())? {
            Outcome::Stored(etag) => {
                if self.scheduler.part_done(part_number, try_id, etag) {
                    (self.cx.report)(Report::PartDone {
                        parts_done: self.scheduler.parts_done(),
                    });
                }
            }
            Outcome::Failed(failure, refusal) => {
                self.on_part_failed(part_number, try_id, failure, refusal, now)?
            }
        }
        self.report_progress(now);
        Ok(())
    }

    /// Part `part_number` was not stored: tried again later, or the upload
    /// gives up.
    fn on_part_failed(
        &mut self,
        part_number: u32,
        try_id: u64,
        failure: PartFailure,
        refusal: Option<(u16, Option<S3Error>)>,
        now: f64,
    ) -> Result<(), UploadError> {
        match self
            .scheduler
            .part_failed(part_number, try_id, failure, now, random())
        {
            FailureOutcome::Retry {
                attempt,
                delay_ms,
                reason,
            } => (self.cx.report)(Report::Retry {
                part_number,
                attempt,
                reason,
                delay_ms,
            }),
            FailureOutcome::GiveUp { attempts, reason } => {
                // A fresh URL refused again is not an expiry: say what
                // storage said.
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
        Ok(())
    }

    fn on_tick(&mut self, now: f64) {
        for (part_number, try_id) in self.scheduler.stalled(now) {
            self.flights.abort(part_number, try_id, AbortReason::Stall);
        }
    }

    fn on_control(&mut self, event: ControlEvent) -> Result<(), UploadError> {
        match event {
            ControlEvent::Cancel => Err(UploadError::Cancelled),
            // Followed from the buttons' state before anything starts.
            ControlEvent::Pause | ControlEvent::Resume => Ok(()),
        }
    }

    fn report_started(&self) {
        (self.cx.report)(Report::Started {
            id: self.target.id(),
            parts_total: self.scheduler.parts_total(),
            parts_done: self.scheduler.parts_done(),
            parts_resumed: self.scheduler.parts_resumed(),
        });
    }

    fn report_progress(&mut self, now: f64) {
        let loaded = self.scheduler.loaded();
        // A failed part's bytes leave `loaded` and count again as they go
        // again: they crossed the link twice.
        self.cx
            .slots
            .sent(loaded.saturating_sub(self.reported_sent));
        self.reported_sent = loaded;
        self.tracker.update(loaded, now);
        (self.cx.report)(Report::Progress(&self.tracker));
    }

    /// Gets URLs for `batch`: the single PUT's own URL the first time, a new
    /// plan after that; the backend's signatures for a multipart upload.
    fn sign(&mut self, batch: Vec<PartToSign>, now: f64) {
        match &mut self.target {
            Target::Single { plan, fresh } if *fresh => {
                *fresh = false;
                let part = single_part(plan);
                let refresh = expiry(now, &part.url, &plan.expires_at);
                self.scheduler.signed(&[part], refresh);
            }
            Target::Single { .. } => spawn_replan(self.cx, &self.sender),
            Target::Multipart {
                id,
                upload_id,
                handle,
            } => {
                let body = SignParts {
                    upload_id: upload_id.clone(),
                    parts: batch,
                    handle: handle.clone(),
                };
                spawn_sign(self.cx, id.clone(), body, &self.sender);
            }
        }
    }

    /// Starts the PUT of `send`: a slice of the file (the browser streams it
    /// from disk; nothing is read into wasm memory), or the whole file for a
    /// single PUT.
    fn send(&mut self, send: PartSend, slot: Slot) -> Result<(), UploadError> {
        let file = &self.cx.file.file;
        let body: Blob = match self.target {
            Target::Single { .. } => (**file).clone(),
            Target::Multipart { .. } => slice(file, &send.range)?,
        };
        let (part_number, try_id) = (send.part_number, send.try_id);
        let progress = self.sender.clone();
        let on_progress = move |sent| {
            let _ = progress.unbounded_send(Event::Progress {
                part_number,
                try_id,
                sent,
            });
        };
        let request = xhr::put(&send.url, &send.headers, &body, Box::new(on_progress))?;
        self.flights.0.push(Flight {
            part_number,
            try_id,
            abort: request.abort_handle(),
            reason: None,
        });
        let finished = self.sender.clone();
        spawn_local(async move {
            let answer = request.response().await;
            // The slot goes back as the request ends, waking the waiters.
            drop(slot);
            let _ = finished.unbounded_send(Event::Finished {
                part_number,
                try_id,
                answer,
            });
        });
        Ok(())
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

/// When URLs like `url`, received at `now` with `expires_at`, should be
/// signed again.
fn expiry(now: f64, url: &str, expires_at: &str) -> Option<f64> {
    let lifetime = url_lifetime_ms(signed_lifetime_s(url), parse_time_ms(expires_at), wall_ms())?;
    refresh_at(now, lifetime)
}

/// The lifetime SigV4 signed into `url` (`X-Amz-Expires`, in seconds), read
/// by the browser's URL parser. S3-compatible stores spell it either way.
fn signed_lifetime_s(url: &str) -> Option<u32> {
    let query = web_sys::Url::new(url).ok()?.search_params();
    let seconds = query
        .get("X-Amz-Expires")
        .or_else(|| query.get("x-amz-expires"))?;
    seconds.parse().ok()
}

fn slice(file: &File, range: &Range<u64>) -> Result<Blob, UploadError> {
    file.slice_with_f64_and_f64(range.start as f64, range.end as f64)
        .map_err(|e| UploadError::Read(js_message(&e)))
}

/// Hashes part `number` (bytes `range` of `file`) in its own task; its
/// bytes are dropped as soon as the digest is known.
fn spawn_hash(
    file: &File,
    hasher: Sha256Backend,
    number: u32,
    range: Range<u64>,
    sender: &UnboundedSender<Event>,
) {
    let part = slice(file, &range);
    let sender = sender.clone();
    spawn_local(async move {
        let digest = match part {
            Ok(part) => hasher
                .checksum(&part)
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
fn spawn_sign(cx: &Context<'_>, id: String, body: SignParts, sender: &UnboundedSender<Event>) {
    let api = cx.api.clone();
    let policy = cx.config.api_retry();
    let sender = sender.clone();
    spawn_local(async move {
        let call = api.sign_parts(&id, &body);
        let signed = send_with_retries(&api, &call, policy)
            .await
            .and_then(|text| read_json::<SignedParts>(&text))
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
fn spawn_replan(cx: &Context<'_>, sender: &UnboundedSender<Event>) {
    let api = cx.api.clone();
    let policy = cx.config.api_retry();
    // Without a poster: the first plan's went up already, and a new one
    // would be a second upload of the same frame.
    let body = cx
        .file
        .create_request(cx.file_sha256.clone(), cx.media, None);
    let sender = sender.clone();
    spawn_local(async move {
        let call = api.create_upload(&body);
        let plan = send_with_retries(&api, &call, policy)
            .await
            .and_then(|text| read_json::<UploadPlan>(&text));
        let signed = match plan {
            Ok(UploadPlan::Single(plan)) => put_plan(plan).map(|plan| Signed {
                parts: vec![single_part(&plan)],
                expires_at: plan.expires_at.clone(),
                replan: Some(plan),
            }),
            Ok(UploadPlan::Multipart(multipart)) => {
                let _ = api
                    .send(&api.abort_upload(&multipart.id, &multipart.upload_id))
                    .await;
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

    /// The URL's own lifetime, read by the browser (so only in wasm).
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen_test::wasm_bindgen_test]
    fn the_signed_lifetime_is_read_from_the_url() {
        let url = "http://127.0.0.1:9000/b/k?partNumber=1&X-Amz-Date=20261123T150000Z&X-Amz-Expires=3&X-Amz-Signature=ab";
        assert_eq!(signed_lifetime_s(url), Some(3));
        assert_eq!(
            signed_lifetime_s("http://s3/k?x-amz-expires=900"),
            Some(900)
        );
        assert_eq!(signed_lifetime_s("http://s3/k?sig=1"), None);
        assert_eq!(signed_lifetime_s("http://s3/k"), None);
    }
}
