//! The one closed vocabulary of error codes. The endpoint answers with them over HTTP, the app
//! rejects IPC calls with them, the CLI prints them with `--json` and turns them into its exit
//! status, and the UI's list of codes is generated from [`ErrorCode::ALL`]. Every conversion
//! into a code is an exhaustive `match`, so a new failure cannot cross a boundary unnamed.

use serde::{Deserialize, Serialize};

/// Stable error codes. The UI and scripts branch on these, never on message text.
///
/// ```
/// use recoup_api::ErrorCode;
/// assert_eq!(ErrorCode::AlreadyClaimed.as_str(), "already_claimed");
/// assert_eq!(ErrorCode::AlreadyClaimed.http_status(), 409);
/// assert!(ErrorCode::Network.is_transient());
/// ```
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
    strum::EnumString,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ErrorCode {
    // What the endpoint answers (and the device, where the same refusal is made locally).
    /// No or wrong bearer token.
    Unauthorized,
    /// Not found (or not yours: the same answer).
    NotFound,
    /// A field is malformed or out of range.
    InvalidInput,
    /// Claim details outside the policy's bounds.
    InvalidDetails,
    /// An id was reused for a different request.
    IdempotencyConflict,
    /// Not enough credits.
    InsufficientCredits,
    /// A generation id was reused.
    GenerationExists,
    /// A claim or a hold is not in the state the request needs.
    InvalidState,
    /// The generation has already been reported (one report per generation).
    AlreadyClaimed,
    /// The generation is still running: report it once it has finished.
    GenerationNotFinished,
    /// The generation failed technically: its credits came back on their own.
    TechnicalFailure,
    /// The body is too large.
    PayloadTooLarge,
    /// Too many requests; retry after a moment.
    RateLimited,
    /// Only available on a sandbox endpoint.
    SandboxOnly,
    /// A document (policy, price list) was refused.
    InvalidDocument,
    /// Temporarily unable to answer (busy); retry.
    Unavailable,
    /// A bug; retry later.
    Internal,
    /// A valid credential of another kind for this route (an account token on a provider
    /// route, a provider key on an account or admin route, the admin token on a provider route).
    WrongCredential,
    /// The provider sent an output whose media type is not one the endpoint keeps.
    UnsupportedMediaType,
    /// The generation already failed technically: it cannot get an output now.
    AlreadyFailed,
    /// The generation already has its output: it cannot fail now.
    AlreadySucceeded,
    /// The generation already has another output (other bytes or media type).
    OutputConflict,
    /// The account was disabled by an admin: its tokens and sign-ins are refused.
    AccountDisabled,
    /// The account token is past its expiry: ask for a new one.
    TokenExpired,
    /// The account token was revoked: use the one that replaced it.
    TokenRevoked,
    /// The sign-in token (JWT) has expired (`exp`): sign in again.
    JwtExpired,
    /// The sign-in token (JWT) is not valid yet (`nbf`): check the clocks.
    JwtNotYetValid,
    /// The sign-in token (JWT) was issued by another issuer than the endpoint trusts (`iss`).
    JwtWrongIssuer,
    /// The sign-in token (JWT) is meant for another audience (`aud`).
    JwtWrongAudience,
    /// The sign-in token (JWT) names a key (`kid`) the endpoint's JWKS does not have.
    JwtUnknownKey,
    /// The sign-in token's (JWT) signature does not verify.
    JwtBadSignature,
    /// The sign-in token (JWT) uses `alg: none` or an algorithm the endpoint does not accept.
    JwtUnsupportedAlgorithm,
    /// The sign-in token (JWT) is malformed, lacks `sub`, or sign-in is not configured.
    JwtInvalid,
    /// The sign-in subject already belongs to another account.
    SubjectTaken,
    /// A policy with this version was published already: a new policy needs its own version.
    PolicyVersionTaken,
    /// The review was decided meanwhile (by another operator): the first decision stands.
    AlreadyDecided,
    /// The console session ended (signed out, expired, or idle too long): sign in again.
    SessionExpired,
    /// A console request that changes something came without its session's CSRF token.
    CsrfRejected,

    // What only the device says.
    /// The network is switched off on this device.
    Offline,
    /// The endpoint could not be reached.
    Network,
    /// The endpoint answered something that could not be read.
    BadAnswer,
    /// The device is not linked to an endpoint.
    NotLinked,
    /// The device (data dir) cannot be linked as asked (another endpoint or account).
    AlreadyLinked,
    /// The data dir has a local ledger, so it cannot become a linked replica.
    LocalLedger,
    /// The device is linked, so the endpoint does this, not the device.
    Linked,
    /// The endpoint's policy-signing key is not the pinned one.
    PolicyKeyMismatch,
    /// The stored credentials cannot be used.
    Credentials,
    /// The data folder cannot be found or created.
    DataDir,
    /// A file could not be read or written.
    File,
    /// The OS keychain failed.
    Keychain,
    /// The app is starting or switching endpoints.
    NotReady,
    /// A QA control was used while QA mode is off.
    QaModeOff,
    /// The local database failed.
    Storage,
    /// The local database is damaged or not a Recoup database.
    CorruptDatabase,
    /// The local database was written by a newer Recoup.
    DatabaseTooNew,
}

impl ErrorCode {
    /// Every code, in declaration order (the UI's list is generated from it).
    pub fn all() -> impl Iterator<Item = ErrorCode> {
        <ErrorCode as strum::IntoEnumIterator>::iter()
    }

