//! The HTTP handlers. Each converts its input, runs the store work on the blocking pool, and
//! maps the answer; the decisions themselves are in recoup-core and recoup-store.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router, routing::get, routing::post, routing::put};
use jiff::{SignedDuration, Timestamp};
use recoup_api::{
    AccountCreated, AccountView, AdminGrant, AdvanceClock, CLAIM_BATCH_MAX, ChangesAnswer,
    ClaimAnswer, ClaimBatch, ClaimBatchAnswer, ClaimBatchItem, ClaimSubmission, ErrorCode,
    GenerationRequest, GenerationView, GeneratorSettings, Health, ReviewDecision, ReviewItem,
    SignedPolicy,
};
use recoup_core::{ClaimId, Clock, GenerationId, GenerationStatus, GrantKind, OpId, Policy};
use recoup_generator::{GenerateRequest, inspect, pick_failure, pick_quality};
use recoup_store::{
    ClaimOutcome, ClaimRecord, FinishGeneration, GrantRequest, Outcome, StartGeneration,
    StoreError, SubmitClaim, Verdict,
};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::AppError;
use crate::state::{AppState, Published, lock, new_token};

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
        .with_state(state)
}

/// Runs blocking store work off the async workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    tokio::task::spawn_blocking(f)
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

/// The authenticated account and its clock offset.
struct Account {
    id: Uuid,
    offset_ms: i64,
}

fn authenticate(state: &AppState, headers: &HeaderMap) -> AppResult<Account> {
    let token = bearer(headers).ok_or_else(AppError::unauthorized)?;
    let (id, offset_ms) = state
        .authenticate(token)?
        .ok_or_else(AppError::unauthorized)?;
    state.admit(id)?;
    Ok(Account { id, offset_ms })
}

fn admin(state: &AppState, headers: &HeaderMap) -> AppResult<()> {
    let token = bearer(headers).ok_or_else(AppError::unauthorized)?;
    if crate::registry::token_hash(token) != state.admin_token_hash {
        return Err(AppError::api(
            ErrorCode::Unauthorized,
            "this needs the admin token",
        ));
    }
    Ok(())
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

/// Parses a JSON body into `T`, answering `invalid_input` with serde's words on failure.
fn json<T: serde::de::DeserializeOwned>(body: &Bytes) -> AppResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| AppError::api(ErrorCode::InvalidInput, format!("invalid JSON body: {e}")))
}

async fn health(State(state): Shared) -> Json<Health> {
    Json(Health {
        ok: true,
        server_time: Timestamp::now(),
        sandbox: state.config.sandbox,
    })
}

async fn create_account(State(state): Shared) -> AppResult<(StatusCode, Json<AccountCreated>)> {
    sandbox_only(&state)?;
    let created = blocking(move || {
        let account = Uuid::now_v7();
        let token = new_token("rk")?;
        let now = Timestamp::now();
        lock(&state.registry)?.create_account(account, &token, now)?;
        let store = state.store(account)?;
        let credits = state.config.starting_allowance;
        let mut req = GrantRequest::new(OpId(Uuid::now_v7()), GrantKind::Allowance, credits);
        req.expires_at = now.checked_add(SignedDuration::from_hours(24 * 30)).ok();
        req.note = "sandbox starting allowance".to_owned();
        store.lock()?.grant(&req, now)?;
        Ok(AccountCreated {
            account_id: account,
            token,
            allowance_credits: credits,
        })
    })
    .await?;
    tracing::info!(account = %created.account_id, "sandbox account created");
    Ok((StatusCode::CREATED, Json(created)))
}

async fn account(State(state): Shared, headers: HeaderMap) -> AppResult<Json<AccountView>> {
    let view = blocking(move || {
        let a = authenticate(&state, &headers)?;
        let now = state.clock(a.offset_ms).now();
        let store = state.store(a.id)?;
        let balance = store.lock()?.balance(now)?;
        Ok(AccountView {
            account_id: a.id,
            balance,
            server_time: now,
        })
    })
    .await?;
    Ok(Json(view))
}

fn seed_of(id: GenerationId) -> u64 {
    let b = id.as_bytes();
    u64::from_be_bytes([b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]])
}

