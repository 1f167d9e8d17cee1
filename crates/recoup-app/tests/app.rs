//! The app's core end to end, headless: a real `App` with its embedded sandbox endpoint on
//! loopback, its background sync thread and its store in a temp dir, driven through the same
//! methods the Tauri commands call.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use recoup_app::views::*;
use recoup_app::{App, AppConfig, ErrorCode, EventSink};
use recoup_core::{ClaimReason, Feature, Surface};
use recoup_store::{ClaimOutcome, EntryKind};

#[derive(Default)]
struct Events(Mutex<Vec<AppEvent>>);

impl EventSink for Events {
    fn emit(&self, event: &AppEvent) {
        self.0.lock().unwrap().push(event.clone());
    }
}

impl Events {
    fn decided(&self) -> Vec<ClaimView> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                AppEvent::ClaimDecided { claim } => Some(claim.clone()),
                _ => None,
            })
            .collect()
    }

    fn count(&self, f: impl Fn(&AppEvent) -> bool) -> usize {
        self.0.lock().unwrap().iter().filter(|e| f(e)).count()
    }
}

struct Device {
    app: App,
    events: Arc<Events>,
    dir: tempfile::TempDir,
}

fn config(dir: &std::path::Path) -> AppConfig {
    let mut c = AppConfig::new(dir.to_owned());
    c.use_keychain = false;
    // Deterministic: nothing fails technically, every output is deliberately bad, so an
    // eligible report is refunded at once.
    c.generator_failure_rate = 0.0;
    c.generator_bad_rate = 1.0;
    c
}

fn start() -> Device {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Events::default());
    let app = App::start(config(dir.path()), events.clone()).unwrap();
    // The tests read the English words, whatever the machine's language.
    app.set_language(Some("en")).unwrap();
    Device { app, events, dir }
}

/// QA mode on, new generations made in the Batch Editor (never refundable).
fn batch_editor(d: &Device) {
    d.app
        .set_qa(&QaUpdate {
            enabled: Some(true),
            surface: Some(Surface::BatchEditor),
            ..QaUpdate::default()
        })
        .unwrap();
}

fn generate(d: &Device, feature: Feature) -> GenerationItem {
    d.app
        .generate(&GenerateRequest {
            feature,
            surface: None,
        })
        .unwrap()
}

fn report(d: &Device, g: &GenerationItem) -> ClaimView {
    d.app
        .submit_claim(&ClaimRequest {
            generation_id: g.generation_id.clone(),
            reason: ClaimReason::BlankOrCorrupted,
            details: "the output is a flat grey image".to_owned(),
        })
        .unwrap()
}

/// Waits for `f` to hold, syncing meanwhile; fails with what was last seen.
fn wait_for<T: std::fmt::Debug>(d: &Device, what: &str, mut f: impl FnMut() -> (bool, T)) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (ok, seen) = f();
        if ok {
            return seen;
        }
        assert!(
            Instant::now() < deadline,
            "waited 30 s for {what}; last seen: {seen:?}"
        );
        d.app.sync_and_wait(Duration::from_secs(10)).unwrap();
    }
}

#[test]
fn a_first_run_opens_a_sandbox_account_and_shows_its_allowance() {
    let d = start();
    let info = d.app.app_info().unwrap();
    assert_eq!(info.endpoint.mode, EndpointMode::Embedded);
    assert!(info.endpoint.sandbox, "the embedded endpoint is a sandbox");
    assert!(
        matches!(info.endpoint.token_storage, TokenStorage::File { .. }),
        "keychain off: the token is in a private file, got {:?}",
        info.endpoint.token_storage
    );
    assert_eq!(info.catalog.features.len(), Feature::ALL.len());
    let o = wait_for(&d, "the starting allowance", || {
        let o = d.app.overview().unwrap();
        (o.available == 1_000, o)
    });
    assert_eq!(o.held, 0);
    assert_eq!(o.flows.len(), 30, "one chart point per day for 30 days");
    assert!(o.grants.iter().any(|g| g.credits == 1_000 && g.live));
}

