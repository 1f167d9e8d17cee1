//! The tables this crate owns, as migrations. Applied in order at open; the schema version is
//! SQLite's `user_version`.

use rusqlite_migration::{M, Migrations};

/// Version 1: documents, grants, the ledger, generations, holds, refunds, claims, outbox.
const V1: &str = r#"
CREATE TABLE documents (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind         TEXT    NOT NULL CHECK (kind IN ('policy', 'prices')),
    version      TEXT    NOT NULL,
    body         TEXT    NOT NULL,
    activated_at INTEGER NOT NULL
);

-- Idempotency: every client-made operation id, the request it carried and the answer it got.
CREATE TABLE operations (
    op_id   BLOB    PRIMARY KEY CHECK (length(op_id) = 16),
    kind    TEXT    NOT NULL,
    request TEXT    NOT NULL,
    result  TEXT    NOT NULL,
    at      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE grants (
    grant_id     BLOB    PRIMARY KEY CHECK (length(grant_id) = 16),
    kind         TEXT    NOT NULL CHECK (kind IN ('allowance', 'top_up', 'promotion', 'refund')),
    credits      INTEGER NOT NULL CHECK (credits > 0),
    priority     INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 100),
    granted_at   INTEGER NOT NULL,
    expires_at   INTEGER,
    note         TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;

-- Projection of ledger_entries per grant, written in the same transaction as the entries so a
-- balance read costs one row per grant, whatever the history size. `Store::verify` re-derives it.
CREATE TABLE grant_balances (
    grant_id  BLOB    PRIMARY KEY REFERENCES grants (grant_id),
    granted   INTEGER NOT NULL CHECK (granted >= 0),
    available INTEGER NOT NULL CHECK (available >= 0),
    held      INTEGER NOT NULL CHECK (held >= 0),
    spent     INTEGER NOT NULL CHECK (spent >= 0),
    refunded  INTEGER NOT NULL CHECK (refunded >= 0),
    expired   INTEGER NOT NULL CHECK (expired >= 0)
) WITHOUT ROWID;

CREATE TABLE generations (
    generation_id   BLOB    PRIMARY KEY CHECK (length(generation_id) = 16),
    feature         TEXT    NOT NULL,
    platform        TEXT    NOT NULL CHECK (platform IN ('ios', 'android', 'web')),
    surface         TEXT    NOT NULL CHECK (surface IN ('editor', 'batch_editor', 'product_catalog')),
    media_kind      TEXT    NOT NULL CHECK (media_kind IN ('image', 'video')),
    status          TEXT    NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
    failure         TEXT,
    cost            INTEGER NOT NULL CHECK (cost > 0),
    charged         INTEGER NOT NULL DEFAULT 0 CHECK (charged >= 0 AND charged <= cost),
    price_version   TEXT    NOT NULL,
    started_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    hold_expires_at INTEGER NOT NULL,
    output_ref      TEXT,
    claimed         INTEGER NOT NULL DEFAULT 0 CHECK (claimed IN (0, 1))
) WITHOUT ROWID;
CREATE INDEX generations_feature  ON generations (feature, generation_id);
CREATE INDEX generations_platform ON generations (platform, generation_id);
CREATE INDEX generations_claimed  ON generations (claimed, generation_id);
CREATE INDEX generations_running  ON generations (hold_expires_at) WHERE status = 'running';

-- `seq` without AUTOINCREMENT: rows are never deleted (see the triggers), so SQLite's next rowid
-- is always max + 1 and the sqlite_sequence write on every insert is saved.
CREATE TABLE ledger_entries (
    seq           INTEGER PRIMARY KEY,
    op_id         BLOB,
    kind          TEXT    NOT NULL
                  CHECK (kind IN ('grant', 'hold', 'capture', 'void', 'hold_expired', 'refund', 'expire')),
    grant_id      BLOB    NOT NULL REFERENCES grants (grant_id),
    generation_id BLOB    REFERENCES generations (generation_id),
    credits       INTEGER NOT NULL CHECK (credits > 0),
    at            INTEGER NOT NULL
);
CREATE INDEX ledger_entries_generation ON ledger_entries (generation_id) WHERE generation_id IS NOT NULL;
CREATE INDEX ledger_entries_kind_at ON ledger_entries (kind, at);
CREATE TRIGGER ledger_entries_append_only_update BEFORE UPDATE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;
CREATE TRIGGER ledger_entries_append_only_delete BEFORE DELETE ON ledger_entries
BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END;

-- A hold settles exactly once: the primary key refuses a second settlement.
CREATE TABLE hold_settlements (
    generation_id BLOB    PRIMARY KEY REFERENCES generations (generation_id),
    outcome       TEXT    NOT NULL CHECK (outcome IN ('captured', 'voided', 'expired')),
    op_id         BLOB,
    at            INTEGER NOT NULL
) WITHOUT ROWID;

-- At most one refund per generation: the primary key refuses a second.
CREATE TABLE refunds (
    generation_id BLOB    PRIMARY KEY REFERENCES generations (generation_id),
    claim_id      BLOB,
    credits       INTEGER NOT NULL CHECK (credits > 0),
    op_id         BLOB    NOT NULL,
    at            INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX refunds_at ON refunds (at);

CREATE TABLE claims (
    claim_id         BLOB    PRIMARY KEY CHECK (length(claim_id) = 16),
    generation_id    BLOB    NOT NULL REFERENCES generations (generation_id),
    reason           TEXT    NOT NULL,
    details          TEXT    NOT NULL,
    submitted_at     INTEGER NOT NULL,
    local_eligible   INTEGER NOT NULL CHECK (local_eligible IN (0, 1)),
    local_decision   TEXT    NOT NULL,
    policy_version   TEXT    NOT NULL,
    sync_state       TEXT    NOT NULL DEFAULT 'queued'
                     CHECK (sync_state IN ('queued', 'sent', 'acknowledged', 'quarantined')),
    outcome          TEXT    CHECK (outcome IN ('refunded', 'not_refunded', 'in_review')),
    outcome_code     TEXT,
    refunded_credits INTEGER,
    decided_at       INTEGER
) WITHOUT ROWID;
CREATE INDEX claims_generation ON claims (generation_id);

-- What waits to be sent to the endpoint. Written in the same transaction as what it carries.
CREATE TABLE outbox (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    item_id         BLOB    NOT NULL UNIQUE,
    kind            TEXT    NOT NULL CHECK (kind IN ('claim')),
    payload         TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    state           TEXT    NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'quarantined'))
);
CREATE INDEX outbox_pending ON outbox (next_attempt_at) WHERE state = 'pending';

