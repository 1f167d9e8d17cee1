//! Where the ledger's records and errors become HTTP answers: the one place to change when the
//! wire types or the error codes change. Handlers build their answers with these; storage
//! engines answer records and [`StoreError`]s and never build a wire type.

use recoup_api::{
    AccountView, ChangesAnswer, ClaimAnswer, ClaimSubmission, ErrorCode, GenerationView, ReviewItem,
};
use recoup_core::GenerationId;
use recoup_core::Timestamp;
use recoup_store::{
    AccountBalance, ChangePage, ClaimOutcome, ClaimRecord, GenerationRecord, StoreError,
    SubmitClaim, Verdict,
};
use uuid::Uuid;

use crate::error::AppError;
use crate::storage::{Ledger, QueuedClaim};

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        if e.is_resource_fault() {
            return Self::storage_fault(e);
        }
        let code = ErrorCode::from(&e);
        // The endpoint's own storage failing (damaged, too new, SQLite) is its failure, not the
        // requester's: logged in full, answered as `internal` without details.
        if code.http_status() == 500 {
            return Self::internal(e.to_string());
        }
        Self::api(code, e.to_string())
    }
}

/// The ledger's request for a claim as submitted.
pub(crate) fn submit_claim(sub: &ClaimSubmission) -> SubmitClaim {
    SubmitClaim {
        claim_id: sub.claim_id,
        generation_id: sub.generation_id,
        reason: sub.reason,
        details: sub.details.clone(),
        reported_at: sub.submitted_at,
    }
}

/// The answer to one claim. Refusals that follow from the facts (unknown, failed or running
/// generation, second claim) are answers, so the device's queue never blocks on them; any other
/// failure of the ledger is an error.
pub(crate) fn claim_answer(
    sub: &ClaimSubmission,
    result: Ledger<ClaimRecord>,
    policy_version: &str,
) -> Result<ClaimAnswer, AppError> {
    let verdict = match result {
        Ok(record) => verdict_of(&record),
        Err(
            e @ (StoreError::AlreadyClaimed { .. }
            | StoreError::TechnicalFailure(_)
            | StoreError::GenerationNotFinished(_)
            | StoreError::NotFound {
                what: "generation", ..
            }),
        ) => refused(e.code()),
        Err(e) => return Err(e.into()),
    };
    Ok(ClaimAnswer {
        claim_id: sub.claim_id,
        message: ClaimAnswer::message_for(&verdict),
        verdict,
        policy_version: policy_version.to_owned(),
    })
}

/// Refusals that follow from the facts are not stored (there may be no generation to attach
/// them to); they carry no decision time so that a repeat answers exactly the same.
fn refused(code: &str) -> Verdict {
    Verdict {
        outcome: ClaimOutcome::NotRefunded,
        code: Some(code.to_owned()),
        refunded_credits: 0,
        decided_at: None,
    }
}

fn verdict_of(c: &ClaimRecord) -> Verdict {
    // Adjudicated on the endpoint, a claim always has an outcome (in review until a person
    // decides); one without would be a bug, answered as in review rather than lost.
    c.verdict().unwrap_or(Verdict {
        outcome: ClaimOutcome::InReview,
        code: None,
        refunded_credits: 0,
        decided_at: None,
    })
}

/// A person's decision, as answered: the ledger refuses with `invalid_input` a claim that is
/// not (or no longer) in review, which is the claim's state, not the request's fault.
pub(crate) fn reviewed(result: Ledger<ClaimRecord>) -> Result<ClaimRecord, AppError> {
    result.map_err(|e| match e {
        StoreError::InvalidInput { problem, .. } => AppError::api(ErrorCode::InvalidState, problem),
        other => other.into(),
    })
}

/// A claim waiting for review, as listed.
pub(crate) fn review_item(q: QueuedClaim) -> ReviewItem {
    ReviewItem {
        account_id: q.account,
        claim: q.claim,
    }
}

/// An account's balance, as answered.
pub(crate) fn account_view(account: Uuid, balance: AccountBalance, now: Timestamp) -> AccountView {
    AccountView {
        account_id: account,
        balance,
        server_time: now,
    }
}

/// A generation, as answered, with where its output is served if it has one.
pub(crate) fn generation_view(record: GenerationRecord) -> GenerationView {
    let output_path = record
        .output_ref
        .as_ref()
        .map(|_| output_path(record.generation_id));
    GenerationView {
        generation: record,
        output_path,
    }
}

fn output_path(id: GenerationId) -> String {
    format!("/v1/generations/{id}/output")
}

/// A page of the change feed, as answered; the cursor is opaque to the device.
pub(crate) fn changes_answer(
    page: ChangePage,
    now: Timestamp,
    policy_version: &str,
) -> ChangesAnswer {
    ChangesAnswer {
        changes: page.changes,
        cursor: format!("c1.{}", page.last_seq),
        has_more: page.has_more,
        server_time: now,
        policy_version: policy_version.to_owned(),
    }
}

/// Digits in a cursor's number: 18 always fit an `i64`.
const CURSOR_DIGITS_MAX: usize = 18;

/// The feed position a cursor stands for (none or empty: the start).
pub(crate) fn parse_cursor(c: Option<&str>) -> Result<i64, AppError> {
    match c {
        None | Some("") => Ok(0),
        // Digits only, as docs/openapi.yaml's pattern says (`parse` alone also takes `+7`).
        Some(c) => c
            .strip_prefix("c1.")
            .filter(|n| (1..=CURSOR_DIGITS_MAX).contains(&n.len()))
            .filter(|n| n.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                AppError::api(
                    ErrorCode::InvalidInput,
                    "unknown cursor: pass back the cursor the endpoint gave, or none to start over",
                )
            }),
    }
}
