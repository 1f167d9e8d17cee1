//! `recoup admin` end to end: a real endpoint (the recoup-server library on loopback, on its own
//! runtime), a user driving the `recoup` binary with a linked data dir, and an operator driving
//! `recoup admin` against the same endpoint with its admin token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::{Command, Output};

use recoup_server::Config;
use serde_json::Value;

const ADMIN_TOKEN: &str = "cli-Adm1n-7Kq9xZ2pLw4Rv8Nc3Hy6Bj5";
const STARTING_ALLOWANCE: u64 = 100;
/// The built-in price of a virtual model generation.
const VIRTUAL_MODEL_PRICE: u64 = 4;

/// A running endpoint (the shared test endpoint with this file's admin token and allowance).
struct Endpoint {
    url: String,
    _inner: recoup_tests::system::Endpoint,
}

impl Endpoint {
    /// A sandbox or production endpoint whose generator never fails and, until told
    /// otherwise, always makes deliberately bad outputs.
    fn start(sandbox: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let config = Config {
            admin_token: ADMIN_TOKEN.to_owned(),
            starting_allowance: STARTING_ALLOWANCE,
            ..recoup_tests::system::Endpoint::config(dir.path(), sandbox)
        };
        let inner = recoup_tests::system::Endpoint::start_with(dir, config);
        Self {
            url: inner.url(),
            _inner: inner,
        }
    }
}

/// `recoup` with a clean environment: no data dir or token from the caller's environment, and
/// HOME/XDG_DATA_HOME pointing at `home` so a data dir created by mistake would show there.
fn recoup(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_recoup"));
    cmd.args(args)
        .env_remove("RECOUP_DATA_DIR")
        .env_remove("RECOUP_TOKEN")
        .env_remove("RECOUP_ADMIN_TOKEN")
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("xdg"));
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the recoup binary runs")
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("recoup printed JSON ({e}): {}", text(out)))
}

/// The operator: `recoup admin --endpoint URL --admin-token TOKEN ...`, with no data dir.
struct Operator {
    url: String,
    token: String,
    home: tempfile::TempDir,
}

impl Operator {
    fn new(endpoint: &Endpoint) -> Self {
        Self::with_token(endpoint, ADMIN_TOKEN)
    }