async fn generate(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<GenerationView>> {
    let view = blocking(move || {
        let a = authenticate(&state, &headers)?;
        let req: GenerationRequest = json(&body)?;
        let clock = state.clock(a.offset_ms);
        let store = state.store(a.id)?;
        let start = StartGeneration {
            generation_id: req.generation_id,
            feature: req.feature,
            platform: req.platform,
            surface: req.surface,
        };
        store.lock()?.start_generation(&start, clock.now())?;
        let id = req.generation_id;
        // A repeat returns the generation as it is now (the start's recorded answer says
        // "running" forever, so look at the current record).
        let current = store.lock()?.generation(id)?;
        let record = if current.status != GenerationStatus::Running {
            current
        } else {
            let settings = *state
                .generator
                .read()
                .map_err(|_| AppError::internal("generator lock poisoned"))?;
            let seed = seed_of(id);
            let outcome = if pick_failure(seed, settings.failure_rate) {
                Outcome::Failed {
                    error: "the generator failed (technical error)".to_owned(),
                }
            } else {
                let quality = pick_quality(seed.rotate_left(17), settings.bad_rate);
                match recoup_generator::generate(&GenerateRequest {
                    feature: req.feature,
                    seed,
                    quality,
                }) {
                    Ok(out) => {
                        let ext = if out.content_type == recoup_generator::CONTENT_TYPE_GIF {
                            "gif"
                        } else {
                            "png"
                        };
                        let name = format!("{id}.{ext}");
                        let dir = state.account_dir(a.id).join("outputs");
                        write_output(&dir.join(&name), &out.bytes)?;
                        // Judged once, when stored: outputs never change, so a claim reads this.
                        let verdict = inspect(&out.bytes).verdict;
                        write_output(
                            &dir.join(format!("{id}.verdict")),
                            verdict.as_str().as_bytes(),
                        )?;
                        Outcome::Succeeded {
                            output_ref: Some(name),
                        }
                    }
                    Err(e) => Outcome::Failed {
                        error: format!("the generator failed: {e}"),
                    },
                }
            };
            let finish = FinishGeneration {
                op_id: OpId(Uuid::now_v7()),
                generation_id: id,
                outcome,
            };
            // Bound first: matching on the call itself would keep the store locked in the arms.
            let finished = store.lock()?.finish_generation(&finish, clock.now());
            match finished {
                Ok(r) => r,
                // A concurrent repeat finished it first: answer with what it recorded.
                Err(StoreError::AlreadySettled { .. }) => store.lock()?.generation(id)?,
                Err(e) => return Err(e.into()),
            }
        };
        let output_path = record
            .output_ref
            .as_ref()
            .map(|_| format!("/v1/generations/{id}/output"));
        Ok(GenerationView {
            generation: record,
            output_path,
        })
    })
    .await?;
    Ok(Json(view))
}

/// Writes an output atomically. The temporary name is unique per writer: two concurrent
/// repeats of one generation write the same bytes, and either rename may land.
fn write_output(path: &std::path::Path, bytes: &[u8]) -> AppResult<()> {
    let tmp = path.with_extension(format!("{}.part", Uuid::now_v7().simple()));
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| AppError::internal(format!("cannot store output {}: {e}", path.display())))
}

