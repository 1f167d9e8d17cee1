//! One command per core method: convert, call on a blocking thread, answer.

use tauri::State;

use recoup_app::sentence;
use recoup_app::views::*;
use recoup_app::{App, AppError, AppResult, ErrorCode};

use crate::Shared;
use crate::logs::LogFolder;

// `COMMANDS`: every command the UI may call, in one file that `build.rs` reads too (for the
// permission manifest); the capability grants exactly these (a test checks).
include!("command_names.rs");

type Answer<T> = Result<T, AppError>;

/// Runs `f` on the app on a blocking thread: the store and the network never block the IPC loop.
async fn call<T: Send + 'static>(
    state: &State<'_, Shared>,
    f: impl FnOnce(&App) -> AppResult<T> + Send + 'static,
) -> Answer<T> {
    let answer = match state.app() {
        Ok(app) => blocking(move || f(&app)).await,
        Err(e) => Err(e),
    };
    state.answer(answer)
}

/// Runs `f` on a blocking thread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Answer<T> + Send + 'static) -> Answer<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| {
        AppError::new(
            ErrorCode::Internal,
            sentence!(
                "error-command-stopped",
                "the command stopped: {cause}",
                cause = e.to_string()
            ),
        )
    })?
}

/// The handler with every command.
pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static
{
    tauri::generate_handler![
        app_info,
        ping,
        overview,
        history,
        generation,
        check_claim,
        submit_claim,
        generate,
        ledger,
        export_ledger,
        sync_status,
        sync_now,
        retry_quarantined,
        set_network,
        qa_state,
        set_qa,
        advance_test_clock,
        load_policy,
        connect_endpoint,
        use_embedded_endpoint,
        take_link,
        log_folder,
        open_log_folder,
        set_language,
    ]
}

#[tauri::command]
async fn app_info(state: State<'_, Shared>) -> Answer<AppInfo> {
    call(&state, App::app_info).await
}

/// The empty command: the IPC round trip with no work, for the latency benchmark.
#[tauri::command]
fn ping() {}

#[tauri::command]
async fn overview(state: State<'_, Shared>) -> Answer<Overview> {
    call(&state, App::overview).await
}

#[tauri::command]
async fn history(state: State<'_, Shared>, req: HistoryRequest) -> Answer<HistoryPageView> {
    call(&state, move |app| app.history(&req)).await
}

#[tauri::command]
async fn generation(state: State<'_, Shared>, req: String) -> Answer<GenerationItem> {
    call(&state, move |app| app.generation(&req)).await
}

#[tauri::command]
async fn check_claim(state: State<'_, Shared>, req: String) -> Answer<Eligibility> {
    call(&state, move |app| app.check_claim(&req)).await
}

#[tauri::command]
async fn submit_claim(state: State<'_, Shared>, req: ClaimRequest) -> Answer<ClaimView> {
    call(&state, move |app| app.submit_claim(&req)).await
}

#[tauri::command]
async fn generate(state: State<'_, Shared>, req: GenerateRequest) -> Answer<GenerationItem> {
    call(&state, move |app| app.generate(&req)).await
}

#[tauri::command]
async fn ledger(state: State<'_, Shared>, req: LedgerRequest) -> Answer<LedgerPageView> {
    call(&state, move |app| app.ledger(&req)).await
}

#[tauri::command]
async fn export_ledger(state: State<'_, Shared>, req: LedgerFilter) -> Answer<ExportDone> {
    let folder = state.exports();
    call(&state, move |app| app.export_ledger(&req, &folder)).await
}

#[tauri::command]
async fn sync_status(state: State<'_, Shared>) -> Answer<SyncStatus> {
    call(&state, App::sync_status).await
}

#[tauri::command]
async fn sync_now(state: State<'_, Shared>) -> Answer<SyncStatus> {
    call(&state, App::sync_now).await
}

#[tauri::command]
async fn retry_quarantined(state: State<'_, Shared>) -> Answer<SyncStatus> {
    call(&state, App::retry_quarantined).await
}

