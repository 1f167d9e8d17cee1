//! The endpoint's side of a claim: the policy re-checked on the endpoint's records and clock,
//! the judge asked only about eligible claims, the refund written in the claim's transaction
//! (op id = claim id), review (approve or reject, once), repeats by claim id, one claim per
//! generation, and the refund-count safeguard.

use std::cell::Cell;
use std::path::Path;

use recoup_core::Timestamp;
use recoup_core::{
    ClaimReason, Feature, GenerationId, GrantId, GrantKind, OpId, Platform, Policy, Surface,
};
use recoup_store::{
    ClaimOutcome, ClaimRecord, EntryKind, EntryQuery, GenerationRecord, Judgement, LedgerEntry,
    Store, StoreError, SyncState,
};

use crate::support::{
    Rows, TestClock, claim_at, claim_req, finish, gen_at, grant, rows, secs, start_on, succeeded,
    temp_store,
};

const DAY: i64 = 24 * 60 * 60;

struct Endpoint {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    store: Store,
    clock: TestClock,
}

fn endpoint() -> Endpoint {
    let (_dir, path, mut store) = temp_store();
    let clock = TestClock::start();
    grant(&mut store, GrantKind::Allowance, 1_000, None, clock.now());
    Endpoint {
        _dir,
        path,
        store,
        clock,
    }
}

fn web(store: &mut Store, feature: Feature, now: Timestamp) -> GenerationId {
    succeeded(store, feature, Platform::Web, Surface::Editor, now)
}

/// A judge that counts its calls and answers `answer`.
fn counting(
    calls: &Cell<u32>,
    answer: Judgement,
) -> impl FnOnce(&GenerationRecord) -> Judgement + '_ {
    move |_| {
        calls.set(calls.get() + 1);
        answer
    }
}

/// Rows of every table, plus the change feed's length, read behind the store's back.
fn snapshot(path: &Path) -> (Rows, i64) {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open read-only");
    let changes: i64 = conn
        .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
        .expect("count changes");
    (rows(path), changes)
}

/// The write transactions (feed `tx` numbers) that wrote the claim's rows, its generation's
/// refund row, and the grant and ledger entries of the claim's operation (op id = claim id).
fn txs_of(
    path: &Path,
    claim: recoup_core::ClaimId,
    generation: GenerationId,
) -> Vec<(String, i64)> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open read-only");
    let mut stmt = conn
        .prepare(
            "SELECT DISTINCT kind, tx FROM changes
             WHERE (kind = 'claim' AND key = ?1)
                OR (kind = 'refund' AND key = ?2)
                OR (kind = 'grant' AND key = ?1)
                OR (kind = 'entry' AND entry_seq IN (SELECT seq FROM ledger_entries WHERE op_id = ?1))
             ORDER BY tx, kind",
        )
        .expect("prepare");
    stmt.query_map(
        rusqlite::params![claim.as_bytes(), generation.as_bytes()],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .expect("query")
    .collect::<rusqlite::Result<_>>()
    .expect("rows")
}

fn entries_of(store: &Store, g: GenerationId) -> Vec<LedgerEntry> {
    store
        .entries(&EntryQuery {
            generation_id: Some(g),
            limit: 1_000,
            ..EntryQuery::default()
        })
        .expect("entries of a generation")
}

fn refund_entries(store: &Store, g: GenerationId) -> Vec<LedgerEntry> {
    entries_of(store, g)
        .into_iter()
        .filter(|e| e.kind == EntryKind::Refund)
        .collect()
}

fn outcome(c: &ClaimRecord) -> (Option<ClaimOutcome>, Option<&str>, Option<u64>) {
    (c.outcome, c.outcome_code.as_deref(), c.refunded_credits)
}

