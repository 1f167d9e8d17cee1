//! A real endpoint on loopback (the recoup-server library on its own runtime) and real devices
//! (a Recoup store in a temp dir with the sync engine over HTTP), for system tests.

use std::net::SocketAddr;
use std::sync::Arc;

use recoup_api::{AccountCreated, GenerationRequest};
use recoup_core::{Feature, GenerationId, Platform, Surface, SystemClock};
use recoup_server::{AppState, Config};
use recoup_store::Store;
use recoup_sync::{Client, HttpTransport, SplitMix64, SyncConfig, SyncEngine};

/// The admin token of test endpoints.
pub const ADMIN: &str = "it-Adm1n-7Kq9xZ2pLw4Rv8Nc3Hy6Bj5Ds";

/// A running endpoint; stops when dropped.
pub struct Endpoint {
    /// Where it listens.
    pub addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

impl Endpoint {
    /// Starts a sandbox endpoint whose generator never fails and always makes bad outputs
    /// (so eligible claims are refunded at once), unless told otherwise with [`Endpoint::generator`].
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::start_in(dir)
    }

    /// Starts on an existing data directory (a restart).
    pub fn start_in(dir: tempfile::TempDir) -> Self {
        let config = Self::config(dir.path(), true);
        Self::start_with(dir, config)
    }

    /// The test configuration: admin token [`ADMIN`], a generator that never fails and always
    /// makes bad outputs, no practical rate limit, 1,000 starting credits.
    pub fn config(data_dir: &std::path::Path, sandbox: bool) -> Config {
        Config {
            data_dir: data_dir.to_owned(),
            sandbox,
            admin_token: ADMIN.to_owned(),
            failure_rate: 0.0,
            bad_rate: 1.0,
            rate_per_sec: 100_000,
            starting_allowance: 1_000,
        }
    }

