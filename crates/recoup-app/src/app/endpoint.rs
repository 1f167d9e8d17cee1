//! Choosing the endpoint: connecting to a remote one (pinning its policy key) or going back
//! to the embedded sandbox (the link itself is the device layer's flow).

use recoup_device::link::{self, Join};
use recoup_device::sentence;
use recoup_store::Store;
use recoup_sync::Client;

use super::{App, EMBEDDED_AVAILABLE, LEDGER_FILE};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::secrets::profile_dir;
use crate::settings::EndpointChoice;
use crate::views::{AppInfo, ConnectRequest};

impl App {
    /// Links this device to a remote endpoint (opening a sandbox account there when no token
    /// is given), keeps the token in the keychain, and switches to that profile.
    pub fn connect_endpoint(&self, req: &ConnectRequest) -> AppResult<AppInfo> {
        let url = link::endpoint_url(&req.url)?;
        let how = match req.token.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => Join::Token(t.to_owned()),
            _ => Join::Create,
        };
        let (_, joined) = link::join(Client::new(self.transport(&url)?), &url, how)?;
        let profile = profile_name(&joined.account_id)?;
        let dir = profile_dir(&self.config.data_dir, &profile);
        std::fs::create_dir_all(&dir).map_err(|e| AppError::file(&dir, e))?;
        {
            // The profile folder is the account's: its store is checked as the CLI's data dir is.
            let mut store = Store::open(&dir.join(LEDGER_FILE))?;
            link::check_linkable(&store, &url, joined.created())?;
            link::pin(&mut store, &joined, None, |token| {
                self.secrets.store(&profile, &dir, token).map(drop)
            })?;
        }
        self.switch(EndpointChoice::Remote {
            url,
            account_id: joined.account_id,
        })
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
        sentence!(
            "error-no-embedded-endpoint",
            "this build has no embedded endpoint (mobile builds connect to a remote one); connect in Settings"
        ),
    )
}

/// A profile folder's name for an account: its id, which is a UUID (checked, so it can never
/// name a path outside the data dir).
pub(super) fn profile_name(account_id: &str) -> AppResult<String> {
    account_id
        .parse::<uuid::Uuid>()
        .map(|u| u.to_string())
        .map_err(|_| {
            AppError::input(
                "account_id",
                sentence!(
                    "error-not-an-account-id",
                    "'{value}' is not an account id",
                    value = account_id
                ),
            )
        })
}
