//! What was written is there after the store is dropped and the file reopened.

use recoup_core::{Feature, GenerationStatus, GrantKind, Platform, Surface};
use recoup_store::{
    FinishGeneration, GrantRequest, HistoryFilter, HistoryQuery, Outcome, RefundRequest, Store,
};

use crate::support::{
    TestClock, all_claims, all_entries, claim_req, finish, grant, op_at, secs, start, succeeded,
    temp_store,
};

#[test]
fn grants_generations_claims_and_refunds_survive_reopening() {
    let (_dir, path, mut store) = temp_store();
    let mut clock = TestClock::start();
    let now = clock.now();
    let allowance = GrantRequest::new(op_at(now), GrantKind::Allowance, 100);
    store.grant(&allowance, now).unwrap();
    grant(
        &mut store,
        GrantKind::Promotion,
        7,
        Some(now + secs(7 * 86_400)),
        now,
    );
    let ok = succeeded(
        &mut store,
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let refunded = succeeded(
        &mut store,
        Feature::FlatLay,
        Platform::Ios,
        Surface::Editor,
        now,
    );
    let failed = start(&mut store, Feature::Logo, now);
    finish(&mut store, failed, false, now);
    let running = start(&mut store, Feature::VideoGenerator, now);
    let claim = claim_req(ok, now);
    store.submit_claim(&claim, now).unwrap();
    let refund = RefundRequest {
        op_id: op_at(now),
        generation_id: refunded,
        claim_id: None,
        credits: None,
    };
    let receipt = store.refund(&refund, now).unwrap();

    let later = clock.advance(60);
    let balance = store.balance(later).unwrap();
    let verified = store.verify().unwrap();
    let entries = all_entries(&store);
    let history = store
        .history(&HistoryQuery {
            filter: HistoryFilter::default(),
            before: None,
            limit: 50,
        })
        .unwrap();
    let claims = all_claims(&store);
    let outbox = store.outbox_due(later, 10).unwrap();
    drop(store);

    let mut store = Store::open(&path).expect("the file reopens");
    assert_eq!(
        store.verify().expect("the reopened ledger verifies"),
        verified,
        "the re-derived totals are the same after reopening"
    );
    assert_eq!(
        store.balance(later).unwrap(),
        balance,
        "balances and grants are the same after reopening"
    );
    assert_eq!(all_entries(&store), entries, "every ledger entry survived");
    assert_eq!(
        store
            .history(&HistoryQuery {
                filter: HistoryFilter::default(),
                before: None,
                limit: 50,
            })
            .unwrap(),
        history,
        "the history is the same after reopening"
    );
    assert_eq!(all_claims(&store), claims, "the claim survived");
    assert_eq!(
        store.outbox_due(later, 10).unwrap(),
        outbox,
        "the outbox survived, still due"
    );
    assert_eq!(
        store.generation(running).unwrap().status,
        GenerationStatus::Running,
        "a generation running at shutdown is still running"
    );

    // Idempotency records survived too: repeats still return the first answers.
    assert_eq!(
        store.refund(&refund, later).unwrap(),
        receipt,
        "a refund repeated after reopening returns the first receipt"
    );
    assert_eq!(
        store.submit_claim(&claim, later).unwrap(),
        claims[0],
        "a claim repeated after reopening returns the stored claim"
    );
    // And the store carries on: the running generation can finish.
    let done = store
        .finish_generation(
            &FinishGeneration {
                op_id: op_at(later),
                generation_id: running,
                outcome: Outcome::Succeeded { output_ref: None },
            },
            later,
        )
        .unwrap();
    assert_eq!(
        done.charged, 20,
        "the held video is captured after reopening"
    );
    assert_eq!(
        all_entries(&store).len(),
        entries.len() + 1,
        "only the capture was added"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn two_handles_on_one_file_see_each_others_writes() {
    let (_dir, path, mut a) = temp_store();
    let mut b = Store::open(&path).unwrap();
    let now = crate::support::t0();
    grant(&mut a, GrantKind::Allowance, 10, None, now);
    let g = start(&mut b, Feature::VirtualModel, now);
    assert_eq!(
        a.balance(now).unwrap().totals.held,
        4,
        "a write through one handle is visible through the other"
    );
    finish(&mut a, g, true, now);
    assert_eq!(
        b.generation(g).unwrap().status,
        GenerationStatus::Succeeded,
        "and back"
    );
    a.verify().expect("the ledger verifies");
}
