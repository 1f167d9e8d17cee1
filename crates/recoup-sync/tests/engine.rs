//! `SyncEngine::sync_once` against a scripted fake endpoint: a real `recoup_store::Store` in
//! memory plays the endpoint (grants, generations, `adjudicate`, its change feed), served
//! through a fake `Transport` that can inject network faults, error statuses and per-item errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use ed25519_dalek::SigningKey;
use recoup_core::{TimeDelta, Timestamp};

use recoup_api::{
    ApiError, ChangesAnswer, ClaimAnswer, ClaimBatch, ClaimBatchAnswer, ClaimBatchItem,
    ClaimSubmission, ErrorCode, SignedPolicy, public_key,
};
use recoup_core::{
    ClaimId, ClaimReason, Clock, Feature, GenerationId, GrantKind, OpId, Platform, Policy, Surface,
};
use recoup_store::{
    ClaimOutcome, FinishGeneration, GrantRequest, Judgement, Outcome, StartGeneration, Store,
    StoreError, SubmitClaim, SyncState, Verdict,
};
use recoup_sync::{
    Backoff, Client, Method, PolicyRefusal, PolicyStatus, Progress, Request, Response, SyncConfig,
    SyncEngine, SyncError, Transport, TransportError, meta,
};

const T0: &str = "2026-11-25T10:00:00Z";

fn t0() -> Timestamp {
    T0.parse().unwrap()
}

/// A device clock the test moves by hand.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn at(t: Timestamp) -> Self {
        Self(Arc::new(AtomicI64::new(t.as_millis())))
    }
    fn advance(&self, d: Duration) {
        self.0
            .fetch_add(i64::try_from(d.as_millis()).unwrap(), Ordering::SeqCst);
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst)).unwrap()
    }
}

/// What the next request to a route gets instead of the normal answer.
enum Fault {
    /// No answer at all.
    Network,
    /// Do the work (commit), then lose the answer.
    CommitThenDrop,
    /// Answer with this status and error.
    Status(ErrorCode),
    /// Do the work, then answer 200 with a body cut in the middle.
    Garbled,
    /// Leave the last claim out: not decided, not in the answer.
    OmitLast,
}

/// The endpoint: a real store, its clock, its signing key, and scripted faults.
struct FakeEndpoint {
    store: RefCell<Store>,
    now: Cell<Timestamp>,
    key: SigningKey,
    policy: RefCell<SignedPolicy>,
    judge_review: Cell<bool>,
    /// Faults for the next batch requests, in order.
    batch_faults: RefCell<VecDeque<Fault>>,
    /// Faults for every batch request while set.
    batch_down: Cell<bool>,
    /// Per-claim errors for the next batch that contains the claim.
    item_errors: RefCell<Vec<(ClaimId, ErrorCode)>>,
    log: RefCell<Vec<Request>>,
}

impl FakeEndpoint {
    fn new() -> Self {
        let key = SigningKey::from_bytes(&[7; 32]);
        let builtin = Policy::builtin();
        let policy = SignedPolicy::sign(builtin.version(), 1, builtin.to_json(), &key);
        let me = Self {
            store: RefCell::new(Store::open_in_memory().unwrap()),
            now: Cell::new(t0()),
            key,
            policy: RefCell::new(policy),
            judge_review: Cell::new(false),
            batch_faults: RefCell::new(VecDeque::new()),
            batch_down: Cell::new(false),
            item_errors: RefCell::new(Vec::new()),
            log: RefCell::new(Vec::new()),
        };
        me.store
            .borrow_mut()
            .grant(
                &GrantRequest::new(OpId::new_v7(), GrantKind::Allowance, 100),
                me.now.get(),
            )
            .unwrap();
        me
    }

    /// A finished generation on the endpoint.
    fn generation(&self, feature: Feature, platform: Platform, ok: bool) -> GenerationId {
        let id = GenerationId::new_v7();
        let now = self.now.get();
        let mut s = self.store.borrow_mut();
        s.start_generation(
            &StartGeneration {
                generation_id: id,
                feature,
                platform,
                surface: Surface::Editor,
            },
            now,
        )
        .unwrap();
        let outcome = if ok {
            Outcome::Succeeded { output_ref: None }
        } else {
            Outcome::Failed {
                error: "boom".into(),
            }
        };
        s.finish_generation(
            &FinishGeneration {
                op_id: OpId::new_v7(),
                generation_id: id,
                outcome,
            },
            now,
        )
        .unwrap();
        id
    }

    fn publish(&self, signed: SignedPolicy) {
        *self.policy.borrow_mut() = signed;
    }

