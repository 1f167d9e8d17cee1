//! The operator console (docs/console.md): its pages (the front end built to `ui/dist-console`
//! and embedded in the binary) and its API under `/console/api`, signed in with an admin
//! credential through an HttpOnly, SameSite=Strict session cookie, with a CSRF token on every
//! request that changes something and a strict Content Security Policy on every answer.

use std::sync::Arc;

use axum::Json;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Router, middleware};
use cookie::{Cookie, SameSite};
use recoup_api::console::{
    CONSOLE_COOKIE, CONSOLE_CREDENTIAL_BYTES_MAX, CSRF_HEADER, ConsoleDecided, ConsoleDecision,
    ConsoleSession, ConsoleSignIn, REVIEW_NOTE_CHARS_MAX, REVIEW_PAGE_LIMIT_DEFAULT,
    REVIEW_PAGE_LIMIT_MAX, RecentReport, ReviewAccount, ReviewDetail, ReviewFilter, ReviewFindings,
    ReviewOutput, ReviewPage, ReviewPolicy, ReviewRow,
};
use recoup_api::{ClaimOutcome, ClaimRecord, ErrorCode, OutputFindings};
use recoup_core::{ClaimId, GenerationId, TimeDelta, Timestamp};
use sha2::{Digest, Sha256};
use uuid::Uuid;

mod accounts;
mod insights;
mod policy;

use super::admin::decide_review;
use super::{AppResult, Shared, json, read_body};
use crate::error::AppError;
use crate::state::{AppState, new_token};
use crate::storage::{QueueCursor, QueueQuery, ReviewContext, SessionRow, TokenHash};

/// A session ends this long after sign-in, whatever happens.
pub(crate) const SESSION_HOURS: i64 = 8;

/// A session ends after this long without a request.
pub(crate) const SESSION_IDLE_MINUTES: i64 = 30;

/// The Content Security Policy of every console answer.
pub const CONSOLE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
    img-src 'self' blob: data:; media-src 'self'; connect-src 'self'; font-src 'self'; \
    base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The console's built front end (`cd ui && npm run build` writes it). Embedded in a release
/// build; a debug build reads the folder at run time. Missing, the console page says how to
/// build it.
#[derive(rust_embed::Embed)]
#[folder = "../../ui/dist-console/"]
#[allow_missing = true]
struct Assets;

/// The console's routes (pages and API), with their security headers.
pub(crate) fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/console", get(redirect_to_console))
        .route("/console/", get(index))
        .route("/console/assets/{*path}", get(asset))
        .route(
            "/console/api/session",
            get(session_get).post(session_create).delete(session_delete),
        )
        .route("/console/api/reviews", get(reviews))
        .route(
            "/console/api/reviews/{account}/{claim}",
            get(review_detail).post(review_decide),
        )
        .route("/console/api/outputs/{account}/{generation}", get(output))
        .route(
            "/console/api/policy",
            get(policy::policy).post(policy::publish_draft),
        )
        .route("/console/api/policy/check", post(policy::check))
        .route("/console/api/policy/versions/{seq}", get(policy::version))
        .route("/console/api/insights", get(insights::insights))
        .route("/console/api/accounts", get(accounts::find))
        .route("/console/api/accounts/{account}", get(accounts::account))
        .route(
            "/console/api/accounts/{account}/grants",
            post(accounts::grant),
        )
        .layer(middleware::map_response(security_headers))
}

/// Every console answer: the CSP (unless the answer set its own, as an output does), no
/// sniffing, no referrer, no framing, and nothing cached unless the answer says otherwise.
async fn security_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        );
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

async fn redirect_to_console() -> Response {
    (
        StatusCode::PERMANENT_REDIRECT,
        [(header::LOCATION, "/console/")],
    )
        .into_response()
}

async fn index() -> Response {
    match Assets::get("index.html") {
        Some(file) => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            file.data.into_owned(),
        )
            .into_response(),
        None => (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "The operator console is not in this build of recoup-server: its front end was not \
             built when the binary was. Build it with `cd ui && npm ci && npm run build`, then \
             build recoup-server again (docs/console.md). The API under /v1 works without it.\n",
        )
            .into_response(),
    }
}

