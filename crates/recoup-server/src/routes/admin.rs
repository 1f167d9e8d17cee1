//! The admin API: the review queue and decisions, policy publication, grants, and the sandbox's
//! test clocks and generator settings.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use recoup_api::{
    AdminGrant, AdvanceClock, ErrorCode, GeneratorSettings, ReviewDecision, ReviewItem,
    SignedPolicy,
};
use recoup_core::TimeDelta;
use recoup_core::{ClaimId, Clock, OpId, Policy};
use recoup_store::{ClaimRecord, GrantRecord, GrantRequest};
use uuid::Uuid;

use super::{AppResult, Shared, account_offset, admin, json, read_body, run_to_end, sandbox_only};
use crate::error::{AppError, write};
use crate::state::{AppState, Published};
use crate::storage::{Ledger, review_target};
use crate::wire;

/// A grant expires at most this many days (about a century) after it is made; more is refused
/// (`u32::MAX` days used to overflow the timestamp and silently mean "never expires").
pub const GRANT_EXPIRY_DAYS_MAX: u32 = 36_500;

/// Most claims one listing of the review queue shows.
const REVIEWS_LISTED_MAX: u32 = 200;

pub(super) async fn reviews(
    State(state): Shared,
    headers: HeaderMap,
) -> AppResult<Json<Vec<ReviewItem>>> {
    admin(&state, &headers).await?;
    let queued = state.storage.review_queue(REVIEWS_LISTED_MAX).await?;
    Ok(Json(queued.into_iter().map(wire::review_item).collect()))
}

pub(super) async fn review(
    State(state): Shared,
    headers: HeaderMap,
    Path((account, claim)): Path<(Uuid, Uuid)>,
    body: Body,
) -> AppResult<Json<ClaimRecord>> {
    let actor = admin(&state, &headers).await?;
    let decision: ReviewDecision = json(&read_body(body).await?)?;
    let decided = decide_review(
        &state,
        actor.0,
        account,
        ClaimId(claim),
        decision.approve,
        None,
    )
    .await?;
    Ok(Json(wire::reviewed(decided)?))
}

/// A person's decision on a claim in review (the admin API's and the console's): recorded in
/// the account's ledger (refunding at once when approved; the device learns it at its next
/// sync, the webhook's `claim.decided` fires) and in the audit log with the actor and the
/// note, as one flow a client hanging up cannot cut in half. The inner result is the ledger's
/// refusal (a claim not, or no longer, in review).
pub(super) async fn decide_review(
    state: &Arc<AppState>,
    actor: String,
    account: Uuid,
    claim: ClaimId,
    approve: bool,
    note: Option<String>,
) -> AppResult<Ledger<ClaimRecord>> {
    let offset = account_offset(state, account).await?;
    let now = state.account_clock(offset).now();
    let flow_state = Arc::clone(state);
    let decided = run_to_end(async move {
        let state = flow_state;
        let decided = state.storage.review(account, claim, approve, now).await?;
        if decided.is_ok() {
            let mut detail = serde_json::json!({ "approve": approve });
            if let Some(note) = note {
                detail["note"] = serde_json::Value::String(note);
            }
            state
                .storage
                .audit(
                    actor,
                    "review.decide",
                    review_target(account, claim),
                    detail,
                    now,
                )
                .await?;
        }
        Ok(decided)
    })
    .await?;
    if let Ok(record) = &decided
        && let Some(outcome) = record.outcome
    {
        state.metrics.claim_decided(outcome);
    }
    Ok(decided)
}

