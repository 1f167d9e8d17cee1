//! The generation service's storage: provider credentials, which account a provider-reported
//! generation belongs to, and the one capture path (the output file written durably, then the
//! capture and the output's record in one store transaction).

use recoup_core::Timestamp;
use recoup_core::{GenerationId, OpId};
use recoup_store::{CaptureOutput, GenerationRecord, OutputRecord};
use uuid::Uuid;

use super::registry::ProviderRow;
use super::slot::write_output;
use super::sqlite::SqliteStorage;
use super::{Ledger, StorageFuture, TokenHash};
use crate::error::lock;

/// An output to keep: its bytes, media type, file extension, SHA-256 (hex) and the
/// inspection's findings (JSON).
#[derive(Debug, Clone)]
pub(crate) struct NewOutput {
    pub(crate) bytes: Vec<u8>,
    pub(crate) media_type: &'static str,
    pub(crate) ext: &'static str,
    pub(crate) sha256: String,
    pub(crate) findings: String,
}

impl NewOutput {
    /// The file it is kept under: the generation and a prefix of its hash, so that another
    /// output sent for the same generation never overwrites the one recorded.
    pub(crate) fn file_name(&self, generation: GenerationId) -> String {
        let tag = self.sha256.get(..16).unwrap_or(&self.sha256);
        format!("{generation}-{tag}.{}", self.ext)
    }
}

/// The inspection's verdict recorded in an output's findings, or why it cannot be read (the
/// judge then sends the claim to a person, never to an automatic refund).
pub(crate) fn findings_verdict(findings: &str) -> Result<recoup_generator::Verdict, &'static str> {
    let findings = serde_json::from_str::<recoup_api::OutputFindings>(findings)
        .map_err(|_| "the findings do not parse")?;
    serde_json::from_value::<recoup_generator::Verdict>(serde_json::Value::String(findings.verdict))
        .map_err(|_| "the findings name no known verdict")
}

/// Storage operations of the provider API (a part of [`super::Storage`]).
pub(crate) trait Providers: Send + Sync {
    /// Registers a provider with its key's hash.
    fn create_provider(
        &self,
        provider: Uuid,
        name: String,
        key: TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'_, ()>;

    /// The provider a key belongs to; `None` for an unknown or revoked key.
    fn provider_by_key(&self, key: TokenHash) -> StorageFuture<'_, Option<Uuid>>;

    /// Providers, oldest first, at most `limit`.
    fn providers(&self, limit: u32) -> StorageFuture<'_, Vec<ProviderRow>>;

    /// Revokes a provider's key; `None` when there is no such provider.
    fn revoke_provider(
        &self,
        provider: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<ProviderRow>>;

    /// Records whose a provider-reported generation is (first record wins); answers the
    /// recorded (account, provider).
    fn index_generation(
        &self,
        generation: GenerationId,
        account: Uuid,
        provider: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, (Uuid, Uuid)>;

    /// The (account, provider) of a provider-reported generation.
    fn generation_owner(&self, generation: GenerationId)
    -> StorageFuture<'_, Option<(Uuid, Uuid)>>;

    /// Keeps an output and captures its generation's hold: the file is written and synced
    /// first, then one store transaction captures the hold and records the output row. A
    /// crash leaves both, or a file without a row; never a capture without its findings.
    fn capture_output(
        &self,
        account: Uuid,
        generation: GenerationId,
        output: NewOutput,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<GenerationRecord>>;

    /// The output recorded for a generation.
    fn output_record(
        &self,
        account: Uuid,
        generation: GenerationId,
    ) -> StorageFuture<'_, Option<OutputRecord>>;
}

impl Providers for SqliteStorage {
    fn create_provider(
        &self,
        provider: Uuid,
        name: String,
        key: TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.create_provider(provider, &name, key, now))
    }

    fn provider_by_key(&self, key: TokenHash) -> StorageFuture<'_, Option<Uuid>> {
        self.run(move |inner| lock(&inner.registry)?.provider_by_key(key))
    }

    fn providers(&self, limit: u32) -> StorageFuture<'_, Vec<ProviderRow>> {
        self.run(move |inner| lock(&inner.registry)?.providers(limit))
    }

    fn revoke_provider(
        &self,
        provider: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<ProviderRow>> {
        self.run(move |inner| lock(&inner.registry)?.revoke_provider(provider, now))
    }

    fn index_generation(
        &self,
        generation: GenerationId,
        account: Uuid,
        provider: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, (Uuid, Uuid)> {
        self.run(move |inner| {
            lock(&inner.registry)?.index_generation(generation.0, account, provider, now)
        })
    }

    fn generation_owner(
        &self,
        generation: GenerationId,
    ) -> StorageFuture<'_, Option<(Uuid, Uuid)>> {
        self.run(move |inner| lock(&inner.registry)?.generation_owner(generation.0))
    }

    fn capture_output(
        &self,
        account: Uuid,
        generation: GenerationId,
        output: NewOutput,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<GenerationRecord>> {
        self.run(move |inner| {
            // Opened first: opening makes the account's folders.
            inner.slot(account)?;
            let file_name = output.file_name(generation);
            let path = inner
                .slots
                .account_dir(account)
                .join("outputs")
                .join(&file_name);
            write_output(&path, &output.bytes)?;
            let req = CaptureOutput {
                op_id: OpId(Uuid::now_v7()),
                generation_id: generation,
                output: OutputRecord {
                    media_type: output.media_type.to_owned(),
                    size_bytes: u64::try_from(output.bytes.len()).unwrap_or(u64::MAX),
                    sha256: output.sha256,
                    file_name,
                    findings: output.findings,
                },
            };
            super::insights::finishing(inner, account, generation, |s| s.capture_output(&req, now))
        })
    }

    fn output_record(
        &self,
        account: Uuid,
        generation: GenerationId,
    ) -> StorageFuture<'_, Option<OutputRecord>> {
        self.with_store(account, move |s| Ok(s.output(generation)?))
    }
}
