//! # recoup-server
//!
//! The authoritative endpoint. Every claim is re-checked with the same policy code the device
//! runs, against the endpoint's own clock and records; the endpoint enforces one claim per
//! generation and the safeguards, decides "clearly unusable" from the stored output, writes the
//! refund in the same transaction as the decision, and serves signed policies and each account's
//! change feed. Each account's ledger is its own Recoup store (SQLite), opened on demand.
#![deny(missing_docs)]

mod clock;
pub mod credentials;
mod error;
pub mod http_client;
mod limits;
mod metrics;
mod routes;
pub mod signin;
mod state;
mod storage;
mod webhooks;
mod wire;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;

pub use error::AppError;
pub use limits::{
    AUTH_FAILURES_BURST, AUTH_FAILURES_PER_SEC, BLOCKING_THREADS_MAX, CONNECTIONS_MAX,
    HEADER_READ_TIMEOUT_SECS, REQUEST_TIMEOUT_SECS, SANDBOX_ACCOUNTS_BURST,
    SANDBOX_ACCOUNTS_PER_IP_BURST, SANDBOX_ACCOUNTS_PER_IP_PER_MIN, SANDBOX_ACCOUNTS_PER_MIN,
};
pub use routes::ROUTES;
pub use state::{AppState, Config, Database};
pub use webhooks::{CURSOR_SAVE_EVERY, DELIVERY_TASKS_MAX, WebhookSettings};

/// The service: every route with its limits and request logging.
pub fn app(state: Arc<AppState>) -> axum::Router {
    routes::router(Arc::clone(&state))
        .layer(axum::extract::DefaultBodyLimit::max(
            recoup_api::BODY_BYTES_MAX,
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            limits::auth_failures,
        ))
        // A request (its body included) that takes longer than this is answered 408, so a
        // client trickling its body cannot hold a connection and a worker forever. Flows that
        // must not be cut in half run as tasks of their own (`routes::run_to_end`).
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(REQUEST_TIMEOUT_SECS),
        ))
        .layer(axum::middleware::map_response(json_errors))
        .layer(axum::middleware::from_fn(close_after_refused_body))
        // Outside the layers that answer for themselves (408, the JSON errors), so every
        // request is counted with the status it was answered; `Router::layer` wraps each route,
        // so the matched route pattern is known here.
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&state),
            metrics::record,
        ))
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
        StatusCode::REQUEST_TIMEOUT => {
            // No code of its own in the closed set: `unavailable` ("retry later") is what a
            // client should do, and the status says why.
            let mut answer = AppError::api(
                ErrorCode::Unavailable,
                format!("the request took longer than {REQUEST_TIMEOUT_SECS} s; retry"),
            )
            .into_response();
            *answer.status_mut() = StatusCode::REQUEST_TIMEOUT;
            return answer;
        }
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

/// An error answer to a request that carried a body says `Connection: close`. The body may not
/// have been read (a refused credential is answered before it, on purpose), and then hyper
/// cannot reuse the connection: without the header a client would put it back in its pool and
/// its next request would meet a closed socket ("peer disconnected", seen in a test).
async fn close_after_refused_body(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let has_body = req.headers().contains_key(header::TRANSFER_ENCODING)
        || req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0");
    let mut response = next.run(req).await;
    let status = response.status();
    if has_body && (status.is_client_error() || status.is_server_error()) {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Runs blocking work (SQLite, files, the generator) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::internal(format!("worker failed: {e}")))?
}

/// Serves until `shutdown` resolves, then waits for the open connections to finish (at most
/// [`REQUEST_TIMEOUT_SECS`]).
///
/// The accept loop is hyper's own rather than `axum::serve`, which has no header-read timeout
/// and no connection cap: at most [`CONNECTIONS_MAX`] connections are served at once (the next
/// waits in the listen backlog), and a connection that has not sent a whole request head within
/// [`HEADER_READ_TIMEOUT_SECS`] (a new one, or an idle keep-alive one) is closed. Each request
/// carries the peer's address (`ConnectInfo<SocketAddr>`) for the per-address limits.
pub async fn serve(
    state: Arc<AppState>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    // The webhook dispatcher runs as long as the runtime does (it only reads what is
    // committed, so stopping it anywhere loses nothing).
    tokio::spawn(webhooks::dispatch(Arc::clone(&state)));
    let app = app(state);
    let connections = Arc::new(tokio::sync::Semaphore::new(CONNECTIONS_MAX));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(HEADER_READ_TIMEOUT_SECS));
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(HEADER_READ_TIMEOUT_SECS))
        .keep_alive_timeout(Duration::from_secs(HEADER_READ_TIMEOUT_SECS));
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&connections).acquire_owned() => match permit {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut()
                    .insert(ConnectInfo::<SocketAddr>(remote));
                tower::ServiceExt::oneshot(app.clone(), req)
            });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            // hyper's version detection (HTTP/1 or HTTP/2) waits for the first bytes before its
            // header-read timeout starts: a connection that sends nothing is cut here instead.
            let header_read = Duration::from_secs(HEADER_READ_TIMEOUT_SECS);
            // `peek` waits for a byte (or the end), unlike `readable`, which may wake spuriously.
            let mut first = [0u8; 1];
            if tokio::time::timeout(header_read, stream.peek(&mut first))
                .await
                .is_err()
            {
                tracing::debug!(%remote, "connection closed: nothing sent");
                return;
            }
            let conn = builder
                .serve_connection_with_upgrades(TokioIo::new(stream), service)
                .into_owned();
            let conn = watcher.watch(conn);
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %remote, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    if tokio::time::timeout(
        Duration::from_secs(REQUEST_TIMEOUT_SECS),
        graceful.shutdown(),
    )
    .await
    .is_err()
    {
        tracing::warn!("connections still open at shutdown were dropped");
    }
    Ok(())
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
