//! The operator console's routes (docs/console.md): sign-in with an admin credential into an
//! HttpOnly, SameSite=Strict session cookie; CSRF refused; sessions that end (sign-out, idle,
//! their 8 hours, a revoked credential); the review queue filtered, ordered and paged; one item
//! in full with its output; decisions with a note, the second operator told plainly; the pages
//! with their Content Security Policy. The console's API is not in docs/openapi.yaml (it is the
//! console's own, behind a cookie), so these answers are checked here, not against it.

use std::sync::{Arc, Mutex};

use recoup_core::{TimeDelta, Timestamp};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{
    ADMIN, Account, Body, Client, Movable, Opts, Process, Resp, Server, credentials,
};

pub(crate) const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; media-src 'self'; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// A browser signed in to the console: its cookie and CSRF token.
pub(crate) struct Operator {
    pub(crate) cookie: String,
    pub(crate) csrf: String,
    pub(crate) actor: String,
}

pub(crate) fn sign_in(c: &Client, credential: &str) -> (Operator, Resp) {
    let r = c.send_unchecked(
        "POST",
        "/console/api/session",
        None,
        Body::Json(json!({ "credential": credential })),
        &[],
    );
    let session = r.ok("sign in to the console");
    let set_cookie = r.header("set-cookie").expect("a session cookie is set");
    let cookie = set_cookie
        .split(';')
        .next()
        .expect("name=value")
        .trim()
        .to_owned();
    (
        Operator {
            cookie,
            csrf: session["csrf_token"]
                .as_str()
                .expect("csrf_token")
                .to_owned(),
            actor: session["actor"].as_str().expect("actor").to_owned(),
        },
        r,
    )
}

impl Operator {
    pub(crate) fn get(&self, c: &Client, path: &str) -> Resp {
        c.send_unchecked("GET", path, None, Body::None, &[("cookie", &self.cookie)])
    }

    /// A request that changes something, as the console's page sends it.
    pub(crate) fn act(&self, c: &Client, method: &str, path: &str, body: Value) -> Resp {
        c.send_unchecked(
            method,
            path,
            None,
            Body::Json(body),
            &[("cookie", &self.cookie), ("x-recoup-csrf", &self.csrf)],
        )
    }
}

/// A claim on a fresh generation of `feature` on `platform` (a usable output: it waits for a
/// person). Answers the claim id and the generation.
fn report(c: &Client, a: &Account, feature: &str, platform: &str, reason: &str) -> (Uuid, Value) {
    let g = c.generate(a, feature, platform);
    let claim = Uuid::now_v7();
    let r = c
        .post(
            "/v1/claims",
            Some(&a.token),
            json!({
                "claim_id": claim,
                "generation_id": g["generation_id"],
                "reason": reason,
                "details": format!("the {feature} result is wrong <b>really</b>"),
            }),
        )
        .ok("a claim");
    assert_eq!(
        r["verdict"]["outcome"], "in_review",
        "a usable output waits for a person: {r}"
    );
    (claim, g)
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["claim_id"].as_str().expect("claim_id").to_owned())
        .collect()
}

