//! What the device tells about its records, once for every door: where a generation stands,
//! what was decided about a report, and where the device stands with its endpoint.

use serde::{Deserialize, Serialize};

use recoup_core::GenerationStatus;
use recoup_store::{ClaimOutcome, ClaimRecord, GenerationRecord, Store};
use recoup_sync::meta;

use crate::DeviceResult;

/// Where a generation stands, as the history shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum GenerationState {
    /// Still running: its credits are held.
    Running,
    /// Finished and charged; not reported.
    Succeeded,
    /// Failed for a technical reason: the hold was released, nothing was charged.
    TechnicalFailure,
    /// Reported; no answer from the endpoint yet (queued or sent).
    Pending,
    /// Reported; the endpoint holds it for a person to review.
    InReview,
    /// Reported and refunded.
    Refunded,
    /// Reported and not refunded.
    NotRefunded,
}

/// Where `g` stands: its status first, then its report's outcome.
pub fn generation_state(g: &GenerationRecord) -> GenerationState {
    use GenerationState as S;
    match (g.status, g.claim.as_ref().map(|c| c.outcome)) {
        (GenerationStatus::Running, _) => S::Running,
        (GenerationStatus::Failed, _) => S::TechnicalFailure,
        (GenerationStatus::Succeeded, None) => S::Succeeded,
        (GenerationStatus::Succeeded, Some(None)) => S::Pending,
        (GenerationStatus::Succeeded, Some(Some(ClaimOutcome::InReview))) => S::InReview,
        (GenerationStatus::Succeeded, Some(Some(ClaimOutcome::Refunded))) => S::Refunded,
        (GenerationStatus::Succeeded, Some(Some(ClaimOutcome::NotRefunded))) => S::NotRefunded,
    }
}

/// The words every client tells the user about a decided report (the endpoint's own words).
pub fn verdict_message(c: &ClaimRecord) -> Option<String> {
    c.verdict()
        .map(|v| recoup_api::ClaimAnswer::message_for(&v))
}

/// Where the device stands with its endpoint, as its store knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncSnapshot {
    /// Whether the store is linked to an endpoint.
    pub linked: bool,
    /// The endpoint's URL.
    pub endpoint: Option<String>,
    /// The linked account.
    pub account_id: Option<String>,
    /// Whether the network switch is on.
    pub online: bool,
    /// Items waiting in the outbox.
    pub queued: u64,
    /// Items set aside after repeated failures.
    pub quarantined: u64,
    /// Reports the endpoint holds for review.
    pub in_review: u64,
    /// When the last sync finished (RFC 3339).
    pub last_sync_at: Option<String>,
    /// The endpoint's clock minus the device's, as measured at the last sync.
    pub clock_offset_ms: Option<i64>,
}

/// Reads the device's [`SyncSnapshot`] from its store.
pub fn sync_snapshot(store: &Store) -> DeviceResult<SyncSnapshot> {
    Ok(SyncSnapshot {
        linked: recoup_sync::is_linked(store)?,
        endpoint: store.meta(meta::ENDPOINT_URL)?,
        account_id: store.meta(meta::ACCOUNT_ID)?,
        online: !recoup_sync::is_offline(store)?,
        queued: store.outbox_len()?,
        quarantined: store.outbox_quarantined_len()?,
        in_review: store.claims_in_review_len()?,
        last_sync_at: store.meta(meta::LAST_SYNC_AT)?,
        clock_offset_ms: recoup_sync::clock_offset(store)?.map(|d| d.num_milliseconds()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_core::Timestamp;
    use recoup_core::{Feature, GenerationId, MediaKind, Platform, Surface};
    use recoup_store::{ClaimSummary, SyncState};

    fn record(status: GenerationStatus, outcome: Option<Option<ClaimOutcome>>) -> GenerationRecord {
        let t: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        GenerationRecord {
            generation_id: GenerationId::new_v7(),
            feature: Feature::Logo,
            platform: Platform::Web,
            surface: Surface::Editor,
            media_kind: MediaKind::Image,
            status,
            failure: None,
            cost: 2,
            charged: 2,
            price_version: "p".into(),
            started_at: t,
            finished_at: Some(t),
            hold_expires_at: t,
            output_ref: Some("/v1/x".into()),
            claim: outcome.map(|outcome| ClaimSummary {
                claim_id: recoup_core::ClaimId::new_v7(),
                local_eligible: true,
                sync_state: SyncState::Queued,
                outcome,
            }),
        }
    }

    #[test]
    fn a_report_in_review_is_its_own_state_not_pending() {
        use GenerationState as S;
        let cases = [
            (GenerationStatus::Running, None, S::Running),
            (GenerationStatus::Failed, None, S::TechnicalFailure),
            (GenerationStatus::Succeeded, None, S::Succeeded),
            (GenerationStatus::Succeeded, Some(None), S::Pending),
            (
                GenerationStatus::Succeeded,
                Some(Some(ClaimOutcome::InReview)),
                S::InReview,
            ),
            (
                GenerationStatus::Succeeded,
                Some(Some(ClaimOutcome::Refunded)),
                S::Refunded,
            ),
            (
                GenerationStatus::Succeeded,
                Some(Some(ClaimOutcome::NotRefunded)),
                S::NotRefunded,
            ),
        ];
        for (status, outcome, want) in cases {
            assert_eq!(
                generation_state(&record(status, outcome)),
                want,
                "{status:?} with {outcome:?}"
            );
        }
    }

    #[test]
    fn a_fresh_store_is_unlinked_online_and_empty() {
        let store = Store::open_in_memory().unwrap();
        let s = sync_snapshot(&store).unwrap();
        assert!(!s.linked && s.online, "unlinked and online: {s:?}");
        assert_eq!((s.queued, s.quarantined, s.in_review), (0, 0, 0), "{s:?}");
    }
}
