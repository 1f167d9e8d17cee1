//! The endpoint side of the CLI: linking a data dir (`login`), the stored credentials, the sync
//! engine, and generations that run on the endpoint.
//!
//! The bearer token is kept in `<data-dir>/credentials.json`, readable by the owner only (mode
//! 0600). This is the headless stand-in for the app, which keeps the token in the operating
//! system's keychain (Keychain, Credential Manager, Secret Service, Android Keystore); the token
//! is never written to the database, to logs, or to command output.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use recoup_api::{GenerationRequest, GenerationView, PolicyKey};
use recoup_core::Clock;
use recoup_store::Store;
use recoup_sync::{
    Client, ClientError, HttpTransport, SplitMix64, SyncConfig, SyncEngine, SyncError, SyncReport,
    meta,
};

use crate::commands::CliError;

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

/// Writes the credentials readable by the owner only, atomically (temp file, fsync, rename).
pub fn write_credentials(dir: &Path, c: &Credentials) -> Result<PathBuf, CliError> {
    use std::io::Write;
    let path = credentials_path(dir);
    let tmp = dir.join(format!("{CREDENTIALS_FILE}.tmp"));
    let err = |source| CliError::Credentials {
        path: path.clone(),
        source,
    };
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp).map_err(err)?;
    let body = serde_json::to_vec_pretty(c).map_err(|e| err(std::io::Error::other(e)))?;
    file.write_all(&body).map_err(err)?;
    file.sync_all().map_err(err)?;
    drop(file);
    std::fs::rename(&tmp, &path).map_err(err)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(err)?;
    }
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

/// The sync engine of a linked data dir, reading time from `device` (the device clock).
pub fn engine(
    dir: &Path,
    store: &Store,
    device: Box<dyn Clock>,
) -> Result<SyncEngine<HttpTransport>, CliError> {
    let url = endpoint_url(store)?;
    let creds = read_credentials(dir)?;
    let client = Client::new(transport(&url)?).with_token(creds.token);
    let mut engine = SyncEngine::new(
        client,
        SyncConfig::default(),
        device,
        SplitMix64::from_entropy(),
    )?;
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

/// Links the data dir: checks it may be linked, gets or checks the token, pins the policy key,
/// stores the link, then runs a first sync.
pub fn login(
    dir: &Path,
    store: &mut Store,
    req: LoginRequest<'_>,
    device: Box<dyn Clock>,
) -> Result<LoginOutcome, CliError> {
    if recoup_sync::is_offline(store)? {
        return Err(SyncError::Offline {
            queued: store.outbox_len()?,
        }
        .into());
    }
    let url = req.endpoint.trim().trim_end_matches('/').to_owned();
    let linked_to = store.meta(meta::ENDPOINT_URL)?;
    let linked_account = store.meta(meta::ACCOUNT_ID)?;
    match &linked_to {
        Some(existing) if *existing != url => {
            return Err(CliError::AlreadyLinked {
                detail: format!("it is linked to {existing}"),
            });
        }
        Some(_) if req.create => {
            return Err(CliError::AlreadyLinked {
                detail: format!(
                    "it is linked to account {}; log in with that account's --token, or use a new --data-dir for a new account",
                    linked_account.as_deref().unwrap_or("?")
                ),
            });
        }
        Some(_) => {}
        None if store.has_ledger_entries()? => return Err(CliError::LocalLedger),
        None => {}
    }
    let client = Client::new(transport(&url)?);
    let (token, created) = if req.create {
        let c = client.create_account()?;
        (c.token.clone(), Some(c))
    } else {
        let token = req.token.ok_or(CliError::Input {
            field: "token",
            problem: "give --create or --token".to_owned(),
        })?;
        (token, None)
    };
    let client = client.with_token(token.clone());
    let view = client.account()?;
    let account_id = view.account_id.to_string();
    if linked_to.is_some() && linked_account.as_deref() != Some(account_id.as_str()) {
        return Err(CliError::AlreadyLinked {
            detail: format!(
                "it is linked to account {}, and this token is account {account_id}",
                linked_account.as_deref().unwrap_or("?")
            ),
        });
    }
    let served = client.policy_key()?;
    let key = match req.policy_key {
        Some(given) => {
            let pinned = PolicyKey::from_base64(given).map_err(|e| CliError::Input {
                field: "policy-key",
                problem: e.to_string(),
            })?;
            if pinned != served {
                return Err(CliError::KeyMismatch);
            }
            pinned
        }
        None => served,
    };
    if let Some(pinned) = store.meta(meta::POLICY_KEY)?
        && linked_to.is_some()
        && pinned != key.to_base64()
        && req.policy_key.is_none()
    {
        // A changed key on re-login is exactly what an attacker would serve: ask for it.
        return Err(CliError::KeyMismatch);
    }
    let credentials_file = write_credentials(
        dir,
        &Credentials {
            endpoint: url.clone(),
            account_id: account_id.clone(),
            token,
        },
    )?;
    store.set_meta(meta::POLICY_KEY, &key.to_base64())?;
    store.set_meta(meta::ACCOUNT_ID, &account_id)?;
    // Last: the URL is what marks the data dir as linked.
    store.set_meta(meta::ENDPOINT_URL, &url)?;
    let (sync, sync_error) = match engine(dir, store, device)?.sync_once(store) {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e.to_string())),
    };
    Ok(LoginOutcome {
        endpoint: url,
        account_id,
        created: created.is_some(),
        allowance_credits: created.map(|c| c.allowance_credits),
        credentials_file,
        policy_key: key.to_base64(),
        sync,
        sync_error,
    })
}

/// Runs a generation on the endpoint, retrying transient failures with the same id (the
/// endpoint runs it once), then pulls its ledger rows and saves its output file.
pub fn generate(
    dir: &Path,
    store: &mut Store,
    engine: &mut SyncEngine<HttpTransport>,
    req: &GenerationRequest,
) -> Result<RemoteGeneration, CliError> {
    if recoup_sync::is_offline(store)? {
        return Err(SyncError::Offline {
            queued: store.outbox_len()?,
        }
        .into());
    }
    let view: GenerationView =
        engine
            .client()
            .generate_retrying(req)
            .map_err(|e| CliError::Generation {
                id: req.generation_id.to_string(),
                source: e,
            })?;
    let mut notes = Vec::new();
    match engine.pull_only(store) {
        Ok(r) if r.errors.is_empty() => {}
        Ok(r) => notes.push(format!(
            "The ledger rows did not all arrive ({}); `recoup sync` brings them.",
            r.errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Err(e) => notes.push(format!(
            "The ledger rows did not arrive ({e}); `recoup sync` brings them."
        )),
    }
    let mut output_file = None;
    if view.output_path.is_some() {
        match engine.client().generation_output(req.generation_id) {
            Ok(out) => {
                let folder = dir.join("outputs");
                let path = folder.join(format!("{}.{}", req.generation_id, out.extension()));
                match std::fs::create_dir_all(&folder)
                    .and_then(|()| std::fs::write(&path, &out.bytes))
                {
                    Ok(()) => output_file = Some(path),
                    Err(e) => notes.push(format!("The output could not be saved: {e}.")),
                }
            }
            Err(e) => notes.push(format!("The output could not be fetched: {e}.")),
        }
    }
    Ok(RemoteGeneration {
        view,
        output_file,
        notes,
    })
}

/// A generation run on the endpoint.
pub struct RemoteGeneration {
    pub view: GenerationView,
    pub output_file: Option<PathBuf>,
    pub notes: Vec<String>,
}

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
