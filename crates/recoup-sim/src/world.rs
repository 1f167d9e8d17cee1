//! One seed: the accounts, the devices, the workload with its faults, the quiescent phase.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use recoup_api::{GenerationRequest, GeneratorSettings};
use recoup_core::rng::SplitMix64;
use recoup_core::{ClaimId, ClaimReason, Clock, Feature, GenerationId, Platform, Surface};
use recoup_core::{TimeDelta, Timestamp};
use recoup_store::{Store, SubmitClaim};
use recoup_sync::{Backoff, Client, SyncConfig, SyncEngine};

use crate::SimError;
use crate::check;
use crate::net::{CrashAt, DeviceCrash, Link, Net, NetStats};

/// The shape of a run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Workload steps before the quiescent phase.
    pub steps: u32,
    /// Devices (spread over two accounts).
    pub devices: usize,
    /// Keep the step log (printed when replaying one seed).
    pub log: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            steps: 60,
            devices: 3,
            log: false,
        }
    }
}

/// What one seed did.
#[derive(Debug, Clone, Default)]
pub struct SeedStats {
    /// Workload steps plus quiescent sync rounds.
    pub steps: u64,
    /// Generations run on the endpoint.
    pub generations: u64,
    /// Reports made on devices.
    pub reports: u64,
    /// Reports refunded at the end.
    pub refunded: u64,
    /// Reports in review at the end.
    pub in_review: u64,
    /// Syncs started.
    pub syncs: u64,
    /// Device crashes (between steps and inside requests).
    pub device_crashes: u64,
    /// The network's counters.
    pub net: NetStats,
    /// The step log (when asked for, or up to the failure).
    pub log: Vec<String>,
}

/// A device clock: the simulation's time plus this device's skew, both movable.
struct SimClock {
    base: Timestamp,
    sim_ms: Arc<AtomicI64>,
    skew_ms: Arc<AtomicI64>,
}

impl Clock for SimClock {
    fn now(&self) -> Timestamp {
        let ms = self.sim_ms.load(Ordering::Relaxed) + self.skew_ms.load(Ordering::Relaxed);
        self.base
            .checked_add(TimeDelta::milliseconds(ms))
            .unwrap_or(self.base)
    }
}

pub(crate) struct Device {
    pub(crate) index: usize,
    pub(crate) account: usize,
    dir: PathBuf,
    token: String,
    pub(crate) store: Option<Store>,
    engine: Option<SyncEngine<Link>>,
    skew_ms: Arc<AtomicI64>,
    /// Every report this device made (the store accepted it).
    pub(crate) made: Vec<ClaimId>,
    /// Generations asked for and not yet answered (retried with the same id).
    pending: Vec<GenerationRequest>,
}

pub(crate) struct Account {
    pub(crate) id: uuid::Uuid,
    /// Generations the endpoint ran for it (as far as any device learnt).
    pub(crate) generations: Vec<GenerationId>,
}

pub(crate) struct World {
    pub(crate) rng: SplitMix64,
    pub(crate) net: Rc<Net>,
    operator: Client<Link>,
    pub(crate) accounts: Vec<Account>,
    pub(crate) devices: Vec<Device>,
    base: Timestamp,
    sim_ms: Arc<AtomicI64>,
    seed: u64,
    ids: u64,
    pub(crate) stats: SeedStats,
    log: Rc<RefCell<Vec<String>>>,
}

fn sync_config() -> SyncConfig {
    SyncConfig {
        batch_max: 3,
        quarantine_after: 8,
        backoff: Backoff::default(),
        page_limit: 7,
        pages_max: 10_000,
    }
}

impl World {
    fn note(&self, line: String) {
        self.log.borrow_mut().push(line);
    }

    /// A UUIDv7-shaped id drawn from the seed (time part: the simulation's clock).
    fn next_uuid(&mut self) -> uuid::Uuid {
        self.ids += 1;
        let ms = 1_767_225_600_000u64 + self.ids;
        let mut rand = [0u8; 10];
        let r = self.rng.next_u64().to_le_bytes();
        let s = self.rng.next_u64().to_le_bytes();
        rand[..8].copy_from_slice(&r);
        rand[8..].copy_from_slice(&s[..2]);
        uuid::Builder::from_unix_timestamp_millis(ms, &rand).into_uuid()
    }

    fn clock(&self, d: usize) -> SimClock {
        SimClock {
            base: self.base,
            sim_ms: Arc::clone(&self.sim_ms),
            skew_ms: Arc::clone(&self.devices[d].skew_ms),
        }
    }

    fn engine(&self, d: usize) -> Result<SyncEngine<Link>, SimError> {
        let client =
            Client::new(Link::device(&self.net, d)).with_token(self.devices[d].token.clone());
        SyncEngine::new(
            client,
            sync_config(),
            self.clock(d),
            SplitMix64::new(self.seed ^ (0x5eed_0000 + d as u64)),
        )
        .map_err(|e| SimError::Setup(format!("engine: {e}")))
    }

