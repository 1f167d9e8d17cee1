//! Bad files, bad documents, bad input: refused with a typed error and a stable code, with
//! nothing written and what was there left as it was.

use std::path::Path;

use recoup_core::ledger::GRANT_CREDITS_MAX;
use recoup_core::{Feature, GenerationStatus, GrantKind, Platform, Policy, PriceList, Surface};
use recoup_store::{
    EntryKind, EntryQuery, FinishGeneration, GrantRequest, Outcome, Store, StoreError,
};

use crate::support::{
    TestClock, entry_count, finish, grant, op_at, rows, secs, start, succeeded, t0, temp_store,
};

/// Deterministic junk (xorshift), so a failure reproduces.
fn junk(len: usize) -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x.to_le_bytes()[0]
        })
        .collect()
}

fn sidecar(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    p.into()
}

#[cfg(unix)]
#[test]
fn database_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let path = dir.path().join("ledger.sqlite3");
    {
        let mut store = Store::open(&path).unwrap();
        grant(&mut store, GrantKind::Allowance, 10, None, t0());
        for file in [path.clone(), sidecar(&path, "-wal"), sidecar(&path, "-shm")] {
            assert_eq!(mode(&file), 0o600, "{}: owner only", file.display());
        }
    }
    // A file made before this rule (world-readable) is narrowed when it is opened again.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let store = Store::open(&path).unwrap();
    assert_eq!(
        mode(&path),
        0o600,
        "an existing 0644 database is narrowed to 0600"
    );
    assert_eq!(
        store.balance(t0()).unwrap().totals.available,
        10,
        "narrowing the permissions changes nothing in the ledger"
    );
}

#[test]
fn a_file_of_garbage_is_refused_as_corrupt_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [
        ("random.sqlite3", junk(64 * 1024)),
        (
            "text.sqlite3",
            b"this is a note, not a database\n".repeat(200),
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let err = Store::open(&path).unwrap_err();
        assert!(
            matches!(&err, StoreError::Corrupt { path: p, .. } if p == &path.display().to_string()),
            "{name}: refused as Corrupt naming the file, got {err:?}"
        );
        assert_eq!(err.code(), "corrupt_database", "{name}: stable code");
        assert_eq!(
            std::fs::read(&path).unwrap(),
            bytes,
            "{name}: the file's bytes are unchanged"
        );
        for suffix in ["-wal", "-shm", "-journal"] {
            assert!(
                !sidecar(&path, suffix).exists(),
                "{name}: no {suffix} file was created next to it"
            );
        }
    }
}

#[test]
fn a_database_with_damaged_pages_is_refused_as_corrupt_and_left_untouched() {
    let (dir, path, mut store) = temp_store();
    let now = t0();
    grant(&mut store, GrantKind::Allowance, 100_000, None, now);
    for _ in 0..200 {
        succeeded(
            &mut store,
            Feature::Text,
            Platform::Web,
            Surface::Editor,
            now,
        );
    }
    drop(store);
    let mut bytes = std::fs::read(&path).unwrap();
    let page = 4096;
    assert!(
        bytes.len() > 8 * page,
        "the database must span several pages for this test"
    );
    // Keep the header page (so SQLite recognises the file) and scribble over the rest.
    let garbage = junk(bytes.len() - page);
    bytes[page..].copy_from_slice(&garbage);
    std::fs::write(&path, &bytes).unwrap();

    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(err, StoreError::Corrupt { .. }),
        "damaged pages are refused as Corrupt, got {err:?}"
    );
    assert_eq!(err.code(), "corrupt_database", "stable code");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "the damaged file is left as it was"
    );
    drop(dir);
}

#[test]
fn a_database_from_a_newer_recoup_is_refused() {
    let (_dir, path, store) = temp_store();
    drop(store);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooNew {
                found: 99,
                supported: 4
            }
        ),
        "schema version 99 is newer than this build: TooNew, got {err:?}"
    );
    assert_eq!(err.code(), "database_too_new", "stable code");
}

fn custom_policy(version: &str, window_secs: u64) -> Vec<u8> {
    let mut doc = Policy::builtin().to_document();
    doc.version = version.to_owned();
    doc.refund_window_secs = window_secs;
    serde_json::to_vec(&doc).unwrap()
}

