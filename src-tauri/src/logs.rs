//! Rotating log files in the platform's log folder, and the same lines on stderr. The code logs
//! with `tracing` (and `log`); with no tracing subscriber set, tracing's events become `log`
//! records (its `log` feature), which this plugin writes.

use std::path::PathBuf;

use tauri::plugin::TauriPlugin;
use tauri::{Manager, Runtime};

/// The log file's name in the log folder (`recoup.log`, rotated to `recoup_<date>.log`).
pub const LOG_FILE: &str = "recoup";
/// A log file is rotated past this size.
const LOG_MAX_BYTES: u128 = 2 * 1024 * 1024;
/// Rotated files kept besides the current one.
const LOG_KEEP: usize = 4;

/// Log files in the platform's log folder (on Linux `~/.local/share/app.recoup.desktop/logs`),
/// rotated at 2 MB with four older files kept, and the same lines on stderr. `RUST_LOG` sets the
/// level (`info` by default). Nothing logs a token or the words of a report.
pub fn plugins<R: Runtime>() -> [TauriPlugin<R>; 2] {
    let folder = tauri::plugin::Builder::<R>::new("recoup-log-folder")
        .setup(|app, _api| {
            if let Ok(dir) = app.path().app_log_dir() {
                app.manage(LogFolder(dir));
            }
            Ok(())
        })
        .build();
    [plugin(), folder]
}

/// Where the log files go, once the log plugin is registered (not in the IPC tests).
pub struct LogFolder(pub PathBuf);

fn plugin<R: Runtime>() -> TauriPlugin<R> {
    use tauri_plugin_log::{RotationStrategy, Target, TargetKind};
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|v| v.trim().parse::<log::LevelFilter>().ok())
        .unwrap_or(log::LevelFilter::Info);
    tauri_plugin_log::Builder::new()
        .clear_targets()
        .targets([
            Target::new(TargetKind::Stderr),
            Target::new(TargetKind::LogDir {
                file_name: Some(LOG_FILE.to_owned()),
            }),
        ])
        .level(level)
        // The WebKit glue and the HTTP stack are loud at debug and say nothing a user needs.
        .level_for("tao", log::LevelFilter::Warn)
        .level_for("wry", log::LevelFilter::Warn)
        .level_for("hyper", log::LevelFilter::Warn)
        .level_for("rustls", log::LevelFilter::Warn)
        // The single-instance hand-over logs every D-Bus call it serves.
        .level_for("zbus", log::LevelFilter::Warn)
        .max_file_size(LOG_MAX_BYTES)
        .rotation_strategy(RotationStrategy::KeepSome(LOG_KEEP))
        .build()
}