#[test]
fn an_eligible_bad_result_is_refunded_and_the_ui_is_told() {
    let d = start();
    let g = generate(&d, Feature::Logo);
    assert_eq!(g.state, GenerationState::Succeeded);
    assert!(g.has_output);
    let (bytes, mime) = d.app.output(&g.generation_id).unwrap();
    assert_eq!(mime, "image/png");
    assert!(bytes.starts_with(b"\x89PNG"), "a real PNG output");
    let cost = g.charged;
    assert!(cost > 0, "a generation is charged");
    let before = d.app.overview().unwrap().available;

    let e = d.app.check_claim(&g.generation_id).unwrap();
    assert!(e.eligible, "logo on web in the editor is refundable: {e:?}");
    assert_eq!(e.refundable_credits, cost);
    let left = e.window_secs_left.unwrap();
    assert!(
        (86_000..=86_400).contains(&left),
        "about 24 h left in the window, got {left}"
    );

    let claim = report(&d, &g);
    assert!(claim.local_eligible);
    assert_eq!(claim.outcome, None, "the endpoint decides, not the device");
    let decided = wait_for(&d, "the refund decision event", || {
        let v = d.events.decided();
        (!v.is_empty(), v)
    });
    assert_eq!(decided[0].outcome, Some(ClaimOutcome::Refunded));
    let unit = if cost == 1 { "credit" } else { "credits" };
    assert_eq!(decided[0].message, format!("Refund granted: {cost} {unit}"));
    let o = d.app.overview().unwrap();
    assert_eq!(o.available, before + cost, "the credits came back");
    assert_eq!(o.refunded_this_month, cost);
    let item = d.app.generation(&g.generation_id).unwrap();
    assert_eq!(item.state, GenerationState::Refunded);
    assert!(
        d.events
            .count(|e| matches!(e, AppEvent::Balance(b) if b.available == before + cost))
            >= 1,
        "a balance event carried the new balance"
    );
}

#[test]
fn an_ineligible_report_says_why_before_submit_and_is_kept_as_feedback() {
    let d = start();
    batch_editor(&d);
    let g = generate(&d, Feature::Logo);
    assert_eq!(g.surface, Surface::BatchEditor, "the QA surface applies");
    let e = d.app.check_claim(&g.generation_id).unwrap();
    assert!(!e.eligible);
    assert!(
        e.reasons.iter().any(|r| r.code == "surface_not_refundable"),
        "{:?}",
        e.reasons
    );
    let not_web = generate(&d, Feature::Retouch);
    let e = d.app.check_claim(&not_web.generation_id).unwrap();
    assert!(
        e.reasons.iter().any(|r| r.code == "feature_not_refundable"),
        "{:?}",
        e.reasons
    );
    let claim = report(&d, &g);
    assert!(!claim.local_eligible);
    let decided = wait_for(&d, "the feedback answer", || {
        let v = d.events.decided();
        (!v.is_empty(), v)
    });
    assert_eq!(decided[0].outcome, Some(ClaimOutcome::NotRefunded));
    assert_eq!(decided[0].message, "Thank you for your feedback");
    let again = d.app.check_claim(&g.generation_id).unwrap();
    assert!(again.reasons.iter().any(|r| r.code == "already_claimed"));
    let second = d.app.submit_claim(&ClaimRequest {
        generation_id: g.generation_id.clone(),
        reason: ClaimReason::Other,
        details: "again".to_owned(),
    });
    assert_eq!(second.unwrap_err().code, ErrorCode::AlreadyClaimed);
}

#[test]
fn offline_reports_wait_in_the_outbox_and_are_decided_when_back_online() {
    let d = start();
    let g = generate(&d, Feature::Recolor);
    let before = d.app.overview().unwrap().available;
    let s = d.app.set_network(false).unwrap();
    assert!(!s.online);
    let refused = d.app.generate(&GenerateRequest {
        feature: Feature::Logo,
        surface: None,
    });
    assert_eq!(refused.unwrap_err().code, ErrorCode::Offline);
    let e = d.app.check_claim(&g.generation_id).unwrap();
    assert!(e.eligible, "the check works offline");
    report(&d, &g);
    d.app.sync_and_wait(Duration::from_secs(10)).unwrap();
    let s = d.app.sync_status().unwrap();
    assert_eq!(s.queued, 1, "the report waits while offline");
    assert_eq!(
        d.app.generation(&g.generation_id).unwrap().state,
        GenerationState::Pending
    );
    assert!(d.events.decided().is_empty());
    d.app.set_network(true).unwrap();
    let decided = wait_for(&d, "the decision after coming back online", || {
        let v = d.events.decided();
        (!v.is_empty(), v)
    });
    assert_eq!(decided[0].outcome, Some(ClaimOutcome::Refunded));
    assert_eq!(d.app.sync_status().unwrap().queued, 0);
    assert_eq!(
        d.app.overview().unwrap().available,
        before + g.charged,
        "refunded exactly once"
    );
}

