//! The operator console's policy, insights and accounts routes (docs/console.md): a draft
//! checked against the policy in force and published after its diff was read (signed, in force,
//! in the history with who published it); insights that count exactly what the test made, on
//! both engines, and again after a restart; accounts found by id or subject, shown in full, and
//! credited (audited). Every route needs the session, and every one that changes something its
//! CSRF token; bad input is answered with a code and changes nothing.

use serde_json::{Value, json};
use uuid::Uuid;

use crate::console::{Operator, sign_in};
use crate::support::{ADMIN, Account, Body, Client, Process, Server};

fn claim(c: &Client, a: &Account, g: &Value, reason: &str) -> Value {
    c.post(
        "/v1/claims",
        Some(&a.token),
        json!({
            "claim_id": Uuid::now_v7(),
            "generation_id": g["generation_id"],
            "reason": reason,
            "details": "the result is not what a person can use",
        }),
    )
    .ok("a claim")
}

fn generator(c: &Client, failure_rate: f64, bad_rate: f64) {
    c.put(
        "/v1/admin/generator",
        Some(ADMIN),
        json!({"failure_rate": failure_rate, "bad_rate": bad_rate}),
    )
    .ok("set the sandbox generator");
}

#[test]
fn every_new_route_needs_the_session_and_changes_need_the_csrf_token() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    for path in [
        "/console/api/policy".to_owned(),
        "/console/api/policy/versions/1".to_owned(),
        "/console/api/insights".to_owned(),
        "/console/api/accounts?q=x".to_owned(),
        format!("/console/api/accounts/{}", a.id),
    ] {
        let r = c.send_unchecked("GET", &path, None, Body::None, &[]);
        r.assert_error(401, "unauthorized", &format!("{path} without a session"));
    }
    let (op, _) = sign_in(c, ADMIN);
    let before = c.available(&a);
    let doc = op.get(c, "/console/api/policy").ok("the policy")["document"].clone();
    for (path, body) in [
        ("/console/api/policy/check".to_owned(), doc.clone()),
        (
            "/console/api/policy".to_owned(),
            json!({"document": doc, "against_seq": 1}),
        ),
        (
            format!("/console/api/accounts/{}/grants", a.id),
            json!({"credits": 5, "kind": "promotion"}),
        ),
    ] {
        let r = c.send_unchecked(
            "POST",
            &path,
            None,
            Body::Json(body),
            &[("cookie", &op.cookie)],
        );
        r.assert_error(
            403,
            "csrf_rejected",
            &format!("{path} without the CSRF token"),
        );
    }
    assert_eq!(c.available(&a), before, "no grant went through");
    let history = op.get(c, "/console/api/policy").ok("the policy")["history"].clone();
    assert_eq!(
        history.as_array().map(Vec::len),
        Some(1),
        "nothing was published: {history}"
    );
}

