//! # recoup-api
//!
//! The JSON that crosses Recoup's boundaries: what the device sends the endpoint and what it
//! answers, the closed set of error codes, and signed policy documents. The endpoint, the sync
//! engine, the CLI and the app all use these types, so the JSON is the same everywhere.
//!
//! ```
//! use recoup_api::{ApiError, ErrorCode};
//! let e = ApiError::new(ErrorCode::InvalidDetails, "the details are too short");
//! assert_eq!(serde_json::to_string(&e).unwrap(),
//!            r#"{"code":"invalid_details","message":"the details are too short"}"#);
//! ```
#![deny(missing_docs)]

pub mod console;
mod error;
mod identity;
pub mod net;
mod provider;
pub mod rows;
mod signed;
mod url;
mod webhook;

use recoup_core::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use recoup_core::{ClaimId, ClaimReason, Feature, GenerationId, Platform, Surface};

pub use error::ErrorCode;
pub use identity::{
    ADMIN_PAGE_MAX, AccountPage, AdminAccount, AuditEntry, AuditPage, IssuedToken, NewAccount,
    NewAccountAnswer, NewToken, SUBJECT_CHARS_MAX, TOKEN_EXPIRY_DAYS_MAX, TOKEN_LABEL_CHARS_MAX,
    TokenInfo,
};
pub use provider::{
    FAILURE_REASON_LEN_MAX, OUTPUT_BYTES_MAX, OUTPUT_MEDIA_TYPES, OutputFindings, OutputView,
    PROVIDER_NAME_LEN_MAX, ProviderCreate, ProviderCreated, ProviderFailure, ProviderGeneration,
    ProviderGenerationView, ProviderView, output_extension, output_media_type,
};
pub use rows::{
    AccountBalance, Change, ClaimOutcome, ClaimRecord, ClaimSummary, GenerationRecord, GrantRecord,
    GrantTerms, LedgerEntry, RefundRow, Settlement, SyncState, Verdict,
};
pub use signed::{PolicyKey, SignatureError, SignedPolicy, public_key};
pub use url::{UrlRefusal, secure_url};
pub use webhook::{
    BalanceThreshold, BalanceThresholdSet, EVENT_ID_HEADER, SIGNATURE_HEADER,
    SIGNATURE_TOLERANCE_SECS, SignatureCheck, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES,
    WEBHOOK_URL_LEN_MAX, WebhookCreate, WebhookCreated, WebhookEvent, WebhookFailure,
    WebhookTestResult, WebhookView, sign_payload, verify_signature,
};

/// Most claims in one batch.
pub const CLAIM_BATCH_MAX: usize = 500;

/// Largest request body the endpoint reads, in bytes.
pub const BODY_BYTES_MAX: usize = 1024 * 1024;

/// The body of every error answer: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} ({code:?})")]
pub struct ApiError {
    /// Stable code.
    pub code: ErrorCode,
    /// What happened and what to do, for a person.
    pub message: String,
}

impl ApiError {
    /// An error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// A sandbox account, as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCreated {
    /// The account.
    pub account_id: Uuid,
    /// Its bearer token. Shown once; the endpoint keeps only a hash.
    pub token: String,
    /// The starting allowance granted.
    pub allowance_credits: u64,
}

/// The account as the endpoint sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The account.
    pub account_id: Uuid,
    /// Its balances.
    pub balance: AccountBalance,
    /// The endpoint's clock (the account's test clock in a sandbox).
    pub server_time: Timestamp,
}

/// Run a generation on the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationRequest {
    /// Client-made id (UUIDv7): the idempotency key.
    pub generation_id: GenerationId,
    /// The AI feature.
    pub feature: Feature,
    /// The platform it is made on.
    pub platform: Platform,
    /// The surface it is made in.
    pub surface: Surface,
}

/// A generation and where to fetch its output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GenerationView {
    /// The generation as stored by the endpoint.
    pub generation: GenerationRecord,
    /// Path of the output on the endpoint (`/v1/generations/{id}/output`), when there is one.
    pub output_path: Option<String>,
}

