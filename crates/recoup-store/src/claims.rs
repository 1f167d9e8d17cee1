//! "Bad result" reports: instant local eligibility, durable submission with its outbox row in
//! the same transaction, and listing. A locally ineligible report is still kept and sent as
//! feedback; the endpoint has the final word.

use recoup_core::Timestamp;
use recoup_core::time::saturating_seconds;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use recoup_core::{
    AccountHistory, ClaimId, ClaimReason, Decision, GenerationId, GenerationStatus, Policy,
    validate_details,
};

use recoup_api::rows::{ClaimOutcome, ClaimRecord, GenerationRecord, SyncState, Verdict};
use recoup_api::{ClaimSubmission, LocalDecision};

use crate::Store;
use crate::codec::{credits, id_bytes, ms, opt_ts, parse, sql_credits, ts};
use crate::error::{Result, StoreError};
use crate::filter::Filter;
use crate::generations::load;

/// Most claims one listing returns.
pub const CLAIM_PAGE_MAX: u32 = 1_000;

/// How the endpoint judges an eligible claim's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Judgement {
    /// Objectively unusable (blank, corrupt, truncated): refund now.
    Refund,
    /// Not objectively decidable: a person reviews it.
    Review,
    /// Refused, with a code.
    Reject {
        /// Stable code, e.g. `not_clearly_unusable`.
        code: String,
    },
}

/// Report a generation as a bad result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitClaim {
    /// Client-made id; the idempotency key here and at the endpoint.
    pub claim_id: ClaimId,
    /// The generation reported.
    pub generation_id: GenerationId,
    /// Why it is bad.
    pub reason: ClaimReason,
    /// What is wrong, in the user's words.
    pub details: String,
    /// When the person made the report, as the device states it (its corrected clock). Only
    /// the endpoint reads it, and weighs it only as [`Policy::report_instant`] allows; a
    /// device's own store judges at its own `now`.
    #[serde(default)]
    pub reported_at: Option<Timestamp>,
}

/// The meta key of the endpoint's record of the account's last pull of its changes, in
/// milliseconds since the epoch.
const LAST_PULL_AT: &str = "endpoint.last_pull_at";

/// How stale the recorded last pull may get before a pull writes it again: one write per
/// account per minute at most, however often its devices sync. A late report can gain at most
/// this much over its true time.
const LAST_PULL_RESOLUTION_MS: i64 = 60_000;

/// What the claims listing returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimQuery {
    /// Only claims in this sync state.
    pub sync_state: Option<SyncState>,
    /// Claims older than this one.
    pub before: Option<ClaimId>,
    /// Page size, 1..=[`CLAIM_PAGE_MAX`].
    pub limit: u32,
}

/// An item waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Position in the outbox.
    pub seq: i64,
    /// The idempotency key the endpoint sees (the claim id).
    pub item_id: uuid::Uuid,
    /// What it is (`claim`).
    pub kind: String,
    /// The JSON body to send.
    pub payload: serde_json::Value,
    /// Attempts so far.
    pub attempts: u32,
    /// Not before this instant.
    pub next_attempt_at: Timestamp,
}

impl OutboxItem {
    /// The claim the endpoint receives, as [`Store::submit_claim`] wrote it. An item this version
    /// cannot send (another kind, an unreadable or mismatched payload) says why, so the sync
    /// engine can set it aside instead of blocking the queue.
    pub fn submission(&self) -> std::result::Result<ClaimSubmission, String> {
        if self.kind != "claim" {
            return Err(format!(
                "unknown outbox item kind '{}': this version cannot send it",
                self.kind
            ));
        }
        let claim: ClaimSubmission = serde_json::from_value(self.payload.clone())
            .map_err(|e| format!("the stored claim cannot be read: {e}"))?;
        if claim.claim_id.0 != self.item_id {
            return Err("the stored claim's id is not its outbox item's".to_owned());
        }
        Ok(claim)
    }
}

