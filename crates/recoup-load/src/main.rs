//! `recoup-load`: measures a running recoup-server (sandbox) from a second process.
//!
//! 1. creates `--accounts` sandbox accounts and `--claims` generations spread over them (a usable
//!    or bad output each, as the server's generator decides), through the public API;
//! 2. fires one claim per generation from `--concurrency` threads (keep-alive connections),
//!    single requests or batches (`--batch N`), and reports adjudicated claims per second and
//!    latency percentiles;
//! 3. fires the same number of requests at GET /v1/health as the ceiling of the same server.
//!
//! Every loop is bounded by the counts given; the tool stops by itself.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use clap::Parser;
use serde_json::{Value, json};

#[derive(Debug, Parser)]
struct Args {
    /// The endpoint, e.g. http://127.0.0.1:8787 (loopback only).
    #[arg(long)]
    endpoint: String,
    /// Admin token (to set the generator so every generation succeeds).
    #[arg(long)]
    admin_token: String,
    /// Number of claims (and generations).
    #[arg(long, default_value_t = 5_000)]
    claims: usize,
    /// Sandbox accounts to spread the load over.
    #[arg(long, default_value_t = 8)]
    accounts: usize,
    /// Client threads.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Claims per request (1 = POST /v1/claims; more = POST /v1/claims/batch).
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Instead: queue `--claims` reports on a real device store and time the sync engine
    /// draining them (push in batches, answers recorded, change feed pulled).
    #[arg(long)]
    drain: bool,
}

