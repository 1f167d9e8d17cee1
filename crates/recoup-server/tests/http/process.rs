//! The `recoup-server` binary as a process: its per-account rate limit (`--rate-per-sec`) and
//! its logs (`RUST_LOG=debug`), which never contain a bearer token or a claim's details.

use std::time::{Duration, Instant};

use serde_json::json;
use uuid::Uuid;

use crate::support::{ADMIN, Body, Process, claim_body};
use serde_json::Value;

#[test]
fn a_spent_burst_is_429_rate_limited_with_retry_after_per_account() {
    let p = Process::start(&["--sandbox", "--rate-per-sec", "5"], &[]);
    let c = &p.client;
    let a = c.account();
    let b = c.account();
    // Burst of twice the rate (10), then refusals; a bounded number of tries.
    let mut limited = None;
    for i in 0..40 {
        let r = c.get("/v1/account", Some(&a.token));
        if r.status == 429 {
            limited = Some((i, r));
            break;
        }
        assert_eq!(r.status, 200, "request {i} before the limit");
    }
    let (i, r) = limited.expect("429 within 40 quick requests at 5/s");
    assert!(
        (5..=20).contains(&i),
        "the burst is about twice the rate: limited after {i}"
    );
    r.assert_error(429, "rate_limited", "over the limit");
    assert_eq!(
        r.header("retry-after").as_deref(),
        Some("1"),
        "Retry-After says when"
    );
    // Other accounts are not affected, nor are public routes.
    assert_eq!(
        c.get("/v1/account", Some(&b.token)).status,
        200,
        "another account is not limited"
    );
    assert_eq!(
        c.get("/v1/policy", None).status,
        200,
        "public routes are not limited"
    );
    // The bucket refills.
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(
        c.get("/v1/account", Some(&a.token)).status,
        200,
        "after a second it works again"
    );
    let (_, stderr) = p.stop();
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
}

#[test]
fn debug_logs_never_contain_tokens_or_claim_details() {
    let p = Process::start(
        &["--sandbox", "--bad-rate", "0", "--failure-rate", "0"],
        &[("RUST_LOG", "debug")],
    );
    let c = &p.client;
    let a = c.account();
    let secret = format!("SECRET-DETAILS-{}", Uuid::now_v7().simple());
    let g = c.generate(&a, "virtual_model", "web");
    let gid = g["generation_id"].as_str().unwrap();
    let claim = Uuid::now_v7();
    c.post(
        "/v1/claims",
        Some(&a.token),
        claim_body(claim, &g, &format!("{secret} three arms")),
    )
    .ok("claim");
    c.post(
        "/v1/claims/batch",
        Some(&a.token),
        json!({"claims": [claim_body(Uuid::now_v7(), &g, &format!("{secret} again"))]}),
    )
    .ok("batch");
    c.post(
        "/v1/claims",
        Some(&a.token),
        claim_body(claim, &g, &format!("{secret} changed")),
    )
    .assert_error(409, "idempotency_conflict", "conflict");
    c.send(
        "POST",
        "/v1/claims",
        Some(&a.token),
        Body::Raw(format!("{{\"details\": \"{secret}").into_bytes()),
        &[],
    )
    .assert_error(400, "invalid_input", "malformed");
    c.get(&format!("/v1/generations/{gid}/output"), Some(&a.token));
    c.get("/v1/changes?limit=5", Some(&a.token)).ok("feed");
    c.get("/v1/admin/reviews", Some(ADMIN)).ok("reviews");
    c.post(
        &format!("/v1/admin/reviews/{}/{claim}", a.id),
        Some(ADMIN),
        json!({"approve": false}),
    )
    .ok("review");
    c.get(
        "/v1/account",
        Some("rk_wrong-token-that-must-not-be-logged"),
    )
    .assert_error(401, "unauthorized", "wrong token");
    // Let the last lines reach the files.
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline
        && !std::fs::read_to_string(&p.stdout)
            .unwrap_or_default()
            .contains("/v1/account")
    {
        std::thread::sleep(Duration::from_millis(50));
    }
    let (stdout, stderr) = p.stop();
    let logs = format!("{stdout}\n{stderr}");
    assert!(
        logs.contains("/v1/claims") && logs.lines().count() > 10,
        "debug logs were written (requests are logged): {logs}"
    );
    for (what, needle) in [
        ("the account token", a.token.as_str()),
        ("the admin token", ADMIN),
        ("a wrong token", "rk_wrong-token-that-must-not-be-logged"),
        ("claim details", secret.as_str()),
        ("an authorization header", "authorization"),
        ("a bearer header", "Bearer"),
    ] {
        assert!(!logs.contains(needle), "the logs contain {what}:\n{logs}");
    }
}

#[test]
fn a_killed_server_restarts_on_its_data_with_everything_kept() {
    let p = Process::start(
        &["--sandbox", "--bad-rate", "0", "--failure-rate", "0"],
        &[],
    );
    let c = p.client.clone();
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let body = claim_body(Uuid::now_v7(), &g, "the model has three arms");
    let answer = c
        .post("/v1/claims", Some(&a.token), body.clone())
        .ok("claim");
    let policy: Value = c.get("/v1/policy", None).ok("policy");
    let key: Value = c.get("/v1/policy/key", None).ok("key");
    let view = c.view(&a);
    let feed = c.all_changes(&a, 1000);
    let data = p.dir_path().join("data");
    let (_, _, dir) = p.stop_keep();

    let p = Process::start_in(dir, &data, &["--sandbox"], &[]);
    let c = &p.client;
    let after = c.view(&a);
    assert_eq!(
        (&after["balance"]["totals"], &after["balance"]["grants"]),
        (&view["balance"]["totals"], &view["balance"]["grants"]),
        "the token still works and the balance is kept"
    );
    assert_eq!(
        c.get("/v1/policy", None).json(),
        policy,
        "the same policy, signed alike"
    );
    assert_eq!(
        c.get("/v1/policy/key", None).json(),
        key,
        "the same signing key"
    );
    assert_eq!(
        c.post("/v1/claims", Some(&a.token), body).ok("repeat"),
        answer,
        "a repeat after the restart gets the first answer"
    );
    assert_eq!(c.all_changes(&a, 1000), feed, "the change feed is the same");
    let queue = c.get("/v1/admin/reviews", Some(ADMIN)).ok("reviews");
    assert_eq!(
        queue.as_array().map(Vec::len),
        Some(1),
        "the review queue is kept: {queue}"
    );
    let (_, stderr) = p.stop();
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
}
