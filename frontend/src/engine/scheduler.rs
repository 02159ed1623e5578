//! What an upload does next: the state of every part and the rules
//! that move it along. Pure Rust, no IO and no clock of its own (times are
//! passed in, in milliseconds of a monotonic clock), so every rule is
//! unit-tested natively; [`super::transfer`] runs it against the browser.
//!
//! A part goes `Unhashed → Hashing → Unsigned → Signing → Ready → Sending →
//! Done`, and back when something fails:
//!
//! - **Hashing** runs one part at a time and only a little ahead of the
//!   uploads, so at most one part's bytes are in memory for it and URLs are
//!   not signed long before they are used.
//! - **Signing** asks for a batch of URLs (up to [`SchedulerConfig::batch_size`],
//!   never more than [`MAX_PARTS_PER_REQUEST`]) once the URLs in hand would
//!   not cover the next round of sends; a URL close to its expiry is signed
//!   again before it is used.
//! - **Sending** keeps at most [`SchedulerConfig::concurrency`] parts in
//!   flight, lowest part number first (so retried parts go out first).
//! - A failed part goes back to the queue after a backoff
//!   ([`RetryPolicy::delay_ms`]); an expired URL is signed again and a
//!   checksum the store refused is read again; after
//!   [`RetryPolicy::max_attempts`] failures the upload gives up, and at once
//!   when a freshly signed URL is refused as well (that is no expiry).
//! - **Progress** is the bytes of confirmed parts plus the bytes in flight of
//!   parts being sent; a part that fails takes its bytes back out, so no byte
//!   is ever counted twice.
//! - **Pause** stops all scheduling and hands back the requests to abort;
//!   their parts return to the queue as they were, without counting a failure.
//!
//! Every send has a `try_id`; news of an older try of a part (a late event
//! of a request already aborted) is ignored.
//!
//! The parts are indexed by stage, so no event needs a pass over every part:
//! the work per event is flat in the number of parts (`bench_scheduler` in
//! `tests/benches.rs`, figures in `BENCHMARKS.md`; natively, it grew from
//! 0.24 µs at 100 parts to 26 µs at 10,000 when each decision scanned them
//! all).

use crate::engine::part_set::PartSet;
use crate::engine::retry::RetryPolicy;
use std::collections::BTreeMap;
use std::fmt;
use vidrop_shared::api::{CompletedPart, PartToSign, SignedPart, StoredPart};
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::parts::{MAX_PARTS_PER_REQUEST, PartPlan};

/// Parts in flight unless the page sets `data-concurrency`.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most parts in flight a page may ask for.
pub const MAX_CONCURRENCY: usize = 16;
/// How long a part may go without a progress event before it is aborted and
/// tried again, unless the page sets `data-stall-timeout`.
pub const DEFAULT_STALL_TIMEOUT_MS: f64 = 20_000.0;
/// A URL is signed again this long before it expires (or a fifth of its
/// lifetime before, when that is shorter).
pub const REFRESH_MARGIN_MS: f64 = 30_000.0;
/// A lifetime computed from this computer's clock (no `X-Amz-Expires` in the
/// URL) shorter than this is not trusted: the clock may be ahead of the
/// server's, and refreshing ahead of time would then loop. A 403 from the
/// store says when such a URL expired.
pub const MIN_CLOCK_LIFETIME_MS: f64 = 10_000.0;

/// The knobs of a [`PartScheduler`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SchedulerConfig {
    /// Parts in flight at most.
    pub concurrency: usize,
    /// Parts signed per request to the backend.
    pub batch_size: usize,
    /// Milliseconds without progress after which a part counts as stalled.
    pub stall_timeout_ms: f64,
    pub retry: RetryPolicy,
}

impl SchedulerConfig {
    /// `concurrency` parts in flight (1 to [`MAX_CONCURRENCY`]), URLs signed
    /// two rounds of sends at a time.
    pub fn new(concurrency: usize, stall_timeout_ms: f64, retry: RetryPolicy) -> Self {
        let concurrency = concurrency.clamp(1, MAX_CONCURRENCY);
        SchedulerConfig {
            concurrency,
            batch_size: (2 * concurrency).min(MAX_PARTS_PER_REQUEST),
            stall_timeout_ms,
            retry,
        }
    }
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig::new(
            DEFAULT_CONCURRENCY,
            DEFAULT_STALL_TIMEOUT_MS,
            RetryPolicy::default(),
        )
    }
}

/// How long a presigned URL lives, in milliseconds: `signed_seconds`, its
/// SigV4 `X-Amz-Expires` when the URL has one (counted from the signer's own
/// clock, so no clock here matters), or else `expires_at_ms` minus this
/// computer's time `wall_now_ms`, when that is at least
/// [`MIN_CLOCK_LIFETIME_MS`]. `None`: unknown. The caller reads the URL and
/// the times; this only decides between them.
pub fn url_lifetime_ms(
    signed_seconds: Option<u32>,
    expires_at_ms: Option<f64>,
    wall_now_ms: f64,
) -> Option<f64> {
    match signed_seconds {
        Some(seconds) => Some(f64::from(seconds) * 1000.0),
        None => Some(expires_at_ms? - wall_now_ms).filter(|ms| *ms >= MIN_CLOCK_LIFETIME_MS),
    }
}

/// When a URL received at `now_ms` (monotonic clock) that lives
/// `lifetime_ms` should be signed again: [`REFRESH_MARGIN_MS`] before it
/// expires, or a fifth of its lifetime before when that is shorter.
pub fn refresh_at(now_ms: f64, lifetime_ms: f64) -> Option<f64> {
    if lifetime_ms.is_nan() || lifetime_ms <= 0.0 {
        return None;
    }
    let margin = (lifetime_ms / 5.0).min(REFRESH_MARGIN_MS);
    Some(now_ms + lifetime_ms - margin)
}