    fn requests(&self, method: Method, prefix: &str) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .count()
    }

    fn batches_with(&self, claim: ClaimId) -> usize {
        self.log
            .borrow()
            .iter()
            .filter(|r| r.path == "/v1/claims/batch")
            .filter(|r| {
                let b: ClaimBatch = serde_json::from_slice(&r.body).unwrap();
                b.claims.iter().any(|c| c.claim_id == claim)
            })
            .count()
    }

    fn adjudicate(&self, c: &ClaimSubmission) -> Result<ClaimAnswer, ApiError> {
        let review = self.judge_review.get();
        let req = SubmitClaim {
            claim_id: c.claim_id,
            generation_id: c.generation_id,
            reason: c.reason,
            details: c.details.clone(),
            reported_at: None,
        };
        let policy_version = self.store.borrow().policy().unwrap().version().to_owned();
        let decided = self
            .store
            .borrow_mut()
            .adjudicate(&req, self.now.get(), |_| {
                if review {
                    Judgement::Review
                } else {
                    Judgement::Refund
                }
            });
        let verdict = match decided {
            Ok(rec) => Verdict {
                outcome: rec.outcome.unwrap(),
                code: rec.outcome_code,
                refunded_credits: rec.refunded_credits.unwrap_or(0),
                decided_at: rec.decided_at,
            },
            // Refusals by the rules are answers, as on the real endpoint.
            Err(
                e @ (StoreError::AlreadyClaimed { .. }
                | StoreError::TechnicalFailure(_)
                | StoreError::GenerationNotFinished(_)),
            ) => Verdict {
                outcome: ClaimOutcome::NotRefunded,
                code: Some(e.code().to_owned()),
                refunded_credits: 0,
                decided_at: Some(self.now.get()),
            },
            Err(e) => return Err(ApiError::new(ErrorCode::from(&e), e.to_string())),
        };
        Ok(ClaimAnswer {
            claim_id: c.claim_id,
            message: ClaimAnswer::message_for(&verdict),
            verdict,
            policy_version,
        })
    }

    fn batch(&self, req: &Request) -> Result<Response, TransportError> {
        let fault = if self.batch_down.get() {
            Some(Fault::Network)
        } else {
            self.batch_faults.borrow_mut().pop_front()
        };
        match fault {
            Some(Fault::Network) => return Err(TransportError::Connect("refused".into())),
            Some(Fault::Status(code)) => {
                return Ok(Response::json(
                    code.http_status(),
                    &ApiError::new(code, "scripted"),
                ));
            }
            _ => {}
        }
        let batch: ClaimBatch = serde_json::from_slice(&req.body).unwrap();
        assert!(batch.claims.len() <= recoup_api::CLAIM_BATCH_MAX);
        let mut results = Vec::new();
        let take = if matches!(fault, Some(Fault::OmitLast)) {
            batch.claims.len() - 1
        } else {
            batch.claims.len()
        };
        for c in &batch.claims[..take] {
            let scripted = {
                let mut errs = self.item_errors.borrow_mut();
                errs.iter()
                    .position(|(id, _)| *id == c.claim_id)
                    .map(|i| errs.remove(i).1)
            };
            let (answer, error) = match scripted {
                Some(code) => (None, Some(ApiError::new(code, "scripted item error"))),
                None => match self.adjudicate(c) {
                    Ok(a) => (Some(a), None),
                    Err(e) => (None, Some(e)),
                },
            };
            results.push(ClaimBatchItem {
                claim_id: c.claim_id,
                answer,
                error,
            });
        }
        match fault {
            Some(Fault::CommitThenDrop) => {
                Err(TransportError::Io("connection reset after commit".into()))
            }
            Some(Fault::Garbled) => {
                let full = serde_json::to_vec(&ClaimBatchAnswer { results }).unwrap();
                Ok(Response::new(200, full[..full.len() / 2].to_vec()))
            }
            _ => Ok(Response::json(200, &ClaimBatchAnswer { results })),
        }
    }

    fn changes(&self, req: &Request) -> Result<Response, TransportError> {
        let query = req.path.split_once('?').map_or("", |(_, q)| q);
        let mut after = 0i64;
        let mut limit = 1000u32;
        for pair in query.split('&') {
            match pair.split_once('=') {
                Some(("cursor", c)) => after = c.parse().unwrap(),
                Some(("limit", l)) => limit = l.parse().unwrap(),
                _ => {}
            }
        }
        let store = self.store.borrow();
        let page = store.changes(after, limit).unwrap();
        Ok(Response::json(
            200,
            &ChangesAnswer {
                changes: page.changes,
                cursor: page.last_seq.to_string(),
                has_more: page.has_more,
                server_time: self.now.get(),
                policy_version: store.policy().unwrap().version().to_owned(),
            },
        ))
    }

    fn policy(&self, req: &Request) -> Result<Response, TransportError> {
        let p = self.policy.borrow();
        if req.header("if-none-match") == Some(format!("\"{}\"", p.version).as_str()) {
            return Ok(Response::new(304, ""));
        }
        Ok(Response::json(200, &*p))
    }
}

impl Transport for FakeEndpoint {
    fn send(&self, req: &Request) -> Result<Response, TransportError> {
        self.log.borrow_mut().push(req.clone());
        if req.header("authorization") != Some("Bearer good") && req.path != "/v1/policy" {
            return Ok(Response::json(
                401,
                &ApiError::new(ErrorCode::Unauthorized, "bad token"),
            ));
        }
        let path = req.path.split('?').next().unwrap_or("");
        match (req.method, path) {
            (Method::Post, "/v1/claims/batch") => self.batch(req),
            (Method::Post, "/v1/claims") => {
                let c: ClaimSubmission = serde_json::from_slice(&req.body).unwrap();
                Ok(match self.adjudicate(&c) {
                    Ok(a) => Response::json(200, &a),
                    Err(e) => Response::json(e.code.http_status(), &e),
                })
            }
            (Method::Get, "/v1/changes") => self.changes(req),
            (Method::Get, "/v1/policy") => self.policy(req),
            _ => Ok(Response::json(
                404,
                &ApiError::new(ErrorCode::NotFound, "no route"),
            )),
        }
    }
}

