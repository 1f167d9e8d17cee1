//! Generating on the endpoint: run it (retrying transient failures with the same id, so the
//! endpoint runs it once), bring its ledger rows to the device, and save its output in the
//! device's outputs folder. What does not arrive now is not fatal: it is told in the notes, and
//! the next sync (or the next look at the output) brings it.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use recoup_api::{GenerationRequest, GenerationView};
use recoup_core::GenerationId;
use recoup_store::Store;
use recoup_sync::{Client, GenerationOutput, SyncEngine, Transport};

use crate::fs::{Access, save};
use crate::{DeviceError, DeviceResult, sentence};

/// The folder of saved outputs inside a data dir or profile folder.
pub const OUTPUTS_DIR: &str = "outputs";

/// A generation run on the endpoint.
#[derive(Debug, Clone)]
pub struct RemoteGeneration {
    /// What the endpoint answered.
    pub view: GenerationView,
    /// Where its output was saved, if it has one and it arrived.
    pub output_file: Option<PathBuf>,
    /// What did not arrive, in a sentence each.
    pub notes: Vec<String>,
}

/// Runs `req` on the endpoint, pulls its ledger rows into `store` and saves its output in
/// `outputs`. The store is locked only while it is read or written, never during a request.
pub fn generate<T: Transport>(
    store: &Mutex<Store>,
    engine: &mut SyncEngine<T>,
    req: &GenerationRequest,
    outputs: &Path,
) -> DeviceResult<RemoteGeneration> {
    crate::sync::ensure_online(&lock(store))?;
    let view = engine.client().generate_retrying(req).map_err(|e| {
        let e = DeviceError::from(e);
        DeviceError::new(
            e.code,
            sentence!(
                "error-generation-not-run",
                "generation {generation} did not run on the endpoint: {cause}",
                generation = req.generation_id.to_string(),
                cause = e
            ),
        )
    })?;
    let mut notes = Vec::new();
    let mut output_file = None;
    if view.output_path.is_some() {
        match save_output(engine.client(), req.generation_id, outputs) {
            Ok((path, _)) => output_file = Some(path),
            Err(e) => notes.push(format!("The output could not be saved: {e}.")),
        }
    }
    match engine.pull_only(&mut lock(store)) {
        Ok(r) if r.errors.is_empty() => {}
        Ok(r) => notes.push(format!(
            "The ledger rows did not all arrive ({}); the next sync brings them.",
            r.errors
                .iter()
                .map(|e| e.message.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )),
        Err(e) => notes.push(format!(
            "The ledger rows did not arrive ({e}); the next sync brings them."
        )),
    }
    Ok(RemoteGeneration {
        view,
        output_file,
        notes,
    })
}

/// Fetches a generation's output and saves it in `outputs` as `<id>.<ext>` (atomically).
pub fn save_output<T: Transport>(
    client: &Client<T>,
    id: GenerationId,
    outputs: &Path,
) -> DeviceResult<(PathBuf, GenerationOutput)> {
    let out = client.generation_output(id)?;
    std::fs::create_dir_all(outputs).map_err(|e| DeviceError::file(outputs, e))?;
    let path = outputs.join(format!("{id}.{}", out.extension()));
    save(&path, &out.bytes, Access::Shared)?;
    Ok((path, out))
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}
