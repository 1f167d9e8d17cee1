//! The admin API for accounts and their tokens: create (with a first token and an optional
//! allowance and sign-in subject), list, show, disable; issue, list and revoke tokens. Every
//! change is audited with the admin credential that made it. Everything a request says is
//! checked before anything is written.

use axum::Json;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use recoup_api::{
    ADMIN_PAGE_MAX, AccountPage, AdminAccount, ErrorCode, IssuedToken, NewAccount,
    NewAccountAnswer, NewToken, SUBJECT_CHARS_MAX, TOKEN_EXPIRY_DAYS_MAX, TOKEN_LABEL_CHARS_MAX,
    TokenInfo,
};
use recoup_core::{GrantKind, OpId, ledger::GRANT_CREDITS_MAX};
use recoup_core::{TimeDelta, Timestamp};
use recoup_store::GrantRequest;
use serde::Deserialize;
use uuid::Uuid;

use super::{AppResult, Shared, admin, json, read_body, run_to_end};
use crate::error::AppError;
use crate::state::new_token;
use crate::storage::{NewTokenRow, TokenHash};

/// How many characters of a token listings show (`rk_` and five more: not enough to guess it).
const TOKEN_PREFIX_CHARS: usize = 8;

/// Accounts on one page when the request does not say.
const ACCOUNTS_PAGE_DEFAULT: u32 = 50;

fn invalid(message: impl Into<String>) -> AppError {
    AppError::api(ErrorCode::InvalidInput, message)
}

