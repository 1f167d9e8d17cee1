//! Why a command failed: [`CliError`], its code in the product's one vocabulary, and a hint.

use std::path::PathBuf;

use recoup_api::ErrorCode;
use recoup_device::DeviceError;
use recoup_store::StoreError;
use recoup_sync::{ClientError, SyncError};

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("no data directory: set --data-dir or RECOUP_DATA_DIR (HOME is not set)")]
    NoDataDir,
    #[error("invalid {field}: {problem}")]
    Input {
        field: &'static str,
        problem: String,
    },
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Client(#[from] ClientError),
    #[error("this data dir is not linked to an endpoint")]
    NotLinked,
    #[error("cannot use the credentials file {path}: {source}")]
    Credentials {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Linked(&'static str),
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("the policy file {path} was refused here, nothing was sent: {source}")]
    Document {
        path: PathBuf,
        source: recoup_core::DocumentError,
    },
    #[error("the endpoint at {endpoint} refused the admin token: {message}")]
    AdminToken { endpoint: String, message: String },
    #[error(
        "the endpoint at {endpoint} is not a sandbox: {what} works only on a sandbox endpoint (recoup-server --sandbox)"
    )]
    NotSandbox {
        endpoint: String,
        what: &'static str,
    },
    #[error("{}", admin_message(endpoint, source))]
    Admin {
        endpoint: String,
        /// The command that was refused (`webhooks remove`, `approve`, ...), for the hint.
        what: &'static str,
        source: ClientError,
    },
}

impl CliError {
    /// The code scripts branch on (`--json`) and the exit status comes from: one vocabulary with
    /// the endpoint and the app.
    pub fn code(&self) -> ErrorCode {
        match self {
            CliError::Device(e) => e.code,
            CliError::Store(e) => e.kind().into(),
            CliError::Read { .. } => ErrorCode::File,
            CliError::DataDir { .. } | CliError::NoDataDir => ErrorCode::DataDir,
            CliError::Input { .. } | CliError::Missing(_) => ErrorCode::InvalidInput,
            CliError::Sync(e) => e.code(),
            CliError::Client(e) => e.error_code(),
            CliError::NotLinked => ErrorCode::NotLinked,
            CliError::Credentials { .. } => ErrorCode::Credentials,
            CliError::Linked(_) => ErrorCode::Linked,
            CliError::Document { .. } => ErrorCode::InvalidDocument,
            CliError::AdminToken { .. } => ErrorCode::Unauthorized,
            CliError::NotSandbox { .. } => ErrorCode::SandboxOnly,
            CliError::Admin { source, .. } => source.error_code(),
        }
    }

    /// What to do next, where the message alone does not say it.
    pub fn hint(&self) -> Option<&'static str> {
        use ErrorCode as C;
        match self {
            CliError::AdminToken { .. } => {
                return Some(
                    "pass the endpoint's admin token with --admin-token or RECOUP_ADMIN_TOKEN \
                     (recoup-server takes it from its RECOUP_ADMIN_TOKEN, else writes it to DATA_DIR/admin-token)",
                );
            }
            CliError::NotSandbox { .. } => return None,
            CliError::Admin { source, what, .. } => {
                return match source.error_code() {
                    C::Network => Some("check --endpoint: no endpoint answered at that address"),
                    C::NotFound | C::InvalidState => Some(not_found_hint(what)),
                    _ => None,
                };
            }
            _ => {}
        }
        match self.code() {
            C::InsufficientCredits => Some("add credits with `recoup grant --credits 100`"),
            C::NotFound => Some("list generations with `recoup history`"),
            C::InvalidDocument => Some(
                "the policy in force was not changed; `recoup policy show --json` prints a valid document to start from",
            ),
            C::Unavailable => {
                Some("another recoup process is writing, or the endpoint is busy; try again")
            }
            C::NotLinked => Some("link this data dir with `recoup login --endpoint URL --create`"),
            C::LocalLedger => Some("use a new, empty --data-dir for the linked account"),
            C::Offline => Some("the network is switched off: `recoup network on`"),
            C::Unauthorized | C::Credentials => {
                Some("log in again: `recoup login --endpoint URL --token TOKEN`")
            }
            C::Network => Some(
                "the endpoint could not be reached; reports wait in the outbox and go out with the next `recoup sync`",
            ),
            C::PolicyKeyMismatch => {
                Some("check the key with the endpoint's operator and pass it with --policy-key")
            }
            _ => None,
        }
    }
}

/// A command's result.
pub type Result<T> = std::result::Result<T, CliError>;

/// "the endpoint at URL refused the request (HTTP 409): ..." / "the endpoint at URL: cannot connect ...".
fn admin_message(endpoint: &str, e: &ClientError) -> String {
    match e {
        ClientError::Api { status, error } => format!(
            "the endpoint at {endpoint} refused the request (HTTP {status}): {}",
            error.message
        ),
        other => format!("the endpoint at {endpoint}: {other}"),
    }
}

/// Where to find the right id after an admin command named one the endpoint does not know.
fn not_found_hint(what: &str) -> &'static str {
    let topic = what.split_whitespace().next().unwrap_or_default();
    match topic {
        "webhooks" => "list the webhooks and their ids with `recoup admin webhooks list`",
        "providers" => "list the providers and their ids with `recoup admin providers list`",
        "accounts" | "tokens" | "grant" => {
            "list the accounts and their ids with `recoup admin accounts list`"
        }
        _ => "list the claims waiting for a decision with `recoup admin reviews`",
    }
}
