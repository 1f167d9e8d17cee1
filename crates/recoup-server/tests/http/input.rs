//! Malformed, mistyped, unknown and oversized input: refused with `{code, message}`, nothing
//! written.

use std::sync::Arc;

use axum::body::Body as AxumBody;
use axum::http::Request;
use serde_json::{Value, json};
use tower::ServiceExt;
use uuid::Uuid;

use crate::openapi::{Answer, check_answer};
use crate::support::{ADMIN, Body, Opts, Server, claim_body};

#[test]
fn malformed_mistyped_and_unknown_input_is_invalid_input_and_writes_nothing() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let before = c.view(&a)["balance"].clone();
    let feed_before = c.all_changes(&a, 1000).len();
    let generation = |v: Value| ("/v1/generations", v);
    let claim = |v: Value| ("/v1/claims", v);
    let good_claim = claim_body(Uuid::now_v7(), &g, "the model has three arms");
    let with = |base: &Value, key: &str, value: Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    let good_gen = json!({"generation_id": Uuid::now_v7(), "feature": "text", "platform": "web", "surface": "editor"});
    let cases: Vec<(&str, (&str, Value))> = vec![
        (
            "unknown feature",
            generation(with(&good_gen, "feature", json!("teleport"))),
        ),
        (
            "unknown platform",
            generation(with(&good_gen, "platform", json!("windows_phone"))),
        ),
        (
            "unknown surface",
            generation(with(&good_gen, "surface", json!("EDITOR"))),
        ),
        (
            "feature as a number",
            generation(with(&good_gen, "feature", json!(7))),
        ),
        (
            "generation id not a uuid",
            generation(with(&good_gen, "generation_id", json!("g-1"))),
        ),
        (
            "missing feature",
            generation(
                json!({"generation_id": Uuid::now_v7(), "platform": "web", "surface": "editor"}),
            ),
        ),
        ("an array body", generation(json!([good_gen.clone()]))),
        (
            "unknown reason",
            claim(with(&good_claim, "reason", json!("ugly"))),
        ),
        (
            "details as a number",
            claim(with(&good_claim, "details", json!(12345))),
        ),
        (
            "claim id not a uuid",
            claim(with(&good_claim, "claim_id", json!(42))),
        ),
        (
            "submitted_at not a time",
            claim(with(&good_claim, "submitted_at", json!("yesterday"))),
        ),
        (
            "local_decision mistyped",
            claim(with(
                &good_claim,
                "local_decision",
                json!({"eligible": "yes"}),
            )),
        ),
        (
            "batch not a list",
            ("/v1/claims/batch", json!({"claims": good_claim.clone()})),
        ),
        (
            "batch with an unknown reason",
            (
                "/v1/claims/batch",
                json!({"claims": [with(&good_claim, "reason", json!("ugly"))]}),
            ),
        ),
    ];
    for (what, (path, body)) in cases {
        c.post(path, Some(&a.token), body)
            .assert_error(400, "invalid_input", what);
    }
    for (what, raw) in [
        ("empty body", Vec::new()),
        ("truncated JSON", b"{\"generation_id\": \"".to_vec()),
        ("not JSON", b"feature=text".to_vec()),
        ("not UTF-8", vec![0xff, 0xfe, 0x00]),
    ] {
        for path in ["/v1/generations", "/v1/claims", "/v1/claims/batch"] {
            c.send("POST", path, Some(&a.token), Body::Raw(raw.clone()), &[])
                .assert_error(400, "invalid_input", &format!("{what} to {path}"));
        }
    }
    // Admin bodies too.
    c.put(
        "/v1/admin/generator",
        Some(ADMIN),
        json!({"failure_rate": "all"}),
    )
    .assert_error(400, "invalid_input", "a mistyped generator setting");
    c.put(
        "/v1/admin/generator",
        Some(ADMIN),
        json!({"failure_rate": 2.0, "bad_rate": 0.0}),
    )
    .assert_error(400, "invalid_input", "a rate above 1");
    c.post(
        &format!("/v1/admin/accounts/{}/grants", a.id),
        Some(ADMIN),
        json!({"credits": 10, "kind": "gift"}),
    )
    .assert_error(400, "invalid_input", "an unknown grant kind");
    c.post(
        &format!("/v1/admin/accounts/{}/clock", a.id),
        Some(ADMIN),
        json!({"secs": -5}),
    )
    .assert_error(400, "invalid_input", "a negative clock move");
    c.post(
        &format!("/v1/admin/accounts/{}/clock", a.id),
        Some(ADMIN),
        json!({"secs": 400 * 24 * 3600}),
    )
    .assert_error(400, "invalid_input", "a clock move over a year");
    c.post(
        &format!("/v1/admin/reviews/{}/not-a-uuid", a.id),
        Some(ADMIN),
        json!({"approve": true}),
    )
    .assert_error(400, "invalid_input", "a review path that is not a UUID");

    // Details outside the policy's bounds: 422, nothing written.
    for (what, details) in [
        ("too short", "x".to_owned()),
        ("too long", "y".repeat(2001)),
        ("only spaces", "     ".to_owned()),
    ] {
        c.post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, &details),
        )
        .assert_error(422, "invalid_details", &format!("details {what}"));
    }
    // Admin calls on an unknown account, and a grant of nothing.
    let nobody = Uuid::now_v7();
    c.post(
        &format!("/v1/admin/accounts/{nobody}/grants"),
        Some(ADMIN),
        json!({"credits": 10, "kind": "top_up"}),
    )
    .assert_error(404, "not_found", "a grant to an unknown account");
    c.post(
        &format!("/v1/admin/accounts/{nobody}/clock"),
        Some(ADMIN),
        json!({"secs": 10}),
    )
    .assert_error(404, "not_found", "the clock of an unknown account");
    c.post(
        &format!("/v1/admin/accounts/{}/grants", a.id),
        Some(ADMIN),
        json!({"credits": 0, "kind": "top_up"}),
    )
    .assert_error(400, "invalid_input", "a grant of 0 credits");
    assert!(
        !server_has_account_dir(&server, nobody),
        "admin calls on an unknown account create nothing"
    );
    assert_eq!(
        c.view(&a)["balance"]["totals"],
        before["totals"],
        "the balance is unchanged"
    );
    assert_eq!(
        c.all_changes(&a, 1000).len(),
        feed_before,
        "nothing was written to the account"
    );
    assert_eq!(
        c.get("/v1/admin/reviews", Some(ADMIN)).json(),
        json!([]),
        "no claim was queued"
    );
}

