//! Replication from the endpoint to the device. The endpoint's store serves its change feed
//! (every row written to the mirrored tables, in commit order, pages ending on transaction
//! boundaries); the device's store applies pages verbatim, in one transaction with the cursor, so
//! both ledgers are the same rows and a page applied twice changes nothing.

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use recoup_core::{ClaimId, GenerationId, GrantId, OpId};

use recoup_api::rows::{Change, ClaimRecord, GenerationRecord, LedgerEntry, RefundRow, Settlement};

use crate::Store;
use crate::claims::load_claim;
use crate::codec::{bytes16, credits, id_bytes, ms, opt_ts, parse, sql_credits, ts};
use crate::error::{Result, StoreError};
use crate::generations::load;
use crate::ledger::{
    ENTRY_COLUMNS, check_totals, decode_entry, entry_row, load_grant_terms, post_replicated,
};

/// Most changes one page holds (a page may run past it to finish a transaction).
pub const CHANGE_PAGE_MAX: u32 = 1_000;

/// A page of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePage {
    /// The changes, oldest first.
    pub changes: Vec<Change>,
    /// Position of the last change in the page (pass it as `after` for the next page).
    pub last_seq: i64,
    /// Whether more changes follow.
    pub has_more: bool,
}

/// What applying a page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    /// Changes that were new here.
    pub applied: u32,
    /// Changes already here (a page applied twice).
    pub skipped: u32,
    /// Claims that received their final decision in this page.
    pub claims_decided: u32,
}

fn load_entry(conn: &Connection, seq: i64) -> Result<LedgerEntry> {
    let row = conn
        .prepare_cached(&format!(
            "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE seq = ?1"
        ))?
        .query_row([seq], entry_row)?;
    decode_entry(row)
}

/// The changing columns of a generation, as written by the change trigger.
#[derive(Deserialize)]
struct GenerationSnapshot {
    status: String,
    failure: Option<String>,
    charged: i64,
    finished_at: Option<i64>,
    output_ref: Option<String>,
}

/// The changing columns of a claim, as written by the change trigger.
#[derive(Deserialize)]
struct ClaimSnapshot {
    outcome: Option<String>,
    outcome_code: Option<String>,
    refunded_credits: Option<i64>,
    decided_at: Option<i64>,
}

fn snapshot_of(text: Option<&str>) -> Result<serde_json::Value> {
    serde_json::from_str(text.ok_or_else(|| StoreError::decode("change without its snapshot"))?)
        .map_err(StoreError::decode)
}

/// A generation as its change in the feed recorded it: its current record with the changing
/// columns of the change trigger's `snapshot` (a generation that changed twice appears twice,
/// each time as it was then). The claim summary is left out: it is the device's own business.
/// Every engine serves its feed's generations through this.
pub fn generation_as_changed(
    mut g: GenerationRecord,
    snapshot: serde_json::Value,
) -> Result<GenerationRecord> {
    let snap: GenerationSnapshot = serde_json::from_value(snapshot).map_err(StoreError::decode)?;
    g.status = parse(&snap.status)?;
    g.failure = snap.failure;
    g.charged = credits(snap.charged)?;
    g.finished_at = opt_ts(snap.finished_at)?;
    g.output_ref = snap.output_ref;
    g.claim = None;
    Ok(g)
}

/// A claim as its change in the feed recorded it (see [`generation_as_changed`]).
pub fn claim_as_changed(mut c: ClaimRecord, snapshot: serde_json::Value) -> Result<ClaimRecord> {
    let snap: ClaimSnapshot = serde_json::from_value(snapshot).map_err(StoreError::decode)?;
    c.outcome = snap.outcome.as_deref().map(parse).transpose()?;
    c.outcome_code = snap.outcome_code;
    c.refunded_credits = snap.refunded_credits.map(credits).transpose()?;
    c.decided_at = opt_ts(snap.decided_at)?;
    Ok(c)
}

fn key16(key: Option<Vec<u8>>) -> Result<[u8; 16]> {
    bytes16(&key.ok_or_else(|| StoreError::decode("change without a key"))?)
}

