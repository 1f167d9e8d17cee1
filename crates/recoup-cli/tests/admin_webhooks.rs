//! `recoup admin webhooks` and `recoup admin accounts balance-low` end to end: a production
//! endpoint (the recoup-server library on loopback), an operator driving the `recoup` binary
//! with the admin token, and tiny HTTP receivers on 127.0.0.1 that keep what they are sent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod operator;

use operator::{Operator, text};
use recoup_api::{SIGNATURE_TOLERANCE_SECS, WebhookEvent};
use recoup_tests::receiver::{Answer, Receiver};
use serde_json::Value;

const ADMIN_TOKEN: &str = "cli-Webhooks-3Hv7Qm9Tx2Lc5Pb8";

/// The webhook commands, for the tests below.
trait Webhooks {
    fn add(&self, url: &str, events: &str) -> Value;
    fn webhooks(&self) -> Vec<Value>;
}

impl Webhooks for Operator {
    /// `webhooks add --url URL --events EVENTS` (`--json`): the created webhook.
    fn add(&self, url: &str, events: &str) -> Value {
        self.ok(&["webhooks", "add", "--url", url, "--events", events])
    }

    /// `webhooks list` (`--json`).
    fn webhooks(&self) -> Vec<Value> {
        let list = self.ok(&["webhooks", "list"]);
        list.as_array()
            .unwrap_or_else(|| panic!("webhooks list prints an array: {list}"))
            .clone()
    }
}

fn production() -> (recoup_tests::system::Endpoint, Operator) {
    operator::production(ADMIN_TOKEN)
}

/// A receiver answering every delivery with `status`.
fn receiver(status: u16) -> Receiver {
    let r = Receiver::start();
    if status >= 300 {
        r.answer_all(Answer::Refuse(status));
    }
    r
}

#[test]
fn adding_a_webhook_prints_its_secret_once_and_the_list_shows_it_without_the_secret() {
    let (_endpoint, op) = production();
    let made = op.add(
        "https://billing.example/hooks/recoup",
        "refund.posted,claim.decided",
    );
    let id = made["webhook_id"]
        .as_str()
        .expect("a webhook id")
        .to_owned();
    let secret = made["secret"].as_str().expect("a secret").to_owned();
    assert!(
        secret.starts_with("whsec") && secret.len() > 20,
        "the secret is a whsec_ token: {made}"
    );
    assert_eq!(
        made["url"], "https://billing.example/hooks/recoup",
        "the URL as registered: {made}"
    );
    assert_eq!(
        made["events"],
        serde_json::json!(["claim.decided", "refund.posted"]),
        "the event types, in the endpoint's order: {made}"
    );

    let said = op.say(&[
        "webhooks",
        "add",
        "--url",
        "https://support.example/recoup",
        "--events",
        "balance.low",
    ]);
    assert!(
        said.contains("shown once") && said.contains("whsec"),
        "the human output shows the secret and says it is shown once: {said}"
    );

    let list = op.webhooks();
    assert_eq!(list.len(), 2, "both webhooks are listed: {list:?}");
    let listed = list
        .iter()
        .find(|w| w["webhook_id"] == id.as_str())
        .unwrap_or_else(|| panic!("the first webhook is listed: {list:?}"));
    assert_eq!(
        listed["events"], made["events"],
        "with its events: {listed}"
    );
    assert!(listed["removed_at"].is_null(), "and not removed: {listed}");
    assert!(
        listed.get("secret").is_none(),
        "a listed webhook has no secret field: {listed}"
    );
    let human = op.say(&["webhooks", "list"]);
    let json = op.raw(true, &["webhooks", "list"]);
    for shown in [human, String::from_utf8_lossy(&json.stdout).into_owned()] {
        assert!(
            shown.contains(&id) && !shown.contains(&secret) && !shown.contains("whsec"),
            "the list names the webhook and never a secret: {shown}"
        );
    }
}

