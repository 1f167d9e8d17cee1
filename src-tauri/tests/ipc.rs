//! Every command through Tauri's IPC on the mock runtime: the JSON the UI sends (`{req: ...}`)
//! goes in, the JSON the UI reads comes out, errors arrive as `{code, message}`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder};
use tauri::webview::InvokeRequest;

use recoup_app::AppConfig;

/// The app's own origin on this platform.
#[cfg(any(windows, target_os = "android"))]
const APP_URL: &str = "http://tauri.localhost";
#[cfg(not(any(windows, target_os = "android")))]
const APP_URL: &str = "tauri://localhost";

struct Ui {
    _app: tauri::App<MockRuntime>,
    webview: tauri::WebviewWindow<MockRuntime>,
    _dir: tempfile::TempDir,
}

fn start() -> Ui {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(dir.path().to_owned());
    config.use_keychain = false;
    config.generator_failure_rate = 0.0;
    config.generator_bad_rate = 1.0;
    let mut app = recoup_desktop::run_app(mock_builder(), Some(config))
        // The real context: the capability in src-tauri/capabilities is what allows the
        // commands, so these tests also prove the window may call each of them.
        .build(tauri::generate_context!("../tauri.conf.json"))
        .unwrap();
    // One turn of the mock event loop runs the setup hook (which starts the core), as the
    // real event loop does when it is ready.
    #[allow(deprecated)]
    app.run_iteration(|_, _| {});
    // The window from tauri.conf.json, which the capability names.
    let webview = tauri::Manager::get_webview_window(&app, "main").expect("the main window");
    Ui {
        _app: app,
        webview,
        _dir: dir,
    }
}

impl Ui {
    fn call(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        get_ipc_response(
            &self.webview,
            InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: APP_URL.parse().unwrap(),
                body: InvokeBody::Json(body),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )
        .map(|b| b.deserialize::<Value>().unwrap())
    }

    fn ok(&self, cmd: &str, body: Value) -> Value {
        self.call(cmd, body)
            .unwrap_or_else(|e| panic!("{cmd} failed: {e}"))
    }

    fn err(&self, cmd: &str, body: Value) -> Value {
        match self.call(cmd, body) {
            Ok(v) => panic!("{cmd} should have failed, answered {v}"),
            Err(e) => e,
        }
    }
}

#[test]
fn every_command_answers_through_ipc() {
    let ui = start();
    let info = ui.ok("app_info", json!({}));
    assert_eq!(info["endpoint"]["mode"], "embedded");
    assert_eq!(ui.ok("ping", json!({})), Value::Null);
    let o = ui.ok("overview", json!({}));
    assert!(o["flows"].as_array().unwrap().len() == 30, "{o}");

    let g = ui.ok(
        "generate",
        json!({"req": {"feature": "logo", "surface": null}}),
    );
    let id = g["generation_id"].as_str().unwrap().to_owned();
    assert_eq!(g["state"], "succeeded");
    let page = ui.ok("history", json!({"req": {"limit": 10}}));
    assert_eq!(page["items"][0]["generation_id"], id.as_str());
    assert_eq!(ui.ok("generation", json!({"req": id}))["feature"], "logo");
    let e = ui.ok("check_claim", json!({"req": id}));
    assert_eq!(e["eligible"], true, "{e}");
    let c = ui.ok(
        "submit_claim",
        json!({"req": {"generation_id": id, "reason": "blank_or_corrupted", "details": "all grey"}}),
    );
    assert_eq!(c["local_eligible"], true);
    let ledger = ui.ok("ledger", json!({"req": {"filter": {"kind": "capture"}}}));
    assert_eq!(ledger["items"].as_array().unwrap().len(), 1);
    let export = ui.ok("export_ledger", json!({"req": {}}));
    assert!(
        std::path::Path::new(export["path"].as_str().unwrap()).exists(),
        "{export}"
    );
    assert_eq!(ui.ok("set_network", json!({"req": false}))["online"], false);
    assert_eq!(ui.ok("sync_status", json!({}))["online"], false);
    assert_eq!(ui.ok("set_network", json!({"req": true}))["online"], true);
    assert!(ui.ok("sync_now", json!({}))["linked"] == true);
    assert!(ui.ok("retry_quarantined", json!({}))["quarantined"] == 0);
    let qa = ui.ok(
        "set_qa",
        json!({"req": {"enabled": true, "platform": "ios"}}),
    );
    assert_eq!(qa["platform"], "ios");
    assert_eq!(ui.ok("qa_state", json!({}))["enabled"], true);
    let qa = ui.ok("advance_test_clock", json!({"req": 3600}));
    assert!(qa["test_clock"].is_string(), "{qa}");
    let mut policy: Value =
        serde_json::from_str(&recoup_core::Policy::builtin().to_json()).unwrap();
    policy["version"] = "ipc-test-1".into();
    let loaded = ui.ok("load_policy", json!({"req": policy.to_string()}));
    assert_eq!(loaded["version"], "ipc-test-1");
    assert_eq!(loaded["device_version"], "ipc-test-1");
    let again = ui.err("load_policy", json!({"req": policy.to_string()}));
    assert_eq!(
        again["code"], "policy_version_taken",
        "a version is published once: {again}"
    );
    let back = ui.ok("use_embedded_endpoint", json!({}));
    assert_eq!(back["endpoint"]["mode"], "embedded");
    let refused = ui.err(
        "connect_endpoint",
        json!({"req": {"url": "ftp://example", "token": null}}),
    );
    assert_eq!(refused["code"], "invalid_input");
}

