//! # recoup-server
//!
//! The authoritative endpoint. Every claim is re-checked with the same policy code the device
//! runs, against the endpoint's own clock and records; the endpoint enforces one claim per
//! generation and the safeguards, decides "clearly unusable" from the stored output, writes the
//! refund in the same transaction as the decision, and serves signed policies and each account's
//! change feed. Each account's ledger is its own Recoup store (SQLite), opened on demand.
#![deny(missing_docs)]

mod error;
mod registry;
mod routes;
mod state;

use std::sync::Arc;

pub use error::AppError;
pub use state::{AppState, Config};

/// The service: every route with its limits and request logging.
pub fn app(state: Arc<AppState>) -> axum::Router {
    routes::router(state)
        .layer(axum::extract::DefaultBodyLimit::max(
            recoup_api::BODY_BYTES_MAX,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
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

/// Writes a file readable by its owner only, atomically.
pub fn write_secret(path: &std::path::Path, bytes: &[u8]) -> Result<(), AppError> {
    state::write_private(path, bytes)
}
