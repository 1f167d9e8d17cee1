//! The operator console's JSON (`/console/api/...`): the session of a person signed in with an
//! admin credential, the review queue with its filters and pages, one item in full, and a
//! decision. The console's front end (`ui/src/console`) uses the TypeScript types generated from
//! these (ts-rs, the `ts` feature).

use recoup_core::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::rows::ClaimOutcome;
use recoup_core::{ClaimId, ClaimReason, Feature, GenerationId, MediaKind, Platform, Surface};

/// Most items one page of the review queue holds.
pub const REVIEW_PAGE_LIMIT_MAX: u32 = 200;

/// Items in a page of the review queue when the request does not say.
pub const REVIEW_PAGE_LIMIT_DEFAULT: u32 = 50;

/// Longest note an operator can attach to a decision, in characters.
pub const REVIEW_NOTE_CHARS_MAX: usize = 1000;

/// Longest admin credential the sign-in form accepts, in bytes.
pub const CONSOLE_CREDENTIAL_BYTES_MAX: usize = 512;

/// The name of the console's session cookie (HttpOnly, SameSite=Strict, Path=/console).
pub const CONSOLE_COOKIE: &str = "recoup_console";

/// The header every console request that changes something carries: the session's CSRF token.
pub const CSRF_HEADER: &str = "x-recoup-csrf";

/// Signing in to the console (`POST /console/api/session`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ConsoleSignIn {
    /// An unrevoked admin credential (`recoup-server admin create` shows it once).
    pub credential: String,
}

/// A console session, as the signed-in page sees it. The session itself is the HttpOnly
/// cookie, which scripts cannot read; the CSRF token goes back in [`CSRF_HEADER`] with every
/// request that changes something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsoleSession {
    /// Who is signed in: the admin credential's name.
    pub actor: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// When the session ends whatever happens (sign in again then).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub expires_at: Timestamp,
    /// When it ends if nothing is done before (each request moves this on).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub idle_expires_at: Timestamp,
    /// The endpoint's clock now.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub server_time: Timestamp,
    /// Whether the endpoint is a sandbox.
    pub sandbox: bool,
}

/// The order of the review queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ReviewOrder {
    /// The longest-waiting first (the default: nobody waits forever).
    #[default]
    Oldest,
    /// The latest first.
    Newest,
}

/// What `GET /console/api/reviews` accepts in its query string; every field is optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ReviewFilter {
    /// Only this feature.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub feature: Option<Feature>,
    /// Only this platform.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub platform: Option<Platform>,
    /// Only this reason.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reason: Option<ClaimReason>,
    /// Only items waiting at least this many hours.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub min_age_hours: Option<u32>,
    /// Only items waiting at most this many hours.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub max_age_hours: Option<u32>,
    /// Oldest first (default) or newest first.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub order: Option<ReviewOrder>,
    /// Where the page starts: the `next` of the page before (opaque).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub after: Option<String>,
    /// Items per page, 1 to [`REVIEW_PAGE_LIMIT_MAX`] (default [`REVIEW_PAGE_LIMIT_DEFAULT`]).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub limit: Option<u32>,
}

/// One item of the review queue, as a row of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewRow {
    /// Whose report it is.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub account_id: Uuid,
    /// The report (claim).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub claim_id: ClaimId,
    /// The generation reported.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub generation_id: GenerationId,
    /// Its AI feature.
    pub feature: Feature,
    /// Where it was made.
    pub platform: Platform,
    /// The reason the user gave.
    pub reason: ClaimReason,
    /// The credits it cost (refunded if approved).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub credits: u64,
    /// When the user reported it.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub submitted_at: Timestamp,
    /// When it joined the queue.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub queued_at: Timestamp,
}

/// A page of the review queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewPage {
    /// The items, in the order asked for.
    pub items: Vec<ReviewRow>,
    /// How many items match the filter in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub total: u64,
    /// The `after` of the next page; absent on the last.
    pub next: Option<String>,
}

/// The kept output of a reported generation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewOutput {
    /// Its media type (`image/png`, `video/mp4`, ...).
    pub media_type: String,
    /// Its size.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub size_bytes: u64,
    /// Where the console reads it (an authenticated route of the console).
    pub url: String,
}