#[test]
fn signing_in_sets_a_strict_cookie_and_every_session_ends() {
    let server = Server::start();
    let c = &server.client;

    c.send_unchecked("GET", "/console/api/session", None, Body::None, &[])
        .assert_error(401, "unauthorized", "no cookie, no session");
    let wrong = c.send_unchecked(
        "POST",
        "/console/api/session",
        None,
        Body::Json(json!({"credential": "not-the-admin-token"})),
        &[],
    );
    wrong.assert_error(401, "wrong_credential", "a wrong credential");
    assert_eq!(
        wrong.header("set-cookie"),
        None,
        "no cookie for a wrong credential"
    );
    for (body, what) in [
        (Body::Raw(b"{".to_vec()), "broken JSON"),
        (
            Body::Json(json!({"credential": ADMIN, "remember": true})),
            "an unknown field",
        ),
        (Body::Json(json!({"credential": ""})), "an empty credential"),
        (
            Body::Json(json!({"credential": "x".repeat(513)})),
            "an oversized credential",
        ),
    ] {
        c.send_unchecked("POST", "/console/api/session", None, body, &[])
            .assert_error(400, "invalid_input", what);
    }
    c.send_unchecked(
        "POST",
        "/console/api/session",
        None,
        Body::Json(json!({"credential": ADMIN})),
        &[("origin", "http://evil.example")],
    )
    .assert_error(
        403,
        "csrf_rejected",
        "a sign-in posted by another site's page",
    );

    let (op, r) = sign_in(c, ADMIN);
    let set_cookie = r.header("set-cookie").expect("cookie");
    for attribute in [
        "HttpOnly",
        "SameSite=Strict",
        "Path=/console",
        "Max-Age=28800",
    ] {
        assert!(
            set_cookie.contains(attribute),
            "the session cookie has {attribute}: {set_cookie}"
        );
    }
    assert!(
        !set_cookie.contains("Secure"),
        "plain HTTP on loopback: not Secure (the browser would drop it): {set_cookie}"
    );
    assert_eq!(
        op.actor, "bootstrap",
        "the endpoint's own admin token signs in as bootstrap"
    );
    assert!(op.csrf.len() >= 40, "a long random CSRF token: {}", op.csrf);
    assert_eq!(
        r.header("content-security-policy").as_deref(),
        Some(CSP),
        "the strict CSP"
    );
    assert_eq!(
        r.header("cache-control").as_deref(),
        Some("no-store"),
        "never cached"
    );
    assert_eq!(
        r.header("x-content-type-options").as_deref(),
        Some("nosniff"),
        "no sniffing"
    );
    let again = op.get(c, "/console/api/session").ok("the session, again");
    assert_eq!(
        (again["actor"].as_str(), again["csrf_token"].as_str()),
        ("bootstrap".into(), Some(op.csrf.as_str())),
        "the cookie is the session"
    );
    assert_eq!(again["sandbox"], true, "says it is a sandbox");

    // Over HTTPS (a proxy that says so), the cookie is Secure.
    let https = c.send_unchecked(
        "POST",
        "/console/api/session",
        None,
        Body::Json(json!({"credential": ADMIN})),
        &[("x-forwarded-proto", "https")],
    );
    assert!(
        https
            .header("set-cookie")
            .is_some_and(|s| s.contains("Secure")),
        "behind HTTPS the cookie is Secure: {:?}",
        https.header("set-cookie")
    );

    // Sign-out needs the CSRF token; then the cookie is cleared and the session is over.
    c.send_unchecked(
        "DELETE",
        "/console/api/session",
        None,
        Body::None,
        &[("cookie", &op.cookie)],
    )
    .assert_error(403, "csrf_rejected", "sign-out without the CSRF token");
    op.get(c, "/console/api/session")
        .ok("still signed in after a refused sign-out");
    let out = op.act(c, "DELETE", "/console/api/session", json!({}));
    assert_eq!(
        out.status,
        204,
        "signed out: {}",
        String::from_utf8_lossy(&out.body)
    );
    assert!(
        out.header("set-cookie")
            .is_some_and(|s| s.contains("Max-Age=0")),
        "the cookie is cleared: {:?}",
        out.header("set-cookie")
    );
    op.get(c, "/console/api/session").assert_error(
        401,
        "session_expired",
        "the old cookie after sign-out",
    );

    // A named credential signs in under its name; revoking it ends its sessions at once.
    let secret = credentials::add(server.data_dir(), "ops-alice", Timestamp::now())
        .expect("add a credential");
    let (alice, _) = sign_in(c, &secret);
    assert_eq!(
        alice.actor, "ops-alice",
        "the credential's name is the actor"
    );
    alice.get(c, "/console/api/reviews").ok("alice works");
    credentials::revoke(server.data_dir(), "ops-alice", Timestamp::now()).expect("revoke");
    alice.get(c, "/console/api/reviews").assert_error(
        401,
        "session_expired",
        "a revoked credential's session",
    );

    let audit = c
        .get("/v1/admin/audit?limit=50", Some(ADMIN))
        .ok("audit log");
    let actions: Vec<(String, String)> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap_or_default().to_owned(),
                e["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    for expected in [
        ("bootstrap", "console.sign_in"),
        ("bootstrap", "console.sign_out"),
        ("ops-alice", "console.sign_in"),
    ] {
        assert!(
            actions.contains(&(expected.0.to_owned(), expected.1.to_owned())),
            "the audit log has {expected:?}: {actions:?}"
        );
    }
}

