//! Every documented route, called for real: its success answer and its documented refusals
//! (no token, wrong kind of token) match the document (the client checks each answer).

use std::collections::BTreeSet;

use serde_json::json;
use uuid::Uuid;

use crate::openapi::{documented_routes, operation, security};
use crate::support::{ADMIN, Body, Server, claim_body};

#[test]
fn every_documented_route_answers_as_documented() {
    let server = Server::start();
    let c = &server.client;
    let mut succeeded: BTreeSet<(String, String)> = BTreeSet::new();
    let mut hit = |method: &str, path: &str, status: u16| {
        let (template, _) = operation(method, path).expect("documented");
        if (200..400).contains(&status) {
            succeeded.insert((method.to_owned(), template));
        }
    };

    let r = c.get("/v1/health", None);
    hit("GET", "/v1/health", r.status);
    assert_eq!(r.json()["sandbox"], true, "a sandbox says so");

    let r = c.get("/v1/ready", None);
    hit("GET", "/v1/ready", r.status);
    assert_eq!(r.json()["ready"], true, "a healthy endpoint is ready");

    let r = c.send("POST", "/v1/accounts", None, Body::None, &[]);
    hit("POST", "/v1/accounts", r.status);
    assert_eq!(r.status, 201, "an account is created");
    let a = c.account();

    let r = c.get("/v1/account", Some(&a.token));
    hit("GET", "/v1/account", r.status);

    // A usable output (goes to review) and a deliberately bad one (refunded at once).
    let g_usable = c.generate(&a, "virtual_model", "web");
    hit("POST", "/v1/generations", 200);
    c.set_generator(0.0, 1.0);
    hit("PUT", "/v1/admin/generator", 200);
    let g_bad = c.generate(&a, "flat_lay", "web");

    let gid = g_usable["generation_id"].as_str().unwrap();
    let path = format!("/v1/generations/{gid}/output");
    let r = c.get(&path, Some(&a.token));
    hit("GET", &path, r.status);
    assert_eq!(r.status, 200, "the owner gets the output");

    let in_review = Uuid::now_v7();
    let r = c.post(
        "/v1/claims",
        Some(&a.token),
        claim_body(in_review, &g_usable, "the model has three arms"),
    );
    hit("POST", "/v1/claims", r.status);
    assert_eq!(
        r.json()["verdict"]["outcome"],
        "in_review",
        "a usable output goes to review"
    );

    let r = c.post(
        "/v1/claims/batch",
        Some(&a.token),
        json!({"claims": [
            claim_body(Uuid::now_v7(), &g_bad, "the image is blank"),
            claim_body(Uuid::now_v7(), &g_bad, "the image is blank again"),
            claim_body(Uuid::now_v7(), &json!({"generation_id": Uuid::now_v7()}), "no such generation"),
            claim_body(Uuid::now_v7(), &g_bad, "x"),
        ]}),
    );
    hit("POST", "/v1/claims/batch", r.status);
    let results = r.json()["results"].as_array().unwrap().clone();
    assert_eq!(
        results[0]["answer"]["verdict"]["outcome"], "refunded",
        "a bad output is refunded at once: {results:#?}"
    );
    assert_eq!(
        results[1]["answer"]["verdict"]["code"], "already_claimed",
        "a second claim in the batch is refused: {results:#?}"
    );
    assert_eq!(
        results[2]["answer"]["verdict"]["code"], "not_found",
        "an unknown generation is refused as an answer: {results:#?}"
    );
    assert_eq!(
        results[3]["error"]["code"], "invalid_details",
        "an error refuses one item, not the batch: {results:#?}"
    );

    let r = c.get("/v1/policy", None);
    hit("GET", "/v1/policy", r.status);
    let etag = r.header("etag").expect("an ETag");
    let r = c.send(
        "GET",
        "/v1/policy",
        None,
        Body::None,
        &[("if-none-match", &etag)],
    );
    hit("GET", "/v1/policy", r.status);
    assert_eq!(r.status, 304, "If-None-Match with the ETag");

    let r = c.get("/v1/policy/key", None);
    hit("GET", "/v1/policy/key", r.status);

    let r = c.get("/v1/changes", Some(&a.token));
    hit("GET", "/v1/changes", r.status);
    let r = c.get("/v1/changes?cursor=&limit=3", Some(&a.token));
    hit("GET", "/v1/changes", r.status);

    let r = c.get("/v1/admin/reviews", Some(ADMIN));
    hit("GET", "/v1/admin/reviews", r.status);
    assert!(
        r.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["claim"]["claim_id"] == in_review.to_string()),
        "the claim in review is listed"
    );

    let path = format!("/v1/admin/reviews/{}/{in_review}", a.id);
    let r = c.post(&path, Some(ADMIN), json!({"approve": true}));
    hit("POST", &path, r.status);

    let mut doc: serde_json::Value =
        serde_json::from_str(&recoup_core::Policy::builtin().to_json()).unwrap();
    doc["version"] = json!("contract-2");
    let r = c.put("/v1/admin/policy", Some(ADMIN), doc);
    hit("PUT", "/v1/admin/policy", r.status);

    let path = format!("/v1/admin/accounts/{}/grants", a.id);
    let r = c.post(
        &path,
        Some(ADMIN),
        json!({"credits": 10, "kind": "top_up", "expires_in_days": 30, "note": "pack"}),
    );
    hit("POST", &path, r.status);

    let path = format!("/v1/admin/accounts/{}/clock", a.id);
    let r = c.post(&path, Some(ADMIN), json!({"secs": 60}));
    hit("POST", &path, r.status);

    // The provider API and its keys.
    let p = crate::provider::provider(c, "contract");
    hit("POST", "/v1/admin/providers", 201);
    let r = c.get("/v1/admin/providers", Some(ADMIN));
    hit("GET", "/v1/admin/providers", r.status);
    let made = Uuid::now_v7();
    let r = c.post(
        "/v1/provider/generations",
        Some(&p.key),
        crate::provider::start_body(&a, made, "flat_lay"),
    );
    hit("POST", "/v1/provider/generations", r.status);
    let path = format!("/v1/provider/generations/{made}/output");
    let r = crate::provider::put_output(
        c,
        &p,
        made,
        "image/png",
        crate::provider::png(recoup_generator::Quality::Good, 1),
    );
    hit("PUT", &path, r.status);
    let failed = crate::provider::start(c, &p, &a, "flat_lay");
    let path = format!("/v1/provider/generations/{failed}/failure");
    let r = c.post(&path, Some(&p.key), json!({"reason": "timeout"}));
    hit("POST", &path, r.status);
    let path = format!("/v1/admin/providers/{}", p.id);
    let r = c.send("DELETE", &path, Some(ADMIN), Body::None, &[]);
    hit("DELETE", &path, r.status);
    // Accounts, tokens and the audit log.
    let r = c.post("/v1/admin/accounts", Some(ADMIN), json!({"allowance": 5}));
    hit("POST", "/v1/admin/accounts", r.status);
    let made = r.json()["account_id"].as_str().unwrap().to_owned();
    for path in [
        "/v1/admin/accounts".to_owned(),
        format!("/v1/admin/accounts/{made}"),
        format!("/v1/admin/accounts/{made}/tokens"),
        "/v1/admin/audit".to_owned(),
    ] {
        let r = c.get(&path, Some(ADMIN));
        hit("GET", &path, r.status);
    }
    let path = format!("/v1/admin/accounts/{made}/tokens");
    let r = c.post(
        &path,
        Some(ADMIN),
        json!({"label": "ci", "expires_in_days": 7}),
    );
    hit("POST", &path, r.status);
    let token_id = r.json()["token_id"].as_str().unwrap().to_owned();
    let path = format!("/v1/admin/accounts/{made}/tokens/{token_id}");
    let r = c.send("DELETE", &path, Some(ADMIN), Body::None, &[]);
    hit("DELETE", &path, r.status);
    let path = format!("/v1/admin/accounts/{made}/disable");
    let r = c.post(&path, Some(ADMIN), json!({}));
    hit("POST", &path, r.status);

    // Webhooks (a receiver on a closed port: the test event answers "not delivered", 200).
    let r = c.post(
        "/v1/admin/webhooks",
        Some(ADMIN),
        json!({"url": "http://127.0.0.1:9/hook", "events": ["refund.posted"]}),
    );
    hit("POST", "/v1/admin/webhooks", r.status);
    let hook = r.json()["webhook_id"].as_str().unwrap().to_owned();
    for path in [
        "/v1/admin/webhooks".to_owned(),
        format!("/v1/admin/webhooks/{hook}/failures"),
    ] {
        let r = c.get(&path, Some(ADMIN));
        hit("GET", &path, r.status);
    }
    let path = format!("/v1/admin/webhooks/{hook}/test");
    let r = c.post(&path, Some(ADMIN), json!({}));
    hit("POST", &path, r.status);
    let path = format!("/v1/admin/webhooks/{hook}");
    let r = c.send("DELETE", &path, Some(ADMIN), Body::None, &[]);
    hit("DELETE", &path, r.status);
    let path = format!("/v1/admin/accounts/{}/balance-low", a.id);
    let r = c.put(&path, Some(ADMIN), json!({"threshold": 10}));
    hit("PUT", &path, r.status);

    let r = c.get("/metrics", Some(ADMIN));
    hit("GET", "/metrics", r.status);
    assert_eq!(r.status, 200, "the admin credential reads the metrics");

    // Refusals every authenticated route documents: no token, and the wrong kind of token.
    for (method, template) in documented_routes() {
        let (_, op) = operation(&method, &template).unwrap();
        let concrete: String = template
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    Uuid::now_v7().to_string()
                } else {
                    s.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let body = || {
            if method == "GET" {
                Body::None
            } else {
                Body::Json(json!({}))
            }
        };
        match security(op) {
            "none" => {}
            // Provider routes take provider keys only: the admin token and an account token are
            // valid credentials of another kind, refused as such.
            "providerKey" => {
                let r = c.send(&method, &concrete, None, body(), &[]);
                r.assert_error(
                    401,
                    "unauthorized",
                    &format!("{method} {template} without a token"),
                );
                for wrong in [ADMIN, a.token.as_str()] {
                    let r = c.send(&method, &concrete, Some(wrong), body(), &[]);
                    r.assert_error(
                        401,
                        "wrong_credential",
                        &format!("{method} {template} with another kind of credential"),
                    );
                }
            }
            kind => {
                let r = c.send(&method, &concrete, None, body(), &[]);
                r.assert_error(
                    401,
                    "unauthorized",
                    &format!("{method} {template} without a token"),
                );
                let wrong = if kind == "adminToken" {
                    a.token.as_str()
                } else {
                    ADMIN
                };
                let r = c.send(&method, &concrete, Some(wrong), body(), &[]);
                r.assert_error(
                    401,
                    "unauthorized",
                    &format!("{method} {template} with the other kind of token"),
                );
            }
        }
    }

    let all = documented_routes();
    let missed: Vec<_> = all.difference(&succeeded).collect();
    assert!(
        missed.is_empty(),
        "these documented routes never answered with success: {missed:?}"
    );
}
