//! The command line, as clap types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use recoup_core::Timestamp;
use recoup_core::{
    ClaimId, ClaimReason, Feature, GenerationId, GenerationStatus, GrantKind, OpId, Platform,
    Surface,
};
use recoup_store::{EntryKind, SyncState};
use uuid::Uuid;

/// Recoup keeps AI credits honest: a local credit ledger and generation history, the refund
/// policy on the device, and "Bad result" reports that wait in an outbox for the endpoint.
#[derive(Debug, Parser)]
#[command(name = "recoup", version, about, long_about = None)]
pub struct Cli {
    /// Where the local database lives [default: $RECOUP_DATA_DIR, else $XDG_DATA_HOME/recoup,
    /// else ~/.local/share/recoup].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Print machine-readable JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,

    /// QA: act as if the device clock read this instant (RFC 3339, e.g. 2026-11-25T10:00:00Z).
    #[arg(
        long,
        global = true,
        value_name = "RFC3339",
        conflicts_with = "clock_offset_secs"
    )]
    pub now: Option<Timestamp>,

    /// QA: shift the device clock by this many seconds (negative for the past).
    #[arg(long, global = true, value_name = "N", allow_hyphen_values = true)]
    pub clock_offset_secs: Option<i64>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show, check or replace the refund policy.
    #[command(subcommand)]
    Policy(PolicyCommand),
    /// Show or replace the price list.
    #[command(subcommand)]
    Prices(PricesCommand),
    /// Add credits to the account (allowance, top-up pack, promotion).
    Grant(GrantArgs),
    /// Show available, held, spent, refunded and expired credits, per grant.
    Balance,
    /// List ledger entries, newest first, or verify the ledger.
    Ledger(LedgerArgs),
    /// Run a generation: on the endpoint when this data dir is linked (then pull its ledger
    /// rows), else a local simulation that holds its price, then captures it, or voids it with
    /// --fail.
    Generate(GenerateArgs),
    /// List generations, newest first.
    History(HistoryArgs),
    /// Say whether a generation can be refunded if reported now, and why not.
    Check {
        /// The generation.
        generation: GenerationId,
    },
    /// Report a generation as a "Bad result".
    Report(ReportArgs),
    /// List reports and where they are on their way to the endpoint.
    Claims(ClaimsArgs),
    /// Release stale holds and expire grants past their expiry (unlinked data dirs only: a
    /// linked one mirrors the endpoint, which settles holds itself).
    Sweep,
    /// Link this data dir to an endpoint: create a sandbox account or use a token, pin the
    /// endpoint's policy-signing key, and pull the account's ledger.
    Login(LoginArgs),
    /// Show the account as the endpoint sees it.
    Account,
    /// Send queued reports, bring back decisions and ledger changes, refresh the policy.
    Sync(SyncArgs),
    /// QA: switch the network off ("force offline") or on; without an argument, show it.
    Network {
        /// `on` or `off`.
        state: Option<NetworkState>,
    },
    /// Operate an endpoint with its admin token: the review queue, policy publication, grants,
    /// and (sandbox) test clocks and the generator. Uses no data dir.
    Admin(AdminArgs),
}

#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The endpoint's base URL, e.g. http://127.0.0.1:8787.
    #[arg(long, value_name = "URL", global = true)]
    pub endpoint: Option<String>,
    /// The endpoint's admin token (not an account's token).
    #[arg(
        long,
        value_name = "TOKEN",
        env = "RECOUP_ADMIN_TOKEN",
        hide_env_values = true,
        global = true
    )]
    pub admin_token: Option<String>,
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// List the claims waiting for a person to decide, oldest first.
    Reviews,
    /// Approve a claim in review: the credits it was charged are refunded.
    Approve {
        /// The account the claim belongs to.
        account_id: Uuid,
        /// The claim.
        claim_id: ClaimId,
    },
    /// Reject a claim in review: not clearly unusable, recorded as feedback.
    Reject {
        /// The account the claim belongs to.
        account_id: Uuid,
        /// The claim.
        claim_id: ClaimId,
    },
    /// Validate a policy document here, then publish it (signed) on the endpoint; devices put
    /// it in force at their next sync.
    PublishPolicy {
        /// The policy JSON file.
        file: PathBuf,
    },
    /// Grant credits to an account.
    Grant(AdminGrantArgs),
    /// Sandbox: move an account's test clock forward.
    AdvanceClock {
        /// The account.
        account_id: Uuid,
        /// Seconds to move forward (at most a year).
        #[arg(long)]
        secs: u64,
    },
    /// Sandbox: set the generator's technical-failure and bad-output rates (0 to 1).
    Generator {
        /// Share of generations that fail technically.
        #[arg(long)]
        failure_rate: f64,
        /// Share of successful generations whose output is deliberately bad.
        #[arg(long)]
        bad_rate: f64,
    },
    /// The generation service's keys: create, list, revoke.
    Providers {
        #[command(subcommand)]
        command: ProvidersCommand,
    },
    /// The product backend's webhook receivers: add, list, remove, test, failures.
    Webhooks {
        #[command(subcommand)]
        command: WebhooksCommand,
    },
    /// Accounts: create, list, show, disable; their `balance.low` threshold.
    #[command(subcommand)]
    Accounts(AdminAccountsCommand),
    /// An account's tokens: issue, list, revoke.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// The audit log, newest first.
    Audit {
        /// How many records (1 to 200).
        #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=200))]
        limit: u32,
        /// Records older than this one (the "Older" line of the previous page).
        #[arg(long)]
        before: Option<u64>,
    },
}

