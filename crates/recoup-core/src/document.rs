//! Shared reading of JSON documents (the policy and the price list): parse errors that name the
//! line and column, type errors that name the field path, and the feature-keyed tables both use.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;

use crate::catalog::{FEATURE_COUNT, Feature};

/// Why a document (policy or price list) was refused. Nothing is activated when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    /// The bytes are not JSON.
    #[error("{document} is not valid JSON (line {line}, column {column}): {message}")]
    Malformed {
        /// `policy` or `price list`.
        document: &'static str,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column of the problem.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// The JSON is well formed but a field is missing, unknown or out of range.
    #[error("{document} field `{field}`: {problem}")]
    Invalid {
        /// `policy` or `price list`.
        document: &'static str,
        /// Dotted path of the field, e.g. `features.ai_shadows.ios`.
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl DocumentError {
    /// Builds an [`DocumentError::Invalid`].
    pub(crate) fn invalid(
        document: &'static str,
        field: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        Self::Invalid {
            document,
            field: field.into(),
            problem: problem.into(),
        }
    }
}

/// Largest document accepted, in bytes. A policy is a few KiB; anything near this is not one.
pub const DOCUMENT_BYTES_MAX: usize = 256 * 1024;

/// Parses `bytes` as `T`, naming the field path on type errors and the position on syntax errors.
pub(crate) fn parse<T: DeserializeOwned>(
    document: &'static str,
    bytes: &[u8],
) -> Result<T, DocumentError> {
    if bytes.len() > DOCUMENT_BYTES_MAX {
        return Err(DocumentError::invalid(
            document,
            "(document)",
            format!(
                "is {} bytes, more than the {} bytes a {document} may have",
                bytes.len(),
                DOCUMENT_BYTES_MAX
            ),
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        classify(document, path, inner)
    })?;
    de.end().map_err(|e| classify(document, ".".into(), e))?;
    Ok(value)
}

fn classify(document: &'static str, path: String, e: serde_json::Error) -> DocumentError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => DocumentError::Malformed {
            document,
            line: e.line(),
            column: e.column(),
            message: strip_position(&e.to_string()),
        },
        Category::Data => {
            let field = if path == "." {
                "(document)".to_owned()
            } else {
                path
            };
            DocumentError::invalid(document, field, strip_position(&e.to_string()))
        }
    }
}

/// serde_json appends " at line X column Y" to its messages; we report those separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Turns a JSON object keyed by feature spelling into a fixed table, refusing unknown and
/// missing features. `field` is the object's own path (`features`, `credits`).
pub(crate) fn feature_table<V, T>(
    document: &'static str,
    field: &str,
    map: BTreeMap<String, V>,
    mut convert: impl FnMut(Feature, V) -> Result<T, DocumentError>,
) -> Result<[T; FEATURE_COUNT], DocumentError> {
    let mut slots: [Option<T>; FEATURE_COUNT] = std::array::from_fn(|_| None);
    for (name, value) in map {
        let feature: Feature = name
            .parse()
            .map_err(|e: crate::catalog::UnknownIdentifier| {
                DocumentError::invalid(document, format!("{field}.{name}"), e.to_string())
            })?;
        slots[feature.index()] = Some(convert(feature, value)?);
    }
    let mut out = Vec::with_capacity(FEATURE_COUNT);
    for (i, slot) in slots.into_iter().enumerate() {
        match slot {
            Some(v) => out.push(v),
            None => {
                let missing = Feature::ALL[i];
                return Err(DocumentError::invalid(
                    document,
                    format!("{field}.{missing}"),
                    "is missing: every feature must be listed",
                ));
            }
        }
    }
    out.try_into().map_err(|_| {
        DocumentError::invalid(document, field, "internal: feature table size mismatch")
    })
}