#[test]
fn a_draft_is_checked_against_the_policy_in_force_and_published_after_its_diff() {
    let server = Server::start();
    let c = &server.client;
    let (op, _) = sign_in(c, ADMIN);
    let page = op.get(c, "/console/api/policy").ok("the policy page");
    let in_force = page["in_force"].clone();
    assert_eq!(
        in_force["seq"], 1,
        "the built-in policy, published at the first start: {page}"
    );
    let history = page["history"].as_array().expect("history");
    assert_eq!(history.len(), 1, "one version so far");
    assert_eq!(
        page["document"]["features"]["ai_shadows"]["ios"], false,
        "the document in force, as a table: {page}"
    );

    // A draft: one cell, one safeguard, a new version label.
    let mut draft = page["document"].clone();
    draft["version"] = json!("2026-12-07.console");
    draft["features"]["ai_shadows"]["ios"] = json!(true);
    draft["safeguards"]["refunds_max"] = json!(7);
    let check = op
        .act(c, "POST", "/console/api/policy/check", draft.clone())
        .ok("the draft checked");
    let paths: Vec<&str> = check["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|ch| ch["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        paths,
        vec![
            "features.ai_shadows.ios",
            "safeguards.refunds_max",
            "version"
        ],
        "exactly what the draft changes: {check}"
    );
    assert_eq!(check["changes"][0]["before"], "false", "the value in force");
    assert_eq!(check["changes"][0]["after"], "true", "the draft's");
    assert_eq!(
        check["against_seq"], 1,
        "checked against the version in force"
    );

    // Bad drafts are refused naming what is wrong, and publish nothing.
    let mut bad = draft.clone();
    bad["features"]["ai_shadows"]["ios"] = json!("yes");
    op.act(c, "POST", "/console/api/policy/check", bad)
        .assert_error(400, "invalid_document", "a cell that is not yes/no");
    let mut bad = draft.clone();
    bad["safeguards"]["refunded_share_max_percent"] = json!(150);
    let r = op.act(c, "POST", "/console/api/policy/check", bad);
    r.assert_error(400, "invalid_document", "a share over 100%");
    assert!(
        r.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("refunded_share_max_percent")),
        "names the field: {}",
        r.json()
    );
    let mut same_version = draft.clone();
    same_version["version"] = in_force["version"].clone();
    op.act(c, "POST", "/console/api/policy/check", same_version)
        .assert_error(
            409,
            "policy_version_taken",
            "a version label already published",
        );

    // Publishing against an older version than the one in force is refused.
    op.act(
        c,
        "POST",
        "/console/api/policy",
        json!({"document": draft, "against_seq": 0}),
    )
    .assert_error(409, "invalid_state", "a diff read against another version");
    assert_eq!(
        c.get("/v1/policy", None).ok("the policy served")["version"],
        in_force["version"],
        "nothing was published"
    );

    let published = op
        .act(
            c,
            "POST",
            "/console/api/policy",
            json!({"document": draft, "against_seq": 1}),
        )
        .ok("published");
    assert_eq!(
        published["row"]["seq"], 2,
        "the second publication: {published}"
    );
    assert_eq!(
        published["row"]["published_by"], op.actor,
        "who published it"
    );
    let served = c.get("/v1/policy", None).ok("the policy devices get");
    assert_eq!(served["version"], "2026-12-07.console", "in force at once");
    assert_eq!(
        served["signature"], published["signature"],
        "signed as published"
    );
    let doc: Value =
        serde_json::from_str(served["document"].as_str().expect("document")).expect("json");
    assert_eq!(
        doc["features"]["ai_shadows"]["ios"], true,
        "the cell changed"
    );
    assert_eq!(doc["safeguards"]["refunds_max"], 7, "the safeguard changed");

    let page = op.get(c, "/console/api/policy").ok("the policy page again");
    assert_eq!(page["in_force"]["seq"], 2, "the new version is in force");
    let versions: Vec<&str> = page["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|v| v["version"].as_str().expect("version"))
        .collect();
    assert_eq!(versions[0], "2026-12-07.console", "newest first: {page}");
    assert_eq!(versions.len(), 2, "two versions");
    let old = op
        .get(c, "/console/api/policy/versions/1")
        .ok("the first version");
    assert_eq!(
        old["document"]["features"]["ai_shadows"]["ios"], false,
        "as it was"
    );
    op.get(c, "/console/api/policy/versions/99").assert_error(
        404,
        "not_found",
        "a version never published",
    );
    let audit = c.get("/v1/admin/audit?limit=200", Some(ADMIN)).ok("audit");
    assert!(
        audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "policy.publish"
                && e["target"] == "2026-12-07.console"
                && e["actor"] == op.actor),
        "the publication is audited with its actor: {audit}"
    );
}

