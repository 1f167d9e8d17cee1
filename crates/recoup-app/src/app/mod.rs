//! [`App`]: the device as the UI sees it. Each method is one command: it converts its input,
//! calls the store, the sync engine or the endpoint client, and answers with a view.
//!
//! This file holds the app itself: [`App`], [`AppConfig`], [`EventSink`], [`Link`], the
//! profile `Session`, start-up, switching endpoints, shutdown and the clocks. The commands
//! live beside it, one file per screen or area, each with its own `impl App` block:
//!
//! - `balance`: the balance screen and the balance summary events carry.
//! - `history`: the history, one generation, generating, and the outputs cache.
//! - `claims`: checking and submitting a "Bad result" report.
//! - `ledger`: the ledger page and its CSV export.
//! - `sync`: the sync screen, "sync now", quarantined reports and the network switch.
//! - `qa`: the QA panel (settings, generator rates, test clock, policy files).
//! - `endpoint`: connecting to an endpoint, and linking a profile's store to one.

mod balance;
mod claims;
mod endpoint;
mod history;
mod ledger;
mod qa;
mod sync;

pub use balance::balance_summary;
pub use sync::sync_status;

use recoup_device::sentence;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use recoup_core::Timestamp;

use recoup_core::{OffsetClock, SystemClock};
use recoup_store::Store;
use recoup_sync::{Client, HttpTransport, meta};

use crate::convert;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::faults::{FaultSwitch, FaultyTransport};
use crate::i18n::{Language, Messages, SharedLanguage};
use crate::secrets::{Secrets, profile_dir};
use crate::settings::{EndpointChoice, QaSettings, Settings};
use crate::views::{AppEvent, AppInfo, EndpointMode, EndpointView, GeneratorRates, TokenStorage};
use crate::worker::{self, LiveStatus, SharedStatus, Worker, WorkerContext};
use endpoint::profile_name;
use recoup_device::link::{self, Join};

/// Whether this build runs the embedded sandbox endpoint.
pub const EMBEDDED_AVAILABLE: bool = cfg!(feature = "embedded-endpoint");

/// The profile name of the embedded endpoint's account.
const EMBEDDED_PROFILE: &str = "embedded";

/// The database file in a profile folder.
const LEDGER_FILE: &str = "ledger.sqlite3";

/// Where the UI's events go (the shell emits them as Tauri events).
pub trait EventSink: Send + Sync + 'static {
    /// Delivers one event.
    fn emit(&self, event: &AppEvent);
}

/// How the app starts.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Where everything lives (settings, profiles, the embedded endpoint's data).
    pub data_dir: PathBuf,
    /// Keep tokens in the OS keychain where one answers (off: a private file).
    pub use_keychain: bool,
    /// The embedded endpoint generator's rates on its first start.
    pub generator_failure_rate: f64,
    /// Share of deliberately bad outputs on the embedded endpoint's first start.
    pub generator_bad_rate: f64,
    /// Time between background syncs when idle.
    pub sync_interval: Duration,
}

impl AppConfig {
    /// Defaults for `data_dir`: keychain on, generator 10 % failures / 30 % bad, 20 s idle sync.
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            use_keychain: true,
            generator_failure_rate: 0.1,
            generator_bad_rate: 0.3,
            sync_interval: worker::IDLE_SYNC_INTERVAL,
        }
    }
}

/// The endpoint a profile talks to.
#[derive(Clone)]
pub struct Link {
    /// Its base URL.
    pub url: String,
    /// The linked account.
    pub account_id: uuid::Uuid,
    /// The HTTP transport with the QA faults in front.
    pub transport: Arc<FaultyTransport<HttpTransport>>,
    /// The bearer token (never logged or shown).
    pub token: String,
    /// The admin token, for the embedded sandbox's QA controls.
    pub admin_token: Option<String>,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("url", &self.url)
            .field("account_id", &self.account_id)
            .finish_non_exhaustive()
    }
}

impl Link {
    fn client(&self) -> Client<Arc<FaultyTransport<HttpTransport>>> {
        Client::new(Arc::clone(&self.transport)).with_token(self.token.clone())
    }

    fn admin(&self) -> AppResult<Client<Arc<FaultyTransport<HttpTransport>>>> {
        let token = self.admin_token.clone().ok_or_else(|| {
            AppError::new(
                ErrorCode::SandboxOnly,
                sentence!(
                    "error-sandbox-only",
                    "only the sandbox endpoint inside the app takes QA controls (generator rates, test clock, policy files); switch to it in Settings"
                ),
            )
        })?;
        Ok(Client::new(Arc::clone(&self.transport)).with_token(token))
    }
}

