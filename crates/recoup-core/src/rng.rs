//! Seeded randomness: one small generator (SplitMix64) for everything that must be random but
//! reproducible from a seed: the generator's drawing and outcome picks, and the sync engine's
//! backoff jitter. Pure: the same seed gives the same numbers on every platform, forever (the
//! generator's seeded outputs depend on it). Seeding from the operating system's entropy is
//! kept apart, behind the `entropy` feature, so the pure part needs no I/O.
//!
//! ```
//! use recoup_core::rng::{Random, SplitMix64};
//!
//! let mut a = SplitMix64::new(7);
//! let mut b = SplitMix64::new(7);
//! assert_eq!(a.next_u64(), b.next_u64(), "same seed, same numbers");
//! let x = Random::next_f64(&mut a);
//! assert!((0.0..1.0).contains(&x));
//! // Any closure returning an f64 is a source too (fixed draws in tests).
//! let mut half = || 0.5;
//! assert_eq!(Random::next_f64(&mut half), 0.5);
//! ```

/// A source of uniform random numbers in `[0, 1]`.
pub trait Random {
    /// The next number; values outside `[0, 1]` (or NaN) are clamped by the caller.
    fn next_f64(&mut self) -> f64;
}

impl<F: FnMut() -> f64> Random for F {
    fn next_f64(&mut self) -> f64 {
        self()
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): one 64-bit state word, passes BigCrush as a stream.
/// Small and fast; not for secrets.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 output function: a strong 64-bit mixer.
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Derives an independent stream seed from a seed and a domain tag, so that e.g. the quality
/// pick and the failure pick of one seed are not correlated.
pub const fn derive(seed: u64, tag: u64) -> u64 {
    mix64(seed ^ mix64(tag.wrapping_mul(GOLDEN)))
}

impl SplitMix64 {
    /// A generator with a fixed seed.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)` with 53 bits of precision.
    pub fn next_f64(&mut self) -> f64 {
        // Multiplying by 2^-53 is exact, so this equals dividing by 2^53 bit for bit.
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in `[lo, hi)`.
    pub fn range_f32(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next_f64() as f32
    }

    /// Uniform in `0..n` (Lemire's multiply-high; `n` must be non-zero, 0 gives 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

impl Random for SplitMix64 {
    fn next_f64(&mut self) -> f64 {
        SplitMix64::next_f64(self)
    }
}

/// The impure part: a seed from the operating system, so two devices (or two runs) draw
/// differently. Only with the `entropy` feature.
#[cfg(feature = "entropy")]
impl SplitMix64 {
    /// A generator seeded from the operating system's entropy; should that fail (no entropy
    /// source at all), from the time, which still differs between devices and runs.
    pub fn from_entropy() -> Self {
        let seed = getrandom::u64().unwrap_or_else(|_| {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            mix64((nanos as u64) ^ ((nanos >> 64) as u64))
        });
        Self::new(seed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitmix_matches_the_reference_sequence() {
        // Reference values for seed 0 from the published SplitMix64 (Vigna's splitmix64.c).
        let mut r = SplitMix64::new(0);
        assert_eq!(
            r.next_u64(),
            0xE220_A839_7B1D_CDAF,
            "first output for seed 0"
        );
        assert_eq!(
            r.next_u64(),
            0x6E78_9E6A_A1B9_65F4,
            "second output for seed 0"
        );
    }

    #[test]
    fn floats_stay_in_range_and_below_is_bounded() {
        let mut r = SplitMix64::new(42);
        for _ in 0..10_000 {
            let f = r.next_f64();
            assert!((0.0..1.0).contains(&f), "next_f64 out of [0,1): {f}");
            assert!(r.below(3) < 3, "below(3) out of range");
        }
        assert_eq!(r.below(0), 0, "below(0) is 0");
    }

    #[test]
    fn derived_streams_differ() {
        assert_ne!(derive(1, 1), derive(1, 2), "tags separate streams");
        assert_ne!(derive(1, 1), derive(2, 1), "seeds separate streams");
    }

    #[test]
    fn the_float_is_the_top_53_bits_divided_by_two_to_the_53() {
        // The sync engine's jitter once divided where the generator multiplied: both spellings
        // must give the same bits, so moving either onto this generator changed no draw.
        let mut a = SplitMix64::new(99);
        let mut b = SplitMix64::new(99);
        for _ in 0..10_000 {
            let divided = (b.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
            assert_eq!(
                a.next_f64().to_bits(),
                divided.to_bits(),
                "multiplying by 2^-53 and dividing by 2^53 agree"
            );
        }
    }

    #[test]
    fn the_trait_and_the_method_draw_the_same_number() {
        let mut a = SplitMix64::new(5);
        let mut b = SplitMix64::new(5);
        assert_eq!(
            Random::next_f64(&mut a).to_bits(),
            b.next_f64().to_bits(),
            "one stream, whichever door"
        );
    }
}
