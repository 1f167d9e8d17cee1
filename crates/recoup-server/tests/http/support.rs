//! A server on loopback per test (the library on its own runtime thread, or the binary as a
//! child process), and a client whose every answer is checked against the OpenAPI document.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recoup_server::{AppState, Config};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::openapi::{Answer, check_answer};

/// The admin token of every test server.
pub const ADMIN: &str = "test-Adm1n-7Kq9xZ2pLw4Rv8Nc3Hy6Bj5";

/// A clock a test moves.
pub struct Movable(pub std::sync::Mutex<recoup_core::Timestamp>);

impl recoup_core::Clock for Movable {
    fn now(&self) -> recoup_core::Timestamp {
        *self.0.lock().expect("clock lock")
    }
}

/// How a test server starts.
#[derive(Debug, Clone)]
pub struct Opts {
    pub sandbox: bool,
    pub failure_rate: f64,
    pub bad_rate: f64,
    pub rate_per_sec: u32,
    pub starting_allowance: u64,
}

impl Default for Opts {
    /// A sandbox whose generator always succeeds with a usable output.
    fn default() -> Self {
        Self {
            sandbox: true,
            failure_rate: 0.0,
            bad_rate: 0.0,
            rate_per_sec: 100_000,
            starting_allowance: 200,
        }
    }
}

impl Opts {
    pub fn config(&self, dir: &Path) -> Config {
        Config {
            data_dir: dir.to_path_buf(),
            sandbox: self.sandbox,
            admin_token: ADMIN.to_owned(),
            failure_rate: self.failure_rate,
            bad_rate: self.bad_rate,
            rate_per_sec: self.rate_per_sec,
            starting_allowance: self.starting_allowance,
        }
    }
}

/// A server from the library, on 127.0.0.1 with a port the OS picked, in its own tempdir.
/// Stopped (gracefully, bounded) when dropped.
pub struct Server {
    pub client: Client,
    _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The engine this run of the suite is on: PostgreSQL when `RECOUP_TEST_ENGINE=postgres`
/// (`scripts/test.sh` runs the suite once on each engine), else the SQLite default. One suite,
/// not two copies: every test below runs on whichever engine this says.
pub fn on_postgres() -> bool {
    recoup_store_pg::harness::postgres_run()
}

/// The PostgreSQL database of a data directory (the same one for a restart on it); `None` on
/// SQLite.
pub fn database_for(dir: &Path) -> Option<String> {
    recoup_store_pg::harness::database_for(dir)
}

/// How a test server's state is opened, inside its own runtime (a PostgreSQL pool's
/// connections live on the runtime that made them).
struct Spec {
    config: Config,
    clock: Arc<dyn recoup_core::Clock>,
    sign_in: Option<recoup_server::signin::SignIn>,
}

impl Spec {
    async fn open(self, database: Option<String>) -> AppState {
        let webhooks = recoup_server::WebhookSettings::default();
        let state = match database {
            Some(url) => AppState::open_postgres(
                self.config,
                &recoup_server::Database::at(&url, 4),
                self.clock,
                webhooks,
            )
            .await
            .expect("server state opens on PostgreSQL"),
            None => {
                AppState::open_with(self.config, self.clock, webhooks).expect("server state opens")
            }
        };
        match self.sign_in {
            Some(s) => state.with_sign_in(s),
            None => state,
        }
    }
}

impl Server {
    pub fn start() -> Self {
        Self::with(Opts::default())
    }

    pub fn with(opts: Opts) -> Self {
        Self::with_clock(opts, Arc::new(recoup_core::SystemClock))
    }

    /// A server whose time is read from `clock` instead of the system's.
    pub fn with_clock(opts: Opts, clock: Arc<dyn recoup_core::Clock>) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = opts.config(dir.path());
        Self::serve(
            dir,
            Spec {
                config,
                clock,
                sign_in: None,
            },
        )
    }

    /// A server that also accepts the product's sign-in tokens, its time read from `clock`.
    pub fn with_sign_in(
        opts: Opts,
        clock: Arc<dyn recoup_core::Clock>,
        sign_in: recoup_server::signin::SignIn,
    ) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = opts.config(dir.path());
        Self::serve(
            dir,
            Spec {
                config,
                clock,
                sign_in: Some(sign_in),
            },
        )
    }

    fn serve(dir: tempfile::TempDir, spec: Spec) -> Self {
        let database = database_for(dir.path());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let state = Arc::new(spec.open(database).await);
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("report the address");
                let shutdown = async move {
                    let _ = stop_rx.await;
                };
                recoup_server::serve(state, listener, shutdown)
                    .await
                    .expect("serve");
            });
            rt.shutdown_timeout(Duration::from_secs(5));
        });
        let addr = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the server reports its address within 30 s");
        Self {
            client: Client::new(format!("http://{addr}")),
            _dir: dir,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }
}

