//! Replication from the endpoint to a device: the change feed (pages on transaction
//! boundaries), the device applying it verbatim with its cursor in the same transaction, pages
//! applied twice, claims made on the device or on another device coming back with the
//! endpoint's outcome, and the device's outbox bookkeeping (failed attempts, quarantine,
//! verdicts). A property test runs random endpoint histories and random page sizes.
//!
//! Known failures until the store is fixed (see the tests' comments):
//! - `a_page_shows_generations_as_they_were_at_that_point_of_the_feed` and
//!   `a_device_catching_up_verifies_after_every_page`: the feed sends the current row of a
//!   generation or claim, not the row as that transaction wrote it;
//! - `a_page_applied_twice_reports_nothing_applied`: a generation change always counts as
//!   applied;
//! - `a_failure_reported_after_the_verdict_leaves_the_claim_acknowledged`: quarantining an item
//!   that is already done re-labels its acknowledged claim.

use std::cell::Cell;
use std::path::Path;

use proptest::prelude::*;
use proptest::test_runner::Config;
use recoup_core::Timestamp;
use recoup_core::{
    Balances, ClaimId, Feature, GenerationId, GrantKind, Platform, ReasonCode, Surface,
};
use recoup_store::{
    ApplyReport, CHANGE_PAGE_MAX, Change, ChangePage, ClaimOutcome, ClaimQuery, ClaimRecord,
    GenerationRecord, GrantRecord, HistoryQuery, Judgement, LedgerEntry, RefundRequest, Store,
    StoreError, SyncState, Verdict,
};

use crate::support::{
    TestClock, all_claims, all_entries, claim_req, finish, grant, op_at, rows, secs, start_on,
    succeeded, temp_store,
};

const DAY: i64 = 24 * 60 * 60;

// ---------------------------------------------------------------------------------------------
// Helpers

/// Everything a user can see of the account, read through the public API.
#[derive(Debug, Clone, PartialEq, Eq)]
struct View {
    totals: Balances,
    grants: Vec<GrantRecord>,
    entries: Vec<LedgerEntry>,
    history: Vec<GenerationRecord>,
    claims: Vec<ClaimRecord>,
}

fn all_history(store: &Store) -> Vec<GenerationRecord> {
    let mut out: Vec<GenerationRecord> = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .history(&HistoryQuery {
                filter: Default::default(),
                before,
                limit: 200,
            })
            .expect("history");
        out.extend(page.items);
        match page.next {
            Some(n) => before = Some(n),
            None => return out,
        }
    }
}

fn view(store: &Store, now: Timestamp) -> View {
    let balance = store.balance(now).expect("balance");
    View {
        totals: balance.totals,
        grants: balance.grants,
        entries: all_entries(store),
        history: all_history(store),
        claims: all_claims(store),
    }
}

/// Asserts field by field, so that a difference names what differs.
fn assert_same(device: &View, endpoint: &View, what: &str) {
    assert_eq!(
        device.totals, endpoint.totals,
        "{what}: the device's balance totals equal the endpoint's"
    );
    assert_eq!(
        device.grants, endpoint.grants,
        "{what}: the device's grants and per-grant balances equal the endpoint's"
    );
    assert_eq!(
        device.entries, endpoint.entries,
        "{what}: the device's ledger entries (seq, kind, credits, grant, generation, time, op) equal the endpoint's"
    );
    assert_eq!(
        device.history, endpoint.history,
        "{what}: the device's history equals the endpoint's"
    );
    assert_eq!(
        device.claims, endpoint.claims,
        "{what}: the device's claims and their outcomes equal the endpoint's"
    );
}

/// The device's stored cursor as a feed position (0 before the first pull).
fn cursor(device: &Store) -> i64 {
    device
        .meta("sync.cursor")
        .expect("meta")
        .map_or(0, |c| c.parse().expect("the cursor is a feed position"))
}

/// Pulls pages of at most `limit` changes until caught up (or `max_pages` pages), applying each
/// with its position as the cursor; `after_each` sees every applied page. Returns the pages.
fn pull_with(
    endpoint: &Store,
    device: &mut Store,
    limit: u32,
    max_pages: usize,
    mut after_each: impl FnMut(&ChangePage, &ApplyReport, &Store),
) -> Vec<ChangePage> {
    let mut pages = Vec::new();
    while pages.len() < max_pages {
        let after = cursor(device);
        let page = endpoint.changes(after, limit).expect("a page of the feed");
        if page.changes.is_empty() {
            assert!(
                !page.has_more && page.last_seq == after,
                "an empty page is the end of the feed and keeps the position: {page:?}"
            );
            break;
        }
        let c = page.last_seq.to_string();
        let report = device
            .apply_changes(&page, &c)
            .unwrap_or_else(|e| panic!("the page after {after} applies: {e:?}"));
        assert_eq!(
            device.meta("sync.cursor").expect("meta"),
            Some(c),
            "the stored cursor is the one passed with the page just applied"
        );
        after_each(&page, &report, device);
        let more = page.has_more;
        pages.push(page);
        if !more {
            break;
        }
    }
    pages
}

fn pull(endpoint: &Store, device: &mut Store, limit: u32) -> Vec<ChangePage> {
    pull_with(endpoint, device, limit, usize::MAX, |_, _, _| {})
}

/// `(seq, tx)` of every change in the endpoint's feed, read behind the store's back.
fn feed_rows(path: &Path) -> Vec<(i64, i64)> {
    let conn = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .expect("open the database read-only");
    let mut stmt = conn
        .prepare("SELECT seq, tx FROM changes ORDER BY seq")
        .expect("prepare");
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .expect("query")
        .collect::<rusqlite::Result<_>>()
        .expect("rows")
}

/// Row counts of the replicated tables and the device's own, through one read-only connection
/// kept open (opening one per check is slow).
struct Tables(rusqlite::Connection);

impl Tables {
    const NAMES: [&'static str; 9] = [
        "grants",
        "grant_balances",
        "ledger_entries",
        "generations",
        "hold_settlements",
        "refunds",
        "claims",
        "outbox",
        "operations",
    ];

    fn open(path: &Path) -> Self {
        Self(
            rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
                .expect("open the database read-only"),
        )
    }

    fn counts(&self) -> Vec<(&'static str, i64)> {
        Self::NAMES
            .iter()
            .map(|t| {
                let n = self
                    .0
                    .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                    .expect("count rows");
                (*t, n)
            })
            .collect()
    }
}

fn kind(c: &Change) -> &'static str {
    match c {
        Change::Grant(_) => "grant",
        Change::Entry(_) => "entry",
        Change::Generation(_) => "generation",
        Change::Settlement(_) => "settlement",
        Change::Refund(_) => "refund",
        Change::Claim(_) => "claim",
    }
}

fn judge_not_called(called: &Cell<u32>) -> impl FnOnce(&GenerationRecord) -> Judgement + '_ {
    move |_| {
        called.set(called.get() + 1);
        Judgement::Refund
    }
}

// ---------------------------------------------------------------------------------------------
// The endpoint's story

/// What the endpoint's story made, for the assertions.
struct Story {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    endpoint: Store,
    clock: TestClock,
    refunded: ClaimId,
    approved: ClaimId,
    rejected_in_review: ClaimId,
    judged_unusable: ClaimId,
    ineligible: [ClaimId; 3],
    stale: GenerationId,
    failed: GenerationId,
}

