//! How fast the operator console opens a large review queue and a year of insights: 100,000
//! items waiting (from 1,000 accounts, spread over 30 days), and a year of reports as dense as
//! they can be (every day, every feature on every platform, every reason; 1,000 accounts with
//! refunds in the safeguard window), on the SQLite engine and on PostgreSQL, through HTTP as the
//! console's page asks (`GET /console/api/reviews`, `GET /console/api/insights`, signed in). For
//! each request: p50, p95 and the slowest of 30, after 3 unmeasured. Figures:
//! docs/benchmarks.md, sections 7 and 8.
//!
//! Run: `cargo bench -p recoup-server --bench console_queue` (about a minute; PostgreSQL from
//! Debian's package, a server of its own in a temp dir). `QUEUE_ITEMS` changes the size.
//!
//! The queue is written straight into the databases (the registry's index on SQLite; the
//! claims, their generations and the queue rows on PostgreSQL, with the ledger's triggers off
//! while seeding), as 100,000 real reports would have left it: making them through the API
//! would take hours of image generation and measure nothing more about the listing. The insight
//! counters are written the same way, while the endpoint runs (at start, the SQLite engine
//! counts them again from the ledgers, which hold none of the seeded rows); the insights read
//! only the counters, whose size depends on days × features × platforms × reasons, not on how
//! many generations were counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use recoup_core::{ClaimReason, Feature, Platform};
use uuid::Uuid;

const ADMIN: &str = "bench-Console-Adm1n-7Kq9xZ2pLw4Rv8Nc3Hy6Bj5";
const ACCOUNTS: u64 = 1_000;
const RUNS: usize = 30;
const WARMUP: usize = 3;
/// The newest item's queue time; the oldest is 30 days before.
const NOW_MS: i64 = 1_796_000_000_000;
const SPAN_MS: i64 = 30 * 86_400_000;

fn items() -> u64 {
    std::env::var("QUEUE_ITEMS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// The endpoint binary on a data dir (and a database), until dropped.
struct Endpoint {
    child: Child,
    base: String,
}

impl Endpoint {
    fn start(data: &Path, database: Option<&str>) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_recoup-server"));
        cmd.arg("--data-dir")
            .arg(data)
            .args(["--listen", "127.0.0.1:0", "--sandbox"])
            .env("RECOUP_ADMIN_TOKEN", ADMIN)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = database {
            cmd.arg("--database").arg(url);
        }
        let mut child = cmd.spawn().expect("the endpoint starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the endpoint says where it listens");
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .expect("listening on http://...")
            .to_owned();
        Self { child, base }
    }
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One seeded item: its account, claim, generation and what the queue filters on.
struct Item {
    account: Uuid,
    claim: Uuid,
    generation: Uuid,
    feature: &'static str,
    platform: &'static str,
    reason: &'static str,
    credits: i64,
    queued_at: i64,
}

fn item(i: u64, n: u64) -> Item {
    let uuid = |kind: u64| Uuid::from_u64_pair(kind, i);
    let features = Feature::ALL;
    let platforms = Platform::ALL;
    let reasons = ClaimReason::ALL;
    let at = |i: u64| NOW_MS - SPAN_MS + (SPAN_MS / n as i64) * i as i64;
    Item {
        account: Uuid::from_u64_pair(1, i % ACCOUNTS),
        claim: uuid(2),
        generation: uuid(3),
        feature: features[(i % features.len() as u64) as usize].as_str(),
        platform: platforms[(i / 7 % platforms.len() as u64) as usize].as_str(),
        reason: reasons[(i / 3 % reasons.len() as u64) as usize].as_str(),
        credits: (1 + i % 20) as i64,
        queued_at: at(i),
    }
}

fn seed_sqlite(data: &Path, n: u64) {
    let mut db = rusqlite::Connection::open(data.join("server.sqlite3")).expect("registry");
    let tx = db.transaction().expect("tx");
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO reviews (account_id, claim_id, queued_at, generation_id, feature,
                     platform, reason, credits, submitted_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
            )
            .expect("insert");
        for i in 0..n {
            let it = item(i, n);
            stmt.execute(rusqlite::params![
                it.account.as_bytes(),
                it.claim.as_bytes(),
                it.queued_at,
                it.generation.as_bytes(),
                it.feature,
                it.platform,
                it.reason,
                it.credits,
                it.queued_at - 60_000,
            ])
            .expect("a row");
        }
    }
    tx.commit().expect("commit");
}

/// A runtime and a client of the database, with the ledger's triggers (numbering, invariants,
/// foreign keys) off: for seeding only.
fn seeding(url: &str) -> (tokio::runtime::Runtime, tokio_postgres::Client) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let client = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(async move {
            let _ = connection.await;
        });
        client
            .batch_execute("SET session_replication_role = replica")
            .await
            .expect("triggers off");
        client
    });
    (rt, client)
}

