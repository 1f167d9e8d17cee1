//! Grants, the append-only entries and the per-grant projection, holds and their settlement,
//! the sweep, refunds, balances and `verify`: recoup-store's `ledger.rs`, on PostgreSQL.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Transaction;
use recoup_core::{TimeDelta, Timestamp};
use uuid::Uuid;

use recoup_core::ledger::{GRANT_CREDITS_MAX, PRIORITY_MAX, allocate, refund_allocation};
use recoup_core::{
    Allocation, Balances, EntryKind, GenerationId, GrantId, GrantKind, GrantSlice,
    InvariantViolation, OpId,
};
use recoup_store::{
    AccountBalance, GrantRecord, GrantRequest, GrantTerms, LedgerEntry, REFUND_REGRANT_TTL_SECS,
    RefundReceipt, RefundRequest, StoreError, SweepReport,
};

use super::codec::{credits, ms, opt_ts, parse, sql_credits, ts};
use super::writes::Write;
use super::{LedgerFailure, Outcome, PgLedger, execute, query, query_one, query_opt};

/// Longest grant note, in characters (recoup-store's `NOTE_LEN_MAX`).
const NOTE_LEN_MAX: usize = 200;

/// The six columns of a `grant_balances` row, in the order [`balances_at`] reads them.
const BALANCE_COLUMNS: &str = "granted, available, held, spent, refunded, expired";

/// The columns of a `grants` row, in the order [`terms_at`] reads them.
const GRANT_COLUMNS: &str = "grant_id, kind, credits, priority, granted_at, expires_at, note";

/// The [`BALANCE_COLUMNS`] of a row, from column `first`.
fn balances_at(r: &tokio_postgres::Row, first: usize) -> Outcome<Balances> {
    let c = |i: usize| -> Outcome<u64> { credits(r.try_get(first + i)?) };
    Ok(Balances {
        granted: c(0)?,
        available: c(1)?,
        held: c(2)?,
        spent: c(3)?,
        refunded: c(4)?,
        expired: c(5)?,
    })
}

/// The [`GRANT_COLUMNS`] of a row, from column `first`.
fn terms_at(r: &tokio_postgres::Row, first: usize) -> Outcome<GrantTerms> {
    let priority: i32 = r.try_get(first + 3)?;
    Ok(GrantTerms {
        grant_id: GrantId(r.try_get(first)?),
        kind: parse(&r.try_get::<_, String>(first + 1)?)?,
        credits: credits(r.try_get(first + 2)?)?,
        priority: u32::try_from(priority).map_err(super::decode)?,
        granted_at: ts(r.try_get(first + 4)?)?,
        expires_at: opt_ts(r.try_get(first + 5)?)?,
        note: r.try_get(first + 6)?,
    })
}

/// Appends an entry and moves its grant's projection in the same transaction. (The arguments
/// are the entry's columns, as in the SQLite store's `post`.)
#[allow(clippy::too_many_arguments)]
pub(crate) async fn post(
    tx: &Transaction<'_>,
    account: Uuid,
    op_id: Option<OpId>,
    kind: EntryKind,
    grant: GrantId,
    generation: Option<GenerationId>,
    amount: u64,
    at_ms: i64,
) -> Outcome<()> {
    let mut b = grant_balances(tx, account, grant).await?;
    kind.apply(&mut b, amount)?;
    b.check()?;
    Write::post(account, op_id, kind, grant, generation, amount, at_ms, &b)?
        .run(tx)
        .await?;
    Ok(())
}

async fn grant_balances(tx: &Transaction<'_>, account: Uuid, grant: GrantId) -> Outcome<Balances> {
    let row = query_opt(
        tx,
        &format!(
            "SELECT {BALANCE_COLUMNS} FROM grant_balances WHERE account_id = $1 AND grant_id = $2"
        ),
        &[&account, &grant.0],
    )
    .await?
    .ok_or_else(|| {
        LedgerFailure::Refused(StoreError::NotFound {
            what: "grant",
            id: grant.to_string(),
        })
    })?;
    balances_at(&row, 0)
}