/// An endpoint with grants (one of them a promotion that expires), generations that succeeded,
/// failed and went stale (swept), claims refunded at once, put in review then approved (after the
/// promotion expired, so the refund is a new refund grant) or rejected, refused by the judge,
/// and refused by the policy (feature, surface, window), and a direct refund.
fn endpoint_story() -> Story {
    let (dir, path, mut endpoint) = temp_store();
    let mut clock = TestClock::start();
    let now = clock.now();
    grant(&mut endpoint, GrantKind::Allowance, 1_000, None, now);
    // Promotions burn first: the first generations are charged to it.
    grant(
        &mut endpoint,
        GrantKind::Promotion,
        10,
        Some(now + secs(3_600)),
        now,
    );
    let web = |store: &mut Store, f: Feature, at: Timestamp| {
        succeeded(store, f, Platform::Web, Surface::Editor, at)
    };

    let now = clock.advance(10);
    let for_approval = web(&mut endpoint, Feature::VirtualModel, now);
    let review = claim_req(for_approval, now);
    let c = endpoint
        .adjudicate(&review, now, |_| Judgement::Review)
        .unwrap();
    assert_eq!(
        c.outcome,
        Some(ClaimOutcome::InReview),
        "story: the first claim waits for review"
    );
    let approved = c.claim_id;

    let now = clock.advance(10);
    let failed = start_on(
        &mut endpoint,
        Feature::Logo,
        Platform::Android,
        Surface::Editor,
        now,
    );
    finish(&mut endpoint, failed, false, now);
    let stale = start_on(
        &mut endpoint,
        Feature::Text,
        Platform::Ios,
        Surface::Editor,
        now,
    );

    let now = clock.advance(10);
    let for_refund = web(&mut endpoint, Feature::Logo, now);
    let r = claim_req(for_refund, now);
    let c = endpoint.adjudicate(&r, now, |_| Judgement::Refund).unwrap();
    assert_eq!(
        c.outcome,
        Some(ClaimOutcome::Refunded),
        "story: an unusable result is refunded at once"
    );
    let refunded = c.claim_id;

    let for_rejection = web(&mut endpoint, Feature::Text, now);
    let c = endpoint
        .adjudicate(&claim_req(for_rejection, now), now, |_| Judgement::Review)
        .unwrap();
    let rejected_in_review = c.claim_id;

    let usable = web(&mut endpoint, Feature::Recolor, now);
    let c = endpoint
        .adjudicate(&claim_req(usable, now), now, |_| Judgement::Reject {
            code: "not_clearly_unusable".to_owned(),
        })
        .unwrap();
    let judged_unusable = c.claim_id;

    let called = Cell::new(0);
    let shadows = succeeded(
        &mut endpoint,
        Feature::AiShadows,
        Platform::Ios,
        Surface::Editor,
        now,
    );
    let batch = succeeded(
        &mut endpoint,
        Feature::FlatLay,
        Platform::Web,
        Surface::BatchEditor,
        now,
    );
    let old = web(&mut endpoint, Feature::EditWithAi, now);
    let a = endpoint
        .adjudicate(&claim_req(shadows, now), now, judge_not_called(&called))
        .unwrap();
    let b = endpoint
        .adjudicate(&claim_req(batch, now), now, judge_not_called(&called))
        .unwrap();

    // A plain success and a direct refund (not through a claim).
    web(&mut endpoint, Feature::GhostMannequin, now);
    let direct = web(&mut endpoint, Feature::Ironing, now);
    endpoint
        .refund(
            &RefundRequest {
                op_id: op_at(now),
                generation_id: direct,
                claim_id: None,
                credits: Some(1),
            },
            now,
        )
        .unwrap();

    // The stale hold is released by the sweep, the promotion expires.
    let now = clock.advance(3_600);
    let swept = endpoint.sweep(now).unwrap();
    assert_eq!(
        swept.holds_expired, 1,
        "story: the stale hold is released by the sweep"
    );
    assert!(
        swept.credits_expired > 0,
        "story: the promotion expires with credits left: {swept:?}"
    );

    // Approving the first claim refunds the expired promotion's credits as a new refund grant.
    let now = clock.advance(60);
    let c = endpoint.review(approved, true, now).unwrap();
    assert_eq!(
        (c.outcome, c.refunded_credits),
        (Some(ClaimOutcome::Refunded), Some(4)),
        "story: the approved claim is refunded its 4 credits"
    );
    let regrants: Vec<GrantRecord> = endpoint
        .balance(now)
        .unwrap()
        .grants
        .into_iter()
        .filter(|g| g.terms.kind == GrantKind::Refund)
        .collect();
    assert_eq!(
        regrants.iter().map(|g| g.terms.credits).collect::<Vec<_>>(),
        vec![4],
        "story: the refund to the expired promotion came back as one refund grant of 4"
    );
    let c = endpoint.review(rejected_in_review, false, now).unwrap();
    assert_eq!(
        c.outcome_code.as_deref(),
        Some("not_clearly_unusable"),
        "story: the rejected review is not refunded"
    );

    // A day later the window has closed for `old`.
    let now = clock.advance(DAY);
    let late = endpoint
        .adjudicate(&claim_req(old, now), now, judge_not_called(&called))
        .unwrap();
    assert_eq!(
        called.get(),
        0,
        "story: the judge never saw an ineligible claim"
    );
    for (c, code) in [
        (&a, "feature_not_refundable"),
        (&b, "surface_not_refundable"),
        (&late, "window_expired"),
    ] {
        assert_eq!(
            (c.outcome, c.outcome_code.as_deref()),
            (Some(ClaimOutcome::NotRefunded), Some(code)),
            "story: an ineligible claim is not refunded with {code}"
        );
    }
    endpoint
        .verify()
        .expect("story: the endpoint's ledger verifies");
    Story {
        _dir: dir,
        path,
        endpoint,
        clock,
        refunded,
        approved,
        rejected_in_review,
        judged_unusable,
        ineligible: [a.claim_id, b.claim_id, late.claim_id],
        stale,
        failed,
    }
}

// ---------------------------------------------------------------------------------------------
// The feed

#[test]
fn the_feed_ends_every_page_on_a_transaction_boundary() {
    let story = endpoint_story();
    let feed = feed_rows(&story.path);
    let whole = story.endpoint.changes(0, CHANGE_PAGE_MAX).unwrap();
    assert!(
        !whole.has_more,
        "the story fits one page of {CHANGE_PAGE_MAX}"
    );
    assert_eq!(
        whole.changes.len(),
        feed.len(),
        "one big page holds the whole feed"
    );
    let mut kinds: Vec<&str> = whole.changes.iter().map(kind).collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "claim",
            "entry",
            "generation",
            "grant",
            "refund",
            "settlement"
        ],
        "the story's feed has every kind of change"
    );
    for limit in [1, 2, 3, 7] {
        let mut after = 0;
        let mut joined = Vec::new();
        loop {
            let page = story.endpoint.changes(after, limit).unwrap();
            let in_page: Vec<(i64, i64)> = feed
                .iter()
                .copied()
                .filter(|&(s, _)| s > after && s <= page.last_seq)
                .collect();
            assert_eq!(
                page.changes.len(),
                in_page.len(),
                "limit {limit}, after {after}: the page holds every change up to its last_seq"
            );
            if page.changes.is_empty() {
                assert!(!page.has_more, "limit {limit}: an empty page ends the feed");
                break;
            }
            let last_tx = in_page.last().unwrap().1;
            assert!(
                !feed
                    .iter()
                    .any(|&(s, tx)| s > page.last_seq && tx == last_tx),
                "limit {limit}, after {after}: the page ends its last transaction ({last_tx})"
            );
            let first_tx = in_page[0].1;
            assert!(
                !feed.iter().any(|&(s, tx)| s <= after && tx == first_tx),
                "limit {limit}, after {after}: the page starts a transaction ({first_tx})"
            );
            assert!(
                page.changes.len() >= limit as usize || !page.has_more,
                "limit {limit}, after {after}: a page is only short at the end of the feed"
            );
            assert_eq!(
                page.has_more,
                page.last_seq < feed.last().unwrap().0,
                "limit {limit}, after {after}: has_more says whether changes follow"
            );
            joined.extend(page.changes);
            after = page.last_seq;
        }
        assert_eq!(
            joined, whole.changes,
            "limit {limit}: the pages together are the whole feed, in order"
        );
    }
    // A transaction with more changes than the limit is still sent whole.
    let biggest = feed
        .chunk_by(|a, b| a.1 == b.1)
        .map(<[_]>::len)
        .max()
        .unwrap();
    assert!(
        biggest > 1,
        "the story has transactions with several changes ({biggest})"
    );
}

