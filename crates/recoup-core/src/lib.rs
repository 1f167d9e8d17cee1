//! # recoup-core
//!
//! The domain of Recoup, with no I/O: the refund [`policy`] (a versioned document and the engine
//! that judges "Bad result" reports), the [`prices`] per feature, the [`ledger`] rules (grants,
//! holds, burn-down, refunds back to their source, invariants), the [`claim`] text rules, and an
//! injected [`clock`]. The app, the endpoint and the CLI all decide with this same code.
//!
//! ```
//! use recoup_core::{AccountHistory, Feature, GenerationFacts, GenerationStatus, Platform, Policy,
//!                   ReasonCode, Surface};
//! use recoup_core::Timestamp;
//!
//! let policy = Policy::builtin();
//! let finished: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
//! let shadows_on_ios = GenerationFacts {
//!     feature: Feature::AiShadows,
//!     platform: Platform::Ios,
//!     surface: Surface::BatchEditor,
//!     status: GenerationStatus::Succeeded,
//!     finished_at: Some(finished),
//!     charged_credits: 1,
//! };
//! let now: Timestamp = "2026-11-25T11:00:00Z".parse().unwrap();
//! let decision = policy.evaluate(&shadows_on_ios, &AccountHistory::default(), now);
//! assert!(!decision.eligible);
//! // Every reason that applies, not only the first:
//! assert!(decision.has(ReasonCode::FeatureNotRefundable));
//! assert!(decision.has(ReasonCode::SurfaceNotRefundable));
//! assert_eq!(decision.policy_version, policy.version());
//! ```
#![deny(missing_docs)]

pub mod catalog;
pub mod claim;
pub mod clock;
pub mod document;
pub mod generation;
pub mod ids;
pub mod ledger;
pub mod policy;
pub mod prices;
pub mod rng;
pub mod time;

pub use catalog::{Feature, MediaKind, Platform, Surface, UnknownIdentifier};
pub use claim::{ClaimReason, DetailsError, validate_details};
pub use clock::{Clock, FixedClock, OffsetClock, SystemClock};
pub use document::DocumentError;
pub use generation::{GenerationFacts, GenerationStatus};
pub use ids::{ClaimId, GenerationId, GrantId, InvalidId, OpId};
pub use ledger::{
    Allocation, Balances, EntryKind, GrantKind, GrantSlice, InvariantViolation, LedgerError,
};
pub use policy::{AccountHistory, Decision, Policy, PolicyDocument, Reason, ReasonCode};
pub use prices::{PriceDocument, PriceList};
pub use time::{TimeDelta, TimeError, Timestamp};
