//! Events an endpoint tells the product about (its webhooks): a claim decided, a refund posted, a
//! generation voided, the balance falling below a threshold. Triggers write each one in the
//! transaction of its cause (see schema version 3), so an event exists exactly when its cause
//! was committed; they fire only in a store whose endpoint turned them on
//! ([`Store::enable_events`]), never in a device's replica.
//!
//! Each receiver (a consumer: a webhook, by its id) has a cursor here: the last event it has had
//! (delivered, or given up on), and the state of the delivery in progress (attempts, since when
//! it fails, when to try again). The cursor lives beside the events, so one account's progress is
//! one row in its own store.

use recoup_core::Timestamp;
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::Store;
use crate::codec::{bytes16, ms, opt_ts, ts};
use crate::error::{Result, StoreError};

/// Most events one read answers.
pub const EVENT_PAGE_MAX: u32 = 500;

/// The meta key that turns events on.
const EVENTS_KEY: &str = "events";
/// The meta key of the account's own balance threshold.
const THRESHOLD_KEY: &str = "events.balance_low";
/// The meta key of the endpoint's default balance threshold.
const DEFAULT_THRESHOLD_KEY: &str = "events.balance_low_default";

/// The kinds of event, as stored and as sent.
pub const EVENT_TYPES: [&str; 4] = [
    "claim.decided",
    "refund.posted",
    "generation.voided",
    "balance.low",
];

/// An event as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Its position in the account's events (increasing, without gaps).
    pub seq: i64,
    /// Its id, the same at every delivery (receivers deduplicate with it).
    pub event_id: Uuid,
    /// One of [`EVENT_TYPES`].
    pub event_type: String,
    /// When its cause happened (the account's clock).
    pub at: Timestamp,
    /// The generation it is about, when it is about one.
    pub generation_id: Option<Uuid>,
    /// The claim it is about, when it is about one.
    pub claim_id: Option<Uuid>,
    /// The rest of what it says, a JSON object.
    pub data: serde_json::Value,
}

/// How far a consumer has had an account's events.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EventCursor {
    /// The last event it has had (0: none yet).
    pub after_seq: i64,
    /// Failed attempts at the event after `after_seq`.
    pub attempts: u32,
    /// Since when that event fails to be delivered.
    pub failing_since: Option<Timestamp>,
    /// Not before this is it tried again.
    pub next_attempt_at: Option<Timestamp>,
    /// What the last attempt met.
    pub last_error: Option<String>,
}

impl Store {
    /// Turns events on (an endpoint's store), with the endpoint's default balance threshold
    /// (`None`: no `balance.low` unless the account has its own). Writes only what changes.
    pub fn enable_events(&mut self, default_threshold: Option<u64>) -> Result<()> {
        let want_default = default_threshold.map(|t| t.to_string());
        if self.meta(EVENTS_KEY)?.as_deref() == Some("on")
            && self.meta(DEFAULT_THRESHOLD_KEY)? == want_default
        {
            return Ok(());
        }
        self.write(|tx| {
            crate::replica::set_meta(tx, EVENTS_KEY, "on")?;
            match &want_default {
                Some(v) => crate::replica::set_meta(tx, DEFAULT_THRESHOLD_KEY, v)?,
                None => {
                    tx.execute("DELETE FROM meta WHERE key = ?1", [DEFAULT_THRESHOLD_KEY])?;
                }
            }
            Ok(())
        })
    }

    /// Sets the account's own balance threshold (`None`: the endpoint's default applies).
    pub fn set_balance_threshold(&mut self, threshold: Option<u64>) -> Result<()> {
        self.write(|tx| {
            match threshold {
                Some(t) => crate::replica::set_meta(tx, THRESHOLD_KEY, &t.to_string())?,
                None => {
                    tx.execute("DELETE FROM meta WHERE key = ?1", [THRESHOLD_KEY])?;
                }
            }
            Ok(())
        })
    }

    /// The account's own balance threshold, if it has one.
    pub fn balance_threshold(&self) -> Result<Option<u64>> {
        self.meta(THRESHOLD_KEY)?
            .map(|v| {
                v.parse()
                    .map_err(|_| StoreError::decode("the stored balance threshold is not a number"))
            })
            .transpose()
    }