/// One profile: its store, its endpoint and its background sync.
struct Session {
    endpoint: EndpointChoice,
    /// The profile's folder (its ledger, its token file, its cached outputs).
    dir: PathBuf,
    store: Mutex<Store>,
    link: Option<Link>,
    token_storage: TokenStorage,
    status: SharedStatus,
    worker: Option<Worker>,
    generator: Mutex<Option<GeneratorRates>>,
}

impl Session {
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn link(&self) -> AppResult<&Link> {
        self.link.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorCode::NotLinked,
                sentence!(
                    "error-not-linked",
                    "this device is not connected to an endpoint; connect in Settings (everything on this device keeps working meanwhile)"
                ),
            )
        })
    }

    fn wake(&self) {
        if let Some(w) = &self.worker {
            w.wake();
        }
    }
}

/// The app: settings, the current profile, and (desktop) the embedded endpoint.
pub struct App {
    config: AppConfig,
    sink: Arc<dyn EventSink>,
    secrets: Secrets,
    faults: FaultSwitch,
    clock_offset_secs: Arc<AtomicI64>,
    settings: Mutex<Settings>,
    language: SharedLanguage,
    session: RwLock<Option<Arc<Session>>>,
    #[cfg(feature = "embedded-endpoint")]
    embedded: Mutex<Option<crate::embedded::EmbeddedEndpoint>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("data_dir", &self.config.data_dir)
            .finish_non_exhaustive()
    }
}

