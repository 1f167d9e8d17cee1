//! Everything a request handler needs: the storage engine, the endpoint's clock, the signing
//! key and the published policy, the generator's settings, and the rate limiter.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Instant;

use ed25519_dalek::SigningKey;
use recoup_api::{ErrorCode, GeneratorSettings, SignedPolicy};
use recoup_core::Timestamp;
use recoup_core::{Clock, Policy, SystemClock};
use uuid::Uuid;

use crate::clock::{AccountClock, EndpointClock};
use crate::error::{AppError, lock, read};
use crate::limits::PeerLimits;
use crate::signin::SignIn;
use crate::storage::{EventSettings, PgStorage, SqliteStorage, Storage, TokenHash};
use crate::webhooks::WebhookSettings;

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct Config {
    /// Where the databases and outputs live.
    pub data_dir: PathBuf,
    /// Sandbox mode: open account creation, test clocks, generator settings.
    pub sandbox: bool,
    /// Admin bearer token for the review and publishing API.
    pub admin_token: String,
    /// Share of generations that fail technically.
    pub failure_rate: f64,
    /// Share of successful generations with deliberately bad output.
    pub bad_rate: f64,
    /// Requests per second allowed per account (token bucket, burst twice that).
    pub rate_per_sec: u32,
    /// Credits a new sandbox account starts with.
    pub starting_allowance: u64,
}

/// The PostgreSQL database an endpoint keeps its state in (`--database`).
#[derive(Debug, Clone)]
pub struct Database {
    /// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|prefer|require]`.
    pub url: String,
    /// Most connections this endpoint opens.
    pub pool_size: usize,
    /// PEM certificates trusted for TLS besides Mozilla's roots (a managed database's CA).
    pub ca_file: Option<PathBuf>,
}

impl Database {
    /// The database at `url`, with a pool of `pool_size` and Mozilla's roots only.
    pub fn at(url: &str, pool_size: usize) -> Self {
        Self {
            url: url.to_owned(),
            pool_size,
            ca_file: None,
        }
    }
}

/// What every engine is opened with: the admin secret checked first (a weak one is refused
/// before anything is written), and how events are recorded.
fn events_for(config: &Config, webhooks: &WebhookSettings) -> Result<EventSettings, AppError> {
    crate::credentials::check_admin_secret(&config.admin_token)
        .map_err(|why| AppError::api(ErrorCode::InvalidInput, why))?;
    Ok(EventSettings {
        signal: Arc::default(),
        balance_low_default: webhooks.balance_low_default,
    })
}

/// The published policy: validated, and signed as served.
pub(crate) struct Published {
    pub(crate) policy: Policy,
    pub(crate) signed: SignedPolicy,
}

/// Shared state.
pub struct AppState {
    pub(crate) config: Config,
    /// Every storage operation of the handlers.
    pub(crate) storage: Box<dyn Storage>,
    /// The endpoint's time; an account's is this moved by its test clock.
    pub(crate) clock: EndpointClock,
    pub(crate) key: SigningKey,
    pub(crate) published: RwLock<Arc<Published>>,
    pub(crate) generator: RwLock<GeneratorSettings>,
    pub(crate) buckets: Mutex<HashMap<Uuid, (f64, Instant)>>,
    /// The per-address limits for what needs no valid token.
    pub(crate) peer_limits: PeerLimits,
    /// Where the sandbox generator's draws come from: the operating system's randomness, or,
    /// for a deterministic simulation only, a seeded sequence ([`AppState::with_seeded_generator`]).
    pub(crate) generator_draws: Option<Mutex<recoup_core::rng::SplitMix64>>,
    /// Sign-in with the product's JWTs, when configured (`--jwks`).
    pub(crate) sign_in: Option<SignIn>,
    /// The counters `GET /metrics` shows.
    pub(crate) metrics: crate::metrics::Metrics,
    /// How webhooks are delivered.
    pub(crate) webhook_settings: WebhookSettings,
    /// The client they are delivered with (its connections are reused).
    pub(crate) webhook_client: reqwest::Client,
}

impl AppState {
    /// Opens the endpoint's storage, loads or makes the signing key, and publishes the built-in
    /// policy if none was published yet. Time is the system's.
    pub fn open(config: Config) -> Result<Self, AppError> {
        Self::open_with_clock(config, Arc::new(SystemClock))
    }

    /// [`AppState::open`] with the endpoint's time read from `clock` (a test moves it; each
    /// account's sandbox test clock moves it further for that account).
    pub fn open_with_clock(config: Config, clock: Arc<dyn Clock>) -> Result<Self, AppError> {
        Self::open_with(config, clock, WebhookSettings::default())
    }

    /// [`AppState::open_with_clock`] with webhooks delivered as `webhooks` says.
    pub fn open_with(
        config: Config,
        clock: Arc<dyn Clock>,
        webhooks: WebhookSettings,
    ) -> Result<Self, AppError> {
        let events = events_for(&config, &webhooks)?;
        let storage = SqliteStorage::open(&config.data_dir, Arc::clone(&clock), events)?;
        storage.put_bootstrap(TokenHash::of(&config.admin_token), clock.now())?;
        let stored = storage.published_or(&Policy::builtin(), clock.now())?;
        Self::assemble(config, Box::new(storage), stored, clock, webhooks)
    }