/// Makes a known mix on one day and answers the account and the charge of each feature.
fn known_mix(c: &Client, op: &Operator) -> (Account, u64, u64) {
    let a = c.account();
    // Two bad outputs of virtual_model on the web: refunded at once.
    generator(c, 0.0, 1.0);
    let mut vm_cost = 0;
    for _ in 0..2 {
        let g = c.generate(&a, "virtual_model", "web");
        vm_cost = g["cost"].as_u64().expect("cost");
        let r = claim(c, &a, &g, "blank_or_corrupted");
        assert_eq!(
            r["verdict"]["outcome"], "refunded",
            "a bad output is refunded at once: {r}"
        );
    }
    // A technical failure of flat_lay on iOS.
    generator(c, 1.0, 0.0);
    let failed = c.generate(&a, "flat_lay", "ios");
    assert_eq!(
        failed["status"], "failed",
        "the generation failed: {failed}"
    );
    // Two usable flat_lay outputs on iOS, reported: to a person, who approves one.
    generator(c, 0.0, 0.0);
    let mut in_review = Vec::new();
    let mut fl_cost = 0;
    for reason in ["wrong_subject", "wrong_subject"] {
        let g = c.generate(&a, "flat_lay", "ios");
        fl_cost = g["cost"].as_u64().expect("cost");
        let r = claim(c, &a, &g, reason);
        assert_eq!(
            r["verdict"]["outcome"], "in_review",
            "usable: a person decides: {r}"
        );
        in_review.push(r["claim_id"].as_str().expect("claim_id").to_owned());
    }
    op.act(
        c,
        "POST",
        &format!("/console/api/reviews/{}/{}", a.id, in_review[0]),
        json!({"approve": true}),
    )
    .ok("approve");
    op.act(
        c,
        "POST",
        &format!("/console/api/reviews/{}/{}", a.id, in_review[1]),
        json!({"approve": false}),
    )
    .ok("reject");
    // A feature the policy does not refund: refused at once.
    let g = c.generate(&a, "ai_expand", "web");
    let r = claim(c, &a, &g, "other");
    assert_eq!(
        r["verdict"]["outcome"], "not_refunded",
        "not refundable: {r}"
    );
    // And one more virtual_model, not reported.
    c.generate(&a, "virtual_model", "web");
    (a, vm_cost, fl_cost)
}

fn check_insights(c: &Client, op: &Operator, a: &Account, vm_cost: u64, fl_cost: u64) {
    let i = op.get(c, "/console/api/insights").ok("the insights");
    let t = &i["totals"];
    assert_eq!(
        [
            &t["delivered"],
            &t["failed"],
            &t["reports"],
            &t["refunded_auto"],
            &t["refused_auto"],
            &t["sent_to_review"],
            &t["refunded_reviewed"],
            &t["refused_reviewed"]
        ],
        [
            &json!(6),
            &json!(1),
            &json!(5),
            &json!(2),
            &json!(1),
            &json!(2),
            &json!(1),
            &json!(1)
        ],
        "the totals are exactly what was made: {t}"
    );
    assert_eq!(
        t["refunded_credits"],
        2 * vm_cost + fl_cost,
        "credits refunded: {t}"
    );
    let days = i["days"].as_array().expect("days");
    assert_eq!(days.len(), 30, "the default period is 30 days: {i}");
    assert_eq!(days[29]["counts"], *t, "all of it today, the last day");
    assert_eq!(days[0]["counts"]["reports"], 0, "nothing on the first day");
    let cells: Vec<(String, String, u64, u64)> = i["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|cell| {
            (
                cell["feature"].as_str().expect("feature").to_owned(),
                cell["platform"].as_str().expect("platform").to_owned(),
                cell["counts"]["delivered"].as_u64().expect("delivered"),
                cell["counts"]["reports"].as_u64().expect("reports"),
            )
        })
        .collect();
    assert_eq!(
        cells,
        vec![
            ("flat_lay".to_owned(), "ios".to_owned(), 2, 2),
            ("ai_expand".to_owned(), "web".to_owned(), 1, 1),
            ("virtual_model".to_owned(), "web".to_owned(), 3, 2),
        ],
        "every feature × platform with anything, the highest bad-result rate first: {i}"
    );
    let reasons: Vec<(String, u64)> = i["reasons"]
        .as_array()
        .expect("reasons")
        .iter()
        .map(|r| {
            (
                r["reason"].as_str().expect("reason").to_owned(),
                r["reports"].as_u64().expect("n"),
            )
        })
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("wrong_subject".to_owned(), 2),
            ("blank_or_corrupted".to_owned(), 2),
            ("other".to_owned(), 1)
        ],
        "the reasons, the most given first (ties in the reasons' own order): {i}"
    );
    let near = i["near_limits"].as_array().expect("near_limits");
    assert_eq!(near.len(), 1, "one account was refunded: {i}");
    assert_eq!(near[0]["account_id"], a.id.to_string(), "that account");
    assert_eq!(near[0]["refunds"], 3, "its three refunds");
    let max = i["safeguards"]["refunds_max"]
        .as_u64()
        .expect("refunds_max");
    assert!(
        near[0]["closeness_percent"].as_u64().expect("closeness") >= 300 / max,
        "at least its refunds' share of the limit: {i}"
    );

    let narrow = op
        .get(c, "/console/api/insights?feature=flat_lay&platform=ios")
        .ok("narrowed");
    let n = &narrow["totals"];
    assert_eq!(
        [
            &n["delivered"],
            &n["failed"],
            &n["reports"],
            &n["refunded_reviewed"]
        ],
        [&json!(2), &json!(1), &json!(2), &json!(1)],
        "one feature on one platform: {n}"
    );
    assert_eq!(
        narrow["cells"].as_array().map(Vec::len),
        Some(3),
        "the table keeps every cell"
    );
    assert_eq!(
        narrow["reasons"][0]["reason"], "wrong_subject",
        "its reasons only: {narrow}"
    );
    assert_eq!(
        narrow["reasons"].as_array().map(Vec::len),
        Some(1),
        "its reasons only"
    );
}

