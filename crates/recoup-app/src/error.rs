//! The app's errors: a closed set of codes the UI can branch on, each with a sentence that says
//! what happened and what to do next. Serialized as `{code, message}` across the IPC boundary.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use recoup_store::StoreError;
use recoup_sync::{ClientError, SyncError};

/// Every code a command can fail with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    /// The request is malformed or out of bounds.
    InvalidInput,
    /// The report's details are too short or too long.
    InvalidDetails,
    /// No such generation, claim or entry.
    NotFound,
    /// The generation has already been reported.
    AlreadyClaimed,
    /// The generation is still running.
    GenerationNotFinished,
    /// The generation failed technically: its credits came back on their own.
    TechnicalFailure,
    /// Not enough credits for this generation.
    InsufficientCredits,
    /// The network is switched off.
    Offline,
    /// The endpoint could not be reached.
    Network,
    /// The endpoint refused the token.
    Unauthorized,
    /// The endpoint refused the request.
    Endpoint,
    /// Only a sandbox endpoint can do this.
    SandboxOnly,
    /// The device is not linked to an endpoint.
    NotLinked,
    /// A policy document was refused.
    InvalidDocument,
    /// The local database failed or is busy.
    Storage,
    /// A file could not be read or written.
    File,
    /// The keychain failed.
    Keychain,
    /// The app is starting or switching endpoints.
    NotReady,
    /// A bug: an invariant did not hold.
    Internal,
}

impl ErrorCode {
    /// The spelling the UI sees.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::InvalidDetails => "invalid_details",
            ErrorCode::NotFound => "not_found",
            ErrorCode::AlreadyClaimed => "already_claimed",
            ErrorCode::GenerationNotFinished => "generation_not_finished",
            ErrorCode::TechnicalFailure => "technical_failure",
            ErrorCode::InsufficientCredits => "insufficient_credits",
            ErrorCode::Offline => "offline",
            ErrorCode::Network => "network",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::Endpoint => "endpoint",
            ErrorCode::SandboxOnly => "sandbox_only",
            ErrorCode::NotLinked => "not_linked",
            ErrorCode::InvalidDocument => "invalid_document",
            ErrorCode::Storage => "storage",
            ErrorCode::File => "file",
            ErrorCode::Keychain => "keychain",
            ErrorCode::NotReady => "not_ready",
            ErrorCode::Internal => "internal",
        }
    }
}

/// A command's failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct AppError {
    /// What kind of failure.
    pub code: ErrorCode,
    /// What happened and what to do next.
    pub message: String,
}

impl AppError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A refused input, naming the field.
    pub fn input(field: &str, problem: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::InvalidInput, format!("{field}: {problem}"))
    }

    /// A file that could not be used.
    pub fn file(path: &std::path::Path, e: impl std::fmt::Display) -> Self {
        Self::new(
            ErrorCode::File,
            format!("cannot use the file {}: {e}", path.display()),
        )
    }
}

/// The app's result type.
pub type AppResult<T> = Result<T, AppError>;

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        let code = match e.code() {
            "not_found" => ErrorCode::NotFound,
            "invalid_details" => ErrorCode::InvalidDetails,
            "already_claimed" => ErrorCode::AlreadyClaimed,
            "generation_not_finished" => ErrorCode::GenerationNotFinished,
            "technical_failure_auto_refunded" => ErrorCode::TechnicalFailure,
            "insufficient_credits" => ErrorCode::InsufficientCredits,
            "invalid_document" => ErrorCode::InvalidDocument,
            "invalid_input" | "invalid_amount" | "idempotency_conflict" => ErrorCode::InvalidInput,
            "invariant_violated" => ErrorCode::Internal,
            _ => ErrorCode::Storage,
        };
        let message = match code {
            ErrorCode::Storage if e.code() == "busy" => {
                "the local database is busy with another write; try again in a moment".to_owned()
            }
            ErrorCode::Storage => format!(
                "the local database failed: {e}. Your data is unchanged; restart the app, and if it persists keep the data folder for support"
            ),
            _ => e.to_string(),
        };
        Self::new(code, message)
    }
}

impl From<SyncError> for AppError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(s) => s.into(),
            SyncError::Offline { queued } => Self::new(
                ErrorCode::Offline,
                format!(
                    "you are offline (the network switch is off); {queued} report(s) wait and go out when you are back online"
                ),
            ),
            SyncError::Unauthorized(a) => Self::new(
                ErrorCode::Unauthorized,
                format!(
                    "the endpoint refused this device's token ({}); connect again in Settings",
                    a.message
                ),
            ),
            SyncError::Config(m) => Self::new(ErrorCode::Internal, m),
        }
    }
}

impl From<ClientError> for AppError {
    fn from(e: ClientError) -> Self {
        use recoup_api::ErrorCode as C;
        match &e {
            ClientError::Transport(t) => Self::new(
                ErrorCode::Network,
                format!(
                    "the endpoint could not be reached ({t}); check the connection, your reports are kept and sent later"
                ),
            ),
            ClientError::Decode { .. } => Self::new(
                ErrorCode::Endpoint,
                format!("the endpoint's answer could not be read: {e}"),
            ),
            ClientError::Api { error, .. } => {
                let code = match error.code {
                    C::Unauthorized => ErrorCode::Unauthorized,
                    C::NotFound => ErrorCode::NotFound,
                    C::InvalidInput => ErrorCode::InvalidInput,
                    C::InvalidDetails => ErrorCode::InvalidDetails,
                    C::InsufficientCredits => ErrorCode::InsufficientCredits,
                    C::SandboxOnly => ErrorCode::SandboxOnly,
                    _ => ErrorCode::Endpoint,
                };
                Self::new(code, format!("the endpoint refused: {}", error.message))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_boundary_as_code_and_message() {
        let e = AppError::input("details", "too short");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "invalid_input", "message": "details: too short"}),
            "the UI branches on `code` and shows `message`"
        );
    }

    #[test]
    fn every_code_is_spelled_as_serde_spells_it() {
        use ErrorCode as C;
        for c in [
            C::InvalidInput,
            C::InvalidDetails,
            C::NotFound,
            C::AlreadyClaimed,
            C::GenerationNotFinished,
            C::TechnicalFailure,
            C::InsufficientCredits,
            C::Offline,
            C::Network,
            C::Unauthorized,
            C::Endpoint,
            C::SandboxOnly,
            C::NotLinked,
            C::InvalidDocument,
            C::Storage,
            C::File,
            C::Keychain,
            C::NotReady,
            C::Internal,
        ] {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str(), "{c:?}");
        }
    }

    #[test]
    fn offline_says_what_waits() {
        let e: AppError = SyncError::Offline { queued: 3 }.into();
        assert_eq!(e.code, ErrorCode::Offline);
        assert!(e.message.contains("3 report(s) wait"), "{}", e.message);
    }
}
