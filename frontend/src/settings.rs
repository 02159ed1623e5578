//! What a host page sets on the `<vidrop-uploader>` element, as attributes:
//!
//! ```html
//! <vidrop-uploader endpoint="https://vidrop.example" token="…" accept="video/mp4,.webm"
//!     max-size="1073741824" multiple max-files="10" max-total-size="10737418240"
//!     concurrency="auto" locale="en" theme="auto"></vidrop-uploader>
//! ```
//!
//! Every attribute is optional and read again whenever one changes
//! ([`Settings::from_attributes`]); a missing or unreadable value keeps the
//! default. Parsing is pure Rust, so it is tested without a browser.

use crate::engine::UploadConfig;
use crate::engine::adaptive;
use crate::engine::retry::DEFAULT_MAX_ATTEMPTS;
use crate::engine::scheduler::{DEFAULT_STALL_TIMEOUT_MS, MAX_CONCURRENCY};

/// The attributes the element follows (its `observedAttributes`).
pub const ATTRIBUTES: [&str; 12] = [
    "endpoint",
    "token",
    "accept",
    "max-size",
    "multiple",
    "max-files",
    "max-total-size",
    "concurrency",
    "locale",
    "theme",
    "stall-timeout",
    "max-attempts",
];

/// The longest stall timeout a page may set (ten minutes).
pub const MAX_STALL_TIMEOUT_MS: u64 = 600_000;
/// The most tries per part a page may set.
pub const MAX_MAX_ATTEMPTS: u32 = 100;
/// The file input's `accept` when the page sets none.
pub const DEFAULT_ACCEPT: &str = "video/*";

/// The widget's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the backend's `/api` lives (`endpoint`); empty for the page's
    /// own origin.
    pub api_base: String,
    /// The upload token the host page got from its own backend (`token`),
    /// sent as `Authorization: Bearer <token>` on every API call.
    pub token: Option<String>,
    /// Which files the widget takes (`accept`), on top of the video policy.
    pub accept: Accept,
    /// The largest file the widget offers to upload, in bytes (`max-size`).
    /// The backend enforces its own limit whatever this says; this only
    /// explains a refusal sooner.
    pub max_size: u64,
    /// `multiple`: several files at once, in a queue where each has its
    /// own progress and buttons (reflected on the root as `data-multiple`).
    pub multiple: bool,
    /// The most files one drop, paste or choice adds (`max-files`); those
    /// beyond are left out, each saying why, before anything is sent.
    pub max_files: Option<u32>,
    /// The most bytes the files of one drop, paste or choice may come to
    /// together (`max-total-size`); a file that would go over is left out.
    pub max_total_size: Option<u64>,
    /// Parts in flight at once (`concurrency`), 1 to [`MAX_CONCURRENCY`];
    /// `None` (no number, or `auto`): as many as the link takes, measured
    /// ([`adaptive`]).
    pub concurrency: Option<usize>,
    /// Milliseconds a part may go without progress before it is aborted and
    /// tried again (`stall-timeout`).
    pub stall_timeout_ms: u64,
    /// Tries per part, and per backend call during an upload
    /// (`max-attempts`).
    pub max_attempts: u32,
    /// A BCP 47 language tag (`locale`): the language the widget speaks
    /// if it has it (see [`crate::locale::choose`]); `None`: the browser's.
    /// The chosen locale's tag is the root's `lang`.
    pub locale: Option<String>,
    /// `theme`: the palette. The stylesheet reads the element's attribute
    /// itself (`:host([theme="dark" i])`, see `widget.css`); the root's
    /// `data-theme` reflects it.
    pub theme: Theme,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            api_base: String::new(),
            token: None,
            accept: Accept::default(),
            max_size: u64::MAX,
            multiple: false,
            max_files: None,
            max_total_size: None,
            concurrency: None,
            stall_timeout_ms: DEFAULT_STALL_TIMEOUT_MS as u64,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            locale: None,
            theme: Theme::Auto,
        }
    }
}

