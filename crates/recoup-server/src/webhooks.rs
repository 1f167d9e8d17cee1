//! The webhook dispatcher: delivers each account's events to every receiver subscribed to them,
//! signed, in the account's order, at least once.
//!
//! The events are durable before anything here runs: triggers write them in the ledger
//! transaction of their cause. The engine marks an account when a commit recorded events
//! ([`crate::storage::EventSignal`]); at start the dispatcher marks the accounts some receiver
//! is behind on. Per marked account, one task walks each receiver's cursor forward: an event is
//! posted, and the cursor moves past it once the receiver answered 2xx (saved every
//! [`CURSOR_SAVE_EVERY`] events and at every failure, so a crash repeats at most that many
//! deliveries; receivers deduplicate by event id). A failure is retried with capped exponential
//! backoff and jitter; a receiver's later events for that account wait (order per account), its
//! events for other accounts and other receivers do not. After the retry period the delivery is
//! recorded as failed (listed by `GET /v1/admin/webhooks/{id}/failures`) and the next event
//! goes. Deliveries run on their own tasks and a few blocking threads: a slow or dead receiver
//! never holds a claim.

use std::sync::Arc;
use std::time::Duration;

use recoup_api::{SIGNATURE_HEADER, WebhookEvent};
use recoup_core::Timestamp;
use recoup_store::{EventCursor, EventRecord};
use uuid::Uuid;

use crate::error::AppError;
use crate::metrics::Delivery;
use crate::state::AppState;
use crate::storage::{FailureRow, WebhookRow};

/// How the dispatcher delivers.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How long one delivery may take (connect, send, answer).
    pub timeout: Duration,
    /// The wait before the first retry; it doubles at each failure.
    pub retry_first: Duration,
    /// The longest wait between two attempts.
    pub retry_max: Duration,
    /// How long a delivery is retried before it is given up and listed as failed.
    pub give_up_after: Duration,
    /// The balance below which `balance.low` fires for an account without its own threshold;
    /// `None`: only accounts with their own get it.
    pub balance_low_default: Option<u64>,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(3_600),
            give_up_after: Duration::from_secs(3 * 24 * 3_600),
            balance_low_default: None,
        }
    }
}

/// Accounts delivered to at once (each at most one task).
pub const DELIVERY_TASKS_MAX: usize = 16;

/// Events read per page.
const PAGE: u32 = 100;

/// The cursor is saved after this many deliveries in a row (and at every failure).
pub const CURSOR_SAVE_EVERY: usize = 20;

/// Longest part of a receiver's answer kept as the reason of a failure, in bytes.
const ERROR_TEXT_MAX: usize = 300;

/// How often a dispatcher whose engine is shared with other instances looks for accounts with
/// events it was not told of (written by another instance, or left by one that died).
pub const EVENTS_POLL_EVERY: Duration = Duration::from_secs(5);

/// Runs the dispatcher until the runtime stops.
pub(crate) async fn dispatch(state: Arc<AppState>) {
    let signal = state.storage.event_signal();
    // This dispatcher's name in the delivery leases (see `Webhooks::lease_events`).
    let holder = Uuid::now_v7();
    mark_behind(&state, true).await;
    let tasks = Arc::new(tokio::sync::Semaphore::new(DELIVERY_TASKS_MAX));
    let polls = state.storage.events_written_elsewhere();
    let mut poll = tokio::time::interval(EVENTS_POLL_EVERY);
    poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if polls {
            tokio::select! {
                () = signal.marked() => {}
                _ = poll.tick() => mark_behind(&state, false).await,
            }
        } else {
            signal.marked().await;
        }
        for account in signal.take() {
            let Ok(permit) = Arc::clone(&tasks).acquire_owned().await else {
                return;
            };
            let state = Arc::clone(&state);
            let signal = Arc::clone(&signal);
            tokio::spawn(async move {
                if let Err(AppError(e)) = drain(&state, account, holder).await {
                    // The events stay; the account is looked at again shortly.
                    tracing::warn!(%account, error = %e.message, "webhook delivery interrupted");
                    later(&state, account, state.webhook_settings.retry_first);
                }
                signal.finish(account);
                drop(permit);
            });
        }
    }
}

