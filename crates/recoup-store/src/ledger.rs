//! The credit ledger in SQLite: grants, the append-only entries, the per-grant projection, the
//! sweep that expires grants and stale holds, refunds, balances and the full verification.

use recoup_core::{TimeDelta, Timestamp};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use recoup_core::ledger::{GRANT_CREDITS_MAX, PRIORITY_MAX, allocate, refund_allocation};
// The rule of how an entry moves the totals lives with the other ledger rules in the core; the
// type stays reachable as `recoup_store::EntryKind` because entries are the store's records.
pub use recoup_core::EntryKind;
use recoup_core::{
    Allocation, Balances, ClaimId, GenerationId, GrantId, GrantKind, GrantSlice,
    InvariantViolation, OpId,
};

use recoup_api::rows::{AccountBalance, GrantRecord, GrantTerms, LedgerEntry};

use crate::Store;
use crate::codec::{bytes16, credits, id_bytes, ms, opt_ts, parse, sql_credits, ts};
use crate::error::{Result, StoreError};
use crate::filter::Filter;

/// A refund whose source grant has expired comes back as a new `refund` grant that lasts this
/// long (30 days), so refunded credits are never lost to an expiry that happened meanwhile.
pub const REFUND_REGRANT_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// Credits spent and refunded on one UTC day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyFlow {
    /// Midnight UTC starting the day.
    pub day_start: Timestamp,
    /// Credits captured that day.
    pub spent: u64,
    /// Credits refunded that day.
    pub refunded: u64,
}

/// Most entries one ledger page returns.
pub const ENTRY_PAGE_MAX: u32 = 1_000;

/// Longest grant note, in characters.
pub const NOTE_LEN_MAX: usize = 200;

/// Give credits to the account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantRequest {
    /// Client-made id; also the grant's id.
    pub op_id: OpId,
    /// What the grant is.
    pub kind: GrantKind,
    /// How many credits.
    pub credits: u64,
    /// Burn-down priority, lower first (default per kind).
    pub priority: Option<u32>,
    /// When the grant expires, if ever.
    pub expires_at: Option<Timestamp>,
    /// Free text shown in the ledger ("November allowance").
    pub note: String,
}

impl GrantRequest {
    /// A grant with the kind's default priority, no expiry and no note.
    pub fn new(op_id: OpId, kind: GrantKind, credits: u64) -> Self {
        Self {
            op_id,
            kind,
            credits,
            priority: None,
            expires_at: None,
            note: String::new(),
        }
    }
}

/// Refund a generation's charge (the endpoint's decision applied locally).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundRequest {
    /// Client-made id of this operation.
    pub op_id: OpId,
    /// The generation refunded.
    pub generation_id: GenerationId,
    /// The claim that led to it, if any.
    pub claim_id: Option<ClaimId>,
    /// Credits to refund; the whole charge when absent. Never more than the charge.
    pub credits: Option<u64>,
}

/// What a refund did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundReceipt {
    /// The generation.
    pub generation_id: GenerationId,
    /// Credits refunded.
    pub credits: u64,
    /// Where they went.
    pub returned_to: Vec<Allocation>,
    /// A new grant made because a source grant had expired.
    pub regrant: Option<GrantId>,
}

/// What a sweep released.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepReport {
    /// Stale holds released (their generations marked failed).
    pub holds_expired: u32,
    /// Credits those holds returned.
    pub hold_credits_released: u64,
    /// Credits lost to grant expiry.
    pub credits_expired: u64,
}

/// A page of ledger entries, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryQuery {
    /// Only this kind.
    pub kind: Option<EntryKind>,
    /// Only this generation.
    pub generation_id: Option<GenerationId>,
    /// Entries before this seq (the previous page's last).
    pub before_seq: Option<i64>,
    /// Page size, 1..=[`ENTRY_PAGE_MAX`].
    pub limit: u32,
}

