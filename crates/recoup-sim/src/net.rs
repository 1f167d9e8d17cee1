//! The endpoint in-process and the seeded network in front of it.
//!
//! The endpoint is the real `recoup_server::app` Router, called with `tower::ServiceExt::oneshot`
//! on a current-thread runtime: no sockets, so a request is delivered (and committed) or not
//! exactly when the simulation says. Only the public API of `recoup-server` is used.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::rc::Rc;
use std::sync::Arc;

use recoup_core::rng::SplitMix64;
use recoup_sync::{Request, Response, Transport, TransportError};
use tower::ServiceExt;

use crate::SimError;

/// The payload a simulated device crash unwinds with (via `resume_unwind`, so no panic hook
/// runs): the device process dies at that instant, and whatever transaction was open rolls back.
#[derive(Debug)]
pub struct DeviceCrash;

/// Where an armed device crash lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashAt {
    /// Before the request leaves: the endpoint never sees it.
    BeforeSend,
    /// After the endpoint committed, before the answer arrives.
    AfterCommit,
}

/// What the network did, counted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetStats {
    /// Requests the endpoint handled (duplicates and replays included).
    pub delivered: u64,
    /// Requests dropped before the endpoint.
    pub dropped: u64,
    /// Answers cut after the endpoint committed.
    pub cut: u64,
    /// Requests delivered twice.
    pub duplicated: u64,
    /// Requests held back and delivered later (reordered).
    pub delayed: u64,
    /// Held-back requests delivered.
    pub replayed: u64,
    /// Endpoint restarts (crash mid-request or between steps).
    pub endpoint_restarts: u64,
    /// Device crashes that landed inside a request.
    pub device_crashes_in_flight: u64,
}

/// The endpoint and the network.
pub struct Net {
    rt: tokio::runtime::Runtime,
    dir: PathBuf,
    admin_token: String,
    endpoint: RefCell<Option<axum::Router>>,
    rng: RefCell<SplitMix64>,
    faults: Cell<bool>,
    held: RefCell<Vec<Request>>,
    crash: Cell<Option<(usize, CrashAt)>>,
    stats: Cell<NetStats>,
    log: Rc<RefCell<Vec<String>>>,
}