/// A grant's terms (callers name grants that exist).
pub(crate) async fn load_grant_terms(
    tx: &Transaction<'_>,
    account: Uuid,
    id: GrantId,
) -> Outcome<GrantTerms> {
    let row = query_one(
        tx,
        &format!("SELECT {GRANT_COLUMNS} FROM grants WHERE account_id = $1 AND grant_id = $2"),
        &[&account, &id.0],
    )
    .await?;
    terms_at(&row, 0)
}

/// Whether a grant expiring at `expires_at` can still be spent at `now_ms`.
fn is_live(expires_at: Option<Timestamp>, now_ms: i64) -> bool {
    expires_at.is_none_or(|e| ms(e) > now_ms)
}

/// Live grants with credits available at `now`, for burn-down.
async fn spendable(tx: &Transaction<'_>, account: Uuid, now_ms: i64) -> Outcome<Vec<GrantSlice>> {
    let rows = query(
        tx,
        "SELECT g.grant_id, g.priority, g.granted_at, g.expires_at, b.available
         FROM grants g JOIN grant_balances b USING (account_id, grant_id)
         WHERE g.account_id = $1 AND b.available > 0 AND (g.expires_at IS NULL OR g.expires_at > $2)",
        &[&account, &now_ms],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let priority: i32 = r.try_get(1)?;
            Ok(GrantSlice {
                id: GrantId(r.try_get(0)?),
                priority: u32::try_from(priority).map_err(super::decode)?,
                granted_at: ts(r.try_get(2)?)?,
                expires_at: opt_ts(r.try_get(3)?)?,
                available: credits(r.try_get(4)?)?,
            })
        })
        .collect()
}

/// The allocations of a generation's entries of one kind, in posting order.
pub(crate) async fn allocations_of(
    tx: &Transaction<'_>,
    account: Uuid,
    generation: GenerationId,
    kind: EntryKind,
) -> Outcome<Vec<Allocation>> {
    let rows = query(
        tx,
        "SELECT grant_id, credits FROM ledger_entries
         WHERE account_id = $1 AND generation_id = $2 AND kind = $3 ORDER BY seq",
        &[&account, &generation.0, &kind.as_str()],
    )
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Allocation {
                grant: GrantId(r.try_get(0)?),
                credits: credits(r.try_get(1)?)?,
            })
        })
        .collect()
}

/// Places a hold of `amount` over the live grants.
pub(crate) async fn hold(
    tx: &Transaction<'_>,
    account: Uuid,
    op_id: OpId,
    generation: GenerationId,
    amount: u64,
    now: Timestamp,
) -> Outcome<Vec<Allocation>> {
    let grants = spendable(tx, account, ms(now)).await?;
    let allocations = allocate(&grants, amount, now)?;
    for a in &allocations {
        post(
            tx,
            account,
            Some(op_id),
            EntryKind::Hold,
            a.grant,
            Some(generation),
            a.credits,
            ms(now),
        )
        .await?;
    }
    Ok(allocations)
}

