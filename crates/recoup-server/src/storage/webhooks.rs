//! Webhook storage: the receivers operators registered and the deliveries given up on (in the
//! registry), and each account's events and receivers' cursors (in the account's ledger, where
//! the triggers write the events in the transaction of their cause).

use recoup_core::Timestamp;
use recoup_store::{EventCursor, EventRecord, Store};
use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::registry::{Registry, uuid_from};
use super::sqlite::SqliteStorage;
use super::{EventSignal, StorageFuture};
use crate::error::{AppError, lock};

/// Migration 6: webhook receivers and the deliveries given up on. The secret is kept as given:
/// the endpoint signs with it, so it cannot be a hash (the registry file is its owner's only).
pub(super) const V6_WEBHOOKS: &str = r#"
CREATE TABLE webhooks (
    webhook_id BLOB    PRIMARY KEY CHECK (length(webhook_id) = 16),
    url        TEXT    NOT NULL,
    events     TEXT    NOT NULL,
    secret     TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    removed_at INTEGER
) WITHOUT ROWID;
CREATE TABLE webhook_failures (
    webhook_id BLOB    NOT NULL REFERENCES webhooks (webhook_id),
    event_id   BLOB    NOT NULL CHECK (length(event_id) = 16),
    account_id BLOB    NOT NULL,
    event_type TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    attempts   INTEGER NOT NULL,
    last_error TEXT    NOT NULL,
    failed_at  INTEGER NOT NULL,
    PRIMARY KEY (webhook_id, event_id)
) WITHOUT ROWID;
CREATE INDEX webhook_failures_at ON webhook_failures (webhook_id, failed_at);
"#;

/// A receiver as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WebhookRow {
    pub(crate) webhook_id: Uuid,
    pub(crate) url: String,
    /// The event types it receives.
    pub(crate) events: Vec<String>,
    pub(crate) secret: String,
    pub(crate) created_at: Timestamp,
    pub(crate) removed_at: Option<Timestamp>,
}

/// A delivery given up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FailureRow {
    pub(crate) webhook_id: Uuid,
    pub(crate) event_id: Uuid,
    pub(crate) account_id: Uuid,
    pub(crate) event_type: String,
    /// The event's JSON as it would have been delivered.
    pub(crate) body: String,
    pub(crate) attempts: u32,
    pub(crate) last_error: String,
    pub(crate) failed_at: Timestamp,
}

/// Storage operations of the webhooks (a part of [`super::Storage`]).
pub(crate) trait Webhooks: Send + Sync {
    /// Registers a receiver.
    fn create_webhook(&self, row: WebhookRow) -> StorageFuture<'_, ()>;

    /// Every receiver, removed ones included, oldest first.
    fn webhooks(&self) -> StorageFuture<'_, Vec<WebhookRow>>;

    /// Removes a receiver (it gets nothing more); `None` when there is no such receiver.
    /// Removing one already removed answers it as it is.
    fn remove_webhook(&self, id: Uuid, now: Timestamp) -> StorageFuture<'_, Option<WebhookRow>>;

    /// Records a delivery given up on (a repeat of the same event is kept once).
    fn record_webhook_failure(&self, failure: FailureRow) -> StorageFuture<'_, ()>;

    /// A receiver's deliveries given up on, newest first, at most `limit`.
    fn webhook_failures(&self, id: Uuid, limit: u32) -> StorageFuture<'_, Vec<FailureRow>>;

    /// A receiver's cursor in an account's events (`None`: it has had none yet) and the
    /// events after it of the given types, at most `limit`.
    fn pending_events(
        &self,
        account: Uuid,
        consumer: Uuid,
        types: Vec<String>,
        limit: u32,
    ) -> StorageFuture<'_, (Option<EventCursor>, Vec<EventRecord>)>;

    /// Records a receiver's cursor in an account's events.
    fn set_event_cursor(
        &self,
        account: Uuid,
        consumer: Uuid,
        cursor: EventCursor,
    ) -> StorageFuture<'_, ()>;

    /// The accounts with events some of `consumers` has not had: what the dispatcher looks at
    /// when the endpoint starts. Reads every account's ledger once.
    fn accounts_behind(&self, consumers: Vec<Uuid>) -> StorageFuture<'_, Vec<Uuid>>;

