//! Exponential backoff with full jitter, capped before the jitter (AWS's "full jitter"): the
//! delay after a failure is uniformly random in `[0, min(cap, base · 2^attempts)]`, so many
//! devices coming back online at once spread out instead of arriving together, and no delay is
//! ever above the cap. The randomness is injected ([`Random`]) so tests are deterministic.

use std::time::Duration;

use recoup_core::rng::Random;

/// The backoff schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    /// The first ceiling (after the first failure).
    pub base: Duration,
    /// No delay is ever longer.
    pub cap: Duration,
}

impl Default for Backoff {
    /// 1 s base, 5 min cap.
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
        }
    }
}

impl Backoff {
    /// The largest delay after a failure when `attempts` attempts had already failed before it:
    /// `min(cap, base · 2^attempts)`, saturating instead of overflowing.
    pub fn ceiling(&self, attempts: u32) -> Duration {
        2u32.checked_pow(attempts)
            .and_then(|factor| self.base.checked_mul(factor))
            .map_or(self.cap, |d| d.min(self.cap))
    }

    /// A delay drawn uniformly from `[0, ceiling(attempts)]`: the cap is applied first, then the
    /// jitter.
    pub fn delay(&self, attempts: u32, random: &mut dyn Random) -> Duration {
        let r = random.next_f64();
        let r = if r.is_nan() { 0.0 } else { r.clamp(0.0, 1.0) };
        self.ceiling(attempts).mul_f64(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_core::rng::SplitMix64;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn the_ceiling_doubles_then_stays_at_the_cap() {
        let b = Backoff::default();
        let secs: Vec<u64> = (0..12).map(|a| b.ceiling(a).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(b.ceiling(31), b.cap, "2^31 s overflows nothing: capped");
        assert_eq!(b.ceiling(32), b.cap, "2^32 does not fit a u32: capped");
        assert_eq!(b.ceiling(u32::MAX), b.cap);
    }

    #[test]
    fn the_cap_applies_before_the_jitter() {
        // With jitter after the cap, a draw of 1.0 is exactly the cap, never above it; with the
        // cap after the jitter, a draw of 0.5 at attempt 20 would still give the full cap.
        let b = Backoff::default();
        assert_eq!(b.delay(20, &mut || 1.0), b.cap);
        assert_eq!(b.delay(20, &mut || 0.5), b.cap / 2);
        assert_eq!(b.delay(3, &mut || 0.5), 4 * S);
    }

    #[test]
    fn full_jitter_covers_zero_to_the_ceiling() {
        let b = Backoff::default();
        assert_eq!(b.delay(5, &mut || 0.0), Duration::ZERO, "zero is allowed");
        assert_eq!(b.delay(5, &mut || 1.0), 32 * S, "the ceiling is allowed");
        assert_eq!(b.delay(5, &mut || 0.25), 8 * S);
        // Out-of-range or NaN draws are clamped, never a panic.
        assert_eq!(b.delay(5, &mut || -3.0), Duration::ZERO);
        assert_eq!(b.delay(5, &mut || 7.0), 32 * S);
        assert_eq!(b.delay(5, &mut || f64::NAN), Duration::ZERO);
    }

    #[test]
    fn seeded_draws_stay_in_range_and_spread() {
        let b = Backoff::default();
        let mut rng = SplitMix64::new(42);
        let draws: Vec<Duration> = (0..2000).map(|_| b.delay(4, &mut rng)).collect();
        assert!(draws.iter().all(|d| *d <= 16 * S));
        let low = draws.iter().filter(|d| **d < 8 * S).count();
        assert!(
            (800..1200).contains(&low),
            "about half below the middle: {low}"
        );
        let mut again = SplitMix64::new(42);
        assert_eq!(b.delay(4, &mut again), draws[0], "same seed, same draw");
        let mut other = SplitMix64::from_entropy();
        let x = Random::next_f64(&mut other);
        assert!((0.0..1.0).contains(&x));
    }
}
