//! The PostgreSQL engine (`recoup-server --database`), registry half: accounts and their tokens, sign-in subjects, admin
//! credentials, the audit log, published policies, the review queue, providers, webhooks and
//! the events' cursors, on the schema of `recoup_store_pg` (docs/postgres.md). The ledger half
//! (balances, grants, generations, claims, the change feed) is `ledger.rs`.
//!
//! Every operation takes a pooled connection and, when it writes, runs one transaction: an
//! admin change and its audit record, a token and its row in the lookup table `token_hashes`,
//! an account and its row in `account_subjects` commit together or not at all. A write to an
//! account's ledger tables (`meta`, `event_cursors`, `outputs`) begins with
//! [`recoup_store_pg::lock_account`], as every ledger write does.
//!
//! The database's refusals become answers in one place ([`From`] impls at the end of this
//! file), by SQLSTATE and constraint name, never by message text.

mod backoffice;
mod console;
mod group;
mod identity;
mod insights;
mod ledger;
mod provider;
mod webhooks;

#[cfg(test)]
mod tests;

use deadpool_postgres::{Object, Pool, PoolError};
use recoup_api::ErrorCode;
use recoup_core::Policy;
use recoup_core::Timestamp;
use tokio_postgres::error::SqlState;
use uuid::Uuid;

use super::{Account, EventSettings, NewTokenRow, StoredPolicy, TokenHash};
use crate::clock::EndpointClock;
use crate::error::AppError;
use crate::state::Database;

/// The PostgreSQL engine. Cheap to clone: the pool and the event signal are shared handles, so
/// a clone is another door to the same database.
#[derive(Clone)]
pub(crate) struct PgStorage {
    /// Connections to the database, verified before reuse.
    pool: Pool,
    /// Who is told of accounts with new events, and the endpoint's default threshold.
    events: EventSettings,
    /// The endpoint's clock, for the expiry check of a presented token.
    clock: EndpointClock,
    /// The policy in force, parsed, with its publication number (see `ledger.rs`).
    policy_cache: ledger::PolicyCache,
    /// The accounts with claims being committed by this instance, and the requests waiting
    /// for their next transaction (see `group.rs`).
    claim_groups: group::ClaimGroups,
}

/// The constraint whose violation means "this subject already belongs to another account".
const SUBJECT_KEY: &str = "account_subjects_pkey";
/// The constraint whose violation means "this policy version was published already".
const POLICY_VERSION_KEY: &str = "policies_version_key";

/// The meta key that turns an account's events on (as recoup-store's `events.rs`).
pub(super) const EVENTS_KEY: &str = "events";
/// The meta key of an account's own balance threshold.
pub(super) const THRESHOLD_KEY: &str = "events.balance_low";
/// The meta key of the endpoint's default balance threshold, copied into each account.
pub(super) const DEFAULT_THRESHOLD_KEY: &str = "events.balance_low_default";

/// Most rows one page of the review queue answers (the queue is read by a person).
pub(crate) const REVIEW_PAGE_MAX: u32 = 1_000;

impl PgStorage {
    /// Connects to `url` with at most `pool_size` connections and brings the schema to the
    /// latest version (several instances starting at once take turns). The endpoint's default
    /// balance threshold is written into every account's ledger, as the SQLite engine does when
    /// it opens an account.
    pub(crate) async fn open(
        database: &Database,
        clock: EndpointClock,
        events: EventSettings,
    ) -> Result<Self, AppError> {
        let storage = Self::connect(database, clock, events).await?;
        storage.apply_default_threshold().await?;
        Ok(storage)
    }

