//! What a browser reads of a video before it uploads it (its duration and
//! frame size, from a `<video>`'s `loadedmetadata`) and the poster it takes
//! from a frame: the limits both sides check, and the names these facts
//! carry in S3 object metadata.
//!
//! The backend applies [`check_media`] and [`check_poster`] before it signs
//! anything (and reads stored metadata back through the same rules); the
//! widget applies them to what it read, so that a refusal is explained
//! without a round trip. Every fact is optional: a duration alone is fine.

use crate::api::MediaInfo;
use crate::limits::MIB;
use std::fmt;

/// The longest duration taken, in seconds (seven days): longer is a
/// broken reading (a live stream reports infinity), not a video.
pub const MAX_DURATION_SECS: f64 = 7.0 * 24.0 * 3600.0;

/// The largest width or height taken, in pixels (the largest frame of
/// H.264, HEVC, VP9 and AV1 levels browsers decode).
pub const MAX_DIMENSION: u32 = 16_384;

/// The largest poster taken, in bytes: a JPEG of one frame.
pub const MAX_POSTER_SIZE: u64 = 2 * MIB;

/// The only type a poster is stored and served as.
pub const POSTER_CONTENT_TYPE: &str = "image/jpeg";

/// The metadata keys (`x-amz-meta-<this>`) of a video's duration (seconds,
/// as Rust writes an `f64`: `12.345`), width and height (decimal pixels).
pub const DURATION_METADATA_KEY: &str = "duration";
pub const WIDTH_METADATA_KEY: &str = "width";
pub const HEIGHT_METADATA_KEY: &str = "height";

/// Why what was read of a video, or its poster, is refused. `code()` is the
/// error code the backend answers with; `Display` the sentence people read.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaError {
    /// A duration that is not a number of seconds above zero and at most
    /// [`MAX_DURATION_SECS`].
    Duration { value: f64 },
    /// A width or height outside 1 to [`MAX_DIMENSION`].
    Dimension { name: &'static str, value: u32 },
    /// A poster of no bytes.
    EmptyPoster,
    /// A poster larger than [`MAX_POSTER_SIZE`].
    PosterTooLarge { size: u64 },
}

impl MediaError {
    /// The error code used in `{"error":{"code",..}}`.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Duration { .. } | MediaError::Dimension { .. } => "invalid_metadata",
            MediaError::EmptyPoster => "empty_poster",
            MediaError::PosterTooLarge { .. } => "poster_too_large",
        }
    }
}

impl fmt::Display for MediaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MediaError::Duration { value } => write!(
                f,
                "\"duration\" must be a number of seconds above 0 and at most {MAX_DURATION_SECS} (seven days), not {value}."
            ),
            MediaError::Dimension { name, value } => write!(
                f,
                "{name:?} must be 1 to {MAX_DIMENSION} pixels, not {value}."
            ),
            MediaError::EmptyPoster => write!(f, "The poster is empty."),
            MediaError::PosterTooLarge { size } => write!(
                f,
                "The poster is {size} bytes; the largest poster allowed is {MAX_POSTER_SIZE} bytes ({}).",
                crate::policy::human_size(MAX_POSTER_SIZE)
            ),
        }
    }
}

impl std::error::Error for MediaError {}

/// Checks what was read of a video: each fact given must be in range.
pub fn check_media(media: &MediaInfo) -> Result<(), MediaError> {
    if let Some(duration) = media.duration {
        check_duration(duration)?;
    }
    if let Some(width) = media.width {
        check_dimension("width", width)?;
    }
    if let Some(height) = media.height {
        check_dimension("height", height)?;
    }
    Ok(())
}

/// Checks a duration in seconds: finite, above zero, at most
/// [`MAX_DURATION_SECS`].
pub fn check_duration(value: f64) -> Result<(), MediaError> {
    if value.is_finite() && value > 0.0 && value <= MAX_DURATION_SECS {
        Ok(())
    } else {
        Err(MediaError::Duration { value })
    }
}

/// Checks a width or height (`name`) in pixels: 1 to [`MAX_DIMENSION`].
pub fn check_dimension(name: &'static str, value: u32) -> Result<(), MediaError> {
    if (1..=MAX_DIMENSION).contains(&value) {
        Ok(())
    } else {
        Err(MediaError::Dimension { name, value })
    }
}

/// Checks a poster's size: 1 byte to [`MAX_POSTER_SIZE`].
pub fn check_poster(size: u64) -> Result<(), MediaError> {
    match size {
        0 => Err(MediaError::EmptyPoster),
        size if size > MAX_POSTER_SIZE => Err(MediaError::PosterTooLarge { size }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media(duration: Option<f64>, width: Option<u32>, height: Option<u32>) -> MediaInfo {
        MediaInfo {
            duration,
            width,
            height,
        }
    }

    #[test]
    fn each_fact_is_optional() {
        assert_eq!(check_media(&MediaInfo::default()), Ok(()));
        assert_eq!(check_media(&media(Some(12.5), None, None)), Ok(()));
        assert_eq!(check_media(&media(None, Some(1920), None)), Ok(()));
        assert_eq!(
            check_media(&media(Some(0.04), Some(1), Some(16_384))),
            Ok(())
        );
        assert_eq!(check_duration(MAX_DURATION_SECS), Ok(()));
    }

    #[test]
    fn durations_must_be_finite_positive_and_sane() {
        for bad in [
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            MAX_DURATION_SECS + 0.001,
            1e300,
        ] {
            let err = check_media(&media(Some(bad), None, None)).unwrap_err();
            assert_eq!(err.code(), "invalid_metadata", "{bad}");
        }
        assert_eq!(
            check_duration(-3.0).unwrap_err().to_string(),
            "\"duration\" must be a number of seconds above 0 and at most 604800 (seven days), not -3."
        );
    }

    #[test]
    fn dimensions_are_one_to_16384_pixels() {
        for (width, height) in [(0, 720), (1280, 0), (16_385, 720), (1280, u32::MAX)] {
            let err = check_media(&media(None, Some(width), Some(height))).unwrap_err();
            assert_eq!(err.code(), "invalid_metadata", "{width}x{height}");
        }
        assert_eq!(
            check_media(&media(None, Some(1280), Some(0)))
                .unwrap_err()
                .to_string(),
            "\"height\" must be 1 to 16384 pixels, not 0."
        );
    }

    #[test]
    fn posters_are_one_byte_to_two_mib() {
        assert_eq!(check_poster(1), Ok(()));
        assert_eq!(check_poster(MAX_POSTER_SIZE), Ok(()));
        assert_eq!(check_poster(0).unwrap_err().code(), "empty_poster");
        let err = check_poster(MAX_POSTER_SIZE + 1).unwrap_err();
        assert_eq!(err.code(), "poster_too_large");
        assert_eq!(
            err.to_string(),
            "The poster is 2097153 bytes; the largest poster allowed is 2097152 bytes (2 MiB)."
        );
    }
}
