//! The console's accounts: found by id or sign-in subject, one in full (balance, grants,
//! ledger, reports), and credits granted by a person (audited).

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use recoup_api::console::{
    ACCOUNT_MATCHES_MAX, ACCOUNT_PAGE_ROWS, AccountMatches, CONSOLE_GRANT_CREDITS_MAX,
    ConsoleAccount, ConsoleEntryRow, ConsoleGrant, ConsoleGrantRow, RecentReport,
};
use recoup_api::{AdminGrant, ErrorCode};
use recoup_core::{Clock, GrantKind};
use recoup_store::GrantRecord;
use serde::Deserialize;
use uuid::Uuid;

use super::super::admin::{GRANT_EXPIRY_DAYS_MAX, grant_credits};
use super::super::{AppResult, Shared, json, read_body};
use super::{checked_note, operator, operator_acting};
use crate::error::AppError;
use crate::storage::AccountSearch;

/// Longest search text, in characters.
const SEARCH_CHARS_MAX: usize = 256;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Search {
    q: String,
}

/// What a search text names: an account id, or the start of sign-in subjects.
fn search_of(q: &str) -> AppResult<AccountSearch> {
    let q = q.trim();
    let bad = |m: String| Err(AppError::api(ErrorCode::InvalidInput, m));
    if q.is_empty() {
        return bad("q: give an account id or the start of a sign-in subject".to_owned());
    }
    let chars = q.chars().count();
    if chars > SEARCH_CHARS_MAX {
        return bad(format!(
            "q: at most {SEARCH_CHARS_MAX} characters, got {chars}"
        ));
    }
    if q.chars().any(char::is_control) {
        return bad("q: control characters are not part of any id or subject".to_owned());
    }
    Ok(match Uuid::parse_str(q) {
        Ok(id) => AccountSearch::Id(id),
        Err(_) => AccountSearch::SubjectPrefix(q.to_owned()),
    })
}

pub(super) async fn find(
    State(state): Shared,
    headers: HeaderMap,
    query: Result<Query<Search>, QueryRejection>,
) -> AppResult<Json<AccountMatches>> {
    operator(&state, &headers).await?;
    let Query(s) = query.map_err(|e| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the account search's query string: {}", e.body_text()),
        )
    })?;
    let mut items = state
        .storage
        .find_accounts(search_of(&s.q)?, ACCOUNT_MATCHES_MAX + 1)
        .await?;
    let more = items.len() > ACCOUNT_MATCHES_MAX as usize;
    items.truncate(ACCOUNT_MATCHES_MAX as usize);
    Ok(Json(AccountMatches { items, more }))
}

fn grant_row(g: &GrantRecord) -> ConsoleGrantRow {
    ConsoleGrantRow {
        grant_id: g.terms.grant_id.0,
        kind: g.terms.kind,
        credits: g.terms.credits,
        available: g.balances.available,
        granted_at: g.terms.granted_at,
        expires_at: g.terms.expires_at,
        live: g.live,
        note: g.terms.note.clone(),
    }
}

fn no_account(account: Uuid) -> AppError {
    AppError::api(
        ErrorCode::NotFound,
        format!("no account {account}: search by id or sign-in subject"),
    )
}

pub(super) async fn account(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
) -> AppResult<Json<ConsoleAccount>> {
    operator(&state, &headers).await?;
    let offset = super::super::account_offset(&state, account).await?;
    let now = state.account_clock(offset).now();
    let (row, view) = state
        .storage
        .account_view(account, ACCOUNT_PAGE_ROWS, now)
        .await?
        .ok_or_else(|| no_account(account))?;
    let t = &view.balance.totals;
    Ok(Json(ConsoleAccount {
        row,
        available: t.available,
        held: t.held,
        granted: t.granted,
        spent: t.spent,
        refunded: t.refunded,
        expired: t.expired,
        grants: view.balance.grants.iter().map(grant_row).collect(),
        ledger: view
            .ledger
            .iter()
            .map(|e| ConsoleEntryRow {
                seq: e.seq,
                kind: e.kind,
                credits: e.credits,
                generation_id: e.generation_id,
                at: e.at,
            })
            .collect(),
        reports: view
            .recent
            .iter()
            .map(|(c, feature)| RecentReport {
                claim_id: c.claim_id,
                generation_id: c.generation_id,
                feature: *feature,
                reason: c.reason,
                submitted_at: c.submitted_at,
                outcome: c.outcome,
                refunded_credits: c.refunded_credits.unwrap_or(0),
            })
            .collect(),
        report_count: view.reports,
        refund_count: view.refunds,
    }))
}

