//! Focused tests for defects found in the store, and for guarantees the schema itself gives.

use std::sync::{Arc, Barrier};

use recoup_core::{GrantKind, OpId};
use recoup_store::{GrantRequest, Store};

use crate::support::{TestClock, entry_count, op_at, rows, secs, temp_store};

/// A client that granted credits with an expiry and retries the same grant after the expiry
/// (it crashed before recording the answer) must get the first answer back, as for every other
/// repeated operation. `Store::grant` validates `expires_at` against `now` before it looks the
/// operation up, so the retry is refused as "already in the past" although the grant exists.
#[test]
fn a_grant_repeated_after_its_expiry_returns_the_first_answer() {
    let (_dir, path, mut store) = temp_store();
    let mut clock = TestClock::start();
    let mut req = GrantRequest::new(op_at(clock.now()), GrantKind::Promotion, 5);
    req.expires_at = Some(clock.now() + secs(3_600));
    let first = store.grant(&req, clock.now()).unwrap();
    let before = rows(&path);
    let entries = entry_count(&store);

    let later = clock.advance(2 * 3_600);
    let again = store.grant(&req, later);
    assert!(
        matches!(&again, Ok(r) if *r == first),
        "the repeated grant must return the first grant record, got {again:?}"
    );
    assert_eq!(rows(&path), before, "the repeat writes nothing");
    assert_eq!(entry_count(&store), entries, "no entry is added");
}

/// Same defect for claims: `Store::submit_claim` validates the details against the policy in
/// force before it looks the claim id up, so a retry after a policy update that tightened the
/// details bounds is refused although the claim is stored and queued.
#[test]
fn a_claim_repeated_after_a_policy_update_returns_the_stored_claim() {
    let (_dir, path, mut store) = temp_store();
    let now = crate::support::t0();
    store
        .grant(
            &GrantRequest::new(op_at(now), GrantKind::Allowance, 10),
            now,
        )
        .unwrap();
    let g = crate::support::succeeded(
        &mut store,
        recoup_core::Feature::Logo,
        recoup_core::Platform::Web,
        recoup_core::Surface::Editor,
        now,
    );
    let req = crate::support::claim_req(g, now);
    assert!(
        req.details.chars().count() > 20,
        "the fixture's details must exceed the tightened bound"
    );
    let first = store.submit_claim(&req, now).unwrap();
    let mut doc = recoup_core::Policy::builtin().to_document();
    doc.version = "tight-details".to_owned();
    doc.claim_text.details_len_max = 20;
    store
        .activate_policy_json(&serde_json::to_vec(&doc).unwrap(), now)
        .unwrap();
    let before = rows(&path);
    let again = store.submit_claim(&req, now + secs(5));
    assert!(
        matches!(&again, Ok(c) if *c == first),
        "the repeated claim must return the stored claim, got {again:?}"
    );
    assert_eq!(rows(&path), before, "the repeat writes nothing");
}

/// Ledger entries are append-only: the schema refuses to change or delete them, even through a
/// raw connection.
#[test]
fn ledger_entries_cannot_be_updated_or_deleted() {
    let (_dir, path, mut store) = temp_store();
    let now = crate::support::t0();
    store
        .grant(&GrantRequest::new(op_at(now), GrantKind::Allowance, 5), now)
        .unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let update = conn.execute("UPDATE ledger_entries SET credits = 500", []);
    let delete = conn.execute("DELETE FROM ledger_entries", []);
    for (what, r) in [("update", update), ("delete", delete)] {
        let err = r.expect_err(what);
        assert!(
            err.to_string().contains("append-only"),
            "{what} of a ledger entry is refused as append-only, got {err}"
        );
    }
    assert_eq!(rows(&path).entries, 1, "the entry is still there");
    store.verify().expect("the ledger verifies");
}

/// The app and the CLI may open a brand-new database at the same moment (first run); both
/// must end up with a working store.
#[test]
fn two_processes_opening_a_new_file_at_once_both_succeed() {
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.sqlite3");
        let barrier = Arc::new(Barrier::new(2));
        let handles: Vec<_> = (0..2)
            .map(|_| {
                let barrier = Arc::clone(&barrier);
                let path = path.clone();
                std::thread::spawn(move || {
                    barrier.wait();
                    Store::open(&path).map(|_| ())
                })
            })
            .collect();
        for h in handles {
            let r = h.join().expect("thread");
            assert!(
                r.is_ok(),
                "round {round}: opening a new file concurrently must succeed, got {r:?}"
            );
        }
        let mut store = Store::open(&path).unwrap();
        let now = crate::support::t0();
        store
            .grant(
                &GrantRequest::new(OpId(crate::support::uuid_at(now)), GrantKind::TopUp, 1),
                now,
            )
            .expect("the store works after a concurrent first open");
    }
}