    /// [`PgStorage::open`] without touching any account: for a command that only reads or
    /// writes the registry (`recoup-server admin-credentials`) while endpoints run.
    pub(crate) async fn connect(
        database: &Database,
        clock: EndpointClock,
        events: EventSettings,
    ) -> Result<Self, AppError> {
        let url = database.url.as_str();
        let config: tokio_postgres::Config = url.parse().map_err(|e| {
            AppError::api(
                ErrorCode::InvalidInput,
                format!(
                    "--database is not a PostgreSQL URL ({e}): give postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
                ),
            )
        })?;
        let shown = described(&config);
        let cannot = |e: &(dyn std::error::Error + 'static)| {
            let why = recoup_api::net::error_chain(e);
            AppError::api(
                ErrorCode::Unavailable,
                format!(
                    "cannot use the PostgreSQL database {shown}: {why}; check --database (or RECOUP_DATABASE_URL), that the server is up and that the role may connect and create tables"
                ),
            )
        };
        let pool =
            recoup_store_pg::pool_with_ca(url, database.pool_size, database.ca_file.as_deref())
                .map_err(|e| match e {
                    recoup_store_pg::Error::Tls(why) => AppError::api(ErrorCode::InvalidInput, why),
                    other => cannot(&other),
                })?;
        let mut client = pool.get().await.map_err(|e| cannot(&e))?;
        recoup_store_pg::migrate(&mut client)
            .await
            .map_err(|e| cannot(&e))?;
        drop(client);
        Ok(Self {
            pool,
            events,
            clock,
            policy_cache: ledger::PolicyCache::default(),
            claim_groups: group::ClaimGroups::default(),
        })
    }

    /// A connection from the pool.
    pub(super) async fn client(&self) -> Result<Object, AppError> {
        Ok(self.pool.get().await?)
    }

    /// The rows of a statement run on every request or claim, prepared once per connection
    /// (a statement given as text is parsed again each time: a round trip more).
    pub(super) async fn query_cached(
        &self,
        sql: &str,
        params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
    ) -> Result<Vec<tokio_postgres::Row>, AppError> {
        let client = self.client().await?;
        let stmt = client.prepare_cached(sql).await?;
        Ok(client.query(&stmt, params).await?)
    }