/// A console grant, checked: every bad field is named.
fn checked_grant(g: ConsoleGrant) -> AppResult<AdminGrant> {
    let bad = |m: String| Err(AppError::api(ErrorCode::InvalidInput, m));
    if !(1..=CONSOLE_GRANT_CREDITS_MAX).contains(&g.credits) {
        return bad(format!(
            "credits: between 1 and {CONSOLE_GRANT_CREDITS_MAX}, got {}",
            g.credits
        ));
    }
    if g.kind == GrantKind::Refund {
        return bad(
            "kind: a refund is made by deciding a report, not granted: use promotion, top_up or allowance"
                .to_owned(),
        );
    }
    if let Some(days) = g.expires_in_days
        && !(1..=GRANT_EXPIRY_DAYS_MAX).contains(&days)
    {
        return bad(format!(
            "expires_in_days: between 1 and {GRANT_EXPIRY_DAYS_MAX}, got {days}; leave it out for a grant that never expires"
        ));
    }
    Ok(AdminGrant {
        credits: g.credits,
        kind: g.kind,
        expires_in_days: g.expires_in_days,
        note: checked_note(g.note)?.unwrap_or_default(),
    })
}

pub(super) async fn grant(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
    body: Body,
) -> AppResult<Json<ConsoleGrantRow>> {
    let session = operator_acting(&state, &headers).await?;
    let g = checked_grant(json(&read_body(body).await?)?)?;
    let record = grant_credits(&state, session.actor, account, g).await?;
    Ok(Json(grant_row(&record)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_search_is_an_id_or_a_subject_prefix_and_bad_text_is_named() {
        let id = Uuid::now_v7();
        assert_eq!(
            search_of(&format!(" {id} ")).ok(),
            Some(AccountSearch::Id(id)),
            "an id, trimmed"
        );
        assert_eq!(
            search_of("user-4").ok(),
            Some(AccountSearch::SubjectPrefix("user-4".to_owned())),
            "anything else is the start of a subject"
        );
        for bad in ["", "   ", "a\u{0}b", &"x".repeat(SEARCH_CHARS_MAX + 1)] {
            let e = search_of(bad).expect_err("refused");
            assert_eq!(e.0.code, ErrorCode::InvalidInput, "{bad:?}");
            assert!(
                e.0.message.starts_with("q:"),
                "names the field: {}",
                e.0.message
            );
        }
    }

    #[test]
    fn a_grant_out_of_bounds_is_refused_naming_its_field() {
        let g = |credits, kind, days| ConsoleGrant {
            credits,
            kind,
            expires_in_days: days,
            note: Some("  goodwill  ".to_owned()),
        };
        let ok = checked_grant(g(50, GrantKind::Promotion, Some(30))).expect("a valid grant");
        assert_eq!(ok.note, "goodwill", "the note is trimmed");
        for (bad, field) in [
            (g(0, GrantKind::Promotion, None), "credits"),
            (
                g(CONSOLE_GRANT_CREDITS_MAX + 1, GrantKind::TopUp, None),
                "credits",
            ),
            (g(5, GrantKind::Refund, None), "kind"),
            (g(5, GrantKind::Promotion, Some(0)), "expires_in_days"),
        ] {
            let e = checked_grant(bad).expect_err("refused");
            assert!(
                e.0.message.starts_with(field),
                "names {field}: {}",
                e.0.message
            );
        }
    }
}
