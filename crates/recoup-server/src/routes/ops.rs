//! Operations: the metrics exposition (admin only) and the readiness check (public).

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use recoup_api::ErrorCode;

use super::{AppResult, Shared, admin};
use crate::error::AppError;

/// `GET /metrics`: every counter in the Prometheus text format, for the admin credential only
/// (route patterns and outcome counts are the operator's business).
pub(super) async fn metrics(State(state): Shared, headers: HeaderMap) -> AppResult<Response> {
    admin(&state, &headers).await?;
    state
        .metrics
        .webhook_backlog(state.storage.event_signal().backlog());
    let text = state.metrics.render()?;
    Ok(([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text).into_response())
}

/// `GET /v1/ready`: whether the endpoint can serve: the registry answers a query and the data
/// dir takes a new file. 503 `unavailable` names the check that failed.
pub(super) async fn ready(
    State(state): Shared,
) -> AppResult<(StatusCode, Json<serde_json::Value>)> {
    if let Err(AppError(e)) = state.storage.ready().await {
        return Err(not_ready(format!(
            "the registry database does not answer ({}): {}",
            e.code, e.message
        )));
    }
    let dir = state.config.data_dir.clone();
    crate::blocking(move || {
        // A fresh name each time: two checks at once never share a file.
        let probe = dir.join(format!(".ready-{}", uuid::Uuid::now_v7()));
        let written = std::fs::write(&probe, b"ready");
        // Removed even when the write failed half-way; a missing file is no failure here.
        let removed = std::fs::remove_file(&probe);
        written
            .and(removed)
            .map_err(|e| not_ready(format!("the data dir is not writable: {e}")))
    })
    .await?;
    Ok((StatusCode::OK, Json(serde_json::json!({ "ready": true }))))
}

fn not_ready(why: String) -> AppError {
    tracing::warn!(%why, "not ready");
    AppError::api(
        ErrorCode::Unavailable,
        format!("not ready: {why}; retry later"),
    )
}
