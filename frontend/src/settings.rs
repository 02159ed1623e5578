//! What a host page can set on the element the widget mounts into:
//!
//! ```html
//! <div id="vidrop-root" data-api="https://vidrop.example" data-max-size="1073741824"></div>
//! ```

use web_sys::Element;

/// The widget's settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// Where the backend's `/api` lives; empty for the page's own origin.
    pub api_base: String,
    /// The largest file the widget offers to upload, in bytes. The backend
    /// enforces its own limit whatever this says; this only explains a
    /// refusal sooner.
    pub max_size: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            api_base: String::new(),
            max_size: u64::MAX,
        }
    }
}

impl Settings {
    /// Reads `data-api` and `data-max-size` (bytes); a missing or unreadable
    /// attribute keeps the default.
    pub fn from_element(element: &Element) -> Self {
        Settings::from_attributes(
            element.get_attribute("data-api").as_deref(),
            element.get_attribute("data-max-size").as_deref(),
        )
    }

    /// [`Settings::from_element`] without the DOM.
    pub fn from_attributes(api: Option<&str>, max_size: Option<&str>) -> Self {
        let default = Settings::default();
        Settings {
            api_base: api.map_or(default.api_base, |a| a.trim().to_owned()),
            max_size: max_size
                .and_then(|m| m.trim().parse().ok())
                .filter(|m| *m > 0)
                .unwrap_or(default.max_size),
        }
    }
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
}
