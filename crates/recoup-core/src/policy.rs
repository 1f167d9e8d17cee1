//! The refund policy: a versioned JSON document (the help article's table is the built-in
//! default) and the pure engine that judges a "Bad result" report against it.
//!
//! The document is data, not code: the endpoint can publish a new version and the client keeps the
//! last good one. Loading validates everything and names the offending field; a refused document
//! changes nothing.

use std::collections::BTreeMap;
use std::fmt;

use crate::time::{TimeDelta, Timestamp};
use serde::{Deserialize, Serialize};

use crate::catalog::{FEATURE_COUNT, Feature, PLATFORM_COUNT, Platform, SURFACE_COUNT, Surface};
use crate::document::{self, DocumentError};
use crate::generation::{GenerationFacts, GenerationStatus};

const DOC: &str = "policy";

/// The refund window of the built-in policy: 24 hours after the generation finished.
///
/// The help article only says "shortly after the generation". A day lets someone who generates
/// in the evening review the results the next morning, and is still "shortly" next to a monthly
/// allowance. It is a policy value: the endpoint can change it.
pub const DEFAULT_REFUND_WINDOW_SECS: u64 = 24 * 60 * 60;

/// How long after the refund window closes the endpoint still honours a report the device says
/// was made while the window was open (a device offline for a weekend, then back).
///
/// The device's word is never enough on its own: the endpoint counts the report as made no
/// earlier than the account's last pull of its changes (a device that has synced since would
/// have sent it then), and never after the report arrived. So a user who reported offline in
/// time keeps the refund, while a backdated clock gains at most this grace, and only if the
/// account stayed away from the endpoint meanwhile. A policy value; 0 turns it off.
pub const DEFAULT_LATE_REPORT_GRACE_SECS: u64 = 3 * 24 * 60 * 60;

/// Upper bound on any window in a policy (one year), so time arithmetic cannot overflow.
pub const WINDOW_SECS_MAX: u64 = 366 * 24 * 60 * 60;

/// Upper bound on claim details a policy may allow, in characters.
pub const DETAILS_LEN_LIMIT: u32 = 10_000;

/// The help article's table: refundable on (iOS, Android, Web App).
const SEED_TABLE: [(Feature, [bool; PLATFORM_COUNT]); FEATURE_COUNT] = [
    (Feature::VirtualModel, [true, true, true]),
    (Feature::FlatLay, [true, true, true]),
    (Feature::GhostMannequin, [true, true, true]),
    (Feature::EditWithAi, [true, true, true]),
    (Feature::Recolor, [true, true, true]),
    (Feature::ProductBeautifier, [true, true, true]),
    (Feature::Ironing, [true, true, true]),
    (Feature::VideoGenerator, [true, true, true]),
    (Feature::Logo, [true, true, true]),
    (Feature::Text, [true, true, true]),
    (Feature::CreateAnyImage, [true, true, true]),
    (Feature::InstagramStory, [true, true, true]),
    (Feature::AiBackgrounds, [false, true, false]),
    (Feature::AiShadows, [false, false, false]),
    (Feature::ImageEnhancer, [false, false, false]),
    (Feature::AiExpand, [false, false, false]),
    (Feature::Retouch, [false, false, false]),
    (Feature::StudioShot, [false, false, false]),
];

/// Limits against misuse, over a rolling window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct Safeguards {
    /// Length of the rolling window the limits are counted over.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub window_secs: u64,
    /// At most this many refunds granted per account in the window.
    pub refunds_max: u32,
    /// Refunds may not exceed this share of the credits spent in the window...
    pub refunded_share_max_percent: u8,
    /// ...once the account has spent at least this many credits in it (so that a new user's
    /// first bad result is not refused for being 100% of a tiny spend).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub share_min_spent_credits: u64,
}

/// Bounds on the text of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ClaimTextLimits {
    /// Fewest characters of details (after trimming).
    pub details_len_min: u32,
    /// Most characters of details.
    pub details_len_max: u32,
}

/// Refundable per platform, as in one row of the article's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformRow {
    /// Refundable on iOS.
    pub ios: bool,
    /// Refundable on Android.
    pub android: bool,
    /// Refundable on the Web App.
    pub web: bool,
}

