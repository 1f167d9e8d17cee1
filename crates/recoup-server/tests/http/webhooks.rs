//! The webhook admin API: registering a receiver (its secret shown once), listing without
//! secrets, removing, the test event, an account's `balance.low` threshold; the credential
//! each needs, and bad input answered with a code and nothing written.

use serde_json::{Value, json};

use crate::support::{ADMIN, Server};

const EVENTS: [&str; 4] = [
    "claim.decided",
    "refund.posted",
    "generation.voided",
    "balance.low",
];

fn webhook_actions(s: &Server) -> usize {
    let page = s
        .client
        .get("/v1/admin/audit?limit=200", Some(ADMIN))
        .ok("the audit log");
    page["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| {
            e["action"]
                .as_str()
                .is_some_and(|a| a.starts_with("webhook."))
        })
        .count()
}

#[test]
fn a_receiver_is_registered_with_a_secret_shown_once_listed_without_it_and_removed() {
    let s = Server::start();
    let r = s.client.post(
        "/v1/admin/webhooks",
        Some(ADMIN),
        json!({ "url": "https://billing.product.test/recoup", "events": ["refund.posted", "claim.decided"] }),
    );
    assert_eq!(r.status, 201, "registered: {:?}", r.json());
    let created = r.json();
    let secret = created["secret"].as_str().expect("a secret");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "a long random secret: {secret}"
    );
    assert_eq!(
        created["events"],
        json!(["claim.decided", "refund.posted"]),
        "the event types, in their documented order"
    );
    let id = created["webhook_id"].as_str().expect("an id").to_owned();

    let listed = s.client.get("/v1/admin/webhooks", Some(ADMIN)).ok("list");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "one receiver: {listed}"
    );
    assert!(
        !listed.to_string().contains(secret),
        "the list never shows the secret: {listed}"
    );
    assert_eq!(listed[0]["removed_at"], Value::Null, "not removed yet");

    let removed = s
        .client
        .delete(&format!("/v1/admin/webhooks/{id}"), Some(ADMIN))
        .ok("remove");
    assert!(removed["removed_at"].is_string(), "removed now: {removed}");
    let again = s
        .client
        .delete(&format!("/v1/admin/webhooks/{id}"), Some(ADMIN))
        .ok("remove twice");
    assert_eq!(
        again["removed_at"], removed["removed_at"],
        "a second removal keeps the first time"
    );
    s.client
        .post(
            &format!("/v1/admin/webhooks/{id}/test"),
            Some(ADMIN),
            json!({}),
        )
        .assert_error(404, "not_found", "a removed receiver gets no test event");
    assert_eq!(
        webhook_actions(&s),
        2,
        "the registration and the removal are audited (the repeat changed nothing)"
    );
}

#[test]
fn bad_registrations_are_refused_with_a_code_and_register_nothing() {
    let s = Server::start();
    let cases: Vec<(Value, &str)> = vec![
        (
            json!({ "url": "http://billing.product.test/hook", "events": ["refund.posted"] }),
            "plain http to a remote host",
        ),
        (
            json!({ "url": "ftp://127.0.0.1/hook", "events": ["refund.posted"] }),
            "another scheme",
        ),
        (
            json!({ "url": "not a url", "events": ["refund.posted"] }),
            "not a URL",
        ),
        (
            json!({ "url": format!("https://h.test/{}", "a".repeat(2_100)), "events": ["refund.posted"] }),
            "a URL over 2048 bytes",
        ),
        (
            json!({ "url": "https://h.test/hook", "events": [] }),
            "no event type",
        ),
        (
            json!({ "url": "https://h.test/hook", "events": ["refund.created"] }),
            "an unknown event type",
        ),
        (
            json!({ "url": "https://h.test/hook", "events": ["refund.posted", "refund.posted"] }),
            "a type twice",
        ),
        (
            json!({ "url": "https://h.test/hook", "events": ["refund.posted"], "secret": "mine" }),
            "an unknown field",
        ),
        (json!({ "events": ["refund.posted"] }), "no url"),
    ];
    for (body, what) in cases {
        s.client
            .post("/v1/admin/webhooks", Some(ADMIN), body)
            .assert_error(400, "invalid_input", what);
    }
    let listed = s.client.get("/v1/admin/webhooks", Some(ADMIN)).ok("list");
    assert_eq!(listed, json!([]), "nothing was registered");
    assert_eq!(webhook_actions(&s), 0, "and nothing audited");
    s.client
        .delete("/v1/admin/webhooks/not-a-uuid", Some(ADMIN))
        .assert_error(400, "invalid_input", "an id that is not a UUID");
    s.client
        .delete(
            &format!("/v1/admin/webhooks/{}", uuid::Uuid::now_v7()),
            Some(ADMIN),
        )
        .assert_error(404, "not_found", "an unknown receiver");
    s.client
        .get(
            &format!("/v1/admin/webhooks/{}/failures", uuid::Uuid::now_v7()),
            Some(ADMIN),
        )
        .assert_error(404, "not_found", "the failures of an unknown receiver");
}

