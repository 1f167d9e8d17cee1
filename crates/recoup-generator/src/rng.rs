//! The generator's randomness: the workspace's one seeded generator (SplitMix64, in
//! `recoup_core::rng`), so a seed gives the same image on every platform forever.

pub(crate) use recoup_core::rng::{SplitMix64, derive, mix64};
