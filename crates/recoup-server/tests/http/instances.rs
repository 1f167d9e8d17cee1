//! Several endpoints on one PostgreSQL database (issue 10): the guarantees hold in the
//! database, not in one process's memory. Three `recoup-server` processes share a database;
//! claims race across them, a review is decided on one while the claim is resent to another,
//! a device syncs through all of them in turn, an instance is killed (SIGKILL) in the middle of
//! load. After each: one refund per generation, every claim exactly one final answer, and a
//! device's copy of the ledger that verifies and agrees with the endpoint's.
//!
//! These run in the suite's PostgreSQL run (`RECOUP_TEST_ENGINE=postgres`); the SQLite engine
//! is one process by design.

use std::thread;
use std::time::Duration;

use recoup_store::{ChangePage, Store};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    ADMIN, Account, Client, Process, blocking_client, claim_body, database_for, on_postgres,
};

/// `n` endpoints on one fresh database, sharing the policy-signing key (as every instance
/// behind one load balancer must), each with a generator that always succeeds.
struct Cluster {
    instances: Vec<Process>,
    _dir: tempfile::TempDir,
}

impl Cluster {
    fn start(n: usize) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let url = database_for(dir.path()).expect("a PostgreSQL run");
        Self::on(&url, n, dir)
    }

    /// `n` endpoints on the database at `url`, their data dirs in `dir`.
    fn on(url: &str, n: usize, dir: tempfile::TempDir) -> Self {
        let args = ["--sandbox", "--failure-rate", "0", "--bad-rate", "0"];
        let first = dir.path().join("i0");
        let mut instances = vec![Process::start_on_database(url, &first, &args)];
        for i in 1..n {
            let data = dir.path().join(format!("i{i}"));
            std::fs::create_dir_all(&data).expect("a data dir");
            std::fs::copy(
                first.join("policy-signing.key"),
                data.join("policy-signing.key"),
            )
            .expect("the signing key is shared");
            instances.push(Process::start_on_database(url, &data, &args));
        }
        Self {
            instances,
            _dir: dir,
        }
    }

    fn client(&self, i: usize) -> &Client {
        &self.instances[i % self.instances.len()].client
    }

    /// Every instance's generator makes bad (blank) outputs from now on, or usable ones.
    fn bad_outputs(&self, bad: bool) {
        for p in &self.instances {
            p.client.set_generator(0.0, if bad { 1.0 } else { 0.0 });
        }
    }
}

fn skip() -> bool {
    if !on_postgres() {
        eprintln!(
            "runs in the PostgreSQL run of the suite (several instances need a shared database)"
        );
    }
    !on_postgres()
}

/// A claim sent without the answer being required: `None` when the instance did not answer
/// (killed, or not listening any more).
fn try_claim(base: &str, a: &Account, body: &Value) -> Option<(u16, Value)> {
    let agent = blocking_client(Duration::from_secs(30));
    let resp = agent
        .post(format!("{base}/v1/claims"))
        .header("authorization", format!("Bearer {}", a.token))
        .json(body)
        .send()
        .ok()?;
    let status = resp.status().as_u16();
    let json = resp.json::<Value>().ok()?;
    Some((status, json))
}

/// A device's copy of an account's ledger, kept across syncs (its cursor with it).
struct Device {
    store: Store,
    cursor: String,
    _dir: tempfile::TempDir,
}