/// A device store with the endpoint's policy key pinned.
fn device(endpoint: &FakeEndpoint) -> Store {
    let mut s = Store::open_in_memory().unwrap();
    s.set_meta(meta::POLICY_KEY, &public_key(&endpoint.key).to_base64())
        .unwrap();
    s
}

/// Draws always `r`: the delay is `r` times the ceiling.
fn engine<'a>(
    endpoint: &'a FakeEndpoint,
    clock: &TestClock,
    config: SyncConfig,
    r: f64,
) -> SyncEngine<&'a FakeEndpoint> {
    SyncEngine::new(
        Client::new(endpoint).with_token("good"),
        config,
        clock.clone(),
        move || r,
    )
    .unwrap()
}

fn report(device: &mut Store, generation: GenerationId, now: Timestamp) -> ClaimId {
    let id = ClaimId::new_v7();
    device
        .submit_claim(
            &SubmitClaim {
                claim_id: id,
                generation_id: generation,
                reason: ClaimReason::BlankOrCorrupted,
                details: "The output is a blank grey image".into(),
                reported_at: None,
            },
            now,
        )
        .unwrap();
    id
}

fn assert_ledgers_agree(device: &Store, endpoint: &FakeEndpoint) {
    let now = endpoint.now.get();
    let d = device.balance(now).unwrap();
    let e = endpoint.store.borrow().balance(now).unwrap();
    assert_eq!(d.totals, e.totals, "device and endpoint ledgers agree");
    device.verify().unwrap();
}

#[test]
fn push_records_answers_and_pull_brings_the_refund_and_the_decisions() {
    let ep = FakeEndpoint::new();
    let good = ep.generation(Feature::VirtualModel, Platform::Web, true);
    let shadows = ep.generation(Feature::AiShadows, Platform::Ios, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);

    let first = eng.sync_once(&mut dev).unwrap();
    assert_eq!(first.sent, 0, "nothing queued yet");
    assert!(first.pulled > 0, "the grant and the generations arrive");
    assert!(!first.more_to_pull);
    assert_eq!(
        first.policy,
        PolicyStatus::Unchanged {
            version: Policy::builtin().version().to_owned()
        }
    );
    assert_ledgers_agree(&dev, &ep);

    let a = report(&mut dev, good, clock.now());
    let b = report(&mut dev, shadows, clock.now());
    assert_eq!(dev.outbox_len().unwrap(), 2);
    let r = eng.sync_once(&mut dev).unwrap();
    assert!(r.is_clean(), "{r:?}");
    assert_eq!(
        (r.sent, r.answered, r.refunded, r.not_refunded),
        (2, 2, 1, 1)
    );
    assert_eq!(r.refunded_credits, 4, "virtual model costs 4");
    let messages: Vec<_> = r.notices.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        messages,
        ["Refund granted: 4 credits", "Thank you for your feedback"]
    );
    assert_eq!(r.still_queued, 0);
    assert!(
        r.pulled > 0,
        "the claims and the refund come back through the feed"
    );

    let a = dev.claim(a).unwrap();
    assert_eq!(a.sync_state, SyncState::Acknowledged);
    assert_eq!(a.outcome, Some(ClaimOutcome::Refunded));
    assert_eq!(a.refunded_credits, Some(4));
    let b = dev.claim(b).unwrap();
    assert_eq!(b.outcome, Some(ClaimOutcome::NotRefunded));
    assert_eq!(b.outcome_code.as_deref(), Some("feature_not_refundable"));
    assert_ledgers_agree(&dev, &ep);
    assert_eq!(dev.balance(clock.now()).unwrap().totals.refunded, 4);

    // Nothing to send the next time, and the feed has nothing new.
    let again = eng.sync_once(&mut dev).unwrap();
    assert_eq!((again.sent, again.pulled), (0, 0));
    assert_eq!(
        ep.requests(Method::Post, "/v1/claims"),
        1,
        "one batch in all"
    );
}

#[test]
fn a_claim_in_review_is_decided_later_through_the_feed() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Logo, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    eng.sync_once(&mut dev).unwrap();
    let c = report(&mut dev, g, clock.now());
    ep.judge_review.set(true);
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.in_review, 1);
    assert_eq!(dev.claim(c).unwrap().outcome, Some(ClaimOutcome::InReview));
    assert_eq!(dev.outbox_len().unwrap(), 0, "answered: not sent again");

    ep.store.borrow_mut().review(c, true, ep.now.get()).unwrap();
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.sent, 0);
    assert_eq!(r.claims_decided, 1, "the decision arrives through the feed");
    assert_eq!(dev.claim(c).unwrap().outcome, Some(ClaimOutcome::Refunded));
    assert_ledgers_agree(&dev, &ep);
}

