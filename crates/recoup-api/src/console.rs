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