/// The policy as written in JSON. Read it with [`Policy::from_json`]; this type is what is
/// stored and shown, never trusted before validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct PolicyDocument {
    /// Free-form version label, unique per published policy (e.g. `2026-11-25.1`).
    pub version: String,
    /// How long after a generation finishes a report may still be refunded.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub refund_window_secs: u64,
    /// How long after the window closes a report made in time but delivered late (the device
    /// was offline) is still honoured; 0 turns it off. See [`DEFAULT_LATE_REPORT_GRACE_SECS`].
    /// Absent in documents written before it existed: the default.
    #[serde(default = "default_late_report_grace_secs")]
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub late_report_grace_secs: u64,
    /// Whether only one claim per generation is accepted (the article says so).
    pub one_claim_per_generation: bool,
    /// Surfaces in which no AI tool is refundable.
    pub excluded_surfaces: Vec<Surface>,
    /// Per feature, refundable per platform. Every feature and platform must be listed.
    pub features: BTreeMap<String, BTreeMap<String, bool>>,
    /// Limits against misuse.
    pub safeguards: Safeguards,
    /// Bounds on the claim's text.
    pub claim_text: ClaimTextLimits,
}

/// A validated policy, ready to evaluate reports. Cheap to evaluate: fixed tables, no lookups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    version: String,
    refund_window: TimeDelta,
    late_report_grace: TimeDelta,
    one_claim_per_generation: bool,
    refundable: [[bool; PLATFORM_COUNT]; FEATURE_COUNT],
    surface_excluded: [bool; SURFACE_COUNT],
    safeguards: Safeguards,
    claim_text: ClaimTextLimits,
}

/// What is known about the account when a report is judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountHistory {
    /// A claim already exists for this generation.
    pub already_claimed: bool,
    /// Refunds granted to the account within the safeguard window.
    pub refunds_in_window: u32,
    /// Credits the account was charged within the safeguard window.
    pub spent_in_window: u64,
    /// Credits refunded to the account within the safeguard window.
    pub refunded_in_window: u64,
}

/// Stable code of a reason a report cannot be refunded. The UI and scripts branch on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// The generation failed technically: its hold was voided, nothing was charged.
    TechnicalFailureAutoRefunded,
    /// The generation has not finished yet.
    GenerationNotFinished,
    /// The feature is not refundable on this platform.
    FeatureNotRefundable,
    /// The surface (Batch Editor, Product Catalog) is never refundable.
    SurfaceNotRefundable,
    /// The report came after the refund window closed.
    WindowExpired,
    /// The generation was already reported.
    AlreadyClaimed,
    /// An anti-abuse limit was reached.
    SafeguardLimit,
}

impl ReasonCode {
    /// The stable spelling.
    pub const fn as_str(self) -> &'static str {
        match self {
            ReasonCode::TechnicalFailureAutoRefunded => "technical_failure_auto_refunded",
            ReasonCode::GenerationNotFinished => "generation_not_finished",
            ReasonCode::FeatureNotRefundable => "feature_not_refundable",
            ReasonCode::SurfaceNotRefundable => "surface_not_refundable",
            ReasonCode::WindowExpired => "window_expired",
            ReasonCode::AlreadyClaimed => "already_claimed",
            ReasonCode::SafeguardLimit => "safeguard_limit",
        }
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reason a report cannot be refunded: a stable code, the policy rule that fired (a dotted
/// path into the policy document) and a sentence for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    /// Stable code.
    pub code: ReasonCode,
    /// The policy field that made this reason, e.g. `features.ai_shadows.ios`.
    pub rule: String,
    /// What happened and what it means, in words.
    pub message: String,
}

/// The verdict on a report. Local decisions are provisional; the endpoint has the final word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// Whether the report can be refunded under this policy.
    pub eligible: bool,
    /// Every reason that applies when not eligible (empty when eligible).
    pub reasons: Vec<Reason>,
    /// The rule that made the decision: the first reason's rule, or the feature-table cell that
    /// allowed it.
    pub rule: String,
    /// Version of the policy that decided.
    pub policy_version: String,
    /// Credits that would be refunded (the charge when eligible, else 0).
    pub refundable_credits: u64,
    /// When the refund window closes (absent while the generation has not finished).
    pub window_closes_at: Option<Timestamp>,
    /// The instant the decision was made at.
    pub decided_at: Timestamp,
}

impl Decision {
    /// Seconds left before the window closes, if it is still open.
    pub fn window_left_secs(&self) -> Option<i64> {
        let closes = self.window_closes_at?;
        let left = closes.duration_since(self.decided_at).num_seconds();
        (left >= 0).then_some(left)
    }

    /// Whether a reason with this code is among the reasons.
    pub fn has(&self, code: ReasonCode) -> bool {
        self.reasons.iter().any(|r| r.code == code)
    }
}

