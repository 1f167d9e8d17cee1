//! "Bad result" reports on the endpoint: adjudication (the same checks as the SQLite store,
//! then the policy, then the judgement of the output), a person's review, and the record of the
//! account's last pull. recoup-store's `claims.rs`, endpoint side, on PostgreSQL.

use deadpool_postgres::Transaction;
use recoup_core::Timestamp;
use recoup_core::time::saturating_seconds;
use uuid::Uuid;

use recoup_core::{AccountHistory, ClaimId, GenerationStatus, Policy, validate_details};
use recoup_store::{
    ClaimOutcome, ClaimRecord, GenerationRecord, Judgement, RefundRequest, StoreError, SubmitClaim,
    Verdict, endpoint_verdict,
};

use super::claim_set;
use super::codec::{credits, ms, opt_ts, parse, sql_credits, ts};
use super::generations::{load, load_opt};
use super::grants::{debug_check, refund_in};
use super::writes::Write;
use super::{LedgerFailure, Outcome, PgLedger, decode, execute, query, query_one, query_opt};

/// The meta key of the endpoint's record of the account's last pull of its changes (ms).
const LAST_PULL_AT: &str = "endpoint.last_pull_at";

/// How stale the recorded last pull may get before a pull writes it again (once a minute per
/// account at most, as the SQLite store).
const LAST_PULL_RESOLUTION_MS: i64 = 60_000;

/// Claims as [`decode_claim`] reads them (the caller adds the WHERE clause).
const CLAIM_SELECT: &str = "SELECT claim_id, generation_id, reason, details, submitted_at,
        local_decision, sync_state, outcome, outcome_code, refunded_credits, decided_at
    FROM claims";

fn decode_claim(r: &tokio_postgres::Row) -> Outcome<ClaimRecord> {
    Ok(ClaimRecord {
        claim_id: ClaimId(r.try_get(0)?),
        generation_id: recoup_core::GenerationId(r.try_get(1)?),
        reason: parse(&r.try_get::<_, String>(2)?)?,
        details: r.try_get(3)?,
        submitted_at: ts(r.try_get(4)?)?,
        local_decision: serde_json::from_str(&r.try_get::<_, String>(5)?).map_err(decode)?,
        sync_state: parse(&r.try_get::<_, String>(6)?)?,
        outcome: r
            .try_get::<_, Option<String>>(7)?
            .as_deref()
            .map(parse)
            .transpose()?,
        outcome_code: r.try_get(8)?,
        refunded_credits: r.try_get::<_, Option<i64>>(9)?.map(credits).transpose()?,
        decided_at: opt_ts(r.try_get(10)?)?,
    })
}

/// A claim as recorded, if there is one.
pub(crate) async fn load_claim(
    tx: &Transaction<'_>,
    account: Uuid,
    id: ClaimId,
) -> Outcome<Option<ClaimRecord>> {
    query_opt(
        tx,
        &format!("{CLAIM_SELECT} WHERE account_id = $1 AND claim_id = $2"),
        &[&account, &id.0],
    )
    .await?
    .as_ref()
    .map(decode_claim)
    .transpose()
}

/// The account's claims among `ids`.
pub(super) async fn load_claims(
    tx: &Transaction<'_>,
    account: Uuid,
    ids: &[Uuid],
) -> Outcome<Vec<ClaimRecord>> {
    query(
        tx,
        &format!("{CLAIM_SELECT} WHERE account_id = $1 AND claim_id = ANY($2)"),
        &[&account, &ids],
    )
    .await?
    .iter()
    .map(decode_claim)
    .collect()
}

/// A claim as it arrives.
pub(super) enum Intake {
    /// The same claim id with the same report: its stored record is the answer.
    Repeat(ClaimRecord),
    /// A new claim that may be judged: its checked details and its generation.
    New {
        details: String,
        generation: GenerationRecord,
    },
}

/// The checks before a claim is judged (see [`checked`]), on the claim and generation as the
/// database has them.
async fn intake(
    tx: &Transaction<'_>,
    account: Uuid,
    policy: &Policy,
    req: &SubmitClaim,
) -> Outcome<Intake> {
    // The claim by id and its generation, pipelined (one round trip): the checks still take
    // them in the SQLite store's order.
    let (existing, generation) = tokio::try_join!(
        load_claim(tx, account, req.claim_id),
        load_opt(tx, account, req.generation_id)
    )?;
    checked(existing, generation, policy, req)
}