    /// Closes the device's store and engine (as a process death does) and opens them again.
    fn reopen(&mut self, d: usize) -> Result<(), SimError> {
        self.devices[d].engine = None;
        self.devices[d].store = None;
        let path = self.devices[d].dir.join("recoup.sqlite3");
        let store = Store::open(&path)
            .map_err(|e| SimError::Invariant(format!("device {d}'s store does not reopen: {e}")))?;
        self.devices[d].store = Some(store);
        self.devices[d].engine = Some(self.engine(d)?);
        Ok(())
    }

    /// Runs `f` on device `d`'s store and engine; a simulated crash inside it closes both and
    /// reopens them from disk.
    fn with_device<R>(
        &mut self,
        d: usize,
        f: impl FnOnce(&mut Store, &mut SyncEngine<Link>) -> R,
    ) -> Result<Option<R>, SimError> {
        let dev = &mut self.devices[d];
        let (Some(store), Some(engine)) = (dev.store.as_mut(), dev.engine.as_mut()) else {
            return Ok(None);
        };
        match catch_unwind(AssertUnwindSafe(|| f(store, engine))) {
            Ok(r) => Ok(Some(r)),
            Err(payload) if payload.is::<DeviceCrash>() => {
                self.stats.device_crashes += 1;
                self.reopen(d)?;
                Ok(None)
            }
            Err(payload) => resume_unwind(payload),
        }
    }

    /// Moves everyone's time: the devices' clocks and every account's test clock.
    fn time_passes(&mut self, secs: u64) {
        self.sim_ms
            .fetch_add(i64::try_from(secs * 1_000).unwrap_or(0), Ordering::Relaxed);
        for a in 0..self.accounts.len() {
            let id = self.accounts[a].id;
            if let Err(e) = self.operator.admin_advance_clock(id, secs) {
                self.note(format!("    account {a}'s clock not moved: {e}"));
            }
        }
    }

    fn sync(&mut self, d: usize) -> Result<Option<recoup_sync::SyncReport>, SimError> {
        self.stats.syncs += 1;
        match self.with_device(d, |s, e| e.sync_once(s))? {
            None => Ok(None),
            Some(Ok(r)) => Ok(Some(r)),
            Some(Err(e)) => Err(SimError::Invariant(format!(
                "device {d}'s sync failed: {e}"
            ))),
        }
    }

    fn generate(&mut self, d: usize) -> Result<(), SimError> {
        let req = if !self.devices[d].pending.is_empty() && self.rng.below(2) == 0 {
            let i = self.rng.below(self.devices[d].pending.len() as u64) as usize;
            self.devices[d].pending.remove(i)
        } else {
            const FEATURES: [Feature; 4] = [
                Feature::AiBackgrounds,
                Feature::AiShadows,
                Feature::Recolor,
                Feature::Logo,
            ];
            let feature = FEATURES[self.rng.below(4) as usize];
            GenerationRequest {
                generation_id: GenerationId::from_bytes(*self.next_uuid().as_bytes()),
                feature,
                platform: Platform::Web,
                surface: Surface::Editor,
            }
        };
        let a = self.devices[d].account;
        let answer = self.with_device(d, |_, e| e.client().generate(&req))?;
        match answer {
            None => self.devices[d].pending.push(req),
            Some(Ok(view)) => {
                self.stats.generations += 1;
                self.note(format!(
                    "    generation {} {:?}",
                    req.generation_id, view.generation.status
                ));
                self.accounts[a].generations.push(req.generation_id);
                let _ = self.with_device(d, |s, e| e.pull_only(s))?;
            }
            Some(Err(e)) if e.is_transient() => {
                self.note(format!(
                    "    generation {} not answered: {e}",
                    req.generation_id
                ));
                self.devices[d].pending.push(req);
            }
            Some(Err(e)) => self.note(format!("    generation {} refused: {e}", req.generation_id)),
        }
        Ok(())
    }

    fn report(&mut self, d: usize) -> Result<(), SimError> {
        let a = self.devices[d].account;
        let gens = &self.accounts[a].generations;
        if gens.is_empty() {
            return Ok(());
        }
        let g = gens[self.rng.below(gens.len() as u64) as usize];
        let claim_id = ClaimId::from_bytes(*self.next_uuid().as_bytes());
        let reason = ClaimReason::ALL[self.rng.below(ClaimReason::ALL.len() as u64) as usize];
        let clock = self.clock(d);
        let Some(store) = self.devices[d].store.as_mut() else {
            return Ok(());
        };
        // As recoup-device does: the device clock corrected by the measured offset.
        let now = recoup_sync::corrected(store, clock)
            .map_err(|e| SimError::Invariant(format!("device {d}: {e}")))?
            .now();
        let req = SubmitClaim {
            claim_id,
            generation_id: g,
            reason,
            details: format!("simulated report on {g}"),
            reported_at: None,
        };
        match store.submit_claim(&req, now) {
            Ok(c) => {
                self.note(format!(
                    "    report {claim_id} on {g}: locally eligible {}",
                    c.local_decision.eligible
                ));
                self.devices[d].made.push(claim_id);
                self.stats.reports += 1;
            }
            Err(e) => self.note(format!("    report on {g} refused locally: {}", e.code())),
        }
        Ok(())
    }