async fn asset(Path(path): Path<String>) -> Response {
    match Assets::get(&format!("assets/{path}")) {
        Some(file) => (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                // Vite names every asset by its content's hash.
                (
                    header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_owned(),
                ),
            ],
            file.data.into_owned(),
        )
            .into_response(),
        None => {
            AppError::api(ErrorCode::NotFound, format!("no console asset {path}")).into_response()
        }
    }
}

/// The SHA-256 of a secret, for comparing two without leaking where they differ.
fn digest(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

/// The session id the request's cookie carries.
fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == CONSOLE_COOKIE)
        .map(|c| c.value().to_owned())
}

/// Refuses a request whose `Origin` (sent by browsers with every POST, PUT and DELETE) is not
/// this endpoint's own: another site's page cannot act with the operator's cookie.
fn same_origin(headers: &HeaderMap) -> AppResult<()> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin = origin.to_str().ok();
    let same = match (origin, host) {
        (Some(o), Some(h)) => {
            o.strip_prefix("http://") == Some(h) || o.strip_prefix("https://") == Some(h)
        }
        _ => false,
    };
    if same {
        Ok(())
    } else {
        Err(AppError::api(
            ErrorCode::CsrfRejected,
            "this request came from another site's page (its Origin is not this endpoint): \
             nothing was done; use the console at /console",
        ))
    }
}

/// The session a request acts in (401 without one, or when it ended).
async fn operator(state: &AppState, headers: &HeaderMap) -> AppResult<SessionRow> {
    let Some(id) = session_cookie(headers) else {
        return Err(AppError::api(
            ErrorCode::Unauthorized,
            "not signed in to the console: sign in with an admin credential at /console",
        ));
    };
    state
        .storage
        .session(
            TokenHash::of(&id),
            state.now(),
            TimeDelta::minutes(SESSION_IDLE_MINUTES),
        )
        .await?
        .ok_or_else(|| {
            AppError::api(
                ErrorCode::SessionExpired,
                "your console session ended (signed out, idle too long, past its 8 hours, or \
                 its credential was revoked): sign in again",
            )
        })
}

/// The session of a request that changes something: it must also carry the session's CSRF
/// token and come from this endpoint's own page.
async fn operator_acting(state: &AppState, headers: &HeaderMap) -> AppResult<SessionRow> {
    same_origin(headers)?;
    let session = operator(state, headers).await?;
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    match sent {
        Some(token) if digest(token) == digest(&session.csrf_token) => Ok(session),
        _ => Err(AppError::api(
            ErrorCode::CsrfRejected,
            format!(
                "this request lacks the session's CSRF token (header {CSRF_HEADER}): nothing \
                 was done; reload the console and try again"
            ),
        )),
    }
}

fn session_view(state: &AppState, s: &SessionRow) -> ConsoleSession {
    let idle_end = s
        .last_seen_at
        .checked_add(TimeDelta::minutes(SESSION_IDLE_MINUTES))
        .unwrap_or(s.expires_at);
    ConsoleSession {
        actor: s.actor.clone(),
        csrf_token: s.csrf_token.clone(),
        expires_at: s.expires_at,
        idle_expires_at: idle_end.min(s.expires_at),
        server_time: state.now(),
        sandbox: state.config.sandbox,
    }
}

/// Whether the request reached the endpoint over HTTPS (directly or through a proxy that says
/// so): the cookie is then `Secure`.
fn over_https(headers: &HeaderMap) -> bool {
    let says = |name: &str, https: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case(https) || v.starts_with(https))
    };
    says("x-forwarded-proto", "https") || says(header::ORIGIN.as_str(), "https://")
}

