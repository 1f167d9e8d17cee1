//! The policy engine against the help article: every cell of the table, the surfaces, the
//! window, one claim per generation, the safeguards, and document validation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic on bad fixtures

use proptest::prelude::*;
use recoup_core::{
    AccountHistory, DocumentError, Feature, GenerationFacts, GenerationStatus, Platform, Policy,
    ReasonCode, Surface,
};
use recoup_core::{TimeDelta, Timestamp};

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn facts(feature: Feature, platform: Platform, surface: Surface) -> GenerationFacts {
    GenerationFacts {
        feature,
        platform,
        surface,
        status: GenerationStatus::Succeeded,
        finished_at: Some(t("2026-11-25T10:00:00Z")),
        charged_credits: 4,
    }
}

/// The table as printed in the article, read independently of the implementation's constant:
/// the twelve features refundable everywhere, AI Backgrounds on Android only, the rest nowhere.
fn article_says(feature: Feature, platform: Platform) -> bool {
    use Feature::*;
    match feature {
        VirtualModel | FlatLay | GhostMannequin | EditWithAi | Recolor | ProductBeautifier
        | Ironing | VideoGenerator | Logo | Text | CreateAnyImage | InstagramStory => true,
        AiBackgrounds => platform == Platform::Android,
        AiShadows | ImageEnhancer | AiExpand | Retouch | StudioShot => false,
    }
}

#[test]
fn every_cell_of_the_article_table_in_the_editor() {
    let policy = Policy::builtin();
    let now = t("2026-11-25T11:00:00Z");
    let mut refundable = 0;
    for f in Feature::ALL {
        for p in Platform::ALL {
            let d = policy.evaluate(
                &facts(*f, *p, Surface::Editor),
                &AccountHistory::default(),
                now,
            );
            assert_eq!(d.eligible, article_says(*f, *p), "{f} on {p}: {d:?}");
            if d.eligible {
                refundable += 1;
                assert_eq!(d.refundable_credits, 4, "eligible refunds the charge");
                assert_eq!(
                    d.rule,
                    format!("features.{f}.{p}"),
                    "names the allowing cell"
                );
            } else {
                assert_eq!(d.reasons.len(), 1, "only the table refuses {f} on {p}");
                assert_eq!(d.reasons[0].code, ReasonCode::FeatureNotRefundable);
                assert_eq!(d.reasons[0].rule, format!("features.{f}.{p}"));
                assert_eq!(d.refundable_credits, 0);
            }
        }
    }
    assert_eq!(
        refundable,
        12 * 3 + 1,
        "12 features everywhere plus AI Backgrounds on Android"
    );
}

#[test]
fn batch_and_catalog_refuse_even_the_refundable_features() {
    let policy = Policy::builtin();
    let now = t("2026-11-25T11:00:00Z");
    for s in [Surface::BatchEditor, Surface::ProductCatalog] {
        for f in [Feature::Recolor, Feature::FlatLay] {
            let d = policy.evaluate(&facts(f, Platform::Web, s), &AccountHistory::default(), now);
            assert!(
                !d.eligible,
                "{f} in {s} must not be refundable (article note)"
            );
            assert_eq!(d.reasons.len(), 1);
            assert_eq!(d.reasons[0].code, ReasonCode::SurfaceNotRefundable);
            assert!(
                d.reasons[0].message.contains(s.label()),
                "{}",
                d.reasons[0].message
            );
        }
    }
}

#[test]
fn window_is_inclusive_at_its_end_and_closed_one_second_later() {
    let policy = Policy::builtin();
    let g = facts(Feature::Logo, Platform::Ios, Surface::Editor);
    let closes = t("2026-11-26T10:00:00Z");
    let at_end = policy.evaluate(&g, &AccountHistory::default(), closes);
    assert!(
        at_end.eligible,
        "the last second of the window still counts"
    );
    assert_eq!(at_end.window_left_secs(), Some(0));
    let late = policy.evaluate(
        &g,
        &AccountHistory::default(),
        closes + TimeDelta::seconds(1),
    );
    assert!(!late.eligible);
    assert!(late.has(ReasonCode::WindowExpired));
    assert_eq!(late.window_left_secs(), None);
    let early = policy.evaluate(&g, &AccountHistory::default(), t("2026-11-25T12:00:00Z"));
    assert_eq!(
        early.window_left_secs(),
        Some(22 * 3600),
        "22 h left two hours in"
    );
}

