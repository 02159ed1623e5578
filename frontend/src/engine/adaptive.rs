//! How many parts go at once when the page does not say: found by
//! measuring, not fixed. A link whose every connection is slow (a long
//! round trip, or a cap per connection) needs more parts in flight to be
//! filled; a link that is already full gains nothing from more. Pure Rust:
//! bytes and times are passed in.
//!
//! The limit climbs a hill. Bytes sent are counted over windows of
//! [`WINDOW_MS`] (a window with a free slot in it did not test the limit,
//! and is not judged). After a window at the current limit, one more part
//! is allowed; if the next window moves at least [`GAIN`] times the bytes,
//! the new limit stays and the next one is tried, else the limit goes back
//! and holds for [`HOLD_WINDOWS`] windows before it tries again (links
//! change: a train's Wi-Fi, a shared office line). It starts at
//! [`START`], the fixed number before, and stays within [`MIN`] and
//! [`MAX`]: browsers open six HTTP/1.1 connections to one host (S3 speaks
//! HTTP/1.1), so a seventh part would only wait in the browser, where its
//! stall timer would run.

/// The limit before anything is measured.
pub const START: usize = 4;
/// The fewest parts in flight it goes down to.
pub const MIN: usize = 2;
/// The most parts in flight it goes up to.
pub const MAX: usize = 6;
/// How long one measurement lasts, in milliseconds.
pub const WINDOW_MS: f64 = 1_000.0;
/// How much more a window must move for one more part to stay. Low, because
/// the two mistakes cost unequally: a part kept that did not pay holds one
/// more part's buffer on a link that moves the same bytes, while a step
/// undone that did pay (a window's count is noisy) leaves the link part
/// empty for [`HOLD_WINDOWS`] windows. (On the WAN benchmark's link, where a
/// sixth part should move 4–9 % more, 8 % and 4 % measured the same: a mean
/// of 5.3 and 5.2 parts in flight, 87 % and 86–89 % of the link filled while
/// parts flowed; six parts fixed from the start filled 90–91 %.)
pub const GAIN: f64 = 1.04;
/// Windows to wait after a step that did not pay before trying again.
pub const HOLD_WINDOWS: u32 = 10;

/// The adaptive limit of parts in flight; see the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct AdaptiveLimit {
    limit: usize,
    window: Option<Window>,
    /// The limit and bytes per millisecond before the step being tried.
    trying_from: Option<(usize, f64)>,
    hold: u32,
}

#[derive(Debug, Clone, PartialEq)]
struct Window {
    started_ms: f64,
    bytes: u64,
    /// Whether every slot was taken at every look: only then did the
    /// window test the limit.
    full: bool,
}

impl Default for AdaptiveLimit {
    fn default() -> Self {
        AdaptiveLimit {
            limit: START,
            window: None,
            trying_from: None,
            hold: 0,
        }
    }
}

impl AdaptiveLimit {
    /// Parts in flight allowed now.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// `bytes` more went out (or, for a part tried again, went out again).
    pub fn sent(&mut self, bytes: u64) {
        if let Some(window) = &mut self.window {
            window.bytes += bytes;
        }
    }

    /// A look at `now_ms` with `in_flight` parts going: ends the window
    /// when it is long enough, and answers the new limit when it changed.
    pub fn look(&mut self, now_ms: f64, in_flight: usize) -> Option<usize> {
        let full = in_flight >= self.limit;
        let Some(window) = &mut self.window else {
            if full {
                self.window = Some(Window {
                    started_ms: now_ms,
                    bytes: 0,
                    full: true,
                });
            }
            return None;
        };
        window.full &= full;
        let elapsed = now_ms - window.started_ms;
        if elapsed < WINDOW_MS {
            return None;
        }
        let (bytes, tested) = (window.bytes, window.full);
        // The next window starts when the limit is in use.
        self.window = None;
        if !tested || bytes == 0 {
            return None;
        }
        let old = self.limit;
        self.judge(bytes as f64 / elapsed);
        (self.limit != old).then_some(self.limit)
    }

    /// The window at the current limit moved `rate` bytes a millisecond.
    fn judge(&mut self, rate: f64) {
        match self.trying_from.take() {
            Some((from, from_rate)) if rate < from_rate * GAIN => {
                self.limit = from;
                self.hold = HOLD_WINDOWS;
            }
            _ if self.hold > 0 => self.hold -= 1,
            _ => {
                if self.limit < MAX {
                    self.trying_from = Some((self.limit, rate));
                    self.limit += 1;
                }
            }
        }
        self.limit = self.limit.clamp(MIN, MAX);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A link of `per_connection` bytes/ms per part in flight, `total` in
    /// all: runs `windows` windows, each looked at every 250 ms with the
    /// slots full, and answers the limits it went through.
    fn run(per_connection: f64, total: f64, windows: usize) -> Vec<usize> {
        let mut adaptive = AdaptiveLimit::default();
        let mut limits = vec![adaptive.limit()];
        let mut now = 0.0;
        for _ in 0..windows * 4 + 1 {
            let rate = (per_connection * adaptive.limit() as f64).min(total);
            adaptive.look(now, adaptive.limit());
            adaptive.sent((rate * 250.0) as u64);
            now += 250.0;
            if limits.last() != Some(&adaptive.limit()) {
                limits.push(adaptive.limit());
            }
        }
        limits
    }

    #[test]
    fn climbs_while_each_part_more_moves_more_bytes() {
        // 8 per connection, 40 in all: five parts fill it, six gain nothing.
        let limits = run(8.0, 40.0, 12);
        assert_eq!(&limits[..4], &[4, 5, 6, 5], "{limits:?}");
        assert_eq!(*limits.last().unwrap(), 5, "{limits:?}");
    }

    #[test]
    fn goes_to_the_most_browsers_open_when_the_link_is_wide() {
        let limits = run(8.0, 1000.0, 12);
        assert_eq!(*limits.last().unwrap(), MAX, "{limits:?}");
    }

    #[test]
    fn a_full_link_keeps_the_limit_and_tries_again_later() {
        // Already full at four: five is tried, undone, and tried again only
        // after the hold.
        let limits = run(20.0, 40.0, 2 * (HOLD_WINDOWS as usize + 2));
        assert_eq!(&limits[..3], &[4, 5, 4], "{limits:?}");
        assert!(limits.len() >= 5, "tried again after holding: {limits:?}");
        assert!(limits.iter().all(|l| (4..=5).contains(l)), "{limits:?}");
    }

    #[test]
    fn a_window_with_a_free_slot_is_not_judged() {
        let mut adaptive = AdaptiveLimit::default();
        let mut now = 0.0;
        for _ in 0..40 {
            // Hashing or signing is behind: never all slots taken.
            assert_eq!(adaptive.look(now, START - 1), None);
            adaptive.sent(1_000_000);
            now += 250.0;
        }
        assert_eq!(adaptive.limit(), START);
    }
}