#[test]
fn injected_faults_show_as_unreachable_and_nothing_is_lost() {
    let d = start();
    let g = generate(&d, Feature::Text);
    d.app
        .set_qa(&QaUpdate {
            enabled: Some(true),
            faults: Some(Faults {
                drop_rate: 1.0,
                error_rate: 0.0,
                delay_ms: 0,
            }),
            ..QaUpdate::default()
        })
        .unwrap();
    report(&d, &g);
    d.app.sync_and_wait(Duration::from_secs(10)).unwrap();
    let s = d.app.sync_status().unwrap();
    assert_eq!(s.reachable, Some(false));
    assert_eq!(s.queued, 1, "the report is kept");
    let err = s.last_error.expect("the failure is told");
    assert_eq!(err.code, "network");
    assert!(
        err.message.contains("go out automatically"),
        "{}",
        err.message
    );
    d.app
        .set_qa(&QaUpdate {
            faults: Some(Faults::default()),
            ..QaUpdate::default()
        })
        .unwrap();
    let decided = wait_for(&d, "the decision once faults stop", || {
        let v = d.events.decided();
        (!v.is_empty(), v)
    });
    assert_eq!(decided.len(), 1, "decided once");
    assert_eq!(d.app.sync_status().unwrap().reachable, Some(true));
}

fn qa_mode_on(d: &Device) {
    d.app
        .set_qa(&QaUpdate {
            enabled: Some(true),
            ..QaUpdate::default()
        })
        .unwrap();
}

#[test]
fn qa_and_sandbox_controls_are_refused_while_qa_mode_is_off() {
    let d = start();
    let before = d.app.qa_state().unwrap();
    assert!(!before.enabled, "QA mode is off on a first run");
    let refusals = [
        (
            "a simulated platform",
            d.app.set_qa(&QaUpdate {
                platform: Some(recoup_core::Platform::Ios),
                ..QaUpdate::default()
            }),
        ),
        (
            "injected faults",
            d.app.set_qa(&QaUpdate {
                faults: Some(Faults {
                    drop_rate: 1.0,
                    error_rate: 0.0,
                    delay_ms: 0,
                }),
                ..QaUpdate::default()
            }),
        ),
        (
            "a device clock offset",
            d.app.set_qa(&QaUpdate {
                clock_offset_secs: Some(-90_000),
                ..QaUpdate::default()
            }),
        ),
        ("the test clock", d.app.advance_test_clock(3_600)),
    ];
    for (what, result) in refusals {
        let e = result.expect_err(what);
        assert_eq!(
            e.code,
            ErrorCode::QaModeOff,
            "{what}: refused with qa_mode_off"
        );
    }
    let e = d
        .app
        .load_policy(&recoup_core::Policy::builtin().to_json())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::QaModeOff, "a policy file: refused");
    let after = d.app.qa_state().unwrap();
    let clock = |q: &QaState| {
        q.test_clock
            .as_deref()
            .expect("the sandbox answers with its test clock")
            .parse::<recoup_core::Timestamp>()
            .unwrap()
    };
    assert!(
        clock(&after) < clock(&before) + recoup_core::TimeDelta::seconds(600),
        "the test clock was not moved an hour: {after:?} vs {before:?}"
    );
    let unclocked = |q: &QaState| QaState {
        test_clock: None,
        ..q.clone()
    };
    assert_eq!(
        unclocked(&after),
        unclocked(&before),
        "nothing was changed by the refused controls"
    );
    // Turning QA mode on (and then using a control in the same update) is allowed.
    let on = d
        .app
        .set_qa(&QaUpdate {
            enabled: Some(true),
            platform: Some(recoup_core::Platform::Ios),
            ..QaUpdate::default()
        })
        .unwrap();
    assert!(
        on.enabled && on.platform == recoup_core::Platform::Ios,
        "{on:?}"
    );
}

