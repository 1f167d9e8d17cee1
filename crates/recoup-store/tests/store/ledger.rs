//! Burn-down order, refunds back to their source grants, expiry, through the store.

use recoup_core::{Balances, Feature, GrantId, GrantKind, LedgerError};
use recoup_store::{
    EntryKind, EntryQuery, GrantRecord, REFUND_REGRANT_TTL_SECS, RefundRequest, Store, StoreError,
};

use crate::support::{TestClock, entry_count, finish, grant, op_at, secs, start, t0};

fn grant_of(store: &Store, id: GrantId, now: recoup_core::Timestamp) -> GrantRecord {
    store
        .balance(now)
        .expect("balance")
        .grants
        .into_iter()
        .find(|g| g.terms.grant_id == id)
        .expect("the grant is listed in the balance")
}

/// The hold entries of a generation, oldest first, as (grant, credits).
fn holds(store: &Store, g: recoup_core::GenerationId) -> Vec<(GrantId, u64)> {
    let mut e = store
        .entries(&EntryQuery {
            kind: Some(EntryKind::Hold),
            generation_id: Some(g),
            before_seq: None,
            limit: 100,
        })
        .expect("entries");
    e.reverse();
    e.into_iter().map(|e| (e.grant_id, e.credits)).collect()
}