    fn with_token(endpoint: &Endpoint, token: &str) -> Self {
        Self {
            url: endpoint.url.clone(),
            token: token.to_owned(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn raw(&self, json: bool, args: &[&str]) -> Output {
        let mut all = Vec::new();
        if json {
            all.push("--json");
        }
        all.extend([
            "admin",
            "--endpoint",
            &self.url,
            "--admin-token",
            &self.token,
        ]);
        all.extend_from_slice(args);
        recoup(self.home.path(), &all, &[])
    }

    /// `--json`, expecting success.
    fn ok(&self, args: &[&str]) -> Value {
        let out = self.raw(true, args);
        assert!(
            out.status.success(),
            "recoup admin {args:?} should succeed: {}",
            text(&out)
        );
        json_of(&out)
    }

    /// Human output, expecting success.
    fn say(&self, args: &[&str]) -> String {
        let out = self.raw(false, args);
        assert!(
            out.status.success(),
            "recoup admin {args:?} should succeed: {}",
            text(&out)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// `--json`, expecting failure; returns the error object.
    fn err(&self, args: &[&str]) -> Value {
        let out = self.raw(true, args);
        assert!(
            !out.status.success(),
            "recoup admin {args:?} should fail: {}",
            text(&out)
        );
        json_of(&out)["error"].clone()
    }

    /// Nothing was created in the operator's home: the admin commands use no data dir.
    fn assert_no_data_dir(&self) {
        let entries: Vec<_> = std::fs::read_dir(self.home.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert!(
            entries.is_empty(),
            "the admin commands must not create a data dir, found {entries:?}"
        );
    }
}

/// A user with a linked data dir.
struct User {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
    account_id: String,
}

impl User {
    fn login(endpoint: &Endpoint) -> Self {
        let mut user = Self {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
            account_id: String::new(),
        };
        let v = user.ok(&["login", "--endpoint", &endpoint.url, "--create"]);
        user.account_id = v["account_id"]
            .as_str()
            .unwrap_or_else(|| panic!("login names the account: {v}"))
            .to_owned();
        user
    }

    fn raw(&self, args: &[&str]) -> Output {
        let mut all = vec!["--data-dir", self.dir.path().to_str().unwrap(), "--json"];
        all.extend_from_slice(args);
        recoup(self.home.path(), &all, &[])
    }

    fn ok(&self, args: &[&str]) -> Value {
        let out = self.raw(args);
        assert!(
            out.status.success(),
            "recoup {args:?} should succeed: {}",
            text(&out)
        );
        json_of(&out)
    }

    /// A virtual model on the web editor (refundable by the built-in policy) on the endpoint.
    fn generate(&self) -> String {
        let v = self.ok(&["generate", "--feature", "virtual_model"]);
        assert_eq!(
            v["generation"]["status"], "succeeded",
            "the sandbox generator never fails: {v}"
        );
        v["generation"]["generation_id"]
            .as_str()
            .unwrap_or_else(|| panic!("generate names the generation: {v}"))
            .to_owned()
    }

    fn report(&self, generation: &str, details: &str) -> String {
        let v = self.ok(&[
            "report",
            generation,
            "--reason",
            "artifacts_or_distortions",
            "--details",
            details,
        ]);
        assert_eq!(
            v["local_decision"]["eligible"],
            Value::Bool(true),
            "a fresh virtual model on the web editor is refundable on the device: {v}"
        );
        v["claim_id"]
            .as_str()
            .unwrap_or_else(|| panic!("report names the claim: {v}"))
            .to_owned()
    }

    fn sync(&self) -> Value {
        self.ok(&["sync"])
    }

    fn available(&self) -> u64 {
        let v = self.ok(&["balance"]);
        v["totals"]["available"]
            .as_u64()
            .unwrap_or_else(|| panic!("balance has totals.available: {v}"))
    }

    fn claim(&self, claim_id: &str) -> Value {
        let v = self.ok(&["claims"]);
        v.as_array()
            .unwrap_or_else(|| panic!("claims is a list: {v}"))
            .iter()
            .find(|c| c["claim_id"] == claim_id)
            .cloned()
            .unwrap_or_else(|| panic!("claim {claim_id} is listed: {v}"))
    }

    /// Syncs until every claim in `ids` has an outcome other than in review (at most 5 rounds).
    fn sync_until_decided(&self, ids: &[&str]) {
        for _ in 0..5 {
            self.sync();
            let decided = ids.iter().all(|id| {
                let c = self.claim(id);
                !c["outcome"].is_null() && c["outcome"] != "in_review"
            });
            if decided {
                return;
            }
        }
        panic!("the decisions on {ids:?} did not arrive in 5 syncs");
    }
}

fn review_ids(reviews: &Value) -> Vec<(String, String)> {
    reviews
        .as_array()
        .unwrap_or_else(|| panic!("reviews is a list: {reviews}"))
        .iter()
        .map(|i| {
            (
                i["account_id"].as_str().unwrap_or_default().to_owned(),
                i["claim"]["claim_id"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

#[test]
fn claims_in_review_are_approved_and_rejected_and_the_user_sees_both() {
    let endpoint = Endpoint::start(true);
    let operator = Operator::new(&endpoint);
    let settings = operator.ok(&["generator", "--failure-rate", "0", "--bad-rate", "0"]);
    assert_eq!(
        settings,
        serde_json::json!({"failure_rate": 0.0, "bad_rate": 0.0}),
        "the generator answers the settings in force"
    );

    let user = User::login(&endpoint);
    let kept = user.generate();
    let refused = user.generate();
    assert_eq!(
        user.available(),
        STARTING_ALLOWANCE - 2 * VIRTUAL_MODEL_PRICE,
        "two virtual models were charged"
    );
    let approve_me = user.report(&kept, "The model has an extra arm");
    let reject_me = user.report(&refused, "I do not like the pose");
    let report = user.sync();
    assert_eq!(
        report["in_review"], 2,
        "usable outputs are not clearly unusable: both claims go to a person: {report}"
    );

    assert_eq!(
        operator.ok(&["reviews"]).as_array().map(Vec::len),
        Some(2),
        "the review queue holds the two claims"
    );
    let queue = operator.ok(&["reviews"]);
    let ids = review_ids(&queue);
    for claim in [&approve_me, &reject_me] {
        assert!(
            ids.contains(&(user.account_id.clone(), claim.clone())),
            "claim {claim} of account {} is in the queue: {queue}",
            user.account_id
        );
    }
    let item = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["claim"]["claim_id"] == approve_me.as_str())
        .unwrap();
    assert_eq!(
        item["claim"]["details"], "The model has an extra arm",
        "the reviewer reads the user's details"
    );
    let table = operator.say(&["reviews"]);
    for needle in [
        "account",
        "claim",
        "generation",
        "reason",
        "details",
        "submitted",
        user.account_id.as_str(),
        approve_me.as_str(),
        kept.as_str(),
        "artifacts_or_distortions",
        "The model has an extra arm",
    ] {
        assert!(
            table.contains(needle),
            "the reviews table shows {needle:?}: {table}"
        );
    }

    let approved = operator.say(&["approve", &user.account_id, &approve_me]);
    assert!(
        approved.contains(&format!(
            "Refunded {VIRTUAL_MODEL_PRICE} credits to account {}",
            user.account_id
        )),
        "approve says what was refunded to whom: {approved}"
    );
    let rejected = operator.say(&["reject", &user.account_id, &reject_me]);
    assert!(
        rejected.contains("Rejected: not clearly unusable; the user is thanked for the feedback"),
        "reject says what the user is told: {rejected}"
    );
    let again = operator.err(&["approve", &user.account_id, &reject_me]);
    assert_eq!(
        again["code"], "invalid_state",
        "a decided claim cannot be decided again: {again}"
    );
    assert_eq!(
        operator.ok(&["reviews"]),
        serde_json::json!([]),
        "the queue is empty once both are decided"
    );
    assert!(
        operator.say(&["reviews"]).contains("No claims waiting"),
        "an empty queue says so"
    );

    user.sync_until_decided(&[&approve_me, &reject_me]);
    let c = user.claim(&approve_me);
    assert_eq!(c["outcome"], "refunded", "the approved claim: {c}");
    assert_eq!(
        c["refunded_credits"], VIRTUAL_MODEL_PRICE,
        "the approved claim refunds what was charged: {c}"
    );
    let c = user.claim(&reject_me);
    assert_eq!(c["outcome"], "not_refunded", "the rejected claim: {c}");
    assert_eq!(
        c["outcome_code"], "not_clearly_unusable",
        "the rejected claim names why: {c}"
    );
    assert_eq!(
        user.available(),
        STARTING_ALLOWANCE - VIRTUAL_MODEL_PRICE,
        "the refund is back in the user's balance"
    );
    let balance = user.ok(&["balance"]);
    assert_eq!(
        balance["totals"]["refunded"], VIRTUAL_MODEL_PRICE,
        "the ledger shows the refund: {balance}"
    );
    operator.assert_no_data_dir();
}

#[test]
fn a_policy_is_checked_here_then_published_and_the_next_sync_puts_it_in_force() {
    let endpoint = Endpoint::start(true);
    let operator = Operator::new(&endpoint);
    let user = User::login(&endpoint);
    let files = tempfile::tempdir().unwrap();
    let mut doc: Value = serde_json::from_str(&recoup_core::Policy::builtin().to_json()).unwrap();
    doc["version"] = "admin-cli-test-2".into();

    let mut bad = doc.clone();
    bad["safeguards"]["refunds_max"] = "lots".into();
    let bad_file = files.path().join("bad.json");
    std::fs::write(&bad_file, bad.to_string()).unwrap();
    let bad_path = bad_file.to_str().unwrap();
    // Pointed at a closed port: had anything been sent, the error would be a network one.
    let nowhere = Operator {
        url: "http://127.0.0.1:1".to_owned(),
        token: ADMIN_TOKEN.to_owned(),
        home: tempfile::tempdir().unwrap(),
    };
    let e = nowhere.err(&["publish-policy", bad_path]);
    assert_eq!(
        e["code"], "invalid_document",
        "a bad document is refused before any request: {e}"
    );
    let message = e["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("safeguards.refunds_max") && message.contains("nothing was sent"),
        "the refusal names the field and says nothing was sent: {e}"
    );
    let out = operator.raw(false, &["publish-policy", bad_path]);
    assert!(
        !out.status.success(),
        "a bad document fails against a live endpoint too: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("safeguards.refunds_max"),
        "the human error names the field: {}",
        text(&out)
    );
    let r = user.sync();
    assert_eq!(
        (&r["policy"]["status"], &r["policy"]["version"]),
        (
            &Value::from("unchanged"),
            &Value::from(recoup_core::Policy::builtin().version())
        ),
        "the endpoint still serves the built-in policy: {r}"
    );

    let good_file = files.path().join("good.json");
    std::fs::write(&good_file, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let signed = operator.ok(&["publish-policy", good_file.to_str().unwrap()]);
    assert_eq!(
        signed["version"], "admin-cli-test-2",
        "the published version: {signed}"
    );
    let first_seq = signed["seq"]
        .as_u64()
        .unwrap_or_else(|| panic!("a publication number: {signed}"));

    doc["version"] = "admin-cli-test-3".into();
    std::fs::write(&good_file, doc.to_string()).unwrap();
    let said = operator.say(&["publish-policy", good_file.to_str().unwrap()]);
    assert!(
        said.contains("Published policy admin-cli-test-3")
            && said.contains(&format!("publication {}", first_seq + 1)),
        "publish-policy prints the version and the next publication number: {said}"
    );

    let r = user.sync();
    assert_eq!(
        (&r["policy"]["status"], &r["policy"]["to"]),
        (&Value::from("updated"), &Value::from("admin-cli-test-3")),
        "the next sync puts the new policy in force: {r}"
    );
    let shown = user.ok(&["policy", "show"]);
    assert_eq!(
        shown["version"], "admin-cli-test-3",
        "the device decides with the published policy: {shown}"
    );
    operator.assert_no_data_dir();
    nowhere.assert_no_data_dir();
}

#[test]
fn grants_and_the_test_clock_reach_the_user() {
    let endpoint = Endpoint::start(true);
    let operator = Operator::new(&endpoint);
    let user = User::login(&endpoint);
    let before = user.available();
    let v = operator.ok(&[
        "grant",
        &user.account_id,
        "--credits",
        "10",
        "--expires-in-days",
        "1",
        "--note",
        "sorry for the outage",
    ]);
    assert_eq!(v["grant"]["credits"], 10, "the grant record: {v}");
    assert_eq!(v["grant"]["kind"], "promotion", "the default kind: {v}");
    let said = operator.say(&[
        "grant",
        &user.account_id,
        "--credits",
        "5",
        "--kind",
        "top_up",
    ]);
    assert!(
        said.contains("Granted 5 credits") && said.contains(&user.account_id),
        "grant says what was granted to whom: {said}"
    );
    user.sync();
    assert_eq!(
        user.available(),
        before + 15,
        "both grants arrive with the next sync"
    );

    let v = operator.ok(&["advance-clock", &user.account_id, "--secs", "172800"]);
    assert!(
        v["server_time"].is_string(),
        "advance-clock answers the account's new time: {v}"
    );
    user.sync();
    let balance = user.ok(&["balance"]);
    assert_eq!(
        balance["totals"]["available"],
        before + 5,
        "two days later the one-day grant has expired: {balance}"
    );
    operator.assert_no_data_dir();
}

#[test]
fn a_wrong_admin_token_is_refused_clearly() {
    let endpoint = Endpoint::start(true);
    let user = User::login(&endpoint);
    let creds: Value =
        serde_json::from_slice(&std::fs::read(user.dir.path().join("credentials.json")).unwrap())
            .unwrap();
    let user_token = creds["token"].as_str().unwrap();
    for token in ["not-the-admin-token", user_token] {
        let operator = Operator::with_token(&endpoint, token);
        let out = operator.raw(false, &["reviews"]);
        assert!(
            !out.status.success(),
            "a wrong admin token exits non-zero: {}",
            text(&out)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("refused the admin token") && stderr.contains("--admin-token"),
            "the message says the admin token was refused and how to pass it: {stderr}"
        );
        assert!(
            !stderr.contains(token),
            "the refused token is not printed: {stderr}"
        );
        let e = operator.err(&["approve", &user.account_id, &uuid_v7_like()]);
        assert_eq!(e["code"], "unauthorized", "JSON names the code: {e}");
        operator.assert_no_data_dir();
    }

    // The token can come from the environment, and the options can follow the subcommand.
    let home = tempfile::tempdir().unwrap();
    let out = recoup(
        home.path(),
        &["--json", "admin", "reviews", "--endpoint", &endpoint.url],
        &[("RECOUP_ADMIN_TOKEN", ADMIN_TOKEN)],
    );
    assert!(
        out.status.success(),
        "RECOUP_ADMIN_TOKEN is the admin token: {}",
        text(&out)
    );
    let out = recoup(
        home.path(),
        &["admin", "--endpoint", &endpoint.url, "reviews"],
        &[],
    );
    assert!(
        !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("admin token"),
        "no admin token at all is refused before any request: {}",
        text(&out)
    );
}

#[test]
fn sandbox_commands_say_when_the_endpoint_is_not_a_sandbox() {
    let endpoint = Endpoint::start(false);
    let operator = Operator::new(&endpoint);
    let account = uuid_v7_like();
    for args in [
        vec!["advance-clock", account.as_str(), "--secs", "60"],
        vec!["generator", "--failure-rate", "0", "--bad-rate", "0"],
    ] {
        let out = operator.raw(false, &args);
        assert!(
            !out.status.success(),
            "{args:?} fails on a production endpoint: {}",
            text(&out)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("is not a sandbox"),
            "{args:?} says the endpoint is not a sandbox: {stderr}"
        );
        let e = operator.err(&args);
        assert_eq!(e["code"], "sandbox_only", "{args:?}: {e}");
    }
    assert_eq!(
        operator.ok(&["reviews"]),
        serde_json::json!([]),
        "the review queue works on any endpoint"
    );
    let e = operator.err(&["grant", &account, "--credits", "5"]);
    assert_eq!(e["code"], "not_found", "an unknown account: {e}");
    let e = operator.err(&["generator", "--failure-rate", "2", "--bad-rate", "0"]);
    assert_eq!(
        e["code"], "invalid_input",
        "a rate above 1 is refused here: {e}"
    );
    operator.assert_no_data_dir();
}

/// A well-formed account or claim id that the endpoint does not know.
fn uuid_v7_like() -> String {
    recoup_core::ClaimId::new_v7().to_string()
}