#[test]
fn a_partial_batch_failure_retries_only_the_failed_item() {
    let ep = FakeEndpoint::new();
    let gens: Vec<_> = (0..3)
        .map(|_| ep.generation(Feature::Recolor, Platform::Web, true))
        .collect();
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 1.0);
    eng.sync_once(&mut dev).unwrap();
    let claims: Vec<_> = gens
        .iter()
        .map(|g| report(&mut dev, *g, clock.now()))
        .collect();
    ep.item_errors
        .borrow_mut()
        .push((claims[1], ErrorCode::Unavailable));

    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.sent, r.answered, r.retried), (3, 2, 1));
    assert_eq!(r.still_queued, 1);
    assert_eq!(dev.claim(claims[1]).unwrap().sync_state, SyncState::Sent);
    assert_eq!(
        dev.claim(claims[0]).unwrap().outcome,
        Some(ClaimOutcome::Refunded)
    );
    // Backoff: with a draw of 1.0 the first retry waits the full first ceiling, 1 s.
    assert!(
        dev.outbox_due(clock.now() + TimeDelta::milliseconds(999), 10)
            .unwrap()
            .is_empty()
    );
    let due = dev
        .outbox_due(clock.now() + TimeDelta::seconds(1), 10)
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 1);

    // Not due yet: the next sync does not send it.
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.sent, 0);
    clock.advance(Duration::from_secs(1));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.sent, r.refunded), (1, 1));
    assert_eq!(
        dev.claim(claims[1]).unwrap().outcome,
        Some(ClaimOutcome::Refunded)
    );
    assert_eq!(ep.batches_with(claims[1]), 2);
    assert_ledgers_agree(&dev, &ep);
}

#[test]
fn a_permanent_refusal_is_recorded_as_final_and_never_sent_again() {
    let ep = FakeEndpoint::new();
    let g1 = ep.generation(Feature::Recolor, Platform::Web, true);
    let g2 = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    eng.sync_once(&mut dev).unwrap();
    let bad = report(&mut dev, g1, clock.now());
    let ok = report(&mut dev, g2, clock.now());
    ep.item_errors
        .borrow_mut()
        .push((bad, ErrorCode::InvalidDetails));

    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(
        (r.answered, r.rejected, r.refunded, r.retried),
        (2, 1, 1, 0)
    );
    assert_eq!(r.rejections.len(), 1);
    assert_eq!(r.rejections[0].claim_id, bad);
    assert_eq!(r.rejections[0].code, ErrorCode::InvalidDetails);
    let c = dev.claim(bad).unwrap();
    assert_eq!(c.sync_state, SyncState::Acknowledged);
    assert_eq!(c.outcome, Some(ClaimOutcome::NotRefunded));
    assert_eq!(c.outcome_code.as_deref(), Some("invalid_details"));
    assert_eq!(
        dev.claim(ok).unwrap().outcome,
        Some(ClaimOutcome::Refunded),
        "the refusal did not block the other claim"
    );

    clock.advance(Duration::from_secs(3600));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.sent, 0);
    assert_eq!(ep.batches_with(bad), 1, "never retried");
}

#[test]
fn transient_failures_back_off_exponentially_then_quarantine_without_blocking_others() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, true);
    let g2 = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let config = SyncConfig {
        quarantine_after: 4,
        ..SyncConfig::default()
    };
    let mut eng = engine(&ep, &clock, config, 1.0);
    eng.sync_once(&mut dev).unwrap();
    let c = report(&mut dev, g, clock.now());
    ep.batch_down.set(true);

    let changes_before = ep.requests(Method::Get, "/v1/changes");
    let mut waits = Vec::new();
    for attempt in 1..=4u32 {
        let r = eng.sync_once(&mut dev).unwrap();
        assert_eq!(r.sent, 1, "attempt {attempt}");
        assert!(r.unreachable());
        assert!(r.errors[0].transient && r.errors[0].network);
        if attempt < 4 {
            assert_eq!((r.retried, r.quarantined), (1, 0));
            let next = dev
                .outbox_due(Timestamp::MAX, 10)
                .unwrap()
                .remove(0)
                .next_attempt_at;
            let wait = next.duration_since(clock.now());
            waits.push(wait.num_seconds());
            clock.advance(wait.abs().to_std().unwrap());
        } else {
            assert_eq!((r.retried, r.quarantined), (0, 1));
        }
    }
    assert_eq!(waits, [1, 2, 4], "full ceilings with a draw of 1.0");
    assert_eq!(
        ep.requests(Method::Get, "/v1/changes"),
        changes_before,
        "the network was down: no pull was tried"
    );
    assert_eq!(dev.claim(c).unwrap().sync_state, SyncState::Quarantined);
    assert_eq!(dev.outbox_len().unwrap(), 0, "set aside");

    // The network heals: a new claim goes through, the quarantined one waits for the user.
    ep.batch_down.set(false);
    let c2 = report(&mut dev, g2, clock.now());
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.sent, r.refunded), (1, 1));
    assert_eq!(dev.claim(c2).unwrap().outcome, Some(ClaimOutcome::Refunded));
    assert_eq!(ep.batches_with(c), 4);

    dev.outbox_retry_quarantined(clock.now()).unwrap();
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.refunded, 1);
    assert_eq!(dev.claim(c).unwrap().outcome, Some(ClaimOutcome::Refunded));
    assert_ledgers_agree(&dev, &ep);
}

