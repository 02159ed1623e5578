//! Part sizing for multipart uploads: one rule, applied by the backend when it
//! starts an upload and by the widget when it slices the file.
//!
//! Parts are [`PREFERRED_PART_SIZE`] unless the file is so large that 10,000
//! of them would not hold it; then they grow, in whole MiB, just enough. So any
//! size up to S3's 5 TiB fits in at most [`MAX_PARTS`] parts, and every part
//! but the last is at least [`MIN_PART_SIZE`].

use crate::limits::{MAX_PARTS, MAX_SINGLE_PUT_SIZE, MIB, MIN_PART_SIZE};

/// Part size for files up to `PREFERRED_PART_SIZE × 10,000` (80 GiB): large
/// enough that per-request overhead is small, small enough that a retried part
/// costs little and `concurrency` parts in memory stay modest.
pub const PREFERRED_PART_SIZE: u64 = 8 * MIB;

/// Default size above which an upload is multipart (`--multipart-threshold`).
pub const DEFAULT_MULTIPART_THRESHOLD: u64 = 64 * MIB;

/// The most part numbers one `POST /api/uploads/{id}/parts` may ask for.
pub const MAX_PARTS_PER_REQUEST: usize = 100;

/// How a file of `size` bytes is cut into parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartPlan {
    pub size: u64,
    pub part_size: u64,
    pub part_count: u32,
}

impl PartPlan {
    /// The plan for a file of `size` bytes.
    pub fn for_size(size: u64) -> PartPlan {
        let part_size = part_size_for(size);
        PartPlan {
            size,
            part_size,
            part_count: size.div_ceil(part_size).max(1) as u32,
        }
    }

    /// The plan the backend announced, checked: `None` when `part_size` and
    /// `part_count` do not cut `size` into valid parts.
    pub fn announced(size: u64, part_size: u64, part_count: u32) -> Option<PartPlan> {
        let plan = PartPlan {
            size,
            part_size,
            part_count,
        };
        let valid = part_size > 0
            && u64::from(part_count) <= MAX_PARTS
            && size.div_ceil(part_size).max(1) == u64::from(part_count);
        valid.then_some(plan)
    }

    /// Byte range `start..end` of part `number` (1-based, as S3 numbers them).
    pub fn range(&self, number: u32) -> std::ops::Range<u64> {
        assert!(
            (1..=self.part_count).contains(&number),
            "part {number} of {}",
            self.part_count
        );
        let start = u64::from(number - 1) * self.part_size;
        start..(start + self.part_size).min(self.size)
    }

    /// Length of part `number`.
    pub fn len_of(&self, number: u32) -> u64 {
        let range = self.range(number);
        range.end - range.start
    }
}

/// The part size for a file of `size` bytes.
pub fn part_size_for(size: u64) -> u64 {
    let smallest_that_fits = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
    smallest_that_fits
        .max(PREFERRED_PART_SIZE)
        .max(MIN_PART_SIZE)
}

/// Whether a file of `size` bytes goes up in parts: above the threshold, and
/// always above S3's single-PUT limit.
pub fn is_multipart(size: u64, threshold: u64) -> bool {
    size > threshold || size > MAX_SINGLE_PUT_SIZE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::{GIB, MAX_OBJECT_SIZE, MAX_PART_SIZE, TIB};
    use proptest::prelude::*;

    fn check_plan(size: u64) {
        let plan = PartPlan::for_size(size);
        assert!(u64::from(plan.part_count) <= MAX_PARTS, "{size}: {plan:?}");
        assert!(plan.part_size <= MAX_PART_SIZE);
        let mut covered = 0;
        for number in 1..=plan.part_count {
            let range = plan.range(number);
            assert_eq!(range.start, covered, "parts are contiguous");
            covered = range.end;
            if number < plan.part_count {
                assert!(
                    plan.len_of(number) >= MIN_PART_SIZE,
                    "{size}: part {number}"
                );
            }
        }
        assert_eq!(covered, size, "the parts cover the size exactly");
        assert_eq!(
            PartPlan::announced(size, plan.part_size, plan.part_count),
            Some(plan)
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Every size from 0 to 5 TiB: ≤ 10,000 parts, ≥ 5 MiB but the last,
        /// covering the size exactly. (Checking each part is cheap: ≤ 10,000.)
        #[test]
        fn every_size_up_to_5_tib_fits(size in 0..=MAX_OBJECT_SIZE) {
            check_plan(size);
        }

        /// Sizes near the points where the part size steps up.
        #[test]
        fn sizes_around_each_step_fit(step in 1u64..=640, delta in -2i64..=2) {
            let size = (step * MIB * MAX_PARTS).saturating_add_signed(delta).min(MAX_OBJECT_SIZE);
            check_plan(size);
        }
    }

    #[test]
    fn edges() {
        for size in [
            0,
            1,
            MIN_PART_SIZE,
            PREFERRED_PART_SIZE - 1,
            PREFERRED_PART_SIZE,
            PREFERRED_PART_SIZE + 1,
            80 * GIB,
            80 * GIB + 1,
            TIB,
            MAX_OBJECT_SIZE,
        ] {
            check_plan(size);
        }
        assert_eq!(PartPlan::for_size(0).part_count, 1);
        assert_eq!(PartPlan::for_size(100 * MIB).part_size, PREFERRED_PART_SIZE);
        assert_eq!(PartPlan::for_size(100 * MIB).part_count, 13);
        assert_eq!(PartPlan::for_size(MAX_OBJECT_SIZE).part_size, 525 * MIB);
    }

    #[test]
    fn announced_plans_are_checked() {
        assert_eq!(PartPlan::announced(100 * MIB, 8 * MIB, 12), None);
        assert_eq!(PartPlan::announced(100 * MIB, 0, 1), None);
        assert!(PartPlan::announced(100 * MIB, 10 * MIB, 10).is_some());
    }

    #[test]
    fn multipart_starts_above_the_threshold() {
        assert!(!is_multipart(
            DEFAULT_MULTIPART_THRESHOLD,
            DEFAULT_MULTIPART_THRESHOLD
        ));
        assert!(is_multipart(
            DEFAULT_MULTIPART_THRESHOLD + 1,
            DEFAULT_MULTIPART_THRESHOLD
        ));
        assert!(is_multipart(MAX_SINGLE_PUT_SIZE + 1, u64::MAX));
    }
}