fn session_cookie_header(
    value: String,
    max_age: Option<i64>,
    secure: bool,
) -> AppResult<HeaderValue> {
    let mut c = Cookie::build((CONSOLE_COOKIE, value))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path("/console")
        .secure(secure);
    if let Some(secs) = max_age {
        c = c.max_age(cookie::time::Duration::seconds(secs));
    }
    HeaderValue::from_str(&c.build().to_string())
        .map_err(|e| AppError::internal(format!("session cookie: {e}")))
}

async fn session_get(State(state): Shared, headers: HeaderMap) -> AppResult<Json<ConsoleSession>> {
    let session = operator(&state, &headers).await?;
    Ok(Json(session_view(&state, &session)))
}

async fn session_create(
    State(state): Shared,
    headers: HeaderMap,
    body: Body,
) -> AppResult<Response> {
    same_origin(&headers)?;
    let sign_in: ConsoleSignIn = json(&read_body(body).await?)?;
    let credential = sign_in.credential.trim();
    if credential.is_empty() || credential.len() > CONSOLE_CREDENTIAL_BYTES_MAX {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "credential: give an admin credential (1 to {CONSOLE_CREDENTIAL_BYTES_MAX} bytes)"
            ),
        ));
    }
    let credential_hash = TokenHash::of(credential);
    let Some(actor) = state.storage.admin_actor(credential_hash).await? else {
        tracing::warn!("console sign-in refused: not an unrevoked admin credential");
        return Err(AppError::api(
            ErrorCode::WrongCredential,
            "this is not an unrevoked admin credential: check it (recoup-server \
             admin-credentials list shows the names) and try again",
        ));
    };
    let id = new_token("rcs")?;
    let now = state.now();
    let row = SessionRow {
        hash: TokenHash::of(&id),
        credential: credential_hash,
        actor: actor.clone(),
        csrf_token: new_token("csrf")?,
        created_at: now,
        expires_at: now
            .checked_add(TimeDelta::hours(SESSION_HOURS))
            .ok_or_else(|| AppError::internal("the session's end is past the year 9999"))?,
        last_seen_at: now,
    };
    state.storage.open_session(row.clone()).await?;
    state
        .storage
        .audit(
            actor.clone(),
            "console.sign_in",
            actor.clone(),
            serde_json::json!({}),
            now,
        )
        .await?;
    tracing::info!(%actor, "console sign-in");
    let cookie = session_cookie_header(id, Some(SESSION_HOURS * 3600), over_https(&headers))?;
    let mut response = Json(session_view(&state, &row)).into_response();
    response.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(response)
}

async fn session_delete(State(state): Shared, headers: HeaderMap) -> AppResult<Response> {
    let session = operator_acting(&state, &headers).await?;
    state.storage.close_session(session.hash).await?;
    state
        .storage
        .audit(
            session.actor.clone(),
            "console.sign_out",
            session.actor.clone(),
            serde_json::json!({}),
            state.now(),
        )
        .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie_header(String::new(), Some(0), over_https(&headers))?,
    );
    Ok(response)
}

/// A query string of the review list, checked: every bad parameter is named.
fn queue_query(filter: ReviewFilter, now: Timestamp) -> AppResult<QueueQuery> {
    let bad = |m: String| AppError::api(ErrorCode::InvalidInput, m);
    let limit = filter.limit.unwrap_or(REVIEW_PAGE_LIMIT_DEFAULT);
    if !(1..=REVIEW_PAGE_LIMIT_MAX).contains(&limit) {
        return Err(bad(format!(
            "limit: between 1 and {REVIEW_PAGE_LIMIT_MAX}, got {limit}"
        )));
    }
    if let (Some(min), Some(max)) = (filter.min_age_hours, filter.max_age_hours)
        && min > max
    {
        return Err(bad(format!(
            "min_age_hours ({min}) is more than max_age_hours ({max}): no item can match"
        )));
    }
    let ago = |hours: u32| now.checked_sub(TimeDelta::hours(i64::from(hours)));
    let after = match filter.after.as_deref() {
        None => None,
        Some(text) => Some(QueueCursor::decode(text).ok_or_else(|| {
            bad(
                "after: not a page position this endpoint gave (use the `next` of a page)"
                    .to_owned(),
            )
        })?),
    };
    Ok(QueueQuery {
        feature: filter.feature,
        platform: filter.platform,
        reason: filter.reason,
        queued_before: filter.min_age_hours.and_then(ago),
        queued_after: filter.max_age_hours.and_then(ago),
        order: filter.order.unwrap_or_default(),
        after,
        limit,
    })
}