#[test]
fn an_invalid_policy_is_refused_and_the_previous_one_stays_in_force() {
    let (_dir, path, mut store) = temp_store();
    let mut clock = TestClock::start();
    assert_eq!(
        store.policy().unwrap(),
        Policy::builtin(),
        "a new store uses the built-in policy"
    );
    let active = store
        .activate_policy_json(&custom_policy("qa-2026-12-01", 3_600), clock.now())
        .unwrap();
    assert_eq!(
        active.version(),
        "qa-2026-12-01",
        "the new policy is returned"
    );
    let documents = rows(&path).documents;

    let mut unknown_field = serde_json::to_value(Policy::builtin().to_document()).unwrap();
    unknown_field["surprise"] = serde_json::json!(true);
    let mut missing_feature = Policy::builtin().to_document();
    missing_feature.features.remove("ai_shadows");
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("not JSON", b"{ this is not json".to_vec()),
        ("empty", Vec::new()),
        ("an array", b"[]".to_vec()),
        ("zero window", custom_policy("qa-2", 0)),
        ("empty version", custom_policy("  ", 3_600)),
        ("unknown field", serde_json::to_vec(&unknown_field).unwrap()),
        (
            "missing feature",
            serde_json::to_vec(&missing_feature).unwrap(),
        ),
    ];
    for (what, bytes) in bad {
        let err = store
            .activate_policy_json(&bytes, clock.advance(1))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::Document(_)),
            "{what}: refused as a Document error, got {err:?}"
        );
        assert_eq!(err.code(), "invalid_document", "{what}: stable code");
        assert_eq!(
            store.policy().unwrap().version(),
            "qa-2026-12-01",
            "{what}: the policy in force is still the last good one"
        );
    }
    assert_eq!(
        rows(&path).documents,
        documents,
        "refused documents are not stored"
    );

    // The policy in force decides: a one-hour window.
    grant(&mut store, GrantKind::Allowance, 10, None, clock.now());
    let finished_at = clock.now();
    let g = succeeded(
        &mut store,
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        finished_at,
    );
    let d = store.check_claim(g, finished_at + secs(60)).unwrap();
    assert_eq!(
        (d.policy_version.as_str(), d.window_closes_at),
        ("qa-2026-12-01", Some(finished_at + secs(3_600))),
        "decisions name the activated policy and use its window"
    );

    // It survives reopening the file.
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.policy().unwrap().version(),
        "qa-2026-12-01",
        "the activated policy is still in force after reopening"
    );
    let d = store.check_claim(g, finished_at + secs(3_601)).unwrap();
    assert!(
        !d.eligible && d.has(recoup_core::ReasonCode::WindowExpired),
        "after reopening, the one-hour window still applies: {d:?}"
    );
}

#[test]
fn activated_prices_set_the_cost_and_the_stale_delay_and_bad_prices_are_refused() {
    let (_dir, _path, mut store) = temp_store();
    let now = t0();
    let mut doc = PriceList::builtin().to_document();
    doc.version = "prices-qa".to_owned();
    doc.hold_stale_after_secs = 60;
    doc.credits.insert("text".to_owned(), 7);
    store
        .activate_prices_json(&serde_json::to_vec(&doc).unwrap(), now)
        .unwrap();
    let mut zero = doc.clone();
    zero.credits.insert("logo".to_owned(), 0);
    let err = store
        .activate_prices_json(&serde_json::to_vec(&zero).unwrap(), now)
        .unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_document",
        "a zero price is refused, got {err:?}"
    );
    assert_eq!(
        store.prices().unwrap().version(),
        "prices-qa",
        "the refused price list changed nothing"
    );

    grant(&mut store, GrantKind::Allowance, 20, None, now);
    let g = start(&mut store, Feature::Text, now);
    let rec = store.generation(g).unwrap();
    assert_eq!(
        (rec.cost, rec.price_version.as_str(), rec.hold_expires_at),
        (7, "prices-qa", now + secs(60)),
        "the generation is priced by the activated list and goes stale after its delay"
    );
    let report = store.sweep(now + secs(60)).unwrap();
    assert_eq!(
        (report.holds_expired, report.hold_credits_released),
        (1, 7),
        "the hold goes stale after the list's 60 s"
    );
}

