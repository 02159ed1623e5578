//! What a host page can set on the element the widget mounts into:
//!
//! ```html
//! <div id="vidrop-root" data-api="https://vidrop.example" data-max-size="1073741824"
//!      data-concurrency="4" data-stall-timeout="20000" data-max-attempts="10"></div>
//! ```
//!
//! The upload knobs may also come from the page's query string
//! (`?concurrency=2&stall_timeout=5000&max_attempts=3`), which wins over the
//! attributes: handy for trying settings, and for tests, without editing
//! the page.

use crate::engine::UploadConfig;
use crate::engine::retry::DEFAULT_MAX_ATTEMPTS;
use crate::engine::scheduler::{DEFAULT_CONCURRENCY, DEFAULT_STALL_TIMEOUT_MS, MAX_CONCURRENCY};
use web_sys::{Element, UrlSearchParams};

/// The longest stall timeout a page may set (ten minutes).
pub const MAX_STALL_TIMEOUT_MS: u64 = 600_000;
/// The most tries per part a page may set.
pub const MAX_MAX_ATTEMPTS: u32 = 100;

/// The widget's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the backend's `/api` lives; empty for the page's own origin.
    pub api_base: String,
    /// The largest file the widget offers to upload, in bytes. The backend
    /// enforces its own limit whatever this says; this only explains a
    /// refusal sooner.
    pub max_size: u64,
    /// Parts in flight at once (`data-concurrency`, `?concurrency=`), 1 to
    /// [`MAX_CONCURRENCY`].
    pub concurrency: usize,
    /// Milliseconds a part may go without progress before it is aborted and
    /// tried again (`data-stall-timeout`, `?stall_timeout=`).
    pub stall_timeout_ms: u64,
    /// Tries per part, and per backend call during an upload
    /// (`data-max-attempts`, `?max_attempts=`).
    pub max_attempts: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            api_base: String::new(),
            max_size: u64::MAX,
            concurrency: DEFAULT_CONCURRENCY,
            stall_timeout_ms: DEFAULT_STALL_TIMEOUT_MS as u64,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

impl Settings {
    /// Reads the element's `data-*` attributes and the page's query string
    /// (by the browser's `URLSearchParams`); a missing or unreadable value
    /// keeps the default.
    pub fn from_element(element: &Element) -> Self {
        let search = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let query = UrlSearchParams::new_with_str(&search).ok();
        Settings::from_sources(
            |name| element.get_attribute(name),
            |name| query.as_ref()?.get(name),
        )
    }

    /// [`Settings::from_element`] without the DOM: `attribute` gives an
    /// attribute's value by name, `query` a query parameter's.
    pub fn from_sources(
        attribute: impl Fn(&str) -> Option<String>,
        query: impl Fn(&str) -> Option<String>,
    ) -> Self {
        let mut settings = Settings::from_attributes(
            attribute("data-api").as_deref(),
            attribute("data-max-size").as_deref(),
        );
        // The query string first, then the attribute; an unreadable value
        // counts as absent.
        let value = |attr: &str, param: &str, min: u64| {
            parse_at_least(query(param), min).or_else(|| parse_at_least(attribute(attr), min))
        };
        if let Some(n) = value("data-concurrency", "concurrency", 1) {
            settings.concurrency = n.min(MAX_CONCURRENCY as u64) as usize;
        }
        if let Some(ms) = value("data-stall-timeout", "stall_timeout", 100) {
            settings.stall_timeout_ms = ms.min(MAX_STALL_TIMEOUT_MS);
        }
        if let Some(n) = value("data-max-attempts", "max_attempts", 1) {
            settings.max_attempts = n.min(u64::from(MAX_MAX_ATTEMPTS)) as u32;
        }
        settings
    }

    /// Only `data-api` and `data-max-size`; the upload knobs keep their
    /// defaults.
    pub fn from_attributes(api: Option<&str>, max_size: Option<&str>) -> Self {
        let default = Settings::default();
        Settings {
            api_base: api.map_or(default.api_base.clone(), |a| a.trim().to_owned()),
            max_size: max_size
                .and_then(|m| m.trim().parse().ok())
                .filter(|m| *m > 0)
                .unwrap_or(default.max_size),
            ..default
        }
    }

    /// What the upload engine needs of these settings.
    pub fn upload_config(&self) -> UploadConfig {
        UploadConfig::new(
            self.concurrency,
            self.stall_timeout_ms as f64,
            self.max_attempts,
        )
    }
}

/// An unsigned number of at least `min`, or `None` (absent, not a number,
/// too small).
fn parse_at_least(value: Option<String>, min: u64) -> Option<u64> {
    value?.trim().parse::<u64>().ok().filter(|n| *n >= min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn attributes_override_the_defaults() {
        assert_eq!(Settings::from_attributes(None, None), Settings::default());
        let s = Settings::from_attributes(Some(" https://v.example "), Some("1048576"));
        assert_eq!(s.api_base, "https://v.example");
        assert_eq!(s.max_size, 1_048_576);
        assert_eq!(
            Settings::from_attributes(None, Some("lots")).max_size,
            u64::MAX
        );
        assert_eq!(
            Settings::from_attributes(None, Some("0")).max_size,
            u64::MAX
        );
    }

    /// Attributes or query parameters, by name.
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
    fn upload_knobs_come_from_attributes_then_the_query() {
        let none = || attributes(&[]);
        let defaults = Settings::from_sources(none(), none());
        assert_eq!(defaults, Settings::default());
        assert_eq!(
            (
                defaults.concurrency,
                defaults.stall_timeout_ms,
                defaults.max_attempts
            ),
            (4, 20_000, 10)
        );

        let attrs = attributes(&[
            ("data-api", "http://b"),
            ("data-concurrency", "2"),
            ("data-stall-timeout", "5000"),
            ("data-max-attempts", "3"),
        ]);
        let s = Settings::from_sources(&attrs, none());
        assert_eq!(s.api_base, "http://b");
        assert_eq!(
            (s.concurrency, s.stall_timeout_ms, s.max_attempts),
            (2, 5_000, 3)
        );

        let s = Settings::from_sources(
            &attrs,
            attributes(&[
                ("x", "1"),
                ("concurrency", "6"),
                ("stall_timeout", "1500"),
                ("max_attempts", "1"),
            ]),
        );
        assert_eq!(
            (s.concurrency, s.stall_timeout_ms, s.max_attempts),
            (6, 1_500, 1)
        );

        // Unreadable or out-of-range values keep what was there; large ones
        // are capped.
        let s = Settings::from_sources(
            &attrs,
            attributes(&[
                ("concurrency", "0"),
                ("stall_timeout", "fast"),
                ("max_attempts", ""),
            ]),
        );
        assert_eq!(
            (s.concurrency, s.stall_timeout_ms, s.max_attempts),
            (2, 5_000, 3)
        );
        let s = Settings::from_sources(
            none(),
            attributes(&[
                ("concurrency", "1000"),
                ("stall_timeout", "99999999"),
                ("max_attempts", "5000"),
            ]),
        );
        assert_eq!(
            (s.concurrency, s.stall_timeout_ms, s.max_attempts),
            (MAX_CONCURRENCY, MAX_STALL_TIMEOUT_MS, MAX_MAX_ATTEMPTS)
        );
        let config = s.upload_config();
        assert_eq!(config.scheduler.concurrency, MAX_CONCURRENCY);
        assert_eq!(config.scheduler.retry.max_attempts, MAX_MAX_ATTEMPTS);
    }
}
