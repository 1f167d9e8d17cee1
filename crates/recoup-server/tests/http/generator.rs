//! The generator: real PNG outputs for their owner, deliberately bad ones refunded at once.

use uuid::Uuid;

use crate::support::{Server, claim_body};

const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

#[test]
fn outputs_are_real_pngs_served_to_their_owner() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    for bad_rate in [0.0, 1.0] {
        c.set_generator(0.0, bad_rate);
        let g = c.generate(&a, "create_any_image", "web");
        assert_eq!(g["status"], "succeeded", "the generator succeeded: {g}");
        let gid = g["generation_id"].as_str().unwrap();
        let r = c.get(&format!("/v1/generations/{gid}/output"), Some(&a.token));
        assert_eq!(r.status, 200, "the owner gets the output");
        assert_eq!(
            r.header("content-type").as_deref(),
            Some("image/png"),
            "a PNG"
        );
        assert!(
            r.body.len() > 8 && r.body[..8] == PNG_SIGNATURE,
            "the body starts with the PNG signature (bad_rate {bad_rate})"
        );
        assert!(
            r.header("cache-control")
                .is_some_and(|v| v.contains("private")),
            "outputs are private to the account"
        );
    }
    // A video is a GIF.
    c.set_generator(0.0, 0.0);
    let g = c.generate(&a, "video_generator", "web");
    let gid = g["generation_id"].as_str().unwrap();
    let r = c.get(&format!("/v1/generations/{gid}/output"), Some(&a.token));
    assert_eq!(
        (r.status, r.header("content-type").as_deref()),
        (200, Some("image/gif")),
        "a video output is a GIF"
    );
    assert!(r.body.starts_with(b"GIF8"), "the body is a GIF");
    // Not a UUID: not found.
    c.get("/v1/generations/not-an-id/output", Some(&a.token))
        .assert_error(404, "not_found", "an id that is not a UUID");
}

#[test]
fn bad_outputs_are_refunded_at_once() {
    let server = Server::start();
    let c = &server.client;
    c.set_generator(0.0, 1.0);
    let a = c.account();
    let mut refunded = 0;
    for feature in ["virtual_model", "flat_lay", "recolor", "logo", "text"] {
        let g = c.generate(&a, feature, "web");
        let r = c
            .post(
                "/v1/claims",
                Some(&a.token),
                claim_body(Uuid::now_v7(), &g, "this is not an image"),
            )
            .ok("claim on a bad output");
        assert_eq!(
            (
                r["verdict"]["outcome"].as_str(),
                r["verdict"]["refunded_credits"].as_u64()
            ),
            (Some("refunded"), g["charged"].as_u64()),
            "{feature}: a deliberately bad output is refunded at once: {r}"
        );
        let charged = g["charged"].as_u64().unwrap();
        let unit = if charged == 1 { "credit" } else { "credits" };
        assert_eq!(
            r["message"],
            format!("Refund granted: {charged} {unit}"),
            "the notification names the credits, in the singular for one"
        );
        refunded += g["charged"].as_u64().unwrap();
    }
    let totals = c.view(&a)["balance"]["totals"].clone();
    assert_eq!(
        (totals["available"].as_u64(), totals["refunded"].as_u64()),
        (Some(200), Some(refunded)),
        "every charge came back: {totals}"
    );
    assert_eq!(c.entries(&a, "refund").len(), 5, "five refund entries");
    assert_eq!(
        c.get("/v1/admin/reviews", Some(crate::support::ADMIN))
            .json(),
        serde_json::json!([]),
        "nothing waited for review"
    );
}

#[test]
fn not_enough_credits_is_402_and_holds_nothing() {
    let server = Server::with(crate::support::Opts {
        starting_allowance: 5,
        ..Default::default()
    });
    let c = &server.client;
    let a = c.account();
    let r = c.post(
        "/v1/generations",
        Some(&a.token),
        serde_json::json!({"generation_id": Uuid::now_v7(), "feature": "video_generator", "platform": "web", "surface": "editor"}),
    );
    r.assert_error(
        402,
        "insufficient_credits",
        "a 20-credit video with 5 credits",
    );
    let totals = c.view(&a)["balance"]["totals"].clone();
    assert_eq!(
        (totals["available"].as_u64(), totals["held"].as_u64()),
        (Some(5), Some(0)),
        "nothing held or charged"
    );
}

/// Regression: `Store::start_generation` answers a repeat with the record as first returned
/// (`running`); the endpoint must look at the current record and answer the finished
/// generation, not run the generator again (that used to be `409 invalid_state`).
#[test]
fn a_generation_id_is_an_idempotency_key() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    let body = serde_json::json!({"generation_id": Uuid::now_v7(), "feature": "virtual_model", "platform": "web", "surface": "editor"});
    let first = c
        .post("/v1/generations", Some(&a.token), body.clone())
        .ok("first");
    let again = c
        .post("/v1/generations", Some(&a.token), body.clone())
        .ok("again");
    assert_eq!(again, first, "a repeat returns the generation as it is");
    let mut other = body.clone();
    other["feature"] = serde_json::json!("flat_lay");
    c.post("/v1/generations", Some(&a.token), other)
        .assert_error(
            409,
            "idempotency_conflict",
            "the same id with another feature",
        );
    assert_eq!(
        c.available(&a),
        200 - first["generation"]["cost"].as_u64().unwrap(),
        "charged once"
    );
}

/// A retry of a generation that arrives while the first request is still running (a client
/// timeout and resend) must not fail and must not charge twice.
#[test]
fn concurrent_repeats_of_a_generation_charge_once_and_all_succeed() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    for round in 0..3 {
        let body = serde_json::json!({"generation_id": Uuid::now_v7(), "feature": "video_generator", "platform": "web", "surface": "editor"});
        let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (c, a, body, barrier) = (c.clone(), a.clone(), body.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    c.post("/v1/generations", Some(&a.token), body)
                })
            })
            .collect();
        let answers: Vec<_> = threads
            .into_iter()
            .map(|t| t.join().expect("thread"))
            .collect();
        let statuses: Vec<u16> = answers.iter().map(|r| r.status).collect();
        assert!(
            statuses.iter().all(|s| *s == 200),
            "round {round}: every concurrent repeat succeeds: {:?}",
            answers
                .iter()
                .map(|r| String::from_utf8_lossy(&r.body).into_owned())
                .collect::<Vec<_>>()
        );
        let finals: Vec<_> = answers
            .iter()
            .map(|r| r.json()["generation"]["status"].clone())
            .collect();
        assert!(
            finals.iter().all(|s| s == "succeeded"),
            "round {round}: all see it finished: {finals:?}"
        );
    }
    let totals = c.view(&a)["balance"]["totals"].clone();
    assert_eq!(
        (totals["spent"].as_u64(), totals["held"].as_u64()),
        (Some(60), Some(0)),
        "three 20-credit videos charged once each: {totals}"
    );
}
