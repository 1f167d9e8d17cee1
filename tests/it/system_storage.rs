//! Storage faults (issue 12): the endpoint's data, then a device's, on a small disk of the
//! test's own that fills up or turns read-only under them. Every write is refused with a clear,
//! typed error, nothing is half-written, the process stays up, and once space (or write access)
//! is back the same requests go through and the ledgers verify and agree.

use std::path::Path;
use std::process::Command;

use recoup_api::{ClaimSubmission, ErrorCode, GenerationRequest};
use recoup_core::{ClaimId, ClaimReason, Feature, GenerationId, Platform, Surface};
use recoup_store::Store;
use recoup_sync::{Client, HttpTransport};
use recoup_tests::disk::{FailingDisk, SmallDisk};
use recoup_tests::system::{Device, Endpoint};

fn client(endpoint: &Endpoint, device: &Device) -> Client<HttpTransport> {
    Client::new(HttpTransport::new(&endpoint.url()).unwrap())
        .with_token(device.account.token.clone())
}

fn request(id: GenerationId) -> GenerationRequest {
    GenerationRequest {
        generation_id: id,
        feature: Feature::Logo,
        platform: Platform::Web,
        surface: Surface::Editor,
    }
}

fn claim(generation: GenerationId) -> ClaimSubmission {
    ClaimSubmission {
        claim_id: ClaimId::new_v7(),
        generation_id: generation,
        reason: ClaimReason::BlankOrCorrupted,
        details: "the logo is blank".into(),
        submitted_at: None,
        local_decision: None,
    }
}

/// Files an interrupted write would leave behind: SQLite's own journals are expected; a
/// temporary output (`*.part`) is not.
fn leftovers(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.is_dir() {
            out.extend(leftovers(&path));
        } else if path.to_string_lossy().contains(".part") {
            out.push(path.display().to_string());
        }
    }
    out
}

/// Stops the endpoint, then verifies the account's ledger file as the endpoint left it.
fn verify_endpoint_ledger(endpoint: Endpoint, data: &Path, account: uuid::Uuid) {
    drop(endpoint);
    let path = data
        .join("accounts")
        .join(account.to_string())
        .join("ledger.sqlite3");
    let store = Store::open(&path).unwrap();
    store
        .verify()
        .unwrap_or_else(|e| panic!("the endpoint's ledger verifies after the fault: {e}"));
}

/// Writes refused while the fault lasts, with the code the caller got; a write that went through
/// anyway (SQLite can reuse space it already holds) is fine, as long as it is whole.
fn generate_while_faulty(c: &Client<HttpTransport>, n: usize) -> Vec<(GenerationId, ErrorCode)> {
    let mut refused = Vec::new();
    for _ in 0..n {
        let id = GenerationId::new_v7();
        if let Err(e) = c.generate(&request(id)) {
            refused.push((id, e.error_code()));
        }
    }
    refused
}

#[test]
fn a_full_disk_refuses_writes_clearly_changes_nothing_and_the_endpoint_recovers_when_space_is_back()
{
    if recoup_store_pg::harness::sqlite_engine_only(
        "the endpoint's data are in the database, not on its data dir's disk (the database server's own disk is PostgreSQL's to guard)",
    ) {
        return;
    }
    let disk = SmallDisk::mount(16 * 1024);
    let data = disk.join("data");
    let endpoint =
        Endpoint::start_with(tempfile::tempdir().unwrap(), Endpoint::config(&data, true));
    let mut device = Device::new(&endpoint.url(), &endpoint.url());
    let c = client(&endpoint, &device);
    let kept: Vec<GenerationId> = (0..3)
        .map(|_| {
            let id = GenerationId::new_v7();
            c.generate(&request(id))
                .expect("a generation while there is room");
            id
        })
        .collect();
    device.sync_until_clean();
    let before = c.account().expect("the account").balance.totals;

    let filled = disk.fill();
    assert!(filled > 0, "the disk had room left to fill");
    let refused = generate_while_faulty(&c, 20);
    assert!(
        !refused.is_empty(),
        "no generation was refused on a full disk (each stores an output file)"
    );
    for (id, code) in &refused {
        assert_eq!(
            *code,
            ErrorCode::Unavailable,
            "generation {id} on a full disk: answered as a temporary unavailability, not a bug"
        );
    }
    let late = c.submit_claim(&claim(kept[0]));
    if let Err(e) = &late {
        assert_eq!(
            e.error_code(),
            ErrorCode::Unavailable,
            "a claim on a full disk is answered as a temporary unavailability: {e}"
        );
    }
    assert!(
        c.health().is_ok(),
        "the endpoint still answers while its disk is full"
    );

    disk.free();
    for (id, _) in &refused {
        c.generate(&request(*id)).unwrap_or_else(|e| {
            panic!("generation {id}, refused while full, goes through now: {e}")
        });
    }
    let answer = c
        .submit_claim(&claim(kept[1]))
        .expect("a claim goes through once space is back");
    assert_eq!(
        answer.verdict.outcome,
        recoup_api::rows::ClaimOutcome::Refunded,
        "and is decided as usual: {answer:?}"
    );
    device.sync_until_clean();
    device.store.verify().expect("the device's ledger verifies");
    let after = c.account().expect("the account").balance.totals;
    let device_totals = device
        .store
        .balance(recoup_core::Timestamp::now())
        .unwrap()
        .totals;
    assert_eq!(
        device_totals, after,
        "the device's balance equals the endpoint's after the fault"
    );
    assert!(
        after.available < before.available,
        "the generations made after the fault were charged: {before:?} -> {after:?}"
    );
    assert_eq!(
        leftovers(&data),
        Vec::<String>::new(),
        "no half-written output is left on the endpoint's disk"
    );
    verify_endpoint_ledger(endpoint, &data, device.account.account_id);
}

