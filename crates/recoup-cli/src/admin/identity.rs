//! `recoup admin accounts|tokens|audit`: accounts an operator provisions, their tokens (issued
//! once, listed by prefix, revoked), and the audit log.

use recoup_api::{AccountPage, AdminAccount, AuditPage, NewAccount, NewToken, TokenInfo};

use super::Admin;
use crate::args::{AccountsCommand, TokensCommand};
use crate::error::Result;
use crate::output::Output;
use crate::render::{table, when};

/// Accounts listed per page by `recoup admin accounts list`.
const ACCOUNTS_LISTED: u32 = 200;

pub(super) fn accounts(admin: &Admin, command: AccountsCommand) -> Result<Output> {
    match command {
        AccountsCommand::Create { allowance, subject } => {
            let req = NewAccount { allowance, subject };
            let made = admin
                .client
                .admin_create_account(&req)
                .map_err(|e| admin.refused("accounts create", e))?;
            let human = format!(
                "Account {} created.\nIts token (shown once, keep it): {}",
                made.account_id, made.token
            );
            Ok(Output::new(&made, human))
        }
        AccountsCommand::List { after } => {
            let page = admin
                .client
                .admin_accounts(after, ACCOUNTS_LISTED)
                .map_err(|e| admin.refused("accounts list", e))?;
            let human = accounts_table(&page);
            Ok(Output::new(&page, human))
        }
        AccountsCommand::Show { account_id } => {
            let a = admin
                .client
                .admin_account(account_id)
                .map_err(|e| admin.refused("accounts show", e))?;
            let human = accounts_table(&AccountPage {
                accounts: vec![a.clone()],
                next: None,
            });
            Ok(Output::new(&a, human))
        }
        AccountsCommand::Disable { account_id } => {
            let a = admin
                .client
                .admin_disable_account(account_id)
                .map_err(|e| admin.refused("accounts disable", e))?;
            let human = format!("Account {account_id} is disabled: its tokens are refused.");
            Ok(Output::new(&a, human))
        }
    }
}

pub(super) fn tokens(admin: &Admin, command: TokensCommand) -> Result<Output> {
    match command {
        TokensCommand::Issue {
            account_id,
            label,
            expires_in_days,
        } => {
            let req = NewToken {
                label,
                expires_in_days,
            };
            let issued = admin
                .client
                .admin_issue_token(account_id, &req)
                .map_err(|e| admin.refused("tokens issue", e))?;
            let human = format!(
                "Token {} issued for account {account_id}{}.\nThe token (shown once, keep it): {}",
                issued.info.token_id,
                issued
                    .info
                    .expires_at
                    .map_or_else(String::new, |t| format!(", valid until {}", when(t))),
                issued.token
            );
            Ok(Output::new(&issued, human))
        }
        TokensCommand::List { account_id } => {
            let list = admin
                .client
                .admin_tokens(account_id)
                .map_err(|e| admin.refused("tokens list", e))?;
            let human = tokens_table(&list);
            Ok(Output::new(&list, human))
        }
        TokensCommand::Revoke {
            account_id,
            token_id,
        } => {
            let t = admin
                .client
                .admin_revoke_token(account_id, token_id)
                .map_err(|e| admin.refused("tokens revoke", e))?;
            let human = format!("Token {token_id} of account {account_id} is revoked.");
            Ok(Output::new(&t, human))
        }
    }
}

pub(super) fn audit(admin: &Admin, limit: u32, before: Option<u64>) -> Result<Output> {
    let page = admin
        .client
        .admin_audit(before, limit)
        .map_err(|e| admin.refused("audit", e))?;
    let human = audit_table(&page);
    Ok(Output::new(&page, human))
}

fn accounts_table(page: &AccountPage) -> String {
    if page.accounts.is_empty() {
        return "No accounts.".to_owned();
    }
    let mut t = table(&["account", "subject", "created", "disabled", "active tokens"]);
    for a in &page.accounts {
        t.add_row(account_row(a));
    }
    match page.next {
        Some(next) => format!("{t}\nMore: `recoup admin accounts list --after {next}`."),
        None => t.to_string(),
    }
}

fn account_row(a: &AdminAccount) -> Vec<String> {
    vec![
        a.account_id.to_string(),
        a.subject.clone().unwrap_or_default(),
        when(a.created_at),
        a.disabled_at.map(when).unwrap_or_default(),
        a.active_tokens.to_string(),
    ]
}

fn tokens_table(list: &[TokenInfo]) -> String {
    if list.is_empty() {
        return "No tokens.".to_owned();
    }
    let mut t = table(&["token", "prefix", "label", "issued", "expires", "revoked"]);
    for k in list {
        t.add_row(vec![
            k.token_id.to_string(),
            format!("{}…", k.prefix),
            k.label.clone(),
            when(k.created_at),
            k.expires_at.map(when).unwrap_or_else(|| "never".to_owned()),
            k.revoked_at.map(when).unwrap_or_default(),
        ]);
    }
    t.to_string()
}

fn audit_table(page: &AuditPage) -> String {
    if page.entries.is_empty() {
        return "The audit log is empty.".to_owned();
    }
    let mut t = table(&["seq", "at", "actor", "action", "target", "detail"]);
    for e in &page.entries {
        t.add_row(vec![
            e.seq.to_string(),
            when(e.at),
            e.actor.clone(),
            e.action.clone(),
            e.target.clone(),
            e.detail.to_string(),
        ]);
    }
    match page.next {
        Some(next) => format!("{t}\nOlder: `recoup admin audit --before {next}`."),
        None => t.to_string(),
    }
}
