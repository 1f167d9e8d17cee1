//! # recoup-bench-app
//!
//! What `benches/app.rs` needs to measure the release desktop app in the real WebKit (run it with
//! `bash scripts/bench-app.sh`, which builds the app, the UI and the minimal Tauri app first):
//!
//! - [`seed`]: a data dir with N generations, made the way the app makes them: `App::start` with
//!   the embedded sandbox endpoint, a credit grant through the endpoint's admin API, then
//!   `App::generate` N times (the endpoint's generator draws each output, the device pulls the
//!   ledger rows and caches the output), then one sync.
//! - [`Driver`] and [`Session`]: `tauri-driver` (with `WebKitWebDriver`) and the few W3C
//!   WebDriver commands the bench uses, over reqwest (blocking).
//! - [`Launcher`]: a wrapper script `tauri-driver` starts instead of the binary; it writes the
//!   wall-clock instant and its pid (kept by `exec`) before running the app, so the start-up time
//!   is measured from the process's spawn.
//! - [`memory`]: RSS and PSS of a process and its descendants (WebKit's web and network
//!   processes) from `/proc`.

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// The WebDriver client: reqwest, blocking, on loopback.
type Agent = reqwest::blocking::Client;

/// Errors: every failure ends the bench with a message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
/// A result of the bench's helpers.
pub type Res<T> = Result<T, Error>;

fn err(msg: impl Into<String>) -> Error {
    msg.into().into()
}

// ---------------------------------------------------------------------------------------------
// Seeding

struct NoEvents;

impl recoup_app::EventSink for NoEvents {
    fn emit(&self, _: &recoup_app::views::AppEvent) {}
}

/// The file that says a data dir holds `n` seeded generations.
fn seeded_marker(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("bench-seeded-{n}"))
}

/// Makes `dir` a data dir with `n` generations through the app's own code paths (see the crate
/// docs), unless a previous run left one there. Returns whether it seeded, and how long it took.
pub fn seed(dir: &Path, n: usize, threads: usize) -> Res<Option<Duration>> {
    if seeded_marker(dir, n).exists() {
        return Ok(None);
    }
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    let started = Instant::now();
    let mut config = recoup_app::AppConfig::new(dir.to_owned());
    // As the app runs with RECOUP_NO_KEYCHAIN=1: the token in a private file.
    config.use_keychain = false;
    let app = Arc::new(recoup_app::App::start(config, Arc::new(NoEvents))?);
    let info = app.app_info()?;
    let url = info
        .endpoint
        .url
        .ok_or_else(|| err("no embedded endpoint URL"))?;
    let account: uuid::Uuid = info
        .endpoint
        .account_id
        .ok_or_else(|| err("no sandbox account"))?
        .parse()?;
    let admin_token = std::fs::read_to_string(dir.join("endpoint").join("admin-token"))?;
    let admin = recoup_sync::Client::new(recoup_sync::HttpTransport::new(&url)?)
        .with_token(admin_token.trim().to_owned());
    // The starting allowance covers a few hundred generations; a top-up covers the rest.
    admin.admin_grant(
        account,
        &recoup_api::AdminGrant {
            credits: 100 * n as u64 + 10_000,
            kind: recoup_core::GrantKind::TopUp,
            expires_in_days: None,
            note: "benchmark seed".to_owned(),
        },
    )?;
    let next = Arc::new(AtomicUsize::new(0));
    let features = recoup_core::Feature::ALL;
    std::thread::scope(|scope| -> Res<()> {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                let app = Arc::clone(&app);
                let next = Arc::clone(&next);
                scope.spawn(move || -> Res<()> {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            return Ok(());
                        }
                        let req = recoup_app::views::GenerateRequest {
                            feature: features[i % features.len()],
                            surface: None,
                        };
                        app.generate(&req)?;
                        if (i + 1).is_multiple_of(1000) {
                            eprintln!("  seeded {} of {n} generations", i + 1);
                        }
                    }
                })
            })
            .collect();
        for w in workers {
            w.join().map_err(|_| err("a seeding thread panicked"))??;
        }
        Ok(())
    })?;
    if !app.sync_and_wait(Duration::from_secs(120))? {
        return Err(err("the final sync did not finish"));
    }
    app.shutdown();
    drop(app);
    std::fs::write(seeded_marker(dir, n), format!("{n}\n"))?;
    Ok(Some(started.elapsed()))
}

// ---------------------------------------------------------------------------------------------
// Processes

/// Two different free loopback ports (bound together, then released): released one at a time,
/// the kernel can hand out the same port twice, and WebKitWebDriver then cannot listen.
pub fn free_port_pair() -> Res<(u16, u16)> {
    let a = TcpListener::bind("127.0.0.1:0")?;
    let b = TcpListener::bind("127.0.0.1:0")?;
    Ok((a.local_addr()?.port(), b.local_addr()?.port()))
}