fn server_has_account_dir(server: &Server, account: Uuid) -> bool {
    server
        .data_dir()
        .join("accounts")
        .join(account.to_string())
        .exists()
}

#[test]
fn a_batch_over_500_claims_is_refused_whole() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let claims: Vec<Value> = (0..501)
        .map(|i| claim_body(Uuid::now_v7(), &g, &format!("bad result number {i}")))
        .collect();
    c.post(
        "/v1/claims/batch",
        Some(&a.token),
        json!({"claims": claims}),
    )
    .assert_error(400, "invalid_input", "501 claims");
    let g2 = c.generate(&a, "flat_lay", "web");
    let feed_before = c.all_changes(&a, 1000).len();
    assert_eq!(
        c.get("/v1/admin/reviews", Some(ADMIN)).json(),
        json!([]),
        "no claim of the refused batch was adjudicated"
    );
    // Exactly 500 is fine.
    let claims: Vec<Value> = (0..500)
        .map(|i| claim_body(Uuid::now_v7(), &g2, &format!("bad result number {i}")))
        .collect();
    let r = c
        .post(
            "/v1/claims/batch",
            Some(&a.token),
            json!({"claims": claims}),
        )
        .ok("500 claims");
    let results = r["results"].as_array().unwrap();
    assert_eq!(results.len(), 500, "one answer per claim");
    assert_eq!(
        results[0]["answer"]["verdict"]["outcome"], "in_review",
        "the first claim is adjudicated"
    );
    assert!(
        results[1..]
            .iter()
            .all(|r| r["answer"]["verdict"]["code"] == "already_claimed"),
        "the other 499 are refused as second claims"
    );
    assert!(
        c.all_changes(&a, 1000).len() > feed_before,
        "the accepted batch wrote its claim"
    );
}

