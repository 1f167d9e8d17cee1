//! Generations: start one, run the generator, keep its output, finish it; serve the output.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use recoup_api::{ErrorCode, GenerationRequest, GenerationView, GeneratorSettings};
use recoup_core::{Clock, Feature, GenerationId, GenerationStatus, OpId};
use recoup_generator::{GenerateRequest, inspect, pick_failure, pick_quality};
use recoup_store::{FinishGeneration, GenerationRecord, Outcome, StartGeneration, StoreError};
use uuid::Uuid;

use super::{AppResult, Shared, authenticate, json, read_body, run_to_end};
use crate::error::{AppError, read};
use crate::state::AppState;
use crate::storage::{Account, Output};
use crate::wire;

pub(super) async fn generate(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<GenerationView>> {
    let a = authenticate(&state, &headers).await?;
    let req: GenerationRequest = json(&read_body(body).await?)?;
    let record = run_to_end(generation(state, a, req)).await?;
    Ok(Json(wire::generation_view(record)))
}

/// Starts the generation, and finishes it unless it already was: a repeat answers the
/// generation as it is now (the start's recorded answer says "running" forever, so look at
/// the current record).
async fn generation(
    state: Arc<AppState>,
    a: Account,
    req: GenerationRequest,
) -> AppResult<GenerationRecord> {
    let clock = state.account_clock(a.offset_ms);
    let id = req.generation_id;
    let start = StartGeneration {
        generation_id: id,
        feature: req.feature,
        platform: req.platform,
        surface: req.surface,
    };
    state
        .storage
        .start_generation(a.id, start, clock.now())
        .await?;
    let current = state.storage.generation(a.id, id).await?;
    if current.status != GenerationStatus::Running {
        return Ok(current);
    }
    let settings = *read(&state.generator);
    let feature = req.feature;
    let outcome = match crate::blocking(move || Ok(run_generator(id, feature, settings))).await? {
        Ok(output) => Outcome::Succeeded {
            output_ref: Some(state.storage.put_output(a.id, id, output).await?),
        },
        Err(error) => Outcome::Failed { error },
    };
    let finish = FinishGeneration {
        op_id: OpId(Uuid::now_v7()),
        generation_id: id,
        outcome,
    };
    match state
        .storage
        .finish_generation(a.id, finish, clock.now())
        .await?
    {
        Ok(r) => Ok(r),
        // A concurrent repeat finished it first: answer with what it recorded.
        Err(StoreError::AlreadySettled { .. }) => state.storage.generation(a.id, id).await,
        Err(e) => Err(e.into()),
    }
}

fn seed_of(id: GenerationId) -> u64 {
    let b = id.as_bytes();
    u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
}

/// The generator's output for a generation (its seed is the generation's id), judged, or why
/// it failed. CPU work: run it off the async workers.
fn run_generator(
    id: GenerationId,
    feature: Feature,
    settings: GeneratorSettings,
) -> Result<Output, String> {
    let seed = seed_of(id);
    if pick_failure(seed, settings.failure_rate) {
        return Err("the generator failed (technical error)".to_owned());
    }
    let quality = pick_quality(seed.rotate_left(17), settings.bad_rate);
    let out = recoup_generator::generate(&GenerateRequest {
        feature,
        seed,
        quality,
    })
    .map_err(|e| format!("the generator failed: {e}"))?;
    let ext = if out.content_type == recoup_generator::CONTENT_TYPE_GIF {
        "gif"
    } else {
        "png"
    };
    let verdict = inspect(&out.bytes).verdict;
    Ok(Output {
        bytes: out.bytes,
        ext,
        verdict,
    })
}

pub(super) async fn output(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let a = authenticate(&state, &headers).await?;
    let id: GenerationId = id
        .parse()
        .map_err(|e: recoup_core::InvalidId| AppError::api(ErrorCode::NotFound, e.to_string()))?;
    let record = state.storage.generation(a.id, id).await?;
    let name = record.output_ref.ok_or_else(|| {
        AppError::api(
            ErrorCode::NotFound,
            format!("generation {id} has no output"),
        )
    })?;
    let content_type = if name.ends_with(".gif") {
        "image/gif"
    } else {
        "image/png"
    };
    let bytes = state.storage.output(a.id, name).await?.ok_or_else(|| {
        AppError::api(
            ErrorCode::NotFound,
            format!("the output of generation {id} is gone"),
        )
    })?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "private, max-age=31536000, immutable",
            ),
        ],
        bytes,
    )
        .into_response())
}
