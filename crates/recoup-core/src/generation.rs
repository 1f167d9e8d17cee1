//! A generation: one run of an AI feature, from the hold placed at start to its outcome.

use std::fmt;
use std::str::FromStr;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::catalog::{Feature, Platform, Surface, UnknownIdentifier};

/// Where a generation is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GenerationStatus {
    /// Started: a hold is placed on its cost.
    Running,
    /// Produced a result: the hold was captured (the charge).
    Succeeded,
    /// Failed for a technical reason: the hold was voided, the credits stayed available.
    Failed,
}

impl GenerationStatus {
    /// Every status.
    pub const ALL: &'static [GenerationStatus] = &[
        GenerationStatus::Running,
        GenerationStatus::Succeeded,
        GenerationStatus::Failed,
    ];

    /// The stable spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            GenerationStatus::Running => "running",
            GenerationStatus::Succeeded => "succeeded",
            GenerationStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for GenerationStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for GenerationStatus {
    type Err = UnknownIdentifier;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .iter()
            .copied()
            .find(|v| v.as_str() == s)
            .ok_or_else(|| UnknownIdentifier {
                kind: "status",
                value: s.to_owned(),
                expected: "running, succeeded, failed".to_owned(),
            })
    }
}

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
