//! Claims: idempotent by claim id (sequential and concurrent repeats refund once and answer
//! alike), conflicts, one claim per generation, and the endpoint trusting neither the device's
//! decision nor its clock.

use std::sync::{Arc, Barrier};

use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ADMIN, Account, Client, Opts, Server, claim_body};

/// A sandbox whose generator always makes deliberately bad outputs: eligible claims are
/// refunded at once.
fn bad_outputs() -> Server {
    Server::with(Opts {
        bad_rate: 1.0,
        ..Opts::default()
    })
}

/// Refund ledger entries and refund rows of one generation, from the account's change feed.
fn refunds_of(c: &Client, a: &Account, generation: &Value) -> (usize, usize) {
    let changes = c.all_changes(a, 1000);
    let gid = &generation["generation_id"];
    let entries = changes
        .iter()
        .filter(|ch| {
            ch["kind"] == "entry"
                && ch["row"]["kind"] == "refund"
                && ch["row"]["generation_id"] == *gid
        })
        .count();
    let rows = changes
        .iter()
        .filter(|ch| ch["kind"] == "refund" && ch["row"]["generation_id"] == *gid)
        .count();
    (entries, rows)
}

#[test]
fn the_same_claim_sent_1_2_and_50_times_refunds_once_and_answers_alike() {
    let server = bad_outputs();
    let c = &server.client;
    for times in [1usize, 2, 50] {
        let a = c.account();
        let g = c.generate(&a, "virtual_model", "web");
        let cost = g["cost"].as_u64().unwrap();
        assert_eq!(c.available(&a), 200 - cost, "the generation was charged");
        let body = claim_body(Uuid::now_v7(), &g, "the image is just noise");
        let answers: Vec<Value> = (0..times)
            .map(|_| {
                c.post("/v1/claims", Some(&a.token), body.clone())
                    .ok("claim")
            })
            .collect();
        assert_eq!(
            answers[0]["verdict"]["outcome"], "refunded",
            "a deliberately bad output is refunded at once: {}",
            answers[0]
        );
        assert_eq!(
            answers[0]["verdict"]["refunded_credits"], cost,
            "the whole charge is refunded"
        );
        assert!(
            answers.iter().all(|x| *x == answers[0]),
            "sent {times} times: every answer is the first one"
        );
        let view = c.view(&a);
        assert_eq!(
            (
                view["balance"]["totals"]["available"].as_u64(),
                view["balance"]["totals"]["refunded"].as_u64()
            ),
            (Some(200), Some(cost)),
            "sent {times} times: refunded exactly once"
        );
        assert_eq!(
            refunds_of(c, &a, &g),
            (1, 1),
            "sent {times} times: one refund entry and one refund row in the ledger"
        );
    }
}

