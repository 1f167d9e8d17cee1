//! The `recoup` binary end to end: a fresh data dir, real processes, JSON output parsed back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

use serde_json::Value;

struct Recoup {
    dir: tempfile::TempDir,
}

impl Recoup {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn raw(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_recoup"))
            .arg("--data-dir")
            .arg(self.dir.path())
            .args(args)
            .env_remove("RECOUP_DATA_DIR")
            .output()
            .unwrap()
    }

    /// Runs with --json and expects success.
    fn ok(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.raw(&all);
        assert!(
            out.status.success(),
            "recoup {args:?} should succeed; stdout: {} stderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Runs with --json and expects failure; returns the error code.
    fn err(&self, args: &[&str]) -> String {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.raw(&all);
        assert!(!out.status.success(), "recoup {args:?} should fail");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["error"]["code"].as_str().unwrap().to_owned()
    }

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("recoup.sqlite3")
    }
}

fn generate(r: &Recoup, args: &[&str]) -> String {
    let mut all = vec!["--now", "2026-11-25T10:00:00Z", "generate"];
    all.extend_from_slice(args);
    r.ok(&all)["generation"]["generation_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn codes(decision: &Value) -> Vec<String> {
    decision["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn policy_check_json_has_the_documented_shape() {
    let r = Recoup::new();
    let v = r.ok(&[
        "policy",
        "check",
        "--feature",
        "ai_backgrounds",
        "--platform",
        "android",
        "--surface",
        "editor",
    ]);
    assert_eq!(
        v["eligible"],
        Value::Bool(true),
        "AI Backgrounds is refundable on Android: {v}"
    );
    assert!(v["reasons"].as_array().unwrap().is_empty());
    assert_eq!(v["policy_version"], "builtin-2026-11-25");

    let v = r.ok(&[
        "policy",
        "check",
        "--feature",
        "ai_backgrounds",
        "--platform",
        "ios",
        "--surface",
        "batch_editor",
        "--age-secs",
        "90000",
    ]);
    assert_eq!(v["eligible"], Value::Bool(false));
    assert_eq!(
        codes(&v),
        [
            "feature_not_refundable",
            "surface_not_refundable",
            "window_expired"
        ]
    );
}

#[test]
fn unknown_identifiers_are_refused_with_the_valid_choices() {
    let r = Recoup::new();
    let out = r.raw(&[
        "policy",
        "check",
        "--feature",
        "teleport",
        "--platform",
        "web",
    ]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("unknown feature 'teleport'") && err.contains("virtual_model"),
        "{err}"
    );
    let out = r.raw(&[
        "policy",
        "check",
        "--feature",
        "logo",
        "--platform",
        "windows",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown platform 'windows'"));
}

#[test]
fn the_whole_flow_grant_generate_report_claims() {
    let r = Recoup::new();
    assert_eq!(
        r.err(&[
            "--now",
            "2026-11-25T10:00:00Z",
            "generate",
            "--feature",
            "logo"
        ]),
        "insufficient_credits"
    );
    r.ok(&["--now", "2026-11-25T09:00:00Z", "grant", "--credits", "50"]);
    let good = generate(&r, &["--feature", "virtual_model"]);
    let shadows = generate(&r, &["--feature", "ai_shadows", "--platform", "ios"]);
    let failed = generate(&r, &["--feature", "recolor", "--fail"]);

    let balance = r.ok(&["--now", "2026-11-25T10:00:00Z", "balance"]);
    assert_eq!(
        balance["totals"]["available"], 45,
        "50 - 4 (virtual model) - 1 (shadows), failure free"
    );
    assert_eq!(balance["totals"]["spent"], 5);

    let c = r.ok(&["--now", "2026-11-25T11:00:00Z", "check", &good]);
    assert_eq!(c["eligible"], Value::Bool(true));

    let claim = r.ok(&[
        "--now",
        "2026-11-25T11:00:00Z",
        "report",
        &good,
        "--reason",
        "artifacts_or_distortions",
        "--details",
        "Extra arm",
    ]);
    assert_eq!(claim["local_decision"]["eligible"], Value::Bool(true));
    assert_eq!(claim["sync_state"], "queued");

    assert_eq!(
        r.err(&[
            "--now",
            "2026-11-25T11:00:00Z",
            "report",
            &good,
            "--reason",
            "other",
            "--details",
            "again"
        ]),
        "already_claimed"
    );
    let fb = r.ok(&[
        "--now",
        "2026-11-25T11:00:00Z",
        "report",
        &shadows,
        "--reason",
        "wrong_subject",
        "--details",
        "Wrong side",
    ]);
    assert_eq!(
        fb["local_decision"]["eligible"],
        Value::Bool(false),
        "kept as feedback"
    );
    assert_eq!(codes(&fb["local_decision"]), ["feature_not_refundable"]);
    assert_eq!(
        r.err(&[
            "report",
            &failed,
            "--reason",
            "other",
            "--details",
            "broken"
        ]),
        "technical_failure"
    );

    let claims = r.ok(&["claims"]);
    assert_eq!(
        claims.as_array().unwrap().len(),
        2,
        "two reports kept: {claims}"
    );
    let claimed = r.ok(&["history", "--claimed"]);
    assert_eq!(claimed["items"].as_array().unwrap().len(), 2);

    let verify = r.ok(&["ledger", "--verify"]);
    assert_eq!(verify["ok"], Value::Bool(true));
}

#[test]
fn time_travel_closes_the_window() {
    let r = Recoup::new();
    r.ok(&["--now", "2026-11-25T09:00:00Z", "grant", "--credits", "50"]);
    let g = generate(&r, &["--feature", "logo"]);
    let late = r.ok(&["--now", "2026-11-26T10:00:01Z", "check", &g]);
    assert_eq!(codes(&late), ["window_expired"]);
    let on_time = r.ok(&["--now", "2026-11-26T10:00:00Z", "check", &g]);
    assert_eq!(
        on_time["eligible"],
        Value::Bool(true),
        "the last second still counts"
    );
    // The same through a clock offset (from the real clock): far in the future is always late.
    let offset = r.ok(&["--clock-offset-secs", "315360000", "check", &g]);
    assert!(codes(&offset).contains(&"window_expired".to_owned()));
}

#[test]
fn bad_input_writes_nothing() {
    let r = Recoup::new();
    r.ok(&["--now", "2026-11-25T09:00:00Z", "grant", "--credits", "50"]);
    let g = generate(&r, &["--feature", "logo"]);
    let long = "x".repeat(2_001);
    assert_eq!(
        r.err(&["report", &g, "--reason", "other", "--details", "  "]),
        "invalid_details"
    );
    assert_eq!(
        r.err(&["report", &g, "--reason", "other", "--details", &long]),
        "invalid_details"
    );
    assert_eq!(
        r.err(&[
            "report",
            "0192f3c4-5b6a-7c8d-9e0f-1a2b3c4d5e6f",
            "--reason",
            "other",
            "--details",
            "abc"
        ]),
        "not_found"
    );
    assert_eq!(r.err(&["grant", "--credits", "0"]), "invalid_input");
    assert!(
        r.ok(&["claims"]).as_array().unwrap().is_empty(),
        "no claim written"
    );
    let entries = r.ok(&["ledger", "--limit", "1000"]);
    assert_eq!(
        entries.as_array().unwrap().len(),
        3,
        "grant, hold, capture only: {entries}"
    );
}

#[test]
fn an_invalid_policy_file_is_refused_and_the_old_one_stays() {
    let r = Recoup::new();
    let doc = r.ok(&["policy", "show"]);
    let path = r.dir.path().join("p.json");

    let mut bad = doc.clone();
    bad["features"]["logo"]
        .as_object_mut()
        .unwrap()
        .remove("web");
    std::fs::write(&path, serde_json::to_vec(&bad).unwrap()).unwrap();
    let out = r.raw(&["policy", "load", path.to_str().unwrap()]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("features.logo.web"), "names the field: {err}");

    std::fs::write(&path, b"{ not json").unwrap();
    assert_eq!(
        r.err(&["policy", "load", path.to_str().unwrap()]),
        "invalid_document"
    );
    assert_eq!(
        r.ok(&["policy", "show"])["version"],
        "builtin-2026-11-25",
        "old policy stays"
    );

    let mut good = doc;
    good["version"] = "qa-1".into();
    good["features"]["ai_shadows"]["web"] = true.into();
    std::fs::write(&path, serde_json::to_vec(&good).unwrap()).unwrap();
    r.ok(&["policy", "load", path.to_str().unwrap()]);
    let v = r.ok(&[
        "policy",
        "check",
        "--feature",
        "ai_shadows",
        "--platform",
        "web",
    ]);
    assert_eq!(
        v["eligible"],
        Value::Bool(true),
        "the loaded policy is in force"
    );
    assert_eq!(v["policy_version"], "qa-1");
}

#[test]
fn a_corrupt_database_is_refused_and_left_as_it_was() {
    let r = Recoup::new();
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 31 % 251) as u8).collect();
    std::fs::write(r.db(), &garbage).unwrap();
    assert_eq!(r.err(&["balance"]), "corrupt_database");
    assert_eq!(
        std::fs::read(r.db()).unwrap(),
        garbage,
        "the damaged file is not modified"
    );
    let out = r.raw(&["balance"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("move it aside"));
}

#[test]
fn history_pages_with_a_cursor() {
    let r = Recoup::new();
    r.ok(&["--now", "2026-11-25T09:00:00Z", "grant", "--credits", "500"]);
    let mut made: Vec<String> = (0..7)
        .map(|_| generate(&r, &["--feature", "text"]))
        .collect();
    made.reverse();
    let p1 = r.ok(&["history", "--limit", "4"]);
    let next = p1["next"].as_str().unwrap().to_owned();
    let p2 = r.ok(&["history", "--limit", "4", "--before", &next]);
    assert!(p2["next"].is_null(), "7 items fit in two pages of 4");
    let seen: Vec<String> = p1["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(p2["items"].as_array().unwrap())
        .map(|g| g["generation_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, made, "every generation once, newest first");
}

#[test]
fn grant_is_idempotent_by_op_id() {
    let r = Recoup::new();
    let id = "01a21305-8c4c-72da-81bb-0f3bf2b4c584";
    r.ok(&["grant", "--credits", "10", "--op-id", id]);
    r.ok(&["grant", "--credits", "10", "--op-id", id]);
    assert_eq!(
        r.ok(&["balance"])["totals"]["granted"],
        10,
        "the repeat grants nothing"
    );
    assert_eq!(
        r.err(&["grant", "--credits", "11", "--op-id", id]),
        "idempotency_conflict"
    );
}

#[test]
fn human_output_says_what_to_do_next() {
    let r = Recoup::new();
    let out = r.raw(&["generate", "--feature", "logo"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("not enough credits") && err.contains("recoup grant"),
        "{err}"
    );
}

// ---- Linking to an endpoint. The end-to-end runs against the real server live in `tests/`;
// these check the CLI's side without one: what is refused, what is never done to a replica,
// and what happens when the endpoint cannot be reached.

/// Marks the data dir as linked to an endpoint that is not there (a closed port), as `login`
/// would, with a token in the credentials file.
fn link_to_nowhere(r: &Recoup) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let db = r.db();
    set_meta(&db, "endpoint.url", &url);
    set_meta(
        &db,
        "endpoint.account_id",
        "01a21327-4e2d-7622-9508-df8b1f961a6b",
    );
    std::fs::write(
        r.dir.path().join("credentials.json"),
        format!(r#"{{"endpoint":"{url}","account_id":"a","token":"t"}}"#),
    )
    .unwrap();
}

fn set_meta(db: &std::path::Path, key: &str, value: &str) {
    let mut store = recoup_store::Store::open(db).unwrap();
    store.set_meta(key, value).unwrap();
}

#[test]
fn login_refuses_a_data_dir_with_a_local_ledger() {
    let r = Recoup::new();
    r.ok(&["grant", "--credits", "10"]);
    // Refused before any network call: the endpoint URL need not answer.
    assert_eq!(
        r.err(&["login", "--endpoint", "http://127.0.0.1:9", "--create"]),
        "local_ledger"
    );
    let out = r.raw(&["login", "--endpoint", "http://127.0.0.1:9", "--create"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("already has a local ledger"), "{stderr}");
    assert!(stderr.contains("new, empty --data-dir"), "{stderr}");
}

#[test]
fn login_to_an_unreachable_endpoint_links_nothing() {
    let r = Recoup::new();
    assert_eq!(
        r.err(&["login", "--endpoint", "http://127.0.0.1:9", "--create"]),
        "network"
    );
    assert_eq!(r.err(&["sync"]), "not_linked");
    assert_eq!(r.err(&["account"]), "not_linked");
    assert!(!r.dir.path().join("credentials.json").exists());
    assert_eq!(
        r.err(&["login", "--endpoint", "ftp://nope", "--token", "x"]),
        "invalid_input",
        "a malformed URL is refused too"
    );
    // --create or --token is required.
    let out = r.raw(&["login", "--endpoint", "http://127.0.0.1:9"]);
    assert!(!out.status.success());
}

#[test]
fn the_network_switch_makes_sync_offline_without_touching_the_network() {
    let r = Recoup::new();
    link_to_nowhere(&r);
    let v = r.ok(&["network", "off"]);
    assert_eq!(v["device"]["online"], Value::Bool(false));
    assert_eq!(v["device"]["linked"], Value::Bool(true));
    assert_eq!(r.err(&["sync"]), "offline");
    assert_eq!(r.err(&["account"]), "offline");
    assert_eq!(
        r.err(&["generate", "--feature", "logo"]),
        "offline",
        "generations run on the endpoint"
    );
    let v = r.ok(&["network"]);
    assert_eq!(v["device"]["online"], Value::Bool(false));
    // Back on: the CLI syncs at once; the endpoint is not there, which the report says.
    let v = r.ok(&["network", "on"]);
    assert_eq!(v["device"]["online"], Value::Bool(true));
    assert_eq!(v["sync"]["errors"][0]["network"], Value::Bool(true));
}

#[test]
fn an_unreachable_endpoint_is_a_report_not_a_crash() {
    let r = Recoup::new();
    link_to_nowhere(&r);
    let v = r.ok(&["sync"]);
    assert_eq!(v["clean"], Value::Bool(false));
    assert_eq!(
        v["errors"][0]["phase"], "pull",
        "nothing queued: the pull meets the network first"
    );
    assert_eq!(
        v["errors"].as_array().unwrap().len(),
        1,
        "later phases skipped: {v}"
    );
    let out = r.raw(&["sync"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("the next sync tries again"), "{text}");
    assert_eq!(r.err(&["generate", "--feature", "logo"]), "network");
}

#[test]
fn a_linked_replica_is_never_swept_or_written_locally() {
    let r = Recoup::new();
    // A running generation whose hold is long stale, then the data dir is linked.
    r.ok(&["--now", "2026-11-25T09:00:00Z", "grant", "--credits", "50"]);
    generate(&r, &["--feature", "logo", "--leave-running"]);
    link_to_nowhere(&r);
    let b = r.ok(&["--now", "2026-12-25T10:00:00Z", "balance"]);
    assert_eq!(
        b["totals"]["held"], 2,
        "the endpoint settles holds; the replica only mirrors: {b}"
    );
    assert_eq!(r.err(&["sweep"]), "linked");
    assert_eq!(r.err(&["grant", "--credits", "5"]), "linked");
    assert_eq!(
        r.err(&["policy", "load", "/nonexistent.json"]),
        "linked",
        "the policy comes signed from the endpoint"
    );
    assert_eq!(
        r.err(&["generate", "--feature", "logo", "--fail"]),
        "invalid_input",
        "the endpoint's generator decides"
    );
}

#[test]
fn a_linked_data_dir_checks_windows_with_the_endpoints_time() {
    let r = Recoup::new();
    r.ok(&["--now", "2026-11-25T09:00:00Z", "grant", "--credits", "50"]);
    let g = generate(&r, &["--feature", "logo"]);
    // The last sync measured the endpoint's clock two days ahead of this device.
    set_meta(
        &r.db(),
        "sync.clock_offset_ms",
        &(2 * 86_400_000).to_string(),
    );
    let unlinked = r.ok(&["--now", "2026-11-25T11:00:00Z", "check", &g]);
    assert_eq!(
        unlinked["eligible"],
        Value::Bool(true),
        "not linked: device time"
    );
    link_to_nowhere(&r);
    let linked = r.ok(&["--now", "2026-11-25T11:00:00Z", "check", &g]);
    assert_eq!(codes(&linked), ["window_expired"], "{linked}");
    // A report made now is stamped with the corrected time.
    let c = r.ok(&[
        "--now",
        "2026-11-25T11:00:00Z",
        "report",
        &g,
        "--reason",
        "other",
        "--details",
        "Late report",
    ]);
    assert_eq!(c["submitted_at"], "2026-11-27T11:00:00Z");
    let claims = r.ok(&["claims"]);
    assert_eq!(
        claims[0]["status"], "Waiting to sync (sent as feedback)",
        "{claims}"
    );
    let human = r.raw(&["claims"]);
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("1 item(s) waiting to sync"), "{text}");
}