#[test]
fn page_sizes_outside_1_to_the_maximum_are_refused() {
    let story = endpoint_story();
    for limit in [0, CHANGE_PAGE_MAX + 1] {
        let err = story.endpoint.changes(0, limit).unwrap_err();
        assert_eq!(
            err.code(),
            "invalid_input",
            "limit {limit} is refused, got {err:?}"
        );
    }
    let head = story.endpoint.changes(0, CHANGE_PAGE_MAX).unwrap().last_seq;
    let end = story.endpoint.changes(head, 10).unwrap();
    assert_eq!(
        (end.changes.len(), end.last_seq, end.has_more),
        (0, head, false),
        "after the head the feed is empty and keeps the position"
    );
}

// ---------------------------------------------------------------------------------------------
// The device

#[test]
fn a_device_pulling_in_small_pages_ends_identical_to_the_endpoint() {
    let story = endpoint_story();
    let now = story.clock.now();
    let want = view(&story.endpoint, now);
    for limit in [1, 3, 7, CHANGE_PAGE_MAX] {
        let (_dir, path, mut device) = temp_store();
        assert!(
            !device.has_ledger_entries().unwrap(),
            "limit {limit}: a new device has no ledger entries"
        );
        assert_eq!(
            device.meta("sync.cursor").unwrap(),
            None,
            "limit {limit}: a new device has no cursor"
        );
        let pages = pull(&story.endpoint, &mut device, limit);
        let last = pages.last().expect("at least one page");
        assert!(!last.has_more, "limit {limit}: the pull caught up");
        assert_eq!(
            device.meta("sync.cursor").unwrap(),
            Some(last.last_seq.to_string()),
            "limit {limit}: the cursor is the one passed with the last page"
        );
        assert!(
            device.has_ledger_entries().unwrap(),
            "limit {limit}: the device has the entries"
        );
        device
            .verify()
            .unwrap_or_else(|e| panic!("limit {limit}: the device's ledger verifies: {e:?}"));
        let got = view(&device, now);
        assert_same(&got, &want, &format!("limit {limit}"));
        assert_eq!(
            device.verify().unwrap(),
            story.endpoint.verify().unwrap(),
            "limit {limit}: both ledgers verify to the same totals"
        );
        assert_eq!(
            device.outbox_len().unwrap(),
            0,
            "limit {limit}: replicated claims are not queued on the device"
        );
        let r = rows(&path);
        let e = rows(&story.path);
        assert_eq!(
            (r.entries, r.grants, r.generations, r.claims, r.refunds),
            (e.entries, e.grants, e.generations, e.claims, e.refunds),
            "limit {limit}: the device holds the same rows as the endpoint"
        );
        // What the user sees of each claim.
        let claim = |id: ClaimId| device.claim(id).unwrap();
        assert_eq!(
            (
                claim(story.refunded).outcome,
                claim(story.approved).outcome,
                claim(story.approved).refunded_credits,
                claim(story.rejected_in_review).outcome_code.as_deref(),
                claim(story.judged_unusable).outcome,
            ),
            (
                Some(ClaimOutcome::Refunded),
                Some(ClaimOutcome::Refunded),
                Some(4),
                Some("not_clearly_unusable"),
                Some(ClaimOutcome::NotRefunded),
            ),
            "limit {limit}: the device shows the endpoint's outcomes"
        );
        for id in story.ineligible {
            assert_eq!(
                (claim(id).outcome, claim(id).sync_state),
                (Some(ClaimOutcome::NotRefunded), SyncState::Acknowledged),
                "limit {limit}: an ineligible claim shows as not refunded"
            );
        }
        let g = |id| device.generation(id).unwrap();
        assert_eq!(
            (g(story.stale).failure.as_deref(), g(story.failed).charged),
            (Some("hold_expired"), 0),
            "limit {limit}: the swept generation and the failed one show as on the endpoint"
        );
        // The file keeps it all.
        drop(device);
        let reopened = Store::open(&path).unwrap();
        assert_same(
            &view(&reopened, now),
            &want,
            &format!("limit {limit}, reopened"),
        );
        assert_eq!(
            reopened.meta("sync.cursor").unwrap(),
            Some(last.last_seq.to_string()),
            "limit {limit}: the cursor survives reopening"
        );
    }
}