fn seed_postgres(url: &str, n: u64) {
    let (rt, client) = seeding(url);
    rt.block_on(async {
        let decision = r#"{"eligible":true,"reasons":[],"rule":"features.x.web","policy_version":"bench","refundable_credits":1,"window_closes_at":null,"decided_at":"2026-11-25T10:00:00Z"}"#;
        let chunk = 5_000;
        let mut start = 0;
        while start < n {
            let end = (start + chunk).min(n);
            let mut generations = String::from(
                "INSERT INTO generations (account_id, generation_id, feature, platform, surface,
                     media_kind, status, cost, charged, price_version, started_at, finished_at,
                     hold_expires_at, claimed) VALUES ",
            );
            let mut claims = String::from(
                "INSERT INTO claims (account_id, claim_id, generation_id, reason, details,
                     submitted_at, local_eligible, local_decision, policy_version, sync_state,
                     outcome) VALUES ",
            );
            let mut reviews = String::from(
                "INSERT INTO reviews (account_id, claim_id, queued_at, generation_id, feature,
                     platform, reason, credits, submitted_at) VALUES ",
            );
            for i in start..end {
                let it = item(i, n);
                let sep = if i == start { "" } else { "," };
                generations.push_str(&format!(
                    "{sep}('{}','{}','{}','{}','editor','image','succeeded',{c},{c},'bench',{t},{t},{t},true)",
                    it.account, it.generation, it.feature, it.platform, c = it.credits, t = it.queued_at - 120_000
                ));
                claims.push_str(&format!(
                    "{sep}('{}','{}','{}','{}','the hands are melted',{},true,'{decision}','bench','acknowledged','in_review')",
                    it.account, it.claim, it.generation, it.reason, it.queued_at - 60_000
                ));
                reviews.push_str(&format!(
                    "{sep}('{}','{}',{},'{}','{}','{}','{}',{},{})",
                    it.account,
                    it.claim,
                    it.queued_at,
                    it.generation,
                    it.feature,
                    it.platform,
                    it.reason,
                    it.credits,
                    it.queued_at - 60_000
                ));
            }
            for sql in [&generations, &claims, &reviews] {
                client.batch_execute(sql).await.expect("seed");
            }
            start = end;
        }
        // One statement each: VACUUM cannot run in a multi-statement string.
        for table in ["generations", "claims", "reviews"] {
            client
                .batch_execute(&format!("VACUUM ANALYZE {table}"))
                .await
                .expect("vacuum");
        }
    });
}

/// Days of insight counters seeded, ending today.
const INSIGHT_DAYS: i64 = 365;

fn today() -> i64 {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after 1970")
        .as_millis() as i64;
    ms / 86_400_000
}