/// The checks before a claim is judged, in the SQLite store's order: a repeat answers the
/// stored claim and the same id with another report is a conflict; then the details, the
/// generation's status, and one claim per generation. `existing` is the claim recorded with
/// the request's id, `generation` the request's generation with its latest claim.
pub(super) fn checked(
    existing: Option<ClaimRecord>,
    generation: Option<GenerationRecord>,
    policy: &Policy,
    req: &SubmitClaim,
) -> Outcome<Intake> {
    if let Some(existing) = existing {
        if existing.generation_id == req.generation_id
            && existing.reason == req.reason
            && existing.details == req.details.trim()
        {
            return Ok(Intake::Repeat(existing));
        }
        return Err(LedgerFailure::Refused(StoreError::IdempotencyConflict {
            op_id: recoup_core::OpId(req.claim_id.0),
        }));
    }
    let details = validate_details(&req.details, policy.claim_text())?;
    let generation = generation.ok_or_else(|| {
        LedgerFailure::Refused(StoreError::NotFound {
            what: "generation",
            id: req.generation_id.to_string(),
        })
    })?;
    match generation.status {
        GenerationStatus::Running => {
            return Err(LedgerFailure::Refused(StoreError::GenerationNotFinished(
                generation.generation_id,
            )));
        }
        GenerationStatus::Failed => {
            return Err(LedgerFailure::Refused(StoreError::TechnicalFailure(
                generation.generation_id,
            )));
        }
        GenerationStatus::Succeeded => {}
    }
    if policy.one_claim_per_generation()
        && let Some(claim) = &generation.claim
    {
        return Err(LedgerFailure::Refused(StoreError::AlreadyClaimed {
            generation: generation.generation_id,
            claim: claim.claim_id,
        }));
    }
    Ok(Intake::New {
        details,
        generation,
    })
}

/// The endpoint's decision on a new claim and the record it makes (instants at the stored
/// millisecond, as the row reads back).
#[allow(clippy::too_many_arguments)]
pub(super) fn decide(
    policy: &Policy,
    req: &SubmitClaim,
    details: String,
    generation: &GenerationRecord,
    history: &AccountHistory,
    last_pull: Option<Timestamp>,
    now: Timestamp,
    judgement: Judgement,
) -> Outcome<(ClaimRecord, Verdict)> {
    let facts = generation.facts();
    let reported_at = policy.report_instant(&facts, req.reported_at, last_pull, now);
    let decision = policy.evaluate_report(&facts, history, now, reported_at);
    let verdict = endpoint_verdict(&decision, Some(judgement), now);
    let record = ClaimRecord {
        claim_id: req.claim_id,
        generation_id: req.generation_id,
        reason: req.reason,
        details,
        submitted_at: ts(ms(now))?,
        local_decision: decision,
        sync_state: recoup_store::SyncState::Acknowledged,
        outcome: Some(verdict.outcome),
        outcome_code: verdict.code.clone(),
        refunded_credits: Some(verdict.refunded_credits),
        decided_at: verdict.decided_at.map(|t| ts(ms(t))).transpose()?,
    };
    Ok((record, verdict))
}

/// Refunds granted, credits refunded and credits charged after `since_ms`: whole days from the
/// per-day totals, the day `since_ms` falls in from the rows themselves (as the SQLite store).
async fn window_totals(
    tx: &Transaction<'_>,
    account: Uuid,
    since_ms: i64,
) -> Outcome<(i64, i64, i64)> {
    const DAY_MS: i64 = 86_400_000;
    let (from_day, part_end) = if since_ms < 0 {
        // A window reaching before 1970 (tests with tiny clocks): count every row.
        (i64::MAX, i64::MAX)
    } else {
        let day = since_ms / DAY_MS;
        (day, (day + 1) * DAY_MS)
    };
    let row = query_one(
        tx,
        "SELECT
           (SELECT coalesce(sum(refunds), 0)::bigint FROM activity_days WHERE account_id = $1 AND day > $2),
           (SELECT coalesce(sum(refunded), 0)::bigint FROM activity_days WHERE account_id = $1 AND day > $2),
           (SELECT coalesce(sum(spent), 0)::bigint FROM activity_days WHERE account_id = $1 AND day > $2),
           (SELECT count(*) FROM refunds WHERE account_id = $1 AND at > $3 AND at < $4),
           (SELECT coalesce(sum(credits), 0)::bigint FROM refunds WHERE account_id = $1 AND at > $3 AND at < $4),
           (SELECT coalesce(sum(credits), 0)::bigint FROM ledger_entries
              WHERE account_id = $1 AND kind = 'capture' AND at > $3 AND at < $4)",
        &[&account, &from_day, &since_ms, &part_end],
    )
    .await?;
    let v = |i: usize| -> Outcome<i64> { Ok(row.try_get::<_, i64>(i)?) };
    Ok((v(0)? + v(3)?, v(1)? + v(4)?, v(2)? + v(5)?))
}

