//! What crosses the IPC boundary: every command's request and answer, and every event. The
//! TypeScript types in `ui/src/lib/bindings/` are generated from these (ts-rs), so the UI and the
//! shell cannot disagree about a field. Credits are integers; times are RFC 3339 strings.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::AppError;
use recoup_core::{
    ClaimReason, Feature, GenerationStatus, GrantKind, MediaKind, Platform, Surface,
};
use recoup_store::{ClaimOutcome, EntryKind, SyncState};

/// One spelled value and its label, for pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Choice<T> {
    /// The stable spelling.
    pub value: T,
    /// What a person reads.
    pub label: String,
}

/// The vocabulary the UI offers in pickers, with labels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Catalog {
    /// Every AI feature.
    pub features: Vec<Choice<Feature>>,
    /// Every platform.
    pub platforms: Vec<Choice<Platform>>,
    /// Every surface.
    pub surfaces: Vec<Choice<Surface>>,
    /// Every reason a "Bad result" report can give.
    pub reasons: Vec<Choice<ClaimReason>>,
    /// Shortest details text, in characters.
    pub details_len_min: u32,
    /// Longest details text, in characters.
    pub details_len_max: u32,
}

/// Which endpoint the app talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum EndpointMode {
    /// A sandbox endpoint inside the app, on loopback (desktop default).
    Embedded,
    /// An endpoint elsewhere, reached with a token.
    Remote,
    /// None yet (mobile before the first connection): everything local works, generating and
    /// syncing wait for a connection.
    None,
}

/// Where the endpoint's token is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TokenStorage {
    /// In the operating system's keychain (Keychain, Credential Manager, Secret Service).
    Keychain,
    /// In a file readable by this user only, because no keychain is available here.
    File {
        /// The file.
        path: String,
        /// Why the keychain was not used.
        reason: String,
    },
    /// No token (not connected).
    None,
}

/// The endpoint settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct EndpointView {
    /// Embedded, remote or none.
    pub mode: EndpointMode,
    /// Its base URL, when there is one.
    pub url: Option<String>,
    /// The account this device is linked to.
    pub account_id: Option<String>,
    /// Whether it is a sandbox (test clocks, generator settings).
    pub sandbox: bool,
    /// Where the token is kept.
    pub token_storage: TokenStorage,
    /// Whether this build can run the embedded endpoint (desktop builds).
    pub embedded_available: bool,
}

/// What the app knows about itself, for the first screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppInfo {
    /// The app's version.
    pub version: String,
    /// Where its files are.
    pub data_dir: String,
    /// The endpoint.
    pub endpoint: EndpointView,
    /// The QA settings.
    pub qa: QaState,
    /// Pickers' vocabulary.
    pub catalog: Catalog,
    /// The refund policy version in force on this device.
    pub policy_version: String,
    /// The language the app speaks now (`en`, `fr`): the user's choice, else the system's.
    pub language: String,
    /// The language chosen in Settings; `null`: follow the system.
    pub language_choice: Option<String>,
    /// The system's language, as the app resolves it (what "follow the system" gives).
    pub system_language: String,
}

/// A credit grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GrantView {
    /// Its id.
    pub grant_id: String,
    /// Allowance, top-up, promotion or refund.
    pub kind: GrantKind,
    /// Credits granted.
    #[ts(type = "number")]
    pub credits: u64,
    /// Credits left to spend.
    #[ts(type = "number")]
    pub available: u64,
    /// When it was granted.
    pub granted_at: String,
    /// When it expires, if ever.
    pub expires_at: Option<String>,
    /// Its note.
    pub note: String,
    /// Whether it can still be spent (not expired).
    pub live: bool,
}

/// Credits spent and refunded on one day (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct DayFlow {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Credits charged by generations that succeeded that day.
    #[ts(type = "number")]
    pub spent: u64,
    /// Credits refunded that day.
    #[ts(type = "number")]
    pub refunded: u64,
}

