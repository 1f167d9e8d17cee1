//! A generation: one run of an AI feature, from the hold placed at start to its outcome.

use crate::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::{Feature, Platform, Surface};

crate::spelled_enum!(
    /// Where a generation is in its life.
    GenerationStatus, "status", [
        /// Started: a hold is placed on its cost.
        Running => "running", "running",
        /// Produced a result: the hold was captured (the charge).
        Succeeded => "succeeded", "succeeded",
        /// Failed for a technical reason: the hold was voided, the credits stayed available.
        Failed => "failed", "technical failure",
    ]
);

/// What the policy needs to know about a generation to judge a report on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationFacts {
    /// The AI feature used.
    pub feature: Feature,
    /// The platform it was made on.
    pub platform: Platform,
    /// Where in the product it was made.
    pub surface: Surface,
    /// Its status.
    pub status: GenerationStatus,
    /// When it finished (succeeded or failed); absent while running.
    pub finished_at: Option<Timestamp>,
    /// Credits it was charged (0 unless it succeeded).
    pub charged_credits: u64,
}