pub(super) async fn publish_policy(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<SignedPolicy>> {
    let actor = admin(&state, &headers).await?;
    let policy = Policy::from_json(&read_body(body).await?)
        .map_err(|e| AppError::api(ErrorCode::InvalidDocument, e.to_string()))?;
    Ok(Json(publish(&state, actor.0, policy).await?))
}

/// Publishes a validated policy (the admin API's and the console's): recorded, audited with
/// its actor, signed and put in force, as one flow a client hanging up cannot cut in half.
pub(super) async fn publish(
    state: &Arc<AppState>,
    actor: String,
    policy: Policy,
) -> AppResult<SignedPolicy> {
    let state = Arc::clone(state);
    let signed = run_to_end(async move {
        let document = policy.to_json();
        let version = policy.version().to_owned();
        let seq = state
            .storage
            .publish_policy(version.clone(), document.clone(), state.now())
            .await?;
        state
            .storage
            .audit(
                actor,
                "policy.publish",
                version.clone(),
                serde_json::json!({ "seq": seq }),
                state.now(),
            )
            .await?;
        let signed = SignedPolicy::sign(&version, seq, document, &state.key);
        let mut published = write(&state.published);
        *published = Arc::new(Published {
            policy,
            signed: signed.clone(),
        });
        Ok(signed)
    })
    .await?;
    tracing::info!(version = %signed.version, "policy published");
    Ok(signed)
}

pub(super) async fn admin_grant(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
    body: Body,
) -> AppResult<Json<GrantRecord>> {
    let actor = admin(&state, &headers).await?;
    let g: AdminGrant = json(&read_body(body).await?)?;
    Ok(Json(grant_credits(&state, actor.0, account, g).await?))
}

/// Grants credits to an account (the admin API's and the console's), audited with its actor,
/// as one flow a client hanging up cannot cut in half.
pub(super) async fn grant_credits(
    state: &Arc<AppState>,
    actor: String,
    account: Uuid,
    g: AdminGrant,
) -> AppResult<GrantRecord> {
    let offset = account_offset(state, account).await?;
    let now = state.account_clock(offset).now();
    let mut req = GrantRequest::new(OpId(Uuid::now_v7()), g.kind, g.credits);
    req.expires_at = match g.expires_in_days {
        None => None,
        Some(days) if days > GRANT_EXPIRY_DAYS_MAX => {
            return Err(AppError::api(
                ErrorCode::InvalidInput,
                format!(
                    "expires_in_days is at most {GRANT_EXPIRY_DAYS_MAX}, got {days}; leave it out for a grant that never expires"
                ),
            ));
        }
        Some(days) => Some(
            now.checked_add(TimeDelta::hours(24 * i64::from(days)))
                .ok_or_else(|| {
                    AppError::api(
                        ErrorCode::InvalidInput,
                        format!("expires_in_days {days} is past the last representable time (the year 9999)"),
                    )
                })?,
        ),
    };
    req.note = g.note;
    let detail = serde_json::json!({
        "op_id": req.op_id.0,
        "kind": g.kind,
        "credits": g.credits,
        "expires_at": req.expires_at,
        "note": req.note,
    });
    let state = Arc::clone(state);
    run_to_end(async move {
        let record = state.storage.grant(account, req, now).await?;
        state
            .storage
            .audit(actor, "grant", account.to_string(), detail, now)
            .await?;
        Ok(record)
    })
    .await
}

pub(super) async fn advance_clock(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
    body: Body,
) -> AppResult<Json<serde_json::Value>> {
    let actor = admin(&state, &headers).await?;
    sandbox_only(&state)?;
    let adv: AdvanceClock = json(&read_body(body).await?)?;
    if adv.secs > 366 * 24 * 3600 {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "advance at most a year at once",
        ));
    }
    let by_ms = i64::try_from(adv.secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000);
    let now = run_to_end(async move {
        let offset = state
            .storage
            .advance_clock(account, by_ms)
            .await?
            .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no account {account}")))?;
        let now = state.account_clock(offset).now();
        // Time moved: release what is now stale or expired, as the real clock would have.
        state.storage.sweep(account, now).await?;
        state
            .storage
            .audit(
                actor.0,
                "clock.advance",
                account.to_string(),
                serde_json::json!({ "secs": adv.secs }),
                state.now(),
            )
            .await?;
        Ok(now)
    })
    .await?;
    Ok(Json(serde_json::json!({ "server_time": now })))
}

/// The body of `PUT /v1/admin/generator`: [`GeneratorSettings`], refusing unknown fields as the
/// document says (the shared type does not, since clients read it from answers too).
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct GeneratorInput {
    failure_rate: f64,
    bad_rate: f64,
}

pub(super) async fn set_generator(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<GeneratorSettings>> {
    let actor = admin(&state, &headers).await?;
    sandbox_only(&state)?;
    let GeneratorInput {
        failure_rate,
        bad_rate,
    } = json(&read_body(body).await?)?;
    let s = GeneratorSettings {
        failure_rate,
        bad_rate,
    };
    let ok = |r: f64| (0.0..=1.0).contains(&r);
    if !ok(s.failure_rate) || !ok(s.bad_rate) {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "rates are between 0 and 1",
        ));
    }
    *write(&state.generator) = s;
    state
        .storage
        .audit(
            actor.0,
            "generator.set",
            "generator".to_owned(),
            serde_json::json!({ "failure_rate": s.failure_rate, "bad_rate": s.bad_rate }),
            state.now(),
        )
        .await?;
    Ok(Json(s))
}
