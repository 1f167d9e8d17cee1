//! The crash soak's short version (the full one is `recoup-soak`, docs/crash-soak.md): the
//! real binaries, which `cargo test --workspace` builds next to this test binary, killed 40
//! times with a fixed seed while work flows.

use std::path::PathBuf;

use recoup_tests::soak::{Config, run};

fn binaries_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().and_then(|d| d.parent()).unwrap().to_owned()
}

#[test]
fn forty_kills_of_the_endpoint_and_devices_lose_nothing_double_nothing_and_land_inside_commits() {
    let mut config = Config::new(20_261_125, 40);
    // A pause in every commit makes a kill inside one near-certain in 40 kills (5 ms missed
    // once on a machine busy with two other builds).
    config.commit_delay_ms = 10;
    let report = match run(&config, &binaries_dir()) {
        Ok(r) => r,
        Err(e) => panic!("the crash soak failed: {e}"),
    };
    assert!(
        report.endpoint.total + report.device.total >= 40,
        "every planned kill landed on a running process: {report:?}"
    );
    assert!(
        report.endpoint.total > 0 && report.device.total > 0,
        "both the endpoint and the devices were killed: {report:?}"
    );
    assert!(
        report.endpoint.inside_commits() + report.device.inside_commits() >= 1,
        "at least one kill landed between a commit's begin and its end: {report:?}"
    );
    assert!(
        report.stores_checked_after_kills >= 1,
        "the stores cut inside a commit were opened and verified right away: {report:?}"
    );
    assert!(
        report.reports > 0 && report.refunds > 0,
        "reports were acknowledged and refunded while the kills went on: {report:?}"
    );
    // More when a report was cut after its commit and then given up: the outbox still sent it.
    assert!(
        report.refunds + report.not_refunded >= report.reports,
        "the endpoint decided every acknowledged report: {report:?}"
    );
}
