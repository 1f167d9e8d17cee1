//! What the app remembers between runs besides the ledger: which endpoint it talks to and the
//! QA settings. One small JSON file, replaced atomically (temp file, fsync, rename), so a crash
//! never leaves half a file; an unreadable file is reported, not silently reset.

use recoup_device::sentence;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use recoup_core::{Platform, Surface};
use recoup_device::fs::Access;

use crate::error::{AppError, AppResult};
use crate::views::Faults;

/// The settings file's name in the data dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// Largest device clock offset a QA tester may set (one year), so a typo cannot overflow time.
pub const CLOCK_OFFSET_SECS_MAX: i64 = 366 * 24 * 60 * 60;

/// Longest delay a QA tester may inject per request.
pub const FAULT_DELAY_MS_MAX: u32 = 10_000;

/// Which endpoint the app uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum EndpointChoice {
    /// The sandbox endpoint inside the app.
    Embedded,
    /// An endpoint elsewhere.
    Remote {
        /// Its base URL.
        url: String,
        /// The account linked there.
        account_id: String,
    },
    /// None (mobile before the first connection).
    None,
}

/// The QA settings (the panel is a mode, off by default).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct QaSettings {
    /// QA mode on.
    pub enabled: bool,
    /// Platform for new generations.
    pub platform: Platform,
    /// Surface for new generations.
    pub surface: Surface,
    /// Device clock offset, seconds.
    pub clock_offset_secs: i64,
    /// Injected faults.
    pub faults: Faults,
}

impl Default for QaSettings {
    /// Off; the desktop app counts as `web` in the editor; no offset, no faults.
    fn default() -> Self {
        Self {
            enabled: false,
            platform: Platform::Web,
            surface: Surface::Editor,
            clock_offset_secs: 0,
            faults: Faults::default(),
        }
    }
}

impl QaSettings {
    /// Refuses values out of bounds, naming the field.
    pub fn validate(&self) -> AppResult<()> {
        if self.clock_offset_secs.abs() > CLOCK_OFFSET_SECS_MAX {
            return Err(AppError::input(
                "clock_offset_secs",
                sentence!(
                    "error-clock-offset-range",
                    "must be within ±{max} seconds (one year)",
                    max = CLOCK_OFFSET_SECS_MAX
                ),
            ));
        }
        validate_faults(&self.faults)
    }
}

/// The refusal of a rate outside 0..=1.
pub(crate) fn rate_range() -> recoup_device::Sentence {
    sentence!("error-rate-range", "must be between 0 and 1")
}

/// Refuses fault rates outside 0..=1 and delays over the bound.
pub fn validate_faults(f: &Faults) -> AppResult<()> {
    for (name, rate) in [
        ("faults.drop_rate", f.drop_rate),
        ("faults.error_rate", f.error_rate),
    ] {
        if !(0.0..=1.0).contains(&rate) {
            return Err(AppError::input(name, rate_range()));
        }
    }
    if f.delay_ms > FAULT_DELAY_MS_MAX {
        return Err(AppError::input(
            "faults.delay_ms",
            sentence!(
                "error-delay-range",
                "must be at most {max} ms",
                max = FAULT_DELAY_MS_MAX
            ),
        ));
    }
    Ok(())
}

/// The settings file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// The endpoint.
    pub endpoint: EndpointChoice,
    /// QA.
    #[serde(default)]
    pub qa: QaSettings,
    /// The language the user chose in Settings (`en`, `fr`); absent: the system's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Settings {
    /// The settings a first run starts with.
    pub fn first_run(embedded_available: bool) -> Self {
        Self {
            endpoint: if embedded_available {
                EndpointChoice::Embedded
            } else {
                EndpointChoice::None
            },
            qa: QaSettings::default(),
            language: None,
        }
    }

    /// Reads the settings, or `None` when there is no file yet.
    pub fn load(dir: &Path) -> AppResult<Option<Self>> {
        let path = dir.join(SETTINGS_FILE);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(AppError::file(&path, e)),
        };
        let settings: Settings = serde_json::from_slice(&bytes).map_err(|e| {
            AppError::file_because(
                &path,
                sentence!(
                    "error-settings-invalid",
                    "it is not valid settings ({cause}); fix or delete it to start over",
                    cause = e.to_string()
                ),
            )
        })?;
        settings.qa.validate()?;
        if let Some(l) = &settings.language {
            crate::i18n::Language::parse(l)?;
        }
        Ok(Some(settings))
    }

    /// Writes the settings atomically.
    pub fn save(&self, dir: &Path) -> AppResult<PathBuf> {
        self.qa.validate()?;
        let body = serde_json::to_vec_pretty(self).map_err(|e| {
            AppError::new(
                crate::ErrorCode::Internal,
                sentence!("error-settings-json", "{detail}", detail = e.to_string()),
            )
        })?;
        let path = dir.join(SETTINGS_FILE);
        recoup_device::fs::save(&path, &body, Access::Shared)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_round_trip_and_a_missing_file_is_a_first_run() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), None);
        let mut s = Settings::first_run(true);
        s.qa.platform = Platform::Ios;
        s.qa.clock_offset_secs = -3600;
        s.save(dir.path()).unwrap();
        assert_eq!(Settings::load(dir.path()).unwrap(), Some(s));
    }

    #[test]
    fn a_damaged_settings_file_is_reported_not_reset() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), b"{not json").unwrap();
        let e = Settings::load(dir.path()).unwrap_err();
        assert_eq!(e.code, crate::ErrorCode::File);
        assert_eq!(
            std::fs::read(dir.path().join(SETTINGS_FILE)).unwrap(),
            b"{not json",
            "the file is left as it was"
        );
    }

    #[test]
    fn out_of_bounds_qa_values_are_refused_and_nothing_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Settings::first_run(true);
        s.qa.faults.drop_rate = 1.5;
        assert_eq!(
            s.save(dir.path()).unwrap_err().code,
            crate::ErrorCode::InvalidInput
        );
        assert!(!dir.path().join(SETTINGS_FILE).exists());
        s.qa.faults.drop_rate = 0.0;
        s.qa.clock_offset_secs = CLOCK_OFFSET_SECS_MAX + 1;
        assert!(s.save(dir.path()).is_err());
    }
}