#[test]
fn a_session_ends_when_idle_and_after_eight_hours() {
    let t0: Timestamp = "2031-05-06T07:08:09Z".parse().expect("time");
    let clock = Arc::new(Movable(Mutex::new(t0)));
    let server = Server::with_clock(Opts::default(), clock.clone());
    let c = &server.client;
    let set = |t: Timestamp| *clock.0.lock().expect("clock") = t;
    let at = |minutes: i64| t0.checked_add(TimeDelta::minutes(minutes)).expect("time");

    let (op, _) = sign_in(c, ADMIN);
    set(at(29));
    op.get(c, "/console/api/session")
        .ok("29 minutes idle: still on");
    set(at(29 + 30));
    op.get(c, "/console/api/session")
        .assert_error(401, "session_expired", "30 minutes idle");

    set(t0);
    let (busy, _) = sign_in(c, ADMIN);
    for step in 1..=16 {
        set(at(step * 29));
        busy.get(c, "/console/api/session")
            .ok("a request every 29 minutes keeps it on");
    }
    set(at(8 * 60));
    busy.get(c, "/console/api/session").assert_error(
        401,
        "session_expired",
        "8 hours after sign-in, however busy",
    );
}

#[test]
fn the_queue_filters_orders_and_pages_every_item() {
    let t0: Timestamp = "2031-05-06T07:08:09Z".parse().expect("time");
    let clock = Arc::new(Movable(Mutex::new(t0)));
    let server = Server::with_clock(Opts::default(), clock.clone());
    let c = &server.client;
    let a = c.account();
    let b = c.account();
    // Queued one hour apart: a (virtual_model/web), b (edit_with_ai/android), a (logo/ios), ...
    let plan = [
        (&a, "virtual_model", "web", "artifacts_or_distortions"),
        (&b, "edit_with_ai", "android", "wrong_subject"),
        (&a, "logo", "ios", "ignored_prompt"),
        (&b, "virtual_model", "android", "artifacts_or_distortions"),
        (&a, "text", "web", "other"),
    ];
    let mut claims = Vec::new();
    for (i, (acc, feature, platform, reason)) in plan.iter().enumerate() {
        *clock.0.lock().expect("clock") = t0.checked_add(TimeDelta::hours(i as i64)).expect("time");
        claims.push(report(c, acc, feature, platform, reason).0.to_string());
    }
    // Read four hours after the last one.
    *clock.0.lock().expect("clock") = t0.checked_add(TimeDelta::hours(8)).expect("time");
    let (op, _) = sign_in(c, ADMIN);

    let all = op.get(c, "/console/api/reviews").ok("the queue");
    assert_eq!(ids(&all), claims, "every item, oldest first by default");
    assert_eq!(all["total"], 5, "five waiting");
    assert_eq!(all["next"], Value::Null, "one page holds them");
    let first = &all["items"][0];
    assert_eq!(
        (
            first["account_id"].as_str(),
            first["feature"].as_str(),
            first["platform"].as_str(),
            first["reason"].as_str()
        ),
        (
            Some(a.id.to_string().as_str()),
            Some("virtual_model"),
            Some("web"),
            Some("artifacts_or_distortions")
        ),
        "a row says whose, what and why: {first}"
    );
    assert!(
        first["credits"].as_u64().unwrap_or(0) > 0,
        "the credits at stake: {first}"
    );

    let newest = op
        .get(c, "/console/api/reviews?order=newest")
        .ok("newest first");
    let mut reversed = claims.clone();
    reversed.reverse();
    assert_eq!(ids(&newest), reversed, "newest first");

    for (query, expected, what) in [
        ("feature=virtual_model", vec![0, 3], "one feature"),
        ("platform=android", vec![1, 3], "one platform"),
        ("reason=artifacts_or_distortions", vec![0, 3], "one reason"),
        (
            "feature=virtual_model&platform=android",
            vec![3],
            "feature and platform",
        ),
        ("min_age_hours=6", vec![0, 1, 2], "waiting 6 hours or more"),
        ("max_age_hours=5", vec![3, 4], "waiting 5 hours or less"),
        (
            "min_age_hours=5&max_age_hours=7",
            vec![1, 2, 3],
            "between 5 and 7 hours",
        ),
        (
            "feature=studio_shot",
            vec![],
            "a feature with nothing waiting",
        ),
    ] {
        let page = op.get(c, &format!("/console/api/reviews?{query}")).ok(what);
        let want: Vec<String> = expected.iter().map(|&i| claims[i].clone()).collect();
        assert_eq!(ids(&page), want, "{what} ({query})");
        assert_eq!(
            page["total"],
            want.len(),
            "{what}: the total counts the filter"
        );
    }

    // Pages of two, walked with `next`, in both orders: every item once, in order.
    for (order, expected) in [("oldest", claims.clone()), ("newest", reversed.clone())] {
        let mut seen = Vec::new();
        let mut after: Option<String> = None;
        let mut pages = 0;
        loop {
            let path = match &after {
                None => format!("/console/api/reviews?limit=2&order={order}"),
                Some(n) => format!("/console/api/reviews?limit=2&order={order}&after={n}"),
            };
            let page = op.get(c, &path).ok("a page");
            assert_eq!(page["total"], 5, "every page counts all");
            seen.extend(ids(&page));
            pages += 1;
            match page["next"].as_str() {
                Some(n) => after = Some(n.to_owned()),
                None => break,
            }
            assert!(pages < 10, "paging ends");
        }
        assert_eq!(pages, 3, "5 items in pages of 2 ({order})");
        assert_eq!(seen, expected, "every item once, in order ({order})");
    }

    for (query, what) in [
        ("limit=0", "a page of nothing"),
        ("limit=201", "a page over the cap"),
        ("limit=ten", "a limit that is no number"),
        ("feature=teleport", "an unknown feature"),
        ("platform=amiga", "an unknown platform"),
        ("reason=bored", "an unknown reason"),
        ("order=random", "an unknown order"),
        ("after=xyz", "a made-up page position"),
        ("min_age_hours=9&max_age_hours=2", "an empty age range"),
        ("min_age_hours=-1", "a negative age"),
        ("colour=red", "an unknown parameter"),
    ] {
        let r = op.get(c, &format!("/console/api/reviews?{query}"));
        r.assert_error(400, "invalid_input", what);
    }
    c.send_unchecked("GET", "/console/api/reviews", Some(ADMIN), Body::None, &[])
        .assert_error(
            401,
            "unauthorized",
            "the admin bearer token is not a console session",
        );
}

