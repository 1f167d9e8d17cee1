//! Typed calls to the endpoint, one per route. Every non-2xx answer becomes
//! [`ClientError::Api`] with the endpoint's `{code, message}` (or one made from the status when
//! the body is not one, e.g. a proxy's HTML page); every network failure becomes
//! [`ClientError::Transport`]. [`ClientError::is_transient`] says whether to retry.

use serde::Serialize;
use serde::de::DeserializeOwned;

use recoup_api::{
    AccountCreated, AccountView, AdminGrant, AdvanceClock, ApiError, ChangesAnswer, ClaimAnswer,
    ClaimBatch, ClaimBatchAnswer, ClaimSubmission, ErrorCode, GenerationRequest, GenerationView,
    GeneratorSettings, Health, PolicyKey, ReviewDecision, ReviewItem, SignedPolicy,
};
use recoup_core::Timestamp;
use recoup_core::{ClaimId, GenerationId};
use recoup_store::{ClaimRecord, GrantRecord};
use uuid::Uuid;

use crate::transport::{Method, Request, Response, Transport, TransportError};

/// Most changes one `GET /v1/changes` asks for.
pub const CHANGES_LIMIT_MAX: u32 = 1_000;

/// Why a call did not give the answer asked for.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClientError {
    /// No answer: the network failed or timed out.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The endpoint answered with an error status.
    #[error("the endpoint refused the request (HTTP {status}): {}", error.message)]
    Api {
        /// The HTTP status.
        status: u16,
        /// The endpoint's `{code, message}`.
        error: ApiError,
    },
    /// A success status whose body is not what the route returns (cut or garbled on the way).
    #[error("the endpoint's answer (HTTP {status}) could not be read: {detail}")]
    Decode {
        /// The HTTP status.
        status: u16,
        /// What did not parse.
        detail: String,
    },
}

impl ClientError {
    /// Whether retrying the same request later may succeed: network failures, timeouts, 5xx,
    /// 429 and unreadable success answers are transient; other 4xx answers are permanent.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Transport(e) => e.is_transient(),
            ClientError::Api { status, .. } => *status >= 500 || *status == 429,
            ClientError::Decode { .. } => true,
        }
    }

    /// The endpoint's error code, when it answered with one.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            ClientError::Api { error, .. } => Some(error.code),
            _ => None,
        }
    }

    /// Its code in the one vocabulary: the endpoint's own when it answered with one, else
    /// `network` (no answer) or `bad_answer` (an answer that could not be read).
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ClientError::Transport(_) => ErrorCode::Network,
            ClientError::Decode { .. } => ErrorCode::BadAnswer,
            ClientError::Api { error, .. } => error.code,
        }
    }

    /// Whether the endpoint refused the token (unknown, or of another kind than the route
    /// takes, e.g. a provider key where an account token belongs).
    pub fn is_unauthorized(&self) -> bool {
        matches!(self, ClientError::Api { status: 401, .. })
            || matches!(
                self.code(),
                Some(ErrorCode::Unauthorized | ErrorCode::WrongCredential)
            )
    }
}

/// The result of a call.
pub type ClientResult<T> = Result<T, ClientError>;

/// What `GET /v1/policy` gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyFetch {
    /// `304 Not Modified`: the version asked about is still the endpoint's.
    NotModified,
    /// A signed document (not verified yet: the caller checks it against its pinned key).
    Signed(SignedPolicy),
}

/// A generation's output file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationOutput {
    /// `image/png`, `image/gif`, ...
    pub content_type: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
}

impl GenerationOutput {
    /// A file extension for the content type (`png`, `gif`, else `bin`).
    pub fn extension(&self) -> &'static str {
        match self.content_type.split(';').next().map(str::trim) {
            Some("image/png") => "png",
            Some("image/gif") => "gif",
            Some("video/mp4") => "mp4",
            _ => "bin",
        }
    }
}

