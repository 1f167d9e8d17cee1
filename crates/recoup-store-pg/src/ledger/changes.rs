//! The change feed an account's devices pull: every row written to the tables a device
//! mirrors, in commit order, pages ending on transaction boundaries. The same rows, numbers and
//! snapshots as the SQLite store's feed (recoup-store's `replica.rs`), so a device cannot tell
//! the engines apart and its cursor stays opaque.

use deadpool_postgres::Transaction;
use tokio_postgres::types::Json;
use uuid::Uuid;

use recoup_core::{ClaimId, GenerationId, GrantId, OpId};
use recoup_store::{
    CHANGE_PAGE_MAX, Change, ChangePage, RefundRow, Settlement, StoreError, claim_as_changed,
    generation_as_changed,
};

use super::claims::load_claim;
use super::codec::{credits, ts};
use super::generations::load;
use super::grants::{ENTRY_COLUMNS, entry_at, load_grant_terms};
use super::{LedgerFailure, Outcome, PgLedger, decode, query, query_one};

fn snapshot_of(v: Option<Json<serde_json::Value>>) -> Outcome<serde_json::Value> {
    let Json(v) = v.ok_or_else(|| decode("change without its snapshot"))?;
    Ok(v)
}

fn key_of(key: Option<Uuid>) -> Outcome<Uuid> {
    key.ok_or_else(|| decode("change without a key"))
}

/// The change rows of one page, each made into the row the device applies.
async fn page(tx: &Transaction<'_>, account: Uuid, after: i64, limit: u32) -> Outcome<ChangePage> {
    let mut rows = query(
        tx,
        "SELECT seq, tx, kind, key, entry_seq, snapshot FROM changes
         WHERE account_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
        &[&account, &after, &i64::from(limit)],
    )
    .await?;
    // A page ends on a transaction boundary: the rest of the last row's transaction comes too.
    if let Some(last) = rows.last() {
        let (last_seq, last_tx): (i64, i64) = (last.try_get(0)?, last.try_get(1)?);
        let rest = query(
            tx,
            "SELECT seq, tx, kind, key, entry_seq, snapshot FROM changes
             WHERE account_id = $1 AND seq > $2 AND tx = $3 ORDER BY seq",
            &[&account, &last_seq, &last_tx],
        )
        .await?;
        rows.extend(rest);
    }
    let last_seq = match rows.last() {
        Some(r) => r.try_get(0)?,
        None => after,
    };
    let has_more: bool = query_one(
        tx,
        "SELECT EXISTS (SELECT 1 FROM changes WHERE account_id = $1 AND seq > $2)",
        &[&account, &last_seq],
    )
    .await?
    .try_get(0)?;
    let mut changes = Vec::with_capacity(rows.len());
    for row in rows {
        let kind: String = row.try_get(2)?;
        let key: Option<Uuid> = row.try_get(3)?;
        let entry_seq: Option<i64> = row.try_get(4)?;
        let snapshot: Option<Json<serde_json::Value>> = row.try_get(5)?;
        changes.push(match kind.as_str() {
            "grant" => Change::Grant(load_grant_terms(tx, account, GrantId(key_of(key)?)).await?),
            "entry" => {
                let seq = entry_seq.ok_or_else(|| decode("entry change without seq"))?;
                let row = query_one(
                    tx,
                    &format!(
                        "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE account_id = $1 AND seq = $2"
                    ),
                    &[&account, &seq],
                )
                .await?;
                Change::Entry(entry_at(&row)?)
            }
            "generation" => {
                let g = load(tx, account, GenerationId(key_of(key)?)).await?;
                Change::Generation(generation_as_changed(g, snapshot_of(snapshot)?)?)
            }
            "settlement" => {
                let id = key_of(key)?;
                let r = query_one(
                    tx,
                    "SELECT outcome, op_id, at FROM hold_settlements
                     WHERE account_id = $1 AND generation_id = $2",
                    &[&account, &id],
                )
                .await?;
                Change::Settlement(Settlement {
                    generation_id: GenerationId(id),
                    outcome: r.try_get(0)?,
                    op_id: r.try_get::<_, Option<Uuid>>(1)?.map(OpId),
                    at: ts(r.try_get(2)?)?,
                })
            }
            "refund" => {
                let id = key_of(key)?;
                let r = query_one(
                    tx,
                    "SELECT claim_id, credits, op_id, at FROM refunds
                     WHERE account_id = $1 AND generation_id = $2",
                    &[&account, &id],
                )
                .await?;
                Change::Refund(RefundRow {
                    generation_id: GenerationId(id),
                    claim_id: r.try_get::<_, Option<Uuid>>(0)?.map(ClaimId),
                    credits: credits(r.try_get(1)?)?,
                    op_id: OpId(r.try_get(2)?),
                    at: ts(r.try_get(3)?)?,
                })
            }
            "claim" => {
                let c = load_claim(tx, account, ClaimId(key_of(key)?))
                    .await?
                    .ok_or_else(|| decode("claim change without claim"))?;
                Change::Claim(claim_as_changed(c, snapshot_of(snapshot)?)?)
            }
            other => return Err(decode(format!("unknown change kind {other}"))),
        });
    }
    Ok(ChangePage {
        changes,
        last_seq,
        has_more,
    })
}

impl PgLedger {
    /// A page of the account's change feed after position `after`, at most `limit` rows
    /// (1..=[`CHANGE_PAGE_MAX`]) plus the rest of the last row's transaction, read in one
    /// snapshot.
    pub async fn changes(&self, account: Uuid, after: i64, limit: u32) -> Outcome<ChangePage> {
        if limit == 0 || limit > CHANGE_PAGE_MAX {
            return Err(LedgerFailure::Refused(StoreError::InvalidInput {
                field: "limit",
                problem: format!("must be between 1 and {CHANGE_PAGE_MAX}"),
            }));
        }
        self.read(async |tx| page(tx, account, after, limit).await)
            .await
    }
}