/// The counters of a dense year, as SQL rows: `(day, feature, platform, shard?, counts...)`,
/// the reasons, and 1,000 accounts' refunds in the last 30 days. `shards` is 1 on SQLite, 8 on
/// PostgreSQL (its rows are split by account).
fn insight_sql(shards: i64) -> Vec<String> {
    let today = today();
    let shard_col = |with: bool| if with { ", shard" } else { "" };
    let pg = shards > 1;
    let mut out = Vec::new();
    for day in (today - INSIGHT_DAYS + 1)..=today {
        let mut days = format!(
            "INSERT INTO insight_days (day, feature, platform{}, delivered, failed, reports,
                 refunded_auto, refused_auto, sent_to_review, refunded_reviewed, refused_reviewed,
                 refunded_credits) VALUES ",
            shard_col(pg)
        );
        let mut reasons = format!(
            "INSERT INTO insight_reasons (day, feature, platform, reason{}, reports) VALUES ",
            shard_col(pg)
        );
        let mut first = true;
        let mut first_reason = true;
        for f in Feature::ALL {
            for p in Platform::ALL {
                for shard in 0..shards {
                    let shard = if pg {
                        format!(", {shard}")
                    } else {
                        String::new()
                    };
                    let n = 40 + (day % 7);
                    days.push_str(&format!(
                        "{}({day}, '{}', '{}'{shard}, {}, 2, {n}, 10, 5, 25, 15, 10, 90)",
                        if first { "" } else { "," },
                        f.as_str(),
                        p.as_str(),
                        n * 20
                    ));
                    first = false;
                    for r in ClaimReason::ALL {
                        reasons.push_str(&format!(
                            "{}({day}, '{}', '{}', '{}'{shard}, 8)",
                            if first_reason { "" } else { "," },
                            f.as_str(),
                            p.as_str(),
                            r.as_str()
                        ));
                        first_reason = false;
                    }
                }
            }
        }
        out.push(days);
        out.push(reasons);
    }
    // Every account refunded on each of the last 30 days.
    for day in (today - 29)..=today {
        let table = if pg {
            "activity_days"
        } else {
            "insight_accounts"
        };
        let mut sql =
            format!("INSERT INTO {table} (account_id, day, spent, refunded, refunds) VALUES ");
        for a in 0..ACCOUNTS {
            let id = Uuid::from_u64_pair(1, a);
            let id = if pg {
                format!("'{id}'")
            } else {
                format!("x'{}'", id.simple())
            };
            sql.push_str(&format!(
                "{}({id}, {day}, 30, {}, 1)",
                if a == 0 { "" } else { "," },
                1 + a % 9
            ));
        }
        out.push(sql);
    }
    out
}

fn seed_insights_sqlite(data: &Path) {
    let mut db = rusqlite::Connection::open(data.join("server.sqlite3")).expect("registry");
    db.busy_timeout(Duration::from_secs(30))
        .expect("busy timeout");
    let tx = db.transaction().expect("tx");
    for sql in insight_sql(1) {
        tx.execute_batch(&sql).expect("seed insights");
    }
    tx.commit().expect("commit");
}

fn seed_insights_postgres(url: &str) {
    let (rt, client) = seeding(url);
    rt.block_on(async {
        let accounts: Vec<String> = (0..ACCOUNTS)
            .map(|a| format!("('{}', 1)", Uuid::from_u64_pair(1, a)))
            .collect();
        client
            .batch_execute(&format!(
                "INSERT INTO accounts (account_id, created_at) VALUES {} ON CONFLICT DO NOTHING",
                accounts.join(",")
            ))
            .await
            .expect("the accounts");
        for sql in insight_sql(8) {
            client.batch_execute(&sql).await.expect("seed insights");
        }
        for table in ["insight_days", "insight_reasons", "activity_days"] {
            client
                .batch_execute(&format!("VACUUM ANALYZE {table}"))
                .await
                .expect("vacuum");
        }
    });
}

fn day_text(day: i64) -> String {
    let d =
        chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch") + chrono::TimeDelta::days(day);
    d.format("%Y-%m-%d").to_string()
}