impl Settings {
    /// The settings an element's attributes give; `attribute` gives an
    /// attribute's value by name (`None` when absent). Unreadable values
    /// count as absent; numbers out of range are capped.
    pub fn from_attributes(attribute: impl Fn(&str) -> Option<String>) -> Self {
        let default = Settings::default();
        let text = |name| attribute(name).map(|v| v.trim().to_owned());
        let number = |name, min: u64| {
            text(name)
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|n| *n >= min)
        };
        Settings {
            api_base: text("endpoint").unwrap_or_default(),
            token: text("token").filter(|t| !t.is_empty()),
            accept: Accept::parse(text("accept").as_deref().unwrap_or_default()),
            max_size: number("max-size", 1).unwrap_or(default.max_size),
            multiple: text("multiple").is_some_and(|v| v != "false"),
            max_files: number("max-files", 1).map(|n| n.min(u64::from(u32::MAX)) as u32),
            max_total_size: number("max-total-size", 1),
            concurrency: number("concurrency", 1)
                .map(|n| n.min(MAX_CONCURRENCY as u64) as usize)
                .or(default.concurrency),
            stall_timeout_ms: number("stall-timeout", 100)
                .map_or(default.stall_timeout_ms, |ms| ms.min(MAX_STALL_TIMEOUT_MS)),
            max_attempts: number("max-attempts", 1).map_or(default.max_attempts, |n| {
                n.min(u64::from(MAX_MAX_ATTEMPTS)) as u32
            }),
            locale: text("locale").filter(|l| !l.is_empty()),
            theme: Theme::parse(text("theme").as_deref().unwrap_or_default()),
        }
    }

    /// What the upload engine needs of these settings.
    pub fn upload_config(&self) -> UploadConfig {
        UploadConfig::new(
            // Adaptive: the shared slots hold the parts to the measured
            // limit, so each upload may go up to the most it can reach.
            self.concurrency.unwrap_or(adaptive::MAX),
            self.stall_timeout_ms as f64,
            self.max_attempts,
        )
    }
}

/// `light`, `dark`, or (anything else) `auto`: the page's
/// `prefers-color-scheme`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Theme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl Theme {
    fn parse(value: &str) -> Theme {
        match value.to_ascii_lowercase().as_str() {
            "light" => Theme::Light,
            "dark" => Theme::Dark,
            _ => Theme::Auto,
        }
    }

    /// The root's `data-theme`.
    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Auto => "auto",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }
}

/// The `accept` attribute, as the HTML file input reads it: a
/// comma-separated list of content types (`video/mp4`), wildcards
/// (`video/*`) and file extensions (`.webm`). Empty: any video.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accept(Vec<String>);

impl Accept {
    pub fn parse(value: &str) -> Accept {
        Accept(
            value
                .split(',')
                .map(|item| item.trim().to_ascii_lowercase())
                .filter(|item| !item.is_empty())
                .collect(),
        )
    }

    /// The file input's `accept`.
    pub fn input_attribute(&self) -> String {
        if self.0.is_empty() {
            DEFAULT_ACCEPT.to_owned()
        } else {
            self.0.join(",")
        }
    }

    /// Whether a file named `filename` of type `content_type` is accepted.
    pub fn accepts(&self, filename: &str, content_type: &str) -> bool {
        let (filename, content_type) = (
            filename.to_ascii_lowercase(),
            content_type.to_ascii_lowercase(),
        );
        self.0.is_empty()
            || self.0.iter().any(|item| {
                if item.starts_with('.') {
                    filename.ends_with(item.as_str())
                } else if let Some(kind) = item.strip_suffix("/*") {
                    content_type
                        .split_once('/')
                        .is_some_and(|(major, _)| major == kind)
                } else {
                    content_type == *item
                }
            })
    }