    /// [`AppState::open_with`] on the PostgreSQL `database` instead of the SQLite files of the
    /// data dir: every piece of endpoint state is in the database, so several endpoints may
    /// serve it at once. The data dir keeps only the policy-signing key, which every instance
    /// must share.
    pub async fn open_postgres(
        config: Config,
        database: &Database,
        clock: Arc<dyn Clock>,
        webhooks: WebhookSettings,
    ) -> Result<Self, AppError> {
        let events = events_for(&config, &webhooks)?;
        let storage = PgStorage::open(database, Arc::clone(&clock), events).await?;
        storage
            .put_bootstrap(TokenHash::of(&config.admin_token), clock.now())
            .await?;
        let stored = storage
            .published_or(&Policy::builtin(), clock.now())
            .await?;
        Self::assemble(config, Box::new(storage), stored, clock, webhooks)
    }

    /// The state around an opened engine: the signing key (loaded or made in the data dir) and
    /// the publication in force, signed.
    fn assemble(
        config: Config,
        storage: Box<dyn Storage>,
        stored: crate::storage::StoredPolicy,
        clock: Arc<dyn Clock>,
        webhooks: WebhookSettings,
    ) -> Result<Self, AppError> {
        let key = load_or_make_key(&config.data_dir.join("policy-signing.key"))?;
        let policy = Policy::from_json(stored.document.as_bytes())
            .map_err(|e| AppError::internal(format!("stored policy no longer validates: {e}")))?;
        let signed = SignedPolicy::sign(&stored.version, stored.seq, stored.document, &key);
        let generator = GeneratorSettings {
            failure_rate: config.failure_rate,
            bad_rate: config.bad_rate,
        };
        Ok(Self {
            config,
            storage,
            clock,
            key,
            published: RwLock::new(Arc::new(Published { policy, signed })),
            generator: RwLock::new(generator),
            buckets: Mutex::new(HashMap::new()),
            peer_limits: PeerLimits::new(),
            generator_draws: None,
            sign_in: None,
            metrics: crate::metrics::Metrics::new(),
            webhook_settings: webhooks,
            webhook_client: crate::webhooks::client()?,
        })
    }

    /// The sandbox generator draws from a sequence seeded with `seed` instead of the operating
    /// system's randomness, so that a simulation replays exactly. Never for a real endpoint:
    /// anyone who knows the seed knows which generations come out bad.
    #[must_use]
    pub fn with_seeded_generator(mut self, seed: u64) -> Self {
        self.generator_draws = Some(Mutex::new(recoup_core::rng::SplitMix64::new(seed)));
        self
    }

    /// A draw for the sandbox generator (see [`AppState::with_seeded_generator`]).
    pub(crate) fn generator_seed(&self) -> Result<u64, AppError> {
        if let Some(draws) = &self.generator_draws {
            return Ok(crate::error::lock(draws)?.next_u64());
        }
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::internal(format!("no randomness for the generator: {e}")))?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// The endpoint accepting the product's sign-in tokens (JWTs) verified by `sign_in`.
    #[must_use]
    pub fn with_sign_in(mut self, sign_in: SignIn) -> Self {
        self.sign_in = Some(sign_in);
        self
    }

    pub(crate) fn published(&self) -> Result<Arc<Published>, AppError> {
        Ok(Arc::clone(&read(&self.published)))
    }

    /// The endpoint's time now.
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// The account's clock: the endpoint's clock, moved by the account's sandbox test clock.
    pub(crate) fn account_clock(&self, offset_ms: i64) -> AccountClock {
        AccountClock::new(Arc::clone(&self.clock), offset_ms)
    }

    /// Token bucket per account: `rate_per_sec` refill, burst of twice that.
    pub(crate) fn admit(&self, account: Uuid) -> Result<(), AppError> {
        let rate = f64::from(self.config.rate_per_sec.max(1));
        let burst = rate * 2.0;
        let mut buckets = lock(&self.buckets)?;
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, at)| at.elapsed().as_secs() < 60);
        }
        let now = Instant::now();
        let (tokens, at) = buckets.entry(account).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens < 1.0 {
            return Err(AppError::api(
                ErrorCode::RateLimited,
                "too many requests for this account; retry in a second",
            ));
        }
        *tokens -= 1.0;
        Ok(())
    }
}

fn load_or_make_key(path: &Path) -> Result<SigningKey, AppError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
                AppError::internal(format!("{} is not a 32-byte key", path.display()))
            })?;
            Ok(SigningKey::from_bytes(&arr))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let mut seed = [0u8; 32];
            getrandom::fill(&mut seed)
                .map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
            write_private(path, &seed)?;
            Ok(SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(AppError::internal(format!(
            "cannot read {}: {e}",
            path.display()
        ))),
    }
}

/// Writes a secret file readable by its owner only, atomically.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(&tmp)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", tmp.display())))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", tmp.display())))?;
    std::fs::rename(&tmp, path)
        .map_err(|e| AppError::internal(format!("cannot write {}: {e}", path.display())))
}

/// A new random bearer token.
pub(crate) fn new_token(prefix: &str) -> Result<String, AppError> {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| AppError::internal(format!("no randomness: {e}")))?;
    Ok(format!(
        "{prefix}_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    ))
}
