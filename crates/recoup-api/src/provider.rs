//! The generation service's side (provider API) and the admin calls that manage its keys. A
//! provider is the product's own backend: it reports that a generation started (the hold), its
//! output (the capture) or its technical failure (the void). Platform and surface come from it,
//! the trusted side, never from a device.

use recoup_core::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use recoup_core::{Feature, GenerationId, MediaKind, Platform, Surface};

use crate::GenerationView;

/// Longest provider name, in characters (what JSON Schema's `maxLength` counts).
pub const PROVIDER_NAME_LEN_MAX: usize = 100;

/// Longest failure reason a provider may report, in characters.
pub const FAILURE_REASON_LEN_MAX: usize = 2_000;

/// Largest output a provider may upload, in bytes (25 MiB).
pub const OUTPUT_BYTES_MAX: usize = 25 * 1024 * 1024;

/// The media types an output may have, with the file extension it is kept under.
pub const OUTPUT_MEDIA_TYPES: &[(&str, &str)] = &[
    ("image/png", "png"),
    ("image/jpeg", "jpg"),
    ("image/gif", "gif"),
    ("video/mp4", "mp4"),
    ("video/webm", "webm"),
];

/// The file extension an output of `media_type` is kept under; `None` for a type not kept.
pub fn output_extension(media_type: &str) -> Option<&'static str> {
    OUTPUT_MEDIA_TYPES
        .iter()
        .find(|(t, _)| *t == media_type)
        .map(|(_, ext)| *ext)
}

/// The media type of a kept output file, from its extension; `None` for an unknown one.
pub fn output_media_type(file_name: &str) -> Option<&'static str> {
    let ext = file_name.rsplit_once('.')?.1;
    OUTPUT_MEDIA_TYPES
        .iter()
        .find(|(_, e)| *e == ext)
        .map(|(t, _)| *t)
}

/// `POST /v1/admin/providers`: register a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderCreate {
    /// A name for people (1 to [`PROVIDER_NAME_LEN_MAX`] characters).
    pub name: String,
}

/// A provider just registered, with its key (shown this once; only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCreated {
    /// The provider.
    pub provider_id: Uuid,
    /// Its key, for `Authorization: Bearer`.
    pub key: String,
}

/// A provider as listed (never with its key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderView {
    /// The provider.
    pub provider_id: Uuid,
    /// Its name.
    pub name: String,
    /// When it was registered.
    pub created_at: Timestamp,
    /// When its key was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// `POST /v1/provider/generations`: a generation started for an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderGeneration {
    /// Whose credits are held.
    pub account_id: Uuid,
    /// The generation's id (UUID): the idempotency key of every call about it.
    pub generation_id: GenerationId,
    /// The AI feature.
    pub feature: Feature,
    /// The platform it was made on.
    pub platform: Platform,
    /// The surface it was made in.
    pub surface: Surface,
    /// What it makes; must be the feature's.
    pub media_kind: MediaKind,
}

/// `POST /v1/provider/generations/{id}/failure`: a technical failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderFailure {
    /// What went wrong (1 to [`FAILURE_REASON_LEN_MAX`] characters), for the history.
    pub reason: String,
}

/// What the objective inspection found in an output, kept with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputFindings {
    /// `usable`, `blank`, `corrupt`, `truncated` or `noise`.
    pub verdict: String,
    /// Why, with the measured numbers.
    pub detail: String,
}

/// An output as kept by the endpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputView {
    /// Its media type.
    pub media_type: String,
    /// Its size in bytes.
    pub size_bytes: u64,
    /// The SHA-256 of its bytes, hex.
    pub sha256: String,
    /// What the inspection found.
    pub findings: OutputFindings,
}

/// Every provider call's answer: the generation as it is now, and its output once it has one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderGenerationView {
    /// Whose generation it is.
    pub account_id: Uuid,
    /// The generation.
    #[serde(flatten)]
    pub view: GenerationView,
    /// Its output, once captured.
    pub output: Option<OutputView>,
}