async fn reviews(
    State(state): Shared,
    headers: HeaderMap,
    filter: Result<Query<ReviewFilter>, QueryRejection>,
) -> AppResult<Json<ReviewPage>> {
    operator(&state, &headers).await?;
    let Query(filter) = filter.map_err(|e| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the review list's query string: {}", e.body_text()),
        )
    })?;
    let mut query = queue_query(filter, state.now())?;
    let limit = query.limit;
    // One more than asked tells whether there is a next page.
    query.limit = limit + 1;
    let (mut items, total) = state.storage.review_page(query).await?;
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(|last: &ReviewRow| {
            QueueCursor {
                queued_at: last.queued_at,
                account: last.account_id,
                claim: last.claim_id.0,
            }
            .encode()
        })
    } else {
        None
    };
    Ok(Json(ReviewPage { items, total, next }))
}

/// The 409 of a report decided already: who decided, when, and how.
async fn already_decided(state: &AppState, account: Uuid, claim: &ClaimRecord) -> AppError {
    let how = match claim.outcome {
        Some(ClaimOutcome::Refunded) => match claim.refunded_credits.unwrap_or(0) {
            1 => "refunded 1 credit".to_owned(),
            n => format!("refunded {n} credits"),
        },
        Some(ClaimOutcome::NotRefunded) => "not refunded".to_owned(),
        _ => "decided".to_owned(),
    };
    let by = state
        .storage
        .decided_by(account, claim.claim_id)
        .await
        .ok()
        .flatten();
    let message = match by {
        Some((actor, at)) => format!(
            "{actor} decided this report at {at} ({how}); the first decision stands and nothing was changed"
        ),
        None => format!(
            "this report was decided already ({how}); the first decision stands and nothing was changed"
        ),
    };
    AppError::api(ErrorCode::AlreadyDecided, message)
}

fn not_found(account: Uuid, claim: Uuid) -> AppError {
    AppError::api(
        ErrorCode::NotFound,
        format!("no report {claim} in account {account}"),
    )
}

async fn review_detail(
    State(state): Shared,
    headers: HeaderMap,
    Path((account, claim)): Path<(Uuid, Uuid)>,
) -> AppResult<Json<ReviewDetail>> {
    operator(&state, &headers).await?;
    let ctx = state
        .storage
        .review_context(account, ClaimId(claim), state.now())
        .await?
        .ok_or_else(|| not_found(account, claim))?;
    if ctx.claim.outcome != Some(ClaimOutcome::InReview) {
        return Err(already_decided(&state, account, &ctx.claim).await);
    }
    Ok(Json(detail(account, ctx)))
}

