//! Where the endpoint's token is kept: the operating system's keychain (macOS Keychain, Windows
//! Credential Manager, the Secret Service on Linux desktops, the Android Keystore, the iOS
//! Keychain) where one answers, else a file in
//! the profile folder readable by this user only (mode 0600), and the UI says which and why.
//! The token is never written to the database, to logs, or to the settings file.

use recoup_device::sentence;
use std::path::{Path, PathBuf};

use crate::error::{AppError, AppResult, ErrorCode};
use crate::views::TokenStorage;
use recoup_device::fs::{Access, save};

/// The keychain service name.
pub const KEYCHAIN_SERVICE: &str = "app.recoup.desktop";

/// The fallback file's name in a profile folder.
pub const TOKEN_FILE: &str = "token";

/// Keeps tokens, one per profile.
#[derive(Debug, Clone)]
pub struct Secrets {
    use_keychain: bool,
}

impl Secrets {
    /// `use_keychain: false` keeps tokens in files only (tests, or `RECOUP_NO_KEYCHAIN=1`).
    pub fn new(use_keychain: bool) -> Self {
        Self { use_keychain }
    }

    /// Stores `token` for the profile in `profile_dir` (named `profile`), and says where.
    pub fn store(&self, profile: &str, profile_dir: &Path, token: &str) -> AppResult<TokenStorage> {
        let file = profile_dir.join(TOKEN_FILE);
        let reason = match self.keychain_set(profile, token) {
            Ok(()) => {
                // The keychain has it: no copy on disk.
                if file.exists() {
                    std::fs::remove_file(&file).map_err(|e| AppError::file(&file, e))?;
                }
                return Ok(TokenStorage::Keychain);
            }
            Err(reason) => reason,
        };
        save(&file, token.as_bytes(), Access::Private)?;
        Ok(TokenStorage::File {
            path: file.display().to_string(),
            reason,
        })
    }

    /// The profile's token and where it came from.
    pub fn load(&self, profile: &str, profile_dir: &Path) -> AppResult<(String, TokenStorage)> {
        let file = profile_dir.join(TOKEN_FILE);
        let keychain = self.keychain_get(profile);
        if let Ok(Some(token)) = keychain {
            return Ok((token, TokenStorage::Keychain));
        }
        let reason = match keychain {
            Err(reason) => reason,
            _ => "the keychain holds no token for this profile".to_owned(),
        };
        match std::fs::read_to_string(&file) {
            Ok(token) => Ok((
                token.trim().to_owned(),
                TokenStorage::File {
                    path: file.display().to_string(),
                    reason,
                },
            )),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(AppError::new(
                ErrorCode::Unauthorized,
                sentence!(
                    "error-token-missing",
                    "this device's token is missing (neither in the keychain nor in the profile folder); connect to the endpoint again in Settings"
                ),
            )),
            Err(e) => Err(AppError::file(&file, e)),
        }
    }

    fn keychain_set(&self, profile: &str, token: &str) -> Result<(), String> {
        if !self.use_keychain {
            return Err(
                "the keychain is switched off for this run (RECOUP_NO_KEYCHAIN)".to_owned(),
            );
        }
        keychain::set(profile, token)
    }

    fn keychain_get(&self, profile: &str) -> Result<Option<String>, String> {
        if !self.use_keychain {
            return Err(
                "the keychain is switched off for this run (RECOUP_NO_KEYCHAIN)".to_owned(),
            );
        }
        keychain::get(profile)
    }
}

#[cfg(any(
    target_os = "linux",
    target_os = "macos",
    target_os = "windows",
    target_os = "freebsd"
))]
mod keychain {
    use super::KEYCHAIN_SERVICE;

    fn entry(profile: &str) -> Result<keyring::Entry, String> {
        keyring::Entry::new(KEYCHAIN_SERVICE, profile)
            .map_err(|e| format!("no keychain answered on this system ({e})"))
    }