/// A presigned URL for one part, with the headers to send exactly.
#[derive(Debug, Clone, PartialEq)]
pub struct PartUrl {
    pub url: String,
    pub headers: BTreeMap<String, String>,
    /// When to sign it again instead of using it (see [`refresh_at`]).
    pub refresh_at_ms: Option<f64>,
}

/// A request to start: PUT bytes `range` of the file to `url`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartSend {
    pub part_number: u32,
    pub try_id: u64,
    pub range: std::ops::Range<u64>,
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// Why a part's request did not succeed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartFailure {
    /// Aborted by a pause: back to the queue as it was, not a failure.
    Paused,
    /// A failure worth another try.
    Retry(RetryReason),
}

/// Why a part is tried again; decides what is redone first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryReason {
    /// No answer: the connection failed or was cut.
    Network,
    /// The browser's own timeout.
    Timeout,
    /// No progress for the stall timeout; the request was aborted.
    Stalled,
    /// A status worth retrying (408, 429, 5xx).
    Status(u16),
    /// The store refused the URL (403: expired or no longer valid): it is
    /// signed again.
    Expired,
    /// The store computed another checksum than the signed one: the part is
    /// read and hashed again.
    BadDigest,
}

impl fmt::Display for RetryReason {
    /// The `reason` of a `vidrop:part-retry` event.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryReason::Network => f.write_str("network"),
            RetryReason::Timeout => f.write_str("timeout"),
            RetryReason::Stalled => f.write_str("stalled"),
            RetryReason::Status(status) => write!(f, "http-{status}"),
            RetryReason::Expired => f.write_str("expired"),
            RetryReason::BadDigest => f.write_str("bad-digest"),
        }
    }
}

/// What became of a failed part.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureOutcome {
    /// News of an older try, or of a part not in flight: nothing changed.
    Stale,
    /// Back in the queue, no failure counted (a pause).
    Requeued,
    /// Failure number `attempt` of this part; tried again after `delay_ms`.
    Retry {
        attempt: u32,
        delay_ms: f64,
        reason: RetryReason,
    },
    /// The part failed `attempts` times: the upload cannot go on.
    GiveUp { attempts: u32, reason: RetryReason },
}

#[derive(Debug, Clone, PartialEq)]
enum Stage {
    /// Its checksum is still to be computed.
    Unhashed,
    Hashing,
    /// Checksum known (or not used); needs a URL.
    Unsigned,
    Signing,
    /// URL in hand, waiting for a slot (and for its backoff to pass).
    Ready(PartUrl),
    Sending {
        try_id: u64,
        url: PartUrl,
        sent: u64,
        last_progress_ms: f64,
    },
    Done {
        etag: String,
    },
}

impl Stage {
    fn kind(&self) -> Kind {
        match self {
            Stage::Unhashed => Kind::Unhashed,
            Stage::Hashing => Kind::Hashing,
            Stage::Unsigned => Kind::Unsigned,
            Stage::Signing => Kind::Signing,
            Stage::Ready(_) => Kind::Ready,
            Stage::Sending { .. } => Kind::Sending,
            Stage::Done { .. } => Kind::Done,
        }
    }
}

/// A [`Stage`] without its data: the index of the parts in each stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Unhashed,
    Hashing,
    Unsigned,
    Signing,
    Ready,
    Sending,
    Done,
}

const KINDS: usize = 7;

#[derive(Debug, Clone)]
struct Part {
    stage: Stage,
    sha256: Option<Sha256Checksum>,
    failures: u32,
    last_failure: Option<RetryReason>,
    not_before_ms: f64,
}

/// The state of every part of one upload (a single PUT is a plan of one
/// part); see the module docs.
#[derive(Debug, Clone)]
pub struct PartScheduler {
    plan: PartPlan,
    config: SchedulerConfig,
    /// Index `n - 1` is part `n`.
    parts: Vec<Part>,
    /// The numbers of the parts in each stage, by [`Kind`]: what a decision
    /// needs is found without a pass over every part (up to 10,000), so the
    /// work per event does not grow with the file.
    by_kind: [PartSet; KINDS],
    checksums: bool,
    paused: bool,
    signing: bool,
    next_try: u64,
    confirmed_bytes: u64,
    resumed: u32,
}

impl PartScheduler {
    /// A scheduler for `plan`. With `checksums`, each part's SHA-256 is
    /// computed and signed before it is sent; without, parts are signed as
    /// they are.
    pub fn new(plan: PartPlan, config: SchedulerConfig, checksums: bool) -> Self {
        let first = if checksums {
            Stage::Unhashed
        } else {
            Stage::Unsigned
        };
        let first_kind = first.kind();
        let part = Part {
            stage: first,
            sha256: None,
            failures: 0,
            last_failure: None,
            not_before_ms: f64::NEG_INFINITY,
        };
        let mut by_kind: [PartSet; KINDS] = Default::default();
        for number in 1..=plan.part_count {
            by_kind[first_kind as usize].insert(number);
        }
        PartScheduler {
            plan,
            config,
            parts: vec![part; plan.part_count as usize],
            by_kind,
            checksums,
            paused: false,
            signing: false,
            next_try: 1,
            confirmed_bytes: 0,
            resumed: 0,
        }
    }

    pub fn plan(&self) -> PartPlan {
        self.plan
    }

    fn part_mut(&mut self, number: u32) -> Option<&mut Part> {
        self.parts.get_mut((number as usize).checked_sub(1)?)
    }

    fn numbered(&self) -> impl Iterator<Item = (u32, &Part)> {
        self.parts.iter().zip(1..).map(|(part, n)| (n, part))
    }

    /// The parts in stage `kind`, lowest number first.
    fn of_kind(&self, kind: Kind) -> &PartSet {
        &self.by_kind[kind as usize]
    }