/// Appends an entry and moves the grant's projection in the same transaction.
pub(crate) fn post(
    tx: &Transaction<'_>,
    op_id: Option<OpId>,
    kind: EntryKind,
    grant: GrantId,
    generation: Option<GenerationId>,
    amount: u64,
    at_ms: i64,
) -> Result<()> {
    move_balance(tx, kind, grant, amount)?;
    tx.prepare_cached(
        "INSERT INTO ledger_entries (op_id, kind, grant_id, generation_id, credits, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        op_id.as_ref().map(|o| o.as_bytes().to_vec()),
        kind.as_str(),
        grant.as_bytes(),
        generation.as_ref().map(|g| g.as_bytes().to_vec()),
        sql_credits(amount)?,
        at_ms
    ])?;
    Ok(())
}

/// Copies an entry from the endpoint's ledger, keeping its position, and moves the projection.
/// Returns false (and writes nothing) when the entry is already here.
pub(crate) fn post_replicated(tx: &Transaction<'_>, e: &LedgerEntry) -> Result<bool> {
    let existing: Option<(String, i64)> = tx
        .prepare_cached("SELECT kind, credits FROM ledger_entries WHERE seq = ?1")?
        .query_row([e.seq], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if let Some((kind, c)) = existing {
        if kind != e.kind.as_str() || credits(c)? != e.credits {
            return Err(InvariantViolation(format!(
                "replicated entry {} differs from the local entry at the same position",
                e.seq
            ))
            .into());
        }
        return Ok(false);
    }
    // The feed serves entries in ledger order, and each one's effect on the totals depends on
    // those before it (a capture needs its hold): an entry behind one the device already has is
    // not the endpoint's ledger, and applying it could leave totals that never existed there.
    let last: Option<i64> = tx
        .prepare_cached("SELECT max(seq) FROM ledger_entries")?
        .query_row([], |r| r.get(0))?;
    if let Some(last) = last
        && e.seq <= last
    {
        return Err(InvariantViolation(format!(
            "replicated entry {} arrives after entry {last}: the change feed serves entries in order",
            e.seq
        ))
        .into());
    }
    move_balance(tx, e.kind, e.grant_id, e.credits)?;
    tx.prepare_cached(
        "INSERT INTO ledger_entries (seq, op_id, kind, grant_id, generation_id, credits, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        e.seq,
        e.op_id.as_ref().map(|o| o.as_bytes().to_vec()),
        e.kind.as_str(),
        e.grant_id.as_bytes(),
        e.generation_id.as_ref().map(|g| g.as_bytes().to_vec()),
        sql_credits(e.credits)?,
        ms(e.at)
    ])?;
    Ok(true)
}

/// Moves a grant's projection by one entry, checking conservation.
fn move_balance(tx: &Transaction<'_>, kind: EntryKind, grant: GrantId, amount: u64) -> Result<()> {
    let mut b = grant_balances(tx, grant)?;
    kind.apply(&mut b, amount)?;
    b.check()?;
    tx.prepare_cached(
        "UPDATE grant_balances SET available = ?2, held = ?3, spent = ?4, refunded = ?5, expired = ?6,
         granted = ?7 WHERE grant_id = ?1",
    )?
    .execute(params![
        grant.as_bytes(),
        sql_credits(b.available)?,
        sql_credits(b.held)?,
        sql_credits(b.spent)?,
        sql_credits(b.refunded)?,
        sql_credits(b.expired)?,
        sql_credits(b.granted)?
    ])?;
    Ok(())
}

/// The six columns of a `grant_balances` row, in the order [`balance_columns`] reads them.
const BALANCE_COLUMNS: &str = "granted, available, held, spent, refunded, expired";

/// A `grant_balances` row as stored, before the credits are checked.
type BalanceRow = [i64; 6];