async fn output(
    State(state): Shared,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> AppResult<Response> {
    blocking(move || {
        let a = authenticate(&state, &headers)?;
        let id: GenerationId = id.parse().map_err(|e: recoup_core::InvalidId| {
            AppError::api(ErrorCode::NotFound, e.to_string())
        })?;
        let store = state.store(a.id)?;
        let record = store.lock()?.generation(id)?;
        let name = record.output_ref.ok_or_else(|| {
            AppError::api(
                ErrorCode::NotFound,
                format!("generation {id} has no output"),
            )
        })?;
        let bytes =
            std::fs::read(state.account_dir(a.id).join("outputs").join(&name)).map_err(|_| {
                AppError::api(
                    ErrorCode::NotFound,
                    format!("the output of generation {id} is gone"),
                )
            })?;
        let content_type = if name.ends_with(".gif") {
            "image/gif"
        } else {
            "image/png"
        };
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
    })
    .await
}

/// Claims of one account, adjudicated by the account's writer (group commit with whatever else
/// is waiting). Refusals that follow from the facts (unknown, failed or running generation,
/// second claim) are answers, so the device's queue never blocks on them.
async fn adjudicate_many(
    state: &Arc<AppState>,
    a: &Account,
    subs: &[ClaimSubmission],
) -> AppResult<Vec<AppResult<ClaimAnswer>>> {
    let store = match state.ready_store(a.id)? {
        Some(s) => s,
        None => {
            let (st, id) = (Arc::clone(state), a.id);
            blocking(move || st.store(id)).await?
        }
    };
    let reqs: Vec<SubmitClaim> = subs
        .iter()
        .map(|sub| SubmitClaim {
            claim_id: sub.claim_id,
            generation_id: sub.generation_id,
            reason: sub.reason,
            details: sub.details.clone(),
        })
        .collect();
    let results = store.adjudicate(reqs, a.offset_ms).await?;
    let policy_version = state.published()?.policy.version().to_owned();
    // Refusals that follow from the facts are not stored (there may be no generation to attach
    // them to); they carry no decision time so that a repeat answers exactly the same.
    let refused = |code: &str| Verdict {
        outcome: ClaimOutcome::NotRefunded,
        code: Some(code.to_owned()),
        refunded_credits: 0,
        decided_at: None,
    };
    Ok(subs
        .iter()
        .zip(results)
        .map(|(sub, result)| {
            let verdict = match result {
                Ok(record) => verdict_of(&record),
                Err(
                    e @ (StoreError::AlreadyClaimed { .. }
                    | StoreError::TechnicalFailure(_)
                    | StoreError::GenerationNotFinished(_)
                    | StoreError::NotFound {
                        what: "generation", ..
                    }),
                ) => refused(e.code()),
                Err(e) => return Err(e.into()),
            };
            Ok(ClaimAnswer {
                claim_id: sub.claim_id,
                message: ClaimAnswer::message_for(&verdict),
                verdict,
                policy_version: policy_version.clone(),
            })
        })
        .collect())
}

fn verdict_of(c: &ClaimRecord) -> Verdict {
    Verdict {
        outcome: c.outcome.unwrap_or(ClaimOutcome::InReview),
        code: c.outcome_code.clone(),
        refunded_credits: c.refunded_credits.unwrap_or(0),
        decided_at: c.decided_at,
    }
}

async fn claim(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ClaimAnswer>> {
    let a = authenticate(&state, &headers)?;
    let sub: ClaimSubmission = json(&body)?;
    let answer = adjudicate_many(&state, &a, std::slice::from_ref(&sub))
        .await?
        .pop()
        .unwrap_or_else(|| Err(AppError::internal("a claim got no answer")))?;
    Ok(Json(answer))
}

async fn claim_batch(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<ClaimBatchAnswer>> {
    let a = authenticate(&state, &headers)?;
    let batch: ClaimBatch = json(&body)?;
    if batch.claims.len() > CLAIM_BATCH_MAX {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "a batch holds at most {CLAIM_BATCH_MAX} claims, got {}",
                batch.claims.len()
            ),
        ));
    }
    let answers = adjudicate_many(&state, &a, &batch.claims).await?;
    let results = batch
        .claims
        .iter()
        .zip(answers)
        .map(|(sub, answer)| match answer {
            Ok(answer) => ClaimBatchItem {
                claim_id: sub.claim_id,
                answer: Some(answer),
                error: None,
            },
            Err(AppError(e)) => ClaimBatchItem {
                claim_id: sub.claim_id,
                answer: None,
                error: Some(e),
            },
        })
        .collect();
    Ok(Json(ClaimBatchAnswer { results }))
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

fn parse_cursor(c: Option<&str>) -> AppResult<i64> {
    match c {
        None | Some("") => Ok(0),
        Some(c) => c
            .strip_prefix("c1.")
            .and_then(|n| n.parse::<i64>().ok())
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                AppError::api(
                    ErrorCode::InvalidInput,
                    "unknown cursor: pass back the cursor the endpoint gave, or none to start over",
                )
            }),
    }
}

async fn changes(
    State(state): Shared,
    headers: HeaderMap,
    Query(q): Query<ChangesQuery>,
) -> AppResult<Json<ChangesAnswer>> {
    let answer = blocking(move || {
        let a = authenticate(&state, &headers)?;
        let after = parse_cursor(q.cursor.as_deref())?;
        let limit = q
            .limit
            .unwrap_or(500)
            .clamp(1, recoup_store::CHANGE_PAGE_MAX);
        let store = state.store(a.id)?;
        let page = store.lock()?.changes(after, limit)?;
        Ok(ChangesAnswer {
            changes: page.changes,
            cursor: format!("c1.{}", page.last_seq),
            has_more: page.has_more,
            server_time: state.clock(a.offset_ms).now(),
            policy_version: state.published()?.policy.version().to_owned(),
        })
    })
    .await?;
    Ok(Json(answer))
}

async fn reviews(State(state): Shared, headers: HeaderMap) -> AppResult<Json<Vec<ReviewItem>>> {
    let items = blocking(move || {
        admin(&state, &headers)?;
        let queued = lock(&state.registry)?.reviews(200)?;
        let mut items = Vec::new();
        for (account, claim) in queued {
            let store = state.store(account)?;
            let record = store.lock()?.claim(ClaimId(claim))?;
            items.push(ReviewItem {
                account_id: account,
                claim: record,
            });
        }
        Ok(items)
    })
    .await?;
    Ok(Json(items))
}