impl Server {
    /// The server's data directory.
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            // Graceful shutdown waits for open connections; the client's idle ones close on it.
            let deadline = Instant::now() + Duration::from_secs(15);
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// The `recoup-server` binary as a child process, its stdout and stderr in files.
pub struct Process {
    pub client: Client,
    pub child: Child,
    _dir: tempfile::TempDir,
    pub stdout: PathBuf,
    pub stderr: PathBuf,
}

impl Process {
    /// Starts the binary with `args` (after `--data-dir`, `--listen 127.0.0.1:0`,
    /// `--admin-token`) and waits for its "listening on" line.
    pub fn start(args: &[&str], envs: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("data");
        Self::start_in(dir, &data, args, envs)
    }

    /// As [`Process::start`], on a given data directory (to restart on it).
    pub fn start_in(
        dir: tempfile::TempDir,
        data: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
    ) -> Self {
        Self::start_limited(dir, data, args, envs, None)
    }

    /// As [`Process::start_in`], with at most `nofile` open file descriptors when given (the
    /// shell's `ulimit -n`, then `exec`: the limit is the server's own).
    pub fn start_limited(
        dir: tempfile::TempDir,
        data: &Path,
        args: &[&str],
        envs: &[(&str, &str)],
        nofile: Option<u32>,
    ) -> Self {
        Self::launch(dir, data, database_for(data), args, envs, nofile)
    }

    /// An instance on the PostgreSQL database at `url` (several instances may share one).
    pub fn start_on_database(url: &str, data: &Path, args: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        Self::launch(dir, data, Some(url.to_owned()), args, &[], None)
    }