/// The balance screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Overview {
    /// Credits that can be spent now.
    #[ts(type = "number")]
    pub available: u64,
    /// Credits held by generations that are running.
    #[ts(type = "number")]
    pub held: u64,
    /// Credits refunded since the first of this month (UTC).
    #[ts(type = "number")]
    pub refunded_this_month: u64,
    /// Credits spent since the first of this month (UTC).
    #[ts(type = "number")]
    pub spent_this_month: u64,
    /// Every grant, live first.
    pub grants: Vec<GrantView>,
    /// The last 30 days, oldest first, one point per day.
    pub flows: Vec<DayFlow>,
    /// When this was read (the device's corrected clock).
    pub as_of: String,
}

/// A balance change, as an event carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BalanceSummary {
    /// Credits that can be spent now.
    #[ts(type = "number")]
    pub available: u64,
    /// Credits held.
    #[ts(type = "number")]
    pub held: u64,
    /// Credits refunded this month.
    #[ts(type = "number")]
    pub refunded_this_month: u64,
}

/// Where a generation stands, as the history shows it (the device layer's one classification).
pub use recoup_device::GenerationState;

/// A "Bad result" report, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClaimView {
    /// Its id.
    pub claim_id: String,
    /// The generation reported.
    pub generation_id: String,
    /// Why.
    pub reason: ClaimReason,
    /// What is wrong, as the user wrote it.
    pub details: String,
    /// When it was submitted (device time).
    pub submitted_at: String,
    /// Whether the device judged it refundable.
    pub local_eligible: bool,
    /// The device's reasons when it judged it not refundable.
    pub local_reasons: Vec<ReasonView>,
    /// Where it is in the sync.
    pub sync_state: SyncState,
    /// The endpoint's decision, once known.
    pub outcome: Option<ClaimOutcome>,
    /// Credits refunded, once refunded.
    #[ts(type = "number | null")]
    pub refunded_credits: Option<u64>,
    /// The line the user is told ("Refund granted: 4 credits", "Thank you for your feedback").
    pub message: String,
}

/// One generation in the history grid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GenerationItem {
    /// Its id.
    pub generation_id: String,
    /// The AI feature.
    pub feature: Feature,
    /// The feature's label.
    pub feature_label: String,
    /// Where it was made.
    pub platform: Platform,
    /// The surface it was made in.
    pub surface: Surface,
    /// Image or video.
    pub media_kind: MediaKind,
    /// Its life-cycle status.
    pub status: GenerationStatus,
    /// What the history shows.
    pub state: GenerationState,
    /// When it started.
    pub started_at: String,
    /// When it finished.
    pub finished_at: Option<String>,
    /// Its price.
    #[ts(type = "number")]
    pub cost: u64,
    /// What was charged (0 unless it succeeded).
    #[ts(type = "number")]
    pub charged: u64,
    /// Why it failed, for a technical failure.
    pub failure: Option<String>,
    /// Whether an output can be shown (`recoup-output://` URL from the id).
    pub has_output: bool,
    /// The report, if any.
    pub claim: Option<ClaimView>,
}

/// Which generations the history shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum HistoryShow {
    /// All of them.
    #[default]
    All,
    /// Not reported.
    NotReported,
    /// Reported.
    Reported,
    /// Technical failures (credits released automatically).
    TechnicalFailures,
    /// Still running.
    Running,
}

/// A history page request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct HistoryRequest {
    /// Only this feature.
    pub feature: Option<Feature>,
    /// Only this platform.
    pub platform: Option<Platform>,
    /// Which ones.
    #[serde(default)]
    pub show: HistoryShow,
    /// The previous page's `next`.
    pub before: Option<String>,
    /// Page size, 1..=200 (default 60).
    pub limit: Option<u32>,
}

/// A page of history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct HistoryPageView {
    /// The generations.
    pub items: Vec<GenerationItem>,
    /// Pass as `before` for the next page; absent on the last.
    pub next: Option<String>,
}

