//! The browser's clocks, timer and random numbers, as the engine needs them.

use wasm_bindgen_futures::JsFuture;

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

/// Waits `ms` milliseconds (`setTimeout`).
pub async fn sleep(ms: f64) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let scheduled = web_sys::window().map(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                &resolve,
                ms.clamp(0.0, f64::from(i32::MAX)) as i32,
            )
        });
        if !matches!(scheduled, Some(Ok(_))) {
            // No window (a worker) or no timer: do not hang.
            let _ = resolve.call0(&wasm_bindgen::JsValue::UNDEFINED);
        }
    });
    let _ = JsFuture::from(promise).await;
}
