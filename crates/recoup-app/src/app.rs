//! [`App`]: the device as the UI sees it. Each method is one command: it converts its input,
//! calls the store, the sync engine or the endpoint client, and answers with a view.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use recoup_api::{GenerationRequest, PolicyKey};
use recoup_core::{Clock, GenerationId, OffsetClock, Policy, SystemClock};
use recoup_store::{
    ClaimRecord, EntryQuery, GenerationRecord, HISTORY_PAGE_MAX, HistoryFilter, HistoryQuery,
    Store, SubmitClaim,
};
use recoup_sync::{Client, HttpTransport, SplitMix64, SyncConfig, SyncEngine, meta};

use crate::convert;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::faults::{FaultSwitch, FaultyTransport};
use crate::secrets::{Secrets, profile_dir};
use crate::settings::{EndpointChoice, QaSettings, Settings};
use crate::views::*;
use crate::worker::{self, LiveStatus, SharedStatus, Worker, WorkerContext};

/// Whether this build runs the embedded sandbox endpoint.
pub const EMBEDDED_AVAILABLE: bool = cfg!(feature = "embedded-endpoint");

/// The profile name of the embedded endpoint's account.
const EMBEDDED_PROFILE: &str = "embedded";

/// The database file in a profile folder.
const LEDGER_FILE: &str = "ledger.sqlite3";

/// History page size when the UI does not say.
const HISTORY_PAGE_DEFAULT: u32 = 60;

/// Ledger page size when the UI does not say.
const LEDGER_PAGE_DEFAULT: u32 = 100;

/// Days the balance chart shows.
const CHART_DAYS: i64 = 30;

/// How long a command waits for a sync it asked for (policy load, test clock).
const SYNC_WAIT: Duration = Duration::from_secs(30);

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
                "only the sandbox endpoint inside the app takes QA controls (generator rates, test clock, policy files); switch to it in Settings",
            )
        })?;
        Ok(Client::new(Arc::clone(&self.transport)).with_token(token))
    }
}