/// Settles a generation's hold exactly once: captured, voided or expired. Answers the credits
/// it settled.
pub(crate) async fn settle(
    tx: &Transaction<'_>,
    account: Uuid,
    op_id: Option<OpId>,
    generation: GenerationId,
    kind: EntryKind,
    at_ms: i64,
) -> Outcome<u64> {
    let outcome = match kind {
        EntryKind::Capture => "captured",
        EntryKind::Void => "voided",
        EntryKind::HoldExpired => "expired",
        other => {
            return Err(InvariantViolation(format!("{other} does not settle a hold")).into());
        }
    };
    if let Some(row) = query_opt(
        tx,
        "SELECT outcome FROM hold_settlements WHERE account_id = $1 AND generation_id = $2",
        &[&account, &generation.0],
    )
    .await?
    {
        return Err(LedgerFailure::Refused(StoreError::AlreadySettled {
            generation,
            outcome: row.try_get(0)?,
        }));
    }
    execute(
        tx,
        "INSERT INTO hold_settlements (account_id, generation_id, outcome, op_id, at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &account,
            &generation.0,
            &outcome,
            &op_id.map(|o| o.0),
            &at_ms,
        ],
    )
    .await?;
    let mut total = 0;
    for a in allocations_of(tx, account, generation, EntryKind::Hold).await? {
        post(
            tx,
            account,
            op_id,
            kind,
            a.grant,
            Some(generation),
            a.credits,
            at_ms,
        )
        .await?;
        total += a.credits;
    }
    Ok(total)
}

/// Releases stale holds and expires what expired grants still hold available. Running it twice
/// at the same instant does nothing the second time.
pub(crate) async fn sweep(
    tx: &Transaction<'_>,
    account: Uuid,
    now: Timestamp,
) -> Outcome<SweepReport> {
    let now_ms = ms(now);
    let mut report = SweepReport::default();
    let stale = query(
        tx,
        "SELECT generation_id FROM generations
         WHERE account_id = $1 AND status = 'running' AND hold_expires_at <= $2",
        &[&account, &now_ms],
    )
    .await?;
    for row in stale {
        let generation = GenerationId(row.try_get(0)?);
        let released = settle(
            tx,
            account,
            None,
            generation,
            EntryKind::HoldExpired,
            now_ms,
        )
        .await?;
        execute(
            tx,
            "UPDATE generations SET status = 'failed', failure = 'hold_expired', finished_at = $3
             WHERE account_id = $1 AND generation_id = $2",
            &[&account, &generation.0, &now_ms],
        )
        .await?;
        report.holds_expired += 1;
        report.hold_credits_released += released;
    }
    let expiring = query(
        tx,
        "SELECT g.grant_id, b.available FROM grants g JOIN grant_balances b USING (account_id, grant_id)
         WHERE g.account_id = $1 AND g.expires_at IS NOT NULL AND g.expires_at <= $2 AND b.available > 0",
        &[&account, &now_ms],
    )
    .await?;
    for row in expiring {
        let amount = credits(row.try_get(1)?)?;
        post(
            tx,
            account,
            None,
            EntryKind::Expire,
            GrantId(row.try_get(0)?),
            None,
            amount,
            now_ms,
        )
        .await?;
        report.credits_expired += amount;
    }
    Ok(report)
}

/// Checks that the account's totals still conserve credits (one row per grant).
pub(crate) async fn check_totals(tx: &Transaction<'_>, account: Uuid) -> Outcome<Balances> {
    let rows = query(
        tx,
        &format!("SELECT {BALANCE_COLUMNS} FROM grant_balances WHERE account_id = $1"),
        &[&account],
    )
    .await?;
    let mut total = Balances::default();
    for row in &rows {
        let b = balances_at(row, 0)?;
        b.check()?;
        total.add(&b)?;
    }
    total.check()?;
    Ok(total)
}

/// In debug builds, every write re-checks conservation before committing (as the SQLite store).
pub(crate) async fn debug_check(tx: &Transaction<'_>, account: Uuid) -> Outcome<()> {
    if cfg!(debug_assertions) {
        check_totals(tx, account).await?;
    }
    Ok(())
}