    pub(super) fn set(profile: &str, token: &str) -> Result<(), String> {
        entry(profile)?
            .set_password(token)
            .map_err(|e| format!("the keychain refused to store the token ({e})"))
    }

    pub(super) fn get(profile: &str) -> Result<Option<String>, String> {
        match entry(profile)?.get_password() {
            Ok(t) => Ok(Some(t)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(format!("the keychain could not be read ({e})")),
        }
    }
}

/// Phones: the Android Keystore (a key kept in the Keystore encrypts the token, stored in the
/// app's private SharedPreferences; `android-native-keyring-store`, which finds the app's context
/// through `ndk-context`, set up by Tauri's window layer) and the iOS Keychain (data protection
/// keychain, this app's access group, not synchronised to iCloud; `apple-native-keyring-store`).
#[cfg(any(target_os = "android", target_os = "ios"))]
mod keychain {
    use std::sync::OnceLock;

    use super::KEYCHAIN_SERVICE;

    /// The platform's store, made the default once per process.
    fn ready() -> Result<(), String> {
        static READY: OnceLock<Result<(), String>> = OnceLock::new();
        READY
            .get_or_init(|| {
                #[cfg(target_os = "android")]
                let store = android_native_keyring_store::Store::new();
                #[cfg(target_os = "ios")]
                let store = apple_native_keyring_store::protected::Store::new();
                let store =
                    store.map_err(|e| format!("the platform's keystore did not open ({e})"))?;
                keyring_core::set_default_store(store);
                Ok(())
            })
            .clone()
    }

    fn entry(profile: &str) -> Result<keyring_core::Entry, String> {
        ready()?;
        keyring_core::Entry::new(KEYCHAIN_SERVICE, profile)
            .map_err(|e| format!("the platform's keystore has no entry for this profile ({e})"))
    }

    pub(super) fn set(profile: &str, token: &str) -> Result<(), String> {
        entry(profile)?
            .set_password(token)
            .map_err(|e| format!("the platform's keystore refused to store the token ({e})"))
    }

    pub(super) fn get(profile: &str) -> Result<Option<String>, String> {
        match entry(profile)?.get_password() {
            Ok(t) => Ok(Some(t)),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(format!("the platform's keystore could not be read ({e})")),
        }
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "macos",
    target_os = "windows",
    target_os = "freebsd",
    target_os = "android",
    target_os = "ios"
)))]
mod keychain {
    pub(super) fn set(_profile: &str, _token: &str) -> Result<(), String> {
        Err("this build has no keychain support on this platform".to_owned())
    }

    pub(super) fn get(_profile: &str) -> Result<Option<String>, String> {
        Err("this build has no keychain support on this platform".to_owned())
    }
}

/// The folder of a profile inside the data dir.
pub fn profile_dir(data_dir: &Path, profile: &str) -> PathBuf {
    data_dir.join("profiles").join(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_keychain_the_token_is_a_private_file_and_says_why() {
        let dir = tempfile::tempdir().unwrap();
        let s = Secrets::new(false);
        let where_ = s.store("embedded", dir.path(), "tok-123").unwrap();
        let TokenStorage::File { path, reason } = where_ else {
            panic!("expected the file fallback, got {where_:?}");
        };
        assert!(reason.contains("RECOUP_NO_KEYCHAIN"), "{reason}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by the owner only");
        }
        let (token, from) = s.load("embedded", dir.path()).unwrap();
        assert_eq!(token, "tok-123");
        assert!(matches!(from, TokenStorage::File { .. }));
    }

    #[test]
    fn a_missing_token_asks_to_connect_again() {
        let dir = tempfile::tempdir().unwrap();
        let e = Secrets::new(false).load("x", dir.path()).unwrap_err();
        assert_eq!(e.code, ErrorCode::Unauthorized);
        assert!(e.message.contains("Settings"), "{}", e.message);
    }
}
