//! The device's one error: a code from the product's closed vocabulary
//! ([`recoup_api::ErrorCode`]) and a sentence that says what happened and what to do next. The
//! app rejects IPC calls with it (serialized as `{code, message}`), the CLI prints it and exits
//! with [`ErrorCode::exit_code`]. Every conversion into it names its code exhaustively.

use serde::{Deserialize, Serialize};

use recoup_api::ErrorCode;
use recoup_store::{StoreError, StoreErrorKind};
use recoup_sync::{ClientError, SyncError};

/// A device flow's failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message}")]
// The UI has always called it AppError; the name on the TypeScript side stays.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(rename = "AppError"))]
pub struct DeviceError {
    /// What kind of failure (scripts and the UI branch on it, never on the message).
    pub code: ErrorCode,
    /// What happened and what to do next.
    pub message: String,
}

/// A device flow's result.
pub type DeviceResult<T> = Result<T, DeviceError>;

impl DeviceError {
    /// An error with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// A refused input, naming the field.
    ///
    /// ```
    /// use recoup_device::{DeviceError, ErrorCode};
    /// let e = DeviceError::input("details", "too short");
    /// assert_eq!(e.code, ErrorCode::InvalidInput);
    /// assert_eq!(e.to_string(), "details: too short");
    /// ```
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

    /// The refusal of a flow that needs the endpoint while the network switch is off.
    pub fn offline(queued: u64) -> Self {
        SyncError::Offline { queued }.into()
    }
}

impl From<StoreError> for DeviceError {
    fn from(e: StoreError) -> Self {
        let kind = e.kind();
        let message = match kind {
            StoreErrorKind::Busy => {
                "the local database is busy with another write; try again in a moment".to_owned()
            }
            StoreErrorKind::Storage => format!(
                "the local database failed: {e}. Your data is unchanged; try again, and if it persists keep the data folder for support"
            ),
            _ => e.to_string(),
        };
        Self::new(kind.into(), message)
    }
}

impl From<SyncError> for DeviceError {
    fn from(e: SyncError) -> Self {
        let code = e.code();
        let message = match e {
            SyncError::Store(s) => return s.into(),
            SyncError::Offline { queued } => format!(
                "you are offline (the network switch is off); {queued} report(s) wait and go out when you are back online"
            ),
            SyncError::Unauthorized(a) => format!(
                "the endpoint refused this device's token ({}); link this device to the endpoint again",
                a.message
            ),
            SyncError::Config(m) => m,
        };
        Self::new(code, message)
    }
}

impl From<ClientError> for DeviceError {
    fn from(e: ClientError) -> Self {
        let message = match &e {
            ClientError::Transport(t) => format!(
                "the endpoint could not be reached ({t}); check the connection, your reports are kept and sent later"
            ),
            ClientError::Decode { .. } => format!("the endpoint's answer could not be read: {e}"),
            ClientError::Api { error, .. } => format!("the endpoint refused: {}", error.message),
        };
        Self::new(e.error_code(), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_cross_the_boundary_as_code_and_message() {
        let e = DeviceError::input("details", "too short");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "invalid_input", "message": "details: too short"}),
            "the UI branches on `code` and shows `message`"
        );
    }

    #[test]
    fn offline_says_what_waits() {
        let e: DeviceError = SyncError::Offline { queued: 3 }.into();
        assert_eq!(e.code, ErrorCode::Offline, "the offline code");
        assert!(e.message.contains("3 report(s) wait"), "{}", e.message);
    }

    #[test]
    fn every_code_survives_the_round_trip_through_the_error_body() {
        for code in ErrorCode::all() {
            let e = DeviceError::new(code, "m");
            let back: DeviceError =
                serde_json::from_value(serde_json::to_value(&e).unwrap()).unwrap();
            assert_eq!(back, e, "{code:?} crosses the IPC boundary unchanged");
        }
    }

    #[test]
    fn a_store_refusal_keeps_the_code_of_its_kind() {
        let e: DeviceError = StoreError::Busy.into();
        assert_eq!(
            e.code,
            ErrorCode::Unavailable,
            "busy is retried later: {e:?}"
        );
        assert!(e.message.contains("try again"), "{}", e.message);
    }

    #[test]
    fn an_endpoint_refusal_keeps_the_endpoints_code() {
        let e: DeviceError = ClientError::Api {
            status: 409,
            error: recoup_api::ApiError {
                code: ErrorCode::IdempotencyConflict,
                message: "reused".into(),
            },
        }
        .into();
        assert_eq!(
            e.code,
            ErrorCode::IdempotencyConflict,
            "the endpoint's code passes through: {e:?}"
        );
    }
}