/// What the inspection of the output found when the generation service delivered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewFindings {
    /// `usable`, `blank`, `corrupt`, `truncated`, `noise` or `uninspectable`.
    pub verdict: String,
    /// Why, with the measured numbers.
    pub detail: String,
}

/// The policy's decision on the report, as recorded with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewPolicy {
    /// The policy version that decided.
    pub policy_version: String,
    /// Whether the policy allows a refund (an item is in review because it does, and its
    /// output is not clearly unusable).
    pub eligible: bool,
    /// The rule that decided (a dotted path into the policy document).
    pub rule: String,
    /// The policy's reasons when not eligible, in words.
    pub reasons: Vec<String>,
    /// When the refund window closed or closes.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub window_closes_at: Option<Timestamp>,
}

/// One of the account's recent reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct RecentReport {
    /// The report.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub claim_id: ClaimId,
    /// The generation.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub generation_id: GenerationId,
    /// Its feature.
    pub feature: Feature,
    /// The reason given.
    pub reason: ClaimReason,
    /// When reported.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub submitted_at: Timestamp,
    /// The endpoint's outcome, once known.
    pub outcome: Option<ClaimOutcome>,
    /// Credits refunded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_credits: u64,
}

/// The account behind an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewAccount {
    /// The account.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub account_id: Uuid,
    /// Credits it can spend now.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub available_credits: u64,
    /// Its latest reports, newest first (at most 20).
    pub recent: Vec<RecentReport>,
    /// How many of its reports were refunded in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunds: u64,
    /// How many reports it made in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reports: u64,
}

/// One item of the review queue in full.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ReviewDetail {
    /// The item as the list shows it.
    pub row: ReviewRow,
    /// What the user wrote.
    pub details: String,
    /// Where in the product it was made.
    pub surface: Surface,
    /// Image or video.
    pub media_kind: MediaKind,
    /// When the generation finished.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub finished_at: Option<Timestamp>,
    /// The kept output; absent when it is gone.
    pub output: Option<ReviewOutput>,
    /// The inspection's findings; absent when none were recorded.
    pub findings: Option<ReviewFindings>,
    /// The policy's decision.
    pub policy: ReviewPolicy,
    /// The account.
    pub account: ReviewAccount,
}

/// An operator's decision on an item (`POST /console/api/reviews/{account}/{claim}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ConsoleDecision {
    /// Refund (true) or not (false).
    pub approve: bool,
    /// Why, for the audit log (at most [`REVIEW_NOTE_CHARS_MAX`] characters).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
}

/// A decision recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsoleDecided {
    /// The report.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub claim_id: ClaimId,
    /// Refunded or not refunded.
    pub outcome: ClaimOutcome,
    /// Credits refunded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_credits: u64,
    /// When decided.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub decided_at: Timestamp,
    /// Who decided.
    pub actor: String,
}

// ---------------------------------------------------------------------------------------------
// The policy: the version in force as a table, its history, a draft checked against it, and
// publishing.

/// One published version of the policy, as the history lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyVersionRow {
    /// Its publication number (increasing; the newest is in force).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: u64,
    /// Its version label.
    pub version: String,
    /// When it was published.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub published_at: Timestamp,
    /// Who published it (the admin credential's name, from the audit log); absent for the
    /// built-in policy and for publications the audit log does not name.
    pub published_by: Option<String>,
}

/// The policy page: the version in force in full, and the history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsolePolicy {
    /// The version in force; absent while the endpoint runs its built-in policy (nothing
    /// published yet).
    pub in_force: Option<PolicyVersionRow>,
    /// The document in force (the built-in one when nothing was published).
    pub document: recoup_core::PolicyDocument,
    /// Every published version, newest first.
    pub history: Vec<PolicyVersionRow>,
}

/// One published version in full (`GET /console/api/policy/versions/{seq}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyVersionDetail {
    /// The version.
    pub row: PolicyVersionRow,
    /// Its document.
    pub document: recoup_core::PolicyDocument,
}

/// One value a draft changes, against the version in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyChange {
    /// Where, as a dotted path into the document: `features.ai_shadows.ios`,
    /// `safeguards.refunds_max`, `excluded_surfaces.batch_editor`, `refund_window_secs`, ...
    pub path: String,
    /// The value in force, as JSON text (absent when the draft adds it).
    pub before: Option<String>,
    /// The draft's value, as JSON text (absent when the draft removes it).
    pub after: Option<String>,
}

