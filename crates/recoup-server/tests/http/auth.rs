//! Tokens and scoping: every request is its account's; another account's ids are answered as
//! unknown ones; admin routes take the admin token only; sandbox routes refuse outside one.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ADMIN, Body, Opts, Server, claim_body};

/// An answer with ids and times blanked, to compare "someone else's" with "nonexistent".
fn shape(v: &Value, ids: &[&str]) -> Value {
    let mut text = v.to_string();
    for id in ids {
        text = text.replace(id, "<id>");
    }
    let mut v: Value = serde_json::from_str(&text).unwrap();
    if let Some(verdict) = v.get_mut("verdict") {
        verdict["decided_at"] = Value::Null;
    }
    v
}

#[test]
fn another_accounts_generation_output_and_claim_are_answered_as_nonexistent() {
    let server = Server::start();
    let c = &server.client;
    let alice = c.account();
    let bob = c.account();
    let g = c.generate(&alice, "virtual_model", "web");
    let gid = g["generation_id"].as_str().unwrap().to_owned();
    let claim = Uuid::now_v7();
    let first = c
        .post(
            "/v1/claims",
            Some(&alice.token),
            claim_body(claim, &g, "the model has three arms"),
        )
        .ok("alice's claim");
    assert_eq!(
        first["verdict"]["outcome"], "in_review",
        "alice's claim is in review"
    );
    let bob_before = c.view(&bob)["balance"].clone();
    let alice_before = c.view(&alice)["balance"]["totals"].clone();

    // The output: 404, exactly as for an id that exists nowhere.
    let unknown = Uuid::now_v7().to_string();
    let theirs = c.get(&format!("/v1/generations/{gid}/output"), Some(&bob.token));
    let nowhere = c.get(
        &format!("/v1/generations/{unknown}/output"),
        Some(&bob.token),
    );
    theirs.assert_error(404, "not_found", "bob asks for alice's output");
    nowhere.assert_error(404, "not_found", "bob asks for an unknown output");
    assert_eq!(
        shape(&theirs.json(), &[&gid]),
        shape(&nowhere.json(), &[&unknown]),
        "someone else's output and a nonexistent one get the same answer"
    );

    // A claim on alice's generation, with alice's claim id: not found, as for unknown ids.
    let theirs = c
        .post(
            "/v1/claims",
            Some(&bob.token),
            claim_body(claim, &g, "the model has three arms"),
        )
        .ok("bob claims alice's generation");
    let other_claim = Uuid::now_v7();
    let nowhere = c
        .post(
            "/v1/claims",
            Some(&bob.token),
            claim_body(
                other_claim,
                &json!({"generation_id": unknown}),
                "the model has three arms",
            ),
        )
        .ok("bob claims an unknown generation");
    assert_eq!(
        (
            theirs["verdict"]["outcome"].as_str(),
            theirs["verdict"]["code"].as_str()
        ),
        (Some("not_refunded"), Some("not_found")),
        "a claim on another account's generation is refused as not found: {theirs}"
    );
    assert_eq!(
        shape(&theirs, &[&claim.to_string()]),
        shape(&nowhere, &[&other_claim.to_string()]),
        "another account's generation and a nonexistent one get the same claim answer"
    );

    // Nothing moved on either side, and alice's claim is untouched.
    assert_eq!(
        c.view(&bob)["balance"]["totals"],
        bob_before["totals"],
        "bob's balance is unchanged"
    );
    assert_eq!(
        c.view(&alice)["balance"]["totals"],
        alice_before,
        "alice's balance is unchanged"
    );
    let again = c
        .post(
            "/v1/claims",
            Some(&alice.token),
            claim_body(claim, &g, "the model has three arms"),
        )
        .ok("alice repeats her claim");
    assert_eq!(again, first, "alice's claim still answers as first decided");
    let bob_changes = c.all_changes(&bob, 1000);
    assert!(
        !serde_json::to_string(&bob_changes).unwrap().contains(&gid),
        "bob's change feed never shows alice's generation"
    );
}

#[test]
fn no_token_or_a_wrong_token_is_unauthorized() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    type Case<'a> = (&'a str, Option<&'a str>, &'a [(&'a str, &'a str)]);
    let cases: [Case<'_>; 5] = [
        ("no token", None, &[]),
        ("unknown token", Some("rk_not-a-token"), &[]),
        ("empty token", Some(""), &[]),
        (
            "basic auth",
            None,
            &[("authorization", "Basic dXNlcjpwYXNz")],
        ),
        (
            "the token without 'Bearer'",
            None,
            &[("authorization", a.token.as_str())],
        ),
    ];
    for (what, token, headers) in cases {
        let r = c.send("GET", "/v1/account", token, Body::None, headers);
        r.assert_error(401, "unauthorized", what);
        let r = c.send(
            "POST",
            "/v1/generations",
            token,
            Body::Json(json!({"generation_id": Uuid::now_v7(), "feature": "text", "platform": "web", "surface": "editor"})),
            headers,
        );
        r.assert_error(401, "unauthorized", what);
    }
    assert_eq!(
        c.available(&a),
        200,
        "nothing was charged by refused requests"
    );
    assert!(
        c.get("/v1/account", Some(&a.token)).status == 200,
        "the right token still works"
    );
}