#[test]
fn an_unusable_result_is_refunded_once_in_the_claims_transaction() {
    let mut e = endpoint();
    let now = e.clock.now();
    let g = web(&mut e.store, Feature::VirtualModel, now);
    let charged = e.store.generation(g).unwrap().charged;
    assert_eq!(charged, 4, "a virtual model costs 4");
    let before = e.store.balance(now).unwrap().totals;
    let at = e.clock.advance(600);
    let req = claim_req(g, at);
    let judged = Cell::new(None);
    let c = e
        .store
        .adjudicate(&req, at, |r| {
            judged.set(Some((r.generation_id, r.charged)));
            Judgement::Refund
        })
        .unwrap();
    assert_eq!(
        judged.get(),
        Some((g, 4)),
        "the judge saw the stored generation"
    );
    assert_eq!(
        (outcome(&c), c.decided_at, c.sync_state),
        (
            (Some(ClaimOutcome::Refunded), None, Some(charged)),
            Some(at),
            SyncState::Acknowledged
        ),
        "refunded the whole charge, decided now, nothing to sync"
    );
    assert!(
        c.local_decision.eligible && c.local_decision.decided_at == at,
        "the policy decision on the endpoint's clock is kept: {:?}",
        c.local_decision
    );
    let refunds = refund_entries(&e.store, g);
    assert_eq!(
        refunds.iter().map(|r| r.credits).sum::<u64>(),
        charged,
        "the refund entries return exactly the charge"
    );
    assert!(
        refunds
            .iter()
            .all(|r| r.op_id == Some(OpId(req.claim_id.0))),
        "the refund's operation id is the claim id: {refunds:?}"
    );
    assert_eq!(snapshot(&e.path).0.refunds, 1, "exactly one refund row");
    let after = e.store.balance(at).unwrap().totals;
    assert_eq!(
        (after.refunded, after.available),
        (before.refunded + charged, before.available + charged),
        "the credits are back"
    );
    let txs = txs_of(&e.path, req.claim_id, g);
    assert_eq!(
        txs.iter()
            .map(|t| t.1)
            .collect::<std::collections::BTreeSet<_>>()
            .len(),
        1,
        "the claim, the refund row and the refund entries are one transaction: {txs:?}"
    );
    assert_eq!(
        e.store.claim(req.claim_id).unwrap(),
        c,
        "the claim reads back as returned"
    );
    e.store.verify().expect("the ledger verifies");
}

#[test]
fn a_claim_in_review_is_refunded_only_when_approved() {
    let mut e = endpoint();
    let now = e.clock.now();
    let g = web(&mut e.store, Feature::Logo, now);
    let other = web(&mut e.store, Feature::Text, now);
    let req = claim_req(g, now);
    let c = e
        .store
        .adjudicate(&req, now, |_| Judgement::Review)
        .unwrap();
    let o = e
        .store
        .adjudicate(&claim_req(other, now), now, |_| Judgement::Review)
        .unwrap();
    assert_eq!(
        (outcome(&c), c.decided_at),
        ((Some(ClaimOutcome::InReview), None, Some(0)), None),
        "in review: not decided, nothing refunded"
    );
    assert!(
        refund_entries(&e.store, g).is_empty() && snapshot(&e.path).0.refunds == 0,
        "no refund while in review"
    );
    assert_eq!(
        e.store
            .claims_in_review(10)
            .unwrap()
            .iter()
            .map(|c| c.claim_id)
            .collect::<Vec<_>>(),
        vec![c.claim_id, o.claim_id],
        "the claims in review are listed oldest first"
    );
    assert_eq!(
        e.store.claims_in_review(1).unwrap().len(),
        1,
        "the listing takes a limit"
    );

    let later = e.clock.advance(3_600);
    let approved = e.store.review(c.claim_id, true, later).unwrap();
    assert_eq!(
        (outcome(&approved), approved.decided_at),
        ((Some(ClaimOutcome::Refunded), None, Some(2)), Some(later)),
        "approved: refunded the charge, decided at the review"
    );
    let refunds = refund_entries(&e.store, g);
    assert_eq!(
        (
            refunds.iter().map(|r| r.credits).sum::<u64>(),
            refunds.iter().all(|r| r.op_id == Some(OpId(c.claim_id.0)))
        ),
        (2, true),
        "one refund of the charge, under the claim's id: {refunds:?}"
    );
    let txs = txs_of(&e.path, c.claim_id, g);
    let review_tx = txs.last().expect("changes").1;
    assert!(
        txs.iter()
            .filter(|(k, _)| k != "claim")
            .all(|t| t.1 == review_tx)
            && txs.iter().any(|(k, t)| k == "claim" && *t == review_tx),
        "the approval and its refund are one transaction: {txs:?}"
    );
    assert_eq!(
        e.store
            .claims_in_review(10)
            .unwrap()
            .iter()
            .map(|c| c.claim_id)
            .collect::<Vec<_>>(),
        vec![o.claim_id],
        "the approved claim left the review list"
    );

    let before = snapshot(&e.path);
    for approve in [true, false] {
        let err = e.store.review(c.claim_id, approve, later).unwrap_err();
        assert_eq!(
            err.code(),
            "invalid_input",
            "a second review (approve = {approve}) is refused: {err:?}"
        );
    }
    assert_eq!(
        snapshot(&e.path),
        before,
        "the refused reviews wrote nothing"
    );
    e.store.verify().expect("the ledger verifies");
}