-- Per-day totals for the safeguards (credits charged, refunds granted), kept by triggers so a
-- claim's check reads about 30 rows however long the history is.
CREATE TABLE activity_days (
    day      INTEGER PRIMARY KEY,
    spent    INTEGER NOT NULL DEFAULT 0,
    refunded INTEGER NOT NULL DEFAULT 0,
    refunds  INTEGER NOT NULL DEFAULT 0
);
CREATE TRIGGER activity_capture AFTER INSERT ON ledger_entries WHEN NEW.kind = 'capture' BEGIN
    INSERT INTO activity_days (day, spent) VALUES (NEW.at / 86400000, NEW.credits)
    ON CONFLICT (day) DO UPDATE SET spent = spent + excluded.spent;
END;
CREATE TRIGGER activity_refund AFTER INSERT ON refunds BEGIN
    INSERT INTO activity_days (day, refunded, refunds) VALUES (NEW.at / 86400000, NEW.credits, 1)
    ON CONFLICT (day) DO UPDATE SET refunded = refunded + excluded.refunded, refunds = refunds + 1;
END;

-- Small named values: the write-transaction counter, the sync cursor, the clock offset, the
-- endpoint this database is linked to.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta (key, value) VALUES ('tx', '0');

-- The change feed: every row written to the tables a replica mirrors, in commit order, tagged
-- with its write transaction so that a page never ends in the middle of one. Filled by triggers,
-- so no code path can forget it.
CREATE TABLE changes (
    seq       INTEGER PRIMARY KEY,
    tx        INTEGER NOT NULL,
    kind      TEXT    NOT NULL CHECK (kind IN ('grant', 'entry', 'generation', 'settlement', 'refund', 'claim')),
    key       BLOB,
    entry_seq INTEGER,
    -- For rows that change after insert (generations, claims): their changing columns as they
    -- were in this transaction, so a device catching up sees each state in order.
    snapshot  TEXT
);
CREATE TRIGGER changes_grant AFTER INSERT ON grants BEGIN
    INSERT INTO changes (tx, kind, key) SELECT CAST(value AS INTEGER), 'grant', NEW.grant_id FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_entry AFTER INSERT ON ledger_entries BEGIN
    INSERT INTO changes (tx, kind, entry_seq) SELECT CAST(value AS INTEGER), 'entry', NEW.seq FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_generation_insert AFTER INSERT ON generations BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) SELECT CAST(value AS INTEGER), 'generation', NEW.generation_id,
        json_object('status', NEW.status, 'failure', NEW.failure, 'charged', NEW.charged, 'finished_at', NEW.finished_at, 'output_ref', NEW.output_ref) FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_generation_update AFTER UPDATE OF status, failure, charged, finished_at, output_ref ON generations BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) SELECT CAST(value AS INTEGER), 'generation', NEW.generation_id,
        json_object('status', NEW.status, 'failure', NEW.failure, 'charged', NEW.charged, 'finished_at', NEW.finished_at, 'output_ref', NEW.output_ref) FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_settlement AFTER INSERT ON hold_settlements BEGIN
    INSERT INTO changes (tx, kind, key) SELECT CAST(value AS INTEGER), 'settlement', NEW.generation_id FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_refund AFTER INSERT ON refunds BEGIN
    INSERT INTO changes (tx, kind, key) SELECT CAST(value AS INTEGER), 'refund', NEW.generation_id FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_claim_insert AFTER INSERT ON claims BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) SELECT CAST(value AS INTEGER), 'claim', NEW.claim_id,
        json_object('outcome', NEW.outcome, 'outcome_code', NEW.outcome_code, 'refunded_credits', NEW.refunded_credits, 'decided_at', NEW.decided_at) FROM meta WHERE key = 'tx';