/// A draft checked (`POST /console/api/policy/check`, body: a policy document): it is valid,
/// and here is what it changes. A draft that is not valid is answered `invalid_document`
/// naming the field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyCheck {
    /// The draft as the endpoint reads it (normalized: what publishing it would publish).
    pub document: recoup_core::PolicyDocument,
    /// Its changes against the version in force, in path order; empty when it changes
    /// nothing but its version label.
    pub changes: Vec<PolicyChange>,
    /// The publication number of the version it was compared with (0: the built-in policy).
    /// Publishing sends it back: a draft checked against a version no longer in force is
    /// refused (`invalid_state`), so nobody publishes over a change they have not read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub against_seq: u64,
}

/// Publishing a draft (`POST /console/api/policy`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct PolicyPublish {
    /// The draft.
    pub document: recoup_core::PolicyDocument,
    /// The `against_seq` of its check: the version whose diff the operator read.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub against_seq: u64,
}

/// A policy published: recorded, signed with the endpoint's key, in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyPublished {
    /// The new version in force.
    pub row: PolicyVersionRow,
    /// Its Ed25519 signature (base64), the one devices verify.
    pub signature: String,
}

// ---------------------------------------------------------------------------------------------
// Insights: what bad results say.

/// Most days one insights request covers (a bit over two years).
pub const INSIGHT_DAYS_MAX: u32 = 800;

/// What `GET /console/api/insights` accepts: a period of whole UTC days, optionally narrowed to
/// a feature and a platform.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct InsightQuery {
    /// First day (`YYYY-MM-DD`, UTC); default: 29 days before `to`.
    #[cfg_attr(feature = "ts", ts(optional))]
    pub from: Option<String>,
    /// Last day, included (`YYYY-MM-DD`, UTC); default: today (the endpoint's clock).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub to: Option<String>,
    /// Only this feature (the per-day series and the totals; the feature × platform table
    /// always has every cell).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub feature: Option<Feature>,
    /// Only this platform (as `feature`).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub platform: Option<Platform>,
}

/// Counts over a day or a period. A generation counts on the day it finished; a report on the
/// day the user made it; a decision (and its refunded credits) on the day it was made.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InsightCounts {
    /// Generations delivered (finished with an output).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub delivered: u64,
    /// Generations that failed technically (their credits came back on their own).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub failed: u64,
    /// Bad results reported.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reports: u64,
    /// Reports refunded at once by the policy and the inspection.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_auto: u64,
    /// Reports refused at once by the policy.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refused_auto: u64,
    /// Reports sent to a person.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub sent_to_review: u64,
    /// Reviewed reports a person refunded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_reviewed: u64,
    /// Reviewed reports a person refused.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refused_reviewed: u64,
    /// Credits refunded (automatic and reviewed).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_credits: u64,
}

/// One day of the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InsightDay {
    /// The day, `YYYY-MM-DD` (UTC). Every day of the period is listed, zeros included.
    pub day: String,
    /// Its counts (narrowed to the query's feature and platform, if any).
    pub counts: InsightCounts,
}

/// One feature on one platform over the whole period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InsightCell {
    /// The feature.
    pub feature: Feature,
    /// The platform.
    pub platform: Platform,
    /// Its counts over the period.
    pub counts: InsightCounts,
}

/// How often a reason was given over the period (narrowed as the days are).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InsightReason {
    /// The reason.
    pub reason: ClaimReason,
    /// Reports giving it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub reports: u64,
}

/// An account close to the safeguard limits of the policy in force, over the policy's
/// safeguard window ending now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct InsightAccount {
    /// The account.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub account_id: Uuid,
    /// Its sign-in subject, when it has one.
    pub subject: Option<String>,
    /// Refunds it was granted in the window.
    pub refunds: u32,
    /// Credits refunded to it in the window.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded_credits: u64,
    /// Credits it spent in the window.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub spent_credits: u64,
    /// How close it is to the nearer limit, in percent (100: at the limit; the refunds count
    /// against `refunds_max`, or the refunded share against its maximum once the account has
    /// spent enough for the share to count).
    pub closeness_percent: u32,
}