/// Marks every account some active receiver has not had all the events of (at start, and
/// every [`EVENTS_POLL_EVERY`] on an engine other instances write to).
async fn mark_behind(state: &AppState, at_start: bool) {
    let signal = state.storage.event_signal();
    match active(state).await {
        Ok(hooks) if !hooks.is_empty() => {
            let ids = hooks.iter().map(|h| h.webhook_id).collect();
            match state.storage.accounts_behind(ids).await {
                Ok(accounts) => {
                    if at_start && !accounts.is_empty() {
                        tracing::info!(accounts = accounts.len(), "webhook deliveries resume");
                    }
                    for a in accounts {
                        signal.mark(a);
                    }
                }
                Err(AppError(e)) => {
                    tracing::error!(error = %e.message, "cannot find the accounts with undelivered events; they are delivered at their next event");
                }
            }
        }
        Ok(_) => {}
        Err(AppError(e)) => tracing::error!(error = %e.message, "cannot read the webhooks"),
    }
}

/// How long a delivery lease lasts: longer than one delivery may take, so that it is renewed
/// before each delivery and a dispatcher that dies gives its accounts up within this.
fn lease_for(settings: &WebhookSettings) -> Duration {
    settings
        .timeout
        .saturating_mul(2)
        .saturating_add(Duration::from_secs(5))
        .max(Duration::from_secs(30))
}

/// Takes or renews this dispatcher's lease on an account's deliveries; `false` when another
/// instance holds it.
async fn lease(state: &AppState, account: Uuid, holder: Uuid) -> Result<bool, AppError> {
    let now = state.now();
    let until = add(now, lease_for(&state.webhook_settings));
    state
        .storage
        .lease_events(account, holder, now, until)
        .await
}

/// The receivers not removed.
async fn active(state: &AppState) -> Result<Vec<WebhookRow>, AppError> {
    Ok(state
        .storage
        .webhooks()
        .await?
        .into_iter()
        .filter(|w| w.removed_at.is_none())
        .collect())
}

/// Marks the account again after `delay` (unless an earlier retry is pending already).
fn later(state: &Arc<AppState>, account: Uuid, delay: Duration) {
    let signal = state.storage.event_signal();
    let due = std::time::Instant::now() + delay;
    if !signal.schedule(account, due) {
        return;
    }
    tokio::spawn(async move {
        tokio::time::sleep_until(due.into()).await;
        signal.due(account, due);
    });
}

/// Delivers what every receiver has not had of one account's events, holding the account's
/// delivery lease (another instance holding it: looked at again once it may have expired).
async fn drain(state: &Arc<AppState>, account: Uuid, holder: Uuid) -> Result<(), AppError> {
    // No receiver: nothing to deliver, and no lease to write (the engine marks an account after
    // every write on PostgreSQL, so this is on the claims' path).
    let hooks = active(state).await?;
    if hooks.is_empty() {
        return Ok(());
    }
    if !lease(state, account, holder).await? {
        later(state, account, lease_for(&state.webhook_settings));
        return Ok(());
    }
    let mut delivered = Ok(());
    for hook in hooks {
        delivered = drain_one(state, account, &hook, holder).await;
        if delivered.is_err() {
            break;
        }
    }
    // Given back at once, so that another instance told of new events need not wait for it
    // to expire; a failure to give it back only delays the next holder until it expires.
    if let Err(AppError(e)) = state.storage.release_events(account, holder).await {
        tracing::warn!(%account, error = %e.message, "webhook lease not released; it expires on its own");
    }
    delivered
}