impl Store {
    /// The change feed after position `after` (0 for the beginning), at most `limit` changes,
    /// extended to the end of the last transaction so that a page never splits one.
    pub fn changes(&self, after: i64, limit: u32) -> Result<ChangePage> {
        if limit == 0 || limit > CHANGE_PAGE_MAX {
            return Err(StoreError::InvalidInput {
                field: "limit",
                problem: format!("must be between 1 and {CHANGE_PAGE_MAX}"),
            });
        }
        let conn = &self.conn;
        let read = || -> Result<ChangePage> {
            type Row = (
                i64,
                i64,
                String,
                Option<Vec<u8>>,
                Option<i64>,
                Option<String>,
            );
            let map = |r: &rusqlite::Row<'_>| -> rusqlite::Result<Row> {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            };
            let mut rows: Vec<Row> = conn
                .prepare_cached("SELECT seq, tx, kind, key, entry_seq, snapshot FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2")?
                .query_map(params![after, i64::from(limit)], map)?
                .collect::<rusqlite::Result<_>>()?;
            if let Some(&(last, tx, ..)) = rows.last() {
                let rest: Vec<Row> = conn
                    .prepare_cached("SELECT seq, tx, kind, key, entry_seq, snapshot FROM changes WHERE seq > ?1 AND tx = ?2 ORDER BY seq")?
                    .query_map(params![last, tx], map)?
                    .collect::<rusqlite::Result<_>>()?;
                rows.extend(rest);
            }
            let last_seq = rows.last().map_or(after, |r| r.0);
            let has_more: bool = conn
                .prepare_cached("SELECT EXISTS (SELECT 1 FROM changes WHERE seq > ?1)")?
                .query_row([last_seq], |r| r.get(0))?;
            let mut changes = Vec::with_capacity(rows.len());
            for (_, _, kind, key, entry_seq, snapshot) in rows {
                changes.push(match kind.as_str() {
                    "grant" => Change::Grant(load_grant_terms(
                        conn,
                        GrantId::from_bytes(key16(key)?),
                    )?),
                    "entry" => Change::Entry(load_entry(
                        conn,
                        entry_seq.ok_or_else(|| StoreError::decode("entry change without seq"))?,
                    )?),
                    "generation" => {
                        let g = load(conn, GenerationId::from_bytes(key16(key)?))?;
                        Change::Generation(generation_as_changed(g, snapshot_of(snapshot.as_deref())?)?)
                    }
                    "settlement" => {
                        let id = key16(key)?;
                        let (outcome, op, at): (String, Option<Vec<u8>>, i64) = conn
                            .prepare_cached("SELECT outcome, op_id, at FROM hold_settlements WHERE generation_id = ?1")?
                            .query_row([&id[..]], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
                        Change::Settlement(Settlement {
                            generation_id: GenerationId::from_bytes(id),
                            outcome,
                            op_id: op.map(|b| bytes16(&b).map(OpId::from_bytes)).transpose()?,
                            at: ts(at)?,
                        })
                    }
                    "refund" => {
                        let id = key16(key)?;
                        let (claim, c, op, at): (Option<Vec<u8>>, i64, [u8; 16], i64) = conn
                            .prepare_cached("SELECT claim_id, credits, op_id, at FROM refunds WHERE generation_id = ?1")?
                            .query_row([&id[..]], |r| Ok((r.get(0)?, r.get(1)?, id_bytes(r, 2)?, r.get(3)?)))?;
                        Change::Refund(RefundRow {
                            generation_id: GenerationId::from_bytes(id),
                            claim_id: claim.map(|b| bytes16(&b).map(ClaimId::from_bytes)).transpose()?,
                            credits: credits(c)?,
                            op_id: OpId::from_bytes(op),
                            at: ts(at)?,
                        })
                    }
                    "claim" => {
                        let id = ClaimId::from_bytes(key16(key)?);
                        let c = load_claim(conn, id)?
                            .ok_or_else(|| StoreError::decode("claim change without claim"))?;
                        Change::Claim(claim_as_changed(c, snapshot_of(snapshot.as_deref())?)?)
                    }
                    other => return Err(StoreError::decode(format!("unknown change kind {other}"))),
                });
            }
            Ok(ChangePage {
                changes,
                last_seq,
                has_more,
            })
        };
        // One read transaction, so every row read belongs to the same state of the database.
        let tx = self.conn.unchecked_transaction().map_err(|e| self.err(e))?;
        let page = read().map_err(|e| self.err_store(e))?;
        tx.finish().map_err(|e| self.err(e))?;
        Ok(page)
    }

    /// Applies a page of the endpoint's change feed and stores `cursor` with it, in one
    /// transaction: after a crash either the whole page and its cursor are here or neither is.
    /// Applying a page twice changes nothing.
    pub fn apply_changes(&mut self, page: &ChangePage, cursor: &str) -> Result<ApplyReport> {
        self.write(|tx| {
            let mut report = ApplyReport::default();
            // A row that changed several times within the page is written once, at its first
            // position (so rows that refer to it find it) and in its last state (the page is one
            // transaction, so only the state at its end is ever visible).
            let mut last: std::collections::HashMap<[u8; 16], usize> =
                std::collections::HashMap::new();
            for (i, change) in page.changes.iter().enumerate() {
                if let Some(k) = mutable_key(change) {
                    last.insert(k, i);
                }
            }
            let mut first_result: std::collections::HashMap<[u8; 16], bool> =
                std::collections::HashMap::new();
            for change in &page.changes {
                let new = match mutable_key(change) {
                    Some(k) => match first_result.get(&k) {
                        Some(r) => *r,
                        None => {
                            let latest = last
                                .get(&k)
                                .and_then(|i| page.changes.get(*i))
                                .unwrap_or(change);
                            let r = apply_one(tx, latest, &mut report)?;
                            first_result.insert(k, r);
                            r
                        }
                    },
                    None => apply_one(tx, change, &mut report)?,
                };
                if new {
                    report.applied += 1;
                } else {
                    report.skipped += 1;
                }
            }
            set_meta(tx, "sync.cursor", cursor)?;
            check_totals(tx)?;
            check_generations(tx, &page.changes)?;
            Ok(report)
        })
    }

    /// A named value kept with the data (sync cursor, clock offset, linked endpoint).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .and_then(|mut s| s.query_row([key], |r| r.get(0)).optional())
            .map_err(|e| self.err(e))
    }