#[test]
fn a_test_event_reaches_a_receiver_answering_204_signed_with_the_webhook_secret() {
    let (_endpoint, op) = production();
    let receiver = receiver(204);
    let made = op.add(&receiver.url(), "claim.decided");
    let id = made["webhook_id"].as_str().expect("a webhook id");
    let secret = made["secret"].as_str().expect("a secret");

    let result = op.ok(&["webhooks", "test", id]);
    assert_eq!(result["delivered"], true, "a 204 is a delivery: {result}");
    assert!(
        result["error"].is_null(),
        "and nothing went wrong: {result}"
    );
    assert!(
        result["status"]
            .as_u64()
            .is_some_and(|s| (200..300).contains(&s)),
        "with a 2xx status: {result}"
    );
    let got = receiver.deliveries();
    assert_eq!(got.len(), 1, "the receiver got one request: {got:?}");
    let request = &got[0];
    let signature = request.signature.as_str();
    assert!(
        !signature.is_empty(),
        "the delivery carries Recoup-Signature: {request:?}"
    );
    let now = recoup_core::Timestamp::now().as_secs();
    assert_eq!(
        recoup_api::verify_signature(
            secret,
            signature,
            &request.body,
            now,
            SIGNATURE_TOLERANCE_SECS
        ),
        Ok(()),
        "the signature verifies with the secret printed at add: {request:?}"
    );
    assert!(
        recoup_api::verify_signature(
            "whsec_another",
            signature,
            &request.body,
            now,
            SIGNATURE_TOLERANCE_SECS
        )
        .is_err(),
        "and not with another secret"
    );
    let event: WebhookEvent = serde_json::from_slice(&request.body).unwrap_or_else(|e| {
        panic!(
            "the body is a WebhookEvent ({e}): {}",
            String::from_utf8_lossy(&request.body)
        )
    });
    assert_eq!(
        event.event_type,
        recoup_api::TEST_EVENT_TYPE,
        "it is the test event: {event:?}"
    );
    assert_eq!(
        result["event_id"],
        event.id.to_string(),
        "the CLI names the event the receiver got: {result}"
    );
    assert_eq!(
        request.event_id,
        event.id.to_string(),
        "the event id header matches the body: {request:?}"
    );

    let said = op.say(&["webhooks", "test", id]);
    assert!(
        said.contains("delivered") && !said.contains("NOT"),
        "the human output says it was delivered: {said}"
    );
}

#[test]
fn a_test_event_refused_with_500_is_reported_as_not_delivered_with_the_status() {
    let (_endpoint, op) = production();
    let receiver = receiver(500);
    let made = op.add(&receiver.url(), "refund.posted");
    let id = made["webhook_id"].as_str().expect("a webhook id");

    let result = op.ok(&["webhooks", "test", id]);
    assert_eq!(
        result["delivered"], false,
        "a 500 is not a delivery: {result}"
    );
    assert_eq!(
        result["status"], 500,
        "the receiver's status is reported: {result}"
    );
    assert!(
        result["error"]
            .as_str()
            .is_some_and(|e| e.contains("HTTP 500")),
        "with what the receiver answered: {result}"
    );
    assert_eq!(
        receiver.deliveries().len(),
        1,
        "the receiver did get the event"
    );

    let said = op.say(&["webhooks", "test", id]);
    assert!(
        said.contains("NOT delivered") && said.contains("HTTP 500") && said.contains("What to do"),
        "the human output says it was not delivered, the status, and what to do: {said}"
    );
}

#[test]
fn a_removed_webhook_is_listed_as_removed_and_can_no_longer_be_tested() {
    let (_endpoint, op) = production();
    let receiver = receiver(204);
    let made = op.add(&receiver.url(), "generation.voided,balance.low");
    let id = made["webhook_id"].as_str().expect("a webhook id");

    let failures = op.ok(&["webhooks", "failures", id]);
    assert_eq!(
        failures,
        serde_json::json!([]),
        "a new webhook has no failed deliveries"
    );
    let said = op.say(&["webhooks", "failures", id]);
    assert!(
        said.contains("No deliveries"),
        "and says so in words: {said}"
    );

    let removed = op.ok(&["webhooks", "remove", id]);
    assert!(
        removed["removed_at"].is_string(),
        "remove answers the webhook with its removal time: {removed}"
    );
    let list = op.webhooks();
    assert_eq!(list.len(), 1, "a removed webhook is still listed: {list:?}");
    assert!(list[0]["removed_at"].is_string(), "as removed: {list:?}");
    let human = op.say(&["webhooks", "list"]);
    assert!(human.contains(id), "the human list names it too: {human}");

    let refused = op.err(&["webhooks", "test", id]);
    assert_eq!(
        refused["code"], "not_found",
        "a removed webhook cannot be tested: {refused}"
    );
    assert!(
        receiver.deliveries().is_empty(),
        "nothing was sent to a removed webhook's receiver"
    );
}

