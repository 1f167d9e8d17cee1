//! Recoup run for a product, end to end (issue 9's "done means"): a production endpoint (the
//! `recoup-server` binary, no sandbox) with the product's sign-in (a JWKS file) and a webhook
//! receiver of the product's. An account is provisioned with the admin CLI and another signs
//! in with a JWT; the product's generation service reports generations through the provider
//! API (a blank output, a fine one, a technical failure); devices (the `recoup` binary) sign in,
//! sync and report. The receiver refuses, times out and is restarted on the way; every event
//! still arrives, in effect once, in each account's order, signed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, Header};
use recoup_api::{ProviderGeneration, SignatureCheck, WebhookEvent, verify_signature};
use recoup_core::{Feature, GenerationId, MediaKind, Platform, Surface};
use recoup_generator::{GenerateRequest, Quality, generate};
use recoup_sync::{Client, HttpTransport};
use recoup_tests::receiver::{Answer, Delivery, Receiver};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::production::{Endpoint, key, recoup, run_recoup};

const ADMIN: &str = "it-Production-admin-8Tz3Kw6Qp1Vm";
const ISSUER: &str = "https://id.product.test";
const AUDIENCE: &str = "recoup";
const ALL_EVENTS: &str = "claim.decided,refund.posted,generation.voided,balance.low";

fn start(dir: &Path, extra: &[&str]) -> Endpoint {
    // Retries quickly, so a test waits seconds, not the production minutes.
    let fast = [
        "--webhook-timeout-secs",
        "1",
        "--webhook-retry-first-ms",
        "100",
        "--webhook-retry-max-secs",
        "1",
    ];
    crate::production::start(dir, ADMIN, &[&fast[..], extra].concat())
}

fn png(quality: Quality) -> Vec<u8> {
    generate(&GenerateRequest {
        feature: Feature::VirtualModel,
        seed: 5,
        quality,
    })
    .unwrap()
    .bytes
}

fn start_generation(provider: &Client<HttpTransport>, account: Uuid) -> GenerationId {
    let id = GenerationId::new_v7();
    provider
        .provider_start(&ProviderGeneration {
            account_id: account,
            generation_id: id,
            feature: Feature::VirtualModel,
            platform: Platform::Web,
            surface: Surface::Editor,
            media_kind: MediaKind::Image,
        })
        .unwrap();
    id
}

fn report(data: &Path, id: GenerationId) -> (bool, Value) {
    run_recoup(
        Some(data),
        &[
            "report",
            &id.0.to_string(),
            "--reason",
            "blank_or_corrupted",
            "--details",
            "the output is blank",
        ],
    )
}

