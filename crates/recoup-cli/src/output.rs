//! What a command answers: its typed view serialized for `--json`, and the text otherwise; and
//! reading a document file. A leaf: it imports no other command module.

use std::path::Path;

use serde::Serialize;

use crate::error::{CliError, Result};

/// What a command prints: JSON for `--json` (a typed view, serialized by [`Output::new`]),
/// text otherwise.
pub struct Output {
    json: serde_json::Value,
    human: String,
}

impl Output {
    pub(crate) fn new<T: Serialize>(value: &T, human: String) -> Self {
        Self {
            json: serde_json::to_value(value).unwrap_or(serde_json::Value::Null),
            human,
        }
    }

    /// What to print: the JSON, pretty, for `--json`; the text otherwise.
    pub fn text(self, json: bool) -> String {
        if json {
            serde_json::to_string_pretty(&self.json).unwrap_or_default()
        } else {
            self.human
        }
    }
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
