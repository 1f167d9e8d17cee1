//! Time: every time the endpoint answers or records is read from the clock it was opened with
//! (the system's in production), moved per account by the sandbox test clock, never from the
//! system clock behind the injected one's back.

use std::sync::Arc;

use recoup_core::FixedClock;
use recoup_core::{TimeDelta, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ADMIN, Opts, Server, claim_body};

/// Years away from any real "now", so a time read from the system clock cannot pass for it.
fn t0() -> Timestamp {
    "2031-03-04T05:06:07Z".parse().expect("a timestamp")
}

fn at(v: &Value, what: &str) -> Timestamp {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is a timestamp string, got {v}"))
        .parse()
        .unwrap_or_else(|e| panic!("{what} parses as a timestamp ({e}): {v}"))
}

fn fixed_server(bad_rate: f64) -> Server {
    Server::with_clock(
        Opts {
            bad_rate,
            ..Opts::default()
        },
        Arc::new(FixedClock(t0())),
    )
}

#[test]
fn every_time_the_endpoint_answers_or_records_comes_from_the_injected_clock() {
    let server = fixed_server(1.0);
    let c = &server.client;
    let health = c.get("/v1/health", None).ok("health");
    assert_eq!(
        at(&health["server_time"], "health's server_time"),
        t0(),
        "health answers the injected time"
    );

    let a = c.account();
    let view = c.view(&a);
    assert_eq!(
        at(&view["server_time"], "server_time"),
        t0(),
        "the account view answers the injected time: {view}"
    );
    assert_eq!(
        at(&view["balance"]["as_of"], "as_of"),
        t0(),
        "the balance is read at the injected time: {view}"
    );
    let allowance = &view["balance"]["grants"][0];
    assert_eq!(
        (
            at(&allowance["granted_at"], "granted_at"),
            at(&allowance["expires_at"], "expires_at")
        ),
        (t0(), t0() + TimeDelta::hours(24 * 30)),
        "the starting allowance is granted at the injected time and expires 30 days after it: {allowance}"
    );

    let g = c.generate(&a, "virtual_model", "web");
    assert_eq!(
        (
            at(&g["started_at"], "started_at"),
            at(&g["finished_at"], "finished_at")
        ),
        (t0(), t0()),
        "the generation starts and finishes at the injected time: {g}"
    );
    let answer = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "it is all noise"),
        )
        .ok("claim on a bad output");
    assert_eq!(
        at(&answer["verdict"]["decided_at"], "decided_at"),
        t0(),
        "the claim is decided at the injected time: {answer}"
    );
    let page = c.get("/v1/changes", Some(&a.token)).ok("change feed");
    assert_eq!(
        at(&page["server_time"], "server_time"),
        t0(),
        "the change feed answers the injected time"
    );
}

#[test]
fn a_test_clock_moves_the_injected_time_for_its_account_only() {
    let server = fixed_server(0.0);
    let c = &server.client;
    let (moved, other) = (c.account(), c.account());
    let answer = c
        .post(
            &format!("/v1/admin/accounts/{}/clock", moved.id),
            Some(ADMIN),
            json!({"secs": 3600}),
        )
        .ok("advance the test clock");
    let later = t0() + TimeDelta::hours(1);
    assert_eq!(
        at(&answer["server_time"], "server_time"),
        later,
        "the clock answers the injected time moved by an hour"
    );
    assert_eq!(
        (
            at(&c.view(&moved)["server_time"], "moved"),
            at(&c.view(&other)["server_time"], "other")
        ),
        (later, t0()),
        "only the account whose clock moved is an hour ahead of the injected time"
    );
    let grant = c
        .post(
            &format!("/v1/admin/accounts/{}/grants", moved.id),
            Some(ADMIN),
            json!({"kind": "promotion", "credits": 5, "expires_in_days": 1, "note": "sorry"}),
        )
        .ok("grant credits");
    assert_eq!(
        (
            at(&grant["granted_at"], "granted_at"),
            at(&grant["expires_at"], "expires_at")
        ),
        (later, later + TimeDelta::hours(24)),
        "an admin grant is made on the account's moved clock: {grant}"
    );
}

/// Publication times are not in any answer: read them from the engine's registry.
#[test]
fn policies_are_published_at_the_injected_time() {
    let server = fixed_server(0.0);
    let c = &server.client;
    let served = c.get("/v1/policy", None).ok("the built-in policy");
    let mut next: Value = serde_json::from_str(served["document"].as_str().expect("document"))
        .expect("a JSON document");
    next["version"] = json!("clock-test.1");
    c.put("/v1/admin/policy", Some(ADMIN), next)
        .ok("publish a new version");
    let times: Vec<(String, i64)> = crate::support::with_database(server.data_dir(), async |db| {
        db.query(
            "SELECT version, published_at FROM policies ORDER BY seq",
            &[],
        )
        .await
        .expect("the policies are read")
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect()
    })
    .unwrap_or_else(|| {
        let registry = rusqlite::Connection::open(server.data_dir().join("server.sqlite3"))
            .expect("the registry opens");
        registry
            .prepare("SELECT version, published_at FROM policies ORDER BY seq")
            .expect("query")
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("readable rows")
    });
    let builtin = served["version"].as_str().expect("version").to_owned();
    assert_eq!(
        times,
        vec![
            (builtin, t0().as_millis()),
            ("clock-test.1".to_owned(), t0().as_millis())
        ],
        "the built-in policy (published at start) and the new one are both recorded at the injected time"
    );
}
