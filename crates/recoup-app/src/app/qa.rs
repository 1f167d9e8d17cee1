//! The QA panel: its state, QA settings (platform, surface, clock offset, faults), and the
//! sandbox endpoint's controls (generator rates, the account's test clock, policy files).

use recoup_device::sentence;
use std::sync::PoisonError;
use std::sync::atomic::Ordering;
use std::time::Duration;

use recoup_core::Policy;

use super::{App, Session};
use crate::convert;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::views::{GeneratorRates, PolicyLoaded, QaState, QaUpdate};

/// How long a command waits for a sync it asked for (policy load, test clock).
const SYNC_WAIT: Duration = Duration::from_secs(30);

impl App {
    pub(super) fn qa_view(&self, s: &Session, ask_endpoint: bool) -> QaState {
        let qa = self.qa();
        let test_clock = if ask_endpoint
            && let Some(link) = &s.link
            && link.admin_token.is_some()
            && !recoup_sync::is_offline(&s.store()).unwrap_or(true)
        {
            link.client()
                .account()
                .ok()
                .map(|a| convert::time(a.server_time))
        } else {
            None
        };
        QaState {
            enabled: qa.enabled,
            platform: qa.platform,
            surface: qa.surface,
            clock_offset_secs: qa.clock_offset_secs,
            faults: qa.faults,
            generator: *s.generator.lock().unwrap_or_else(PoisonError::into_inner),
            test_clock,
        }
    }

    /// The QA panel (asks a sandbox endpoint for the account's test clock).
    pub fn qa_state(&self) -> AppResult<QaState> {
        let s = self.session()?;
        Ok(self.qa_view(&s, true))
    }

    /// Changes QA settings; refused values change nothing.
    pub fn set_qa(&self, update: &QaUpdate) -> AppResult<QaState> {
        let s = self.session()?;
        let mut next = self.qa();
        if let Some(v) = update.enabled {
            next.enabled = v;
        }
        if let Some(v) = update.platform {
            next.platform = v;
        }
        if let Some(v) = update.surface {
            next.surface = v;
        }
        if let Some(v) = update.clock_offset_secs {
            next.clock_offset_secs = v;
        }
        if let Some(v) = update.faults {
            next.faults = v;
        }
        next.validate()?;
        // Turning QA mode on or off is always allowed; the controls only while it is on.
        let controls = update.platform.is_some()
            || update.surface.is_some()
            || update.clock_offset_secs.is_some()
            || update.faults.is_some()
            || update.generator.is_some();
        if controls && !next.enabled {
            return Err(qa_mode_off());
        }
        if let Some(g) = update.generator {
            for (name, rate) in [
                ("generator.failure_rate", g.failure_rate),
                ("generator.bad_rate", g.bad_rate),
            ] {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(AppError::input(name, crate::settings::rate_range()));
                }
            }
            let admin = s.link()?.admin()?;
            let set = admin.admin_set_generator(recoup_api::GeneratorSettings {
                failure_rate: g.failure_rate,
                bad_rate: g.bad_rate,
            })?;
            *s.generator.lock().unwrap_or_else(PoisonError::into_inner) = Some(GeneratorRates {
                failure_rate: set.failure_rate,
                bad_rate: set.bad_rate,
            });
        }
        {
            let mut settings = self.settings();
            let mut saved = settings.clone();
            saved.qa = next.clone();
            saved.save(&self.config.data_dir)?;
            *settings = saved;
        }
        self.faults.set(next.faults);
        self.clock_offset_secs
            .store(next.clock_offset_secs, Ordering::Relaxed);
        Ok(self.qa_view(&s, false))
    }

    /// Moves the sandbox account's test clock forward, then syncs so the device knows.
    pub fn advance_test_clock(&self, secs: u64) -> AppResult<QaState> {
        const ADVANCE_SECS_MAX: u64 = 366 * 24 * 60 * 60;
        if secs == 0 || secs > ADVANCE_SECS_MAX {
            return Err(AppError::input(
                "secs",
                sentence!(
                    "error-advance-range",
                    "must be between 1 and {max} (one year)",
                    max = ADVANCE_SECS_MAX
                ),
            ));
        }
        if !self.qa().enabled {
            return Err(qa_mode_off());
        }
        let s = self.session()?;
        let link = s.link()?;
        let at = link.admin()?.admin_advance_clock(link.account_id, secs)?;
        if let Some(w) = &s.worker {
            w.sync_and_wait(SYNC_WAIT);
        }
        let mut view = self.qa_view(&s, false);
        view.test_clock = Some(convert::time(at));
        Ok(view)
    }

    /// Publishes a policy document to the sandbox endpoint (checked here first: a refused
    /// document changes nothing), then syncs so the device puts the signed copy in force.
    pub fn load_policy(&self, document: &str) -> AppResult<PolicyLoaded> {
        Policy::from_json(document.as_bytes()).map_err(|e| {
            AppError::new(
                ErrorCode::InvalidDocument,
                sentence!(
                    "error-policy-refused",
                    "the policy file was refused, nothing changed: {cause}",
                    cause = AppError::from(recoup_store::StoreError::Document(e))
                ),
            )
        })?;
        if !self.qa().enabled {
            return Err(qa_mode_off());
        }
        let s = self.session()?;
        let signed = s
            .link()?
            .admin()?
            .admin_publish_policy(document.as_bytes())?;
        if let Some(w) = &s.worker {
            w.sync_and_wait(SYNC_WAIT);
        }
        let device_version = s.store().policy()?.version().to_owned();
        Ok(PolicyLoaded {
            version: signed.version,
            device_version,
        })
    }
}

/// The refusal of a QA control (simulated platform, surface, clock, faults, the sandbox's
/// generator, test clock and policy files) while QA mode is off: they are for testers, and a user
/// who never turned QA mode on must not be able to change what their reports are judged by.
fn qa_mode_off() -> AppError {
    AppError::new(
        ErrorCode::QaModeOff,
        sentence!(
            "error-qa-mode-off",
            "QA mode is off: turn it on in Settings to use the QA controls; nothing was changed"
        ),
    )
}
