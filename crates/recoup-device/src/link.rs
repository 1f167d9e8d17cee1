//! Linking a device's store to an endpoint: one set of checks for the CLI's `recoup login` and
//! the app's "connect" (and its first run on the embedded sandbox).
//!
//! The flow, in the order it must happen:
//! 1. [`endpoint_url`] and [`check_linkable`]: refusals that need no request (offline, a bad
//!    address, a store linked elsewhere, a local ledger that a replica cannot keep);
//! 2. [`join`]: open a sandbox account or check a token, and read the endpoint's policy key;
//! 3. [`pin`]: the account and key checks against what the store already pinned, then the token
//!    kept by the door (a file, the keychain), then the meta in order: policy key, account, and
//!    last the URL, which is what marks the store linked (so a crash midway leaves it unlinked).
//!
//! [`link`] runs the three when the store is known before the account is (the CLI); the app
//! runs [`join`] first because its profile folder is named after the account.

use recoup_api::PolicyKey;
use recoup_store::Store;
use recoup_sync::{Client, Transport, meta};

use crate::{DeviceError, DeviceResult, ErrorCode, Sentence, ToArg, sentence};

/// How the device gets its account.
#[derive(Clone, PartialEq, Eq)]
pub enum Join {
    /// Open a new sandbox account (the endpoint answers with its token).
    Create,
    /// Use this bearer token's account.
    Token(String),
}

impl std::fmt::Debug for Join {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is never printed.
        f.write_str(match self {
            Join::Create => "Create",
            Join::Token(_) => "Token(..)",
        })
    }
}

/// What [`join`] learnt from the endpoint.
pub struct Joined {
    /// The endpoint's normalized URL.
    pub url: String,
    /// The account.
    pub account_id: String,
    /// Its bearer token (kept by the door, never logged).
    pub token: String,
    /// The allowance of a newly opened account (`None`: an existing account joined).
    pub allowance_credits: Option<u64>,
    /// The policy-signing key the endpoint serves.
    pub served_key: PolicyKey,
}

impl std::fmt::Debug for Joined {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Joined")
            .field("url", &self.url)
            .field("account_id", &self.account_id)
            .field("allowance_credits", &self.allowance_credits)
            .finish_non_exhaustive()
    }
}

impl Joined {
    /// Whether a new account was opened.
    pub fn created(&self) -> bool {
        self.allowance_credits.is_some()
    }
}

/// What [`link`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// The endpoint's normalized URL.
    pub url: String,
    /// The account.
    pub account_id: String,
    /// The allowance of a newly opened account.
    pub allowance_credits: Option<u64>,
    /// The policy-signing key now pinned.
    pub policy_key: PolicyKey,
}

/// The endpoint's address as it is stored: trimmed, without a trailing `/`, and `https://`;
/// plain `http://` only for a loopback host (127.0.0.0/8, `::1`, `localhost`), where nothing
/// crosses a network: a token sent in clear to a remote host could be read on the way.
///
/// ```
/// assert_eq!(recoup_device::link::endpoint_url(" https://e.example/ ").unwrap(), "https://e.example");
/// assert!(recoup_device::link::endpoint_url("ftp://e.example").is_err());
/// assert!(recoup_device::link::endpoint_url("http://e.example").is_err());
/// assert!(recoup_device::link::endpoint_url("http://127.0.0.1:8787").is_ok());
/// ```
pub fn endpoint_url(given: &str) -> DeviceResult<String> {
    recoup_api::secure_url(given).map_err(|refusal| match refusal {
        recoup_api::UrlRefusal::Scheme(_) | recoup_api::UrlRefusal::NotAUrl(..) => {
            DeviceError::input(
                "url",
                sentence!(
                    "error-url-https",
                    "must start with https:// (or http:// for an endpoint on this machine)"
                ),
            )
        }
        ref insecure @ recoup_api::UrlRefusal::Insecure(ref url) => DeviceError::input(
            "url",
            Sentence::new(
                "error-url-insecure",
                vec![("url", url.to_arg())],
                insecure.to_string(),
            ),
        ),
    })
}

/// The refusals that need no request: the network switch is off; the store is linked to
/// another endpoint; a new account is asked for a store already linked; an unlinked store has
/// a local ledger (a linked store mirrors the endpoint's ledger and must start empty).
pub fn check_linkable(store: &Store, url: &str, creating: bool) -> DeviceResult<()> {
    crate::sync::ensure_online(store)?;
    let linked_account = store.meta(meta::ACCOUNT_ID)?;
    match store.meta(meta::ENDPOINT_URL)? {
        Some(existing) if existing != url => Err(already_linked(sentence!(
            "error-linked-elsewhere",
            "it is linked to {url}",
            url = existing
        ))),
        Some(_) if creating => Err(already_linked(sentence!(
            "error-linked-account",
            "it is linked to account {account}; log in with that account's token, or use a new data dir for a new account",
            account = linked_account.as_deref().unwrap_or("?")
        ))),
        Some(_) => Ok(()),
        None if store.has_ledger_entries()? => Err(DeviceError::new(
            ErrorCode::LocalLedger,
            sentence!(
                "error-local-ledger",
                "this data dir already has a local ledger (made with `recoup grant`/`recoup generate` before linking); \
                 a linked data dir mirrors the endpoint's ledger and must start empty, so it was not linked"
            ),
        )),
        None => Ok(()),
    }
}