/// A "Bad result" report as sent by the device (the outbox payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimSubmission {
    /// Client-made id: the idempotency key.
    pub claim_id: ClaimId,
    /// The generation reported.
    pub generation_id: GenerationId,
    /// Why it is bad.
    pub reason: ClaimReason,
    /// What is wrong.
    pub details: String,
    /// When the device says the report was made (its corrected clock). The endpoint decides
    /// with its own clock and weighs this only for a report delivered after the window closed
    /// (`Policy::report_instant`).
    #[serde(default)]
    pub submitted_at: Option<Timestamp>,
    /// The device's provisional decision (informational: never trusted).
    #[serde(default)]
    pub local_decision: Option<LocalDecision>,
}

/// What the device decided, sent for comparison only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LocalDecision {
    /// Eligible on the device.
    pub eligible: bool,
    /// With which policy version.
    pub policy_version: String,
}

/// The endpoint's answer to one claim. Refused claims are answers too, never errors that
/// would block the device's queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimAnswer {
    /// The claim.
    pub claim_id: ClaimId,
    /// The decision.
    pub verdict: Verdict,
    /// For a person: "Refund granted: 4 credits" or "Thank you for your feedback".
    pub message: String,
    /// The policy version that decided.
    pub policy_version: String,
}

impl ClaimAnswer {
    /// The notification text for a verdict.
    pub fn message_for(verdict: &Verdict) -> String {
        match verdict.outcome {
            ClaimOutcome::Refunded => match verdict.refunded_credits {
                1 => "Refund granted: 1 credit".to_owned(),
                n => format!("Refund granted: {n} credits"),
            },
            ClaimOutcome::NotRefunded => "Thank you for your feedback".to_owned(),
            ClaimOutcome::InReview => {
                "Thank you: your report is being reviewed, we will tell you the outcome".to_owned()
            }
        }
    }
}

/// Several claims at once (the outbox drains in batches).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimBatch {
    /// At most [`CLAIM_BATCH_MAX`].
    pub claims: Vec<ClaimSubmission>,
}

/// The answer to one claim of a batch: an answer or an error, never both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimBatchItem {
    /// The claim.
    pub claim_id: ClaimId,
    /// The endpoint's answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<ClaimAnswer>,
    /// Or why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

/// The answers to a batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimBatchAnswer {
    /// One item per claim sent.
    pub results: Vec<ClaimBatchItem>,
}

/// A page of the account's change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangesAnswer {
    /// The changes, oldest first.
    pub changes: Vec<Change>,
    /// Opaque: pass it back to get what follows.
    pub cursor: String,
    /// Whether more changes wait.
    pub has_more: bool,
    /// The endpoint's clock when it answered (the device measures its offset with it).
    pub server_time: Timestamp,
    /// The policy version in force on the endpoint.
    pub policy_version: String,
}

/// Grant credits to an account (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminGrant {
    /// Credits.
    pub credits: u64,
    /// What the grant is.
    pub kind: recoup_core::GrantKind,
    /// Days until it expires.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// Move an account's sandbox test clock forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdvanceClock {
    /// Seconds to move forward (at most a year at once).
    pub secs: u64,
}

/// The sandbox generator's behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeneratorSettings {
    /// Share of generations that fail technically, 0 to 1.
    pub failure_rate: f64,
    /// Share of successful generations whose output is deliberately bad, 0 to 1.
    pub bad_rate: f64,
}

/// A person's decision on a claim in review (admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewDecision {
    /// Approve (refund) or reject.
    pub approve: bool,
}

/// A claim waiting for review, with its account (admin).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    /// The account.
    pub account_id: Uuid,
    /// The claim.
    pub claim: ClaimRecord,
}

/// The health answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always true when answered.
    pub ok: bool,
    /// The endpoint's clock.
    pub server_time: Timestamp,
    /// Whether this is a sandbox.
    pub sandbox: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(outcome: ClaimOutcome, credits: u64) -> Verdict {
        Verdict {
            outcome,
            code: None,
            refunded_credits: credits,
            decided_at: None,
        }
    }

    #[test]
    fn the_notification_names_the_credits_in_good_english() {
        let say = |o, c| ClaimAnswer::message_for(&verdict(o, c));
        assert_eq!(say(ClaimOutcome::Refunded, 1), "Refund granted: 1 credit");
        assert_eq!(say(ClaimOutcome::Refunded, 4), "Refund granted: 4 credits");
        assert_eq!(
            say(ClaimOutcome::NotRefunded, 0),
            "Thank you for your feedback"
        );
    }
}
