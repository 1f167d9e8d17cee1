//! The crash soak: the real `recoup-server` and `recoup` binaries, `kill -9`ed at random
//! points hundreds of times while generations, reports, syncs and review decisions keep
//! flowing; then every report has one final answer, nothing is lost or doubled, and every
//! ledger verifies and agrees with the endpoint's.
//!
//! One sandbox endpoint runs on a data dir of its own and a free loopback port; D devices (CLI
//! data dirs) log in to it. Each device has a worker that runs a seeded schedule of CLI
//! commands, one child process at a time (generate a random feature, report a generation with a
//! random reason, sync), and kills some of them (SIGKILL, `Child::kill`) 0 to
//! [`Config::device_kill_delay_ms_max`] ms after they start. A killed command is retried with
//! the same id (a generation always eventually, as the app resumes what it started; a report
//! sometimes, else abandoned, as a user who gives up would). A killer thread kills the endpoint
//! 0 to [`Config::endpoint_uptime_ms_max`] ms after it starts listening and restarts it on the
//! same data dir and port. An operator thread decides the claims waiting for review through
//! the admin API. When the kills are done, every device syncs until quiescent and the checks
//! run (see [`run`]); a breach is a [`SoakError::Breach`] that names the seed and keeps the
//! data.
//!
//! ## Evidence that kills land inside commits
//!
//! The soak starts every binary with `RECOUP_COMMIT_TRACE` (a file per endpoint incarnation, a
//! file per device command) and `RECOUP_COMMIT_TRACE_DELAY_MS`: recoup-store then appends
//! `<pid> <conn> commit-begin` from SQLite's commit hook (inside `COMMIT`, before the commit
//! frame is written to the WAL), `commit-hooked` when the hook returns after its pause (SQLite
//! then writes and syncs the WAL), and `commit-end` when `COMMIT` has returned. After each
//! kill the soak reads the killed process's file: if the last line of any connection is
//! `commit-begin`, the kill landed in the hook (the transaction cannot be in the file: SQLite
//! had not written its commit frame); if it is `commit-hooked`, the kill landed while SQLite
//! was writing or syncing the commit (it may or may not be there, but wholly or not at all).
//! Right after such a kill, before anything else touches them, the killed process's stores are
//! opened (which recovers the WAL) and verified, and for a report the claim is checked to be
//! there with its outbox row or not there at all.
//!
//! What this proves: kills do land inside the store's commits (counted, per kind), and the
//! stores they cut open, verify and keep every invariant afterwards; the end checks then show
//! that nothing acknowledged was lost or doubled across all the kills. What it does not prove:
//! the trace marks only the stores' write transactions (the endpoint's registry database,
//! migrations and the outputs written as files are not traced); `kill -9` stops a process,
//! not the machine, so data the kernel already holds survives (a power cut, which loses the
//! page cache, is not simulated: that is what `synchronous = FULL` is for, and is not tested
//! here); and the pause widens the window in the hook only, so kills between the hook and the
//! end of `COMMIT` (the `commit-hooked` case) are rarer and random.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use recoup_core::Timestamp;
use recoup_core::rng::{SplitMix64, derive};
use recoup_core::{ClaimId, ClaimReason, Feature, GenerationId};
use recoup_store::{
    COMMIT_TRACE_AFTER_MS_ENV, COMMIT_TRACE_DELAY_MS_ENV, COMMIT_TRACE_ENV, ClaimOutcome,
    ClaimQuery, ClaimRecord, ENTRY_PAGE_MAX, EntryKind, EntryQuery, LedgerEntry, Store, StoreError,
    SyncState,
};

/// The admin token of the soak's endpoint.
const ADMIN_TOKEN: &str = "soak-admin-6fQz2LmV9xR4tK8wN3pB";
/// The SIGKILL signal number.
const SIGKILL: i32 = 9;
/// Most runs of a cut generation at the end.
const RESUME_TRIES_MAX: u32 = 60;
/// How long the end waits for quiescence beyond the outbox's longest backoff: a report that
/// failed often while the endpoint was down waits up to the backoff cap before it is due again,
/// even for a manual sync, so the end must outwait it.
const QUIESCE_MARGIN: Duration = Duration::from_secs(60);
/// Most attempts to start (or restart) the endpoint.
const START_TRIES_MAX: u32 = 50;
/// Most claims one listing reads (the store's page bound).
const CLAIM_PAGE: u32 = 1_000;

/// What to run.
#[derive(Debug, Clone)]
pub struct Config {
    /// Seeds every random choice of the schedule (not the ids, nor the OS's timing).
    pub seed: u64,
    /// Kills to land in all (endpoint and device processes).
    pub kills: u32,
    /// Devices (CLI data dirs), each with its own account.
    pub devices: u32,
    /// The share of the kills aimed at the endpoint.
    pub endpoint_kill_share: f64,
    /// The chance that a device command is aimed at (it may finish first).
    pub device_kill_chance: f64,
    /// A device command is killed 0 to this many ms after it starts.
    pub device_kill_delay_ms_max: u64,
    /// The endpoint is killed 0 to this many ms after it listens.
    pub endpoint_uptime_ms_max: u64,
    /// `RECOUP_COMMIT_TRACE_DELAY_MS` for the binaries: the pause inside each commit.
    pub commit_delay_ms: u64,
    /// `RECOUP_COMMIT_TRACE_AFTER_MS` for the binaries: the pause after each commit, before the
    /// caller's next step (0: none, and no `commit-after` lines).
    pub commit_after_ms: u64,
    /// Where to keep the data (else a temp dir, removed when the soak passes).
    pub work_dir: Option<PathBuf>,
}

impl Config {
    /// The defaults with this seed and number of kills.
    pub fn new(seed: u64, kills: u32) -> Self {
        Self {
            seed,
            kills,
            devices: 3,
            endpoint_kill_share: 0.35,
            device_kill_chance: 0.45,
            device_kill_delay_ms_max: 40,
            endpoint_uptime_ms_max: 300,
            commit_delay_ms: 3,
            commit_after_ms: 2,
            work_dir: None,
        }
    }
}

/// Kills of one kind of process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Kills {
    /// Processes killed while running (a command that had already exited is not counted).
    pub total: u64,
    /// Killed inside the commit hook: a connection's last line was `commit-begin`.
    pub in_hook: u64,
    /// Killed while SQLite wrote or synced a commit: a connection's last line was
    /// `commit-hooked` (and none was `commit-begin`).
    pub in_commit_write: u64,
    /// Killed in the pause after a commit (`RECOUP_COMMIT_TRACE_AFTER_MS`): a connection's last
    /// line was `commit-end`. Not inside a commit: between a commit and the next step.
    pub after_commit: u64,
}

