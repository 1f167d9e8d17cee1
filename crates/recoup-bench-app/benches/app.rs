//! The desktop app's figures in the real WebKit (docs/benchmarks.md, "The desktop app"):
//!
//! 1. cold start: from the app process's spawn to `[data-ready="true"]` with history cards on
//!    a data dir of 10,000 generations, and the memory of the app and its WebKit processes,
//!    next to a minimal Tauri 2 app (`bench/tauri-minimal`) launched the same way;
//! 2. the eligibility check's IPC round trip (`check_claim`) next to the empty command's
//!    (`ping`), timed in the page with `performance.now()`.
//!
//! Run it with `bash scripts/bench-app.sh` (builds the release app, the UI and the minimal app,
//! provides tauri-driver, WebKitWebDriver and a display). `cargo bench -p recoup-bench-app`
//! works on its own under a display once those are built. Settings (environment):
//! `RECOUP_BENCH_RUNS` (cold starts per app, 7), `RECOUP_BENCH_IPC_N` (timed calls per command,
//! 1000), `RECOUP_BENCH_GENERATIONS` (10000), `RECOUP_BENCH_APP`, `RECOUP_BENCH_MINIMAL`,
//! `TAURI_DRIVER`, `WEBKIT_WEBDRIVER`. Results also go to `target/bench-data/app-bench.json`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use recoup_bench_app::{
    Driver, IPC_SCRIPT, Launcher, READY_SCRIPT, Res, Session, memory, now_ms, seed, summary,
};
use serde_json::{Value, json};

fn main() {
    // `cargo bench` passes --bench; anything else (a test run of all targets) does nothing.
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("recoup-bench-app: run with `cargo bench` (see scripts/bench-app.sh)");
        return;
    }
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn path_env(name: &str, default: PathBuf) -> PathBuf {
    std::env::var_os(name).map_or(default, PathBuf::from)
}

fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

struct Run {
    /// Spawn to ready, ms.
    start_ms: f64,
    /// Spawn to the WebDriver session being open, ms.
    session_ms: f64,
    /// Whether the page was already ready when first checked (then `start_ms` is an upper bound).
    already: bool,
    cards: u64,
    memory: Vec<recoup_bench_app::ProcMem>,
}

