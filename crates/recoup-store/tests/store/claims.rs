//! "Bad result" reports: local decision, durable submission with exactly one outbox row,
//! ineligible reports kept as feedback, one claim per generation (also under a race between two
//! processes), and refusals that write nothing.

use std::sync::{Arc, Barrier};

use recoup_core::{
    ClaimId, DetailsError, Feature, GenerationId, GrantKind, Platform, Policy, ReasonCode, Surface,
};
use recoup_store::{RefundRequest, Store, StoreError, SyncState};

use crate::support::{
    TestClock, all_claims, claim_at, claim_req, finish, gen_at, grant, op_at, rows, secs, start_on,
    succeeded, temp_store,
};

const DAY: i64 = 24 * 60 * 60;

fn funded() -> (tempfile::TempDir, std::path::PathBuf, Store, TestClock) {
    let (dir, path, mut store) = temp_store();
    let clock = TestClock::start();
    grant(&mut store, GrantKind::Allowance, 10_000, None, clock.now());
    (dir, path, store, clock)
}

#[test]
fn an_eligible_claim_is_stored_with_exactly_one_outbox_row() {
    let (_dir, path, mut store, mut clock) = funded();
    let g = succeeded(
        &mut store,
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    let now = clock.advance(3_600);

    let check = store.check_claim(g, now).unwrap();
    assert!(
        check.eligible,
        "a virtual model result on the web, an hour old, is refundable: {check:?}"
    );
    assert_eq!(
        (
            check.refundable_credits,
            check.rule.as_str(),
            check.window_left_secs()
        ),
        (4, "features.virtual_model.web", Some(23 * 3_600)),
        "the check names the charge, the deciding rule and 23 h left in the 24 h window"
    );
    assert_eq!(rows(&path).claims, 0, "checking a claim writes nothing");

    let mut req = claim_req(g, now);
    req.details = "  The face is melted.  ".to_owned();
    let claim = store.submit_claim(&req, now).unwrap();
    assert_eq!(
        (claim.claim_id, claim.generation_id, claim.details.as_str()),
        (req.claim_id, g, "The face is melted."),
        "the stored claim is the one submitted, with its details trimmed"
    );
    assert!(
        claim.local_decision.eligible && claim.local_decision.reasons.is_empty(),
        "the local decision is eligible with no reasons: {:?}",
        claim.local_decision
    );
    assert_eq!(
        claim.local_decision.window_left_secs(),
        Some(23 * 3_600),
        "window_left_secs counts from the submission to 24 h after the generation finished"
    );
    assert_eq!(
        claim.local_decision.policy_version,
        Policy::builtin().version(),
        "the decision names the policy version"
    );
    assert_eq!(
        (claim.sync_state, claim.submitted_at, claim.outcome),
        (SyncState::Queued, now, None),
        "a new claim waits in the outbox with no outcome yet"
    );
    assert_eq!(store.outbox_len().unwrap(), 1, "exactly one outbox row");
    assert_eq!(rows(&path).outbox, 1, "exactly one outbox row in the table");

    let due = store.outbox_due(now, 10).unwrap();
    assert_eq!(due.len(), 1, "the claim is due at once");
    let item = &due[0];
    assert_eq!(
        (
            item.item_id,
            item.kind.as_str(),
            item.attempts,
            item.next_attempt_at
        ),
        (req.claim_id.0, "claim", 0, now),
        "the outbox item is keyed by the claim id and not yet attempted"
    );
    assert_eq!(
        item.payload["claim_id"],
        serde_json::json!(req.claim_id),
        "the payload carries the claim id"
    );
    assert_eq!(
        item.payload["generation_id"],
        serde_json::json!(g),
        "the payload carries the generation id"
    );
    assert_eq!(
        item.payload["local_decision"]["eligible"],
        serde_json::json!(true),
        "the payload carries the device's (untrusted) verdict"
    );
    assert!(
        store.outbox_due(now - secs(1), 10).unwrap().is_empty(),
        "nothing is due before it was queued"
    );

    let summary = store.generation(g).unwrap().claim.expect("claim summary");
    assert_eq!(
        (summary.claim_id, summary.local_eligible, summary.sync_state),
        (req.claim_id, true, SyncState::Queued),
        "the generation shows its claim"
    );
    assert_eq!(
        store.claim(req.claim_id).unwrap(),
        claim,
        "the claim reads back as submitted"
    );
    let after = store.check_claim(g, now).unwrap();
    assert!(
        !after.eligible && after.has(ReasonCode::AlreadyClaimed),
        "once reported, the check says already claimed: {after:?}"
    );
}

#[test]
fn ineligible_claims_are_kept_queued_with_their_reasons() {
    let (_dir, path, mut store, mut clock) = funded();
    let at = clock.now();
    struct Case {
        what: &'static str,
        generation: GenerationId,
        code: ReasonCode,
        rule: &'static str,
    }
    let shadows = succeeded(
        &mut store,
        Feature::AiShadows,
        Platform::Web,
        Surface::Editor,
        at,
    );
    let batch = succeeded(
        &mut store,
        Feature::VirtualModel,
        Platform::Web,
        Surface::BatchEditor,
        at,
    );
    let catalog = succeeded(
        &mut store,
        Feature::FlatLay,
        Platform::Ios,
        Surface::ProductCatalog,
        at,
    );
    let backgrounds_ios = succeeded(
        &mut store,
        Feature::AiBackgrounds,
        Platform::Ios,
        Surface::Editor,
        at,
    );
    let late = succeeded(
        &mut store,
        Feature::VirtualModel,
        Platform::Android,
        Surface::Editor,
        at,
    );
    let cases = [
        Case {
            what: "AI Shadows is never refundable",
            generation: shadows,
            code: ReasonCode::FeatureNotRefundable,
            rule: "features.ai_shadows.web",
        },
        Case {
            what: "the Batch Editor is excluded",
            generation: batch,
            code: ReasonCode::SurfaceNotRefundable,
            rule: "excluded_surfaces",
        },
        Case {
            what: "the Product Catalog Editor is excluded",
            generation: catalog,
            code: ReasonCode::SurfaceNotRefundable,
            rule: "excluded_surfaces",
        },
        Case {
            what: "AI Backgrounds is not refundable on iOS",
            generation: backgrounds_ios,
            code: ReasonCode::FeatureNotRefundable,
            rule: "features.ai_backgrounds.ios",
        },
        Case {
            what: "reported after the 24 h window",
            generation: late,
            code: ReasonCode::WindowExpired,
            rule: "refund_window_secs",
        },
    ];
    let now = clock.advance(DAY + 1);
    for (i, case) in cases.iter().enumerate() {
        let claim = store
            .submit_claim(&claim_req(case.generation, now), now)
            .unwrap_or_else(|e| {
                panic!("{}: an ineligible report is still stored: {e:?}", case.what)
            });
        let d = &claim.local_decision;
        assert!(!d.eligible, "{}: not eligible", case.what);
        assert!(
            d.reasons
                .iter()
                .any(|r| r.code == case.code && r.rule == case.rule),
            "{}: reason {:?} from rule {} expected, got {:?}",
            case.what,
            case.code,
            case.rule,
            d.reasons
        );
        assert_eq!(d.refundable_credits, 0, "{}: nothing refundable", case.what);
        assert_eq!(
            claim.sync_state,
            SyncState::Queued,
            "{}: still queued, to be sent as feedback",
            case.what
        );
        assert_eq!(
            store.outbox_len().unwrap(),
            i as u64 + 1,
            "{}: one outbox row per report",
            case.what
        );
        assert!(
            !store
                .generation(case.generation)
                .unwrap()
                .claim
                .expect("claim summary")
                .local_eligible,
            "{}: the history shows the report as locally ineligible",
            case.what
        );
    }
    assert_eq!(rows(&path).claims, 5, "all five reports are stored");
}

#[test]
fn the_window_closes_exactly_24_hours_after_the_generation_finished() {
    let (_dir, _path, mut store, mut clock) = funded();
    let g = succeeded(
        &mut store,
        Feature::Logo,
        Platform::Android,
        Surface::Editor,
        clock.now(),
    );
    let edge = clock.advance(DAY);
    let at_edge = store.check_claim(g, edge).unwrap();
    assert!(
        at_edge.eligible && at_edge.window_left_secs() == Some(0),
        "at exactly 24 h the window is still open with 0 s left: {at_edge:?}"
    );
    let past = store.check_claim(g, edge + secs(1)).unwrap();
    assert!(
        !past.eligible && past.has(ReasonCode::WindowExpired) && past.window_left_secs().is_none(),
        "one second later the window has closed: {past:?}"
    );
}

#[test]
fn a_second_claim_on_the_same_generation_is_refused_and_writes_nothing() {
    let (_dir, path, mut store, clock) = funded();
    let g = succeeded(
        &mut store,
        Feature::Recolor,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    let first = store
        .submit_claim(&claim_req(g, clock.now()), clock.now())
        .unwrap();
    let before = rows(&path);
    let err = store
        .submit_claim(&claim_req(g, clock.now()), clock.now())
        .unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyClaimed { generation, claim } if generation == g && claim == first.claim_id),
        "the second claim is refused naming the first, got {err:?}"
    );
    assert_eq!(err.code(), "already_claimed", "stable code");
    assert_eq!(rows(&path), before, "the refused claim wrote nothing");
    assert_eq!(store.outbox_len().unwrap(), 1, "still one outbox row");
}

