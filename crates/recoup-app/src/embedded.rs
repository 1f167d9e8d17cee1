//! The sandbox endpoint inside the app (desktop): the real `recoup-server` on loopback, on its
//! own thread and runtime, with its data in `DATA_DIR/endpoint`. A newcomer's first run shows the
//! whole flow — generations, reports, decisions, refunds — with no server to set up.

use recoup_device::sentence;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use crate::error::{AppError, AppResult, ErrorCode};

/// The generator's rates a first start uses unless told otherwise.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeneratorStart {
    /// Share of generations that fail technically.
    pub failure_rate: f64,
    /// Share of successful generations with a deliberately bad output.
    pub bad_rate: f64,
}

impl Default for GeneratorStart {
    /// One generation in ten fails technically; three in ten come out deliberately bad.
    fn default() -> Self {
        Self {
            failure_rate: 0.1,
            bad_rate: 0.3,
        }
    }
}

/// A running embedded endpoint; stops when dropped.
pub struct EmbeddedEndpoint {
    addr: SocketAddr,
    admin_token: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for EmbeddedEndpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmbeddedEndpoint")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl EmbeddedEndpoint {
    /// Starts on a free loopback port with its data in `dir`.
    pub fn start(dir: &Path, generator: GeneratorStart) -> AppResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| AppError::file(dir, e))?;
        let admin_token = admin_token(dir)?;
        let config = recoup_server::Config {
            data_dir: dir.to_owned(),
            sandbox: true,
            admin_token: admin_token.clone(),
            failure_rate: generator.failure_rate,
            bad_rate: generator.bad_rate,
            // One device on loopback: the limit is there for the remote endpoint.
            rate_per_sec: 10_000,
            starting_allowance: 1_000,
        };
        let state = Arc::new(recoup_server::AppState::open(config).map_err(|e| {
            AppError::new(
                ErrorCode::Storage,
                sentence!(
                    "error-embedded-data",
                    "the embedded endpoint could not open its data in {dir}: {cause}",
                    dir = dir.display().to_string(),
                    cause = e.0.message
                ),
            )
        })?);
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("recoup-endpoint")
            .enable_all()
            .build()
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    sentence!(
                        "error-embedded-runtime",
                        "cannot start the embedded endpoint's runtime: {cause}",
                        cause = e.to_string()
                    ),
                )
            })?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .and_then(|l| Ok((l.local_addr()?, l)))
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Network,
                    sentence!(
                        "error-embedded-listen",
                        "the embedded endpoint cannot listen on loopback: {cause}",
                        cause = e.to_string()
                    ),
                )
            })?;
        let (addr, listener) = listener;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("recoup-endpoint".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    if let Err(e) = recoup_server::serve(state, listener, async {
                        let _ = rx.await;
                    })
                    .await
                    {
                        tracing::error!(error = %e, "the embedded endpoint stopped");
                    }
                });
            })
            .map_err(|e| {
                AppError::new(
                    ErrorCode::Internal,
                    sentence!(
                        "error-embedded-thread",
                        "cannot start the embedded endpoint's thread: {cause}",
                        cause = e.to_string()
                    ),
                )
            })?;
        tracing::info!(%addr, "embedded sandbox endpoint listening");
        Ok(Self {
            addr,
            admin_token,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The admin token (sandbox controls: generator rates, test clocks, publishing policies).
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }
}

impl Drop for EmbeddedEndpoint {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The endpoint's admin token: made on first start, kept in a private file in its data dir
/// (where `recoup-server` keeps it too).
fn admin_token(dir: &Path) -> AppResult<String> {
    recoup_server::admin_token_file(dir)
        .map(|(token, _)| token)
        .map_err(|e| {
            AppError::new(
                ErrorCode::File,
                sentence!(
                    "error-embedded-admin-token",
                    "the embedded endpoint's admin token: {cause}",
                    cause = e.0.message
                ),
            )
        })
}