#[test]
fn the_test_clock_closes_the_window_and_the_device_knows_after_a_sync() {
    let d = start();
    let g = generate(&d, Feature::Logo);
    assert!(d.app.check_claim(&g.generation_id).unwrap().eligible);
    qa_mode_on(&d);
    let qa = d.app.advance_test_clock(2 * 86_400).unwrap();
    assert!(qa.test_clock.is_some());
    let e = d.app.check_claim(&g.generation_id).unwrap();
    assert!(
        !e.eligible,
        "two days later the 24 h window is closed: {e:?}"
    );
    assert!(e.reasons.iter().any(|r| r.code == "window_expired"));
    assert_eq!(e.window_secs_left, Some(0));
}

#[test]
fn a_policy_file_is_published_and_put_in_force_or_refused_whole() {
    let d = start();
    let mut doc: serde_json::Value =
        serde_json::from_str(&recoup_core::Policy::builtin().to_json()).unwrap();
    doc["version"] = "qa-2026-11-25".into();
    doc["refund_window_secs"] = 3_600.into();
    qa_mode_on(&d);
    let loaded = d.app.load_policy(&doc.to_string()).unwrap();
    assert_eq!(loaded.version, "qa-2026-11-25");
    assert_eq!(
        loaded.device_version, "qa-2026-11-25",
        "the device has it too"
    );
    let g = generate(&d, Feature::Logo);
    let left = d
        .app
        .check_claim(&g.generation_id)
        .unwrap()
        .window_secs_left
        .unwrap();
    assert!(left <= 3_600, "the new 1 h window applies, got {left}");

    let refused = d.app.load_policy("{\"version\": 3}").unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidDocument);
    assert_eq!(d.app.app_info().unwrap().policy_version, "qa-2026-11-25");
}

#[test]
fn bad_input_gets_a_typed_error_and_changes_nothing() {
    let d = start();
    let e = d.app.check_claim("not-an-id").unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let e = d
        .app
        .check_claim(&recoup_core::GenerationId::new_v7().to_string())
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::NotFound);
    let g = generate(&d, Feature::Logo);
    let e = d
        .app
        .submit_claim(&ClaimRequest {
            generation_id: g.generation_id.clone(),
            reason: ClaimReason::Other,
            details: " ".to_owned(),
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidDetails);
    assert_eq!(d.app.sync_status().unwrap().queued, 0, "nothing queued");
    let qa_before = d.app.qa_state().unwrap();
    let e = d
        .app
        .set_qa(&QaUpdate {
            platform: Some(recoup_core::Platform::Ios),
            faults: Some(Faults {
                drop_rate: 2.0,
                error_rate: 0.0,
                delay_ms: 0,
            }),
            ..QaUpdate::default()
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    assert_eq!(
        d.app.qa_state().unwrap().platform,
        qa_before.platform,
        "a refused update changes nothing, not even its valid fields"
    );
    let e = d
        .app
        .history(&HistoryRequest {
            limit: Some(0),
            ..HistoryRequest::default()
        })
        .unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
    let e = d.app.advance_test_clock(0).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidInput);
}

#[test]
fn history_pages_filters_and_the_ledger_exports_as_csv() {
    let d = start();
    for f in [
        Feature::Logo,
        Feature::Text,
        Feature::Logo,
        Feature::Recolor,
    ] {
        generate(&d, f);
    }
    let first = d
        .app
        .history(&HistoryRequest {
            limit: Some(3),
            ..HistoryRequest::default()
        })
        .unwrap();
    assert_eq!(first.items.len(), 3);
    let rest = d
        .app
        .history(&HistoryRequest {
            limit: Some(3),
            before: first.next.clone(),
            ..HistoryRequest::default()
        })
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.next, None);
    let logos = d
        .app
        .history(&HistoryRequest {
            feature: Some(Feature::Logo),
            ..HistoryRequest::default()
        })
        .unwrap();
    assert_eq!(logos.items.len(), 2);

    let captures = d
        .app
        .ledger(&LedgerRequest {
            filter: LedgerFilter {
                kind: Some(EntryKind::Capture),
                generation_id: None,
            },
            ..LedgerRequest::default()
        })
        .unwrap();
    assert_eq!(captures.items.len(), 4);
    let all = d.app.ledger(&LedgerRequest::default()).unwrap();
    let out = d.dir.path().join("downloads");
    let done = d.app.export_ledger(&LedgerFilter::default(), &out).unwrap();
    assert_eq!(done.rows as usize, all.items.len());
    let text = std::fs::read_to_string(&done.path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("seq,at,kind,credits,grant_id,generation_id")
    );
    assert_eq!(lines.count(), all.items.len(), "one line per entry");
    assert!(text.contains(",capture,"));
}

