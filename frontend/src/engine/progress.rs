//! Upload progress in numbers: bytes, percent, speed and seconds left.
//!
//! Pure Rust with the clock passed in (milliseconds, any origin), so it runs
//! the same in unit tests and in the browser, where the engine feeds it
//! `performance.now()`. Putting the numbers into words is the widget's job
//! (`crate::view_model`), not the engine's.

use std::collections::VecDeque;

/// How far back the speed looks, in milliseconds. Long enough to smooth the
/// bursts of a browser's progress events, short enough to follow a change of
/// network.
pub const SPEED_WINDOW_MS: f64 = 3_000.0;

/// The progress of one upload.
#[derive(Debug, Clone)]
pub struct ProgressTracker {
    total: u64,
    loaded: u64,
    finished: bool,
    /// `(time, loaded)` pairs: the ones inside the window, plus the newest one
    /// before it so that the window always spans its full length.
    samples: VecDeque<(f64, u64)>,
}

impl ProgressTracker {
    /// Starts tracking `total` bytes at time `now_ms`.
    pub fn new(total: u64, now_ms: f64) -> Self {
        ProgressTracker::resumed(total, 0, now_ms)
    }

    /// Starts tracking `total` bytes at time `now_ms`, of which `already`
    /// were sent before (parts found stored when resuming). They count in
    /// the percent but not in the speed.
    pub fn resumed(total: u64, already: u64, now_ms: f64) -> Self {
        let already = already.min(total);
        ProgressTracker {
            total,
            loaded: already,
            finished: false,
            samples: VecDeque::from([(now_ms, already)]),
        }
    }

    /// Records that `loaded` bytes have been sent by `now_ms`. Browsers may
    /// report more than the body (framing) or go backwards on a retry; the
    /// count is clamped to `0..=total`.
    pub fn update(&mut self, loaded: u64, now_ms: f64) {
        self.loaded = loaded.min(self.total);
        self.push_sample(now_ms);
    }

    /// Records that storage accepted the whole body: only now is it 100 %.
    pub fn finish(&mut self, now_ms: f64) {
        self.loaded = self.total;
        self.finished = true;
        self.push_sample(now_ms);
    }

    fn push_sample(&mut self, now_ms: f64) {
        // Clocks are monotonic, but a caller mixing time sources must not get a
        // negative speed.
        let last_time = self.samples.back().map_or(now_ms, |&(t, _)| t);
        self.samples.push_back((now_ms.max(last_time), self.loaded));
        let start = now_ms - SPEED_WINDOW_MS;
        while self.samples.len() > 2 && self.samples[1].0 <= start {
            self.samples.pop_front();
        }
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn loaded(&self) -> u64 {
        self.loaded
    }

    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Whole percent sent, 0 to 100. It stays at 99 until [`finish`]: every
    /// byte may have left the browser while storage can still refuse them.
    ///
    /// [`finish`]: ProgressTracker::finish
    pub fn percent(&self) -> u8 {
        if self.finished {
            return 100;
        }
        if self.total == 0 {
            return 0;
        }
        let percent = u128::from(self.loaded) * 100 / u128::from(self.total);
        percent.min(99) as u8
    }

    /// Bytes per second over the last [`SPEED_WINDOW_MS`], or `None` before
    /// any time has passed.
    pub fn bytes_per_second(&self) -> Option<f64> {
        let (&(t0, b0), &(t1, b1)) = (self.samples.front()?, self.samples.back()?);
        let elapsed_ms = t1 - t0;
        if elapsed_ms <= 0.0 {
            return None;
        }
        Some(b1.saturating_sub(b0) as f64 * 1000.0 / elapsed_ms)
    }

    /// Seconds left at the current speed; `None` when finished or when the
    /// speed is unknown or zero.
    pub fn eta_seconds(&self) -> Option<f64> {
        if self.finished {
            return None;
        }
        let speed = self.bytes_per_second().filter(|s| *s > 0.0)?;
        Some((self.total - self.loaded) as f64 / speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vidrop_shared::limits::MIB;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn percent_never_reaches_100_before_storage_answers() {
        let mut p = ProgressTracker::new(1000, 0.0);
        assert_eq!(p.percent(), 0);
        p.update(500, 100.0);
        assert_eq!(p.percent(), 50);
        p.update(1000, 200.0);
        assert_eq!(p.percent(), 99);
        p.update(5000, 300.0);
        assert_eq!(p.percent(), 99, "over-reported bytes are clamped");
        assert_eq!(p.loaded(), 1000);
        p.finish(400.0);
        assert_eq!(p.percent(), 100);
        assert!(p.is_finished());
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn percent_of_a_huge_file_does_not_overflow() {
        let total = u64::MAX;
        let mut p = ProgressTracker::new(total, 0.0);
        p.update(total / 2, 1.0);
        assert_eq!(p.percent(), 49);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn speed_is_measured_over_the_last_three_seconds() {
        let mut p = ProgressTracker::new(100 * MIB, 0.0);
        assert_eq!(p.bytes_per_second(), None);
        // 1 MiB/s for ten seconds...
        for s in 1..=10 {
            p.update(s * MIB, s as f64 * 1000.0);
        }
        assert_eq!(p.bytes_per_second(), Some(MIB as f64));
        // ...then 4 MiB/s: after three seconds only the new speed counts.
        for s in 1..=3 {
            p.update(10 * MIB + s * 4 * MIB, (10 + s) as f64 * 1000.0);
        }
        assert_eq!(p.bytes_per_second(), Some(4.0 * MIB as f64));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn time_left_follows_the_speed() {
        let mut p = ProgressTracker::new(10 * MIB, 0.0);
        assert_eq!(p.eta_seconds(), None);
        p.update(2 * MIB, 2000.0);
        assert_eq!(p.eta_seconds(), Some(8.0));
        p.finish(3000.0);
        assert_eq!(p.eta_seconds(), None);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn bytes_sent_before_a_resume_count_in_the_percent_not_the_speed() {
        let mut p = ProgressTracker::resumed(10 * MIB, 6 * MIB, 1000.0);
        assert_eq!(p.percent(), 60);
        assert_eq!(p.bytes_per_second(), None);
        p.update(7 * MIB, 2000.0);
        assert_eq!(p.bytes_per_second(), Some(MIB as f64));
        assert_eq!(p.eta_seconds(), Some(3.0));
        assert_eq!(ProgressTracker::resumed(5, 9, 0.0).loaded(), 5);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn a_clock_going_backwards_gives_no_negative_speed() {
        let mut p = ProgressTracker::new(100, 1000.0);
        p.update(50, 500.0);
        assert!(p.bytes_per_second().is_none_or(|s| s >= 0.0));
    }
}
