//! What the operator console stores and reads (a part of [`super::Storage`]): its sessions, the
//! review queue as a filtered, paged index, and everything one item of the queue shows. The
//! SQLite engine keeps the queue's filter columns in the registry's `reviews` table (the claims
//! themselves are in each account's own store); PostgreSQL joins the claims and generations.

use recoup_api::console::{ReviewOrder, ReviewRow};
use recoup_core::{ClaimId, ClaimReason, Feature, GenerationId, Platform, TimeDelta, Timestamp};
use recoup_store::{
    AccountBalance, ClaimOutcome, ClaimRecord, GenerationRecord, OutputRecord, Store,
};
use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params, params_from_iter};
use uuid::Uuid;

use super::identity::ts;
use super::registry::{Registry, uuid_from};
use super::sqlite::SqliteStorage;
use super::{StorageFuture, TokenHash};
use crate::error::{AppError, lock};

/// Migration 7: the review queue's filter columns, filled when a claim is queued (and, for the
/// claims queued before, at the next start: `requeue_reviews`), and their indexes.
pub(super) const V7_REVIEW_INDEX: &str = r#"
ALTER TABLE reviews ADD COLUMN generation_id BLOB;
ALTER TABLE reviews ADD COLUMN feature TEXT;
ALTER TABLE reviews ADD COLUMN platform TEXT;
ALTER TABLE reviews ADD COLUMN reason TEXT;
ALTER TABLE reviews ADD COLUMN credits INTEGER;
ALTER TABLE reviews ADD COLUMN submitted_at INTEGER;
CREATE INDEX reviews_queued ON reviews (queued_at);
CREATE INDEX reviews_feature ON reviews (feature, queued_at);
CREATE INDEX reviews_platform ON reviews (platform, queued_at);
CREATE INDEX reviews_reason ON reviews (reason, queued_at);
"#;

/// Migration 8: console sessions (only the SHA-256 of a session id is kept), and the audit log
/// searchable by target (who decided a review).
pub(super) const V8_CONSOLE_SESSIONS: &str = r#"
CREATE TABLE console_sessions (
    session_hash    BLOB    PRIMARY KEY CHECK (length(session_hash) = 32),
    credential_hash BLOB    NOT NULL CHECK (length(credential_hash) = 32),
    actor           TEXT    NOT NULL,
    csrf_token      TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    last_seen_at    INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX audit_target ON audit (target, action);
"#;

/// How often at most a session's last use is written (a request within this of the last write
/// does not write).
pub(crate) const SESSION_TOUCH_MS: i64 = 60_000;

/// A console session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionRow {
    /// The SHA-256 of the session id (the cookie's value).
    pub(crate) hash: TokenHash,
    /// The SHA-256 of the admin credential it was opened with: revoking the credential ends it.
    pub(crate) credential: TokenHash,
    /// The credential's name.
    pub(crate) actor: String,
    /// Its CSRF token.
    pub(crate) csrf_token: String,
    pub(crate) created_at: Timestamp,
    /// The absolute end.
    pub(crate) expires_at: Timestamp,
    pub(crate) last_seen_at: Timestamp,
}

/// What a lookup does with a stored session (the same on every engine).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionUse {
    /// Over (past its end, idle too long, or its credential revoked): remove it, answer none.
    End,
    /// On, its last use written long enough ago to write it again.
    Touch,
    /// On, its last use recent.
    Keep,
}

impl SessionRow {
    /// What a request at `now` does with this session; `credential_ok` is whether the
    /// credential it was opened with is still unrevoked.
    pub(crate) fn on_use(
        &self,
        now: Timestamp,
        idle: TimeDelta,
        credential_ok: bool,
    ) -> SessionUse {
        if !credential_ok || self.ended(now, idle) {
            SessionUse::End
        } else if now.as_millis() - self.last_seen_at.as_millis() >= SESSION_TOUCH_MS {
            SessionUse::Touch
        } else {
            SessionUse::Keep
        }
    }

    /// Whether the session is over at `now` (past its end, or idle for longer than `idle`).
    pub(crate) fn ended(&self, now: Timestamp, idle: TimeDelta) -> bool {
        now >= self.expires_at
            || self
                .last_seen_at
                .checked_add(idle)
                .is_none_or(|idle_end| now >= idle_end)
    }
}

