//! Recoup's PostgreSQL schema as versioned migrations (refinery), applied in order, each in one
//! transaction together with its row in refinery's history table, so that a failed migration
//! leaves the schema at the version before it.

use refinery::{Migration, Runner};
use tokio_postgres::Client;

use crate::Error;

/// The migrations, oldest first: (refinery name `V<n>__<what>`, SQL).
const MIGRATIONS: &[(&str, &str)] = &[
    ("V1__registry", include_str!("migrations/V1__registry.sql")),
    ("V2__ledger", include_str!("migrations/V2__ledger.sql")),
    (
        "V3__outputs_events",
        include_str!("migrations/V3__outputs_events.sql"),
    ),
    (
        "V4__webhook_leases",
        include_str!("migrations/V4__webhook_leases.sql"),
    ),
    (
        "V5__static_seq",
        include_str!("migrations/V5__static_seq.sql"),
    ),
    ("V6__console", include_str!("migrations/V6__console.sql")),
    ("V7__insights", include_str!("migrations/V7__insights.sql")),
];

/// The schema version after every migration.
pub const LATEST_VERSION: i32 = 7;

/// The table refinery records applied migrations in (a global table).
pub const HISTORY_TABLE: &str = "refinery_schema_history";

/// The advisory lock key every instance takes while migrating, so that several instances
/// starting at once apply each migration once ("RECOUPMG" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x5245_434F_5550_4D47;

/// What a run of [`migrate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migrated {
    /// The migrations this run applied (empty when the schema was already the latest), by name.
    pub applied: Vec<String>,
    /// The schema version now.
    pub version: i32,
}

fn runner() -> Result<Runner, Error> {
    let migrations = MIGRATIONS
        .iter()
        .map(|(name, sql)| Migration::unapplied(name, sql))
        .collect::<Result<Vec<_>, _>>()?;
    // One transaction per migration (not grouped), refusing a database whose history has a
    // migration this build does not know or whose applied SQL differs from this build's.
    Ok(Runner::new(&migrations)
        .set_grouped(false)
        .set_abort_divergent(true)
        .set_abort_missing(true))
}

/// Brings the database to [`LATEST_VERSION`]. Safe to run from several instances at once (an
/// advisory lock makes them take turns) and again on an up-to-date database (it applies nothing).
pub async fn migrate(client: &mut Client) -> Result<Migrated, Error> {
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK_KEY])
        .await?;
    let report = runner()?.run_async(client).await;
    // Released even when the run failed; a broken connection releases it by ending the session.
    let unlocked = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK_KEY])
        .await;
    let report = report?;
    unlocked?;
    let version = current_version(client).await?.unwrap_or(0);
    Ok(Migrated {
        applied: report
            .applied_migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect(),
        version,
    })
}

/// Brings an empty database to `version` only, for the tests of a migration's effect on data
/// written by the versions before it (a migration that fills new columns from old rows).
#[cfg(feature = "test-harness")]
pub async fn migrate_to(client: &mut Client, version: i32) -> Result<(), Error> {
    runner()?
        .set_target(refinery::Target::Version(version))
        .run_async(client)
        .await?;
    Ok(())
}

/// The schema version of the database (`None`: never migrated).
pub async fn current_version(client: &Client) -> Result<Option<i32>, Error> {
    let exists: bool = client
        .query_one(
            "SELECT to_regclass($1) IS NOT NULL",
            &[&format!("public.{HISTORY_TABLE}")],
        )
        .await?
        .try_get(0)?;
    if !exists {
        return Ok(None);
    }
    let row = client
        .query_one(&format!("SELECT max(version) FROM {HISTORY_TABLE}"), &[])
        .await?;
    Ok(row.try_get(0)?)
}

/// How a table is keyed, which decides how it is distributed (docs/postgres.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableKind {
    /// Belongs to one account: its primary key starts with `account_id`; distributed by it.
    PerAccount,
    /// The endpoint's own, small, rarely written: a reference table when distributed.
    Global,
    /// Maps a key that arrives without its account to the account: keyed by that key.
    Lookup,
    /// Counters summed across accounts (the console's insights), written by triggers in each
    /// account's transaction: keyed by day and a shard of the account.
    Rollup,
}

/// Every table of the schema and its kind. The tests hold the schema to it: a table missing
/// here, or a per-account table whose key does not start with `account_id`, fails them.
pub const TABLES: &[(&str, TableKind)] = &[
    ("accounts", TableKind::PerAccount),
    ("tokens", TableKind::PerAccount),
    ("reviews", TableKind::PerAccount),
    ("webhook_failures", TableKind::PerAccount),
    ("documents", TableKind::PerAccount),
    ("operations", TableKind::PerAccount),
    ("grants", TableKind::PerAccount),
    ("grant_balances", TableKind::PerAccount),
    ("generations", TableKind::PerAccount),
    ("ledger_entries", TableKind::PerAccount),
    ("hold_settlements", TableKind::PerAccount),
    ("refunds", TableKind::PerAccount),
    ("claims", TableKind::PerAccount),
    ("activity_days", TableKind::PerAccount),
    ("meta", TableKind::PerAccount),
    ("changes", TableKind::PerAccount),
    ("outputs", TableKind::PerAccount),
    ("output_bodies", TableKind::PerAccount),
    ("events", TableKind::PerAccount),
    ("event_cursors", TableKind::PerAccount),
    ("webhook_leases", TableKind::PerAccount),
    ("admin_credentials", TableKind::Global),
    ("audit", TableKind::Global),
    ("policies", TableKind::Global),
    ("providers", TableKind::Global),
    ("webhooks", TableKind::Global),
    (HISTORY_TABLE, TableKind::Global),
    ("account_subjects", TableKind::Lookup),
    ("token_hashes", TableKind::Lookup),
    ("provider_generations", TableKind::Lookup),
    ("console_sessions", TableKind::Lookup),
    ("insight_days", TableKind::Rollup),
    ("insight_reasons", TableKind::Rollup),
];

#[cfg(test)]
mod tests {
    #[test]
    fn every_migration_parses_and_they_are_numbered_one_to_latest() {
        let versions: Vec<i32> = match super::runner() {
            Ok(r) => r.get_migrations().iter().map(|m| m.version()).collect(),
            Err(e) => panic!("the migration names must parse: {e}"),
        };
        let expected: Vec<i32> = (1..=super::LATEST_VERSION).collect();
        assert_eq!(
            versions, expected,
            "migrations must be numbered 1..=LATEST_VERSION with no gap"
        );
    }
}