#[test]
fn errors_arrive_as_code_and_message() {
    let ui = start();
    let e = ui.err("check_claim", json!({"req": "nope"}));
    assert_eq!(e["code"], "invalid_input", "{e}");
    assert!(
        e["message"].as_str().unwrap().contains("generation id"),
        "{e}"
    );
    let e = ui.err("history", json!({"req": {"limit": 500}}));
    assert_eq!(e["code"], "invalid_input");
    let e = ui.err(
        "set_qa",
        json!({"req": {"faults": {"drop_rate": 3, "error_rate": 0, "delay_ms": 0}}}),
    );
    assert_eq!(e["code"], "invalid_input");
    let e = ui.err("load_policy", json!({"req": "{}"}));
    assert_eq!(e["code"], "invalid_document");
    // A malformed argument is refused by the IPC layer before the core runs.
    assert!(
        ui.call("history", json!({"req": {"show": "sideways"}}))
            .is_err()
    );
    let unknown = ui.call("no_such_command", json!({})).unwrap_err();
    assert!(unknown.to_string().contains("not found"), "{unknown}");
    // Every listed command is registered: none answers "not found" (without its argument, the
    // ones that take one are refused for that instead).
    for cmd in recoup_desktop::COMMANDS {
        if let Err(e) = ui.call(cmd, json!({})) {
            assert!(
                !e.to_string().contains("not found"),
                "{cmd} is not registered: {e}"
            );
        }
    }
}

#[test]
fn the_capability_grants_exactly_the_commands() {
    let cap: Value = serde_json::from_str(include_str!("../capabilities/default.json")).unwrap();
    let mut granted: Vec<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    granted.sort();
    let mut want: Vec<String> = recoup_desktop::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .chain([
            "core:event:allow-listen".to_owned(),
            "core:event:allow-unlisten".to_owned(),
        ])
        .collect();
    want.sort();
    assert_eq!(
        granted, want,
        "the window may call exactly the app's commands and listen to events: no shell, fs or sql"
    );
}

#[test]
fn a_recoup_link_opens_the_report_of_its_generation_or_says_why_not() {
    let ui = start();
    let handle = ui._app.handle();
    assert_eq!(
        ui.ok("take_link", json!({})),
        Value::Null,
        "no link waits at start"
    );
    let g = ui.ok(
        "generate",
        json!({"req": {"feature": "logo", "surface": null}}),
    );
    let id = g["generation_id"].as_str().unwrap().to_owned();

    recoup_desktop::link_received(handle, format!("recoup://generations/{id}/report"));
    let other = "01936a6e-8f00-7000-8000-000000000099";
    recoup_desktop::link_received(handle, format!("recoup://generations/{other}/report"));
    recoup_desktop::link_received(handle, "recoup://generations/../../etc/passwd".to_owned());

    let first = ui.ok("take_link", json!({}));
    assert_eq!(
        first["type"], "report",
        "a link to a generation here: {first}"
    );
    assert_eq!(
        first["generation"]["generation_id"],
        id.as_str(),
        "it carries that generation as the history shows it: {first}"
    );
    let second = ui.ok("take_link", json!({}));
    assert_eq!(second["type"], "refused", "a generation not here: {second}");
    assert_eq!(second["error"]["code"], "not_found", "{second}");
    assert!(
        second["error"]["message"]
            .as_str()
            .unwrap()
            .contains("not in the account on this device"),
        "the message says so plainly: {second}"
    );
    let third = ui.ok("take_link", json!({}));
    assert_eq!(third["type"], "refused", "not a report link: {third}");
    assert_eq!(third["error"]["code"], "invalid_input", "{third}");
    assert_eq!(
        ui.ok("take_link", json!({})),
        Value::Null,
        "each link is taken once"
    );
}

#[test]
fn links_waiting_are_bounded_oldest_dropped_first() {
    let ui = start();
    let handle = ui._app.handle();
    for i in 0..12 {
        recoup_desktop::link_received(handle, format!("recoup://nothing/{i}"));
    }
    let mut taken = Vec::new();
    while let Ok(v) = ui.call("take_link", json!({})) {
        if v.is_null() {
            break;
        }
        taken.push(v["link"].as_str().unwrap().to_owned());
    }
    assert_eq!(taken.len(), 8, "at most 8 links wait: {taken:?}");
    assert_eq!(
        taken.first().map(String::as_str),
        Some("recoup://nothing/4"),
        "the oldest four were dropped: {taken:?}"
    );
}

#[test]
fn without_the_log_plugin_the_log_folder_is_a_plain_error() {
    let ui = start();
    for cmd in ["log_folder", "open_log_folder"] {
        let e = ui.err(cmd, json!({}));
        assert_eq!(e["code"], "file", "{cmd}: {e}");
        assert!(
            e["message"].as_str().unwrap().contains("no log files"),
            "{cmd} says why: {e}"
        );
    }
}
