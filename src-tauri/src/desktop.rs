//! What a desktop app does beyond its window: one instance per data folder (a second launch
//! hands its link over and focuses the first), the window's size, position and maximised state
//! kept across restarts.

use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{Manager, RunEvent, Runtime, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// A burst of resizes or moves is saved once it has been quiet this long.
const SAVE_AFTER: Duration = Duration::from_millis(400);

/// The D-Bus name the running instance holds (Linux): the app's identifier, plus a digest of
/// `RECOUP_DATA_DIR` when it is set, so Recoups on different data folders (a QA tester's
/// profiles, the tests) run side by side and a second launch on the same folder finds the first.
pub fn instance_id(identifier: &str, data_dir: Option<&Path>) -> String {
    match data_dir {
        None => identifier.to_owned(),
        Some(dir) => {
            use sha2::Digest;
            let digest = sha2::Sha256::digest(dir.as_os_str().as_encoded_bytes());
            // A D-Bus name element may not start with a digit.
            format!("{identifier}.d{}", hex::encode(&digest[..8]))
        }
    }
}

/// One instance per data folder: a second launch forwards its arguments (a `recoup://` link,
/// through the deep-link plugin) to the running one, which comes to the front, and exits.
pub fn single_instance<R: Runtime>(identifier: &str) -> TauriPlugin<R> {
    tauri_plugin_single_instance::Builder::new()
        .dbus_id(instance_id(
            identifier,
            crate::data_dir_from_env().as_deref(),
        ))
        .callback(|app, args, _cwd| {
            log::info!(
                "a second launch handed over {} argument(s); bringing the window to the front",
                args.len().saturating_sub(1)
            );
            crate::show_main_window(app);
        })
        .build()
}

/// The window's size, position and maximised state, restored when it opens (the plugin) and
/// saved shortly after every resize or move, so a crash or a kill keeps the last one too.
pub fn window_state<R: Runtime>() -> [TauriPlugin<R>; 2] {
    let saver = tauri::plugin::Builder::<R>::new("recoup-window-saver")
        .setup(|app, _api| {
            let (tx, rx) = mpsc::channel::<()>();
            let handle = app.clone();
            std::thread::Builder::new()
                .name("window-state".into())
                .spawn(move || {
                    // Each message is a resize or a move; save once they stop for SAVE_AFTER.
                    while rx.recv().is_ok() {
                        loop {
                            match rx.recv_timeout(SAVE_AFTER) {
                                Ok(()) => continue,
                                Err(RecvTimeoutError::Timeout) => break,
                                Err(RecvTimeoutError::Disconnected) => return,
                            }
                        }
                        if let Err(e) = handle.save_window_state(StateFlags::all()) {
                            log::warn!("the window's size and position were not saved: {e}");
                        }
                    }
                })?;
            app.manage(WindowSaver(tx));
            Ok(())
        })
        .on_event(|app, event| {
            if let RunEvent::WindowEvent {
                event: WindowEvent::Resized(_) | WindowEvent::Moved(_),
                ..
            } = event
                && let Some(saver) = app.try_state::<WindowSaver>()
            {
                // The thread only stops with the app.
                let _ = saver.0.send(());
            }
        })
        .build();
    [tauri_plugin_window_state::Builder::new().build(), saver]
}

struct WindowSaver(Sender<()>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_instance_is_one_data_folder() {
        let id = "app.recoup.desktop";
        assert_eq!(
            instance_id(id, None),
            id,
            "the default folder uses the identifier"
        );
        let a = instance_id(id, Some(Path::new("/tmp/a")));
        let b = instance_id(id, Some(Path::new("/tmp/b")));
        assert_ne!(a, b, "two data folders are two instances");
        assert_eq!(
            a,
            instance_id(id, Some(Path::new("/tmp/a"))),
            "the same folder gives the same name, launch after launch"
        );
        let last = a.rsplit('.').next().expect("a dotted name");
        assert!(
            last.starts_with('d') && last.len() == 17,
            "the added element is a letter and 16 hex digits (a valid D-Bus element): {a}"
        );
    }
}
