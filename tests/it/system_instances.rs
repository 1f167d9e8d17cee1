//! Webhooks from several endpoints on one PostgreSQL database (issue 10): three `recoup-server`
//! processes share a database, claims of one account are made through all of them, and the
//! product's receiver gets every event once, in the account's order: one instance at a time
//! holds an account's delivery lease. Then the instance that made the last events is killed
//! before it could deliver them, and another instance, finding them on its next look, delivers
//! them. Runs in the PostgreSQL run of the suite (`RECOUP_TEST_ENGINE=postgres`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use recoup_tests::receiver::Receiver;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::production::{Endpoint, start_on};

const ADMIN: &str = "it-Instances-admin-4Rk8Wq2Zn6Lp";

/// Three sandbox instances on one database, sharing the signing key; their generators always
/// make blank outputs (every claim refunded at once: two events each).
fn cluster(dir: &std::path::Path, url: &str) -> Vec<Endpoint> {
    let args = [
        "--sandbox",
        "--failure-rate",
        "0",
        "--bad-rate",
        "1",
        "--webhook-timeout-secs",
        "1",
        "--webhook-retry-first-ms",
        "100",
        "--webhook-retry-max-secs",
        "1",
    ];
    let first = dir.join("i0");
    let mut out = vec![start_on(&first, ADMIN, &args, Some(url.to_owned()))];
    for i in 1..3 {
        let data = dir.join(format!("i{i}"));
        std::fs::create_dir_all(&data).expect("a data dir");
        std::fs::copy(
            first.join("policy-signing.key"),
            data.join("policy-signing.key"),
        )
        .expect("the signing key is shared");
        out.push(start_on(&data, ADMIN, &args, Some(url.to_owned())));
    }
    out
}

fn agent() -> reqwest::blocking::Client {
    recoup_tests::http_client(Some(Duration::from_secs(30)))
}

fn post(base: &str, path: &str, token: Option<&str>, body: &Value) -> Value {
    let mut req = agent().post(format!("{base}{path}"));
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let r = req.json(body).send().expect("the endpoint answers");
    assert!(r.status().is_success(), "{path} answered {}", r.status());
    r.json().expect("a JSON answer")
}

/// A generation made on `gen_on` and its claim sent to `claim_on`.
fn refunded_claim(gen_on: &Endpoint, claim_on: &Endpoint, token: &str) {
    let g = post(
        &gen_on.1,
        "/v1/generations",
        Some(token),
        &json!({"generation_id": Uuid::now_v7(), "feature": "flat_lay", "platform": "web", "surface": "editor"}),
    );
    let answer = post(
        &claim_on.1,
        "/v1/claims",
        Some(token),
        &json!({
            "claim_id": Uuid::now_v7(),
            "generation_id": g["generation"]["generation_id"],
            "reason": "blank_or_corrupted",
            "details": "all one colour",
        }),
    );
    assert_eq!(
        answer["verdict"]["outcome"], "refunded",
        "a blank output is refunded: {answer}"
    );
}

/// The events the receiver got, by id, each with how many times it came.
fn received(receiver: &Receiver) -> (Vec<Value>, BTreeMap<String, usize>) {
    let mut events = Vec::new();
    let mut times: BTreeMap<String, usize> = BTreeMap::new();
    for d in receiver.deliveries() {
        let event: Value = serde_json::from_slice(&d.body).expect("a JSON event");
        let id = event["id"].as_str().expect("an id").to_owned();
        *times.entry(id).or_default() += 1;
        if times[event["id"].as_str().expect("an id")] == 1 {
            events.push(event);
        }
    }
    (events, times)
}

fn wait_for(receiver: &Receiver, n: usize, within: Duration) -> Vec<Value> {
    let deadline = Instant::now() + within;
    loop {
        let (events, _) = received(receiver);
        if events.len() >= n || Instant::now() > deadline {
            return events;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn three_instances_deliver_every_event_once_in_order_and_take_over_from_one_that_died() {
    if !recoup_store_pg::harness::postgres_run() {
        eprintln!(
            "runs in the PostgreSQL run of the suite (several instances need a shared database)"
        );
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let url = recoup_store_pg::harness::database_for(dir.path()).expect("a PostgreSQL run");
    let mut instances = cluster(dir.path(), &url);
    let receiver = Receiver::start();
    post(
        &instances[0].1,
        "/v1/admin/webhooks",
        Some(ADMIN),
        &json!({"url": receiver.url(), "events": ["claim.decided", "refund.posted"]}),
    );
    let account = post(&instances[1].1, "/v1/accounts", None, &json!({}));
    let token = account["token"].as_str().expect("a token").to_owned();
    for k in 0..6 {
        refunded_claim(&instances[k % 3], &instances[(k + 1) % 3], &token);
    }
    let events = wait_for(&receiver, 12, Duration::from_secs(60));
    assert_eq!(
        events.len(),
        12,
        "six claims decided and refunded through three instances make twelve events"
    );
    std::thread::sleep(Duration::from_secs(2));
    let (events, times) = received(&receiver);
    assert!(
        times.values().all(|n| *n == 1),
        "no event came twice, whichever instances made and saw it: {times:?}"
    );
    let sequences: Vec<i64> = events
        .iter()
        .map(|e| e["sequence"].as_i64().expect("a sequence"))
        .collect();
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "the account's events arrive in its order: {sequences:?}"
    );

    // The instance that makes the next events dies before it can deliver them: the receiver
    // is down while they are made, so they wait in the database; it comes back after the kill.
    let stopped = receiver.stop();
    refunded_claim(&instances[2], &instances[2], &token);
    let victim = instances.remove(2);
    drop(victim); // SIGKILL
    let receiver = stopped.restart();
    let events = wait_for(&receiver, 14, Duration::from_secs(90));
    let types: Vec<&str> = events
        .iter()
        .skip(12)
        .map(|e| e["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        types,
        vec!["claim.decided", "refund.posted"],
        "the events the dead instance made are delivered by another one"
    );
}
