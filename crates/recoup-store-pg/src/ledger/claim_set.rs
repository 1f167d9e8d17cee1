//! Claims decided in memory and written in one round trip: the common case of
//! [`PgLedger::adjudicate`](super::PgLedger::adjudicate), where no refund of the batch needs
//! the sweep (nothing stale or expiring at the batch's instant) or a new grant (every grant a
//! refund goes back to is live).
//!
//! Under the account's lock, every fact the batch's claims depend on is read at once (one
//! round trip of pipelined reads): the claims with the batch's ids, their generations with
//! their latest claims, the safeguard window's totals, the last pull, which generations were
//! refunded, their captures' allocations and those grants' projections. Each claim is then
//! decided in order by the same checks and rules as claim by claim ([`checked`], [`decide`],
//! [`refund_plan`], the balance arithmetic of recoup-core), each claim seeing what the ones
//! before it did; a refused claim changes nothing. The writes go out in one round trip, in
//! the order claim by claim would have run them, so the triggers number the change feed and
//! the events identically.

use std::collections::{HashMap, HashSet};

use deadpool_postgres::Transaction;
use recoup_core::Timestamp;
use uuid::Uuid;

use recoup_core::{Allocation, Balances, EntryKind, GenerationId, GrantId, OpId, Policy};
use recoup_store::{
    ClaimOutcome, ClaimRecord, ClaimSummary, GenerationRecord, Judgement, StoreError, SubmitClaim,
    SyncState,
};

use super::claims::{Intake, Window, checked, decide, last_pull, load_claims};
use super::codec::ms;
use super::generations::load_many;
use super::grants::{balances_for_captures, captures_of, refund_plan, refunded_among, sweep_due};
use super::writes::{Write, pipeline};
use super::{LedgerFailure, Outcome};

/// The answers of a batch decided at once, and whether anything was written; `None` when a
/// refund needs the sweep or a new grant (then nothing was written and the caller goes claim
/// by claim).
pub(super) type Answers = Option<(Vec<Result<ClaimRecord, StoreError>>, bool)>;