/// Why a report would not be refunded (or that it would be).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReasonView {
    /// Stable code (`window_expired`, `feature_not_refundable`, `surface_not_refundable`,
    /// `already_claimed`, `safeguard_limit`, ...).
    pub code: String,
    /// The policy rule that said so.
    pub rule: String,
    /// A sentence for the user.
    pub message: String,
}

/// The device's answer before Submit: instant, offline, from the policy in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Eligibility {
    /// The generation.
    pub generation_id: String,
    /// Whether a report can be refunded.
    pub eligible: bool,
    /// Why not (empty when eligible).
    pub reasons: Vec<ReasonView>,
    /// Credits a refund would return.
    #[ts(type = "number")]
    pub refundable_credits: u64,
    /// When the refund window closes, if it applies.
    pub window_closes_at: Option<String>,
    /// Seconds left in the window (0 once closed), if it applies.
    #[ts(type = "number | null")]
    pub window_secs_left: Option<i64>,
    /// The policy version that decided.
    pub policy_version: String,
    /// The rule that decided.
    pub rule: String,
}

/// A "Bad result" report from the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ClaimRequest {
    /// The generation.
    pub generation_id: String,
    /// Why it is bad.
    pub reason: ClaimReason,
    /// What is wrong.
    pub details: String,
}

/// A new generation from the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GenerateRequest {
    /// The AI feature.
    pub feature: Feature,
    /// The surface; the QA setting (else `editor`) when absent.
    pub surface: Option<Surface>,
}

/// Which ledger entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct LedgerFilter {
    /// Only this kind.
    pub kind: Option<EntryKind>,
    /// Only this generation's entries.
    pub generation_id: Option<String>,
}

/// A ledger page request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct LedgerRequest {
    /// Which entries.
    #[serde(default)]
    pub filter: LedgerFilter,
    /// The previous page's `next`.
    #[ts(type = "number | null")]
    pub before: Option<i64>,
    /// Page size, 1..=1000 (default 100).
    pub limit: Option<u32>,
}

/// One ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerEntryView {
    /// Its position.
    #[ts(type = "number")]
    pub seq: i64,
    /// What happened.
    pub kind: EntryKind,
    /// The kind's label.
    pub kind_label: String,
    /// The grant it moved.
    pub grant_id: String,
    /// The generation, if any.
    pub generation_id: Option<String>,
    /// Credits moved.
    #[ts(type = "number")]
    pub credits: u64,
    /// When.
    pub at: String,
}

/// A page of the ledger, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LedgerPageView {
    /// The entries.
    pub items: Vec<LedgerEntryView>,
    /// Pass as `before` for the next page.
    #[ts(type = "number | null")]
    pub next: Option<i64>,
}

/// A written CSV export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ExportDone {
    /// The file.
    pub path: String,
    /// Entries written.
    #[ts(type = "number")]
    pub rows: u64,
}

/// A failure the user is told about, in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Problem {
    /// Stable code.
    pub code: String,
    /// What happened and what to do.
    pub message: String,
}

/// The sync screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    /// Whether the network switch is on.
    pub online: bool,
    /// Whether the last attempt reached the endpoint (unknown before the first).
    pub reachable: Option<bool>,
    /// Whether a sync is running now.
    pub syncing: bool,
    /// Reports waiting to be sent.
    #[ts(type = "number")]
    pub queued: u64,
    /// Reports set aside after repeated failures (retried from the sync screen).
    #[ts(type = "number")]
    pub quarantined: u64,
    /// Reports sent and waiting for a review.
    #[ts(type = "number")]
    pub in_review: u64,
    /// When a sync last reached the endpoint.
    pub last_sync_at: Option<String>,
    /// What went wrong last time, if anything.
    pub last_error: Option<Problem>,
    /// How far the running sync has come.
    pub progress: Option<SyncProgress>,
    /// Whether the device is linked to an endpoint at all.
    pub linked: bool,
}