/// The minimal case of the defect below: the endpoint starts and finishes a generation; a
/// device that was offline meanwhile pulls one transaction per page. The page of the start (the
/// generation row and its hold) carries the generation as it is *now* (succeeded, charged 4), not
/// as the start wrote it (running), so the device holds a succeeded generation without its
/// settlement and capture until the next page, and `verify` fails in between.
///
/// Cause: `Store::changes` (src/replica.rs, the `"generation"` and `"claim"` arms of the loop
/// over the page's rows) loads the current row with `generations::load` / `load_claim`, and the
/// triggers in src/schema.rs only record the key. Fix: record the row image in the change (a
/// `row` JSON column filled by the `changes_generation_*` and `changes_claim_*` triggers from
/// `NEW.*`) and send that; the other tables are insert-only, so their current row is the one
/// written.
#[test]
fn a_page_shows_generations_as_they_were_at_that_point_of_the_feed() {
    let (_edir, _epath, mut endpoint) = temp_store();
    let clock = TestClock::start();
    grant(&mut endpoint, GrantKind::Allowance, 100, None, clock.now());
    let g = start_on(
        &mut endpoint,
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    finish(&mut endpoint, g, true, clock.now());
    let (_ddir, _dpath, mut device) = temp_store();
    let mut seen = Vec::new();
    pull_with(&endpoint, &mut device, 1, usize::MAX, |page, _, device| {
        let shown = device.generation(g).ok().map(|r| (r.status, r.charged));
        seen.push((
            page.changes.iter().map(kind).collect::<Vec<_>>(),
            shown,
            device.verify().err().map(|e| e.to_string()),
        ));
    });
    assert_eq!(
        seen.len(),
        3,
        "three transactions, three pages (grant, start, finish): {seen:#?}"
    );
    let (kinds, shown, verified) = &seen[1];
    assert_eq!(
        kinds,
        &["generation", "entry"],
        "the start's page holds the generation and its hold"
    );
    assert_eq!(
        (shown, verified),
        (&Some((recoup_core::GenerationStatus::Running, 0)), &None),
        "after the start's page the device must show the generation running, uncharged, and verify \
         (all pages: {seen:#?})"
    );
}

/// Same defect, as a user would meet it: a device catching up after being offline checks its
/// ledger after every page (as the brief asks) and finds it inconsistent in between.
#[test]
fn a_device_catching_up_verifies_after_every_page() {
    let story = endpoint_story();
    for limit in [1, 3, 7] {
        let (_dir, _path, mut device) = temp_store();
        let mut broken = Vec::new();
        pull_with(
            &story.endpoint,
            &mut device,
            limit,
            usize::MAX,
            |page, _, device| {
                if let Err(e) = device.verify() {
                    broken.push((page.last_seq, e.to_string()));
                }
            },
        );
        assert!(
            broken.is_empty(),
            "limit {limit}: the device's ledger must verify after every page; failed after {} \
             page(s), first: {:?}",
            broken.len(),
            broken.first()
        );
    }
}

/// A device that follows the endpoint write by write (online) sees every row as it was written,
/// so each page applies in full and the ledger verifies after every one.
#[test]
fn a_device_following_the_endpoint_verifies_after_every_page() {
    let (_edir, _epath, mut endpoint) = temp_store();
    let (_ddir, _dpath, mut device) = temp_store();
    let mut clock = TestClock::start();
    fn step(endpoint: &Store, device: &mut Store, now: Timestamp, what: &str) -> Vec<ApplyReport> {
        let mut reports = Vec::new();
        pull_with(endpoint, device, 2, usize::MAX, |page, report, device| {
            device
                .verify()
                .unwrap_or_else(|e| panic!("{what}: the device verifies after the page: {e:?}"));
            assert_eq!(
                (report.applied as usize, report.skipped),
                (page.changes.len(), 0),
                "{what}: every change of a new page is new on the device"
            );
            reports.push(*report);
        });
        assert_same(&view(device, now), &view(endpoint, now), what);
        reports
    }
    grant(&mut endpoint, GrantKind::Allowance, 100, None, clock.now());
    step(&endpoint, &mut device, clock.now(), "grant");
    let g = start_on(
        &mut endpoint,
        Feature::Logo,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    step(&endpoint, &mut device, clock.now(), "start");
    assert_eq!(
        device.generation(g).unwrap().status,
        recoup_core::GenerationStatus::Running,
        "the device shows the generation running"
    );
    finish(&mut endpoint, g, true, clock.now());
    step(&endpoint, &mut device, clock.now(), "finish");
    let now = clock.advance(60);
    let c = endpoint
        .adjudicate(&claim_req(g, now), now, |_| Judgement::Review)
        .unwrap();
    let reports = step(&endpoint, &mut device, clock.now(), "claim in review");
    assert_eq!(
        reports.iter().map(|r| r.claims_decided).sum::<u32>(),
        0,
        "a claim in review is not decided"
    );
    assert_eq!(
        device.claim(c.claim_id).unwrap().outcome,
        Some(ClaimOutcome::InReview),
        "the device shows the claim in review"
    );
    let now = clock.advance(60);
    endpoint.review(c.claim_id, true, now).unwrap();
    let reports = step(&endpoint, &mut device, clock.now(), "approved");
    assert_eq!(
        reports.iter().map(|r| r.claims_decided).sum::<u32>(),
        1,
        "the approval decides one claim"
    );
    let s = clock.advance(10);
    start_on(
        &mut endpoint,
        Feature::Text,
        Platform::Web,
        Surface::Editor,
        s,
    );
    step(&endpoint, &mut device, clock.now(), "a start left running");
    clock.advance(1_000);
    endpoint.sweep(clock.now()).unwrap();
    step(&endpoint, &mut device, clock.now(), "stale hold swept");
}

/// Applying a page a second time (a retry after a lost answer, or after a crash before the
/// caller saw the result) changes nothing: same rows, same view, same cursor.
#[test]
fn a_page_applied_twice_changes_nothing() {
    let story = endpoint_story();
    let now = story.clock.now();
    let (_dir, path, mut device) = temp_store();
    let tables = Tables::open(&path);
    let mut after = 0;
    loop {
        let page = story.endpoint.changes(after, 3).unwrap();
        if page.changes.is_empty() {
            break;
        }
        let c = page.last_seq.to_string();
        device.apply_changes(&page, &c).unwrap();
        let before = (tables.counts(), view(&device, now), device.verify().ok());
        let again = device.apply_changes(&page, &c).unwrap();
        assert_eq!(
            again.claims_decided, 0,
            "after {after}: a page applied twice decides no claim the second time"
        );
        assert_eq!(
            (tables.counts(), view(&device, now), device.verify().ok()),
            before,
            "after {after}: the second application changes no row"
        );
        assert_eq!(
            device.meta("sync.cursor").unwrap(),
            Some(c),
            "after {after}: the cursor is unchanged"
        );
        after = page.last_seq;
    }
    assert_same(&view(&device, now), &view(&story.endpoint, now), "twice");
}

/// The report of the second application must say so: nothing applied, everything skipped.
///
/// Cause: `apply_one` (src/replica.rs, the `Change::Generation` arm) upserts the generation and
/// returns `true` unconditionally, so every generation change counts as applied again. Fix: add
/// `WHERE (status, failure, charged, finished_at, output_ref) IS NOT (excluded.status, ...)` to
/// the `DO UPDATE` and return `execute(...)? == 1`.
#[test]
fn a_page_applied_twice_reports_nothing_applied() {
    let story = endpoint_story();
    let (_dir, _path, mut device) = temp_store();
    let mut wrong = Vec::new();
    let mut after = 0;
    loop {
        let page = story.endpoint.changes(after, 3).unwrap();
        if page.changes.is_empty() {
            break;
        }
        let c = page.last_seq.to_string();
        device.apply_changes(&page, &c).unwrap();
        let again = device.apply_changes(&page, &c).unwrap();
        if (again.applied as usize, again.skipped as usize) != (0, page.changes.len()) {
            wrong.push((page.changes.iter().map(kind).collect::<Vec<_>>(), again));
        }
        after = page.last_seq;
    }
    assert!(
        wrong.is_empty(),
        "a page applied twice must report applied 0 and every change skipped; {} page(s) did not, \
         e.g. {:?}",
        wrong.len(),
        wrong.first()
    );
}

/// A page is applied with its cursor in one transaction: a page that cannot be applied leaves
/// neither its rows nor its cursor, and a device that stops (drop = crash after commit) resumes
/// from its stored cursor and ends identical.
#[test]
fn the_cursor_moves_with_its_page_and_only_with_it() {
    let story = endpoint_story();
    let now = story.clock.now();
    let (_dir, path, mut device) = temp_store();
    let first = pull_with(&story.endpoint, &mut device, 5, 2, |_, _, _| {});
    assert_eq!(first.len(), 2, "two pages pulled");
    let stored = first[1].last_seq.to_string();
    assert_eq!(
        device.meta("sync.cursor").unwrap(),
        Some(stored.clone()),
        "the cursor is the second page's"
    );

    // The next real page, with an entry the device already has but altered: refused whole.
    let mut bad = story.endpoint.changes(first[1].last_seq, 5).unwrap();
    let known = first[0]
        .changes
        .iter()
        .find_map(|c| match c {
            Change::Entry(e) => Some(e.clone()),
            _ => None,
        })
        .expect("the first page has an entry");
    let mut altered = known;
    altered.credits += 1;
    bad.changes.push(Change::Entry(altered));
    let before = (rows(&path), view(&device, now));
    let err = device.apply_changes(&bad, "9999").unwrap_err();
    assert_eq!(
        err.code(),
        "invariant_violated",
        "an entry that differs from the local one at the same position is refused: {err:?}"
    );
    assert_eq!(
        (rows(&path), view(&device, now)),
        before,
        "nothing of the refused page was applied, not even its valid changes"
    );
    assert_eq!(
        device.meta("sync.cursor").unwrap(),
        Some(stored.clone()),
        "the cursor did not move"
    );

    // Crash (drop) and resume from the stored cursor.
    drop(device);
    let mut device = Store::open(&path).unwrap();
    assert_eq!(
        device.meta("sync.cursor").unwrap(),
        Some(stored),
        "the cursor survives the restart"
    );
    let rest = pull(&story.endpoint, &mut device, 5);
    assert_eq!(
        rest.first().map(|p| p.changes.first().cloned()),
        story
            .endpoint
            .changes(first[1].last_seq, 5)
            .ok()
            .map(|p| p.changes.first().cloned()),
        "the device resumed right after the stored cursor"
    );
    device.verify().expect("the resumed device verifies");
    assert_same(&view(&device, now), &view(&story.endpoint, now), "resumed");
}

#[test]
fn set_meta_keeps_named_values() {
    let (_dir, path, mut store) = temp_store();
    assert_eq!(store.meta("clock.offset").unwrap(), None, "unset");
    store.set_meta("clock.offset", "-120").unwrap();
    store.set_meta("clock.offset", "30").unwrap();
    assert_eq!(
        store.meta("clock.offset").unwrap().as_deref(),
        Some("30"),
        "the last value wins"
    );
    drop(store);
    let store = Store::open(&path).unwrap();
    assert_eq!(
        store.meta("clock.offset").unwrap().as_deref(),
        Some("30"),
        "the value is kept in the file"
    );
}

// ---------------------------------------------------------------------------------------------
// Claims coming back

/// An endpoint with credits and one successful generation, and a device that has pulled it.
struct Linked {
    _edir: tempfile::TempDir,
    endpoint: Store,
    _ddir: tempfile::TempDir,
    device: Store,
    g: GenerationId,
    clock: TestClock,
}

fn linked() -> Linked {
    let (_edir, _epath, mut endpoint) = temp_store();
    let (_ddir, _dpath, mut device) = temp_store();
    let clock = TestClock::start();
    grant(&mut endpoint, GrantKind::Allowance, 100, None, clock.now());
    let g = succeeded(
        &mut endpoint,
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    pull(&endpoint, &mut device, 4);
    Linked {
        _edir,
        endpoint,
        _ddir,
        device,
        g,
        clock,
    }
}

fn decided_in(pages: &mut u32) -> impl FnMut(&ChangePage, &ApplyReport, &Store) + '_ {
    |_, report, _| *pages += report.claims_decided
}

#[test]
fn a_claim_made_on_the_device_shows_the_endpoints_outcome_after_the_pull() {
    let mut l = linked();
    let g = l.g;
    // The device's clock runs a day and an hour ahead: locally, the window has closed.
    let device_now = l.clock.now() + secs(DAY + 3_600);
    let req = claim_req(g, device_now);
    let mine = l.device.submit_claim(&req, device_now).unwrap();
    assert!(
        !mine.local_decision.eligible && mine.local_decision.has(ReasonCode::WindowExpired),
        "on the device's clock the window has closed: {:?}",
        mine.local_decision
    );
    assert_eq!(
        (mine.sync_state, l.device.outbox_len().unwrap()),
        (SyncState::Queued, 1),
        "the claim waits in the device's outbox"
    );

    // The endpoint receives it an hour after the generation, on its own clock: eligible.
    let endpoint_now = l.clock.advance(3_600);
    let seen = Cell::new(None);
    let theirs = l
        .endpoint
        .adjudicate(&req, endpoint_now, |r| {
            seen.set(Some(r.generation_id));
            Judgement::Refund
        })
        .unwrap();
    assert_eq!(seen.get(), Some(g), "the judge saw the reported generation");
    assert!(
        theirs.local_decision.eligible,
        "the endpoint re-checks with its own clock: {:?}",
        theirs.local_decision
    );

    let mut decided = 0;
    pull_with(
        &l.endpoint,
        &mut l.device,
        3,
        usize::MAX,
        decided_in(&mut decided),
    );
    assert_eq!(decided, 1, "the pull decided one claim");
    let now = l.clock.now();
    let after = l.device.claim(req.claim_id).unwrap();
    assert_eq!(
        (
            after.outcome,
            after.outcome_code.clone(),
            after.refunded_credits,
            after.decided_at,
            after.sync_state
        ),
        (
            Some(ClaimOutcome::Refunded),
            None,
            Some(4),
            theirs.decided_at,
            SyncState::Acknowledged
        ),
        "the device's claim shows the endpoint's outcome, acknowledged"
    );
    assert_eq!(
        after.local_decision, mine.local_decision,
        "the device keeps its own provisional decision, not the endpoint's"
    );
    assert_eq!(
        (after.submitted_at, &after.details, after.reason),
        (mine.submitted_at, &mine.details, mine.reason),
        "the device keeps its own report"
    );
    assert_eq!(l.device.outbox_len().unwrap(), 0, "the outbox item is done");
    assert!(
        l.device
            .outbox_due(now + secs(365 * DAY), 10)
            .unwrap()
            .is_empty(),
        "nothing is due, ever"
    );
    let summary = l
        .device
        .generation(g)
        .unwrap()
        .claim
        .expect("claim summary");
    assert_eq!(
        (
            summary.claim_id,
            summary.local_eligible,
            summary.sync_state,
            summary.outcome
        ),
        (
            req.claim_id,
            false,
            SyncState::Acknowledged,
            Some(ClaimOutcome::Refunded)
        ),
        "the history shows the claim refunded"
    );
    let (d, e) = (view(&l.device, now), view(&l.endpoint, now));
    assert_eq!(
        (d.totals, d.grants, d.entries),
        (e.totals, e.grants, e.entries),
        "the device has the endpoint's ledger, refund included"
    );
    assert_eq!(
        l.device.balance(now).unwrap().totals.refunded,
        4,
        "the 4 credits are back on the device"
    );
    l.device.verify().expect("the device verifies");
}

#[test]
fn a_device_claim_in_review_is_acknowledged_then_decided_by_a_later_pull() {
    let mut l = linked();
    let now = l.clock.advance(60);
    let req = claim_req(l.g, now);
    let mine = l.device.submit_claim(&req, now).unwrap();
    assert!(
        mine.local_decision.eligible,
        "locally eligible: {:?}",
        mine.local_decision
    );
    l.endpoint
        .adjudicate(&req, now, |_| Judgement::Review)
        .unwrap();
    let mut decided = 0;
    pull_with(
        &l.endpoint,
        &mut l.device,
        2,
        usize::MAX,
        decided_in(&mut decided),
    );
    let c = l.device.claim(req.claim_id).unwrap();
    assert_eq!(
        (
            c.outcome,
            c.sync_state,
            decided,
            l.device.outbox_len().unwrap()
        ),
        (Some(ClaimOutcome::InReview), SyncState::Acknowledged, 0, 0),
        "in review: acknowledged, not decided, no longer in the outbox"
    );
    let now = l.clock.advance(3_600);
    l.endpoint.review(req.claim_id, true, now).unwrap();
    let mut decided = 0;
    pull_with(
        &l.endpoint,
        &mut l.device,
        2,
        usize::MAX,
        decided_in(&mut decided),
    );
    let c = l.device.claim(req.claim_id).unwrap();
    assert_eq!(
        (c.outcome, c.refunded_credits, c.decided_at, decided),
        (Some(ClaimOutcome::Refunded), Some(4), Some(now), 1),
        "the approval reaches the device as one decided claim"
    );
    assert_eq!(
        c.local_decision, mine.local_decision,
        "the local decision is kept"
    );
    assert_eq!(
        l.device.balance(now).unwrap().totals,
        l.endpoint.balance(now).unwrap().totals,
        "the refund reached the device's ledger"
    );
    l.device.verify().expect("the device verifies");
}

#[test]
fn a_claim_made_on_another_device_appears_with_its_outcome() {
    let mut l = linked();
    let now = l.clock.advance(60);
    let other = claim_req(l.g, now);
    let theirs = l
        .endpoint
        .adjudicate(&other, now, |_| Judgement::Refund)
        .unwrap();
    let mut decided = 0;
    pull_with(
        &l.endpoint,
        &mut l.device,
        1,
        usize::MAX,
        decided_in(&mut decided),
    );
    assert_eq!(decided, 1, "the other device's claim arrives decided");
    assert_eq!(
        l.device.claim(other.claim_id).unwrap(),
        theirs,
        "the claim is copied as the endpoint has it"
    );
    assert_eq!(
        l.device.generation(l.g).unwrap(),
        l.endpoint.generation(l.g).unwrap(),
        "the generation shows the claim as on the endpoint"
    );
    assert_eq!(
        l.device.outbox_len().unwrap(),
        0,
        "another device's claim is not queued here"
    );
    let check = l.device.check_claim(l.g, now).unwrap();
    assert!(
        check.has(ReasonCode::AlreadyClaimed),
        "the device knows the generation was reported: {check:?}"
    );
    let err = l
        .device
        .submit_claim(&claim_req(l.g, now), now)
        .unwrap_err();
    assert!(
        matches!(err, StoreError::AlreadyClaimed { claim, .. } if claim == other.claim_id),
        "a second report on the device is refused naming the other device's claim: {err:?}"
    );
}

#[test]
fn the_feed_acknowledges_a_quarantined_claim_that_did_reach_the_endpoint() {
    let mut l = linked();
    let now = l.clock.advance(60);
    let req = claim_req(l.g, now);
    l.device.submit_claim(&req, now).unwrap();
    // The request reached the endpoint but the answer was lost, and the device gave up on it.
    l.endpoint
        .adjudicate(&req, now, |_| Judgement::Refund)
        .unwrap();
    l.device
        .outbox_attempt_failed(req.claim_id.0, "answer lost", now + secs(60), true)
        .unwrap();
    assert_eq!(
        l.device.claim(req.claim_id).unwrap().sync_state,
        SyncState::Quarantined,
        "quarantined"
    );
    pull(&l.endpoint, &mut l.device, 3);
    let c = l.device.claim(req.claim_id).unwrap();
    assert_eq!(
        (c.sync_state, c.outcome),
        (SyncState::Acknowledged, Some(ClaimOutcome::Refunded)),
        "the feed acknowledges it with the endpoint's outcome"
    );
    assert_eq!(
        l.device.outbox_retry_quarantined(now).unwrap(),
        0,
        "the item is done, not quarantined any more"
    );
    assert_eq!(l.device.outbox_len().unwrap(), 0, "nothing to send");
}

// ---------------------------------------------------------------------------------------------
// The device's outbox

/// A store with credits and `n` local claims, one per generation, all queued at the start.
fn with_claims(
    n: usize,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    Store,
    TestClock,
    Vec<ClaimRecord>,
) {
    let (dir, path, mut store) = temp_store();
    let clock = TestClock::start();
    let now = clock.now();
    grant(&mut store, GrantKind::Allowance, 1_000, None, now);
    let claims = (0..n)
        .map(|_| {
            let g = succeeded(
                &mut store,
                Feature::Logo,
                Platform::Web,
                Surface::Editor,
                now,
            );
            store.submit_claim(&claim_req(g, now), now).unwrap()
        })
        .collect();
    (dir, path, store, clock, claims)
}

fn due_ids(store: &Store, at: Timestamp) -> Vec<(ClaimId, u32, Timestamp)> {
    store
        .outbox_due(at, 100)
        .unwrap()
        .into_iter()
        .map(|i| (ClaimId(i.item_id), i.attempts, i.next_attempt_at))
        .collect()
}

fn last_error(path: &Path, id: ClaimId) -> Option<String> {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open read-only");
    conn.query_row(
        "SELECT last_error FROM outbox WHERE item_id = ?1",
        [id.as_bytes()],
        |r| r.get(0),
    )
    .expect("the outbox row")
}

#[test]
fn a_failed_attempt_waits_until_its_next_attempt() {
    let (_dir, path, mut store, clock, claims) = with_claims(1);
    let id = claims[0].claim_id;
    let now = clock.now();
    assert_eq!(
        due_ids(&store, now),
        vec![(id, 0, now)],
        "due at once, never attempted"
    );
    let next = now + secs(30);
    store
        .outbox_attempt_failed(id.0, "connection refused", next, false)
        .unwrap();
    assert!(
        due_ids(&store, now).is_empty() && due_ids(&store, next - secs(1)).is_empty(),
        "not due before its next attempt"
    );
    assert_eq!(
        due_ids(&store, next),
        vec![(id, 1, next)],
        "due at its next attempt, with one attempt counted"
    );
    assert_eq!(
        (
            store.outbox_len().unwrap(),
            store.claim(id).unwrap().sync_state
        ),
        (1, SyncState::Sent),
        "still waiting; the claim was sent"
    );
    let next2 = next + secs(120);
    store
        .outbox_attempt_failed(id.0, &"x".repeat(600), next2, false)
        .unwrap();
    assert!(
        due_ids(&store, next).is_empty(),
        "the second failure moves the next attempt again"
    );
    assert_eq!(
        due_ids(&store, next2),
        vec![(id, 2, next2)],
        "two attempts counted"
    );
    assert_eq!(
        last_error(&path, id).map(|e| e.chars().count()),
        Some(500),
        "the error is kept, cut to 500 characters"
    );
}

#[test]
fn a_quarantined_item_is_set_aside_until_retried() {
    let (_dir, _path, mut store, mut clock, claims) = with_claims(2);
    let (a, b) = (claims[0].claim_id, claims[1].claim_id);
    let now = clock.now();
    store
        .outbox_attempt_failed(a.0, "400 malformed", now + secs(60), true)
        .unwrap();
    let far = now + secs(365 * DAY);
    assert_eq!(
        due_ids(&store, far)
            .into_iter()
            .map(|d| d.0)
            .collect::<Vec<_>>(),
        vec![b],
        "the quarantined item is never due; the other one still is"
    );
    assert_eq!(store.outbox_len().unwrap(), 1, "only the other item waits");
    assert_eq!(
        (
            store.claim(a).unwrap().sync_state,
            store.claim(b).unwrap().sync_state
        ),
        (SyncState::Quarantined, SyncState::Queued),
        "the claim shows it is quarantined"
    );
    let listed: Vec<ClaimId> = store
        .claims(&ClaimQuery {
            sync_state: Some(SyncState::Quarantined),
            before: None,
            limit: 10,
        })
        .unwrap()
        .iter()
        .map(|c| c.claim_id)
        .collect();
    assert_eq!(listed, vec![a], "the quarantined claims are listed");

    let later = clock.advance(600);
    assert_eq!(
        store.outbox_retry_quarantined(later).unwrap(),
        1,
        "one item is put back"
    );
    assert_eq!(
        due_ids(&store, later),
        vec![(a, 0, later), (b, 0, now)],
        "it is due at once, its attempts reset, in its original place"
    );
    assert_eq!(
        (
            store.claim(a).unwrap().sync_state,
            store.outbox_len().unwrap()
        ),
        (SyncState::Queued, 2),
        "the claim is queued again"
    );
    assert_eq!(
        store.outbox_retry_quarantined(later).unwrap(),
        0,
        "nothing left to put back"
    );
}

#[test]
fn a_verdict_completes_the_item_and_shows_on_the_claim() {
    let (_dir, path, mut store, mut clock, claims) = with_claims(2);
    let (a, b) = (&claims[0], &claims[1]);
    let at = clock.advance(5);
    let entries = rows(&path).entries;
    store
        .record_verdict(
            a.claim_id,
            &Verdict {
                outcome: ClaimOutcome::Refunded,
                code: None,
                refunded_credits: 2,
                decided_at: Some(at),
            },
        )
        .unwrap();
    let got = store.claim(a.claim_id).unwrap();
    assert_eq!(
        (
            got.outcome,
            got.outcome_code.clone(),
            got.refunded_credits,
            got.decided_at,
            got.sync_state
        ),
        (
            Some(ClaimOutcome::Refunded),
            None,
            Some(2),
            Some(at),
            SyncState::Acknowledged
        ),
        "the claim shows the verdict"
    );
    assert_eq!(
        got.local_decision, a.local_decision,
        "the local decision is kept"
    );
    assert_eq!(
        due_ids(&store, at)
            .into_iter()
            .map(|d| d.0)
            .collect::<Vec<_>>(),
        vec![b.claim_id],
        "the item is done; the other still waits"
    );
    assert_eq!(
        rows(&path).entries,
        entries,
        "a verdict writes no ledger entry (the refund comes through the feed)"
    );

    // In review first, then the final word; a final word is not overwritten.
    let verdict = |outcome, code: Option<&str>, decided_at| Verdict {
        outcome,
        code: code.map(str::to_owned),
        refunded_credits: 0,
        decided_at,
    };
    store
        .record_verdict(b.claim_id, &verdict(ClaimOutcome::InReview, None, None))
        .unwrap();
    assert_eq!(
        (
            store.claim(b.claim_id).unwrap().outcome,
            store.outbox_len().unwrap()
        ),
        (Some(ClaimOutcome::InReview), 0),
        "in review: the item is done"
    );
    let later = clock.advance(60);
    store
        .record_verdict(
            b.claim_id,
            &verdict(
                ClaimOutcome::NotRefunded,
                Some("not_clearly_unusable"),
                Some(later),
            ),
        )
        .unwrap();
    store
        .record_verdict(
            b.claim_id,
            &verdict(ClaimOutcome::Refunded, None, Some(clock.advance(1))),
        )
        .unwrap();
    let got = store.claim(b.claim_id).unwrap();
    assert_eq!(
        (got.outcome, got.outcome_code.as_deref(), got.decided_at),
        (
            Some(ClaimOutcome::NotRefunded),
            Some("not_clearly_unusable"),
            Some(later)
        ),
        "the final word stays; a later different verdict does not replace it"
    );
}

/// A delivery attempt that fails after the claim was already answered (the answer came through
/// the feed, or through another process, while the request was in flight) must not touch the
/// acknowledged claim: its item is done.
///
/// Cause: `Store::outbox_attempt_failed` (src/claims.rs) only updates the outbox row `WHERE
/// state = 'pending'`, but with `quarantine = true` it then sets the claim's `sync_state` to
/// `quarantined` unconditionally. The acknowledged claim is re-labelled quarantined, and
/// `outbox_retry_quarantined` later sets it to `queued` although no outbox item will ever send
/// it. Fix: touch the claim only when the outbox update changed a row (`execute(...)? == 1`),
/// or add `AND sync_state IN ('queued', 'sent')` to that claims update.
#[test]
fn a_failure_reported_after_the_verdict_leaves_the_claim_acknowledged() {
    let (_dir, _path, mut store, mut clock, claims) = with_claims(1);
    let id = claims[0].claim_id;
    let at = clock.advance(5);
    store
        .record_verdict(
            id,
            &Verdict {
                outcome: ClaimOutcome::Refunded,
                code: None,
                refunded_credits: 2,
                decided_at: Some(at),
            },
        )
        .unwrap();
    store
        .outbox_attempt_failed(id.0, "timed out", at + secs(60), true)
        .unwrap();
    let after_failure = store.claim(id).unwrap().sync_state;
    let put_back = store.outbox_retry_quarantined(at).unwrap();
    let after_retry = store.claim(id).unwrap().sync_state;
    assert_eq!(
        (
            after_failure,
            put_back,
            after_retry,
            store.outbox_len().unwrap()
        ),
        (SyncState::Acknowledged, 0, SyncState::Acknowledged, 0),
        "a late failure must leave the acknowledged claim alone (got: sync_state {after_failure} \
         after the failure, {after_retry} after a retry that put back {put_back} item(s))"
    );
}

// ---------------------------------------------------------------------------------------------
// Property: random endpoint histories, random page sizes, and device claims pushed and answered

#[derive(Debug, Clone)]
enum Op {
    Grant {
        kind: GrantKind,
        credits: u64,
        expires_in: Option<i64>,
    },
    Use {
        feature: Feature,
        platform: Platform,
        surface: Surface,
        success: bool,
    },
    Start {
        feature: Feature,
    },
    Finish {
        pick: usize,
        success: bool,
    },
    Advance {
        secs: i64,
    },
    Sweep,
    /// A claim made on the endpoint (another device).
    Claim {
        pick: usize,
        judgement: u8,
    },
    Review {
        pick: usize,
        approve: bool,
    },
    Refund {
        pick: usize,
    },
    /// Pull at most `pages` pages of at most `limit` changes.
    Pull {
        limit: u32,
        pages: usize,
    },
    /// A claim made on the device (on a generation it has pulled).
    DeviceClaim {
        pick: usize,
    },
    /// Send the device's due claims: the endpoint adjudicates each, the device records the
    /// answer, or quarantines the item when the endpoint refuses it.
    Push {
        judgement: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let features = prop::sample::select(vec![
        Feature::VirtualModel,
        Feature::Logo,
        Feature::Text,
        Feature::VideoGenerator,
        Feature::AiBackgrounds,
        Feature::AiShadows,
    ]);
    let surface = prop_oneof![
        4 => Just(Surface::Editor),
        1 => Just(Surface::BatchEditor),
        1 => Just(Surface::ProductCatalog),
    ];
    let grant = (
        prop::sample::select(vec![
            GrantKind::Allowance,
            GrantKind::TopUp,
            GrantKind::Promotion,
        ]),
        1_u64..=60,
        prop_oneof![1 => Just(None), 1 => (600_i64..=2 * DAY).prop_map(Some)],
    )
        .prop_map(|(kind, credits, expires_in)| Op::Grant {
            kind,
            credits,
            expires_in,
        });
    let used = (
        features.clone(),
        prop::sample::select(Platform::ALL.to_vec()),
        surface,
        prop::bool::weighted(0.85),
    )
        .prop_map(|(feature, platform, surface, success)| Op::Use {
            feature,
            platform,
            surface,
            success,
        });
    prop_oneof![
        3 => grant,
        6 => used,
        2 => features.prop_map(|feature| Op::Start { feature }),
        2 => (any::<usize>(), prop::bool::weighted(0.8))
            .prop_map(|(pick, success)| Op::Finish { pick, success }),
        3 => prop_oneof![5 => 1_i64..=600, 2 => 850_i64..=1_000, 1 => 3_000_i64..=DAY + 600]
            .prop_map(|secs| Op::Advance { secs }),
        1 => Just(Op::Sweep),
        4 => (any::<usize>(), 0_u8..3).prop_map(|(pick, judgement)| Op::Claim { pick, judgement }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, approve)| Op::Review { pick, approve }),
        1 => any::<usize>().prop_map(|pick| Op::Refund { pick }),
        4 => (1_u32..=8, 1_usize..=3).prop_map(|(limit, pages)| Op::Pull { limit, pages }),
        4 => any::<usize>().prop_map(|pick| Op::DeviceClaim { pick }),
        3 => (0_u8..3).prop_map(|judgement| Op::Push { judgement }),
    ]
}

fn judgement(n: u8) -> Judgement {
    match n % 3 {
        0 => Judgement::Refund,
        1 => Judgement::Review,
        _ => Judgement::Reject {
            code: "not_clearly_unusable".to_owned(),
        },
    }
}

struct Sim {
    endpoint: Store,
    device: Store,
    clock: TestClock,
    generations: Vec<GenerationId>,
    running: Vec<GenerationId>,
    device_claims: Vec<ClaimId>,
}

/// Refusals an operation may meet in a random history; anything else fails the property.
fn allowed<T: std::fmt::Debug>(what: &Op, r: Result<T, StoreError>, codes: &[&str]) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) if codes.contains(&e.code()) => None,
        Err(e) => panic!("{what:?}: unexpected refusal {e:?}"),
    }
}

