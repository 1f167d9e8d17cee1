//! What a command answers: the JSON for `--json` and the text otherwise, the data dir's sync
//! state view, and reading a document file. A leaf: it imports no other command module.

use std::path::Path;

use serde::Serialize;

use crate::error::{CliError, Result};

/// What a command prints: JSON for `--json`, text otherwise.
pub struct Output {
    pub json: serde_json::Value,
    pub human: String,
}

impl Output {
    pub(crate) fn new<T: Serialize>(value: &T, human: String) -> Self {
        Self {
            json: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
            human,
        }
    }
}

/// Where this data dir stands with the endpoint.
#[derive(Debug, Serialize)]
pub struct SyncStateView {
    pub linked: bool,
    pub endpoint: Option<String>,
    pub account_id: Option<String>,
    pub online: bool,
    pub queued: u64,
    pub last_sync_at: Option<String>,
    pub clock_offset_ms: Option<i64>,
}

/// Reads a document, at most one byte more than a document may have (so a huge file is refused
/// by the parser's size check without being loaded whole).
pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let err = |source| CliError::Read {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(err)?;
    let mut bytes = Vec::new();
    let cap = recoup_core::document::DOCUMENT_BYTES_MAX as u64 + 1;
    file.take(cap).read_to_end(&mut bytes).map_err(err)?;
    Ok(bytes)
}