#[test]
fn a_rejected_review_is_not_refunded_and_cannot_be_reviewed_again() {
    let mut e = endpoint();
    let now = e.clock.now();
    let g = web(&mut e.store, Feature::Recolor, now);
    let c = e
        .store
        .adjudicate(&claim_req(g, now), now, |_| Judgement::Review)
        .unwrap();
    let later = e.clock.advance(60);
    let rejected = e.store.review(c.claim_id, false, later).unwrap();
    assert_eq!(
        (outcome(&rejected), rejected.decided_at),
        (
            (
                Some(ClaimOutcome::NotRefunded),
                Some("not_clearly_unusable"),
                Some(0)
            ),
            Some(later)
        ),
        "rejected: not refunded, not clearly unusable"
    );
    assert!(
        refund_entries(&e.store, g).is_empty() && snapshot(&e.path).0.refunds == 0,
        "no refund"
    );
    let before = snapshot(&e.path);
    let err = e.store.review(c.claim_id, true, later).unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_input",
        "a rejected claim cannot be approved afterwards: {err:?}"
    );
    let unknown = e.store.review(claim_at(later), true, later).unwrap_err();
    assert_eq!(
        unknown.code(),
        "not_found",
        "reviewing an unknown claim is refused: {unknown:?}"
    );
    assert_eq!(snapshot(&e.path), before, "the refusals wrote nothing");
    e.store.verify().expect("the ledger verifies");
}

#[test]
fn the_judges_rejection_is_recorded_with_its_code() {
    let mut e = endpoint();
    let now = e.clock.now();
    let g = web(&mut e.store, Feature::FlatLay, now);
    let c = e
        .store
        .adjudicate(&claim_req(g, now), now, |_| Judgement::Reject {
            code: "not_clearly_unusable".to_owned(),
        })
        .unwrap();
    assert_eq!(
        (outcome(&c), c.decided_at),
        (
            (
                Some(ClaimOutcome::NotRefunded),
                Some("not_clearly_unusable"),
                Some(0)
            ),
            Some(now)
        ),
        "not refunded with the judge's code"
    );
    assert!(
        c.local_decision.eligible,
        "it was eligible: the judge decided"
    );
    assert_eq!(snapshot(&e.path).0.refunds, 0, "no refund");
    let err = e.store.review(c.claim_id, true, now).unwrap_err();
    assert_eq!(
        err.code(),
        "invalid_input",
        "a decided claim is not in review: {err:?}"
    );
}