/// A claim as it arrives, on the device or the endpoint.
enum Intake {
    /// The same claim id with the same report: its stored record is the answer.
    Repeat(ClaimRecord),
    /// A new claim that may be judged: its checked details and its generation.
    New {
        details: String,
        generation: GenerationRecord,
    },
}

/// The checks before any claim is judged, the same on both sides: a repeat returns the stored
/// claim (even if the policy's text bounds changed since) and the same id with another report is
/// a conflict; then the details, the generation's status, and one claim per generation.
fn intake(tx: &Transaction<'_>, policy: &Policy, req: &SubmitClaim) -> Result<Intake> {
    if let Some(existing) = load_claim(tx, req.claim_id)? {
        if existing.generation_id == req.generation_id
            && existing.reason == req.reason
            && existing.details == req.details.trim()
        {
            return Ok(Intake::Repeat(existing));
        }
        return Err(StoreError::IdempotencyConflict {
            op_id: recoup_core::OpId(req.claim_id.0),
        });
    }
    let details = validate_details(&req.details, policy.claim_text())?;
    let generation = load(tx, req.generation_id)?;
    match generation.status {
        GenerationStatus::Running => {
            return Err(StoreError::GenerationNotFinished(generation.generation_id));
        }
        GenerationStatus::Failed => {
            return Err(StoreError::TechnicalFailure(generation.generation_id));
        }
        GenerationStatus::Succeeded => {}
    }
    if policy.one_claim_per_generation()
        && let Some(claim) = &generation.claim
    {
        return Err(StoreError::AlreadyClaimed {
            generation: generation.generation_id,
            claim: claim.claim_id,
        });
    }
    Ok(Intake::New {
        details,
        generation,
    })
}

/// Writes a claim row (and marks its generation as reported). `decided` is the endpoint's own
/// verdict when the endpoint writes it; the device writes `None` and queues the claim.
fn insert_claim(
    tx: &Transaction<'_>,
    req: &SubmitClaim,
    details: &str,
    decision: &Decision,
    now_ms: i64,
    decided: Option<&Verdict>,
) -> Result<()> {
    let decision_json = serde_json::to_string(decision).map_err(StoreError::decode)?;
    tx.prepare_cached(
        "INSERT INTO claims (claim_id, generation_id, reason, details, submitted_at, local_eligible,
             local_decision, policy_version, sync_state, outcome, outcome_code, refunded_credits, decided_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        req.claim_id.as_bytes(),
        req.generation_id.as_bytes(),
        req.reason.as_str(),
        details,
        now_ms,
        decision.eligible,
        decision_json,
        decision.policy_version,
        if decided.is_some() { "acknowledged" } else { "queued" },
        decided.map(|v| v.outcome.as_str()),
        decided.and_then(|v| v.code.clone()),
        decided.map(|v| sql_credits(v.refunded_credits)).transpose()?,
        decided.and_then(|v| v.decided_at).map(ms)
    ])?;
    tx.prepare_cached("UPDATE generations SET claimed = 1 WHERE generation_id = ?1")?
        .execute([req.generation_id.as_bytes()])?;
    Ok(())
}

