//! The generation service (provider API): the product's backend reports that a generation
//! started (the hold is placed), its output (the hold is captured and the output kept with its
//! inspection's findings) or its technical failure (the hold is voided). Every call is
//! idempotent by the generation's id: a repeat answers the state as it is, a contradiction is
//! a 409 with its own code. The sandbox's built-in generator goes through the same three steps
//! ([`start_flow`], [`capture_flow`], [`failure_flow`]): they are the one path to a hold,
//! a capture and a void.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use recoup_api::{
    ErrorCode, FAILURE_REASON_LEN_MAX, OUTPUT_BYTES_MAX, OutputFindings, OutputView,
    ProviderFailure, ProviderGeneration, ProviderGenerationView,
};
use recoup_core::{Clock, GenerationId, GenerationStatus, MediaKind, OpId};
use recoup_store::{
    FinishGeneration, GenerationRecord, Outcome, OutputRecord, StartGeneration, StoreError,
};
use uuid::Uuid;

use super::{AppResult, Shared, json, provider, read_body, read_body_max, run_to_end};
use crate::error::AppError;
use crate::metrics::ProviderCall;
use crate::state::AppState;
use crate::storage::{Account, NewOutput};
use crate::wire;

// The server's inspection must take every output the API accepts: a larger one would be
// "refused" by the inspection, and a refusal is no evidence that the output is unusable.
const _: () = assert!(OUTPUT_BYTES_MAX <= recoup_generator::INSPECT_BYTES_MAX);

/// A generation as the provider API answers it.
pub(super) fn view(
    account: Uuid,
    record: GenerationRecord,
    output: Option<OutputRecord>,
) -> ProviderGenerationView {
    let output = output.map(|o| OutputView {
        findings: serde_json::from_str(&o.findings).unwrap_or_else(|e| OutputFindings {
            verdict: "unknown".to_owned(),
            detail: format!("the stored findings do not parse: {e}"),
        }),
        media_type: o.media_type,
        size_bytes: o.size_bytes,
        sha256: o.sha256,
    });
    ProviderGenerationView {
        account_id: account,
        view: wire::generation_view(record),
        output,
    }
}

pub(super) async fn start(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Json<ProviderGenerationView>> {
    let provider_id = provider(&state, &headers).await?;
    state.metrics.provider_call(ProviderCall::Start);
    let req: ProviderGeneration = json(&read_body(body).await?)?;
    if req.media_kind != req.feature.media_kind() {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "media_kind {} does not match feature {}, which makes {}",
                req.media_kind,
                req.feature,
                req.feature.media_kind()
            ),
        ));
    }
    let offset_ms = state
        .storage
        .clock_offset_ms(req.account_id)
        .await?
        .ok_or_else(|| {
            AppError::api(
                ErrorCode::NotFound,
                format!("no account {}: create it first", req.account_id),
            )
        })?;
    let answer = run_to_end(async move {
        let account = Account {
            id: req.account_id,
            offset_ms,
        };
        let now = state.account_clock(offset_ms).now();
        let owner = state
            .storage
            .index_generation(req.generation_id, account.id, provider_id, now)
            .await?;
        if owner != (account.id, provider_id) {
            return Err(AppError::api(
                ErrorCode::GenerationExists,
                format!(
                    "generation {} was already reported for another account or by another provider; give each generation its own id",
                    req.generation_id
                ),
            ));
        }
        let start = StartGeneration {
            generation_id: req.generation_id,
            feature: req.feature,
            platform: req.platform,
            surface: req.surface,
        };
        let record = start_flow(&state, account, start).await?;
        audit(&state, provider_id, "provider.generation.start", &record).await?;
        let output = state.storage.output_record(account.id, record.generation_id).await?;
        Ok(view(account.id, record, output))
    })
    .await?;
    Ok(Json(answer))
}

