//! Sign-in with the product's own identity provider: a bearer that is a JWT is verified against
//! the provider's JWKS (RS256, ES256 or EdDSA, the key chosen by the token's `kid`) with the
//! `jsonwebtoken` crate, its issuer and audience checked, and its `exp`/`nbf` read against the
//! endpoint's clock. Its `sub` names the account; an unknown `sub` becomes a new account on first
//! sight. A JWKS read from a file is read at start; one from a URL is fetched at start and again
//! when a token names a key the endpoint does not know (the provider rotated its keys), at most
//! once per [`JWKS_REFETCH_SECS_MIN`].

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use recoup_api::{ErrorCode, SUBJECT_CHARS_MAX};
use recoup_core::ledger::GRANT_CREDITS_MAX;
use recoup_core::{TimeDelta, Timestamp};
use serde::Deserialize;

use crate::error::{AppError, lock, read};
use crate::state::AppState;
use crate::storage::Account;

/// A token naming an unknown key refetches a URL JWKS at most this often.
pub const JWKS_REFETCH_SECS_MIN: i64 = 30;
/// How long fetching a JWKS may take, connection included.
pub const JWKS_FETCH_TIMEOUT_SECS: u64 = 5;
/// The largest JWKS document read.
pub const JWKS_BYTES_MAX: u64 = 256 * 1024;
/// The most keys kept from one JWKS.
pub const JWKS_KEYS_MAX: usize = 64;
/// The longest bearer JWT looked at.
pub const JWT_BYTES_MAX: usize = 8 * 1024;
/// Clock skew allowed between the identity provider and the endpoint for `exp` and `nbf`.
pub const JWT_LEEWAY_SECS: i64 = 60;

/// Where the identity provider's keys are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JwksSource {
    /// A JWKS file, read at start.
    File(PathBuf),
    /// A JWKS URL (`https://`, or `http://` on loopback), fetched at start and on rotation.
    Url(String),
}

impl JwksSource {
    /// A URL when `value` starts with `http://` or `https://`, else a file path.
    pub fn parse(value: &str) -> Self {
        if value.starts_with("https://") || value.starts_with("http://") {
            Self::Url(value.to_owned())
        } else {
            Self::File(PathBuf::from(value))
        }
    }
}

/// How the endpoint accepts the product's sign-in tokens.
#[derive(Debug, Clone)]
pub struct SignInConfig {
    /// The provider's keys.
    pub jwks: JwksSource,
    /// The only `iss` accepted.
    pub issuer: String,
    /// The `aud` a token must name.
    pub audience: String,
    /// Credits an account made on first sign-in starts with (none when `None`).
    pub starting_allowance: Option<u64>,
}

/// Why sign-in cannot be set up.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The settings themselves are wrong.
    #[error("{0}")]
    Settings(String),
    /// The JWKS file cannot be read.
    #[error("cannot read the JWKS file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The JWKS URL cannot be fetched.
    #[error("cannot fetch the JWKS from {url}: {why}")]
    Fetch {
        /// The URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The document is not a JWK set.
    #[error("the JWKS from {from} is not a JWK set ({{\"keys\": [...]}}): {why}")]
    Parse {
        /// The file or URL.
        from: String,
        /// Why.
        why: String,
    },
    /// No key of the set can be used.
    #[error(
        "the JWKS from {from} has no key this endpoint can use: each needs a kid and is RSA \
         (RS256), P-256 (ES256) or Ed25519 (EdDSA)"
    )]
    NoKeys {
        /// The file or URL.
        from: String,
    },
}

/// One usable key of the JWKS.
struct Key {
    alg: Algorithm,
    key: DecodingKey,
}

type Keys = HashMap<String, Arc<Key>>;

