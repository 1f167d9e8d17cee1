//! Claims: one, or a batch, adjudicated by the account's storage with group commit.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use recoup_api::{
    CLAIM_BATCH_MAX, ClaimAnswer, ClaimBatch, ClaimBatchAnswer, ClaimBatchItem, ClaimSubmission,
    ErrorCode,
};

use super::{AppResult, Shared, authenticate, json, read_body};
use crate::error::AppError;
use crate::state::AppState;
use crate::storage::Account;
use crate::wire;

/// Claims of one account, adjudicated together with whatever else is waiting for the account.
/// One answer per claim, in order.
async fn adjudicate_many(
    state: &AppState,
    a: &Account,
    subs: &[ClaimSubmission],
) -> AppResult<Vec<AppResult<ClaimAnswer>>> {
    let reqs = subs.iter().map(wire::submit_claim).collect();
    let clock = state.account_clock(a.offset_ms);
    let started = std::time::Instant::now();
    let results = state.storage.adjudicate(a.id, reqs, clock).await;
    state.metrics.adjudicated(started);
    let results = results?;
    let published = state.published()?;
    let policy_version = published.policy.version();
    let answers: Vec<_> = subs
        .iter()
        .zip(results)
        .map(|(sub, result)| wire::claim_answer(sub, result, policy_version))
        .collect();
    for answer in answers.iter().flatten() {
        state.metrics.claim_decided(answer.verdict.outcome);
    }
    Ok(answers)
}

pub(super) async fn claim(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<ClaimAnswer>> {
    let a = authenticate(&state, &headers).await?;
    let sub: ClaimSubmission = json(&read_body(body).await?)?;
    let answer = adjudicate_many(&state, &a, std::slice::from_ref(&sub))
        .await?
        .pop()
        .unwrap_or_else(|| Err(AppError::internal("a claim got no answer")))?;
    Ok(Json(answer))
}

pub(super) async fn claim_batch(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<ClaimBatchAnswer>> {
    let a = authenticate(&state, &headers).await?;
    let batch: ClaimBatch = json(&read_body(body).await?)?;
    if batch.claims.len() > CLAIM_BATCH_MAX {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "a batch holds at most {CLAIM_BATCH_MAX} claims, got {}",
                batch.claims.len()
            ),
        ));
    }
    let answers = adjudicate_many(&state, &a, &batch.claims).await?;
    let results = batch
        .claims
        .iter()
        .zip(answers)
        .map(|(sub, answer)| match answer {
            Ok(answer) => ClaimBatchItem {
                claim_id: sub.claim_id,
                answer: Some(answer),
                error: None,
            },
            Err(AppError(e)) => ClaimBatchItem {
                claim_id: sub.claim_id,
                answer: None,
                error: Some(e),
            },
        })
        .collect();
    Ok(Json(ClaimBatchAnswer { results }))
}