    /// The position of the account's last event (0: none).
    pub fn last_event_seq(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Events after position `after`, oldest first, of the given types only, at most `limit`
    /// (1..=[`EVENT_PAGE_MAX`]).
    pub fn events_after(
        &self,
        after: i64,
        types: &[String],
        limit: u32,
    ) -> Result<Vec<EventRecord>> {
        let limit = limit.clamp(1, EVENT_PAGE_MAX);
        let wanted = serde_json::to_string(types).map_err(StoreError::decode)?;
        let rows = self
            .conn
            .prepare_cached(
                "SELECT seq, event_id, type, at, generation_id, claim_id, data FROM events
                 WHERE seq > ?1 AND type IN (SELECT value FROM json_each(?2))
                 ORDER BY seq LIMIT ?3",
            )
            .and_then(|mut s| {
                s.query_map(params![after, wanted, limit], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, Option<Vec<u8>>>(4)?,
                        r.get::<_, Option<Vec<u8>>>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()
            })
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(seq, id, event_type, at, generation, claim, data)| {
                // The stored id is 16 random bytes; it is shown as a version 4 UUID (the same
                // bytes with the version and variant bits set, so always the same id).
                let event_id = uuid::Builder::from_random_bytes(bytes16(&id)?).into_uuid();
                Ok(EventRecord {
                    seq,
                    event_id,
                    event_type,
                    at: ts(at)?,
                    generation_id: generation
                        .map(|b| bytes16(&b).map(Uuid::from_bytes))
                        .transpose()?,
                    claim_id: claim
                        .map(|b| bytes16(&b).map(Uuid::from_bytes))
                        .transpose()?,
                    data: serde_json::from_str(&data).map_err(StoreError::decode)?,
                })
            })
            .collect()
    }

    /// A consumer's cursor; `None` when it has had none of this account's events yet.
    pub fn event_cursor(&self, consumer: Uuid) -> Result<Option<EventCursor>> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT after_seq, attempts, failing_since, next_attempt_at, last_error
                 FROM event_cursors WHERE consumer = ?1",
            )
            .and_then(|mut s| {
                s.query_row([consumer.as_bytes()], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, Option<i64>>(2)?,
                        r.get::<_, Option<i64>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                    ))
                })
                .optional()
            })
            .map_err(|e| self.err(e))?;
        row.map(|(after_seq, attempts, failing, next, last_error)| {
            Ok(EventCursor {
                after_seq,
                attempts,
                failing_since: opt_ts(failing)?,
                next_attempt_at: opt_ts(next)?,
                last_error,
            })
        })
        .transpose()
    }

    /// Records a consumer's cursor. A cursor never goes back: one behind the recorded one is
    /// refused with [`StoreError::Invariant`] and nothing is written.
    pub fn set_event_cursor(&mut self, consumer: Uuid, cursor: &EventCursor) -> Result<()> {
        if cursor.after_seq < 0 {
            return Err(StoreError::InvalidInput {
                field: "after_seq",
                problem: "an event cursor is never negative".into(),
            });
        }
        self.write(|tx| {
            let recorded: Option<i64> = tx
                .prepare_cached("SELECT after_seq FROM event_cursors WHERE consumer = ?1")?
                .query_row([consumer.as_bytes()], |r| r.get(0))
                .optional()?;
            if recorded.is_some_and(|r| r > cursor.after_seq) {
                return Err(recoup_core::InvariantViolation(format!(
                    "the event cursor of {consumer} would go back from {} to {}",
                    recorded.unwrap_or_default(),
                    cursor.after_seq
                ))
                .into());
            }
            tx.prepare_cached(
                "INSERT INTO event_cursors (consumer, after_seq, attempts, failing_since, next_attempt_at, last_error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (consumer) DO UPDATE SET after_seq = excluded.after_seq,
                    attempts = excluded.attempts, failing_since = excluded.failing_since,
                    next_attempt_at = excluded.next_attempt_at, last_error = excluded.last_error",
            )?
            .execute(params![
                consumer.as_bytes(),
                cursor.after_seq,
                cursor.attempts,
                cursor.failing_since.map(ms),
                cursor.next_attempt_at.map(ms),
                cursor.last_error,
            ])?;
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_core::{Feature, FixedClock, GenerationId, GrantKind, OpId, Platform, Surface};

    use crate::{FinishGeneration, GrantRequest, Outcome, StartGeneration};

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap_or_else(|e| panic!("bad time {s}: {e}"))
    }

    fn all_types() -> Vec<String> {
        EVENT_TYPES.iter().map(|s| (*s).to_owned()).collect()
    }

    fn start(store: &mut Store, now: Timestamp) -> GenerationId {
        let id = GenerationId::new_v7();
        store
            .start_generation(
                &StartGeneration {
                    generation_id: id,
                    feature: Feature::VirtualModel,
                    platform: Platform::Web,
                    surface: Surface::Editor,
                },
                now,
            )
            .unwrap_or_else(|e| panic!("start: {e}"));
        id
    }

    #[test]
    fn a_device_store_records_no_events() {
        let now = t("2026-12-01T10:00:00Z");
        let mut store = Store::open_in_memory().expect("open");
        store
            .grant(
                &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 10),
                now,
            )
            .expect("grant");
        let id = start(&mut store, now);
        store
            .finish_generation(
                &FinishGeneration {
                    op_id: OpId::new_v7(),
                    generation_id: id,
                    outcome: Outcome::Failed {
                        error: "timeout".into(),
                    },
                },
                now,
            )
            .expect("fail");
        assert_eq!(
            store.last_event_seq().expect("seq"),
            0,
            "without enable_events a store (a device's) must record no event"
        );
    }

    #[test]
    fn a_void_and_a_balance_crossing_its_threshold_are_recorded_once_each() {
        let now = t("2026-12-01T10:00:00Z");
        let _ = FixedClock(now);
        let mut store = Store::open_in_memory().expect("open");
        store.enable_events(Some(9)).expect("enable");
        store
            .grant(
                &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 12),
                now,
            )
            .expect("grant");
        // Virtual Model costs 4: 12 -> 8 crosses 9 once; 8 -> 4 stays below: no second event.
        let a = start(&mut store, now);
        let _b = start(&mut store, now);
        store
            .finish_generation(
                &FinishGeneration {
                    op_id: OpId::new_v7(),
                    generation_id: a,
                    outcome: Outcome::Failed {
                        error: "timeout".into(),
                    },
                },
                now,
            )
            .expect("fail");
        let events = store.events_after(0, &all_types(), 100).expect("events");
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        assert_eq!(
            types,
            ["balance.low", "generation.voided"],
            "one crossing of the threshold and one void, in commit order"
        );
        assert_eq!(
            events[0].data["available"], 8,
            "balance.low says the balance after the hold"
        );
        assert_eq!(
            events[1].generation_id,
            Some(a.0),
            "the void names its generation"
        );
        assert_eq!(
            events[1].data["failure"], "timeout",
            "the void says the failure"
        );
        assert_eq!(
            events[1].data["released_credits"], 4,
            "the void says what it released"
        );
        let only_voids = store
            .events_after(0, &["generation.voided".to_owned()], 100)
            .expect("filtered");
        assert_eq!(only_voids.len(), 1, "a type filter keeps only that type");
        assert_eq!(
            store.events_after(1, &all_types(), 100).expect("after"),
            events[1..].to_vec(),
            "reading after a position starts after it, with the same ids"
        );
    }

    #[test]
    fn an_account_threshold_overrides_the_default_and_none_turns_it_off() {
        let now = t("2026-12-01T10:00:00Z");
        let mut store = Store::open_in_memory().expect("open");
        store.enable_events(None).expect("enable");
        store
            .grant(
                &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 12),
                now,
            )
            .expect("grant");
        start(&mut store, now);
        assert_eq!(
            store.last_event_seq().expect("seq"),
            0,
            "no default and no account threshold: no balance.low"
        );
        store.set_balance_threshold(Some(5)).expect("set");
        assert_eq!(store.balance_threshold().expect("read"), Some(5), "kept");
        start(&mut store, now);
        let events = store.events_after(0, &all_types(), 10).expect("events");
        assert_eq!(events.len(), 1, "8 -> 4 crosses the account's 5");
        assert_eq!(
            events[0].data["threshold"], 5,
            "the account's own threshold"
        );
    }

    #[test]
    fn a_cursor_is_kept_and_never_goes_back() {
        let mut store = Store::open_in_memory().expect("open");
        let consumer = Uuid::now_v7();
        assert_eq!(
            store.event_cursor(consumer).expect("read"),
            None,
            "none yet"
        );
        let c = EventCursor {
            after_seq: 5,
            attempts: 2,
            failing_since: Some(t("2026-12-01T10:00:00Z")),
            next_attempt_at: Some(t("2026-12-01T10:00:04Z")),
            last_error: Some("HTTP 500".into()),
        };
        store.set_event_cursor(consumer, &c).expect("set");
        assert_eq!(
            store.event_cursor(consumer).expect("read"),
            Some(c.clone()),
            "kept as set"
        );
        let back = EventCursor {
            after_seq: 4,
            ..EventCursor::default()
        };
        assert!(
            matches!(
                store.set_event_cursor(consumer, &back),
                Err(StoreError::Invariant(_))
            ),
            "a cursor going back is refused"
        );
        assert_eq!(
            store.event_cursor(consumer).expect("read"),
            Some(c),
            "and nothing changed"
        );
    }
}