#[test]
fn the_same_claim_from_8_threads_at_once_refunds_once_and_answers_alike() {
    let server = bad_outputs();
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "ghost_mannequin", "android");
    let cost = g["cost"].as_u64().unwrap();
    let body = claim_body(Uuid::now_v7(), &g, "the garment is cut off");
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (c, a, body, barrier) = (c.clone(), a.clone(), body.clone(), Arc::clone(&barrier));
            std::thread::spawn(move || {
                barrier.wait();
                (0..6)
                    .map(|_| {
                        c.post("/v1/claims", Some(&a.token), body.clone())
                            .ok("claim")
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let answers: Vec<Value> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a client thread panicked"))
        .collect();
    assert_eq!(answers.len(), 48, "every request was answered");
    assert_eq!(
        answers[0]["verdict"]["outcome"], "refunded",
        "refunded: {}",
        answers[0]
    );
    assert!(
        answers.iter().all(|x| *x == answers[0]),
        "48 concurrent sends: every answer is identical"
    );
    let totals = c.view(&a)["balance"]["totals"].clone();
    assert_eq!(
        (totals["available"].as_u64(), totals["refunded"].as_u64()),
        (Some(200), Some(cost)),
        "refunded exactly once: {totals}"
    );
    assert_eq!(refunds_of(c, &a, &g), (1, 1), "one refund in the ledger");
}

#[test]
fn the_same_claim_id_with_other_details_is_a_conflict_and_a_second_claim_is_already_claimed() {
    let server = bad_outputs();
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let other = c.generate(&a, "flat_lay", "web");
    let claim = Uuid::now_v7();
    let body = claim_body(claim, &g, "the image is blank");
    let first = c
        .post("/v1/claims", Some(&a.token), body.clone())
        .ok("first claim");
    assert_eq!(first["verdict"]["outcome"], "refunded", "refunded: {first}");
    let balance = c.view(&a)["balance"]["totals"].clone();

    let mut changed_details = body.clone();
    changed_details["details"] = json!("the image is blank, and more");
    let mut changed_reason = body.clone();
    changed_reason["reason"] = json!("blank_or_corrupted");
    let mut changed_generation = body.clone();
    changed_generation["generation_id"] = other["generation_id"].clone();
    for (what, b) in [
        ("other details", changed_details),
        ("another reason", changed_reason),
        ("another generation", changed_generation),
    ] {
        c.post("/v1/claims", Some(&a.token), b).assert_error(
            409,
            "idempotency_conflict",
            &format!("the same claim id with {what}"),
        );
    }
    // Whitespace around the details is not a difference (they are stored trimmed).
    let mut padded = body.clone();
    padded["details"] = json!("  the image is blank \n");
    assert_eq!(
        c.post("/v1/claims", Some(&a.token), padded)
            .ok("padded repeat"),
        first,
        "a repeat with padded details is the same claim"
    );

    // Another claim id on the same generation: an answer, not a second refund.
    let second = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "still blank"),
        )
        .ok("second claim");
    assert_eq!(
        (
            second["verdict"]["outcome"].as_str(),
            second["verdict"]["code"].as_str(),
            second["verdict"]["refunded_credits"].as_u64()
        ),
        (Some("not_refunded"), Some("already_claimed"), Some(0)),
        "a second claim on a generation: {second}"
    );
    assert_eq!(
        second["message"], "Thank you for your feedback",
        "the refusal is worded as feedback"
    );
    assert_eq!(
        c.view(&a)["balance"]["totals"],
        balance,
        "conflicts and second claims change nothing"
    );
    assert_eq!(refunds_of(c, &a, &g), (1, 1), "still one refund");
    // The other generation is still claimable.
    let r = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &other, "blank too"),
        )
        .ok("a claim on the other generation");
    assert_eq!(
        r["verdict"]["outcome"], "refunded",
        "the other generation: {r}"
    );
}

#[test]
fn a_forged_client_decision_is_ignored() {
    let server = bad_outputs();
    let c = &server.client;
    let a = c.account();
    let cases = [
        ("ai_shadows", "ios", "editor", "feature_not_refundable"),
        ("image_enhancer", "web", "editor", "feature_not_refundable"),
        (
            "virtual_model",
            "web",
            "batch_editor",
            "surface_not_refundable",
        ),
        (
            "text",
            "android",
            "product_catalog",
            "surface_not_refundable",
        ),
    ];
    for (feature, platform, surface, code) in cases {
        let g = c.generate_on(&a, feature, platform, surface);
        let before = c.view(&a)["balance"]["totals"].clone();
        let mut body = claim_body(Uuid::now_v7(), &g, "the shadow is on the wrong side");
        body["local_decision"] =
            json!({"eligible": true, "policy_version": "forged-by-the-client"});
        body["reason"] = json!("blank_or_corrupted");
        let r = c
            .post("/v1/claims", Some(&a.token), body)
            .ok("forged claim");
        assert_eq!(
            (
                r["verdict"]["outcome"].as_str(),
                r["verdict"]["code"].as_str()
            ),
            (Some("not_refunded"), Some(code)),
            "{feature} on {platform} in {surface} with a forged eligible decision: {r}"
        );
        assert_ne!(
            r["policy_version"], "forged-by-the-client",
            "the endpoint's own policy decided"
        );
        assert_eq!(
            c.view(&a)["balance"]["totals"],
            before,
            "{feature}/{platform}/{surface}: nothing refunded"
        );
    }
}

