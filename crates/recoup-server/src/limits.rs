//! The endpoint's limits against exhaustion: connection and time bounds (applied in
//! `crate::serve` and `crate::app`), and token buckets per peer address for what an attacker can
//! do without a valid token (failed authentication, sandbox account creation).

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use recoup_api::ErrorCode;

use crate::error::AppError;
use crate::state::AppState;

/// A connection must send a whole request head within this many seconds (a new connection, or
/// an idle keep-alive one before its next request), else it is closed.
pub const HEADER_READ_TIMEOUT_SECS: u64 = 10;

/// A request, its body included, is answered `408` after this many seconds.
pub const REQUEST_TIMEOUT_SECS: u64 = 30;

/// At most this many connections are served at once; further ones wait in the listen backlog.
pub const CONNECTIONS_MAX: usize = 1_024;

/// At most this many threads run blocking work (SQLite, files, the generator) in the
/// `recoup-server` binary; work beyond waits for one. Claim writers share them too.
pub const BLOCKING_THREADS_MAX: usize = 64;

/// Failed authentications (`401`) allowed per peer address per second, refilled continuously...
pub const AUTH_FAILURES_PER_SEC: u32 = 10;

/// ...up to this many in a burst. Past it, every request of the address that needs a token is
/// answered `429` until the bucket refills.
pub const AUTH_FAILURES_BURST: u32 = 100;

/// Sandbox accounts one peer address may create per minute, refilled continuously...
pub const SANDBOX_ACCOUNTS_PER_IP_PER_MIN: u32 = 10;

/// ...up to this many in a burst.
pub const SANDBOX_ACCOUNTS_PER_IP_BURST: u32 = 30;

/// Sandbox accounts all addresses together may create per minute, refilled continuously...
pub const SANDBOX_ACCOUNTS_PER_MIN: u32 = 60;

/// ...up to this many in a burst.
pub const SANDBOX_ACCOUNTS_BURST: u32 = 200;

/// Most keys a bucket set remembers; past it, the buckets idle for a minute are forgotten
/// (a full bucket is the same as a forgotten one).
const BUCKET_KEYS_MAX: usize = 100_000;

/// Token buckets by key: `rate` tokens per second refill, at most `burst`.
pub(crate) struct Buckets<K> {
    rate_per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, (f64, Instant)>>,
}