impl Kills {
    /// Kills that landed between a commit's begin and its end.
    pub fn inside_commits(&self) -> u64 {
        self.in_hook + self.in_commit_write
    }
}

/// What a passing soak did and found.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// The seed.
    pub seed: u64,
    /// Kills of the endpoint.
    pub endpoint: Kills,
    /// Kills of device commands.
    pub device: Kills,
    /// Stores opened and verified right after a kill inside a commit.
    pub stores_checked_after_kills: u64,
    /// Reports cut inside their commit: found whole afterwards.
    pub cut_reports_present: u64,
    /// Reports cut inside their commit: found absent afterwards.
    pub cut_reports_absent: u64,
    /// CLI commands run (including those killed).
    pub commands: u64,
    /// Generations the CLI acknowledged.
    pub generations: u64,
    /// Generate commands run again with the same id after a kill or an unreachable endpoint.
    pub generations_retried: u64,
    /// Reports the CLI acknowledged (exit 0).
    pub reports: u64,
    /// Reports the CLI refused (exit 1: a failed generation, a second report...).
    pub reports_refused: u64,
    /// Reports given up after a kill.
    pub reports_abandoned: u64,
    /// Refusals (exit 1) of generate and report commands, by error code.
    pub refusals: BTreeMap<String, u64>,
    /// Syncs run.
    pub syncs: u64,
    /// Claims in review decided by the operator.
    pub reviews_decided: u64,
    /// Claims refunded on the endpoint at the end.
    pub refunds: u64,
    /// Claims not refunded on the endpoint at the end.
    pub not_refunded: u64,
    /// Sync rounds the end needed to be quiescent.
    pub quiesce_rounds: u32,
    /// How long the end took to be quiescent (reports backed off wait for their turn).
    pub quiesce_time: Duration,
    /// From start to the last check.
    pub elapsed: Duration,
}

/// What the soak reports while it runs.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Endpoint kills so far.
    pub endpoint_kills: u64,
    /// Device kills so far.
    pub device_kills: u64,
    /// Kills inside commits so far.
    pub kills_inside_commits: u64,
    /// CLI commands so far.
    pub commands: u64,
    /// Since the start.
    pub elapsed: Duration,
}

/// Why a soak failed.
#[derive(Debug, thiserror::Error)]
pub enum SoakError {
    /// A binary is not built.
    #[error("{} is missing: build it with `{build}`", path.display())]
    MissingBinary {
        /// Where it was looked for.
        path: PathBuf,
        /// The command that builds it.
        build: String,
    },
    /// Something that must hold did not: a defect (or a harness bug) to replay with the seed.
    #[error("seed {seed}: {what} (data kept in {})", data.display())]
    Breach {
        /// The seed to replay.
        seed: u64,
        /// What broke.
        what: String,
        /// The soak's data, kept for a post-mortem.
        data: PathBuf,
    },
    /// The soak could not run (a file, a process, the port).
    #[error("seed {seed}: the soak could not run: {what}")]
    Harness {
        /// The seed.
        seed: u64,
        /// What failed.
        what: String,
    },
}

/// Runs the soak with the binaries in `binaries_dir` (`recoup`, `recoup-server`).
pub fn run(config: &Config, binaries_dir: &Path) -> Result<Report, SoakError> {
    run_with_progress(config, binaries_dir, |_| {})
}

/// [`run`], calling `progress` about once a second while the kills go on.
pub fn run_with_progress(
    config: &Config,
    binaries_dir: &Path,
    mut progress: impl FnMut(&Progress),
) -> Result<Report, SoakError> {
    let bins = Binaries::find(binaries_dir)?;
    let harness = |what: String| SoakError::Harness {
        seed: config.seed,
        what,
    };
    let (temp, root) = match &config.work_dir {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| harness(format!("cannot create {}: {e}", dir.display())))?;
            (None, dir.clone())
        }
        None => {
            let t = tempfile::Builder::new()
                .prefix("recoup-soak-")
                .tempdir()
                .map_err(|e| harness(format!("cannot make a temp dir: {e}")))?;
            let p = t.path().to_owned();
            (Some(t), p)
        }
    };
    let result = Soak::new(config, bins, &root).and_then(|soak| soak.run(&mut progress));
    match result {
        Ok(report) => Ok(report),
        Err(Fail::Harness(what)) => Err(harness(what)),
        Err(Fail::Breach(what)) => {
            // Keep the data of a failed run for the post-mortem.
            let data = temp.map(tempfile::TempDir::keep).unwrap_or(root);
            Err(SoakError::Breach {
                seed: config.seed,
                what,
                data,
            })
        }
    }
}

/// A failure inside the soak, before the seed and data dir are attached.
#[derive(Debug)]
enum Fail {
    Harness(String),
    Breach(String),
}

type Res<T> = Result<T, Fail>;

fn breach<T>(what: impl Into<String>) -> Res<T> {
    Err(Fail::Breach(what.into()))
}

fn harness(what: impl Into<String>) -> Fail {
    Fail::Harness(what.into())
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Debug, Clone)]
struct Binaries {
    recoup: PathBuf,
    server: PathBuf,
}

impl Binaries {
    fn find(dir: &Path) -> Result<Self, SoakError> {
        let recoup = dir.join("recoup");
        let server = dir.join("recoup-server");
        let missing: Vec<(&PathBuf, &str)> = [(&recoup, "recoup-cli"), (&server, "recoup-server")]
            .into_iter()
            .filter(|(path, _)| !path.exists())
            .collect();
        let Some((path, _)) = missing.first() else {
            return Ok(Self { recoup, server });
        };
        let profile = if dir.ends_with("release") {
            " --release"
        } else {
            ""
        };
        let packages: Vec<String> = missing.iter().map(|(_, p)| format!("-p {p}")).collect();
        Err(SoakError::MissingBinary {
            path: (*path).clone(),
            build: format!("cargo build{profile} {}", packages.join(" ")),
        })
    }
}

/// Counters shared by the threads.
#[derive(Debug, Default)]
struct Counters {
    commands: AtomicU64,
    endpoint_kills: AtomicU64,
    endpoint_in_hook: AtomicU64,
    endpoint_in_write: AtomicU64,
    endpoint_after: AtomicU64,
    device_kills: AtomicU64,
    device_in_hook: AtomicU64,
    device_in_write: AtomicU64,
    device_after: AtomicU64,
    stores_checked: AtomicU64,
    cut_present: AtomicU64,
    cut_absent: AtomicU64,
    generations: AtomicU64,
    generations_retried: AtomicU64,
    reports: AtomicU64,
    reports_refused: AtomicU64,
    reports_abandoned: AtomicU64,
    syncs: AtomicU64,
    reviews_decided: AtomicU64,
}

