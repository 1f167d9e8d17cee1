//! Errors at the HTTP boundary: always `{code, message}` with a closed set of codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use recoup_api::{ApiError, ErrorCode};

/// An error answer. Made from the ledger's errors in `crate::wire`, from SQLite's in
/// the SQLite engine (`storage/registry.rs`).
#[derive(Debug)]
pub struct AppError(pub ApiError);

impl AppError {
    /// An error with a code and a message for a person.
    pub fn api(code: ErrorCode, message: impl Into<String>) -> Self {
        Self(ApiError::new(code, message))
    }

    /// A failure of the endpoint itself: logged in full, answered without details.
    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        tracing::error!(%message, "internal error");
        Self::api(
            ErrorCode::Internal,
            "the endpoint failed to answer; try again later",
        )
    }

    /// No or unknown token.
    pub fn unauthorized() -> Self {
        Self::api(
            ErrorCode::Unauthorized,
            "missing or unknown bearer token: send 'Authorization: Bearer <token>'",
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, axum::Json(self.0)).into_response();
        if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

/// A poisoned lock means a handler panicked while holding it: answer 500, never panic again.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, AppError> {
    m.lock()
        .map_err(|_| AppError::internal("a lock was poisoned by an earlier failure"))
}