#[tauri::command]
async fn set_network(state: State<'_, Shared>, req: bool) -> Answer<SyncStatus> {
    call(&state, move |app| app.set_network(req)).await
}

#[tauri::command]
async fn qa_state(state: State<'_, Shared>) -> Answer<QaState> {
    call(&state, App::qa_state).await
}

#[tauri::command]
async fn set_qa(state: State<'_, Shared>, req: QaUpdate) -> Answer<QaState> {
    call(&state, move |app| app.set_qa(&req)).await
}

#[tauri::command]
async fn advance_test_clock(state: State<'_, Shared>, req: u64) -> Answer<QaState> {
    call(&state, move |app| app.advance_test_clock(req)).await
}

#[tauri::command]
async fn load_policy(state: State<'_, Shared>, req: String) -> Answer<PolicyLoaded> {
    call(&state, move |app| app.load_policy(&req)).await
}

#[tauri::command]
async fn connect_endpoint(state: State<'_, Shared>, req: ConnectRequest) -> Answer<AppInfo> {
    call(&state, move |app| app.connect_endpoint(&req)).await
}

#[tauri::command]
async fn use_embedded_endpoint(state: State<'_, Shared>) -> Answer<AppInfo> {
    call(&state, App::use_embedded_endpoint).await
}

/// Chooses the app's language (`"en"`, `"fr"`), or `null` to follow the system's.
#[tauri::command]
async fn set_language(state: State<'_, Shared>, req: Option<String>) -> Answer<AppInfo> {
    call(&state, move |app| app.set_language(req.as_deref())).await
}

/// The oldest `recoup://` link the UI has not taken, resolved: the generation to report, or why
/// nothing opens. `null` when there is none.
#[tauri::command]
async fn take_link(state: State<'_, Shared>) -> Answer<Option<LinkView>> {
    let Some(link) = state.take_link() else {
        return Ok(None);
    };
    call(&state, move |app| {
        let view = app.open_link(&link);
        match &view {
            LinkView::Report { generation } => {
                log::info!(
                    "link opened the report of generation {}",
                    generation.generation_id
                );
            }
            LinkView::Refused { error, .. } => {
                log::info!("link refused: {}", error.message);
            }
        }
        Ok(Some(view))
    })
    .await
}

/// Where the log files are.
#[tauri::command]
fn log_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, Shared>,
) -> Answer<String> {
    state.answer(log_dir(&app).map(|f| f.display().to_string()))
}

/// Opens the log folder in the file manager (desktop).
#[tauri::command]
async fn open_log_folder<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, Shared>,
) -> Answer<()> {
    let answer = match log_dir(&app) {
        Ok(folder) => blocking(move || open_folder(&folder)).await,
        Err(e) => Err(e),
    };
    state.answer(answer)
}

/// The log folder, once the log plugin is registered (not in the IPC tests).
fn log_dir<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Answer<std::path::PathBuf> {
    use tauri::Manager;
    app.try_state::<LogFolder>()
        .map(|f| f.0.clone())
        .ok_or_else(no_log_folder)
}

fn no_log_folder() -> AppError {
    AppError::new(
        ErrorCode::File,
        sentence!(
            "error-no-log-folder",
            "Recoup writes no log files here (the platform gave it no log folder)"
        ),
    )
}

#[cfg(desktop)]
fn open_folder(folder: &std::path::Path) -> Answer<()> {
    std::fs::create_dir_all(folder).map_err(|e| AppError::file(folder, e))?;
    tauri_plugin_opener::open_path(folder, None::<&str>).map_err(|e| {
        AppError::new(
            ErrorCode::File,
            sentence!(
                "error-open-folder",
                "the file manager did not open {folder} ({cause}); open that folder yourself",
                folder = folder.display().to_string(),
                cause = e.to_string()
            ),
        )
    })
}

#[cfg(mobile)]
fn open_folder(folder: &std::path::Path) -> Answer<()> {
    Err(AppError::new(
        ErrorCode::File,
        sentence!(
            "error-no-file-manager",
            "a phone has no file manager to open {folder}; the logs are read with the platform's tools",
            folder = folder.display().to_string()
        ),
    ))
}