END;
CREATE TRIGGER changes_claim_update AFTER UPDATE OF outcome, outcome_code, refunded_credits, decided_at ON claims BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) SELECT CAST(value AS INTEGER), 'claim', NEW.claim_id,
        json_object('outcome', NEW.outcome, 'outcome_code', NEW.outcome_code, 'refunded_credits', NEW.refunded_credits, 'decided_at', NEW.decided_at) FROM meta WHERE key = 'tx';
END;
"#;

/// Version 2: the outputs an endpoint keeps, with what their inspection found (see `outputs`).
/// Written in the capture's transaction; not in the change feed (devices never fill it).
const V2: &str = r#"
CREATE TABLE outputs (
    generation_id BLOB    PRIMARY KEY REFERENCES generations (generation_id),
    media_type    TEXT    NOT NULL,
    size_bytes    INTEGER NOT NULL CHECK (size_bytes >= 0),
    sha256        TEXT    NOT NULL CHECK (length(sha256) = 64),
    file_name     TEXT    NOT NULL,
    findings      TEXT    NOT NULL,
    stored_at     INTEGER NOT NULL
) WITHOUT ROWID;
"#;

/// Version 3: the events an endpoint tells the product about (its webhooks), and how far each
/// receiver has had them (see `events`). Filled by triggers, in the transaction of their cause,
/// so no code path can forget one; only in a store where the endpoint turned them on (meta
/// `events` = `on`): a device's replica never fills it.
const V3: &str = r#"
CREATE TABLE events (
    seq           INTEGER PRIMARY KEY,
    event_id      BLOB    NOT NULL UNIQUE CHECK (length(event_id) = 16),
    type          TEXT    NOT NULL
                  CHECK (type IN ('claim.decided', 'refund.posted', 'generation.voided', 'balance.low')),
    at            INTEGER NOT NULL,
    generation_id BLOB,
    claim_id      BLOB,
    data          TEXT    NOT NULL
);
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE event_cursors (
    consumer        BLOB    PRIMARY KEY CHECK (length(consumer) = 16),
    after_seq       INTEGER NOT NULL CHECK (after_seq >= 0),
    attempts        INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    failing_since   INTEGER,
    next_attempt_at INTEGER,
    last_error      TEXT
) WITHOUT ROWID;