/// Launches the app through `launcher` (a new session), waits for the ready state, reads the
/// memory after `settle`; `then` runs in the session before it closes.
fn cold_start(
    driver: &Driver,
    launcher: &Launcher,
    selector: &str,
    min: u64,
    settle: Duration,
    then: impl FnOnce(&Session) -> Res<()>,
) -> Res<Run> {
    launcher.reset();
    let session = driver.session(&launcher.script)?;
    let opened = now_ms();
    let v = session.execute_async(READY_SCRIPT, json!([selector, min]))?;
    let spawned = launcher.spawned_ms()?;
    let at = v["at"].as_f64().ok_or("no ready time")?;
    std::thread::sleep(settle);
    let memory = memory(launcher.pid()?);
    then(&session)?;
    drop(session);
    Ok(Run {
        start_ms: at - spawned,
        session_ms: opened - spawned,
        already: v["already"].as_bool().unwrap_or(false),
        cards: v["count"].as_u64().unwrap_or(0),
        memory,
    })
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if !v.len().is_multiple_of(2) {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Per-process memory (median over runs, MiB) by process name, and the totals.
fn memory_summary(runs: &[Run]) -> Value {
    let mut names: Vec<String> = runs
        .iter()
        .flat_map(|r| r.memory.iter().map(|m| m.name.clone()))
        .collect();
    names.sort();
    names.dedup();
    let mib = |k: u64| k as f64 / 1024.0;
    let mut out = serde_json::Map::new();
    for name in names {
        let rss = median(
            runs.iter()
                .map(|r| {
                    mib(r
                        .memory
                        .iter()
                        .filter(|m| m.name == name)
                        .map(|m| m.rss_kib)
                        .sum())
                })
                .collect(),
        );
        let pss = median(
            runs.iter()
                .map(|r| {
                    mib(r
                        .memory
                        .iter()
                        .filter(|m| m.name == name)
                        .map(|m| m.pss_kib)
                        .sum())
                })
                .collect(),
        );
        out.insert(name, json!({"rss_mib": rss, "pss_mib": pss}));
    }
    let rss = median(
        runs.iter()
            .map(|r| mib(r.memory.iter().map(|m| m.rss_kib).sum()))
            .collect(),
    );
    let pss = median(
        runs.iter()
            .map(|r| mib(r.memory.iter().map(|m| m.pss_kib).sum()))
            .collect(),
    );
    out.insert("total".into(), json!({"rss_mib": rss, "pss_mib": pss}));
    Value::Object(out)
}

fn start_summary(runs: &[Run]) -> Value {
    let starts: Vec<f64> = runs.iter().map(|r| r.start_ms).collect();
    json!({
        "runs_ms": starts,
        "median_ms": median(starts.clone()),
        "max_ms": starts.iter().copied().fold(f64::NAN, f64::max),
        "session_open_ms": runs.iter().map(|r| r.session_ms).collect::<Vec<_>>(),
        "already_ready_when_checked": runs.iter().map(|r| r.already).collect::<Vec<_>>(),
        "cards": runs.iter().map(|r| r.cards).collect::<Vec<_>>(),
        "memory": memory_summary(runs),
    })
}

fn ipc(session: &Session, cmd: &str, args: Value, n: u64) -> Res<Value> {
    let v = session.execute_async(IPC_SCRIPT, json!([cmd, args, 200, n]))?;
    if v["ok"] != json!(true) {
        return Err(format!("{cmd}: {}", v["error"]).into());
    }
    let t: Vec<f64> = v["t"]
        .as_array()
        .ok_or("no timings")?
        .iter()
        .filter_map(Value::as_f64)
        .collect();
    let mut s = summary(&t);
    s["loop_mean_ms"] = json!(v["total"].as_f64().unwrap_or(f64::NAN) / n as f64);
    let mut distinct: Vec<f64> = t.iter().map(|x| (x * 1e6).round() / 1e6).collect();
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    s["distinct_values"] = json!(distinct.len());
    Ok(s)
}

fn run() -> Res<()> {
    if std::env::var_os("DISPLAY").is_none() {
        return Err("no DISPLAY: run under Xvfb (bash scripts/bench-app.sh does)".into());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let target = path_env("CARGO_TARGET_DIR", root.join("target"));
    let app_bin = path_env("RECOUP_BENCH_APP", target.join("release/recoup-app"));
    let minimal_bin = path_env("RECOUP_BENCH_MINIMAL", target.join("release/tauri-minimal"));
    let tauri_driver = std::env::var_os("TAURI_DRIVER")
        .map(PathBuf::from)
        .or_else(|| which("tauri-driver"))
        .ok_or("tauri-driver not found: cargo install tauri-driver --locked --version ^2")?;
    let native = path_env(
        "WEBKIT_WEBDRIVER",
        PathBuf::from("/usr/bin/WebKitWebDriver"),
    );
    let runs: usize = env_or("RECOUP_BENCH_RUNS", 7);
    let n_ipc: u64 = env_or("RECOUP_BENCH_IPC_N", 1000);
    let generations: usize = env_or("RECOUP_BENCH_GENERATIONS", 10_000);
    for p in [&app_bin, &minimal_bin, &native] {
        if !p.is_file() {
            return Err(format!(
                "{} is missing (scripts/bench-app.sh builds it)",
                p.display()
            )
            .into());
        }
    }
    let work = target.join("bench-data");
    let data = work.join(format!("app-{generations}"));

    eprintln!(
        "seeding {} with {generations} generations (cached)",
        data.display()
    );
    if let Some(took) = seed(&data, generations, 2)? {
        eprintln!("  seeded in {:.1} s", took.as_secs_f64());
    }

    let driver = Driver::start(&tauri_driver, &native, &work.join("tauri-driver.log"))?;
    let recoup = Launcher::new(
        &work,
        "recoup",
        &app_bin,
        &[
            ("RECOUP_DATA_DIR", data.display().to_string()),
            ("RECOUP_NO_KEYCHAIN", "1".into()),
            ("RUST_LOG", "warn".into()),
        ],
    )?;
    let minimal = Launcher::new(&work, "minimal", &minimal_bin, &[])?;
    let settle = Duration::from_secs(3);

    // One launch of each, not counted: the binaries and WebKit into the page cache.
    eprintln!("warm-up launches");
    cold_start(
        &driver,
        &recoup,
        "[data-testid=history-item]",
        1,
        settle,
        |_| Ok(()),
    )?;
    cold_start(&driver, &minimal, "body", 0, settle, |_| Ok(()))?;

    let mut ipc_results = Value::Null;
    let mut app_runs = Vec::new();
    let mut min_runs = Vec::new();
    for i in 0..runs {
        // Alternate the two apps so that load on the machine hits both alike.
        let last = i + 1 == runs;
        let r = cold_start(
            &driver,
            &recoup,
            "[data-testid=history-item]",
            1,
            settle,
            |s| {
                if !last {
                    return Ok(());
                }
                let id = s.execute(
                    "return document.querySelector('[data-generation-id]').dataset.generationId",
                    json!([]),
                )?;
                let id = id
                    .as_str()
                    .ok_or("no generation id on the first card")?
                    .to_owned();
                let check = s.execute_async(
                    "const [id, done] = arguments; window.__TAURI_INTERNALS__.invoke('check_claim', {req: id}).then(done, e => done({error: e}))",
                    json!([id]),
                )?;
                eprintln!("  check_claim({id}) answers {check}");
                let ping = ipc(s, "ping", json!({}), n_ipc)?;
                let check_claim = ipc(s, "check_claim", json!({"req": id}), n_ipc)?;
                let ping2 = ipc(s, "ping", json!({}), n_ipc)?;
                // Once more each, now that start-up work (first sync, thumbnails) has settled.
                let check_claim2 = ipc(s, "check_claim", json!({"req": id}), n_ipc)?;
                let ping3 = ipc(s, "ping", json!({}), n_ipc)?;
                ipc_results = json!({"generation_id": id, "ping": ping, "check_claim": check_claim, "ping_again": ping2, "check_claim_again": check_claim2, "ping_third": ping3});
                Ok(())
            },
        )?;
        eprintln!(
            "  recoup run {}: {:.0} ms to ready (session open at {:.0} ms{}), {} cards",
            i + 1,
            r.start_ms,
            r.session_ms,
            if r.already { ", already ready" } else { "" },
            r.cards
        );
        app_runs.push(r);
        let m = cold_start(&driver, &minimal, "body", 0, settle, |_| Ok(()))?;
        eprintln!(
            "  minimal run {}: {:.0} ms to ready (session open at {:.0} ms{})",
            i + 1,
            m.start_ms,
            m.session_ms,
            if m.already { ", already ready" } else { "" }
        );
        min_runs.push(m);
    }
    drop(driver);

    let result = json!({
        "generations": generations,
        "measured_at_ms": now_ms(),
        "recoup": start_summary(&app_runs),
        "minimal": start_summary(&min_runs),
        "ipc": ipc_results,
    });
    std::fs::write(
        work.join("app-bench.json"),
        serde_json::to_string_pretty(&result)?,
    )?;
    println!("{}", serde_json::to_string_pretty(&result)?);
    let ratio = |k: &str| {
        result["recoup"]["memory"]["total"][k]
            .as_f64()
            .unwrap_or(f64::NAN)
            / result["minimal"]["memory"]["total"][k]
                .as_f64()
                .unwrap_or(f64::NAN)
    };
    println!(
        "\ncold start to {generations}-generation history: median {:.0} ms, max {:.0} ms (minimal app: median {:.0} ms)",
        result["recoup"]["median_ms"].as_f64().unwrap_or(f64::NAN),
        result["recoup"]["max_ms"].as_f64().unwrap_or(f64::NAN),
        result["minimal"]["median_ms"].as_f64().unwrap_or(f64::NAN),
    );
    println!(
        "memory, app + WebKit processes: RSS {:.0} MiB vs {:.0} MiB ({:.2}x), PSS {:.0} MiB vs {:.0} MiB ({:.2}x)",
        result["recoup"]["memory"]["total"]["rss_mib"]
            .as_f64()
            .unwrap_or(f64::NAN),
        result["minimal"]["memory"]["total"]["rss_mib"]
            .as_f64()
            .unwrap_or(f64::NAN),
        ratio("rss_mib"),
        result["recoup"]["memory"]["total"]["pss_mib"]
            .as_f64()
            .unwrap_or(f64::NAN),
        result["minimal"]["memory"]["total"]["pss_mib"]
            .as_f64()
            .unwrap_or(f64::NAN),
        ratio("pss_mib"),
    );
    for cmd in [
        "ping",
        "check_claim",
        "ping_again",
        "check_claim_again",
        "ping_third",
    ] {
        let s = &result["ipc"][cmd];
        println!(
            "{cmd}: p50 {:.3} ms, p95 {:.3} ms, p99 {:.3} ms, max {:.3} ms (n = {})",
            s["p50"].as_f64().unwrap_or(f64::NAN),
            s["p95"].as_f64().unwrap_or(f64::NAN),
            s["p99"].as_f64().unwrap_or(f64::NAN),
            s["max"].as_f64().unwrap_or(f64::NAN),
            s["n"]
        );
    }
    Ok(())
}