#[test]
fn jitter_scales_the_delay_between_zero_and_the_ceiling() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let config = SyncConfig {
        backoff: Backoff {
            base: Duration::from_secs(10),
            cap: Duration::from_secs(15),
        },
        ..SyncConfig::default()
    };
    let mut eng = engine(&ep, &clock, config, 0.25);
    eng.sync_once(&mut dev).unwrap();
    report(&mut dev, g, clock.now());
    ep.batch_down.set(true);
    let mut waits = Vec::new();
    for _ in 0..3 {
        eng.sync_once(&mut dev).unwrap();
        let next = dev.outbox_due(Timestamp::MAX, 1).unwrap()[0].next_attempt_at;
        let wait = next.duration_since(clock.now());
        waits.push(wait.num_milliseconds());
        clock.advance(wait.abs().to_std().unwrap());
    }
    // Ceilings 10 s, then 20 s capped to 15 s, twice: a quarter of each.
    assert_eq!(waits, [2_500, 3_750, 3_750]);
}

#[test]
fn an_answer_lost_after_the_endpoint_committed_refunds_once() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::VirtualModel, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.0);
    eng.sync_once(&mut dev).unwrap();
    let c = report(&mut dev, g, clock.now());
    ep.batch_faults
        .borrow_mut()
        .push_back(Fault::CommitThenDrop);
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.answered, r.retried), (0, 1));
    assert_eq!(dev.claim(c).unwrap().sync_state, SyncState::Sent);

    // A draw of 0 still waits at least 1 ms, so the retry is not in the same sync.
    clock.advance(Duration::from_millis(1));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.sent, r.refunded), (1, 1), "the first decision, repeated");
    assert_eq!(
        ep.store
            .borrow()
            .balance(ep.now.get())
            .unwrap()
            .totals
            .refunded,
        4
    );
    assert_ledgers_agree(&dev, &ep);
    assert_eq!(dev.balance(clock.now()).unwrap().totals.refunded, 4, "once");
}

#[test]
fn a_batch_refused_as_a_whole_is_sent_claim_by_claim() {
    let ep = FakeEndpoint::new();
    let g1 = ep.generation(Feature::Recolor, Platform::Web, true);
    let g2 = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    eng.sync_once(&mut dev).unwrap();
    report(&mut dev, g1, clock.now());
    report(&mut dev, g2, clock.now());
    ep.batch_faults
        .borrow_mut()
        .push_back(Fault::Status(ErrorCode::PayloadTooLarge));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.answered, r.refunded), (2, 2), "{r:?}");
    assert_eq!(ep.requests(Method::Post, "/v1/claims/batch"), 1);
    assert_eq!(
        ep.requests(Method::Post, "/v1/claims") - 1,
        2,
        "then one request per claim"
    );
    assert_ledgers_agree(&dev, &ep);
}

#[test]
fn a_5xx_on_the_batch_is_retried_and_the_pull_still_runs() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    eng.sync_once(&mut dev).unwrap();
    let c = report(&mut dev, g, clock.now());
    ep.batch_faults
        .borrow_mut()
        .push_back(Fault::Status(ErrorCode::Unavailable));
    let before = ep.requests(Method::Get, "/v1/changes");
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.retried, 1);
    assert_eq!(r.errors.len(), 1);
    assert_eq!(r.errors[0].code, Some(ErrorCode::Unavailable));
    assert!(!r.unreachable());
    assert_eq!(ep.requests(Method::Get, "/v1/changes"), before + 1);
    assert_eq!(dev.claim(c).unwrap().outcome, None, "still pending");
}

#[test]
fn the_pull_walks_every_page_stores_the_cursor_and_measures_the_offset() {
    let ep = FakeEndpoint::new();
    for i in 0..12 {
        ep.generation(Feature::Text, Platform::Android, i % 3 != 0);
    }
    // The endpoint's clock is two hours ahead of the device's.
    ep.now.set(t0() + TimeDelta::hours(2));
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let config = SyncConfig {
        page_limit: 5,
        ..SyncConfig::default()
    };
    let mut eng = engine(&ep, &clock, config, 0.5);
    let r = eng.sync_once(&mut dev).unwrap();
    assert!(r.pages >= 3, "{} pages", r.pages);
    assert_eq!(ep.requests(Method::Get, "/v1/changes"), r.pages as usize);
    let last = ep.store.borrow().changes(0, 1000).unwrap().last_seq;
    assert_eq!(dev.meta(meta::CURSOR).unwrap(), Some(last.to_string()));
    assert_eq!(r.clock_offset_ms, Some(7_200_000));
    assert_eq!(
        dev.meta(meta::CLOCK_OFFSET_MS).unwrap().as_deref(),
        Some("7200000")
    );
    let corrected = recoup_sync::corrected(&dev, clock.clone()).unwrap();
    assert_eq!(
        corrected.now(),
        ep.now.get(),
        "the corrected clock reads the endpoint's time"
    );
    assert_eq!(
        dev.history(&recoup_store::HistoryQuery {
            filter: Default::default(),
            before: None,
            limit: 50
        })
        .unwrap()
        .items
        .len(),
        12
    );
    assert_ledgers_agree(&dev, &ep);

    // The next pull starts at the cursor: one request, nothing new.
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.pages, r.pulled), (1, 0));
    let last_path = ep
        .log
        .borrow()
        .iter()
        .rev()
        .find(|q| q.path.starts_with("/v1/changes"))
        .unwrap()
        .path
        .clone();
    assert_eq!(last_path, format!("/v1/changes?cursor={last}&limit=5"));
}

