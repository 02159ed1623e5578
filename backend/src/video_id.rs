//! Video ids: the id of an upload and of the video it becomes, and the name
//! of its object (`videos/<prefix><id>.<ext>`).
//!
//! An id is a ULID whose time is *inverted* (`2^48 - 1 - now` in
//! milliseconds): S3 lists keys in ascending order, so a listing of
//! `videos/<prefix>` comes newest first, one call per page, with no sorting
//! of its own. A path that names anything but a canonical ULID is refused
//! before S3 is asked.

use crate::error::AppError;
use std::time::{SystemTime, UNIX_EPOCH};
use ulid::Ulid;
use vidrop_shared::keys::is_video_id;

/// The largest time a ULID holds, in milliseconds.
const MAX_ULID_TIME_MS: u64 = (1 << 48) - 1;

/// A new id: later ids sort before earlier ones.
pub fn new_video_id() -> String {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| {
            u64::try_from(since.as_millis()).unwrap_or(MAX_ULID_TIME_MS)
        });
    let mut bytes = [0u8; 16];
    let random = match getrandom::fill(&mut bytes) {
        Ok(()) => u128::from_le_bytes(bytes),
        // No system randomness: the ULID crate's own generator's.
        Err(_) => Ulid::generate().random(),
    };
    Ulid::from_parts(MAX_ULID_TIME_MS - now_ms.min(MAX_ULID_TIME_MS), random).to_string()
}

/// Refuses an id that is not a video id (`400 invalid_id`).
pub fn check_video_id(id: &str) -> Result<(), AppError> {
    if is_video_id(id) {
        Ok(())
    } else {
        Err(AppError::InvalidId(id.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_ids_sort_first() {
        let first = new_video_id();
        std::thread::sleep(std::time::Duration::from_millis(3));
        let second = new_video_id();
        assert!(is_video_id(&first) && is_video_id(&second));
        assert!(second < first, "{second} should sort before {first}");
    }
}
