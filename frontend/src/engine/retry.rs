//! When to try a request again, and how long to wait first.
//!
//! Pure Rust: the random source and the sleep are passed in, so the numbers
//! are unit-tested natively and the same code runs in the browser.
//!
//! The wait before retry `n` is "equal jitter" exponential backoff: the
//! ceiling `base × 2ⁿ⁻¹`, capped at `max_delay_ms`, of which the first half is
//! always waited and the second half is random. Many browsers retrying at once
//! (a store that answered 503 to all of them) so spread out, while each still
//! waits long enough to give the store a rest.

use crate::api::ApiError;
use std::future::Future;

/// How often and how patiently to retry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Tries in all, the first included; `1` never retries.
    pub max_attempts: u32,
    /// Ceiling of the first wait, in milliseconds.
    pub base_delay_ms: f64,
    /// The longest any wait gets, in milliseconds.
    pub max_delay_ms: f64,
}

/// Tries per part (and per backend call during an upload) unless the page
/// sets `data-max-attempts`.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 10;

impl Default for RetryPolicy {
    /// 10 tries, waits of 0.25–0.5 s, 0.5–1 s, 1–2 s, … up to 15–30 s: about
    /// a minute and a half of patience in all before giving up.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay_ms: 500.0,
            max_delay_ms: 30_000.0,
        }
    }
}

impl RetryPolicy {
    /// The policy for creating an upload, before any byte is sent: a backend
    /// that is down is said so within about two seconds (4 tries, waits up
    /// to 0.25 s, 0.5 s, 1 s), rather than after a minute of silence.
    pub fn before_upload(max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.clamp(1, 4),
            base_delay_ms: 250.0,
            max_delay_ms: 5_000.0,
        }
    }

    /// The same policy with another number of tries (at least 1).
    pub fn with_max_attempts(self, max_attempts: u32) -> Self {
        RetryPolicy {
            max_attempts: max_attempts.max(1),
            ..self
        }
    }

    /// The wait before trying again after the `failures`-th failed try
    /// (1-based), with `random` uniform in `0.0..1.0`.
    pub fn delay_ms(&self, failures: u32, random: f64) -> f64 {
        let exponent = failures.saturating_sub(1).min(52) as i32;
        let ceiling = (self.base_delay_ms * 2f64.powi(exponent)).min(self.max_delay_ms);
        let random = if random.is_finite() {
            random.clamp(0.0, 1.0)
        } else {
            0.5
        };
        ceiling / 2.0 + random * ceiling / 2.0
    }

    /// Whether another try is allowed after `failures` failed ones.
    pub fn allows_retry_after(&self, failures: u32) -> bool {
        failures < self.max_attempts
    }
}

/// Whether an HTTP status is worth retrying: the server is overloaded, timed
/// out or failed, and the same request may well succeed later.
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500..=599)
}

/// Whether a failed backend call is worth repeating unchanged.
pub fn is_retryable_api_error(error: &ApiError) -> bool {
    match error {
        ApiError::Unreachable => true,
        ApiError::Refused { status, .. } | ApiError::Unexplained { status } => {
            is_retryable_status(*status)
        }
        ApiError::BadAnswer(_) => false,
    }
}

