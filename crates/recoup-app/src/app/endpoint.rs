//! Choosing the endpoint: connecting to a remote one (pinning its policy key) or going back
//! to the embedded sandbox, and the helpers that link a profile's store to an endpoint.

use std::sync::Arc;

use recoup_api::PolicyKey;
use recoup_store::Store;
use recoup_sync::{Client, meta};

use super::{App, EMBEDDED_AVAILABLE, LEDGER_FILE};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::secrets::profile_dir;
use crate::settings::EndpointChoice;
use crate::views::{AppInfo, ConnectRequest};

impl App {
    /// Links this device to a remote endpoint (opening a sandbox account there when no token
    /// is given), keeps the token in the keychain, and switches to that profile.
    pub fn connect_endpoint(&self, req: &ConnectRequest) -> AppResult<AppInfo> {
        let url = req.url.trim().trim_end_matches('/').to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(AppError::input(
                "url",
                "must start with https:// (or http:// for a local endpoint)",
            ));
        }
        let transport = self.transport(&url)?;
        let client = Client::new(Arc::clone(&transport));
        let token = match req.token.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => t.to_owned(),
            _ => client.create_account()?.token,
        };
        let client = client.with_token(token.clone());
        let account = client.account()?;
        let key = client.policy_key()?;
        let account_id = account.account_id.to_string();
        let profile = profile_name(&account_id)?;
        let dir = profile_dir(&self.config.data_dir, &profile);
        std::fs::create_dir_all(&dir).map_err(|e| AppError::file(&dir, e))?;
        {
            let mut store = Store::open(&dir.join(LEDGER_FILE))?;
            if let Some(pinned) = store.meta(meta::POLICY_KEY)?
                && pinned != key.to_base64()
            {
                return Err(AppError::new(
                    ErrorCode::PolicyKeyMismatch,
                    "this endpoint's policy-signing key is not the one this device pinned for the account; nothing was changed. Check the address with the endpoint's operator",
                ));
            }
            link_store(&mut store, &url, &account_id, &key)?;
        }
        self.secrets.store(&profile, &dir, &token)?;
        self.switch(EndpointChoice::Remote { url, account_id })
    }

    /// Switches back to the sandbox endpoint inside the app.
    pub fn use_embedded_endpoint(&self) -> AppResult<AppInfo> {
        if !EMBEDDED_AVAILABLE {
            return Err(no_embedded_endpoint());
        }
        self.switch(EndpointChoice::Embedded)
    }
}

pub(super) fn no_embedded_endpoint() -> AppError {
    AppError::new(
        ErrorCode::InvalidInput,
        "this build has no embedded endpoint (mobile builds connect to a remote one); connect in Settings",
    )
}

/// Marks `store` as linked: the pinned key, the account, then the URL (what marks it linked).
pub(super) fn link_store(
    store: &mut Store,
    url: &str,
    account_id: &str,
    key: &PolicyKey,
) -> AppResult<()> {
    if let Some(linked) = store.meta(meta::ACCOUNT_ID)?
        && linked != account_id
    {
        return Err(AppError::new(
            ErrorCode::InvalidInput,
            format!("this profile belongs to account {linked}, not {account_id}"),
        ));
    }
    store.set_meta(meta::POLICY_KEY, &key.to_base64())?;
    store.set_meta(meta::ACCOUNT_ID, account_id)?;
    store.set_meta(meta::ENDPOINT_URL, url)?;
    Ok(())
}

/// A profile folder's name for an account: its id, which is a UUID (checked, so it can never
/// name a path outside the data dir).
pub(super) fn profile_name(account_id: &str) -> AppResult<String> {
    account_id
        .parse::<uuid::Uuid>()
        .map(|u| u.to_string())
        .map_err(|_| AppError::input("account_id", format!("'{account_id}' is not an account id")))
}
