//! The HTTP handlers. Each converts its input, calls the storage engine (`crate::storage`, the
//! only way to the data) with times from the injected clock, and builds its answer with
//! `crate::wire`; the decisions themselves are in recoup-core and recoup-store.

mod accounts;
mod admin;
mod audit;
mod claims;
mod console;
mod generations;
mod ops;
mod provider;
mod provider_admin;
mod webhooks;

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json, Router, routing::delete, routing::get, routing::post, routing::put};
use recoup_api::{AccountCreated, AccountView, ChangesAnswer, ErrorCode, Health};
use recoup_core::TimeDelta;
use recoup_core::{Clock, GrantKind, OpId};
use recoup_store::GrantRequest;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;
use crate::state::{AppState, new_token};
use crate::storage::{Account, TokenHash};
use crate::wire;
use accounts::{
    create_account as new_account, disable_account as disable, issue_token as issue, list_accounts,
    list_tokens as tokens, revoke_token as revoke, show_account,
};
use admin::{admin_grant, advance_clock, publish_policy, review, reviews, set_generator};
use claims::{claim, claim_batch};
use generations::{generate, output};
use provider::{failure, output as provider_output, start as provider_start};
use provider_admin::{PROVIDER_KEY_PREFIX, create_provider, providers, revoke_provider};

type AppResult<T> = Result<T, AppError>;
type Shared = State<Arc<AppState>>;

/// Every (method, path) the router serves, in `router()`'s order. The OpenAPI document
/// (`docs/openapi.yaml`) is checked against this list, and this list against `router()`.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/v1/health"),
    ("POST", "/v1/accounts"),
    ("GET", "/v1/account"),
    ("POST", "/v1/generations"),
    ("GET", "/v1/generations/{id}/output"),
    ("POST", "/v1/claims"),
    ("POST", "/v1/claims/batch"),
    ("GET", "/v1/policy"),
    ("GET", "/v1/policy/key"),
    ("GET", "/v1/changes"),
    ("GET", "/v1/admin/reviews"),
    ("POST", "/v1/admin/reviews/{account}/{claim}"),
    ("PUT", "/v1/admin/policy"),
    ("POST", "/v1/admin/accounts/{account}/grants"),
    ("POST", "/v1/admin/accounts/{account}/clock"),
    ("PUT", "/v1/admin/generator"),
    ("POST", "/v1/admin/providers"),
    ("GET", "/v1/admin/providers"),
    ("DELETE", "/v1/admin/providers/{id}"),
    ("POST", "/v1/provider/generations"),
    ("PUT", "/v1/provider/generations/{id}/output"),
    ("POST", "/v1/provider/generations/{id}/failure"),
    ("POST", "/v1/admin/accounts"),
    ("GET", "/v1/admin/accounts"),
    ("GET", "/v1/admin/accounts/{account}"),
    ("POST", "/v1/admin/accounts/{account}/disable"),
    ("POST", "/v1/admin/accounts/{account}/tokens"),
    ("GET", "/v1/admin/accounts/{account}/tokens"),
    ("DELETE", "/v1/admin/accounts/{account}/tokens/{token}"),
    ("GET", "/v1/admin/audit"),
    ("GET", "/metrics"),
    ("GET", "/v1/ready"),
    ("POST", "/v1/admin/webhooks"),
    ("GET", "/v1/admin/webhooks"),
    ("DELETE", "/v1/admin/webhooks/{id}"),
    ("POST", "/v1/admin/webhooks/{id}/test"),
    ("GET", "/v1/admin/webhooks/{id}/failures"),
    ("PUT", "/v1/admin/accounts/{account}/balance-low"),
];

