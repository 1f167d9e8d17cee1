//! `recoup admin`: an endpoint's operator side, with its admin token. The review queue (approve
//! or reject claims the endpoint could not call "clearly unusable"), policy publication, grants,
//! and the sandbox's test clocks and generator. Nothing here opens or creates a data dir: these
//! commands talk to the endpoint only.

mod identity;
pub mod providers;
mod webhooks;

use std::path::Path;

use uuid::Uuid;

use recoup_api::{AdminGrant, ErrorCode, GeneratorSettings};
use recoup_core::{ClaimId, Policy};
use recoup_sync::{Client, ClientError, HttpTransport};

use crate::args::{AdminAccountsCommand, AdminArgs, AdminCommand, AdminGrantArgs};
use crate::error::{CliError, Result};
use crate::output::{Output, read};
use crate::render;
use crate::views::{AdminGranted, ClockAdvanced, Reviewed};

/// An admin client of one endpoint, mapping refusals to errors that say what was refused.
struct Admin {
    endpoint: String,
    client: Client<HttpTransport>,
}

impl Admin {
    fn new(endpoint: Option<String>, token: Option<String>) -> Result<Self> {
        let endpoint = endpoint
            .map(|e| e.trim().trim_end_matches('/').to_owned())
            .filter(|e| !e.is_empty())
            .ok_or(CliError::Missing(
                "endpoint: pass --endpoint URL (e.g. http://127.0.0.1:8787)",
            ))?;
        let token = token
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .ok_or(CliError::Missing(
                "admin token: pass --admin-token TOKEN or set RECOUP_ADMIN_TOKEN",
            ))?;
        let transport = HttpTransport::new(&endpoint).map_err(|e| CliError::Admin {
            endpoint: endpoint.clone(),
            what: "connect",
            source: ClientError::Transport(e),
        })?;
        Ok(Self {
            client: Client::new(transport).with_token(token),
            endpoint,
        })
    }

    /// The error for a failed call; `what` names the command for sandbox-only refusals.
    fn refused(&self, what: &'static str, e: ClientError) -> CliError {
        let endpoint = self.endpoint.clone();
        if e.is_unauthorized() {
            let message = match &e {
                ClientError::Api { status, error } => format!("HTTP {status}: {}", error.message),
                other => other.to_string(),
            };
            return CliError::AdminToken { endpoint, message };
        }
        if e.code() == Some(ErrorCode::SandboxOnly) {
            return CliError::NotSandbox { endpoint, what };
        }
        CliError::Admin {
            endpoint,
            what,
            source: e,
        }
    }
}

/// Runs one admin command. Local checks (a policy file, the rates) come before any request.
pub fn run(args: AdminArgs) -> Result<Output> {
    let admin = Admin::new(args.endpoint, args.admin_token)?;
    match args.command {
        AdminCommand::Reviews => reviews(&admin),
        AdminCommand::Approve {
            account_id,
            claim_id,
        } => review(&admin, account_id, claim_id, true),
        AdminCommand::Reject {
            account_id,
            claim_id,
        } => review(&admin, account_id, claim_id, false),
        AdminCommand::PublishPolicy { file } => publish_policy(&admin, &file),
        AdminCommand::Grant(a) => grant(&admin, a),
        AdminCommand::AdvanceClock { account_id, secs } => advance_clock(&admin, account_id, secs),
        AdminCommand::Generator {
            failure_rate,
            bad_rate,
        } => generator(
            &admin,
            GeneratorSettings {
                failure_rate,
                bad_rate,
            },
        ),
        AdminCommand::Providers { command } => providers::run(&admin, command),
        AdminCommand::Webhooks { command } => webhooks::run(&admin, command),
        AdminCommand::Accounts(AdminAccountsCommand::Identity(c)) => identity::accounts(&admin, c),
        AdminCommand::Accounts(AdminAccountsCommand::BalanceLow(a)) => {
            webhooks::balance_low(&admin, a)
        }
        AdminCommand::Tokens(c) => identity::tokens(&admin, c),
        AdminCommand::Audit { limit, before } => identity::audit(&admin, limit, before),
    }
}

/// The claims waiting for a person, oldest first.
fn reviews(admin: &Admin) -> Result<Output> {
    let items = admin
        .client
        .admin_reviews()
        .map_err(|e| admin.refused("reviews", e))?;
    Ok(Output::new(&items, render::reviews(&items)))
}

/// Approves (refunds) or rejects a claim waiting for review.
fn review(admin: &Admin, account_id: Uuid, claim_id: ClaimId, approve: bool) -> Result<Output> {
    let claim = admin
        .client
        .admin_review(account_id, claim_id, approve)
        .map_err(|e| admin.refused("review", e))?;
    let human = render::reviewed(account_id, &claim);
    Ok(Output::new(&Reviewed { account_id, claim }, human))
}

fn publish_policy(admin: &Admin, file: &Path) -> Result<Output> {
    // Validated here first: a bad document is refused, naming the field, with nothing sent.
    // The endpoint validates it again and signs exactly what it accepted.
    let bytes = read(file)?;
    let policy = Policy::from_json(&bytes).map_err(|source| CliError::Document {
        path: file.to_owned(),
        source,
    })?;
    let signed = admin
        .client
        .admin_publish_policy(&bytes)
        .map_err(|e| admin.refused("publish-policy", e))?;
    let human = render::published(&signed, policy.version());
    Ok(Output::new(&signed, human))
}

fn grant(admin: &Admin, a: AdminGrantArgs) -> Result<Output> {
    let grant = AdminGrant {
        credits: a.credits,
        kind: a.kind,
        expires_in_days: a.expires_in_days,
        note: a.note,
    };
    let record = admin
        .client
        .admin_grant(a.account_id, &grant)
        .map_err(|e| admin.refused("grant", e))?;
    let human = render::admin_grant(a.account_id, &record);
    let view = AdminGranted {
        account_id: a.account_id,
        grant: record,
    };
    Ok(Output::new(&view, human))
}

fn advance_clock(admin: &Admin, account_id: Uuid, secs: u64) -> Result<Output> {
    let server_time = admin
        .client
        .admin_advance_clock(account_id, secs)
        .map_err(|e| admin.refused("advance-clock (test clocks)", e))?;
    let human = render::clock_advanced(account_id, secs, server_time);
    let view = ClockAdvanced {
        account_id,
        advanced_secs: secs,
        server_time,
    };
    Ok(Output::new(&view, human))
}

/// The sandbox generator's failure and bad-result rates, checked here before anything is sent.
fn generator(admin: &Admin, rates: GeneratorSettings) -> Result<Output> {
    check_rate("failure-rate", rates.failure_rate)?;
    check_rate("bad-rate", rates.bad_rate)?;
    let settings = admin
        .client
        .admin_set_generator(rates)
        .map_err(|e| admin.refused("generator (the simulated generator)", e))?;
    Ok(Output::new(&settings, render::generator(&settings)))
}

fn check_rate(field: &'static str, rate: f64) -> Result<()> {
    if (0.0..=1.0).contains(&rate) {
        Ok(())
    } else {
        Err(CliError::Input {
            field,
            problem: format!("{rate} is not between 0 and 1"),
        })
    }
}