    /// Starts with `config` (its `data_dir` inside `dir`), on a free loopback port: on the
    /// SQLite files of the data dir, or, in a PostgreSQL run (`RECOUP_TEST_ENGINE=postgres`), on
    /// the data dir's database (the same one again for a restart on it).
    pub fn start_with(dir: tempfile::TempDir, config: Config) -> Self {
        let database = recoup_store_pg::harness::database_for(&config.data_dir);
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let clock = Arc::new(SystemClock);
                let webhooks = recoup_server::WebhookSettings::default();
                let state = Arc::new(match database {
                    Some(url) => AppState::open_postgres(
                        config,
                        &recoup_server::Database::at(&url, 4),
                        clock,
                        webhooks,
                    )
                    .await
                    .expect("endpoint state on PostgreSQL"),
                    None => AppState::open_with(config, clock, webhooks).expect("endpoint state"),
                });
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let _ = addr_tx.send(listener.local_addr().expect("addr"));
                let _ = recoup_server::serve(state, listener, async {
                    let _ = rx.await;
                })
                .await;
            });
        });
        let addr = addr_rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("endpoint address");
        Self {
            addr,
            stop: Some(tx),
            thread: Some(thread),
            dir,
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the generator's failure and bad-output rates.
    pub fn generator(&self, failure_rate: f64, bad_rate: f64) {
        admin_put(
            &self.url(),
            "/v1/admin/generator",
            &serde_json::json!({"failure_rate": failure_rate, "bad_rate": bad_rate}),
        );
    }

    /// Moves an account's test clock forward.
    pub fn advance(&self, account: uuid::Uuid, secs: u64) {
        admin_post(
            &self.url(),
            &format!("/v1/admin/accounts/{account}/clock"),
            &serde_json::json!({"secs": secs}),
        );
    }

    /// Stops the endpoint and hands back its data directory.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.shutdown();
        let dir = tempfile::tempdir().expect("tempdir");
        std::mem::replace(&mut self.dir, dir)
    }

    fn shutdown(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn agent() -> reqwest::blocking::Client {
    crate::http_client(None)
}

/// An admin PUT that must succeed.
pub fn admin_put(base: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let r = agent()
        .put(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .json(body)
        .send()
        .expect("admin request");
    assert_eq!(r.status().as_u16(), 200, "admin PUT {path} must succeed");
    r.json().expect("json")
}

/// An admin POST that must succeed.
pub fn admin_post(base: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
    let r = agent()
        .post(format!("{base}{path}"))
        .header("Authorization", format!("Bearer {ADMIN}"))
        .json(body)
        .send()
        .expect("admin request");
    assert_eq!(r.status().as_u16(), 200, "admin POST {path} must succeed");
    r.json().expect("json")
}

/// A device: its own store in a temp dir, linked to an account, syncing over HTTP to `url`.
pub struct Device {
    /// The device's database.
    pub store: Store,
    /// Its sync engine.
    pub engine: SyncEngine<HttpTransport>,
    /// The account.
    pub account: AccountCreated,
    /// Its data directory.
    pub dir: tempfile::TempDir,
}

impl Device {
    /// A new sandbox account on `endpoint_url` (directly, not through any proxy) and a device
    /// that syncs through `sync_url` (the endpoint or a proxy in front of it).
    pub fn new(endpoint_url: &str, sync_url: &str) -> Self {
        let direct = Client::new(HttpTransport::new(endpoint_url).expect("transport"));
        let account = direct.create_account().expect("sandbox account");
        let key = direct.policy_key().expect("policy key");
        let dir = tempfile::tempdir().expect("tempdir");
        let mut store = Store::open(&dir.path().join("recoup.sqlite3")).expect("device store");
        store
            .set_meta(recoup_sync::meta::POLICY_KEY, &key.to_base64())
            .expect("pin key");
        store
            .set_meta(recoup_sync::meta::ENDPOINT_URL, sync_url)
            .expect("link");
        store
            .set_meta(
                recoup_sync::meta::ACCOUNT_ID,
                &account.account_id.to_string(),
            )
            .expect("link");
        let engine = Self::engine_for(sync_url, &account);
        Self {
            store,
            engine,
            account,
            dir,
        }
    }

    /// A sync engine for `account` talking to `sync_url` (a restarted endpoint's new address).
    pub fn engine_for(sync_url: &str, account: &AccountCreated) -> SyncEngine<HttpTransport> {
        let client = Client::new(HttpTransport::new(sync_url).expect("transport"))
            .with_token(account.token.clone());
        let config = SyncConfig {
            batch_max: 50,
            quarantine_after: 1_000,
            ..SyncConfig::default()
        };
        let config = SyncConfig {
            backoff: recoup_sync::Backoff {
                base: std::time::Duration::from_millis(1),
                cap: std::time::Duration::from_millis(5),
            },
            ..config
        };
        SyncEngine::new(client, config, SystemClock, SplitMix64::new(7)).expect("engine")
    }

    /// Syncs until the device has nothing left to send or pull, on a healthy network.
    pub fn sync_until_clean(&mut self) {
        for _ in 0..20 {
            let report = self.engine.sync_once(&mut self.store).expect("sync");
            if report.is_clean() && report.still_queued == 0 && !report.more_to_pull {
                return;
            }
        }
        panic!("the device did not reach a clean sync in 20 rounds on a healthy network");
    }

    /// Runs a generation on the endpoint through a direct client (not through the proxy).
    pub fn generate(
        &self,
        endpoint_url: &str,
        feature: Feature,
        platform: Platform,
        surface: Surface,
    ) -> GenerationId {
        let direct = Client::new(HttpTransport::new(endpoint_url).expect("transport"))
            .with_token(self.account.token.clone());
        let id = GenerationId::new_v7();
        direct
            .generate(&GenerationRequest {
                generation_id: id,
                feature,
                platform,
                surface,
            })
            .expect("generation");
        id
    }
}