/// The start of the safeguard window ending at `now` (ms).
fn window_start(policy: &Policy, now: Timestamp) -> i64 {
    let window = i64::try_from(policy.safeguards().window_secs).unwrap_or(i64::MAX);
    ms(now.saturating_sub(saturating_seconds(window)))
}

/// The safeguard window ending at a transaction's instant, as its claims see it: the account's
/// totals read once, then moved by each refund the transaction's claims make (no other write
/// of the transaction counts in the window: claims charge nothing).
pub(super) struct Window {
    /// Its start (ms); a refund at or before it does not count (a window of zero counts none).
    since: i64,
    /// Refunds granted, credits refunded and credits charged in it.
    refunds: i64,
    refunded: i64,
    spent: i64,
}

impl Window {
    /// The window of `policy` ending at `now`, with the totals the database has.
    pub(super) async fn read(
        tx: &Transaction<'_>,
        account: Uuid,
        policy: &Policy,
        now: Timestamp,
    ) -> Outcome<Self> {
        let since = window_start(policy, now);
        let (refunds, refunded, spent) = window_totals(tx, account, since).await?;
        Ok(Self {
            since,
            refunds,
            refunded,
            spent,
        })
    }

    /// What the account's records say within the window, for a claim on `generation` (which
    /// carries its latest claim, if it has any).
    pub(super) fn history(&self, generation: &GenerationRecord) -> Outcome<AccountHistory> {
        Ok(AccountHistory {
            already_claimed: generation.claim.is_some(),
            refunds_in_window: u32::try_from(self.refunds).unwrap_or(u32::MAX),
            spent_in_window: credits(self.spent)?,
            refunded_in_window: credits(self.refunded)?,
        })
    }

    /// Counts a refund of `credits` made at `at_ms`.
    pub(super) fn count_refund(&mut self, credits: u64, at_ms: i64) {
        if at_ms > self.since {
            self.refunds += 1;
            self.refunded = self
                .refunded
                .saturating_add(i64::try_from(credits).unwrap_or(i64::MAX));
        }
    }
}

/// The account's last pull of its changes, as [`PgLedger::note_pull`] recorded it.
pub(super) async fn last_pull(tx: &Transaction<'_>, account: Uuid) -> Outcome<Option<Timestamp>> {
    let Some(row) = query_opt(
        tx,
        "SELECT value FROM meta WHERE account_id = $1 AND key = $2",
        &[&account, &LAST_PULL_AT],
    )
    .await?
    else {
        return Ok(None);
    };
    let v: String = row.try_get(0)?;
    let at: i64 = v
        .parse()
        .map_err(|_| decode(format!("{LAST_PULL_AT} is not a number: {v}")))?;
    Ok(Some(ts(at)?))
}

/// What the claims of one transaction read once, under the account's lock, and keep current
/// as each claim commits: the safeguard window and the last pull (read the first time a claim
/// needs them, in one round trip), and whether the refund sweep has run at the transaction's
/// instant (a second sweep at the same instant finds nothing).
#[derive(Default)]
struct BatchFacts {
    seen: Option<(Window, Option<Timestamp>)>,
    swept: bool,
}

/// What one claim's writes change in [`BatchFacts`], applied once its savepoint commits: the
/// credits it refunded, and whether it swept.
struct Effect {
    refunded: Option<u64>,
    swept: bool,
}

impl BatchFacts {
    fn apply(&mut self, effect: &Effect, now_ms: i64) {
        if let (Some(credits), Some((window, _))) = (effect.refunded, &mut self.seen) {
            window.count_refund(credits, now_ms);
        }
        self.swept |= effect.swept;
    }

    /// The window and the last pull, read from the database the first time.
    async fn seen(
        &mut self,
        tx: &Transaction<'_>,
        account: Uuid,
        policy: &Policy,
        now: Timestamp,
    ) -> Outcome<&(Window, Option<Timestamp>)> {
        if self.seen.is_none() {
            let read = tokio::try_join!(
                Window::read(tx, account, policy, now),
                last_pull(tx, account)
            )?;
            self.seen = Some(read);
        }
        self.seen
            .as_ref()
            .ok_or_else(|| decode("the batch's window was not read"))
    }
}