impl Device {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self {
            store: Store::open(&dir.path().join("device.sqlite3")).expect("a device store"),
            cursor: String::new(),
            _dir: dir,
        }
    }

    /// Pulls the feed to its end, page `k` from `clients[k % n]` (the cursor of one instance
    /// handed to the next), applying every page.
    fn sync(&mut self, clients: &[&Client], a: &Account) {
        for page_no in 0..10_000 {
            let page = clients[page_no % clients.len()]
                .get(
                    &format!("/v1/changes?cursor={}&limit=7", self.cursor),
                    Some(&a.token),
                )
                .ok("a page of the change feed");
            let changes = serde_json::from_value(page["changes"].clone()).expect("the feed's rows");
            self.cursor = page["cursor"].as_str().expect("a cursor").to_owned();
            let has_more = page["has_more"].as_bool().expect("has_more");
            self.store
                .apply_changes(
                    &ChangePage {
                        changes,
                        last_seq: 0,
                        has_more,
                    },
                    &self.cursor,
                )
                .expect("the device applies every page, whichever instance served it");
            if !has_more {
                return;
            }
        }
        panic!("the change feed did not end within 10000 pages");
    }

    /// The device's ledger verifies and its balance is the endpoint's.
    fn agrees(&self, endpoint: &Client, a: &Account) {
        let totals = self.store.verify().expect("the device's ledger verifies");
        assert_eq!(
            serde_json::to_value(totals).expect("json"),
            endpoint.view(a)["balance"]["totals"],
            "the device's ledger agrees with the endpoint's"
        );
    }
}

/// A device's copy of the account's ledger, pulled through the instances in turn: it must
/// verify, and its balance must be the endpoint's.
fn device_agrees(cluster: &Cluster, a: &Account) {
    let mut device = Device::new();
    let clients: Vec<&Client> = cluster.instances.iter().map(|p| &p.client).collect();
    device.sync(&clients, a);
    device.agrees(cluster.client(1), a);
}

/// The refund entries of an account's ledger, and their credits.
fn refunds(c: &Client, a: &Account) -> (usize, u64) {
    let entries = c.entries(a, "refund");
    let credits = entries
        .iter()
        .map(|e| e["credits"].as_u64().expect("credits"))
        .sum();
    (entries.len(), credits)
}

#[test]
fn claims_racing_over_three_instances_give_one_refund_per_generation() {
    if skip() {
        return;
    }
    let cluster = Cluster::start(3);
    cluster.bad_outputs(true);
    let a = cluster.client(0).account();
    let g = cluster.client(1).generate(&a, "flat_lay", "web");
    let cost = g["cost"].as_u64().expect("a cost");
    let same = Uuid::now_v7();
    let answers: Vec<(Uuid, Option<(u16, Value)>)> = thread::scope(|s| {
        let mut handles = Vec::new();
        for i in 0..6 {
            let base = cluster.client(i).base.clone();
            let (a, g) = (a.clone(), g.clone());
            // Half the senders repeat one claim, the others each make their own.
            let id = if i % 2 == 0 { same } else { Uuid::now_v7() };
            handles.push(s.spawn(move || {
                (
                    id,
                    try_claim(&base, &a, &claim_body(id, &g, "all one colour")),
                )
            }));
        }
        handles
            .into_iter()
            .map(|h| h.join().expect("a sender"))
            .collect()
    });
    let mut refunded_ids = std::collections::HashSet::new();
    for (id, answer) in &answers {
        let (status, body) = answer.as_ref().expect("every instance answers");
        assert_eq!(*status, 200, "a claim is answered 200: {body}");
        match body["verdict"]["outcome"].as_str() {
            Some("refunded") => {
                refunded_ids.insert(*id);
            }
            Some("not_refunded") => assert_eq!(
                body["verdict"]["code"], "already_claimed",
                "the claims that lose the race are told the generation was already reported: {body}"
            ),
            other => panic!("unexpected outcome {other:?}: {body}"),
        }
    }
    assert_eq!(
        refunded_ids.len(),
        1,
        "one claim id wins, whichever instance it reached: {answers:?}"
    );
    assert_eq!(
        refunds(cluster.client(2), &a),
        (1, cost),
        "one refund of the whole charge"
    );
    device_agrees(&cluster, &a);
}