impl Sim {
    /// An endpoint with an allowance and a promotion that expires in two hours (so that some
    /// refunds come back as refund grants).
    fn new() -> Self {
        let mut endpoint = Store::open_in_memory().unwrap();
        let clock = TestClock::start();
        let now = clock.now();
        grant(&mut endpoint, GrantKind::Allowance, 300, None, now);
        grant(
            &mut endpoint,
            GrantKind::Promotion,
            30,
            Some(now + secs(7_200)),
            now,
        );
        Self {
            endpoint,
            device: Store::open_in_memory().unwrap(),
            clock,
            generations: Vec::new(),
            running: Vec::new(),
            device_claims: Vec::new(),
        }
    }

    fn pull(&mut self, limit: u32, pages: usize) {
        pull_with(
            &self.endpoint,
            &mut self.device,
            limit,
            pages,
            |page, _, device| {
                // Once caught up, every row is current and the ledger must be consistent.
                if !page.has_more {
                    device
                        .verify()
                        .unwrap_or_else(|e| panic!("the caught-up device verifies: {e:?}"));
                }
            },
        );
    }

    fn apply(&mut self, op: &Op) {
        let now = self.clock.now();
        match *op {
            Op::Grant {
                kind,
                credits,
                expires_in,
            } => {
                let mut req = recoup_store::GrantRequest::new(op_at(now), kind, credits);
                req.expires_at = expires_in.map(|s| now + secs(s));
                self.endpoint.grant(&req, now).expect("a valid grant");
            }
            Op::Use {
                feature,
                platform,
                surface,
                success,
            } => {
                let start = crate::support::start_req(feature, platform, surface, now);
                let started = self.endpoint.start_generation(&start, now);
                if allowed(op, started, &["insufficient_credits"]).is_some() {
                    self.generations.push(start.generation_id);
                    finish(&mut self.endpoint, start.generation_id, success, now);
                }
            }
            Op::Start { feature } => {
                let start = crate::support::start_req(feature, Platform::Web, Surface::Editor, now);
                let started = self.endpoint.start_generation(&start, now);
                if allowed(op, started, &["insufficient_credits"]).is_some() {
                    self.generations.push(start.generation_id);
                    self.running.push(start.generation_id);
                }
            }
            Op::Finish { pick, success } => {
                if self.running.is_empty() {
                    return;
                }
                let id = self.running.remove(pick % self.running.len());
                let outcome = if success {
                    recoup_store::Outcome::Succeeded { output_ref: None }
                } else {
                    recoup_store::Outcome::Failed {
                        error: "timeout".to_owned(),
                    }
                };
                let r = self.endpoint.finish_generation(
                    &recoup_store::FinishGeneration {
                        op_id: op_at(now),
                        generation_id: id,
                        outcome,
                    },
                    now,
                );
                allowed(op, r, &["hold_already_settled"]);
            }
            Op::Advance { secs } => {
                self.clock.advance(secs);
            }
            Op::Sweep => {
                self.endpoint.sweep(now).expect("sweep");
            }
            Op::Claim { pick, judgement: j } => {
                if self.generations.is_empty() {
                    return;
                }
                let g = self.generations[pick % self.generations.len()];
                let r = self
                    .endpoint
                    .adjudicate(&claim_req(g, now), now, |_| judgement(j));
                allowed(
                    op,
                    r,
                    &[
                        "generation_not_finished",
                        "technical_failure_auto_refunded",
                        "already_claimed",
                        "already_refunded",
                    ],
                );
            }
            Op::Review { pick, approve } => {
                let waiting = self.endpoint.claims_in_review(100).unwrap();
                if waiting.is_empty() {
                    return;
                }
                let id = waiting[pick % waiting.len()].claim_id;
                let r = self.endpoint.review(id, approve, now);
                allowed(op, r, &["already_refunded"]);
            }
            Op::Refund { pick } => {
                if self.generations.is_empty() {
                    return;
                }
                let g = self.generations[pick % self.generations.len()];
                let r = self.endpoint.refund(
                    &RefundRequest {
                        op_id: op_at(now),
                        generation_id: g,
                        claim_id: None,
                        credits: None,
                    },
                    now,
                );
                allowed(op, r, &["already_refunded", "not_charged"]);
            }
            Op::Pull { limit, pages } => self.pull(limit, pages),
            Op::DeviceClaim { pick } => {
                if self.generations.is_empty() {
                    return;
                }
                let g = self.generations[pick % self.generations.len()];
                let req = claim_req(g, now);
                let r = self.device.submit_claim(&req, now);
                if allowed(
                    op,
                    r,
                    &[
                        "not_found",
                        "generation_not_finished",
                        "technical_failure_auto_refunded",
                        "already_claimed",
                    ],
                )
                .is_some()
                {
                    self.device_claims.push(req.claim_id);
                }
            }
            Op::Push { judgement: j } => {
                for item in self.device.outbox_due(now, 100).unwrap() {
                    let req: recoup_store::SubmitClaim =
                        serde_json::from_value(item.payload.clone())
                            .expect("the payload carries the report");
                    assert_eq!(req.claim_id.0, item.item_id, "the item is the claim");
                    let r = self.endpoint.adjudicate(&req, now, |_| judgement(j));
                    match allowed(
                        op,
                        r,
                        &[
                            "generation_not_finished",
                            "already_claimed",
                            "already_refunded",
                        ],
                    ) {
                        Some(c) => self
                            .device
                            .record_verdict(
                                req.claim_id,
                                &Verdict {
                                    outcome: c.outcome.expect("the endpoint decided"),
                                    code: c.outcome_code,
                                    refunded_credits: c.refunded_credits.unwrap_or(0),
                                    decided_at: c.decided_at,
                                },
                            )
                            .unwrap(),
                        None => self
                            .device
                            .outbox_attempt_failed(item.item_id, "refused", now, true)
                            .unwrap(),
                    }
                }
            }
        }
    }