#[test]
fn admin_routes_refuse_account_tokens() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    let claim = Uuid::now_v7();
    c.post(
        "/v1/claims",
        Some(&a.token),
        claim_body(claim, &g, "the model has three arms"),
    )
    .ok("a claim in review");
    let id = a.id;
    let attempts = [
        ("GET", "/v1/admin/reviews".to_owned(), json!(null)),
        (
            "POST",
            format!("/v1/admin/reviews/{id}/{claim}"),
            json!({"approve": true}),
        ),
        ("PUT", "/v1/admin/policy".to_owned(), json!({})),
        (
            "POST",
            format!("/v1/admin/accounts/{id}/grants"),
            json!({"credits": 1000, "kind": "promotion"}),
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{id}/clock"),
            json!({"secs": 90000}),
        ),
        (
            "PUT",
            "/v1/admin/generator".to_owned(),
            json!({"failure_rate": 1.0, "bad_rate": 1.0}),
        ),
    ];
    let before = c.view(&a)["balance"]["totals"].clone();
    for (method, path, body) in attempts {
        let body = if body.is_null() {
            Body::None
        } else {
            Body::Json(body)
        };
        let r = c.send(method, &path, Some(&a.token), body, &[]);
        r.assert_error(
            401,
            "unauthorized",
            &format!("{method} {path} with an account token"),
        );
    }
    assert_eq!(
        c.view(&a)["balance"]["totals"],
        before,
        "no grant and no refund from refused admin calls"
    );
    let clock = c.view(&a)["server_time"]
        .as_str()
        .unwrap()
        .parse::<recoup_core::Timestamp>()
        .unwrap();
    assert!(
        clock
            .duration_until(recoup_core::Timestamp::now())
            .num_seconds()
            .abs()
            < 3600,
        "the account's clock did not move"
    );
    let reviews = c.get("/v1/admin/reviews", Some(ADMIN)).ok("reviews");
    assert_eq!(
        reviews.as_array().map(Vec::len),
        Some(1),
        "the claim is still in review"
    );
}

#[test]
fn a_server_outside_the_sandbox_refuses_accounts_clock_and_generator() {
    let server = Server::with(Opts {
        sandbox: false,
        ..Opts::default()
    });
    let c = &server.client;
    assert_eq!(
        c.get("/v1/health", None).json()["sandbox"],
        false,
        "not a sandbox"
    );
    c.send("POST", "/v1/accounts", None, Body::None, &[])
        .assert_error(403, "sandbox_only", "account creation outside the sandbox");
    let someone = Uuid::now_v7();
    c.post(
        &format!("/v1/admin/accounts/{someone}/clock"),
        Some(ADMIN),
        json!({"secs": 60}),
    )
    .assert_error(403, "sandbox_only", "the test clock outside the sandbox");
    c.put(
        "/v1/admin/generator",
        Some(ADMIN),
        json!({"failure_rate": 0.0, "bad_rate": 0.0}),
    )
    .assert_error(
        403,
        "sandbox_only",
        "generator settings outside the sandbox",
    );
    // The rest still works.
    c.get("/v1/policy", None).ok("the policy is served");
    c.get("/v1/admin/reviews", Some(ADMIN))
        .ok("the admin API works");
}

#[test]
fn another_accounts_generation_id_is_a_new_generation_of_ones_own() {
    let server = Server::start();
    let c = &server.client;
    c.set_generator(0.0, 1.0);
    let alice = c.account();
    let bob = c.account();
    let body = json!({"generation_id": Uuid::now_v7(), "feature": "virtual_model", "platform": "web", "surface": "editor"});
    let theirs = c
        .post("/v1/generations", Some(&alice.token), body.clone())
        .ok("alice");
    let alice_totals = c.view(&alice)["balance"]["totals"].clone();
    // Bob reuses alice's id: not a conflict, not alice's record: his own generation.
    let mine = c
        .post("/v1/generations", Some(&bob.token), body.clone())
        .ok("bob");
    assert_eq!(
        mine["generation"]["generation_id"], theirs["generation"]["generation_id"],
        "the same client-made id"
    );
    assert_eq!(
        c.available(&bob),
        200 - mine["generation"]["cost"].as_u64().unwrap(),
        "bob was charged for his own"
    );
    assert_eq!(
        c.view(&alice)["balance"]["totals"],
        alice_totals,
        "alice was not touched"
    );
    // Bob's claim refunds bob, never alice.
    let r = c
        .post(
            "/v1/claims",
            Some(&bob.token),
            claim_body(Uuid::now_v7(), &mine["generation"], "blank"),
        )
        .ok("bob's claim");
    assert_eq!(
        r["verdict"]["outcome"], "refunded",
        "bob's bad output is refunded: {r}"
    );
    assert_eq!(
        c.view(&alice)["balance"]["totals"],
        alice_totals,
        "alice's ledger is untouched"
    );
    assert_eq!(c.available(&bob), 200, "bob got his credits back");
}
