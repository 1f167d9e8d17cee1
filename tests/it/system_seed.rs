//! The whole seed table end to end: a real endpoint on loopback, a real device syncing over
//! HTTP, every feature on every platform in every surface, the endpoint's test clock for the
//! window, and the two ledgers compared at the end.

use recoup_core::{ClaimId, ClaimReason, Feature, Platform, Policy, ReasonCode, Surface};
use recoup_store::{ClaimOutcome, ClaimQuery, SubmitClaim};
use recoup_tests::system::{Device, Endpoint, admin_put};

use crate::seed_table::article_refundable;

/// A policy like the built-in one but with safeguards wide enough for 162 reports in a row.
fn roomy_policy() -> serde_json::Value {
    let mut doc: serde_json::Value = serde_json::from_str(&Policy::builtin().to_json()).unwrap();
    doc["version"] = "system-test-1".into();
    doc["safeguards"]["refunds_max"] = 10_000.into();
    doc["safeguards"]["refunded_share_max_percent"] = 100.into();
    doc
}

#[test]
fn every_cell_through_the_endpoint_and_both_ledgers_agree() {
    let endpoint = Endpoint::start();
    admin_put(&endpoint.url(), "/v1/admin/policy", &roomy_policy());
    let mut device = Device::new(&endpoint.url(), &endpoint.url());
    device.sync_until_clean();
    assert_eq!(
        device.store.policy().unwrap().version(),
        "system-test-1",
        "the signed policy reached the device"
    );

    let mut cells = Vec::new();
    for f in Feature::ALL {
        for p in Platform::ALL {
            for s in Surface::ALL {
                cells.push((*f, *p, *s, device.generate(&endpoint.url(), *f, *p, *s)));
            }
        }
    }
    device.sync_until_clean();
    for (f, p, s, id) in &cells {
        let g = device.store.generation(*id).unwrap();
        assert_eq!(
            g.status,
            recoup_core::GenerationStatus::Succeeded,
            "{f} {p} {s} arrived on the device"
        );
        let local = device
            .store
            .check_claim(*id, recoup_core::Timestamp::now())
            .unwrap();
        assert_eq!(
            local.eligible,
            article_refundable(*f, *p, *s),
            "device decides {f} on {p} in {s} offline"
        );
        device
            .store
            .submit_claim(
                &SubmitClaim {
                    claim_id: ClaimId::new_v7(),
                    generation_id: *id,
                    reason: ClaimReason::BlankOrCorrupted,
                    details: "blank output".into(),
                    reported_at: None,
                },
                recoup_core::Timestamp::now(),
            )
            .unwrap();
    }
    assert_eq!(
        device.store.outbox_len().unwrap(),
        162,
        "every report waits in the outbox"
    );
    device.sync_until_clean();

    let claims = device
        .store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 1000,
        })
        .unwrap();
    assert_eq!(claims.len(), 162);
    let mut refunded = 0;
    for c in &claims {
        let (f, p, s, _) = cells.iter().find(|x| x.3 == c.generation_id).unwrap();
        let expected = if article_refundable(*f, *p, *s) {
            ClaimOutcome::Refunded
        } else {
            ClaimOutcome::NotRefunded
        };
        assert_eq!(
            c.outcome,
            Some(expected),
            "endpoint decides {f} on {p} in {s}: {c:?}"
        );
        assert_eq!(
            c.local_decision.eligible,
            expected == ClaimOutcome::Refunded,
            "device and endpoint agree on {f} {p} {s}"
        );
        refunded += usize::from(expected == ClaimOutcome::Refunded);
    }
    assert_eq!(refunded, 37);

    let direct =
        recoup_sync::Client::new(recoup_sync::HttpTransport::new(&endpoint.url()).unwrap())
            .with_token(device.account.token.clone());
    let server = direct.account().unwrap();
    let mine = device.store.balance(recoup_core::Timestamp::now()).unwrap();
    assert_eq!(
        mine.totals, server.balance.totals,
        "the device's ledger is the endpoint's"
    );
    assert_eq!(mine.grants.len(), server.balance.grants.len());
    device.store.verify().unwrap();
}

