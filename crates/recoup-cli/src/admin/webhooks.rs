//! `recoup admin webhooks`: the product backend's receivers of signed events (register one,
//! list them, remove one, send a test event, list the deliveries given up on), and
//! `recoup admin accounts balance-low`, the threshold of an account's `balance.low` event. A
//! receiver's secret is printed once, when it is registered.

use recoup_api::{WEBHOOK_EVENT_TYPES, WEBHOOK_URL_LEN_MAX, WebhookFailure, WebhookTestResult};
use serde::Serialize;
use uuid::Uuid;

use super::Admin;
use crate::args::{BalanceLowArgs, WebhooksCommand};
use crate::error::{CliError, Result};
use crate::output::Output;
use crate::render::{table, when};

/// Longest part of a receiver's error shown in a table cell, in characters (`--json` has it
/// whole).
const ERROR_CELL_CHARS_MAX: usize = 80;

pub(super) fn run(admin: &Admin, command: WebhooksCommand) -> Result<Output> {
    match command {
        WebhooksCommand::Add { url, events } => add(admin, &url, &events),
        WebhooksCommand::List => {
            let list = admin
                .client
                .admin_webhooks()
                .map_err(|e| admin.refused("webhooks list", e))?;
            let human = if list.is_empty() {
                "No webhooks. Register one with `recoup admin webhooks add --url URL --events TYPES`."
                    .to_owned()
            } else {
                let mut t = table(&["webhook", "url", "events", "created", "removed"]);
                for w in &list {
                    t.add_row(vec![
                        w.webhook_id.to_string(),
                        w.url.clone(),
                        w.events.join(", "),
                        when(w.created_at),
                        w.removed_at.map(when).unwrap_or_default(),
                    ]);
                }
                t.to_string()
            };
            Ok(Output::new(&list, human))
        }
        WebhooksCommand::Remove { webhook_id } => {
            let removed = admin
                .client
                .admin_remove_webhook(webhook_id)
                .map_err(|e| admin.refused("webhooks remove", e))?;
            let human = format!(
                "Webhook {} ({}) removed: it gets no more events.",
                removed.webhook_id, removed.url
            );
            Ok(Output::new(&removed, human))
        }
        WebhooksCommand::Test { webhook_id } => {
            let result = admin
                .client
                .admin_test_webhook(webhook_id)
                .map_err(|e| admin.refused("webhooks test", e))?;
            let human = tested(webhook_id, &result);
            Ok(Output::new(&result, human))
        }
        WebhooksCommand::Failures { webhook_id } => {
            let list = admin
                .client
                .admin_webhook_failures(webhook_id)
                .map_err(|e| admin.refused("webhooks failures", e))?;
            let human = failures(webhook_id, &list);
            Ok(Output::new(&list, human))
        }
    }
}

/// Registers a receiver, once its URL and event types passed the endpoint's own rules here
/// (nothing is sent otherwise).
fn add(admin: &Admin, url: &str, events: &[String]) -> Result<Output> {
    if url.len() > WEBHOOK_URL_LEN_MAX {
        return Err(CliError::Input {
            field: "url",
            problem: format!("is longer than {WEBHOOK_URL_LEN_MAX} bytes"),
        });
    }
    let url = recoup_api::secure_url(url).map_err(|refusal| CliError::Input {
        field: "url",
        problem: refusal.to_string(),
    })?;
    let events = event_types(events)?;
    let created = admin
        .client
        .admin_create_webhook(&url, &events)
        .map_err(|e| admin.refused("webhooks add", e))?;
    let human = format!(
        "Webhook {} registered: {} gets {}.\n\
         Signing secret (shown once, keep it secret): {}\n\
         The receiver checks each delivery's Recoup-Signature header with it; try it with \
         `recoup admin webhooks test {}`.",
        created.webhook_id,
        created.url,
        created.events.join(", "),
        created.secret,
        created.webhook_id
    );
    Ok(Output::new(&created, human))
}

/// The event types asked for, trimmed: at least one, each known, none twice.
fn event_types(asked: &[String]) -> Result<Vec<String>> {
    let known = || WEBHOOK_EVENT_TYPES.join(", ");
    let events: Vec<String> = asked
        .iter()
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty())
        .collect();
    if events.is_empty() {
        return Err(CliError::Input {
            field: "events",
            problem: format!("name at least one of: {}", known()),
        });
    }
    for (i, e) in events.iter().enumerate() {
        if !WEBHOOK_EVENT_TYPES.contains(&e.as_str()) {
            return Err(CliError::Input {
                field: "events",
                problem: format!("unknown event type {e:?}; the types are: {}", known()),
            });
        }
        if events[..i].contains(e) {
            return Err(CliError::Input {
                field: "events",
                problem: format!("{e:?} is named twice"),
            });
        }
    }
    Ok(events)
}