    fn count(&self, kind: Kind) -> usize {
        self.of_kind(kind).len()
    }

    /// Moves part `number` (in the plan) to `stage`; answers the stage it
    /// left. Every change of stage goes through here, which keeps
    /// [`PartScheduler::by_kind`] true.
    fn set_stage(&mut self, number: u32, stage: Stage) -> Stage {
        let new = stage.kind();
        let part = &mut self.parts[number as usize - 1];
        let old = std::mem::replace(&mut part.stage, stage);
        if old.kind() != new {
            self.by_kind[old.kind() as usize].remove(number);
            self.by_kind[new as usize].insert(number);
        }
        old
    }

    /// A part the store already holds (found when resuming). Accepted when
    /// its number is in the plan and its size is the plan's size for it;
    /// otherwise it is sent again.
    pub fn mark_stored(&mut self, stored: &StoredPart) -> bool {
        let number = stored.part_number;
        if !(1..=self.plan.part_count).contains(&number) || stored.size != self.plan.len_of(number)
        {
            return false;
        }
        if self.of_kind(Kind::Done).contains(number) {
            return false;
        }
        self.set_stage(
            number,
            Stage::Done {
                etag: stored.etag.clone(),
            },
        );
        self.part_mut(number).expect("checked above").sha256 = stored.sha256.clone();
        self.confirmed_bytes += stored.size;
        self.resumed += 1;
        true
    }

    /// The next part to hash, if hashing should go on now: one at a time, and
    /// only while fewer than a batch of parts wait for a URL and the parts
    /// hashed but not yet sent stay within a batch plus a round of sends.
    pub fn next_hash(&mut self) -> Option<u32> {
        if self.paused || !self.checksums || self.count(Kind::Hashing) > 0 {
            return None;
        }
        let waiting = self.count(Kind::Unsigned);
        let ahead = waiting + self.count(Kind::Signing) + self.count(Kind::Ready);
        if waiting >= self.config.batch_size
            || ahead >= self.config.batch_size + self.config.concurrency
        {
            return None;
        }
        let number = self.of_kind(Kind::Unhashed).first()?;
        self.set_stage(number, Stage::Hashing);
        Some(number)
    }

    /// Part `number`'s checksum (base64 SHA-256) is known.
    pub fn hashed(&mut self, number: u32, sha256: Sha256Checksum) {
        if self.of_kind(Kind::Hashing).contains(number) {
            self.set_stage(number, Stage::Unsigned);
            self.part_mut(number).expect("a planned part").sha256 = Some(sha256);
        }
    }

    /// URLs close to expiry go back to be signed again.
    fn refresh_expiring(&mut self, now_ms: f64) {
        let expiring: Vec<u32> = self
            .of_kind(Kind::Ready)
            .iter()
            .filter(|&number| {
                matches!(&self.parts[number as usize - 1].stage,
                    Stage::Ready(url) if url.refresh_at_ms.is_some_and(|at| at <= now_ms))
            })
            .collect();
        for number in expiring {
            self.set_stage(number, Stage::Unsigned);
        }
    }

    /// The parts to sign now, in one request, if any: when the URLs in hand
    /// would not cover the next round of sends, and either a whole batch
    /// waits or nothing else can go out meanwhile.
    pub fn next_sign_batch(&mut self, now_ms: f64) -> Option<Vec<PartToSign>> {
        if self.paused || self.signing {
            return None;
        }
        self.refresh_expiring(now_ms);
        let ready = self.count(Kind::Ready);
        if ready > self.config.concurrency {
            return None;
        }
        let waiting = self.count(Kind::Unsigned);
        if waiting == 0 {
            return None;
        }
        let batch = self.config.batch_size.clamp(1, MAX_PARTS_PER_REQUEST);
        let still_hashing = self.count(Kind::Unhashed) + self.count(Kind::Hashing);
        let whole_batch = waiting >= batch || still_hashing == 0;
        let starving = ready == 0 && self.in_flight() < self.config.concurrency;
        if !whole_batch && !starving {
            return None;
        }
        let numbers: Vec<u32> = self.of_kind(Kind::Unsigned).iter().take(batch).collect();
        let mut batch_parts = Vec::with_capacity(numbers.len());
        for number in numbers {
            self.set_stage(number, Stage::Signing);
            batch_parts.push(PartToSign {
                part_number: number,
                sha256: self.parts[number as usize - 1].sha256.clone(),
            });
        }
        self.signing = true;
        Some(batch_parts)
    }

    /// The backend signed the batch in flight. Parts it left out go back to
    /// be signed again; their numbers are returned.
    pub fn signed(&mut self, signed: &[SignedPart], refresh_at_ms: Option<f64>) -> Vec<u32> {
        self.signing = false;
        let mut missing = Vec::new();
        let signing: Vec<u32> = self.of_kind(Kind::Signing).iter().collect();
        for number in signing {
            match signed.iter().find(|s| s.part_number == number) {
                Some(s) => {
                    self.set_stage(
                        number,
                        Stage::Ready(PartUrl {
                            url: s.url.clone(),
                            headers: s.headers.clone(),
                            refresh_at_ms,
                        }),
                    );
                }
                None => {
                    self.set_stage(number, Stage::Unsigned);
                    missing.push(number);
                }
            }
        }
        missing
    }

    /// Signing the batch in flight failed; its parts wait to be signed again.
    pub fn sign_failed(&mut self) {
        self.signing = false;
        let signing: Vec<u32> = self.of_kind(Kind::Signing).iter().collect();
        for number in signing {
            self.set_stage(number, Stage::Unsigned);
        }
    }