#[test]
fn the_endpoint_clock_closes_the_window_even_when_the_device_clock_does_not() {
    let endpoint = Endpoint::start();
    let mut device = Device::new(&endpoint.url(), &endpoint.url());
    let id = device.generate(
        &endpoint.url(),
        Feature::Logo,
        Platform::Web,
        Surface::Editor,
    );
    device.sync_until_clean();
    endpoint.advance(device.account.account_id, 25 * 3600);
    device.sync_until_clean();
    let offset = recoup_sync::clock_offset(&device.store).unwrap().unwrap();
    assert!(
        offset.num_seconds() >= 25 * 3600 - 60,
        "the device measured the endpoint 25 h ahead: {offset:?}"
    );
    let corrected = recoup_sync::corrected_clock(&device.store).unwrap();
    let local = device
        .store
        .check_claim(id, recoup_core::Clock::now(&corrected))
        .unwrap();
    assert!(
        local.has(ReasonCode::WindowExpired),
        "with the corrected clock the device already knows: {local:?}"
    );
    device
        .store
        .submit_claim(
            &SubmitClaim {
                claim_id: ClaimId::new_v7(),
                generation_id: id,
                reason: ClaimReason::Other,
                details: "late report".into(),
                reported_at: None,
            },
            recoup_core::Timestamp::now(),
        )
        .unwrap();
    device.sync_until_clean();
    let c = &device
        .store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 10,
        })
        .unwrap()[0];
    assert_eq!(c.outcome, Some(ClaimOutcome::NotRefunded));
    assert_eq!(
        c.outcome_code.as_deref(),
        Some("window_expired"),
        "the endpoint judged with its own clock"
    );
}

/// Issue 12, defect 1, end to end: a report made while the window was open, held on a device
/// that was offline until the window had closed, keeps its refund when the device comes back
/// (within the policy's late-report grace), and both ledgers agree.
#[test]
fn a_report_made_offline_in_time_keeps_its_refund_when_the_device_comes_back_after_the_window() {
    let endpoint = Endpoint::start();
    // Clearly unusable outputs: the refund is automatic, no person reviews it.
    endpoint.generator(0.0, 1.0);
    let mut device = Device::new(&endpoint.url(), &endpoint.url());
    let id = device.generate(
        &endpoint.url(),
        Feature::Logo,
        Platform::Web,
        Surface::Editor,
    );
    device.sync_until_clean();
    let corrected = recoup_sync::corrected_clock(&device.store).unwrap();
    let made_at = recoup_core::Clock::now(&corrected);
    let local = device.store.check_claim(id, made_at).unwrap();
    assert!(
        local.eligible,
        "the device says eligible while the window is open: {local:?}"
    );
    // The report is made offline: it waits in the outbox while the endpoint's clock moves 30 h.
    device
        .store
        .submit_claim(
            &SubmitClaim {
                claim_id: ClaimId::new_v7(),
                generation_id: id,
                reason: ClaimReason::BlankOrCorrupted,
                details: "made offline, in time".into(),
                reported_at: None,
            },
            made_at,
        )
        .unwrap();
    endpoint.advance(device.account.account_id, 30 * 3600);
    let before = device.store.balance(made_at).unwrap().totals.available;
    device.sync_until_clean();
    let c = &device
        .store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 10,
        })
        .unwrap()[0];
    assert_eq!(
        (c.outcome, c.outcome_code.as_deref()),
        (Some(ClaimOutcome::Refunded), None),
        "the endpoint honoured the time the report was made: {c:?}"
    );
    let after = device.store.balance(made_at).unwrap().totals.available;
    assert!(
        after > before,
        "the refund reached the device: {before} -> {after}"
    );
    device.store.verify().unwrap();
}