fn bump(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

fn get(c: &AtomicU64) -> u64 {
    c.load(Ordering::Relaxed)
}

/// Where a killed process was, from its commit trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Outside,
    InHook,
    InCommitWrite,
    AfterCommit,
}

/// Reads a trace file: a connection whose last line is `commit-begin` was cut in the hook, one
/// whose last line is `commit-hooked` while SQLite wrote the commit, and (when the binaries
/// pause after commits, `after`) one whose last line is `commit-end` in that pause.
fn place_of(trace: &Path, after: bool) -> Place {
    let Ok(text) = std::fs::read_to_string(trace) else {
        return Place::Outside;
    };
    let mut last: BTreeMap<&str, &str> = BTreeMap::new();
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let (Some(_pid), Some(conn), Some(what)) = (words.next(), words.next(), words.next())
        else {
            continue;
        };
        last.insert(conn, what);
    }
    if last.values().any(|w| *w == "commit-begin") {
        Place::InHook
    } else if last.values().any(|w| *w == "commit-hooked") {
        Place::InCommitWrite
    } else if after && last.values().any(|w| *w == "commit-end") {
        Place::AfterCommit
    } else {
        Place::Outside
    }
}

/// The endpoint process and where it lives.
struct Endpoint {
    child: Option<Child>,
    server: PathBuf,
    data: PathBuf,
    traces: PathBuf,
    port: u16,
    incarnation: u64,
    commit_delay_ms: u64,
    commit_after_ms: u64,
}

impl Endpoint {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn trace(&self) -> PathBuf {
        self.traces
            .join(format!("endpoint-{}.trace", self.incarnation))
    }

    /// Starts it and waits until it listens.
    fn start(&mut self) -> Res<()> {
        let mut last = String::new();
        for _ in 0..START_TRIES_MAX {
            self.incarnation += 1;
            match self.try_start() {
                Ok(child) => {
                    self.child = Some(child);
                    return Ok(());
                }
                Err(e) => {
                    last = e;
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
        Err(harness(format!("the endpoint does not start: {last}")))
    }

    fn try_start(&self) -> Result<Child, String> {
        let mut child = Command::new(&self.server)
            .arg("--data-dir")
            .arg(&self.data)
            .arg("--listen")
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["--sandbox", "--admin-token", ADMIN_TOKEN])
            .args(["--failure-rate", "0.1", "--bad-rate", "0.5"])
            .args([
                "--rate-per-sec",
                "100000",
                "--starting-allowance",
                "1000000",
            ])
            .env(COMMIT_TRACE_ENV, self.trace())
            .env(COMMIT_TRACE_DELAY_MS_ENV, self.commit_delay_ms.to_string())
            .env(COMMIT_TRACE_AFTER_MS_ENV, self.commit_after_ms.to_string())
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.server.display()))?;
        let Some(stdout) = child.stdout.take() else {
            return Err("no stdout".into());
        };
        let mut reader = std::io::BufReader::new(stdout);
        let mut line = String::new();
        let read = reader.read_line(&mut line);
        if !matches!(read, Ok(n) if n > 0) || !line.contains("listening") {
            let _ = child.kill();
            let status = child.wait();
            return Err(format!("it did not listen ({line:?}, {status:?})"));
        }
        // Drain what else it prints, so that it never blocks on a full pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Ok(child)
    }

    /// SIGKILL; answers whether it was running (not already dead).
    fn kill(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = child.kill();
        matches!(child.wait(), Ok(s) if s.signal() == Some(SIGKILL))
    }

    fn account_stores(&self) -> Res<Vec<PathBuf>> {
        let dir = self.data.join("accounts");
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| harness(format!("cannot list {}: {e}", dir.display())))?;
        let mut out = Vec::new();
        for e in entries.flatten() {
            let p = e.path().join("ledger.sqlite3");
            if p.exists() {
                out.push(p);
            }
        }
        Ok(out)
    }
}

/// One device: a CLI data dir linked to its own account.
struct Device {
    index: u32,
    dir: PathBuf,
    account: uuid::Uuid,
}

impl Device {
    fn store_path(&self) -> PathBuf {
        self.dir.join("recoup.sqlite3")
    }

    fn trace(&self) -> PathBuf {
        self.dir.with_extension("trace")
    }
}

/// What a device worker remembers.
#[derive(Debug, Default)]
struct DeviceLog {
    /// Generations acknowledged, with whether they were reported.
    generations: Vec<(GenerationId, bool)>,
    /// A generation to run again with the same id.
    pending_generation: Option<(GenerationId, Feature)>,
    /// A report to run again with the same id.
    pending_report: Option<(ClaimId, GenerationId, ClaimReason)>,
    /// Reports acknowledged (exit 0).
    acknowledged: BTreeSet<ClaimId>,
}

/// How a device command ended.
enum Ended {
    Exited(ExitStatus),
    Killed(Place),
}

struct Soak {
    config: Config,
    bins: Binaries,
    endpoint: Mutex<Endpoint>,
    devices: Vec<Device>,
    logs: Vec<Mutex<DeviceLog>>,
    counters: Counters,
    refusals: Mutex<BTreeMap<String, u64>>,
    stop: AtomicBool,
    failure: Mutex<Option<Fail>>,
    start: Instant,
    endpoint_target: u64,
    device_target: u64,
}