CREATE TRIGGER events_claim_insert AFTER INSERT ON claims
WHEN NEW.outcome IS NOT NULL AND (SELECT value FROM meta WHERE key = 'events') = 'on' BEGIN
    INSERT INTO events (event_id, type, at, generation_id, claim_id, data)
    VALUES (randomblob(16), 'claim.decided', COALESCE(NEW.decided_at, NEW.submitted_at),
            NEW.generation_id, NEW.claim_id,
            json_object('outcome', NEW.outcome, 'code', NEW.outcome_code,
                        'refunded_credits', NEW.refunded_credits, 'reason', NEW.reason));
END;
CREATE TRIGGER events_claim_update AFTER UPDATE OF outcome ON claims
WHEN NEW.outcome IS NOT NULL AND NEW.outcome IS NOT OLD.outcome
     AND (SELECT value FROM meta WHERE key = 'events') = 'on' BEGIN
    INSERT INTO events (event_id, type, at, generation_id, claim_id, data)
    VALUES (randomblob(16), 'claim.decided', COALESCE(NEW.decided_at, NEW.submitted_at),
            NEW.generation_id, NEW.claim_id,
            json_object('outcome', NEW.outcome, 'code', NEW.outcome_code,
                        'refunded_credits', NEW.refunded_credits, 'reason', NEW.reason));
END;
CREATE TRIGGER events_refund AFTER INSERT ON refunds
WHEN (SELECT value FROM meta WHERE key = 'events') = 'on' BEGIN
    INSERT INTO events (event_id, type, at, generation_id, claim_id, data)
    VALUES (randomblob(16), 'refund.posted', NEW.at, NEW.generation_id, NEW.claim_id,
            json_object('credits', NEW.credits));
END;
CREATE TRIGGER events_generation_voided AFTER UPDATE OF status ON generations
WHEN OLD.status = 'running' AND NEW.status = 'failed'
     AND (SELECT value FROM meta WHERE key = 'events') = 'on' BEGIN
    INSERT INTO events (event_id, type, at, generation_id, data)
    VALUES (randomblob(16), 'generation.voided', COALESCE(NEW.finished_at, NEW.started_at),
            NEW.generation_id,
            json_object('failure', NEW.failure, 'released_credits', NEW.cost,
                        'feature', NEW.feature, 'platform', NEW.platform));
END;
-- The available balance falling below the account's threshold (its own, or the endpoint's
-- default): once per crossing, not at every charge below it. A hold or an expiry lowers it;
-- the grant's projection has already moved when its entry is appended.
CREATE TRIGGER events_balance_low AFTER INSERT ON ledger_entries
WHEN NEW.kind IN ('hold', 'expire') AND (SELECT value FROM meta WHERE key = 'events') = 'on' BEGIN
    INSERT INTO events (event_id, type, at, data)
    SELECT randomblob(16), 'balance.low', NEW.at,
           json_object('available', t.after, 'threshold', t.threshold)
    FROM (SELECT (SELECT COALESCE(SUM(available), 0) FROM grant_balances) AS after,
                 CAST(COALESCE((SELECT value FROM meta WHERE key = 'events.balance_low'),
                               (SELECT value FROM meta WHERE key = 'events.balance_low_default')) AS INTEGER) AS threshold) AS t
    WHERE t.threshold IS NOT NULL AND t.after < t.threshold AND t.after + NEW.credits >= t.threshold;
