//! Faults between device and endpoint: a proxy drops connections, delays, answers 503, cuts
//! answers after the endpoint committed, and delivers requests twice. After the network heals,
//! every claim has exactly one decision and the two ledgers agree.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use recoup_core::{ClaimId, ClaimReason, Feature, Platform, Surface};
use recoup_store::{ClaimQuery, SubmitClaim};
use recoup_sync::SplitMix64;
use recoup_tests::proxy::{Fault, FaultProxy};
use recoup_tests::system::{Device, Endpoint};

/// A fixed, seeded mix: about 60 % of requests meet a fault until the network heals.
fn plan(healed: Arc<AtomicBool>) -> impl Fn(u64) -> Fault + Send + Sync {
    move |n| {
        if healed.load(Ordering::Relaxed) {
            return Fault::Pass;
        }
        let mut r = SplitMix64::new(0x5eed ^ n);
        let roll = recoup_sync::Random::next_f64(&mut r);
        match roll {
            x if x < 0.15 => Fault::Drop,
            x if x < 0.25 => Fault::Unavailable,
            x if x < 0.40 => Fault::CutAfterCommit,
            x if x < 0.52 => Fault::Duplicate,
            x if x < 0.60 => Fault::Delay(30),
            _ => Fault::Pass,
        }
    }
}

#[test]
fn after_the_network_heals_every_claim_has_one_decision_and_the_ledgers_agree() {
    let endpoint = Endpoint::start();
    let healed = Arc::new(AtomicBool::new(false));
    let proxy = FaultProxy::start(endpoint.addr, plan(Arc::clone(&healed))).unwrap();
    let mut device = Device::new(&endpoint.url(), &proxy.url());
    let mut generations = Vec::new();
    for i in 0..30 {
        let f = [Feature::VirtualModel, Feature::Logo, Feature::AiShadows][i % 3];
        generations.push(device.generate(&endpoint.url(), f, Platform::Web, Surface::Editor));
    }
    // Pull the generations through the faulty network (bounded rounds).
    for _ in 0..50 {
        let _ = device.engine.sync_once(&mut device.store);
        if generations
            .iter()
            .all(|g| device.store.generation(*g).is_ok())
        {
            break;
        }
    }
    assert!(
        generations
            .iter()
            .all(|g| device.store.generation(*g).is_ok()),
        "every generation reached the device despite the faults"
    );
    for g in &generations {
        device
            .store
            .submit_claim(
                &SubmitClaim {
                    claim_id: ClaimId::new_v7(),
                    generation_id: *g,
                    reason: ClaimReason::BlankOrCorrupted,
                    details: "blank".into(),
                    reported_at: None,
                },
                recoup_core::Timestamp::now(),
            )
            .unwrap();
    }
    for _ in 0..30 {
        let _ = device.engine.sync_once(&mut device.store);
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert!(
        proxy.stats.faults.load(Ordering::Relaxed) > 10,
        "the network really was faulty"
    );

    healed.store(true, Ordering::Relaxed);
    let mut clean = false;
    for _ in 0..20 {
        let report = device.engine.sync_once(&mut device.store).unwrap();
        if report.is_clean() && report.still_queued == 0 && !report.more_to_pull {
            clean = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(clean, "once healed, the device reaches a clean sync");

    let claims = device
        .store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 100,
        })
        .unwrap();
    assert_eq!(claims.len(), 30, "no claim lost, none doubled");
    for c in &claims {
        assert!(
            c.outcome.is_some_and(|o| o.is_final()),
            "claim {} has its one decision: {c:?}",
            c.claim_id
        );
    }
    let direct =
        recoup_sync::Client::new(recoup_sync::HttpTransport::new(&endpoint.url()).unwrap())
            .with_token(device.account.token.clone());
    let server = direct.account().unwrap();
    let mine = device.store.balance(recoup_core::Timestamp::now()).unwrap();
    assert_eq!(
        mine.totals, server.balance.totals,
        "after healing the device's ledger is the endpoint's"
    );
    let refunded_claims: u64 = claims.iter().map(|c| c.refunded_credits.unwrap_or(0)).sum();
    assert_eq!(
        server.balance.totals.refunded, refunded_claims,
        "each refund happened exactly once"
    );
    device.store.verify().unwrap();
}