#[test]
fn all_reasons_are_reported_together() {
    let policy = Policy::builtin();
    let g = GenerationFacts {
        status: GenerationStatus::Failed,
        charged_credits: 0,
        ..facts(Feature::StudioShot, Platform::Web, Surface::ProductCatalog)
    };
    let history = AccountHistory {
        already_claimed: true,
        refunds_in_window: 99,
        ..Default::default()
    };
    let d = policy.evaluate(&g, &history, t("2026-12-30T00:00:00Z"));
    let codes: Vec<_> = d.reasons.iter().map(|r| r.code).collect();
    assert_eq!(
        codes,
        vec![
            ReasonCode::TechnicalFailureAutoRefunded,
            ReasonCode::FeatureNotRefundable,
            ReasonCode::SurfaceNotRefundable,
            ReasonCode::WindowExpired,
            ReasonCode::AlreadyClaimed,
            ReasonCode::SafeguardLimit,
        ]
    );
    assert_eq!(
        d.rule, "technical_failure",
        "the first reason names the deciding rule"
    );
}

#[test]
fn running_generation_has_no_window_yet() {
    let policy = Policy::builtin();
    let g = GenerationFacts {
        status: GenerationStatus::Running,
        finished_at: None,
        ..facts(Feature::Logo, Platform::Web, Surface::Editor)
    };
    let d = policy.evaluate(&g, &AccountHistory::default(), t("2027-01-01T00:00:00Z"));
    assert_eq!(d.reasons.len(), 1);
    assert_eq!(d.reasons[0].code, ReasonCode::GenerationNotFinished);
    assert_eq!(d.window_closes_at, None);
}

#[test]
fn share_safeguard_spares_small_spenders_and_stops_heavy_refunders() {
    let policy = Policy::builtin();
    let s = policy.safeguards();
    let g = facts(Feature::Logo, Platform::Web, Surface::Editor);
    let now = t("2026-11-25T11:00:00Z");
    let newcomer = AccountHistory {
        spent_in_window: 4,
        ..Default::default()
    };
    assert!(
        policy.evaluate(&g, &newcomer, now).eligible,
        "first bad result of a new user"
    );

    let spent = s.share_min_spent_credits;
    let at_limit = spent * u64::from(s.refunded_share_max_percent) / 100;
    let heavy = AccountHistory {
        spent_in_window: spent,
        refunded_in_window: at_limit,
        ..Default::default()
    };
    let d = policy.evaluate(&g, &heavy, now);
    assert!(!d.eligible, "would exceed the refunded share");
    assert_eq!(d.reasons[0].rule, "safeguards.refunded_share_max_percent");

    let room = AccountHistory {
        refunded_in_window: at_limit - 4,
        ..heavy
    };
    assert!(
        policy.evaluate(&g, &room, now).eligible,
        "exactly at the share is allowed"
    );
}

#[test]
fn count_safeguard_fires_at_the_limit() {
    let policy = Policy::builtin();
    let max = policy.safeguards().refunds_max;
    let g = facts(Feature::Logo, Platform::Web, Surface::Editor);
    let now = t("2026-11-25T11:00:00Z");
    let below = AccountHistory {
        refunds_in_window: max - 1,
        ..Default::default()
    };
    assert!(policy.evaluate(&g, &below, now).eligible);
    let at = AccountHistory {
        refunds_in_window: max,
        ..Default::default()
    };
    let d = policy.evaluate(&g, &at, now);
    assert_eq!(d.reasons[0].rule, "safeguards.refunds_max");
}

