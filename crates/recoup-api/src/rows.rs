//! The rows of an account's ledger as they cross the wire: what the endpoint answers
//! (generations, claims, balances) and what its change feed replicates to devices, which apply
//! them verbatim. Every storage engine reads and writes these (the SQLite store maps its tables
//! to them), so the device cannot tell the engines apart.

use recoup_core::Timestamp;
use serde::{Deserialize, Serialize};

use recoup_core::{
    Balances, ClaimId, ClaimReason, Decision, EntryKind, Feature, GenerationFacts, GenerationId,
    GenerationStatus, GrantId, GrantKind, MediaKind, OpId, Platform, Surface,
};

recoup_core::spelled_enum!(
    /// Where a claim is on its way to the endpoint.
    SyncState, "sync state", [
        /// Written locally, waiting in the outbox.
        Queued => "queued", "waiting to sync",
        /// Sent, no answer yet.
        Sent => "sent", "sent",
        /// The endpoint answered with its decision.
        Acknowledged => "acknowledged", "answered",
        /// Kept failing; set aside so it cannot block the others.
        Quarantined => "quarantined", "set aside after repeated failures",
    ]
);

recoup_core::spelled_enum!(
    /// The endpoint's answer to a claim.
    ClaimOutcome, "claim outcome", [
        /// Refunded: the credits are back.
        Refunded => "refunded", "refunded",
        /// Not refunded: recorded as feedback ("thank you for your feedback").
        NotRefunded => "not_refunded", "not refunded",
        /// Waiting for a person to review it.
        InReview => "in_review", "in review",
    ]
);

impl ClaimOutcome {
    /// Whether this is the final word.
    pub const fn is_final(self) -> bool {
        !matches!(self, ClaimOutcome::InReview)
    }
}

/// The endpoint's decision on a claim, as the device records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// Refunded, not refunded, or in review.
    pub outcome: ClaimOutcome,
    /// Why not refunded: a policy reason code or `not_clearly_unusable`.
    pub code: Option<String>,
    /// Credits refunded (0 unless refunded).
    pub refunded_credits: u64,
    /// When decided (absent while in review).
    pub decided_at: Option<Timestamp>,
}

/// A claim as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRecord {
    /// Its id.
    pub claim_id: ClaimId,
    /// The generation.
    pub generation_id: GenerationId,
    /// Why it is bad.
    pub reason: ClaimReason,
    /// The details, trimmed.
    pub details: String,
    /// When it was submitted (device time, corrected if known).
    pub submitted_at: Timestamp,
    /// The device's provisional decision.
    pub local_decision: Decision,
    /// Where it is on its way to the endpoint.
    pub sync_state: SyncState,
    /// The endpoint's outcome, once it answered.
    pub outcome: Option<ClaimOutcome>,
    /// The endpoint's reason code, when not refunded.
    pub outcome_code: Option<String>,
    /// Credits refunded by the endpoint.
    pub refunded_credits: Option<u64>,
    /// When the endpoint decided.
    pub decided_at: Option<Timestamp>,
}

impl ClaimRecord {
    /// The endpoint's decision as recorded with the claim, once there is one (a claim the
    /// endpoint holds for review has the outcome `in_review`). The one way a claim becomes a
    /// verdict, for the endpoint's answers and every client's words alike.
    pub fn verdict(&self) -> Option<Verdict> {
        self.outcome.map(|outcome| Verdict {
            outcome,
            code: self.outcome_code.clone(),
            refunded_credits: self.refunded_credits.unwrap_or(0),
            decided_at: self.decided_at,
        })
    }
}

/// Claim state shown next to a generation in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSummary {
    /// The claim.
    pub claim_id: recoup_core::ClaimId,
    /// Whether the device judged it refundable.
    pub local_eligible: bool,
    /// Where it is in the sync.
    pub sync_state: SyncState,
    /// The endpoint's outcome, once known.
    pub outcome: Option<ClaimOutcome>,
}