impl<K: Eq + Hash> Buckets<K> {
    pub(crate) fn new(rate_per_sec: f64, burst: f64) -> Self {
        Self {
            rate_per_sec: rate_per_sec.max(f64::MIN_POSITIVE),
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`; `Err(seconds until one is back)` when there is none.
    pub(crate) fn take(&self, key: K) -> Result<(), u64> {
        self.with(key, |tokens| {
            if *tokens < 1.0 {
                return false;
            }
            *tokens -= 1.0;
            true
        })
    }

    /// `Err(seconds until a token is back)` when `key` has none left; takes nothing.
    pub(crate) fn check(&self, key: K) -> Result<(), u64> {
        self.with(key, |tokens| *tokens >= 1.0)
    }

    fn with(&self, key: K, f: impl FnOnce(&mut f64) -> bool) -> Result<(), u64> {
        // The map holds plain numbers: a panic elsewhere cannot leave it inconsistent.
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= BUCKET_KEYS_MAX {
            buckets.retain(|_, (_, at)| at.elapsed().as_secs() < 60);
        }
        let now = Instant::now();
        let (tokens, at) = buckets.entry(key).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*at).as_secs_f64() * self.rate_per_sec).min(self.burst);
        *at = now;
        if f(tokens) {
            return Ok(());
        }
        let wait = ((1.0 - *tokens) / self.rate_per_sec).ceil();
        // Saturating float-to-int conversion; at least a second.
        Err((wait as u64).max(1))
    }
}

/// The per-address limits of one endpoint.
pub(crate) struct PeerLimits {
    auth_failures: Buckets<IpAddr>,
    sandbox_per_ip: Buckets<IpAddr>,
    sandbox_all: Buckets<()>,
}

impl PeerLimits {
    pub(crate) fn new() -> Self {
        Self {
            auth_failures: Buckets::new(
                f64::from(AUTH_FAILURES_PER_SEC),
                f64::from(AUTH_FAILURES_BURST),
            ),
            sandbox_per_ip: Buckets::new(
                f64::from(SANDBOX_ACCOUNTS_PER_IP_PER_MIN) / 60.0,
                f64::from(SANDBOX_ACCOUNTS_PER_IP_BURST),
            ),
            sandbox_all: Buckets::new(
                f64::from(SANDBOX_ACCOUNTS_PER_MIN) / 60.0,
                f64::from(SANDBOX_ACCOUNTS_BURST),
            ),
        }
    }

    /// Admits one sandbox account creation from `peer`, or answers `429` with when to retry.
    /// The overall bucket is only charged once the address's own allows it, so that one
    /// address cannot spend everybody's budget beyond its own.
    pub(crate) fn admit_sandbox_account(&self, peer: IpAddr) -> Result<(), Limited> {
        let limited = |secs: u64, whose: &str| Limited {
            retry_after_secs: secs,
            message: format!("too many sandbox accounts created {whose}; retry in {secs} s"),
        };
        self.sandbox_per_ip
            .take(peer)
            .map_err(|secs| limited(secs, "from this address"))?;
        self.sandbox_all
            .take(())
            .map_err(|secs| limited(secs, "on this endpoint"))
    }
}

/// A refusal by a bucket: answered `429 rate_limited` with `Retry-After`.
#[derive(Debug)]
pub(crate) struct Limited {
    retry_after_secs: u64,
    message: String,
}

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        rate_limited(self.retry_after_secs, self.message)
    }
}

/// A `429 rate_limited` answer saying when to retry.
fn rate_limited(retry_after_secs: u64, message: String) -> Response {
    let mut response = AppError::api(ErrorCode::RateLimited, message).into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&retry_after_secs.to_string()) {
        response
            .headers_mut()
            .insert(axum::http::header::RETRY_AFTER, v);
    }
    response
}

/// The peer address of a request (`crate::serve` records it); unspecified when the router is
/// served some other way (then every request shares one bucket).
pub(crate) fn peer(req: &Request) -> IpAddr {
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip())
}

/// Routes that take no token: never refused for an address's failed authentications.
fn public(req: &Request) -> bool {
    matches!(
        (req.method(), req.uri().path()),
        (
            &Method::GET,
            "/v1/health" | "/v1/ready" | "/v1/policy" | "/v1/policy/key"
        ) | (&Method::POST, "/v1/accounts")
    )
}

/// Slows down guessing tokens: every `401` costs the peer address a token of its bucket, and
/// while the bucket is empty the address's requests that need a token are answered `429` before
/// their token is even looked at (or their body read).
pub(crate) async fn auth_failures(
    State(state): State<Arc<AppState>>,
    req: Request,
    next: Next,
) -> Response {
    let ip = peer(&req);
    let limits = &state.peer_limits;
    if !public(&req)
        && let Err(secs) = limits.auth_failures.check(ip)
    {
        return rate_limited(
            secs,
            format!("too many failed authentications from this address; retry in {secs} s"),
        );
    }
    let response = next.run(req).await;
    if response.status() == StatusCode::UNAUTHORIZED {
        // Spent or not, the 401 stands; the next request sees the empty bucket.
        let _ = limits.auth_failures.take(ip);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_refuses_past_its_burst_and_says_when_to_retry() {
        let b = Buckets::new(1.0 / 60.0, 3.0);
        for i in 0..3 {
            assert_eq!(b.take("a"), Ok(()), "take {i} is within the burst");
        }
        let wait = b.take("a");
        assert!(
            matches!(wait, Err(s) if (1..=60).contains(&s)),
            "the fourth is refused with a wait of at most a minute, got {wait:?}"
        );
        assert_eq!(b.take("b"), Ok(()), "another key has its own bucket");
    }
}