#[test]
fn builtin_policy_round_trips_through_its_document() {
    let p = Policy::builtin();
    let back = Policy::from_json(p.to_json().as_bytes()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn shipped_default_policy_file_is_the_builtin_one() {
    let shipped = include_str!("../../../docs/policy.default.json");
    let p = Policy::from_json(shipped.as_bytes()).unwrap();
    assert_eq!(
        p,
        Policy::builtin(),
        "docs/policy.default.json drifted from Policy::builtin()"
    );
}

/// The window closes 24 h after 10:00 on 2026-11-25; the late-report grace runs 72 h more.
#[test]
fn a_report_made_in_time_and_delivered_late_is_judged_at_its_credible_time() {
    let policy = Policy::builtin();
    let g = facts(Feature::Logo, Platform::Web, Surface::Editor);
    let made = t("2026-11-26T08:00:00Z"); // 22 h in: the window is open
    let arrived = t("2026-11-27T12:00:00Z"); // 50 h in: closed, inside the grace
    let judged = |stated, last_pull, now| {
        let at = policy.report_instant(&g, stated, last_pull, now);
        (
            at,
            policy.evaluate_report(&g, &AccountHistory::default(), now, at),
        )
    };

    let (at, d) = judged(Some(made), Some(t("2026-11-25T10:05:00Z")), arrived);
    assert_eq!(
        at, made,
        "pulled before the report was made: the stated time counts"
    );
    assert!(
        d.eligible,
        "made in the window, delivered within the grace: {d:?}"
    );
    assert_eq!(d.decided_at, arrived, "decided when it arrived");

    let (at, d) = judged(Some(made), None, arrived);
    assert_eq!(
        at, made,
        "an account that never pulled: the stated time counts"
    );
    assert!(d.eligible, "{d:?}");

    let pulled_after_close = t("2026-11-26T11:00:00Z");
    let (at, d) = judged(Some(made), Some(pulled_after_close), arrived);
    assert_eq!(at, pulled_after_close, "no earlier than the last pull");
    assert!(
        d.has(ReasonCode::WindowExpired),
        "synced after the close: {d:?}"
    );

    let after_grace = t("2026-11-29T10:00:01Z");
    let (at, d) = judged(Some(made), None, after_grace);
    assert_eq!(at, after_grace, "past window and grace: judged at arrival");
    assert!(d.has(ReasonCode::WindowExpired), "{d:?}");
    let at_grace_end = t("2026-11-29T10:00:00Z");
    assert_eq!(
        policy.report_instant(&g, Some(made), None, at_grace_end),
        made,
        "the grace is inclusive at its end"
    );

    let (at, _) = judged(Some(t("2026-12-30T00:00:00Z")), None, arrived);
    assert_eq!(
        at, arrived,
        "a stated time after the arrival is the arrival"
    );
    let (at, _) = judged(Some(t("2020-01-01T00:00:00Z")), None, arrived);
    assert_eq!(
        at,
        t("2026-11-25T10:00:00Z"),
        "a stated time before the generation finished is the finish"
    );
    let (at, _) = judged(None, None, arrived);
    assert_eq!(at, arrived, "no stated time: judged at arrival");

    let off = Policy::from_json(&doc_with(|v| v["late_report_grace_secs"] = 0.into())).unwrap();
    let at = off.report_instant(&g, Some(made), None, arrived);
    assert_eq!(at, arrived, "a grace of 0 turns late delivery off");
}

#[test]
fn a_document_without_the_late_report_grace_gets_the_default_and_a_huge_one_is_refused() {
    let old = doc_with(|v| {
        v.as_object_mut().unwrap().remove("late_report_grace_secs");
    });
    let p = Policy::from_json(&old).expect("a document written before the grace existed");
    assert_eq!(
        p.late_report_grace(),
        TimeDelta::hours(72),
        "the default grace"
    );
    assert_eq!(
        invalid_field(&doc_with(
            |v| v["late_report_grace_secs"] = (400u64 * 86_400).into()
        )),
        "late_report_grace_secs",
        "more than a year is refused"
    );
}

fn doc_with(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::from_str(&Policy::builtin().to_json()).unwrap();
    edit(&mut v);
    serde_json::to_vec(&v).unwrap()
}

fn invalid_field(bytes: &[u8]) -> String {
    match Policy::from_json(bytes) {
        Err(DocumentError::Invalid { field, .. }) => field,
        other => panic!("expected an invalid-field error, got {other:?}"),
    }
}

#[test]
fn validation_names_the_offending_field() {
    assert_eq!(
        invalid_field(&doc_with(|v| {
            v["features"]["teleport"] = v["features"]["logo"].clone();
        })),
        "features.teleport"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| {
            v["features"].as_object_mut().unwrap().remove("retouch");
        })),
        "features.retouch"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| {
            v["features"]["logo"]
                .as_object_mut()
                .unwrap()
                .remove("android");
        })),
        "features.logo.android"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| v["features"]["logo"]["windows"] = true.into())),
        "features.logo.windows"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| v["refund_window_secs"] = (-5).into())),
        "refund_window_secs"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| v["refund_window_secs"] = 0.into())),
        "refund_window_secs"
    );
    assert_eq!(
        invalid_field(&doc_with(
            |v| v["safeguards"]["refunded_share_max_percent"] = 101.into()
        )),
        "safeguards.refunded_share_max_percent"
    );
    assert_eq!(
        invalid_field(&doc_with(
            |v| v["excluded_surfaces"] = serde_json::json!(["kitchen"])
        )),
        "excluded_surfaces[0]"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| v["version"] = "".into())),
        "version"
    );
    assert_eq!(
        invalid_field(&doc_with(|v| v["surprise"] = 1.into())),
        "surprise"
    );
}