    /// The next request to start, if a slot is free: the lowest-numbered
    /// part with a fresh URL whose backoff has passed.
    pub fn next_send(&mut self, now_ms: f64) -> Option<PartSend> {
        if self.paused || self.in_flight() >= self.config.concurrency {
            return None;
        }
        self.refresh_expiring(now_ms);
        let number = self
            .of_kind(Kind::Ready)
            .iter()
            .find(|&n| self.parts[n as usize - 1].not_before_ms <= now_ms)?;
        let try_id = self.next_try;
        self.next_try += 1;
        let range = self.plan.range(number);
        let Stage::Ready(url) = self.set_stage(number, Stage::Unsigned) else {
            unreachable!("found Ready above")
        };
        let send = PartSend {
            part_number: number,
            try_id,
            range,
            url: url.url.clone(),
            headers: url.headers.clone(),
        };
        self.set_stage(
            number,
            Stage::Sending {
                try_id,
                url,
                sent: 0,
                last_progress_ms: now_ms,
            },
        );
        Some(send)
    }

    fn sending_mut(&mut self, number: u32, try_id: u64) -> Option<&mut Part> {
        self.part_mut(number)
            .filter(|p| matches!(p.stage, Stage::Sending { try_id: t, .. } if t == try_id))
    }

    /// Try `try_id` of part `number` has sent `sent` bytes by `now_ms`.
    pub fn progress(&mut self, number: u32, try_id: u64, sent: u64, now_ms: f64) {
        let plan = self.plan;
        if let Some(part) = self.sending_mut(number, try_id)
            && let Stage::Sending {
                sent: s,
                last_progress_ms,
                ..
            } = &mut part.stage
        {
            *s = sent.min(plan.len_of(number));
            *last_progress_ms = now_ms;
        }
    }

    /// The store accepted try `try_id` of part `number`. False when that try
    /// was no longer current (nothing changed).
    pub fn part_done(&mut self, number: u32, try_id: u64, etag: String) -> bool {
        if self.sending_mut(number, try_id).is_none() {
            return false;
        }
        self.set_stage(number, Stage::Done { etag });
        self.confirmed_bytes += self.plan.len_of(number);
        true
    }

    /// Try `try_id` of part `number` failed; `random` (uniform in
    /// `0.0..1.0`) jitters its backoff.
    pub fn part_failed(
        &mut self,
        number: u32,
        try_id: u64,
        failure: PartFailure,
        now_ms: f64,
        random: f64,
    ) -> FailureOutcome {
        let retry = self.config.retry;
        let checksums = self.checksums;
        if self.sending_mut(number, try_id).is_none() {
            return FailureOutcome::Stale;
        }
        let Stage::Sending { url, .. } = self.set_stage(number, Stage::Unsigned) else {
            unreachable!("sending_mut checked the stage")
        };
        let reason = match failure {
            PartFailure::Paused => {
                self.set_stage(number, Stage::Ready(url));
                return FailureOutcome::Requeued;
            }
            PartFailure::Retry(reason) => reason,
        };
        let part = self.part_mut(number).expect("in flight above");
        part.failures += 1;
        let attempt = part.failures;
        // A URL signed afresh and refused again did not expire: signing
        // once more would not help.
        let refused_twice =
            reason == RetryReason::Expired && part.last_failure == Some(RetryReason::Expired);
        part.last_failure = Some(reason);
        let next = match reason {
            RetryReason::Expired => Stage::Unsigned,
            RetryReason::BadDigest if checksums => {
                part.sha256 = None;
                Stage::Unhashed
            }
            _ => Stage::Ready(url),
        };
        self.set_stage(number, next);
        if refused_twice || !retry.allows_retry_after(attempt) {
            return FailureOutcome::GiveUp {
                attempts: attempt,
                reason,
            };
        }
        let delay_ms = retry.delay_ms(attempt, random);
        self.part_mut(number)
            .expect("in flight above")
            .not_before_ms = now_ms + delay_ms;
        FailureOutcome::Retry {
            attempt,
            delay_ms,
            reason,
        }
    }

    /// Requests in flight that have made no progress for the stall timeout:
    /// `(part_number, try_id)`, to abort and report as
    /// [`RetryReason::Stalled`].
    pub fn stalled(&self, now_ms: f64) -> Vec<(u32, u64)> {
        self.in_flight_parts()
            .filter_map(|(n, p)| match p.stage {
                Stage::Sending {
                    try_id,
                    last_progress_ms,
                    ..
                } if now_ms - last_progress_ms >= self.config.stall_timeout_ms => Some((n, try_id)),
                _ => None,
            })
            .collect()
    }

    /// Requests in flight: `(part_number, try_id)`.
    pub fn sending(&self) -> Vec<(u32, u64)> {
        self.in_flight_parts()
            .filter_map(|(n, p)| match p.stage {
                Stage::Sending { try_id, .. } => Some((n, try_id)),
                _ => None,
            })
            .collect()
    }

    /// Stops scheduling; returns the requests to abort (report each abort
    /// as [`PartFailure::Paused`]).
    pub fn pause(&mut self) -> Vec<(u32, u64)> {
        self.paused = true;
        self.sending()
    }

    /// Scheduling goes on.
    pub fn resume(&mut self) {
        self.paused = false;
    }

    pub fn is_paused(&self) -> bool {
        self.paused
    }

    /// Whether the index of parts by stage agrees with every part's stage.
    #[cfg(test)]
    fn index_is_true(&self) -> bool {
        let mut by_kind: [PartSet; KINDS] = Default::default();
        for (number, part) in self.numbered() {
            by_kind[part.stage.kind() as usize].insert(number);
        }
        by_kind == self.by_kind
    }

    /// Parts in flight.
    pub fn in_flight(&self) -> usize {
        self.count(Kind::Sending)
    }

    fn in_flight_parts(&self) -> impl Iterator<Item = (u32, &Part)> {
        self.of_kind(Kind::Sending)
            .iter()
            .map(|n| (n, &self.parts[n as usize - 1]))
    }

