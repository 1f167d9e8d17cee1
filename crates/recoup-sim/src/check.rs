//! The invariants: after every step, and at quiescence.

use std::collections::{BTreeMap, HashMap, HashSet};

use recoup_api::{ClaimOutcome, ClaimRecord, LedgerEntry, SyncState};
use recoup_core::{ClaimId, EntryKind, GenerationId};
use recoup_store::{ClaimQuery, EntryQuery, Store};

use crate::SimError;
use crate::world::World;

fn broken(msg: String) -> SimError {
    SimError::Invariant(msg)
}

/// Every ledger entry (oldest first), paging through the store.
fn entries(store: &Store, who: &str) -> Result<Vec<LedgerEntry>, SimError> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .entries(&EntryQuery {
                kind: None,
                generation_id: None,
                before_seq: before,
                limit: 1_000,
            })
            .map_err(|e| broken(format!("{who}: entries unreadable: {e}")))?;
        let Some(last) = page.last() else { break };
        before = Some(last.seq);
        out.extend(page);
    }
    out.reverse();
    Ok(out)
}

/// Every claim, paging through the store.
fn claims(store: &Store, who: &str) -> Result<Vec<ClaimRecord>, SimError> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .claims(&ClaimQuery {
                sync_state: None,
                before,
                limit: 1_000,
            })
            .map_err(|e| broken(format!("{who}: claims unreadable: {e}")))?;
        let Some(last) = page.last() else { break };
        before = Some(last.claim_id);
        out.extend(page);
    }
    Ok(out)
}

/// Conservation, one settlement per hold and refund at most the charge (`Store::verify`), and
/// one refund per generation (from the entries).
fn ledger(store: &Store, who: &str) -> Result<Vec<LedgerEntry>, SimError> {
    store
        .verify()
        .map_err(|e| broken(format!("{who}: the ledger does not verify: {e}")))?;
    let all = entries(store, who)?;
    let mut refunds: HashMap<GenerationId, u32> = HashMap::new();
    for e in &all {
        if e.kind == EntryKind::Refund
            && let Some(g) = e.generation_id
        {
            let n = refunds.entry(g).or_default();
            *n += 1;
            if *n > 1 {
                return Err(broken(format!("{who}: generation {g} refunded twice")));
            }
        }
    }
    Ok(all)
}

/// The endpoint's store of account `a`, read from its data dir.
fn endpoint_store(w: &World, a: usize) -> Result<Store, SimError> {
    let path = w
        .net
        .dir()
        .join("accounts")
        .join(w.accounts[a].id.to_string())
        .join("ledger.sqlite3");
    Store::open(&path).map_err(|e| broken(format!("endpoint account {a}: store unreadable: {e}")))
}

/// After every step.
pub(crate) fn every_step(w: &mut World) -> Result<(), SimError> {
    for d in &w.devices {
        let who = format!("device {}", d.index);
        let Some(store) = d.store.as_ref() else {
            continue;
        };
        ledger(store, &who)?;
        // No report lost: each one the device made is answered, or still waiting to be sent.
        let waiting: HashSet<uuid::Uuid> = store
            .outbox_due(recoup_core::Timestamp::MAX, 100_000)
            .map_err(|e| broken(format!("{who}: outbox unreadable: {e}")))?
            .into_iter()
            .map(|i| i.item_id)
            .collect();
        for id in &d.made {
            let c = store
                .claim(*id)
                .map_err(|e| broken(format!("{who}: report {id} lost: {e}")))?;
            let answered = c.outcome.is_some();
            let queued = waiting.contains(&id.0) || c.sync_state == SyncState::Quarantined;
            if !answered && !queued {
                return Err(broken(format!(
                    "{who}: report {id} has no answer and is not queued ({:?})",
                    c.sync_state
                )));
            }
        }
    }
    for a in 0..w.accounts.len() {
        let who = format!("endpoint account {a}");
        let store = endpoint_store(w, a)?;
        ledger(&store, &who)?;
        let mut per_generation: HashMap<GenerationId, ClaimId> = HashMap::new();
        for c in claims(&store, &who)? {
            if let Some(other) = per_generation.insert(c.generation_id, c.claim_id) {
                return Err(broken(format!(
                    "{who}: generation {} has two claims ({other}, {})",
                    c.generation_id, c.claim_id
                )));
            }
            if let Some(r) = c.refunded_credits
                && c.outcome != Some(ClaimOutcome::Refunded)
                && r > 0
            {
                return Err(broken(format!(
                    "{who}: claim {} refunded {r} without a refund outcome",
                    c.claim_id
                )));
            }
        }
    }
    Ok(())
}

