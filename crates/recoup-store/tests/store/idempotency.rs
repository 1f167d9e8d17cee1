//! Client-made ids as idempotency keys: the same id with the same request returns the first
//! answer and writes nothing; the same id with another request is refused; a refusal records
//! nothing, so the id can be used again once the cause is gone.

use recoup_core::{ClaimReason, Feature, GrantKind, LedgerError, OpId, Platform, Surface};
use recoup_store::{FinishGeneration, GrantRequest, Outcome, RefundRequest, StoreError};

use crate::support::{
    TestClock, claim_req, entry_count, gen_at, op_at, rows, start_req, temp_store,
};

#[test]
fn the_same_id_and_request_returns_the_first_answer_and_writes_nothing() {
    let (_dir, path, mut store) = temp_store();
    let mut clock = TestClock::start();

    let grant = GrantRequest::new(op_at(clock.now()), GrantKind::Allowance, 100);
    let first_grant = store.grant(&grant, clock.now()).unwrap();
    let start = start_req(
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    let first_start = store.start_generation(&start, clock.now()).unwrap();
    let finish = FinishGeneration {
        op_id: op_at(clock.now()),
        generation_id: start.generation_id,
        outcome: Outcome::Succeeded {
            output_ref: Some("out/1.png".to_owned()),
        },
    };
    let first_finish = store.finish_generation(&finish, clock.now()).unwrap();
    let refund = RefundRequest {
        op_id: op_at(clock.now()),
        generation_id: start.generation_id,
        claim_id: None,
        credits: Some(2),
    };
    let first_refund = store.refund(&refund, clock.now()).unwrap();
    let claim = claim_req(start.generation_id, clock.now());
    let first_claim = store.submit_claim(&claim, clock.now()).unwrap();

    let before = rows(&path);
    let entries = entry_count(&store);
    let balance = store.balance(clock.now()).unwrap();
    // Repeated later, as a client retrying after a crash or a lost answer would.
    let now = clock.advance(120);
    assert_eq!(
        store.grant(&grant, now).unwrap(),
        first_grant,
        "a repeated grant returns the first grant record"
    );
    assert_eq!(
        store.start_generation(&start, now).unwrap(),
        first_start,
        "a repeated start returns the first answer (the generation as it was started)"
    );
    assert_eq!(
        store.finish_generation(&finish, now).unwrap(),
        first_finish,
        "a repeated finish returns the first answer instead of 'already settled'"
    );
    assert_eq!(
        store.refund(&refund, now).unwrap(),
        first_refund,
        "a repeated refund returns the first receipt instead of 'already refunded'"
    );
    assert_eq!(
        store.submit_claim(&claim, now).unwrap(),
        first_claim,
        "a repeated claim returns the stored claim instead of 'already claimed'"
    );
    assert_eq!(
        rows(&path),
        before,
        "repeats write nothing: operations, entries, grants, generations, claims, outbox unchanged"
    );
    assert_eq!(entry_count(&store), entries, "no ledger entry was added");
    assert_eq!(
        store.balance(clock.now()).unwrap().totals,
        balance.totals,
        "repeats move no credit"
    );
    assert_eq!(store.outbox_len().unwrap(), 1, "the claim is queued once");
    store.verify().expect("the ledger verifies");
}

#[test]
fn the_same_id_with_another_request_is_a_conflict_and_writes_nothing() {
    let (_dir, path, mut store) = temp_store();
    let now = crate::support::t0();
    let grant = GrantRequest::new(op_at(now), GrantKind::Allowance, 100);
    store.grant(&grant, now).unwrap();
    let start = start_req(Feature::VirtualModel, Platform::Web, Surface::Editor, now);
    store.start_generation(&start, now).unwrap();
    let finish = FinishGeneration {
        op_id: op_at(now),
        generation_id: start.generation_id,
        outcome: Outcome::Succeeded { output_ref: None },
    };
    store.finish_generation(&finish, now).unwrap();
    let refund = RefundRequest {
        op_id: op_at(now),
        generation_id: start.generation_id,
        claim_id: None,
        credits: None,
    };
    store.refund(&refund, now).unwrap();
    let claim = claim_req(start.generation_id, now);
    store.submit_claim(&claim, now).unwrap();
    let before = rows(&path);

    let mut conflicts: Vec<(&str, StoreError)> = Vec::new();
    let mut other_grant = grant.clone();
    other_grant.credits = 101;
    conflicts.push((
        "grant with other credits",
        store.grant(&other_grant, now).unwrap_err(),
    ));
    let mut other_start = start;
    other_start.feature = Feature::FlatLay;
    conflicts.push((
        "start with another feature",
        store.start_generation(&other_start, now).unwrap_err(),
    ));
    let mut other_finish = finish.clone();
    other_finish.outcome = Outcome::Failed {
        error: "boom".to_owned(),
    };
    conflicts.push((
        "finish with another outcome",
        store.finish_generation(&other_finish, now).unwrap_err(),
    ));
    let mut other_refund = refund.clone();
    other_refund.credits = Some(1);
    conflicts.push((
        "refund of another amount",
        store.refund(&other_refund, now).unwrap_err(),
    ));
    // An id used for one kind of operation cannot be reused for another kind.
    let cross = FinishGeneration {
        op_id: grant.op_id,
        generation_id: start.generation_id,
        outcome: Outcome::Succeeded { output_ref: None },
    };
    conflicts.push((
        "a grant's id reused for a finish",
        store.finish_generation(&cross, now).unwrap_err(),
    ));
    let mut other_claim = claim.clone();
    other_claim.reason = ClaimReason::WrongSubject;
    conflicts.push((
        "claim with another reason",
        store.submit_claim(&other_claim, now).unwrap_err(),
    ));
    for (what, err) in conflicts {
        assert!(
            matches!(err, StoreError::IdempotencyConflict { .. }),
            "{what}: must be refused as an idempotency conflict, got {err:?}"
        );
        assert_eq!(err.code(), "idempotency_conflict", "{what}: stable code");
    }
    assert_eq!(rows(&path), before, "conflicting requests write nothing");
    store.verify().expect("the ledger verifies");
}

#[test]
fn a_refused_operation_records_nothing_so_its_id_can_be_retried() {
    let (_dir, path, mut store) = temp_store();
    let now = crate::support::t0();
    let start = start_req(Feature::VirtualModel, Platform::Web, Surface::Editor, now);
    let err = store.start_generation(&start, now).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Ledger(LedgerError::InsufficientCredits {
                needed: 4,
                available: 0
            })
        ),
        "no credits yet: refused, got {err:?}"
    );
    assert_eq!(
        rows(&path).operations,
        0,
        "a refused operation leaves no idempotency record"
    );
    assert_eq!(
        rows(&path).generations,
        0,
        "a refused start leaves no generation"
    );
    store
        .grant(&GrantRequest::new(op_at(now), GrantKind::TopUp, 10), now)
        .unwrap();
    let started = store
        .start_generation(&start, now)
        .expect("the same id succeeds once there are credits");
    assert_eq!(
        (started.generation_id, started.cost),
        (start.generation_id, 4),
        "the retried start is the generation asked for"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn an_unknown_generation_is_not_found_for_finish_and_refund() {
    let (_dir, path, mut store) = temp_store();
    let now = crate::support::t0();
    let ghost = gen_at(now);
    let before = rows(&path);
    let finish = store
        .finish_generation(
            &FinishGeneration {
                op_id: OpId(crate::support::uuid_at(now)),
                generation_id: ghost,
                outcome: Outcome::Succeeded { output_ref: None },
            },
            now,
        )
        .unwrap_err();
    let refund = store
        .refund(
            &RefundRequest {
                op_id: op_at(now),
                generation_id: ghost,
                claim_id: None,
                credits: None,
            },
            now,
        )
        .unwrap_err();
    for (what, err) in [("finish", finish), ("refund", refund)] {
        assert!(
            matches!(&err, StoreError::NotFound { what: "generation", id } if *id == ghost.to_string()),
            "{what} of an unknown generation: NotFound naming it, got {err:?}"
        );
        assert_eq!(err.code(), "not_found", "{what}: stable code");
    }
    assert_eq!(rows(&path), before, "nothing written");
}

#[test]
fn the_same_operation_from_two_processes_at_once_is_applied_once() {
    use std::sync::{Arc, Barrier};
    let (_dir, path, store) = temp_store();
    drop(store);
    let now = crate::support::t0();
    for round in 0..10 {
        let req = GrantRequest::new(op_at(now), GrantKind::TopUp, 3);
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                let path = path.clone();
                let req = req.clone();
                std::thread::spawn(move || {
                    let mut mine = recoup_store::Store::open(&path).expect("open a handle");
                    barrier.wait();
                    mine.grant(&req, now)
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        assert!(
            results.iter().all(Result::is_ok)
                && results[0].as_ref().ok() == results[1].as_ref().ok(),
            "round {round}: both racing copies of one grant get the same answer, got {results:?}"
        );
        let r = rows(&path);
        assert_eq!(
            (r.grants, r.operations),
            (round + 1, round + 1),
            "round {round}: the grant was applied once"
        );
    }
    let store = recoup_store::Store::open(&path).unwrap();
    assert_eq!(
        store.balance(now).unwrap().totals.granted,
        30,
        "ten grants of 3, none doubled"
    );
    store.verify().expect("the ledger verifies");
}