/// A claim joining the review queue, with what the queue filters on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueEntry {
    pub(crate) claim: ClaimId,
    pub(crate) generation: GenerationId,
    pub(crate) feature: Feature,
    pub(crate) platform: Platform,
    pub(crate) reason: ClaimReason,
    pub(crate) credits: u64,
    pub(crate) submitted_at: Timestamp,
}

impl QueueEntry {
    /// The entry of a claim of this generation.
    pub(crate) fn of(claim: &ClaimRecord, generation: &GenerationRecord) -> Self {
        Self {
            claim: claim.claim_id,
            generation: generation.generation_id,
            feature: generation.feature,
            platform: generation.platform,
            reason: claim.reason,
            credits: generation.charged,
            submitted_at: claim.submitted_at,
        }
    }
}

/// Where a page of the queue starts: after this item, in the page's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueCursor {
    pub(crate) queued_at: Timestamp,
    pub(crate) account: Uuid,
    pub(crate) claim: Uuid,
}

impl QueueCursor {
    /// The cursor's text (opaque to clients): `<queued_at ms>.<account>.<claim>`.
    pub(crate) fn encode(&self) -> String {
        format!(
            "{}.{}.{}",
            self.queued_at.as_millis(),
            self.account.simple(),
            self.claim.simple()
        )
    }

    /// Reads a cursor this endpoint wrote; `None` for anything else.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split('.');
        let ms: i64 = parts.next()?.parse().ok()?;
        let account = Uuid::try_parse(parts.next()?).ok()?;
        let claim = Uuid::try_parse(parts.next()?).ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            queued_at: Timestamp::from_millis(ms).ok()?,
            account,
            claim,
        })
    }
}

/// A query of the review queue, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct QueueQuery {
    pub(crate) feature: Option<Feature>,
    pub(crate) platform: Option<Platform>,
    pub(crate) reason: Option<ClaimReason>,
    /// Only items queued at or before this instant (a minimum age).
    pub(crate) queued_before: Option<Timestamp>,
    /// Only items queued at or after this instant (a maximum age).
    pub(crate) queued_after: Option<Timestamp>,
    pub(crate) order: ReviewOrder,
    pub(crate) after: Option<QueueCursor>,
    pub(crate) limit: u32,
}

/// Everything the console shows of one item.
#[derive(Debug, Clone)]
pub(crate) struct ReviewContext {
    pub(crate) claim: ClaimRecord,
    pub(crate) generation: GenerationRecord,
    /// When it joined the queue; `None` when it is not on the queue (decided).
    pub(crate) queued_at: Option<Timestamp>,
    pub(crate) output: Option<OutputRecord>,
    /// The account's latest claims, newest first, each with its generation's feature.
    pub(crate) recent: Vec<(ClaimRecord, Feature)>,
    /// The account's claims in all, and those refunded.
    pub(crate) reports: u64,
    pub(crate) refunds: u64,
    pub(crate) balance: AccountBalance,
}

/// How many of an account's latest claims an item shows.
pub(crate) const RECENT_REPORTS: u32 = 20;

/// Storage operations of the operator console.
pub(crate) trait Console: Send + Sync {
    /// Records a new session.
    fn open_session(&self, row: SessionRow) -> StorageFuture<'_, ()>;

    /// The session with this hash if it is still on at `now` (not past its end, not idle for
    /// `idle`, its credential not revoked), its last use moved to `now`; `None` otherwise (an
    /// ended session is removed).
    fn session(
        &self,
        hash: TokenHash,
        now: Timestamp,
        idle: TimeDelta,
    ) -> StorageFuture<'_, Option<SessionRow>>;

    /// Ends a session; whether there was one.
    fn close_session(&self, hash: TokenHash) -> StorageFuture<'_, bool>;

    /// A page of the review queue and how many items match the filter in all.
    fn review_page(&self, query: QueueQuery) -> StorageFuture<'_, (Vec<ReviewRow>, u64)>;