impl App {
    /// Opens the data dir (creating it), starts the embedded endpoint when it is the one in use
    /// (opening a sandbox account on the first run), and starts the background sync.
    pub fn start(config: AppConfig, sink: Arc<dyn EventSink>) -> AppResult<Self> {
        let dir = &config.data_dir;
        std::fs::create_dir_all(dir).map_err(|e| {
            AppError::file_because(
                dir,
                sentence!(
                    "error-data-folder",
                    "cannot create the data folder: {cause}",
                    cause = e.to_string()
                ),
            )
        })?;
        let settings = match Settings::load(dir)? {
            Some(s) => s,
            None => {
                let s = Settings::first_run(EMBEDDED_AVAILABLE);
                s.save(dir)?;
                s
            }
        };
        let faults = FaultSwitch::default();
        faults.set(settings.qa.faults);
        let app = Self {
            secrets: Secrets::new(config.use_keychain),
            clock_offset_secs: Arc::new(AtomicI64::new(settings.qa.clock_offset_secs)),
            faults,
            language: SharedLanguage::new(Language::resolve(settings.language.as_deref())),
            settings: Mutex::new(settings.clone()),
            session: RwLock::new(None),
            sink,
            config,
            #[cfg(feature = "embedded-endpoint")]
            embedded: Mutex::new(None),
        };
        let session = app.open_session(&settings.endpoint)?;
        *app.session.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(session));
        tracing::info!(
            "Recoup {} started; its data is in {}",
            env!("CARGO_PKG_VERSION"),
            app.config.data_dir.display()
        );
        Ok(app)
    }

    fn session(&self) -> AppResult<Arc<Session>> {
        self.session
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| {
                AppError::new(
                    ErrorCode::NotReady,
                    sentence!(
                        "error-switching",
                        "the app is switching endpoints; try again in a moment"
                    ),
                )
            })
    }

    fn settings(&self) -> MutexGuard<'_, Settings> {
        self.settings.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn qa(&self) -> QaSettings {
        self.settings().qa.clone()
    }

    /// The device clock (system clock moved by the QA offset).
    fn device_clock(&self) -> OffsetClock<SystemClock> {
        worker::device_clock(self.clock_offset_secs.load(Ordering::Relaxed))
    }

    /// The device clock corrected by the offset measured against the endpoint: what local
    /// policy checks use.
    fn now(&self, store: &Store) -> AppResult<Timestamp> {
        recoup_device::sync::now(store, self.device_clock())
    }

    fn transport(&self, url: &str) -> AppResult<Arc<FaultyTransport<HttpTransport>>> {
        let http = HttpTransport::new(url).map_err(|e| {
            AppError::input(
                "url",
                sentence!(
                    "error-unusable-url",
                    "'{url}' is not a usable endpoint address ({cause})",
                    url = url,
                    cause = e.to_string()
                ),
            )
        })?;
        Ok(Arc::new(FaultyTransport::new(http, self.faults.clone())))
    }

    fn open_session(&self, endpoint: &EndpointChoice) -> AppResult<Session> {
        let (profile, url, admin_token) = match endpoint {
            EndpointChoice::Embedded => {
                let (url, admin) = self.embedded_endpoint()?;
                (EMBEDDED_PROFILE.to_owned(), Some(url), Some(admin))
            }
            EndpointChoice::Remote { url, account_id } => {
                (profile_name(account_id)?, Some(url.clone()), None)
            }
            EndpointChoice::None => ("local".to_owned(), None, None),
        };
        let dir = profile_dir(&self.config.data_dir, &profile);
        std::fs::create_dir_all(&dir).map_err(|e| AppError::file(&dir, e))?;
        let store_path = dir.join(LEDGER_FILE);
        let mut store = Store::open(&store_path)?;
        let status: SharedStatus = Arc::new(Mutex::new(LiveStatus::default()));
        let (link, token_storage) = match url {
            None => (None, TokenStorage::None),
            Some(url) => {
                let transport = self.transport(&url)?;
                let (token, storage) = if matches!(endpoint, EndpointChoice::Embedded)
                    && store.meta(meta::ACCOUNT_ID)?.is_none()
                {
                    self.open_sandbox_account(&mut store, &dir, &profile, &url, &transport)?
                } else {
                    self.secrets.load(&profile, &dir)?
                };
                // The embedded endpoint listens on a new port each run.
                store.set_meta(meta::ENDPOINT_URL, &url)?;
                let account_id = store
                    .meta(meta::ACCOUNT_ID)?
                    .and_then(|a| a.parse::<uuid::Uuid>().ok())
                    .ok_or_else(|| {
                        AppError::new(
                            ErrorCode::NotLinked,
                            sentence!(
                                "error-no-account",
                                "this profile has no account; connect to the endpoint again in Settings"
                            ),
                        )
                    })?;
                (
                    Some(Link {
                        url,
                        account_id,
                        transport,
                        token,
                        admin_token: admin_token.clone(),
                    }),
                    storage,
                )
            }
        };
        let worker = match &link {
            Some(link) => Some(Worker::spawn(WorkerContext {
                store_path,
                link: link.clone(),
                clock_offset_secs: Arc::clone(&self.clock_offset_secs),
                status: Arc::clone(&status),
                sink: Arc::clone(&self.sink),
                interval: self.config.sync_interval,
                language: self.language.clone(),
            })?),
            None => None,
        };
        let generator = admin_token.as_ref().map(|_| GeneratorRates {
            failure_rate: self.config.generator_failure_rate,
            bad_rate: self.config.generator_bad_rate,
        });
        Ok(Session {
            endpoint: endpoint.clone(),
            dir,
            store: Mutex::new(store),
            link,
            token_storage,
            status,
            worker,
            generator: Mutex::new(generator),
        })
    }

    /// First run on the embedded endpoint: a sandbox account, its token kept safe, the
    /// endpoint's policy key pinned.
    fn open_sandbox_account(
        &self,
        store: &mut Store,
        dir: &Path,
        profile: &str,
        url: &str,
        transport: &Arc<FaultyTransport<HttpTransport>>,
    ) -> AppResult<(String, TokenStorage)> {
        let client = Client::new(Arc::clone(transport));
        let (_, joined) = link::join(client, url, Join::Create)?;
        link::check_linkable(store, url, true)?;
        let mut storage = TokenStorage::None;
        link::pin(store, &joined, None, |token| -> AppResult<()> {
            storage = self.secrets.store(profile, dir, token)?;
            Ok(())
        })?;
        Ok((joined.token, storage))
    }

    #[cfg(feature = "embedded-endpoint")]
    fn embedded_endpoint(&self) -> AppResult<(String, String)> {
        let mut slot = self.embedded.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some(crate::embedded::EmbeddedEndpoint::start(
                &self.config.data_dir.join("endpoint"),
                crate::embedded::GeneratorStart {
                    failure_rate: self.config.generator_failure_rate,
                    bad_rate: self.config.generator_bad_rate,
                },
            )?);
        }
        let e = slot.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorCode::Internal,
                sentence!(
                    "error-embedded-not-started",
                    "the embedded endpoint did not start"
                ),
            )
        })?;
        Ok((e.url(), e.admin_token().to_owned()))
    }

    #[cfg(not(feature = "embedded-endpoint"))]
    fn embedded_endpoint(&self) -> AppResult<(String, String)> {
        Err(endpoint::no_embedded_endpoint())
    }

    /// Closes the current profile (its sync finishes first) and opens `endpoint`'s.
    fn switch(&self, endpoint: EndpointChoice) -> AppResult<AppInfo> {
        let old = self
            .session
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        drop(old);
        #[cfg(feature = "embedded-endpoint")]
        if !matches!(endpoint, EndpointChoice::Embedded) {
            // Not in use any more: stop it.
            self.embedded
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .take();
        }
        let opened = self.open_session(&endpoint);
        let session = match opened {
            Ok(s) => s,
            Err(e) => {
                // Put the previous profile back so the app keeps working.
                let previous = self.settings().endpoint.clone();
                let back = self.open_session(&previous)?;
                *self.session.write().unwrap_or_else(PoisonError::into_inner) =
                    Some(Arc::new(back));
                return Err(e);
            }
        };
        {
            let mut s = self.settings();
            s.endpoint = endpoint;
            s.save(&self.config.data_dir)?;
        }
        *self.session.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(session));
        self.app_info()
    }

    /// What the app knows about itself.
    pub fn app_info(&self) -> AppResult<AppInfo> {
        let s = self.session()?;
        let policy = s.store().policy()?;
        let choice = self.settings().language.clone();
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.config.data_dir.display().to_string(),
            endpoint: self.endpoint_view(&s),
            qa: self.qa_view(&s, false),
            catalog: convert::catalog(&policy, self.messages()),
            policy_version: policy.version().to_owned(),
            language: self.language().as_str().to_owned(),
            language_choice: choice,
            system_language: Language::system().as_str().to_owned(),
        })
    }

    /// The language in force: the one chosen in Settings, else the system's (as resolved when
    /// the app started or the choice changed).
    pub fn language(&self) -> Language {
        self.language.get()
    }

    /// `answer` as the UI receives it: an error's sentence in the language in force, its code
    /// unchanged. The shell passes every command's answer through it (the one place an error
    /// is put in the user's language).
    pub fn answer<T>(&self, answer: AppResult<T>) -> AppResult<T> {
        answer.map_err(|e| self.messages().error(e))
    }

    /// The core's messages in the language in force.
    pub fn messages(&self) -> &'static Messages {
        self.language.messages()
    }

    /// Chooses the app's language (`en`, `fr`), or `None` to follow the system's; saved with the
    /// settings. An unknown language is refused and changes nothing.
    pub fn set_language(&self, choice: Option<&str>) -> AppResult<AppInfo> {
        let choice = choice.map(Language::parse).transpose()?;
        {
            let mut settings = self.settings();
            let mut next = settings.clone();
            next.language = choice.map(|l| l.as_str().to_owned());
            next.save(&self.config.data_dir)?;
            *settings = next;
        }
        self.language.set(choice.unwrap_or_else(Language::system));
        tracing::info!(
            language = choice.map_or("system", Language::as_str),
            "language chosen"
        );
        self.app_info()
    }

    fn endpoint_view(&self, s: &Session) -> EndpointView {
        EndpointView {
            mode: match s.endpoint {
                EndpointChoice::Embedded => EndpointMode::Embedded,
                EndpointChoice::Remote { .. } => EndpointMode::Remote,
                EndpointChoice::None => EndpointMode::None,
            },
            url: s.link.as_ref().map(|l| l.url.clone()),
            account_id: s.link.as_ref().map(|l| l.account_id.to_string()),
            sandbox: s.link.as_ref().is_some_and(|l| l.admin_token.is_some()),
            token_storage: s.token_storage.clone(),
            embedded_available: EMBEDDED_AVAILABLE,
        }
    }

    /// Stops the background sync and the embedded endpoint (the app is closing).
    pub fn shutdown(&self) {
        self.session
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        #[cfg(feature = "embedded-endpoint")]
        self.embedded
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    /// Waits until a sync has run after this call (tests and benchmarks).
    pub fn sync_and_wait(&self, timeout: Duration) -> AppResult<bool> {
        let s = self.session()?;
        Ok(s.worker.as_ref().is_some_and(|w| w.sync_and_wait(timeout)))
    }
}

impl Drop for App {
    fn drop(&mut self) {
        self.shutdown();
    }
}
