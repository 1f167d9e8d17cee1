//! Admin-provisioned accounts and their tokens: create (with an allowance and a subject), list,
//! show, disable; issue, list (prefix only), expire and revoke tokens, with rotation without
//! downtime. Refused tokens say why; bad input writes nothing.

use std::sync::{Arc, Mutex};

use recoup_core::{TimeDelta, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ADMIN, Body, Client, Movable, Opts, Server};

fn production() -> Opts {
    Opts {
        sandbox: false,
        ..Opts::default()
    }
}

fn create(c: &Client, body: Value) -> (Uuid, String) {
    let v = c
        .post("/v1/admin/accounts", Some(ADMIN), body)
        .ok("create an account");
    (
        v["account_id"].as_str().expect("id").parse().expect("uuid"),
        v["token"].as_str().expect("token").to_owned(),
    )
}

fn audit_count(c: &Client) -> usize {
    c.get("/v1/admin/audit?limit=200", Some(ADMIN)).ok("audit")["entries"]
        .as_array()
        .expect("entries")
        .len()
}

#[test]
fn an_admin_made_account_has_its_allowance_and_its_token_works_on_a_production_endpoint() {
    let server = Server::with(production());
    let c = &server.client;
    let (id, token) = create(c, json!({"allowance": 40, "subject": "user-17"}));
    let view = c.get("/v1/account", Some(&token)).ok("account view");
    assert_eq!(
        view["balance"]["totals"]["available"], 40,
        "the allowance was granted: {view}"
    );
    let shown = c
        .get(&format!("/v1/admin/accounts/{id}"), Some(ADMIN))
        .ok("show");
    assert_eq!(
        (
            shown["subject"].as_str(),
            shown["active_tokens"].as_u64(),
            shown["disabled_at"].is_null()
        ),
        (Some("user-17"), Some(1), true),
        "the account as shown: {shown}"
    );
    let (_, other) = create(c, json!({}));
    assert_ne!(token, other, "each account has its own token");
    let page = c
        .get("/v1/admin/accounts?limit=1", Some(ADMIN))
        .ok("first page");
    assert_eq!(
        page["accounts"][0]["account_id"],
        id.to_string(),
        "oldest first"
    );
    let next = page["next"].as_str().expect("a next page");
    let rest = c
        .get(
            &format!("/v1/admin/accounts?after={next}&limit=5"),
            Some(ADMIN),
        )
        .ok("second page");
    assert_eq!(
        (
            rest["accounts"].as_array().map(Vec::len),
            rest["next"].is_null()
        ),
        (Some(1), true),
        "the second page has the other account and is the last: {rest}"
    );
    let taken = c.post(
        "/v1/admin/accounts",
        Some(ADMIN),
        json!({"subject": "user-17"}),
    );
    taken.assert_error(409, "subject_taken", "a subject names one account");
}

#[test]
fn a_token_is_rotated_without_downtime_and_a_revoked_one_says_so() {
    let server = Server::with(production());
    let c = &server.client;
    let (id, old) = create(c, json!({}));
    let issued = c
        .post(
            &format!("/v1/admin/accounts/{id}/tokens"),
            Some(ADMIN),
            json!({"label": "laptop"}),
        )
        .ok("issue a second token");
    let new = issued["token"].as_str().expect("token").to_owned();
    for t in [&old, &new] {
        c.get("/v1/account", Some(t))
            .ok("both tokens work meanwhile");
    }
    let listed = c
        .get(&format!("/v1/admin/accounts/{id}/tokens"), Some(ADMIN))
        .ok("list tokens");
    let listed = listed.as_array().expect("an array");
    assert_eq!(listed.len(), 2, "two tokens listed");
    for t in listed {
        let prefix = t["prefix"].as_str().expect("prefix");
        assert!(
            prefix.len() < 12 && !t.to_string().contains(&new[12..]),
            "a listing shows a prefix, never the secret: {t}"
        );
    }
    let old_id = listed[0]["token_id"].as_str().expect("id");
    let revoked = c
        .send(
            "DELETE",
            &format!("/v1/admin/accounts/{id}/tokens/{old_id}"),
            Some(ADMIN),
            Body::None,
            &[],
        )
        .ok("revoke the old token");
    assert!(revoked["revoked_at"].is_string(), "revoked: {revoked}");
    c.get("/v1/account", Some(&old)).assert_error(
        401,
        "token_revoked",
        "the old token after its revocation",
    );
    c.get("/v1/account", Some(&new))
        .ok("the new token still works");
    let again = c.send(
        "DELETE",
        &format!("/v1/admin/accounts/{id}/tokens/{old_id}"),
        Some(ADMIN),
        Body::None,
        &[],
    );
    assert_eq!(
        again.ok("revoking twice")["revoked_at"],
        revoked["revoked_at"],
        "revoking again changes nothing"
    );
}