/// Refunds granted, credits refunded and credits charged after `since_ms`: whole days from the
/// per-day totals, the day `since_ms` falls in from the rows themselves. Exact, and about 30
/// rows read whatever the size of the history.
fn window_totals(conn: &Connection, since_ms: i64) -> Result<(i64, i64, i64)> {
    const DAY_MS: i64 = 86_400_000;
    if since_ms < 0 {
        // Windows reaching before 1970 (only in tests with tiny clocks): count the rows.
        let (refunds, refunded): (i64, i64) = conn
            .prepare_cached(
                "SELECT count(*), coalesce(sum(credits), 0) FROM refunds WHERE at > ?1",
            )?
            .query_row([since_ms], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let spent: i64 = conn
            .prepare_cached(
                "SELECT coalesce(sum(credits), 0) FROM ledger_entries WHERE kind = 'capture' AND kind <> 'hold' AND at > ?1",
            )?
            .query_row([since_ms], |r| r.get(0))?;
        return Ok((refunds, refunded, spent));
    }
    let day = since_ms / DAY_MS;
    let day_end = (day + 1) * DAY_MS;
    let (days_refunds, days_refunded, days_spent): (i64, i64, i64) = conn
        .prepare_cached(
            "SELECT coalesce(sum(refunds), 0), coalesce(sum(refunded), 0), coalesce(sum(spent), 0)
             FROM activity_days WHERE day > ?1",
        )?
        .query_row([day], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    let (part_refunds, part_refunded): (i64, i64) = conn
        .prepare_cached(
            "SELECT count(*), coalesce(sum(credits), 0) FROM refunds WHERE at > ?1 AND at < ?2",
        )?
        .query_row([since_ms, day_end], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let part_spent: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(credits), 0) FROM ledger_entries
             WHERE kind = 'capture' AND kind <> 'hold' AND at > ?1 AND at < ?2",
        )?
        .query_row([since_ms, day_end], |r| r.get(0))?;
    Ok((
        days_refunds + part_refunds,
        days_refunded + part_refunded,
        days_spent + part_spent,
    ))
}

/// What the account's local records say within the safeguard window ending at `now`.
fn account_history(
    conn: &Connection,
    policy: &Policy,
    generation: GenerationId,
    now: Timestamp,
) -> Result<AccountHistory> {
    let window = i64::try_from(policy.safeguards().window_secs).unwrap_or(i64::MAX);
    let since = ms(now.saturating_sub(saturating_seconds(window)));
    let already: Option<i64> = conn
        .prepare_cached("SELECT 1 FROM claims WHERE generation_id = ?1 LIMIT 1")?
        .query_row([generation.as_bytes()], |r| r.get(0))
        .optional()?;
    let (refunds, refunded, spent) = window_totals(conn, since)?;
    Ok(AccountHistory {
        already_claimed: already.is_some(),
        refunds_in_window: u32::try_from(refunds).unwrap_or(u32::MAX),
        spent_in_window: credits(spent)?,
        refunded_in_window: credits(refunded)?,
    })
}

fn evaluate(
    conn: &Connection,
    policy: &Policy,
    g: &GenerationRecord,
    now: Timestamp,
) -> Result<Decision> {
    let history = account_history(conn, policy, g.generation_id, now)?;
    Ok(policy.evaluate(&g.facts(), &history, now))
}

const CLAIM_SELECT: &str =
    "SELECT claim_id, generation_id, reason, details, submitted_at, local_decision,
        sync_state, outcome, outcome_code, refunded_credits, decided_at FROM claims";

type ClaimRow = (
    [u8; 16],
    [u8; 16],
    [String; 3],
    i64,
    [String; 1],
    [Option<String>; 2],
    Option<i64>,
    Option<i64>,
);

fn claim_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ClaimRow> {
    Ok((
        id_bytes(r, 0)?,
        id_bytes(r, 1)?,
        [r.get(2)?, r.get(3)?, r.get(5)?],
        r.get(4)?,
        [r.get(6)?],
        [r.get(7)?, r.get(8)?],
        r.get(9)?,
        r.get(10)?,
    ))
}

fn decode_claim(row: ClaimRow) -> Result<ClaimRecord> {
    let (
        cid,
        gid,
        [reason, details, decision],
        submitted,
        [state],
        [outcome, outcome_code],
        refunded,
        decided,
    ) = row;
    Ok(ClaimRecord {
        claim_id: ClaimId::from_bytes(cid),
        generation_id: GenerationId::from_bytes(gid),
        reason: parse(&reason)?,
        details,
        submitted_at: ts(submitted)?,
        local_decision: serde_json::from_str(&decision).map_err(StoreError::decode)?,
        sync_state: parse(&state)?,
        outcome: outcome.as_deref().map(parse).transpose()?,
        outcome_code,
        refunded_credits: refunded.map(credits).transpose()?,
        decided_at: opt_ts(decided)?,
    })
}

pub(crate) fn load_claim(conn: &Connection, id: ClaimId) -> Result<Option<ClaimRecord>> {
    conn.prepare_cached(&format!("{CLAIM_SELECT} WHERE claim_id = ?1"))?
        .query_row([id.as_bytes()], claim_row)
        .optional()?
        .map(decode_claim)
        .transpose()
}

impl Store {
    /// The instant, offline answer to "can this be refunded?", with every reason and the time
    /// left in the window. Writes nothing.
    pub fn check_claim(&self, generation: GenerationId, now: Timestamp) -> Result<Decision> {
        let policy = self.policy()?;
        let g = load(&self.conn, generation).map_err(|e| self.err_store(e))?;
        evaluate(&self.conn, &policy, &g, now).map_err(|e| self.err_store(e))
    }

    /// Submits a report: validates it, decides locally, and writes the claim and its outbox row
    /// in one durable transaction. A report the device judges ineligible is still kept and sent
    /// as feedback. Refused, with nothing written: an unknown, running or failed generation,
    /// details outside the policy's bounds, and a second report on the same generation (also
    /// when two submits race). Repeating the same `claim_id` with the same report returns the
    /// first answer.
    pub fn submit_claim(&mut self, req: &SubmitClaim, now: Timestamp) -> Result<ClaimRecord> {
        let policy = self.policy()?;
        let now_ms = ms(now);
        self.write(|tx| {
            let (details, g) = match intake(tx, &policy, req)? {
                Intake::Repeat(existing) => return Ok(existing),
                Intake::New {
                    details,
                    generation,
                } => (details, generation),
            };
            let decision = evaluate(tx, &policy, &g, now)?;
            insert_claim(tx, req, &details, &decision, now_ms, None)?;
            // What the endpoint will receive: the facts it re-checks against its own records and
            // clock, and the device's decision for comparison only (never trusted).
            let payload = serde_json::to_string(&ClaimSubmission {
                claim_id: req.claim_id,
                generation_id: req.generation_id,
                reason: req.reason,
                details,
                submitted_at: Some(now),
                local_decision: Some(LocalDecision {
                    eligible: decision.eligible,
                    policy_version: decision.policy_version.clone(),
                }),
            })
            .map_err(StoreError::decode)?;
            tx.execute(
                "INSERT INTO outbox (item_id, kind, payload, created_at, next_attempt_at)
                 VALUES (?1, 'claim', ?2, ?3, ?3)",
                params![req.claim_id.as_bytes(), payload, now_ms],
            )?;
            load_claim(tx, req.claim_id)?
                .ok_or_else(|| StoreError::decode("claim vanished inside its own transaction"))
        })
    }

    /// One claim.
    pub fn claim(&self, id: ClaimId) -> Result<ClaimRecord> {
        load_claim(&self.conn, id)
            .map_err(|e| self.err_store(e))?
            .ok_or_else(|| StoreError::NotFound {
                what: "claim",
                id: id.to_string(),
            })
    }

    /// Claims, newest first.
    pub fn claims(&self, q: &ClaimQuery) -> Result<Vec<ClaimRecord>> {
        if q.limit == 0 || q.limit > CLAIM_PAGE_MAX {
            return Err(StoreError::InvalidInput {
                field: "limit",
                problem: format!("must be between 1 and {CLAIM_PAGE_MAX}"),
            });
        }
        let filter = Filter::new(CLAIM_SELECT)
            .and(
                "sync_state = ?",
                q.sync_state.map(|s| s.as_str().to_owned()),
            )
            .and("claim_id < ?", q.before.map(|b| b.as_bytes().to_vec()));
        self.select(filter, "claim_id DESC", q.limit, claim_row, decode_claim)
    }

    /// Items waiting to be sent whose next attempt is due at `now`, oldest first.
    pub fn outbox_due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxItem>> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT seq, item_id, kind, payload, attempts, next_attempt_at FROM outbox
                 WHERE state = 'pending' AND next_attempt_at <= ?1 ORDER BY seq LIMIT ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![ms(now), i64::from(limit)], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    id_bytes(r, 1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, id, kind, payload, attempts, next) = row.map_err(|e| self.err(e))?;
            out.push(OutboxItem {
                seq,
                item_id: uuid::Uuid::from_bytes(id),
                kind,
                payload: serde_json::from_str(&payload).map_err(StoreError::decode)?,
                attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                next_attempt_at: ts(next)?,
            });
        }
        Ok(out)
    }

    /// Number of items waiting in the outbox.
    pub fn outbox_len(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT count(*) FROM outbox WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        credits(n)
    }

    /// Number of items set aside after repeated failures ([`Store::outbox_retry_quarantined`]
    /// puts them back).
    pub fn outbox_quarantined_len(&self) -> Result<u64> {
        self.count("SELECT count(*) FROM outbox WHERE state = 'quarantined'")
    }

    /// Number of claims in all, and of those refunded (the operator console's account view).
    pub fn claim_counts(&self) -> Result<(u64, u64)> {
        Ok((
            self.count("SELECT count(*) FROM claims")?,
            self.count("SELECT count(*) FROM claims WHERE outcome = 'refunded'")?,
        ))
    }

    /// Number of claims the endpoint holds for a review.
    pub fn claims_in_review_len(&self) -> Result<u64> {
        self.count("SELECT count(*) FROM claims WHERE outcome = 'in_review'")
    }

    fn count(&self, sql: &str) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row(sql, [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        credits(n)
    }
}

