//! # recoup-sync
//!
//! The device's side of the conversation with the endpoint. Everything the user does is
//! written to the local store first (claims with their outbox row, in one transaction); this
//! crate moves it, and brings the endpoint's decisions back:
//!
//! - [`Transport`]: the seam to the network. [`HttpTransport`] is the real one (reqwest over
//!   rustls, timeouts, no automatic retries); tests inject faults through a fake.
//! - [`Client`]: one typed call per route, mapping error answers to [`ClientError::Api`] and
//!   network failures to [`ClientError::Transport`], with [`ClientError::is_transient`].
//! - [`SyncEngine::sync_once`]: push the due outbox items in batches (answers recorded, permanent
//!   rejections recorded as final "not refunded" answers so the queue never blocks, transient
//!   failures retried with capped full-jitter [`Backoff`], quarantined after a bound), pull the
//!   change feed from the stored cursor (measuring the clock offset to the endpoint), and fetch
//!   the signed policy (verified against the key pinned at login; a refused document leaves the
//!   last good one in force).
//! - [`corrected_clock`]: the device clock plus the measured offset, for local policy checks.
//!
//! ```
//! use recoup_sync::{Backoff, SplitMix64};
//! use std::time::Duration;
//!
//! let b = Backoff::default();
//! assert_eq!(b.ceiling(3), Duration::from_secs(8));
//! assert_eq!(b.ceiling(30), Duration::from_secs(300), "capped at 5 minutes");
//! let d = b.delay(3, &mut SplitMix64::new(7));
//! assert!(d <= Duration::from_secs(8));
//! ```
#![deny(missing_docs)]

mod admin_identity;
mod backoff;
mod client;
mod engine;
mod planner;
mod transport;

use recoup_core::TimeDelta;

use recoup_core::{Clock, OffsetClock, SystemClock};
use recoup_store::{Store, StoreError};

pub use backoff::Backoff;
pub use client::{
    CHANGES_LIMIT_MAX, Client, ClientError, ClientResult, GenerationOutput, PolicyFetch,
};
pub use engine::{
    Notice, Phase, PhaseError, PolicyRefusal, PolicyStatus, Progress, Rejection, SyncConfig,
    SyncEngine, SyncError, SyncReport,
};
pub use recoup_core::rng::{Random, SplitMix64};
pub use transport::{
    HttpTransport, Method, RESPONSE_BYTES_MAX, Request, Response, Timeouts, Transport,
    TransportError, blocking_client_builder, tls_config,
};

/// Store meta keys this crate and the CLI use.
pub mod meta {
    /// The opaque change-feed cursor the endpoint issued last (written with each page).
    pub const CURSOR: &str = "sync.cursor";
    /// Endpoint time minus device time, in milliseconds, as last measured.
    pub const CLOCK_OFFSET_MS: &str = "sync.clock_offset_ms";
    /// `"1"` when the network is switched off (QA "force offline").
    pub const OFFLINE: &str = "sync.offline";
    /// When the last sync that reached the endpoint finished (RFC 3339, device time).
    pub const LAST_SYNC_AT: &str = "sync.last_at";
    /// The publication number of the policy in force (signed; never goes backwards).
    pub const POLICY_SEQ: &str = "policy.seq";
    /// The endpoint's policy-signing public key (base64), pinned at login.
    pub const POLICY_KEY: &str = "endpoint.policy_key";
    /// The endpoint's base URL; present when the data dir is linked.
    pub const ENDPOINT_URL: &str = "endpoint.url";
    /// The linked account.
    pub const ACCOUNT_ID: &str = "endpoint.account_id";
}

/// The measured offset to the endpoint's clock (endpoint − device), if one was measured.
pub fn clock_offset(store: &Store) -> Result<Option<TimeDelta>, StoreError> {
    Ok(store
        .meta(meta::CLOCK_OFFSET_MS)?
        .and_then(|v| v.trim().parse::<i64>().ok())
        .map(recoup_core::time::saturating_millis))
}

/// The system clock corrected by the measured offset: the endpoint's time as well as the device
/// knows it, for local policy checks ("refund window closes in 2 h" even when the device clock is
/// wrong). Without a measurement it is the system clock.
pub fn corrected_clock(store: &Store) -> Result<OffsetClock<SystemClock>, StoreError> {
    corrected(store, SystemClock)
}

/// Any device clock (e.g. a QA tester's shifted one) corrected by the measured offset.
pub fn corrected<C: Clock>(store: &Store, device: C) -> Result<OffsetClock<C>, StoreError> {
    Ok(OffsetClock::new(
        device,
        clock_offset(store)?.unwrap_or(TimeDelta::zero()),
    ))
}

/// Whether the network is switched off (QA "force offline").
pub fn is_offline(store: &Store) -> Result<bool, StoreError> {
    Ok(store.meta(meta::OFFLINE)?.as_deref() == Some("1"))
}

/// Switches the network off (`true`) or on.
pub fn set_offline(store: &mut Store, offline: bool) -> Result<(), StoreError> {
    store.set_meta(meta::OFFLINE, if offline { "1" } else { "0" })
}

/// Whether this data dir is linked to an endpoint.
pub fn is_linked(store: &Store) -> Result<bool, StoreError> {
    Ok(store.meta(meta::ENDPOINT_URL)?.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_core::FixedClock;

    #[test]
    fn the_corrected_clock_adds_the_stored_offset() {
        let mut store = Store::open_in_memory().unwrap();
        let t0: recoup_core::Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        assert_eq!(corrected(&store, FixedClock(t0)).unwrap().now(), t0);
        store.set_meta(meta::CLOCK_OFFSET_MS, "-7200000").unwrap();
        assert_eq!(
            corrected(&store, FixedClock(t0)).unwrap().now(),
            "2026-11-25T08:00:00Z"
                .parse::<recoup_core::Timestamp>()
                .unwrap()
        );
        store.set_meta(meta::CLOCK_OFFSET_MS, "garbage").unwrap();
        assert_eq!(corrected(&store, FixedClock(t0)).unwrap().now(), t0);
    }

    #[test]
    fn the_network_switch_is_kept_in_the_store() {
        let mut store = Store::open_in_memory().unwrap();
        assert!(!is_offline(&store).unwrap());
        set_offline(&mut store, true).unwrap();
        assert!(is_offline(&store).unwrap());
        set_offline(&mut store, false).unwrap();
        assert!(!is_offline(&store).unwrap());
        assert!(!is_linked(&store).unwrap());
    }
}