    fn review(&mut self) {
        let items = match self.operator.admin_reviews() {
            Ok(items) => items,
            Err(e) => return self.note(format!("    reviews not listed: {e}")),
        };
        if items.is_empty() {
            return;
        }
        let i = self.rng.below(items.len() as u64) as usize;
        let approve = self.rng.below(2) == 0;
        let item = &items[i];
        let r = self
            .operator
            .admin_review(item.account_id, item.claim.claim_id, approve);
        self.note(format!(
            "    review {} approve={approve}: {}",
            item.claim.claim_id,
            if r.is_ok() { "done" } else { "failed" }
        ));
    }

    /// One random step of the workload.
    fn step(&mut self, n: u32) -> Result<(), SimError> {
        let d = self.rng.below(self.devices.len() as u64) as usize;
        let roll = self.rng.below(100);
        let what = match roll {
            0..22 => "generate",
            22..40 => "report",
            40..65 => "sync",
            65..70 => "device crash",
            70..73 => "device crash armed",
            73..78 => "device clock jump",
            78..86 => "time passes",
            86..89 => "sandbox clock",
            89..92 => "endpoint crash",
            92..97 => "review",
            _ => "generator rates",
        };
        self.note(format!("step {n}: device {d}: {what}"));
        // A crashed endpoint comes back a few steps later.
        if !self.net.is_up() && self.rng.below(3) == 0 {
            self.note("    endpoint restarts".into());
            self.net.restart()?;
        }
        match what {
            "generate" => self.generate(d)?,
            "report" => self.report(d)?,
            "sync" => {
                if let Some(r) = self.sync(d)? {
                    self.note(format!(
                        "    sent {} answered {} rejected {} pulled {} errors {}",
                        r.sent,
                        r.answered,
                        r.rejected,
                        r.pulled,
                        r.errors.len()
                    ));
                }
            }
            "device crash" => {
                self.stats.device_crashes += 1;
                self.reopen(d)?;
            }
            "device crash armed" => {
                let at = if self.rng.below(2) == 0 {
                    CrashAt::BeforeSend
                } else {
                    CrashAt::AfterCommit
                };
                self.net.arm_crash(d, at);
                self.sync(d)?;
                self.net.disarm();
            }
            "device clock jump" => {
                // Up to three days either way.
                let ms = self.rng.below(6 * 86_400_000) as i64 - 3 * 86_400_000;
                self.devices[d].skew_ms.store(ms, Ordering::Relaxed);
                self.note(format!("    skew now {} s", ms / 1000));
            }
            "time passes" => {
                let secs = 1 + self.rng.below(3 * 3600);
                self.note(format!("    {secs} s pass"));
                self.time_passes(secs);
            }
            "sandbox clock" => {
                let a = self.rng.below(self.accounts.len() as u64) as usize;
                let secs = 60 + self.rng.below(86_400);
                let r = self.operator.admin_advance_clock(self.accounts[a].id, secs);
                self.note(format!(
                    "    account {a}'s test clock +{secs} s: ok={}",
                    r.is_ok()
                ));
            }
            "endpoint crash" => {
                self.net.crash();
                if self.rng.below(2) == 0 {
                    self.net.restart()?;
                    self.note("    endpoint restarted at once".into());
                }
            }
            "review" => self.review(),
            _ => {
                let s = GeneratorSettings {
                    failure_rate: self.rng.below(4) as f64 / 10.0,
                    bad_rate: self.rng.below(8) as f64 / 10.0,
                };
                let r = self.operator.admin_set_generator(s);
                self.note(format!("    generator {s:?}: ok={}", r.is_ok()));
            }
        }
        Ok(())
    }