/// A typed client of the endpoint over any [`Transport`], with an optional bearer token.
///
/// The `admin_*` calls send the same token: give the client the endpoint's admin token (not an
/// account's) to use them. A wrong one is answered `401` ([`ClientError::is_unauthorized`]); the
/// sandbox-only ones are answered [`ErrorCode::SandboxOnly`] by an endpoint that is not a sandbox.
#[derive(Debug, Clone)]
pub struct Client<T> {
    transport: T,
    token: Option<String>,
}

impl<T: Transport> Client<T> {
    /// A client without a token (health, account creation, policy).
    pub fn new(transport: T) -> Self {
        Self {
            transport,
            token: None,
        }
    }

    /// The same client, sending `token` as `Authorization: Bearer`.
    pub fn with_token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets or clears the token.
    pub fn set_token(&mut self, token: Option<String>) {
        self.token = token;
    }

    /// The transport.
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// `GET /v1/health`.
    pub fn health(&self) -> ClientResult<Health> {
        self.json(self.call(Method::Get, "/v1/health", None, &[])?)
    }

    /// `POST /v1/accounts`: a sandbox account with its token (no auth).
    pub fn create_account(&self) -> ClientResult<AccountCreated> {
        self.json(self.call(Method::Post, "/v1/accounts", Some(b"{}".to_vec()), &[])?)
    }

    /// `GET /v1/account`.
    pub fn account(&self) -> ClientResult<AccountView> {
        self.json(self.call(Method::Get, "/v1/account", None, &[])?)
    }

    /// `POST /v1/generations`: the endpoint holds, runs its generator, and captures or voids.
    /// Idempotent by the request's generation id.
    pub fn generate(&self, req: &GenerationRequest) -> ClientResult<GenerationView> {
        self.json(self.call(Method::Post, "/v1/generations", Some(body(req)?), &[])?)
    }

    /// [`Client::generate`], tried again (after 250 ms, then 500 ms) when it fails transiently:
    /// the same generation id, so the endpoint runs it once however many requests arrive.
    pub fn generate_retrying(&self, req: &GenerationRequest) -> ClientResult<GenerationView> {
        const RETRIES: u32 = 2;
        let mut attempt = 0u32;
        loop {
            match self.generate(req) {
                Err(e) if e.is_transient() && attempt < RETRIES => {
                    attempt += 1;
                    std::thread::sleep(std::time::Duration::from_millis(250 * u64::from(attempt)));
                }
                answer => return answer,
            }
        }
    }

    /// `GET /v1/generations/{id}/output`: the output file.
    pub fn generation_output(&self, id: GenerationId) -> ClientResult<GenerationOutput> {
        let r = self.call(
            Method::Get,
            &format!("/v1/generations/{id}/output"),
            None,
            &[],
        )?;
        Ok(GenerationOutput {
            content_type: r
                .header("content-type")
                .unwrap_or("application/octet-stream")
                .to_owned(),
            bytes: r.body,
        })
    }

    /// `POST /v1/claims`: one claim.
    pub fn submit_claim(&self, claim: &ClaimSubmission) -> ClientResult<ClaimAnswer> {
        self.json(self.call(Method::Post, "/v1/claims", Some(body(claim)?), &[])?)
    }

    /// `POST /v1/claims/batch`: up to [`recoup_api::CLAIM_BATCH_MAX`] claims.
    pub fn submit_claims(&self, batch: &ClaimBatch) -> ClientResult<ClaimBatchAnswer> {
        self.json(self.call(Method::Post, "/v1/claims/batch", Some(body(batch)?), &[])?)
    }

    /// `GET /v1/policy`, with `If-None-Match` for the version the device has.
    pub fn policy(&self, have_version: Option<&str>) -> ClientResult<PolicyFetch> {
        let etag = have_version.map(|v| format!("\"{v}\""));
        let headers: Vec<(&str, &str)> = etag
            .as_deref()
            .map(|e| vec![("if-none-match", e)])
            .unwrap_or_default();
        let r = self.call(Method::Get, "/v1/policy", None, &headers)?;
        if r.status == 304 {
            return Ok(PolicyFetch::NotModified);
        }
        self.json(r).map(PolicyFetch::Signed)
    }

