//! Helpers shared by the cross-crate tests in `tests/it`: a store on a temp file and a test
//! clock that only moves when told to (as in Stripe's test clocks).
// Test support: a failed fixture (temp dir, bind, runtime) should stop the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod disk;
pub mod proxy;
pub mod receiver;
#[cfg(unix)]
pub mod soak;
pub mod system;

use std::cell::Cell;
use std::path::PathBuf;

use recoup_core::{TimeDelta, Timestamp};

/// A blocking HTTP client for the tests (reqwest, as the device's transport is built: no
/// redirects followed, no automatic retries), on loopback only (no proxy), each request within
/// `timeout` (none: no limit).
pub fn http_client(timeout: Option<std::time::Duration>) -> reqwest::blocking::Client {
    recoup_sync::blocking_client_builder()
        .expect("TLS set-up")
        .no_proxy()
        .timeout(timeout)
        .build()
        .expect("an HTTP client")
}

/// A clock that stands still until advanced.
#[derive(Debug)]
pub struct TestClock(Cell<Timestamp>);

impl TestClock {
    /// A clock reading `start`.
    pub fn at(start: Timestamp) -> Self {
        Self(Cell::new(start))
    }

    /// Moves the clock forward (or back, with a negative duration).
    pub fn advance(&self, by: TimeDelta) {
        let next = self.0.get().checked_add(by).unwrap_or(Timestamp::MAX);
        self.0.set(next);
    }

    /// The current reading.
    pub fn now(&self) -> Timestamp {
        self.0.get()
    }
}

/// A binary of the workspace (`recoup`, `recoup-server`) next to the running test binary, where
/// `cargo test --workspace` builds it.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|d| d.parent())
        .expect("the test binary sits in target/<profile>/deps");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, or `cargo build -p recoup-server -p recoup-cli` first",
        path.display()
    );
    path
}