    /// Faults off, everyone comes back and syncs until a whole round changes nothing.
    fn quiesce(&mut self) -> Result<(), SimError> {
        self.net.set_faults(false);
        self.net.disarm();
        if !self.net.is_up() {
            self.net.restart()?;
        }
        self.note("quiescence".into());
        for round in 0..40 {
            self.stats.steps += 1;
            // Past the backoff cap, so every queued item is due.
            self.time_passes(400);
            let mut changed = false;
            for d in 0..self.devices.len() {
                let clock = self.clock(d);
                if let Some(s) = self.devices[d].store.as_mut() {
                    let n = s.outbox_retry_quarantined(clock.now()).map_err(|e| {
                        SimError::Invariant(format!("device {d}: quarantine not retried: {e}"))
                    })?;
                    changed |= n > 0;
                }
                let r = self.sync(d)?.ok_or_else(|| {
                    SimError::Invariant(format!("device {d} crashed with faults off"))
                })?;
                if !r.errors.is_empty() {
                    return Err(SimError::Invariant(format!(
                        "device {d}'s sync failed with faults off: {:?}",
                        r.errors
                    )));
                }
                if r.sent > 0 || r.pulled > 0 || r.still_queued > 0 {
                    self.note(format!(
                        "    round {round} device {d}: sent {} answered {} rejected {} retried {} pulled {} still queued {}",
                        r.sent, r.answered, r.rejected, r.retried, r.pulled, r.still_queued
                    ));
                    changed = true;
                }
            }
            check::every_step(self)?;
            if !changed {
                self.note(format!("quiet after {round} rounds"));
                return check::at_quiescence(self);
            }
        }
        Err(SimError::Invariant(
            "still changing after 40 quiet rounds".into(),
        ))
    }
}

/// Runs one seed; answers what it did, or the first broken invariant (with the log so far).
pub fn run_seed(seed: u64, opts: Options) -> Result<SeedStats, (SimError, Vec<String>)> {
    let log = Rc::new(RefCell::new(Vec::new()));
    let result = run(seed, opts, &log);
    let lines = std::mem::take(&mut *log.borrow_mut());
    match result {
        Ok(mut s) => {
            if opts.log {
                s.log = lines;
            }
            Ok(s)
        }
        Err(e) => Err((e, lines)),
    }
}

fn run(seed: u64, opts: Options, log: &Rc<RefCell<Vec<String>>>) -> Result<SeedStats, SimError> {
    let tmp = tempfile::tempdir().map_err(|e| SimError::Setup(format!("temp dir: {e}")))?;
    let mut rng = SplitMix64::new(seed);
    let net = Net::start(tmp.path().join("endpoint"), rng.next_u64(), Rc::clone(log))?;
    let operator = Client::new(Link::operator(&net)).with_token(net.admin_token().to_owned());
    let mut w = World {
        rng,
        net: Rc::clone(&net),
        operator,
        accounts: Vec::new(),
        devices: Vec::new(),
        base: Timestamp::now(),
        sim_ms: Arc::new(AtomicI64::new(0)),
        seed,
        ids: 0,
        stats: SeedStats::default(),
        log: Rc::clone(log),
    };
    // Each device links with the real flow: the first of an account opens it (sandbox), the
    // others join it with its token.
    let mut tokens: Vec<String> = Vec::new();
    for d in 0..opts.devices.max(1) {
        let account = d % 2;
        let dir = tmp.path().join(format!("device-{d}"));
        std::fs::create_dir_all(&dir).map_err(|e| SimError::Setup(format!("device dir: {e}")))?;
        let mut store = Store::open(&dir.join("recoup.sqlite3"))
            .map_err(|e| SimError::Setup(format!("device store: {e}")))?;
        let how = match tokens.get(account) {
            Some(t) => recoup_device::link::Join::Token(t.clone()),
            None => recoup_device::link::Join::Create,
        };
        let mut token = String::new();
        let (_, linked) = recoup_device::link::link::<_, recoup_device::DeviceError>(
            &mut store,
            Client::new(Link::operator(&net)),
            "http://sim.invalid",
            how,
            None,
            |j| {
                token = j.token.clone();
                Ok(())
            },
        )
        .map_err(|e| SimError::Invariant(format!("device {d} does not link: {}", e.message)))?;
        if tokens.len() == account {
            tokens.push(token.clone());
            let id = linked
                .account_id
                .parse()
                .map_err(|_| SimError::Setup("account id".into()))?;
            w.accounts.push(Account {
                id,
                generations: Vec::new(),
            });
        }
        w.devices.push(Device {
            index: d,
            account,
            dir,
            token,
            store: Some(store),
            engine: None,
            skew_ms: Arc::new(AtomicI64::new(0)),
            made: Vec::new(),
            pending: Vec::new(),
        });
        w.devices[d].engine = Some(w.engine(d)?);
    }
    w.net.set_faults(true);
    for n in 0..opts.steps {
        w.stats.steps += 1;
        w.step(n)?;
        check::every_step(&mut w)?;
    }
    w.quiesce()?;
    w.stats.net = w.net.stats();
    let stats = std::mem::take(&mut w.stats);
    // Close everything before the temp dir goes.
    w.devices.clear();
    w.net.crash();
    Ok(stats)
}
