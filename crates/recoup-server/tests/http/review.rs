//! The review flow: claims on usable outputs wait for a person; approve refunds (in the ledger),
//! reject answers `not_clearly_unusable`, a decided claim cannot be reviewed again.

use serde_json::json;
use uuid::Uuid;

use crate::support::{ADMIN, Server, claim_body};

#[test]
fn usable_outputs_go_to_review_and_a_person_decides_once() {
    let server = Server::start();
    let c = &server.client;
    c.set_generator(0.0, 0.0);
    let a = c.account();
    let g1 = c.generate(&a, "virtual_model", "web");
    let g2 = c.generate(&a, "edit_with_ai", "android");
    let cost1 = g1["cost"].as_u64().unwrap();
    let start = c.view(&a)["balance"]["totals"].clone();

    let claim1 = Uuid::now_v7();
    let claim2 = Uuid::now_v7();
    for (claim, g) in [(claim1, &g1), (claim2, &g2)] {
        let r = c
            .post(
                "/v1/claims",
                Some(&a.token),
                claim_body(claim, g, "the face looks wrong"),
            )
            .ok("claim on a usable output");
        assert_eq!(
            (
                r["verdict"]["outcome"].as_str(),
                r["verdict"]["decided_at"].is_null()
            ),
            (Some("in_review"), true),
            "a usable output is not clearly unusable: a person reviews it: {r}"
        );
    }
    assert_eq!(
        c.view(&a)["balance"]["totals"],
        start,
        "nothing refunded while in review"
    );

    let queue = c.get("/v1/admin/reviews", Some(ADMIN)).ok("review queue");
    let queued: Vec<(String, String)> = queue
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["account_id"].as_str().unwrap().to_owned(),
                i["claim"]["claim_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        queued,
        vec![
            (a.id.to_string(), claim1.to_string()),
            (a.id.to_string(), claim2.to_string())
        ],
        "both claims wait, oldest first"
    );

    // Approve the first: refunded, in the ledger, gone from the queue.
    let r = c
        .post(
            &format!("/v1/admin/reviews/{}/{claim1}", a.id),
            Some(ADMIN),
            json!({"approve": true}),
        )
        .ok("approve");
    assert_eq!(
        (r["outcome"].as_str(), r["refunded_credits"].as_u64()),
        (Some("refunded"), Some(cost1)),
        "approved: {r}"
    );
    let totals = c.view(&a)["balance"]["totals"].clone();
    assert_eq!(
        (totals["available"].as_u64(), totals["refunded"].as_u64()),
        (
            Some(start["available"].as_u64().unwrap() + cost1),
            Some(cost1)
        ),
        "the approved refund is in the balance"
    );
    let refunds = c.entries(&a, "refund");
    assert_eq!(
        (
            refunds.len(),
            refunds.first().map(|e| e["generation_id"].clone())
        ),
        (1, Some(g1["generation_id"].clone())),
        "the ledger shows one refund entry for the approved generation: {refunds:?}"
    );
    // The device learns it from a repeat of the claim and from the feed.
    let again = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(claim1, &g1, "the face looks wrong"),
        )
        .ok("repeat after approval");
    assert_eq!(
        again["verdict"]["outcome"], "refunded",
        "a repeat shows the decision: {again}"
    );
    assert!(
        c.all_changes(&a, 1000)
            .iter()
            .any(|ch| ch["kind"] == "claim"
                && ch["row"]["claim_id"] == claim1.to_string()
                && ch["row"]["outcome"] == "refunded"),
        "the change feed carries the decision"
    );

    // Reject the second.
    let r = c
        .post(
            &format!("/v1/admin/reviews/{}/{claim2}", a.id),
            Some(ADMIN),
            json!({"approve": false}),
        )
        .ok("reject");
    assert_eq!(
        (
            r["outcome"].as_str(),
            r["outcome_code"].as_str(),
            r["refunded_credits"].as_u64()
        ),
        (Some("not_refunded"), Some("not_clearly_unusable"), Some(0)),
        "rejected: {r}"
    );
    assert_eq!(
        c.get("/v1/admin/reviews", Some(ADMIN)).json(),
        json!([]),
        "the queue is empty"
    );

    // Reviewing again: 409, and nothing moves.
    let before = c.view(&a)["balance"]["totals"].clone();
    for (claim, approve) in [
        (claim1, true),
        (claim1, false),
        (claim2, true),
        (claim2, false),
    ] {
        c.post(
            &format!("/v1/admin/reviews/{}/{claim}", a.id),
            Some(ADMIN),
            json!({"approve": approve}),
        )
        .assert_error(409, "invalid_state", "a decided claim reviewed again");
    }
    assert_eq!(
        c.view(&a)["balance"]["totals"],
        before,
        "a second review changes nothing"
    );
    assert_eq!(c.entries(&a, "refund").len(), 1, "still one refund entry");

    // Unknown account or claim: 404.
    c.post(
        &format!("/v1/admin/reviews/{}/{claim1}", Uuid::now_v7()),
        Some(ADMIN),
        json!({"approve": true}),
    )
    .assert_error(404, "not_found", "an unknown account");
    c.post(
        &format!("/v1/admin/reviews/{}/{}", a.id, Uuid::now_v7()),
        Some(ADMIN),
        json!({"approve": true}),
    )
    .assert_error(404, "not_found", "an unknown claim");
}