#[test]
fn refused_claims_write_nothing() {
    let (_dir, path, mut store, clock) = funded();
    let now = clock.now();
    let ok = succeeded(
        &mut store,
        Feature::Ironing,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let running = start_on(
        &mut store,
        Feature::Ironing,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let failed = start_on(
        &mut store,
        Feature::Ironing,
        Platform::Web,
        Surface::Editor,
        now,
    );
    finish(&mut store, failed, false, now);
    let unknown = gen_at(now);

    let with_details = |details: &str| {
        let mut r = claim_req(ok, now);
        r.details = details.to_owned();
        r
    };
    let before = rows(&path);
    let cases: Vec<(&str, StoreError, &str)> = vec![
        (
            "unknown generation",
            store
                .submit_claim(&claim_req(unknown, now), now)
                .unwrap_err(),
            "not_found",
        ),
        (
            "running generation",
            store
                .submit_claim(&claim_req(running, now), now)
                .unwrap_err(),
            "generation_not_finished",
        ),
        (
            "technically failed generation",
            store
                .submit_claim(&claim_req(failed, now), now)
                .unwrap_err(),
            "technical_failure_auto_refunded",
        ),
        (
            "empty details",
            store.submit_claim(&with_details(""), now).unwrap_err(),
            "invalid_details",
        ),
        (
            "blank details",
            store
                .submit_claim(&with_details(" \n\t "), now)
                .unwrap_err(),
            "invalid_details",
        ),
        (
            "too short details",
            store.submit_claim(&with_details("ab"), now).unwrap_err(),
            "invalid_details",
        ),
        (
            "over-long details",
            store
                .submit_claim(&with_details(&"x".repeat(2_001)), now)
                .unwrap_err(),
            "invalid_details",
        ),
        (
            "control character",
            store
                .submit_claim(&with_details("bad \u{7} bell"), now)
                .unwrap_err(),
            "invalid_details",
        ),
        (
            "terminal escape",
            store
                .submit_claim(&with_details("\u{1b}[31mred"), now)
                .unwrap_err(),
            "invalid_details",
        ),
    ];
    for (what, err, code) in &cases {
        assert_eq!(
            err.code(),
            *code,
            "{what}: refused with {code}, got {err:?}"
        );
    }
    assert!(
        matches!(
            &cases[0].1,
            StoreError::NotFound {
                what: "generation",
                ..
            }
        ),
        "unknown generation: NotFound, got {:?}",
        cases[0].1
    );
    assert!(
        matches!(cases[1].1, StoreError::GenerationNotFinished(g) if g == running),
        "running: GenerationNotFinished, got {:?}",
        cases[1].1
    );
    assert!(
        matches!(cases[2].1, StoreError::TechnicalFailure(g) if g == failed),
        "failed: TechnicalFailure, got {:?}",
        cases[2].1
    );
    assert!(
        matches!(
            cases[6].1,
            StoreError::Details(DetailsError::TooLong {
                len: 2_001,
                max: 2_000
            })
        ),
        "over-long: TooLong naming the bound, got {:?}",
        cases[6].1
    );
    assert!(
        matches!(
            cases[7].1,
            StoreError::Details(DetailsError::ControlCharacter)
        ),
        "control character: ControlCharacter, got {:?}",
        cases[7].1
    );
    assert_eq!(rows(&path), before, "no refused claim wrote anything");
    assert_eq!(store.outbox_len().unwrap(), 0, "the outbox is still empty");
    assert!(all_claims(&store).is_empty(), "no claim is listed");

    // The bounds themselves are accepted, counted in characters, not bytes.
    let longest = store
        .submit_claim(&with_details(&"é".repeat(2_000)), now)
        .expect("2000 characters (4000 bytes) are within the bound");
    assert_eq!(
        longest.details.chars().count(),
        2_000,
        "the details are kept whole"
    );
}

#[test]
fn concurrent_claims_on_one_generation_from_two_processes_let_exactly_one_win() {
    let (_dir, path, mut store, clock) = funded();
    let now = clock.now();
    for round in 0..20 {
        let g = succeeded(
            &mut store,
            Feature::Text,
            Platform::Web,
            Surface::Editor,
            now,
        );
        let ids = [claim_at(now), claim_at(now)];
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = ids
            .iter()
            .map(|&claim_id| {
                let barrier = Arc::clone(&barrier);
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut mine = Store::open(&path).expect("open a second handle");
                    let mut req = claim_req(g, now);
                    req.claim_id = claim_id;
                    barrier.wait();
                    mine.submit_claim(&req, now)
                })
            })
            .collect();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("thread"))
            .collect();
        let winners: Vec<ClaimId> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().map(|c| c.claim_id))
            .collect();
        assert_eq!(
            winners.len(),
            1,
            "round {round}: exactly one of two racing claims succeeds, got {results:?}"
        );
        let loser = results
            .iter()
            .find_map(|r| r.as_ref().err())
            .expect("one refusal");
        assert!(
            matches!(loser, StoreError::AlreadyClaimed { generation, claim } if *generation == g && *claim == winners[0]),
            "round {round}: the other is refused as already claimed by the winner, got {loser:?}"
        );
        assert_eq!(
            store.outbox_len().unwrap(),
            round + 1,
            "round {round}: one outbox row per generation"
        );
        let on_g = all_claims(&store)
            .into_iter()
            .filter(|c| c.generation_id == g)
            .count();
        assert_eq!(on_g, 1, "round {round}: one stored claim on the generation");
    }
    store.verify().expect("the ledger verifies");
}

