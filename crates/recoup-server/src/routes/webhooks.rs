//! The admin API for webhooks: register a receiver (its secret shown once), list, remove, send
//! a test event, list the deliveries given up on; and an account's `balance.low` threshold.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use recoup_api::{
    BalanceThreshold, BalanceThresholdSet, ErrorCode, TEST_EVENT_TYPE, WEBHOOK_EVENT_TYPES,
    WEBHOOK_URL_LEN_MAX, WebhookCreate, WebhookCreated, WebhookEvent, WebhookFailure,
    WebhookTestResult, WebhookView,
};
use uuid::Uuid;

use super::{AppResult, Shared, admin, json, read_body, run_to_end};
use crate::error::AppError;
use crate::state::new_token;
use crate::storage::{FailureRow, WebhookRow};

/// Most receivers registered at once (removed ones not counted).
pub const WEBHOOKS_MAX: usize = 100;

/// Most failures one listing shows.
pub const WEBHOOK_FAILURES_LISTED_MAX: u32 = 1_000;

/// The prefix of every webhook secret.
const SECRET_PREFIX: &str = "whsec";

fn view(w: WebhookRow) -> WebhookView {
    WebhookView {
        webhook_id: w.webhook_id,
        url: w.url,
        events: w.events,
        created_at: w.created_at,
        removed_at: w.removed_at,
    }
}

fn path_id(id: &str) -> AppResult<Uuid> {
    id.parse().map_err(|e| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the webhook id in the path is not a UUID: {e}"),
        )
    })
}

/// The receiver, not removed; 404 otherwise.
async fn active_webhook(state: &crate::state::AppState, id: Uuid) -> AppResult<WebhookRow> {
    state
        .storage
        .webhooks()
        .await?
        .into_iter()
        .find(|w| w.webhook_id == id && w.removed_at.is_none())
        .ok_or_else(|| {
            AppError::api(
                ErrorCode::NotFound,
                format!("no webhook {id} (or it was removed)"),
            )
        })
}

/// The event types asked for: each known, none twice, at least one; kept in the order of
/// [`WEBHOOK_EVENT_TYPES`].
fn event_types(asked: &[String]) -> AppResult<Vec<String>> {
    if asked.is_empty() {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "events must name at least one of: {}",
                WEBHOOK_EVENT_TYPES.join(", ")
            ),
        ));
    }
    for e in asked {
        if !WEBHOOK_EVENT_TYPES.contains(&e.as_str()) {
            return Err(AppError::api(
                ErrorCode::InvalidInput,
                format!(
                    "unknown event type {e:?}; the types are: {}",
                    WEBHOOK_EVENT_TYPES.join(", ")
                ),
            ));
        }
    }
    if asked.len()
        != asked
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "events names a type twice",
        ));
    }
    Ok(WEBHOOK_EVENT_TYPES
        .iter()
        .filter(|t| asked.iter().any(|a| a == *t))
        .map(|t| (*t).to_owned())
        .collect())
}

pub(super) async fn create_webhook(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<WebhookCreated>)> {
    let actor = admin(&state, &headers).await?;
    let req: WebhookCreate = json(&read_body(body).await?)?;
    if req.url.len() > WEBHOOK_URL_LEN_MAX {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!("url is longer than {WEBHOOK_URL_LEN_MAX} bytes"),
        ));
    }
    let url = recoup_api::secure_url(&req.url)
        .map_err(|refusal| AppError::api(ErrorCode::InvalidInput, refusal.to_string()))?;
    let events = event_types(&req.events)?;
    let created = run_to_end(async move {
        let active = state
            .storage
            .webhooks()
            .await?
            .into_iter()
            .filter(|w| w.removed_at.is_none())
            .count();
        if active >= WEBHOOKS_MAX {
            return Err(AppError::api(
                ErrorCode::InvalidInput,
                format!("{WEBHOOKS_MAX} webhooks are registered already; remove one first"),
            ));
        }
        let now = state.now();
        let row = WebhookRow {
            webhook_id: Uuid::now_v7(),
            url,
            events,
            secret: new_token(SECRET_PREFIX)?,
            created_at: now,
            removed_at: None,
        };
        state.storage.create_webhook(row.clone()).await?;
        state
            .storage
            .audit(
                actor.0,
                "webhook.add",
                row.webhook_id.to_string(),
                serde_json::json!({ "url": row.url, "events": row.events }),
                now,
            )
            .await?;
        Ok(WebhookCreated {
            webhook_id: row.webhook_id,
            secret: row.secret,
            url: row.url,
            events: row.events,
        })
    })
    .await?;
    tracing::info!(webhook = %created.webhook_id, url = %created.url, "webhook registered");
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn webhooks(
    State(state): Shared,
    headers: HeaderMap,
) -> AppResult<Json<Vec<WebhookView>>> {
    admin(&state, &headers).await?;
    let rows = state.storage.webhooks().await?;
    Ok(Json(rows.into_iter().map(view).collect()))
}