/// The full app (with its body limit) through `oneshot`, so an oversized body cannot race a
/// closed connection.
#[test]
fn a_body_over_1_mib_is_413_payload_too_large_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let state =
        Arc::new(recoup_server::AppState::open(Opts::default().config(dir.path())).unwrap());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let app = recoup_server::app(state);
        let call = |method: &str, path: &str, token: Option<&str>, body: Vec<u8>| {
            let mut req = Request::builder().method(method).uri(path);
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let req = req
                .header("content-type", "application/json")
                .body(AxumBody::from(body))
                .unwrap();
            let app = app.clone();
            let (method, path) = (method.to_owned(), path.to_owned());
            async move {
                let resp = app.oneshot(req).await.unwrap();
                let status = resp.status().as_u16();
                let headers = resp.headers().clone();
                let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
                    .await
                    .unwrap();
                let content_type = headers
                    .get("content-type")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let lookup = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned)
                };
                let checked = check_answer(&Answer {
                    method: &method,
                    path: &path,
                    status,
                    content_type: content_type.as_deref(),
                    header: &lookup,
                    body: &bytes,
                });
                if let Err(problem) = checked {
                    panic!("the answer does not match docs/openapi.yaml: {problem}");
                }
                let json: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                (status, json)
            }
        };
        let (_, created) = call("POST", "/v1/accounts", None, Vec::new()).await;
        let token = created["token"].as_str().unwrap().to_owned();
        let account = created["account_id"].as_str().unwrap().to_owned();
        let (_, before) = call("GET", "/v1/account", Some(&token), Vec::new()).await;

        // Valid JSON, just too long: a claim whose details pad it past 1 MiB.
        let mut claim = json!({
            "claim_id": Uuid::now_v7(),
            "generation_id": Uuid::now_v7(),
            "reason": "other",
            "details": "",
        });
        claim["details"] = json!("x".repeat(recoup_api::BODY_BYTES_MAX));
        let big = serde_json::to_vec(&claim).unwrap();
        assert!(
            big.len() > recoup_api::BODY_BYTES_MAX,
            "the body is over 1 MiB"
        );
        for (method, path, token) in [
            ("POST", "/v1/claims", Some(token.as_str())),
            ("POST", "/v1/claims/batch", Some(token.as_str())),
            ("POST", "/v1/generations", Some(token.as_str())),
            ("PUT", "/v1/admin/policy", Some(ADMIN)),
            ("PUT", "/v1/admin/generator", Some(ADMIN)),
            (
                "POST",
                &format!("/v1/admin/accounts/{account}/grants"),
                Some(ADMIN),
            ),
        ] {
            let (status, body) = call(method, path, token, big.clone()).await;
            assert_eq!(
                (status, body["code"].as_str()),
                (413, Some("payload_too_large")),
                "{method} {path} with {} bytes: {body}",
                big.len()
            );
        }
        // Exactly at the limit is read (and then judged on its content).
        let mut at_limit = serde_json::to_vec(&json!({"claims": []})).unwrap();
        at_limit.resize(recoup_api::BODY_BYTES_MAX, b' ');
        let (status, body) = call("POST", "/v1/claims/batch", Some(&token), at_limit).await;
        assert_eq!(status, 200, "a body of exactly 1 MiB is accepted: {body}");
        let (_, after) = call("GET", "/v1/account", Some(&token), Vec::new()).await;
        assert_eq!(
            before["balance"]["totals"], after["balance"]["totals"],
            "nothing was written"
        );
    });
}

#[test]
fn unknown_routes_are_404_not_found_and_wrong_methods_405() {
    let server = Server::start();
    let c = &server.client;
    for path in [
        "/",
        "/v1",
        "/v2/health",
        "/v1/claims/batch/extra",
        "/v1/generations/x/output/y",
    ] {
        let r = c.send_unchecked("GET", path, None, Body::None, &[]);
        r.assert_error(404, "not_found", &format!("GET {path}"));
    }
    let r = c.send_unchecked("DELETE", "/v1/claims", None, Body::None, &[]);
    assert_eq!(r.status, 405, "DELETE /v1/claims is not a route");
    assert!(
        r.header("allow").is_some_and(|a| a.contains("POST")),
        "405 says which method is allowed"
    );
}