/// A generation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationRecord {
    /// Its id.
    pub generation_id: GenerationId,
    /// The AI feature.
    pub feature: Feature,
    /// The platform.
    pub platform: Platform,
    /// The surface.
    pub surface: Surface,
    /// Image or video.
    pub media_kind: MediaKind,
    /// Where it is in its life.
    pub status: GenerationStatus,
    /// Why it failed, if it did (`hold_expired`, or the generator's error).
    pub failure: Option<String>,
    /// Its price, held at start.
    pub cost: u64,
    /// What was charged (the cost once succeeded, else 0).
    pub charged: u64,
    /// Version of the price list that set the cost.
    pub price_version: String,
    /// When it started.
    pub started_at: Timestamp,
    /// When it finished.
    pub finished_at: Option<Timestamp>,
    /// When its hold goes stale if it never finishes.
    pub hold_expires_at: Timestamp,
    /// Where the result is.
    pub output_ref: Option<String>,
    /// Its claim, if reported.
    pub claim: Option<ClaimSummary>,
}

impl GenerationRecord {
    /// What the policy needs to judge a report on it.
    pub fn facts(&self) -> GenerationFacts {
        GenerationFacts {
            feature: self.feature,
            platform: self.platform,
            surface: self.surface,
            status: self.status,
            finished_at: self.finished_at,
            charged_credits: self.charged,
        }
    }
}

/// A grant's fixed terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantTerms {
    /// The grant.
    pub grant_id: GrantId,
    /// What it is.
    pub kind: GrantKind,
    /// Credits granted.
    pub credits: u64,
    /// Burn-down priority.
    pub priority: u32,
    /// When granted.
    pub granted_at: Timestamp,
    /// When it expires.
    pub expires_at: Option<Timestamp>,
    /// Note.
    pub note: String,
}

/// A grant with its current totals. Its terms are flattened, so the JSON carries them beside
/// `live` and `balances`, as one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRecord {
    /// The grant's fixed terms.
    #[serde(flatten)]
    pub terms: GrantTerms,
    /// Whether it can still be spent at the time of reading.
    pub live: bool,
    /// Its totals (as of the reading: an expired grant's available credits count as expired).
    pub balances: Balances,
}

/// The account's credits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBalance {
    /// Totals over all grants.
    pub totals: Balances,
    /// Each grant, in burn-down order.
    pub grants: Vec<GrantRecord>,
    /// When it was read.
    pub as_of: Timestamp,
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// Position in the ledger (increasing).
    pub seq: i64,
    /// What happened.
    pub kind: EntryKind,
    /// The grant touched.
    pub grant_id: GrantId,
    /// The generation concerned, if any.
    pub generation_id: Option<GenerationId>,
    /// Credits moved.
    pub credits: u64,
    /// When.
    pub at: Timestamp,
    /// The operation that wrote it (absent for sweeps).
    pub op_id: Option<OpId>,
}

/// How a hold settled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// The generation whose hold settled.
    pub generation_id: GenerationId,
    /// `captured`, `voided` or `expired`.
    pub outcome: String,
    /// The operation that settled it (absent for sweeps).
    pub op_id: Option<OpId>,
    /// When.
    pub at: Timestamp,
}

/// A refund row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRow {
    /// The generation refunded.
    pub generation_id: GenerationId,
    /// The claim that led to it.
    pub claim_id: Option<ClaimId>,
    /// Credits refunded.
    pub credits: u64,
    /// The operation.
    pub op_id: OpId,
    /// When.
    pub at: Timestamp,
}

/// One change, with the row as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "row", rename_all = "snake_case")]
pub enum Change {
    /// A new grant.
    Grant(GrantTerms),
    /// A new ledger entry.
    Entry(LedgerEntry),
    /// A generation, new or changed.
    Generation(GenerationRecord),
    /// A hold settled.
    Settlement(Settlement),
    /// A refund.
    Refund(RefundRow),
    /// A claim, new or decided.
    Claim(ClaimRecord),
}