#[test]
fn bad_webhook_input_is_refused_with_a_clear_message_and_registers_nothing() {
    let (_endpoint, op) = production();
    let cases: [(&str, &str, &str); 5] = [
        (
            "https://b.example/h",
            "claim.decided,refund.sent",
            "refund.sent",
        ),
        ("https://b.example/h", "", "at least one"),
        ("https://b.example/h", "balance.low,balance.low", "twice"),
        ("http://billing.example/h", "claim.decided", "https://"),
        ("ftp://billing.example/h", "claim.decided", "https://"),
    ];
    for (url, events, named) in cases {
        let e = op.err(&["webhooks", "add", "--url", url, "--events", events]);
        assert_eq!(
            e["code"], "invalid_input",
            "--url {url} --events {events:?} is invalid input: {e}"
        );
        assert!(
            e["message"].as_str().is_some_and(|m| m.contains(named)),
            "the message for --url {url} --events {events:?} names {named:?}: {e}"
        );
    }
    let out = op.raw(
        false,
        &[
            "webhooks",
            "add",
            "--url",
            "http://billing.example/h",
            "--events",
            "claim.decided",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("not https://"),
        "without --json the refusal is on stderr and the exit is non-zero: {}",
        text(&out)
    );
    // The CLI refused those before sending; the endpoint refuses them on its own too.
    let client = recoup_sync::Client::new(
        recoup_sync::HttpTransport::new(&op.url).expect("a transport to the endpoint"),
    )
    .with_token(ADMIN_TOKEN.to_owned());
    for (url, events) in [
        ("http://billing.example/h", vec!["claim.decided".to_owned()]),
        ("https://b.example/h", vec!["refund.sent".to_owned()]),
        ("https://b.example/h", Vec::new()),
    ] {
        let refused = client.admin_create_webhook(url, &events);
        assert!(
            matches!(&refused, Err(e) if e.code() == Some(recoup_api::ErrorCode::InvalidInput)),
            "the endpoint itself refuses {url} {events:?} as invalid input: {refused:?}"
        );
    }
    assert!(
        op.webhooks().is_empty(),
        "no refused webhook was registered"
    );

    let unknown = uuid::Uuid::now_v7().to_string();
    for command in ["remove", "test", "failures"] {
        let e = op.err(&["webhooks", command, &unknown]);
        assert_eq!(
            e["code"], "not_found",
            "webhooks {command} of an unknown id is not found: {e}"
        );
        assert!(
            e["message"].as_str().is_some_and(|m| m.contains(&unknown)),
            "the message names the id: {e}"
        );
    }
    let out = op.raw(true, &["webhooks", "remove", "not-a-uuid"]);
    assert!(
        !out.status.success(),
        "an id that is not a UUID is refused before anything is sent: {}",
        text(&out)
    );
}

#[test]
fn balance_low_is_set_and_reset_on_a_known_account_and_refused_on_an_unknown_one() {
    let (_endpoint, op) = production();
    let account = op.ok(&["accounts", "create", "--allowance", "50"]);
    let id = account["account_id"]
        .as_str()
        .expect("an account id")
        .to_owned();

    let set = op.ok(&["accounts", "balance-low", &id, "--threshold", "10"]);
    assert_eq!(
        set,
        serde_json::json!({"account_id": id, "threshold": 10}),
        "the account's own threshold is set"
    );
    let said = op.say(&["accounts", "balance-low", &id, "--threshold", "12"]);
    assert!(
        said.contains("below 12 credits"),
        "the human output says the threshold: {said}"
    );
    let reset = op.ok(&["accounts", "balance-low", &id, "--default"]);
    assert_eq!(
        reset,
        serde_json::json!({"account_id": id, "threshold": null}),
        "--default goes back to the endpoint's default"
    );

    let unknown = uuid::Uuid::now_v7().to_string();
    let e = op.err(&["accounts", "balance-low", &unknown, "--threshold", "10"]);
    assert_eq!(e["code"], "not_found", "an unknown account is refused: {e}");
    assert!(
        e["message"].as_str().is_some_and(|m| m.contains(&unknown)),
        "naming the account: {e}"
    );

    for args in [
        vec!["accounts", "balance-low", id.as_str()],
        vec![
            "accounts",
            "balance-low",
            id.as_str(),
            "--threshold",
            "5",
            "--default",
        ],
    ] {
        let out = op.raw(false, &args);
        assert!(
            !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--default"),
            "exactly one of --threshold and --default is required ({args:?}): {}",
            text(&out)
        );
    }
}
