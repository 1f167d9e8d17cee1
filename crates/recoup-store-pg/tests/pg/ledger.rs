//! The PostgreSQL ledger against the SQLite store it must be indistinguishable from: the same
//! random operations on both, every answer compared (records as JSON, refusals by kind), then
//! the balances, the whole change feed a device would pull, and `verify`.

use proptest::prelude::*;
use recoup_core::{
    ClaimId, ClaimReason, Feature, GenerationId, GrantKind, OpId, Platform, Policy, PriceList,
    Surface,
};
use recoup_core::{TimeDelta, Timestamp};
use recoup_store::{
    FinishGeneration, GrantRequest, Judgement, Outcome as Finish, StartGeneration, Store,
    StoreError, SubmitClaim,
};
use recoup_store_pg::{LedgerFailure, PgLedger};
use uuid::Uuid;

use crate::support::migrated;

/// One step of a random session on one account.
#[derive(Debug, Clone)]
enum Op {
    Grant {
        credits: u64,
        kind: usize,
        expires_in_secs: Option<i64>,
    },
    Start {
        feature: usize,
        platform: usize,
    },
    Finish {
        generation: usize,
        ok: bool,
    },
    Claim {
        generation: usize,
        reason: usize,
        judgement: u8,
        same_id_as: Option<usize>,
    },
    /// Several claims in one transaction, as a device's batch sends them.
    Claims {
        batch: Vec<(usize, usize, u8, Option<usize>)>,
    },
    Review {
        claim: usize,
        approve: bool,
    },
    Advance {
        secs: i64,
    },
    Sweep,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (1u64..60, 0usize..4, proptest::option::of(60i64..200_000)).prop_map(
            |(credits, kind, expires_in_secs)| Op::Grant { credits, kind, expires_in_secs }
        ),
        3 => (0usize..18, 0usize..3).prop_map(|(feature, platform)| Op::Start { feature, platform }),
        3 => (0usize..12, proptest::bool::weighted(0.8))
            .prop_map(|(generation, ok)| Op::Finish { generation, ok }),
        3 => (0usize..12, 0usize..6, 0u8..3, proptest::option::weighted(0.1, 0usize..6)).prop_map(
            |(generation, reason, judgement, same_id_as)| Op::Claim { generation, reason, judgement, same_id_as }
        ),
        2 => proptest::collection::vec(
            (0usize..12, 0usize..6, 0u8..3, proptest::option::weighted(0.2, 0usize..8)),
            2..7,
        )
        .prop_map(|batch| Op::Claims { batch }),
        1 => (0usize..8, any::<bool>()).prop_map(|(claim, approve)| Op::Review { claim, approve }),
        1 => (1i64..100_000).prop_map(|secs| Op::Advance { secs }),
        1 => Just(Op::Sweep),
    ]
}

/// The claim an op describes (generation, reason, judgement by number, and the earlier claim
/// whose id it repeats), or none when the session has no such generation; its id is recorded.
fn claim_item(
    generations: &[GenerationId],
    claims: &mut Vec<ClaimId>,
    (generation, reason, judgement, same_id_as): (usize, usize, u8, Option<usize>),
) -> Option<(SubmitClaim, Judgement)> {
    let &id = generations.get(generation)?;
    let claim_id = same_id_as
        .and_then(|i| claims.get(i).copied())
        .unwrap_or_else(ClaimId::new_v7);
    claims.push(claim_id);
    let req = SubmitClaim {
        claim_id,
        generation_id: id,
        reason: ClaimReason::ALL[reason % ClaimReason::ALL.len()],
        details: "the face is melted".to_owned(),
        reported_at: None,
    };
    Some((req, judgement_of(judgement)))
}

/// The judgement an op's number stands for.
fn judgement_of(n: u8) -> Judgement {
    match n {
        0 => Judgement::Refund,
        1 => Judgement::Review,
        _ => Judgement::Reject {
            code: "not_clearly_unusable".to_owned(),
        },
    }
}

/// An answer, comparable across engines: the record as JSON, or the refusal's kind.
fn sqlite<T: serde::Serialize>(r: Result<T, StoreError>) -> Result<serde_json::Value, String> {
    r.map(|v| serde_json::to_value(v).unwrap())
        .map_err(|e| e.kind().as_str().to_owned())
}

