//! # recoup-server
//!
//! The authoritative endpoint. Every claim is re-checked with the same policy code the device
//! runs, against the endpoint's own clock and records; the endpoint enforces one claim per
//! generation and the safeguards, decides "clearly unusable" from the stored output, writes the
//! refund in the same transaction as the decision, and serves signed policies and each account's
//! change feed. Each account's ledger is its own Recoup store (SQLite), opened on demand.
#![deny(missing_docs)]

mod clock;
mod error;
mod routes;
mod state;
mod storage;
mod wire;

use std::sync::Arc;

pub use error::AppError;
pub use routes::ROUTES;
pub use state::{AppState, Config};

/// The service: every route with its limits and request logging.
pub fn app(state: Arc<AppState>) -> axum::Router {
    routes::router(state)
        .layer(axum::extract::DefaultBodyLimit::max(
            recoup_api::BODY_BYTES_MAX,
        ))
        .layer(axum::middleware::map_response(json_errors))
        .layer(tower_http::trace::TraceLayer::new_for_http())
}

/// axum refuses some requests itself, before a handler runs, in plain text: a body over the
/// limit (413), a path or query parameter that does not parse (400), an unknown path (404,
/// empty). They get the same `{code, message}` body as every other error. A 405 keeps axum's
/// answer (empty, with `Allow`): no error code means "wrong method".
async fn json_errors(response: axum::response::Response) -> axum::response::Response {
    use axum::http::{StatusCode, header};
    use axum::response::IntoResponse;
    use recoup_api::ErrorCode;
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let code = match response.status() {
        _ if json => return response,
        StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
        StatusCode::BAD_REQUEST => ErrorCode::InvalidInput,
        StatusCode::NOT_FOUND => ErrorCode::NotFound,
        _ => return response,
    };
    let text = axum::body::to_bytes(response.into_body(), 16 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = match code {
        ErrorCode::PayloadTooLarge => format!(
            "the request body is larger than {} bytes",
            recoup_api::BODY_BYTES_MAX
        ),
        ErrorCode::NotFound if text.is_empty() => {
            "no such route: see docs/openapi.yaml for the routes".to_owned()
        }
        _ => text,
    };
    AppError::api(code, message).into_response()
}

/// Runs blocking work (SQLite, files, the generator) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// A new random admin token.
pub fn new_admin_token() -> Result<String, AppError> {
    state::new_token("ra")
}

/// The admin token's file in an endpoint's data dir.
pub const ADMIN_TOKEN_FILE: &str = "admin-token";

/// The admin token kept in `DATA_DIR/admin-token`: read, or made (and written readable by its
/// owner only) when the file is missing or empty. Answers the token and whether it was made now.
pub fn admin_token_file(dir: &std::path::Path) -> Result<(String, bool), AppError> {
    let path = dir.join(ADMIN_TOKEN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(t) if !t.trim().is_empty() => Ok((t.trim().to_owned(), false)),
        _ => {
            let token = new_admin_token()?;
            write_secret(&path, token.as_bytes())?;
            Ok((token, true))
        }
    }
}

/// Writes a file readable by its owner only, atomically.
pub fn write_secret(path: &std::path::Path, bytes: &[u8]) -> Result<(), AppError> {
    state::write_private(path, bytes)
}