/// The refund of an approved claim; its operation id is the claim's, so one claim can only ever
/// cause one refund. `sweep`: whether the refund sweeps first (not when this transaction has
/// swept at the same instant already).
async fn refund_for_claim(
    tx: &Transaction<'_>,
    account: Uuid,
    claim_id: ClaimId,
    generation_id: recoup_core::GenerationId,
    credits: u64,
    now: Timestamp,
    sweep: bool,
) -> Outcome<()> {
    let req = RefundRequest {
        op_id: recoup_core::OpId(claim_id.0),
        generation_id,
        claim_id: Some(claim_id),
        credits: Some(credits),
    };
    refund_in(tx, account, &req, now, sweep).await?;
    Ok(())
}

/// The adjudication of one claim inside a write, with the facts its batch has read so far;
/// answers the claim as recorded and what its writes change in those facts.
async fn adjudicate_in(
    tx: &Transaction<'_>,
    account: Uuid,
    policy: &Policy,
    req: &SubmitClaim,
    now: Timestamp,
    judgement: Judgement,
    facts_so_far: &mut BatchFacts,
) -> Outcome<(ClaimRecord, Effect)> {
    let unchanged = Effect {
        refunded: None,
        swept: false,
    };
    let (details, g) = match intake(tx, account, policy, req).await? {
        Intake::Repeat(existing) => return Ok((existing, unchanged)),
        Intake::New {
            details,
            generation,
        } => (details, generation),
    };
    let (window, pulled) = facts_so_far.seen(tx, account, policy, now).await?;
    let history = window.history(&g)?;
    let (record, verdict) = decide(policy, req, details, &g, &history, *pulled, now, judgement)?;
    Write::claim(
        account,
        &record,
        policy.one_claim_per_generation(),
        &verdict,
    )?
    .run(tx)
    .await?;
    let mut effect = unchanged;
    if verdict.outcome == ClaimOutcome::Refunded {
        let refundable = record.local_decision.refundable_credits;
        refund_for_claim(
            tx,
            account,
            req.claim_id,
            req.generation_id,
            refundable,
            now,
            !facts_so_far.swept,
        )
        .await?;
        effect = Effect {
            refunded: Some(refundable),
            swept: true,
        };
    }
    debug_check(tx, account).await?;
    Ok((record, effect))
}