async fn review(
    State(state): Shared,
    headers: HeaderMap,
    Path((account, claim)): Path<(Uuid, Uuid)>,
    body: Bytes,
) -> AppResult<Json<ClaimRecord>> {
    let record = blocking(move || {
        admin(&state, &headers)?;
        let decision: ReviewDecision = json(&body)?;
        let offset = lock(&state.registry)?
            .clock_offset_ms(account)?
            .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no account {account}")))?;
        let store = state.store(account)?;
        let now = state.clock(offset).now();
        let record = store
            .lock()?
            .review(ClaimId(claim), decision.approve, now)
            .map_err(|e| match e {
                StoreError::InvalidInput { problem, .. } => {
                    AppError::api(ErrorCode::InvalidState, problem)
                }
                other => other.into(),
            })?;
        lock(&state.registry)?.unqueue_review(account, claim)?;
        Ok(record)
    })
    .await?;
    Ok(Json(record))
}

async fn publish_policy(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<SignedPolicy>> {
    let signed = blocking(move || {
        admin(&state, &headers)?;
        let policy = Policy::from_json(&body)
            .map_err(|e| AppError::api(ErrorCode::InvalidDocument, e.to_string()))?;
        let document = policy.to_json();
        let seq =
            lock(&state.registry)?.publish_policy(policy.version(), &document, Timestamp::now())?;
        let signed = SignedPolicy::sign(policy.version(), seq, document, &state.key);
        let mut published = state
            .published
            .write()
            .map_err(|_| AppError::internal("policy lock poisoned"))?;
        *published = Arc::new(Published {
            policy,
            signed: signed.clone(),
        });
        tracing::info!(version = %signed.version, "policy published");
        Ok(signed)
    })
    .await?;
    Ok(Json(signed))
}

async fn admin_grant(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
    body: Bytes,
) -> AppResult<Json<recoup_store::GrantRecord>> {
    let record = blocking(move || {
        admin(&state, &headers)?;
        let g: AdminGrant = json(&body)?;
        let offset = lock(&state.registry)?
            .clock_offset_ms(account)?
            .ok_or_else(|| AppError::api(ErrorCode::NotFound, format!("no account {account}")))?;
        let now = state.clock(offset).now();
        let store = state.store(account)?;
        let mut req = GrantRequest::new(OpId(Uuid::now_v7()), g.kind, g.credits);
        req.expires_at = g.expires_in_days.and_then(|d| {
            now.checked_add(SignedDuration::from_hours(24 * i64::from(d)))
                .ok()
        });
        req.note = g.note;
        Ok(store.lock()?.grant(&req, now)?)
    })
    .await?;
    Ok(Json(record))
}

async fn advance_clock(
    State(state): Shared,
    headers: HeaderMap,
    Path(account): Path<Uuid>,
    body: Bytes,
) -> AppResult<Json<serde_json::Value>> {
    let now = blocking(move || {
        admin(&state, &headers)?;
        sandbox_only(&state)?;
        let adv: AdvanceClock = json(&body)?;
        if adv.secs > 366 * 24 * 3600 {
            return Err(AppError::api(
                ErrorCode::InvalidInput,
                "advance at most a year at once",
            ));
        }
        let by_ms = i64::try_from(adv.secs)
            .unwrap_or(i64::MAX)
            .saturating_mul(1000);
        let registry = lock(&state.registry)?;
        if !registry.advance_clock(account, by_ms)? {
            return Err(AppError::api(
                ErrorCode::NotFound,
                format!("no account {account}"),
            ));
        }
        let offset = registry.clock_offset_ms(account)?.unwrap_or(0);
        drop(registry);
        state.forget_tokens(account)?;
        let now = state.clock(offset).now();
        // Time moved: release what is now stale or expired, as the real clock would have.
        let store = state.store(account)?;
        store.lock()?.sweep(now)?;
        Ok(now)
    })
    .await?;
    Ok(Json(serde_json::json!({ "server_time": now })))
}

async fn set_generator(
    State(state): Shared,
    headers: HeaderMap,
    body: Bytes,
) -> AppResult<Json<GeneratorSettings>> {
    admin(&state, &headers)?;
    sandbox_only(&state)?;
    let s: GeneratorSettings = json(&body)?;
    let ok = |r: f64| (0.0..=1.0).contains(&r);
    if !ok(s.failure_rate) || !ok(s.bad_rate) {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            "rates are between 0 and 1",
        ));
    }
    *state
        .generator
        .write()
        .map_err(|_| AppError::internal("generator lock poisoned"))? = s;
    Ok(Json(s))
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
                admin_token: "admin".to_owned(),
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