    /// Sets an account's own `balance.low` threshold (`None`: the endpoint's default);
    /// `false` when there is no such account.
    fn set_balance_threshold(
        &self,
        account: Uuid,
        threshold: Option<u64>,
    ) -> StorageFuture<'_, bool>;

    /// Who the engine tells of accounts with new events.
    fn event_signal(&self) -> std::sync::Arc<EventSignal>;

    /// Takes (or renews) the right to deliver an account's events until `until`, for the
    /// dispatcher `holder`; `false` while another holder's lease runs. Several instances on one
    /// database deliver each account's events from one instance at a time. An engine that only
    /// one process can open answers `true`.
    fn lease_events(
        &self,
        account: Uuid,
        holder: Uuid,
        now: Timestamp,
        until: Timestamp,
    ) -> StorageFuture<'_, bool>;

    /// Gives the lease back (a no-op when `holder` does not hold it).
    fn release_events(&self, account: Uuid, holder: Uuid) -> StorageFuture<'_, ()>;

    /// Whether other processes write events this one is not told of (several instances on one
    /// database), so that the dispatcher must look for them now and then with
    /// [`Webhooks::accounts_behind`] (which such an engine answers with one query).
    fn events_written_elsewhere(&self) -> bool;
}

fn events_text(events: &[String]) -> String {
    events.join(",")
}

/// A `webhooks` row as read: id, url, events, secret, created, removed.
type RawWebhook = (Vec<u8>, String, String, String, i64, Option<i64>);

fn webhook_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawWebhook> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn time(ms: i64) -> Result<Timestamp, AppError> {
    Timestamp::from_millis(ms).map_err(|e| AppError::internal(format!("stored time: {e}")))
}

fn decode_webhook(
    (id, url, events, secret, created, removed): RawWebhook,
) -> Result<WebhookRow, AppError> {
    Ok(WebhookRow {
        webhook_id: uuid_from(&id)?,
        url,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        secret,
        created_at: time(created)?,
        removed_at: removed.map(time).transpose()?,
    })
}

const WEBHOOK_COLUMNS: &str = "webhook_id, url, events, secret, created_at, removed_at";

impl Registry {
    fn create_webhook(&self, w: &WebhookRow) -> Result<(), AppError> {
        self.conn.execute(
            "INSERT INTO webhooks (webhook_id, url, events, secret, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                w.webhook_id.as_bytes(),
                w.url,
                events_text(&w.events),
                w.secret,
                w.created_at.as_millis()
            ],
        )?;
        Ok(())
    }

    fn webhooks(&self) -> Result<Vec<WebhookRow>, AppError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {WEBHOOK_COLUMNS} FROM webhooks ORDER BY created_at, webhook_id"
        ))?;
        let rows = stmt.query_map([], webhook_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(decode_webhook(row?)?);
        }
        Ok(out)
    }

    fn webhook(&self, id: Uuid) -> Result<Option<WebhookRow>, AppError> {
        self.conn
            .prepare_cached(&format!(
                "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE webhook_id = ?1"
            ))?
            .query_row([id.as_bytes()], webhook_row)
            .optional()?
            .map(decode_webhook)
            .transpose()
    }

    fn remove_webhook(&self, id: Uuid, now: Timestamp) -> Result<Option<WebhookRow>, AppError> {
        self.conn.execute(
            "UPDATE webhooks SET removed_at = ?2 WHERE webhook_id = ?1 AND removed_at IS NULL",
            params![id.as_bytes(), now.as_millis()],
        )?;
        self.webhook(id)
    }

    fn record_webhook_failure(&self, f: &FailureRow) -> Result<(), AppError> {
        self.conn.execute(
            "INSERT OR IGNORE INTO webhook_failures
               (webhook_id, event_id, account_id, event_type, body, attempts, last_error, failed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                f.webhook_id.as_bytes(),
                f.event_id.as_bytes(),
                f.account_id.as_bytes(),
                f.event_type,
                f.body,
                f.attempts,
                f.last_error,
                f.failed_at.as_millis()
            ],
        )?;
        Ok(())
    }

    fn webhook_failures(&self, id: Uuid, limit: u32) -> Result<Vec<FailureRow>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT event_id, account_id, event_type, body, attempts, last_error, failed_at
             FROM webhook_failures WHERE webhook_id = ?1 ORDER BY failed_at DESC, event_id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![id.as_bytes(), limit], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (event, account, event_type, body, attempts, last_error, at) = row?;
            out.push(FailureRow {
                webhook_id: id,
                event_id: uuid_from(&event)?,
                account_id: uuid_from(&account)?,
                event_type,
                body,
                attempts,
                last_error,
                failed_at: time(at)?,
            });
        }
        Ok(out)
    }
}