    /// Brings every account's copy of the endpoint's default balance threshold to this
    /// endpoint's setting, writing only the rows that change. One statement each, not one
    /// transaction per account: `meta` rows are read by the balance trigger only, which sees
    /// either the old value or the new one.
    async fn apply_default_threshold(&self) -> Result<(), AppError> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO meta (account_id, key, value) SELECT account_id, $1, 'on' FROM accounts
                 ON CONFLICT (account_id, key) DO NOTHING",
                &[&EVENTS_KEY],
            )
            .await?;
        match self.events.balance_low_default {
            Some(t) => {
                client
                    .execute(
                        "INSERT INTO meta (account_id, key, value)
                         SELECT account_id, $1, $2 FROM accounts
                         ON CONFLICT (account_id, key) DO UPDATE SET value = excluded.value
                         WHERE meta.value <> excluded.value",
                        &[&DEFAULT_THRESHOLD_KEY, &t.to_string()],
                    )
                    .await?
            }
            None => {
                client
                    .execute("DELETE FROM meta WHERE key = $1", &[&DEFAULT_THRESHOLD_KEY])
                    .await?
            }
        };
        Ok(())
    }

    /// Records a new sandbox account and its token (its text is not known here, only its
    /// hash), audited as `sandbox`, in one transaction. The caller grants the starting
    /// allowance.
    pub(crate) async fn create_account(
        &self,
        account: Uuid,
        token: TokenHash,
        now: Timestamp,
    ) -> Result<(), AppError> {
        let row = NewTokenRow {
            token_id: Uuid::now_v7(),
            hash: token,
            prefix: "rk_".to_owned(),
            label: "sandbox".to_owned(),
            expires_at: None,
        };
        self.create_account_audited(
            account,
            None,
            Some(&row),
            now,
            "sandbox",
            &serde_json::json!({}),
        )
        .await
    }

    /// The account a token belongs to, with its test-clock offset; `None` for a token that is
    /// unknown, revoked, expired (by the endpoint's clock) or whose account is disabled.
    ///
    /// One query per request: the SQLite engine remembers tokens in memory, which several
    /// instances cannot share without telling each other of revocations; an index probe on
    /// `token_hashes` is the PostgreSQL engine's answer for now.
    pub(crate) async fn authenticate(&self, token: TokenHash) -> Result<Option<Account>, AppError> {
        let now = self.clock.now().as_millis();
        let rows = self
            .query_cached(
                "SELECT a.account_id, a.clock_offset_ms
                 FROM token_hashes h
                 JOIN tokens t ON t.account_id = h.account_id AND t.token_id = h.token_id
                 JOIN accounts a ON a.account_id = t.account_id
                 WHERE h.hash = $1 AND t.revoked_at IS NULL AND a.disabled_at IS NULL
                   AND (t.expires_at IS NULL OR t.expires_at > $2)",
                &[&&token.0[..], &now],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(Account {
                    id: r.try_get(0)?,
                    offset_ms: r.try_get(1)?,
                })
            })
            .transpose()
    }

    /// An account's test-clock offset; `None` when there is no such account.
    pub(crate) async fn clock_offset_ms(&self, account: Uuid) -> Result<Option<i64>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "SELECT clock_offset_ms FROM accounts WHERE account_id = $1",
                &[&account],
            )
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Moves an account's test clock forward by `by_ms`; answers the new offset, `None` when
    /// there is no such account. One statement, so two instances moving it add up.
    pub(crate) async fn advance_clock(
        &self,
        account: Uuid,
        by_ms: i64,
    ) -> Result<Option<i64>, AppError> {
        let row = self
            .client()
            .await?
            .query_opt(
                "UPDATE accounts SET clock_offset_ms = clock_offset_ms + $2 WHERE account_id = $1
                 RETURNING clock_offset_ms",
                &[&account, &by_ms],
            )
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Whether the database answers a trivial query (`GET /v1/ready`).
    pub(crate) async fn ready(&self) -> Result<(), AppError> {
        let one: i32 = self
            .client()
            .await?
            .query_one("SELECT 1", &[])
            .await?
            .try_get(0)?;
        if one != 1 {
            return Err(AppError::internal("the database answered SELECT 1 wrongly"));
        }
        Ok(())
    }

    /// The oldest claims waiting for review, at most `limit` (capped at [`REVIEW_PAGE_MAX`]):
    /// (account, claim, when it was queued). The claims themselves are in the accounts' ledgers.
    pub(crate) async fn review_queue(
        &self,
        limit: u32,
    ) -> Result<Vec<(Uuid, Uuid, Timestamp)>, AppError> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT account_id, claim_id, queued_at FROM reviews
                 ORDER BY queued_at, account_id, claim_id LIMIT $1",
                &[&i64::from(limit.min(REVIEW_PAGE_MAX))],
            )
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, time(r.try_get(2)?)?)))
            .collect()
    }

    /// Records a publication and answers its number (increasing; it is signed with the
    /// document so devices can refuse going backwards). A version published before is refused
    /// with `policy_version_taken`, as by the SQLite engine.
    pub(crate) async fn publish_policy(
        &self,
        version: &str,
        document: &str,
        now: Timestamp,
    ) -> Result<u64, AppError> {
        let inserted = self
            .client()
            .await?
            .query_one(
                "INSERT INTO policies (version, document, published_at) VALUES ($1, $2, $3)
                 RETURNING seq",
                &[&version, &document, &now.as_millis()],
            )
            .await;
        match inserted {
            Ok(row) => Ok(row.try_get::<_, i64>(0)?.unsigned_abs()),
            Err(e) if violated(&e) == Some(POLICY_VERSION_KEY) => Err(AppError::api(
                ErrorCode::PolicyVersionTaken,
                format!(
                    "policy version {version} was already published; give the new one its own version"
                ),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The policy published last; `None` before the first publication.
    pub(crate) async fn latest_policy(&self) -> Result<Option<StoredPolicy>, AppError> {
        let rows = self
            .query_cached(
                "SELECT seq, version, document FROM policies ORDER BY seq DESC LIMIT 1",
                &[],
            )
            .await?;
        rows.first()
            .map(|r| {
                Ok(StoredPolicy {
                    seq: r.try_get::<_, i64>(0)?.unsigned_abs(),
                    version: r.try_get(1)?,
                    document: r.try_get(2)?,
                })
            })
            .transpose()
    }

    /// The policy published last; `first` is published (at `now`) when none was yet, so that a
    /// new endpoint serves a signed policy from its first request. Two instances starting on an
    /// empty database at once: the second's publication is refused as a version taken, and it
    /// answers the first's.
    pub(crate) async fn published_or(
        &self,
        first: &Policy,
        now: Timestamp,
    ) -> Result<StoredPolicy, AppError> {
        if let Some(p) = self.latest_policy().await? {
            return Ok(p);
        }
        let version = first.version().to_owned();
        let document = first.to_json();
        match self.publish_policy(&version, &document, now).await {
            Ok(seq) => Ok(StoredPolicy {
                seq,
                version,
                document,
            }),
            Err(e) if e.0.code == ErrorCode::PolicyVersionTaken => self
                .latest_policy()
                .await?
                .ok_or_else(|| AppError::internal("a policy published a moment ago is gone")),
            Err(e) => Err(e),
        }
    }
}

/// A database URL as it may be shown: user, hosts, ports and database, never the password.
fn described(config: &tokio_postgres::Config) -> String {
    use tokio_postgres::config::Host;
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
        .map(|(h, p)| match h {
            Host::Tcp(name) => format!("{name}:{p}"),
            Host::Unix(dir) => format!("{}:{p}", dir.display()),
        })
        .collect();
    format!(
        "postgres://{}@{}/{}",
        config.get_user().unwrap_or(""),
        hosts.join(","),
        config.get_dbname().unwrap_or("")
    )
}

/// A stored time (Unix ms) as a timestamp.
pub(super) fn time(ms: i64) -> Result<Timestamp, AppError> {
    Timestamp::from_millis(ms).map_err(|e| AppError::internal(format!("stored time: {e}")))
}

/// A stored optional time as a timestamp.
pub(super) fn opt_time(ms: Option<i64>) -> Result<Option<Timestamp>, AppError> {
    ms.map(time).transpose()
}

/// The constraint a statement violated when it was refused as a duplicate (SQLSTATE 23505).
pub(super) fn violated(e: &tokio_postgres::Error) -> Option<&str> {
    let db = e.as_db_error()?;
    (db.code() == &SqlState::UNIQUE_VIOLATION)
        .then(|| db.constraint())
        .flatten()
}

/// The answer to a subject that belongs to another account already.
pub(super) fn subject_taken(subject: &str) -> AppError {
    AppError::api(
        ErrorCode::SubjectTaken,
        format!("the subject {subject:?} already belongs to another account"),
    )
}

/// Whether `e` says the subject is another account's.
pub(super) fn is_subject_taken(e: &tokio_postgres::Error) -> bool {
    violated(e) == Some(SUBJECT_KEY)
}

/// The answer to the database being out of reach or shedding load: nothing was written, the
/// same request can be sent again.
fn unavailable(detail: impl std::fmt::Display) -> AppError {
    tracing::warn!(%detail, "PostgreSQL is unavailable");
    AppError::api(
        ErrorCode::Unavailable,
        "the endpoint's database is unavailable; nothing was written: try again in a moment",
    )
}

/// PostgreSQL's failures, as answers: by SQLSTATE class, never by message text. The refusals
/// that mean something to a caller (a subject or a policy version taken, a duplicate name) are
/// named where the statement runs, with [`violated`]; whatever reaches this is either the
/// database out of reach or busy (503, retry) or the endpoint failing (500).
impl From<tokio_postgres::Error> for AppError {
    fn from(e: tokio_postgres::Error) -> Self {
        let Some(db) = e.as_db_error() else {
            // No answer from the server: the connection broke or could not be made.
            if e.is_closed()
                || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>())
            {
                return unavailable(&e);
            }
            return Self::internal(format!("PostgreSQL: {e}"));
        };
        let code = db.code();
        let class = code.code().get(..2).unwrap_or("");
        let transient = matches!(
            class,
            // connection exception, insufficient resources, operator intervention (a shutdown,
            // a cancelled statement), system error
            "08" | "53" | "57" | "58"
        ) || [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::READ_ONLY_SQL_TRANSACTION,
        ]
        .contains(code);
        if transient {
            return unavailable(&e);
        }
        Self::internal(format!("PostgreSQL: {e}"))
    }
}

/// No connection from the pool: the database is out of reach or every connection is busy.
impl From<PoolError> for AppError {
    fn from(e: PoolError) -> Self {
        match e {
            PoolError::Backend(e) => e.into(),
            PoolError::Timeout(_) => unavailable(&e),
            other => Self::internal(format!("the PostgreSQL pool: {other}")),
        }
    }
}

/// The schema crate's failures (pool, migrations, the account lock).
impl From<recoup_store_pg::Error> for AppError {
    fn from(e: recoup_store_pg::Error) -> Self {
        use recoup_store_pg::Error as E;
        match e {
            E::Postgres(e) => e.into(),
            E::Pool(e) => e.into(),
            E::UnknownAccount(account) => AppError::api(
                ErrorCode::NotFound,
                format!("no account {account}: list them with GET /v1/admin/accounts"),
            ),
            other => Self::internal(other.to_string()),
        }
    }
}