/// Inserts a grant with a zero projection (the grant entry posted next brings it up).
#[allow(clippy::too_many_arguments)]
async fn insert_grant(
    tx: &Transaction<'_>,
    account: Uuid,
    id: GrantId,
    kind: GrantKind,
    amount: u64,
    priority: u32,
    now: Timestamp,
    expires_at: Option<Timestamp>,
    note: &str,
) -> Outcome<()> {
    let priority = i32::try_from(priority).map_err(super::decode)?;
    execute(
        tx,
        "INSERT INTO grants (account_id, grant_id, kind, credits, priority, granted_at, expires_at, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &account,
            &id.0,
            &kind.as_str(),
            &sql_credits(amount)?,
            &priority,
            &ms(now),
            &expires_at.map(ms),
            &note,
        ],
    )
    .await?;
    execute(
        tx,
        "INSERT INTO grant_balances (account_id, grant_id, granted, available, held, spent, refunded, expired)
         VALUES ($1, $2, 0, 0, 0, 0, 0, 0)",
        &[&account, &id.0],
    )
    .await?;
    Ok(())
}

async fn grant_record(
    tx: &Transaction<'_>,
    account: Uuid,
    id: GrantId,
    now: Timestamp,
) -> Outcome<GrantRecord> {
    let terms = load_grant_terms(tx, account, id).await?;
    let balances = grant_balances(tx, account, id).await?;
    let live = is_live(terms.expires_at, ms(now));
    Ok(GrantRecord {
        terms,
        live,
        balances,
    })
}

/// The capture allocations of the account's generations among `ids`, in posting order, each
/// with whether its grant is live at `now_ms`.
pub(crate) async fn captures_of(
    tx: &Transaction<'_>,
    account: Uuid,
    ids: &[Uuid],
    now_ms: i64,
) -> Outcome<HashMap<GenerationId, Vec<(Allocation, bool)>>> {
    let rows = query(
        tx,
        "SELECT e.generation_id, e.grant_id, e.credits,
                gr.expires_at IS NULL OR gr.expires_at > $3
         FROM ledger_entries e JOIN grants gr USING (account_id, grant_id)
         WHERE e.account_id = $1 AND e.generation_id = ANY($2) AND e.kind = 'capture'
         ORDER BY e.seq",
        &[&account, &ids, &now_ms],
    )
    .await?;
    let mut out: HashMap<GenerationId, Vec<(Allocation, bool)>> = HashMap::new();
    for r in &rows {
        out.entry(GenerationId(r.try_get(0)?)).or_default().push((
            Allocation {
                grant: GrantId(r.try_get(1)?),
                credits: credits(r.try_get(2)?)?,
            },
            r.try_get(3)?,
        ));
    }
    Ok(out)
}

/// The projections of the grants the captures of the account's generations among `ids` drew
/// on.
pub(crate) async fn balances_for_captures(
    tx: &Transaction<'_>,
    account: Uuid,
    ids: &[Uuid],
) -> Outcome<HashMap<GrantId, Balances>> {
    let rows = query(
        tx,
        &format!(
            "SELECT grant_id, {BALANCE_COLUMNS} FROM grant_balances
             WHERE account_id = $1 AND grant_id IN (
                 SELECT grant_id FROM ledger_entries
                 WHERE account_id = $1 AND generation_id = ANY($2) AND kind = 'capture')"
        ),
        &[&account, &ids],
    )
    .await?;
    rows.iter()
        .map(|r| Ok((GrantId(r.try_get(0)?), balances_at(r, 1)?)))
        .collect()
}

/// The account's generations among `ids` that were refunded.
pub(crate) async fn refunded_among(
    tx: &Transaction<'_>,
    account: Uuid,
    ids: &[Uuid],
) -> Outcome<HashSet<GenerationId>> {
    query(
        tx,
        "SELECT generation_id FROM refunds WHERE account_id = $1 AND generation_id = ANY($2)",
        &[&account, &ids],
    )
    .await?
    .iter()
    .map(|r| Ok(GenerationId(r.try_get(0)?)))
    .collect()
}