    /// One claim with everything the console shows of it; `None` when the account or the
    /// claim does not exist.
    fn review_context(
        &self,
        account: Uuid,
        claim: ClaimId,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<ReviewContext>>;

    /// Who decided a review last, and when (from the audit log).
    fn decided_by(
        &self,
        account: Uuid,
        claim: ClaimId,
    ) -> StorageFuture<'_, Option<(String, Timestamp)>>;
}

/// The audit target of a review decision.
pub(crate) fn review_target(account: Uuid, claim: ClaimId) -> String {
    format!("{account}/{}", claim.0)
}

/// A stored count, size or credit amount, never negative.
pub(super) fn non_negative(n: i64) -> Result<u64, AppError> {
    u64::try_from(n).map_err(|_| AppError::internal(format!("stored credits {n} are negative")))
}

fn sql_credits(n: u64) -> Result<i64, AppError> {
    i64::try_from(n).map_err(|_| AppError::internal(format!("credits {n} do not fit the registry")))
}

/// The review queue and sessions in the registry.
impl Registry {
    /// Queues several claims of one account for review in one transaction. A claim already
    /// queued keeps its place; its filter columns are filled if they were empty (a claim queued
    /// before migration 7).
    pub(crate) fn queue_reviews(
        &self,
        account: Uuid,
        entries: &[QueueEntry],
        now: Timestamp,
    ) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO reviews (account_id, claim_id, queued_at, generation_id, feature,
                     platform, reason, credits, submitted_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (account_id, claim_id) DO UPDATE SET
                     generation_id = excluded.generation_id, feature = excluded.feature,
                     platform = excluded.platform, reason = excluded.reason,
                     credits = excluded.credits, submitted_at = excluded.submitted_at
                 WHERE reviews.feature IS NULL",
            )?;
            for e in entries {
                stmt.execute(params![
                    account.as_bytes(),
                    e.claim.as_bytes(),
                    now.as_millis(),
                    e.generation.as_bytes(),
                    e.feature.as_str(),
                    e.platform.as_str(),
                    e.reason.as_str(),
                    sql_credits(e.credits)?,
                    e.submitted_at.as_millis(),
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// A page of the queue (see [`Console::review_page`]).
    pub(crate) fn review_page(&self, q: &QueueQuery) -> Result<(Vec<ReviewRow>, u64), AppError> {
        let mut filter = String::from(" WHERE feature IS NOT NULL");
        let mut args: Vec<Value> = Vec::new();
        let mut add = |sql: &str, v: Value| {
            filter.push_str(" AND ");
            filter.push_str(sql);
            args.push(v);
        };
        if let Some(f) = q.feature {
            add("feature = ?", Value::Text(f.as_str().to_owned()));
        }
        if let Some(p) = q.platform {
            add("platform = ?", Value::Text(p.as_str().to_owned()));
        }
        if let Some(r) = q.reason {
            add("reason = ?", Value::Text(r.as_str().to_owned()));
        }
        if let Some(t) = q.queued_before {
            add("queued_at <= ?", Value::Integer(t.as_millis()));
        }
        if let Some(t) = q.queued_after {
            add("queued_at >= ?", Value::Integer(t.as_millis()));
        }
        let total: i64 = self
            .conn
            .prepare_cached(&format!("SELECT count(*) FROM reviews{filter}"))?
            .query_row(params_from_iter(args.iter()), |r| r.get(0))?;
        let (cmp, dir) = match q.order {
            ReviewOrder::Oldest => (">", "ASC"),
            ReviewOrder::Newest => ("<", "DESC"),
        };
        let mut page_args = args.clone();
        let mut page_filter = filter.clone();
        if let Some(c) = q.after {
            page_filter.push_str(&format!(
                " AND (queued_at, account_id, claim_id) {cmp} (?, ?, ?)"
            ));
            page_args.push(Value::Integer(c.queued_at.as_millis()));
            page_args.push(Value::Blob(c.account.as_bytes().to_vec()));
            page_args.push(Value::Blob(c.claim.as_bytes().to_vec()));
        }
        page_args.push(Value::Integer(i64::from(q.limit)));
        let sql = format!(
            "SELECT account_id, claim_id, generation_id, feature, platform, reason, credits,
                 submitted_at, queued_at FROM reviews{page_filter}
             ORDER BY queued_at {dir}, account_id {dir}, claim_id {dir} LIMIT ?"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        let rows = stmt.query_map(params_from_iter(page_args.iter()), |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Vec<u8>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, i64>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (a, c, g, feature, platform, reason, credits_n, submitted, queued) = row?;
            out.push(ReviewRow {
                account_id: uuid_from(&a)?,
                claim_id: ClaimId(uuid_from(&c)?),
                generation_id: GenerationId(uuid_from(&g)?),
                feature: spelled(&feature)?,
                platform: spelled(&platform)?,
                reason: spelled(&reason)?,
                credits: non_negative(credits_n)?,
                submitted_at: ts(submitted)?,
                queued_at: ts(queued)?,
            });
        }
        Ok((out, total.unsigned_abs()))
    }

    /// When a claim joined the queue; `None` when it is not on it.
    pub(crate) fn queued_at(
        &self,
        account: Uuid,
        claim: ClaimId,
    ) -> Result<Option<Timestamp>, AppError> {
        let ms: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT queued_at FROM reviews WHERE account_id = ?1 AND claim_id = ?2",
            )?
            .query_row(params![account.as_bytes(), claim.as_bytes()], |r| r.get(0))
            .optional()?;
        ms.map(ts).transpose()
    }

    fn open_session(&self, row: &SessionRow) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        // Sessions over for a day are cleared as new ones open.
        tx.execute(
            "DELETE FROM console_sessions WHERE expires_at < ?1",
            [row.created_at.as_millis() - 86_400_000],
        )?;
        tx.execute(
            "INSERT INTO console_sessions (session_hash, credential_hash, actor, csrf_token,
                 created_at, expires_at, last_seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                row.hash.0,
                row.credential.0,
                row.actor,
                row.csrf_token,
                row.created_at.as_millis(),
                row.expires_at.as_millis(),
                row.last_seen_at.as_millis()
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn session(
        &self,
        hash: TokenHash,
        now: Timestamp,
        idle: TimeDelta,
    ) -> Result<Option<SessionRow>, AppError> {
        let row = self
            .conn
            .prepare_cached(
                "SELECT s.credential_hash, s.actor, s.csrf_token, s.created_at, s.expires_at,
                     s.last_seen_at, a.hash IS NOT NULL
                 FROM console_sessions s
                 LEFT JOIN admin_credentials a ON a.hash = s.credential_hash AND a.revoked_at IS NULL
                 WHERE s.session_hash = ?1",
            )?
            .query_row([hash.0], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, bool>(6)?,
                ))
            })
            .optional()?;
        let Some((credential, actor, csrf_token, created, expires, seen, credential_ok)) = row
        else {
            return Ok(None);
        };
        let mut session = SessionRow {
            hash,
            credential: hash32(credential)?,
            actor,
            csrf_token,
            created_at: ts(created)?,
            expires_at: ts(expires)?,
            last_seen_at: ts(seen)?,
        };
        match session.on_use(now, idle, credential_ok) {
            SessionUse::End => {
                self.close_session(hash)?;
                return Ok(None);
            }
            SessionUse::Touch => {
                self.conn.execute(
                    "UPDATE console_sessions SET last_seen_at = ?2 WHERE session_hash = ?1",
                    params![hash.0, now.as_millis()],
                )?;
                session.last_seen_at = now;
            }
            SessionUse::Keep => {}
        }
        Ok(Some(session))
    }