END;
"#;

/// Version 4: fewer pages written per transaction (see docs/benchmarks.md, `durable_generation`).
///
/// - The change feed's transaction number comes from `recoup_tx()`, a function the store
///   registers on its connection and sets once per write transaction (the last change's number
///   plus one, read under the write lock), instead of a counter row in `meta` that every write
///   transaction updated (one page more per commit). A connection without the function cannot
///   write the mirrored tables: the trigger fails, so no row is ever written outside the feed.
///   Numbers stay increasing and distinct per transaction, which is all the feed relies on.
/// - `ledger_entries_kind_at` leaves holds out (a third of the entries, and no reader asks for
///   them by time): a start writes no page of it. Queries spell `kind <> 'hold'` to use it.
/// - `generations_claimed` covers only claimed generations (a few): a start writes no page of
///   it. Unclaimed ones are most of the history, found by walking the primary key.
const V4: &str = r#"
DROP TRIGGER changes_grant;
DROP TRIGGER changes_entry;
DROP TRIGGER changes_generation_insert;
DROP TRIGGER changes_generation_update;
DROP TRIGGER changes_settlement;
DROP TRIGGER changes_refund;
DROP TRIGGER changes_claim_insert;
DROP TRIGGER changes_claim_update;
DELETE FROM meta WHERE key = 'tx';
DROP INDEX ledger_entries_kind_at;
CREATE INDEX ledger_entries_kind_at ON ledger_entries (kind, at) WHERE kind <> 'hold';
DROP INDEX generations_claimed;
CREATE INDEX generations_claimed ON generations (generation_id) WHERE claimed = 1;
CREATE TRIGGER changes_grant AFTER INSERT ON grants BEGIN
    INSERT INTO changes (tx, kind, key) VALUES (recoup_tx(), 'grant', NEW.grant_id);
END;
CREATE TRIGGER changes_entry AFTER INSERT ON ledger_entries BEGIN
    INSERT INTO changes (tx, kind, entry_seq) VALUES (recoup_tx(), 'entry', NEW.seq);
END;
CREATE TRIGGER changes_generation_insert AFTER INSERT ON generations BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) VALUES (recoup_tx(), 'generation', NEW.generation_id,
        json_object('status', NEW.status, 'failure', NEW.failure, 'charged', NEW.charged, 'finished_at', NEW.finished_at, 'output_ref', NEW.output_ref));
END;
CREATE TRIGGER changes_generation_update AFTER UPDATE OF status, failure, charged, finished_at, output_ref ON generations BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) VALUES (recoup_tx(), 'generation', NEW.generation_id,
        json_object('status', NEW.status, 'failure', NEW.failure, 'charged', NEW.charged, 'finished_at', NEW.finished_at, 'output_ref', NEW.output_ref));
END;
CREATE TRIGGER changes_settlement AFTER INSERT ON hold_settlements BEGIN
    INSERT INTO changes (tx, kind, key) VALUES (recoup_tx(), 'settlement', NEW.generation_id);
END;
CREATE TRIGGER changes_refund AFTER INSERT ON refunds BEGIN
    INSERT INTO changes (tx, kind, key) VALUES (recoup_tx(), 'refund', NEW.generation_id);
END;
CREATE TRIGGER changes_claim_insert AFTER INSERT ON claims BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) VALUES (recoup_tx(), 'claim', NEW.claim_id,
        json_object('outcome', NEW.outcome, 'outcome_code', NEW.outcome_code, 'refunded_credits', NEW.refunded_credits, 'decided_at', NEW.decided_at));
END;
CREATE TRIGGER changes_claim_update AFTER UPDATE OF outcome, outcome_code, refunded_credits, decided_at ON claims BEGIN
    INSERT INTO changes (tx, kind, key, snapshot) VALUES (recoup_tx(), 'claim', NEW.claim_id,
        json_object('outcome', NEW.outcome, 'outcome_code', NEW.outcome_code, 'refunded_credits', NEW.refunded_credits, 'decided_at', NEW.decided_at));