#[test]
fn an_item_shows_its_output_and_two_operators_deciding_it_are_told_who_won() {
    let server = Server::start();
    let c = &server.client;
    let a = c.account();
    let (approved, g1) = report(c, &a, "virtual_model", "web", "artifacts_or_distortions");
    let (rejected, _) = report(c, &a, "flat_lay", "ios", "wrong_subject");
    let cost = g1["cost"].as_u64().expect("cost");
    let before = c.available(&a);
    let (op, _) = sign_in(c, ADMIN);
    let secret = credentials::add(server.data_dir(), "ops-bob", Timestamp::now()).expect("bob");
    let (bob, _) = sign_in(c, &secret);

    let path = format!("/console/api/reviews/{}/{approved}", a.id);
    let item = op.get(c, &path).ok("an item in full");
    assert_eq!(
        item["details"], "the virtual_model result is wrong <b>really</b>",
        "the user's words, as written: {item}"
    );
    assert_eq!(item["row"]["claim_id"], approved.to_string(), "the item");
    assert_eq!(
        item["findings"]["verdict"], "usable",
        "the inspection found it usable: {item}"
    );
    assert!(
        item["findings"]["detail"]
            .as_str()
            .is_some_and(|d| !d.is_empty()),
        "the inspection says why: {item}"
    );
    assert_eq!(
        item["policy"]["eligible"], true,
        "the policy allows a refund: {item}"
    );
    assert!(
        item["policy"]["window_closes_at"].is_string(),
        "the window: {item}"
    );
    assert_eq!(
        item["account"]["reports"], 2,
        "the account made two reports: {item}"
    );
    assert_eq!(item["account"]["refunds"], 0, "none refunded yet");
    assert_eq!(
        item["account"]["recent"].as_array().map(Vec::len),
        Some(2),
        "its recent reports: {item}"
    );
    assert_eq!(item["account"]["available_credits"], before, "its balance");
    let url = item["output"]["url"].as_str().expect("the output's url");
    assert_eq!(
        item["output"]["media_type"], "image/png",
        "a virtual model is an image: {item}"
    );

    let out = op.get(c, url);
    assert_eq!(out.status, 200, "the output, through the session");
    assert_eq!(
        out.header("content-type").as_deref(),
        Some("image/png"),
        "its media type"
    );
    assert!(out.body.starts_with(b"\x89PNG"), "the PNG itself");
    assert_eq!(
        out.header("content-security-policy").as_deref(),
        Some("sandbox; default-src 'none'"),
        "an output is never a page of the endpoint"
    );
    c.send_unchecked("GET", url, None, Body::None, &[])
        .assert_error(401, "unauthorized", "an output needs the session");
    op.get(
        c,
        &format!("/console/api/outputs/{}/{}", a.id, Uuid::now_v7()),
    )
    .assert_error(404, "not_found", "an unknown generation's output");
    op.get(
        c,
        &format!("/console/api/reviews/{}/{}", a.id, Uuid::now_v7()),
    )
    .assert_error(404, "not_found", "an unknown report");
    op.get(
        c,
        &format!("/console/api/reviews/{}/{approved}", Uuid::now_v7()),
    )
    .assert_error(404, "not_found", "an unknown account");

    // Refused decisions change nothing.
    c.send_unchecked(
        "POST",
        &path,
        None,
        Body::Json(json!({"approve": true})),
        &[("cookie", &op.cookie)],
    )
    .assert_error(403, "csrf_rejected", "a decision without the CSRF token");
    c.send_unchecked(
        "POST",
        &path,
        None,
        Body::Json(json!({"approve": true})),
        &[("cookie", &op.cookie), ("x-recoup-csrf", &bob.csrf)],
    )
    .assert_error(403, "csrf_rejected", "another session's CSRF token");
    c.send_unchecked(
        "POST",
        &path,
        None,
        Body::Json(json!({"approve": true})),
        &[
            ("cookie", &op.cookie),
            ("x-recoup-csrf", &op.csrf),
            ("origin", "http://evil.example"),
        ],
    )
    .assert_error(403, "csrf_rejected", "a decision from another site's page");
    for (body, what) in [
        (json!({"approve": "yes"}), "approve is not a boolean"),
        (
            json!({"approve": true, "note": "x".repeat(1001)}),
            "a note over 1000 characters",
        ),
        (
            json!({"approve": true, "note": "ring\u{7}"}),
            "a control character in the note",
        ),
        (json!({"approve": true, "refund": 999}), "an unknown field"),
    ] {
        op.act(c, "POST", &path, body)
            .assert_error(400, "invalid_input", what);
    }
    assert_eq!(
        c.available(&a),
        before,
        "nothing was refunded by refused requests"
    );
    assert_eq!(
        op.get(c, "/console/api/reviews").ok("queue")["total"],
        2,
        "both still wait"
    );

    // Approve with a note: refunded at once; bob, a moment later, is told who won.
    let done = op
        .act(
            c,
            "POST",
            &path,
            json!({"approve": true, "note": "the face is melted"}),
        )
        .ok("approve");
    assert_eq!(
        (
            done["outcome"].as_str(),
            done["refunded_credits"].as_u64(),
            done["actor"].as_str()
        ),
        (Some("refunded"), Some(cost), Some("bootstrap")),
        "approved: {done}"
    );
    assert_eq!(
        c.available(&a),
        before + cost,
        "the refund is in the balance"
    );
    let late = bob.act(c, "POST", &path, json!({"approve": false}));
    late.assert_error(409, "already_decided", "the second operator");
    let said = late.json()["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        said.contains("bootstrap") && said.contains(&format!("refunded {cost} credit")),
        "it says who decided and how: {said}"
    );
    assert_eq!(
        c.available(&a),
        before + cost,
        "the second decision changed nothing"
    );
    op.get(c, &path).assert_error(
        409,
        "already_decided",
        "a decided item is not shown as waiting",
    );

    let done = bob
        .act(
            c,
            "POST",
            &format!("/console/api/reviews/{}/{rejected}", a.id),
            json!({"approve": false}),
        )
        .ok("reject");
    assert_eq!(
        (
            done["outcome"].as_str(),
            done["refunded_credits"].as_u64(),
            done["actor"].as_str()
        ),
        (Some("not_refunded"), Some(0), Some("ops-bob")),
        "rejected: {done}"
    );
    assert_eq!(
        op.get(c, "/console/api/reviews").ok("queue")["total"],
        0,
        "nothing waits"
    );

    // The device learns both at its next sync; the audit log has both, with the note.
    let changes = c.all_changes(&a, 1000);
    for (claim, outcome) in [(approved, "refunded"), (rejected, "not_refunded")] {
        assert!(
            changes.iter().any(|ch| ch["kind"] == "claim"
                && ch["row"]["claim_id"] == claim.to_string()
                && ch["row"]["outcome"] == outcome),
            "the change feed carries {claim} {outcome}"
        );
    }
    let audit = c.get("/v1/admin/audit?limit=50", Some(ADMIN)).ok("audit");
    let decisions: Vec<&Value> = audit["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "review.decide")
        .collect();
    assert_eq!(decisions.len(), 2, "two decisions audited: {decisions:?}");
    assert!(
        decisions.iter().any(|e| e["actor"] == "bootstrap"
            && e["detail"]["note"] == "the face is melted"
            && e["detail"]["approve"] == true),
        "the approval with its note: {decisions:?}"
    );
    assert!(
        decisions
            .iter()
            .any(|e| e["actor"] == "ops-bob" && e["detail"]["approve"] == false),
        "the rejection: {decisions:?}"
    );
}

#[test]
fn the_console_page_is_served_with_its_policy() {
    let server = Server::start();
    let c = &server.client;
    let r = c.send_unchecked("GET", "/console", None, Body::None, &[]);
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (308, Some("/console/")),
        "/console goes to /console/"
    );
    let page = c.send_unchecked("GET", "/console/", None, Body::None, &[]);
    assert_eq!(
        page.status,
        200,
        "the console's page: build the UI first (cd ui && npm ci && npm run build): {}",
        String::from_utf8_lossy(&page.body)
    );
    assert_eq!(
        page.header("content-security-policy").as_deref(),
        Some(CSP),
        "the strict CSP"
    );
    assert_eq!(
        page.header("x-frame-options").as_deref(),
        Some("DENY"),
        "never framed"
    );
    let html = String::from_utf8_lossy(&page.body).into_owned();
    assert!(
        !html.contains("<script>"),
        "no inline script (the CSP would block it): {html}"
    );
    let script = html
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the page loads its script");
    assert!(
        script.starts_with("/console/assets/"),
        "assets under /console/assets/: {script}"
    );
    let js = c.send_unchecked("GET", script, None, Body::None, &[]);
    assert_eq!(js.status, 200, "the script is served");
    assert!(
        js.header("content-type")
            .is_some_and(|t| t.contains("javascript")),
        "as JavaScript: {:?}",
        js.header("content-type")
    );
    assert!(
        js.header("cache-control")
            .is_some_and(|v| v.contains("immutable")),
        "hashed assets are cached for good"
    );
    c.send_unchecked("GET", "/console/assets/nothing.js", None, Body::None, &[])
        .assert_error(404, "not_found", "an unknown asset");
    c.send_unchecked(
        "GET",
        "/console/assets/../../Cargo.toml",
        None,
        Body::None,
        &[],
    )
    .assert_error(404, "not_found", "no way out of the assets");
}

