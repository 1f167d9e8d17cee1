//! `recoup check`, `recoup report` and `recoup claims`: whether a generation can be refunded,
//! reporting it, and where the reports are.

use recoup_core::{ClaimId, GenerationId};
use recoup_store::{ClaimQuery, SubmitClaim};

use crate::args::{ClaimsArgs, ReportArgs};
use crate::data_dir::DataDir;
use crate::error::Result;
use crate::output::Output;
use crate::render;
use crate::views::{ClaimLine, SyncStateView};

pub fn check(d: &DataDir, generation: GenerationId) -> Result<Output> {
    let decision = d.store.check_claim(generation, d.now)?;
    Ok(Output::new(&decision, render::decision(&decision)))
}

pub fn report(d: &mut DataDir, a: ReportArgs) -> Result<Output> {
    let req = SubmitClaim {
        claim_id: a.claim_id.unwrap_or_else(ClaimId::new_v7),
        generation_id: a.generation,
        reason: a.reason,
        details: a.details,
        reported_at: None,
    };
    let claim = d.store.submit_claim(&req, d.now)?;
    let queued = d.store.outbox_len()?;
    Ok(Output::new(&claim, render::reported(&claim, queued)))
}

pub fn claims(d: &DataDir, a: ClaimsArgs) -> Result<Output> {
    let claims = d.store.claims(&ClaimQuery {
        sync_state: a.state,
        before: a.before,
        limit: a.limit,
    })?;
    let state = SyncStateView::from(recoup_device::state::sync_snapshot(&d.store)?);
    let human = format!(
        "{}\n{}",
        render::sync_state_line(&state),
        render::claims(&claims)
    );
    let lines: Vec<ClaimLine> = claims
        .into_iter()
        .map(|claim| ClaimLine {
            status: render::claim_status(&claim),
            claim,
        })
        .collect();
    Ok(Output::new(&lines, human))
}