/// How far a drain has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncProgress {
    /// Reports handled.
    #[ts(type = "number")]
    pub sent: u64,
    /// Reports waiting when the sync began.
    #[ts(type = "number")]
    pub total: u64,
}

/// Injected endpoint faults (QA): applied to every request the app sends.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct Faults {
    /// Share of requests that never reach the endpoint (0..=1).
    pub drop_rate: f64,
    /// Share of requests answered with a 503 (0..=1).
    pub error_rate: f64,
    /// Delay added to every request, in ms (0..=10000).
    pub delay_ms: u32,
}

/// The generator's rates on a sandbox endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct GeneratorRates {
    /// Share of generations that fail technically (0..=1).
    pub failure_rate: f64,
    /// Share of successful generations with a deliberately bad output (0..=1).
    pub bad_rate: f64,
}

/// The QA panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct QaState {
    /// Whether QA mode is on.
    pub enabled: bool,
    /// The platform new generations are made on.
    pub platform: Platform,
    /// The surface new generations are made in.
    pub surface: Surface,
    /// Device clock offset, in seconds (the device's clock runs this far ahead or behind).
    #[ts(type = "number")]
    pub clock_offset_secs: i64,
    /// Injected endpoint faults.
    pub faults: Faults,
    /// The generator's rates, when the endpoint is a sandbox that told them.
    pub generator: Option<GeneratorRates>,
    /// The account's sandbox test clock, when the endpoint is a sandbox.
    pub test_clock: Option<String>,
}

/// A change to the QA settings; absent fields stay as they are.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, Default)]
#[ts(export)]
pub struct QaUpdate {
    /// QA mode on or off.
    pub enabled: Option<bool>,
    /// Platform for new generations.
    pub platform: Option<Platform>,
    /// Surface for new generations.
    pub surface: Option<Surface>,
    /// Device clock offset, seconds (within ±1 year).
    #[ts(type = "number | null")]
    pub clock_offset_secs: Option<i64>,
    /// Injected faults.
    pub faults: Option<Faults>,
    /// The sandbox generator's rates.
    pub generator: Option<GeneratorRates>,
}

/// A policy published to the sandbox endpoint and put in force here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PolicyLoaded {
    /// The version now in force on the endpoint.
    pub version: String,
    /// The version in force on this device after syncing.
    pub device_version: String,
}

/// Connecting to a remote endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ConnectRequest {
    /// Its base URL (`https://...`).
    pub url: String,
    /// The account's token; absent to open a new sandbox account.
    pub token: Option<String>,
}

/// Something the UI is told without asking (Tauri event `recoup:event`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum AppEvent {
    /// The balance changed.
    Balance(BalanceSummary),
    /// Generations were added or changed.
    History {
        /// How many changes arrived.
        changed: u32,
    },
    /// The endpoint decided a report.
    ClaimDecided {
        /// The report.
        claim: ClaimView,
    },
    /// The network switch or reachability changed.
    Network {
        /// The switch.
        online: bool,
        /// Whether the endpoint answered.
        reachable: Option<bool>,
    },
    /// A sync is draining the outbox.
    SyncProgress(SyncProgress),
    /// A sync finished (or could not run).
    SyncFinished(SyncStatus),
    /// The refund policy in force changed.
    Policy {
        /// The version now in force.
        version: String,
    },
    /// The system handed the app a `recoup://` link: the UI takes it (command `take_link`).
    Link,
    /// The user clicked the native notification of a decision: show that generation.
    OpenGeneration {
        /// The generation.
        generation_id: String,
    },
}

/// What a `recoup://` link opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
#[ts(export)]
pub enum LinkView {
    /// The Bad result dialog of this generation.
    Report {
        /// The generation, as the history shows it.
        generation: Box<GenerationItem>,
    },
    /// Nothing opens: the link is not a Recoup link, or names a generation that is not in the
    /// account on this device.
    Refused {
        /// The link as received (bounded, control characters dropped).
        link: String,
        /// Why, and what to do.
        error: AppError,
    },
}