impl Webhooks for SqliteStorage {
    fn create_webhook(&self, row: WebhookRow) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.create_webhook(&row))
    }

    fn webhooks(&self) -> StorageFuture<'_, Vec<WebhookRow>> {
        self.run(move |inner| lock(&inner.registry)?.webhooks())
    }

    fn remove_webhook(&self, id: Uuid, now: Timestamp) -> StorageFuture<'_, Option<WebhookRow>> {
        self.run(move |inner| lock(&inner.registry)?.remove_webhook(id, now))
    }

    fn record_webhook_failure(&self, failure: FailureRow) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.record_webhook_failure(&failure))
    }

    fn webhook_failures(&self, id: Uuid, limit: u32) -> StorageFuture<'_, Vec<FailureRow>> {
        self.run(move |inner| lock(&inner.registry)?.webhook_failures(id, limit))
    }

    fn pending_events(
        &self,
        account: Uuid,
        consumer: Uuid,
        types: Vec<String>,
        limit: u32,
    ) -> StorageFuture<'_, (Option<EventCursor>, Vec<EventRecord>)> {
        self.with_store(account, move |s| {
            let cursor = s.event_cursor(consumer)?;
            let after = cursor.as_ref().map_or(0, |c| c.after_seq);
            Ok((cursor, s.events_after(after, &types, limit)?))
        })
    }

    fn set_event_cursor(
        &self,
        account: Uuid,
        consumer: Uuid,
        cursor: EventCursor,
    ) -> StorageFuture<'_, ()> {
        self.with_store(account, move |s| Ok(s.set_event_cursor(consumer, &cursor)?))
    }

    fn accounts_behind(&self, consumers: Vec<Uuid>) -> StorageFuture<'_, Vec<Uuid>> {
        self.run(move |inner| {
            let accounts = lock(&inner.registry)?.account_ids()?;
            let mut behind = Vec::new();
            for account in accounts {
                let path = inner.slots.account_dir(account).join("ledger.sqlite3");
                if !path.exists() {
                    continue;
                }
                let store = Store::open(&path)?;
                let last = store.last_event_seq()?;
                if last == 0 {
                    continue;
                }
                for c in &consumers {
                    if store
                        .event_cursor(*c)?
                        .is_none_or(|cur| cur.after_seq < last)
                    {
                        behind.push(account);
                        break;
                    }
                }
            }
            Ok(behind)
        })
    }

    fn set_balance_threshold(
        &self,
        account: Uuid,
        threshold: Option<u64>,
    ) -> StorageFuture<'_, bool> {
        self.run(move |inner| {
            if lock(&inner.registry)?.clock_offset_ms(account)?.is_none() {
                return Ok(false);
            }
            inner.write(account, |s| Ok(s.set_balance_threshold(threshold)?))?;
            Ok(true)
        })
    }

    fn event_signal(&self) -> std::sync::Arc<EventSignal> {
        self.signal()
    }

    fn lease_events(
        &self,
        _account: Uuid,
        _holder: Uuid,
        _now: Timestamp,
        _until: Timestamp,
    ) -> StorageFuture<'_, bool> {
        // One process opens the data dir: its dispatcher is the only one.
        Box::pin(async { Ok(true) })
    }

    fn release_events(&self, _account: Uuid, _holder: Uuid) -> StorageFuture<'_, ()> {
        Box::pin(async { Ok(()) })
    }

    fn events_written_elsewhere(&self) -> bool {
        false
    }
}
