//! The generation service's storage on PostgreSQL: provider credentials, which account a
//! provider-reported generation belongs to (the lookup table `provider_generations`), and the
//! outputs kept for the judge.

use recoup_core::GenerationId;
use recoup_core::Timestamp;
use recoup_store::{GenerationRecord, OutputRecord};
use uuid::Uuid;

use super::{PgStorage, opt_time, time};
use crate::error::AppError;
use crate::storage::{Ledger, NewOutput, ProviderRow, Providers, StorageFuture, TokenHash};

fn provider_row(r: &tokio_postgres::Row) -> Result<ProviderRow, AppError> {
    Ok(ProviderRow {
        provider_id: r.try_get(0)?,
        name: r.try_get(1)?,
        created_at: time(r.try_get(2)?)?,
        revoked_at: opt_time(r.try_get(3)?)?,
    })
}

impl PgStorage {
    async fn insert_provider(
        &self,
        provider: Uuid,
        name: &str,
        key: TokenHash,
        now: Timestamp,
    ) -> Result<(), AppError> {
        self.client()
            .await?
            .execute(
                "INSERT INTO providers (provider_id, name, key_hash, created_at) VALUES ($1, $2, $3, $4)",
                &[&provider, &name, &&key.0[..], &now.as_millis()],
            )
            .await?;
        Ok(())
    }

    async fn provider_of_key(&self, key: TokenHash) -> Result<Option<Uuid>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT provider_id FROM providers WHERE key_hash = $1 AND revoked_at IS NULL",
                &[&&key.0[..]],
            )
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    async fn provider_list(&self, limit: u32) -> Result<Vec<ProviderRow>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT provider_id, name, created_at, revoked_at FROM providers
                 ORDER BY created_at, provider_id LIMIT $1",
                &[&i64::from(limit)],
            )
            .await?;
        rows.iter().map(provider_row).collect()
    }

    /// Revokes a provider's key (a second revocation keeps the first time); answers the
    /// provider as it is now. One statement: the update, or the row as it is.
    async fn revoke_provider_key(
        &self,
        provider: Uuid,
        now: Timestamp,
    ) -> Result<Option<ProviderRow>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "WITH revoked AS (
                     UPDATE providers SET revoked_at = $2
                     WHERE provider_id = $1 AND revoked_at IS NULL
                     RETURNING provider_id, name, created_at, revoked_at)
                 SELECT provider_id, name, created_at, revoked_at FROM revoked
                 UNION ALL
                 SELECT provider_id, name, created_at, revoked_at FROM providers
                 WHERE provider_id = $1 AND NOT EXISTS (SELECT 1 FROM revoked)",
                &[&provider, &now.as_millis()],
            )
            .await?;
        row.as_ref().map(provider_row).transpose()
    }

    /// Records that `provider` reports `generation` for `account`, unless it already is
    /// recorded; answers the (account, provider) recorded for it, the new one or the older one.
    async fn index_provider_generation(
        &self,
        generation: Uuid,
        account: Uuid,
        provider: Uuid,
        now: Timestamp,
    ) -> Result<(Uuid, Uuid), AppError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO provider_generations (generation_id, account_id, provider_id, started_at)
                 VALUES ($1, $2, $3, $4) ON CONFLICT (generation_id) DO NOTHING",
                &[&generation, &account, &provider, &now.as_millis()],
            )
            .await?;
        drop(client);
        self.owner_of_generation(generation)
            .await?
            .ok_or_else(|| AppError::internal("a generation indexed a moment ago is not found"))
    }

    async fn owner_of_generation(
        &self,
        generation: Uuid,
    ) -> Result<Option<(Uuid, Uuid)>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT account_id, provider_id FROM provider_generations WHERE generation_id = $1",
                &[&generation],
            )
            .await?;
        row.map(|r| Ok((r.try_get(0)?, r.try_get(1)?))).transpose()
    }

    /// The output recorded for a generation of an account. Its findings are stored as `jsonb`,
    /// so they come back as the same JSON value, not necessarily spelled as they were sent
    /// (key order, spaces); the judge reads them as a value.
    pub(super) async fn output_row(
        &self,
        account: Uuid,
        generation: GenerationId,
    ) -> Result<Option<OutputRecord>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT media_type, size_bytes, sha256, file_name, findings FROM outputs
                 WHERE account_id = $1 AND generation_id = $2",
                &[&account, &generation.0],
            )
            .await?;
        row.map(|r| {
            let size: i64 = r.try_get(1)?;
            let findings: serde_json::Value = r.try_get(4)?;
            Ok(OutputRecord {
                media_type: r.try_get(0)?,
                size_bytes: u64::try_from(size)
                    .map_err(|e| AppError::internal(format!("stored output size: {e}")))?,
                sha256: r.try_get(2)?,
                file_name: r.try_get(3)?,
                findings: findings.to_string(),
            })
        })
        .transpose()
    }
}

impl Providers for PgStorage {
    fn create_provider(
        &self,
        provider: Uuid,
        name: String,
        key: TokenHash,
        now: Timestamp,
    ) -> StorageFuture<'_, ()> {
        Box::pin(async move { self.insert_provider(provider, &name, key, now).await })
    }

    fn provider_by_key(&self, key: TokenHash) -> StorageFuture<'_, Option<Uuid>> {
        Box::pin(self.provider_of_key(key))
    }

    fn providers(&self, limit: u32) -> StorageFuture<'_, Vec<ProviderRow>> {
        Box::pin(self.provider_list(limit))
    }

    fn revoke_provider(
        &self,
        provider: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<ProviderRow>> {
        Box::pin(self.revoke_provider_key(provider, now))
    }

    fn index_generation(
        &self,
        generation: GenerationId,
        account: Uuid,
        provider: Uuid,
        now: Timestamp,
    ) -> StorageFuture<'_, (Uuid, Uuid)> {
        Box::pin(self.index_provider_generation(generation.0, account, provider, now))
    }

    fn generation_owner(
        &self,
        generation: GenerationId,
    ) -> StorageFuture<'_, Option<(Uuid, Uuid)>> {
        Box::pin(self.owner_of_generation(generation.0))
    }

    /// The capture is a ledger write (the hold captured, the balances moved, the change feed,
    /// the output's row and bytes in one transaction after `lock_account`): the ledger half's.
    /// Until it is written, a capture is refused and nothing is written.
    fn capture_output(
        &self,
        account: Uuid,
        generation: GenerationId,
        output: NewOutput,
        now: Timestamp,
    ) -> StorageFuture<'_, Ledger<GenerationRecord>> {
        Box::pin(self.capture(account, generation, output, now))
    }

    fn output_record(
        &self,
        account: Uuid,
        generation: GenerationId,
    ) -> StorageFuture<'_, Option<OutputRecord>> {
        Box::pin(self.output_row(account, generation))
    }
}