#[test]
fn a_restart_finds_the_same_account_ledger_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Events::default());
    let (account, available, id) = {
        let app = App::start(config(dir.path()), events.clone()).unwrap();
        let g = app
            .generate(&GenerateRequest {
                feature: Feature::Logo,
                surface: None,
            })
            .unwrap();
        app.set_qa(&QaUpdate {
            enabled: Some(true),
            platform: Some(recoup_core::Platform::Android),
            ..QaUpdate::default()
        })
        .unwrap();
        (
            app.app_info().unwrap().endpoint.account_id,
            app.overview().unwrap().available,
            g.generation_id,
        )
    };
    let app = App::start(config(dir.path()), events).unwrap();
    assert_eq!(app.app_info().unwrap().endpoint.account_id, account);
    assert_eq!(app.overview().unwrap().available, available);
    assert_eq!(
        app.qa_state().unwrap().platform,
        recoup_core::Platform::Android
    );
    assert!(app.output(&id).is_ok(), "the cached output is still there");
    let g = app
        .generate(&GenerateRequest {
            feature: Feature::Logo,
            surface: None,
        })
        .unwrap();
    assert_eq!(
        g.platform,
        recoup_core::Platform::Android,
        "the endpoint (on a new port) still knows this device's token"
    );
}

#[test]
fn settings_connect_to_a_remote_endpoint_and_back_without_losing_either_profile() {
    // Another device's embedded endpoint plays the remote endpoint.
    let remote = start();
    let remote_url = remote.app.app_info().unwrap().endpoint.url.unwrap();
    let d = start();
    let local = generate(&d, Feature::Logo);

    let info = d
        .app
        .connect_endpoint(&ConnectRequest {
            url: format!("{remote_url}/"),
            token: None,
        })
        .unwrap();
    assert_eq!(info.endpoint.mode, EndpointMode::Remote);
    assert_eq!(info.endpoint.url.as_deref(), Some(remote_url.as_str()));
    assert!(
        matches!(info.endpoint.token_storage, TokenStorage::File { .. }),
        "{:?}",
        info.endpoint.token_storage
    );
    let o = wait_for(&d, "the remote account's allowance", || {
        let o = d.app.overview().unwrap();
        (o.available == 1_000, o)
    });
    assert_eq!(o.held, 0);
    assert!(
        d.app
            .history(&HistoryRequest::default())
            .unwrap()
            .items
            .is_empty(),
        "a new account on the remote endpoint has no history"
    );
    let g = generate(&d, Feature::Text);
    assert_eq!(g.state, GenerationState::Succeeded);

    let back = d.app.use_embedded_endpoint().unwrap();
    assert_eq!(back.endpoint.mode, EndpointMode::Embedded);
    let ids: Vec<String> = d
        .app
        .history(&HistoryRequest::default())
        .unwrap()
        .items
        .into_iter()
        .map(|i| i.generation_id)
        .collect();
    assert_eq!(
        ids,
        vec![local.generation_id],
        "the embedded profile is as it was"
    );

    let refused = d
        .app
        .connect_endpoint(&ConnectRequest {
            url: remote_url,
            token: Some("not-a-token".to_owned()),
        })
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Unauthorized, "{refused:?}");
    assert_eq!(
        d.app.app_info().unwrap().endpoint.mode,
        EndpointMode::Embedded,
        "a refused connection changes nothing"
    );
}