fn main() {
    let args = Args::parse();
    let result = if args.drain { drain(&args) } else { run(&args) };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

type Res<T> = Result<T, String>;

type Agent = reqwest::blocking::Client;

/// A keep-alive HTTP client (reqwest, blocking; the endpoint is on loopback, so no proxy).
fn agent() -> Res<Agent> {
    recoup_sync::blocking_client_builder()
        .map_err(|e| e.to_string())?
        .timeout(Duration::from_secs(60))
        .pool_max_idle_per_host(256)
        .no_proxy()
        .build()
        .map_err(|e| e.to_string())
}

fn post(agent: &Agent, url: &str, token: Option<&str>, body: &Value) -> Res<(u16, Value)> {
    let mut req = agent.post(url);
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let resp = req
        .json(body)
        .send()
        .map_err(|e| format!("POST {url}: {e}"))?;
    let status = resp.status().as_u16();
    let v: Value = resp.json().map_err(|e| format!("POST {url}: body: {e}"))?;
    Ok((status, v))
}

fn run(args: &Args) -> Res<()> {
    if !(args.endpoint.contains("127.0.0.1")
        || args.endpoint.contains("localhost")
        || args.endpoint.contains("[::1]"))
    {
        return Err("only loopback endpoints are load-tested".into());
    }
    let base = args.endpoint.trim_end_matches('/').to_owned();
    let agent = agent()?;
    let settings = agent
        .put(format!("{base}/v1/admin/generator"))
        .header("Authorization", format!("Bearer {}", args.admin_token))
        .json(&json!({"failure_rate": 0.0, "bad_rate": 0.5}))
        .send()
        .map_err(|e| e.to_string())?;
    if settings.status().as_u16() != 200 {
        return Err(format!(
            "cannot set the generator: {}",
            settings.text().unwrap_or_default()
        ));
    }
    let mut tokens = Vec::new();
    for _ in 0..args.accounts.max(1) {
        let (s, v) = post(&agent, &format!("{base}/v1/accounts"), None, &json!({}))?;
        if s != 201 {
            return Err(format!("account creation answered {s}: {v}"));
        }
        let token = v["token"].as_str().ok_or("no token")?.to_owned();
        let account = v["account_id"].as_str().ok_or("no account id")?.to_owned();
        let (s, v) = post(
            &agent,
            &format!("{base}/v1/admin/accounts/{account}/grants"),
            Some(&args.admin_token),
            &json!({"credits": 10 * args.claims as u64 + 100, "kind": "top_up"}),
        )?;
        if s != 200 {
            return Err(format!("grant answered {s}: {v}"));
        }
        tokens.push(token);
    }
    eprintln!(
        "making {} generations over {} accounts...",
        args.claims,
        tokens.len()
    );
    let gens = parallel(args.concurrency, args.claims, |i, agent| {
        let id = uuid::Uuid::now_v7().to_string();
        let token = &tokens[i % tokens.len()];
        let (s, v) = post(
            agent,
            &format!("{base}/v1/generations"),
            Some(token),
            &json!({
                "generation_id": id, "feature": "virtual_model", "platform": "web", "surface": "editor"
            }),
        )?;
        if s != 200 {
            return Err(format!("generation answered {s}: {v}"));
        }
        Ok((i % tokens.len(), id))
    })?;
    let gens: Vec<(usize, String)> = gens.into_iter().map(|(_, g)| g).collect();

    let batch = args.batch.clamp(1, 500);
    let requests: Vec<(usize, Vec<String>)> = {
        let mut per_account: Vec<Vec<String>> = vec![Vec::new(); tokens.len()];
        for (a, g) in &gens {
            per_account[*a].push(g.clone());
        }
        let mut out = Vec::new();
        for (a, list) in per_account.into_iter().enumerate() {
            for chunk in list.chunks(batch) {
                out.push((a, chunk.to_vec()));
            }
        }
        out
    };
    eprintln!("claiming ({} requests of up to {batch})...", requests.len());
    let decided = AtomicUsize::new(0);
    let started = Instant::now();
    let lat = parallel(args.concurrency, requests.len(), |i, agent| {
        let (a, ids) = &requests[i];
        let claim = |g: &String| {
            json!({"claim_id": uuid::Uuid::now_v7().to_string(), "generation_id": g,
                                        "reason": "blank_or_corrupted", "details": "load test report"})
        };
        let (s, v) = if ids.len() == 1 {
            post(
                agent,
                &format!("{base}/v1/claims"),
                Some(&tokens[*a]),
                &claim(&ids[0]),
            )?
        } else {
            let claims: Vec<Value> = ids.iter().map(claim).collect();
            post(
                agent,
                &format!("{base}/v1/claims/batch"),
                Some(&tokens[*a]),
                &json!({"claims": claims}),
            )?
        };
        if s != 200 {
            return Err(format!("claim answered {s}: {v}"));
        }
        decided.fetch_add(ids.len(), Ordering::Relaxed);
        Ok(())
    })?;
    let claim_secs = started.elapsed().as_secs_f64();
    let n = decided.load(Ordering::Relaxed);
    report(
        "claims",
        n,
        claim_secs,
        lat.iter().map(|(d, _)| *d).collect(),
    );

    let started = Instant::now();
    let lat = parallel(args.concurrency, requests.len(), |_, agent| {
        let resp = agent
            .get(format!("{base}/v1/health"))
            .send()
            .map_err(|e| e.to_string())?;
        if resp.status().as_u16() != 200 {
            return Err(format!("health answered {}", resp.status()));
        }
        Ok(())
    })?;
    report(
        "health",
        requests.len(),
        started.elapsed().as_secs_f64(),
        lat.iter().map(|(d, _)| *d).collect(),
    );
    Ok(())
}

/// Times a device draining a large outbox: `--claims` reports queued offline, then one sync.
fn drain(args: &Args) -> Res<()> {
    use recoup_core::{ClaimId, ClaimReason, GenerationId};
    use recoup_store::{Store, SubmitClaim};
    use recoup_sync::{Client, HttpTransport, SplitMix64, SyncConfig, SyncEngine};

    let base = args.endpoint.trim_end_matches('/').to_owned();
    if !(base.contains("127.0.0.1") || base.contains("localhost")) {
        return Err("only loopback endpoints are load-tested".into());
    }
    let agent = agent()?;
    let (s, v) = post(&agent, &format!("{base}/v1/accounts"), None, &json!({}))?;
    if s != 201 {
        return Err(format!("account creation answered {s}: {v}"));
    }
    let token = v["token"].as_str().ok_or("no token")?.to_owned();
    let account = v["account_id"].as_str().ok_or("no account id")?.to_owned();
    post(
        &agent,
        &format!("{base}/v1/admin/accounts/{account}/grants"),
        Some(&args.admin_token),
        &json!({"credits": 10 * args.claims as u64 + 100, "kind": "top_up"}),
    )?;
    // A policy whose safeguards let every one of these reports through.
    let mut policy: Value = serde_json::from_str(&recoup_core::Policy::builtin().to_json())
        .map_err(|e| e.to_string())?;
    policy["version"] = format!("drain-{}", uuid::Uuid::now_v7()).into();
    policy["safeguards"]["refunds_max"] = (args.claims as u64 * 2).into();
    policy["safeguards"]["refunded_share_max_percent"] = 100.into();
    let r = agent
        .put(format!("{base}/v1/admin/policy"))
        .header("Authorization", format!("Bearer {}", args.admin_token))
        .json(&policy)
        .send()
        .map_err(|e| e.to_string())?;
    if r.status().as_u16() != 200 {
        return Err(format!("policy publish answered {}", r.status()));
    }
    eprintln!("making {} generations...", args.claims);
    parallel(args.concurrency, args.claims, |_, agent| {
        let id = GenerationId::new_v7().to_string();
        let (s, v) = post(
            agent,
            &format!("{base}/v1/generations"),
            Some(&token),
            &json!({
                "generation_id": id, "feature": "logo", "platform": "web", "surface": "editor"
            }),
        )?;
        if s != 200 {
            return Err(format!("generation answered {s}: {v}"));
        }
        Ok(())
    })?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut store = Store::open(&dir.path().join("device.sqlite3")).map_err(|e| e.to_string())?;
    let client =
        Client::new(HttpTransport::new(&base).map_err(|e| e.to_string())?).with_token(token);
    let key = client.policy_key().map_err(|e| e.to_string())?;
    store
        .set_meta(recoup_sync::meta::POLICY_KEY, &key.to_base64())
        .map_err(|e| e.to_string())?;
    let mut engine = SyncEngine::new(
        client,
        SyncConfig::default(),
        recoup_core::SystemClock,
        SplitMix64::new(1),
    )
    .map_err(|e| e.to_string())?;
    let pulled = Instant::now();
    engine.sync_once(&mut store).map_err(|e| e.to_string())?;
    eprintln!(
        "device pulled the generations in {:.2} s",
        pulled.elapsed().as_secs_f64()
    );
    let succeeded = recoup_store::HistoryFilter {
        status: Some(recoup_core::GenerationStatus::Succeeded),
        ..Default::default()
    };
    let page = store
        .history(&recoup_store::HistoryQuery {
            filter: succeeded,
            before: None,
            limit: 200,
        })
        .map_err(|e| e.to_string())?;
    let mut ids: Vec<GenerationId> = page.items.iter().map(|g| g.generation_id).collect();
    let mut next = page.next;
    while let Some(before) = next {
        let p = store
            .history(&recoup_store::HistoryQuery {
                filter: succeeded,
                before: Some(before),
                limit: 200,
            })
            .map_err(|e| e.to_string())?;
        ids.extend(p.items.iter().map(|g| g.generation_id));
        next = p.next;
    }
    let now = recoup_core::Timestamp::now();
    for g in &ids {
        store
            .submit_claim(
                &SubmitClaim {
                    claim_id: ClaimId::new_v7(),
                    generation_id: *g,
                    reason: ClaimReason::BlankOrCorrupted,
                    details: "blank output".into(),
                    reported_at: None,
                },
                now,
            )
            .map_err(|e| e.to_string())?;
    }
    let queued = store.outbox_len().map_err(|e| e.to_string())?;
    eprintln!("{queued} reports queued offline; syncing...");
    let started = Instant::now();
    let report = engine.sync_once(&mut store).map_err(|e| e.to_string())?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "drain: {} claims sent, {} answered ({} refunded, {} in review, {} not refunded), {} still queued, \
         {} changes pulled, in {secs:.2} s = {:.0} claims/s",
        report.sent,
        report.answered,
        report.refunded,
        report.in_review,
        report.not_refunded,
        report.still_queued,
        report.pulled,
        f64::from(report.answered) / secs
    );
    Ok(())
}