/// One profile: its store, its endpoint and its background sync.
struct Session {
    endpoint: EndpointChoice,
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
                "this device is not connected to an endpoint; connect in Settings (everything on this device keeps working meanwhile)",
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
        std::fs::create_dir_all(dir)
            .map_err(|e| AppError::file(dir, format!("cannot create the data folder: {e}")))?;
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
            settings: Mutex::new(settings.clone()),
            session: RwLock::new(None),
            sink,
            config,
            #[cfg(feature = "embedded-endpoint")]
            embedded: Mutex::new(None),
        };
        let session = app.open_session(&settings.endpoint)?;
        *app.session.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(session));
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
                    "the app is switching endpoints; try again in a moment",
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
        Ok(recoup_sync::corrected(store, self.device_clock())?.now())
    }

    fn transport(&self, url: &str) -> AppResult<Arc<FaultyTransport<HttpTransport>>> {
        let http = HttpTransport::new(url).map_err(|e| {
            AppError::input(
                "url",
                format!("'{url}' is not a usable endpoint address ({e})"),
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
                            "this profile has no account; connect to the endpoint again in Settings",
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
            })?),
            None => None,
        };
        let generator = admin_token.as_ref().map(|_| GeneratorRates {
            failure_rate: self.config.generator_failure_rate,
            bad_rate: self.config.generator_bad_rate,
        });
        Ok(Session {
            endpoint: endpoint.clone(),
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
        let created = client.create_account()?;
        let key = client.policy_key()?;
        let storage = self.secrets.store(profile, dir, &created.token)?;
        link_store(store, url, &created.account_id.to_string(), &key)?;
        Ok((created.token, storage))
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
            AppError::new(ErrorCode::Internal, "the embedded endpoint did not start")
        })?;
        Ok((e.url(), e.admin_token().to_owned()))
    }

    #[cfg(not(feature = "embedded-endpoint"))]
    fn embedded_endpoint(&self) -> AppResult<(String, String)> {
        Err(no_embedded_endpoint())
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

    // ---- commands ----

    /// What the app knows about itself.
    pub fn app_info(&self) -> AppResult<AppInfo> {
        let s = self.session()?;
        let policy = s.store().policy()?;
        Ok(AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.config.data_dir.display().to_string(),
            endpoint: self.endpoint_view(&s),
            qa: self.qa_view(&s, false),
            catalog: convert::catalog(&policy),
            policy_version: policy.version().to_owned(),
        })
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

    /// The balance screen.
    pub fn overview(&self) -> AppResult<Overview> {
        let s = self.session()?;
        let store = s.store();
        let now = self.now(&store)?;
        let balance = store.balance(now)?;
        let today = day_start(now)?;
        let from = today
            .checked_sub(SignedDuration::from_hours(24 * (CHART_DAYS - 1)))
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let month = month_start(now)?;
        let earliest = from.min(month);
        let end = today
            .checked_add(SignedDuration::from_hours(24))
            .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
        let rows = store.daily_flows(earliest, end)?;
        let mut flows = Vec::with_capacity(CHART_DAYS as usize);
        for i in 0..CHART_DAYS {
            let day = from
                .checked_add(SignedDuration::from_hours(24 * i))
                .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))?;
            let row = rows.iter().find(|r| r.day_start == day);
            flows.push(DayFlow {
                day: day_label(day),
                spent: row.map_or(0, |r| r.spent),
                refunded: row.map_or(0, |r| r.refunded),
            });
        }
        let this_month = rows.iter().filter(|r| r.day_start >= month);
        let (spent_this_month, refunded_this_month) = this_month
            .fold((0u64, 0u64), |(s, r), row| {
                (s.saturating_add(row.spent), r.saturating_add(row.refunded))
            });
        let mut grants: Vec<GrantView> = balance.grants.iter().map(convert::grant).collect();
        grants.sort_by_key(|g| (!g.live, g.expires_at.is_none(), g.expires_at.clone()));
        Ok(Overview {
            available: balance.totals.available,
            held: balance.totals.held,
            refunded_this_month,
            spent_this_month,
            grants,
            flows,
            as_of: convert::time(now),
        })
    }

    /// A page of history, newest first.
    pub fn history(&self, req: &HistoryRequest) -> AppResult<HistoryPageView> {
        let limit = req.limit.unwrap_or(HISTORY_PAGE_DEFAULT);
        if limit == 0 || limit > HISTORY_PAGE_MAX {
            return Err(AppError::input(
                "limit",
                format!("must be between 1 and {HISTORY_PAGE_MAX}"),
            ));
        }
        let before = req
            .before
            .as_deref()
            .map(|b| convert::generation_id("before", b))
            .transpose()?;
        use recoup_core::GenerationStatus as St;
        let (status, claimed) = match req.show {
            HistoryShow::All => (None, None),
            HistoryShow::NotReported => (Some(St::Succeeded), Some(false)),
            HistoryShow::Reported => (None, Some(true)),
            HistoryShow::TechnicalFailures => (Some(St::Failed), None),
            HistoryShow::Running => (Some(St::Running), None),
        };
        let s = self.session()?;
        let store = s.store();
        let page = store.history(&HistoryQuery {
            filter: HistoryFilter {
                feature: req.feature,
                platform: req.platform,
                status,
                claimed,
            },
            before,
            limit,
        })?;
        let items = page
            .items
            .iter()
            .map(|g| item(&store, g))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(HistoryPageView {
            items,
            next: page.next.map(|n| n.to_string()),
        })
    }

    /// One generation.
    pub fn generation(&self, id: &str) -> AppResult<GenerationItem> {
        let id = convert::generation_id("generation_id", id)?;
        let s = self.session()?;
        let store = s.store();
        let g = store.generation(id)?;
        item(&store, &g)
    }

    /// Whether a report on this generation can be refunded, and why not: instant and offline,
    /// from the policy in force on the device and the corrected clock.
    pub fn check_claim(&self, id: &str) -> AppResult<Eligibility> {
        let id = convert::generation_id("generation_id", id)?;
        let s = self.session()?;
        let store = s.store();
        let now = self.now(&store)?;
        let d = store.check_claim(id, now)?;
        Ok(convert::eligibility(id, &d, now))
    }

    /// Records a "Bad result" report with the device's decision and queues it for the endpoint,
    /// in one transaction; the sync sends it at once when online.
    pub fn submit_claim(&self, req: &ClaimRequest) -> AppResult<ClaimView> {
        let generation_id = convert::generation_id("generation_id", &req.generation_id)?;
        let s = self.session()?;
        let record = {
            let mut store = s.store();
            let now = self.now(&store)?;
            store.submit_claim(
                &SubmitClaim {
                    claim_id: recoup_core::ClaimId::new_v7(),
                    generation_id,
                    reason: req.reason,
                    details: req.details.clone(),
                },
                now,
            )?
        };
        self.sink.emit(&AppEvent::History { changed: 1 });
        s.wake();
        Ok(convert::claim(&record))
    }

    /// Runs a generation on the endpoint (with the QA platform and surface), brings its ledger
    /// rows and its output to the device, and answers with it as the history shows it.
    pub fn generate(&self, req: &GenerateRequest) -> AppResult<GenerationItem> {
        let s = self.session()?;
        let link = s.link()?.clone();
        if recoup_sync::is_offline(&s.store())? {
            return Err(AppError::new(
                ErrorCode::Offline,
                "you are offline (the network switch is off): generating needs the endpoint; switch the network on in Sync",
            ));
        }
        let qa = self.qa();
        let request = GenerationRequest {
            generation_id: GenerationId::new_v7(),
            feature: req.feature,
            platform: qa.platform,
            surface: req.surface.unwrap_or(qa.surface),
        };
        let client = link.client();
        let mut attempt = 0u32;
        let view = loop {
            match client.generate(&request) {
                Ok(v) => break v,
                // The same id again: the endpoint runs it once.
                Err(e) if e.is_transient() && attempt < 2 => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(250 * u64::from(attempt)));
                }
                Err(e) => return Err(e.into()),
            }
        };
        if view.output_path.is_some() {
            // A failed fetch is not fatal: the history fetches it again when shown.
            if let Err(e) = self.fetch_output(&link, request.generation_id) {
                tracing::warn!(error = %e, "output not fetched after generating");
            }
        }
        {
            let mut store = s.store();
            let mut engine = SyncEngine::new(
                client,
                SyncConfig::default(),
                Box::new(self.device_clock()),
                SplitMix64::from_entropy(),
            )?;
            // The ledger rows; if they do not arrive now the background sync brings them.
            if let Err(e) = engine.pull_only(&mut store) {
                tracing::warn!(error = %e, "pull after generating failed");
            }
        }
        let item = {
            let store = s.store();
            match store.generation(request.generation_id) {
                Ok(g) => item(&store, &g)?,
                Err(_) => convert::generation(&view.generation, None),
            }
        };
        self.sink.emit(&AppEvent::History { changed: 1 });
        {
            let store = s.store();
            let now = self.now(&store)?;
            self.sink
                .emit(&AppEvent::Balance(balance_summary(&store, now)?));
        }
        Ok(item)
    }

    fn outputs_dir(&self, s: &Session) -> PathBuf {
        let profile = match &s.endpoint {
            EndpointChoice::Embedded => EMBEDDED_PROFILE.to_owned(),
            EndpointChoice::Remote { account_id, .. } => {
                profile_name(account_id).unwrap_or_else(|_| "remote".to_owned())
            }
            EndpointChoice::None => "local".to_owned(),
        };
        profile_dir(&self.config.data_dir, &profile).join("outputs")
    }

    fn fetch_output(&self, link: &Link, id: GenerationId) -> AppResult<(Vec<u8>, &'static str)> {
        let s = self.session()?;
        let out = link.client().generation_output(id)?;
        let dir = self.outputs_dir(&s);
        std::fs::create_dir_all(&dir).map_err(|e| AppError::file(&dir, e))?;
        let path = dir.join(format!("{id}.{}", out.extension()));
        crate::settings::write_atomically(&path, &out.bytes, false)?;
        let kind = mime(out.extension());
        Ok((out.bytes, kind))
    }

    /// A generation's output (bytes and content type), from the device's cache, else from the
    /// endpoint (then cached).
    pub fn output(&self, id: &str) -> AppResult<(Vec<u8>, &'static str)> {
        let id = convert::generation_id("generation_id", id)?;
        let s = self.session()?;
        let dir = self.outputs_dir(&s);
        for ext in ["png", "gif"] {
            let path = dir.join(format!("{id}.{ext}"));
            match std::fs::read(&path) {
                Ok(bytes) => return Ok((bytes, mime(ext))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(AppError::file(&path, e)),
            }
        }
        let g = s.store().generation(id)?;
        if g.output_ref.is_none() {
            return Err(AppError::new(
                ErrorCode::NotFound,
                "this generation has no output (it failed or is still running)",
            ));
        }
        if recoup_sync::is_offline(&s.store())? {
            return Err(AppError::new(
                ErrorCode::Offline,
                "the output is not on this device yet and you are offline",
            ));
        }
        let link = s.link()?.clone();
        self.fetch_output(&link, id)
    }

    /// A page of the ledger, newest first.
    pub fn ledger(&self, req: &LedgerRequest) -> AppResult<LedgerPageView> {
        let limit = req.limit.unwrap_or(LEDGER_PAGE_DEFAULT);
        let q = entry_query(&req.filter, req.before, limit)?;
        let s = self.session()?;
        let entries = s.store().entries(&q)?;
        let next = if entries.len() == limit as usize {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(LedgerPageView {
            items: entries.iter().map(convert::entry).collect(),
            next,
        })
    }

    /// Writes every entry that `filter` selects to a CSV file in `folder`, atomically.
    pub fn export_ledger(&self, filter: &LedgerFilter, folder: &Path) -> AppResult<ExportDone> {
        let s = self.session()?;
        let stamp = jiff::Timestamp::now().strftime("%Y%m%d-%H%M%S").to_string();
        std::fs::create_dir_all(folder).map_err(|e| AppError::file(folder, e))?;
        let path = folder.join(format!("recoup-ledger-{stamp}.csv"));
        let tmp = path.with_extension("csv.tmp");
        let file = std::fs::File::create(&tmp).map_err(|e| AppError::file(&tmp, e))?;
        let result = (|| -> AppResult<u64> {
            let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
            let csv_err = |e: csv::Error| AppError::file(&tmp, e);
            w.write_record(["seq", "at", "kind", "credits", "grant_id", "generation_id"])
                .map_err(csv_err)?;
            let mut before = None;
            let mut rows = 0u64;
            loop {
                let q = entry_query(filter, before, recoup_store::ENTRY_PAGE_MAX)?;
                let page = s.store().entries(&q)?;
                for e in &page {
                    w.write_record([
                        e.seq.to_string(),
                        e.at.to_string(),
                        e.kind.as_str().to_owned(),
                        e.credits.to_string(),
                        e.grant_id.to_string(),
                        e.generation_id.map(|g| g.to_string()).unwrap_or_default(),
                    ])
                    .map_err(csv_err)?;
                    rows += 1;
                }
                if page.len() < recoup_store::ENTRY_PAGE_MAX as usize {
                    break;
                }
                before = page.last().map(|e| e.seq);
            }
            let inner = w
                .into_inner()
                .map_err(|e| AppError::file(&tmp, e.error().to_string()))?;
            let file = inner
                .into_inner()
                .map_err(|e| AppError::file(&tmp, e.error().to_string()))?;
            file.sync_all().map_err(|e| AppError::file(&tmp, e))?;
            Ok(rows)
        })();
        match result {
            Ok(rows) => {
                std::fs::rename(&tmp, &path).map_err(|e| AppError::file(&path, e))?;
                Ok(ExportDone {
                    path: path.display().to_string(),
                    rows,
                })
            }
            Err(e) => {
                let _ = std::fs::remove_file(&tmp);
                Err(e)
            }
        }
    }

    /// The sync screen.
    pub fn sync_status(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        let store = s.store();
        Ok(sync_status(&store, &s.status, s.link.is_none()))
    }

    /// Asks the background sync to run now.
    pub fn sync_now(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        s.link()?;
        s.wake();
        self.sync_status()
    }

    /// Puts reports set aside after repeated failures back in the queue, and syncs.
    pub fn retry_quarantined(&self) -> AppResult<SyncStatus> {
        let s = self.session()?;
        {
            let mut store = s.store();
            let now = self.now(&store)?;
            store.outbox_retry_quarantined(now)?;
        }
        s.wake();
        self.sync_status()
    }

    /// Switches the network on or off (QA "force offline"; also a user's choice).
    pub fn set_network(&self, online: bool) -> AppResult<SyncStatus> {
        let s = self.session()?;
        recoup_sync::set_offline(&mut s.store(), !online)?;
        let status = self.sync_status()?;
        self.sink.emit(&AppEvent::Network {
            online,
            reachable: status.reachable,
        });
        if online {
            s.wake();
        }
        Ok(status)
    }

    fn qa_view(&self, s: &Session, ask_endpoint: bool) -> QaState {
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
        if let Some(g) = update.generator {
            for (name, rate) in [
                ("generator.failure_rate", g.failure_rate),
                ("generator.bad_rate", g.bad_rate),
            ] {
                if !(0.0..=1.0).contains(&rate) {
                    return Err(AppError::input(name, "must be between 0 and 1"));
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
                format!("must be between 1 and {ADVANCE_SECS_MAX} (one year)"),
            ));
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
                format!("the policy file was refused, nothing changed: {e}"),
            )
        })?;
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
                    ErrorCode::Endpoint,
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

fn no_embedded_endpoint() -> AppError {
    AppError::new(
        ErrorCode::InvalidInput,
        "this build has no embedded endpoint (mobile builds connect to a remote one); connect in Settings",
    )
}

/// Marks `store` as linked: the pinned key, the account, then the URL (what marks it linked).
fn link_store(store: &mut Store, url: &str, account_id: &str, key: &PolicyKey) -> AppResult<()> {
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
fn profile_name(account_id: &str) -> AppResult<String> {
    account_id
        .parse::<uuid::Uuid>()
        .map(|u| u.to_string())
        .map_err(|_| AppError::input("account_id", format!("'{account_id}' is not an account id")))
}

fn mime(ext: &str) -> &'static str {
    if ext == "gif" {
        "image/gif"
    } else {
        "image/png"
    }
}

fn item(store: &Store, g: &GenerationRecord) -> AppResult<GenerationItem> {
    let claim: Option<ClaimRecord> = match &g.claim {
        Some(c) => Some(store.claim(c.claim_id)?),
        None => None,
    };
    Ok(convert::generation(g, claim.as_ref()))
}

fn entry_query(filter: &LedgerFilter, before: Option<i64>, limit: u32) -> AppResult<EntryQuery> {
    if limit == 0 || limit > recoup_store::ENTRY_PAGE_MAX {
        return Err(AppError::input(
            "limit",
            format!("must be between 1 and {}", recoup_store::ENTRY_PAGE_MAX),
        ));
    }
    Ok(EntryQuery {
        kind: filter.kind,
        generation_id: filter
            .generation_id
            .as_deref()
            .map(|g| convert::generation_id("generation_id", g))
            .transpose()?,
        before_seq: before,
        limit,
    })
}

fn day_start(t: Timestamp) -> AppResult<Timestamp> {
    let ms = t.as_millisecond();
    Timestamp::from_millisecond(ms - ms.rem_euclid(86_400_000))
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

fn month_start(t: Timestamp) -> AppResult<Timestamp> {
    let utc = jiff::tz::TimeZone::UTC;
    let first = utc
        .to_datetime(t)
        .date()
        .first_of_month()
        .to_datetime(jiff::civil::Time::midnight());
    utc.to_timestamp(first)
        .map_err(|e| AppError::new(ErrorCode::Internal, e.to_string()))
}

fn day_label(t: Timestamp) -> String {
    jiff::tz::TimeZone::UTC.to_datetime(t).date().to_string()
}

/// The balance as events carry it.
pub fn balance_summary(store: &Store, now: Timestamp) -> AppResult<BalanceSummary> {
    let b = store.balance(now)?;
    let month = month_start(now)?;
    let refunded_this_month = store
        .daily_flows(
            month,
            now.checked_add(SignedDuration::from_hours(24))
                .unwrap_or(now),
        )?
        .iter()
        .map(|r| r.refunded)
        .sum();
    Ok(BalanceSummary {
        available: b.totals.available,
        held: b.totals.held,
        refunded_this_month,
    })
}

/// The sync screen's state from the store and the worker's live status.
pub fn sync_status(store: &Store, status: &SharedStatus, unlinked: bool) -> SyncStatus {
    let live = worker::live(status).clone();
    SyncStatus {
        online: !recoup_sync::is_offline(store).unwrap_or(false),
        reachable: live.reachable,
        syncing: live.syncing,
        queued: store.outbox_len().unwrap_or(0),
        quarantined: store.outbox_quarantined_len().unwrap_or(0),
        in_review: store.claims_in_review_len().unwrap_or(0),
        last_sync_at: store.meta(meta::LAST_SYNC_AT).ok().flatten(),
        last_error: live.last_error,
        progress: live.progress,
        linked: !unlinked,
    }
}