#[test]
fn insights_count_exactly_what_happened() {
    let server = Server::start();
    let c = &server.client;
    let (op, _) = sign_in(c, ADMIN);
    let (a, vm_cost, fl_cost) = known_mix(c, &op);
    check_insights(c, &op, &a, vm_cost, fl_cost);

    // A claim sent again (a device retrying) is answered as before and counted once.
    let g = c.generate(&a, "virtual_model", "web");
    let body = json!({
        "claim_id": Uuid::now_v7(),
        "generation_id": g["generation_id"],
        "reason": "other",
        "details": "sent twice by a device that lost the first answer",
    });
    let first = c
        .post("/v1/claims", Some(&a.token), body.clone())
        .ok("the claim");
    let second = c
        .post("/v1/claims", Some(&a.token), body)
        .ok("the same claim again");
    assert_eq!(first["verdict"], second["verdict"], "answered as before");
    let again = op.get(c, "/console/api/insights").ok("insights");
    assert_eq!(
        (
            &again["totals"]["reports"],
            &again["totals"]["delivered"],
            &again["totals"]["sent_to_review"]
        ),
        (&json!(6), &json!(7), &json!(3)),
        "one more generation and one more report, not two: {}",
        again["totals"]
    );
    let today = again["to"].as_str().expect("to").to_owned();
    let one = op
        .get(c, &format!("/console/api/insights?from={today}&to={today}"))
        .ok("one day");
    assert_eq!(
        one["days"].as_array().map(Vec::len),
        Some(1),
        "a one-day period"
    );
    for (query, what) in [
        ("from=2026-13-01", "a month 13"),
        ("from=2026-12-08&to=2026-12-07", "from after to"),
        ("from=2020-01-01&to=2026-12-07", "over 800 days"),
        ("feature=not_a_feature", "an unknown feature"),
        ("colour=red", "an unknown parameter"),
    ] {
        op.get(c, &format!("/console/api/insights?{query}"))
            .assert_error(400, "invalid_input", what);
    }
}

#[test]
fn insights_are_counted_again_from_the_ledgers_at_the_next_start() {
    if crate::support::sqlite_engine_only("the registry's counters are the SQLite engine's") {
        return;
    }
    let p = Process::start(
        &["--sandbox", "--failure-rate", "0", "--bad-rate", "0"],
        &[],
    );
    let (op, _) = sign_in(&p.client, ADMIN);
    let (a, vm_cost, fl_cost) = known_mix(&p.client, &op);
    let data = p.dir_path().join("data");
    let (_, _, dir) = p.stop_keep();

    // Counters lost (a stop between an account's commit and the registry's, or a data dir made
    // before the counters existed).
    let registry = rusqlite::Connection::open(data.join("server.sqlite3")).expect("registry");
    registry
        .execute_batch(
            "DELETE FROM insight_days; DELETE FROM insight_reasons; DELETE FROM insight_accounts;",
        )
        .expect("empty the counters");
    drop(registry);

    let p = Process::start_in(
        tempfile::tempdir().expect("tempdir"),
        &data,
        &["--sandbox"],
        &[],
    );
    let (op, _) = sign_in(&p.client, ADMIN);
    check_insights(&p.client, &op, &a, vm_cost, fl_cost);
    drop(p);
    drop(dir);
}