    /// `GET /v1/policy/key`: the endpoint's policy-signing public key.
    pub fn policy_key(&self) -> ClientResult<PolicyKey> {
        #[derive(serde::Deserialize)]
        struct KeyAnswer {
            key: String,
        }
        let r = self.call(Method::Get, "/v1/policy/key", None, &[])?;
        let status = r.status;
        let k: KeyAnswer = self.json(r)?;
        PolicyKey::from_base64(&k.key).map_err(|e| ClientError::Decode {
            status,
            detail: e.to_string(),
        })
    }

    /// `GET /v1/changes`: the page after `cursor` (from the beginning when `None`), at most
    /// `limit` changes (clamped to 1..=[`CHANGES_LIMIT_MAX`]).
    pub fn changes(&self, cursor: Option<&str>, limit: u32) -> ClientResult<ChangesAnswer> {
        let limit = limit.clamp(1, CHANGES_LIMIT_MAX);
        let path = match cursor {
            Some(c) => format!("/v1/changes?cursor={}&limit={limit}", percent_encode(c)),
            None => format!("/v1/changes?limit={limit}"),
        };
        self.json(self.call(Method::Get, &path, None, &[])?)
    }

    /// `GET /v1/admin/reviews` (admin): the claims waiting for a person, oldest first (at most
    /// the endpoint's page, 200).
    pub fn admin_reviews(&self) -> ClientResult<Vec<ReviewItem>> {
        self.json(self.call(Method::Get, "/v1/admin/reviews", None, &[])?)
    }

    /// `POST /v1/admin/reviews/{account}/{claim}` (admin): approve (refund what was charged) or
    /// reject (`not_clearly_unusable`) a claim in review. A claim already decided is answered
    /// [`ErrorCode::InvalidState`].
    pub fn admin_review(
        &self,
        account: Uuid,
        claim: ClaimId,
        approve: bool,
    ) -> ClientResult<ClaimRecord> {
        let path = format!("/v1/admin/reviews/{account}/{claim}");
        let decision = ReviewDecision { approve };
        self.json(self.call(Method::Post, &path, Some(body(&decision)?), &[])?)
    }

    /// `PUT /v1/admin/policy` (admin): publish a policy document (its JSON text, sent as is).
    /// The endpoint validates it again ([`ErrorCode::InvalidDocument`] when refused) and answers
    /// with the signed publication devices will receive.
    pub fn admin_publish_policy(&self, document: &[u8]) -> ClientResult<SignedPolicy> {
        self.json(self.call(
            Method::Put,
            "/v1/admin/policy",
            Some(document.to_vec()),
            &[],
        )?)
    }

    /// `POST /v1/admin/accounts/{account}/grants` (admin): grant credits to an account.
    pub fn admin_grant(&self, account: Uuid, grant: &AdminGrant) -> ClientResult<GrantRecord> {
        let path = format!("/v1/admin/accounts/{account}/grants");
        self.json(self.call(Method::Post, &path, Some(body(grant)?), &[])?)
    }

    /// `POST /v1/admin/accounts/{account}/clock` (admin, sandbox only): move the account's test
    /// clock forward by `secs` (at most a year); answers the account's new time.
    pub fn admin_advance_clock(&self, account: Uuid, secs: u64) -> ClientResult<Timestamp> {
        #[derive(serde::Deserialize)]
        struct ClockAnswer {
            server_time: Timestamp,
        }
        let path = format!("/v1/admin/accounts/{account}/clock");
        let r = self.call(
            Method::Post,
            &path,
            Some(body(&AdvanceClock { secs })?),
            &[],
        )?;
        self.json::<ClockAnswer>(r).map(|a| a.server_time)
    }