#[test]
fn a_report_held_for_review_is_announced_when_a_person_decides() {
    let dir = tempfile::tempdir().unwrap();
    let events = Arc::new(Events::default());
    let mut c = config(dir.path());
    // Every output looks fine: an eligible report cannot be decided objectively.
    c.generator_bad_rate = 0.0;
    let d = Device {
        app: App::start(c, events.clone()).unwrap(),
        events,
        dir,
    };
    let g = generate(&d, Feature::Logo);
    let claim = report(&d, &g);
    let in_review = wait_for(&d, "the review answer", || {
        let v = d.events.decided();
        (!v.is_empty(), v)
    });
    assert_eq!(in_review[0].outcome, Some(ClaimOutcome::InReview));
    assert!(
        in_review[0].message.contains("being reviewed"),
        "{}",
        in_review[0].message
    );
    assert_eq!(d.app.sync_status().unwrap().in_review, 1);
    assert_eq!(
        d.app.generation(&g.generation_id).unwrap().state,
        GenerationState::InReview
    );

    // The operator approves it on the endpoint, with the embedded endpoint's admin token.
    let info = d.app.app_info().unwrap();
    let admin = std::fs::read_to_string(d.dir.path().join("endpoint/admin-token")).unwrap();
    let client = recoup_sync::Client::new(
        recoup_sync::HttpTransport::new(info.endpoint.url.as_deref().unwrap()).unwrap(),
    )
    .with_token(admin.trim());
    client
        .admin_review(
            info.endpoint.account_id.unwrap().parse().unwrap(),
            claim.claim_id.parse().unwrap(),
            true,
        )
        .unwrap();

    let decided = wait_for(&d, "the approval reaching the device", || {
        let v = d.events.decided();
        (v.len() >= 2, v)
    });
    assert_eq!(decided[1].outcome, Some(ClaimOutcome::Refunded));
    assert_eq!(decided[1].claim_id, claim.claim_id);
    assert_eq!(d.app.sync_status().unwrap().in_review, 0);
    assert_eq!(
        d.app.generation(&g.generation_id).unwrap().state,
        GenerationState::Refunded
    );
}

#[test]
fn the_language_chosen_in_settings_writes_the_cores_words_and_survives_a_restart() {
    let d = start();
    let info = d.app.set_language(Some("fr")).unwrap();
    assert_eq!(info.language, "fr", "French is in force");
    assert_eq!(
        info.language_choice.as_deref(),
        Some("fr"),
        "and was chosen"
    );
    assert!(
        info.catalog
            .features
            .iter()
            .any(|c| c.value == Feature::VirtualModel && c.label == "Mannequin virtuel"),
        "the pickers' labels are French: {:?}",
        info.catalog.features.first()
    );

    batch_editor(&d);
    let g = generate(&d, Feature::Logo);
    assert_eq!(g.feature_label, "Logo", "a name that is the same in French");
    let e = d.app.check_claim(&g.generation_id).unwrap();
    let surface = e
        .reasons
        .iter()
        .find(|r| r.code == "surface_not_refundable")
        .expect("the Batch Editor is never refundable");
    assert_eq!(
        surface.message,
        "Les outils d’IA utilisés dans l’éditeur par lots ne sont pas remboursables.",
        "the reason is in French"
    );
    let claim = report(&d, &g);
    assert!(
        claim.message.starts_with("Signalement en attente"),
        "the queued line is French: {}",
        claim.message
    );
    let decided = wait_for(&d, "the feedback answer", || {
        let v = d.events.decided();
        (!v.is_empty(), v)
    });
    assert_eq!(
        decided[0].message, "Merci pour votre retour",
        "the decision the sync announces is in French"
    );

    let refused = d.app.set_language(Some("xx")).unwrap_err();
    assert_eq!(
        refused.code,
        ErrorCode::InvalidInput,
        "not a language Recoup speaks"
    );
    assert_eq!(
        d.app.app_info().unwrap().language,
        "fr",
        "a refused choice changes nothing"
    );

    let dir = d.dir.path().to_owned();
    drop(d.app);
    let app = App::start(config(&dir), Arc::new(Events::default())).unwrap();
    let info = app.app_info().unwrap();
    assert_eq!(
        (info.language.as_str(), info.language_choice.as_deref()),
        ("fr", Some("fr")),
        "the choice survives a restart"
    );
    let info = app.set_language(None).unwrap();
    assert_eq!(info.language_choice, None, "back to the system's language");
    assert_eq!(
        info.language, info.system_language,
        "which is then the language in force"
    );
}