#[test]
fn ineligible_claims_are_decided_by_the_policy_without_the_judge() {
    let mut e = endpoint();
    let at = e.clock.now();
    let on = |store: &mut Store, f, p, s| succeeded(store, f, p, s, at);
    let shadows = on(
        &mut e.store,
        Feature::AiShadows,
        Platform::Ios,
        Surface::Editor,
    );
    let backgrounds = on(
        &mut e.store,
        Feature::AiBackgrounds,
        Platform::Ios,
        Surface::Editor,
    );
    let batch = on(
        &mut e.store,
        Feature::VirtualModel,
        Platform::Web,
        Surface::BatchEditor,
    );
    let catalog = on(
        &mut e.store,
        Feature::Logo,
        Platform::Android,
        Surface::ProductCatalog,
    );
    let late = on(
        &mut e.store,
        Feature::VirtualModel,
        Platform::Android,
        Surface::Editor,
    );
    let edge = on(&mut e.store, Feature::Text, Platform::Web, Surface::Editor);
    let start = snapshot(&e.path);

    let calls = Cell::new(0);
    // Judged on the endpoint's clock, injected: a day and a second after the generations.
    let now = at + secs(DAY + 1);
    let cases = [
        (
            "AI Shadows on iOS",
            shadows,
            "feature_not_refundable",
            "features.ai_shadows.ios",
        ),
        (
            "AI Backgrounds on iOS",
            backgrounds,
            "feature_not_refundable",
            "features.ai_backgrounds.ios",
        ),
        (
            "the Batch Editor",
            batch,
            "surface_not_refundable",
            "excluded_surfaces",
        ),
        (
            "the Product Catalog Editor",
            catalog,
            "surface_not_refundable",
            "excluded_surfaces",
        ),
        (
            "after the window",
            late,
            "window_expired",
            "refund_window_secs",
        ),
    ];
    for (what, g, code, rule) in cases {
        // The ineligible surfaces and features are judged as of `at` (in the window) too.
        let when = if code == "window_expired" { now } else { at };
        let c = e
            .store
            .adjudicate(
                &claim_req(g, when),
                when,
                counting(&calls, Judgement::Refund),
            )
            .unwrap_or_else(|err| panic!("{what}: an ineligible claim is recorded: {err:?}"));
        assert_eq!(
            (outcome(&c), c.decided_at, c.sync_state),
            (
                (Some(ClaimOutcome::NotRefunded), Some(code), Some(0)),
                Some(when),
                SyncState::Acknowledged
            ),
            "{what}: not refunded with the policy's first reason"
        );
        assert_eq!(
            (c.local_decision.eligible, c.local_decision.rule.as_str()),
            (false, rule),
            "{what}: the decision names the rule"
        );
        assert!(
            refund_entries(&e.store, g).is_empty(),
            "{what}: no refund although the judge would have refunded"
        );
    }
    assert_eq!(
        calls.get(),
        0,
        "the judge is never asked about an ineligible claim"
    );
    assert_eq!(
        snapshot(&e.path).0.refunds,
        start.0.refunds,
        "no refund row was written"
    );
    assert_eq!(
        snapshot(&e.path).0.claims,
        start.0.claims + 5,
        "every ineligible claim is recorded as feedback"
    );

    // Exactly at the end of the window the claim is still eligible.
    let c = e
        .store
        .adjudicate(
            &claim_req(edge, at + secs(DAY)),
            at + secs(DAY),
            counting(&calls, Judgement::Refund),
        )
        .unwrap();
    assert_eq!(
        (calls.get(), c.outcome),
        (1, Some(ClaimOutcome::Refunded)),
        "at exactly 24 h the window is open: the judge is asked and refunds"
    );
    e.store.verify().expect("the ledger verifies");
}

#[test]
fn the_same_claim_id_returns_the_first_decision_and_writes_nothing() {
    let mut e = endpoint();
    let now = e.clock.now();
    let refunded = web(&mut e.store, Feature::Logo, now);
    let reviewed = web(&mut e.store, Feature::Text, now);
    let ineligible = succeeded(
        &mut e.store,
        Feature::AiShadows,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let reqs = [
        (claim_req(refunded, now), Judgement::Refund),
        (claim_req(reviewed, now), Judgement::Review),
        (claim_req(ineligible, now), Judgement::Refund),
    ];
    let firsts: Vec<ClaimRecord> = reqs
        .iter()
        .map(|(r, j)| e.store.adjudicate(r, now, |_| j.clone()).unwrap())
        .collect();
    let before = snapshot(&e.path);
    let balance = e.store.balance(now).unwrap();
    let later = e.clock.advance(DAY * 2);
    let calls = Cell::new(0);
    for ((req, _), first) in reqs.iter().zip(&firsts) {
        // Padded details are the same report once trimmed.
        let mut again = req.clone();
        again.details = format!("  {}\n", req.details);
        let c = e
            .store
            .adjudicate(&again, later, counting(&calls, Judgement::Refund))
            .unwrap();
        assert_eq!(
            &c, first,
            "a repeat (even after the window) returns the first decision"
        );
    }
    assert_eq!(calls.get(), 0, "the judge is not asked again");
    assert_eq!(snapshot(&e.path), before, "the repeats wrote no row");
    assert_eq!(
        e.store.balance(now).unwrap(),
        balance,
        "the balance did not move"
    );
    assert_eq!(
        refund_entries(&e.store, refunded).len(),
        1,
        "still one refund entry"
    );

    // After the review, a repeat returns the claim as it now stands, still without writing.
    let approved = e.store.review(firsts[1].claim_id, true, later).unwrap();
    let before = snapshot(&e.path);
    let c = e
        .store
        .adjudicate(&reqs[1].0, later, counting(&calls, Judgement::Refund))
        .unwrap();
    assert_eq!(
        (c, calls.get()),
        (approved, 0),
        "a repeat after the review returns the reviewed claim"
    );
    assert_eq!(snapshot(&e.path), before, "and writes nothing");
}

#[test]
fn the_same_claim_id_with_another_report_is_a_conflict() {
    let mut e = endpoint();
    let now = e.clock.now();
    let g = web(&mut e.store, Feature::Logo, now);
    let h = web(&mut e.store, Feature::Logo, now);
    let req = claim_req(g, now);
    e.store
        .adjudicate(&req, now, |_| Judgement::Review)
        .unwrap();
    let before = snapshot(&e.path);
    let mut details = req.clone();
    details.details = "Something else entirely is wrong.".to_owned();
    let mut reason = req.clone();
    reason.reason = ClaimReason::BlankOrCorrupted;
    let mut generation = req.clone();
    generation.generation_id = h;
    let calls = Cell::new(0);
    for (what, r) in [
        ("other details", details),
        ("another reason", reason),
        ("another generation", generation),
    ] {
        let err = e
            .store
            .adjudicate(&r, now, counting(&calls, Judgement::Refund))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::IdempotencyConflict { op_id } if op_id == OpId(req.claim_id.0)),
            "{what}: the same claim id with another report is a conflict, got {err:?}"
        );
    }
    assert_eq!(calls.get(), 0, "the judge is not asked");
    assert_eq!(snapshot(&e.path), before, "the conflicts wrote nothing");
    assert!(
        e.store.generation(h).unwrap().claim.is_none(),
        "the other generation is still unreported"
    );
}

