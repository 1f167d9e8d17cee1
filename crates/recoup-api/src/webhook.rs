//! Webhooks: what the endpoint tells the product's backend (its billing, its support tools), the
//! admin calls that register receivers, and the signature a receiver checks.
//!
//! Every delivery is a `POST` of one [`WebhookEvent`] as JSON, with the header
//! `Recoup-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. A receiver
//! calls [`verify_signature`] with the raw body before trusting anything in it, answers 2xx once
//! it has kept the event, and deduplicates by the event's `id`: delivery is at least once.
//!
//! ```
//! use recoup_api::{sign_payload, verify_signature, SignatureCheck};
//! let body = br#"{"id":"..."}"#;
//! let header = sign_payload("whsec_example", 1_780_000_000, body);
//! assert_eq!(verify_signature("whsec_example", &header, body, 1_780_000_010, 300), Ok(()));
//! assert_eq!(
//!     verify_signature("whsec_other", &header, body, 1_780_000_010, 300),
//!     Err(SignatureCheck::Mismatch)
//! );
//! ```

use hmac::{Hmac, Mac};
use recoup_core::Timestamp;
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

/// The header carrying a delivery's signature.
pub const SIGNATURE_HEADER: &str = "Recoup-Signature";

/// The header carrying a delivery's event id (also in the body).
pub const EVENT_ID_HEADER: &str = "Recoup-Event-Id";

/// How old a signature [`verify_signature`] accepts by default, in seconds (5 minutes).
pub const SIGNATURE_TOLERANCE_SECS: u64 = 300;

/// Longest webhook URL, in bytes.
pub const WEBHOOK_URL_LEN_MAX: usize = 2_048;

/// The event types a webhook may subscribe to.
pub const WEBHOOK_EVENT_TYPES: [&str; 4] = [
    "claim.decided",
    "refund.posted",
    "generation.voided",
    "balance.low",
];

/// The type of the event `POST /v1/admin/webhooks/{id}/test` sends (never sent otherwise).
pub const TEST_EVENT_TYPE: &str = "webhook.test";

/// `POST /v1/admin/webhooks`: register a receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookCreate {
    /// Where events are posted: `https://`, or `http://` to a loopback address.
    pub url: String,
    /// The event types it receives (at least one; each one of [`WEBHOOK_EVENT_TYPES`]).
    pub events: Vec<String>,
}

/// A receiver just registered, with its signing secret (shown this once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCreated {
    /// The receiver.
    pub webhook_id: Uuid,
    /// The secret its deliveries are signed with.
    pub secret: String,
    /// Where events are posted.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
}

/// A receiver as listed (never with its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookView {
    /// The receiver.
    pub webhook_id: Uuid,
    /// Where events are posted.
    pub url: String,
    /// The event types it receives.
    pub events: Vec<String>,
    /// When it was registered; it receives events from then on.
    pub created_at: Timestamp,
    /// When it was removed, if it was.
    pub removed_at: Option<Timestamp>,
}

/// A delivery given up on after retrying for the whole retry period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookFailure {
    /// The receiver.
    pub webhook_id: Uuid,
    /// The event's id.
    pub event_id: Uuid,
    /// The event's type.
    pub event_type: String,
    /// Whose event it was.
    pub account_id: Uuid,
    /// How many attempts were made.
    pub attempts: u32,
    /// What the last attempt met.
    pub last_error: String,
    /// When it was given up.
    pub failed_at: Timestamp,
    /// The event as it would have been delivered, to replay it by hand.
    pub event: WebhookEvent,
}

/// What `POST /v1/admin/webhooks/{id}/test` found: one signed test event sent at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookTestResult {
    /// Whether the receiver answered 2xx.
    pub delivered: bool,
    /// The receiver's HTTP status, when it answered.
    pub status: Option<u16>,
    /// What went wrong, when something did.
    pub error: Option<String>,
    /// The test event sent.
    pub event_id: Uuid,
}

/// `PUT /v1/admin/accounts/{account}/balance-low`: the account's own `balance.low` threshold.
/// `threshold` is required (`null` for the endpoint's default), so a body that forgot it never
/// resets a threshold by accident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BalanceThreshold {
    /// Credits; `None` for the endpoint's default.
    #[serde(deserialize_with = "required_option")]
    pub threshold: Option<u64>,
}

/// The answer to `PUT /v1/admin/accounts/{account}/balance-low`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceThresholdSet {
    /// The account.
    pub account_id: Uuid,
    /// Its own threshold now (`None`: the endpoint's default applies).
    pub threshold: Option<u64>,
}

/// An `Option` field that must be present (as a value or `null`): serde's default for a missing
/// `Option` is `None`, which is not what the caller meant here.
fn required_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<u64>::deserialize(d)
}

/// One event, as delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookEvent {
    /// The same at every delivery of this event: deduplicate with it.
    pub id: Uuid,
    /// `claim.decided`, `refund.posted`, `generation.voided`, `balance.low` (or `webhook.test`).
    #[serde(rename = "type")]
    pub event_type: String,
    /// Whose event it is.
    pub account_id: Uuid,
    /// When its cause happened.
    pub created_at: Timestamp,
    /// Its position among the account's events: increasing, and a receiver gets an account's
    /// events in this order (a later one only once every earlier one was delivered or given up).
    pub sequence: i64,
    /// What it says; fields per type in the OpenAPI document (`WebhookEvent`).
    pub data: serde_json::Value,
}