#[test]
fn errors_come_back_in_the_language_in_force_with_the_same_code() {
    let d = start();
    let g = generate(&d, Feature::Logo);
    let short = |d: &Device| {
        d.app.answer(d.app.submit_claim(&ClaimRequest {
            generation_id: g.generation_id.clone(),
            reason: ClaimReason::Other,
            details: " ".to_owned(),
        }))
    };
    let bad_setting = |d: &Device| {
        d.app.answer(d.app.set_qa(&QaUpdate {
            faults: Some(Faults {
                drop_rate: 2.0,
                error_rate: 0.0,
                delay_ms: 0,
            }),
            ..QaUpdate::default()
        }))
    };
    let offline = |d: &Device| {
        d.app.answer(d.app.generate(&GenerateRequest {
            feature: Feature::Logo,
            surface: None,
        }))
    };

    // English: the answer is the error the core built, word for word.
    let raw = d
        .app
        .submit_claim(&ClaimRequest {
            generation_id: g.generation_id.clone(),
            reason: ClaimReason::Other,
            details: " ".to_owned(),
        })
        .unwrap_err();
    let en_short = short(&d).unwrap_err();
    assert_eq!(en_short, raw, "in English the boundary changes nothing");
    assert!(
        en_short.message.starts_with("the details are too short"),
        "English words: {}",
        en_short.message
    );
    let en_setting = bad_setting(&d).unwrap_err();
    assert_eq!(
        en_setting.message, "faults.drop_rate: must be between 0 and 1",
        "English words"
    );
    d.app.set_network(false).unwrap();
    let en_offline = offline(&d).unwrap_err();
    assert!(
        en_offline.message.starts_with("you are offline"),
        "English words: {}",
        en_offline.message
    );

    // French: the same refusals, the same codes, French words.
    d.app.set_language(Some("fr")).unwrap();
    let fr_short = short(&d).unwrap_err();
    assert_eq!(fr_short.code, en_short.code, "the code stays: {fr_short:?}");
    assert_eq!(
        fr_short.code,
        ErrorCode::InvalidDetails,
        "too short is bad details"
    );
    assert!(
        fr_short
            .message
            .starts_with("les détails sont trop courts\u{a0}: 0 caractère,"),
        "French words, 0 singular as French says it: {}",
        fr_short.message
    );
    let fr_setting = bad_setting(&d).unwrap_err();
    assert_eq!(fr_setting.code, ErrorCode::InvalidInput, "the code stays");
    assert_eq!(
        fr_setting.message, "faults.drop_rate\u{a0}: doit être compris entre 0 et 1",
        "French words, the field as the request names it"
    );
    let fr_offline = offline(&d).unwrap_err();
    assert_eq!(fr_offline.code, ErrorCode::Offline, "the code stays");
    assert!(
        fr_offline.message.starts_with("vous êtes hors ligne"),
        "French words: {}",
        fr_offline.message
    );
    let refused = d.app.open_link("recoup://nothing");
    match refused {
        LinkView::Refused { error, .. } => {
            assert_eq!(error.code, ErrorCode::InvalidInput, "a refused link");
            assert!(
                error
                    .message
                    .contains("n’est pas un lien que Recoup connaît"),
                "a refused link is told in French too: {}",
                error.message
            );
        }
        other => panic!("not a Recoup link: {other:?}"),
    }

    // Back to English: the English words again.
    d.app.set_language(Some("en")).unwrap();
    assert_eq!(
        offline(&d).unwrap_err(),
        en_offline,
        "English again after switching back"
    );
}