#[test]
fn malformed_json_names_the_position() {
    match Policy::from_json(b"{\n  \"version\": \"x\",\n  oops\n}") {
        Err(DocumentError::Malformed { line, column, .. }) => {
            assert_eq!((line, column), (3, 3), "points at the stray token");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
    assert!(matches!(
        Policy::from_json(b""),
        Err(DocumentError::Malformed { .. })
    ));
    let huge = vec![b' '; 300 * 1024];
    assert!(matches!(
        Policy::from_json(&huge),
        Err(DocumentError::Invalid { .. })
    ));
}

fn any_facts() -> impl Strategy<Value = GenerationFacts> {
    (
        proptest::sample::select(Feature::ALL),
        proptest::sample::select(Platform::ALL),
        proptest::sample::select(Surface::ALL),
        proptest::sample::select(GenerationStatus::ALL),
        0u64..=48 * 3600,
        1u64..=40,
    )
        .prop_map(
            |(feature, platform, surface, status, _, charged)| GenerationFacts {
                feature,
                platform,
                surface,
                status,
                finished_at: (status != GenerationStatus::Running)
                    .then(|| t("2026-11-25T10:00:00Z")),
                charged_credits: if status == GenerationStatus::Succeeded {
                    charged
                } else {
                    0
                },
            },
        )
}

proptest! {
    /// Whatever the device states and whenever it last pulled, the instant a report is judged
    /// at is never after its arrival, never before the account's last pull (up to the
    /// arrival), and is the arrival itself once the window and the grace have passed.
    #[test]
    fn the_credible_report_time_never_favours_the_device_beyond_the_rules(
        stated in proptest::option::of(0i64..400 * 3600),
        pulled in proptest::option::of(0i64..400 * 3600),
        now in 0i64..400 * 3600,
    ) {
        let policy = Policy::builtin();
        let g = facts(Feature::Logo, Platform::Web, Surface::Editor);
        let finished = g.finished_at.unwrap();
        let at_offset = |s: i64| finished + TimeDelta::seconds(s);
        let now = at_offset(now);
        let last_pull = pulled.map(at_offset);
        let at = policy.report_instant(&g, stated.map(at_offset), last_pull, now);
        prop_assert!(at <= now, "judged after its arrival: {at} > {now}");
        if let Some(p) = last_pull {
            prop_assert!(at >= p.min(now), "judged before the last pull {p}: {at}");
        }
        let grace_ends = finished + policy.refund_window() + policy.late_report_grace();
        if now > grace_ends || stated.is_none() {
            prop_assert_eq!(at, now, "outside the grace, or nothing stated: the arrival");
        }
    }

    /// Over the whole vocabulary and any report time: eligible exactly when the article's
    /// table, the surface note, the status and the window all allow it; each failing rule shows
    /// up as its own reason.
    #[test]
    fn decision_matches_the_rules_for_any_generation(
        g in any_facts(),
        age_secs in 0i64..=48 * 3600,
        claimed in any::<bool>(),
    ) {
        let policy = Policy::builtin();
        let now = t("2026-11-25T10:00:00Z") + TimeDelta::seconds(age_secs);
        let h = AccountHistory { already_claimed: claimed, ..Default::default() };
        let d = policy.evaluate(&g, &h, now);

        let table_ok = article_says(g.feature, g.platform);
        let surface_ok = g.surface == Surface::Editor;
        let status_ok = g.status == GenerationStatus::Succeeded;
        let in_window = g.finished_at.is_none() || age_secs <= 24 * 3600;
        prop_assert_eq!(d.eligible, table_ok && surface_ok && status_ok && in_window && !claimed);
        prop_assert_eq!(d.has(ReasonCode::FeatureNotRefundable), !table_ok);
        prop_assert_eq!(d.has(ReasonCode::SurfaceNotRefundable), !surface_ok);
        prop_assert_eq!(d.has(ReasonCode::WindowExpired), !in_window);
        prop_assert_eq!(d.has(ReasonCode::AlreadyClaimed), claimed);
        prop_assert_eq!(d.eligible, d.reasons.is_empty());
        prop_assert_eq!(d.refundable_credits, if d.eligible { g.charged_credits } else { 0 });
        prop_assert_eq!(&d.policy_version, policy.version());
    }
}
