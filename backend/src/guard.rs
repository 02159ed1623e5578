//! The guards in front of every API handler (after CORS has answered
//! preflights): the page's origin, the request's rate, and its time.
//!
//! - A request whose `Origin` is not an embedding origin the server allows
//!   is refused (`403 origin_not_allowed`) before anything else, so a page
//!   elsewhere cannot even spend the caller's rate.
//! - Rates are limited per client address and per credential (the
//!   `Authorization` header's value, hashed), with the `governor` crate:
//!   `429 rate_limited` with `Retry-After`.
//! - A request that takes longer than `--request-timeout`, reading its body
//!   included, answers `408 request_timeout`; relay mode's
//!   ([`STREAMING_ROUTES`]) instead fail when their body stops coming for
//!   that long.

use crate::error::AppError;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::HeaderValue;
use axum::http::header::{AUTHORIZATION, ORIGIN};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::Clock;
use governor::{DefaultKeyedRateLimiter, Quota};
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How many requests pass between two clean-ups of the limiters' memory of
/// idle clients.
const CLEAN_UP_EVERY: u64 = 4096;

/// The page origins allowed to call the API from a browser.
#[derive(Debug, Clone)]
pub enum AllowedOrigins {
    /// Any origin (only on a server open for local development).
    Any,
    List(Vec<HeaderValue>),
}

impl AllowedOrigins {
    pub fn allows(&self, origin: &HeaderValue) -> bool {
        match self {
            AllowedOrigins::Any => true,
            AllowedOrigins::List(list) => list.contains(origin),
        }
    }
}

/// The guards' settings and state, shared by every request.
pub struct Guards {
    origins: AllowedOrigins,
    per_client: Option<DefaultKeyedRateLimiter<IpAddr>>,
    per_credential: Option<DefaultKeyedRateLimiter<u64>>,
    credential_hasher: RandomState,
    request_timeout: Duration,
    requests: AtomicU64,
}

impl Guards {
    /// Guards allowing `origins`, `per_client` and `per_credential` requests
    /// per second (bursts of twice as many; 0: no limit), and
    /// `request_timeout` per request.
    pub fn new(
        origins: AllowedOrigins,
        per_client: u32,
        per_credential: u32,
        request_timeout: Duration,
    ) -> Guards {
        Guards {
            origins,
            per_client: limiter(per_client),
            per_credential: limiter(per_credential),
            credential_hasher: RandomState::new(),
            request_timeout,
            requests: AtomicU64::new(0),
        }
    }

    /// How long the caller must wait, if it is over a rate. The wait is
    /// read from the limiter's own clock: making a clock (`quanta`'s, which
    /// `governor` uses) asks the CPU what it has every time, and doing that
    /// per request took a tenth of the server's time under `wrk`, limits on
    /// or off.
    fn over_rate(&self, client: IpAddr, credential: Option<&HeaderValue>) -> Option<Duration> {
        if let Some(limiter) = &self.per_client
            && let Err(not_until) = limiter.check_key(&client)
        {
            return Some(not_until.wait_time_from(limiter.clock().now()));
        }
        if let (Some(limiter), Some(credential)) = (&self.per_credential, credential)
            && let Err(not_until) =
                limiter.check_key(&self.credential_hasher.hash_one(credential.as_bytes()))
        {
            return Some(not_until.wait_time_from(limiter.clock().now()));
        }
        None
    }

    /// Forgets clients idle long enough to be back at a full burst.
    fn clean_up(&self) {
        if self.requests.fetch_add(1, Ordering::Relaxed) % CLEAN_UP_EVERY == CLEAN_UP_EVERY - 1 {
            if let Some(limiter) = &self.per_client {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
            if let Some(limiter) = &self.per_credential {
                limiter.retain_recent();
                limiter.shrink_to_fit();
            }
        }
    }
}

fn limiter<K: std::hash::Hash + Eq + Clone>(per_second: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    let rate = NonZeroU32::new(per_second)?;
    let burst = rate.saturating_mul(NonZeroU32::new(2).expect("not zero"));
    Some(DefaultKeyedRateLimiter::keyed(
        Quota::per_second(rate).allow_burst(burst),
    ))
}

/// Route templates whose bodies may take as long as they need (relay mode's
/// uploads and downloads of whole videos): no overall time limit, since
/// they limit the wait for each chunk themselves.
pub const STREAMING_ROUTES: [&str; 2] = ["/api/relay", "/api/relay/{id}"];

/// The middleware: origin, rate, then the handler within the time limit.
pub async fn guard(State(guards): State<Arc<Guards>>, request: Request, next: Next) -> Response {
    if let Some(origin) = request.headers().get(ORIGIN)
        && !guards.origins.allows(origin)
    {
        let shown = String::from_utf8_lossy(origin.as_bytes()).into_owned();
        return AppError::OriginNotAllowed(shown).into_response();
    }
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    guards.clean_up();
    if let Some(wait) = guards.over_rate(client, request.headers().get(AUTHORIZATION)) {
        let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        return AppError::RateLimited(secs.max(1)).into_response();
    }
    let streaming = request
        .extensions()
        .get::<MatchedPath>()
        .is_some_and(|route| STREAMING_ROUTES.contains(&route.as_str()));
    if streaming {
        return next.run(request).await;
    }
    match tokio::time::timeout(guards.request_timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => AppError::RequestTimeout.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_per_client_and_per_credential() {
        let guards = Guards::new(AllowedOrigins::Any, 1, 1, Duration::from_secs(1));
        let a = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        let b = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 2));
        // A burst of two, then a wait.
        assert_eq!(guards.over_rate(a, None), None);
        assert_eq!(guards.over_rate(a, None), None);
        assert!(guards.over_rate(a, None).is_some());
        assert_eq!(guards.over_rate(b, None), None, "another client");

        let token = HeaderValue::from_static("Bearer t");
        let c = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 3));
        let d = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 4));
        assert_eq!(guards.over_rate(c, Some(&token)), None);
        assert_eq!(guards.over_rate(d, Some(&token)), None);
        assert!(
            guards.over_rate(b, Some(&token)).is_some(),
            "one credential from many addresses"
        );
    }

    #[test]
    fn origins_are_matched_exactly() {
        let list = AllowedOrigins::List(vec![HeaderValue::from_static("https://a.example")]);
        assert!(list.allows(&HeaderValue::from_static("https://a.example")));
        assert!(!list.allows(&HeaderValue::from_static("https://a.example.evil")));
        assert!(!list.allows(&HeaderValue::from_static("http://a.example")));
        assert!(AllowedOrigins::Any.allows(&HeaderValue::from_static("null")));
    }
}