/// `recoup admin accounts …`: the account commands ([`AccountsCommand`]) and the
/// `balance.low` threshold (a webhook setting, run by `admin::webhooks`).
#[derive(Debug, Subcommand)]
pub enum AdminAccountsCommand {
    #[command(flatten)]
    Identity(AccountsCommand),
    /// Set the balance below which the account's webhooks get `balance.low`.
    BalanceLow(BalanceLowArgs),
}

/// `recoup admin accounts balance-low ACCOUNT_ID --threshold N | --default`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("level").required(true).args(["threshold", "default"])))]
pub struct BalanceLowArgs {
    /// The account.
    pub account_id: Uuid,
    /// Credits: `balance.low` fires when the available balance drops below this.
    #[arg(long, value_name = "CREDITS")]
    pub threshold: Option<u64>,
    /// Use the endpoint's default threshold (recoup-server --balance-low-threshold) instead of
    /// the account's own.
    #[arg(long)]
    pub default: bool,
}

/// `recoup admin accounts …` (create, list, show, disable).
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Create an account; prints its id and its first token (shown once).
    Create {
        /// Credits it starts with (an allowance that does not expire).
        #[arg(long)]
        allowance: Option<u64>,
        /// The product's sign-in subject (a JWT's `sub`) it answers to.
        #[arg(long)]
        subject: Option<String>,
    },
    /// List accounts, oldest first.
    List {
        /// Start after this account (the "More" line of the previous page).
        #[arg(long)]
        after: Option<Uuid>,
    },
    /// Show one account.
    Show {
        /// The account.
        account_id: Uuid,
    },
    /// Disable an account: its tokens and sign-ins are refused from now on.
    Disable {
        /// The account.
        account_id: Uuid,
    },
}