/// The insights page (`GET /console/api/insights`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Insights {
    /// The first day.
    pub from: String,
    /// The last day, included.
    pub to: String,
    /// Every day from `from` to `to`, oldest first.
    pub days: Vec<InsightDay>,
    /// The period's totals (narrowed).
    pub totals: InsightCounts,
    /// Every feature × platform with anything over the period (not narrowed), the highest
    /// bad-result rate first.
    pub cells: Vec<InsightCell>,
    /// The reasons given over the period (narrowed), the most given first.
    pub reasons: Vec<InsightReason>,
    /// The accounts closest to the safeguard limits (at most 20, the closest first).
    pub near_limits: Vec<InsightAccount>,
    /// The safeguards those are measured against (the policy in force).
    pub safeguards: recoup_core::policy::Safeguards,
}

// ---------------------------------------------------------------------------------------------
// Accounts.

/// Most accounts a search answers.
pub const ACCOUNT_MATCHES_MAX: u32 = 20;

/// One account, as a search lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsoleAccountRow {
    /// The account.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub account_id: Uuid,
    /// Its sign-in subject (the product's user id), when it signs in with one.
    pub subject: Option<String>,
    /// When it was made.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub created_at: Timestamp,
    /// When an admin disabled it, if they did.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub disabled_at: Option<Timestamp>,
}

/// What `GET /console/api/accounts?q=` finds: the account whose id is `q`, or the accounts
/// whose sign-in subject is `q` or starts with it (at most [`ACCOUNT_MATCHES_MAX`], in subject
/// order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct AccountMatches {
    /// The accounts found.
    pub items: Vec<ConsoleAccountRow>,
    /// Whether more matched than are listed (type more of the subject).
    pub more: bool,
}

/// One grant of an account, with its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsoleGrantRow {
    /// The grant.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub grant_id: Uuid,
    /// What it is.
    pub kind: recoup_core::GrantKind,
    /// Credits granted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub credits: u64,
    /// Credits of it spendable now.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub available: u64,
    /// When granted.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub granted_at: Timestamp,
    /// When it expires, if it does.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub expires_at: Option<Timestamp>,
    /// Whether it can still be spent.
    pub live: bool,
    /// Its note.
    pub note: String,
}

/// One ledger entry of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsoleEntryRow {
    /// Its position in the account's ledger.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub seq: i64,
    /// What happened.
    pub kind: recoup_core::EntryKind,
    /// Credits moved.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub credits: u64,
    /// The generation concerned, if any.
    #[cfg_attr(feature = "ts", ts(type = "string | null"))]
    pub generation_id: Option<GenerationId>,
    /// When.
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub at: Timestamp,
}

/// Most ledger entries and reports an account's page shows (the newest).
pub const ACCOUNT_PAGE_ROWS: u32 = 100;

/// One account in full (`GET /console/api/accounts/{account}`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ConsoleAccount {
    /// The account.
    pub row: ConsoleAccountRow,
    /// Credits spendable now.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub available: u64,
    /// Credits held by running generations.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub held: u64,
    /// Everything ever granted.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub granted: u64,
    /// Charged by finished generations.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub spent: u64,
    /// Given back by refunds.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refunded: u64,
    /// Lost to grant expiry.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub expired: u64,
    /// Its grants, in burn-down order.
    pub grants: Vec<ConsoleGrantRow>,
    /// Its latest ledger entries, newest first (at most [`ACCOUNT_PAGE_ROWS`]).
    pub ledger: Vec<ConsoleEntryRow>,
    /// Its latest reports, newest first (at most [`ACCOUNT_PAGE_ROWS`]).
    pub reports: Vec<RecentReport>,
    /// How many reports it made in all.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub report_count: u64,
    /// How many of them were refunded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refund_count: u64,
}

/// Most credits one console grant gives.
pub const CONSOLE_GRANT_CREDITS_MAX: u64 = 1_000_000;

/// Granting credits from the console (`POST /console/api/accounts/{account}/grants`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(deny_unknown_fields)]
pub struct ConsoleGrant {
    /// Credits, 1 to [`CONSOLE_GRANT_CREDITS_MAX`].
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub credits: u64,
    /// What the grant is (`promotion`, `top_up`, ...).
    pub kind: recoup_core::GrantKind,
    /// Days until it expires (absent: never).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub expires_in_days: Option<u32>,
    /// Why, shown on the grant and in the audit log (at most [`REVIEW_NOTE_CHARS_MAX`]).
    #[cfg_attr(feature = "ts", ts(optional))]
    pub note: Option<String>,
}