#[test]
fn a_review_decided_on_one_instance_while_the_claim_is_resent_to_another_refunds_once() {
    if skip() {
        return;
    }
    let cluster = Cluster::start(3);
    let a = cluster.client(0).account();
    let g = cluster.client(0).generate(&a, "virtual_model", "web");
    let claim = Uuid::now_v7();
    let body = claim_body(claim, &g, "the face looks wrong");
    let first = cluster
        .client(0)
        .post("/v1/claims", Some(&a.token), body.clone())
        .ok("the claim");
    assert_eq!(
        first["verdict"]["outcome"], "in_review",
        "a usable output goes to a person: {first}"
    );
    let (decision, resent) = thread::scope(|s| {
        let review = s.spawn(|| {
            cluster
                .client(1)
                .post(
                    &format!("/v1/admin/reviews/{}/{claim}", a.id),
                    Some(ADMIN),
                    json!({"approve": true, "note": "clearly broken"}),
                )
                .ok("the operator approves it")
        });
        let resend = s.spawn(|| {
            (0..5)
                .map(|_| {
                    cluster
                        .client(2)
                        .post("/v1/claims", Some(&a.token), body.clone())
                        .ok("the claim, again")
                })
                .collect::<Vec<_>>()
        });
        (
            review.join().expect("the reviewer"),
            resend.join().expect("the device"),
        )
    });
    assert_eq!(
        decision["outcome"], "refunded",
        "the approval refunds: {decision}"
    );
    for r in &resent {
        let outcome = r["verdict"]["outcome"].as_str().unwrap_or_default();
        assert!(
            outcome == "in_review" || outcome == "refunded",
            "a resent claim answers its state, before or after the decision: {r}"
        );
    }
    let after = cluster
        .client(2)
        .post("/v1/claims", Some(&a.token), body)
        .ok("the claim once more");
    assert_eq!(
        after["verdict"]["outcome"], "refunded",
        "after the decision every instance answers it: {after}"
    );
    assert_eq!(
        refunds(cluster.client(0), &a),
        (1, g["cost"].as_u64().expect("a cost")),
        "one refund"
    );
    let queue = cluster
        .client(2)
        .get("/v1/admin/reviews", Some(ADMIN))
        .ok("the queue");
    assert_eq!(queue, json!([]), "the decided claim left the queue");
    device_agrees(&cluster, &a);
}

#[test]
fn an_instance_killed_in_the_middle_of_load_loses_and_doubles_nothing() {
    if skip() {
        return;
    }
    let mut cluster = Cluster::start(3);
    cluster.bad_outputs(true);
    let accounts: Vec<Account> = (0..3).map(|i| cluster.client(i).account()).collect();
    // 3 accounts x 12 bad generations, each made on an instance in turn.
    let mut work: Vec<(Account, Value, Uuid)> = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        for k in 0..12 {
            let g = cluster.client(i + k).generate(a, "logo", "web");
            work.push((a.clone(), g, Uuid::now_v7()));
        }
    }
    let bases: Vec<String> = (0..3).map(|i| cluster.client(i).base.clone()).collect();
    let victim = cluster.instances.remove(1);
    let answered: Vec<(usize, Option<(u16, Value)>)> = thread::scope(|s| {
        let senders: Vec<_> = (0..3)
            .map(|t| {
                let (work, bases) = (&work, &bases);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (n, (a, g, id)) in work.iter().enumerate().filter(|(n, _)| n % 3 == t) {
                        let base = &bases[n % 3];
                        out.push((n, try_claim(base, a, &claim_body(*id, g, "blank"))));
                        thread::sleep(Duration::from_millis(15));
                    }
                    out
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(120));
        drop(victim); // SIGKILL, in the middle of the load
        senders
            .into_iter()
            .flat_map(|h| h.join().expect("a sender"))
            .collect()
    });
    let lost = answered.iter().filter(|(_, a)| a.is_none()).count();
    eprintln!(
        "{lost} of {} claims got no answer from the killed instance",
        work.len()
    );
    assert!(
        lost >= 1,
        "the instance was killed while claims were still being sent to it"
    );
    // Every claim the killed instance did not answer is sent again to a live one: the same
    // claim id answers what was decided, or decides it now.
    let survivors = [&cluster.instances[0].client, &cluster.instances[1].client];
    for (n, answer) in &answered {
        let (a, g, id) = &work[*n];
        let again = survivors[n % 2]
            .post("/v1/claims", Some(&a.token), claim_body(*id, g, "blank"))
            .ok("the claim, to a live instance");
        if let Some((200, first)) = answer {
            assert_eq!(
                first["verdict"], again["verdict"],
                "an answered claim keeps its answer on every instance"
            );
        }
        assert_eq!(
            again["verdict"]["outcome"], "refunded",
            "a blank output is refunded, once: {again}"
        );
    }
    for a in &accounts {
        let (n, _) = refunds(survivors[0], a);
        assert_eq!(
            n, 12,
            "one refund per generation of {}, none lost, none doubled",
            a.id
        );
        device_agrees(&cluster, a);
    }
}

