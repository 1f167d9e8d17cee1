//! The audit log: every admin action, with the credential that made it, newest first; named
//! admin credentials that can be added and revoked; weak admin secrets refused at start.

use serde_json::{Value, json};

use crate::support::{ADMIN, Body, Opts, Server};

fn actions(v: &Value) -> Vec<(String, String)> {
    v["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().expect("actor").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
            )
        })
        .collect()
}

#[test]
fn every_admin_action_is_in_the_audit_log_newest_first_with_who_did_it() {
    let server = Server::with(Opts::default());
    let c = &server.client;
    let made = c
        .post("/v1/admin/accounts", Some(ADMIN), json!({"allowance": 5}))
        .ok("create");
    let id = made["account_id"].as_str().expect("id").to_owned();
    c.post(
        &format!("/v1/admin/accounts/{id}/grants"),
        Some(ADMIN),
        json!({"credits": 3, "kind": "promotion"}),
    )
    .ok("grant");
    let issued = c
        .post(
            &format!("/v1/admin/accounts/{id}/tokens"),
            Some(ADMIN),
            json!({}),
        )
        .ok("issue");
    let token_id = issued["token_id"].as_str().expect("token id");
    c.send(
        "DELETE",
        &format!("/v1/admin/accounts/{id}/tokens/{token_id}"),
        Some(ADMIN),
        Body::None,
        &[],
    )
    .ok("revoke");
    c.post(
        &format!("/v1/admin/accounts/{id}/clock"),
        Some(ADMIN),
        json!({"secs": 60}),
    )
    .ok("clock");
    c.set_generator(0.0, 0.5);
    c.post(
        &format!("/v1/admin/accounts/{id}/disable"),
        Some(ADMIN),
        json!({}),
    )
    .ok("disable");
    let page = c.get("/v1/admin/audit", Some(ADMIN)).ok("audit");
    let expected: Vec<(String, String)> = [
        "account.disable",
        "generator.set",
        "clock.advance",
        "token.revoke",
        "token.issue",
        "grant",
        "account.create",
    ]
    .iter()
    .map(|a| ("bootstrap".to_owned(), (*a).to_owned()))
    .collect();
    assert_eq!(
        actions(&page),
        expected,
        "each action, newest first, by the bootstrap credential: {page}"
    );
    let serialized = page.to_string();
    assert!(
        !serialized.contains(made["token"].as_str().expect("token"))
            && !serialized.contains(issued["token"].as_str().expect("token")),
        "no secret is in the audit log"
    );
    let first = c.get("/v1/admin/audit?limit=2", Some(ADMIN)).ok("page 1");
    let before = first["next"].as_u64().expect("a next page");
    let second = c
        .get(
            &format!("/v1/admin/audit?limit=2&before={before}"),
            Some(ADMIN),
        )
        .ok("page 2");
    assert_eq!(
        actions(&second),
        expected[2..4].to_vec(),
        "the second page goes on where the first stopped"
    );
}

#[test]
fn a_named_admin_credential_acts_under_its_name_until_it_is_revoked() {
    let server = Server::with(Opts::default());
    let dir = server.data_dir().to_path_buf();
    let now = recoup_core::Timestamp::now();
    let secret = crate::support::credentials::add(&dir, "ops-alice", now).expect("added");
    let c = &server.client;
    c.post("/v1/admin/accounts", Some(&secret), json!({}))
        .ok("the new credential is an admin credential");
    let page = c.get("/v1/admin/audit?limit=1", Some(ADMIN)).ok("audit");
    assert_eq!(
        actions(&page)[0],
        ("ops-alice".to_owned(), "account.create".to_owned()),
        "the audit log names the credential"
    );
    let listed = crate::support::credentials::list(&dir).expect("listed");
    assert_eq!(
        listed.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        vec!["bootstrap", "ops-alice"],
        "both credentials are listed by name"
    );
    assert!(
        crate::support::credentials::revoke(&dir, "ops-alice", now).expect("revoked"),
        "the credential existed"
    );
    c.post("/v1/admin/accounts", Some(&secret), json!({}))
        .assert_error(401, "unauthorized", "a revoked admin credential");
    assert!(
        crate::support::credentials::add(&dir, "ops-alice", now).is_err(),
        "a name is never reused"
    );
}

#[test]
fn an_endpoint_refuses_to_start_with_a_weak_admin_secret() {
    let dir = tempfile::tempdir().expect("tempdir");
    for weak in ["test-admin-token", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] {
        let mut config = Opts::default().config(dir.path());
        config.admin_token = weak.to_owned();
        let refused = recoup_server::AppState::open(config);
        let message = refused.err().map(|e| e.0.message).unwrap_or_default();
        assert!(
            message.contains("too weak"),
            "{weak:?} is refused at start with a clear message, got {message:?}"
        );
    }
}
