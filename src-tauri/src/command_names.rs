/// Every command the UI may call, by name. Shared by `build.rs` (the permission manifest that
/// tauri-build writes, one `allow-<command>` permission each) and `commands.rs`; the handler in
/// `commands.rs` must register each of them (the IPC test calls them all).
pub const COMMANDS: &[&str] = &[
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
    "take_link",
    "log_folder",
    "open_log_folder",
    "set_language",
];