#[test]
fn the_device_clock_does_not_matter_and_the_test_clock_closes_the_window() {
    let server = bad_outputs();
    let c = &server.client;
    let a = c.account();

    // A device whose clock is 30 days behind: the endpoint decides with its own clock.
    let g = c.generate(&a, "recolor", "ios");
    let mut body = claim_body(Uuid::now_v7(), &g, "colours are all wrong");
    let month_ago = recoup_core::Timestamp::now() - recoup_core::TimeDelta::hours(30 * 24);
    body["submitted_at"] = json!(month_ago);
    let r = c
        .post("/v1/claims", Some(&a.token), body)
        .ok("claim from a slow clock");
    assert_eq!(
        r["verdict"]["outcome"], "refunded",
        "a client clock 30 days back changes nothing: {r}"
    );
    let decided: recoup_core::Timestamp = r["verdict"]["decided_at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        decided
            .duration_until(recoup_core::Timestamp::now())
            .num_seconds()
            .abs()
            < 600,
        "decided at the endpoint's time, not the device's: {decided}"
    );

    // Within the window on the test clock: still refundable.
    let g1 = c.generate(&a, "logo", "web");
    let g2 = c.generate(&a, "logo", "android");
    let clock = |secs: u64| {
        c.post(
            &format!("/v1/admin/accounts/{}/clock", a.id),
            Some(ADMIN),
            json!({"secs": secs}),
        )
        .ok("advance the test clock")
    };
    let t0: recoup_core::Timestamp = c.view(&a)["server_time"].as_str().unwrap().parse().unwrap();
    clock(23 * 3600);
    let r = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g1, "the logo is blank"),
        )
        .ok("claim after 23 h");
    assert_eq!(
        r["verdict"]["outcome"], "refunded",
        "23 h after: in the window: {r}"
    );

    // Past 24 h: window_expired, even when the device says it is still early.
    let moved = clock(3600 + 5);
    let now: recoup_core::Timestamp = moved["server_time"].as_str().unwrap().parse().unwrap();
    assert!(
        now.duration_since(t0).num_seconds() >= 24 * 3600,
        "the account's clock moved past 24 h: {t0} -> {now}"
    );
    let view_time: recoup_core::Timestamp =
        c.view(&a)["server_time"].as_str().unwrap().parse().unwrap();
    assert!(
        view_time.duration_since(t0).num_seconds() >= 24 * 3600,
        "GET /v1/account shows the moved clock"
    );
    let before = c.view(&a)["balance"]["totals"].clone();
    // The account's device pulled its changes after the window closed: had it held a report
    // made in time, it would have sent it then, so its word that the report is early is not
    // taken (a report held offline is: see
    // a_report_made_while_the_window_was_open_keeps_its_refund_when_delivered_late).
    c.get("/v1/changes", Some(&a.token))
        .ok("a pull after the window closed");
    let mut body = claim_body(Uuid::now_v7(), &g2, "the logo is blank");
    body["submitted_at"] = json!(g2["finished_at"]);
    body["local_decision"] = json!({"eligible": true, "policy_version": "builtin-2026-11-25"});
    let r = c
        .post("/v1/claims", Some(&a.token), body)
        .ok("claim after 24 h");
    assert_eq!(
        (
            r["verdict"]["outcome"].as_str(),
            r["verdict"]["code"].as_str()
        ),
        (Some("not_refunded"), Some("window_expired")),
        "24 h and 5 s after: window_expired: {r}"
    );
    assert_eq!(c.view(&a)["balance"]["totals"], before, "nothing refunded");
    let feed = c.get("/v1/changes", Some(&a.token)).ok("feed");
    let feed_time: recoup_core::Timestamp = feed["server_time"].as_str().unwrap().parse().unwrap();
    assert!(
        feed_time.duration_since(t0).num_seconds() >= 24 * 3600,
        "the change feed's server_time is the account's clock"
    );
    // Another account's clock did not move.
    let b = c.account();
    let b_time: recoup_core::Timestamp =
        c.view(&b)["server_time"].as_str().unwrap().parse().unwrap();
    assert!(
        b_time
            .duration_until(recoup_core::Timestamp::now())
            .num_seconds()
            .abs()
            < 600,
        "test clocks are per account"
    );
}