#[test]
fn the_refund_count_safeguard_uses_the_stores_refunds() {
    let (_dir, _path, mut store, mut clock) = funded();
    let now = clock.now();
    for _ in 0..20 {
        let g = succeeded(
            &mut store,
            Feature::Text,
            Platform::Web,
            Surface::Editor,
            now,
        );
        store
            .refund(
                &RefundRequest {
                    op_id: op_at(now),
                    generation_id: g,
                    claim_id: None,
                    credits: None,
                },
                now,
            )
            .unwrap();
    }
    let g = succeeded(
        &mut store,
        Feature::Text,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let d = store.check_claim(g, now).unwrap();
    assert!(
        !d.eligible
            && d.reasons
                .iter()
                .any(|r| r.code == ReasonCode::SafeguardLimit && r.rule == "safeguards.refunds_max"),
        "after 20 refunds in 30 days the 21st report hits the refunds_max safeguard: {d:?}"
    );
    // 30 days later the refunds have left the rolling window.
    let later = clock.advance(30 * DAY + 1);
    let fresh = succeeded(
        &mut store,
        Feature::Text,
        Platform::Web,
        Surface::Editor,
        later,
    );
    let d = store.check_claim(fresh, later).unwrap();
    assert!(
        d.eligible,
        "once the refunds are older than the window the safeguard no longer applies: {d:?}"
    );
}

#[test]
fn the_refunded_share_safeguard_uses_the_stores_spend_and_refunds() {
    let (_dir, _path, mut store, clock) = funded();
    let now = clock.now();
    // 10 videos = 200 credits spent, the amount from which the share rule applies.
    let videos: Vec<GenerationId> = (0..10)
        .map(|_| {
            succeeded(
                &mut store,
                Feature::VideoGenerator,
                Platform::Web,
                Surface::Editor,
                now,
            )
        })
        .collect();
    for g in &videos[..2] {
        store
            .refund(
                &RefundRequest {
                    op_id: op_at(now),
                    generation_id: *g,
                    claim_id: None,
                    credits: None,
                },
                now,
            )
            .unwrap();
    }
    // 40 of 200 refunded (20%); a third video would make it 60 (30% > 25%).
    let d = store.check_claim(videos[2], now).unwrap();
    assert!(
        d.reasons
            .iter()
            .any(|r| r.code == ReasonCode::SafeguardLimit
                && r.rule == "safeguards.refunded_share_max_percent"),
        "a refund above 25% of the spend in the window is refused by the share safeguard: {d:?}"
    );
    // A text (1 credit) keeps it at 41/201, within the share.
    let small = succeeded(
        &mut store,
        Feature::Text,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let d = store.check_claim(small, now).unwrap();
    assert!(
        d.eligible,
        "a 1-credit refund stays within the share: {d:?}"
    );
}

#[test]
fn claims_are_listed_newest_first_and_filter_by_sync_state() {
    let (_dir, _path, mut store, mut clock) = funded();
    let mut ids = Vec::new();
    for _ in 0..5 {
        let now = clock.advance(10);
        let g = succeeded(
            &mut store,
            Feature::Logo,
            Platform::Web,
            Surface::Editor,
            now,
        );
        ids.push(
            store
                .submit_claim(&claim_req(g, now), now)
                .unwrap()
                .claim_id,
        );
    }
    ids.reverse();
    let listed: Vec<ClaimId> = all_claims(&store).iter().map(|c| c.claim_id).collect();
    assert_eq!(listed, ids, "claims are listed newest first");
    let queued = store
        .claims(&recoup_store::ClaimQuery {
            sync_state: Some(SyncState::Queued),
            before: Some(ids[1]),
            limit: 2,
        })
        .unwrap();
    assert_eq!(
        queued.iter().map(|c| c.claim_id).collect::<Vec<_>>(),
        ids[2..4].to_vec(),
        "the cursor and the limit page through the queued claims"
    );
    let sent = store
        .claims(&recoup_store::ClaimQuery {
            sync_state: Some(SyncState::Sent),
            before: None,
            limit: 10,
        })
        .unwrap();
    assert!(sent.is_empty(), "no claim has been sent yet");
    let err = store
        .claims(&recoup_store::ClaimQuery {
            sync_state: None,
            before: None,
            limit: 0,
        })
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input", "a zero page size is refused");
}