/// Waits until the receiver has accepted `n` distinct events (at most a minute).
fn wait_for_events(receiver: &Receiver, n: usize) -> Vec<Delivery> {
    let until = Instant::now() + Duration::from_secs(60);
    loop {
        let all = receiver.deliveries();
        let accepted: BTreeSet<String> = all
            .iter()
            .filter(|d| d.answer == Answer::Accept)
            .map(|d| d.event_id.clone())
            .collect();
        if accepted.len() >= n || Instant::now() > until {
            return all;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn event(d: &Delivery) -> WebhookEvent {
    serde_json::from_slice(&d.body).unwrap()
}

#[test]
fn a_product_runs_recoup_end_to_end_and_its_receiver_gets_every_event_once_in_order_through_refusals_timeouts_and_a_restart()
 {
    let dir = tempfile::tempdir().unwrap();
    let (signing, jwks) = key("product-2026");
    let jwks_path = dir.path().join("jwks.json");
    std::fs::write(&jwks_path, jwks.to_string()).unwrap();
    let jwks_arg = jwks_path.to_str().unwrap();
    let endpoint = start(
        &dir.path().join("server"),
        &[
            "--jwks",
            jwks_arg,
            "--jwt-issuer",
            ISSUER,
            "--jwt-audience",
            AUDIENCE,
            "--jwt-starting-allowance",
            "50",
            "--balance-low-threshold",
            "33",
        ],
    );
    let url = endpoint.1.clone();
    let admin = ["admin", "--endpoint", &url, "--admin-token", ADMIN];
    let adm = |args: &[&str]| recoup(None, &[&admin[..], args].concat());

    // The receiver refuses the first three deliveries, lets the fourth time out, then accepts.
    let receiver = Receiver::start();
    receiver.script(&[
        Answer::Refuse(500),
        Answer::Refuse(503),
        Answer::Refuse(400),
        Answer::Hang(Duration::from_secs(3)),
    ]);
    let hook = adm(&[
        "webhooks",
        "add",
        "--url",
        &receiver.url(),
        "--events",
        ALL_EVENTS,
    ]);
    let secret = hook["secret"].as_str().unwrap().to_owned();
    assert!(
        secret.starts_with("whsec_"),
        "a secret is shown once: {hook}"
    );

    // Account A: provisioned with the admin CLI. Account B: a JWT's new subject.
    let made = adm(&["accounts", "create", "--allowance", "40"]);
    let account_a: Uuid = made["account_id"].as_str().unwrap().parse().unwrap();
    let token_a = made["token"].as_str().unwrap().to_owned();
    let now = recoup_core::Timestamp::now().as_secs();
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("product-2026".to_owned());
    let claims = json!({
        "sub": "customer-4410", "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600,
    });
    let jwt = jsonwebtoken::encode(&header, &claims, &signing).unwrap();
    let dev_a = tempfile::tempdir().unwrap();
    let dev_b = tempfile::tempdir().unwrap();
    recoup(
        Some(dev_a.path()),
        &["login", "--endpoint", &url, "--token", &token_a],
    );
    let login_b = recoup(
        Some(dev_b.path()),
        &["login", "--endpoint", &url, "--token", &jwt],
    );
    let account_b: Uuid = login_b["account_id"].as_str().unwrap().parse().unwrap();

    // The product's generation service reports its generations.
    let key = adm(&["providers", "create", "--name", "image service"])["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let provider = Client::new(HttpTransport::new(&url).unwrap()).with_token(key);
    let blank_a = start_generation(&provider, account_a);
    let fine_a = start_generation(&provider, account_a);
    let failed_a = start_generation(&provider, account_a);
    let blank_b = start_generation(&provider, account_b);
    let failed_b = start_generation(&provider, account_b);
    for id in [blank_a, blank_b] {
        provider
            .provider_output(id, "image/png", png(Quality::Blank))
            .unwrap();
    }
    provider
        .provider_output(fine_a, "image/png", png(Quality::Good))
        .unwrap();
    for id in [failed_a, failed_b] {
        provider
            .provider_failure(id, "the model timed out")
            .unwrap();
    }

    // The devices sync, report, and cannot report the failures.
    for (data, blank, failed) in [
        (dev_a.path(), blank_a, failed_a),
        (dev_b.path(), blank_b, failed_b),
    ] {
        recoup(Some(data), &["sync"]);
        let (ok, _) = report(data, blank);
        assert!(ok, "the blank output is reportable");
        let (ok, why) = report(data, failed);
        assert!(!ok, "a technical failure is not reportable: {why}");
        assert!(
            why.to_string().contains("technical"),
            "and the device says why: {why}"
        );
    }
    let (ok, why) = report(dev_a.path(), fine_a);
    assert!(ok, "the fine output is reportable: {why}");
    for data in [dev_a.path(), dev_b.path()] {
        let synced = recoup(Some(data), &["sync"]);
        assert_eq!(
            synced["clean"],
            json!(true),
            "the device synced its reports: {synced}"
        );
    }
    let claims_a = recoup(Some(dev_a.path()), &["claims"]);
    let outcome = |claims: &Value, id: GenerationId| {
        claims
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["generation_id"] == json!(id.0))
            .map(|c| c["outcome"].clone())
    };
    assert_eq!(
        outcome(&claims_a, blank_a),
        Some(json!("refunded")),
        "the blank one is refunded: {claims_a}"
    );
    assert_eq!(
        outcome(&claims_a, fine_a),
        Some(json!("in_review")),
        "the fine one waits for a person: {claims_a}"
    );
    assert_eq!(
        outcome(&claims_a, failed_a),
        None,
        "no claim on the failure: {claims_a}"
    );

    // The receiver goes away; a person approves the fine one meanwhile; it comes back.
    let stopped = receiver.stop();
    let queue = adm(&["reviews"]);
    let claim_id = queue
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["claim"]["generation_id"] == json!(fine_a.0))
        .map(|c| c["claim"]["claim_id"].as_str().unwrap().to_owned())
        .unwrap_or_else(|| panic!("the fine one is on the review queue: {queue}"));
    adm(&["approve", &account_a.to_string(), &claim_id]);
    std::thread::sleep(Duration::from_millis(1_500));
    let receiver = stopped.restart();

    // A: balance.low (40 -> 36 -> 32 crosses 33), the void, three decisions, two refunds.
    // B: the void, one decision, one refund (50 -> 42 never crosses 33).
    let all = wait_for_events(&receiver, 10);
    let accepted: Vec<&Delivery> = all.iter().filter(|d| d.answer == Answer::Accept).collect();
    let now = recoup_core::Timestamp::now().as_secs();
    for d in &accepted {
        assert_eq!(
            verify_signature(&secret, &d.signature, &d.body, now, 300),
            Ok(()),
            "every delivery is signed with the webhook's secret: {}",
            d.signature
        );
        assert_eq!(
            d.event_id,
            event(d).id.to_string(),
            "the Recoup-Event-Id header is the body's id"
        );
    }
    let forged = accepted[0];
    assert_eq!(
        verify_signature(
            "whsec_not-the-secret",
            &forged.signature,
            &forged.body,
            now,
            300
        ),
        Err(SignatureCheck::Mismatch),
        "another secret does not verify"
    );
    assert_eq!(
        verify_signature(&secret, &forged.signature, &forged.body, now + 3_600, 300),
        Err(SignatureCheck::Stale),
        "an hour-old signature is refused as stale"
    );

    let refused = all
        .iter()
        .filter(|d| matches!(d.answer, Answer::Refuse(_)))
        .count();
    let hung = all
        .iter()
        .filter(|d| matches!(d.answer, Answer::Hang(_)))
        .count();
    assert_eq!(
        (refused, hung),
        (3, 1),
        "the receiver refused three deliveries and let one time out"
    );

    // In effect once: one body per id; every refused or timed-out delivery came again.
    let mut by_id: BTreeMap<Uuid, WebhookEvent> = BTreeMap::new();
    let mut first_accepted: Vec<WebhookEvent> = Vec::new();
    for d in &accepted {
        let e = event(d);
        match by_id.get(&e.id) {
            Some(seen) => assert_eq!(seen, &e, "a repeated delivery carries the same event"),
            None => {
                by_id.insert(e.id, e.clone());
                first_accepted.push(e);
            }
        }
    }
    for d in all.iter().filter(|d| d.answer != Answer::Accept) {
        assert!(
            by_id.contains_key(&event(d).id),
            "a delivery answered {:?} was delivered later",
            d.answer
        );
    }
    let kinds = |account: Uuid| {
        let mut k: Vec<String> = by_id
            .values()
            .filter(|e| e.account_id == account)
            .map(|e| e.event_type.clone())
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        kinds(account_a),
        [
            "balance.low",
            "claim.decided",
            "claim.decided",
            "claim.decided",
            "generation.voided",
            "refund.posted",
            "refund.posted"
        ],
        "account A's events, each once: {by_id:?}"
    );
    assert_eq!(
        kinds(account_b),
        ["claim.decided", "generation.voided", "refund.posted"],
        "account B's events, each once"
    );
    assert_eq!(by_id.len(), 10, "nothing else was sent: {by_id:?}");
    for account in [account_a, account_b] {
        let order: Vec<i64> = first_accepted
            .iter()
            .filter(|e| e.account_id == account)
            .map(|e| e.sequence)
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "account {account}'s events arrived in their order: {order:?}"
        );
    }
    let decided: Vec<&WebhookEvent> = first_accepted
        .iter()
        .filter(|e| e.account_id == account_a && e.event_type == "claim.decided")
        .collect();
    let fine_outcomes: Vec<&Value> = decided
        .iter()
        .filter(|e| e.data["generation_id"] == json!(fine_a.0))
        .map(|e| &e.data["outcome"])
        .collect();
    assert_eq!(
        fine_outcomes,
        [&json!("in_review"), &json!("refunded")],
        "the fine one was in review, then refunded by the person"
    );
    let voided = by_id
        .values()
        .find(|e| e.event_type == "generation.voided" && e.account_id == account_a)
        .unwrap();
    assert_eq!(
        (
            &voided.data["generation_id"],
            &voided.data["released_credits"]
        ),
        (&json!(failed_a.0), &json!(4)),
        "the void names the failed generation and what it released: {voided:?}"
    );

    // The operator sees it in the metrics.
    let metrics = recoup_tests::http_client(None)
        .get(format!("{url}/metrics"))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .send()
        .expect("the metrics answer")
        .text()
        .expect("the metrics text");
    let count = |outcome: &str| -> u64 {
        let prefix = format!("recoup_webhook_deliveries_total{{outcome=\"{outcome}\"}} ");
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(
        count("delivered") >= 10,
        "every delivery is counted: {metrics}"
    );
    assert!(
        count("retrying") >= 4,
        "and every failed attempt (three refusals, one timeout, the restart): {metrics}"
    );

    // Both ledgers agree, on each device.
    for (data, token) in [
        (dev_a.path(), token_a.as_str()),
        (dev_b.path(), jwt.as_str()),
    ] {
        recoup(Some(data), &["sync"]);
        let mine = recoup(Some(data), &["balance"]);
        let theirs = Client::new(HttpTransport::new(&url).unwrap())
            .with_token(token.to_owned())
            .account()
            .unwrap();
        assert_eq!(
            mine["totals"],
            serde_json::to_value(theirs.balance.totals).unwrap(),
            "the device's ledger is the endpoint's: {mine}"
        );
        let (verified, why) = run_recoup(Some(data), &["ledger", "--verify"]);
        assert!(verified, "the device's ledger verifies: {why}");
    }

    // The audit log has every admin and provider action, and the sign-in.
    let audit = adm(&["audit", "--limit", "200"]).to_string();
    for action in [
        "webhook.add",
        "account.create",
        "provider.create",
        "review.decide",
    ] {
        assert!(
            audit.contains(action),
            "the audit log has {action}: {audit}"
        );
    }
    assert!(
        audit.contains("\"jwt\""),
        "the first sign-in is audited with actor jwt: {audit}"
    );
}

#[test]
fn a_delivery_refused_for_the_whole_retry_period_is_listed_as_failed_and_the_next_event_goes() {
    let dir = tempfile::tempdir().unwrap();
    let endpoint = start(&dir.path().join("server"), &["--webhook-give-up-secs", "2"]);
    let url = endpoint.1.clone();
    let admin = ["admin", "--endpoint", &url, "--admin-token", ADMIN];
    let adm = |args: &[&str]| recoup(None, &[&admin[..], args].concat());
    let receiver = Receiver::start();
    receiver.answer_all(Answer::Refuse(500));
    let hook = adm(&[
        "webhooks",
        "add",
        "--url",
        &receiver.url(),
        "--events",
        "generation.voided",
    ]);
    let webhook_id = hook["webhook_id"].as_str().unwrap().to_owned();
    let made = adm(&["accounts", "create", "--allowance", "40"]);
    let account: Uuid = made["account_id"].as_str().unwrap().parse().unwrap();
    let key = adm(&["providers", "create", "--name", "svc"])["key"]
        .as_str()
        .unwrap()
        .to_owned();
    let provider = Client::new(HttpTransport::new(&url).unwrap()).with_token(key);
    let first = start_generation(&provider, account);
    provider.provider_failure(first, "out of GPUs").unwrap();

    let until = Instant::now() + Duration::from_secs(30);
    let failures = loop {
        let f = adm(&["webhooks", "failures", &webhook_id]);
        if f.as_array().is_some_and(|a| !a.is_empty()) || Instant::now() > until {
            break f;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let listed = failures.as_array().unwrap();
    assert_eq!(
        listed.len(),
        1,
        "the given-up delivery is listed: {failures}"
    );
    assert_eq!(
        listed[0]["event"]["data"]["generation_id"],
        json!(first.0),
        "with the event as it would have been delivered: {failures}"
    );
    assert!(
        listed[0]["attempts"].as_u64().unwrap_or(0) >= 2,
        "after several attempts: {failures}"
    );
    assert!(
        listed[0]["last_error"]
            .as_str()
            .unwrap_or("")
            .contains("500"),
        "saying what the receiver answered: {failures}"
    );

    receiver.answer_all(Answer::Accept);
    let second = start_generation(&provider, account);
    provider.provider_failure(second, "out of GPUs").unwrap();
    let all = wait_for_events(&receiver, 1);
    let delivered: Vec<WebhookEvent> = all
        .iter()
        .filter(|d| d.answer == Answer::Accept)
        .map(event)
        .collect();
    assert_eq!(
        delivered.len(),
        1,
        "the next event is delivered, the given-up one is not repeated: {delivered:?}"
    );
    assert_eq!(
        delivered[0].data["generation_id"],
        json!(second.0),
        "and it is the second void"
    );
}