END;
"#;

/// The schema version after all migrations.
pub(crate) const LATEST: i64 = 4;

/// All migrations, oldest first.
pub(crate) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![M::up(V1), M::up(V2), M::up(V3), M::up(V4)])
}

#[cfg(test)]
mod tests {
    #[test]
    fn migrations_are_valid() {
        assert!(
            super::migrations().validate().is_ok(),
            "every migration must apply to an empty db"
        );
    }

    /// The readers of the two partial indexes of version 4 still use them: the per-day flows,
    /// the safeguards' partial day, a ledger page of one kind, the claimed history.
    #[test]
    fn partial_indexes_serve_their_readers() {
        let store = crate::Store::open_in_memory().unwrap();
        let plan = |sql: &str| -> String {
            store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap()
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
                .join("; ")
        };
        for (sql, index) in [
            (
                "SELECT at / 86400000 AS day, SUM(credits) FROM ledger_entries
                 WHERE kind IN ('capture', 'refund') AND kind <> 'hold' AND at >= 1 AND at < 2
                 GROUP BY day ORDER BY day",
                "ledger_entries_kind_at",
            ),
            (
                "SELECT coalesce(sum(credits), 0) FROM ledger_entries
                 WHERE kind = 'capture' AND kind <> 'hold' AND at > 1 AND at < 2",
                "ledger_entries_kind_at",
            ),
            (
                "SELECT seq FROM ledger_entries WHERE kind = 'refund' AND kind <> 'hold'
                 ORDER BY seq DESC LIMIT 5",
                "ledger_entries_kind_at",
            ),
            (
                "SELECT g.generation_id FROM generations g WHERE g.claimed = 1
                 AND g.generation_id < x'ff' ORDER BY g.generation_id DESC LIMIT 5",
                "generations_claimed",
            ),
        ] {
            let p = plan(sql);
            assert!(p.contains(index), "{sql}\nshould use {index}, plan: {p}");
        }
    }

    /// A file written by schema version 3 (the feed numbered by the `meta` counter) keeps its
    /// feed after the migration to 4: the counter row is gone, and the transactions written
    /// since carry numbers above every old one, one per transaction.
    #[test]
    fn version_3_feed_continues_after_migration() {
        use crate::{GrantRequest, Store};
        use recoup_core::{GrantKind, OpId};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v3.sqlite3");
        {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            super::migrations().to_version(&mut conn, 3).unwrap();
            // Two write transactions as version 3 numbered them, the second with a grant.
            conn.execute_batch(
                "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'tx';
                 UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'tx';
                 INSERT INTO grants (grant_id, kind, credits, priority, granted_at)
                 VALUES (randomblob(16), 'top_up', 5, 50, 1);",
            )
            .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let now = "2026-12-06T10:00:00Z".parse().unwrap();
        for _ in 0..2 {
            store
                .grant(&GrantRequest::new(OpId::new_v7(), GrantKind::TopUp, 7), now)
                .unwrap();
        }
        let rows: Vec<(String, i64)> = store
            .conn
            .prepare("SELECT kind, tx FROM changes ORDER BY seq")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let want: Vec<(String, i64)> = [
            ("grant", 2),
            ("grant", 3),
            ("entry", 3),
            ("grant", 4),
            ("entry", 4),
        ]
        .map(|(k, t)| (k.to_owned(), t))
        .to_vec();
        assert_eq!(
            rows, want,
            "old rows kept, new transactions numbered after them"
        );
        assert_eq!(store.meta("tx").unwrap(), None, "the counter row is gone");
        assert_eq!(store.changes(0, 1).unwrap().changes.len(), 1);
        assert_eq!(
            store.changes(1, 1).unwrap().changes.len(),
            2,
            "a page ends on a transaction"
        );
    }
}