fn pg<T: serde::Serialize>(r: Result<T, LedgerFailure>) -> Result<serde_json::Value, String> {
    match r {
        Ok(v) => Ok(serde_json::to_value(v).unwrap()),
        Err(LedgerFailure::Refused(e)) => Err(e.kind().as_str().to_owned()),
        Err(LedgerFailure::Database(e)) => panic!("the database must not fail: {e}"),
    }
}

async fn new_account(client: &tokio_postgres::Client, now: Timestamp) -> Uuid {
    let account = Uuid::now_v7();
    client
        .execute(
            "INSERT INTO accounts (account_id, created_at) VALUES ($1, $2)",
            &[&account, &now.as_millis()],
        )
        .await
        .expect("an account row is inserted");
    account
}

/// Runs `ops` on a fresh SQLite store and on a fresh account of `ledger`, comparing as it goes.
async fn run(ledger: &PgLedger, client: &tokio_postgres::Client, ops: &[Op]) -> Vec<String> {
    let mut now: Timestamp = "2026-11-25T10:00:00Z".parse().unwrap();
    let account = new_account(client, now).await;
    let mut store = Store::open_in_memory().unwrap();
    // Events on, as on an endpoint, with a balance threshold the sessions cross.
    store.enable_events(Some(BALANCE_LOW)).unwrap();
    client
        .execute(
            "INSERT INTO meta (account_id, key, value)
             VALUES ($1, 'events', 'on'), ($1, 'events.balance_low_default', $2)",
            &[&account, &BALANCE_LOW.to_string()],
        )
        .await
        .expect("events are turned on");
    // The built-in policy with a refund limit a session reaches (also within one batch), so
    // the safeguards' counting is compared too.
    let mut doc = Policy::builtin().to_document();
    doc.version = "differential-1".to_owned();
    doc.safeguards.refunds_max = 4;
    let policy = Policy::from_document(doc).expect("the tightened policy is valid");
    store
        .activate_policy_json(policy.to_json().as_bytes(), now)
        .expect("the SQLite store activates the tightened policy");
    let prices = PriceList::builtin();
    let mut generations: Vec<GenerationId> = Vec::new();
    let mut claims: Vec<ClaimId> = Vec::new();
    for (step, op) in ops.iter().enumerate() {
        let (a, b) = match op {
            Op::Grant {
                credits,
                kind,
                expires_in_secs,
            } => {
                let mut req = GrantRequest::new(
                    OpId::new_v7(),
                    GrantKind::ALL[*kind % GrantKind::ALL.len()],
                    *credits,
                );
                req.expires_at =
                    expires_in_secs.map(|s| now.checked_add(TimeDelta::seconds(s)).unwrap());
                (
                    sqlite(store.grant(&req, now)),
                    pg(ledger.grant(account, &req, now).await),
                )
            }
            Op::Start { feature, platform } => {
                let req = StartGeneration {
                    generation_id: GenerationId::new_v7(),
                    feature: Feature::ALL[*feature % Feature::ALL.len()],
                    platform: Platform::ALL[*platform % Platform::ALL.len()],
                    surface: Surface::Editor,
                };
                generations.push(req.generation_id);
                (
                    sqlite(store.start_generation(&req, now)),
                    pg(ledger.start_generation(account, &req, &prices, now).await),
                )
            }
            Op::Finish { generation, ok } => {
                let Some(&id) = generations.get(*generation) else {
                    continue;
                };
                let outcome = if *ok {
                    Finish::Succeeded {
                        output_ref: Some(format!("out/{id}.png")),
                    }
                } else {
                    Finish::Failed {
                        error: "the model timed out".to_owned(),
                    }
                };
                let req = FinishGeneration {
                    op_id: OpId::new_v7(),
                    generation_id: id,
                    outcome,
                };
                (
                    sqlite(store.finish_generation(&req, now)),
                    pg(ledger.finish_generation(account, &req, now).await),
                )
            }
            Op::Claim {
                generation,
                reason,
                judgement,
                same_id_as,
            } => {
                let Some(item) = claim_item(
                    &generations,
                    &mut claims,
                    (*generation, *reason, *judgement, *same_id_as),
                ) else {
                    continue;
                };
                let items = vec![item];
                let mut s = store.adjudicate_batch(&items, now).unwrap();
                let mut p = ledger
                    .adjudicate(account, items, &policy, || now)
                    .await
                    .unwrap_or_else(|e| panic!("step {step}: the batch must commit: {e}"));
                (
                    sqlite(s.remove(0)),
                    pg(p.remove(0).map_err(LedgerFailure::Refused)),
                )
            }
            Op::Claims { batch } => {
                let mut items = Vec::new();
                for spec in batch {
                    items.extend(claim_item(&generations, &mut claims, *spec));
                }
                if items.is_empty() {
                    continue;
                }
                let s = store.adjudicate_batch(&items, now).unwrap();
                let p = ledger
                    .adjudicate(account, items, &policy, || now)
                    .await
                    .unwrap_or_else(|e| panic!("step {step}: the batch must commit: {e}"));
                let s: Vec<_> = s.into_iter().map(sqlite).collect();
                let p: Vec<_> = p
                    .into_iter()
                    .map(|r| pg(r.map_err(LedgerFailure::Refused)))
                    .collect();
                (
                    Ok(serde_json::to_value(s).unwrap()),
                    Ok(serde_json::to_value(p).unwrap()),
                )
            }
            Op::Review { claim, approve } => {
                let Some(&id) = claims.get(*claim) else {
                    continue;
                };
                (
                    sqlite(store.review(id, *approve, now)),
                    pg(ledger.review(account, id, *approve, now).await),
                )
            }
            Op::Advance { secs } => {
                now = now.checked_add(TimeDelta::seconds(*secs)).unwrap();
                continue;
            }
            Op::Sweep => (
                sqlite(store.sweep(now)),
                pg(ledger.sweep(account, now).await),
            ),
        };
        assert_eq!(
            b, a,
            "step {step} ({op:?}): PostgreSQL answers what SQLite answers"
        );
    }
    assert_eq!(
        pg(ledger.balance(account, now).await),
        sqlite(store.balance(now)),
        "the balances agree"
    );
    let mut after = 0;
    let mut kinds = Vec::new();
    loop {
        let s = store.changes(after, 7).unwrap();
        kinds.extend(s.changes.iter().map(|c| {
            serde_json::to_value(c).unwrap()["kind"]
                .as_str()
                .unwrap_or("?")
                .to_owned()
        }));
        let p = ledger.changes(account, after, 7).await.unwrap();
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::to_value(&s).unwrap(),
            "the change feed page after {after} is the same rows with the same positions"
        );
        if !s.has_more {
            break;
        }
        after = s.last_seq;
    }
    assert_eq!(
        pg(ledger.verify(account).await),
        sqlite(store.verify()),
        "verify agrees"
    );
    let types: Vec<String> = recoup_store::EVENT_TYPES
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
    let sqlite_events: Vec<serde_json::Value> = store
        .events_after(0, &types, 1_000)
        .unwrap()
        .into_iter()
        .map(|e| {
            serde_json::json!([
                e.seq,
                e.event_type,
                e.at.as_millis(),
                e.generation_id,
                e.claim_id,
                e.data
            ])
        })
        .collect();
    let pg_events: Vec<serde_json::Value> = client
        .query(
            "SELECT seq, type, at, generation_id, claim_id, data FROM events
             WHERE account_id = $1 ORDER BY seq",
            &[&account],
        )
        .await
        .expect("the events are read")
        .iter()
        .map(|r| {
            serde_json::json!([
                r.get::<_, i64>(0),
                r.get::<_, String>(1),
                r.get::<_, i64>(2),
                r.get::<_, Option<Uuid>>(3),
                r.get::<_, Option<Uuid>>(4),
                r.get::<_, serde_json::Value>(5)
            ])
        })
        .collect();
    assert_eq!(
        pg_events, sqlite_events,
        "the webhook events recorded are the same, in the same order"
    );
    kinds.extend(
        sqlite_events
            .iter()
            .map(|e| e[1].as_str().unwrap_or("?").to_owned()),
    );
    kinds
}

