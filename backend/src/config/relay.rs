//! The flags of relay mode ([`RelayArgs`], flattened into `vidrop serve`'s):
//! `--relay` turns it on, and the `--cache-*` flags give its downloads a
//! disk cache. Each has an environment fallback like every other flag.

// The fields' doc comments are clap's help texts: plain text, not Markdown.
#![allow(rustdoc::bare_urls, rustdoc::broken_intra_doc_links)]

use clap::Args;
use std::path::PathBuf;
use std::time::Duration;
use vidrop_shared::limits::GIB;

/// The default `--cache-ttl`: ten minutes.
pub const DEFAULT_CACHE_TTL: &str = "10m";

/// The default `--cache-max-bytes`: 10 GiB.
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 10 * GIB;

/// Relay mode's flags.
#[derive(Args, Clone, Debug, PartialEq, Eq)]
pub struct RelayArgs {
    /// Relay mode, for clients that cannot reach S3: POST /api/relay streams a
    /// video's bytes through this server into S3, under the same rules as
    /// POST /api/uploads, and GET /api/relay/{id} streams a video back (Range
    /// and conditional requests answered). Off by default: the server then
    /// carries no video byte.
    #[arg(long = "relay", env = "VIDROP_RELAY")]
    pub enabled: bool,

    /// Folder of a disk cache of relay downloads (GET /api/relay/{id}): a
    /// video read once is served from here until --cache-ttl passes without a
    /// read. Emptied at start. Unset: no cache. Needs --relay.
    #[arg(long, env = "VIDROP_CACHE_DIR", value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    /// How long a cached video stays after its last read: seconds, or a number
    /// with a unit (s, m, h, d), such as 90, 10m or 1h. Every read starts it
    /// again. It also bounds how long a video deleted through another server
    /// can still be read from this one's cache.
    #[arg(
        long,
        env = "VIDROP_CACHE_TTL",
        default_value = DEFAULT_CACHE_TTL,
        value_parser = parse_duration,
        value_name = "DURATION"
    )]
    pub cache_ttl: Duration,

    /// Most bytes the cache holds (default 10 GiB); the least recently read
    /// videos go first to make room. A larger video is relayed but not cached.
    #[arg(
        long,
        env = "VIDROP_CACHE_MAX_BYTES",
        default_value_t = DEFAULT_CACHE_MAX_BYTES,
        value_parser = clap::value_parser!(u64).range(1..),
        value_name = "BYTES"
    )]
    pub cache_max_bytes: u64,
}

impl Default for RelayArgs {
    /// Relay mode off, the cache settings at their defaults.
    fn default() -> RelayArgs {
        RelayArgs {
            enabled: false,
            cache_dir: None,
            cache_ttl: parse_duration(DEFAULT_CACHE_TTL).expect("a valid default"),
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
        }
    }
}

impl RelayArgs {
    /// Refuses a cache without relay mode, which would never be used.
    pub fn check(&self) -> Result<(), String> {
        if let (Some(dir), false) = (&self.cache_dir, self.enabled) {
            return Err(format!(
                "--cache-dir {} caches relay downloads: it needs --relay (or VIDROP_RELAY=true)",
                dir.display()
            ));
        }
        Ok(())
    }
}

/// A duration as the other duration flags take it, whole seconds (`600`),
/// or as a number with a unit: `s`, `m`, `h` or `d` (`10m`). At least one
/// second.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let unit_secs = match unit.trim() {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        other => {
            return Err(format!(
                "unknown unit {other:?}: write seconds (600) or a number with s, m, h or d (10m)"
            ));
        }
    };
    let number: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 600, 90s, 10m or 1h"))?;
    let secs = number
        .checked_mul(unit_secs)
        .ok_or_else(|| format!("{text:?} is too long"))?;
    if secs == 0 {
        return Err("a duration of at least one second".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_seconds_or_with_a_unit() {
        assert_eq!(parse_duration("600"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("2d"), Ok(Duration::from_secs(172_800)));
        for bad in ["", "0", "0m", "m", "10 minutes", "-5", "1.5h", "10x"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_cache_needs_relay_mode() {
        let mut args = RelayArgs::default();
        assert_eq!(args.check(), Ok(()));
        args.cache_dir = Some("cache".into());
        assert!(args.check().unwrap_err().contains("--relay"));
        args.enabled = true;
        assert_eq!(args.check(), Ok(()));
    }
}