    fn launch(
        dir: tempfile::TempDir,
        data: &Path,
        database: Option<String>,
        args: &[&str],
        envs: &[(&str, &str)],
        nofile: Option<u32>,
    ) -> Self {
        let n = std::fs::read_dir(dir.path()).map_or(0, Iterator::count);
        let stdout = dir.path().join(format!("stdout.{n}.log"));
        let stderr = dir.path().join(format!("stderr.{n}.log"));
        let server = env!("CARGO_BIN_EXE_recoup-server");
        let mut cmd = match nofile {
            None => Command::new(server),
            Some(limit) => {
                let mut sh = Command::new("sh");
                sh.arg("-c")
                    .arg(format!("ulimit -n {limit} && exec \"$0\" \"$@\""))
                    .arg(server);
                sh
            }
        };
        cmd.arg("--data-dir").arg(data);
        if let Some(url) = database {
            cmd.arg("--database").arg(url);
        }
        cmd.args(["--listen", "127.0.0.1:0", "--admin-token", ADMIN])
            .args(args)
            .env_remove("RECOUP_ADMIN_TOKEN")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout).expect("stdout file"))
            .stderr(std::fs::File::create(&stderr).expect("stderr file"));
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("recoup-server starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        let base = loop {
            let first = std::fs::File::open(&stdout)
                .ok()
                .and_then(|f| BufReader::new(f).lines().next())
                .and_then(Result::ok);
            if let Some(line) = first.filter(|l| l.contains("listening on")) {
                let Some(url) = line.split_whitespace().find(|w| w.starts_with("http://")) else {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("no URL in the first line {line:?}");
                };
                break url.to_owned();
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!(
                    "recoup-server exited with {status} before listening: {}",
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            if Instant::now() >= deadline {
                // Not left running behind the failed test.
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "recoup-server did not say where it listens within 20 s; its stdout: {:?}, stderr: {:?}",
                    std::fs::read_to_string(&stdout).unwrap_or_default(),
                    std::fs::read_to_string(&stderr).unwrap_or_default()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Self {
            client: Client::new(base),
            child,
            _dir: dir,
            stdout,
            stderr,
        }
    }

    /// Stops the process (by its id) and returns its stdout and stderr.
    pub fn stop(self) -> (String, String) {
        let (out, err, _) = self.stop_keep();
        (out, err)
    }

    /// Stops the process (SIGKILL, by its id) and keeps its directory, to restart on it.
    pub fn stop_keep(mut self) -> (String, String, tempfile::TempDir) {
        self.kill();
        let out = std::fs::read_to_string(&self.stdout).unwrap_or_default();
        let err = std::fs::read_to_string(&self.stderr).unwrap_or_default();
        let dir = std::mem::replace(&mut self._dir, tempfile::tempdir().expect("tempdir"));
        (out, err, dir)
    }

    /// The process's directory (its data is in `data/`).
    pub fn dir_path(&self) -> PathBuf {
        self._dir.path().to_path_buf()
    }

    fn kill(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "answer {} is not JSON ({e}): {}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The error code of an error answer.
    pub fn code(&self) -> String {
        self.json()["code"]
            .as_str()
            .unwrap_or_else(|| {
                panic!(
                    "answer {} has no code: {}",
                    self.status,
                    String::from_utf8_lossy(&self.body)
                )
            })
            .to_owned()
    }

    /// Asserts the status and the error code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, code: &str, what: &str) {
        assert_eq!(
            (self.status, self.code()),
            (status, code.to_owned()),
            "{what}: expected {status} {code}, got {}",
            String::from_utf8_lossy(&self.body)
        );
    }

    #[track_caller]
    pub fn ok(&self, what: &str) -> Value {
        assert!(
            (200..300).contains(&self.status),
            "{what}: expected success, got {} {}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }
}

/// A blocking reqwest client for the tests (loopback only: no proxy, no redirects followed),
/// with the endpoint's TLS set-up, idle connections dropped after 2 s.
pub fn blocking_client(timeout: Duration) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(recoup_server::http_client::tls_config().expect("TLS set-up"))
        .http1_only()
        .redirect(reqwest::redirect::Policy::none())
        .retry(reqwest::retry::never())
        .no_proxy()
        .timeout(timeout)
        .pool_idle_timeout(Duration::from_secs(2))
        .build()
        .expect("an HTTP client")
}

/// An HTTP client for one server; checks every answer against the OpenAPI document.
#[derive(Clone)]
pub struct Client {
    agent: reqwest::blocking::Client,
    pub base: String,
}

/// A request body.
pub enum Body {
    None,
    Json(Value),
    Raw(Vec<u8>),
    /// Raw bytes with their own `Content-Type` (a provider's output upload).
    Typed(&'static str, Vec<u8>),
}

impl Client {
    pub fn new(base: String) -> Self {
        Self {
            agent: blocking_client(Duration::from_secs(60)),
            base,
        }
    }

    /// Sends a request; the answer must be documented (route, status, body, error code).
    #[track_caller]
    pub fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Resp {
        let resp = self.send_unchecked(method, path, token, body, headers);
        let content_type = resp.header("content-type");
        let lookup = |name: &str| resp.header(name);
        let answer = Answer {
            method,
            path,
            status: resp.status,
            content_type: content_type.as_deref(),
            header: &lookup,
            body: &resp.body,
        };
        if let Err(problem) = check_answer(&answer) {
            panic!("the answer does not match docs/openapi.yaml: {problem}");
        }
        resp
    }

    /// Sends a request without checking the answer against the document.
    pub fn send_unchecked(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Body,
        headers: &[(&str, &str)],
    ) -> Resp {
        let method_ = reqwest::Method::from_bytes(method.as_bytes()).expect("an HTTP method");
        let mut req = self.agent.request(method_, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let req = match body {
            Body::None => req,
            Body::Json(v) => req
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&v).expect("json")),
            Body::Raw(bytes) => req.header("content-type", "application/json").body(bytes),
            Body::Typed(content_type, bytes) => {
                req.header("content-type", content_type).body(bytes)
            }
        };
        let resp = req
            .send()
            .unwrap_or_else(|e| panic!("{method} {path}: no answer from the server: {e:?}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let body = resp
            .bytes()
            .unwrap_or_else(|e| panic!("{method} {path}: cannot read the answer: {e:?}"))
            .to_vec();
        Resp {
            status,
            headers,
            body,
        }
    }

    #[track_caller]
    pub fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.send("GET", path, token, Body::None, &[])
    }

    #[track_caller]
    pub fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send("POST", path, token, Body::Json(body), &[])
    }

    #[track_caller]
    pub fn put(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.send("PUT", path, token, Body::Json(body), &[])
    }

    #[track_caller]
    pub fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.send("DELETE", path, token, Body::None, &[])
    }

    /// A new sandbox account.
    #[track_caller]
    pub fn account(&self) -> Account {
        let v = self
            .send("POST", "/v1/accounts", None, Body::None, &[])
            .ok("create a sandbox account");
        Account {
            id: v["account_id"]
                .as_str()
                .expect("account_id")
                .parse()
                .expect("uuid"),
            token: v["token"].as_str().expect("token").to_owned(),
        }
    }

    /// Sets the sandbox generator's rates.
    #[track_caller]
    pub fn set_generator(&self, failure_rate: f64, bad_rate: f64) {
        self.put(
            "/v1/admin/generator",
            Some(ADMIN),
            json!({"failure_rate": failure_rate, "bad_rate": bad_rate}),
        )
        .ok("set the generator");
    }

    /// Runs a generation and returns its record (`generation`).
    #[track_caller]
    pub fn generate(&self, a: &Account, feature: &str, platform: &str) -> Value {
        self.generate_on(a, feature, platform, "editor")
    }

    #[track_caller]
    pub fn generate_on(&self, a: &Account, feature: &str, platform: &str, surface: &str) -> Value {
        let v = self
            .post(
                "/v1/generations",
                Some(&a.token),
                json!({
                    "generation_id": Uuid::now_v7(),
                    "feature": feature,
                    "platform": platform,
                    "surface": surface,
                }),
            )
            .ok("run a generation");
        v["generation"].clone()
    }

    /// The account view.
    #[track_caller]
    pub fn view(&self, a: &Account) -> Value {
        self.get("/v1/account", Some(&a.token))
            .ok("read the account")
    }

    /// Available credits.
    #[track_caller]
    pub fn available(&self, a: &Account) -> u64 {
        self.view(a)["balance"]["totals"]["available"]
            .as_u64()
            .expect("available credits")
    }

    /// Every change of the account's feed, paged with `limit`.
    #[track_caller]
    pub fn all_changes(&self, a: &Account, limit: u32) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor = String::new();
        for _ in 0..10_000 {
            let page = self
                .get(
                    &format!("/v1/changes?cursor={cursor}&limit={limit}"),
                    Some(&a.token),
                )
                .ok("read the change feed");
            out.extend(page["changes"].as_array().expect("changes").iter().cloned());
            cursor = page["cursor"].as_str().expect("cursor").to_owned();
            if !page["has_more"].as_bool().expect("has_more") {
                return out;
            }
        }
        panic!("the change feed did not end within 10000 pages");
    }

    /// The account's ledger entries of a kind, from the change feed.
    #[track_caller]
    pub fn entries(&self, a: &Account, kind: &str) -> Vec<Value> {
        self.all_changes(a, 1000)
            .into_iter()
            .filter(|c| c["kind"] == "entry" && c["row"]["kind"] == kind)
            .map(|c| c["row"].clone())
            .collect()
    }
}

/// A sandbox account.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: Uuid,
    pub token: String,
}

/// A claim body.
pub fn claim_body(claim: Uuid, generation: &Value, details: &str) -> Value {
    json!({
        "claim_id": claim,
        "generation_id": generation["generation_id"],
        "reason": "artifacts_or_distortions",
        "details": details,
    })
}

/// Runs `f` on a connection to the PostgreSQL database of a data directory (a suite run on
/// PostgreSQL only; `None` on SQLite), on a runtime of its own.
pub fn with_database<T>(
    dir: &Path,
    f: impl AsyncFnOnce(&tokio_postgres::Client) -> T,
) -> Option<T> {
    let url = database_for(dir)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    Some(rt.block_on(async move {
        let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
            .await
            .expect("the test connects to its database");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        f(&client).await
    }))
}

/// `recoup-server admin-credentials` as the operator runs it, on the data dir's engine.
pub mod credentials {
    use std::path::Path;