/// Stops a child this bench started: SIGTERM (tauri-driver then stops WebKitWebDriver), then
/// SIGKILL if it has not exited within 5 s.
fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A running `tauri-driver` on free ports; stopped when dropped.
pub struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    /// Starts `tauri_driver` with `native` (`WebKitWebDriver`) as its native driver, its output
    /// in `log`, and waits until it listens.
    pub fn start(tauri_driver: &Path, native: &Path, log: &Path) -> Res<Self> {
        let (port, native_port) = free_port_pair()?;
        let out = std::fs::File::create(log)?;
        let child = Command::new(tauri_driver)
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .arg("--native-driver")
            .arg(native)
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .map_err(|e| err(format!("cannot start {}: {e}", tauri_driver.display())))?;
        let mut driver = Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        // tauri-driver proxies to the WebKitWebDriver it starts beside it: wait for both.
        let listening = |p: u16| std::net::TcpStream::connect(("127.0.0.1", p)).is_ok();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if listening(port) && listening(native_port) {
                return Ok(driver);
            }
            if let Ok(Some(status)) = driver.child.try_wait() {
                return Err(err(format!(
                    "tauri-driver exited ({status}); see {}",
                    log.display()
                )));
            }
            if Instant::now() > deadline {
                return Err(err(
                    "tauri-driver and WebKitWebDriver did not both listen within 20 s",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Opens a session: `tauri-driver` has WebKitWebDriver launch `application`.
    pub fn session(&self, application: &Path) -> Res<Session> {
        let agent = recoup_sync::blocking_client_builder()
            .map_err(|e| err(e.to_string()))?
            .timeout(Duration::from_secs(120))
            .no_proxy()
            .build()
            .map_err(|e| err(e.to_string()))?;
        let caps = json!({"capabilities": {"alwaysMatch": {
            "tauri:options": {"application": application.display().to_string()}
        }}});
        let v = call(
            &agent,
            "POST",
            &format!("{}/session", self.url),
            Some(&caps),
        )?;
        let id = v["sessionId"]
            .as_str()
            .ok_or_else(|| err(format!("no session id in {v}")))?;
        let s = Session {
            base: format!("{}/session/{id}", self.url),
            agent,
        };
        s.cmd("POST", "/timeouts", Some(&json!({"script": 120_000})))?;
        Ok(s)
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

fn call(agent: &Agent, method: &str, url: &str, body: Option<&Value>) -> Res<Value> {
    let answer = match (method, body) {
        ("DELETE", _) => agent.delete(url),
        ("GET", _) => agent.get(url),
        (_, Some(b)) => agent.post(url).json(b),
        (_, None) => agent.post(url).json(&json!({})),
    }
    .send()
    .map_err(|e| err(format!("{method} {url}: {e}")))?;
    let ok = answer.status().is_success();
    let mut bytes = Vec::new();
    answer
        .take(64 * 1024 * 1024)
        .read_to_end(&mut bytes)
        .map_err(|e| err(format!("{method} {url}: unreadable answer: {e}")))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| err(format!("{method} {url}: unreadable answer: {e}")))?;
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if ok {
        Ok(value)
    } else {
        Err(err(format!(
            "{method} {url}: {}: {}",
            value["error"], value["message"]
        )))
    }
}

/// One WebDriver session (one app process); deleted (the app closed) when dropped.
pub struct Session {
    agent: Agent,
    base: String,
}

impl Session {
    fn cmd(&self, method: &str, path: &str, body: Option<&Value>) -> Res<Value> {
        call(&self.agent, method, &format!("{}{path}", self.base), body)
    }

    /// `execute/async`: `script` gets `args`, then the callback as its last argument.
    pub fn execute_async(&self, script: &str, args: Value) -> Res<Value> {
        self.cmd(
            "POST",
            "/execute/async",
            Some(&json!({"script": script, "args": args})),
        )
    }

    /// `execute/sync`.
    pub fn execute(&self, script: &str, args: Value) -> Res<Value> {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(&json!({"script": script, "args": args})),
        )
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = call(&self.agent, "DELETE", &self.base, None);
    }
}

// ---------------------------------------------------------------------------------------------
// Launching through a wrapper

/// The wrapper script that `tauri-driver` launches instead of the app binary.
pub struct Launcher {
    /// The script.
    pub script: PathBuf,
    mark: PathBuf,
    pid: PathBuf,
}

impl Launcher {
    /// Writes `dir/launch-<name>.sh`: records the wall clock (ns) and its own pid, sets `env`,
    /// then `exec`s `binary` (same pid).
    pub fn new(dir: &Path, name: &str, binary: &Path, env: &[(&str, String)]) -> Res<Self> {
        std::fs::create_dir_all(dir)?;
        let script = dir.join(format!("launch-{name}.sh"));
        let mark = dir.join(format!("launch-{name}.spawned"));
        let pid = dir.join(format!("launch-{name}.pid"));
        let mut s = String::from("#!/bin/sh\n");
        s += &format!("date +%s%N > '{}'\n", mark.display());
        s += &format!("echo $$ > '{}'\n", pid.display());
        for (k, v) in env {
            s += &format!("export {k}='{v}'\n");
        }
        s += &format!("exec '{}' \"$@\"\n", binary.display());
        let mut f = std::fs::File::create(&script)?;
        f.write_all(s.as_bytes())?;
        drop(f);
        Command::new("chmod").arg("755").arg(&script).status()?;
        Ok(Self { script, mark, pid })
    }

    /// Forgets the previous launch's marks.
    pub fn reset(&self) {
        let _ = std::fs::remove_file(&self.mark);
        let _ = std::fs::remove_file(&self.pid);
    }

    /// When the last launch started (ms since the Unix epoch).
    pub fn spawned_ms(&self) -> Res<f64> {
        let ns: u128 = std::fs::read_to_string(&self.mark)?.trim().parse()?;
        Ok(ns as f64 / 1e6)
    }

    /// The last launch's pid (the app's, after `exec`).
    pub fn pid(&self) -> Res<u32> {
        Ok(std::fs::read_to_string(&self.pid)?.trim().parse()?)
    }
}

/// Waits, inside the page, until `[data-ready="true"]` is present with at least `arguments[1]`
/// elements matching `arguments[0]`; answers the wall clock (ms since the epoch) of the DOM
/// change that completed it, whether it was already so when the script ran, and the count.
pub const READY_SCRIPT: &str = r#"
const [sel, min, done] = arguments;
const now = () => performance.timeOrigin + performance.now();
const check = () => {
  const n = document.querySelectorAll(sel).length;
  return document.querySelector('[data-ready="true"]') && n >= min ? n : 0;
};
const n0 = check();
if (n0) { done({at: now(), already: true, count: n0}); return; }
const obs = new MutationObserver(() => {
  const n = check();
  if (n) { const at = now(); obs.disconnect(); done({at, already: false, count: n}); }
});
obs.observe(document.documentElement, {attributes: true, childList: true, subtree: true});
"#;

/// Times `invoke(cmd, args)` `n` times one after another after `warm` untimed calls; answers
/// each duration (ms, `performance.now()`) and the whole loop's.
pub const IPC_SCRIPT: &str = r#"
const [cmd, args, warm, n, done] = arguments;
const invoke = window.__TAURI_INTERNALS__.invoke;
(async () => {
  for (let i = 0; i < warm; i++) await invoke(cmd, args);
  const t = [];
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    const a = performance.now();
    await invoke(cmd, args);
    t.push(performance.now() - a);
  }
  done({ok: true, t, total: performance.now() - start});
})().catch(e => done({ok: false, error: String(e && (e.message || JSON.stringify(e)))}));
"#;

/// Wall clock now, ms since the Unix epoch.
pub fn now_ms() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1e3)
}