#[test]
fn postgresql_stopped_as_in_a_crash_and_restarted_in_the_middle_of_load_loses_and_doubles_nothing()
{
    if skip() {
        return;
    }
    // A server of this test's own: stopping the suite's shared one would fail the other tests.
    let mut pg = recoup_store_pg::harness::PgServer::start_new()
        .unwrap_or_else(|e| panic!("this test's own PostgreSQL must start: {e}"));
    let url = pg
        .create_database("crash")
        .unwrap_or_else(|e| panic!("its database must be created: {e}"));
    let cluster = Cluster::on(&url, 2, tempfile::tempdir().expect("tempdir"));
    cluster.bad_outputs(true);
    let accounts: Vec<Account> = (0..2).map(|i| cluster.client(i).account()).collect();
    let mut work: Vec<(Account, Value, Uuid)> = Vec::new();
    for (i, a) in accounts.iter().enumerate() {
        for k in 0..15 {
            let g = cluster.client(i + k).generate(a, "text", "ios");
            work.push((a.clone(), g, Uuid::now_v7()));
        }
    }
    let bases: Vec<String> = (0..2).map(|i| cluster.client(i).base.clone()).collect();
    let answered: Vec<(usize, Option<(u16, Value)>)> = thread::scope(|s| {
        let senders: Vec<_> = (0..2)
            .map(|t| {
                let (work, bases) = (&work, &bases);
                s.spawn(move || {
                    let mut out = Vec::new();
                    for (n, (a, g, id)) in work.iter().enumerate().filter(|(n, _)| n % 2 == t) {
                        out.push((n, try_claim(&bases[n % 2], a, &claim_body(*id, g, "blank"))));
                        thread::sleep(Duration::from_millis(20));
                    }
                    out
                })
            })
            .collect();
        thread::sleep(Duration::from_millis(100));
        pg.stop_immediate()
            .unwrap_or_else(|e| panic!("PostgreSQL stops as in a crash: {e}"));
        thread::sleep(Duration::from_millis(300));
        pg.start()
            .unwrap_or_else(|e| panic!("PostgreSQL restarts and recovers: {e}"));
        senders
            .into_iter()
            .flat_map(|h| h.join().expect("a sender"))
            .collect()
    });
    let unavailable = answered
        .iter()
        .filter(|(_, a)| a.as_ref().is_none_or(|(status, _)| *status != 200))
        .count();
    eprintln!(
        "{unavailable} of {} claims were not decided while PostgreSQL was down",
        work.len()
    );
    for (_, answer) in &answered {
        if let Some((status, body)) = answer {
            assert!(
                *status == 200 || (*status == 503 && body["code"] == "unavailable"),
                "while the database is down a claim is answered 503 unavailable (try again), never a 500: {status} {body}"
            );
        }
    }
    assert!(
        unavailable >= 1,
        "the database went down while claims were being decided"
    );
    // Every claim is sent again once the database is back: an answered one keeps its answer,
    // one that was refused with 503 (nothing written) is decided now.
    for (n, answer) in &answered {
        let (a, g, id) = &work[*n];
        let mut again = None;
        for _ in 0..100 {
            match try_claim(&bases[n % 2], a, &claim_body(*id, g, "blank")) {
                Some((200, body)) => {
                    again = Some(body);
                    break;
                }
                _ => thread::sleep(Duration::from_millis(100)),
            }
        }
        let again = again.expect("every claim is decided once the database is back");
        if let Some((200, first)) = answer {
            assert_eq!(
                first["verdict"], again["verdict"],
                "a decided claim kept its decision through the crash"
            );
        }
        assert_eq!(
            again["verdict"]["outcome"], "refunded",
            "a blank output is refunded: {again}"
        );
    }
    for a in &accounts {
        let (n, _) = refunds(cluster.client(0), a);
        assert_eq!(
            n, 15,
            "one refund per generation of {}, none lost, none doubled",
            a.id
        );
        device_agrees(&cluster, a);
    }
}