/// Issue 12, defect 1: a report made while the window was open must not lose its refund
/// because it reached the endpoint after the window closed (the device was offline, or its
/// clock held it back). The endpoint weighs the device's word against what it knows: the
/// account's last pull of its changes, and the policy's late-report grace (72 h by default).
#[test]
fn a_report_made_while_the_window_was_open_keeps_its_refund_when_delivered_late() {
    let server = bad_outputs();
    let c = &server.client;
    let a = c.account();
    let clock = |secs: u64| {
        c.post(
            &format!("/v1/admin/accounts/{}/clock", a.id),
            Some(ADMIN),
            json!({"secs": secs}),
        )
        .ok("advance the test clock")
    };
    let late_claim = |g: &Value, made_at: recoup_core::Timestamp| {
        let mut body = claim_body(Uuid::now_v7(), g, "the colours are all wrong");
        body["submitted_at"] = json!(made_at);
        c.post("/v1/claims", Some(&a.token), body)
            .ok("a report delivered late")
    };
    let ts = |v: &Value| -> recoup_core::Timestamp { v.as_str().unwrap().parse().unwrap() };

    // Made offline 20 h after the generation, delivered 30 h after it: the device pulled its
    // changes only before the report was made.
    let kept = c.generate(&a, "recolor", "ios");
    c.get("/v1/changes", Some(&a.token))
        .ok("the device learns of the generation");
    let finished = ts(&kept["finished_at"]);
    clock(30 * 3600);
    let before = c.available(&a);
    let r = late_claim(&kept, finished + recoup_core::TimeDelta::hours(20));
    assert_eq!(
        r["verdict"]["outcome"], "refunded",
        "a report made 20 h in and delivered at 30 h keeps its refund: {r}"
    );
    assert_eq!(
        c.available(&a),
        before + kept["cost"].as_u64().unwrap(),
        "the refund reached the balance"
    );

    // The same claim of an early report, but the account pulled its changes after the window
    // closed (at 30 h, above): the report counts as made no earlier than that pull.
    let pulled_after = c.generate(&a, "recolor", "android");
    let finished = ts(&pulled_after["finished_at"]);
    clock(25 * 3600);
    c.get("/v1/changes", Some(&a.token))
        .ok("a pull after this window closed");
    let r = late_claim(&pulled_after, finished + recoup_core::TimeDelta::hours(1));
    assert_eq!(
        (
            r["verdict"]["outcome"].as_str(),
            r["verdict"]["code"].as_str()
        ),
        (Some("not_refunded"), Some("window_expired")),
        "a device that synced after the window closed cannot backdate its report: {r}"
    );

    // Past the window and the grace (24 h + 72 h): the device's word no longer counts.
    let beyond = c.generate(&a, "recolor", "web");
    c.get("/v1/changes", Some(&a.token))
        .ok("the device learns of the generation");
    let finished = ts(&beyond["finished_at"]);
    clock((24 + 72) * 3600 + 60);
    let r = late_claim(&beyond, finished + recoup_core::TimeDelta::hours(1));
    assert_eq!(
        (
            r["verdict"]["outcome"].as_str(),
            r["verdict"]["code"].as_str()
        ),
        (Some("not_refunded"), Some("window_expired")),
        "a report arriving after the window and the late-report grace is refused: {r}"
    );

    // A report stated in the future counts at its arrival, not later.
    let future = c.generate(&a, "recolor", "ios");
    c.get("/v1/changes", Some(&a.token))
        .ok("the device learns of the generation");
    let finished = ts(&future["finished_at"]);
    clock(26 * 3600);
    let r = late_claim(&future, finished + recoup_core::TimeDelta::hours(500));
    assert_eq!(
        r["verdict"]["code"], "window_expired",
        "a stated time after the arrival is taken as the arrival: {r}"
    );
}

