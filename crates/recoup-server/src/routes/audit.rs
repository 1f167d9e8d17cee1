//! `GET /v1/admin/audit`: the append-only audit log, newest first, a page at a time.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use recoup_api::AuditPage;
use serde::Deserialize;

use super::accounts::page_limit;
use super::{AppResult, Shared, admin};

/// Records on one page when the request does not say.
const AUDIT_PAGE_DEFAULT: u32 = 50;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AuditQuery {
    before: Option<u64>,
    limit: Option<u32>,
}

pub(super) async fn audit(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<AuditQuery>,
) -> AppResult<Json<AuditPage>> {
    admin(&state, &headers).await?;
    let limit = page_limit(q.limit, AUDIT_PAGE_DEFAULT)?;
    let entries = state.storage.audit_page(q.before, limit).await?;
    let next = if entries.len() == usize::try_from(limit).unwrap_or(usize::MAX) {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(Json(AuditPage { entries, next }))
}