pub(super) async fn output(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<Json<ProviderGenerationView>> {
    let provider_id = provider(&state, &headers).await?;
    state.metrics.provider_call(ProviderCall::Output);
    // Read (bounded) before any refusal: answering while an authenticated provider is still
    // sending megabytes closes the connection under it, and it sees a reset, not the answer.
    let bytes = read_body_max(body, OUTPUT_BYTES_MAX).await;
    let id = generation_id(&id)?;
    let media_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let (media_type, ext) = recoup_api::OUTPUT_MEDIA_TYPES
        .iter()
        .find(|(t, _)| *t == media_type)
        .copied()
        .ok_or_else(|| {
            AppError::api(
                ErrorCode::UnsupportedMediaType,
                format!(
                    "Content-Type {media_type:?} is not kept; send one of image/png, image/jpeg, image/gif, video/mp4, video/webm"
                ),
            )
        })?;
    let account = owned(&state, id, provider_id).await?;
    let bytes = bytes?;
    if bytes.is_empty() {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "the output is empty; report a technical failure instead (POST .../failure)",
        ));
    }
    let answer = run_to_end(async move {
        let (record, output) =
            capture_flow(&state, account, id, media_type, ext, bytes.to_vec()).await?;
        audit(&state, provider_id, "provider.generation.output", &record).await?;
        Ok(view(account.id, record, output))
    })
    .await?;
    Ok(Json(answer))
}

pub(super) async fn failure(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Body,
) -> AppResult<Json<ProviderGenerationView>> {
    let provider_id = provider(&state, &headers).await?;
    state.metrics.provider_call(ProviderCall::Failure);
    let id = generation_id(&id)?;
    let account = owned(&state, id, provider_id).await?;
    let req: ProviderFailure = json(&read_body(body).await?)?;
    let reason = req.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > FAILURE_REASON_LEN_MAX {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "reason must be 1 to {FAILURE_REASON_LEN_MAX} characters, saying what went wrong"
            ),
        ));
    }
    let answer = run_to_end(async move {
        let record = failure_flow(&state, account, id, reason).await?;
        audit(&state, provider_id, "provider.generation.failure", &record).await?;
        Ok(view(account.id, record, None))
    })
    .await?;
    Ok(Json(answer))
}

fn generation_id(raw: &str) -> AppResult<GenerationId> {
    raw.parse().map_err(|e: recoup_core::InvalidId| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the generation id in the path is not a UUID: {e}"),
        )
    })
}

/// The account of a generation this provider reported; anyone else's is not found.
async fn owned(state: &AppState, id: GenerationId, provider_id: Uuid) -> AppResult<Account> {
    let not_found = || {
        AppError::api(
            ErrorCode::NotFound,
            format!(
                "no generation {id} was started by this provider: POST /v1/provider/generations first"
            ),
        )
    };
    let (account, owner) = state
        .storage
        .generation_owner(id)
        .await?
        .ok_or_else(not_found)?;
    if owner != provider_id {
        return Err(not_found());
    }
    let offset_ms = state
        .storage
        .clock_offset_ms(account)
        .await?
        .ok_or_else(not_found)?;
    Ok(Account {
        id: account,
        offset_ms,
    })
}

/// Starts a generation (the hold) unless it already was; answers it as it is now (a repeat's
/// recorded start says "running" forever, so the current record is read).
pub(super) async fn start_flow(
    state: &AppState,
    a: Account,
    start: StartGeneration,
) -> AppResult<GenerationRecord> {
    let now = state.account_clock(a.offset_ms).now();
    state.storage.start_generation(a.id, start, now).await?;
    state.storage.generation(a.id, start.generation_id).await
}