/// The endpoint's side of a claim.
impl Store {
    /// The endpoint's adjudication of a claim, in one transaction: the same checks as
    /// [`Store::submit_claim`] against the endpoint's own records and clock, then the policy,
    /// then, for an eligible claim, `judge` on the stored generation (is it clearly unusable?).
    /// A refund is written in the same transaction as the decision. Repeating the same claim id
    /// with the same report returns the first decision; another claim on an already reported
    /// generation is refused with [`StoreError::AlreadyClaimed`] and nothing is written.
    pub fn adjudicate(
        &mut self,
        req: &SubmitClaim,
        now: Timestamp,
        judge: impl FnOnce(&GenerationRecord) -> Judgement,
    ) -> Result<ClaimRecord> {
        let policy = self.policy()?;
        self.write(|tx| adjudicate_in(tx, &policy, req, now, judge))
    }

    /// Adjudicates many claims in one durable transaction (group commit: one disk sync for the
    /// whole batch). Each claim runs in its own savepoint, so a refused claim changes nothing and
    /// does not affect the others; each gets its own result, in order. The judgement of each is
    /// made beforehand (from the stored output) and used only if the claim is eligible.
    pub fn adjudicate_batch(
        &mut self,
        items: &[(SubmitClaim, Judgement)],
        now: Timestamp,
    ) -> Result<Vec<Result<ClaimRecord>>> {
        let policy = self.policy()?;
        self.write(|tx| {
            let mut out = Vec::with_capacity(items.len());
            for (req, judgement) in items {
                tx.execute_batch("SAVEPOINT claim")?;
                match adjudicate_in(tx, &policy, req, now, |_| judgement.clone()) {
                    Ok(record) => {
                        tx.execute_batch("RELEASE claim")?;
                        out.push(Ok(record));
                    }
                    Err(e) => {
                        tx.execute_batch("ROLLBACK TO claim; RELEASE claim")?;
                        out.push(Err(e));
                    }
                }
            }
            Ok(out)
        })
    }