#[test]
fn another_claim_on_the_same_generation_is_already_claimed() {
    let mut e = endpoint();
    let now = e.clock.now();
    let refunded = web(&mut e.store, Feature::Logo, now);
    let ineligible = succeeded(
        &mut e.store,
        Feature::Logo,
        Platform::Web,
        Surface::BatchEditor,
        now,
    );
    let calls = Cell::new(0);
    for g in [refunded, ineligible] {
        let first = e
            .store
            .adjudicate(&claim_req(g, now), now, |_| Judgement::Refund)
            .unwrap();
        let before = snapshot(&e.path);
        let err = e
            .store
            .adjudicate(&claim_req(g, now), now, counting(&calls, Judgement::Refund))
            .unwrap_err();
        assert!(
            matches!(err, StoreError::AlreadyClaimed { generation, claim } if generation == g && claim == first.claim_id),
            "a second claim on a reported generation ({:?}) is refused naming the first: {err:?}",
            first.outcome
        );
        assert_eq!(err.code(), "already_claimed", "stable code");
        assert_eq!(snapshot(&e.path), before, "nothing was written");
    }
    assert_eq!(calls.get(), 0, "the judge is not asked");
    assert_eq!(
        refund_entries(&e.store, refunded)
            .iter()
            .map(|r| r.credits)
            .sum::<u64>(),
        2,
        "one refund only"
    );
}

#[test]
fn refused_claims_write_nothing_and_skip_the_judge() {
    let mut e = endpoint();
    let now = e.clock.now();
    let ok = web(&mut e.store, Feature::Ironing, now);
    let running = start_on(
        &mut e.store,
        Feature::Ironing,
        Platform::Web,
        Surface::Editor,
        now,
    );
    let failed = start_on(
        &mut e.store,
        Feature::Ironing,
        Platform::Web,
        Surface::Editor,
        now,
    );
    finish(&mut e.store, failed, false, now);
    let mut blank = claim_req(ok, now);
    blank.details = "  ".to_owned();
    let before = snapshot(&e.path);
    let calls = Cell::new(0);
    for (what, req, code) in [
        (
            "unknown generation",
            claim_req(gen_at(now), now),
            "not_found",
        ),
        (
            "running generation",
            claim_req(running, now),
            "generation_not_finished",
        ),
        (
            "failed generation",
            claim_req(failed, now),
            "technical_failure_auto_refunded",
        ),
        ("blank details", blank, "invalid_details"),
    ] {
        let err = e
            .store
            .adjudicate(&req, now, counting(&calls, Judgement::Refund))
            .unwrap_err();
        assert_eq!(err.code(), code, "{what}: refused with {code}, got {err:?}");
    }
    assert_eq!(calls.get(), 0, "the judge is never asked");
    assert_eq!(snapshot(&e.path), before, "no refusal wrote anything");
}