fn detail(account: Uuid, ctx: ReviewContext) -> ReviewDetail {
    let g = &ctx.generation;
    let c = &ctx.claim;
    let output = ctx.output.as_ref().map(|o| ReviewOutput {
        media_type: o.media_type.clone(),
        size_bytes: o.size_bytes,
        url: format!("/console/api/outputs/{account}/{}", g.generation_id.0),
    });
    let findings = ctx.output.as_ref().and_then(|o| {
        serde_json::from_str::<OutputFindings>(&o.findings)
            .ok()
            .map(|f| ReviewFindings {
                verdict: f.verdict,
                detail: f.detail,
            })
    });
    let d = &c.local_decision;
    ReviewDetail {
        row: ReviewRow {
            account_id: account,
            claim_id: c.claim_id,
            generation_id: g.generation_id,
            feature: g.feature,
            platform: g.platform,
            reason: c.reason,
            credits: g.charged,
            submitted_at: c.submitted_at,
            queued_at: ctx.queued_at.unwrap_or(c.submitted_at),
        },
        details: c.details.clone(),
        surface: g.surface,
        media_kind: g.media_kind,
        finished_at: g.finished_at,
        output,
        findings,
        policy: ReviewPolicy {
            policy_version: d.policy_version.clone(),
            eligible: d.eligible,
            rule: d.rule.clone(),
            reasons: d.reasons.iter().map(|r| r.message.clone()).collect(),
            window_closes_at: d.window_closes_at,
        },
        account: ReviewAccount {
            account_id: account,
            available_credits: ctx.balance.totals.available,
            recent: ctx
                .recent
                .iter()
                .map(|(r, feature)| RecentReport {
                    claim_id: r.claim_id,
                    generation_id: r.generation_id,
                    feature: *feature,
                    reason: r.reason,
                    submitted_at: r.submitted_at,
                    outcome: r.outcome,
                    refunded_credits: r.refunded_credits.unwrap_or(0),
                })
                .collect(),
            refunds: ctx.refunds,
            reports: ctx.reports,
        },
    }
}

/// An operator's note, checked: trimmed, at most [`REVIEW_NOTE_CHARS_MAX`] characters, no
/// control characters but line breaks and tabs.
fn checked_note(note: Option<String>) -> AppResult<Option<String>> {
    let Some(note) = note else { return Ok(None) };
    let note = note.trim();
    if note.is_empty() {
        return Ok(None);
    }
    let chars = note.chars().count();
    if chars > REVIEW_NOTE_CHARS_MAX {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!("note: at most {REVIEW_NOTE_CHARS_MAX} characters, got {chars}"),
        ));
    }
    if note
        .chars()
        .any(|ch| ch.is_control() && ch != '\n' && ch != '\t')
    {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "note: control characters are not allowed (line breaks and tabs are)",
        ));
    }
    Ok(Some(note.to_owned()))
}

async fn review_decide(
    State(state): Shared,
    headers: HeaderMap,
    Path((account, claim)): Path<(Uuid, Uuid)>,
    body: Body,
) -> AppResult<Json<ConsoleDecided>> {
    let session = operator_acting(&state, &headers).await?;
    let decision: ConsoleDecision = json(&read_body(body).await?)?;
    let note = checked_note(decision.note)?;
    let decided = decide_review(
        &state,
        session.actor.clone(),
        account,
        ClaimId(claim),
        decision.approve,
        note,
    )
    .await?;
    match decided {
        Ok(record) => Ok(Json(ConsoleDecided {
            claim_id: record.claim_id,
            outcome: record.outcome.unwrap_or(ClaimOutcome::InReview),
            refunded_credits: record.refunded_credits.unwrap_or(0),
            decided_at: record.decided_at.unwrap_or_else(|| state.now()),
            actor: session.actor,
        })),
        Err(recoup_store::StoreError::NotFound { .. }) => Err(not_found(account, claim)),
        Err(refused) => {
            // Not in review any more: someone decided first. Say who, or pass the refusal on.
            match state
                .storage
                .review_context(account, ClaimId(claim), state.now())
                .await?
            {
                Some(ctx) if ctx.claim.outcome.is_some_and(ClaimOutcome::is_final) => {
                    Err(already_decided(&state, account, &ctx.claim).await)
                }
                _ => Err(refused.into()),
            }
        }
    }
}

