//! The config lives at the repository root (beside the workspace), so tauri-build is told where.
fn main() {
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    println!("cargo:rerun-if-changed=capabilities");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .config_path("../tauri.conf.json")
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .unwrap_or_else(|e| panic!("tauri-build failed: {e:#}"));
}

/// Every command the UI may call; the same list as `COMMANDS` in `src/commands.rs` (a test
/// checks they agree).
const COMMANDS: &[&str] = &[
    "app_info",
    "ping",
    "overview",
    "history",
    "generation",
    "check_claim",
    "submit_claim",
    "generate",
    "ledger",
    "export_ledger",
    "sync_status",
    "sync_now",
    "retry_quarantined",
    "set_network",
    "qa_state",
    "set_qa",
    "advance_test_clock",
    "load_policy",
    "connect_endpoint",
    "use_embedded_endpoint",
];