    /// A person's decision on a claim in review: approve (refund now, in the same transaction)
    /// or reject (`not_clearly_unusable`). A claim already decided is refused.
    pub fn review(
        &mut self,
        claim_id: ClaimId,
        approve: bool,
        now: Timestamp,
    ) -> Result<ClaimRecord> {
        self.write(|tx| {
            let claim = load_claim(tx, claim_id)?.ok_or_else(|| StoreError::NotFound {
                what: "claim",
                id: claim_id.to_string(),
            })?;
            if claim.outcome != Some(ClaimOutcome::InReview) {
                return Err(StoreError::InvalidInput {
                    field: "claim",
                    problem: format!(
                        "claim {claim_id} is not in review (it is {})",
                        claim.outcome.map_or("queued", |o| o.as_str())
                    ),
                });
            }
            let g = load(tx, claim.generation_id)?;
            let (outcome, code, refunded) = if approve {
                refund_for_claim(tx, claim_id, g.generation_id, g.charged, now)?;
                (ClaimOutcome::Refunded, None, g.charged)
            } else {
                (ClaimOutcome::NotRefunded, Some("not_clearly_unusable"), 0)
            };
            tx.prepare_cached(
                "UPDATE claims SET outcome = ?2, outcome_code = ?3, refunded_credits = ?4, decided_at = ?5
                 WHERE claim_id = ?1",
            )?
            .execute(params![
                claim_id.as_bytes(),
                outcome.as_str(),
                code,
                sql_credits(refunded)?,
                ms(now)
            ])?;
            crate::ledger::debug_check(tx)?;
            load_claim(tx, claim_id)?.ok_or_else(|| StoreError::decode("claim vanished"))
        })
    }
}