    /// After a full pull the device has the endpoint's ledger and history, every endpoint claim
    /// with the endpoint's outcome, and its own unanswered claims still its own.
    fn check(&mut self, limit: u32) {
        self.pull(limit, usize::MAX);
        let now = self.clock.now();
        let mut pos = 0;
        loop {
            let p = self.endpoint.changes(pos, CHANGE_PAGE_MAX).unwrap();
            if p.changes.is_empty() {
                break;
            }
            pos = p.last_seq;
        }
        assert_eq!(cursor(&self.device), pos, "the device's cursor is the head");
        self.device.verify().expect("the device verifies");
        self.endpoint.verify().expect("the endpoint verifies");
        let (d, e) = (view(&self.device, now), view(&self.endpoint, now));
        assert_eq!(d.totals, e.totals, "same totals");
        assert_eq!(d.grants, e.grants, "same grants and per-grant balances");
        assert_eq!(d.entries, e.entries, "same entries");
        let strip = |h: &[GenerationRecord]| -> Vec<GenerationRecord> {
            h.iter()
                .cloned()
                .map(|mut g| {
                    g.claim = None;
                    g
                })
                .collect()
        };
        assert_eq!(
            strip(&d.history),
            strip(&e.history),
            "same generations (claim summaries compared below)"
        );
        for theirs in &e.claims {
            let mine = self.device.claim(theirs.claim_id).unwrap_or_else(|err| {
                panic!(
                    "the endpoint's claim {} is on the device: {err:?}",
                    theirs.claim_id
                )
            });
            if self.device_claims.contains(&theirs.claim_id) {
                assert_eq!(
                    (
                        mine.outcome,
                        &mine.outcome_code,
                        mine.refunded_credits,
                        mine.decided_at,
                        mine.sync_state
                    ),
                    (
                        theirs.outcome,
                        &theirs.outcome_code,
                        theirs.refunded_credits,
                        theirs.decided_at,
                        SyncState::Acknowledged
                    ),
                    "the device's claim {} shows the endpoint's outcome",
                    theirs.claim_id
                );
            } else {
                assert_eq!(&mine, theirs, "another device's claim is copied verbatim");
            }
        }
        let pending = self
            .device_claims
            .iter()
            .filter(|id| !e.claims.iter().any(|c| c.claim_id == **id))
            .map(|id| self.device.claim(*id).unwrap())
            .collect::<Vec<_>>();
        for c in &pending {
            assert!(
                c.outcome.is_none()
                    && matches!(c.sync_state, SyncState::Queued | SyncState::Quarantined),
                "a claim the endpoint never took is still the device's own: {c:?}"
            );
        }
        let queued = pending
            .iter()
            .filter(|c| c.sync_state == SyncState::Queued)
            .count();
        assert_eq!(
            self.device.outbox_len().unwrap(),
            queued as u64,
            "the outbox holds exactly the device's queued claims"
        );
    }
}

proptest! {
    #![proptest_config(Config {
        cases: 64,
        failure_persistence: None,
        ..Config::default()
    })]

    #[test]
    fn the_device_ends_equal_to_the_endpoint(
        ops in prop::collection::vec(op(), 1..=80),
        limit in 1_u32..=12,
    ) {
        let mut sim = Sim::new();
        for op in &ops {
            sim.apply(op);
        }
        sim.check(limit);
    }
}