/// Whether [`sweep`] at `now_ms` would do anything: the conditions of its two queries.
pub(crate) async fn sweep_due(tx: &Transaction<'_>, account: Uuid, now_ms: i64) -> Outcome<bool> {
    Ok(query_one(
        tx,
        "SELECT EXISTS (SELECT 1 FROM generations
                        WHERE account_id = $1 AND status = 'running' AND hold_expires_at <= $2)
             OR EXISTS (SELECT 1 FROM grants g JOIN grant_balances b USING (account_id, grant_id)
                        WHERE g.account_id = $1 AND g.expires_at IS NOT NULL
                          AND g.expires_at <= $2 AND b.available > 0)",
        &[&account, &now_ms],
    )
    .await?
    .try_get(0)?)
}

/// Where a refund's credits go back, before anything is written.
pub(crate) struct RefundPlan {
    /// The credits refunded.
    pub amount: u64,
    /// Each grant the capture drew on and what goes back to it, with whether that grant is
    /// still live (credits of an expired grant come back as a new grant).
    pub back: Vec<(Allocation, bool)>,
}

/// The checks of a refund of generation `g` and its plan, in the SQLite store's order: not
/// refunded already, charged, then the capture's allocations (`captured`, in posting order,
/// each with whether its grant is live) give back `credits` (the whole charge when `None`).
pub(crate) fn refund_plan(
    g: GenerationId,
    already_refunded: bool,
    charged: u64,
    captured: &[(Allocation, bool)],
    credits: Option<u64>,
) -> Outcome<RefundPlan> {
    // No refunds row can exist without its generation, so "already refunded" is answered
    // first, as the SQLite store does.
    if already_refunded {
        return Err(LedgerFailure::Refused(StoreError::AlreadyRefunded(g)));
    }
    if charged == 0 {
        return Err(LedgerFailure::Refused(StoreError::NotCharged(g)));
    }
    let allocations: Vec<Allocation> = captured.iter().map(|(a, _)| *a).collect();
    let amount = credits.unwrap_or(charged);
    let back = refund_allocation(&allocations, amount)?
        .into_iter()
        .map(|a| {
            let live = captured
                .iter()
                .find(|(c, _)| c.grant == a.grant)
                .map(|(_, live)| *live)
                .ok_or_else(|| {
                    super::decode(format!(
                        "refund allocation names grant {} the capture did not",
                        a.grant
                    ))
                })?;
            Ok((a, live))
        })
        .collect::<Outcome<Vec<_>>>()?;
    Ok(RefundPlan { amount, back })
}

