//! Generations made by the sandbox's built-in generator (through the provider path, see
//! `routes::provider`); serving any generation's output.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use recoup_api::{ErrorCode, GenerationRequest, GenerationView, GeneratorSettings};
use recoup_core::{Feature, GenerationId, GenerationStatus};
use recoup_generator::{GenerateRequest, pick_failure, pick_quality};
use recoup_store::{GenerationRecord, StartGeneration};

use super::provider::{capture_flow, failure_flow, start_flow};
use super::{AppResult, Shared, authenticate, json, read_body, run_to_end};
use crate::error::{AppError, read};
use crate::state::AppState;
use crate::storage::Account;
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

/// The sandbox's built-in generator, as a provider would be: starts the generation (the hold)
/// through the provider path, and unless it already ended, runs the generator and reports its
/// output or its failure through the same path. A repeat answers the generation as it is.
async fn generation(
    state: Arc<AppState>,
    a: Account,
    req: GenerationRequest,
) -> AppResult<GenerationRecord> {
    let id = req.generation_id;
    let start = StartGeneration {
        generation_id: id,
        feature: req.feature,
        platform: req.platform,
        surface: req.surface,
    };
    let current = start_flow(&state, a, start).await?;
    if current.status != GenerationStatus::Running {
        return Ok(current);
    }
    let settings = *read(&state.generator);
    let feature = req.feature;
    // The draw is the server's own: nothing the client sends (its id above all) decides
    // whether a generation fails or comes out bad, so no id can be picked to farm refunds.
    let seed = state.generator_seed()?;
    let reported = match crate::blocking(move || Ok(run_generator(seed, feature, settings))).await?
    {
        Ok((bytes, media_type, ext)) => capture_flow(&state, a, id, media_type, ext, bytes)
            .await
            .map(|(record, _)| record),
        Err(reason) => failure_flow(&state, a, id, reason).await,
    };
    match reported {
        Ok(record) => Ok(record),
        // A concurrent repeat drew and reported first: answer with what it recorded.
        Err(e)
            if matches!(
                e.0.code,
                ErrorCode::OutputConflict | ErrorCode::AlreadyFailed | ErrorCode::AlreadySucceeded
            ) =>
        {
            state.storage.generation(a.id, id).await
        }
        Err(e) => Err(e),
    }
}

/// The generator's output for a seed (bytes, media type, file extension), or why it failed.
/// CPU work: run it off the async workers.
fn run_generator(
    seed: u64,
    feature: Feature,
    settings: GeneratorSettings,
) -> Result<(Vec<u8>, &'static str, &'static str), String> {
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
    let (media_type, ext) = if out.content_type == recoup_generator::CONTENT_TYPE_GIF {
        ("image/gif", "gif")
    } else {
        ("image/png", "png")
    };
    Ok((out.bytes, media_type, ext))
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
    let content_type = recoup_api::output_media_type(&name).unwrap_or("image/png");
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