#[test]
fn a_technical_failure_is_never_charged_and_its_claim_says_so() {
    let server = Server::with(Opts {
        failure_rate: 1.0,
        ..Opts::default()
    });
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "video_generator", "web");
    assert_eq!(g["status"], "failed", "the generator failed: {g}");
    assert_eq!(
        (g["charged"].as_u64(), g["output_ref"].is_null()),
        (Some(0), true),
        "nothing charged, no output"
    );
    let totals = c.view(&a)["balance"]["totals"].clone();
    assert_eq!(
        (
            totals["available"].as_u64(),
            totals["held"].as_u64(),
            totals["spent"].as_u64()
        ),
        (Some(200), Some(0), Some(0)),
        "the hold was voided: {totals}"
    );
    let changes = c.all_changes(&a, 1000);
    assert!(
        changes
            .iter()
            .any(|ch| ch["kind"] == "entry" && ch["row"]["kind"] == "void"),
        "the ledger shows the void"
    );
    let gid = g["generation_id"].as_str().unwrap();
    c.get(&format!("/v1/generations/{gid}/output"), Some(&a.token))
        .assert_error(404, "not_found", "a failed generation has no output");
    let body = claim_body(Uuid::now_v7(), &g, "nothing came out");
    let r = c
        .post("/v1/claims", Some(&a.token), body.clone())
        .ok("claim on a failure");
    assert_eq!(
        (
            r["verdict"]["outcome"].as_str(),
            r["verdict"]["code"].as_str()
        ),
        (
            Some("not_refunded"),
            Some("technical_failure_auto_refunded")
        ),
        "a claim on a technical failure: {r}"
    );
    assert_eq!(c.view(&a)["balance"]["totals"], totals, "and nothing moves");
}

/// A refusal that follows from the facts (here: a failed generation) is an answer; its repeats
/// give the same outcome, code and message, and write nothing.
#[test]
fn a_refused_claim_repeated_gives_the_same_decision_and_writes_nothing() {
    let server = Server::with(Opts {
        failure_rate: 1.0,
        ..Opts::default()
    });
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "text", "web");
    let feed = c.all_changes(&a, 1000).len();
    let body = claim_body(Uuid::now_v7(), &g, "nothing came out");
    let answers: Vec<Value> = (0..3)
        .map(|_| {
            c.post("/v1/claims", Some(&a.token), body.clone())
                .ok("claim")
        })
        .collect();
    let decision = |v: &Value| {
        (
            v["claim_id"].clone(),
            v["verdict"]["outcome"].clone(),
            v["verdict"]["code"].clone(),
            v["verdict"]["refunded_credits"].clone(),
            v["message"].clone(),
        )
    };
    assert!(
        answers.iter().all(|x| decision(x) == decision(&answers[0])),
        "repeats of a refused claim decide alike: {answers:#?}"
    );
    assert_eq!(
        c.all_changes(&a, 1000).len(),
        feed,
        "a refusal writes nothing"
    );
}

/// Regression: refusals that are not stored (failed, running or unknown generation, second claim
/// on a generation) are re-decided on every repeat; the answer must still be the same each time
/// (they carry no decision time).
#[test]
fn a_refused_claim_repeated_answers_exactly_as_the_first_time() {
    let server = Server::with(Opts {
        failure_rate: 1.0,
        ..Opts::default()
    });
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "text", "web");
    let body = claim_body(Uuid::now_v7(), &g, "nothing came out");
    let first = c
        .post("/v1/claims", Some(&a.token), body.clone())
        .ok("first");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let again = c.post("/v1/claims", Some(&a.token), body).ok("again");
    assert_eq!(
        again, first,
        "a repeat of a refused claim answers as the first time"
    );
}