/// Calls `call` until it succeeds, fails for good, or `policy` runs out of
/// tries, sleeping with `sleep(ms)` between tries. `random` gives the jitter.
/// The last error is returned as it is, so it still reads as a sentence.
pub async fn retry_api<T, Call, Fut, Sleep, Wait>(
    policy: RetryPolicy,
    mut random: impl FnMut() -> f64,
    sleep: Sleep,
    mut call: Call,
) -> Result<T, ApiError>
where
    Call: FnMut() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
    Sleep: Fn(f64) -> Wait,
    Wait: Future<Output = ()>,
{
    let mut failures = 0;
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(error) => {
                failures += 1;
                if !is_retryable_api_error(&error) || !policy.allows_retry_after(failures) {
                    return Err(error);
                }
                sleep(policy.delay_ms(failures, random())).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Runs a future whose every await is ready at once.
    fn run<F: Future>(future: F) -> F::Output {
        let mut future = pin!(future);
        let mut cx = Context::from_waker(Waker::noop());
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the future waited"),
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn backoff_grows_then_is_capped() {
        let policy = RetryPolicy::default();
        let ceilings: Vec<f64> = (1..=10).map(|n| policy.delay_ms(n, 1.0)).collect();
        assert_eq!(
            ceilings,
            [
                500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0, 16_000.0, 30_000.0, 30_000.0, 30_000.0,
                30_000.0
            ]
        );
        assert_eq!(policy.delay_ms(u32::MAX, 1.0), 30_000.0, "no overflow");
        assert_eq!(policy.delay_ms(0, 1.0), 500.0);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn jitter_stays_within_half_and_all_of_the_ceiling() {
        let policy = RetryPolicy::default();
        for failures in 1..=12 {
            let ceiling = policy.delay_ms(failures, 1.0);
            for step in 0..=20 {
                let random = f64::from(step) / 20.0;
                let delay = policy.delay_ms(failures, random);
                assert!(
                    (ceiling / 2.0..=ceiling).contains(&delay),
                    "{failures}: {delay} of {ceiling}"
                );
            }
            assert_eq!(policy.delay_ms(failures, 0.0), ceiling / 2.0);
            // A broken random source cannot make a wait negative or endless.
            for random in [-3.0, 7.0, f64::NAN, f64::INFINITY] {
                let delay = policy.delay_ms(failures, random);
                assert!((ceiling / 2.0..=ceiling).contains(&delay), "{random}");
            }
        }
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn attempts_are_capped() {
        let policy = RetryPolicy::default().with_max_attempts(3);
        assert!(policy.allows_retry_after(1));
        assert!(policy.allows_retry_after(2));
        assert!(!policy.allows_retry_after(3));
        assert_eq!(RetryPolicy::default().with_max_attempts(0).max_attempts, 1);
        assert_eq!(RetryPolicy::before_upload(10).max_attempts, 4);
        assert_eq!(RetryPolicy::before_upload(1).max_attempts, 1);
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn only_transient_failures_are_retried() {
        for status in [408, 429, 500, 502, 503, 504, 599] {
            assert!(is_retryable_status(status), "{status}");
        }
        for status in [200, 400, 401, 403, 404, 409, 413, 415] {
            assert!(!is_retryable_status(status), "{status}");
        }
        assert!(is_retryable_api_error(&ApiError::Unreachable));
        assert!(is_retryable_api_error(&ApiError::Unexplained {
            status: 503
        }));
        assert!(!is_retryable_api_error(&ApiError::Refused {
            status: 404,
            code: "upload_not_found".into(),
            message: "gone".into()
        }));
        assert!(!is_retryable_api_error(&ApiError::BadAnswer("x".into())));
    }

    #[cfg_attr(target_arch = "wasm32", wasm_bindgen_test::wasm_bindgen_test)]
    #[cfg_attr(not(target_arch = "wasm32"), test)]
    fn backend_calls_are_retried_until_they_succeed_or_run_out() {
        let policy = RetryPolicy::default().with_max_attempts(4);
        let slept = RefCell::new(Vec::new());
        let calls = Cell::new(0);
        let sleep = |ms: f64| {
            slept.borrow_mut().push(ms);
            std::future::ready(())
        };
        // Two 503s, then an answer.
        let answer = run(retry_api(
            policy,
            || 0.0,
            sleep,
            || {
                calls.set(calls.get() + 1);
                std::future::ready(if calls.get() < 3 {
                    Err(ApiError::Unexplained { status: 503 })
                } else {
                    Ok("video")
                })
            },
        ));
        assert_eq!(answer, Ok("video"));
        assert_eq!(*slept.borrow(), [250.0, 500.0]);

        // Always unreachable: four tries, then the last error.
        calls.set(0);
        slept.borrow_mut().clear();
        let answer: Result<(), _> = run(retry_api(
            policy,
            || 1.0,
            sleep,
            || {
                calls.set(calls.get() + 1);
                std::future::ready(Err(ApiError::Unreachable))
            },
        ));
        assert_eq!(answer, Err(ApiError::Unreachable));
        assert_eq!(calls.get(), 4);
        assert_eq!(*slept.borrow(), [500.0, 1_000.0, 2_000.0]);

        // A refusal is final at once.
        calls.set(0);
        let refused = ApiError::Refused {
            status: 413,
            code: "too_large".into(),
            message: "Too big.".into(),
        };
        let answer: Result<(), _> = run(retry_api(
            policy,
            || 0.5,
            sleep,
            || {
                calls.set(calls.get() + 1);
                std::future::ready(Err(refused.clone()))
            },
        ));
        assert_eq!(answer, Err(refused));
        assert_eq!(calls.get(), 1);
    }
}