#[test]
fn a_failing_disk_refuses_writes_clearly_still_serves_reads_and_after_repair_nothing_is_lost() {
    if recoup_store_pg::harness::sqlite_engine_only(
        "the endpoint's data are in the database, not on its data dir's disk (the database server's own disk is PostgreSQL's to guard)",
    ) {
        return;
    }
    let disk = FailingDisk::mount();
    let data = disk.join("data");
    let endpoint =
        Endpoint::start_with(tempfile::tempdir().unwrap(), Endpoint::config(&data, true));
    let mut device = Device::new(&endpoint.url(), &endpoint.url());
    let c = client(&endpoint, &device);
    let first = GenerationId::new_v7();
    c.generate(&request(first))
        .expect("a generation while the disk works");
    device.sync_until_clean();

    disk.fail();
    let refused = generate_while_faulty(&c, 5);
    assert_eq!(
        refused.len(),
        5,
        "every generation is refused once the disk has failed"
    );
    for (id, code) in &refused {
        assert_eq!(
            *code,
            ErrorCode::Unavailable,
            "generation {id} on a failed disk: a temporary unavailability"
        );
    }
    let e = c
        .submit_claim(&claim(first))
        .expect_err("a claim cannot be recorded on a failed disk");
    assert_eq!(
        e.error_code(),
        ErrorCode::Unavailable,
        "a claim on a failed disk: a temporary unavailability: {e}"
    );
    let seen = c
        .account()
        .expect("reading the account still works on a failed disk");
    assert_eq!(
        seen.balance.totals,
        device
            .store
            .balance(recoup_core::Timestamp::now())
            .unwrap()
            .totals,
        "and shows nothing of the refused writes"
    );

    // The operator stops the endpoint, repairs the disk, starts it again.
    let account = device.account.account_id;
    drop(endpoint);
    disk.repair();
    let endpoint =
        Endpoint::start_with(tempfile::tempdir().unwrap(), Endpoint::config(&data, true));
    let c = client(&endpoint, &device);
    for (id, _) in &refused {
        c.generate(&request(*id))
            .unwrap_or_else(|e| panic!("generation {id} goes through after the repair: {e}"));
    }
    c.submit_claim(&claim(first))
        .expect("the claim goes through after the repair");
    device.engine = recoup_tests::system::Device::engine_for(&endpoint.url(), &device.account);
    device.sync_until_clean();
    device.store.verify().expect("the device's ledger verifies");
    assert_eq!(
        c.account().unwrap().balance.totals,
        device
            .store
            .balance(recoup_core::Timestamp::now())
            .unwrap()
            .totals,
        "the device's balance equals the endpoint's after the repair"
    );
    assert_eq!(
        leftovers(&data),
        Vec::<String>::new(),
        "nothing half-written"
    );
    verify_endpoint_ledger(endpoint, &data, account);
}

fn recoup(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(recoup_tests::bin("recoup"))
        .arg("--data-dir")
        .arg(data)
        .arg("--json")
        .args(args)
        .output()
        .unwrap()
}

fn claims_of(data: &Path) -> serde_json::Value {
    let out = recoup(data, &["claims"]);
    assert!(out.status.success(), "recoup claims: {out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn a_device_on_a_full_disk_refuses_a_report_clearly_keeps_nothing_of_it_and_takes_it_once_space_is_back()
 {
    let endpoint = Endpoint::start();
    let disk = SmallDisk::mount(8 * 1024);
    let data = disk.join("device");
    let out = recoup(&data, &["login", "--endpoint", &endpoint.url(), "--create"]);
    assert!(out.status.success(), "login: {out:?}");
    let out = recoup(&data, &["generate", "--feature", "logo"]);
    assert!(out.status.success(), "generate: {out:?}");
    let g: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = g["generation"]["generation_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let claims_before = claims_of(&data);

    disk.fill();
    let report = [
        "report",
        id.as_str(),
        "--reason",
        "blank_or_corrupted",
        "--details",
        "blank",
    ];
    let out = recoup(&data, &report);
    assert_eq!(
        out.status.code(),
        Some(5),
        "a report on a full disk exits 5 (local data): {out:?}"
    );
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("the CLI answers JSON: {e}: {out:?}"));
    let message = answer["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(answer["error"]["code"], "storage", "the code: {answer}");
    assert!(
        message.contains("free space") || message.contains("free some space"),
        "the message says the disk is full and what to do: {answer}"
    );

    disk.free();
    assert_eq!(
        claims_of(&data),
        claims_before,
        "nothing of the refused report was kept"
    );
    let out = recoup(&data, &report);
    assert!(
        out.status.success(),
        "the report goes through once space is back: {out:?}"
    );
    let out = recoup(&data, &["ledger", "--verify"]);
    assert!(
        out.status.success(),
        "the device's ledger verifies: {out:?}"
    );
}