/// The endpoint's verdict on a claim: the policy's decision, then, for an eligible claim only,
/// the judgement of its output (`None` for an ineligible one, which is refused with the
/// decision's first reason). Every engine decides with this.
pub fn endpoint_verdict(
    decision: &Decision,
    judgement: Option<Judgement>,
    now: Timestamp,
) -> Verdict {
    let judgement = match judgement {
        Some(j) if decision.eligible => j,
        _ => Judgement::Reject {
            code: decision
                .reasons
                .first()
                .map_or("not_refundable", |r| r.code.as_str())
                .to_owned(),
        },
    };
    match judgement {
        Judgement::Refund => Verdict {
            outcome: ClaimOutcome::Refunded,
            code: None,
            refunded_credits: decision.refundable_credits,
            decided_at: Some(now),
        },
        Judgement::Review => Verdict {
            outcome: ClaimOutcome::InReview,
            code: None,
            refunded_credits: 0,
            decided_at: None,
        },
        Judgement::Reject { code } => Verdict {
            outcome: ClaimOutcome::NotRefunded,
            code: Some(code),
            refunded_credits: 0,
            decided_at: Some(now),
        },
    }
}

/// The adjudication of one claim inside a transaction (see [`Store::adjudicate`]).
fn adjudicate_in(
    tx: &Transaction<'_>,
    policy: &Policy,
    req: &SubmitClaim,
    now: Timestamp,
    judge: impl FnOnce(&GenerationRecord) -> Judgement,
) -> Result<ClaimRecord> {
    let now_ms = ms(now);
    let (details, g) = match intake(tx, policy, req)? {
        Intake::Repeat(existing) => return Ok(existing),
        Intake::New {
            details,
            generation,
        } => (details, generation),
    };
    let history = account_history(tx, policy, g.generation_id, now)?;
    let facts = g.facts();
    let reported_at = policy.report_instant(&facts, req.reported_at, last_pull(tx)?, now);
    let decision = policy.evaluate_report(&facts, &history, now, reported_at);
    let judgement = decision.eligible.then(|| judge(&g));
    let verdict = endpoint_verdict(&decision, judgement, now);
    insert_claim(tx, req, &details, &decision, now_ms, Some(&verdict))?;
    if verdict.outcome == ClaimOutcome::Refunded {
        refund_for_claim(
            tx,
            req.claim_id,
            req.generation_id,
            decision.refundable_credits,
            now,
        )?;
    }
    crate::ledger::debug_check(tx)?;
    load_claim(tx, req.claim_id)?
        .ok_or_else(|| StoreError::decode("claim vanished inside its own transaction"))
}

/// The account's last pull of its changes, as recorded by [`Store::note_pull`].
fn last_pull(conn: &Connection) -> Result<Option<Timestamp>> {
    let value: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([LAST_PULL_AT], |r| r.get(0))
        .optional()?;
    match value {
        None => Ok(None),
        Some(v) => {
            let at: i64 = v
                .parse()
                .map_err(|_| StoreError::decode(format!("{LAST_PULL_AT} is not a number: {v}")))?;
            Ok(Some(ts(at)?))
        }
    }
}