#[test]
fn a_stale_hold_is_released_by_the_sweep_and_a_late_finish_is_refused() {
    let mut clock = TestClock::start();
    let mut store = Store::open_in_memory().unwrap();
    grant(&mut store, GrantKind::Allowance, 10, None, clock.now());
    let started_at = clock.now();
    let g = start(&mut store, Feature::VirtualModel, started_at);

    let almost = clock.advance(899);
    assert_eq!(
        store.sweep(almost).unwrap().holds_expired,
        0,
        "a hold is not stale before 900 s"
    );
    let stale = clock.advance(1);
    let report = store.sweep(stale).unwrap();
    assert_eq!(
        (report.holds_expired, report.hold_credits_released),
        (1, 4),
        "at 900 s the sweep releases the 4 held credits"
    );
    let rec = store.generation(g).unwrap();
    assert_eq!(
        (
            rec.status,
            rec.failure.as_deref(),
            rec.finished_at,
            rec.charged
        ),
        (
            GenerationStatus::Failed,
            Some("hold_expired"),
            Some(stale),
            0
        ),
        "the generation shows as failed with hold_expired, at the sweep, charged nothing"
    );
    let b = store.balance(stale).unwrap().totals;
    assert_eq!(
        (b.available, b.held, b.spent),
        (10, 0, 0),
        "the credits are available again"
    );
    let released = store
        .entries(&EntryQuery {
            kind: Some(EntryKind::HoldExpired),
            generation_id: Some(g),
            limit: 10,
            ..EntryQuery::default()
        })
        .unwrap();
    assert_eq!(
        released
            .iter()
            .map(|e| (e.credits, e.op_id))
            .collect::<Vec<_>>(),
        vec![(4, None)],
        "one hold_expired entry, written by the sweep (no operation id)"
    );

    let entries = entry_count(&store);
    let late = clock.advance(30);
    for success in [true, false] {
        let err = store
            .finish_generation(
                &FinishGeneration {
                    op_id: op_at(late),
                    generation_id: g,
                    outcome: if success {
                        Outcome::Succeeded { output_ref: None }
                    } else {
                        Outcome::Failed {
                            error: "late".to_owned(),
                        }
                    },
                },
                late,
            )
            .unwrap_err();
        assert!(
            matches!(&err, StoreError::AlreadySettled { generation, outcome } if *generation == g && outcome == "expired"),
            "a late finish (success={success}) is refused: the hold already expired, got {err:?}"
        );
        assert_eq!(err.code(), "hold_already_settled", "stable code");
    }
    assert_eq!(entry_count(&store), entries, "late finishes write nothing");
    let claim = store
        .submit_claim(&crate::support::claim_req(g, late), late)
        .unwrap_err();
    assert!(
        matches!(claim, StoreError::TechnicalFailure(id) if id == g),
        "a generation whose hold expired cannot be reported: nothing was charged, got {claim:?}"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn a_late_finish_without_a_prior_sweep_is_refused_and_the_hold_is_released() {
    let mut clock = TestClock::start();
    let mut store = Store::open_in_memory().unwrap();
    grant(&mut store, GrantKind::Allowance, 10, None, clock.now());
    let g = start(&mut store, Feature::VirtualModel, clock.now());
    let late = clock.advance(901);
    let err = store
        .finish_generation(
            &FinishGeneration {
                op_id: op_at(late),
                generation_id: g,
                outcome: Outcome::Succeeded { output_ref: None },
            },
            late,
        )
        .unwrap_err();
    assert!(
        matches!(&err, StoreError::AlreadySettled { outcome, .. } if outcome == "expired"),
        "a finish that arrives after the hold went stale is refused even with no sweep before it, got {err:?}"
    );
    let b = store.balance(late).unwrap().totals;
    assert_eq!(b.spent, 0, "the late success was not charged");
    store.sweep(late).unwrap();
    let rec = store.generation(g).unwrap();
    assert_eq!(
        (rec.status, rec.failure.as_deref(), rec.charged),
        (GenerationStatus::Failed, Some("hold_expired"), 0),
        "after the next sweep the generation shows as failed with hold_expired"
    );
    assert_eq!(
        store.balance(late).unwrap().totals.available,
        10,
        "all credits are available"
    );
    store.verify().expect("the ledger verifies");
}

#[test]
fn invalid_grants_are_refused_with_nothing_written() {
    let (_dir, path, mut store) = temp_store();
    let now = t0();
    let before = rows(&path);
    let base = |credits| GrantRequest::new(op_at(now), GrantKind::Promotion, credits);
    let mut past = base(5);
    past.expires_at = Some(now - secs(1));
    let mut at_now = base(5);
    at_now.expires_at = Some(now);
    let mut priority = base(5);
    priority.priority = Some(101);
    let mut control = base(5);
    control.note = "line\u{0}break".to_owned();
    let mut long_note = base(5);
    long_note.note = "n".repeat(201);
    let cases = [
        ("zero credits", base(0), "credits"),
        ("too many credits", base(GRANT_CREDITS_MAX + 1), "credits"),
        ("expiry in the past", past, "expires_at"),
        ("expiry at this instant", at_now, "expires_at"),
        ("priority 101", priority, "priority"),
        ("control character in the note", control, "note"),
        ("note over 200 characters", long_note, "note"),
    ];
    for (what, req, field) in cases {
        let err = store.grant(&req, now).unwrap_err();
        assert!(
            matches!(&err, StoreError::InvalidInput { field: f, .. } if *f == field),
            "{what}: refused as invalid {field}, got {err:?}"
        );
        assert_eq!(err.code(), "invalid_input", "{what}: stable code");
    }
    assert_eq!(rows(&path), before, "no refused grant wrote anything");
    assert!(
        store.balance(now).unwrap().grants.is_empty(),
        "no grant is listed"
    );

    // The bounds themselves are accepted.
    let mut edge = base(GRANT_CREDITS_MAX);
    edge.priority = Some(100);
    edge.note = "n".repeat(200);
    edge.expires_at = Some(now + secs(1));
    let rec = store.grant(&edge, now).expect("the bounds are accepted");
    assert_eq!(
        (
            rec.terms.credits,
            rec.terms.priority,
            rec.terms.note.chars().count()
        ),
        (GRANT_CREDITS_MAX, 100, 200),
        "largest amount, lowest priority and longest note are kept"
    );
}

#[test]
fn an_invalid_output_ref_or_error_is_refused_and_the_hold_stays() {
    let (_dir, path, mut store) = temp_store();
    let now = t0();
    grant(&mut store, GrantKind::Allowance, 10, None, now);
    let g = start(&mut store, Feature::Logo, now);
    let before = rows(&path);
    for (what, outcome) in [
        (
            "empty output_ref",
            Outcome::Succeeded {
                output_ref: Some(String::new()),
            },
        ),
        (
            "output_ref over 2048 bytes",
            Outcome::Succeeded {
                output_ref: Some("p".repeat(2_049)),
            },
        ),
        (
            "error over 2048 bytes",
            Outcome::Failed {
                error: "e".repeat(2_049),
            },
        ),
    ] {
        let err = store
            .finish_generation(
                &FinishGeneration {
                    op_id: op_at(now),
                    generation_id: g,
                    outcome,
                },
                now,
            )
            .unwrap_err();
        assert_eq!(err.code(), "invalid_input", "{what}: refused, got {err:?}");
    }
    assert_eq!(rows(&path), before, "nothing written");
    assert_eq!(
        store.generation(g).unwrap().status,
        GenerationStatus::Running,
        "the generation is still running, its hold intact"
    );
    let done = finish(&mut store, g, true, now);
    assert_eq!(done.charged, 2, "a valid finish still works afterwards");
}

#[test]
fn listing_limits_are_checked() {
    let store = Store::open_in_memory().unwrap();
    for limit in [0, 1_001] {
        let err = store
            .entries(&EntryQuery {
                limit,
                ..EntryQuery::default()
            })
            .unwrap_err();
        assert!(
            matches!(err, StoreError::InvalidInput { field: "limit", .. }),
            "entries limit {limit} is refused, got {err:?}"
        );
    }
}
