//! Crashes: `kill -9` of the device process in the middle of syncing, many times, and of the
//! endpoint process in the middle of answering. After restarts nothing is lost, nothing is
//! doubled, and both ledgers verify and agree.
//!
//! These run the real binaries (`recoup`, `recoup-server`), which `cargo test --workspace`
//! builds next to this test binary.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use recoup_core::{ClaimId, ClaimReason, Feature, Platform, Surface};
use recoup_store::{ClaimQuery, Store, SubmitClaim};
use recoup_sync::SplitMix64;
use recoup_tests::system::{Device, Endpoint};
use serde_json::Value;

fn recoup(data: &std::path::Path, args: &[&str]) -> Value {
    let out = Command::new(recoup_tests::bin("recoup"))
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "recoup {args:?} failed: {} {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn kill_after(mut child: Child, ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
    // SIGKILL: the process gets no chance to clean up.
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn killing_the_device_mid_sync_loses_nothing_and_doubles_nothing() {
    let endpoint = Endpoint::start();
    let data = tempfile::tempdir().unwrap();
    recoup(
        data.path(),
        &["login", "--endpoint", &endpoint.url(), "--create"],
    );
    let mut ids = Vec::new();
    for i in 0..16 {
        let f = if i % 4 == 0 {
            "ai_shadows"
        } else {
            "virtual_model"
        };
        let g = recoup(data.path(), &["generate", "--feature", f]);
        ids.push(
            g["generation"]["generation_id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for id in &ids {
        recoup(
            data.path(),
            &[
                "report",
                id,
                "--reason",
                "blank_or_corrupted",
                "--details",
                "blank output",
            ],
        );
    }
    let mut rng = SplitMix64::new(42);
    for _ in 0..15 {
        let child = Command::new(recoup_tests::bin("recoup"))
            .arg("--data-dir")
            .arg(data.path())
            .arg("sync")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_after(child, (rng.next_f64() * 120.0) as u64);
    }
    let mut clean = false;
    for _ in 0..5 {
        let r = recoup(data.path(), &["sync"]);
        if r["clean"] == Value::Bool(true)
            && r["still_queued"] == 0
            && r["more_to_pull"] == Value::Bool(false)
        {
            clean = true;
            break;
        }
    }
    assert!(clean, "after the crashes a sync completes cleanly");
    let claims = recoup(data.path(), &["claims", "--limit", "100"]);
    let claims = claims.as_array().unwrap();
    assert_eq!(claims.len(), 16, "every report is there exactly once");
    for c in claims {
        let outcome = c["outcome"].as_str().unwrap_or("none");
        assert!(
            outcome == "refunded" || outcome == "not_refunded",
            "one final decision per claim: {c}"
        );
    }
    let verify = recoup(data.path(), &["ledger", "--verify"]);
    assert_eq!(verify["ok"], Value::Bool(true));
    let creds: Value =
        serde_json::from_slice(&std::fs::read(data.path().join("credentials.json")).unwrap())
            .unwrap();
    let direct =
        recoup_sync::Client::new(recoup_sync::HttpTransport::new(&endpoint.url()).unwrap())
            .with_token(creds["token"].as_str().unwrap().to_owned());
    let server = direct.account().unwrap();
    let mine = recoup(data.path(), &["balance"]);
    assert_eq!(
        mine["totals"],
        serde_json::to_value(server.balance.totals).unwrap(),
        "the device's ledger is the endpoint's after the crashes"
    );
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_server(dir: &std::path::Path, port: u16) -> Child {
    let mut child = Command::new(recoup_tests::bin("recoup-server"))
        .arg("--data-dir")
        .arg(dir)
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args([
            "--sandbox",
            "--admin-token",
            "crash-Adm1n-7Kq9xZ2pLw4Rv8Nc",
            "--failure-rate",
            "0",
            "--bad-rate",
            "1",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The first line says it listens.
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
    assert!(line.contains("listening"), "the endpoint started: {line}");
    child
}

#[test]
fn killing_the_endpoint_mid_sync_loses_nothing_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let mut server = start_server(dir.path(), port);
    let mut device = Device::new(&url, &url);
    let mut ids = Vec::new();
    for _ in 0..40 {
        ids.push(device.generate(&url, Feature::FlatLay, Platform::Android, Surface::Editor));
    }
    for _ in 0..10 {
        let _ = device.engine.sync_once(&mut device.store);
        if ids.iter().all(|g| device.store.generation(*g).is_ok()) {
            break;
        }
    }
    let mut rng = SplitMix64::new(7);
    for chunk in ids.chunks(7) {
        // New reports arrive while the endpoint keeps crashing.
        for g in chunk {
            device
                .store
                .submit_claim(
                    &SubmitClaim {
                        claim_id: ClaimId::new_v7(),
                        generation_id: *g,
                        reason: ClaimReason::BlankOrCorrupted,
                        details: "blank".into(),
                        reported_at: None,
                    },
                    recoup_core::Timestamp::now(),
                )
                .unwrap();
        }
        // Sync in the background while the endpoint is killed under it.
        let killer = {
            let ms = 5 + (rng.next_f64() * 60.0) as u64;
            std::thread::spawn(move || {
                kill_after(server, ms);
            })
        };
        for _ in 0..3 {
            let _ = device.engine.sync_once(&mut device.store);
        }
        killer.join().unwrap();
        server = start_server(dir.path(), port);
    }
    let mut clean = false;
    for _ in 0..10 {
        let r = device.engine.sync_once(&mut device.store).unwrap();
        if r.is_clean() && r.still_queued == 0 && !r.more_to_pull {
            clean = true;
            break;
        }
    }
    assert!(
        clean,
        "after the endpoint's crashes a sync completes cleanly"
    );
    let claims = device
        .store
        .claims(&ClaimQuery {
            sync_state: None,
            before: None,
            limit: 100,
        })
        .unwrap();
    assert_eq!(claims.len(), 40);
    assert!(
        claims
            .iter()
            .all(|c| c.outcome.is_some_and(|o| o.is_final())),
        "one decision per claim"
    );
    let direct = recoup_sync::Client::new(recoup_sync::HttpTransport::new(&url).unwrap())
        .with_token(device.account.token.clone());
    let view = direct.account().unwrap();
    let mine = device.store.balance(recoup_core::Timestamp::now()).unwrap();
    assert_eq!(
        mine.totals, view.balance.totals,
        "the ledgers agree after the endpoint's crashes"
    );
    assert_eq!(
        view.balance.totals.refunded,
        claims
            .iter()
            .map(|c| c.refunded_credits.unwrap_or(0))
            .sum::<u64>()
    );
    let _ = server.kill();
    let _ = server.wait();
    // The endpoint's own ledger for the account verifies too.
    let ledger = dir
        .path()
        .join("accounts")
        .join(device.account.account_id.to_string())
        .join("ledger.sqlite3");
    Store::open(&ledger).unwrap().verify().unwrap();
    device.store.verify().unwrap();
}