/// Reads the [`BALANCE_COLUMNS`] starting at column `first` of a row.
fn balance_columns(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<BalanceRow> {
    Ok([
        r.get(first)?,
        r.get(first + 1)?,
        r.get(first + 2)?,
        r.get(first + 3)?,
        r.get(first + 4)?,
        r.get(first + 5)?,
    ])
}

/// The totals of a row read by [`balance_columns`]; a negative amount means a damaged file.
fn decode_balances(row: BalanceRow) -> Result<Balances> {
    let [granted, available, held, spent, refunded, expired] = row;
    Ok(Balances {
        granted: credits(granted)?,
        available: credits(available)?,
        held: credits(held)?,
        spent: credits(spent)?,
        refunded: credits(refunded)?,
        expired: credits(expired)?,
    })
}

fn grant_balances(conn: &Connection, grant: GrantId) -> Result<Balances> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {BALANCE_COLUMNS} FROM grant_balances WHERE grant_id = ?1"
        ))?
        .query_row([grant.as_bytes()], |r| balance_columns(r, 0))
        .optional()?
        .ok_or_else(|| StoreError::NotFound {
            what: "grant",
            id: grant.to_string(),
        })?;
    decode_balances(row)
}

/// The columns of a `grants` row, in the order [`grant_columns`] reads them.
const GRANT_COLUMNS: &str = "grant_id, kind, credits, priority, granted_at, expires_at, note";

/// A `grants` row as stored, before its values are checked.
type GrantRow = ([u8; 16], String, i64, i64, i64, Option<i64>, String);

/// Reads the [`GRANT_COLUMNS`] starting at column `first` of a row.
fn grant_columns(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<GrantRow> {
    Ok((
        id_bytes(r, first)?,
        r.get(first + 1)?,
        r.get(first + 2)?,
        r.get(first + 3)?,
        r.get(first + 4)?,
        r.get(first + 5)?,
        r.get(first + 6)?,
    ))
}

fn decode_terms(row: GrantRow) -> Result<GrantTerms> {
    let (id, kind, amount, priority, granted_at, expires_at, note) = row;
    Ok(GrantTerms {
        grant_id: GrantId::from_bytes(id),
        kind: parse(&kind)?,
        credits: credits(amount)?,
        priority: u32::try_from(priority).map_err(StoreError::decode)?,
        granted_at: ts(granted_at)?,
        expires_at: opt_ts(expires_at)?,
        note,
    })
}

/// A grant's terms (not found is an error: callers name grants that exist).
pub(crate) fn load_grant_terms(conn: &Connection, id: GrantId) -> Result<GrantTerms> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {GRANT_COLUMNS} FROM grants WHERE grant_id = ?1"
        ))?
        .query_row([id.as_bytes()], |r| grant_columns(r, 0))?;
    decode_terms(row)
}

/// A grant's record from its terms and its totals.
fn grant_record_of(terms: GrantTerms, live: bool, balances: Balances) -> GrantRecord {
    GrantRecord {
        terms,
        live,
        balances,
    }
}

/// Whether a grant expiring at `expires_at` can still be spent at `now_ms`.
fn is_live(expires_at: Option<Timestamp>, now_ms: i64) -> bool {
    expires_at.is_none_or(|e| ms(e) > now_ms)
}