#[test]
fn every_webhook_route_needs_the_admin_credential() {
    let s = Server::start();
    let account = s.client.account();
    let id = uuid::Uuid::now_v7();
    let body = json!({ "url": "https://h.test/hook", "events": EVENTS });
    for token in [None, Some(account.token.as_str())] {
        s.client
            .post("/v1/admin/webhooks", token, body.clone())
            .assert_error(401, "unauthorized", "register");
        s.client
            .get("/v1/admin/webhooks", token)
            .assert_error(401, "unauthorized", "list");
        s.client
            .delete(&format!("/v1/admin/webhooks/{id}"), token)
            .assert_error(401, "unauthorized", "remove");
        s.client
            .post(&format!("/v1/admin/webhooks/{id}/test"), token, json!({}))
            .assert_error(401, "unauthorized", "test");
        s.client
            .get(&format!("/v1/admin/webhooks/{id}/failures"), token)
            .assert_error(401, "unauthorized", "failures");
        s.client
            .put(
                &format!("/v1/admin/accounts/{}/balance-low", account.id),
                token,
                json!({ "threshold": 5 }),
            )
            .assert_error(401, "unauthorized", "balance threshold");
    }
    let listed = s.client.get("/v1/admin/webhooks", Some(ADMIN)).ok("list");
    assert_eq!(
        listed,
        json!([]),
        "nothing was registered without the credential"
    );
}

#[test]
fn the_test_event_to_a_receiver_that_is_not_listening_says_it_was_not_delivered() {
    let s = Server::start();
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let created = s
        .client
        .post(
            "/v1/admin/webhooks",
            Some(ADMIN),
            json!({ "url": format!("http://127.0.0.1:{port}/hook"), "events": ["refund.posted"] }),
        )
        .ok("register a loopback receiver");
    let id = created["webhook_id"].as_str().expect("id");
    let tested = s
        .client
        .post(
            &format!("/v1/admin/webhooks/{id}/test"),
            Some(ADMIN),
            json!({}),
        )
        .ok("test");
    assert_eq!(tested["delivered"], json!(false), "not delivered: {tested}");
    assert_eq!(
        tested["status"],
        Value::Null,
        "no HTTP status without an answer"
    );
    assert!(
        tested["error"].as_str().is_some_and(|e| !e.is_empty()),
        "says what went wrong: {tested}"
    );
    let failures = s
        .client
        .get(&format!("/v1/admin/webhooks/{id}/failures"), Some(ADMIN))
        .ok("failures");
    assert_eq!(
        failures,
        json!([]),
        "a test event is never listed as a failure"
    );
}

#[test]
fn an_account_threshold_is_set_reset_and_refused_for_bad_input() {
    let s = Server::start();
    let account = s.client.account();
    let path = format!("/v1/admin/accounts/{}/balance-low", account.id);
    let set = s
        .client
        .put(&path, Some(ADMIN), json!({ "threshold": 25 }))
        .ok("set");
    assert_eq!(set["threshold"], json!(25), "kept: {set}");
    let reset = s
        .client
        .put(&path, Some(ADMIN), json!({ "threshold": null }))
        .ok("reset");
    assert_eq!(
        reset["threshold"],
        Value::Null,
        "back to the default: {reset}"
    );
    for (body, what) in [
        (json!({ "threshold": -1 }), "a negative threshold"),
        (
            json!({ "threshold": 100_000_001u64 }),
            "a threshold above any grant",
        ),
        (json!({ "threshold": "5" }), "a threshold as text"),
        (json!({}), "no threshold field"),
        (json!({ "threshold": 5, "x": 1 }), "an unknown field"),
    ] {
        s.client
            .put(&path, Some(ADMIN), body)
            .assert_error(400, "invalid_input", what);
    }
    s.client
        .put(
            &format!("/v1/admin/accounts/{}/balance-low", uuid::Uuid::now_v7()),
            Some(ADMIN),
            json!({ "threshold": 5 }),
        )
        .assert_error(404, "not_found", "an unknown account");
}
