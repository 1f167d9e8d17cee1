//! The endpoint's time: one clock injected when the state is opened (the system clock in
//! production, a fixed or moving one in tests), moved per account by its sandbox test clock.

use std::sync::Arc;

use recoup_core::Clock;
use recoup_core::{TimeDelta, Timestamp};

/// The endpoint's own clock, shared by every request.
pub(crate) type EndpointClock = Arc<dyn Clock>;

/// The clock of one account: the endpoint's clock moved by the account's test-clock offset.
#[derive(Clone)]
pub(crate) struct AccountClock {
    base: EndpointClock,
    offset: TimeDelta,
}

impl AccountClock {
    /// The endpoint's clock moved by `offset_ms`.
    pub(crate) fn new(base: EndpointClock, offset_ms: i64) -> Self {
        Self {
            base,
            offset: recoup_core::time::saturating_millis(offset_ms),
        }
    }
}

impl Clock for AccountClock {
    fn now(&self) -> Timestamp {
        // Offsets only grow (a test clock moves forward), so the end of the range is the only
        // one an absurd offset can reach: saturate there instead of failing.
        self.base.now().saturating_add(self.offset)
    }
}

#[cfg(test)]
mod tests {
    use recoup_core::FixedClock;

    use super::*;

    #[test]
    fn an_account_clock_is_the_injected_clock_moved_by_the_offset() {
        let t0: Timestamp = "2030-01-01T00:00:00Z".parse().expect("a timestamp");
        let clock = AccountClock::new(Arc::new(FixedClock(t0)), 90_000);
        assert_eq!(
            clock.now(),
            t0 + TimeDelta::seconds(90),
            "the account's time is the injected time plus its offset, not the system's time"
        );
    }

    #[test]
    fn an_absurd_offset_saturates_at_the_end_of_time() {
        let clock = AccountClock::new(Arc::new(FixedClock(Timestamp::MAX)), 1_000);
        assert_eq!(
            clock.now(),
            Timestamp::MAX,
            "an offset past the end of the range pins the clock there instead of failing"
        );
    }
}