    /// Sets a named value.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.write(|tx| set_meta(tx, key, value))
    }

    /// Whether the ledger has any entry (a database linked to an endpoint must start empty).
    pub fn has_ledger_entries(&self) -> Result<bool> {
        self.conn
            .query_row("SELECT EXISTS (SELECT 1 FROM ledger_entries)", [], |r| {
                r.get(0)
            })
            .map_err(|e| self.err(e))
    }
}

/// Checks, for every generation the page touched, what [`Store::verify`] checks of all of them:
/// settled exactly when it is no longer running, refunded at most its charge, charged what its
/// captures add up to. Pages end on the endpoint's transaction boundaries, so a page from a sound
/// feed always passes; a page that fails (a damaged or forged feed) is refused whole, instead of
/// leaving the device with a ledger that no longer verifies. Only the touched generations, so
/// the cost follows the page, not the history.
fn check_generations(tx: &Transaction<'_>, changes: &[Change]) -> Result<()> {
    let touched: std::collections::BTreeSet<[u8; 16]> = changes
        .iter()
        .filter_map(|change| match change {
            Change::Generation(g) => Some(g.generation_id),
            Change::Settlement(s) => Some(s.generation_id),
            Change::Refund(r) => Some(r.generation_id),
            Change::Entry(e) => e.generation_id,
            Change::Grant(_) | Change::Claim(_) => None,
        })
        .map(|id| *id.as_bytes())
        .collect();
    let mut stmt = tx.prepare_cached(
        "SELECT
           (SELECT count(*) FROM generations g WHERE g.generation_id = ?1
              AND (g.status != 'running') != EXISTS (SELECT 1 FROM hold_settlements s WHERE s.generation_id = ?1))
         + (SELECT count(*) FROM refunds r JOIN generations g USING (generation_id)
              WHERE r.generation_id = ?1 AND r.credits > g.charged)
         + (SELECT count(*) FROM generations g WHERE g.generation_id = ?1 AND g.charged !=
              (SELECT coalesce(sum(credits), 0) FROM ledger_entries e
               WHERE e.generation_id = ?1 AND e.kind = 'capture'))",
    )?;
    for id in touched {
        let violations: i64 = stmt.query_row([&id[..]], |r| r.get(0))?;
        if violations != 0 {
            return Err(recoup_core::InvariantViolation(format!(
                "the page leaves generation {} with a missing or extra settlement, a refund above \
                 the charge, or a charge that differs from its captures; it was refused",
                GenerationId::from_bytes(id)
            ))
            .into());
        }
    }
    Ok(())
}

/// The key of a change whose row can change again later in the feed.
fn mutable_key(change: &Change) -> Option<[u8; 16]> {
    match change {
        Change::Generation(g) => Some(*g.generation_id.as_bytes()),
        Change::Claim(c) => Some(*c.claim_id.as_bytes()),
        _ => None,
    }
}