/// Why [`verify_signature`] refused a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureCheck {
    /// The header is not `t=<unix seconds>,v1=<hex>`.
    #[error("the Recoup-Signature header is not t=<unix seconds>,v1=<hex digest>")]
    Malformed,
    /// The signature is older (or further in the future) than the tolerance: a replay.
    #[error("the signature's time is outside the tolerance: a replayed or delayed delivery")]
    Stale,
    /// No `v1` digest matches the body with this secret: forged, altered, or another secret.
    #[error("the signature does not match the body with this secret")]
    Mismatch,
}

/// The `Recoup-Signature` header value for `body` signed with `secret` at `unix_secs`.
pub fn sign_payload(secret: &str, unix_secs: i64, body: &[u8]) -> String {
    format!("t={unix_secs},v1={}", hex_digest(secret, unix_secs, body))
}

fn mac(secret: &str, unix_secs: i64, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length: `new_from_slice` cannot fail for it.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => unreachable!("HMAC accepts keys of every length"),
    };
    mac.update(unix_secs.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

fn hex_digest(secret: &str, unix_secs: i64, body: &[u8]) -> String {
    hex::encode(mac(secret, unix_secs, body).finalize().into_bytes())
}

/// Checks a delivery: the header's time is within `tolerance_secs` of `now_unix_secs`, and one
/// of its `v1` digests is the HMAC-SHA256 of `"<t>.<body>"` with `secret` (compared in constant
/// time). Several `v1` values may be present (while a secret is rotated).
pub fn verify_signature(
    secret: &str,
    header: &str,
    body: &[u8],
    now_unix_secs: i64,
    tolerance_secs: u64,
) -> Result<(), SignatureCheck> {
    let mut t: Option<i64> = None;
    let mut digests: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureCheck::Malformed)?;
        match k {
            "t" => t = Some(v.parse().map_err(|_| SignatureCheck::Malformed)?),
            "v1" => digests.push(hex::decode(v).map_err(|_| SignatureCheck::Malformed)?),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureCheck::Malformed)?;
    if digests.is_empty() {
        return Err(SignatureCheck::Malformed);
    }
    if now_unix_secs.abs_diff(t) > tolerance_secs {
        return Err(SignatureCheck::Stale);
    }
    if digests
        .iter()
        .any(|d| mac(secret, t, body).verify_slice(d).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureCheck::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_780_000_000;

    #[test]
    fn a_signed_body_verifies_and_any_change_is_refused() {
        let body = br#"{"id":"1","type":"refund.posted"}"#;
        let header = sign_payload("whsec_a", NOW, body);
        assert_eq!(
            verify_signature("whsec_a", &header, body, NOW, SIGNATURE_TOLERANCE_SECS),
            Ok(()),
            "the body as signed verifies"
        );
        let altered = br#"{"id":"1","type":"refund.posted" }"#;
        assert_eq!(
            verify_signature("whsec_a", &header, altered, NOW, SIGNATURE_TOLERANCE_SECS),
            Err(SignatureCheck::Mismatch),
            "one byte more in the body is a mismatch"
        );
        assert_eq!(
            verify_signature("whsec_b", &header, body, NOW, SIGNATURE_TOLERANCE_SECS),
            Err(SignatureCheck::Mismatch),
            "another secret is a mismatch"
        );
        let moved = header.replace(&format!("t={NOW}"), &format!("t={}", NOW + 1));
        assert_eq!(
            verify_signature("whsec_a", &moved, body, NOW, SIGNATURE_TOLERANCE_SECS),
            Err(SignatureCheck::Mismatch),
            "the time is signed too: changing it is a mismatch"
        );
    }

    #[test]
    fn an_old_or_future_signature_is_stale() {
        let body = b"{}";
        let header = sign_payload("s", NOW, body);
        assert_eq!(
            verify_signature("s", &header, body, NOW + 301, 300),
            Err(SignatureCheck::Stale),
            "301 s late is past a 300 s tolerance"
        );
        assert_eq!(
            verify_signature("s", &header, body, NOW - 301, 300),
            Err(SignatureCheck::Stale),
            "301 s early is past it too"
        );
        assert_eq!(
            verify_signature("s", &header, body, NOW + 300, 300),
            Ok(()),
            "at the tolerance it passes"
        );
    }

    #[test]
    fn a_malformed_header_is_named_as_such() {
        for header in [
            "",
            "v1=00",
            "t=abc,v1=00",
            &format!("t={NOW}"),
            &format!("t={NOW},v1=zz"),
            "garbage",
        ] {
            assert_eq!(
                verify_signature("s", header, b"{}", NOW, 300),
                Err(SignatureCheck::Malformed),
                "header {header:?} is malformed"
            );
        }
    }

    #[test]
    fn a_threshold_body_must_name_the_threshold_even_as_null() {
        let parse = |s: &str| serde_json::from_str::<BalanceThreshold>(s);
        assert_eq!(
            parse(r#"{"threshold":5}"#).ok(),
            Some(BalanceThreshold { threshold: Some(5) }),
            "a number sets it"
        );
        assert_eq!(
            parse(r#"{"threshold":null}"#).ok(),
            Some(BalanceThreshold { threshold: None }),
            "null resets it"
        );
        assert!(
            parse("{}").is_err(),
            "a missing threshold is refused, not taken as null"
        );
        assert!(
            parse(r#"{"threshold":1,"x":2}"#).is_err(),
            "an unknown field is refused"
        );
    }

    #[test]
    fn one_matching_digest_among_several_is_enough() {
        let body = b"{}";
        let good = sign_payload("new", NOW, body);
        let digest = good.split("v1=").nth(1).unwrap_or_default();
        let header = format!("t={NOW},v1={},v1={digest}", "00".repeat(32));
        assert_eq!(
            verify_signature("new", &header, body, NOW, 300),
            Ok(()),
            "while a secret rotates, a header may carry two digests"
        );
    }
}
