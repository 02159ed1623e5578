//! The browser's clocks, timer and random numbers, as the engine needs them.
//! The pure parts of the engine take times and random numbers as arguments;
//! this is where they come from.

use js_sys::{Function, Promise};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    /// The global `setTimeout`: a page's and a worker's alike.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: f64);
}

/// Milliseconds from a monotonic clock (`performance.now()`).
pub fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// Milliseconds since the epoch, from the computer's own clock.
pub fn wall_ms() -> f64 {
    js_sys::Date::now()
}

/// An RFC 3339 time (`2026-11-23T16:00:00Z`) in milliseconds since the
/// epoch; `None` when the browser cannot read it.
pub fn parse_time_ms(rfc3339: &str) -> Option<f64> {
    Some(js_sys::Date::parse(rfc3339)).filter(|t| t.is_finite())
}

/// Uniform in `0.0..1.0`, for jitter.
pub fn random() -> f64 {
    js_sys::Math::random()
}

/// Waits `ms` milliseconds: a `Promise` that `setTimeout` resolves.
pub async fn sleep(ms: f64) {
    // Browsers run a delay above `i32::MAX` at once; none here is that long.
    let ms = ms.clamp(0.0, f64::from(i32::MAX));
    let _ = JsFuture::from(Promise::new(&mut |resolve, _| set_timeout(&resolve, ms))).await;
}