impl Store {
    /// The endpoint records that the account pulled its changes at `now` (the anchor a late
    /// report is weighed against, see [`Policy::report_instant`]). Writes at most once a
    /// minute per account; never moves the record back.
    pub fn note_pull(&mut self, now: Timestamp) -> Result<()> {
        let now_ms = ms(now);
        let recorded = last_pull(&self.conn).map_err(|e| self.err_store(e))?;
        if recorded.is_some_and(|at| now_ms.saturating_sub(ms(at)) < LAST_PULL_RESOLUTION_MS) {
            return Ok(());
        }
        self.write(|tx| {
            let current = last_pull(tx)?;
            if current.is_none_or(|at| ms(at) < now_ms) {
                crate::replica::set_meta(tx, LAST_PULL_AT, &now_ms.to_string())?;
            }
            Ok(())
        })
    }
}

/// The refund of an approved claim. Its operation id is the claim's, so a claim can only ever
/// cause one refund even if approval were attempted twice.
fn refund_for_claim(
    tx: &Transaction<'_>,
    claim_id: ClaimId,
    generation_id: GenerationId,
    credits: u64,
    now: Timestamp,
) -> Result<()> {
    let req = crate::ledger::RefundRequest {
        op_id: recoup_core::OpId(claim_id.0),
        generation_id,
        claim_id: Some(claim_id),
        credits: Some(credits),
    };
    crate::ledger::refund_in(tx, &req, now)?;
    Ok(())
}