#[test]
fn the_pull_stops_at_its_page_bound_and_goes_on_next_time() {
    let ep = FakeEndpoint::new();
    for _ in 0..6 {
        ep.generation(Feature::Text, Platform::Web, true);
    }
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let config = SyncConfig {
        page_limit: 1,
        pages_max: 2,
        ..SyncConfig::default()
    };
    let mut eng = engine(&ep, &clock, config, 0.5);
    let mut rounds = 0;
    loop {
        rounds += 1;
        let r = eng.sync_once(&mut dev).unwrap();
        assert!(r.pages <= 2);
        if !r.more_to_pull {
            break;
        }
        assert!(rounds < 50, "the pull makes progress");
    }
    assert!(rounds > 1);
    assert_ledgers_agree(&dev, &ep);
}

fn signed_v2(key: &SigningKey) -> SignedPolicy {
    let mut doc = Policy::builtin().to_document();
    doc.version = "2026-12-01".into();
    doc.refund_window_secs = 3600;
    let text = Policy::from_document(doc).unwrap().to_json();
    SignedPolicy::sign("2026-12-01", 2, text, key)
}

#[test]
fn a_signed_policy_is_put_in_force_and_a_forged_one_is_refused() {
    let ep = FakeEndpoint::new();
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    let builtin = Policy::builtin().version().to_owned();

    // Signed by another key: refused, the built-in policy stays.
    let forger = SigningKey::from_bytes(&[9; 32]);
    ep.publish(signed_v2(&forger));
    let r = eng.sync_once(&mut dev).unwrap();
    match &r.policy {
        PolicyStatus::Refused {
            offered,
            kept,
            reason,
        } => {
            assert_eq!(offered, "2026-12-01");
            assert_eq!(kept, &builtin);
            assert_eq!(reason.code(), "invalid_signature");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(!r.is_clean());
    assert_eq!(dev.policy().unwrap().version(), builtin);

    // Unsigned: refused too.
    let mut unsigned = signed_v2(&ep.key);
    unsigned.signature.clear();
    ep.publish(unsigned);
    let r = eng.sync_once(&mut dev).unwrap();
    assert!(matches!(
        r.policy,
        PolicyStatus::Refused {
            reason: PolicyRefusal::Signature(recoup_api::SignatureError::Unsigned),
            ..
        }
    ));

    // Signed document under another label: refused.
    let mut relabelled = signed_v2(&ep.key);
    relabelled.version = "2027-01-01".into();
    ep.publish(relabelled);
    let r = eng.sync_once(&mut dev).unwrap();
    assert!(matches!(
        r.policy,
        PolicyStatus::Refused {
            reason: PolicyRefusal::VersionMismatch { .. },
            ..
        }
    ));

    // Properly signed: in force.
    ep.publish(signed_v2(&ep.key));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(
        r.policy,
        PolicyStatus::Updated {
            from: builtin,
            to: "2026-12-01".into()
        }
    );
    assert_eq!(dev.policy().unwrap().refund_window().num_seconds(), 3600);

    // Then the endpoint answers 304 to the version the device has.
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(
        r.policy,
        PolicyStatus::Unchanged {
            version: "2026-12-01".into()
        }
    );
    let last = ep
        .log
        .borrow()
        .iter()
        .rev()
        .find(|q| q.path == "/v1/policy")
        .unwrap()
        .clone();
    assert_eq!(last.header("if-none-match"), Some("\"2026-12-01\""));

    // A replay of an older publication, validly signed, is refused: no downgrade.
    let mut doc = Policy::builtin().to_document();
    doc.version = "2026-11-30-lenient".into();
    doc.refund_window_secs = 30 * 24 * 3600;
    let text = Policy::from_document(doc).unwrap().to_json();
    ep.publish(SignedPolicy::sign("2026-11-30-lenient", 1, text, &ep.key));
    let r = eng.sync_once(&mut dev).unwrap();
    assert!(
        matches!(
            &r.policy,
            PolicyStatus::Refused {
                reason: recoup_sync::PolicyRefusal::Downgrade {
                    offered: 1,
                    have: 2
                },
                ..
            }
        ),
        "an older publication is refused: {:?}",
        r.policy
    );
    assert_eq!(
        dev.policy().unwrap().version(),
        "2026-12-01",
        "the newer policy stays in force"
    );
}

#[test]
fn without_a_pinned_key_no_policy_is_trusted() {
    let ep = FakeEndpoint::new();
    ep.publish(signed_v2(&ep.key));
    let clock = TestClock::at(t0());
    let mut dev = Store::open_in_memory().unwrap();
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    let r = eng.sync_once(&mut dev).unwrap();
    assert!(matches!(
        r.policy,
        PolicyStatus::Refused {
            reason: PolicyRefusal::NoPinnedKey,
            ..
        }
    ));
    assert_eq!(dev.policy().unwrap().version(), Policy::builtin().version());
}

#[test]
fn offline_touches_no_network() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    eng.sync_once(&mut dev).unwrap();
    report(&mut dev, g, clock.now());
    recoup_sync::set_offline(&mut dev, true).unwrap();
    let before = ep.log.borrow().len();
    let e = eng.sync_once(&mut dev).unwrap_err();
    assert!(matches!(e, SyncError::Offline { queued: 1 }), "{e:?}");
    assert_eq!(e.code().as_str(), "offline");
    assert!(eng.pull_only(&mut dev).is_err());
    assert_eq!(ep.log.borrow().len(), before, "no request at all");
    recoup_sync::set_offline(&mut dev, false).unwrap();
    assert_eq!(eng.sync_once(&mut dev).unwrap().refunded, 1);
}

#[test]
fn a_refused_token_stops_the_sync_and_leaves_the_queue_as_it_was() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    engine(&ep, &clock, SyncConfig::default(), 0.5)
        .sync_once(&mut dev)
        .unwrap();
    let c = report(&mut dev, g, clock.now());
    let mut bad = SyncEngine::new(
        Client::new(&ep).with_token("stale"),
        SyncConfig::default(),
        clock.clone(),
        || 0.5,
    )
    .unwrap();
    let e = bad.sync_once(&mut dev).unwrap_err();
    assert!(matches!(e, SyncError::Unauthorized(_)), "{e:?}");
    let due = dev.outbox_due(clock.now(), 10).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].attempts, 0, "not counted as a failed attempt");
    assert_eq!(dev.claim(c).unwrap().sync_state, SyncState::Queued);
}

