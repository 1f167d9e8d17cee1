//! The help article's whole table through the store: every feature on every platform in every
//! surface, generated, then reported inside and outside the window with a test clock.

use recoup_core::TimeDelta;
use recoup_core::{
    ClaimId, ClaimReason, Feature, GenerationId, GrantKind, OpId, Platform, ReasonCode, Surface,
};
use recoup_store::{FinishGeneration, GrantRequest, Outcome, StartGeneration, Store, SubmitClaim};
use recoup_tests::TestClock;

/// The article, read independently of the implementation.
pub(crate) fn article_refundable(f: Feature, p: Platform, s: Surface) -> bool {
    use Feature::*;
    let table = match f {
        VirtualModel | FlatLay | GhostMannequin | EditWithAi | Recolor | ProductBeautifier
        | Ironing | VideoGenerator | Logo | Text | CreateAnyImage | InstagramStory => true,
        AiBackgrounds => p == Platform::Android,
        AiShadows | ImageEnhancer | AiExpand | Retouch | StudioShot => false,
    };
    table && s == Surface::Editor
}

fn make(store: &mut Store, clock: &TestClock, f: Feature, p: Platform, s: Surface) -> GenerationId {
    let id = GenerationId::new_v7();
    store
        .start_generation(
            &StartGeneration {
                generation_id: id,
                feature: f,
                platform: p,
                surface: s,
            },
            clock.now(),
        )
        .unwrap();
    store
        .finish_generation(
            &FinishGeneration {
                op_id: OpId::new_v7(),
                generation_id: id,
                outcome: Outcome::Succeeded { output_ref: None },
            },
            clock.now(),
        )
        .unwrap();
    id
}

#[test]
fn every_cell_of_the_table_in_every_surface_reported_in_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(&dir.path().join("db.sqlite3")).unwrap();
    let clock = TestClock::at("2026-11-25T10:00:00Z".parse().unwrap());
    store
        .grant(
            &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 10_000),
            clock.now(),
        )
        .unwrap();
    let mut cells = Vec::new();
    for f in Feature::ALL {
        for p in Platform::ALL {
            for s in Surface::ALL {
                cells.push((*f, *p, *s, make(&mut store, &clock, *f, *p, *s)));
            }
        }
    }
    assert_eq!(cells.len(), 18 * 3 * 3);
    clock.advance(TimeDelta::hours(23));
    let mut refundable = 0;
    for (f, p, s, id) in &cells {
        let claim = store
            .submit_claim(
                &SubmitClaim {
                    claim_id: ClaimId::new_v7(),
                    generation_id: *id,
                    reason: ClaimReason::Other,
                    details: format!("{f} on {p} in {s}"),
                    reported_at: None,
                },
                clock.now(),
            )
            .unwrap();
        let d = &claim.local_decision;
        assert_eq!(
            d.eligible,
            article_refundable(*f, *p, *s),
            "{f} on {p} in {s}: {d:?}"
        );
        assert_eq!(
            d.has(ReasonCode::SurfaceNotRefundable),
            *s != Surface::Editor,
            "{f} {p} {s}"
        );
        refundable += usize::from(d.eligible);
    }
    assert_eq!(
        refundable, 37,
        "12 features x 3 platforms + AI Backgrounds on Android, editor only"
    );
    assert_eq!(
        store.outbox_len().unwrap(),
        162,
        "every report, refundable or not, waits to be sent"
    );
    store.verify().unwrap();
}

#[test]
fn reports_after_the_window_are_feedback_only() {
    let mut store = Store::open_in_memory().unwrap();
    let clock = TestClock::at("2026-11-25T10:00:00Z".parse().unwrap());
    store
        .grant(
            &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 100),
            clock.now(),
        )
        .unwrap();
    let id = make(
        &mut store,
        &clock,
        Feature::VideoGenerator,
        Platform::Web,
        Surface::Editor,
    );
    clock.advance(TimeDelta::hours(24) + TimeDelta::seconds(1));
    let claim = store
        .submit_claim(
            &SubmitClaim {
                claim_id: ClaimId::new_v7(),
                generation_id: id,
                reason: ClaimReason::BlankOrCorrupted,
                details: "All black".into(),
                reported_at: None,
            },
            clock.now(),
        )
        .unwrap();
    assert!(
        !claim.local_decision.eligible,
        "a day and a second later is too late"
    );
    assert_eq!(
        claim.local_decision.reasons[0].code,
        ReasonCode::WindowExpired
    );
    assert_eq!(store.outbox_len().unwrap(), 1, "still sent, as feedback");
}