impl Policy {
    /// The built-in policy: the help article's table, a 24 h window, one claim per generation.
    pub fn builtin() -> Self {
        let mut refundable = [[false; PLATFORM_COUNT]; FEATURE_COUNT];
        for (feature, row) in SEED_TABLE {
            refundable[feature.index()] = row;
        }
        let mut surface_excluded = [false; SURFACE_COUNT];
        surface_excluded[Surface::BatchEditor.index()] = true;
        surface_excluded[Surface::ProductCatalog.index()] = true;
        Self {
            version: "builtin-2026-11-25".to_owned(),
            refund_window: secs(DEFAULT_REFUND_WINDOW_SECS),
            late_report_grace: secs(DEFAULT_LATE_REPORT_GRACE_SECS),
            one_claim_per_generation: true,
            refundable,
            surface_excluded,
            safeguards: Safeguards {
                window_secs: 30 * 24 * 60 * 60,
                refunds_max: 20,
                refunded_share_max_percent: 25,
                share_min_spent_credits: 200,
            },
            claim_text: ClaimTextLimits {
                details_len_min: 3,
                details_len_max: 2_000,
            },
        }
    }

    /// Reads and validates a policy document. On error nothing changes for the caller: keep
    /// using the policy you had.
    pub fn from_json(bytes: &[u8]) -> Result<Self, DocumentError> {
        let doc: PolicyDocument = document::parse(DOC, bytes)?;
        Self::from_document(doc)
    }

    /// Validates an already parsed document.
    pub fn from_document(doc: PolicyDocument) -> Result<Self, DocumentError> {
        let version = doc.version.trim();
        if version.is_empty() || version.len() > 64 {
            return Err(DocumentError::invalid(
                DOC,
                "version",
                "must be 1 to 64 characters",
            ));
        }
        if version.chars().any(char::is_control) {
            return Err(DocumentError::invalid(
                DOC,
                "version",
                "must not contain control characters",
            ));
        }
        check_window(DOC, "refund_window_secs", doc.refund_window_secs)?;
        check_window(DOC, "safeguards.window_secs", doc.safeguards.window_secs)?;
        // 0 is allowed here: it turns late delivery off.
        if doc.late_report_grace_secs > WINDOW_SECS_MAX {
            return Err(DocumentError::invalid(
                DOC,
                "late_report_grace_secs",
                format!(
                    "must be between 0 and {WINDOW_SECS_MAX} seconds (one year), got {}",
                    doc.late_report_grace_secs
                ),
            ));
        }
        if doc.safeguards.refunded_share_max_percent > 100 {
            return Err(DocumentError::invalid(
                DOC,
                "safeguards.refunded_share_max_percent",
                "must be between 0 and 100",
            ));
        }
        let t = doc.claim_text;
        if t.details_len_max == 0 || t.details_len_max > DETAILS_LEN_LIMIT {
            return Err(DocumentError::invalid(
                DOC,
                "claim_text.details_len_max",
                format!("must be between 1 and {DETAILS_LEN_LIMIT}"),
            ));
        }
        if t.details_len_min > t.details_len_max {
            return Err(DocumentError::invalid(
                DOC,
                "claim_text.details_len_min",
                "must not be larger than claim_text.details_len_max",
            ));
        }
        let mut surface_excluded = [false; SURFACE_COUNT];
        for s in &doc.excluded_surfaces {
            surface_excluded[s.index()] = true;
        }
        let refundable = document::feature_table(DOC, "features", doc.features, |f, row| {
            let mut cells = [None; PLATFORM_COUNT];
            for (name, allowed) in row {
                let p: Platform = name.parse().map_err(|e: crate::UnknownIdentifier| {
                    DocumentError::invalid(DOC, format!("features.{f}.{name}"), e.to_string())
                })?;
                cells[p.index()] = Some(allowed);
            }
            let mut out = [false; PLATFORM_COUNT];
            for p in Platform::ALL {
                out[p.index()] = cells[p.index()].ok_or_else(|| {
                    DocumentError::invalid(
                        DOC,
                        format!("features.{f}.{p}"),
                        "is missing: every platform (ios, android, web) must be listed",
                    )
                })?;
            }
            Ok(out)
        })?;
        Ok(Self {
            version: version.to_owned(),
            refund_window: secs(doc.refund_window_secs),
            late_report_grace: secs(doc.late_report_grace_secs),
            one_claim_per_generation: doc.one_claim_per_generation,
            refundable,
            surface_excluded,
            safeguards: doc.safeguards,
            claim_text: doc.claim_text,
        })
    }