    /// The list as people read it (`video/mp4, .webm`).
    pub fn describe(&self) -> String {
        self.0.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Attributes by name.
    fn attributes(
        pairs: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn no_attribute_means_the_defaults() {
        let defaults = Settings::from_attributes(attributes(&[]));
        assert_eq!(defaults, Settings::default());
        assert_eq!(
            (
                defaults.concurrency,
                defaults.stall_timeout_ms,
                defaults.max_attempts
            ),
            (None, 20_000, 10)
        );
        assert_eq!(
            defaults.upload_config().scheduler.concurrency,
            adaptive::MAX,
            "adaptive: each upload may go up to the most the slots allow"
        );
        assert_eq!(defaults.accept.input_attribute(), "video/*");
        assert_eq!(defaults.theme.as_str(), "auto");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn every_attribute_is_read() {
        let s = Settings::from_attributes(attributes(&[
            ("endpoint", " https://v.example "),
            ("token", "tok.en"),
            ("accept", "video/MP4, .webm"),
            ("max-size", "1048576"),
            ("multiple", ""),
            ("max-files", "3"),
            ("max-total-size", "5000000"),
            ("concurrency", "2"),
            ("stall-timeout", "5000"),
            ("max-attempts", "3"),
            ("locale", "zh-CN"),
            ("theme", "Dark"),
        ]));
        assert_eq!(s.api_base, "https://v.example");
        assert_eq!(s.token.as_deref(), Some("tok.en"));
        assert_eq!(s.accept.input_attribute(), "video/mp4,.webm");
        assert_eq!(s.max_size, 1_048_576);
        assert!(s.multiple, "a boolean attribute: present is true");
        assert_eq!((s.max_files, s.max_total_size), (Some(3), Some(5_000_000)));
        assert_eq!(
            (s.concurrency, s.stall_timeout_ms, s.max_attempts),
            (Some(2), 5_000, 3)
        );
        assert_eq!(s.locale.as_deref(), Some("zh-CN"));
        assert_eq!(s.theme, Theme::Dark);
        let config = s.upload_config();
        assert_eq!(config.scheduler.concurrency, 2);
        assert_eq!(config.scheduler.retry.max_attempts, 3);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn unreadable_values_keep_the_default_and_large_ones_are_capped() {
        let s = Settings::from_attributes(attributes(&[
            ("token", "  "),
            ("max-size", "lots"),
            ("multiple", "false"),
            ("max-files", "0"),
            ("max-total-size", "-1"),
            ("concurrency", "0"),
            ("stall-timeout", "fast"),
            ("max-attempts", ""),
            ("locale", ""),
            ("theme", "purple"),
        ]));
        assert_eq!(s, Settings::default());
        let s = Settings::from_attributes(attributes(&[
            ("concurrency", "1000"),
            ("stall-timeout", "99999999"),
            ("max-attempts", "5000"),
        ]));
        assert_eq!(
            (s.concurrency, s.stall_timeout_ms, s.max_attempts),
            (
                Some(MAX_CONCURRENCY),
                MAX_STALL_TIMEOUT_MS,
                MAX_MAX_ATTEMPTS
            )
        );
        let s = Settings::from_attributes(attributes(&[("concurrency", "auto")]));
        assert_eq!(s.concurrency, None, "auto: measured");
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn accept_reads_like_the_file_input() {
        let any = Accept::parse("");
        assert!(any.accepts("a.webm", "video/webm"));
        let list = Accept::parse("video/mp4, .WEBM ,audio/*");
        assert!(list.accepts("clip.mp4", "video/mp4"));
        assert!(list.accepts("Clip.WebM", "video/x-matroska"));
        assert!(list.accepts("song.ogg", "audio/ogg"));
        assert!(!list.accepts("clip.mov", "video/quicktime"));
        assert!(
            !list.accepts("webm", "video/quicktime"),
            "an extension, not a suffix"
        );
        assert_eq!(list.describe(), "video/mp4, .webm, audio/*");
    }
}