/// The entries as comparable rows (the sequence numbers are each store's own).
fn rows(entries: &[LedgerEntry]) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for e in entries {
        let key = format!(
            "{} {} {:?} {} {} {:?}",
            e.kind, e.grant_id, e.generation_id, e.credits, e.at, e.op_id
        );
        *m.entry(key).or_insert(0) += 1;
    }
    m
}

/// After the quiescent phase.
pub(crate) fn at_quiescence(w: &mut World) -> Result<(), SimError> {
    let mut refunded = 0;
    let mut in_review = 0;
    for a in 0..w.accounts.len() {
        let who = format!("endpoint account {a}");
        let store = endpoint_store(w, a)?;
        let truth = ledger(&store, &who)?;
        let truth_rows = rows(&truth);
        let truth_totals = store.verify().map_err(|e| broken(format!("{who}: {e}")))?;
        let endpoint_claims: HashMap<ClaimId, ClaimRecord> = claims(&store, &who)?
            .into_iter()
            .map(|c| (c.claim_id, c))
            .collect();
        for d in w.devices.iter().filter(|d| d.account == a) {
            let dwho = format!("device {}", d.index);
            let Some(ds) = d.store.as_ref() else {
                return Err(broken(format!("{dwho} is down at quiescence")));
            };
            let mine = ledger(ds, &dwho)?;
            let mine_rows = rows(&mine);
            if mine_rows != truth_rows {
                let only_here: Vec<_> = mine_rows
                    .keys()
                    .filter(|k| !truth_rows.contains_key(*k))
                    .collect();
                let only_there: Vec<_> = truth_rows
                    .keys()
                    .filter(|k| !mine_rows.contains_key(*k))
                    .collect();
                return Err(broken(format!(
                    "{dwho}'s ledger differs from the endpoint's: {} vs {} entries; only on the device {only_here:?}; only on the endpoint {only_there:?}",
                    mine.len(),
                    truth.len()
                )));
            }
            let totals = ds.verify().map_err(|e| broken(format!("{dwho}: {e}")))?;
            if totals != truth_totals {
                return Err(broken(format!(
                    "{dwho}'s balances {totals:?} differ from the endpoint's {truth_totals:?}"
                )));
            }
            // Every generation a device learnt of stands the same on the device and the endpoint.
            for g in &w.accounts[a].generations {
                let there = store
                    .generation(*g)
                    .map_err(|e| broken(format!("{who}: generation {g} unreadable: {e}")))?;
                let here = ds
                    .generation(*g)
                    .map_err(|e| broken(format!("{dwho}: generation {g} missing: {e}")))?;
                let facts = |r: &recoup_api::GenerationRecord| {
                    (
                        r.status,
                        r.cost,
                        r.charged,
                        r.finished_at,
                        r.hold_expires_at,
                    )
                };
                if facts(&here) != facts(&there) {
                    return Err(broken(format!(
                        "{dwho}: generation {g} is {:?} here and {:?} on the endpoint",
                        facts(&here),
                        facts(&there)
                    )));
                }
            }
            for id in &d.made {
                let c = ds
                    .claim(*id)
                    .map_err(|e| broken(format!("{dwho}: report {id} lost: {e}")))?;
                let Some(outcome) = c.outcome else {
                    return Err(broken(format!(
                        "{dwho}: report {id} has no answer at quiescence ({:?})",
                        c.sync_state
                    )));
                };
                if c.sync_state != SyncState::Acknowledged {
                    return Err(broken(format!(
                        "{dwho}: report {id} answered {outcome} but still {:?}",
                        c.sync_state
                    )));
                }
                match endpoint_claims.get(id) {
                    Some(e) => {
                        if e.outcome != Some(outcome)
                            || e.refunded_credits.unwrap_or(0) != c.refunded_credits.unwrap_or(0)
                        {
                            return Err(broken(format!(
                                "{dwho}: report {id} is {outcome} ({:?} credits) here and {:?} ({:?}) on the endpoint",
                                c.refunded_credits, e.outcome, e.refunded_credits
                            )));
                        }
                    }
                    // Refused before it was recorded (a second report on a generation, a
                    // generation the endpoint does not know): a final "not refunded".
                    None if outcome == ClaimOutcome::NotRefunded => {}
                    None => {
                        return Err(broken(format!(
                            "{dwho}: report {id} is {outcome} here and unknown to the endpoint"
                        )));
                    }
                }
                match outcome {
                    ClaimOutcome::Refunded => refunded += 1,
                    ClaimOutcome::InReview => in_review += 1,
                    ClaimOutcome::NotRefunded => {}
                }
            }
        }
    }
    w.stats.refunded = refunded;
    w.stats.in_review = in_review;
    Ok(())
}