impl Soak {
    fn new(config: &Config, bins: Binaries, root: &Path) -> Res<Self> {
        let traces = root.join("traces");
        std::fs::create_dir_all(&traces)
            .map_err(|e| harness(format!("cannot create {}: {e}", traces.display())))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| harness(format!("no free loopback port: {e}")))?
            .port();
        let mut endpoint = Endpoint {
            child: None,
            server: bins.server.clone(),
            data: root.join("endpoint"),
            traces,
            port,
            incarnation: 0,
            commit_delay_ms: config.commit_delay_ms,
            commit_after_ms: config.commit_after_ms,
        };
        endpoint.start()?;
        let endpoint_target =
            (f64::from(config.kills) * config.endpoint_kill_share.clamp(0.0, 1.0)).round() as u64;
        let mut soak = Self {
            config: config.clone(),
            bins,
            endpoint: Mutex::new(endpoint),
            devices: Vec::new(),
            logs: Vec::new(),
            counters: Counters::default(),
            refusals: Mutex::new(BTreeMap::new()),
            stop: AtomicBool::new(false),
            failure: Mutex::new(None),
            start: Instant::now(),
            endpoint_target,
            device_target: u64::from(config.kills).saturating_sub(endpoint_target),
        };
        for index in 0..config.devices.max(1) {
            let device = soak.login(root, index)?;
            soak.devices.push(device);
            soak.logs.push(Mutex::new(DeviceLog::default()));
        }
        Ok(soak)
    }

    /// Links a new data dir to a new sandbox account (nothing is killed yet).
    fn login(&self, root: &Path, index: u32) -> Res<Device> {
        let dir = root.join(format!("device-{index}"));
        let url = lock(&self.endpoint).url();
        let status = self
            .recoup(&dir)
            .args(["login", "--endpoint", &url, "--create"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .map_err(|e| harness(format!("cannot run recoup login: {e}")))?;
        if !status.success() {
            return Err(harness(format!("recoup login failed: {status}")));
        }
        let store = open(&dir.join("recoup.sqlite3"))?;
        let account = store
            .meta(recoup_sync::meta::ACCOUNT_ID)
            .map_err(|e| harness(format!("device {index}: no account id: {e}")))?
            .and_then(|a| a.parse::<uuid::Uuid>().ok())
            .ok_or_else(|| harness(format!("device {index}: no account id after login")))?;
        Ok(Device {
            index,
            dir,
            account,
        })
    }

    fn recoup(&self, dir: &Path) -> Command {
        let mut c = Command::new(&self.bins.recoup);
        c.arg("--data-dir").arg(dir).arg("--json");
        c
    }

    fn fail(&self, f: Fail) {
        let mut slot = lock(&self.failure);
        if slot.is_none() {
            *slot = Some(f);
        }
        self.stop.store(true, Ordering::SeqCst);
    }

    fn progress(&self) -> Progress {
        let c = &self.counters;
        Progress {
            endpoint_kills: get(&c.endpoint_kills),
            device_kills: get(&c.device_kills),
            kills_inside_commits: get(&c.endpoint_in_hook)
                + get(&c.endpoint_in_write)
                + get(&c.device_in_hook)
                + get(&c.device_in_write),
            commands: get(&c.commands),
            elapsed: self.start.elapsed(),
        }
    }

    fn run(self, progress: &mut impl FnMut(&Progress)) -> Res<Report> {
        let soak = Arc::new(self);
        let mut threads = Vec::new();
        for d in 0..soak.devices.len() {
            let s = Arc::clone(&soak);
            threads.push(std::thread::spawn(move || {
                if let Err(f) = s.device_worker(d) {
                    s.fail(f);
                }
            }));
        }
        let killer = {
            let s = Arc::clone(&soak);
            std::thread::spawn(move || {
                if let Err(f) = s.endpoint_killer() {
                    s.fail(f);
                }
            })
        };
        let operator = {
            let s = Arc::clone(&soak);
            std::thread::spawn(move || {
                let mut rng = SplitMix64::new(derive(s.config.seed, 0x0e7a));
                while !s.stop.load(Ordering::SeqCst) {
                    s.decide_reviews(&mut rng);
                    std::thread::sleep(Duration::from_millis(200));
                }
            })
        };
        let mut last = Instant::now();
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let p = soak.progress();
            if last.elapsed() >= Duration::from_secs(1) {
                progress(&p);
                last = Instant::now();
            }
            if p.endpoint_kills >= soak.endpoint_target && p.device_kills >= soak.device_target {
                soak.stop.store(true, Ordering::SeqCst);
            }
            if soak.stop.load(Ordering::SeqCst) {
                break;
            }
        }
        for t in threads {
            let _ = t.join();
        }
        let _ = killer.join();
        let _ = operator.join();
        progress(&soak.progress());
        if let Some(f) = lock(&soak.failure).take() {
            return Err(f);
        }
        soak.finish()
    }

    /// Kills and restarts the endpoint until its share of the kills has landed.
    fn endpoint_killer(&self) -> Res<()> {
        let mut rng = SplitMix64::new(derive(self.config.seed, 0xe1d));
        while !self.stop.load(Ordering::SeqCst)
            && get(&self.counters.endpoint_kills) < self.endpoint_target
        {
            let up = rng.next_u64() % (self.config.endpoint_uptime_ms_max + 1);
            std::thread::sleep(Duration::from_millis(up));
            let mut ep = lock(&self.endpoint);
            if ep.kill() {
                bump(&self.counters.endpoint_kills);
                let place = place_of(&ep.trace(), self.config.commit_after_ms > 0);
                if place == Place::AfterCommit {
                    bump(&self.counters.endpoint_after);
                }
                if matches!(place, Place::InHook | Place::InCommitWrite) {
                    match place {
                        Place::InHook => bump(&self.counters.endpoint_in_hook),
                        _ => bump(&self.counters.endpoint_in_write),
                    }
                    // The stores the kill cut: recovered and whole before the endpoint
                    // touches them again.
                    for path in ep.account_stores()? {
                        verify_store(&path, "an account store of the endpoint killed in a commit")?;
                        bump(&self.counters.stores_checked);
                    }
                }
            }
            ep.start()?;
        }
        Ok(())
    }

    /// The review queue as the operator sees it; `None` when the endpoint does not answer.
    fn review_queue(
        &self,
        agent: &reqwest::blocking::Client,
        url: &str,
    ) -> Option<Vec<serde_json::Value>> {
        let r = agent
            .get(format!("{url}/v1/admin/reviews"))
            .header("Authorization", format!("Bearer {ADMIN_TOKEN}"))
            .send()
            .ok()?;
        if r.status().as_u16() != 200 {
            return None;
        }
        match r.json::<serde_json::Value>().ok()? {
            serde_json::Value::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The operator: decides every claim waiting for review (approve or reject, at random).
    fn decide_reviews(&self, rng: &mut SplitMix64) -> usize {
        let url = lock(&self.endpoint).url();
        let agent = admin_agent();
        let Some(items) = self.review_queue(&agent, &url) else {
            return 0;
        };
        let mut decided = 0;
        for item in &items {
            let (Some(account), Some(claim)) = (
                item.get("account_id").and_then(|v| v.as_str()),
                item.get("claim")
                    .and_then(|c| c.get("claim_id"))
                    .and_then(|v| v.as_str()),
            ) else {
                continue;
            };
            let approve = rng.next_f64() < 0.6;
            let answer = agent
                .post(format!("{url}/v1/admin/reviews/{account}/{claim}"))
                .header("Authorization", format!("Bearer {ADMIN_TOKEN}"))
                .json(&serde_json::json!({ "approve": approve }))
                .send();
            if matches!(answer, Ok(a) if a.status().as_u16() == 200) {
                bump(&self.counters.reviews_decided);
                decided += 1;
            }
        }
        decided
    }

    /// Runs device `d`'s schedule until told to stop.
    fn device_worker(&self, d: usize) -> Res<()> {
        let mut rng = SplitMix64::new(derive(self.config.seed, 0xde5 + d as u64));
        while !self.stop.load(Ordering::SeqCst) {
            self.device_step(d, &mut rng)?;
        }
        Ok(())
    }

    fn device_step(&self, d: usize, rng: &mut SplitMix64) -> Res<()> {
        let roll = rng.next_f64();
        let mut log = lock(&self.logs[d]);
        if let Some((id, feature)) = log.pending_generation
            && roll < 0.7
        {
            drop(log);
            bump(&self.counters.generations_retried);
            return self.generate(d, rng, id, feature, true);
        }
        if let Some((claim, generation, reason)) = log.pending_report {
            if roll < 0.5 {
                drop(log);
                return self.report(d, rng, claim, generation, reason, false);
            }
            if roll < 0.8 {
                // The user gives up on it (if it was written, the outbox still carries it).
                log.pending_report = None;
                bump(&self.counters.reports_abandoned);
            }
        }
        let op = rng.next_f64();
        if op < 0.45 {
            if log.pending_generation.is_some() {
                return Ok(());
            }
            drop(log);
            let feature = Feature::ALL[(rng.next_u64() % Feature::ALL.len() as u64) as usize];
            self.generate(d, rng, GenerationId::new_v7(), feature, true)
        } else if op < 0.75 {
            // Mostly a generation not reported yet; sometimes one already reported (the
            // device refuses a second report).
            let candidates: Vec<GenerationId> = log
                .generations
                .iter()
                .filter(|(_, reported)| !reported || op > 0.72)
                .map(|(g, _)| *g)
                .collect();
            if candidates.is_empty() || log.pending_report.is_some() {
                return Ok(());
            }
            drop(log);
            let g = candidates[(rng.next_u64() % candidates.len() as u64) as usize];
            let reason =
                ClaimReason::ALL[(rng.next_u64() % ClaimReason::ALL.len() as u64) as usize];
            self.report(d, rng, ClaimId::new_v7(), g, reason, true)
        } else {
            drop(log);
            self.sync(d, rng, true).map(drop)
        }
    }

    /// Whether to aim at this command, and when.
    fn kill_plan(&self, rng: &mut SplitMix64, cut: bool) -> Option<Duration> {
        let aim = rng.next_f64() < self.config.device_kill_chance;
        let delay = rng.next_u64() % (self.config.device_kill_delay_ms_max + 1);
        let wanted = get(&self.counters.device_kills) < self.device_target;
        (cut && aim && wanted && !self.stop.load(Ordering::SeqCst))
            .then(|| Duration::from_millis(delay))
    }

    /// Runs a CLI command of device `d`, killing it after `kill_after` if it is still running.
    fn command(&self, d: usize, args: &[String], kill_after: Option<Duration>) -> Res<Ended> {
        let device = &self.devices[d];
        let trace = device.trace();
        let _ = std::fs::remove_file(&trace);
        // What it prints (the answer or the error, as JSON), for a refusal's code or a
        // breach's message.
        let stderr = std::fs::File::create(self.output_path(d))
            .map_err(|e| harness(format!("cannot create an output file: {e}")))?;
        let stdout = stderr
            .try_clone()
            .map_err(|e| harness(format!("cannot share an output file: {e}")))?;
        let mut child = self
            .recoup(&device.dir)
            .args(args)
            .env(COMMIT_TRACE_ENV, &trace)
            .env(
                COMMIT_TRACE_DELAY_MS_ENV,
                self.config.commit_delay_ms.to_string(),
            )
            .env(
                COMMIT_TRACE_AFTER_MS_ENV,
                self.config.commit_after_ms.to_string(),
            )
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .map_err(|e| harness(format!("cannot run recoup: {e}")))?;
        bump(&self.counters.commands);
        if let Some(delay) = kill_after {
            std::thread::sleep(delay);
            let _ = child.kill();
        }
        let status = child
            .wait()
            .map_err(|e| harness(format!("cannot wait for recoup: {e}")))?;
        if status.signal() == Some(SIGKILL) {
            bump(&self.counters.device_kills);
            let place = place_of(&trace, self.config.commit_after_ms > 0);
            match place {
                Place::InHook => bump(&self.counters.device_in_hook),
                Place::InCommitWrite => bump(&self.counters.device_in_write),
                Place::AfterCommit => bump(&self.counters.device_after),
                Place::Outside => {}
            }
            if matches!(place, Place::InHook | Place::InCommitWrite) {
                verify_store(&device.store_path(), "a device store killed in a commit")?;
                bump(&self.counters.stores_checked);
            }
            return Ok(Ended::Killed(place));
        }
        Ok(Ended::Exited(status))
    }

    /// An exit other than 0, 1 (refused) or 3 (try again later) is a breach.
    fn expect_exit(&self, d: usize, args: &[String], status: ExitStatus) -> Res<i32> {
        match status.code() {
            Some(c @ (0 | 1 | 3)) => Ok(c),
            _ => {
                let stderr = std::fs::read_to_string(self.output_path(d)).unwrap_or_default();
                breach(format!(
                    "device {d}: recoup {} ended with {status}: {}",
                    args.join(" "),
                    stderr.trim()
                ))
            }
        }
    }

    fn output_path(&self, d: usize) -> PathBuf {
        self.devices[d].dir.with_extension("out")
    }

    /// Counts a refusal by the code the CLI printed.
    fn refused(&self, d: usize) {
        let out = std::fs::read(self.output_path(d)).unwrap_or_default();
        let answer: serde_json::Value = serde_json::from_slice(&out).unwrap_or_default();
        let code = answer["error"]["code"]
            .as_str()
            .unwrap_or("unknown")
            .to_owned();
        *lock(&self.refusals).entry(code).or_default() += 1;
    }

    fn generate(
        &self,
        d: usize,
        rng: &mut SplitMix64,
        id: GenerationId,
        feature: Feature,
        cut: bool,
    ) -> Res<()> {
        let args = vec![
            "generate".to_owned(),
            "--feature".to_owned(),
            feature.as_str().to_owned(),
            "--id".to_owned(),
            id.to_string(),
        ];
        let kill = self.kill_plan(rng, cut);
        let ended = self.command(d, &args, kill)?;
        let mut log = lock(&self.logs[d]);
        match ended {
            Ended::Killed(_) => log.pending_generation = Some((id, feature)),
            Ended::Exited(status) => match self.expect_exit(d, &args, status)? {
                0 => {
                    log.pending_generation = None;
                    log.generations.push((id, false));
                    bump(&self.counters.generations);
                }
                // Refused (it will not run): nothing to retry.
                1 => {
                    log.pending_generation = None;
                    self.refused(d);
                }
                // The endpoint was down: the app tries again with the same id.
                _ => log.pending_generation = Some((id, feature)),
            },
        }
        Ok(())
    }

    fn report(
        &self,
        d: usize,
        rng: &mut SplitMix64,
        claim: ClaimId,
        generation: GenerationId,
        reason: ClaimReason,
        first: bool,
    ) -> Res<()> {
        let args = vec![
            "report".to_owned(),
            generation.to_string(),
            "--reason".to_owned(),
            reason.as_str().to_owned(),
            "--details".to_owned(),
            format!("the soak says this output is bad ({reason})"),
            "--claim-id".to_owned(),
            claim.to_string(),
        ];
        let kill = self.kill_plan(rng, true);
        let status = match self.command(d, &args, kill)? {
            Ended::Killed(place) => {
                if matches!(place, Place::InHook | Place::InCommitWrite) {
                    self.check_cut_report(d, claim, place, first)?;
                }
                lock(&self.logs[d]).pending_report = Some((claim, generation, reason));
                return Ok(());
            }
            Ended::Exited(status) => status,
        };
        let code = self.expect_exit(d, &args, status)?;
        let mut log = lock(&self.logs[d]);
        log.pending_report = None;
        match code {
            0 => {
                log.acknowledged.insert(claim);
                if let Some(g) = log.generations.iter_mut().find(|(g, _)| *g == generation) {
                    g.1 = true;
                }
                bump(&self.counters.reports);
            }
            _ => {
                bump(&self.counters.reports_refused);
                self.refused(d);
            }
        }
        Ok(())
    }

    /// A report cut inside its commit: the claim and its outbox row are both there, or neither.
    /// Cut in the hook on its first attempt, it cannot be there: SQLite had not written its
    /// commit frame, and a report writes nothing after its claim.
    fn check_cut_report(&self, d: usize, claim: ClaimId, place: Place, first: bool) -> Res<()> {
        let store = open(&self.devices[d].store_path())?;
        match store.claim(claim) {
            Ok(c) => {
                if place == Place::InHook && first {
                    return breach(format!(
                        "device {d}: report {claim} was cut before its commit was written, yet it is there"
                    ));
                }
                let queued = store
                    .outbox_due(Timestamp::MAX, CLAIM_PAGE)
                    .map_err(|e| Fail::Breach(format!("device {d}: outbox unreadable: {e}")))?
                    .iter()
                    .any(|i| i.item_id == claim.0);
                if c.sync_state == SyncState::Queued && !queued {
                    return breach(format!(
                        "device {d}: report {claim} cut in its commit is there without its outbox row"
                    ));
                }
                bump(&self.counters.cut_present);
            }
            Err(StoreError::NotFound { .. }) => bump(&self.counters.cut_absent),
            Err(e) => return breach(format!("device {d}: claim {claim} unreadable: {e}")),
        }
        Ok(())
    }

    /// Runs a sync; answers its exit code, or `None` when it was killed.
    fn sync(&self, d: usize, rng: &mut SplitMix64, cut: bool) -> Res<Option<i32>> {
        let args = vec!["sync".to_owned(), "--retry-quarantined".to_owned()];
        let kill = self.kill_plan(rng, cut);
        let ended = self.command(d, &args, kill)?;
        bump(&self.counters.syncs);
        match ended {
            Ended::Killed(_) => Ok(None),
            Ended::Exited(status) => self.expect_exit(d, &args, status).map(Some),
        }
    }

    /// Stops killing: finishes what was cut, syncs until quiescent, then checks everything.
    fn finish(&self) -> Res<Report> {
        {
            let mut ep = lock(&self.endpoint);
            if ep.child.is_none() {
                ep.start()?;
            }
        }
        let mut rng = SplitMix64::new(derive(self.config.seed, 0xf1a));
        // What the app resumes: generations started with an id are run to their end.
        for d in 0..self.devices.len() {
            for _ in 0..RESUME_TRIES_MAX {
                let pending = lock(&self.logs[d]).pending_generation;
                let Some((id, feature)) = pending else {
                    break;
                };
                self.generate(d, &mut rng, id, feature, false)?;
            }
            if lock(&self.logs[d]).pending_generation.is_some() {
                return breach(format!(
                    "device {d}: a generation never finished after the kills"
                ));
            }
        }
        let quiesce_start = Instant::now();
        let wait_max = recoup_sync::SyncConfig::default().backoff.cap + QUIESCE_MARGIN;
        let mut rounds = 0;
        loop {
            rounds += 1;
            if quiesce_start.elapsed() > wait_max {
                return breach(format!(
                    "not quiescent after {rounds} sync rounds in {} s: a report has no final answer",
                    wait_max.as_secs()
                ));
            }
            let mut settled = true;
            for d in 0..self.devices.len() {
                if self.sync(d, &mut rng, false)? != Some(0) {
                    settled = false;
                }
            }
            if self.decide_reviews(&mut rng) > 0 {
                settled = false;
            }
            if settled && self.devices.iter().all(|d| quiescent(d).unwrap_or(false)) {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let quiesce_time = quiesce_start.elapsed();
        // Nothing is left on the review queue: every claim on it was decided above, so an item
        // still listed is one already decided (a queue row a kill left behind).
        let url = lock(&self.endpoint).url();
        match self.review_queue(&admin_agent(), &url) {
            Some(items) if items.is_empty() => {}
            Some(items) => {
                return breach(format!(
                    "the review queue still lists {} claims after every one was decided: {}",
                    items.len(),
                    serde_json::Value::Array(items)
                ));
            }
            None => return breach("the endpoint does not list its review queue at the end"),
        }
        // The end's kill is not counted: it stops the endpoint so its files can be read.
        let endpoint_data = {
            let mut ep = lock(&self.endpoint);
            ep.kill();
            ep.data.clone()
        };
        let mut report = self.report_so_far();
        report.quiesce_rounds = rounds;
        report.quiesce_time = quiesce_time;
        for (d, device) in self.devices.iter().enumerate() {
            let acknowledged = lock(&self.logs[d]).acknowledged.clone();
            let (refunds, not_refunded) = check_device(device, &endpoint_data, &acknowledged)?;
            report.refunds += refunds;
            report.not_refunded += not_refunded;
            self.cli_verify(d)?;
        }
        report.elapsed = self.start.elapsed();
        Ok(report)
    }

    /// `recoup ledger --verify` passes on the device.
    fn cli_verify(&self, d: usize) -> Res<()> {
        let out = self
            .recoup(&self.devices[d].dir)
            .args(["ledger", "--verify"])
            .output()
            .map_err(|e| harness(format!("cannot run recoup ledger --verify: {e}")))?;
        let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if !out.status.success() || answer["ok"] != serde_json::Value::Bool(true) {
            return breach(format!(
                "device {d}: recoup ledger --verify failed: {} {}",
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(())
    }

    fn report_so_far(&self) -> Report {
        let c = &self.counters;
        Report {
            seed: self.config.seed,
            endpoint: Kills {
                total: get(&c.endpoint_kills),
                in_hook: get(&c.endpoint_in_hook),
                in_commit_write: get(&c.endpoint_in_write),
                after_commit: get(&c.endpoint_after),
            },
            device: Kills {
                total: get(&c.device_kills),
                in_hook: get(&c.device_in_hook),
                in_commit_write: get(&c.device_in_write),
                after_commit: get(&c.device_after),
            },
            stores_checked_after_kills: get(&c.stores_checked),
            cut_reports_present: get(&c.cut_present),
            cut_reports_absent: get(&c.cut_absent),
            commands: get(&c.commands),
            generations: get(&c.generations),
            generations_retried: get(&c.generations_retried),
            reports: get(&c.reports),
            reports_refused: get(&c.reports_refused),
            reports_abandoned: get(&c.reports_abandoned),
            refusals: lock(&self.refusals).clone(),
            syncs: get(&c.syncs),
            reviews_decided: get(&c.reviews_decided),
            refunds: 0,
            not_refunded: 0,
            quiesce_rounds: 0,
            quiesce_time: Duration::ZERO,
            elapsed: Duration::ZERO,
        }
    }
}

fn admin_agent() -> reqwest::blocking::Client {
    crate::http_client(Some(Duration::from_secs(5)))
}

fn open(path: &Path) -> Res<Store> {
    Store::open(path).map_err(|e| Fail::Breach(format!("{} does not open: {e}", path.display())))
}

fn verify_store(path: &Path, what: &str) -> Res<()> {
    let store = open(path)?;
    store
        .verify()
        .map_err(|e| Fail::Breach(format!("{what} ({}) does not verify: {e}", path.display())))?;
    Ok(())
}

/// Nothing waits in the device's outbox and every claim has its final answer.
fn quiescent(device: &Device) -> Res<bool> {
    let store = open(&device.store_path())?;
    let waiting = store.outbox_len().unwrap_or(1) + store.outbox_quarantined_len().unwrap_or(1);
    let claims = all_claims(&store)?;
    Ok(waiting == 0
        && claims
            .iter()
            .all(|c| c.outcome.is_some_and(|o| o.is_final())))
}

fn all_claims(store: &Store) -> Res<Vec<ClaimRecord>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .claims(&ClaimQuery {
                sync_state: None,
                before,
                limit: CLAIM_PAGE,
            })
            .map_err(|e| Fail::Breach(format!("{}: claims unreadable: {e}", store.path())))?;
        let full = page.len() == CLAIM_PAGE as usize;
        before = page.last().map(|c| c.claim_id);
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

fn all_entries(store: &Store) -> Res<Vec<LedgerEntry>> {
    let mut out = Vec::new();
    let mut before_seq = None;
    loop {
        let page = store
            .entries(&EntryQuery {
                kind: None,
                generation_id: None,
                before_seq,
                limit: ENTRY_PAGE_MAX,
            })
            .map_err(|e| Fail::Breach(format!("{}: entries unreadable: {e}", store.path())))?;
        let full = page.len() == ENTRY_PAGE_MAX as usize;
        before_seq = page.last().map(|e| e.seq);
        out.extend(page);
        if !full {
            return Ok(out);
        }
    }
}

/// An entry without its position (each ledger numbers its own).
fn entry_key(e: &LedgerEntry) -> String {
    let mut e = e.clone();
    e.seq = 0;
    format!("{e:?}")
}

/// The end checks of one device against its account on the endpoint; answers the endpoint's
/// refunded and not-refunded claims.
fn check_device(
    device: &Device,
    endpoint_data: &Path,
    acknowledged: &BTreeSet<ClaimId>,
) -> Res<(u64, u64)> {
    let d = device.index;
    let mine = open(&device.store_path())?;
    let theirs_path = endpoint_data
        .join("accounts")
        .join(device.account.to_string())
        .join("ledger.sqlite3");
    let theirs = open(&theirs_path)?;
    let mine_totals = mine
        .verify()
        .map_err(|e| Fail::Breach(format!("device {d}: the ledger does not verify: {e}")))?;
    let their_totals = theirs.verify().map_err(|e| {
        Fail::Breach(format!(
            "device {d}: the endpoint's ledger does not verify: {e}"
        ))
    })?;
    for (who, t) in [("device", &mine_totals), ("endpoint", &their_totals)] {
        let rhs = i128::from(t.available) + i128::from(t.held) + i128::from(t.spent)
            - i128::from(t.refunded)
            + i128::from(t.expired);
        if i128::from(t.granted) != rhs || t.refunded > t.spent {
            return breach(format!(
                "device {d}: the {who}'s ledger does not conserve credits: {t:?}"
            ));
        }
    }
    let now = Timestamp::now();
    let (a, b) = (
        mine.balance(now)
            .map_err(|e| Fail::Breach(format!("device {d}: balance unreadable: {e}")))?,
        theirs
            .balance(now)
            .map_err(|e| Fail::Breach(format!("device {d}: endpoint balance unreadable: {e}")))?,
    );
    if a.totals != b.totals {
        return breach(format!(
            "device {d}: balances differ: device {:?}, endpoint {:?}",
            a.totals, b.totals
        ));
    }
    let their_entries = all_entries(&theirs)?;
    let mut mine_keys: Vec<String> = all_entries(&mine)?.iter().map(entry_key).collect();
    let mut their_keys: Vec<String> = their_entries.iter().map(entry_key).collect();
    mine_keys.sort();
    their_keys.sort();
    if mine_keys != their_keys {
        return breach(format!(
            "device {d}: ledger entries differ: {} on the device, {} on the endpoint",
            mine_keys.len(),
            their_keys.len()
        ));
    }
    check_charges(d, &their_entries)?;
    let my_claims: BTreeMap<ClaimId, ClaimRecord> = all_claims(&mine)?
        .into_iter()
        .map(|c| (c.claim_id, c))
        .collect();
    let their_claims: BTreeMap<ClaimId, ClaimRecord> = all_claims(&theirs)?
        .into_iter()
        .map(|c| (c.claim_id, c))
        .collect();
    for id in acknowledged {
        let Some(c) = their_claims.get(id) else {
            return breach(format!(
                "device {d}: report {id} was acknowledged but the endpoint never got it"
            ));
        };
        if !c.outcome.is_some_and(|o| o.is_final()) {
            return breach(format!(
                "device {d}: report {id} has no final answer: {c:?}"
            ));
        }
    }
    for (id, c) in &my_claims {
        let theirs = their_claims.get(id);
        if theirs.map(|t| (t.outcome, t.refunded_credits)) != Some((c.outcome, c.refunded_credits))
        {
            return breach(format!(
                "device {d}: claim {id} is {:?} on the device and {:?} on the endpoint",
                c.outcome,
                theirs.map(|t| t.outcome)
            ));
        }
    }
    let mut refunded_per_generation: BTreeMap<GenerationId, u32> = BTreeMap::new();
    let (mut refunds, mut not_refunded) = (0, 0);
    for c in their_claims.values() {
        match c.outcome {
            Some(ClaimOutcome::Refunded) => {
                refunds += 1;
                *refunded_per_generation.entry(c.generation_id).or_default() += 1;
            }
            Some(ClaimOutcome::NotRefunded) => not_refunded += 1,
            other => {
                return breach(format!(
                    "device {d}: claim {} ends {other:?} on the endpoint",
                    c.claim_id
                ));
            }
        }
    }
    if let Some((g, n)) = refunded_per_generation.iter().find(|(_, n)| **n > 1) {
        return breach(format!(
            "device {d}: generation {g} was refunded by {n} claims"
        ));
    }
    Ok((refunds, not_refunded))
}

/// No generation charged twice, refunded twice, or refunded more than it was charged.
fn check_charges(d: u32, entries: &[LedgerEntry]) -> Res<()> {
    #[derive(Default)]
    struct Money {
        captures: BTreeSet<String>,
        refunds: BTreeSet<String>,
        captured: u64,
        refunded: u64,
    }
    let mut per: BTreeMap<GenerationId, Money> = BTreeMap::new();
    for e in entries {
        let Some(g) = e.generation_id else { continue };
        let m = per.entry(g).or_default();
        let op = format!("{:?}", e.op_id);
        match e.kind {
            EntryKind::Capture => {
                m.captures.insert(op);
                m.captured += e.credits;
            }
            EntryKind::Refund => {
                m.refunds.insert(op);
                m.refunded += e.credits;
            }
            _ => {}
        }
    }
    for (g, m) in &per {
        if m.captures.len() > 1 || m.refunds.len() > 1 || m.refunded > m.captured {
            return breach(format!(
                "device {d}: generation {g}: {} captures ({} credits), {} refunds ({} credits)",
                m.captures.len(),
                m.captured,
                m.refunds.len(),
                m.refunded
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use recoup_core::{GrantId, OpId};

    use super::*;

    fn entry(kind: EntryKind, generation: GenerationId, credits: u64) -> LedgerEntry {
        LedgerEntry {
            seq: 0,
            kind,
            grant_id: GrantId::new_v7(),
            generation_id: Some(generation),
            credits,
            at: Timestamp::UNIX_EPOCH,
            op_id: Some(OpId::new_v7()),
        }
    }

    #[test]
    fn a_connection_whose_last_line_is_begin_or_hooked_places_the_kill_inside_a_commit() {
        let dir = tempfile::tempdir().unwrap();
        let cases = [
            ("", Place::Outside),
            (
                "7 1 commit-begin\n7 1 commit-hooked\n7 1 commit-end\n",
                Place::Outside,
            ),
            ("7 1 commit-begin\n", Place::InHook),
            (
                "7 1 commit-begin\n7 1 commit-hooked\n",
                Place::InCommitWrite,
            ),
            // Another connection finished after the first one was cut.
            (
                "7 1 commit-begin\n7 2 commit-begin\n7 2 commit-hooked\n7 2 commit-end\n",
                Place::InHook,
            ),
            (
                "7 1 commit-begin\n7 1 commit-hooked\n7 2 commit-begin\n",
                Place::InHook,
            ),
        ];
        for (i, (text, want)) in cases.iter().enumerate() {
            let path = dir.path().join(format!("{i}.trace"));
            std::fs::write(&path, text).unwrap();
            assert_eq!(place_of(&path, false), *want, "trace {text:?}");
        }
        let after = dir.path().join("after.trace");
        std::fs::write(
            &after,
            "7 1 commit-begin\n7 1 commit-hooked\n7 1 commit-end\n",
        )
        .unwrap();
        assert_eq!(
            place_of(&after, true),
            Place::AfterCommit,
            "with a pause after commits, a last commit-end is a kill in that pause"
        );
        assert_eq!(
            place_of(&dir.path().join("missing.trace"), true),
            Place::Outside,
            "a process that never committed left no trace"
        );
    }

    #[test]
    fn a_generation_captured_twice_or_refunded_twice_or_beyond_its_charge_is_a_breach() {
        let g = GenerationId::new_v7();
        let fine = [
            entry(EntryKind::Hold, g, 4),
            entry(EntryKind::Capture, g, 4),
            entry(EntryKind::Refund, g, 4),
        ];
        assert!(
            check_charges(0, &fine).is_ok(),
            "one capture and one refund of it hold"
        );
        let doubled_capture = [
            entry(EntryKind::Capture, g, 4),
            entry(EntryKind::Capture, g, 4),
        ];
        let doubled_refund = [
            entry(EntryKind::Capture, g, 8),
            entry(EntryKind::Refund, g, 4),
            entry(EntryKind::Refund, g, 4),
        ];
        let over_refund = [
            entry(EntryKind::Capture, g, 4),
            entry(EntryKind::Refund, g, 5),
        ];
        for bad in [&doubled_capture[..], &doubled_refund[..], &over_refund[..]] {
            assert!(
                matches!(check_charges(0, bad), Err(Fail::Breach(_))),
                "a breach is found in {bad:?}"
            );
        }
    }
}