    fn close_session(&self, hash: TokenHash) -> Result<bool, AppError> {
        Ok(self.conn.execute(
            "DELETE FROM console_sessions WHERE session_hash = ?1",
            [hash.0],
        )? == 1)
    }

    fn decided_by(
        &self,
        account: Uuid,
        claim: ClaimId,
    ) -> Result<Option<(String, Timestamp)>, AppError> {
        let row: Option<(String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT actor, at FROM audit WHERE target = ?1 AND action = 'review.decide'
                 ORDER BY seq DESC LIMIT 1",
            )?
            .query_row([review_target(account, claim)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        row.map(|(actor, at)| Ok((actor, ts(at)?))).transpose()
    }
}

/// A stored SHA-256.
pub(super) fn hash32(bytes: Vec<u8>) -> Result<TokenHash, AppError> {
    let h: [u8; 32] = bytes
        .try_into()
        .map_err(|_| AppError::internal("a stored hash is not 32 bytes"))?;
    Ok(TokenHash(h))
}

/// A spelled enum as stored.
pub(super) fn spelled<T: std::str::FromStr>(text: &str) -> Result<T, AppError> {
    text.parse()
        .map_err(|_| AppError::internal(format!("stored value '{text}' is not known")))
}

/// The queue entries of the claims among `claims` that are in review, read with their
/// generations from the account's store.
pub(crate) fn entries_in_review<'a>(
    store: &Store,
    claims: impl IntoIterator<Item = &'a ClaimRecord>,
) -> Result<Vec<QueueEntry>, recoup_store::StoreError> {
    claims
        .into_iter()
        .filter(|c| c.outcome == Some(ClaimOutcome::InReview))
        .map(|c| Ok(QueueEntry::of(c, &store.generation(c.generation_id)?)))
        .collect()
}

/// Everything about one claim from the account's store.
pub(crate) fn context_from_store(
    store: &Store,
    claim: ClaimId,
    queued_at: Option<Timestamp>,
    now: Timestamp,
) -> Result<Option<ReviewContext>, AppError> {
    let claim = match store.claim(claim) {
        Ok(c) => c,
        Err(recoup_store::StoreError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let generation = store.generation(claim.generation_id)?;
    let output = store.output(claim.generation_id)?;
    let recent = super::backoffice::recent_claims(store, RECENT_REPORTS)?;
    let (reports, refunds) = store.claim_counts()?;
    Ok(Some(ReviewContext {
        claim,
        generation,
        queued_at,
        output,
        recent,
        reports,
        refunds,
        balance: store.balance(now)?,
    }))
}

impl Console for SqliteStorage {
    fn open_session(&self, row: SessionRow) -> StorageFuture<'_, ()> {
        self.run(move |inner| lock(&inner.registry)?.open_session(&row))
    }

    fn session(
        &self,
        hash: TokenHash,
        now: Timestamp,
        idle: TimeDelta,
    ) -> StorageFuture<'_, Option<SessionRow>> {
        self.run(move |inner| lock(&inner.registry)?.session(hash, now, idle))
    }

    fn close_session(&self, hash: TokenHash) -> StorageFuture<'_, bool> {
        self.run(move |inner| lock(&inner.registry)?.close_session(hash))
    }