/// What the receiver did with the test event, and what to do when it did not keep it.
fn tested(webhook: Uuid, r: &WebhookTestResult) -> String {
    if r.delivered {
        // The endpoint reports a 2xx as delivered; the exact status is not the point here.
        return format!(
            "Test event {} delivered to webhook {webhook}: the receiver accepted it (2xx).",
            r.event_id
        );
    }
    let advice = match r.status {
        Some(400 | 401 | 403) => {
            "the receiver refused it: check that it verifies the Recoup-Signature header with \
             this webhook's secret (recoup_api::verify_signature) over the raw body"
        }
        Some(404 | 405) => "check the URL's path: nothing there takes a POST",
        Some(300..=399) => {
            "the receiver redirected it, and redirects are not followed (a signed event goes \
             only where it was registered): register the final URL instead"
        }
        Some(s) if s >= 500 => {
            "the receiver failed on it: look at its logs; it must answer 2xx once it has kept \
             the event"
        }
        Some(_) => "the receiver must answer 2xx once it has kept the event",
        None => {
            "check that the URL is reachable from the endpoint's machine and answers within \
             the endpoint's webhook timeout"
        }
    };
    // The endpoint's reason starts with "HTTP <status>" when the receiver answered.
    let what = match (r.status, r.error.as_deref()) {
        (Some(_), Some(why)) => format!("the receiver answered {why}"),
        (Some(s), None) => format!("the receiver answered HTTP {s}"),
        (None, Some(why)) => format!("the endpoint could not reach the receiver: {why}"),
        (None, None) => "the receiver did not answer".to_owned(),
    };
    format!(
        "Test event {} NOT delivered to webhook {webhook}: {what}.\nWhat to do: {advice}; then \
         run `recoup admin webhooks test {webhook}` again.",
        r.event_id
    )
}

fn failures(webhook: Uuid, list: &[WebhookFailure]) -> String {
    if list.is_empty() {
        return format!("No deliveries to webhook {webhook} were given up on.");
    }
    let mut t = table(&[
        "event",
        "type",
        "account",
        "attempts",
        "given up",
        "last error",
    ]);
    for f in list {
        t.add_row(vec![
            f.event_id.to_string(),
            f.event_type.clone(),
            f.account_id.to_string(),
            f.attempts.to_string(),
            when(f.failed_at),
            f.last_error.chars().take(ERROR_CELL_CHARS_MAX).collect(),
        ]);
    }
    format!(
        "{t}\n`recoup --json admin webhooks failures {webhook}` prints each event as it would \
         have been delivered, to replay by hand."
    )
}

/// `recoup admin accounts balance-low`: what the endpoint set.
#[derive(Debug, Serialize)]
struct BalanceThreshold {
    account_id: Uuid,
    /// The account's own threshold, in credits; `None`: the endpoint's default applies.
    threshold: Option<u64>,
}

pub(super) fn balance_low(admin: &Admin, args: BalanceLowArgs) -> Result<Output> {
    // The clap group makes `--threshold` and `--default` exclusive and one of them required.
    let asked = if args.default { None } else { args.threshold };
    let threshold = admin
        .client
        .admin_set_balance_threshold(args.account_id, asked)
        .map_err(|e| admin.refused("accounts balance-low", e))?;
    let human = match threshold {
        Some(n) => format!(
            "Account {}: its webhooks get balance.low when its available balance drops below {n} credits.",
            args.account_id
        ),
        None => format!(
            "Account {}: the endpoint's default balance.low threshold applies \
             (recoup-server --balance-low-threshold; none set: no balance.low).",
            args.account_id
        ),
    };
    let view = BalanceThreshold {
        account_id: args.account_id,
        threshold,
    };
    Ok(Output::new(&view, human))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn event_types_are_trimmed_and_must_be_known_once_each_and_at_least_one() {
        assert_eq!(
            event_types(&names(&[" refund.posted", "balance.low "])).ok(),
            Some(names(&["refund.posted", "balance.low"])),
            "known types are kept, trimmed, in the order given"
        );
        for bad in [
            names(&[]),
            names(&["", " "]),
            names(&["refund.sent"]),
            names(&["balance.low", "balance.low"]),
        ] {
            assert!(
                matches!(
                    event_types(&bad),
                    Err(CliError::Input {
                        field: "events",
                        ..
                    })
                ),
                "{bad:?} is refused as invalid events"
            );
        }
    }

    #[test]
    fn a_test_not_delivered_says_what_the_receiver_answered_and_what_to_do() {
        let result = |status: Option<u16>, error: &str| WebhookTestResult {
            delivered: false,
            status,
            error: Some(error.to_owned()),
            event_id: Uuid::nil(),
        };
        let refused = tested(Uuid::nil(), &result(Some(401), "HTTP 401: bad signature"));
        assert!(
            refused.contains("answered HTTP 401: bad signature") && refused.contains("secret"),
            "a 401 points at the signature check: {refused}"
        );
        let unreachable = tested(Uuid::nil(), &result(None, "Connection refused"));
        assert!(
            unreachable.contains("could not reach") && unreachable.contains("reachable"),
            "no answer points at the address: {unreachable}"
        );
        let delivered = tested(
            Uuid::nil(),
            &WebhookTestResult {
                delivered: true,
                status: Some(200),
                error: None,
                event_id: Uuid::nil(),
            },
        );
        assert!(
            delivered.contains("delivered") && !delivered.contains("NOT"),
            "a delivery says so: {delivered}"
        );
    }
}
