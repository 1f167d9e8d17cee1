//! What `--json` prints where no single record says it all: typed views, serialized as they
//! are. Where a command prints a record of the store, the endpoint or the device layer as is
//! (a decision, a grant, a history page), it prints that type and needs none of these. A leaf:
//! it imports no other module of the CLI.

use std::path::PathBuf;

use recoup_core::Timestamp;
use serde::Serialize;
use uuid::Uuid;

use recoup_api::AccountView;
use recoup_core::{Balances, Decision};
use recoup_device::state::SyncSnapshot;
use recoup_store::{ClaimRecord, GenerationRecord, GrantRecord};
use recoup_sync::SyncReport;

/// Where this data dir stands with the endpoint (the device's [`SyncSnapshot`], without the
/// counts the CLI does not print).
#[derive(Debug, Serialize)]
pub struct SyncStateView {
    pub linked: bool,
    pub endpoint: Option<String>,
    pub account_id: Option<String>,
    pub online: bool,
    pub queued: u64,
    pub last_sync_at: Option<String>,
    pub clock_offset_ms: Option<i64>,
}

impl From<SyncSnapshot> for SyncStateView {
    fn from(s: SyncSnapshot) -> Self {
        Self {
            linked: s.linked,
            endpoint: s.endpoint,
            account_id: s.account_id,
            online: s.online,
            queued: s.queued,
            last_sync_at: s.last_sync_at,
            clock_offset_ms: s.clock_offset_ms,
        }
    }
}

/// `recoup generate` on an unlinked data dir: the simulated generation and whether it could
/// be refunded if reported now.
#[derive(Debug, Serialize)]
pub struct Generated {
    pub generation: GenerationRecord,
    pub refund_check: Decision,
}

/// `recoup generate` on a linked data dir: the generation as the device now has it, the check
/// (absent when the generation is not on the device yet), the saved output and what did not
/// arrive.
#[derive(Debug, Serialize)]
pub struct GeneratedRemote {
    pub generation: GenerationRecord,
    pub refund_check: Option<Decision>,
    pub output_file: Option<PathBuf>,
    pub notes: Vec<String>,
}

/// `recoup ledger --verify`: the ledger's invariants held (a failure is an error instead).
#[derive(Debug, Serialize)]
pub struct Verified {
    pub ok: bool,
    pub totals: Balances,
}

/// One line of `recoup claims`: the claim, and what the endpoint said about it as the user is
/// told it.
#[derive(Debug, Serialize)]
pub struct ClaimLine {
    #[serde(flatten)]
    pub claim: ClaimRecord,
    pub status: String,
}

/// `recoup account`: the account as the endpoint sees it, and where this data dir stands.
#[derive(Debug, Serialize)]
pub struct Account {
    pub account: AccountView,
    pub device: SyncStateView,
}

/// `recoup sync`: the engine's report, whether it was clean, and how many quarantined reports
/// were put back in the queue first.
#[derive(Debug, Serialize)]
pub struct Synced {
    #[serde(flatten)]
    pub report: SyncReport,
    pub clean: bool,
    pub requeued: u64,
}

/// `recoup network`: the switch's state, and the sync run when it was switched back on.
#[derive(Debug, Serialize)]
pub struct Network {
    pub device: SyncStateView,
    pub sync: Option<SyncReport>,
    pub sync_error: Option<String>,
}

/// `recoup admin approve|reject`: the claim as decided, and its account.
#[derive(Debug, Serialize)]
pub struct Reviewed {
    pub account_id: Uuid,
    pub claim: ClaimRecord,
}

/// `recoup admin grant`: the grant made, and its account.
#[derive(Debug, Serialize)]
pub struct AdminGranted {
    pub account_id: Uuid,
    pub grant: GrantRecord,
}

/// `recoup admin advance-clock`: how far the account's test clock moved and what it reads now.
#[derive(Debug, Serialize)]
pub struct ClockAdvanced {
    pub account_id: Uuid,
    pub advanced_secs: u64,
    pub server_time: Timestamp,
}