#[test]
fn a_token_past_its_expiry_is_refused_as_expired() {
    let t0: Timestamp = "2031-05-06T07:08:09Z".parse().expect("time");
    let clock = Arc::new(Movable(Mutex::new(t0)));
    let server = Server::with_clock(production(), clock.clone());
    let c = &server.client;
    let (id, _) = create(c, json!({}));
    let issued = c
        .post(
            &format!("/v1/admin/accounts/{id}/tokens"),
            Some(ADMIN),
            json!({"expires_in_days": 2}),
        )
        .ok("issue a token for two days");
    let token = issued["token"].as_str().expect("token").to_owned();
    c.get("/v1/account", Some(&token)).ok("works before expiry");
    *clock.0.lock().expect("lock") = t0 + TimeDelta::hours(49);
    c.get("/v1/account", Some(&token))
        .assert_error(401, "token_expired", "after two days");
}

#[test]
fn a_disabled_accounts_tokens_are_refused_with_their_own_code() {
    let server = Server::with(production());
    let c = &server.client;
    let (id, token) = create(c, json!({}));
    c.get("/v1/account", Some(&token)).ok("works before");
    let shown = c
        .post(
            &format!("/v1/admin/accounts/{id}/disable"),
            Some(ADMIN),
            json!({}),
        )
        .ok("disable");
    assert!(shown["disabled_at"].is_string(), "disabled: {shown}");
    c.get("/v1/account", Some(&token)).assert_error(
        401,
        "account_disabled",
        "a disabled account's token",
    );
    c.post(
        &format!("/v1/admin/accounts/{id}/tokens"),
        Some(ADMIN),
        json!({}),
    )
    .assert_error(409, "invalid_state", "no new token for a disabled account");
}

#[test]
fn bad_input_on_the_account_routes_is_refused_and_writes_nothing() {
    let server = Server::with(production());
    let c = &server.client;
    let (id, token) = create(c, json!({}));
    let before = audit_count(c);
    let nobody = Uuid::now_v7();
    let cases: Vec<(&str, String, Option<Value>, u16, &str)> = vec![
        (
            "POST",
            "/v1/admin/accounts".into(),
            Some(json!({"allowance": 0})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            "/v1/admin/accounts".into(),
            Some(json!({"subject": ""})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            "/v1/admin/accounts".into(),
            Some(json!({"subject": "a\u{7}b"})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            "/v1/admin/accounts".into(),
            Some(json!({"subject": "x".repeat(256)})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            "/v1/admin/accounts".into(),
            Some(json!({"teleport": 1})),
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/v1/admin/accounts?limit=0".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/v1/admin/accounts?after=not-a-uuid".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            "GET",
            format!("/v1/admin/accounts/{nobody}"),
            None,
            404,
            "not_found",
        ),
        (
            "GET",
            "/v1/admin/accounts/not-a-uuid".into(),
            None,
            400,
            "invalid_input",
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{nobody}/disable"),
            None,
            404,
            "not_found",
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{nobody}/tokens"),
            Some(json!({})),
            404,
            "not_found",
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{id}/tokens"),
            Some(json!({"expires_in_days": 0})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{id}/tokens"),
            Some(json!({"expires_in_days": 3651})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{id}/tokens"),
            Some(json!({"expires_in_days": -1})),
            400,
            "invalid_input",
        ),
        (
            "POST",
            format!("/v1/admin/accounts/{id}/tokens"),
            Some(json!({"label": "y".repeat(101)})),
            400,
            "invalid_input",
        ),
        (
            "GET",
            format!("/v1/admin/accounts/{nobody}/tokens"),
            None,
            404,
            "not_found",
        ),
        (
            "DELETE",
            format!("/v1/admin/accounts/{id}/tokens/{nobody}"),
            None,
            404,
            "not_found",
        ),
        (
            "DELETE",
            format!("/v1/admin/accounts/{id}/tokens/nope"),
            None,
            400,
            "invalid_input",
        ),
        (
            "GET",
            "/v1/admin/audit?limit=201".into(),
            None,
            400,
            "invalid_input",
        ),
    ];
    for (method, path, body, status, code) in cases {
        let body = body.map_or(Body::None, Body::Json);
        c.send(method, &path, Some(ADMIN), body, &[]).assert_error(
            status,
            code,
            &format!("{method} {path}"),
        );
    }
    // An account token is no admin credential.
    c.post("/v1/admin/accounts", Some(&token), json!({}))
        .assert_error(401, "unauthorized", "an account token on an admin route");
    assert_eq!(audit_count(c), before, "nothing refused was audited");
    let page = c.get("/v1/admin/accounts", Some(ADMIN)).ok("list");
    assert_eq!(
        page["accounts"].as_array().map(Vec::len),
        Some(1),
        "no account was made by a refused request: {page}"
    );
    let tokens = c
        .get(&format!("/v1/admin/accounts/{id}/tokens"), Some(ADMIN))
        .ok("tokens");
    assert_eq!(
        tokens.as_array().map(Vec::len),
        Some(1),
        "no token was issued by a refused request"
    );
}