    /// The policy as a document, for storage and display.
    pub fn to_document(&self) -> PolicyDocument {
        let features = Feature::ALL
            .iter()
            .map(|f| {
                let row = Platform::ALL
                    .iter()
                    .map(|p| (p.as_str().to_owned(), self.refundable[f.index()][p.index()]))
                    .collect();
                (f.as_str().to_owned(), row)
            })
            .collect();
        PolicyDocument {
            version: self.version.clone(),
            refund_window_secs: self.refund_window.num_seconds().unsigned_abs(),
            late_report_grace_secs: self.late_report_grace.num_seconds().unsigned_abs(),
            one_claim_per_generation: self.one_claim_per_generation,
            excluded_surfaces: Surface::ALL
                .iter()
                .copied()
                .filter(|s| self.surface_excluded[s.index()])
                .collect(),
            features,
            safeguards: self.safeguards,
            claim_text: self.claim_text,
        }
    }

    /// The policy serialized as pretty JSON (what `policy show` prints and what is stored).
    pub fn to_json(&self) -> String {
        // Serializing plain maps, strings and integers cannot fail.
        serde_json::to_string_pretty(&self.to_document()).unwrap_or_default()
    }

    /// The version label.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The refund window.
    pub fn refund_window(&self) -> TimeDelta {
        self.refund_window
    }

    /// How long after the window closes a report made in time is still honoured.
    pub fn late_report_grace(&self) -> TimeDelta {
        self.late_report_grace
    }

    /// The instant the endpoint judges a report's timing at: `now`, unless the device says the
    /// report was made earlier (`stated`) and it arrived within the late-report grace after the
    /// window closed. Then the stated time counts, but never earlier than the account's last
    /// pull of its changes (`last_pull`: a device that has synced since would have sent the
    /// report then), never earlier than the generation finished, and never later than `now`.
    pub fn report_instant(
        &self,
        generation: &GenerationFacts,
        stated: Option<Timestamp>,
        last_pull: Option<Timestamp>,
        now: Timestamp,
    ) -> Timestamp {
        let (Some(stated), Some(finished)) = (stated, generation.finished_at) else {
            return now;
        };
        let late_until = finished
            .checked_add(self.refund_window)
            .and_then(|closes| closes.checked_add(self.late_report_grace));
        match late_until {
            Some(until) if now <= until => {}
            _ => return now,
        }
        stated
            .max(last_pull.unwrap_or(stated))
            .max(finished)
            .min(now)
    }

    /// The safeguard limits.
    pub fn safeguards(&self) -> Safeguards {
        self.safeguards
    }

    /// Bounds on claim text.
    pub fn claim_text(&self) -> ClaimTextLimits {
        self.claim_text
    }

    /// Whether one claim per generation is enforced.
    pub fn one_claim_per_generation(&self) -> bool {
        self.one_claim_per_generation
    }

    /// Whether `feature` made on `platform` is refundable per the table (ignoring surfaces).
    pub fn feature_refundable(&self, feature: Feature, platform: Platform) -> bool {
        self.refundable[feature.index()][platform.index()]
    }

    /// Whether `surface` is excluded from refunds.
    pub fn surface_excluded(&self, surface: Surface) -> bool {
        self.surface_excluded[surface.index()]
    }

    /// Judges a report on `generation` at `now`, given what is known of the account. Collects
    /// every reason that applies, not only the first.
    pub fn evaluate(
        &self,
        generation: &GenerationFacts,
        history: &AccountHistory,
        now: Timestamp,
    ) -> Decision {
        self.evaluate_report(generation, history, now, now)
    }