/// Every route (each one listed in [`ROUTES`]).
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/accounts", post(create_account))
        .route("/v1/account", get(account))
        .route("/v1/generations", post(generate))
        .route("/v1/generations/{id}/output", get(output))
        .route("/v1/claims", post(claim))
        .route("/v1/claims/batch", post(claim_batch))
        .route("/v1/policy", get(policy))
        .route("/v1/policy/key", get(policy_key))
        .route("/v1/changes", get(changes))
        .route("/v1/admin/reviews", get(reviews))
        .route("/v1/admin/reviews/{account}/{claim}", post(review))
        .route("/v1/admin/policy", put(publish_policy))
        .route("/v1/admin/accounts/{account}/grants", post(admin_grant))
        .route("/v1/admin/accounts/{account}/clock", post(advance_clock))
        .route("/v1/admin/generator", put(set_generator))
        .route("/v1/admin/providers", post(create_provider).get(providers))
        .route("/v1/admin/providers/{id}", delete(revoke_provider))
        .route("/v1/provider/generations", post(provider_start))
        .route("/v1/provider/generations/{id}/output", put(provider_output))
        .route("/v1/provider/generations/{id}/failure", post(failure))
        .route("/v1/admin/accounts", post(new_account).get(list_accounts))
        .route("/v1/admin/accounts/{account}", get(show_account))
        .route("/v1/admin/accounts/{account}/disable", post(disable))
        .route(
            "/v1/admin/accounts/{account}/tokens",
            post(issue).get(tokens),
        )
        .route(
            "/v1/admin/accounts/{account}/tokens/{token}",
            delete(revoke),
        )
        .route("/v1/admin/audit", get(audit::audit))
        .route("/metrics", get(ops::metrics))
        .route("/v1/ready", get(ops::ready))
        .route(
            "/v1/admin/webhooks",
            post(webhooks::create_webhook).get(webhooks::webhooks),
        )
        .route("/v1/admin/webhooks/{id}", delete(webhooks::remove_webhook))
        .route("/v1/admin/webhooks/{id}/test", post(webhooks::test_webhook))
        .route(
            "/v1/admin/webhooks/{id}/failures",
            get(webhooks::webhook_failures),
        )
        .route(
            "/v1/admin/accounts/{account}/balance-low",
            put(webhooks::set_balance_threshold),
        )
        .merge(console::router())
        .with_state(state)
}

/// Runs a flow of several storage steps as a task of its own, so that a client hanging up
/// cannot cut it in half: the handler's future is dropped then, the task is not.
async fn run_to_end<T: Send + 'static>(
    flow: impl Future<Output = AppResult<T>> + Send + 'static,
) -> AppResult<T> {
    tokio::spawn(flow)
        .await
        .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// The account a request's bearer token belongs to, admitted by the rate limiter. A token
/// that is refused says why (expired, revoked, account disabled) with its own code. A bearer
/// shaped like a JWT is a sign-in token of the product's identity provider (`crate::signin`).
async fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Account> {
    let token = bearer(headers).ok_or_else(AppError::unauthorized)?;
    if crate::signin::looks_like_jwt(token) {
        let account = crate::signin::account(state, token).await?;
        state.admit(account.id)?;
        return Ok(account);
    }
    let hash = TokenHash::of(token);
    let account = match state.storage.authenticate(hash).await? {
        Some(a) => a,
        None => {
            // Looked up only when the token is no account's: a known kind gets a precise refusal.
            if state.storage.provider_by_key(hash).await?.is_some() {
                return Err(wrong_credential("a provider key is not an account token"));
            }
            return Err(state.storage.refusal(hash, state.now()).await?.error());
        }
    };
    state.admit(account.id)?;
    Ok(account)
}

fn wrong_credential(what: &str) -> AppError {
    AppError::api(
        ErrorCode::WrongCredential,
        format!("{what}: this route takes another kind of credential (see docs/openapi.yaml)"),
    )
}

/// The provider a request's bearer key belongs to (provider routes take nothing else),
/// admitted by the rate limiter.
async fn provider(state: &AppState, headers: &HeaderMap) -> AppResult<Uuid> {
    let token = bearer(headers).ok_or_else(AppError::unauthorized)?;
    let hash = TokenHash::of(token);
    if let Some(provider) = state.storage.provider_by_key(hash).await? {
        state.admit(provider)?;
        return Ok(provider);
    }
    if state.storage.admin_actor(hash).await?.is_some() {
        return Err(wrong_credential("the admin token is not a provider key"));
    }
    if state.storage.authenticate(hash).await?.is_some() {
        return Err(wrong_credential("an account token is not a provider key"));
    }
    Err(AppError::unauthorized())
}

/// The admin credential a request acted with: its name is the actor in the audit log.
pub(crate) struct Actor(pub(crate) String);

/// Admits a request carrying an unrevoked admin credential (looked up each time, so a
/// revocation holds from the next request on).
async fn admin(state: &AppState, headers: &HeaderMap) -> AppResult<Actor> {
    let token = bearer(headers).ok_or_else(AppError::unauthorized)?;
    match state.storage.admin_actor(TokenHash::of(token)).await? {
        Some(name) => Ok(Actor(name)),
        None if token.starts_with(&format!("{PROVIDER_KEY_PREFIX}_")) => Err(wrong_credential(
            "a provider key is not an admin credential",
        )),
        None => Err(AppError::api(
            ErrorCode::Unauthorized,
            "this needs the admin token (an unrevoked admin credential)",
        )),
    }
}

fn sandbox_only(state: &AppState) -> AppResult<()> {
    if !state.config.sandbox {
        return Err(AppError::api(
            ErrorCode::SandboxOnly,
            "only a sandbox endpoint (--sandbox) does this",
        ));
    }
    Ok(())
}

/// An account's test-clock offset, for an admin request naming the account.
async fn account_offset(state: &AppState, account: Uuid) -> AppResult<i64> {
    state
        .storage
        .clock_offset_ms(account)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no account {account}")))
}

/// Reads a request body, at most [`recoup_api::BODY_BYTES_MAX`] bytes. Handlers take the body
/// unread (`Body`, not `Bytes`) and call this after checking the token, so that a request with
/// a wrong token is answered 401 without its body being read (an audit had 1 MiB bodies read
/// for requests refused afterwards).
async fn read_body(body: axum::body::Body) -> AppResult<Bytes> {
    read_body_max(body, recoup_api::BODY_BYTES_MAX).await
}

/// [`read_body`] with another limit: only a provider's output upload takes more.
///
/// A body over the limit is answered `413`, but only after the rest of it was read and dropped
/// (at most as much again as the limit): answering while the client still sends makes the
/// connection close under it, and the client sees a reset instead of the answer (a test saw
/// "peer disconnected" uploading 25 MiB + 1 byte). Beyond that bound the connection is cut.
async fn read_body_max(body: axum::body::Body, limit: usize) -> AppResult<Bytes> {
    use http_body_util::BodyExt;
    let too_large = || {
        AppError::api(
            ErrorCode::PayloadTooLarge,
            format!("the request body is larger than {limit} bytes"),
        )
    };
    let unreadable = |e: axum::Error| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("cannot read the request body: {e}"),
        )
    };
    let mut body = body;
    let mut kept: Vec<u8> = Vec::new();
    let mut seen: usize = 0;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame.map_err(unreadable)?.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > limit.saturating_mul(2) {
            return Err(too_large());
        }
    }
    if seen > limit {
        return Err(too_large());
    }
    Ok(Bytes::from(kept))
}