    fn review_page(&self, query: QueueQuery) -> StorageFuture<'_, (Vec<ReviewRow>, u64)> {
        self.run(move |inner| lock(&inner.registry)?.review_page(&query))
    }

    fn review_context(
        &self,
        account: Uuid,
        claim: ClaimId,
        now: Timestamp,
    ) -> StorageFuture<'_, Option<ReviewContext>> {
        self.run(move |inner| {
            let queued_at = {
                let registry = lock(&inner.registry)?;
                if registry.clock_offset_ms(account)?.is_none() {
                    return Ok(None);
                }
                registry.queued_at(account, claim)?
            };
            let slot = inner.slot(account)?;
            let store = slot.lock()?;
            context_from_store(&store, claim, queued_at, now)
        })
    }

    fn decided_by(
        &self,
        account: Uuid,
        claim: ClaimId,
    ) -> StorageFuture<'_, Option<(String, Timestamp)>> {
        self.run(move |inner| lock(&inner.registry)?.decided_by(account, claim))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_reads_back_and_anything_else_is_refused() {
        let c = QueueCursor {
            queued_at: Timestamp::from_millis(1_700_000_000_123).unwrap(),
            account: Uuid::now_v7(),
            claim: Uuid::now_v7(),
        };
        assert_eq!(QueueCursor::decode(&c.encode()), Some(c), "round trip");
        for bad in [
            "",
            "1.2",
            "x.y.z",
            &format!("{}.extra", c.encode()),
            "1.00000000000000000000000000000000.zz",
        ] {
            assert_eq!(QueueCursor::decode(bad), None, "'{bad}' is not a cursor");
        }
    }

    #[test]
    fn a_session_ends_at_its_end_or_when_idle() {
        let t = |ms| Timestamp::from_millis(ms).unwrap();
        let s = SessionRow {
            hash: TokenHash([1; 32]),
            credential: TokenHash([2; 32]),
            actor: "a".into(),
            csrf_token: "c".into(),
            created_at: t(0),
            expires_at: t(10_000),
            last_seen_at: t(5_000),
        };
        let idle = TimeDelta::milliseconds(3_000);
        assert!(!s.ended(t(7_999), idle), "used 3 s ago minus 1 ms: on");
        assert!(s.ended(t(8_000), idle), "idle for 3 s: over");
        let busy = SessionRow {
            last_seen_at: t(9_999),
            ..s.clone()
        };
        assert!(busy.ended(t(10_000), idle), "past the absolute end: over");
        let long_idle = TimeDelta::minutes(30);
        let s = SessionRow {
            expires_at: t(10_000_000),
            ..s
        };
        assert_eq!(
            s.on_use(t(5_000 + SESSION_TOUCH_MS - 1), long_idle, true),
            SessionUse::Keep,
            "used within the last minute: nothing to write"
        );
        assert_eq!(
            s.on_use(t(5_000 + SESSION_TOUCH_MS), long_idle, true),
            SessionUse::Touch,
            "a minute since the last write: write the use"
        );
        assert_eq!(
            s.on_use(t(5_001), long_idle, false),
            SessionUse::End,
            "a revoked credential ends it at once"
        );
    }
}