/// Live grants with credits available at `now`, for burn-down.
pub(crate) fn spendable(conn: &Connection, now_ms: i64) -> Result<Vec<GrantSlice>> {
    let mut stmt = conn.prepare_cached(
        "SELECT g.grant_id, g.priority, g.granted_at, g.expires_at, b.available
         FROM grants g JOIN grant_balances b USING (grant_id)
         WHERE b.available > 0 AND (g.expires_at IS NULL OR g.expires_at > ?1)",
    )?;
    let rows = stmt.query_map([now_ms], |r| {
        Ok((
            id_bytes(r, 0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, priority, granted_at, expires_at, available) = row?;
        out.push(GrantSlice {
            id: GrantId::from_bytes(id),
            priority: u32::try_from(priority).map_err(StoreError::decode)?,
            granted_at: ts(granted_at)?,
            expires_at: opt_ts(expires_at)?,
            available: credits(available)?,
        });
    }
    Ok(out)
}

/// The allocations of a generation's entries of one kind, in posting order.
pub(crate) fn allocations_of(
    conn: &Connection,
    generation: GenerationId,
    kind: EntryKind,
) -> Result<Vec<Allocation>> {
    let mut stmt = conn.prepare_cached(
        "SELECT grant_id, credits FROM ledger_entries
         WHERE generation_id = ?1 AND kind = ?2 ORDER BY seq",
    )?;
    let rows = stmt.query_map(params![generation.as_bytes(), kind.as_str()], |r| {
        Ok((id_bytes(r, 0)?, r.get::<_, i64>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (g, c) = row?;
        out.push(Allocation {
            grant: GrantId::from_bytes(g),
            credits: credits(c)?,
        });
    }
    Ok(out)
}

/// Places a hold of `amount` over the live grants.
pub(crate) fn hold(
    tx: &Transaction<'_>,
    op_id: OpId,
    generation: GenerationId,
    amount: u64,
    now: Timestamp,
) -> Result<Vec<Allocation>> {
    let grants = spendable(tx, ms(now))?;
    let allocations = allocate(&grants, amount, now)?;
    for a in &allocations {
        post(
            tx,
            Some(op_id),
            EntryKind::Hold,
            a.grant,
            Some(generation),
            a.credits,
            ms(now),
        )?;
    }
    Ok(allocations)
}

/// Settles a generation's hold exactly once: captured, voided or expired.
pub(crate) fn settle(
    tx: &Transaction<'_>,
    op_id: Option<OpId>,
    generation: GenerationId,
    kind: EntryKind,
    at_ms: i64,
) -> Result<u64> {
    let outcome = match kind {
        EntryKind::Capture => "captured",
        EntryKind::Void => "voided",
        EntryKind::HoldExpired => "expired",
        other => {
            return Err(InvariantViolation(format!("{other} does not settle a hold")).into());
        }
    };
    let existing: Option<String> = tx
        .prepare_cached("SELECT outcome FROM hold_settlements WHERE generation_id = ?1")?
        .query_row([generation.as_bytes()], |r| r.get(0))
        .optional()?;
    if let Some(outcome) = existing {
        return Err(StoreError::AlreadySettled {
            generation,
            outcome,
        });
    }
    tx.prepare_cached(
        "INSERT INTO hold_settlements (generation_id, outcome, op_id, at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        generation.as_bytes(),
        outcome,
        op_id.as_ref().map(|o| o.as_bytes().to_vec()),
        at_ms
    ])?;
    let mut total = 0;
    for a in allocations_of(tx, generation, EntryKind::Hold)? {
        post(tx, op_id, kind, a.grant, Some(generation), a.credits, at_ms)?;
        total += a.credits;
    }
    Ok(total)
}

/// Releases stale holds and expires what expired grants still hold available. Idempotent:
/// running it twice at the same instant does nothing the second time.
pub(crate) fn sweep(tx: &Transaction<'_>, now: Timestamp) -> Result<SweepReport> {
    let now_ms = ms(now);
    let mut report = SweepReport::default();
    let stale: Vec<[u8; 16]> = {
        let mut stmt = tx.prepare_cached(
            "SELECT generation_id FROM generations WHERE status = 'running' AND hold_expires_at <= ?1",
        )?;
        let rows = stmt.query_map([now_ms], |r| id_bytes(r, 0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for id in stale {
        let generation = GenerationId::from_bytes(id);
        let released = settle(tx, None, generation, EntryKind::HoldExpired, now_ms)?;
        tx.prepare_cached(
            "UPDATE generations SET status = 'failed', failure = 'hold_expired', finished_at = ?2
             WHERE generation_id = ?1",
        )?
        .execute(params![generation.as_bytes(), now_ms])?;
        report.holds_expired += 1;
        report.hold_credits_released += released;
    }
    let expiring: Vec<([u8; 16], i64)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT g.grant_id, b.available FROM grants g JOIN grant_balances b USING (grant_id)
             WHERE g.expires_at IS NOT NULL AND g.expires_at <= ?1 AND b.available > 0",
        )?;
        let rows = stmt.query_map([now_ms], |r| Ok((id_bytes(r, 0)?, r.get(1)?)))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    for (id, available) in expiring {
        let amount = credits(available)?;
        post(
            tx,
            None,
            EntryKind::Expire,
            GrantId::from_bytes(id),
            None,
            amount,
            now_ms,
        )?;
        report.credits_expired += amount;
    }
    Ok(report)
}

/// Checks that the account's totals still conserve credits. Cheap (one row per grant): run
/// after every write in debug builds, and always by `verify`.
pub(crate) fn check_totals(conn: &Connection) -> Result<Balances> {
    let mut total = Balances::default();
    let mut stmt = conn.prepare_cached(&format!("SELECT {BALANCE_COLUMNS} FROM grant_balances"))?;
    let rows = stmt.query_map([], |r| balance_columns(r, 0))?;
    for row in rows {
        let b = decode_balances(row?)?;
        b.check()?;
        total.add(&b)?;
    }
    total.check()?;
    Ok(total)
}

impl Store {
    /// Grants credits. Idempotent by `op_id` (which becomes the grant's id).
    pub fn grant(&mut self, req: &GrantRequest, now: Timestamp) -> Result<GrantRecord> {
        if req.credits == 0 || req.credits > GRANT_CREDITS_MAX {
            return Err(StoreError::InvalidInput {
                field: "credits",
                problem: format!(
                    "must be between 1 and {GRANT_CREDITS_MAX}, got {}",
                    req.credits
                ),
            });
        }
        let priority = req.priority.unwrap_or(req.kind.default_priority());
        if priority > PRIORITY_MAX {
            return Err(StoreError::InvalidInput {
                field: "priority",
                problem: format!("must be between 0 and {PRIORITY_MAX}, got {priority}"),
            });
        }
        let note = req.note.trim();
        if note.chars().count() > NOTE_LEN_MAX || note.chars().any(char::is_control) {
            return Err(StoreError::InvalidInput {
                field: "note",
                problem: format!("must be at most {NOTE_LEN_MAX} printable characters"),
            });
        }
        let grant_id = GrantId(req.op_id.0);
        self.idempotent(req.op_id, "grant", req, ms(now), |tx| {
            // Checked on first execution only: a retry after the expiry still gets its answer.
            if req.expires_at.is_some_and(|e| e <= now) {
                return Err(StoreError::InvalidInput {
                    field: "expires_at",
                    problem: "is already in the past".to_owned(),
                });
            }
            sweep(tx, now)?;
            insert_grant(
                tx,
                grant_id,
                req.kind,
                req.credits,
                priority,
                now,
                req.expires_at,
                note,
            )?;
            post(
                tx,
                Some(req.op_id),
                EntryKind::Grant,
                grant_id,
                None,
                req.credits,
                ms(now),
            )?;
            debug_check(tx)?;
            grant_record(tx, grant_id, now)
        })
    }

    /// Refunds a generation's charge back to the grants it came from (Orb's "amendment"); a
    /// source grant that has expired meanwhile is replaced by a `refund` grant. At most once per
    /// generation, never more than the charge. Idempotent by `op_id`.
    pub fn refund(&mut self, req: &RefundRequest, now: Timestamp) -> Result<RefundReceipt> {
        self.idempotent(req.op_id, "refund", req, ms(now), |tx| {
            let receipt = refund_in(tx, req, now)?;
            debug_check(tx)?;
            Ok(receipt)
        })
    }

    /// Releases stale holds and expires expired grants, at `now`.
    pub fn sweep(&mut self, now: Timestamp) -> Result<SweepReport> {
        self.write(|tx| {
            let r = sweep(tx, now)?;
            debug_check(tx)?;
            Ok(r)
        })
    }

    /// The account's balances and grants at `now`. Reads one row per grant, whatever the size
    /// of the history. A grant that has expired but was not swept yet shows its available credits
    /// as expired.
    pub fn balance(&self, now: Timestamp) -> Result<AccountBalance> {
        let now_ms = ms(now);
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {GRANT_COLUMNS}, {BALANCE_COLUMNS} FROM grants JOIN grant_balances USING (grant_id)"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((grant_columns(r, 0)?, balance_columns(r, 7)?)))
            .map_err(|e| self.err(e))?;
        let mut grants = Vec::new();
        let mut totals = Balances::default();
        for row in rows {
            let (terms, b) = row.map_err(|e| self.err(e))?;
            let terms = decode_terms(terms)?;
            let mut balances = decode_balances(b)?;
            let live = is_live(terms.expires_at, now_ms);
            if !live {
                balances.expired += balances.available;
                balances.available = 0;
            }
            totals.add(&balances)?;
            grants.push(grant_record_of(terms, live, balances));
        }
        grants.sort_by(|a, b| {
            let slice = |g: &GrantRecord| GrantSlice {
                id: g.terms.grant_id,
                priority: g.terms.priority,
                granted_at: g.terms.granted_at,
                expires_at: g.terms.expires_at,
                available: g.balances.available,
            };
            recoup_core::ledger::burn_order(&slice(a), &slice(b))
        });
        totals.check()?;
        Ok(AccountBalance {
            totals,
            grants,
            as_of: now,
        })
    }

    /// A page of ledger entries, newest first.
    pub fn entries(&self, q: &EntryQuery) -> Result<Vec<LedgerEntry>> {
        if q.limit == 0 || q.limit > ENTRY_PAGE_MAX {
            return Err(StoreError::InvalidInput {
                field: "limit",
                problem: format!("must be between 1 and {ENTRY_PAGE_MAX}"),
            });
        }
        let filter = Filter::new(&format!("SELECT {ENTRY_COLUMNS} FROM ledger_entries"))
            .and("kind = ?", q.kind.map(|k| k.as_str().to_owned()))
            // `ledger_entries_kind_at` leaves holds out (schema 4): for the other kinds, the
            // term that lets SQLite use it. Holds are a third of the ledger: the newest ones are
            // found by walking it backwards.
            .and_fixed(
                "kind <> 'hold'",
                q.kind.is_some_and(|k| k != EntryKind::Hold),
            )
            .and(
                "generation_id = ?",
                q.generation_id.map(|g| g.as_bytes().to_vec()),
            )
            .and("seq < ?", q.before_seq);
        self.select(filter, "seq DESC", q.limit, entry_row, decode_entry)
    }

    /// Credits spent (captures) and refunded per UTC day from `from` up to `to` (exclusive),
    /// oldest first, one row per day that moved (days with no captures or refunds are absent).
    /// Served by the `(kind, at)` index (which leaves holds out: hence the `kind <> 'hold'` the
    /// query spells); for the balance chart and the month's totals.
    pub fn daily_flows(&self, from: Timestamp, to: Timestamp) -> Result<Vec<DailyFlow>> {
        const DAY_MS: i64 = 86_400_000;
        if to < from {
            return Err(StoreError::InvalidInput {
                field: "to",
                problem: "must not be before `from`".to_owned(),
            });
        }
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at / ?3 AS day,
                        SUM(CASE WHEN kind = 'capture' THEN credits ELSE 0 END),
                        SUM(CASE WHEN kind = 'refund' THEN credits ELSE 0 END)
                 FROM ledger_entries
                 WHERE kind IN ('capture', 'refund') AND kind <> 'hold' AND at >= ?1 AND at < ?2
                 GROUP BY day ORDER BY day",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                rusqlite::params![crate::codec::ms(from), crate::codec::ms(to), DAY_MS],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (day, spent, refunded) = row.map_err(|e| self.err(e))?;
            out.push(DailyFlow {
                day_start: crate::codec::ts(day.saturating_mul(DAY_MS))?,
                spent: u64::try_from(spent).map_err(StoreError::decode)?,
                refunded: u64::try_from(refunded).map_err(StoreError::decode)?,
            });
        }
        Ok(out)
    }

    /// Re-derives every grant's totals from the entries and checks them against the projection,
    /// conservation, one settlement per hold, and refund <= charge. O(history): for tests, QA
    /// and `recoup ledger verify`, not for every write.
    pub fn verify(&self) -> Result<Balances> {
        let conn = &self.conn;
        // The file itself first: every page readable and well-formed.
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if check != "ok" {
            return Err(StoreError::Corrupt {
                path: self.path.clone(),
                detail: check,
            });
        }
        let mut derived: std::collections::HashMap<[u8; 16], Balances> =
            std::collections::HashMap::new();
        let mut stmt = conn
            .prepare("SELECT kind, grant_id, credits FROM ledger_entries ORDER BY seq")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, String>(0)?, id_bytes(r, 1)?, r.get::<_, i64>(2)?))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (kind, grant, c) = row.map_err(|e| self.err(e))?;
            let kind: EntryKind = parse(&kind)?;
            kind.apply(derived.entry(grant).or_default(), credits(c)?)?;
        }
        let mut stmt = conn
            .prepare(&format!(
                "SELECT grant_id, {BALANCE_COLUMNS} FROM grant_balances"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((id_bytes(r, 0)?, balance_columns(r, 1)?)))
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (grant, v) = row.map_err(|e| self.err(e))?;
            let stored = decode_balances(v)?;
            let d = derived.remove(&grant).unwrap_or_default();
            if d != stored {
                return Err(InvariantViolation(format!(
                    "grant {}: projection {stored:?} differs from its entries {d:?}",
                    GrantId::from_bytes(grant)
                ))
                .into());
            }
        }
        if let Some(orphan) = derived.keys().next() {
            return Err(InvariantViolation(format!(
                "entries for grant {} which has no balance row",
                GrantId::from_bytes(*orphan)
            ))
            .into());
        }
        let violations: i64 = conn
            .query_row(
                "SELECT
                   (SELECT count(*) FROM generations g WHERE g.status != 'running'
                      AND NOT EXISTS (SELECT 1 FROM hold_settlements s WHERE s.generation_id = g.generation_id))
                 + (SELECT count(*) FROM generations g WHERE g.status = 'running'
                      AND EXISTS (SELECT 1 FROM hold_settlements s WHERE s.generation_id = g.generation_id))
                 + (SELECT count(*) FROM refunds r JOIN generations g USING (generation_id) WHERE r.credits > g.charged)
                 + (SELECT count(*) FROM generations g WHERE g.charged !=
                      (SELECT coalesce(sum(credits), 0) FROM ledger_entries e
                       WHERE e.generation_id = g.generation_id AND e.kind = 'capture'))",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        if violations != 0 {
            return Err(InvariantViolation(format!(
                "{violations} generation(s) with a missing or extra settlement, a refund above the charge, or a charge that differs from its captures"
            ))
            .into());
        }
        check_totals(conn)
    }
}

/// The columns of a ledger entry, in the order [`entry_row`] reads them.
pub(crate) const ENTRY_COLUMNS: &str = "seq, kind, grant_id, generation_id, credits, at, op_id";

type EntryRow = (
    i64,
    String,
    [u8; 16],
    Option<Vec<u8>>,
    i64,
    i64,
    Option<Vec<u8>>,
);

pub(crate) fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        id_bytes(r, 2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

pub(crate) fn decode_entry(row: EntryRow) -> Result<LedgerEntry> {
    let (seq, kind, grant, generation, c, at, op) = row;
    Ok(LedgerEntry {
        seq,
        kind: parse(&kind)?,
        grant_id: GrantId::from_bytes(grant),
        generation_id: generation
            .map(|b| bytes16(&b).map(GenerationId::from_bytes))
            .transpose()?,
        credits: credits(c)?,
        at: ts(at)?,
        op_id: op.map(|b| bytes16(&b).map(OpId::from_bytes)).transpose()?,
    })
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_grant(
    tx: &Transaction<'_>,
    id: GrantId,
    kind: GrantKind,
    amount: u64,
    priority: u32,
    now: Timestamp,
    expires_at: Option<Timestamp>,
    note: &str,
) -> Result<()> {
    tx.execute(
        "INSERT INTO grants (grant_id, kind, credits, priority, granted_at, expires_at, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            id.as_bytes(),
            kind.as_str(),
            sql_credits(amount)?,
            priority,
            ms(now),
            expires_at.map(ms),
            note
        ],
    )?;
    // The grant entry posted next brings `granted` and `available` up to the amount; the row
    // starts at zero so that every credit in the projection comes from an entry.
    tx.execute(
        "INSERT INTO grant_balances (grant_id, granted, available, held, spent, refunded, expired)
         VALUES (?1, 0, 0, 0, 0, 0, 0)",
        [id.as_bytes()],
    )?;
    Ok(())
}

pub(crate) fn grant_record(conn: &Connection, id: GrantId, now: Timestamp) -> Result<GrantRecord> {
    let terms = load_grant_terms(conn, id)?;
    let balances = grant_balances(conn, id)?;
    let live = is_live(terms.expires_at, ms(now));
    Ok(grant_record_of(terms, live, balances))
}

/// Refunds a generation's charge inside a transaction (see [`Store::refund`]).
pub(crate) fn refund_in(
    tx: &Transaction<'_>,
    req: &RefundRequest,
    now: Timestamp,
) -> Result<RefundReceipt> {
    sweep(tx, now)?;
    let g = req.generation_id;
    let exists: Option<i64> = tx
        .query_row(
            "SELECT 1 FROM refunds WHERE generation_id = ?1",
            [g.as_bytes()],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_some() {
        return Err(StoreError::AlreadyRefunded(g));
    }
    let charged_row: Option<i64> = tx
        .query_row(
            "SELECT charged FROM generations WHERE generation_id = ?1",
            [g.as_bytes()],
            |r| r.get(0),
        )
        .optional()?;
    let charged = credits(charged_row.ok_or_else(|| StoreError::NotFound {
        what: "generation",
        id: g.to_string(),
    })?)?;
    if charged == 0 {
        return Err(StoreError::NotCharged(g));
    }
    let captured = allocations_of(tx, g, EntryKind::Capture)?;
    let amount = req.credits.unwrap_or(charged);
    let back = refund_allocation(&captured, amount)?;
    assert!(
        amount <= charged,
        "refund_allocation refuses refunds above the charge"
    );
    let now_ms = ms(now);
    let regrant_id = GrantId(req.op_id.0);
    let mut regrant_credits = 0;
    let mut returned_to = Vec::new();
    for a in back {
        let live: bool = tx.query_row(
            "SELECT expires_at IS NULL OR expires_at > ?2 FROM grants WHERE grant_id = ?1",
            params![a.grant.as_bytes(), now_ms],
            |r| r.get(0),
        )?;
        if live {
            post(
                tx,
                Some(req.op_id),
                EntryKind::Refund,
                a.grant,
                Some(g),
                a.credits,
                now_ms,
            )?;
            returned_to.push(a);
        } else {
            regrant_credits += a.credits;
        }
    }
    let regrant = if regrant_credits > 0 {
        let expires = now
            .checked_add(TimeDelta::seconds(REFUND_REGRANT_TTL_SECS))
            .ok_or_else(|| StoreError::decode("the refund grant's expiry is past the year 9999"))?;
        insert_grant(
            tx,
            regrant_id,
            GrantKind::Refund,
            regrant_credits,
            GrantKind::Refund.default_priority(),
            now,
            Some(expires),
            "refund of credits whose grant had expired",
        )?;
        // A new grant: its credits count as granted, not as refunded, since no spend
        // of this grant is being reversed. The `refunds` row records the whole amount.
        post(
            tx,
            Some(req.op_id),
            EntryKind::Grant,
            regrant_id,
            Some(g),
            regrant_credits,
            now_ms,
        )?;
        returned_to.push(Allocation {
            grant: regrant_id,
            credits: regrant_credits,
        });
        Some(regrant_id)
    } else {
        None
    };
    tx.execute(
            "INSERT INTO refunds (generation_id, claim_id, credits, op_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                g.as_bytes(),
                req.claim_id.as_ref().map(|c| c.as_bytes().to_vec()),
                sql_credits(amount)?,
                req.op_id.as_bytes(),
                now_ms
            ],
        )?;
    Ok(RefundReceipt {
        generation_id: g,
        credits: amount,
        returned_to,
        regrant,
    })
}

/// In debug builds, every write re-checks conservation before committing.
pub(crate) fn debug_check(conn: &Connection) -> Result<()> {
    if cfg!(debug_assertions) {
        check_totals(conn)?;
    }
    Ok(())
}