/// Keeps a running generation's output and captures its hold; a repeat with the same bytes
/// answers the generation as it is.
pub(super) async fn capture_flow(
    state: &AppState,
    a: Account,
    id: GenerationId,
    media_type: &'static str,
    ext: &'static str,
    bytes: Vec<u8>,
) -> AppResult<(GenerationRecord, Option<OutputRecord>)> {
    let current = state.storage.generation(a.id, id).await?;
    let (sha256, bytes) =
        crate::blocking(move || Ok((crate::storage::hex_sha256(&bytes), bytes))).await?;
    if let Some(answer) = settled_output(state, a, current, media_type, &sha256).await? {
        return Ok(answer);
    }
    if let Some(found) = recoup_generator::sniff(&bytes)
        && found != media_type
    {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "Content-Type is {media_type} but the bytes are {found}: send the type they are"
            ),
        ));
    }
    let record = state.storage.generation(a.id, id).await?;
    if record.media_kind == MediaKind::Image && media_type.starts_with("video/") {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!("generation {id} makes an image; {media_type} is a video"),
        ));
    }
    let (bytes, findings) = crate::blocking(move || {
        let inspection = recoup_generator::inspect(&bytes);
        let findings = OutputFindings {
            verdict: inspection.verdict.as_str().to_owned(),
            detail: inspection.detail,
        };
        let json = serde_json::to_string(&findings)
            .map_err(|e| AppError::internal(format!("findings: {e}")))?;
        Ok((bytes, json))
    })
    .await?;
    let output = NewOutput {
        bytes,
        media_type,
        ext,
        sha256: sha256.clone(),
        findings,
    };
    let now = state.account_clock(a.offset_ms).now();
    match state.storage.capture_output(a.id, id, output, now).await? {
        Ok(record) => {
            let output = state.storage.output_record(a.id, id).await?;
            Ok((record, output))
        }
        // Settled meanwhile (a concurrent call, or the hold went stale): answer as a repeat.
        Err(StoreError::AlreadySettled { .. }) => {
            let current = state.storage.generation(a.id, id).await?;
            settled_output(state, a, current, media_type, &sha256)
                .await?
                .ok_or_else(|| AppError::internal("a settled generation is still running"))
        }
        Err(e) => Err(e.into()),
    }
}

/// For a generation that has ended: the answer to an output call (the same output again), or
/// the contradiction. `None` while it runs.
async fn settled_output(
    state: &AppState,
    a: Account,
    current: GenerationRecord,
    media_type: &str,
    sha256: &str,
) -> AppResult<Option<(GenerationRecord, Option<OutputRecord>)>> {
    match current.status {
        GenerationStatus::Running => Ok(None),
        GenerationStatus::Failed => Err(AppError::api(
            ErrorCode::AlreadyFailed,
            format!(
                "generation {} already failed ({}): its hold was released, it cannot get an output",
                current.generation_id,
                current.failure.as_deref().unwrap_or("no reason")
            ),
        )),
        GenerationStatus::Succeeded => {
            let output = state
                .storage
                .output_record(a.id, current.generation_id)
                .await?;
            match output {
                Some(o) if o.sha256 == sha256 && o.media_type == media_type => {
                    Ok(Some((current, Some(o))))
                }
                _ => Err(AppError::api(
                    ErrorCode::OutputConflict,
                    format!(
                        "generation {} already has another output; an output is kept once",
                        current.generation_id
                    ),
                )),
            }
        }
    }
}

/// Voids a running generation's hold (a technical failure); a repeat answers the generation as
/// it is.
pub(super) async fn failure_flow(
    state: &AppState,
    a: Account,
    id: GenerationId,
    reason: String,
) -> AppResult<GenerationRecord> {
    let current = state.storage.generation(a.id, id).await?;
    if let Some(answer) = settled_failure(current)? {
        return Ok(answer);
    }
    let finish = FinishGeneration {
        op_id: OpId(Uuid::now_v7()),
        generation_id: id,
        outcome: Outcome::Failed { error: reason },
    };
    let now = state.account_clock(a.offset_ms).now();
    match state.storage.finish_generation(a.id, finish, now).await? {
        Ok(record) => Ok(record),
        Err(StoreError::AlreadySettled { .. }) => {
            let current = state.storage.generation(a.id, id).await?;
            settled_failure(current)?
                .ok_or_else(|| AppError::internal("a settled generation is still running"))
        }
        Err(e) => Err(e.into()),
    }
}

fn settled_failure(current: GenerationRecord) -> AppResult<Option<GenerationRecord>> {
    match current.status {
        GenerationStatus::Running => Ok(None),
        GenerationStatus::Failed => Ok(Some(current)),
        GenerationStatus::Succeeded => Err(AppError::api(
            ErrorCode::AlreadySucceeded,
            format!(
                "generation {} already has its output (its hold was captured); it cannot fail now",
                current.generation_id
            ),
        )),
    }
}

/// Records a provider's call in the audit log: who (`provider:<id>`), what, on which generation,
/// and the generation's status after it.
async fn audit(
    state: &AppState,
    provider: Uuid,
    action: &'static str,
    record: &recoup_api::rows::GenerationRecord,
) -> AppResult<()> {
    state
        .storage
        .audit(
            format!("provider:{provider}"),
            action,
            record.generation_id.to_string(),
            serde_json::json!({ "status": record.status }),
            state.now(),
        )
        .await
}