#[test]
fn claims_queued_before_the_console_get_their_filter_columns_at_the_next_start() {
    if crate::support::sqlite_engine_only("the registry's review index is the SQLite engine's") {
        return;
    }
    let p = Process::start(
        &["--sandbox", "--failure-rate", "0", "--bad-rate", "0"],
        &[],
    );
    let a = p.client.account();
    let (claim, _) = report(&p.client, &a, "ghost_mannequin", "android", "other");
    let data = p.dir_path().join("data");
    let (_, _, dir) = p.stop_keep();

    // A row as a registry before migration 7 has it: no filter columns.
    let registry = rusqlite::Connection::open(data.join("server.sqlite3")).expect("registry");
    let emptied = registry
        .execute(
            "UPDATE reviews SET generation_id = NULL, feature = NULL, platform = NULL,
                 reason = NULL, credits = NULL, submitted_at = NULL",
            [],
        )
        .expect("empty the filter columns");
    assert_eq!(emptied, 1, "the claim was queued");
    drop(registry);

    let p = Process::start_in(
        tempfile::tempdir().expect("tempdir"),
        &data,
        &["--sandbox"],
        &[],
    );
    let (op, _) = sign_in(&p.client, ADMIN);
    let page = op
        .get(
            &p.client,
            "/console/api/reviews?feature=ghost_mannequin&platform=android",
        )
        .ok("the queue after the restart");
    assert_eq!(
        ids(&page),
        vec![claim.to_string()],
        "the old row is filled and found by its filters"
    );
    assert_eq!(page["items"][0]["reason"], "other", "with its reason");
    drop(p);
    drop(dir);
}