/// The device's side of the outbox.
impl Store {
    /// Records a failed delivery attempt: the item waits until `next_attempt_at`, or is set
    /// aside (quarantined) so it cannot block the others.
    pub fn outbox_attempt_failed(
        &mut self,
        item_id: uuid::Uuid,
        error: &str,
        next_attempt_at: Timestamp,
        quarantine: bool,
    ) -> Result<()> {
        let error: String = error.chars().take(500).collect();
        self.write(|tx| {
            let updated = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, next_attempt_at = ?3,
                     state = CASE WHEN ?4 THEN 'quarantined' ELSE state END
                 WHERE item_id = ?1 AND state = 'pending'",
            )?
            .execute(params![item_id.as_bytes(), error, ms(next_attempt_at), quarantine])?;
            // An item already answered (or set aside) is not pending: leave its claim as it is.
            if updated == 0 {
                return Ok(());
            }
            if quarantine {
                tx.prepare_cached("UPDATE claims SET sync_state = 'quarantined' WHERE claim_id = ?1")?
                    .execute([item_id.as_bytes()])?;
            } else {
                tx.prepare_cached(
                    "UPDATE claims SET sync_state = 'sent' WHERE claim_id = ?1 AND sync_state = 'queued'",
                )?
                .execute([item_id.as_bytes()])?;
            }
            Ok(())
        })
    }

    /// Records the endpoint's answer to a claim: the outbox item is done and the claim shows the
    /// decision. Refunded credits arrive through the change feed, as ledger entries.
    pub fn record_verdict(&mut self, claim_id: ClaimId, verdict: &Verdict) -> Result<()> {
        self.record_verdicts(&[(claim_id, verdict.clone())])
    }

    /// Records many answers in one durable transaction (an outbox drained in batches commits
    /// once per batch, not once per claim).
    pub fn record_verdicts(&mut self, answers: &[(ClaimId, Verdict)]) -> Result<()> {
        self.write(|tx| {
            for (claim_id, verdict) in answers {
                tx.prepare_cached(
                    "UPDATE claims SET sync_state = 'acknowledged', outcome = ?2, outcome_code = ?3,
                         refunded_credits = ?4, decided_at = ?5
                     WHERE claim_id = ?1 AND (outcome IS NULL OR outcome = 'in_review')",
                )?
                .execute(params![
                    claim_id.as_bytes(),
                    verdict.outcome.as_str(),
                    verdict.code,
                    sql_credits(verdict.refunded_credits)?,
                    verdict.decided_at.map(ms)
                ])?;
                tx.prepare_cached("UPDATE outbox SET state = 'done' WHERE item_id = ?1")?
                    .execute([claim_id.as_bytes()])?;
            }
            Ok(())
        })
    }

    /// Puts quarantined items back in the queue (the user asked to retry them).
    pub fn outbox_retry_quarantined(&mut self, now: Timestamp) -> Result<u64> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?1 WHERE state = 'quarantined'",
                [ms(now)],
            )?;
            tx.execute(
                "UPDATE claims SET sync_state = 'queued' WHERE sync_state = 'quarantined'",
                [],
            )?;
            Ok(n as u64)
        })
    }

    /// Brings pending items due later than `later_than` forward to `to`. The sync engine calls
    /// it with one backoff ceiling past its clock: an item due later than that was scheduled by a
    /// clock that has since gone back (a device clock that was fast when the report was queued,
    /// then set right), and must not wait out the clock's error. Answers how many moved.
    pub fn outbox_bring_forward(&mut self, later_than: Timestamp, to: Timestamp) -> Result<u64> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE outbox SET next_attempt_at = ?2 WHERE state = 'pending' AND next_attempt_at > ?1",
                params![ms(later_than), ms(to)],
            )?;
            Ok(n as u64)
        })
    }

    /// Claims waiting for a person, oldest first.
    pub fn claims_in_review(&self, limit: u32) -> Result<Vec<ClaimRecord>> {
        let filter = Filter::new(CLAIM_SELECT).and(
            "outcome = ?",
            Some(ClaimOutcome::InReview.as_str().to_owned()),
        );
        self.select(
            filter,
            "claim_id",
            limit.min(CLAIM_PAGE_MAX),
            claim_row,
            decode_claim,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DAY: i64 = 86_400_000;

    fn naive(conn: &Connection, since: i64) -> (i64, i64, i64) {
        let (n, r): (i64, i64) = conn
            .query_row(
                "SELECT count(*), coalesce(sum(credits), 0) FROM refunds WHERE at > ?1",
                [since],
                |x| Ok((x.get(0)?, x.get(1)?)),
            )
            .unwrap();
        let s: i64 = conn
            .query_row(
                "SELECT coalesce(sum(credits), 0) FROM ledger_entries WHERE kind = 'capture' AND at > ?1",
                [since],
                |x| x.get(0),
            )
            .unwrap();
        (n, r, s)
    }

    proptest! {
        /// The per-day totals plus the partial first day give exactly what counting every row
        /// gives, for any window start, including starts on a day boundary and inside a day.
        #[test]
        fn window_totals_equal_counting_every_row(
            captures in proptest::collection::vec((0i64..40 * DAY, 1i64..20), 0..60),
            refunds in proptest::collection::vec((0i64..40 * DAY, 1i64..20), 0..30),
            since_day in 0i64..41,
            since_offset in prop_oneof![Just(0i64), Just(DAY - 1), 0i64..DAY],
        ) {
            let store = Store::open_in_memory().unwrap();
            let conn = &store.conn;
            conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
            for (i, (at, c)) in captures.iter().enumerate() {
                conn.execute(
                    "INSERT INTO ledger_entries (kind, grant_id, generation_id, credits, at) VALUES ('capture', ?1, ?1, ?2, ?3)",
                    rusqlite::params![(i as u128).to_be_bytes().to_vec(), c, at],
                ).unwrap();
            }
            for (i, (at, c)) in refunds.iter().enumerate() {
                conn.execute(
                    "INSERT INTO refunds (generation_id, credits, op_id, at) VALUES (?1, ?2, ?1, ?3)",
                    rusqlite::params![(i as u128).to_be_bytes().to_vec(), c, at],
                ).unwrap();
            }
            let since = since_day * DAY + since_offset;
            prop_assert_eq!(window_totals(conn, since).unwrap(), naive(conn, since));
        }
    }
}