/// The sign-in verifier: the settings and the provider's keys as last read.
pub struct SignIn {
    config: SignInConfig,
    keys: RwLock<Arc<Keys>>,
    /// When the JWKS was last fetched (endpoint time), to bound refetches.
    fetched_at: Mutex<Timestamp>,
    /// The client a URL JWKS is fetched with.
    http: reqwest::Client,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl SignIn {
    /// Checks the settings and reads the keys (a URL is fetched now, so a wrong one stops the
    /// start with a clear error instead of refusing every sign-in later).
    pub async fn open(config: SignInConfig, now: Timestamp) -> Result<Self, SignInError> {
        for (flag, value) in [
            ("--jwt-issuer", &config.issuer),
            ("--jwt-audience", &config.audience),
        ] {
            if value.trim().is_empty() {
                return Err(SignInError::Settings(format!(
                    "{flag} is needed with --jwks (the value tokens must carry)"
                )));
            }
        }
        if let Some(n) = config.starting_allowance
            && !(1..=GRANT_CREDITS_MAX).contains(&n)
        {
            return Err(SignInError::Settings(format!(
                "--jwt-starting-allowance is between 1 and {GRANT_CREDITS_MAX} credits, got {n}; \
                 leave it out for none"
            )));
        }
        if let JwksSource::Url(url) = &config.jwks {
            check_url(url)?;
        }
        let http = crate::http_client::client_builder()
            .and_then(|b| {
                b.timeout(Duration::from_secs(JWKS_FETCH_TIMEOUT_SECS))
                    .user_agent(concat!("recoup-server/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| recoup_api::net::error_chain(&e))
            })
            .map_err(SignInError::Settings)?;
        let keys = load(&http, &config.jwks).await?;
        Ok(Self {
            config,
            keys: RwLock::new(Arc::new(keys)),
            fetched_at: Mutex::new(now),
            http,
        })
    }

    /// The subject of a verified token. Each refusal has its own code.
    pub(crate) async fn verify(&self, token: &str, now: Timestamp) -> Result<String, AppError> {
        if token.len() > JWT_BYTES_MAX {
            return Err(invalid(format!(
                "the sign-in token is longer than {JWT_BYTES_MAX} bytes"
            )));
        }
        let header = header_of(token)?;
        let alg = match header.alg.as_str() {
            "RS256" => Algorithm::RS256,
            "ES256" => Algorithm::ES256,
            "EdDSA" => Algorithm::EdDSA,
            other => {
                return Err(AppError::api(
                    ErrorCode::JwtUnsupportedAlgorithm,
                    format!(
                        "the sign-in token's algorithm {other:?} is not accepted: RS256, ES256 \
                         or EdDSA"
                    ),
                ));
            }
        };
        let kid = header.kid.ok_or_else(|| {
            AppError::api(
                ErrorCode::JwtUnknownKey,
                "the sign-in token names no key (kid in its header)",
            )
        })?;
        let key = match self.key(&kid)? {
            Some(key) => key,
            None => {
                self.refetch(now).await?;
                self.key(&kid)?.ok_or_else(|| {
                    AppError::api(
                        ErrorCode::JwtUnknownKey,
                        format!(
                            "the sign-in token's key {kid:?} is not in the identity provider's \
                             JWKS"
                        ),
                    )
                })?
            }
        };
        if key.alg != alg {
            return Err(AppError::api(
                ErrorCode::JwtUnsupportedAlgorithm,
                format!(
                    "the sign-in token says {alg:?} but its key {kid:?} is for {:?}",
                    key.alg
                ),
            ));
        }
        let mut validation = Validation::new(alg);
        // exp and nbf are checked below against the endpoint's clock, not the system's.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation)
            .map_err(|e| self.refused(&e))?
            .claims;
        let now_secs = now.as_secs() as f64;
        let leeway = JWT_LEEWAY_SECS as f64;
        if claims.exp + leeway <= now_secs {
            return Err(AppError::api(
                ErrorCode::JwtExpired,
                "the sign-in token has expired (exp): sign in again",
            ));
        }
        if let Some(nbf) = claims.nbf
            && nbf - leeway > now_secs
        {
            return Err(AppError::api(
                ErrorCode::JwtNotYetValid,
                "the sign-in token is not valid yet (nbf): check the clocks",
            ));
        }
        let sub = claims.sub;
        if sub.trim().is_empty()
            || sub.chars().count() > SUBJECT_CHARS_MAX
            || sub.chars().any(char::is_control)
        {
            return Err(invalid(format!(
                "the sign-in token's sub must be 1 to {SUBJECT_CHARS_MAX} characters without control \
                 characters"
            )));
        }
        Ok(sub)
    }

    fn key(&self, kid: &str) -> Result<Option<Arc<Key>>, AppError> {
        Ok(read(&self.keys).get(kid).cloned())
    }

    /// Fetches a URL JWKS again, unless it was fetched less than [`JWKS_REFETCH_SECS_MIN`] ago
    /// (a flood of tokens with made-up `kid`s must not become a flood of fetches). A failed
    /// fetch keeps the keys it had.
    async fn refetch(&self, now: Timestamp) -> Result<(), AppError> {
        let JwksSource::Url(url) = &self.config.jwks else {
            return Ok(());
        };
        {
            let mut at = lock(&self.fetched_at)?;
            let due = at
                .checked_add(TimeDelta::seconds(JWKS_REFETCH_SECS_MIN))
                .is_none_or(|next| now >= next);
            if !due {
                return Ok(());
            }
            *at = now;
        }
        match fetch(&self.http, url)
            .await
            .and_then(|bytes| parse(url, &bytes))
        {
            Ok(keys) => {
                tracing::info!(keys = keys.len(), "JWKS refetched");
                *crate::error::write(&self.keys) = Arc::new(keys);
            }
            Err(e) => tracing::warn!("JWKS refetch failed, keeping the keys: {e}"),
        }
        Ok(())
    }

    fn refused(&self, e: &jsonwebtoken::errors::Error) -> AppError {
        use jsonwebtoken::errors::ErrorKind as K;
        let (issuer, audience) = (&self.config.issuer, &self.config.audience);
        match e.kind() {
            K::InvalidSignature
            | K::InvalidEcdsaKey
            | K::InvalidEddsaKey
            | K::InvalidRsaKey(_)
            | K::InvalidKeyFormat => AppError::api(
                ErrorCode::JwtBadSignature,
                "the sign-in token's signature does not verify",
            ),
            K::InvalidIssuer => AppError::api(
                ErrorCode::JwtWrongIssuer,
                format!("the sign-in token's issuer (iss) is not {issuer:?}"),
            ),
            K::MissingRequiredClaim(c) if c == "iss" => AppError::api(
                ErrorCode::JwtWrongIssuer,
                format!("the sign-in token has no issuer (iss); {issuer:?} is expected"),
            ),
            K::InvalidAudience => AppError::api(
                ErrorCode::JwtWrongAudience,
                format!("the sign-in token is not meant for audience (aud) {audience:?}"),
            ),
            K::MissingRequiredClaim(c) if c == "aud" => AppError::api(
                ErrorCode::JwtWrongAudience,
                format!("the sign-in token has no audience (aud); {audience:?} is expected"),
            ),
            K::InvalidAlgorithm | K::UnsupportedAlgorithm | K::InvalidAlgorithmName => {
                AppError::api(
                    ErrorCode::JwtUnsupportedAlgorithm,
                    "the sign-in token's algorithm is not accepted: RS256, ES256 or EdDSA",
                )
            }
            other => invalid(format!("the sign-in token is malformed: {other:?}")),
        }
    }
}

/// The account a JWT bearer signs in to (made on first sight); every refusal has its code.
pub(crate) async fn account(state: &AppState, token: &str) -> Result<Account, AppError> {
    let Some(sign_in) = &state.sign_in else {
        return Err(invalid(
            "this endpoint accepts no sign-in tokens (JWT): it was started without --jwks; use \
             an account token",
        ));
    };
    let now = state.now();
    let subject = sign_in.verify(token, now).await?;
    let (account, created) = state
        .storage
        .sign_in(subject, sign_in.config.starting_allowance, now)
        .await?;
    if created {
        tracing::info!(account = %account.id, "account created on first sign-in");
    }
    Ok(account)
}

/// Whether a bearer has a JWT's shape: three base64url parts (the last, the signature, may be
/// empty, as in an `alg: none` token). Account tokens (`rk_...`) have no dots.
pub(crate) fn looks_like_jwt(token: &str) -> bool {
    let parts: Vec<&str> = token.split('.').collect();
    let b64url = |p: &str| {
        p.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    parts.len() == 3
        && !parts[0].is_empty()
        && !parts[1].is_empty()
        && parts.iter().all(|p| b64url(p))
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: f64,
    nbf: Option<f64>,
}

/// The header fields read before any key is chosen. Read by hand, not with the crate's
/// `Header`, which cannot even parse `alg: none`: that token must get its own code.
#[derive(Deserialize)]
struct RawHeader {
    alg: String,
    kid: Option<String>,
}

fn header_of(token: &str) -> Result<RawHeader, AppError> {
    let part = token.split('.').next().unwrap_or_default();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| invalid("the sign-in token's header is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        invalid(format!(
            "the sign-in token's header is not a JWT header with alg: {e}"
        ))
    })
}

fn invalid(message: impl Into<String>) -> AppError {
    AppError::api(ErrorCode::JwtInvalid, message)
}

/// `https://`, or `http://` to a loopback host only: keys fetched in clear from elsewhere could
/// be swapped on the way.
fn check_url(url: &str) -> Result<(), SignInError> {
    let Some(rest) = url.strip_prefix("http://") else {
        return Ok(());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority
        .rsplit_once(':')
        .filter(|(h, _)| !h.is_empty() && !h.ends_with(':'))
        .map_or(authority, |(h, _)| h);
    if ["127.0.0.1", "localhost", "[::1]"].contains(&host) {
        Ok(())
    } else {
        Err(SignInError::Settings(format!(
            "--jwks {url}: use https:// (http:// only for a loopback host)"
        )))
    }
}

async fn load(http: &reqwest::Client, source: &JwksSource) -> Result<Keys, SignInError> {
    let (from, bytes) = match source {
        JwksSource::File(path) => {
            let bytes = std::fs::read(path).map_err(|e| SignInError::Read {
                path: path.clone(),
                source: e,
            })?;
            (path.display().to_string(), bytes)
        }
        JwksSource::Url(url) => (url.clone(), fetch(http, url).await?),
    };
    parse(&from, &bytes)
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<Vec<u8>, SignInError> {
    let failed = |why: String| SignInError::Fetch {
        url: url.to_owned(),
        why,
    };
    let answer = http
        .get(url)
        .send()
        .await
        .map_err(|e| failed(recoup_api::net::error_chain(&e)))?;
    let status = answer.status();
    if !status.is_success() {
        return Err(failed(format!("http status: {}", status.as_u16())));
    }
    let limit = usize::try_from(JWKS_BYTES_MAX).unwrap_or(usize::MAX);
    crate::http_client::body_limited(answer, limit)
        .await
        .map_err(failed)
}

#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

/// The usable keys of a JWK set. A key this endpoint cannot use (another type, curve or
/// algorithm, no `kid`, damaged) is left out with a warning; the others still work.
fn parse(from: &str, bytes: &[u8]) -> Result<Keys, SignInError> {
    let set: RawSet = serde_json::from_slice(bytes).map_err(|e| SignInError::Parse {
        from: from.to_owned(),
        why: e.to_string(),
    })?;
    let mut keys = Keys::new();
    for value in set.keys.into_iter().take(JWKS_KEYS_MAX) {
        match usable(value) {
            Ok((kid, key)) => {
                keys.insert(kid, Arc::new(key));
            }
            Err(why) => tracing::warn!("a key of the JWKS from {from} is left out: {why}"),
        }
    }
    if keys.is_empty() {
        return Err(SignInError::NoKeys {
            from: from.to_owned(),
        });
    }
    Ok(keys)
}

fn usable(value: serde_json::Value) -> Result<(String, Key), String> {
    let jwk: Jwk = serde_json::from_value(value).map_err(|e| e.to_string())?;
    let kid = jwk.common.key_id.clone().ok_or("it has no kid")?;
    let family = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => Algorithm::ES256,
        AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
            // The crate reads the first 32 bytes of x: a shorter one must not get that far.
            let x = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&p.x)
                .map_err(|e| format!("key {kid:?}: x is not base64url: {e}"))?;
            if x.len() != 32 {
                return Err(format!("key {kid:?}: an Ed25519 x has 32 bytes"));
            }
            Algorithm::EdDSA
        }
        _ => return Err(format!("key {kid:?}: not RSA, P-256 or Ed25519")),
    };
    if let Some(alg) = jwk.common.key_algorithm {
        let named = match alg {
            KeyAlgorithm::RS256 => Some(Algorithm::RS256),
            KeyAlgorithm::ES256 => Some(Algorithm::ES256),
            KeyAlgorithm::EdDSA => Some(Algorithm::EdDSA),
            _ => None,
        };
        if named != Some(family) {
            return Err(format!("key {kid:?}: its alg {alg:?} is not accepted"));
        }
    }
    let key = DecodingKey::from_jwk(&jwk).map_err(|e| format!("key {kid:?}: {e}"))?;
    Ok((kid, Key { alg: family, key }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_three_base64url_parts_look_like_a_jwt() {
        assert!(looks_like_jwt("eyJh.eyJz.c2ln"), "three parts are a JWT");
        assert!(
            looks_like_jwt("eyJh.eyJz."),
            "an alg-none token (empty signature) is a JWT, to be refused as one"
        );
        assert!(
            !looks_like_jwt("rk_abcDEF-_123"),
            "an account token is not a JWT"
        );
        assert!(!looks_like_jwt("a.b"), "two parts are not a JWT");
        assert!(!looks_like_jwt("a.b.c.d"), "four parts are not a JWT");
        assert!(
            !looks_like_jwt("a+.b.c"),
            "standard base64 is not base64url"
        );
    }

    #[test]
    fn plain_http_jwks_urls_are_refused_unless_loopback() {
        assert!(
            check_url("http://127.0.0.1:9/jwks.json").is_ok(),
            "loopback http is allowed"
        );
        assert!(
            check_url("http://localhost/jwks.json").is_ok(),
            "localhost http is allowed"
        );
        assert!(
            check_url("https://id.example/jwks.json").is_ok(),
            "https is allowed"
        );
        assert!(
            check_url("http://id.example/jwks.json").is_err(),
            "plain http to a remote host is refused"
        );
        assert!(
            check_url("http://127.0.0.1.evil.example/x").is_err(),
            "a host that only starts like loopback is refused"
        );
    }
}