/// `recoup admin tokens …`.
#[derive(Debug, Subcommand)]
pub enum TokensCommand {
    /// Issue another token for an account (shown once); the others keep working until revoked.
    Issue {
        /// The account.
        account_id: Uuid,
        /// What it is for.
        #[arg(long)]
        label: Option<String>,
        /// It stops working this many days from now.
        #[arg(long)]
        expires_in_days: Option<u32>,
    },
    /// List an account's tokens (prefixes, never secrets).
    List {
        /// The account.
        account_id: Uuid,
    },
    /// Revoke a token.
    Revoke {
        /// The account.
        account_id: Uuid,
        /// The token's id (from `tokens list`).
        token_id: Uuid,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProvidersCommand {
    /// Register a provider (the product's generation service); prints its key, once.
    Create {
        /// A name for people.
        #[arg(long)]
        name: String,
    },
    /// List the providers (never their keys).
    List,
    /// Revoke a provider's key, at once.
    Revoke {
        /// The provider.
        provider_id: Uuid,
    },
}

/// `recoup admin webhooks …`.
#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Register a receiver; prints its signing secret, once.
    Add {
        /// Where events are posted: https://, or http:// to 127.0.0.1, ::1 or localhost.
        #[arg(long, value_name = "URL")]
        url: String,
        /// The event types it receives, comma-separated: claim.decided, refund.posted,
        /// generation.voided, balance.low.
        #[arg(long, value_name = "TYPES", value_delimiter = ',', required = true)]
        events: Vec<String>,
    },
    /// List the receivers, removed ones included (never their secrets).
    List,
    /// Remove a receiver: it gets no more events.
    Remove {
        /// The webhook.
        webhook_id: Uuid,
    },
    /// Send one signed `webhook.test` event now and say what the receiver answered (exits 0
    /// either way; `delivered` in --json says which).
    Test {
        /// The webhook.
        webhook_id: Uuid,
    },
    /// The deliveries given up on after the retry period, with each event to replay by hand.
    Failures {
        /// The webhook.
        webhook_id: Uuid,
    },
}

#[derive(Debug, Args)]
pub struct AdminGrantArgs {
    /// The account.
    pub account_id: Uuid,
    /// How many credits.
    #[arg(long)]
    pub credits: u64,
    /// What the grant is.
    #[arg(long, default_value = "promotion")]
    pub kind: GrantKind,
    /// Expires this many days from now (the account's clock).
    #[arg(long)]
    pub expires_in_days: Option<u32>,
    /// A note shown in the ledger.
    #[arg(long, default_value = "")]
    pub note: String,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The endpoint's base URL, e.g. http://127.0.0.1:8080.
    #[arg(long, value_name = "URL")]
    pub endpoint: String,
    /// Create a new sandbox account (sandbox endpoints only).
    #[arg(long, conflicts_with = "token", required_unless_present = "token")]
    pub create: bool,
    /// Use an existing account's bearer token.
    #[arg(long, env = "RECOUP_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Pin this policy-signing key (base64) instead of trusting the one the endpoint serves.
    #[arg(long, value_name = "BASE64")]
    pub policy_key: Option<String>,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// First put reports that were set aside after repeated failures back in the queue.
    #[arg(long)]
    pub retry_quarantined: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NetworkState {
    /// Online: syncs reach the endpoint.
    On,
    /// Offline: nothing is sent or read; reports wait in the outbox.
    Off,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Print the policy in force (as JSON with --json, else a table).
    Show,
    /// Decide a hypothetical report, without writing anything.
    Check(PolicyCheckArgs),
    /// Validate a policy document and make it the one in force.
    Load {
        /// The policy JSON file.
        file: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Print the price list in force.
    Show,
    /// Validate a price list document and make it the one in force.
    Load {
        /// The price list JSON file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct PolicyCheckArgs {
    /// The AI feature.
    #[arg(long)]
    pub feature: Feature,
    /// The platform it was made on.
    #[arg(long)]
    pub platform: Platform,
    /// Where it was made.
    #[arg(long, default_value = "editor")]
    pub surface: Surface,
    /// How long ago the generation finished, in seconds.
    #[arg(long, default_value_t = 0)]
    pub age_secs: u32,
    /// The generation's status.
    #[arg(long, default_value = "succeeded")]
    pub status: GenerationStatus,
    /// The generation was already reported.
    #[arg(long)]
    pub already_claimed: bool,
}

#[derive(Debug, Args)]
pub struct GrantArgs {
    /// How many credits.
    #[arg(long)]
    pub credits: u64,
    /// What the grant is.
    #[arg(long, default_value = "allowance")]
    pub kind: GrantKind,
    /// Burn-down priority, 0-100, lower burns first [default: per kind].
    #[arg(long)]
    pub priority: Option<u32>,
    /// When it expires (RFC 3339).
    #[arg(long, conflicts_with = "expires_in_days")]
    pub expires_at: Option<Timestamp>,
    /// Expires this many days from now.
    #[arg(long)]
    pub expires_in_days: Option<u32>,
    /// A note shown in the ledger.
    #[arg(long, default_value = "")]
    pub note: String,
    /// Idempotency key (a UUID); repeating a grant with the same id grants once.
    #[arg(long)]
    pub op_id: Option<OpId>,
}

#[derive(Debug, Args)]
pub struct LedgerArgs {
    /// Re-derive every balance from the entries and check the invariants.
    #[arg(long)]
    pub verify: bool,
    /// Only entries of this kind.
    #[arg(long)]
    pub kind: Option<EntryKind>,
    /// Only entries of this generation.
    #[arg(long)]
    pub generation: Option<GenerationId>,
    /// Entries before this position (the previous page's last `seq`).
    #[arg(long)]
    pub before: Option<i64>,
    /// How many entries.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// The AI feature.
    #[arg(long)]
    pub feature: Feature,
    /// The platform to simulate.
    #[arg(long, default_value = "web")]
    pub platform: Platform,
    /// The surface to simulate.
    #[arg(long, default_value = "editor")]
    pub surface: Surface,
    /// Simulate a technical failure: the hold is voided and nothing is charged (local only).
    #[arg(long)]
    pub fail: bool,
    /// Leave the generation running (its hold goes stale after the price list's bound; local
    /// only).
    #[arg(long, conflicts_with = "fail")]
    pub leave_running: bool,
    /// The generation's id (a UUID) [default: a new UUIDv7].
    #[arg(long)]
    pub id: Option<GenerationId>,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only this feature.
    #[arg(long)]
    pub feature: Option<Feature>,
    /// Only this platform.
    #[arg(long)]
    pub platform: Option<Platform>,
    /// Only this status.
    #[arg(long)]
    pub status: Option<GenerationStatus>,
    /// Only reported generations.
    #[arg(long, conflicts_with = "unclaimed")]
    pub claimed: bool,
    /// Only generations not reported.
    #[arg(long)]
    pub unclaimed: bool,
    /// Generations older than this one (the previous page's `next`).
    #[arg(long)]
    pub before: Option<GenerationId>,
    /// Page size (1-200).
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The generation.
    pub generation: GenerationId,
    /// Why it is a bad result.
    #[arg(long)]
    pub reason: ClaimReason,
    /// What is wrong, in your words.
    #[arg(long)]
    pub details: String,
    /// Idempotency key (a UUID) [default: a new UUIDv7].
    #[arg(long)]
    pub claim_id: Option<ClaimId>,
}

#[derive(Debug, Args)]
pub struct ClaimsArgs {
    /// Only claims in this sync state.
    #[arg(long)]
    pub state: Option<SyncState>,
    /// Claims older than this one.
    #[arg(long)]
    pub before: Option<ClaimId>,
    /// How many.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}