// ---------------------------------------------------------------------------------------------
// Memory and statistics

/// One process's memory.
#[derive(Debug, Clone)]
pub struct ProcMem {
    /// pid.
    pub pid: u32,
    /// `comm` (WebKitWebProcess, WebKitNetworkProcess, the app's name).
    pub name: String,
    /// Resident set (VmRSS), KiB.
    pub rss_kib: u64,
    /// Proportional set (`smaps_rollup` Pss), KiB.
    pub pss_kib: u64,
}

fn field_kib(text: &str, key: &str) -> u64 {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn proc_mem(pid: u32) -> Option<ProcMem> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).unwrap_or_default();
    let name = status
        .lines()
        .find_map(|l| l.strip_prefix("Name:"))
        .map(|n| n.trim().to_owned())
        .unwrap_or_default();
    Some(ProcMem {
        pid,
        name,
        rss_kib: field_kib(&status, "VmRSS:"),
        pss_kib: field_kib(&rollup, "Pss:"),
    })
}

fn children(pid: u32) -> Vec<u32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .ok()
                .and_then(|s| {
                    let after = s.rsplit_once(')')?.1;
                    after.split_whitespace().nth(1)?.parse::<u32>().ok()
                })
                == Some(pid)
        })
        .collect()
}

/// The memory of `pid` and of all its descendants (parent first).
pub fn memory(pid: u32) -> Vec<ProcMem> {
    let mut out = Vec::new();
    let mut todo = vec![pid];
    while let Some(p) = todo.pop() {
        if let Some(m) = proc_mem(p) {
            out.push(m);
        }
        todo.extend(children(p));
    }
    out
}

/// Nearest-rank percentile of sorted values (`q` in 0..=100).
pub fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Sorts and summarises: p50, p95, p99, max, mean.
pub fn summary(values: &[f64]) -> Value {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mean = v.iter().sum::<f64>() / v.len().max(1) as f64;
    json!({
        "n": v.len(),
        "p50": percentile(&v, 50.0),
        "p95": percentile(&v, 95.0),
        "p99": percentile(&v, 99.0),
        "max": v.last().copied().unwrap_or(f64::NAN),
        "min": v.first().copied().unwrap_or(f64::NAN),
        "mean": mean,
    })
}