/// Refunds a generation's charge inside a write (see [`PgLedger::refund`]). `sweep`: whether to
/// sweep first (a caller that has swept at the same instant in this transaction need not).
pub(crate) async fn refund_in(
    tx: &Transaction<'_>,
    account: Uuid,
    req: &RefundRequest,
    now: Timestamp,
    sweep_first: bool,
) -> Outcome<RefundReceipt> {
    if sweep_first {
        sweep(tx, account, now).await?;
    }
    let g = req.generation_id;
    let now_ms = ms(now);
    // The charge, whether it was refunded, and the capture's allocations with whether each
    // grant is still live: two reads, pipelined.
    let charge_params: [&(dyn tokio_postgres::types::ToSql + Sync); 2] = [&account, &g.0];
    let ids = [g.0];
    let (charge, mut captured) = tokio::try_join!(
        query_opt(
            tx,
            "SELECT g.charged, EXISTS (SELECT 1 FROM refunds r
                 WHERE r.account_id = g.account_id AND r.generation_id = g.generation_id)
             FROM generations g WHERE g.account_id = $1 AND g.generation_id = $2",
            &charge_params,
        ),
        captures_of(tx, account, &ids, now_ms)
    )?;
    let charge = charge.ok_or_else(|| {
        LedgerFailure::Refused(StoreError::NotFound {
            what: "generation",
            id: g.to_string(),
        })
    })?;
    let captured = captured.remove(&g).unwrap_or_default();
    let plan = refund_plan(
        g,
        charge.try_get::<_, bool>(1)?,
        credits(charge.try_get(0)?)?,
        &captured,
        req.credits,
    )?;
    let amount = plan.amount;
    let regrant_id = GrantId(req.op_id.0);
    let mut regrant_credits = 0;
    let mut returned_to = Vec::new();
    for (a, live) in plan.back {
        if live {
            post(
                tx,
                account,
                Some(req.op_id),
                EntryKind::Refund,
                a.grant,
                Some(g),
                a.credits,
                now_ms,
            )
            .await?;
            returned_to.push(a);
        } else {
            regrant_credits += a.credits;
        }
    }
    let regrant = if regrant_credits > 0 {
        let expires = now
            .checked_add(TimeDelta::seconds(REFUND_REGRANT_TTL_SECS))
            .ok_or_else(|| super::decode("the refund grant's expiry is past the year 9999"))?;
        insert_grant(
            tx,
            account,
            regrant_id,
            GrantKind::Refund,
            regrant_credits,
            GrantKind::Refund.default_priority(),
            now,
            Some(expires),
            "refund of credits whose grant had expired",
        )
        .await?;
        // A new grant: its credits count as granted, not as refunded (no spend of this grant
        // is reversed). The `refunds` row records the whole amount.
        post(
            tx,
            account,
            Some(req.op_id),
            EntryKind::Grant,
            regrant_id,
            Some(g),
            regrant_credits,
            now_ms,
        )
        .await?;
        returned_to.push(Allocation {
            grant: regrant_id,
            credits: regrant_credits,
        });
        Some(regrant_id)
    } else {
        None
    };
    Write::refund(
        account,
        g,
        req.claim_id.map(|c| c.0),
        amount,
        req.op_id,
        now_ms,
    )?
    .run(tx)
    .await?;
    Ok(RefundReceipt {
        generation_id: g,
        credits: amount,
        returned_to,
        regrant,
    })
}

/// The columns of a ledger entry, in the order [`entry_at`] reads them.
pub(crate) const ENTRY_COLUMNS: &str = "seq, kind, grant_id, generation_id, credits, at, op_id";

/// A ledger entry read with [`ENTRY_COLUMNS`].
pub(crate) fn entry_at(r: &tokio_postgres::Row) -> Outcome<LedgerEntry> {
    Ok(LedgerEntry {
        seq: r.try_get(0)?,
        kind: parse(&r.try_get::<_, String>(1)?)?,
        grant_id: GrantId(r.try_get(2)?),
        generation_id: r.try_get::<_, Option<Uuid>>(3)?.map(GenerationId),
        credits: credits(r.try_get(4)?)?,
        at: ts(r.try_get(5)?)?,
        op_id: r.try_get::<_, Option<Uuid>>(6)?.map(OpId),
    })
}

/// The grant's priority and trimmed note, or why the request is refused.
fn check_grant(req: &GrantRequest) -> Outcome<(u32, String)> {
    if req.credits == 0 || req.credits > GRANT_CREDITS_MAX {
        return Err(LedgerFailure::Refused(StoreError::InvalidInput {
            field: "credits",
            problem: format!(
                "must be between 1 and {GRANT_CREDITS_MAX}, got {}",
                req.credits
            ),
        }));
    }
    let priority = req.priority.unwrap_or(req.kind.default_priority());
    if priority > PRIORITY_MAX {
        return Err(LedgerFailure::Refused(StoreError::InvalidInput {
            field: "priority",
            problem: format!("must be between 0 and {PRIORITY_MAX}, got {priority}"),
        }));
    }
    let note = req.note.trim();
    if note.chars().count() > NOTE_LEN_MAX || note.chars().any(char::is_control) {
        return Err(LedgerFailure::Refused(StoreError::InvalidInput {
            field: "note",
            problem: format!("must be at most {NOTE_LEN_MAX} printable characters"),
        }));
    }
    Ok((priority, note.to_owned()))
}