/// p50, p95 and the slowest of [`RUNS`] GETs of each path, after [`WARMUP`].
fn timings(get: &dyn Fn(&str) -> serde_json::Value, cases: &[(&str, String)]) {
    println!(
        "{:<32} {:>8} {:>8} {:>8}",
        "request", "p50 ms", "p95 ms", "max ms"
    );
    for (name, path) in cases {
        for _ in 0..WARMUP {
            get(path);
        }
        let mut ms: Vec<f64> = (0..RUNS)
            .map(|_| {
                let t = Instant::now();
                get(path);
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
        println!(
            "{name:<32} {:>8.1} {:>8.1} {:>8.1}",
            at(0.5),
            at(0.95),
            ms[ms.len() - 1]
        );
    }
}

/// A GET of the console's API, signed in (panics on anything but a success).
fn signed_in_get(base: &str) -> impl Fn(&str) -> serde_json::Value {
    let http = reqwest::blocking::Client::builder()
        .tls_backend_preconfigured(recoup_server::http_client::tls_config().expect("TLS set-up"))
        .no_proxy()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let cookie = sign_in(&http, base);
    let base = base.to_owned();
    move |path: &str| {
        let r = http
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .expect("an answer");
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().expect("JSON")
    }
}

fn measure_insights(engine: &str, base: &str) {
    let get = signed_in_get(base);
    let today = today();
    let year = format!(
        "/console/api/insights?from={}&to={}",
        day_text(today - INSIGHT_DAYS + 1),
        day_text(today)
    );
    let whole = get(&year);
    let days = whole["days"].as_array().expect("days");
    assert_eq!(
        days.len(),
        INSIGHT_DAYS as usize,
        "{engine}: a year of days"
    );
    assert!(
        days.iter()
            .all(|d| d["counts"]["reports"].as_u64().unwrap_or(0) > 0),
        "{engine}: every seeded day has reports"
    );
    assert_eq!(
        whole["cells"].as_array().map(Vec::len),
        Some(Feature::ALL.len() * Platform::ALL.len()),
        "{engine}: every feature on every platform"
    );
    assert_eq!(
        whole["near_limits"].as_array().map(Vec::len),
        Some(20),
        "{engine}: the 20 accounts closest to the limits"
    );
    println!(
        "\n{engine}, insights over a year ({} reports counted):",
        whole["totals"]["reports"]
    );
    timings(
        &get,
        &[
            ("a year", year.clone()),
            (
                "a year, one feature + platform",
                format!("{year}&feature=logo&platform=ios"),
            ),
            ("30 days (the default)", "/console/api/insights".to_owned()),
        ],
    );
}

fn sign_in(http: &reqwest::blocking::Client, base: &str) -> String {
    let r = http
        .post(format!("{base}/console/api/session"))
        .json(&serde_json::json!({ "credential": ADMIN }))
        .send()
        .expect("sign in");
    assert!(r.status().is_success(), "signed in: {}", r.status());
    r.headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("a session cookie")
        .to_owned()
}

fn measure(engine: &str, base: &str, n: u64) {
    let get = signed_in_get(base);
    let first = get("/console/api/reviews");
    assert_eq!(first["total"], n, "{engine}: every seeded item is waiting");
    // A page deep in the queue: the cursor after the 50,000th item.
    let mut deep_after = first["next"].as_str().expect("next").to_owned();
    for _ in 0..(n / 2 / 200) {
        let page = get(&format!(
            "/console/api/reviews?limit=200&after={deep_after}"
        ));
        deep_after = page["next"].as_str().expect("next").to_owned();
    }
    let cases = [
        (
            "first page (50, oldest first)",
            "/console/api/reviews".to_owned(),
        ),
        (
            "first page, newest first",
            "/console/api/reviews?order=newest".to_owned(),
        ),
        (
            "one feature",
            "/console/api/reviews?feature=logo".to_owned(),
        ),
        (
            "feature + platform + reason",
            "/console/api/reviews?feature=logo&platform=ios&reason=other".to_owned(),
        ),
        (
            "waiting 10 to 20 days",
            "/console/api/reviews?min_age_hours=240&max_age_hours=480".to_owned(),
        ),
        (
            "a page halfway (cursor)",
            format!("/console/api/reviews?after={deep_after}"),
        ),
        ("200 items", "/console/api/reviews?limit=200".to_owned()),
    ];
    println!("\n{engine}, {n} items waiting:");
    timings(&get, &cases);
}

fn main() {
    // `cargo test --benches` and `cargo bench --no-run` build it; only `cargo bench` runs it.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = items();

    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("sqlite");
    drop(Endpoint::start(&data, None));
    let t = Instant::now();
    seed_sqlite(&data, n);
    println!(
        "SQLite: {n} items seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let endpoint = Endpoint::start(&data, None);
    measure("SQLite", &endpoint.base, n);
    seed_insights_sqlite(&data);
    measure_insights("SQLite", &endpoint.base);
    drop(endpoint);

    let pg = recoup_store_pg::harness::PgServer::start_new().expect("a PostgreSQL server");
    let url = pg.create_database("console_bench").expect("a database");
    let pg_data = dir.path().join("pg");
    drop(Endpoint::start(&pg_data, Some(&url)));
    let t = Instant::now();
    seed_postgres(&url, n);
    println!(
        "\nPostgreSQL: {n} items seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let endpoint = Endpoint::start(&pg_data, Some(&url));
    measure("PostgreSQL", &endpoint.base, n);
    seed_insights_postgres(&url);
    measure_insights("PostgreSQL", &endpoint.base);
}