/// Decides `items` under `policy` at `now` and writes them (see the module's documentation).
/// The account must be locked by `tx`.
pub(super) async fn adjudicate_at_once(
    tx: &Transaction<'_>,
    account: Uuid,
    policy: &Policy,
    items: &[(SubmitClaim, Judgement)],
    now: Timestamp,
) -> Outcome<Answers> {
    let now_ms = ms(now);
    let claim_ids: Vec<Uuid> = items.iter().map(|(r, _)| r.claim_id.0).collect();
    let generation_ids: Vec<Uuid> = items.iter().map(|(r, _)| r.generation_id.0).collect();
    let (claims, generations, window, pulled, due, captures, refunded, balances) = tokio::try_join!(
        load_claims(tx, account, &claim_ids),
        load_many(tx, account, &generation_ids),
        Window::read(tx, account, policy, now),
        last_pull(tx, account),
        sweep_due(tx, account, now_ms),
        captures_of(tx, account, &generation_ids, now_ms),
        refunded_among(tx, account, &generation_ids),
        balances_for_captures(tx, account, &generation_ids),
    )?;
    let mut facts = Facts {
        claims: claims.into_iter().map(|c| (c.claim_id.0, c)).collect(),
        generations: generations
            .into_iter()
            .map(|g| (g.generation_id, g))
            .collect(),
        window,
        refunded,
        captures,
        balances,
    };
    let mut writes = Vec::new();
    let mut answers = Vec::with_capacity(items.len());
    for (req, judgement) in items {
        let (details, generation) = match checked(
            facts.claims.get(&req.claim_id.0).cloned(),
            facts.generations.get(&req.generation_id).cloned(),
            policy,
            req,
        ) {
            Ok(Intake::Repeat(record)) => {
                answers.push(Ok(record));
                continue;
            }
            Ok(Intake::New {
                details,
                generation,
            }) => (details, generation),
            Err(LedgerFailure::Refused(e)) => {
                answers.push(Err(e));
                continue;
            }
            Err(e) => return Err(e),
        };
        let history = facts.window.history(&generation)?;
        let (record, verdict) = decide(
            policy,
            req,
            details,
            &generation,
            &history,
            pulled,
            now,
            judgement.clone(),
        )?;
        let claim_write = Write::claim(
            account,
            &record,
            policy.one_claim_per_generation(),
            &verdict,
        )?;
        let refund = if verdict.outcome == ClaimOutcome::Refunded {
            if due {
                // Claim by claim, this refund sweeps first.
                return Ok(None);
            }
            match facts.refund(
                account,
                &generation,
                req,
                record.local_decision.refundable_credits,
                now_ms,
            ) {
                Ok(Some(refund)) => Some(refund),
                Ok(None) => return Ok(None),
                Err(LedgerFailure::Refused(e)) => {
                    answers.push(Err(e));
                    continue;
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        writes.push(claim_write);
        if let Some(refund) = refund {
            writes.extend(refund.writes);
            facts.balances.extend(refund.balances);
            facts.refunded.insert(generation.generation_id);
            facts.window.count_refund(refund.amount, now_ms);
        }
        facts.claimed(&generation, &record);
        answers.push(Ok(record));
    }
    if writes.is_empty() {
        return Ok(Some((answers, false)));
    }
    pipeline(tx, &writes).await?;
    super::grants::debug_check(tx, account).await?;
    Ok(Some((answers, true)))
}

/// What the batch's claims depend on, as the claims before the current one left it.
struct Facts {
    claims: HashMap<Uuid, ClaimRecord>,
    generations: HashMap<GenerationId, GenerationRecord>,
    /// The safeguard window, as the claims before the current one left it.
    window: Window,
    refunded: HashSet<GenerationId>,
    /// The captures' allocations of the batch's generations, with whether each grant is live.
    captures: HashMap<GenerationId, Vec<(Allocation, bool)>>,
    balances: HashMap<GrantId, Balances>,
}

/// A refund decided in memory: its writes, the projections it leaves, and its amount.
struct PlannedRefund {
    writes: Vec<Write>,
    balances: HashMap<GrantId, Balances>,
    amount: u64,
}

impl Facts {
    /// The refund of `generation`'s charge for claim `req`, as `refund_in` would write it;
    /// `None` when some of it goes back to an expired grant (a new grant: claim by claim).
    fn refund(
        &self,
        account: Uuid,
        generation: &GenerationRecord,
        req: &SubmitClaim,
        refundable: u64,
        now_ms: i64,
    ) -> Outcome<Option<PlannedRefund>> {
        let g = generation.generation_id;
        let op_id = OpId(req.claim_id.0);
        let captured: &[_] = self.captures.get(&g).map_or(&[], Vec::as_slice);
        let plan = refund_plan(
            g,
            self.refunded.contains(&g),
            generation.charged,
            captured,
            Some(refundable),
        )?;
        let mut balances = HashMap::new();
        let mut writes = Vec::new();
        for (a, live) in &plan.back {
            if !live {
                return Ok(None);
            }
            let mut b = balances
                .get(&a.grant)
                .or_else(|| self.balances.get(&a.grant))
                .copied()
                .ok_or_else(|| {
                    LedgerFailure::Refused(StoreError::NotFound {
                        what: "grant",
                        id: a.grant.to_string(),
                    })
                })?;
            EntryKind::Refund.apply(&mut b, a.credits)?;
            b.check()?;
            writes.push(Write::post(
                account,
                Some(op_id),
                EntryKind::Refund,
                a.grant,
                Some(g),
                a.credits,
                now_ms,
                &b,
            )?);
            balances.insert(a.grant, b);
        }
        writes.push(Write::refund(
            account,
            g,
            Some(req.claim_id.0),
            plan.amount,
            op_id,
            now_ms,
        )?);
        Ok(Some(PlannedRefund {
            writes,
            balances,
            amount: plan.amount,
        }))
    }

    /// Records a new claim: a later claim with its id is a repeat, and its generation's latest
    /// claim is the one with the greatest id (as the generation's query orders them).
    fn claimed(&mut self, generation: &GenerationRecord, record: &ClaimRecord) {
        if let Some(g) = self.generations.get_mut(&generation.generation_id)
            && g.claim
                .as_ref()
                .is_none_or(|latest| latest.claim_id.0 < record.claim_id.0)
        {
            g.claim = Some(ClaimSummary {
                claim_id: record.claim_id,
                local_eligible: record.local_decision.eligible,
                sync_state: SyncState::Acknowledged,
                outcome: record.outcome,
            });
        }
        self.claims.insert(record.claim_id.0, record.clone());
    }
}