    /// `PUT /v1/admin/generator` (admin, sandbox only): set the generator's failure and
    /// bad-output rates (each 0 to 1); answers the settings in force.
    pub fn admin_set_generator(
        &self,
        settings: GeneratorSettings,
    ) -> ClientResult<GeneratorSettings> {
        self.json(self.call(
            Method::Put,
            "/v1/admin/generator",
            Some(body(&settings)?),
            &[],
        )?)
    }

    /// Sends one request; a non-2xx answer other than `304` becomes [`ClientError::Api`].
    pub(crate) fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        extra: &[(&str, &str)],
    ) -> ClientResult<Response> {
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        if body.is_some() {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
        }
        if let Some(token) = &self.token {
            headers.push(("authorization".to_owned(), format!("Bearer {token}")));
        }
        headers.extend(
            extra
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
        );
        let request = Request {
            method,
            path: path.to_owned(),
            headers,
            body: body.unwrap_or_default(),
        };
        let r = self.transport.send(&request)?;
        if (200..300).contains(&r.status) || r.status == 304 {
            Ok(r)
        } else {
            Err(api_error(&r))
        }
    }

    pub(crate) fn json<R: DeserializeOwned>(&self, r: Response) -> ClientResult<R> {
        serde_json::from_slice(&r.body).map_err(|e| ClientError::Decode {
            status: r.status,
            detail: e.to_string(),
        })
    }
}

pub(crate) fn body(value: &impl Serialize) -> ClientResult<Vec<u8>> {
    serde_json::to_vec(value)
        .map_err(|e| ClientError::Transport(TransportError::Invalid(e.to_string())))
}