/// Opens an account or checks the token, and reads the endpoint's policy key. `client` talks to
/// `url` ([`endpoint_url`]) and has no token yet; the one answered with carries the account's.
pub fn join<T: Transport>(
    client: Client<T>,
    url: &str,
    how: Join,
) -> DeviceResult<(Client<T>, Joined)> {
    let (token, allowance_credits) = match how {
        Join::Create => {
            let created = client.create_account()?;
            (created.token, Some(created.allowance_credits))
        }
        Join::Token(token) => (token, None),
    };
    let client = client.with_token(token.clone());
    let account_id = client.account()?.account_id.to_string();
    let served_key = client.policy_key()?;
    Ok((
        client,
        Joined {
            url: url.to_owned(),
            account_id,
            token,
            allowance_credits,
            served_key,
        },
    ))
}

/// Checks `joined` against what `store` already pinned, hands the token to `keep_token`, then
/// writes the meta in order (policy key, account, URL last). `given_key` is a key the user
/// passed to pin explicitly: it must be the one served, and it is the only way to accept a key
/// that differs from the one pinned before (a changed key is exactly what an attacker serves).
pub fn pin<E: From<DeviceError>>(
    store: &mut Store,
    joined: &Joined,
    given_key: Option<&PolicyKey>,
    keep_token: impl FnOnce(&str) -> Result<(), E>,
) -> Result<PolicyKey, E> {
    let linked_account = store.meta(meta::ACCOUNT_ID).map_err(DeviceError::from)?;
    if let Some(linked) = linked_account
        && linked != joined.account_id
    {
        return Err(already_linked(sentence!(
            "error-linked-other-account",
            "it is linked to account {linked}, and this token is account {account}",
            linked = linked,
            account = joined.account_id.as_str()
        ))
        .into());
    }
    let key = match given_key {
        Some(given) if *given != joined.served_key => return Err(key_mismatch().into()),
        Some(given) => given.clone(),
        None => joined.served_key.clone(),
    };
    if let Some(pinned) = store.meta(meta::POLICY_KEY).map_err(DeviceError::from)?
        && pinned != key.to_base64()
        && given_key.is_none()
    {
        return Err(key_mismatch().into());
    }
    keep_token(&joined.token)?;
    let write = |store: &mut Store| -> DeviceResult<()> {
        store.set_meta(meta::POLICY_KEY, &key.to_base64())?;
        store.set_meta(meta::ACCOUNT_ID, &joined.account_id)?;
        // Last: the URL is what marks the store as linked.
        store.set_meta(meta::ENDPOINT_URL, &joined.url)?;
        Ok(())
    };
    write(store)?;
    Ok(key)
}

/// The whole flow for a store known before its account: [`check_linkable`], [`join`], [`pin`].
pub fn link<T: Transport, E: From<DeviceError>>(
    store: &mut Store,
    client: Client<T>,
    url: &str,
    how: Join,
    given_key: Option<&PolicyKey>,
    keep_token: impl FnOnce(&Joined) -> Result<(), E>,
) -> Result<(Client<T>, Linked), E> {
    check_linkable(store, url, how == Join::Create)?;
    let (client, joined) = join(client, url, how)?;
    let policy_key = pin(store, &joined, given_key, |_| keep_token(&joined))?;
    Ok((
        client,
        Linked {
            url: joined.url,
            account_id: joined.account_id,
            allowance_credits: joined.allowance_credits,
            policy_key,
        },
    ))
}

fn already_linked(detail: Sentence) -> DeviceError {
    DeviceError::new(
        ErrorCode::AlreadyLinked,
        sentence!(
            "error-already-linked",
            "this data dir cannot be linked as asked: {detail}",
            detail = detail
        ),
    )
}

fn key_mismatch() -> DeviceError {
    DeviceError::new(
        ErrorCode::PolicyKeyMismatch,
        sentence!(
            "error-key-mismatch",
            "the endpoint's policy-signing key is not the one expected; nothing was linked or changed"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::endpoint_url;

    #[test]
    fn a_remote_endpoint_must_be_https_and_a_loopback_one_may_be_plain_http() {
        for ok in [
            "https://recoup.example.com",
            "http://127.0.0.1:8787",
            "http://127.9.8.7",
            "http://[::1]:8080/",
            "http://localhost:3000",
            "http://LOCALHOST",
        ] {
            assert!(endpoint_url(ok).is_ok(), "{ok} is accepted");
        }
        for refused in [
            "http://recoup.example.com",
            "http://10.0.0.1:8787",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://user@example.com",
            "http://[::2]:80",
            "ftp://127.0.0.1",
        ] {
            let e = endpoint_url(refused).err();
            assert!(
                e.as_ref().is_some_and(|e| e.message.contains("https://")),
                "{refused} is refused, saying https:// is needed: {e:?}"
            );
        }
    }
}