#[test]
fn an_account_is_found_shown_and_credited_with_an_audited_grant() {
    let server = Server::with(crate::support::Opts::default());
    let c = &server.client;
    let (op, _) = sign_in(c, ADMIN);
    let make = |subject: &str| -> Uuid {
        c.post(
            "/v1/admin/accounts",
            Some(ADMIN),
            json!({"allowance": 40, "subject": subject}),
        )
        .ok("an account with a subject")["account_id"]
            .as_str()
            .expect("id")
            .parse()
            .expect("uuid")
    };
    let u17 = make("user-17");
    let u170 = make("user-170");
    make("other-1");

    let found = op
        .get(c, "/console/api/accounts?q=user-1")
        .ok("by subject prefix");
    let subjects: Vec<&str> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["subject"].as_str().expect("subject"))
        .collect();
    assert_eq!(
        subjects,
        vec!["user-17", "user-170"],
        "the subjects starting so, in order: {found}"
    );
    assert_eq!(found["more"], false, "all of them");
    let by_id = op
        .get(c, &format!("/console/api/accounts?q={u170}"))
        .ok("by id");
    assert_eq!(
        by_id["items"][0]["account_id"],
        u170.to_string(),
        "the account with that id"
    );
    assert_eq!(
        op.get(c, "/console/api/accounts?q=nobody").ok("none")["items"],
        json!([]),
        "no match"
    );
    for (q, what) in [("", "an empty search"), ("%00", "a control character")] {
        op.get(c, &format!("/console/api/accounts?q={q}"))
            .assert_error(400, "invalid_input", what);
    }

    let path = format!("/console/api/accounts/{u17}");
    let before = op.get(c, &path).ok("the account");
    assert_eq!(before["row"]["subject"], "user-17", "its subject: {before}");
    assert_eq!(before["available"], 40, "its allowance");
    assert_eq!(
        before["grants"].as_array().map(Vec::len),
        Some(1),
        "one grant"
    );
    assert_eq!(before["ledger"][0]["kind"], "grant", "the grant's entry");

    for (body, what) in [
        (json!({"credits": 0, "kind": "promotion"}), "zero credits"),
        (
            json!({"credits": 5, "kind": "refund"}),
            "a refund granted by hand",
        ),
        (
            json!({"credits": 5, "kind": "promotion", "expires_in_days": 0}),
            "expiring at once",
        ),
        (
            json!({"credits": 5, "kind": "promotion", "note": "x".repeat(1001)}),
            "a note too long",
        ),
        (
            json!({"credits": 5, "kind": "promotion", "colour": "red"}),
            "an unknown field",
        ),
    ] {
        op.act(c, "POST", &format!("{path}/grants"), body)
            .assert_error(400, "invalid_input", what);
    }
    op.act(
        c,
        "POST",
        &format!("/console/api/accounts/{}/grants", Uuid::now_v7()),
        json!({"credits": 5, "kind": "promotion"}),
    )
    .assert_error(404, "not_found", "an account that does not exist");
    assert_eq!(
        op.get(c, &path).ok("unchanged")["available"],
        40,
        "nothing was granted"
    );

    let granted = op
        .act(c, "POST", &format!("{path}/grants"), json!({"credits": 25, "kind": "promotion", "expires_in_days": 30, "note": "sorry for the outage"}))
        .ok("granted");
    assert_eq!(granted["credits"], 25, "the grant: {granted}");
    assert_eq!(granted["note"], "sorry for the outage", "with its note");
    assert!(granted["expires_at"].is_string(), "it expires");
    let after = op.get(c, &path).ok("the account after");
    assert_eq!(after["available"], 65, "40 + 25: {after}");
    assert_eq!(
        after["ledger"][0]["credits"], 25,
        "the newest entry is the grant"
    );
    let audit = c.get("/v1/admin/audit?limit=200", Some(ADMIN)).ok("audit");
    assert!(
        audit["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .any(|e| e["action"] == "grant"
                && e["target"] == u17.to_string()
                && e["actor"] == op.actor
                && e["detail"]["credits"] == 25),
        "the grant is audited with its actor: {audit}"
    );
    op.get(c, &format!("/console/api/accounts/{}", Uuid::now_v7()))
        .assert_error(404, "not_found", "an account that does not exist");
}
