//! The outbox planner: what happens to an outbox item after the endpoint's answer, decided
//! without I/O. The engine sends, asks the planner, and carries out what it says; every rule of
//! the queue (what is final, what is retried and when, what is set aside, when the push stops)
//! is here, as exhaustive matches, so the table of cases below is the whole behaviour.
//!
//! The rules, in short:
//! - an answer from the endpoint is recorded as the claim's verdict;
//! - a permanent refusal of one claim is recorded as its final "not refunded" answer, with the
//!   code, so the queue never blocks on it;
//! - anything transient (the network, a 5xx or 429, an unreadable answer, a missing result)
//!   waits with capped full-jitter backoff, and is set aside (quarantined) once the item has
//!   failed [`SyncConfig::quarantine_after`] times;
//! - an item that cannot be sent at all (unknown kind, unreadable payload) is set aside at once;
//! - a refused token stops the sync with the queue as it was;
//! - a batch refused as a whole is sent again claim by claim; a network failure stops the push.

use std::time::Duration;

use recoup_core::{TimeDelta, Timestamp};

use recoup_api::{ApiError, ErrorCode};
use recoup_core::rng::Random;
use recoup_store::{ClaimOutcome, Verdict};

use crate::client::ClientError;
use crate::engine::SyncConfig;

/// The moments a plan is made at. Passed in, never read from a clock here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Moments {
    /// When this push began, in the outbox's clock: items due then are sent, and a retried item
    /// waits until after it, so no item is tried twice in one push.
    pub push_started: Timestamp,
    /// Now, in the outbox's clock.
    pub now: Timestamp,
    /// Now on the endpoint's clock as well as the device knows it: the decision time recorded
    /// with a permanent refusal.
    pub endpoint_now: Timestamp,
}

