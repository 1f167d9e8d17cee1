//! Webhook storage on PostgreSQL: the receivers (global `webhooks`), the deliveries given up on
//! (`webhook_failures`), and each account's events and receivers' cursors (`events`,
//! `event_cursors`, written by the ledger's triggers in the transaction of their cause), with
//! the page semantics of recoup-store's `events.rs`.

use std::sync::Arc;

use recoup_core::InvariantViolation;
use recoup_core::Timestamp;
use recoup_store::{EVENT_PAGE_MAX, EventCursor, EventRecord, StoreError};
use uuid::Uuid;

use super::{PgStorage, THRESHOLD_KEY, opt_time, time};
use crate::error::AppError;
use crate::storage::{EventSignal, FailureRow, StorageFuture, WebhookRow, Webhooks};

const WEBHOOK_COLUMNS: &str = "webhook_id, url, events, secret, created_at, removed_at";

fn webhook_row(r: &tokio_postgres::Row) -> Result<WebhookRow, AppError> {
    Ok(WebhookRow {
        webhook_id: r.try_get(0)?,
        url: r.try_get(1)?,
        events: r.try_get(2)?,
        secret: r.try_get(3)?,
        created_at: time(r.try_get(4)?)?,
        removed_at: opt_time(r.try_get(5)?)?,
    })
}