/// Found by fuzzing (`fuzz/`, target `change_pages`): a device applied a change page whose last
/// generation change named another generation, so the page left one generation "running" with
/// its hold captured, and another "succeeded" with a charge and no capture. `apply_changes`
/// checked only the grant totals, accepted the page, and the device's `verify()` failed from then
/// on. A page that leaves a generation it touches inconsistent must be refused whole.
#[test]
fn a_device_refuses_a_page_that_leaves_a_generation_inconsistent() {
    use recoup_core::GenerationId;
    use recoup_store::Change;

    let (_dir, endpoint) = endpoint_with_one_generation();
    let mut page = endpoint.changes(0, 1_000).unwrap();
    let last_generation = page
        .changes
        .iter_mut()
        .rev()
        .find_map(|c| match c {
            Change::Generation(g) => Some(g),
            _ => None,
        })
        .expect("the feed has the generation's final row");
    last_generation.generation_id = GenerationId(uuid::Uuid::now_v7());

    let mut device = Store::open_in_memory().unwrap();
    let applied = device.apply_changes(&page, &page.last_seq.to_string());
    assert!(
        applied.is_err(),
        "a page that leaves a generation running with its hold captured is refused, got {applied:?}"
    );
    assert_eq!(
        device.meta("sync.cursor").unwrap(),
        None,
        "the refused page stores no cursor"
    );
    assert!(
        !device.has_ledger_entries().unwrap(),
        "the refused page writes no entry"
    );
    assert!(
        device.verify().is_ok(),
        "the device still verifies after refusing the page"
    );
}

/// Found by fuzzing `change_pages` (fuzz/corpus/change_pages/regression-entry-out-of-order.json):
/// a page whose ledger entries came out of order (a later position before an earlier one) was
/// applied, and the device's ledger then failed `verify()` ("capture would make held negative").
#[test]
fn a_device_refuses_ledger_entries_that_arrive_out_of_order() {
    use recoup_store::Change;

    let (_dir, endpoint) = endpoint_with_one_generation();
    let mut page = endpoint.changes(0, 1_000).unwrap();
    let entries: Vec<usize> = page
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c, Change::Entry(_)))
        .map(|(i, _)| i)
        .collect();
    assert!(
        entries.len() >= 3,
        "grant, hold and capture entries: {entries:?}"
    );
    // The hold and the capture keep their places in the page, but the capture's position in the
    // ledger is now before the hold's: the page is no longer the endpoint's ledger in order.
    let (hold, capture) = (entries[1], entries[2]);
    let seq_of = |c: &Change| match c {
        Change::Entry(e) => e.seq,
        _ => unreachable!("an entry"),
    };
    let (hold_seq, capture_seq) = (seq_of(&page.changes[hold]), seq_of(&page.changes[capture]));
    for (i, seq) in [(hold, capture_seq), (capture, hold_seq)] {
        if let Change::Entry(e) = &mut page.changes[i] {
            e.seq = seq;
        }
    }

    let mut device = Store::open_in_memory().unwrap();
    let applied = device.apply_changes(&page, &page.last_seq.to_string());
    assert!(
        applied.is_err(),
        "a page with its entries out of order is refused, got {applied:?}"
    );
    assert!(
        !device.has_ledger_entries().unwrap(),
        "the refused page writes no entry"
    );
    assert_eq!(device.meta("sync.cursor").unwrap(), None, "and no cursor");
    assert!(device.verify().is_ok(), "the device still verifies");

    // The same page in order applies, and applying it twice adds nothing.
    let page = endpoint.changes(0, 1_000).unwrap();
    device
        .apply_changes(&page, &page.last_seq.to_string())
        .expect("the page in order applies");
    let again = device
        .apply_changes(&page, &page.last_seq.to_string())
        .expect("the same page again is accepted");
    assert_eq!(again.applied, 0, "and adds nothing: {again:?}");
    assert!(device.verify().is_ok(), "the device verifies");
}

/// An endpoint's store with a grant and one succeeded generation: a history whose change feed has
/// a hold and its capture.
fn endpoint_with_one_generation() -> (tempfile::TempDir, Store) {
    use recoup_core::{Feature, Platform, Surface};
    let (dir, _path, mut endpoint) = temp_store();
    let mut clock = TestClock::start();
    crate::support::grant(&mut endpoint, GrantKind::TopUp, 50, None, clock.now());
    clock.advance(10);
    crate::support::succeeded(
        &mut endpoint,
        Feature::VirtualModel,
        Platform::Web,
        Surface::Editor,
        clock.now(),
    );
    (dir, endpoint)
}
