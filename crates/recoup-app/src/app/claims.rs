//! Reporting a bad result: whether a generation's report can be refunded (checked on the
//! device, offline), and submitting the report to the outbox.

use recoup_core::{Decision, GenerationId};
use recoup_store::{Store, SubmitClaim};

use super::App;
use crate::convert;
use crate::error::AppResult;
use crate::i18n::ReasonFacts;
use crate::views::{AppEvent, ClaimRequest, ClaimView, Eligibility};

impl App {
    /// Whether a report on this generation can be refunded, and why not: instant and offline,
    /// from the policy in force on the device and the corrected clock.
    pub fn check_claim(&self, id: &str) -> AppResult<Eligibility> {
        let id = convert::generation_id("generation_id", id)?;
        let s = self.session()?;
        let store = s.store();
        let now = self.now(&store)?;
        let d = store.check_claim(id, now)?;
        let facts = facts(&store, id, &d)?;
        Ok(convert::eligibility(
            id,
            &d,
            now,
            self.messages(),
            facts.as_ref(),
        ))
    }

    /// Records a "Bad result" report with the device's decision and queues it for the endpoint,
    /// in one transaction; the sync sends it at once when online.
    pub fn submit_claim(&self, req: &ClaimRequest) -> AppResult<ClaimView> {
        let generation_id = convert::generation_id("generation_id", &req.generation_id)?;
        let s = self.session()?;
        let (record, facts) = {
            let mut store = s.store();
            let now = self.now(&store)?;
            let record = store.submit_claim(
                &SubmitClaim {
                    claim_id: recoup_core::ClaimId::new_v7(),
                    generation_id,
                    reason: req.reason,
                    details: req.details.clone(),
                    reported_at: None,
                },
                now,
            )?;
            let facts = facts(&store, generation_id, &record.local_decision)?;
            (record, facts)
        };
        // The words of the report stay out of the logs.
        tracing::info!(
            generation = %generation_id,
            reason = req.reason.as_str(),
            refundable_here = record.local_decision.eligible,
            "report recorded and queued"
        );
        self.sink.emit(&AppEvent::History { changed: 1 });
        s.wake();
        Ok(convert::claim(&record, self.messages(), facts.as_ref()))
    }
}

/// What a decision's reasons are about, read only when it has reasons (an eligible check, the
/// common one, reads nothing more).
fn facts(store: &Store, id: GenerationId, d: &Decision) -> AppResult<Option<ReasonFacts>> {
    if d.reasons.is_empty() {
        return Ok(None);
    }
    Ok(Some(convert::reason_facts(
        &store.generation(id)?,
        d,
        &store.policy()?,
    )))
}