pub(crate) fn set_meta(tx: &Transaction<'_>, key: &str, value: &str) -> Result<()> {
    tx.prepare_cached("INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, value])?;
    Ok(())
}

fn apply_one(tx: &Transaction<'_>, change: &Change, report: &mut ApplyReport) -> Result<bool> {
    Ok(match change {
        Change::Grant(g) => {
            let inserted = tx.prepare_cached(
                "INSERT OR IGNORE INTO grants (grant_id, kind, credits, priority, granted_at, expires_at, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                g.grant_id.as_bytes(),
                g.kind.as_str(),
                sql_credits(g.credits)?,
                g.priority,
                ms(g.granted_at),
                g.expires_at.map(ms),
                g.note
            ])?;
            if inserted == 1 {
                tx.prepare_cached(
                    "INSERT INTO grant_balances (grant_id, granted, available, held, spent, refunded, expired)
                     VALUES (?1, 0, 0, 0, 0, 0, 0)",
                )?
                .execute([g.grant_id.as_bytes()])?;
            }
            inserted == 1
        }
        Change::Entry(e) => post_replicated(tx, e)?,
        Change::Generation(g) => {
            tx.prepare_cached(
                "INSERT INTO generations (generation_id, feature, platform, surface, media_kind, status, failure,
                     cost, charged, price_version, started_at, finished_at, hold_expires_at, output_ref)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                 ON CONFLICT (generation_id) DO UPDATE SET status = excluded.status, failure = excluded.failure,
                     charged = excluded.charged, finished_at = excluded.finished_at, output_ref = excluded.output_ref
                 WHERE (status, failure, charged, finished_at, output_ref)
                     IS NOT (excluded.status, excluded.failure, excluded.charged, excluded.finished_at, excluded.output_ref)",
            )?
            .execute(params![
                g.generation_id.as_bytes(),
                g.feature.as_str(),
                g.platform.as_str(),
                g.surface.as_str(),
                g.media_kind.as_str(),
                g.status.as_str(),
                g.failure,
                sql_credits(g.cost)?,
                sql_credits(g.charged)?,
                g.price_version,
                ms(g.started_at),
                g.finished_at.map(ms),
                ms(g.hold_expires_at),
                g.output_ref
            ])? == 1
        }
        Change::Settlement(s) => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO hold_settlements (generation_id, outcome, op_id, at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![
                s.generation_id.as_bytes(),
                s.outcome,
                s.op_id.as_ref().map(|o| o.as_bytes().to_vec()),
                ms(s.at)
            ])? == 1
        }
        Change::Refund(r) => {
            tx.prepare_cached(
                "INSERT OR IGNORE INTO refunds (generation_id, claim_id, credits, op_id, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                r.generation_id.as_bytes(),
                r.claim_id.as_ref().map(|c| c.as_bytes().to_vec()),
                sql_credits(r.credits)?,
                r.op_id.as_bytes(),
                ms(r.at)
            ])? == 1
        }
        Change::Claim(c) => {
            let local = load_claim(tx, c.claim_id)?;
            let decided = c.outcome.is_some_and(|o| o.is_final());
            match local {
                Some(mine) => {
                    if decided && mine.outcome != c.outcome {
                        report.claims_decided += 1;
                    }
                    tx.prepare_cached(
                        "UPDATE claims SET outcome = ?2, outcome_code = ?3, refunded_credits = ?4, decided_at = ?5,
                             sync_state = 'acknowledged' WHERE claim_id = ?1",
                    )?
                    .execute(params![
                        c.claim_id.as_bytes(),
                        c.outcome.map(|o| o.as_str()),
                        c.outcome_code,
                        c.refunded_credits.map(sql_credits).transpose()?,
                        c.decided_at.map(ms)
                    ])?;
                    tx.prepare_cached("UPDATE outbox SET state = 'done' WHERE item_id = ?1 AND state != 'done'")?
                        .execute([c.claim_id.as_bytes()])?;
                    mine.outcome != c.outcome
                }
                None => {
                    // A report made on another device of the same account.
                    if decided {
                        report.claims_decided += 1;
                    }
                    tx.prepare_cached(
                        "INSERT INTO claims (claim_id, generation_id, reason, details, submitted_at, local_eligible,
                             local_decision, policy_version, sync_state, outcome, outcome_code, refunded_credits, decided_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'acknowledged', ?9, ?10, ?11, ?12)",
                    )?
                    .execute(params![
                        c.claim_id.as_bytes(),
                        c.generation_id.as_bytes(),
                        c.reason.as_str(),
                        c.details,
                        ms(c.submitted_at),
                        c.local_decision.eligible,
                        serde_json::to_string(&c.local_decision).map_err(StoreError::decode)?,
                        c.local_decision.policy_version,
                        c.outcome.map(|o| o.as_str()),
                        c.outcome_code,
                        c.refunded_credits.map(sql_credits).transpose()?,
                        c.decided_at.map(ms)
                    ])?;
                    tx.prepare_cached("UPDATE generations SET claimed = 1 WHERE generation_id = ?1")?
                        .execute([c.generation_id.as_bytes()])?;
                    true
                }
            }
        }
    })
}