/// A grant's writes, in a write on its account.
async fn grant_body(
    tx: &Transaction<'_>,
    account: Uuid,
    req: &GrantRequest,
    priority: u32,
    note: &str,
    now: Timestamp,
) -> Outcome<GrantRecord> {
    // Checked on first execution only: a retry after the expiry still gets its answer.
    if req.expires_at.is_some_and(|e| e <= now) {
        return Err(LedgerFailure::Refused(StoreError::InvalidInput {
            field: "expires_at",
            problem: "is already in the past".to_owned(),
        }));
    }
    let grant_id = GrantId(req.op_id.0);
    sweep(tx, account, now).await?;
    insert_grant(
        tx,
        account,
        grant_id,
        req.kind,
        req.credits,
        priority,
        now,
        req.expires_at,
        note,
    )
    .await?;
    post(
        tx,
        account,
        Some(req.op_id),
        EntryKind::Grant,
        grant_id,
        None,
        req.credits,
        ms(now),
    )
    .await?;
    debug_check(tx, account).await?;
    grant_record(tx, account, grant_id, now).await
}

impl PgLedger {
    /// Grants credits. Idempotent by `op_id` (which becomes the grant's id).
    pub async fn grant(
        &self,
        account: Uuid,
        req: &GrantRequest,
        now: Timestamp,
    ) -> Outcome<GrantRecord> {
        let (priority, note) = check_grant(req)?;
        self.idempotent(account, req.op_id, "grant", req, ms(now), async |tx| {
            grant_body(tx, account, req, priority, &note, now).await
        })
        .await
    }

    /// [`PgLedger::grant`] inside a transaction the caller owns and commits (an account made
    /// with its starting allowance: both commit together or neither does). Locks the account.
    pub async fn grant_in(
        tx: &Transaction<'_>,
        account: Uuid,
        req: &GrantRequest,
        now: Timestamp,
    ) -> Outcome<GrantRecord> {
        let (priority, note) = check_grant(req)?;
        super::locked(tx, account).await?;
        super::idempotent_in(tx, account, req.op_id, "grant", req, ms(now), async |tx| {
            grant_body(tx, account, req, priority, &note, now).await
        })
        .await
    }

    /// Refunds a generation's charge back to the grants it came from; a source grant that has
    /// expired meanwhile is replaced by a `refund` grant. At most once per generation, never
    /// more than the charge. Idempotent by `op_id`.
    pub async fn refund(
        &self,
        account: Uuid,
        req: &RefundRequest,
        now: Timestamp,
    ) -> Outcome<RefundReceipt> {
        self.idempotent(account, req.op_id, "refund", req, ms(now), async |tx| {
            let receipt = refund_in(tx, account, req, now, true).await?;
            debug_check(tx, account).await?;
            Ok(receipt)
        })
        .await
    }

    /// Releases stale holds and expires expired grants, at `now`.
    pub async fn sweep(&self, account: Uuid, now: Timestamp) -> Outcome<SweepReport> {
        self.write(account, async |tx| {
            let r = sweep(tx, account, now).await?;
            debug_check(tx, account).await?;
            Ok(r)
        })
        .await
    }