#[test]
fn a_database_dumped_and_restored_into_a_fresh_one_serves_on_and_a_device_syncs_on() {
    if skip() {
        return;
    }
    let pg = recoup_store_pg::harness::PgServer::start_new()
        .unwrap_or_else(|e| panic!("this test's own PostgreSQL must start: {e}"));
    let before = pg.create_database("before").expect("a database");
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("i0");
    let args = ["--sandbox", "--failure-rate", "0"];
    let first = Process::start_on_database(&before, &data, &args);
    let c = &first.client;
    let a = c.account();
    c.set_generator(0.0, 1.0);
    for _ in 0..3 {
        let g = c.generate(&a, "flat_lay", "web");
        c.post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "blank"),
        )
        .ok("a claim");
    }
    c.set_generator(0.0, 0.0);
    let usable = c.generate(&a, "virtual_model", "web");
    let in_review = Uuid::now_v7();
    c.post(
        "/v1/claims",
        Some(&a.token),
        claim_body(in_review, &usable, "the hands"),
    )
    .ok("a claim for a person");
    let mut device = Device::new();
    device.sync(&[c], &a);
    device.agrees(c, &a);
    let view_before = c.view(&a);
    drop(first);

    // The operator's backup and restore (docs/operations.md): pg_dump, a fresh database,
    // pg_restore, an endpoint on it.
    let bin = recoup_store_pg::harness::bin_dir().expect("the PostgreSQL binaries are found");
    let dump = dir.path().join("recoup.dump");
    let ran = std::process::Command::new(bin.join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&before)
        .status()
        .expect("pg_dump runs");
    assert!(ran.success(), "pg_dump succeeds");
    let after = pg.create_database("after").expect("a fresh database");
    let ran = std::process::Command::new(bin.join("pg_restore"))
        .args(["--exit-on-error", "--dbname"])
        .arg(&after)
        .arg(&dump)
        .status()
        .expect("pg_restore runs");
    assert!(ran.success(), "pg_restore succeeds");

    let restored = Process::start_on_database(&after, &data, &args);
    let c = &restored.client;
    let view = c.view(&a);
    assert_eq!(
        (&view["balance"]["totals"], &view["balance"]["grants"]),
        (
            &view_before["balance"]["totals"],
            &view_before["balance"]["grants"]
        ),
        "the account, its token and its balance are all in the restored database"
    );
    let queue = c.get("/v1/admin/reviews", Some(ADMIN)).ok("the queue");
    assert_eq!(
        queue[0]["claim"]["claim_id"],
        json!(in_review),
        "the claim waiting for a person waits in the restored database"
    );
    c.post(
        &format!("/v1/admin/reviews/{}/{in_review}", a.id),
        Some(ADMIN),
        json!({"approve": true}),
    )
    .ok("the operator decides it on the restored database");
    c.set_generator(0.0, 1.0);
    let g = c.generate(&a, "logo", "android");
    c.post(
        "/v1/claims",
        Some(&a.token),
        claim_body(Uuid::now_v7(), &g, "blank"),
    )
    .ok("a new claim");
    device.sync(&[c], &a);
    device.agrees(c, &a);
    assert_eq!(
        refunds(c, &a).0,
        5,
        "three automatic refunds, the approval, the new claim: nothing lost, nothing doubled"
    );
}