/// What came back for one outbox item.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Answer<'a> {
    /// The stored item cannot be sent as it is (unknown kind, unreadable payload): never will.
    Unsendable(&'a str),
    /// The endpoint decided the claim (in a batch answer, or answering it alone).
    Decided(&'a Verdict),
    /// The endpoint's batch answer refused this claim by name.
    Refused(&'a ApiError),
    /// The endpoint's batch answer had no result for this claim.
    Missing,
    /// The claim, sent alone, was answered for another claim.
    AnsweredAnother,
    /// The claim, sent alone, got an error instead of an answer.
    Failed(&'a ClientError),
    /// The batch carrying the claim failed as a whole, transiently (see [`plan_batch_failure`]).
    BatchFailed(&'a ClientError),
    /// Not sent: the network went down for a claim before it in the same push.
    NotSent(&'a ClientError),
}

/// What to do with the item in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OutboxAction {
    /// Record the endpoint's answer; the item is done.
    Record(Verdict),
    /// A permanent refusal: record "not refunded" with the code as the claim's final answer;
    /// the item is done.
    Reject {
        /// The final answer recorded.
        verdict: Verdict,
        /// The endpoint's refusal, for the report.
        error: ApiError,
    },
    /// Try again once `due_at` has passed.
    Retry {
        /// Not before this instant (outbox clock).
        due_at: Timestamp,
        /// Why the attempt failed (kept with the item).
        why: String,
    },
    /// Set aside so it cannot block the others, until the user puts it back.
    Quarantine {
        /// The instant kept with the item (outbox clock).
        due_at: Timestamp,
        /// Why it was set aside.
        why: String,
    },
}

/// The planner's answer for one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Step {
    /// Carry out the action and go on with the next item.
    Act(OutboxAction),
    /// Carry out the action, then send nothing more in this push: the network is down, so the
    /// items not sent yet are set back ([`Answer::NotSent`]) and the failure reported.
    ActAndHalt(OutboxAction),
    /// The endpoint refused the token: stop the sync, leaving the item and the queue as they
    /// were (nothing is counted as an attempt).
    Unauthorized(ApiError),
}

/// What to do with a batch whose request failed as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BatchFailure {
    /// The endpoint refused the token: stop the sync, the queue as it was.
    Unauthorized(ApiError),
    /// Transient (network, 5xx, 429, unreadable answer): every item of the batch is planned as
    /// [`Answer::BatchFailed`], the failure reported, and the push stops.
    RetryEachAndHalt,
    /// Refused for good (too large, an old endpoint without the batch route, one malformed
    /// item): send each claim on its own, so one bad claim is answered alone and the others go
    /// through.
    SendEachAlone,
}

/// What to do with a batch whose request failed as a whole.
pub(crate) fn plan_batch_failure(error: &ClientError) -> BatchFailure {
    if error.is_unauthorized() {
        BatchFailure::Unauthorized(unauthorized(error))
    } else if error.is_transient() {
        BatchFailure::RetryEachAndHalt
    } else {
        BatchFailure::SendEachAlone
    }
}

/// What to do with an item that had failed `attempts` times before, after `answer`. Draws from
/// `random` only when the item is to wait (once per wait, so a seeded run replays exactly).
pub(crate) fn plan(
    attempts: u32,
    answer: Answer<'_>,
    config: &SyncConfig,
    at: Moments,
    random: &mut dyn Random,
) -> Step {
    let mut failed = |why: String| failure(attempts, why, config, at, random);
    match answer {
        Answer::Unsendable(why) => Step::Act(OutboxAction::Quarantine {
            due_at: at.push_started,
            why: why.to_owned(),
        }),
        Answer::Decided(verdict) => Step::Act(OutboxAction::Record(verdict.clone())),
        // A per-claim refusal of the token is left to the next sync (the call itself was
        // accepted); the other transient codes wait too.
        Answer::Refused(error) if error.code.is_transient() || error.code.is_refused_sign_in() => {
            Step::Act(failed(error.to_string()))
        }
        Answer::Refused(error) => Step::Act(reject(error, at)),
        Answer::Missing => Step::Act(failed(
            "the endpoint's batch answer had no result for this claim".to_owned(),
        )),
        Answer::AnsweredAnother => {
            Step::Act(failed("the endpoint answered for another claim".to_owned()))
        }
        Answer::Failed(e) if e.is_unauthorized() => Step::Unauthorized(unauthorized(e)),
        // For a claim sent alone the endpoint's code decides, not the status.
        Answer::Failed(ClientError::Api { error, .. }) if !error.code.is_transient() => {
            Step::Act(reject(error, at))
        }
        Answer::Failed(e @ ClientError::Transport(_)) => Step::ActAndHalt(failed(e.to_string())),
        Answer::Failed(e @ (ClientError::Api { .. } | ClientError::Decode { .. })) => {
            Step::Act(failed(e.to_string()))
        }
        Answer::BatchFailed(e) | Answer::NotSent(e) => Step::Act(failed(e.to_string())),
    }
}

/// A failed attempt: wait with backoff (at least 1 ms past the later of now and the push's
/// start), or be set aside once the bound is reached.
fn failure(
    attempts: u32,
    why: String,
    config: &SyncConfig,
    at: Moments,
    random: &mut dyn Random,
) -> OutboxAction {
    let quarantine = attempts.saturating_add(1) >= config.quarantine_after;
    let delay = config
        .backoff
        .delay(attempts, random)
        .max(Duration::from_millis(1));
    let delay = TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX);
    let due_at = at
        .now
        .max(at.push_started)
        .checked_add(delay)
        .unwrap_or(Timestamp::MAX);
    if quarantine {
        OutboxAction::Quarantine { due_at, why }
    } else {
        OutboxAction::Retry { due_at, why }
    }
}

/// A permanent refusal: the claim's final answer is "not refunded" with the code.
fn reject(error: &ApiError, at: Moments) -> OutboxAction {
    OutboxAction::Reject {
        verdict: Verdict {
            outcome: ClaimOutcome::NotRefunded,
            code: Some(code_str(error.code)),
            refunded_credits: 0,
            decided_at: Some(at.endpoint_now),
        },
        error: error.clone(),
    }
}

/// The refused token as the sync reports it.
pub(crate) fn unauthorized(e: &ClientError) -> ApiError {
    match e {
        ClientError::Api { error, .. } => error.clone(),
        other => ApiError::new(ErrorCode::Unauthorized, other.to_string()),
    }
}

/// The wire spelling of an error code (`invalid_details`).
pub(crate) fn code_str(code: ErrorCode) -> String {
    code.as_str().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backoff::Backoff;
    use crate::transport::TransportError;

    /// Every code the endpoint can answer with, each with its class for a claim refused by name
    /// in a batch answer and for a claim sent alone. The match is exhaustive, so a new code
    /// cannot be added without saying here what it does to the queue.
    fn classes(code: ErrorCode) -> (Expect, Expect) {
        use Expect::{Reject, Unauthorized, Wait};
        match code {
            // Refused by name in a batch the call itself was accepted: left to the next sync.
            ErrorCode::Unauthorized
            | ErrorCode::AccountDisabled
            | ErrorCode::TokenExpired
            | ErrorCode::TokenRevoked
            | ErrorCode::JwtExpired
            | ErrorCode::JwtNotYetValid
            | ErrorCode::JwtWrongIssuer
            | ErrorCode::JwtWrongAudience
            | ErrorCode::JwtUnknownKey
            | ErrorCode::JwtBadSignature
            | ErrorCode::JwtUnsupportedAlgorithm
            | ErrorCode::JwtInvalid
            | ErrorCode::WrongCredential
            | ErrorCode::SessionExpired => (Wait, Unauthorized),
            ErrorCode::RateLimited | ErrorCode::Unavailable | ErrorCode::Internal => (Wait, Wait),
            ErrorCode::NotFound
            | ErrorCode::InvalidInput
            | ErrorCode::InvalidDetails
            | ErrorCode::IdempotencyConflict
            | ErrorCode::InsufficientCredits
            | ErrorCode::GenerationExists
            | ErrorCode::InvalidState
            | ErrorCode::PayloadTooLarge
            | ErrorCode::SandboxOnly
            | ErrorCode::InvalidDocument
            | ErrorCode::AlreadyClaimed
            | ErrorCode::GenerationNotFinished
            | ErrorCode::TechnicalFailure
            | ErrorCode::UnsupportedMediaType
            | ErrorCode::AlreadyFailed
            | ErrorCode::AlreadySucceeded
            | ErrorCode::OutputConflict
            | ErrorCode::SubjectTaken
            | ErrorCode::PolicyVersionTaken
            | ErrorCode::AlreadyDecided
            | ErrorCode::CsrfRejected => (Reject, Reject),
            ErrorCode::Offline
            | ErrorCode::Network
            | ErrorCode::BadAnswer
            | ErrorCode::NotLinked
            | ErrorCode::AlreadyLinked
            | ErrorCode::LocalLedger
            | ErrorCode::Linked
            | ErrorCode::PolicyKeyMismatch
            | ErrorCode::Credentials
            | ErrorCode::DataDir
            | ErrorCode::File
            | ErrorCode::Keychain
            | ErrorCode::NotReady
            | ErrorCode::QaModeOff
            | ErrorCode::Storage
            | ErrorCode::CorruptDatabase
            | ErrorCode::DatabaseTooNew => {
                unreachable!("{code:?} is said only by a device, never answered by the endpoint")
            }
        }
    }

    /// Every code the endpoint can answer with.
    fn codes() -> Vec<ErrorCode> {
        ErrorCode::all().filter(|c| c.reaches_http()).collect()
    }

    /// What a case should come to, before the item's attempts are taken into account.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Expect {
        /// The endpoint's verdict recorded as it came.
        Record,
        /// "Not refunded" with the code, as the final answer.
        Reject,
        /// A failed attempt: retry, or quarantine at the bound; the push goes on.
        Wait,
        /// A failed attempt, and the push stops (the network is down).
        WaitAndHalt,
        /// Set aside at once, at the push's start.
        SetAside,
        /// The sync stops; the item is left as it was.
        Unauthorized,
    }

    const QUARANTINE_AFTER: u32 = 3;
    const DRAW: f64 = 0.5;

    fn config() -> SyncConfig {
        SyncConfig {
            quarantine_after: QUARANTINE_AFTER,
            backoff: Backoff::default(),
            ..SyncConfig::default()
        }
    }

    fn moments() -> Moments {
        let push_started: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
        Moments {
            push_started,
            now: push_started + TimeDelta::seconds(2),
            endpoint_now: push_started + TimeDelta::hours(1),
        }
    }

    fn verdict(outcome: ClaimOutcome, credits: u64) -> Verdict {
        Verdict {
            outcome,
            code: None,
            refunded_credits: credits,
            decided_at: Some(moments().push_started),
        }
    }

    fn api(status: u16, code: ErrorCode) -> ClientError {
        ClientError::Api {
            status,
            error: ApiError::new(code, format!("{code:?} said the endpoint")),
        }
    }

    fn network_failures() -> [ClientError; 4] {
        [
            ClientError::Transport(TransportError::Connect("refused".into())),
            ClientError::Transport(TransportError::Timeout("read".into())),
            ClientError::Transport(TransportError::Io("reset".into())),
            ClientError::Transport(TransportError::Invalid("bad url".into())),
        ]
    }

    fn undecodable() -> ClientError {
        ClientError::Decode {
            status: 200,
            detail: "expected `results`".into(),
        }
    }

    /// Runs one case and checks the step against the expectation for `attempts`.
    fn check(attempts: u32, answer: Answer<'_>, expect: Expect, case: &str) {
        let at = moments();
        let mut draws = 0;
        let mut random = || {
            draws += 1;
            DRAW
        };
        let step = plan(attempts, answer, &config(), at, &mut random);
        let context = format!("{case}, after {attempts} failed attempt(s)");
        let waits = matches!(expect, Expect::Wait | Expect::WaitAndHalt);
        assert_eq!(
            draws,
            usize::from(waits),
            "{context}: one draw per wait and none otherwise, so seeded jitter replays exactly"
        );
        let failed_at_bound = attempts.saturating_add(1) >= QUARANTINE_AFTER;
        let wait_until =
            at.now + TimeDelta::from_std(config().backoff.ceiling(attempts).mul_f64(DRAW)).unwrap();
        let action = match (&step, expect) {
            (Step::Unauthorized(e), Expect::Unauthorized) => {
                let Answer::Failed(ClientError::Api { error, .. }) = answer else {
                    panic!("{context}: only an error answer refuses the token")
                };
                assert_eq!(
                    e, error,
                    "{context}: the endpoint's refusal is reported as it came"
                );
                return;
            }
            (Step::ActAndHalt(action), Expect::WaitAndHalt) => action,
            (Step::Act(action), e) if e != Expect::WaitAndHalt && e != Expect::Unauthorized => {
                action
            }
            (step, expect) => panic!("{context}: expected {expect:?}, planned {step:?}"),
        };
        match (action, expect) {
            (OutboxAction::Record(v), Expect::Record) => {
                let Answer::Decided(sent) = answer else {
                    panic!("{context}: recorded a verdict the endpoint did not give")
                };
                assert_eq!(v, sent, "{context}: the endpoint's verdict as it came");
            }
            (OutboxAction::Reject { verdict, error }, Expect::Reject) => {
                assert_eq!(
                    verdict.outcome,
                    ClaimOutcome::NotRefunded,
                    "{context}: final no"
                );
                assert_eq!(
                    verdict.code.as_deref(),
                    Some(code_str(error.code).as_str()),
                    "{context}: the endpoint's code is the reason"
                );
                assert_eq!(verdict.refunded_credits, 0, "{context}: nothing refunded");
                assert_eq!(
                    verdict.decided_at,
                    Some(at.endpoint_now),
                    "{context}: decided at the endpoint's time"
                );
            }
            (OutboxAction::Retry { due_at, why }, Expect::Wait | Expect::WaitAndHalt) => {
                assert!(!failed_at_bound, "{context}: retried past the bound");
                assert_eq!(*due_at, wait_until, "{context}: backoff from now");
                assert!(!why.is_empty(), "{context}: a reason is kept");
            }
            (OutboxAction::Quarantine { due_at, why }, Expect::Wait | Expect::WaitAndHalt) => {
                assert!(failed_at_bound, "{context}: quarantined before the bound");
                assert_eq!(*due_at, wait_until, "{context}: backoff from now");
                assert!(!why.is_empty(), "{context}: a reason is kept");
            }
            (OutboxAction::Quarantine { due_at, why }, Expect::SetAside) => {
                assert_eq!(
                    *due_at, at.push_started,
                    "{context}: set aside at the start"
                );
                assert_eq!(
                    why, "unknown kind",
                    "{context}: the decoding problem is kept"
                );
            }
            (action, expect) => panic!("{context}: expected {expect:?}, planned {action:?}"),
        }
    }

    #[test]
    fn every_answer_at_every_attempt_count_is_planned_as_the_table_says() {
        let refunded = verdict(ClaimOutcome::Refunded, 4);
        let not_refunded = verdict(ClaimOutcome::NotRefunded, 0);
        let in_review = Verdict {
            decided_at: None,
            ..verdict(ClaimOutcome::InReview, 0)
        };
        let refusals: Vec<ApiError> = codes()
            .iter()
            .map(|&c| ApiError::new(c, "refused by name"))
            .collect();
        let alone_errors: Vec<ClientError> =
            codes().iter().map(|&c| api(c.http_status(), c)).collect();
        let networks = network_failures();
        let garbled = undecodable();
        let a_503 = api(503, ErrorCode::Unavailable);
        // A status that says one thing and a code that says another: alone, the code decides.
        let refused_with_503 = api(503, ErrorCode::InvalidDetails);
        let internal_with_400 = api(400, ErrorCode::Internal);
        let token_by_status = api(401, ErrorCode::NotFound);

        let mut table: Vec<(String, Answer<'_>, Expect)> = vec![
            (
                "unsendable item".into(),
                Answer::Unsendable("unknown kind"),
                Expect::SetAside,
            ),
            (
                "answered: refunded".into(),
                Answer::Decided(&refunded),
                Expect::Record,
            ),
            (
                "answered: not refunded".into(),
                Answer::Decided(&not_refunded),
                Expect::Record,
            ),
            (
                "answered: in review".into(),
                Answer::Decided(&in_review),
                Expect::Record,
            ),
            (
                "no result in the batch answer".into(),
                Answer::Missing,
                Expect::Wait,
            ),
            (
                "answered for another claim".into(),
                Answer::AnsweredAnother,
                Expect::Wait,
            ),
            (
                "undecodable answer, sent alone".into(),
                Answer::Failed(&garbled),
                Expect::Wait,
            ),
            (
                "503 with a permanent code, alone".into(),
                Answer::Failed(&refused_with_503),
                Expect::Reject,
            ),
            (
                "400 with a transient code, alone".into(),
                Answer::Failed(&internal_with_400),
                Expect::Wait,
            ),
            (
                "401 with another code, alone".into(),
                Answer::Failed(&token_by_status),
                Expect::Unauthorized,
            ),
            (
                "batch failed: 503".into(),
                Answer::BatchFailed(&a_503),
                Expect::Wait,
            ),
            (
                "batch failed: undecodable answer".into(),
                Answer::BatchFailed(&garbled),
                Expect::Wait,
            ),
        ];
        for (error, &code) in refusals.iter().zip(&codes()) {
            table.push((
                format!("refused by name: {code:?}"),
                Answer::Refused(error),
                classes(code).0,
            ));
        }
        for (error, &code) in alone_errors.iter().zip(&codes()) {
            table.push((
                format!("alone, API error: {code:?}"),
                Answer::Failed(error),
                classes(code).1,
            ));
        }
        for e in &networks {
            table.push((
                format!("alone, network failure: {e}"),
                Answer::Failed(e),
                Expect::WaitAndHalt,
            ));
            table.push((
                format!("batch failed, network: {e}"),
                Answer::BatchFailed(e),
                Expect::Wait,
            ));
            table.push((
                format!("not sent, network down: {e}"),
                Answer::NotSent(e),
                Expect::Wait,
            ));
        }
        for attempts in [0, 1, QUARANTINE_AFTER - 1, QUARANTINE_AFTER, 40, u32::MAX] {
            for (case, answer, expect) in &table {
                check(attempts, *answer, *expect, case);
            }
        }
    }

    #[test]
    fn a_batch_failure_stops_for_the_token_retries_when_transient_else_goes_claim_by_claim() {
        use BatchFailure::{RetryEachAndHalt, SendEachAlone};
        let mut table: Vec<(ClientError, &str)> = codes()
            .iter()
            .map(|&c| {
                let expect = match c {
                    // Every 401 code (unauthorized, token_expired, account_disabled, jwt_*).
                    _ if c.is_refused_sign_in() => "unauthorized",
                    _ if c.http_status() >= 500 || c.http_status() == 429 => "retry",
                    _ => "alone",
                };
                (api(c.http_status(), c), expect)
            })
            .collect();
        table.extend([
            (undecodable(), "retry"),
            (api(401, ErrorCode::InvalidInput), "unauthorized"),
            (api(400, ErrorCode::Unauthorized), "unauthorized"),
            // A permanent code on a 5xx: the status says the endpoint failed, so wait.
            (api(503, ErrorCode::InvalidInput), "retry"),
        ]);
        for e in network_failures() {
            let expect = if e.is_transient() { "retry" } else { "alone" };
            table.push((e, expect));
        }
        for (error, expect) in &table {
            let planned = match plan_batch_failure(error) {
                BatchFailure::Unauthorized(_) => "unauthorized",
                RetryEachAndHalt => "retry",
                SendEachAlone => "alone",
            };
            assert_eq!(planned, *expect, "a batch failing with {error:?}");
        }
    }

    #[test]
    fn a_retry_never_falls_before_the_push_began_nor_at_it() {
        // A device clock stepped back during the push must not make an item due again in the
        // same push (the loop would never end).
        let mut at = moments();
        at.now = at.push_started - TimeDelta::hours(1);
        let step = plan(0, Answer::Missing, &config(), at, &mut || 0.0);
        assert_eq!(
            step,
            Step::Act(OutboxAction::Retry {
                due_at: at.push_started + TimeDelta::milliseconds(1),
                why: "the endpoint's batch answer had no result for this claim".into(),
            }),
            "at least 1 ms after the push's start"
        );
    }

    #[test]
    fn error_codes_keep_their_wire_spelling() {
        assert_eq!(code_str(ErrorCode::InvalidDetails), "invalid_details");
        assert_eq!(code_str(ErrorCode::NotFound), "not_found");
    }
}
