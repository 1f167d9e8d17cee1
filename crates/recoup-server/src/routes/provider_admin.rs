//! The admin API for provider credentials: register a provider (its key shown once), list them,
//! revoke one.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use recoup_api::{ErrorCode, PROVIDER_NAME_LEN_MAX, ProviderCreate, ProviderCreated, ProviderView};
use uuid::Uuid;

use super::{AppResult, Shared, admin, json, read_body, run_to_end};
use crate::error::AppError;
use crate::state::new_token;
use crate::storage::{ProviderRow, TokenHash};

/// Most providers one listing shows.
pub const PROVIDERS_LISTED_MAX: u32 = 1_000;

/// The prefix of every provider key (account tokens have `rk_`).
pub(crate) const PROVIDER_KEY_PREFIX: &str = "rp";

fn provider_view(p: ProviderRow) -> ProviderView {
    ProviderView {
        provider_id: p.provider_id,
        name: p.name,
        created_at: p.created_at,
        revoked_at: p.revoked_at,
    }
}

pub(super) async fn create_provider(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<ProviderCreated>)> {
    let actor = admin(&state, &headers).await?;
    let req: ProviderCreate = json(&read_body(body).await?)?;
    let name = req.name.trim().to_owned();
    if name.is_empty()
        || name.chars().count() > PROVIDER_NAME_LEN_MAX
        || name.chars().any(char::is_control)
    {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "name must be 1 to {PROVIDER_NAME_LEN_MAX} characters of text without control characters"
            ),
        ));
    }
    let created = run_to_end(async move {
        let provider_id = Uuid::now_v7();
        let key = new_token(PROVIDER_KEY_PREFIX)?;
        let now = state.now();
        let detail = serde_json::json!({ "name": name });
        state
            .storage
            .create_provider(provider_id, name, TokenHash::of(&key), now)
            .await?;
        state
            .storage
            .audit(
                actor.0,
                "provider.create",
                provider_id.to_string(),
                detail,
                now,
            )
            .await?;
        Ok(ProviderCreated { provider_id, key })
    })
    .await?;
    tracing::info!(provider = %created.provider_id, "provider registered");
    Ok((StatusCode::CREATED, Json(created)))
}

pub(super) async fn providers(
    State(state): Shared,
    headers: HeaderMap,
) -> AppResult<Json<Vec<ProviderView>>> {
    admin(&state, &headers).await?;
    let rows = state.storage.providers(PROVIDERS_LISTED_MAX).await?;
    Ok(Json(rows.into_iter().map(provider_view).collect()))
}

pub(super) async fn revoke_provider(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Json<ProviderView>> {
    let actor = admin(&state, &headers).await?;
    let id: Uuid = id.parse().map_err(|e| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the provider id in the path is not a UUID: {e}"),
        )
    })?;
    let now = state.now();
    let revoked = state
        .storage
        .revoke_provider(id, now)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no provider {id}")))?;
    state
        .storage
        .audit(
            actor.0,
            "provider.revoke",
            id.to_string(),
            serde_json::json!({}),
            now,
        )
        .await?;
    tracing::info!(provider = %id, "provider key revoked");
    Ok(Json(provider_view(revoked)))
}