#[test]
fn a_long_drain_reports_progress_per_batch() {
    let ep = FakeEndpoint::new();
    let gens: Vec<_> = (0..12)
        .map(|_| ep.generation(Feature::Text, Platform::Web, true))
        .collect();
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let config = SyncConfig {
        batch_max: 5,
        ..SyncConfig::default()
    };
    let mut eng = engine(&ep, &clock, config, 0.5);
    eng.sync_once(&mut dev).unwrap();
    for g in &gens {
        report(&mut dev, *g, clock.now());
    }
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    eng.on_progress(move |p: Progress| sink.lock().unwrap().push((p.sent, p.total)));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(r.sent, 12);
    assert_eq!(ep.requests(Method::Post, "/v1/claims/batch"), 3);
    assert_eq!(
        *seen.lock().unwrap(),
        [(0, 12), (5, 12), (10, 12), (12, 12)]
    );
    // Safeguards on the endpoint decide how many are refunded; every claim has one answer.
    assert_eq!(r.answered, 12);
    assert_ledgers_agree(&dev, &ep);
}

#[test]
fn a_garbled_answer_is_settled_by_the_feed_and_a_missing_one_is_retried() {
    let ep = FakeEndpoint::new();
    let gens: Vec<_> = (0..4)
        .map(|_| ep.generation(Feature::Recolor, Platform::Web, true))
        .collect();
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.0);
    eng.sync_once(&mut dev).unwrap();
    let c1 = report(&mut dev, gens[0], clock.now());
    let c2 = report(&mut dev, gens[1], clock.now());

    // The endpoint decided both, but its answer arrived cut: a transient error, the claims
    // wait for a retry, and the same sync's pull brings the endpoint's decisions anyway.
    ep.batch_faults.borrow_mut().push_back(Fault::Garbled);
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.answered, r.retried), (0, 2));
    assert!(r.errors[0].transient && !r.errors[0].network, "{r:?}");
    assert_eq!(r.claims_decided, 2, "the decisions came through the feed");
    assert_eq!(r.still_queued, 0, "decided claims leave the outbox");
    for c in [c1, c2] {
        assert_eq!(dev.claim(c).unwrap().outcome, Some(ClaimOutcome::Refunded));
    }

    // An answer that leaves a claim out: that claim is retried, the other is recorded.
    let c3 = report(&mut dev, gens[2], clock.now());
    let c4 = report(&mut dev, gens[3], clock.now());
    ep.batch_faults.borrow_mut().push_back(Fault::OmitLast);
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.answered, r.retried), (1, 1), "{r:?}");
    assert_eq!(dev.claim(c3).unwrap().outcome, Some(ClaimOutcome::Refunded));
    assert_eq!(dev.claim(c4).unwrap().sync_state, SyncState::Sent);
    clock.advance(Duration::from_millis(1));
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!((r.sent, r.refunded), (1, 1));
    assert_eq!(dev.claim(c4).unwrap().outcome, Some(ClaimOutcome::Refunded));
    assert_eq!(
        ep.store
            .borrow()
            .balance(ep.now.get())
            .unwrap()
            .totals
            .refunded,
        8,
        "four claims of 2 credits, each refunded once, whatever was lost on the way"
    );
    assert_ledgers_agree(&dev, &ep);
}

