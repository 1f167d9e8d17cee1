//! Time is injected. Nothing in the domain reads the system clock: callers pass a [`Clock`],
//! so tests, QA testers ("device clock offset", `--now`) and sandbox test clocks can move time.

use crate::time::{TimeDelta, Timestamp};

/// A source of the current time.
pub trait Clock: Send + Sync {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The operating system's clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock stopped at one instant (`--now` in the CLI, and tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Another clock shifted by a constant offset (a device whose clock is wrong, or a QA tester's
/// `--clock-offset-secs`).
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock<C> {
    inner: C,
    offset: TimeDelta,
}

impl<C: Clock> OffsetClock<C> {
    /// Wraps `inner`, adding `offset` to every reading.
    pub fn new(inner: C, offset: TimeDelta) -> Self {
        Self { inner, offset }
    }
}

impl<C: Clock> Clock for OffsetClock<C> {
    fn now(&self) -> Timestamp {
        let base = self.inner.now();
        // Saturate instead of failing: an absurd offset pins the clock to the end of the range,
        // which every window check then treats as "long ago" or "far future", never a panic.
        base.saturating_add(self.offset)
    }
}

impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

impl<C: Clock + ?Sized> Clock for Box<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_clock_shifts_the_inner_reading() {
        let t0: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
        let c = OffsetClock::new(FixedClock(t0), TimeDelta::hours(-2));
        assert_eq!(
            c.now(),
            "2025-12-31T22:00:00Z".parse::<Timestamp>().unwrap()
        );
    }

    #[test]
    fn offset_clock_saturates_instead_of_panicking() {
        let c = OffsetClock::new(FixedClock(Timestamp::MAX), TimeDelta::hours(1));
        assert_eq!(
            c.now(),
            Timestamp::MAX,
            "overflow must pin to the end of the range"
        );
    }
}