/// The endpoint's `{code, message}`, or one made from the status when the body is not one.
fn api_error(r: &Response) -> ClientError {
    let error = serde_json::from_slice::<ApiError>(&r.body).unwrap_or_else(|_| {
        let code = match r.status {
            401 => ErrorCode::Unauthorized,
            404 => ErrorCode::NotFound,
            409 => ErrorCode::InvalidState,
            413 => ErrorCode::PayloadTooLarge,
            422 => ErrorCode::InvalidDetails,
            429 => ErrorCode::RateLimited,
            500 => ErrorCode::Internal,
            s if s >= 500 => ErrorCode::Unavailable,
            _ => ErrorCode::InvalidInput,
        };
        let text: String = String::from_utf8_lossy(&r.body).chars().take(200).collect();
        ApiError::new(
            code,
            format!("HTTP {} without an error body: {}", r.status, text.trim()),
        )
    });
    ClientError::Api {
        status: r.status,
        error,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

mod providers;
mod webhooks;

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    /// Answers every request with the next scripted result and remembers the requests.
    struct Script {
        answers: RefCell<Vec<Result<Response, TransportError>>>,
        seen: RefCell<Vec<Request>>,
    }

    impl Script {
        fn new(answers: Vec<Result<Response, TransportError>>) -> Self {
            Self {
                answers: RefCell::new(answers),
                seen: RefCell::new(Vec::new()),
            }
        }
    }

    impl Transport for Script {
        fn send(&self, request: &Request) -> Result<Response, TransportError> {
            self.seen.borrow_mut().push(request.clone());
            self.answers.borrow_mut().remove(0)
        }
    }

    fn err_body(code: ErrorCode) -> Response {
        Response::json(code.http_status(), &ApiError::new(code, "m"))
    }

    #[test]
    fn error_statuses_map_to_api_errors_with_the_right_transience() {
        let cases = [
            (ErrorCode::Unauthorized, false),
            (ErrorCode::NotFound, false),
            (ErrorCode::InvalidDetails, false),
            (ErrorCode::IdempotencyConflict, false),
            (ErrorCode::PayloadTooLarge, false),
            (ErrorCode::InvalidInput, false),
            (ErrorCode::RateLimited, true),
            (ErrorCode::Unavailable, true),
            (ErrorCode::Internal, true),
        ];
        for (code, transient) in cases {
            let c = Client::new(Script::new(vec![Ok(err_body(code))]));
            let e = c.account().unwrap_err();
            assert_eq!(e.code(), Some(code), "{e:?}");
            assert_eq!(e.is_transient(), transient, "{code:?}");
            assert!(matches!(e, ClientError::Api { status, .. } if status == code.http_status()));
        }
    }

    #[test]
    fn a_status_without_an_error_body_still_maps_by_status() {
        let c = Client::new(Script::new(vec![
            Ok(Response::new(502, "<html>Bad gateway</html>")),
            Ok(Response::new(429, "")),
            Ok(Response::new(400, "nope")),
        ]));
        let e = c.health().unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::Unavailable));
        assert!(e.is_transient());
        assert!(e.to_string().contains("502"), "{e}");
        let e = c.health().unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::RateLimited));
        assert!(e.is_transient());
        let e = c.health().unwrap_err();
        assert!(!e.is_transient());
    }

    #[test]
    fn network_failures_are_transient_and_invalid_requests_are_not() {
        let c = Client::new(Script::new(vec![
            Err(TransportError::Timeout("read".into())),
            Err(TransportError::Connect("refused".into())),
            Err(TransportError::Io("reset".into())),
            Err(TransportError::Invalid("bad url".into())),
        ]));
        for transient in [true, true, true, false] {
            let e = c.health().unwrap_err();
            assert!(matches!(e, ClientError::Transport(_)));
            assert_eq!(e.is_transient(), transient, "{e:?}");
        }
    }

    #[test]
    fn a_garbled_success_is_a_transient_decode_error() {
        let c = Client::new(Script::new(vec![Ok(Response::new(200, "{\"ok\":tr"))]));
        let e = c.health().unwrap_err();
        assert!(matches!(e, ClientError::Decode { status: 200, .. }));
        assert!(e.is_transient());
    }

    #[test]
    fn the_token_the_etag_and_the_cursor_go_on_the_wire() {
        let script = Script::new(vec![
            Ok(Response::new(304, "")),
            Ok(Response::new(503, "")),
            Ok(Response::new(401, "")),
        ]);
        let c = Client::new(&script).with_token("s3cret");
        assert_eq!(
            c.policy(Some("v2")).unwrap(),
            PolicyFetch::NotModified,
            "304 is an answer"
        );
        let _ = c.changes(Some("a b/c"), 5000);
        let e = c.account().unwrap_err();
        assert!(e.is_unauthorized());
        let seen = script.seen.borrow();
        assert_eq!(seen[0].header("if-none-match"), Some("\"v2\""));
        assert_eq!(seen[0].header("authorization"), Some("Bearer s3cret"));
        assert_eq!(seen[1].path, "/v1/changes?cursor=a%20b%2Fc&limit=1000");
        assert_eq!(seen[2].method, Method::Get);
    }

    #[test]
    fn admin_calls_go_to_their_routes_with_the_token_and_their_bodies() {
        let account = Uuid::now_v7();
        let claim = ClaimId::new_v7();
        let settings = GeneratorSettings {
            failure_rate: 0.0,
            bad_rate: 0.5,
        };
        let script = Script::new(vec![
            Ok(Response::json(200, &Vec::<ReviewItem>::new())),
            Ok(err_body(ErrorCode::InvalidState)),
            Ok(err_body(ErrorCode::InvalidDocument)),
            Ok(err_body(ErrorCode::NotFound)),
            Ok(Response::json(
                200,
                &serde_json::json!({"server_time": "2026-11-26T10:00:00Z"}),
            )),
            Ok(Response::json(200, &settings)),
        ]);
        let c = Client::new(&script).with_token("admin-t");
        assert!(
            c.admin_reviews().unwrap().is_empty(),
            "an empty queue is an empty list"
        );
        let e = c.admin_review(account, claim, false).unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::InvalidState), "{e:?}");
        let e = c.admin_publish_policy(b"{\"version\":\"v9\"}").unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::InvalidDocument), "{e:?}");
        assert!(!e.is_transient(), "a refused document is final");
        let grant = AdminGrant {
            credits: 25,
            kind: recoup_core::GrantKind::Promotion,
            expires_in_days: Some(7),
            note: "sorry".into(),
        };
        let e = c.admin_grant(account, &grant).unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::NotFound), "{e:?}");
        assert_eq!(
            c.admin_advance_clock(account, 3600).unwrap(),
            "2026-11-26T10:00:00Z".parse::<Timestamp>().unwrap(),
            "the answer's server_time is returned"
        );
        assert_eq!(c.admin_set_generator(settings).unwrap(), settings);

        let seen = script.seen.borrow();
        let body_json = |i: usize| serde_json::from_slice::<serde_json::Value>(&seen[i].body).ok();
        let expected = [
            (Method::Get, "/v1/admin/reviews".to_owned(), None),
            (
                Method::Post,
                format!("/v1/admin/reviews/{account}/{claim}"),
                Some(serde_json::json!({"approve": false})),
            ),
            (
                Method::Put,
                "/v1/admin/policy".to_owned(),
                Some(serde_json::json!({"version": "v9"})),
            ),
            (
                Method::Post,
                format!("/v1/admin/accounts/{account}/grants"),
                Some(serde_json::json!({
                    "credits": 25, "kind": "promotion", "expires_in_days": 7, "note": "sorry"
                })),
            ),
            (
                Method::Post,
                format!("/v1/admin/accounts/{account}/clock"),
                Some(serde_json::json!({"secs": 3600})),
            ),
            (
                Method::Put,
                "/v1/admin/generator".to_owned(),
                Some(serde_json::json!({"failure_rate": 0.0, "bad_rate": 0.5})),
            ),
        ];
        assert_eq!(seen.len(), expected.len(), "one request per call");
        for (i, (method, path, body)) in expected.into_iter().enumerate() {
            assert_eq!(seen[i].method, method, "request {i} method");
            assert_eq!(seen[i].path, path, "request {i} path");
            assert_eq!(body_json(i), body, "request {i} body");
            assert_eq!(
                seen[i].header("authorization"),
                Some("Bearer admin-t"),
                "request {i} carries the admin token"
            );
        }
    }

    #[test]
    fn admin_refusals_keep_their_meaning() {
        let c = Client::new(Script::new(vec![
            Ok(err_body(ErrorCode::Unauthorized)),
            Ok(Response::new(401, "")),
            Ok(err_body(ErrorCode::SandboxOnly)),
        ]))
        .with_token("wrong");
        let e = c.admin_reviews().unwrap_err();
        assert!(e.is_unauthorized(), "a refused admin token: {e:?}");
        assert!(!e.is_transient(), "a refused token is final");
        let e = c.admin_reviews().unwrap_err();
        assert!(e.is_unauthorized(), "a bare 401 is a refused token: {e:?}");
        let e = c
            .admin_set_generator(GeneratorSettings {
                failure_rate: 0.1,
                bad_rate: 0.1,
            })
            .unwrap_err();
        assert_eq!(e.code(), Some(ErrorCode::SandboxOnly), "{e:?}");
        assert!(!e.is_transient(), "not a sandbox stays not a sandbox");
    }

    #[test]
    fn outputs_keep_their_content_type() {
        let mut r = Response::new(200, vec![0x89, b'P', b'N', b'G']);
        r.headers.push(("Content-Type".into(), "image/png".into()));
        let c = Client::new(Script::new(vec![Ok(r)]));
        let out = c.generation_output(GenerationId::new_v7()).unwrap();
        assert_eq!(out.extension(), "png");
        assert_eq!(out.bytes.len(), 4);
    }
}
