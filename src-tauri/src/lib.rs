//! The Tauri shell: a thin adapter over `recoup-app`. Each command converts its input, calls
//! the core on a blocking thread (the store and the network never run on the UI's event loop)
//! and answers with the core's view or its `{code, message}` error. The core's events become
//! the Tauri event `recoup:event`, and decisions also become native notifications.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tauri::{Emitter, Manager, Runtime};

use recoup_app::i18n::{Language, Messages};
use recoup_app::sentence;
use recoup_app::views::AppEvent;
use recoup_app::{App, AppConfig, AppError, EventSink};

mod commands;
#[cfg(desktop)]
pub mod desktop;
pub mod logs;
mod output;

pub use commands::COMMANDS;

/// The event every change reaches the UI by.
pub const EVENT: &str = "recoup:event";

/// The most `recoup://` links kept until the UI takes them (the oldest go first).
const PENDING_LINKS: usize = 8;

/// The app, or why it could not start (every command answers with that error, so the UI can
/// show it instead of a blank window), where exports and logs go, and the `recoup://` links the
/// UI has not taken yet.
pub struct Shared {
    app: Result<Arc<App>, AppError>,
    exports: PathBuf,
    links: Mutex<VecDeque<String>>,
}

impl Shared {
    /// The running app.
    pub fn app(&self) -> Result<Arc<App>, AppError> {
        self.app.clone()
    }

    /// `answer` as the UI receives it: an error in the language in force (the system's when
    /// the app did not start, as no settings were read).
    pub fn answer<T>(&self, answer: Result<T, AppError>) -> Result<T, AppError> {
        match &self.app {
            Ok(app) => app.answer(answer),
            Err(_) => answer.map_err(|e| Messages::of(Language::system()).error(e)),
        }
    }

    /// Where CSV exports are written (the Downloads folder, else the data dir's `exports`).
    pub fn exports(&self) -> PathBuf {
        self.exports.clone()
    }

    /// The oldest link the UI has not taken.
    pub fn take_link(&self) -> Option<String> {
        self.links.lock().ok()?.pop_front()
    }
}

/// A `recoup://` link the system handed over (at launch, or from a second launch): kept for the
/// UI, which is told by `AppEvent::Link` and takes it (command `take_link`; at start-up too, for
/// a link that arrived before the UI listened), and the window comes to the front.
pub fn link_received<R: Runtime>(handle: &tauri::AppHandle<R>, link: String) {
    let Some(shared) = handle.try_state::<Shared>() else {
        return;
    };
    if let Ok(mut links) = shared.links.lock() {
        if links.len() == PENDING_LINKS {
            links.pop_front();
        }
        links.push_back(link);
    }
    log::info!("a recoup:// link was received");
    if let Err(e) = handle.emit(EVENT, AppEvent::Link) {
        log::warn!("the link event was not delivered: {e}");
    }
    show_main_window(handle);
}

/// Brings the main window to the front: shown, restored from the taskbar, focused. (On a phone
/// the system brings the app forward itself.)
pub fn show_main_window<R: Runtime>(handle: &tauri::AppHandle<R>) {
    #[cfg(desktop)]
    if let Some(window) = handle.get_webview_window("main") {
        let shown = window
            .show()
            .and_then(|()| window.unminimize())
            .and_then(|()| window.set_focus());
        if let Err(e) = shown {
            log::warn!("the window could not be brought to the front: {e}");
        }
    }
    #[cfg(mobile)]
    let _ = handle;
}

/// Sends the core's events to the windows, and decisions to the system's notifications.
struct TauriSink<R: Runtime>(tauri::AppHandle<R>);

impl<R: Runtime> EventSink for TauriSink<R> {
    fn emit(&self, event: &AppEvent) {
        if let Err(e) = self.0.emit(EVENT, event) {
            log::warn!("an event was not delivered to the window: {e}");
        }
        if let AppEvent::ClaimDecided { claim } = event {
            notify(&self.0, &claim.message, &claim.generation_id);
        }
    }
}

/// The extra a decision's native notification carries: the generation a click opens.
const NOTIFIED_GENERATION: &str = "generation_id";

fn notify<R: Runtime>(handle: &tauri::AppHandle<R>, body: &str, generation_id: &str) {
    use tauri_plugin_notification::NotificationExt;
    // No notification service (a bare X server, a locked-down desktop): the in-app
    // notification still shows it.
    if let Err(e) = handle
        .notification()
        .builder()
        .title("Recoup")
        .body(body)
        .extra(NOTIFIED_GENERATION, generation_id)
        .show()
    {
        log::info!("the native notification was not shown: {e}");
    }
}

