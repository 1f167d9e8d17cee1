//! Policy distribution: signed documents that verify with the published key, ETag and 304,
//! invalid documents refused with the old version kept, a new version served signed.

use recoup_api::{PolicyKey, SignedPolicy};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::support::{ADMIN, Body, Client, Opts, Server, claim_body};

fn served(c: &Client) -> (SignedPolicy, String) {
    let r = c.get("/v1/policy", None);
    let etag = r.header("etag").expect("the policy has an ETag");
    let signed: SignedPolicy = serde_json::from_value(r.ok("policy")).expect("a SignedPolicy");
    (signed, etag)
}

fn key(c: &Client) -> PolicyKey {
    let k = c.get("/v1/policy/key", None).ok("key");
    PolicyKey::from_base64(k["key"].as_str().expect("key")).expect("a well-formed key")
}

#[test]
fn the_served_policy_verifies_with_the_published_key_and_honours_if_none_match() {
    let server = Server::start();
    let c = &server.client;
    let (signed, etag) = served(c);
    let pinned = key(c);
    let bytes = signed
        .verify(&pinned)
        .expect("the served policy verifies with GET /v1/policy/key");
    let policy =
        recoup_core::Policy::from_json(bytes).expect("the signed document is a valid policy");
    assert_eq!(
        policy.version(),
        signed.version,
        "the document's version is the served one"
    );
    assert_eq!(
        etag,
        format!("\"{}\"", signed.version),
        "the ETag is the quoted version"
    );
    assert_eq!(
        signed.key,
        pinned.to_base64(),
        "the document names the same key"
    );

    let r = c.send(
        "GET",
        "/v1/policy",
        None,
        Body::None,
        &[("if-none-match", &etag)],
    );
    assert_eq!(r.status, 304, "If-None-Match with the current ETag");
    assert!(r.body.is_empty(), "a 304 has no body");
    assert_eq!(
        r.header("etag").as_deref(),
        Some(etag.as_str()),
        "a 304 repeats the ETag"
    );
    for other in ["\"something-else\"", "*-not-a-match", "W/\"x\""] {
        let r = c.send(
            "GET",
            "/v1/policy",
            None,
            Body::None,
            &[("if-none-match", other)],
        );
        assert_eq!(
            r.status, 200,
            "If-None-Match {other} is not the current version"
        );
    }
    // Tampering is detected by the client-side check the device uses.
    let mut tampered = signed.clone();
    tampered.document = tampered.document.replace("86400", "8640000");
    assert!(
        tampered.verify(&pinned).is_err(),
        "a changed document no longer verifies"
    );
}

#[test]
fn an_invalid_document_is_refused_and_a_valid_one_is_served_signed() {
    let server = Server::with(Opts {
        bad_rate: 1.0,
        ..Opts::default()
    });
    let c = &server.client;
    let (old, old_etag) = served(c);
    let base: Value = serde_json::from_str(&old.document).unwrap();

    let mut bad = Vec::new();
    let mut unknown_feature = base.clone();
    unknown_feature["features"]["teleport"] = json!({"ios": true, "android": true, "web": true});
    bad.push(("an unknown feature", unknown_feature));
    let mut missing_platform = base.clone();
    missing_platform["features"]["text"] = json!({"ios": true, "web": true});
    bad.push(("a missing platform", missing_platform));
    let mut zero_window = base.clone();
    zero_window["refund_window_secs"] = json!(0);
    zero_window["version"] = json!("zero-window");
    bad.push(("a zero window", zero_window));
    let mut extra_field = base.clone();
    extra_field["refund_everything"] = json!(true);
    bad.push(("an unknown field", extra_field));
    let mut no_version = base.clone();
    no_version["version"] = json!("  ");
    bad.push(("an empty version", no_version));
    bad.push(("not a policy", json!([1, 2, 3])));
    for (what, doc) in bad {
        c.put("/v1/admin/policy", Some(ADMIN), doc)
            .assert_error(400, "invalid_document", what);
        let (now, etag) = served(c);
        assert_eq!(
            (now.clone(), etag.clone()),
            (old.clone(), old_etag.clone()),
            "after {what}: the old version stays"
        );
    }
    c.send(
        "PUT",
        "/v1/admin/policy",
        Some(ADMIN),
        Body::Raw(b"{not json".to_vec()),
        &[],
    )
    .assert_error(400, "invalid_document", "malformed JSON");
    // A version already published is a conflict with what is stored, not a bad document.
    let mut same_version = base.clone();
    same_version["refund_window_secs"] = json!(7200);
    c.put("/v1/admin/policy", Some(ADMIN), same_version)
        .assert_error(409, "policy_version_taken", "the active version again");
    assert_eq!(
        served(c),
        (old.clone(), old_etag.clone()),
        "after the active version again: the old version stays"
    );

    // A valid new version: a one-hour window.
    let mut next = base.clone();
    next["version"] = json!("test-2026-11-26.1");
    next["refund_window_secs"] = json!(3600);
    let published: SignedPolicy =
        serde_json::from_value(c.put("/v1/admin/policy", Some(ADMIN), next).ok("publish")).unwrap();
    let (now, etag) = served(c);
    assert_eq!(now, published, "the published document is what is served");
    assert_eq!(
        etag, "\"test-2026-11-26.1\"",
        "the ETag follows the version"
    );
    let policy =
        recoup_core::Policy::from_json(now.verify(&key(c)).expect("the new version verifies"))
            .expect("valid");
    assert_eq!(
        policy.refund_window().num_seconds(),
        3600,
        "the new window is in the document"
    );
    let r = c.send(
        "GET",
        "/v1/policy",
        None,
        Body::None,
        &[("if-none-match", &old_etag)],
    );
    assert_eq!(r.status, 200, "the old ETag no longer matches");

    // The endpoint decides with it: claims name it and use its window.
    let a = c.account();
    let g = c.generate(&a, "virtual_model", "web");
    c.post(
        &format!("/v1/admin/accounts/{}/clock", a.id),
        Some(ADMIN),
        json!({"secs": 2 * 3600}),
    )
    .ok("two hours later");
    let r = c
        .post(
            "/v1/claims",
            Some(&a.token),
            claim_body(Uuid::now_v7(), &g, "it is blank"),
        )
        .ok("claim");
    assert_eq!(
        (r["verdict"]["code"].as_str(), r["policy_version"].as_str()),
        (Some("window_expired"), Some("test-2026-11-26.1")),
        "the new version decides: {r}"
    );
    let feed = c.get("/v1/changes", Some(&a.token)).ok("feed");
    assert_eq!(
        feed["policy_version"], "test-2026-11-26.1",
        "the feed names the version in force"
    );
}