#[test]
fn a_failed_generation_mirrors_as_released_and_cannot_be_reported() {
    // The endpoint voided the hold; the replica shows the same, and the device refuses a report
    // (there is nothing to refund) without queueing anything.
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, false);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 0.5);
    eng.sync_once(&mut dev).unwrap();
    let e = dev
        .submit_claim(
            &SubmitClaim {
                claim_id: ClaimId::new_v7(),
                generation_id: g,
                reason: ClaimReason::Other,
                details: "It failed".into(),
                reported_at: None,
            },
            clock.now(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "technical_failure_auto_refunded");
    assert_eq!(
        dev.balance(clock.now()).unwrap().totals.available,
        100,
        "the failed generation's hold was voided on both sides"
    );
    assert_ledgers_agree(&dev, &ep);
}

/// Regression (issue 12, item 1): a device whose clock is slow held its reports back. The
/// outbox stored when an item is due in the corrected (endpoint) clock, but picked due items
/// with the raw device clock: a device 1 h slow sent nothing for an hour, one 25 h slow sent a
/// report after its refund window had closed. Reports must go out at once whatever the device
/// clock says, and a failed one must wait only its backoff.
#[test]
fn a_device_whose_clock_is_slow_does_not_hold_its_reports_back() {
    for slow_hours in [1, 25] {
        let ep = FakeEndpoint::new();
        let g = ep.generation(Feature::Recolor, Platform::Web, true);
        let g2 = ep.generation(Feature::Recolor, Platform::Web, true);
        let clock = TestClock::at(t0() - TimeDelta::hours(slow_hours));
        let mut dev = device(&ep);
        let mut eng = engine(&ep, &clock, SyncConfig::default(), 1.0);
        eng.sync_once(&mut dev).unwrap();
        let corrected = recoup_sync::corrected(&dev, clock.clone()).unwrap();
        assert_eq!(
            corrected.now(),
            t0(),
            "{slow_hours} h slow: the first sync measured the offset to the endpoint"
        );

        // The app and the CLI queue a report at the corrected time.
        let c = report(&mut dev, g, corrected.now());
        let r = eng.sync_once(&mut dev).unwrap();
        assert_eq!(
            (r.sent, r.refunded),
            (1, 1),
            "{slow_hours} h slow: the report went out at once and was refunded"
        );
        assert_eq!(
            dev.claim(c).unwrap().outcome,
            Some(ClaimOutcome::Refunded),
            "{slow_hours} h slow: the device shows the refund"
        );

        // A failed attempt waits its backoff (1 s with a draw of 1.0), not the clock's error too.
        let c2 = report(&mut dev, g2, corrected.now());
        ep.batch_down.set(true);
        let r = eng.sync_once(&mut dev).unwrap();
        assert_eq!(
            (r.sent, r.retried),
            (1, 1),
            "{slow_hours} h slow: sent at once, failed, to be retried"
        );
        ep.batch_down.set(false);
        clock.advance(Duration::from_secs(1));
        let r = eng.sync_once(&mut dev).unwrap();
        assert_eq!(
            (r.sent, r.refunded),
            (1, 1),
            "{slow_hours} h slow: retried once its backoff had passed on the endpoint's clock"
        );
        assert_eq!(
            dev.claim(c2).unwrap().outcome,
            Some(ClaimOutcome::Refunded),
            "{slow_hours} h slow: the retried report was refunded"
        );
        assert_ledgers_agree(&dev, &ep);
    }
}

/// Regression (found by the simulation, `recoup-sim --seed 30`): a device whose clock was fast
/// held its reports back once the clock was set right. A report queued while the device clock
/// was days ahead (the measured offset not yet aware of it) was due days ahead; after the clock
/// went back, no sync sent it until the clock's error had passed, and its refund window could
/// close meanwhile. An item due later than one backoff ceiling is due now.
#[test]
fn a_device_whose_clock_was_fast_does_not_hold_its_reports_back_once_it_is_set_right() {
    let ep = FakeEndpoint::new();
    let g = ep.generation(Feature::Recolor, Platform::Web, true);
    let clock = TestClock::at(t0());
    let mut dev = device(&ep);
    let mut eng = engine(&ep, &clock, SyncConfig::default(), 1.0);
    eng.sync_once(&mut dev).unwrap();

    // The device clock jumps two days ahead; the report is queued before any sync notices.
    let fast = Duration::from_secs(2 * 86_400);
    clock.advance(fast);
    let corrected = recoup_sync::corrected(&dev, clock.clone()).unwrap();
    let c = report(&mut dev, g, corrected.now());
    // Then the clock is set right again before the next sync.
    clock
        .0
        .fetch_sub(i64::try_from(fast.as_millis()).unwrap(), Ordering::SeqCst);
    let r = eng.sync_once(&mut dev).unwrap();
    assert_eq!(
        (r.sent, r.refunded),
        (1, 1),
        "the report went out at the first sync after the clock was set right, not two days later"
    );
    assert_eq!(
        dev.claim(c).unwrap().outcome,
        Some(ClaimOutcome::Refunded),
        "the device shows the refund"
    );
    assert_ledgers_agree(&dev, &ep);
}