/// The balance below which `balance.low` fires in these sessions.
const BALANCE_LOW: u64 = 25;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any session of grants, generations, claims, reviews, sweeps and time passing gives the
    /// same answers, balances, change feed and verification on both engines.
    #[test]
    fn postgresql_answers_every_operation_as_the_sqlite_store_does(
        ops in proptest::collection::vec(op(), 1..60)
    ) {
        let rt = runtime();
        rt.block_on(async {
            let (client, url) = shared().await;
            let ledger = PgLedger::new(recoup_store_pg::pool(&url, 4).unwrap());
            let _ = run(&ledger, &client, &ops).await;
        });
    }
}

/// One migrated database for the property test's cases (each case is a fresh account).
async fn shared() -> (tokio_postgres::Client, String) {
    static URL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    if let Some(url) = URL.get() {
        return (crate::support::connect(url).await, url.clone());
    }
    let (client, url) = migrated("ledger_differential").await;
    let _ = URL.set(url.clone());
    (client, url)
}

/// A fixed session that exercises every path at least once: refund, review approve and
/// reject, a repeated claim, a second claim refused, a technical failure, a stale hold, an
/// expired grant, and a refund whose grant had expired (regranted).
#[test]
fn a_session_through_every_path_agrees_with_sqlite() {
    let ops = vec![
        Op::Grant {
            credits: 30,
            kind: 0,
            expires_in_secs: Some(7_200),
        },
        Op::Grant {
            credits: 20,
            kind: 1,
            expires_in_secs: None,
        },
        Op::Start {
            feature: 0,
            platform: 0,
        },
        Op::Start {
            feature: 1,
            platform: 1,
        },
        Op::Start {
            feature: 2,
            platform: 2,
        },
        Op::Start {
            feature: 3,
            platform: 0,
        },
        Op::Finish {
            generation: 0,
            ok: true,
        },
        Op::Finish {
            generation: 1,
            ok: true,
        },
        Op::Finish {
            generation: 2,
            ok: false,
        },
        Op::Finish {
            generation: 0,
            ok: true,
        },
        Op::Claim {
            generation: 0,
            reason: 0,
            judgement: 0,
            same_id_as: None,
        },
        Op::Claim {
            generation: 0,
            reason: 0,
            judgement: 0,
            same_id_as: Some(0),
        },
        Op::Claim {
            generation: 0,
            reason: 1,
            judgement: 0,
            same_id_as: None,
        },
        Op::Claim {
            generation: 1,
            reason: 2,
            judgement: 1,
            same_id_as: None,
        },
        Op::Claim {
            generation: 2,
            reason: 0,
            judgement: 0,
            same_id_as: None,
        },
        Op::Review {
            claim: 3,
            approve: true,
        },
        Op::Review {
            claim: 3,
            approve: false,
        },
        Op::Advance { secs: 3_600 },
        Op::Sweep,
        Op::Advance { secs: 7_200 },
        Op::Start {
            feature: 4,
            platform: 1,
        },
        Op::Finish {
            generation: 4,
            ok: true,
        },
        Op::Claim {
            generation: 4,
            reason: 3,
            judgement: 1,
            same_id_as: None,
        },
        Op::Review {
            claim: 5,
            approve: false,
        },
        Op::Advance { secs: 90_000 },
        Op::Sweep,
        // A batch that reaches the refund limit (4 in the window; 2 refunded so far): two
        // refunds, then refusals, and a claim sent twice in the batch answered the same.
        Op::Grant {
            credits: 59,
            kind: 1,
            expires_in_secs: None,
        },
    ];
    let mut ops = ops;
    for _ in 0..5 {
        ops.push(Op::Start {
            feature: 0,
            platform: 0,
        });
    }
    for generation in 5..10 {
        ops.push(Op::Finish {
            generation,
            ok: true,
        });
    }
    let mut batch: Vec<_> = (5..10).map(|g| (g, 0, 0, None)).collect();
    batch.insert(1, (5, 0, 0, Some(6)));
    ops.push(Op::Claims { batch });
    runtime().block_on(async {
        let (client, url) = migrated("ledger_every_path").await;
        let ledger = PgLedger::new(recoup_store_pg::pool(&url, 4).unwrap());
        let kinds = run(&ledger, &client, &ops).await;
        let count = |k: &str| kinds.iter().filter(|x| *x == k).count();
        assert_eq!(
            count("refund"),
            4,
            "the session refunded twice one by one (automatic, approved), then twice in the \
             batch before the limit: {kinds:?}"
        );
        assert!(
            count("settlement") >= 5,
            "captures, a void and an expired hold settled: {kinds:?}"
        );
        assert!(
            count("claim") >= 5,
            "claims and their decisions are in the feed: {kinds:?}"
        );
    });
}