impl Net {
    /// Starts the endpoint on `dir` (sandbox mode) with a network drawing from `seed`.
    pub fn start(
        dir: PathBuf,
        seed: u64,
        log: Rc<RefCell<Vec<String>>>,
    ) -> Result<Rc<Self>, SimError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| SimError::Setup(format!("runtime: {e}")))?;
        std::fs::create_dir_all(&dir).map_err(|e| SimError::Setup(format!("endpoint dir: {e}")))?;
        let (admin_token, _) = recoup_server::admin_token_file(&dir)
            .map_err(|e| SimError::Setup(format!("admin token: {}", e.0.message)))?;
        let net = Rc::new(Self {
            rt,
            dir,
            admin_token,
            endpoint: RefCell::new(None),
            rng: RefCell::new(SplitMix64::new(seed)),
            faults: Cell::new(false),
            held: RefCell::new(Vec::new()),
            crash: Cell::new(None),
            stats: Cell::new(NetStats::default()),
            log,
        });
        net.restart()?;
        Ok(net)
    }

    /// The endpoint's data dir.
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }

    /// The admin token.
    pub fn admin_token(&self) -> &str {
        &self.admin_token
    }

    /// The counters so far.
    pub fn stats(&self) -> NetStats {
        self.stats.get()
    }

    fn count(&self, f: impl FnOnce(&mut NetStats)) {
        let mut s = self.stats.get();
        f(&mut s);
        self.stats.set(s);
    }

    fn note(&self, line: String) {
        self.log.borrow_mut().push(line);
    }

    /// Switches the faults on or off (off: every request is delivered once, answered, in order).
    pub fn set_faults(&self, on: bool) {
        self.faults.set(on);
        if !on {
            self.held.borrow_mut().clear();
        }
    }

    /// Whether the endpoint is up.
    pub fn is_up(&self) -> bool {
        self.endpoint.borrow().is_some()
    }

    /// Drops the endpoint (Router and state: every store it had open is closed).
    pub fn crash(&self) {
        *self.endpoint.borrow_mut() = None;
    }

    /// Drops the endpoint if up and opens it again on the same data dir.
    pub fn restart(&self) -> Result<(), SimError> {
        self.crash();
        let config = recoup_server::Config {
            data_dir: self.dir.clone(),
            sandbox: true,
            admin_token: self.admin_token.clone(),
            failure_rate: 0.1,
            bad_rate: 0.3,
            // The rate limiter reads the real clock; it is not what is simulated here.
            rate_per_sec: 1_000_000,
            starting_allowance: 300,
        };
        // The sandbox generator's draws come from the seed too, so a seed replays exactly.
        let draws = self.rng.borrow_mut().next_u64();
        let state = recoup_server::AppState::open(config)
            .map_err(|e| {
                SimError::Invariant(format!("the endpoint does not reopen: {}", e.0.message))
            })?
            .with_seeded_generator(draws);
        *self.endpoint.borrow_mut() = Some(recoup_server::app(Arc::new(state)));
        self.count(|s| s.endpoint_restarts += 1);
        Ok(())
    }

    /// Arms a crash of `device` at its next request through the faulty network.
    pub fn arm_crash(&self, device: usize, at: CrashAt) {
        self.crash.set(Some((device, at)));
    }

    /// Disarms a crash that did not land.
    pub fn disarm(&self) {
        self.crash.set(None);
    }

    fn below(&self, n: u64) -> u64 {
        self.rng.borrow_mut().below(n)
    }

    /// Hands `request` to the endpoint and waits for its answer.
    fn deliver(&self, request: &Request) -> Result<Response, TransportError> {
        let Some(router) = self.endpoint.borrow().clone() else {
            return Err(TransportError::Connect("the endpoint is down".into()));
        };
        self.count(|s| s.delivered += 1);
        let mut b = axum::http::Request::builder()
            .method(request.method.as_str())
            .uri(&request.path);
        for (k, v) in &request.headers {
            b = b.header(k, v);
        }
        let req = b
            .body(axum::body::Body::from(request.body.clone()))
            .map_err(|e| TransportError::Invalid(e.to_string()))?;
        self.rt.block_on(async move {
            let answer = match router.oneshot(req).await {
                Ok(a) => a,
                Err(never) => match never {},
            };
            let (parts, body) = answer.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .map_err(|e| TransportError::Io(e.to_string()))?;
            Ok(Response::from_http(
                parts.status.as_u16(),
                &parts.headers,
                body.to_vec(),
            ))
        })
    }

    /// One request from `who` through the network (`faulty`: subject to the faults).
    fn send(
        &self,
        who: usize,
        faulty: bool,
        request: &Request,
    ) -> Result<Response, TransportError> {
        if !faulty || !self.faults.get() {
            return self.deliver(request);
        }
        let what = format!("{} {}", request.method.as_str(), request.path);
        // A request held back earlier arrives now, before this one.
        let replay = {
            let mut held = self.held.borrow_mut();
            if !held.is_empty() && self.below(100) < 20 {
                let i = self.below(held.len() as u64) as usize;
                Some(held.remove(i))
            } else {
                None
            }
        };
        if let Some(r) = replay {
            self.note(format!(
                "    net: late delivery of {} {}",
                r.method.as_str(),
                r.path
            ));
            self.count(|s| s.replayed += 1);
            let _ = self.deliver(&r);
        }
        if let Some((d, at)) = self.crash.get()
            && d == who
        {
            self.crash.set(None);
            self.count(|s| s.device_crashes_in_flight += 1);
            if at == CrashAt::AfterCommit {
                let _ = self.deliver(request);
            }
            self.note(format!("    net: device {who} crashes {at:?} on {what}"));
            std::panic::resume_unwind(Box::new(DeviceCrash));
        }
        match self.below(100) {
            0..8 => {
                self.note(format!("    net: drop {what}"));
                self.count(|s| s.dropped += 1);
                Err(TransportError::Timeout("dropped by the simulation".into()))
            }
            8..16 => {
                let _ = self.deliver(request);
                self.note(format!("    net: cut the answer to {what}"));
                self.count(|s| s.cut += 1);
                Err(TransportError::Io("answer cut by the simulation".into()))
            }
            16..21 => {
                let _ = self.deliver(request);
                self.note(format!("    net: duplicate {what}"));
                self.count(|s| s.duplicated += 1);
                self.deliver(request)
            }
            21..26 => {
                self.note(format!("    net: hold back {what}"));
                self.count(|s| s.delayed += 1);
                self.held.borrow_mut().push(request.clone());
                Err(TransportError::Timeout(
                    "held back by the simulation".into(),
                ))
            }
            26..28 => {
                let _ = self.deliver(request);
                self.note(format!("    net: endpoint crashes after {what}"));
                if let Err(e) = self.restart() {
                    self.note(format!("    net: endpoint restart failed: {e}"));
                }
                Err(TransportError::Io("the endpoint crashed".into()))
            }
            _ => self.deliver(request),
        }
    }
}

/// A [`Transport`] for one party: a device (faulty) or the operator (reliable).
#[derive(Clone)]
pub struct Link {
    net: Rc<Net>,
    who: usize,
    faulty: bool,
}

impl Link {
    /// A device's link, through the faults.
    pub fn device(net: &Rc<Net>, who: usize) -> Self {
        Self {
            net: Rc::clone(net),
            who,
            faulty: true,
        }
    }

    /// The operator's link (admin and sandbox controls): reliable, but down with the endpoint.
    pub fn operator(net: &Rc<Net>) -> Self {
        Self {
            net: Rc::clone(net),
            who: usize::MAX,
            faulty: false,
        }
    }
}

impl Transport for Link {
    fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.net.send(self.who, self.faulty, request)
    }
}
