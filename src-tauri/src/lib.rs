//! The Tauri shell: a thin adapter over `recoup-app`. Each command converts its input, calls
//! the core on a blocking thread (the store and the network never run on the UI's event loop)
//! and answers with the core's view or its `{code, message}` error. The core's events become
//! the Tauri event `recoup:event`, and decisions also become native notifications.

use std::path::PathBuf;
use std::sync::Arc;

use tauri::{Emitter, Manager, Runtime};

use recoup_app::views::AppEvent;
use recoup_app::{App, AppConfig, AppError, EventSink};

mod commands;
mod output;

pub use commands::COMMANDS;

/// The event every change reaches the UI by.
pub const EVENT: &str = "recoup:event";

/// The app, or why it could not start (every command answers with that error, so the UI can
/// show it instead of a blank window), and where exports go.
pub struct Shared {
    app: Result<Arc<App>, AppError>,
    exports: PathBuf,
}

impl Shared {
    /// The running app.
    pub fn app(&self) -> Result<Arc<App>, AppError> {
        self.app.clone()
    }

    /// Where CSV exports are written (the Downloads folder, else the data dir's `exports`).
    pub fn exports(&self) -> PathBuf {
        self.exports.clone()
    }
}

/// Sends the core's events to the windows, and decisions to the system's notifications.
struct TauriSink<R: Runtime>(tauri::AppHandle<R>);

impl<R: Runtime> EventSink for TauriSink<R> {
    fn emit(&self, event: &AppEvent) {
        if let Err(e) = self.0.emit(EVENT, event) {
            tracing::warn!(error = %e, "event not delivered");
        }
        if let AppEvent::ClaimDecided { claim } = event {
            notify(&self.0, &claim.message);
        }
    }
}

fn notify<R: Runtime>(handle: &tauri::AppHandle<R>, body: &str) {
    use tauri_plugin_notification::NotificationExt;
    // No notification service (a bare X server, a locked-down desktop): the in-app
    // notification still shows it.
    if let Err(e) = handle
        .notification()
        .builder()
        .title("Recoup")
        .body(body)
        .show()
    {
        tracing::info!(error = %e, "native notification not shown");
    }
}

/// How the app is configured from its environment: `RECOUP_DATA_DIR` (else the platform's app
/// data folder), `RECOUP_NO_KEYCHAIN=1` (keep the token in a private file), and the embedded
/// endpoint generator's first-start rates `RECOUP_GENERATOR_FAILURE_RATE` and
/// `RECOUP_GENERATOR_BAD_RATE` (0..=1).
pub fn config_from_env(default_data_dir: PathBuf) -> Result<AppConfig, AppError> {
    let data_dir = std::env::var_os("RECOUP_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or(default_data_dir);
    let mut config = AppConfig::new(data_dir);
    config.use_keychain = std::env::var("RECOUP_NO_KEYCHAIN").map_or(true, |v| v != "1");
    if let Some(r) = rate("RECOUP_GENERATOR_FAILURE_RATE")? {
        config.generator_failure_rate = r;
    }
    if let Some(r) = rate("RECOUP_GENERATOR_BAD_RATE")? {
        config.generator_bad_rate = r;
    }
    Ok(config)
}

fn rate(name: &str) -> Result<Option<f64>, AppError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => Ok(Some(r)),
            _ => Err(AppError::input(
                name,
                format!("'{v}' is not a rate between 0 and 1"),
            )),
        },
    }
}

/// Registers the commands, the output scheme and the start-up; `config` overrides the
/// environment (tests). The builder is a parameter so tests run it on `tauri::test::mock_builder()`.
pub fn run_app<R: Runtime>(
    builder: tauri::Builder<R>,
    config: Option<AppConfig>,
) -> tauri::Builder<R> {
    builder
        .plugin(tauri_plugin_notification::init())
        .register_asynchronous_uri_scheme_protocol("recoup-output", output::serve)
        .invoke_handler(commands::handler())
        .setup(move |app| {
            let handle = app.handle().clone();
            let config = config.clone().map_or_else(
                || {
                    let default = handle.path().app_data_dir().map_err(|e| {
                        AppError::new(
                            recoup_app::ErrorCode::File,
                            format!("the platform gave no app data folder ({e}); set RECOUP_DATA_DIR"),
                        )
                    })?;
                    config_from_env(default)
                },
                Ok,
            );
            let exports = handle.path().download_dir().unwrap_or_else(|_| {
                config
                    .as_ref()
                    .map(|c| c.data_dir.join("exports"))
                    .unwrap_or_else(|_| PathBuf::from("exports"))
            });
            let started = config
                .and_then(|c| App::start(c, Arc::new(TauriSink(handle.clone()))))
                .map(Arc::new);
            if let Err(e) = &started {
                tracing::error!(code = e.code.as_str(), message = %e.message, "the app could not start");
            }
            app.manage(Shared {
                app: started,
                exports,
            });
            Ok(())
        })
}

/// The app's entry point (desktop `main`, and the mobile entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .try_init();
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "Recoup needs a graphical session: neither DISPLAY nor WAYLAND_DISPLAY is set. \
             Start it from a desktop, or under a virtual display: xvfb-run -a recoup-app"
        );
        std::process::exit(2);
    }
    let app = run_app(tauri::Builder::default(), None)
        .build(tauri::generate_context!("../tauri.conf.json"));
    match app {
        Ok(app) => app.run(|handle, event| {
            if let tauri::RunEvent::Exit = event
                && let Ok(app) = handle.state::<Shared>().app()
            {
                // Let the sync in flight finish and the embedded endpoint stop cleanly.
                app.shutdown();
            }
        }),
        Err(e) => {
            eprintln!("Recoup could not start its window: {e}");
            std::process::exit(1);
        }
    }
}