/// Delivers one receiver's events of one account, in order, until none is left or one fails.
async fn drain_one(
    state: &Arc<AppState>,
    account: Uuid,
    hook: &WebhookRow,
    holder: Uuid,
) -> Result<(), AppError> {
    let settings = &state.webhook_settings;
    loop {
        let (stored, events) = state
            .storage
            .pending_events(account, hook.webhook_id, hook.events.clone(), PAGE)
            .await?;
        let fresh = stored.is_none();
        let mut cursor = stored.unwrap_or_default();
        if let Some(next) = cursor.next_attempt_at {
            let now = state.now();
            if next > now {
                later(state, account, duration_between(now, next));
                return Ok(());
            }
        }
        if events.is_empty() {
            return Ok(());
        }
        let mut unsaved = 0usize;
        for event in events {
            // A receiver gets the events made after it was registered.
            if fresh && event.at < hook.created_at {
                cursor.after_seq = event.seq;
                unsaved += 1;
                continue;
            }
            // Renewed before each delivery; lost (it expired while this dispatcher stalled,
            // and another instance took the account): stop without saving, the other one goes
            // on from the saved cursor (what this one delivered since is delivered again: at
            // least once).
            if !lease(state, account, holder).await? {
                return Ok(());
            }
            let body = event_body(account, &event)?;
            match post(state, hook, event.event_id, body.clone()).await {
                Ok(_) => {
                    state.metrics.webhook_delivery(Delivery::Delivered);
                    cursor = EventCursor {
                        after_seq: event.seq,
                        ..EventCursor::default()
                    };
                    unsaved += 1;
                    if unsaved >= CURSOR_SAVE_EVERY {
                        save(state, account, hook, &cursor).await?;
                        unsaved = 0;
                    }
                }
                Err(Undelivered { why, .. }) => {
                    let now = state.now();
                    let since = cursor.failing_since.unwrap_or(now);
                    let attempts = cursor.attempts.saturating_add(1);
                    if duration_between(since, now) >= settings.give_up_after {
                        state.metrics.webhook_delivery(Delivery::GivenUp);
                        tracing::error!(webhook = %hook.webhook_id, %account, event = %event.event_id, attempts, error = %why, "webhook delivery given up");
                        state
                            .storage
                            .record_webhook_failure(FailureRow {
                                webhook_id: hook.webhook_id,
                                event_id: event.event_id,
                                account_id: account,
                                event_type: event.event_type.clone(),
                                body,
                                attempts,
                                last_error: why,
                                failed_at: now,
                            })
                            .await?;
                        cursor = EventCursor {
                            after_seq: event.seq,
                            ..EventCursor::default()
                        };
                        unsaved += 1;
                        continue;
                    }
                    state.metrics.webhook_delivery(Delivery::Retrying);
                    let wait = backoff(settings, attempts)?;
                    tracing::warn!(webhook = %hook.webhook_id, %account, event = %event.event_id, attempts, retry_in_ms = wait.as_millis(), error = %why, "webhook delivery failed; it will be retried");
                    cursor = EventCursor {
                        after_seq: cursor.after_seq,
                        attempts,
                        failing_since: Some(since),
                        next_attempt_at: Some(add(now, wait)),
                        last_error: Some(why),
                    };
                    save(state, account, hook, &cursor).await?;
                    later(state, account, wait);
                    return Ok(());
                }
            }
        }
        if unsaved > 0 {
            save(state, account, hook, &cursor).await?;
        }
    }
}

async fn save(
    state: &AppState,
    account: Uuid,
    hook: &WebhookRow,
    cursor: &EventCursor,
) -> Result<(), AppError> {
    state
        .storage
        .set_event_cursor(account, hook.webhook_id, cursor.clone())
        .await
}

/// The wait before attempt `attempts + 1`: `retry_first` doubled at each failure, capped at
/// `retry_max`, then a random share of it between half and all ("equal jitter"), so receivers
/// coming back are not hit by every account at once.
fn backoff(settings: &WebhookSettings, attempts: u32) -> Result<Duration, AppError> {
    let doubled = settings
        .retry_first
        .saturating_mul(1u32 << attempts.saturating_sub(1).min(30));
    let cap = doubled.min(settings.retry_max);
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    let share = f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX);
    Ok(cap.mul_f64(0.5 + share / 2.0))
}

fn duration_between(from: Timestamp, to: Timestamp) -> Duration {
    Duration::from_millis(
        u64::try_from(to.as_millis().saturating_sub(from.as_millis())).unwrap_or(0),
    )
}

