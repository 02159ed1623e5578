//! The upload scheduler's work per event, for uploads of 100, 1,000 and
//! 10,000 parts: a whole upload driven as the browser drives it (hash,
//! sign in batches, send, ten progress events and a stall check per part,
//! done), timed natively. Run by `cargo xtask bench`, which writes the
//! figures to `BENCHMARKS.md`; alone: `cargo bench -p vidrop-frontend
//! --bench scheduler`. Prints `scheduler <parts> parts: <ns> ns/event`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;
use vidrop_frontend::engine::scheduler::{PartScheduler, SchedulerConfig};
use vidrop_shared::api::SignedPart;
use vidrop_shared::checksum::Sha256Checksum;
use vidrop_shared::parts::{PREFERRED_PART_SIZE, PartPlan};

const PROGRESS_EVENTS_PER_PART: u64 = 10;

/// Runs one upload of `parts` parts to the end; answers the events handed
/// to the scheduler.
fn run(parts: u64) -> u64 {
    let plan = PartPlan::for_size(parts * PREFERRED_PART_SIZE);
    assert_eq!(u64::from(plan.part_count), parts);
    let mut s = PartScheduler::new(plan, SchedulerConfig::default(), true);
    let sum = Sha256Checksum::parse("47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=").unwrap();
    let mut events = 0u64;
    let mut now = 0.0;
    while !s.is_complete() {
        now += 1.0;
        while let Some(n) = s.next_hash() {
            s.hashed(n, sum.clone());
            events += 1;
        }
        if let Some(batch) = s.next_sign_batch(now) {
            let signed: Vec<SignedPart> = batch
                .iter()
                .map(|p| SignedPart {
                    part_number: p.part_number,
                    url: String::new(),
                    headers: BTreeMap::new(),
                })
                .collect();
            s.signed(&signed, None);
            events += 1;
        }
        let mut sends = Vec::new();
        while let Some(send) = s.next_send(now) {
            sends.push(send);
            events += 1;
        }
        for send in sends {
            let len = send.range.end - send.range.start;
            for step in 1..=PROGRESS_EVENTS_PER_PART {
                s.progress(send.part_number, send.try_id, len * step / 10, now);
                black_box(s.loaded());
                black_box(s.stalled(now));
                events += 1;
            }
            s.part_done(send.part_number, send.try_id, String::new());
            black_box(s.parts_done());
            events += 1;
        }
    }
    events
}

fn main() {
    for parts in [100, 1_000, 10_000] {
        // Whole uploads until a second has passed.
        let started = Instant::now();
        let mut events = 0;
        while events == 0 || started.elapsed().as_secs_f64() < 1.0 {
            events += run(parts);
        }
        let ns = started.elapsed().as_nanos() as f64 / events as f64;
        println!("scheduler {parts} parts: {ns:.0} ns/event");
    }
}