#[test]
fn promotion_burns_before_allowance_before_top_up_and_earliest_expiry_first() {
    let now = t0();
    let mut store = Store::open_in_memory().unwrap();
    // Granted in the reverse of the burn-down order, so insertion order cannot explain it.
    let top_up = grant(&mut store, GrantKind::TopUp, 10, None, now)
        .terms
        .grant_id;
    let allowance = grant(&mut store, GrantKind::Allowance, 10, None, now)
        .terms
        .grant_id;
    let promo_late = grant(
        &mut store,
        GrantKind::Promotion,
        3,
        Some(now + secs(10 * 86_400)),
        now,
    )
    .terms
    .grant_id;
    let promo_soon = grant(
        &mut store,
        GrantKind::Promotion,
        3,
        Some(now + secs(5 * 86_400)),
        now,
    )
    .terms
    .grant_id;

    let order: Vec<GrantId> = store
        .balance(now)
        .unwrap()
        .grants
        .iter()
        .map(|g| g.terms.grant_id)
        .collect();
    assert_eq!(
        order,
        vec![promo_soon, promo_late, allowance, top_up],
        "balance lists grants in burn-down order: promotions (soonest expiry first), allowance, top-up"
    );

    // A video costs 20: 3 + 3 from the promotions, 10 from the allowance, 4 from the top-up.
    let video = start(&mut store, Feature::VideoGenerator, now);
    assert_eq!(
        holds(&store, video),
        vec![
            (promo_soon, 3),
            (promo_late, 3),
            (allowance, 10),
            (top_up, 4)
        ],
        "the hold burns promotion (earliest expiry first), then allowance, then top-up"
    );
    for (id, held, available) in [
        (promo_soon, 3, 0),
        (promo_late, 3, 0),
        (allowance, 10, 0),
        (top_up, 4, 6),
    ] {
        let b = grant_of(&store, id, now).balances;
        assert_eq!(
            (b.held, b.available),
            (held, available),
            "grant {id}: held and available after the hold"
        );
    }

    let done = finish(&mut store, video, true, now + secs(30));
    assert_eq!(done.charged, 20, "a succeeded video is charged its price");
    for (id, spent) in [
        (promo_soon, 3),
        (promo_late, 3),
        (allowance, 10),
        (top_up, 4),
    ] {
        let b = grant_of(&store, id, now).balances;
        assert_eq!(
            (b.held, b.spent),
            (0, spent),
            "grant {id}: the capture charges exactly what was held from it"
        );
    }

    // A full refund returns to every grant what was taken from it.
    let receipt = store
        .refund(
            &RefundRequest {
                op_id: op_at(now + secs(60)),
                generation_id: video,
                claim_id: None,
                credits: None,
            },
            now + secs(60),
        )
        .unwrap();
    assert_eq!(
        receipt.credits, 20,
        "a refund without an amount refunds the whole charge"
    );
    assert_eq!(receipt.regrant, None, "no grant expired, so no re-grant");
    for (id, refunded, available) in [
        (promo_soon, 3, 3),
        (promo_late, 3, 3),
        (allowance, 10, 10),
        (top_up, 4, 10),
    ] {
        let b = grant_of(&store, id, now + secs(60)).balances;
        assert_eq!(
            (b.refunded, b.available),
            (refunded, available),
            "grant {id}: the refund comes back to the grant the charge came from"
        );
    }
    let totals = store.balance(now + secs(60)).unwrap().totals;
    assert_eq!(
        totals,
        Balances {
            granted: 26,
            available: 26,
            held: 0,
            spent: 20,
            refunded: 20,
            expired: 0
        },
        "after a full refund everything is available again; spent stays gross"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn partial_refund_goes_back_last_burned_first() {
    let now = t0();
    let mut store = Store::open_in_memory().unwrap();
    let promo = grant(
        &mut store,
        GrantKind::Promotion,
        2,
        Some(now + secs(86_400)),
        now,
    )
    .terms
    .grant_id;
    let allowance = grant(&mut store, GrantKind::Allowance, 10, None, now)
        .terms
        .grant_id;
    let g = start(&mut store, Feature::VirtualModel, now); // 4 credits: 2 promo + 2 allowance
    finish(&mut store, g, true, now);
    let receipt = store
        .refund(
            &RefundRequest {
                op_id: op_at(now),
                generation_id: g,
                claim_id: None,
                credits: Some(3),
            },
            now,
        )
        .unwrap();
    assert_eq!(
        receipt.credits, 3,
        "the partial amount asked for is refunded"
    );
    let back: Vec<(GrantId, u64)> = receipt
        .returned_to
        .iter()
        .map(|a| (a.grant, a.credits))
        .collect();
    assert_eq!(
        back,
        vec![(allowance, 2), (promo, 1)],
        "a partial refund goes back to the last-burned grant first"
    );
    assert_eq!(
        grant_of(&store, allowance, now).balances.refunded,
        2,
        "the allowance got back what it gave"
    );
    assert_eq!(
        grant_of(&store, promo, now).balances.refunded,
        1,
        "the promotion got the rest"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn refund_to_a_grant_that_expired_meanwhile_becomes_a_refund_grant() {
    let mut clock = TestClock::start();
    let mut store = Store::open_in_memory().unwrap();
    let promo_expires = clock.now() + secs(3_600);
    let promo = grant(
        &mut store,
        GrantKind::Promotion,
        6,
        Some(promo_expires),
        clock.now(),
    )
    .terms
    .grant_id;
    let allowance = grant(&mut store, GrantKind::Allowance, 10, None, clock.now())
        .terms
        .grant_id;
    let first = start(&mut store, Feature::VirtualModel, clock.now()); // 4 from the promotion
    finish(&mut store, first, true, clock.now());
    let second = start(&mut store, Feature::FlatLay, clock.now()); // 2 promo + 2 allowance
    finish(&mut store, second, true, clock.now());

    let now = clock.advance(2 * 3_600); // the promotion has expired
    let op = op_at(now);
    let receipt = store
        .refund(
            &RefundRequest {
                op_id: op,
                generation_id: second,
                claim_id: None,
                credits: None,
            },
            now,
        )
        .unwrap();
    let regrant = GrantId(op.0);
    assert_eq!(
        receipt.regrant,
        Some(regrant),
        "the part that belonged to the expired promotion comes back as a new grant named after the refund"
    );
    let back: Vec<(GrantId, u64)> = receipt
        .returned_to
        .iter()
        .map(|a| (a.grant, a.credits))
        .collect();
    assert_eq!(
        back,
        vec![(allowance, 2), (regrant, 2)],
        "the live allowance gets its 2 credits back; the expired promotion's 2 are re-granted"
    );

    let balance = store.balance(now).unwrap();
    let r = balance
        .grants
        .iter()
        .find(|g| g.terms.grant_id == regrant)
        .expect("the re-grant is listed");
    assert_eq!(
        (r.terms.kind, r.terms.credits, r.terms.priority, r.live),
        (GrantKind::Refund, 2, 10, true),
        "the re-grant is a live refund grant of the lost credits, burned first"
    );
    assert_eq!(
        r.terms.expires_at,
        Some(now + secs(REFUND_REGRANT_TTL_SECS)),
        "the re-grant lasts REFUND_REGRANT_TTL_SECS"
    );
    assert_eq!(
        r.balances.available, 2,
        "the re-granted credits are available"
    );
    let p = grant_of(&store, promo, now);
    assert_eq!(
        (
            p.live,
            p.balances.spent,
            p.balances.refunded,
            p.balances.available
        ),
        (false, 6, 0, 0),
        "nothing is refunded into the expired promotion itself"
    );
    assert_eq!(
        balance.totals.available, 12,
        "no refunded credit is lost: 8 + 2 in the allowance and 2 in the re-grant"
    );

    // The re-grant (priority 10) burns first.
    let third = start(&mut store, Feature::Text, now);
    assert_eq!(
        holds(&store, third),
        vec![(regrant, 1)],
        "the refund grant is spent before the allowance"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn an_expired_grant_is_not_spent_and_a_sweep_expires_it() {
    let mut clock = TestClock::start();
    let mut store = Store::open_in_memory().unwrap();
    let expires = clock.now() + secs(3_600);
    let promo = grant(
        &mut store,
        GrantKind::Promotion,
        5,
        Some(expires),
        clock.now(),
    )
    .terms
    .grant_id;
    grant(&mut store, GrantKind::Allowance, 2, None, clock.now());

    // One second before expiry the promotion is still spendable.
    let before = clock.advance(3_599);
    assert!(
        grant_of(&store, promo, before).live,
        "a grant is live until its expiry instant"
    );
    let now = clock.advance(1); // exactly at expiry
    let entries = entry_count(&store);
    let err = store
        .start_generation(
            &crate::support::start_req(
                Feature::VirtualModel,
                recoup_core::Platform::Web,
                recoup_core::Surface::Editor,
                now,
            ),
            now,
        )
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Ledger(LedgerError::InsufficientCredits {
                needed: 4,
                available: 2
            })
        ),
        "at its expiry instant the promotion cannot be spent: only the allowance's 2 remain, got {err:?}"
    );
    assert_eq!(err.code(), "insufficient_credits", "stable code");
    assert_eq!(
        entry_count(&store),
        entries,
        "a refused start writes nothing"
    );

    let p = grant_of(&store, promo, now);
    assert_eq!(
        (p.live, p.balances.available, p.balances.expired),
        (false, 0, 5),
        "before any sweep, the balance already shows the expired grant's credits as expired"
    );
    let report = store.sweep(now).unwrap();
    assert_eq!(
        (report.credits_expired, report.holds_expired),
        (5, 0),
        "the sweep expires the promotion's 5 credits"
    );
    let expire_entries = store
        .entries(&EntryQuery {
            kind: Some(EntryKind::Expire),
            limit: 10,
            ..EntryQuery::default()
        })
        .unwrap();
    assert_eq!(
        expire_entries
            .iter()
            .map(|e| (e.grant_id, e.credits))
            .collect::<Vec<_>>(),
        vec![(promo, 5)],
        "one expire entry for the promotion"
    );
    assert_eq!(
        store.balance(now).unwrap().totals,
        Balances {
            granted: 7,
            available: 2,
            held: 0,
            spent: 0,
            refunded: 0,
            expired: 5
        },
        "after the sweep the totals are unchanged from what the balance already showed"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn credits_held_from_a_grant_that_expires_are_captured_or_lost_not_resurrected() {
    let mut clock = TestClock::start();
    let mut store = Store::open_in_memory().unwrap();
    let expires = clock.now() + secs(600);
    grant(
        &mut store,
        GrantKind::Promotion,
        8,
        Some(expires),
        clock.now(),
    );
    let a = start(&mut store, Feature::VirtualModel, clock.now());
    let b = start(&mut store, Feature::FlatLay, clock.now());
    let now = clock.advance(700); // expired while both holds are running (not yet stale)
    let captured = finish(&mut store, a, true, now);
    assert_eq!(
        captured.charged, 4,
        "a hold placed before expiry can still be captured"
    );
    finish(&mut store, b, false, now);
    let totals = store.balance(now).unwrap().totals;
    assert_eq!(
        (totals.available, totals.spent, totals.expired),
        (0, 4, 4),
        "a voided hold on an expired grant returns its credits to the grant, where they are expired"
    );
    store.sweep(now).unwrap();
    assert_eq!(
        store.balance(now).unwrap().totals,
        totals,
        "sweeping afterwards changes nothing visible"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn refund_refusals_write_nothing() {
    let now = t0();
    let mut store = Store::open_in_memory().unwrap();
    grant(&mut store, GrantKind::Allowance, 50, None, now);
    let ok = start(&mut store, Feature::VirtualModel, now);
    finish(&mut store, ok, true, now);
    let failed = start(&mut store, Feature::VirtualModel, now);
    finish(&mut store, failed, false, now);
    let running = start(&mut store, Feature::VirtualModel, now);
    let unknown = crate::support::gen_at(now);

    let refund = |store: &mut Store, generation, credits| {
        store.refund(
            &RefundRequest {
                op_id: op_at(now),
                generation_id: generation,
                claim_id: None,
                credits,
            },
            now,
        )
    };
    let entries = entry_count(&store);
    let cases: Vec<(&str, Result<_, StoreError>, &str)> = vec![
        (
            "failed generation",
            refund(&mut store, failed, None),
            "not_charged",
        ),
        (
            "running generation",
            refund(&mut store, running, None),
            "not_charged",
        ),
        (
            "unknown generation",
            refund(&mut store, unknown, None),
            "not_found",
        ),
        (
            "zero credits",
            refund(&mut store, ok, Some(0)),
            "invalid_amount",
        ),
        (
            "above the charge",
            refund(&mut store, ok, Some(5)),
            "refund_exceeds_charge",
        ),
    ];
    for (what, got, code) in cases {
        let err = got.expect_err(what);
        assert_eq!(err.code(), code, "{what}: refused with {code}, got {err:?}");
    }
    assert_eq!(
        entry_count(&store),
        entries,
        "refused refunds write no entry"
    );

    refund(&mut store, ok, Some(1)).expect("a partial refund");
    let again = refund(&mut store, ok, Some(1)).expect_err("a second refund");
    assert!(
        matches!(again, StoreError::AlreadyRefunded(g) if g == ok),
        "a second refund of the same generation is refused, got {again:?}"
    );
    assert_eq!(again.code(), "already_refunded", "stable code");
    store.verify().expect("the ledger verifies");
}