impl PgStorage {
    async fn insert_webhook(&self, w: &WebhookRow) -> Result<(), AppError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO webhooks (webhook_id, url, events, secret, created_at)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &w.webhook_id,
                    &w.url,
                    &w.events,
                    &w.secret,
                    &w.created_at.as_millis(),
                ],
            )
            .await?;
        Ok(())
    }

    async fn webhook_list(&self) -> Result<Vec<WebhookRow>, AppError> {
        let rows = self
            .query_cached(
                &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, webhook_id"),
                &[],
            )
            .await?;
        rows.iter().map(webhook_row).collect()
    }

    /// Removes a receiver (a second removal keeps the first time); answers it as it is now.
    async fn remove(&self, id: Uuid, now: Timestamp) -> Result<Option<WebhookRow>, AppError> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE webhooks SET removed_at = $2 WHERE webhook_id = $1 AND removed_at IS NULL",
                &[&id, &now.as_millis()],
            )
            .await?;
        let row = client
            .query_opt(
                &format!("SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE webhook_id = $1"),
                &[&id],
            )
            .await?;
        row.as_ref().map(webhook_row).transpose()
    }

    /// Records a delivery given up on; a repeat of the same event for the same receiver is
    /// kept once (the first record stays).
    async fn insert_failure(&self, f: &FailureRow) -> Result<(), AppError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO webhook_failures
                   (account_id, webhook_id, event_id, event_type, body, attempts, last_error, failed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (account_id, webhook_id, event_id) DO NOTHING",
                &[
                    &f.account_id,
                    &f.webhook_id,
                    &f.event_id,
                    &f.event_type,
                    &f.body,
                    &i64::from(f.attempts),
                    &f.last_error,
                    &f.failed_at.as_millis(),
                ],
            )
            .await?;
        Ok(())
    }

    async fn failure_list(&self, id: Uuid, limit: u32) -> Result<Vec<FailureRow>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT event_id, account_id, event_type, body, attempts, last_error, failed_at
                 FROM webhook_failures WHERE webhook_id = $1
                 ORDER BY failed_at DESC, event_id LIMIT $2",
                &[&id, &i64::from(limit)],
            )
            .await?;
        rows.iter()
            .map(|r| {
                let attempts: i64 = r.try_get(4)?;
                Ok(FailureRow {
                    webhook_id: id,
                    event_id: r.try_get(0)?,
                    account_id: r.try_get(1)?,
                    event_type: r.try_get(2)?,
                    body: r.try_get(3)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    last_error: r.try_get(5)?,
                    failed_at: time(r.try_get(6)?)?,
                })
            })
            .collect()
    }

    /// A consumer's cursor in an account's events and the events after it of the given types,
    /// at most `limit` (1..=[`EVENT_PAGE_MAX`]), oldest first. Two statements, no snapshot
    /// needed: events are numbered in commit order, so one committed after the cursor was read
    /// only adds to the end of the page.
    async fn pending(
        &self,
        account: Uuid,
        consumer: Uuid,
        types: &[String],
        limit: u32,
    ) -> Result<(Option<EventCursor>, Vec<EventRecord>), AppError> {
        let client = self.client().await?;
        let cursor = client
            .query_opt(
                "SELECT after_seq, attempts, failing_since, next_attempt_at, last_error
                 FROM event_cursors WHERE account_id = $1 AND consumer = $2",
                &[&account, &consumer],
            )
            .await?
            .map(|r| {
                let attempts: i64 = r.try_get(1)?;
                Ok::<_, AppError>(EventCursor {
                    after_seq: r.try_get(0)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                    failing_since: opt_time(r.try_get(2)?)?,
                    next_attempt_at: opt_time(r.try_get(3)?)?,
                    last_error: r.try_get(4)?,
                })
            })
            .transpose()?;
        let after = cursor.as_ref().map_or(0, |c| c.after_seq);
        let rows = client
            .query(
                "SELECT seq, event_id, type, at, generation_id, claim_id, data FROM events
                 WHERE account_id = $1 AND seq > $2 AND type = ANY($3)
                 ORDER BY seq LIMIT $4",
                &[
                    &account,
                    &after,
                    &types,
                    &i64::from(limit.clamp(1, EVENT_PAGE_MAX)),
                ],
            )
            .await?;
        let events = rows
            .iter()
            .map(|r| {
                Ok(EventRecord {
                    seq: r.try_get(0)?,
                    event_id: r.try_get(1)?,
                    event_type: r.try_get(2)?,
                    at: time(r.try_get(3)?)?,
                    generation_id: r.try_get(4)?,
                    claim_id: r.try_get(5)?,
                    data: r.try_get(6)?,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        Ok((cursor, events))
    }

    /// Records a consumer's cursor, as recoup-store does: a negative one is refused as invalid
    /// input, one behind the recorded one as an invariant violation, and nothing is written. A
    /// write to the account's ledger, so it takes the account's lock first (which also refuses
    /// an account that does not exist, as not found).
    async fn put_cursor(
        &self,
        account: Uuid,
        consumer: Uuid,
        cursor: &EventCursor,
    ) -> Result<(), AppError> {
        if cursor.after_seq < 0 {
            return Err(StoreError::InvalidInput {
                field: "after_seq",
                problem: "an event cursor is never negative".into(),
            }
            .into());
        }
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        recoup_store_pg::lock_account(&tx, account).await?;
        let recorded: Option<i64> = tx
            .query_opt(
                "SELECT after_seq FROM event_cursors WHERE account_id = $1 AND consumer = $2",
                &[&account, &consumer],
            )
            .await?
            .map(|r| r.try_get(0))
            .transpose()?;
        if let Some(r) = recorded.filter(|r| *r > cursor.after_seq) {
            return Err(StoreError::from(InvariantViolation(format!(
                "the event cursor of {consumer} would go back from {r} to {}",
                cursor.after_seq
            )))
            .into());
        }
        tx.execute(
            "INSERT INTO event_cursors
               (account_id, consumer, after_seq, attempts, failing_since, next_attempt_at, last_error)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (account_id, consumer) DO UPDATE SET after_seq = excluded.after_seq,
                attempts = excluded.attempts, failing_since = excluded.failing_since,
                next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error",
            &[
                &account,
                &consumer,
                &cursor.after_seq,
                &i64::from(cursor.attempts),
                &cursor.failing_since.map(Timestamp::as_millis),
                &cursor.next_attempt_at.map(Timestamp::as_millis),
                &cursor.last_error,
            ],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The accounts with events some of `consumers` has not had, in one query (the SQLite
    /// engine opens every account's ledger for this).
    async fn behind(&self, consumers: &[Uuid]) -> Result<Vec<Uuid>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT e.account_id
                 FROM (SELECT account_id, max(seq) AS last FROM events GROUP BY account_id) e
                 WHERE EXISTS (
                     SELECT 1 FROM unnest($1::uuid[]) AS c(consumer)
                     LEFT JOIN event_cursors k
                         ON k.account_id = e.account_id AND k.consumer = c.consumer
                     WHERE k.after_seq IS NULL OR k.after_seq < e.last)
                 ORDER BY e.account_id",
                &[&consumers],
            )
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Sets an account's own balance threshold (`None`: the endpoint's default applies);
    /// `false` when there is no such account. A write to the account's ledger, so under its lock.
    async fn put_threshold(&self, account: Uuid, threshold: Option<u64>) -> Result<bool, AppError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        match recoup_store_pg::lock_account(&tx, account).await {
            Ok(_) => {}
            Err(recoup_store_pg::Error::UnknownAccount(_)) => return Ok(false),
            Err(e) => return Err(e.into()),
        }
        match threshold {
            Some(t) => {
                tx.execute(
                    "INSERT INTO meta (account_id, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value",
                    &[&account, &THRESHOLD_KEY, &t.to_string()],
                )
                .await?
            }
            None => {
                tx.execute(
                    "DELETE FROM meta WHERE account_id = $1 AND key = $2",
                    &[&account, &THRESHOLD_KEY],
                )
                .await?
            }
        };
        tx.commit().await?;
        Ok(true)
    }
}

impl Webhooks for PgStorage {
    fn create_webhook(&self, row: WebhookRow) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.insert_webhook(&row).await })
    }

    fn webhooks(&self) -> StorageFuture<'_, Vec<WebhookRow>> {
        Box::pin(self.webhook_list())
    }

    fn remove_webhook(&self, id: Uuid, now: Timestamp) -> StorageFuture<'_, Option<WebhookRow>> {
        Box::pin(self.remove(id, now))
    }

    fn record_webhook_failure(&self, failure: FailureRow) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.insert_failure(&failure).await })
    }

    fn webhook_failures(&self, id: Uuid, limit: u32) -> StorageFuture<'_, Vec<FailureRow>> {
        Box::pin(self.failure_list(id, limit))
    }

    fn pending_events(
        &self,
        account: Uuid,
        consumer: Uuid,
        types: Vec<String>,
        limit: u32,
    ) -> StorageFuture<'_, (Option<EventCursor>, Vec<EventRecord>)> {
        Box::pin(async move { self.pending(account, consumer, &types, limit).await })
    }

    fn set_event_cursor(
        &self,
        account: Uuid,
        consumer: Uuid,
        cursor: EventCursor,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.put_cursor(account, consumer, &cursor).await })
    }

    fn accounts_behind(&self, consumers: Vec<Uuid>) -> StorageFuture<'_, Vec<Uuid>> {
        Box::pin(async move { self.behind(&consumers).await })
    }

    fn set_balance_threshold(
        &self,
        account: Uuid,
        threshold: Option<u64>,
    ) -> StorageFuture<'_, bool> {
        Box::pin(self.put_threshold(account, threshold))
    }

    fn event_signal(&self) -> Arc<EventSignal> {
        Arc::clone(&self.events.signal)
    }

    fn lease_events(
        &self,
        account: Uuid,
        holder: Uuid,
        now: Timestamp,
        until: Timestamp,
    ) -> StorageFuture<'_, bool> {
        Box::pin(async move {
            // Taken when free, expired, or already this holder's; one statement, so two
            // instances asking at once cannot both get it.
            let row = self
                .client()
                .await?
                .query_opt(
                    "INSERT INTO webhook_leases (account_id, holder, until) VALUES ($1, $2, $4)
                     ON CONFLICT (account_id) DO UPDATE SET holder = excluded.holder, until = excluded.until
                     WHERE webhook_leases.until <= $3 OR webhook_leases.holder = excluded.holder
                     RETURNING holder",
                    &[
                        &account,
                        &holder,
                        &now.as_millis(),
                        &until.as_millis(),
                    ],
                )
                .await?;
            Ok(row.is_some())
        })
    }

    fn release_events(&self, account: Uuid, holder: Uuid) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            self.client()
                .await?
                .execute(
                    "DELETE FROM webhook_leases WHERE account_id = $1 AND holder = $2",
                    &[&account, &holder],
                )
                .await?;
            Ok(())
        })
    }

    fn events_written_elsewhere(&self) -> bool {
        true
    }
}