/// Parses a JSON body into `T`, answering `invalid_input` with serde's words on failure.
/// Every request body the document describes is a JSON object; serde would also read a struct
/// from an array of its fields in order (`[null, null]` made an account), so anything but an
/// object is refused first.
fn json<T: serde::de::DeserializeOwned>(body: &Bytes) -> AppResult<T> {
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "invalid JSON body: the body is a JSON object ({...})",
        ));
    }
    serde_json::from_slice(body)
        .map_err(|e| AppError::api(ErrorCode::InvalidInput, format!("invalid JSON body: {e}")))
}

async fn health(State(state): Shared) -> Json<Health> {
    Json(Health {
        ok: true,
        server_time: state.now(),
        sandbox: state.config.sandbox,
    })
}

async fn create_account(
    State(state): Shared,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
) -> Result<(StatusCode, Json<AccountCreated>), Response> {
    sandbox_only(&state).map_err(IntoResponse::into_response)?;
    // Open creation is bounded per address and overall: each account is a ledger file on disk.
    let ip = peer.map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |p| p.0.0.ip());
    state
        .peer_limits
        .admit_sandbox_account(ip)
        .map_err(IntoResponse::into_response)?;
    let created = run_to_end(async move {
        let account = Uuid::now_v7();
        let token = new_token("rk")?;
        let now = state.now();
        state
            .storage
            .create_account(account, TokenHash::of(&token), now)
            .await?;
        let credits = state.config.starting_allowance;
        let mut req = GrantRequest::new(OpId(Uuid::now_v7()), GrantKind::Allowance, credits);
        req.expires_at = now.checked_add(TimeDelta::hours(24 * 30));
        req.note = "sandbox starting allowance".to_owned();
        state.storage.grant(account, req, now).await?;
        Ok(AccountCreated {
            account_id: account,
            token,
            allowance_credits: credits,
        })
    })
    .await
    .map_err(IntoResponse::into_response)?;
    tracing::info!(account = %created.account_id, "sandbox account created");
    Ok((StatusCode::CREATED, Json(created)))
}

