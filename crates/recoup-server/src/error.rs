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

    /// The machine's storage failed under the endpoint (disk full, an I/O error, no file
    /// descriptor left): logged in full for the operator, answered as a temporary
    /// unavailability, since nothing was written and the same request can be sent again.
    pub fn storage_fault(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "storage fault: free disk space or fix the disk; requests are refused meanwhile");
        Self::api(
            ErrorCode::Unavailable,
            "the endpoint cannot store data right now; nothing was written: try again later",
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

/// Takes a lock, recovering it if a panic poisoned it. A poisoned lock only means a thread
/// panicked while holding it; what the endpoint's locks guard stays consistent through that:
/// an account's store and the registry write every change in one SQLite transaction (rolled
/// back when a panic drops it half-way), and the in-memory maps are caches and counters. So
/// the next request goes on; answering 500 would lock the account out until a restart.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> Result<std::sync::MutexGuard<'_, T>, AppError> {
    Ok(m.lock().unwrap_or_else(|poisoned| {
        tracing::warn!("a lock poisoned by an earlier panic was recovered");
        m.clear_poison();
        poisoned.into_inner()
    }))
}

/// Reads an `RwLock`, recovering it if a panic poisoned it: its values are replaced whole,
/// never left half-written (see [`lock`]).
pub(crate) fn read<T>(l: &std::sync::RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|poisoned| {
        l.clear_poison();
        poisoned.into_inner()
    })
}

/// Writes an `RwLock`, recovering it if a panic poisoned it (see [`read`]).
pub(crate) fn write<T>(l: &std::sync::RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|poisoned| {
        l.clear_poison();
        poisoned.into_inner()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::lock;

    #[test]
    fn a_panic_while_an_accounts_lock_is_held_does_not_answer_500_until_restart() {
        let store = Arc::new(Mutex::new(1_u32));
        let held = Arc::clone(&store);
        let panicked = std::thread::spawn(move || {
            let _guard = held.lock().expect("not poisoned yet");
            panic!("a handler fails while it holds the account's lock");
        })
        .join();
        assert!(panicked.is_err(), "the thread panicked");
        assert!(store.is_poisoned(), "the panic poisoned the lock");
        let value = lock(&store).map(|g| *g).ok();
        assert_eq!(value, Some(1), "the next request gets the lock, not a 500");
        assert!(
            !store.is_poisoned(),
            "the lock is healthy again for the requests after it"
        );
    }
}