#[test]
fn the_refund_count_safeguard_refuses_the_next_eligible_claim() {
    let mut e = endpoint();
    let now = e.clock.now();
    let mut doc = Policy::builtin().to_document();
    doc.version = "qa-two-refunds-an-hour".to_owned();
    doc.safeguards.refunds_max = 2;
    doc.safeguards.window_secs = 3_600;
    e.store
        .activate_policy_json(&serde_json::to_vec(&doc).unwrap(), now)
        .unwrap();
    let calls = Cell::new(0);
    // One refund at once, one through an approved review: both count.
    let a = web(&mut e.store, Feature::Logo, now);
    let b = web(&mut e.store, Feature::Logo, now);
    e.store
        .adjudicate(&claim_req(a, now), now, |_| Judgement::Refund)
        .unwrap();
    let in_review = e
        .store
        .adjudicate(&claim_req(b, now), now, |_| Judgement::Review)
        .unwrap();
    e.store.review(in_review.claim_id, true, now).unwrap();

    let at = e.clock.advance(60);
    let c = web(&mut e.store, Feature::Logo, at);
    let refused = e
        .store
        .adjudicate(&claim_req(c, at), at, counting(&calls, Judgement::Refund))
        .unwrap();
    assert_eq!(
        outcome(&refused),
        (
            Some(ClaimOutcome::NotRefunded),
            Some("safeguard_limit"),
            Some(0)
        ),
        "the third eligible claim in the hour hits the safeguard"
    );
    assert_eq!(
        (
            refused.local_decision.rule.as_str(),
            refused.local_decision.policy_version.as_str(),
            calls.get()
        ),
        ("safeguards.refunds_max", "qa-two-refunds-an-hour", 0),
        "the decision names the rule and the policy version; the judge was not asked"
    );
    assert!(refund_entries(&e.store, c).is_empty(), "no refund");

    // Once the refunds leave the rolling window, claims are refundable again.
    let later = e.clock.advance(3_600);
    let d = web(&mut e.store, Feature::Logo, later);
    let ok = e
        .store
        .adjudicate(
            &claim_req(d, later),
            later,
            counting(&calls, Judgement::Refund),
        )
        .unwrap();
    assert_eq!(
        (ok.outcome, calls.get()),
        (Some(ClaimOutcome::Refunded), 1),
        "an hour later the safeguard no longer applies"
    );
    e.store.verify().expect("the ledger verifies");
}

#[test]
fn a_refund_to_an_expired_grant_comes_back_as_a_refund_grant() {
    let (_dir, path, mut store) = temp_store();
    let mut clock = TestClock::start();
    let now = clock.now();
    grant(&mut store, GrantKind::Allowance, 100, None, now);
    let promo = grant(
        &mut store,
        GrantKind::Promotion,
        10,
        Some(now + secs(3_600)),
        now,
    );
    let g = web(&mut store, Feature::VirtualModel, now);
    assert!(
        entries_of(&store, g)
            .iter()
            .all(|e| e.grant_id == promo.terms.grant_id),
        "the promotion paid for it"
    );
    let later = clock.advance(3_601);
    let req = claim_req(g, later);
    let c = store
        .adjudicate(&req, later, |_| Judgement::Refund)
        .unwrap();
    assert_eq!(
        outcome(&c),
        (Some(ClaimOutcome::Refunded), None, Some(4)),
        "refunded the whole charge"
    );
    let balance = store.balance(later).unwrap();
    let regrant = balance
        .grants
        .iter()
        .find(|r| r.terms.kind == GrantKind::Refund)
        .expect("a refund grant");
    assert_eq!(
        (
            regrant.terms.grant_id,
            regrant.terms.credits,
            regrant.balances.available,
            regrant.live
        ),
        (GrantId(req.claim_id.0), 4, 4, true),
        "the credits came back as a live refund grant named after the claim"
    );
    let expired = balance
        .grants
        .iter()
        .find(|r| r.terms.grant_id == promo.terms.grant_id)
        .expect("the promotion");
    assert_eq!(
        (
            expired.live,
            expired.balances.refunded,
            expired.balances.expired
        ),
        (false, 0, 6),
        "nothing was refunded into the expired promotion"
    );
    assert_eq!(
        rows(&path).refunds,
        1,
        "one refund row records the whole amount"
    );
    store.verify().expect("the ledger verifies");
}