/// A text field: not blank, no control characters, at most `max` bytes.
fn check_text(field: &str, value: &str, max: usize) -> AppResult<()> {
    if value.trim().is_empty() {
        return Err(invalid(format!(
            "{field} is blank: leave it out or give one"
        )));
    }
    // Characters, as the document's `maxLength` counts them (bytes refused 100 accented letters).
    let chars = value.chars().count();
    if chars > max {
        return Err(invalid(format!(
            "{field} is {chars} characters long; at most {max}"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(invalid(format!("{field} contains control characters")));
    }
    Ok(())
}

/// A request body that may be empty (then `T::default()`).
fn json_or_default<T: serde::de::DeserializeOwned + Default>(
    body: &axum::body::Bytes,
) -> AppResult<T> {
    if body.iter().all(u8::is_ascii_whitespace) {
        Ok(T::default())
    } else {
        json(body)
    }
}

/// A new token's secret and the row that stores its hash.
fn new_token_row(label: String, expires_at: Option<Timestamp>) -> AppResult<(String, NewTokenRow)> {
    let token = new_token("rk")?;
    let row = NewTokenRow {
        token_id: Uuid::now_v7(),
        hash: TokenHash::of(&token),
        prefix: token.chars().take(TOKEN_PREFIX_CHARS).collect(),
        label,
        expires_at,
    };
    Ok((token, row))
}

pub(super) async fn create_account(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<(StatusCode, Json<NewAccountAnswer>)> {
    let actor = admin(&state, &headers).await?;
    let req: NewAccount = json_or_default(&read_body(body).await?)?;
    if let Some(s) = &req.subject {
        check_text("subject", s, SUBJECT_CHARS_MAX)?;
    }
    if let Some(n) = req.allowance
        && !(1..=GRANT_CREDITS_MAX).contains(&n)
    {
        return Err(invalid(format!(
            "allowance is between 1 and {GRANT_CREDITS_MAX} credits, got {n}; leave it out for none"
        )));
    }
    let answer = run_to_end(async move {
        let account = Uuid::now_v7();
        let now = state.now();
        let (token, row) = new_token_row("first token".to_owned(), None)?;
        let detail = serde_json::json!({
            "subject": req.subject,
            "allowance": req.allowance,
            "token_id": row.token_id,
        });
        state
            .storage
            .create_admin_account(account, req.subject, row, actor.0, detail, now)
            .await?;
        if let Some(credits) = req.allowance {
            let mut grant = GrantRequest::new(OpId(Uuid::now_v7()), GrantKind::Allowance, credits);
            grant.note = "starting allowance".to_owned();
            state.storage.grant(account, grant, now).await?;
        }
        Ok(NewAccountAnswer {
            account_id: account,
            token,
        })
    })
    .await?;
    tracing::info!(account = %answer.account_id, "account created by an admin");
    Ok((StatusCode::CREATED, Json(answer)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AccountsQuery {
    after: Option<Uuid>,
    limit: Option<u32>,
}

pub(super) async fn list_accounts(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<AccountsQuery>,
) -> AppResult<Json<AccountPage>> {
    admin(&state, &headers).await?;
    let limit = page_limit(q.limit, ACCOUNTS_PAGE_DEFAULT)?;
    let accounts = state
        .storage
        .admin_accounts(q.after, limit, state.now())
        .await?;
    let next = if accounts.len() == usize::try_from(limit).unwrap_or(usize::MAX) {
        accounts.last().map(|a| a.account_id)
    } else {
        None
    };
    Ok(Json(AccountPage { accounts, next }))
}

/// A page size: 1 to [`ADMIN_PAGE_MAX`], `default` when absent.
pub(super) fn page_limit(limit: Option<u32>, default: u32) -> AppResult<u32> {
    match limit {
        None => Ok(default),
        Some(n) if (1..=ADMIN_PAGE_MAX).contains(&n) => Ok(n),
        Some(n) => Err(invalid(format!(
            "limit is between 1 and {ADMIN_PAGE_MAX}, got {n}"
        ))),
    }
}

async fn known_account(state: &crate::AppState, account: Uuid) -> AppResult<AdminAccount> {
    state
        .storage
        .admin_account(account, state.now())
        .await?
        .ok_or_else(|| {
            AppError::api(
                ErrorCode::NotFound,
                format!("no account {account}: list them with GET /v1/admin/accounts"),
            )
        })
}

pub(super) async fn show_account(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
) -> AppResult<Json<AdminAccount>> {
    admin(&state, &headers).await?;
    Ok(Json(known_account(&state, account).await?))
}

pub(super) async fn disable_account(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
) -> AppResult<Json<AdminAccount>> {
    let actor = admin(&state, &headers).await?;
    let shown = run_to_end(async move {
        state
            .storage
            .disable_account(account, actor.0, state.now())
            .await?;
        known_account(&state, account).await
    })
    .await?;
    tracing::info!(%account, "account disabled");
    Ok(Json(shown))
}

pub(super) async fn issue_token(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
    body: Body,
) -> AppResult<(StatusCode, Json<IssuedToken>)> {
    let actor = admin(&state, &headers).await?;
    let req: NewToken = json_or_default(&read_body(body).await?)?;
    if let Some(l) = &req.label {
        check_text("label", l, TOKEN_LABEL_CHARS_MAX)?;
    }
    let now = state.now();
    let expires_at = match req.expires_in_days {
        None => None,
        Some(d) if (1..=TOKEN_EXPIRY_DAYS_MAX).contains(&d) => Some(
            now.checked_add(TimeDelta::hours(24 * i64::from(d)))
                .ok_or_else(|| {
                    invalid(format!(
                        "expires_in_days {d} is too far: past the year 9999"
                    ))
                })?,
        ),
        Some(d) => {
            return Err(invalid(format!(
                "expires_in_days is between 1 and {TOKEN_EXPIRY_DAYS_MAX}, got {d}; leave it out for a token that does not expire"
            )));
        }
    };
    let (token, row) = new_token_row(req.label.unwrap_or_default(), expires_at)?;
    let info = TokenInfo {
        token_id: row.token_id,
        prefix: row.prefix.clone(),
        label: row.label.clone(),
        created_at: now,
        expires_at,
        revoked_at: None,
    };
    state
        .storage
        .issue_token(account, row, actor.0, now)
        .await?;
    tracing::info!(%account, token_id = %info.token_id, "token issued");
    Ok((StatusCode::CREATED, Json(IssuedToken { token, info })))
}

pub(super) async fn list_tokens(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
) -> AppResult<Json<Vec<TokenInfo>>> {
    admin(&state, &headers).await?;
    Ok(Json(state.storage.tokens(account).await?))
}

pub(super) async fn revoke_token(
    State(state): Shared,
    headers: HeaderMap,
    Path((account, token)): Path<(Uuid, Uuid)>,
) -> AppResult<Json<TokenInfo>> {
    let actor = admin(&state, &headers).await?;
    let revoked = run_to_end(async move {
        state
            .storage
            .revoke_token(account, token, actor.0, state.now())
            .await?;
        let tokens = state.storage.tokens(account).await?;
        tokens
            .into_iter()
            .find(|t| t.token_id == token)
            .ok_or_else(|| AppError::internal("a revoked token vanished"))
    })
    .await?;
    tracing::info!(%account, token_id = %token, "token revoked");
    Ok(Json(revoked))
}