fn report(what: &str, n: usize, secs: f64, mut lat: Vec<Duration>) {
    lat.sort();
    let p = |q: f64| {
        let i = ((lat.len() as f64 - 1.0) * q).round() as usize;
        lat.get(i).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{what}: {n} in {secs:.2} s = {:.0}/s; request latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        n as f64 / secs,
        p(0.5),
        p(0.99),
        p(1.0)
    );
}

/// Runs `f(i)` for i in 0..n on `threads` threads, each with its own keep-alive agent; returns
/// each call's latency and result in order of completion. Stops at the first error.
fn parallel<T: Send>(
    threads: usize,
    n: usize,
    f: impl Fn(usize, &Agent) -> Res<T> + Sync,
) -> Res<Vec<(Duration, T)>> {
    let next = AtomicUsize::new(0);
    let out = Mutex::new(Vec::with_capacity(n));
    let failure: Mutex<Option<String>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| {
                let agent = match agent() {
                    Ok(a) => a,
                    Err(e) => {
                        if let Ok(mut fl) = failure.lock() {
                            fl.get_or_insert(e);
                        }
                        return;
                    }
                };
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= n || failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                        break;
                    }
                    let t = Instant::now();
                    match f(i, &agent) {
                        Ok(v) => {
                            if let Ok(mut o) = out.lock() {
                                o.push((t.elapsed(), v));
                            }
                        }
                        Err(e) => {
                            if let Ok(mut fl) = failure.lock() {
                                fl.get_or_insert(e);
                            }
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    out.into_inner().map_err(|_| "poisoned".to_owned())
}