impl PgLedger {
    /// Adjudicates claims of one account in one transaction (group commit), under `policy`,
    /// decided at the instant `now` answers once the account is locked. Each claim that gets
    /// past its checks runs in its own savepoint, so a refused claim changes nothing and does
    /// not affect the others; each gets its own answer, in order. A claim's judgement (from its
    /// stored output) is used only if the claim is eligible. Claims in review join the review
    /// queue in the same transaction. The window's totals and the last pull are read once.
    pub async fn adjudicate(
        &self,
        account: Uuid,
        items: Vec<(SubmitClaim, Judgement)>,
        policy: &Policy,
        now: impl FnOnce() -> Timestamp,
    ) -> Outcome<Vec<Result<ClaimRecord, StoreError>>> {
        let mut client = self.pool.get().await?;
        let mut tx = client.transaction().await?;
        super::locked(&tx, account).await?;
        let now = now();
        if let Some((answers, wrote)) =
            claim_set::adjudicate_at_once(&tx, account, policy, &items, now).await?
        {
            if wrote {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            return Ok(answers);
        }
        // A refund needs the sweep or a new grant: claim by claim (nothing was written).
        let mut facts = BatchFacts::default();
        if let [(req, judgement)] = items.as_slice() {
            // One claim: the transaction is its savepoint (two round trips fewer).
            return match adjudicate_in(
                &tx,
                account,
                policy,
                req,
                now,
                judgement.clone(),
                &mut facts,
            )
            .await
            {
                Ok((record, _)) => {
                    tx.commit().await?;
                    Ok(vec![Ok(record)])
                }
                Err(LedgerFailure::Refused(e)) => {
                    tx.rollback().await?;
                    Ok(vec![Err(e)])
                }
                Err(e) => Err(e),
            };
        }
        let mut out = Vec::with_capacity(items.len());
        for (req, judgement) in items {
            let sp = tx.savepoint("claim").await?;
            match adjudicate_in(&sp, account, policy, &req, now, judgement, &mut facts).await {
                Ok((record, effect)) => {
                    sp.commit().await?;
                    facts.apply(&effect, ms(now));
                    out.push(Ok(record));
                }
                Err(LedgerFailure::Refused(e)) => {
                    sp.rollback().await?;
                    out.push(Err(e));
                }
                Err(e) => return Err(e),
            }
        }
        tx.commit().await?;
        Ok(out)
    }

    /// A person's decision on a claim in review: approve (refund now, in the same transaction)
    /// or reject (`not_clearly_unusable`); the claim leaves the review queue. A claim not in
    /// review is refused with [`StoreError::InvalidInput`] on `claim`.
    pub async fn review(
        &self,
        account: Uuid,
        claim_id: ClaimId,
        approve: bool,
        now: Timestamp,
    ) -> Outcome<ClaimRecord> {
        self.write(account, async |tx| {
            let claim = load_claim(tx, account, claim_id).await?.ok_or_else(|| {
                LedgerFailure::Refused(StoreError::NotFound {
                    what: "claim",
                    id: claim_id.to_string(),
                })
            })?;
            if claim.outcome != Some(ClaimOutcome::InReview) {
                return Err(LedgerFailure::Refused(StoreError::InvalidInput {
                    field: "claim",
                    problem: format!(
                        "claim {claim_id} is not in review (it is {})",
                        claim.outcome.map_or("queued", |o| o.as_str())
                    ),
                }));
            }
            let g = load(tx, account, claim.generation_id).await?;
            let (outcome, code, refunded) = if approve {
                refund_for_claim(tx, account, claim_id, g.generation_id, g.charged, now, true).await?;
                (ClaimOutcome::Refunded, None, g.charged)
            } else {
                (ClaimOutcome::NotRefunded, Some("not_clearly_unusable"), 0)
            };
            execute(
                tx,
                "UPDATE claims SET outcome = $3, outcome_code = $4, refunded_credits = $5, decided_at = $6
                 WHERE account_id = $1 AND claim_id = $2",
                &[
                    &account,
                    &claim_id.0,
                    &outcome.as_str(),
                    &code,
                    &sql_credits(refunded)?,
                    &ms(now),
                ],
            )
            .await?;
            execute(
                tx,
                "DELETE FROM reviews WHERE account_id = $1 AND claim_id = $2",
                &[&account, &claim_id.0],
            )
            .await?;
            debug_check(tx, account).await?;
            load_claim(tx, account, claim_id)
                .await?
                .ok_or_else(|| decode("claim vanished"))
        })
        .await
    }

    /// One claim as recorded; `None` when the account has no such claim.
    pub async fn claim(&self, account: Uuid, id: ClaimId) -> Outcome<Option<ClaimRecord>> {
        self.read(async |tx| load_claim(tx, account, id).await)
            .await
    }

    /// The account's latest claims, newest first, at most `limit`, each with its generation's
    /// feature (the operator console's view of an account).
    pub async fn recent_claims(
        &self,
        account: Uuid,
        limit: u32,
    ) -> Outcome<Vec<(ClaimRecord, recoup_core::Feature)>> {
        self.read(async |tx| {
            let rows = query(
                tx,
                "SELECT c.claim_id, c.generation_id, c.reason, c.details, c.submitted_at,
                     c.local_decision, c.sync_state, c.outcome, c.outcome_code,
                     c.refunded_credits, c.decided_at, g.feature
                 FROM claims c JOIN generations g
                     ON g.account_id = c.account_id AND g.generation_id = c.generation_id
                 WHERE c.account_id = $1 ORDER BY c.claim_id DESC LIMIT $2",
                &[&account, &i64::from(limit)],
            )
            .await?;
            rows.iter()
                .map(|r| Ok((decode_claim(r)?, parse(&r.try_get::<_, String>(11)?)?)))
                .collect()
        })
        .await
    }

    /// How many claims the account made in all, and how many were refunded.
    pub async fn claim_counts(&self, account: Uuid) -> Outcome<(u64, u64)> {
        self.read(async |tx| {
            let r = query_one(
                tx,
                "SELECT count(*), count(*) FILTER (WHERE outcome = 'refunded') FROM claims
                 WHERE account_id = $1",
                &[&account],
            )
            .await?;
            Ok((credits(r.try_get(0)?)?, credits(r.try_get(1)?)?))
        })
        .await
    }

    /// Records that the account pulled its changes at `now` (the anchor a late report is
    /// weighed against). Writes at most once a minute per account; never moves the record back.
    pub async fn note_pull(&self, account: Uuid, now: Timestamp) -> Outcome<()> {
        let now_ms = ms(now);
        let recorded = self.read(async |tx| last_pull(tx, account).await).await?;
        if recorded.is_some_and(|at| now_ms.saturating_sub(ms(at)) < LAST_PULL_RESOLUTION_MS) {
            return Ok(());
        }
        self.write(account, async |tx| {
            let current = last_pull(tx, account).await?;
            if current.is_none_or(|at| ms(at) < now_ms) {
                execute(
                    tx,
                    "INSERT INTO meta (account_id, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value",
                    &[&account, &LAST_PULL_AT, &now_ms.to_string()],
                )
                .await?;
            }
            Ok(())
        })
        .await
    }
}