    /// [`Policy::evaluate`] for a report made at `reported_at` (see [`Policy::report_instant`])
    /// and judged at `now`: the refund window is checked at `reported_at`, everything else at
    /// `now`.
    pub fn evaluate_report(
        &self,
        generation: &GenerationFacts,
        history: &AccountHistory,
        now: Timestamp,
        reported_at: Timestamp,
    ) -> Decision {
        let mut reasons = Vec::new();
        let g = generation;

        match g.status {
            GenerationStatus::Failed => reasons.push(Reason {
                code: ReasonCode::TechnicalFailureAutoRefunded,
                rule: "technical_failure".to_owned(),
                message: "This generation failed for a technical reason, so its credits were \
                          never charged: they stayed in your allowance. No refund is needed."
                    .to_owned(),
            }),
            GenerationStatus::Running => reasons.push(Reason {
                code: ReasonCode::GenerationNotFinished,
                rule: "generation_status".to_owned(),
                message: "This generation is still running. Report it once it has finished."
                    .to_owned(),
            }),
            GenerationStatus::Succeeded => {}
        }

        if !self.feature_refundable(g.feature, g.platform) {
            reasons.push(Reason {
                code: ReasonCode::FeatureNotRefundable,
                rule: format!("features.{}.{}", g.feature, g.platform),
                message: format!(
                    "{} results are not refundable on {}.",
                    g.feature.label(),
                    g.platform.label()
                ),
            });
        }

        if self.surface_excluded(g.surface) {
            reasons.push(Reason {
                code: ReasonCode::SurfaceNotRefundable,
                rule: "excluded_surfaces".to_owned(),
                message: format!("AI tools used in {} are not refundable.", g.surface.label()),
            });
        }

        let window_closes_at = g
            .finished_at
            .and_then(|t| t.checked_add(self.refund_window));
        if let Some(closes) = window_closes_at
            && reported_at > closes
        {
            reasons.push(Reason {
                code: ReasonCode::WindowExpired,
                rule: "refund_window_secs".to_owned(),
                message: format!(
                    "The time limit for reporting this result ended at {} ({} after the \
                     generation finished).",
                    closes.format("%Y-%m-%d %H:%M:%S UTC"),
                    human_duration(self.refund_window)
                ),
            });
        }

        if self.one_claim_per_generation && history.already_claimed {
            reasons.push(Reason {
                code: ReasonCode::AlreadyClaimed,
                rule: "one_claim_per_generation".to_owned(),
                message: "This result was already reported. Only one refund request per \
                          generation is accepted."
                    .to_owned(),
            });
        }

        let s = self.safeguards;
        let window = human_duration(secs(s.window_secs));
        if history.refunds_in_window >= s.refunds_max {
            reasons.push(Reason {
                code: ReasonCode::SafeguardLimit,
                rule: "safeguards.refunds_max".to_owned(),
                message: format!(
                    "You have reached the limit of {} refunds in {window}.",
                    s.refunds_max
                ),
            });
        }
        if history.spent_in_window >= s.share_min_spent_credits {
            // Would this refund push refunds above the allowed share of spending?
            // u128 so that no combination of u64 inputs can overflow.
            let refunded_after =
                u128::from(history.refunded_in_window) + u128::from(g.charged_credits);
            let allowed =
                u128::from(history.spent_in_window) * u128::from(s.refunded_share_max_percent);
            if refunded_after * 100 > allowed {
                reasons.push(Reason {
                    code: ReasonCode::SafeguardLimit,
                    rule: "safeguards.refunded_share_max_percent".to_owned(),
                    message: format!(
                        "Refunds would exceed {}% of the credits you spent in {window}.",
                        s.refunded_share_max_percent
                    ),
                });
            }
        }

        let eligible = reasons.is_empty();
        let rule = match reasons.first() {
            Some(r) => r.rule.clone(),
            None => format!("features.{}.{}", g.feature, g.platform),
        };
        Decision {
            eligible,
            reasons,
            rule,
            policy_version: self.version.clone(),
            refundable_credits: if eligible { g.charged_credits } else { 0 },
            window_closes_at,
            decided_at: now,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::builtin()
    }
}

fn default_late_report_grace_secs() -> u64 {
    DEFAULT_LATE_REPORT_GRACE_SECS
}

fn secs(n: u64) -> TimeDelta {
    // Windows are validated to at most WINDOW_SECS_MAX, far inside TimeDelta's range.
    i64::try_from(n)
        .ok()
        .and_then(TimeDelta::try_seconds)
        .unwrap_or(TimeDelta::MAX)
}

pub(crate) fn check_window(
    doc: &'static str,
    field: &str,
    value: u64,
) -> Result<(), DocumentError> {
    if value == 0 || value > WINDOW_SECS_MAX {
        return Err(DocumentError::invalid(
            doc,
            field,
            format!("must be between 1 and {WINDOW_SECS_MAX} seconds (one year), got {value}"),
        ));
    }
    Ok(())
}

/// "24 hours", "30 days", "90 minutes": the largest whole unit.
pub fn human_duration(d: TimeDelta) -> String {
    let s = d.num_seconds().unsigned_abs();
    let (n, unit) = if s.is_multiple_of(86_400) && s >= 86_400 && s / 86_400 != 1 {
        (s / 86_400, "days")
    } else if s.is_multiple_of(3_600) && s >= 3_600 {
        (s / 3_600, "hours")
    } else if s.is_multiple_of(60) && s >= 60 {
        (s / 60, "minutes")
    } else {
        (s, "seconds")
    };
    if n == 1 {
        format!("1 {}", unit.trim_end_matches('s'))
    } else {
        format!("{n} {unit}")
    }
}