async fn account(State(state): Shared, headers: HeaderMap) -> AppResult<Json<AccountView>> {
    let a = authenticate(&state, &headers).await?;
    let now = state.account_clock(a.offset_ms).now();
    let balance = state.storage.balance(a.id, now).await?;
    Ok(Json(wire::account_view(a.id, balance, now)))
}

async fn policy(State(state): Shared, headers: HeaderMap) -> AppResult<Response> {
    let published = state.published()?;
    let etag = format!("\"{}\"", published.signed.version);
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        == Some(etag.as_str())
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response());
    }
    Ok(([(header::ETAG, etag)], Json(published.signed.clone())).into_response())
}

async fn policy_key(State(state): Shared) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "key": recoup_api::public_key(&state.key).to_base64() }))
}

#[derive(Debug, Deserialize)]
struct ChangesQuery {
    cursor: Option<String>,
    limit: Option<u32>,
}

async fn changes(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> AppResult<Json<ChangesAnswer>> {
    let a = authenticate(&state, &headers).await?;
    let after = wire::parse_cursor(q.cursor.as_deref())?;
    let limit = q
        .limit
        .unwrap_or(500)
        .clamp(1, recoup_store::CHANGE_PAGE_MAX);
    let now = state.account_clock(a.offset_ms).now();
    let page = state.storage.changes(a.id, after, limit, now).await?;
    let published = state.published()?;
    Ok(Json(wire::changes_answer(
        page,
        now,
        published.policy.version(),
    )))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use axum::body::Body;
    use axum::http::{Method, Request, StatusCode};
    use tower::ServiceExt;

    use super::*;
    use crate::state::Config;

    /// The `(METHOD, path)` pairs written in `router()`'s source.
    fn routes_in_source() -> BTreeSet<(String, String)> {
        let src = include_str!("routes.rs");
        let start = src.find("pub fn router(").unwrap_or(0);
        let body = &src[start..];
        let body = &body[..body.find(".with_state(").unwrap_or(body.len())];
        // rustfmt splits a long `.route(` call over lines; paths hold no whitespace.
        let body: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let mut out = BTreeSet::new();
        for piece in body.split(".route(\"").skip(1) {
            let (path, rest) = piece.split_once('"').unwrap_or_default();
            let handlers = rest.split_once("))").map_or(rest, |(h, _)| h);
            for method in ["get", "post", "put", "delete", "patch"] {
                if handlers.contains(&format!("{method}(")) {
                    out.insert((method.to_uppercase(), path.to_owned()));
                }
            }
        }
        out
    }

    #[test]
    fn routes_lists_exactly_the_routes_written_in_router() {
        let listed: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
            .collect();
        assert_eq!(listed.len(), ROUTES.len(), "ROUTES has no duplicates");
        assert_eq!(
            routes_in_source(),
            listed,
            "ROUTES and the .route(...) calls in router() differ"
        );
    }

    fn concrete(path: &str) -> String {
        path.split('/')
            .map(|s| {
                if s.starts_with('{') {
                    Uuid::now_v7().to_string()
                } else {
                    s.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[tokio::test]
    async fn the_router_serves_every_listed_route_and_no_other_method_on_them() {
        let dir = tempfile::tempdir().unwrap();
        let state = Arc::new(
            AppState::open(Config {
                data_dir: dir.path().to_path_buf(),
                sandbox: true,
                admin_token: "unit-Adm1n-7Kq9xZ2pLw4Rv8Nc3Hy6".to_owned(),
                failure_rate: 0.0,
                bad_rate: 0.0,
                rate_per_sec: 1_000,
                starting_allowance: 10,
            })
            .unwrap(),
        );
        let app = router(state);
        let paths: BTreeSet<&str> = ROUTES.iter().map(|(_, p)| *p).collect();
        for path in paths {
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
                let listed = ROUTES.contains(&(method, path));
                let req = Request::builder()
                    .method(Method::from_bytes(method.as_bytes()).unwrap())
                    .uri(concrete(path))
                    .body(Body::empty())
                    .unwrap();
                // Unauthenticated: a served route answers from its handler (200, 201 or 401),
                // never the router's own 404 or 405.
                let status = app.clone().oneshot(req).await.unwrap().status();
                if listed {
                    assert!(
                        status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                        "{method} {path} is listed in ROUTES but the router answers {status}"
                    );
                } else {
                    assert_eq!(
                        status,
                        StatusCode::METHOD_NOT_ALLOWED,
                        "{method} {path} is not listed in ROUTES but the router does not answer 405"
                    );
                }
            }
        }
    }
}