fn add(t: Timestamp, d: Duration) -> Timestamp {
    let ms = t
        .as_millis()
        .saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp::from_millis(ms).unwrap_or(Timestamp::MAX)
}

/// The event as delivered: the stored event, with its ids in `data`.
pub(crate) fn event_body(account: Uuid, e: &EventRecord) -> Result<String, AppError> {
    let mut data = match &e.data {
        serde_json::Value::Object(m) => m.clone(),
        _ => serde_json::Map::new(),
    };
    if let Some(g) = e.generation_id {
        data.insert("generation_id".into(), g.to_string().into());
    }
    if let Some(c) = e.claim_id {
        data.insert("claim_id".into(), c.to_string().into());
    }
    let event = WebhookEvent {
        id: e.event_id,
        event_type: e.event_type.clone(),
        account_id: account,
        created_at: e.at,
        sequence: e.seq,
        data: serde_json::Value::Object(data),
    };
    serde_json::to_string(&event)
        .map_err(|err| AppError::internal(format!("cannot write an event: {err}")))
}

/// Why a delivery did not happen.
#[derive(Debug)]
pub(crate) struct Undelivered {
    /// The receiver's status, when it answered.
    pub(crate) status: Option<u16>,
    /// What happened, for the log, the retry state and the failures list.
    pub(crate) why: String,
}

impl Undelivered {
    fn no_answer(why: impl Into<String>) -> Self {
        Self {
            status: None,
            why: why.into(),
        }
    }
}

/// Posts one signed event; answers the receiver's 2xx status, or why it was not delivered.
pub(crate) async fn post(
    state: &AppState,
    hook: &WebhookRow,
    event_id: Uuid,
    body: String,
) -> Result<u16, Undelivered> {
    // The signature's time is the wall clock's: the receiver checks it against its own.
    let t = Timestamp::now().as_secs();
    let signature = recoup_api::sign_payload(&hook.secret, t, body.as_bytes());
    let answer = state
        .webhook_client
        .post(&hook.url)
        .timeout(state.webhook_settings.timeout)
        .header("Content-Type", "application/json")
        .header(SIGNATURE_HEADER, &signature)
        .header(recoup_api::EVENT_ID_HEADER, event_id.to_string())
        .body(body)
        .send()
        .await
        .map_err(|e| Undelivered::no_answer(recoup_api::net::error_chain(&e)))?;
    let status = answer.status().as_u16();
    if (200..300).contains(&status) {
        return Ok(status);
    }
    let text = crate::http_client::body_limited(answer, 4_096)
        .await
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    let mut why = format!("HTTP {status}");
    let text = text.trim();
    if !text.is_empty() {
        let cut: String = text.chars().take(ERROR_TEXT_MAX).collect();
        why.push_str(": ");
        why.push_str(&cut);
    }
    Err(Undelivered {
        status: Some(status),
        why,
    })
}

/// The client webhooks are delivered with: a receiver answers where it was registered, so a
/// redirect is not followed (it could send the signed event anywhere).
pub(crate) fn client() -> Result<reqwest::Client, AppError> {
    crate::http_client::client_builder()
        .and_then(|b| {
            b.redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("recoup-webhooks/", env!("CARGO_PKG_VERSION")))
                .build()
                .map_err(|e| recoup_api::net::error_chain(&e))
        })
        .map_err(|e| AppError::internal(format!("the webhook client: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_is_capped_and_jittered_within_half_to_all() {
        let s = WebhookSettings {
            retry_first: Duration::from_secs(1),
            retry_max: Duration::from_secs(60),
            ..WebhookSettings::default()
        };
        for (attempts, full) in [(1, 1.0), (2, 2.0), (3, 4.0), (7, 60.0), (40, 60.0)] {
            for _ in 0..50 {
                let d = backoff(&s, attempts).expect("randomness").as_secs_f64();
                assert!(
                    d >= full / 2.0 - 1e-9 && d <= full + 1e-9,
                    "after {attempts} failures the wait {d} s is between {} and {full} s",
                    full / 2.0
                );
            }
        }
    }
}
