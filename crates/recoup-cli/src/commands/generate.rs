//! `recoup generate` (simulated locally, or run on the endpoint for a linked data dir) and
//! `recoup history`.

use std::sync::{Mutex, PoisonError};

use recoup_api::GenerationRequest;
use recoup_core::{GenerationId, OpId};
use recoup_device::generate::{OUTPUTS_DIR, generate};
use recoup_store::{FinishGeneration, HistoryFilter, HistoryQuery, Outcome, StartGeneration};

use crate::args::{GenerateArgs, HistoryArgs};
use crate::data_dir::DataDir;
use crate::error::Result;
use crate::output::Output;
use crate::render;
use crate::views::{Generated, GeneratedRemote};

/// A local simulation: holds the price, then captures it, voids it (`--fail`) or leaves it
/// held (`--leave-running`).
pub fn local(d: &mut DataDir, a: GenerateArgs) -> Result<Output> {
    let id = a.id.unwrap_or_else(GenerationId::new_v7);
    let start = StartGeneration {
        generation_id: id,
        feature: a.feature,
        platform: a.platform,
        surface: a.surface,
    };
    let mut g = d.store.start_generation(&start, d.now)?;
    if !a.leave_running {
        let outcome = if a.fail {
            Outcome::Failed {
                error: "simulated technical failure".to_owned(),
            }
        } else {
            Outcome::Succeeded { output_ref: None }
        };
        let finish = FinishGeneration {
            op_id: OpId::new_v7(),
            generation_id: id,
            outcome,
        };
        g = d.store.finish_generation(&finish, d.now)?;
    }
    let decision = d.store.check_claim(id, d.now)?;
    let human = render::generated(&g, &decision);
    let view = Generated {
        generation: g,
        refund_check: decision,
    };
    Ok(Output::new(&view, human))
}

/// A generation on the endpoint (the device layer's flow): run it, pull its ledger rows, save
/// its output.
pub fn remote(d: DataDir, a: GenerateArgs) -> Result<Output> {
    let req = GenerationRequest {
        generation_id: a.id.unwrap_or_else(GenerationId::new_v7),
        feature: a.feature,
        platform: a.platform,
        surface: a.surface,
    };
    let mut engine = d.engine()?;
    let outputs = d.dir.join(OUTPUTS_DIR);
    let device = d.clock();
    // The flow locks the store only while it reads or writes it, never during a request.
    let cell = Mutex::new(d.store);
    let run = generate(&cell, &mut engine, &req, &outputs);
    let store = cell.into_inner().unwrap_or_else(PoisonError::into_inner);
    let run = run?;
    // The pull may have measured a new offset.
    let now = recoup_device::sync::now(&store, device)?;
    let g = match store.generation(req.generation_id) {
        Ok(g) => g,
        Err(_) => run.view.generation.clone(),
    };
    let decision = store.check_claim(req.generation_id, now).ok();
    let human = render::generated_remote(&g, decision.as_ref(), &run);
    let view = GeneratedRemote {
        generation: g,
        refund_check: decision,
        output_file: run.output_file,
        notes: run.notes,
    };
    Ok(Output::new(&view, human))
}

pub fn history(d: &DataDir, a: HistoryArgs) -> Result<Output> {
    let claimed = match (a.claimed, a.unclaimed) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    };
    let page = d.store.history(&HistoryQuery {
        filter: HistoryFilter {
            feature: a.feature,
            platform: a.platform,
            status: a.status,
            claimed,
        },
        before: a.before,
        limit: a.limit,
    })?;
    Ok(Output::new(&page, render::history(&page)))
}
