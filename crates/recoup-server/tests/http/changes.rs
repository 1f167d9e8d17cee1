//! The change feed: cursor paging returns every change exactly once; unknown cursors are 400.

use std::collections::BTreeSet;

use uuid::Uuid;

use crate::support::{Server, claim_body};

#[test]
fn paging_with_the_cursor_returns_every_change_once() {
    let server = Server::start();
    let c = &server.client;
    c.set_generator(0.0, 1.0);
    let a = c.account();
    for feature in ["virtual_model", "text", "logo", "recolor"] {
        let g = c.generate(&a, feature, "web");
        c.post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "it is blank"),
        )
        .ok("claim");
    }
    let all = c.all_changes(&a, 1000);
    assert!(
        all.len() > 20,
        "grants, holds, captures, generations, claims, refunds: {}",
        all.len()
    );
    let kinds: BTreeSet<&str> = all.iter().filter_map(|ch| ch["kind"].as_str()).collect();
    for k in [
        "grant",
        "entry",
        "generation",
        "settlement",
        "refund",
        "claim",
    ] {
        assert!(kinds.contains(k), "the feed carries {k} changes: {kinds:?}");
    }
    let seqs: Vec<i64> = all
        .iter()
        .filter(|ch| ch["kind"] == "entry")
        .map(|ch| ch["row"]["seq"].as_i64().unwrap())
        .collect();
    let unique: BTreeSet<i64> = seqs.iter().copied().collect();
    assert_eq!(
        unique.len(),
        seqs.len(),
        "no ledger entry twice in one read"
    );

    for limit in [1u32, 2, 3, 7] {
        let paged = c.all_changes(&a, limit);
        assert_eq!(
            paged, all,
            "pages of {limit} add up to the whole feed, each change once, in order"
        );
    }

    // From the last cursor: nothing new, the same cursor; after a new change: just that.
    let first = c.get("/v1/changes", Some(&a.token)).ok("feed");
    let cursor = first["cursor"].as_str().unwrap().to_owned();
    assert_eq!(first["has_more"], false, "one page of 500 holds it all");
    let empty = c
        .get(&format!("/v1/changes?cursor={cursor}"), Some(&a.token))
        .ok("tail");
    assert_eq!(
        (
            empty["changes"].as_array().map(Vec::len),
            empty["cursor"].as_str()
        ),
        (Some(0), Some(cursor.as_str())),
        "nothing after the end"
    );
    let g = c.generate(&a, "text", "android");
    let tail = c
        .get(&format!("/v1/changes?cursor={cursor}"), Some(&a.token))
        .ok("tail");
    let tail = tail["changes"].as_array().unwrap();
    assert!(!tail.is_empty(), "the new generation shows");
    assert!(
        tail.iter().all(|ch| !all.contains(ch)),
        "only new changes after the cursor"
    );
    assert!(
        tail.iter().any(
            |ch| ch["kind"] == "generation" && ch["row"]["generation_id"] == g["generation_id"]
        ),
        "the new generation is among them"
    );
}

#[test]
fn a_bogus_cursor_or_limit_is_invalid_input() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    for q in [
        "cursor=bogus",
        "cursor=c1.-5",
        "cursor=c2.10",
        "cursor=c1.",
        "cursor=12",
        "limit=abc",
        "limit=-1",
    ] {
        c.get(&format!("/v1/changes?{q}"), Some(&a.token))
            .assert_error(400, "invalid_input", q);
    }
    // An empty cursor starts over; limit 0 is clamped to 1 (a page ends on a transaction
    // boundary, so it may hold a little more).
    let page = c
        .get("/v1/changes?cursor=&limit=0", Some(&a.token))
        .ok("limit 0");
    let n = page["changes"].as_array().map_or(0, Vec::len);
    assert!((1..=2).contains(&n), "limit 0 is clamped to 1: {n} changes");
}