    /// Bytes confirmed by the store plus bytes in flight.
    pub fn loaded(&self) -> u64 {
        let in_flight: u64 = self
            .in_flight_parts()
            .map(|(_, p)| match p.stage {
                Stage::Sending { sent, .. } => sent,
                _ => 0,
            })
            .sum();
        self.confirmed_bytes + in_flight
    }

    /// Bytes confirmed by the store.
    pub fn confirmed_bytes(&self) -> u64 {
        self.confirmed_bytes
    }

    pub fn parts_total(&self) -> u32 {
        self.plan.part_count
    }

    /// Parts the store holds, found on resume or confirmed since.
    pub fn parts_done(&self) -> u32 {
        self.count(Kind::Done) as u32
    }

    /// Parts found already stored when resuming.
    pub fn parts_resumed(&self) -> u32 {
        self.resumed
    }

    pub fn is_complete(&self) -> bool {
        self.parts_done() == self.plan.part_count
    }

    /// The parts for `POST …/complete`, in order, once every part is done.
    pub fn completed_parts(&self) -> Option<Vec<CompletedPart>> {
        // A loop: `collect` into an `Option` costs the wasm more.
        let mut completed = Vec::with_capacity(self.parts.len());
        for (part_number, part) in self.numbered() {
            let Stage::Done { etag } = &part.stage else {
                return None;
            };
            completed.push(CompletedPart {
                part_number,
                etag: etag.clone(),
                sha256: part.sha256.clone(),
            });
        }
        Some(completed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidrop_shared::limits::MIB;

    /// A fixed, well-formed checksum standing for `tag` (letters and digits;
    /// distinct tags, distinct sums): no digest is computed here.
    fn sum(tag: &str) -> Sha256Checksum {
        Sha256Checksum::parse(&format!("{tag:A<42}A=")).expect("a valid checksum")
    }

    /// A small deterministic random source (an LCG), for reproducible runs.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> f64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    fn signed_part(n: u32) -> SignedPart {
        SignedPart {
            part_number: n,
            url: format!("http://s3/part{n}"),
            headers: BTreeMap::from([(
                "x-amz-checksum-sha256".into(),
                sum(&format!("sha{n}")).into(),
            )]),
        }
    }

    fn sign_all(s: &mut PartScheduler, batch: &[PartToSign], refresh: Option<f64>) {
        let signed: Vec<SignedPart> = batch.iter().map(|p| signed_part(p.part_number)).collect();
        assert!(s.signed(&signed, refresh).is_empty());
    }

    /// Hashes what may be hashed, then signs the first batch; returns it.
    fn sign_first_batch(s: &mut PartScheduler) -> Vec<PartToSign> {
        hash_all_allowed(s);
        let batch = s.next_sign_batch(0.0).unwrap();
        sign_all(s, &batch, None);
        batch
    }

    fn hash_all_allowed(s: &mut PartScheduler) -> Vec<u32> {
        let mut hashed = Vec::new();
        while let Some(n) = s.next_hash() {
            s.hashed(n, sum(&format!("sha{n}")));
            hashed.push(n);
        }
        hashed
    }

    fn scheduler(size: u64, concurrency: usize) -> PartScheduler {
        PartScheduler::new(
            PartPlan::for_size(size),
            SchedulerConfig::new(concurrency, 20_000.0, RetryPolicy::default()),
            true,
        )
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_random_run_never_exceeds_concurrency_and_counts_each_byte_once() {
        for seed in 1..=20u64 {
            let mut random = Lcg(seed);
            let size = 200 * MIB + seed * 12_345;
            let concurrency = 1 + (seed as usize % 6);
            let mut s = scheduler(size, concurrency);
            let total = s.parts_total();
            let mut now = 0.0;
            let mut flying: Vec<(u32, u64)> = Vec::new();
            let mut signing: Option<Vec<PartToSign>> = None;
            let mut last_failure = std::collections::HashMap::new();
            let mut steps = 0;
            while !s.is_complete() {
                steps += 1;
                assert!(steps < 100_000, "seed {seed}: no progress");
                now += 100.0;
                hash_all_allowed(&mut s);
                if signing.is_none() {
                    signing = s.next_sign_batch(now);
                    if let Some(batch) = &signing {
                        assert!(!batch.is_empty() && batch.len() <= MAX_PARTS_PER_REQUEST);
                        assert!(batch.iter().all(|p| p.sha256.is_some()));
                    }
                }
                while let Some(send) = s.next_send(now) {
                    assert_eq!(send.range, s.plan().range(send.part_number));
                    flying.push((send.part_number, send.try_id));
                }
                assert!(s.in_flight() <= concurrency, "seed {seed}");
                assert!(s.index_is_true(), "seed {seed}: the stage index is wrong");
                // The signing request answers now and then.
                if random.next() < 0.5
                    && let Some(batch) = signing.take()
                {
                    sign_all(&mut s, &batch, None);
                }
                // Each request in flight progresses, succeeds or fails.
                let mut still = Vec::new();
                for (n, t) in flying.drain(..) {
                    let r = random.next();
                    let len = s.plan().len_of(n);
                    if r < 0.5 {
                        s.progress(n, t, (len as f64 * random.next()) as u64, now);
                        still.push((n, t));
                    } else if r < 0.8 {
                        assert!(s.part_done(n, t, format!("etag{n}")));
                        assert!(!s.part_done(n, t, "again".into()), "done twice");
                    } else {
                        let reason = match (r * 100.0) as u32 % 4 {
                            0 => RetryReason::Network,
                            1 => RetryReason::Status(503),
                            2 => RetryReason::BadDigest,
                            // Twice in a row would end the upload.
                            _ if last_failure.get(&n) == Some(&RetryReason::Expired) => {
                                RetryReason::Stalled
                            }
                            _ => RetryReason::Expired,
                        };
                        // Few enough failures that nothing gives up.
                        let outcome = if random.next() < 0.3 {
                            last_failure.insert(n, reason);
                            s.part_failed(n, t, PartFailure::Retry(reason), now, random.next())
                        } else {
                            s.part_failed(n, t, PartFailure::Paused, now, 0.0)
                        };
                        assert_ne!(outcome, FailureOutcome::Stale);
                        assert!(!matches!(outcome, FailureOutcome::GiveUp { .. }));
                    }
                }
                flying = still;
                assert!(s.loaded() <= size, "seed {seed}: {} > {size}", s.loaded());
                let in_flight: u64 = flying.iter().map(|(n, _)| s.plan().len_of(*n)).sum();
                assert!(s.loaded() <= s.confirmed_bytes() + in_flight);
            }
            assert_eq!(s.loaded(), size);
            assert_eq!(s.parts_done(), total);
            let parts = s.completed_parts().unwrap();
            assert_eq!(parts.len(), total as usize);
            for (part, n) in parts.iter().zip(1..) {
                assert_eq!(part.part_number, n);
                assert_eq!(part.etag, format!("etag{n}"));
                assert_eq!(part.sha256, Some(sum(&format!("sha{n}"))));
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_failed_part_takes_its_bytes_back_and_is_sent_again_after_its_backoff() {
        let mut s = scheduler(100 * MIB, 2);
        sign_first_batch(&mut s);
        let first = s.next_send(0.0).unwrap();
        let second = s.next_send(0.0).unwrap();
        assert_eq!((first.part_number, second.part_number), (1, 2));
        assert_eq!(s.next_send(0.0), None, "two in flight at most");
        s.progress(1, first.try_id, 5 * MIB, 10.0);
        s.progress(2, second.try_id, 3 * MIB, 10.0);
        assert_eq!(s.loaded(), 8 * MIB);

        let outcome = s.part_failed(
            1,
            first.try_id,
            PartFailure::Retry(RetryReason::Status(503)),
            100.0,
            0.0,
        );
        assert_eq!(
            outcome,
            FailureOutcome::Retry {
                attempt: 1,
                delay_ms: 250.0,
                reason: RetryReason::Status(503)
            }
        );
        assert_eq!(s.loaded(), 3 * MIB, "part 1's bytes are taken back out");
        // A late event of the failed try changes nothing.
        s.progress(1, first.try_id, 8 * MIB, 120.0);
        assert!(!s.part_done(1, first.try_id, "late".into()));
        assert_eq!(s.loaded(), 3 * MIB);

        // Its slot is free, but part 1 waits for its backoff; part 3 goes.
        let third = s.next_send(200.0).unwrap();
        assert_eq!(third.part_number, 3);
        assert!(s.part_done(3, third.try_id, "e3".into()));
        assert_eq!(s.next_send(300.0).map(|p| p.part_number), Some(4));
        assert!(s.part_done(2, second.try_id, "e2".into()));
        let again = s.next_send(350.0).unwrap();
        assert_eq!(
            again.part_number, 1,
            "the lowest part first once its wait is over"
        );
        assert_ne!(again.try_id, first.try_id);
        assert!(s.part_done(1, again.try_id, "e1".into()));
        assert_eq!(s.confirmed_bytes(), 3 * 8 * MIB);
        assert_eq!(s.loaded(), 3 * 8 * MIB);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_part_gives_up_after_max_attempts() {
        let retry = RetryPolicy::default().with_max_attempts(3);
        let mut s = PartScheduler::new(
            PartPlan::for_size(16 * MIB),
            SchedulerConfig::new(1, 20_000.0, retry),
            false,
        );
        let batch = s.next_sign_batch(0.0).unwrap();
        assert_eq!(batch.len(), 2, "no checksums: everything can be signed");
        assert!(batch.iter().all(|p| p.sha256.is_none()));
        sign_all(&mut s, &batch, None);
        let mut now = 0.0;
        for attempt in 1..=3 {
            now += 100_000.0;
            let send = s.next_send(now).unwrap();
            assert_eq!(send.part_number, 1);
            let outcome = s.part_failed(
                1,
                send.try_id,
                PartFailure::Retry(RetryReason::Network),
                now,
                0.5,
            );
            if attempt < 3 {
                assert!(
                    matches!(outcome, FailureOutcome::Retry { attempt: a, .. } if a == attempt)
                );
            } else {
                assert_eq!(
                    outcome,
                    FailureOutcome::GiveUp {
                        attempts: 3,
                        reason: RetryReason::Network
                    }
                );
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn pause_aborts_what_flies_and_requeues_it_without_a_failure() {
        let mut s = scheduler(100 * MIB, 4);
        sign_first_batch(&mut s);
        let sends: Vec<PartSend> = std::iter::from_fn(|| s.next_send(0.0)).collect();
        assert_eq!(sends.len(), 4);
        s.progress(2, sends[1].try_id, MIB, 5.0);
        assert!(s.part_done(1, sends[0].try_id, "e1".into()));

        let to_abort = s.pause();
        assert_eq!(
            to_abort,
            sends[1..]
                .iter()
                .map(|p| (p.part_number, p.try_id))
                .collect::<Vec<_>>()
        );
        assert!(s.is_paused());
        assert_eq!(s.next_send(10.0), None);
        assert_eq!(s.next_hash(), None);
        assert_eq!(s.next_sign_batch(10.0), None);
        for (n, t) in to_abort {
            assert_eq!(
                s.part_failed(n, t, PartFailure::Paused, 10.0, 0.0),
                FailureOutcome::Requeued
            );
        }
        assert_eq!(s.loaded(), 8 * MIB, "only the confirmed part counts");
        assert_eq!(s.in_flight(), 0);

        s.resume();
        let resent: Vec<u32> = std::iter::from_fn(|| s.next_send(20.0))
            .map(|p| p.part_number)
            .collect();
        assert_eq!(resent, [2, 3, 4, 5], "same parts first, no backoff");
        assert_eq!(
            s.stalled(20.0 + 19_999.0),
            Vec::<(u32, u64)>::new(),
            "not stalled yet"
        );
        assert_eq!(s.stalled(20.0 + 20_000.0).len(), 4);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn progress_keeps_a_part_from_stalling() {
        let mut s = scheduler(10 * MIB, 4);
        sign_first_batch(&mut s);
        let send = s.next_send(0.0).unwrap();
        s.progress(send.part_number, send.try_id, 1, 15_000.0);
        assert!(s.stalled(30_000.0).is_empty());
        assert_eq!(s.stalled(35_000.0), [(send.part_number, send.try_id)]);
        let outcome = s.part_failed(
            send.part_number,
            send.try_id,
            PartFailure::Retry(RetryReason::Stalled),
            35_000.0,
            0.0,
        );
        assert!(matches!(
            outcome,
            FailureOutcome::Retry {
                reason: RetryReason::Stalled,
                ..
            }
        ));
        assert_eq!(RetryReason::Stalled.to_string(), "stalled");
        assert_eq!(RetryReason::Status(503).to_string(), "http-503");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn urls_are_signed_in_batches_just_ahead_of_need() {
        // 1 GiB: 128 parts of 8 MiB; 4 in flight, batches of 8.
        let mut s = scheduler(1024 * MIB, 4);
        // Hashing stops a batch and a round ahead at most.
        assert_eq!(hash_all_allowed(&mut s), (1..=8).collect::<Vec<_>>());
        let first = s.next_sign_batch(0.0).unwrap();
        assert_eq!(first.len(), 8);
        assert_eq!(s.next_sign_batch(0.0), None, "one request at a time");
        assert_eq!(hash_all_allowed(&mut s), (9..=12).collect::<Vec<_>>());
        sign_all(&mut s, &first, None);
        // Eight URLs in hand: more than a round of sends, nothing to sign.
        assert_eq!(s.next_sign_batch(0.0), None);
        let sends: Vec<PartSend> = std::iter::from_fn(|| s.next_send(0.0)).collect();
        assert_eq!(sends.len(), 4);
        // Four left in hand: the next round needs more, and a batch waits.
        assert_eq!(hash_all_allowed(&mut s), (13..=16).collect::<Vec<_>>());
        let second = s.next_sign_batch(0.0).unwrap();
        assert_eq!(
            second.iter().map(|p| p.part_number).collect::<Vec<_>>(),
            (9..=16).collect::<Vec<_>>()
        );
        assert_eq!(second[0].sha256, Some(sum("sha9")));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_batch_never_exceeds_the_backends_limit() {
        let config = SchedulerConfig {
            batch_size: 500,
            ..SchedulerConfig::default()
        };
        let mut s = PartScheduler::new(PartPlan::for_size(4096 * MIB), config, false);
        let batch = s.next_sign_batch(0.0).unwrap();
        assert_eq!(batch.len(), MAX_PARTS_PER_REQUEST);
        assert_eq!(
            SchedulerConfig::new(1000, 1.0, RetryPolicy::default()),
            SchedulerConfig::new(MAX_CONCURRENCY, 1.0, RetryPolicy::default())
        );
        assert_eq!(
            SchedulerConfig::new(0, 1.0, RetryPolicy::default()).concurrency,
            1
        );
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn the_first_part_is_signed_without_waiting_for_a_whole_batch() {
        let mut s = scheduler(100 * MIB, 4);
        assert_eq!(s.next_hash(), Some(1));
        s.hashed(1, sum("sha1"));
        // Nothing in hand, nothing in flight: better one URL now than idle.
        let batch = s.next_sign_batch(0.0).unwrap();
        assert_eq!(batch.len(), 1);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn urls_close_to_expiry_are_signed_again_before_use() {
        let mut s = scheduler(100 * MIB, 1);
        hash_all_allowed(&mut s);
        let batch = s.next_sign_batch(0.0).unwrap();
        // Received at t=0 with 15 minutes to live: refreshed 30 s early.
        let refresh = refresh_at(0.0, 900_000.0);
        assert_eq!(refresh, Some(870_000.0));
        sign_all(&mut s, &batch, refresh);
        let send = s.next_send(1_000.0).unwrap();
        // The queue waits behind a slow part until the URLs get old...
        s.progress(1, send.try_id, MIB, 869_000.0);
        assert_eq!(s.next_sign_batch(869_000.0), None);
        // ...then they are signed again, with their checksums.
        hash_all_allowed(&mut s);
        let again = s.next_sign_batch(870_000.0).unwrap();
        assert_eq!(again.first().map(|p| p.part_number), Some(2));
        assert_eq!(again[0].sha256, Some(sum("sha2")));
        assert!(s.part_done(1, send.try_id, "e1".into()));
        assert_eq!(s.next_send(870_001.0), None, "no stale URL is used");
        sign_all(&mut s, &again, refresh_at(870_002.0, 900_000.0));
        assert_eq!(s.next_send(870_003.0).map(|p| p.part_number), Some(2));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn refresh_times_follow_the_lifetime_not_the_clocks() {
        // Short lifetimes keep four fifths of it.
        assert_eq!(refresh_at(100.0, 60_000.0), Some(100.0 + 48_000.0));
        assert_eq!(refresh_at(100.0, 3_000.0), Some(100.0 + 2_400.0));
        assert_eq!(refresh_at(100.0, 0.0), None);
        assert_eq!(refresh_at(100.0, f64::NAN), None);

        // The URL's own X-Amz-Expires (read from it by the caller) wins
        // over any clock: this computer's clock may be hours off.
        assert_eq!(url_lifetime_ms(Some(3), Some(0.0), 9e12), Some(3_000.0));
        assert_eq!(url_lifetime_ms(Some(900), None, 0.0), Some(900_000.0));
        // Without it, the clocks; a lifetime that looks (nearly) over on
        // arrival is not trusted: with a clock ahead, refreshing would loop.
        assert_eq!(
            url_lifetime_ms(None, Some(1_060_000.0), 1_000_000.0),
            Some(60_000.0)
        );
        assert_eq!(url_lifetime_ms(None, Some(1_005_000.0), 1_000_000.0), None);
        assert_eq!(url_lifetime_ms(None, Some(0.0), 1_000_000.0), None);
        assert_eq!(url_lifetime_ms(None, None, 1_000_000.0), None);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn an_expired_url_is_signed_again_and_a_bad_digest_hashed_again() {
        let mut s = scheduler(30 * MIB, 2);
        let batch = sign_first_batch(&mut s);
        assert_eq!(batch.len(), 4, "all remaining parts are hashed: sign them");
        let one = s.next_send(0.0).unwrap();
        let two = s.next_send(0.0).unwrap();
        let outcome = s.part_failed(
            1,
            one.try_id,
            PartFailure::Retry(RetryReason::Expired),
            0.0,
            0.0,
        );
        assert!(matches!(outcome, FailureOutcome::Retry { attempt: 1, .. }));
        let resign = s.next_sign_batch(1.0);
        assert_eq!(
            resign,
            Some(vec![PartToSign {
                part_number: 1,
                sha256: Some(sum("sha1"))
            }])
        );
        let outcome = s.part_failed(
            2,
            two.try_id,
            PartFailure::Retry(RetryReason::BadDigest),
            0.0,
            0.0,
        );
        assert!(matches!(outcome, FailureOutcome::Retry { attempt: 1, .. }));
        assert_eq!(s.next_hash(), Some(2), "read and hashed again");
        s.hashed(2, sum("sha2new"));
        sign_all(&mut s, resign.as_deref().unwrap(), None);
        // Three URLs in hand: enough for now. Once parts 1 (after its
        // backoff) and 3 go out, part 2 is signed with its new checksum.
        assert_eq!(s.next_sign_batch(1.0), None);
        let sent: Vec<u32> = std::iter::from_fn(|| s.next_send(1_000.0))
            .map(|p| p.part_number)
            .collect();
        assert_eq!(sent, [1, 3]);
        let batch = s.next_sign_batch(1_000.0).unwrap();
        assert_eq!(batch[0].part_number, 2);
        assert_eq!(batch[0].sha256, Some(sum("sha2new")));

        // Part 1's fresh URL is refused too: that is no expiry, stop.
        let retry = sent_try(&s, 1);
        assert_eq!(
            s.part_failed(
                1,
                retry,
                PartFailure::Retry(RetryReason::Expired),
                2_000.0,
                0.0
            ),
            FailureOutcome::GiveUp {
                attempts: 2,
                reason: RetryReason::Expired
            }
        );
    }

    fn sent_try(s: &PartScheduler, number: u32) -> u64 {
        s.sending()
            .into_iter()
            .find(|(n, _)| *n == number)
            .map(|(_, t)| t)
            .expect("in flight")
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn parts_left_out_of_a_signing_answer_are_asked_again() {
        let mut s = PartScheduler::new(
            PartPlan::for_size(30 * MIB),
            SchedulerConfig::default(),
            false,
        );
        let batch = s.next_sign_batch(0.0).unwrap();
        assert_eq!(batch.len(), 4);
        let missing = s.signed(&[signed_part(1), signed_part(3)], None);
        assert_eq!(missing, [2, 4]);
        s.sign_failed(); // nothing in flight: no effect
        let again = s.next_sign_batch(0.0).unwrap();
        assert_eq!(
            again.iter().map(|p| p.part_number).collect::<Vec<_>>(),
            [2, 4]
        );
        s.sign_failed();
        assert_eq!(s.next_sign_batch(0.0).map(|b| b.len()), Some(2));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn stored_parts_count_as_done_when_their_size_matches() {
        let mut s = scheduler(20 * MIB, 4);
        let stored = |n, size| StoredPart {
            part_number: n,
            etag: format!("e{n}"),
            size,
            sha256: Some(sum(&format!("s{n}"))),
        };
        assert!(s.mark_stored(&stored(1, 8 * MIB)));
        assert!(!s.mark_stored(&stored(1, 8 * MIB)), "only once");
        assert!(
            !s.mark_stored(&stored(2, 5 * MIB)),
            "wrong size: sent again"
        );
        assert!(!s.mark_stored(&stored(4, 4 * MIB)), "not in the plan");
        assert!(!s.mark_stored(&stored(0, 8 * MIB)));
        assert!(s.mark_stored(&stored(3, 4 * MIB)), "the short last part");
        assert_eq!((s.parts_done(), s.parts_resumed()), (2, 2));
        assert_eq!(s.loaded(), 12 * MIB);
        assert_eq!(s.next_hash(), Some(2), "only the missing part is read");
        assert_eq!(s.next_hash(), None);
        s.hashed(2, sum("s2"));
        let batch = s.next_sign_batch(0.0).unwrap();
        sign_all(&mut s, &batch, None);
        let send = s.next_send(0.0).unwrap();
        assert!(s.part_done(2, send.try_id, "e2".into()));
        let parts = s.completed_parts().unwrap();
        assert_eq!(
            parts
                .iter()
                .map(|p| (p.etag.as_str(), p.sha256.clone()))
                .collect::<Vec<_>>(),
            [
                ("e1", Some(sum("s1"))),
                ("e2", Some(sum("s2"))),
                ("e3", Some(sum("s3")))
            ]
        );
    }
}