/// How the app is configured from its environment: `RECOUP_DATA_DIR` (else the platform's app
/// data folder), `RECOUP_NO_KEYCHAIN=1` (keep the token in a private file), and the embedded
/// endpoint generator's first-start rates `RECOUP_GENERATOR_FAILURE_RATE` and
/// `RECOUP_GENERATOR_BAD_RATE` (0..=1).
pub fn config_from_env(default_data_dir: PathBuf) -> Result<AppConfig, AppError> {
    let data_dir = data_dir_from_env().unwrap_or(default_data_dir);
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

/// `RECOUP_DATA_DIR`, when it is set and not empty.
pub fn data_dir_from_env() -> Option<PathBuf> {
    std::env::var_os("RECOUP_DATA_DIR")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn rate(name: &str) -> Result<Option<f64>, AppError> {
    match std::env::var(name) {
        Err(_) => Ok(None),
        Ok(v) => match v.trim().parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => Ok(Some(r)),
            _ => Err(AppError::input(
                name,
                sentence!(
                    "error-env-rate",
                    "'{value}' is not a rate between 0 and 1",
                    value = v
                ),
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
                            sentence!(
                                "error-no-data-folder",
                                "the platform gave no app data folder ({cause}); set RECOUP_DATA_DIR",
                                cause = e.to_string()
                            ),
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
                log::error!(
                    "the app could not start: {} ({})",
                    e.message,
                    e.code.as_str()
                );
            }
            app.manage(Shared {
                app: started,
                exports,
                links: Mutex::new(VecDeque::new()),
            });
            listen_for_links(&handle);
            open_notified_generations(&handle);
            Ok(())
        })
}

/// A click on a decision's native notification brings the window to the front and shows that
/// generation (the UI opens it on `AppEvent::OpenGeneration`).
fn open_notified_generations<R: Runtime>(handle: &tauri::AppHandle<R>) {
    use tauri_plugin_notification::NotificationExt;
    let h = handle.clone();
    let registered = handle.notification().on_action(move |action| {
        if action.action_id() != "tap" {
            return;
        }
        let Some(id) = action
            .notification()
            .and_then(|n| n.extra().get(NOTIFIED_GENERATION))
            .and_then(|v| v.as_str())
        else {
            return;
        };
        log::info!("the notification of generation {id} was clicked");
        show_main_window(&h);
        let open = AppEvent::OpenGeneration {
            generation_id: id.to_owned(),
        };
        if let Err(e) = h.emit(EVENT, open) {
            log::warn!("the window was not told to open the generation: {e}");
        }
    });
    if let Err(e) = registered {
        log::info!("clicks on notifications are not reported here: {e}");
    }
}

/// Links from the deep-link plugin (when it is registered: not in the IPC tests): the one the
/// app was launched with, and every one a second launch or the system hands over later.
fn listen_for_links<R: Runtime>(handle: &tauri::AppHandle<R>) {
    use tauri_plugin_deep_link::DeepLinkExt;
    if handle
        .try_state::<tauri_plugin_deep_link::DeepLink<R>>()
        .is_none()
    {
        return;
    }
    let links = handle.deep_link();
    if let Ok(Some(urls)) = links.get_current() {
        for url in urls {
            link_received(handle, url.to_string());
        }
    }
    let h = handle.clone();
    links.on_open_url(move |event| {
        for url in event.urls() {
            link_received(&h, url.to_string());
        }
    });
}

/// The app's entry point (desktop `main`, and the mobile entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    #[cfg(target_os = "linux")]
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!(
            "Recoup needs a graphical session: neither DISPLAY nor WAYLAND_DISPLAY is set. \
             Start it from a desktop, or under a virtual display: xvfb-run -a recoup-app"
        );
        std::process::exit(2);
    }
    let context = tauri::generate_context!("../tauri.conf.json");
    let builder = tauri::Builder::default();
    // First: a second instance must hand over and exit before anything else starts.
    #[cfg(desktop)]
    let builder = {
        let [state, saver] = desktop::window_state();
        builder
            .plugin(desktop::single_instance(&context.config().identifier))
            .plugin(state)
            .plugin(saver)
    };
    let [log_files, log_folder] = logs::plugins();
    let builder = builder
        .plugin(log_files)
        .plugin(log_folder)
        .plugin(tauri_plugin_deep_link::init());
    let app = run_app(builder, None).build(context);
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