async fn output(
    State(state): Shared,
    headers: HeaderMap,
    Path((account, generation)): Path<(Uuid, Uuid)>,
) -> AppResult<Response> {
    operator(&state, &headers).await?;
    let gone = || {
        AppError::api(
            ErrorCode::NotFound,
            format!("generation {generation} of account {account} has no kept output"),
        )
    };
    super::account_offset(&state, account).await?;
    let g = state
        .storage
        .generation(account, GenerationId(generation))
        .await?;
    let output_ref = g.output_ref.ok_or_else(gone)?;
    // Named by its media type when it was kept, as the account's own output route reads it.
    let media_type =
        recoup_api::output_media_type(&output_ref).unwrap_or("application/octet-stream");
    let bytes = state
        .storage
        .output(account, output_ref)
        .await?
        .ok_or_else(gone)?;
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            // Shown as an image or a video, never run as a page of the endpoint's origin.
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'",
            ),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use recoup_api::console::ReviewOrder;

    fn now() -> Timestamp {
        Timestamp::from_millis(1_800_000_000_000).unwrap()
    }

    #[test]
    fn the_list_query_refuses_what_cannot_be_answered() {
        let code = |f: ReviewFilter| queue_query(f, now()).err().map(|e| e.0.code);
        assert_eq!(
            code(ReviewFilter {
                limit: Some(0),
                ..Default::default()
            }),
            Some(ErrorCode::InvalidInput),
            "a page of nothing"
        );
        assert_eq!(
            code(ReviewFilter {
                limit: Some(REVIEW_PAGE_LIMIT_MAX + 1),
                ..Default::default()
            }),
            Some(ErrorCode::InvalidInput),
            "a page over the cap"
        );
        assert_eq!(
            code(ReviewFilter {
                min_age_hours: Some(5),
                max_age_hours: Some(4),
                ..Default::default()
            }),
            Some(ErrorCode::InvalidInput),
            "an empty age range"
        );
        assert_eq!(
            code(ReviewFilter {
                after: Some("somewhere".into()),
                ..Default::default()
            }),
            Some(ErrorCode::InvalidInput),
            "a made-up page position"
        );
        let q = queue_query(
            ReviewFilter {
                min_age_hours: Some(2),
                max_age_hours: Some(24),
                ..Default::default()
            },
            now(),
        )
        .unwrap();
        assert_eq!(
            q.queued_before,
            now().checked_sub(TimeDelta::hours(2)),
            "waiting at least 2 h"
        );
        assert_eq!(
            q.queued_after,
            now().checked_sub(TimeDelta::hours(24)),
            "waiting at most 24 h"
        );
        assert_eq!(q.limit, REVIEW_PAGE_LIMIT_DEFAULT, "the default page");
        assert_eq!(q.order, ReviewOrder::Oldest, "oldest first by default");
    }

    #[test]
    fn a_note_is_trimmed_bounded_and_free_of_control_characters() {
        assert_eq!(checked_note(None).unwrap(), None, "no note");
        assert_eq!(
            checked_note(Some("  ".into())).unwrap(),
            None,
            "blank is no note"
        );
        assert_eq!(
            checked_note(Some(" clearly fine\nsecond line ".into())).unwrap(),
            Some("clearly fine\nsecond line".to_owned()),
            "trimmed, line breaks kept"
        );
        assert!(
            checked_note(Some("a\u{7}b".into())).is_err(),
            "a bell is refused"
        );
        assert!(
            checked_note(Some("é".repeat(REVIEW_NOTE_CHARS_MAX + 1))).is_err(),
            "over the bound (counted in characters)"
        );
        assert!(
            checked_note(Some("é".repeat(REVIEW_NOTE_CHARS_MAX))).is_ok(),
            "at the bound"
        );
    }

    #[test]
    fn another_sites_origin_is_refused_and_the_own_is_not() {
        let h = |origin: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
            }
            h
        };
        assert!(
            same_origin(&h(None)).is_ok(),
            "no Origin (not a browser's cross-site request)"
        );
        assert!(
            same_origin(&h(Some("http://127.0.0.1:8080"))).is_ok(),
            "the endpoint's own page"
        );
        for bad in [
            "http://evil.example",
            "http://127.0.0.1:8081",
            "null",
            "http://127.0.0.1:8080.evil.example",
        ] {
            assert_eq!(
                same_origin(&h(Some(bad))).err().map(|e| e.0.code),
                Some(ErrorCode::CsrfRejected),
                "Origin {bad} is another site"
            );
        }
    }
}