    use recoup_core::Timestamp;
    use recoup_server::AppError;
    use recoup_server::credentials as c;

    fn on_database<T>(dir: &Path, f: impl AsyncFnOnce(String) -> T) -> Option<T> {
        let url = super::database_for(dir)?;
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        Some(rt.block_on(f(url)))
    }

    pub fn add(dir: &Path, name: &str, now: Timestamp) -> Result<String, AppError> {
        on_database(dir, async |url| {
            c::add_in_database(&recoup_server::Database::at(&url, 1), name, now).await
        })
        .unwrap_or_else(|| c::add(dir, name, now))
    }

    pub fn list(dir: &Path) -> Result<Vec<c::AdminCredential>, AppError> {
        on_database(dir, async |url| {
            c::list_in_database(&recoup_server::Database::at(&url, 1)).await
        })
        .unwrap_or_else(|| c::list(dir))
    }

    pub fn revoke(dir: &Path, name: &str, now: Timestamp) -> Result<bool, AppError> {
        on_database(dir, async |url| {
            c::revoke_in_database(&recoup_server::Database::at(&url, 1), name, now).await
        })
        .unwrap_or_else(|| c::revoke(dir, name, now))
    }
}

/// Whether this run is on PostgreSQL, where a test of a SQLite-engine mechanism has nothing to
/// test; says why when it is.
pub fn sqlite_engine_only(why: &str) -> bool {
    recoup_store_pg::harness::sqlite_engine_only(why)
}