pub(super) async fn remove_webhook(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<WebhookView>> {
    let actor = admin(&state, &headers).await?;
    let id = path_id(&id)?;
    let now = state.now();
    let before = state
        .storage
        .webhooks()
        .await?
        .into_iter()
        .find(|w| w.webhook_id == id)
        .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no webhook {id}")))?;
    if before.removed_at.is_some() {
        // Removed already: answered as it is, nothing done, nothing audited.
        return Ok(Json(view(before)));
    }
    let removed = state
        .storage
        .remove_webhook(id, now)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no webhook {id}")))?;
    state
        .storage
        .audit(
            actor.0,
            "webhook.remove",
            id.to_string(),
            serde_json::json!({ "url": removed.url }),
            now,
        )
        .await?;
    tracing::info!(webhook = %id, "webhook removed");
    Ok(Json(view(removed)))
}

/// Sends one signed `webhook.test` event now and says what the receiver answered. Nothing is
/// stored but the audit entry; the event is not retried.
pub(super) async fn test_webhook(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<WebhookTestResult>> {
    let actor = admin(&state, &headers).await?;
    let id = path_id(&id)?;
    let hook = active_webhook(&state, id).await?;
    let now = state.now();
    let event = WebhookEvent {
        id: Uuid::now_v7(),
        event_type: TEST_EVENT_TYPE.to_owned(),
        account_id: Uuid::nil(),
        created_at: now,
        sequence: 0,
        data: serde_json::json!({ "message": "a test event from recoup admin webhooks test" }),
    };
    let body = serde_json::to_string(&event)
        .map_err(|e| AppError::internal(format!("cannot write the test event: {e}")))?;
    let sent = crate::webhooks::post(&state, &hook, event.id, body).await;
    state
        .storage
        .audit(
            actor.0,
            "webhook.test",
            id.to_string(),
            serde_json::json!({ "delivered": sent.is_ok() }),
            now,
        )
        .await?;
    let (delivered, status, error) = match sent {
        Ok(status) => (true, Some(status), None),
        Err(u) => (false, u.status, Some(u.why)),
    };
    Ok(Json(WebhookTestResult {
        delivered,
        status,
        error,
        event_id: event.id,
    }))
}

pub(super) async fn webhook_failures(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<Vec<WebhookFailure>>> {
    admin(&state, &headers).await?;
    let id = path_id(&id)?;
    if !state
        .storage
        .webhooks()
        .await?
        .iter()
        .any(|w| w.webhook_id == id)
    {
        return Err(AppError::api(
            ErrorCode::NotFound,
            format!("no webhook {id}"),
        ));
    }
    let rows = state
        .storage
        .webhook_failures(id, WEBHOOK_FAILURES_LISTED_MAX)
        .await?;
    rows.into_iter()
        .map(failure_view)
        .collect::<AppResult<Vec<_>>>()
        .map(Json)
}

fn failure_view(f: FailureRow) -> AppResult<WebhookFailure> {
    let event: WebhookEvent = serde_json::from_str(&f.body)
        .map_err(|e| AppError::internal(format!("a stored failed event does not parse: {e}")))?;
    Ok(WebhookFailure {
        webhook_id: f.webhook_id,
        event_id: f.event_id,
        event_type: f.event_type,
        account_id: f.account_id,
        attempts: f.attempts,
        last_error: f.last_error,
        failed_at: f.failed_at,
        event,
    })
}

/// Sets an account's own `balance.low` threshold (`null`: the endpoint's default).
pub(super) async fn set_balance_threshold(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<String>,
    body: Body,
) -> AppResult<Json<BalanceThresholdSet>> {
    let actor = admin(&state, &headers).await?;
    let account: Uuid = account.parse().map_err(|e| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the account id in the path is not a UUID: {e}"),
        )
    })?;
    let req: BalanceThreshold = json(&read_body(body).await?)?;
    if req
        .threshold
        .is_some_and(|t| t > recoup_core::ledger::GRANT_CREDITS_MAX)
    {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "threshold must be at most {} credits",
                recoup_core::ledger::GRANT_CREDITS_MAX
            ),
        ));
    }
    let now = state.now();
    let known = run_to_end({
        let state = std::sync::Arc::clone(&state);
        async move {
            let known = state
                .storage
                .set_balance_threshold(account, req.threshold)
                .await?;
            if known {
                state
                    .storage
                    .audit(
                        actor.0,
                        "account.balance_low",
                        account.to_string(),
                        serde_json::json!({ "threshold": req.threshold }),
                        now,
                    )
                    .await?;
            }
            Ok(known)
        }
    })
    .await?;
    if !known {
        return Err(AppError::api(
            ErrorCode::NotFound,
            format!("no account {account}"),
        ));
    }
    Ok(Json(BalanceThresholdSet {
        account_id: account,
        threshold: req.threshold,
    }))
}
