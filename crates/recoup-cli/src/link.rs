//! The endpoint side of the CLI: linking a data dir (`login`), the stored credentials, the sync
//! engine, and generations that run on the endpoint.
//!
//! The bearer token is kept in `<data-dir>/credentials.json`, readable by the owner only (mode
//! 0600). This is the headless stand-in for the app, which keeps the token in the operating
//! system's keychain (Keychain, Credential Manager, Secret Service, Android Keystore); the token
//! is never written to the database, to logs, or to command output.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use recoup_api::PolicyKey;
use recoup_core::Clock;
use recoup_device::fs::{Access, write_atomically};
use recoup_device::link::{self, Join};
use recoup_store::Store;
use recoup_sync::{Client, ClientError, HttpTransport, SyncEngine, SyncReport, meta};

use crate::error::CliError;

/// The credentials file's name inside the data dir.
pub const CREDENTIALS_FILE: &str = "credentials.json";

/// What `credentials.json` holds.
#[derive(Serialize, Deserialize)]
pub struct Credentials {
    /// The endpoint the token belongs to.
    pub endpoint: String,
    /// The account.
    pub account_id: String,
    /// The bearer token.
    pub token: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("endpoint", &self.endpoint)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

pub fn credentials_path(dir: &Path) -> PathBuf {
    dir.join(CREDENTIALS_FILE)
}

/// Writes the credentials readable by the owner only, atomically (the device's one write).
pub fn write_credentials(dir: &Path, c: &Credentials) -> Result<PathBuf, CliError> {
    let path = credentials_path(dir);
    let err = |source| CliError::Credentials {
        path: path.clone(),
        source,
    };
    let body = serde_json::to_vec_pretty(c).map_err(|e| err(std::io::Error::other(e)))?;
    write_atomically(&path, &body, Access::Private).map_err(err)?;
    Ok(path)
}

pub fn read_credentials(dir: &Path) -> Result<Credentials, CliError> {
    let path = credentials_path(dir);
    let bytes = std::fs::read(&path).map_err(|source| CliError::Credentials {
        path: path.clone(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| CliError::Credentials {
        path,
        source: std::io::Error::other(e),
    })
}

/// The linked endpoint's URL, or a clear refusal for an unlinked data dir.
pub fn endpoint_url(store: &Store) -> Result<String, CliError> {
    store.meta(meta::ENDPOINT_URL)?.ok_or(CliError::NotLinked)
}

fn transport(url: &str) -> Result<HttpTransport, CliError> {
    HttpTransport::new(url).map_err(|e| CliError::Client(ClientError::Transport(e)))
}

/// The sync engine of a linked data dir (the device layer's), with the token of its credentials
/// file, reading time from `device` (the device clock).
pub fn engine(
    dir: &Path,
    store: &Store,
    device: Box<dyn Clock>,
) -> Result<SyncEngine<HttpTransport>, CliError> {
    let url = endpoint_url(store)?;
    let creds = read_credentials(dir)?;
    let client = Client::new(transport(&url)?).with_token(creds.token);
    let mut engine = recoup_device::sync::engine(client, device)?;
    engine.on_progress(|p| {
        // Only long drains say where they are (on stderr, so --json stays clean).
        if p.total > 500 && p.sent > 0 {
            eprintln!("sync: {}/{} sent", p.sent, p.total);
        }
    });
    Ok(engine)
}

/// What `recoup login` did.
#[derive(Debug, Serialize)]
pub struct LoginOutcome {
    pub endpoint: String,
    pub account_id: String,
    pub created: bool,
    pub allowance_credits: Option<u64>,
    pub credentials_file: PathBuf,
    pub policy_key: String,
    pub sync: Option<SyncReport>,
    pub sync_error: Option<String>,
}

pub struct LoginRequest<'a> {
    pub endpoint: &'a str,
    pub create: bool,
    pub token: Option<String>,
    pub policy_key: Option<&'a str>,
}

/// Links the data dir (the device layer's one link flow, its token kept in the credentials
/// file), then runs a first sync.
pub fn login(
    dir: &Path,
    store: &mut Store,
    req: LoginRequest<'_>,
    device: Box<dyn Clock>,
) -> Result<LoginOutcome, CliError> {
    let url = link::endpoint_url(req.endpoint)?;
    let how = if req.create {
        Join::Create
    } else {
        Join::Token(req.token.ok_or(CliError::Input {
            field: "token",
            problem: "give --create or --token".to_owned(),
        })?)
    };
    let given_key = req
        .policy_key
        .map(|k| {
            PolicyKey::from_base64(k).map_err(|e| CliError::Input {
                field: "policy-key",
                problem: e.to_string(),
            })
        })
        .transpose()?;
    let mut credentials_file = PathBuf::new();
    let (_, linked) = link::link(
        store,
        Client::new(transport(&url)?),
        &url,
        how,
        given_key.as_ref(),
        |joined| -> Result<(), CliError> {
            credentials_file = write_credentials(
                dir,
                &Credentials {
                    endpoint: joined.url.clone(),
                    account_id: joined.account_id.clone(),
                    token: joined.token.clone(),
                },
            )?;
            Ok(())
        },
    )?;
    let (sync, sync_error) = match engine(dir, store, device)?.sync_once(store) {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(LoginOutcome {
        endpoint: linked.url,
        account_id: linked.account_id,
        created: linked.allowance_credits.is_some(),
        allowance_credits: linked.allowance_credits,
        credentials_file,
        policy_key: linked.policy_key.to_base64(),
        sync,
        sync_error,
    })
}

/// A generation run on the endpoint (the device layer's flow).
pub use recoup_device::generate::RemoteGeneration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_are_private_and_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let c = Credentials {
            endpoint: "http://127.0.0.1:1".into(),
            account_id: "a".into(),
            token: "secret-token".into(),
        };
        let path = write_credentials(dir.path(), &c).unwrap();
        // Written twice: the second write replaces the first.
        write_credentials(dir.path(), &c).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let back = read_credentials(dir.path()).unwrap();
        assert_eq!(back.token, "secret-token");
        assert!(
            !format!("{back:?}").contains("secret-token"),
            "never printed"
        );
    }
}
