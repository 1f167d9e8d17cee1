//! `recoup admin accounts|tokens|audit` end to end: a production endpoint (the recoup-server
//! library on loopback), an operator driving the `recoup` binary with the admin token, and a
//! user whose data dir is linked with a provisioned account's token.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod operator;

use std::path::Path;

use operator::{Operator, json_of, recoup, text};
use serde_json::Value;

const ADMIN_TOKEN: &str = "cli-Identity-4Wq8Zr2Lp6Nx9Tb";

/// `recoup --data-dir DIR --json ARGS` for a user; the output and whether it succeeded.
fn user(dir: &Path, home: &Path, args: &[&str]) -> (bool, Value) {
    let mut all = vec!["--data-dir", dir.to_str().unwrap(), "--json"];
    all.extend_from_slice(args);
    let out = recoup(home, &all);
    (out.status.success(), json_of(&out))
}

fn production() -> (recoup_tests::system::Endpoint, Operator) {
    operator::production(ADMIN_TOKEN)
}

#[test]
fn an_operator_creates_lists_shows_and_disables_accounts_and_the_user_feels_each_step() {
    let (_endpoint, op) = production();
    let made = op.ok(&[
        "accounts",
        "create",
        "--allowance",
        "25",
        "--subject",
        "user-31",
    ]);
    let id = made["account_id"]
        .as_str()
        .expect("an account id")
        .to_owned();
    let token = made["token"].as_str().expect("a token").to_owned();
    let home = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let (ok, login) = user(
        data.path(),
        home.path(),
        &["login", "--endpoint", &op.url, "--token", &token],
    );
    assert!(ok, "the provisioned token logs in: {login}");
    let (_, balance) = user(data.path(), home.path(), &["balance"]);
    assert_eq!(
        balance["totals"]["available"], 25,
        "the allowance reached the device: {balance}"
    );
    let listed = op.ok(&["accounts", "list"]);
    let accounts = listed["accounts"].as_array().expect("accounts");
    assert_eq!(
        (accounts.len(), accounts[0]["subject"].as_str()),
        (1, Some("user-31")),
        "the list shows the account with its subject: {listed}"
    );
    let table = op.say(&["accounts", "list"]);
    assert!(
        table.contains(&id) && table.contains("user-31"),
        "the human list names the account and its subject: {table}"
    );
    let shown = op.ok(&["accounts", "show", &id]);
    assert_eq!(
        (
            shown["active_tokens"].as_u64(),
            shown["disabled_at"].is_null()
        ),
        (Some(1), true),
        "show: one active token, not disabled: {shown}"
    );
    let disabled = op.ok(&["accounts", "disable", &id]);
    assert!(
        disabled["disabled_at"].is_string(),
        "disable answers the disabled account: {disabled}"
    );
    let (ok, refused) = user(data.path(), home.path(), &["account"]);
    assert!(!ok, "a disabled account's device is refused: {refused}");
    assert_eq!(
        refused["error"]["code"], "account_disabled",
        "the device is told why: {refused}"
    );
    let missing = op.err(&["accounts", "show", &uuid::Uuid::now_v7().to_string()]);
    assert_eq!(
        missing["code"], "not_found",
        "an unknown account is not found: {missing}"
    );
}

#[test]
fn an_operator_issues_lists_and_revokes_tokens_and_rotation_keeps_the_device_working() {
    let (_endpoint, op) = production();
    let made = op.ok(&["accounts", "create"]);
    let id = made["account_id"]
        .as_str()
        .expect("an account id")
        .to_owned();
    let old = made["token"].as_str().expect("a token").to_owned();
    let issued = op.ok(&[
        "tokens",
        "issue",
        &id,
        "--label",
        "laptop",
        "--expires-in-days",
        "30",
    ]);
    let new = issued["token"].as_str().expect("the new token").to_owned();
    let new_id = issued["token_id"].as_str().expect("its id").to_owned();
    assert!(
        issued["expires_at"].is_string(),
        "the expiry is shown: {issued}"
    );
    let listed = op.ok(&["tokens", "list", &id]);
    let tokens = listed.as_array().expect("a list of tokens");
    assert_eq!(tokens.len(), 2, "both tokens are listed: {listed}");
    let text = listed.to_string();
    assert!(
        !text.contains(&old) && !text.contains(&new),
        "a listing never shows a secret: {listed}"
    );
    let old_id = tokens
        .iter()
        .find(|t| t["token_id"] != new_id.as_str())
        .and_then(|t| t["token_id"].as_str())
        .expect("the first token's id")
        .to_owned();
    let home = tempfile::tempdir().unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    for (dir, token) in [(&a, &old), (&b, &new)] {
        let (ok, v) = user(
            dir.path(),
            home.path(),
            &["login", "--endpoint", &op.url, "--token", token],
        );
        assert!(ok, "both tokens work during the rotation: {v}");
    }
    let revoked = op.ok(&["tokens", "revoke", &id, &old_id]);
    assert!(
        revoked["revoked_at"].is_string(),
        "revoke answers the revoked token: {revoked}"
    );
    let (ok, v) = user(a.path(), home.path(), &["account"]);
    assert!(!ok, "the revoked token is refused: {v}");
    assert_eq!(v["error"]["code"], "token_revoked", "with its code: {v}");
    let (ok, v) = user(b.path(), home.path(), &["account"]);
    assert!(ok, "the new token keeps working: {v}");
}

#[test]
fn the_audit_log_lists_every_admin_action_newest_first_with_the_credential_that_made_it() {
    let (_endpoint, op) = production();
    let made = op.ok(&["accounts", "create", "--allowance", "5"]);
    let id = made["account_id"]
        .as_str()
        .expect("an account id")
        .to_owned();
    op.ok(&["tokens", "issue", &id]);
    op.ok(&["accounts", "disable", &id]);
    let page = op.ok(&["audit", "--limit", "10"]);
    let entries = page["entries"].as_array().expect("entries");
    let actions: Vec<&str> = entries
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    let wanted = ["account.disable", "token.issue", "account.create"];
    assert!(
        actions.starts_with(&wanted) || actions.windows(3).any(|w| w == wanted),
        "the three actions, newest first: {actions:?}"
    );
    assert!(
        entries
            .iter()
            .filter(|e| wanted.contains(&e["action"].as_str().unwrap_or("")))
            .all(|e| e["actor"] == "bootstrap" && e["target"].as_str().unwrap_or("").contains(&id)),
        "each names the bootstrap credential and the account: {page}"
    );
    let printed = page.to_string();
    assert!(
        !printed.contains(made["token"].as_str().unwrap_or("none")),
        "the audit log never holds a secret: {page}"
    );
    let table = op.say(&["audit"]);
    assert!(
        table.contains("account.create") && table.contains("bootstrap"),
        "the human audit table shows the action and the actor: {table}"
    );
    let bad = op.raw(true, &["audit", "--limit", "0"]);
    assert!(
        !bad.status.success(),
        "a limit out of range is refused before anything is sent: {}",
        text(&bad)
    );
}