    /// The account's balances and grants at `now`, one row per grant. A grant that has expired
    /// but was not swept yet shows its available credits as expired.
    pub async fn balance(&self, account: Uuid, now: Timestamp) -> Outcome<AccountBalance> {
        let now_ms = ms(now);
        let rows = self
            .read(async |tx| {
                query(
                    tx,
                    &format!(
                        "SELECT {GRANT_COLUMNS}, {BALANCE_COLUMNS} FROM grants
                         JOIN grant_balances USING (account_id, grant_id) WHERE account_id = $1"
                    ),
                    &[&account],
                )
                .await
            })
            .await?;
        let mut grants = Vec::with_capacity(rows.len());
        let mut totals = Balances::default();
        for row in &rows {
            let terms = terms_at(row, 0)?;
            let mut balances = balances_at(row, 7)?;
            let live = is_live(terms.expires_at, now_ms);
            if !live {
                balances.expired += balances.available;
                balances.available = 0;
            }
            totals.add(&balances)?;
            grants.push(GrantRecord {
                terms,
                live,
                balances,
            });
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

    /// The account's latest ledger entries, newest first, at most `limit` (the operator
    /// console's view of an account).
    pub async fn latest_entries(&self, account: Uuid, limit: u32) -> Outcome<Vec<LedgerEntry>> {
        self.read(async |tx| {
            let rows = query(
                tx,
                &format!(
                    "SELECT {ENTRY_COLUMNS} FROM ledger_entries WHERE account_id = $1
                     ORDER BY seq DESC LIMIT $2"
                ),
                &[&account, &i64::from(limit)],
            )
            .await?;
            rows.iter().map(entry_at).collect()
        })
        .await
    }

    /// Re-derives every grant's totals from the account's entries and checks them against the
    /// projection, conservation, one settlement per hold, refund <= charge, and each charge
    /// against its captures. O(the account's history): for tests, QA and operators.
    pub async fn verify(&self, account: Uuid) -> Outcome<Balances> {
        self.read(async |tx| {
            let mut derived: std::collections::HashMap<Uuid, Balances> =
                std::collections::HashMap::new();
            let entries = query(
                tx,
                "SELECT kind, grant_id, credits FROM ledger_entries WHERE account_id = $1 ORDER BY seq",
                &[&account],
            )
            .await?;
            for row in &entries {
                let kind: EntryKind = parse(&row.try_get::<_, String>(0)?)?;
                kind.apply(
                    derived.entry(row.try_get(1)?).or_default(),
                    credits(row.try_get(2)?)?,
                )?;
            }
            let stored = query(
                tx,
                &format!(
                    "SELECT grant_id, {BALANCE_COLUMNS} FROM grant_balances WHERE account_id = $1"
                ),
                &[&account],
            )
            .await?;
            for row in &stored {
                let grant: Uuid = row.try_get(0)?;
                let stored = balances_at(row, 1)?;
                let d = derived.remove(&grant).unwrap_or_default();
                if d != stored {
                    return Err(InvariantViolation(format!(
                        "grant {grant}: projection {stored:?} differs from its entries {d:?}"
                    ))
                    .into());
                }
            }
            if let Some(orphan) = derived.keys().next() {
                return Err(InvariantViolation(format!(
                    "entries for grant {orphan} which has no balance row"
                ))
                .into());
            }
            let violations: i64 = query_one(
                tx,
                "SELECT
                   (SELECT count(*) FROM generations g WHERE g.account_id = $1 AND g.status <> 'running'
                      AND NOT EXISTS (SELECT 1 FROM hold_settlements s
                                      WHERE s.account_id = $1 AND s.generation_id = g.generation_id))
                 + (SELECT count(*) FROM generations g WHERE g.account_id = $1 AND g.status = 'running'
                      AND EXISTS (SELECT 1 FROM hold_settlements s
                                  WHERE s.account_id = $1 AND s.generation_id = g.generation_id))
                 + (SELECT count(*) FROM refunds r JOIN generations g USING (account_id, generation_id)
                      WHERE r.account_id = $1 AND r.credits > g.charged)
                 + (SELECT count(*) FROM generations g WHERE g.account_id = $1 AND g.charged <>
                      (SELECT coalesce(sum(credits), 0) FROM ledger_entries e
                       WHERE e.account_id = $1 AND e.generation_id = g.generation_id AND e.kind = 'capture'))",
                &[&account],
            )
            .await?
            .try_get(0)?;
            if violations != 0 {
                return Err(InvariantViolation(format!(
                    "{violations} generation(s) with a missing or extra settlement, a refund above the charge, or a charge that differs from its captures"
                ))
                .into());
            }
            check_totals(tx, account).await
        })
        .await
    }
}