    /// The spelling on every wire: `already_claimed`.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Whether retrying the same request later may succeed (the sync engine retries these and
    /// records the others as final answers).
    pub const fn is_transient(self) -> bool {
        matches!(
            self,
            ErrorCode::RateLimited
                | ErrorCode::Unavailable
                | ErrorCode::Internal
                | ErrorCode::Network
                | ErrorCode::NotReady
        )
    }

    /// The HTTP status the endpoint answers with. Codes only a device says never reach HTTP;
    /// they map to 500 so that one would be seen as the bug it is.
    pub const fn http_status(self) -> u16 {
        use ErrorCode as C;
        match self {
            C::Unauthorized
            | C::AccountDisabled
            | C::TokenExpired
            | C::TokenRevoked
            | C::JwtExpired
            | C::JwtNotYetValid
            | C::JwtWrongIssuer
            | C::JwtWrongAudience
            | C::JwtUnknownKey
            | C::JwtBadSignature
            | C::JwtUnsupportedAlgorithm
            | C::JwtInvalid
            | C::WrongCredential
            | C::SessionExpired => 401,
            C::NotFound => 404,
            C::InvalidInput | C::InvalidDocument => 400,
            C::InvalidDetails => 422,
            C::IdempotencyConflict
            | C::GenerationExists
            | C::InvalidState
            | C::AlreadyClaimed
            | C::GenerationNotFinished
            | C::TechnicalFailure
            | C::AlreadyFailed
            | C::AlreadySucceeded
            | C::OutputConflict
            | C::SubjectTaken
            | C::PolicyVersionTaken
            | C::AlreadyDecided => 409,
            C::UnsupportedMediaType => 415,
            C::InsufficientCredits => 402,
            C::PayloadTooLarge => 413,
            C::RateLimited => 429,
            C::SandboxOnly | C::CsrfRejected => 403,
            C::Unavailable => 503,
            C::Internal
            | C::Offline
            | C::Network
            | C::BadAnswer
            | C::NotLinked
            | C::AlreadyLinked
            | C::LocalLedger
            | C::Linked
            | C::PolicyKeyMismatch
            | C::Credentials
            | C::DataDir
            | C::File
            | C::Keychain
            | C::NotReady
            | C::QaModeOff
            | C::Storage
            | C::CorruptDatabase
            | C::DatabaseTooNew => 500,
        }
    }

    /// Whether the endpoint can answer with this code (the others are said only by a device).
    pub const fn reaches_http(self) -> bool {
        self.http_status() != 500 || matches!(self, ErrorCode::Internal)
    }

    /// Whether this is the endpoint refusing the credentials (HTTP 401): sign in again or use
    /// another token.
    pub const fn is_refused_sign_in(self) -> bool {
        self.http_status() == 401
    }

    /// The `recoup` CLI's exit status for a failure with this code: 1 refused (fix the request),
    /// 3 try again later, 4 sign in or link again, 5 the local data or files, 70 a bug.
    /// (2 is the usage error of the argument parser.)
    pub const fn exit_code(self) -> u8 {
        use ErrorCode as C;
        match self {
            C::NotFound
            | C::InvalidInput
            | C::InvalidDetails
            | C::IdempotencyConflict
            | C::InsufficientCredits
            | C::GenerationExists
            | C::InvalidState
            | C::AlreadyClaimed
            | C::GenerationNotFinished
            | C::TechnicalFailure
            | C::AlreadyFailed
            | C::AlreadySucceeded
            | C::OutputConflict
            | C::UnsupportedMediaType
            | C::PayloadTooLarge
            | C::SandboxOnly
            | C::InvalidDocument
            | C::AlreadyLinked
            | C::LocalLedger
            | C::Linked
            | C::QaModeOff
            | C::SubjectTaken
            | C::PolicyVersionTaken
            | C::AlreadyDecided
            | C::CsrfRejected => 1,
            C::RateLimited
            | C::Unavailable
            | C::Offline
            | C::Network
            | C::BadAnswer
            | C::NotReady => 3,
            C::Unauthorized
            | C::WrongCredential
            | C::AccountDisabled
            | C::TokenExpired
            | C::TokenRevoked
            | C::JwtExpired
            | C::JwtNotYetValid
            | C::JwtWrongIssuer
            | C::JwtWrongAudience
            | C::JwtUnknownKey
            | C::JwtBadSignature
            | C::JwtUnsupportedAlgorithm
            | C::JwtInvalid
            | C::SessionExpired
            | C::NotLinked
            | C::PolicyKeyMismatch
            | C::Credentials
            | C::Keychain => 4,
            C::DataDir | C::File | C::Storage | C::CorruptDatabase | C::DatabaseTooNew => 5,
            C::Internal => 70,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_spelled_the_same_by_serde_strum_and_parse() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::all() {
            assert_eq!(
                serde_json::to_value(c).unwrap(),
                c.as_str(),
                "{c:?}: serde and as_str agree"
            );
            assert_eq!(
                c.as_str().parse::<ErrorCode>().unwrap(),
                c,
                "{c:?}: the spelling parses back"
            );
            assert!(seen.insert(c.as_str()), "{c:?}: spelled once");
        }
        assert!(seen.len() >= 30, "the vocabulary is complete: {seen:?}");
    }

    #[test]
    fn http_statuses_are_error_statuses_and_exit_codes_are_not_success() {
        for c in ErrorCode::all() {
            assert!(
                (400..=599).contains(&c.http_status()),
                "{c:?}: an error status"
            );
            assert_ne!(c.exit_code(), 0, "{c:?}: a failure exit status");
            assert_ne!(c.exit_code(), 2, "{c:?}: 2 is the argument parser's");
        }
    }
}
