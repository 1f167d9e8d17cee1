//! What bad results say (a part of [`super::Storage`]): counters per UTC day, feature and
//! platform (generations delivered and failed, reports and their reasons, how they were
//! decided, credits refunded), and each account's refunds and spending per day for the
//! safeguards. A year of them is at most 365 × 54 rows, so the console's insights read in
//! milliseconds whatever the number of generations behind them (docs/benchmarks.md, section 8).
//!
//! What counts, on which day (the account's clock, as every time in the ledger), the same on
//! both engines (PostgreSQL keeps them with triggers, migration 7):
//! - delivered / failed: a generation leaving `running`, on the day it finished (a hold that
//!   expired is not a failure the generation service reported and is not counted);
//! - reports (with their reasons) and `sent_to_review`: a claim the endpoint recorded, on the
//!   day the user made it;
//! - `refunded_auto` / `refused_auto`: a claim decided when it was recorded, on that day;
//! - `refunded_reviewed` / `refused_reviewed`: a person's decision, on its day;
//! - `refunded_credits`: with the refund, on its day.
//!
//! The SQLite engine keeps them in the registry, written after the account's own commit (the
//! two are different files), and rebuilds them from every account's ledger at each start
//! (`requeue_reviews` in `sqlite`): an endpoint stopped between the two commits counts right again from its next
//! start.

use recoup_api::console::InsightCounts;
use recoup_core::{ClaimReason, Feature, GenerationStatus, Platform, Timestamp};
use recoup_store::{
    CLAIM_PAGE_MAX, ClaimOutcome, ClaimQuery, ClaimRecord, GenerationRecord, HISTORY_PAGE_MAX,
    HistoryFilter, HistoryQuery, Store,
};
use rusqlite::params;
use uuid::Uuid;

use super::StorageFuture;
use super::console::{non_negative, spelled};
use super::registry::{Registry, uuid_from};
use super::sqlite::SqliteStorage;
use crate::error::{AppError, lock};

/// Registry migration 9: the insight counters.
pub(super) const V9_INSIGHTS: &str = r#"
CREATE TABLE insight_days (
    day               INTEGER NOT NULL,
    feature           TEXT    NOT NULL,
    platform          TEXT    NOT NULL,
    delivered         INTEGER NOT NULL DEFAULT 0,
    failed            INTEGER NOT NULL DEFAULT 0,
    reports           INTEGER NOT NULL DEFAULT 0,
    refunded_auto     INTEGER NOT NULL DEFAULT 0,
    refused_auto      INTEGER NOT NULL DEFAULT 0,
    sent_to_review    INTEGER NOT NULL DEFAULT 0,
    refunded_reviewed INTEGER NOT NULL DEFAULT 0,
    refused_reviewed  INTEGER NOT NULL DEFAULT 0,
    refunded_credits  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, feature, platform)
) WITHOUT ROWID;
CREATE TABLE insight_reasons (
    day      INTEGER NOT NULL,
    feature  TEXT    NOT NULL,
    platform TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    reports  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, feature, platform, reason)
) WITHOUT ROWID;
CREATE TABLE insight_accounts (
    account_id BLOB    NOT NULL,
    day        INTEGER NOT NULL,
    spent      INTEGER NOT NULL DEFAULT 0,
    refunded   INTEGER NOT NULL DEFAULT 0,
    refunds    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (account_id, day)
) WITHOUT ROWID;
CREATE INDEX insight_accounts_refunds ON insight_accounts (day) WHERE refunds > 0;
"#;

/// Milliseconds in a day.
pub(crate) const DAY_MS: i64 = 86_400_000;

/// The UTC day of a time (days since 1970-01-01).
pub(crate) fn day_of(at: Timestamp) -> i64 {
    at.as_millis().div_euclid(DAY_MS)
}

/// What one change adds to the counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsightDelta {
    pub(crate) account: Uuid,
    /// The day of `counts`, `refunds` and `refunded` (see the module's rules).
    pub(crate) day: i64,
    pub(crate) feature: Feature,
    pub(crate) platform: Platform,
    pub(crate) counts: InsightCounts,
    /// A report with this reason, on `reason_day`.
    pub(crate) reason: Option<(ClaimReason, i64)>,
    /// Credits the account spent (a delivered generation's charge).
    pub(crate) spent: u64,
    /// Refunds granted and their credits.
    pub(crate) refunds: u64,
    pub(crate) refunded: u64,
}

impl InsightDelta {
    fn of(account: Uuid, day: i64, generation: &GenerationRecord) -> Self {
        Self {
            account,
            day,
            feature: generation.feature,
            platform: generation.platform,
            counts: InsightCounts::default(),
            reason: None,
            spent: 0,
            refunds: 0,
            refunded: 0,
        }
    }

    /// A generation that left `running` (`None` for one whose hold expired).
    pub(crate) fn finished(account: Uuid, g: &GenerationRecord) -> Option<Self> {
        if g.failure.as_deref() == Some("hold_expired") {
            return None;
        }
        let mut d = Self::of(account, day_of(g.finished_at.unwrap_or(g.started_at)), g);
        match g.status {
            GenerationStatus::Succeeded => {
                d.counts.delivered = 1;
                d.spent = g.charged;
            }
            GenerationStatus::Failed => d.counts.failed = 1,
            GenerationStatus::Running => return None,
        }
        Some(d)
    }

    /// A claim the endpoint recorded (decided, or sent to review): one or two deltas (the
    /// report on the user's day, the decision on its own).
    pub(crate) fn recorded(account: Uuid, c: &ClaimRecord, g: &GenerationRecord) -> Vec<Self> {
        let day = day_of(c.submitted_at);
        let mut report = Self::of(account, day, g);
        report.counts.reports = 1;
        report.reason = Some((c.reason, day));
        let credits = c.refunded_credits.unwrap_or(0);
        let decided_day = c.decided_at.map_or(day, day_of);
        let mut decision = Self::of(account, decided_day, g);
        match c.outcome {
            Some(ClaimOutcome::InReview) => report.counts.sent_to_review = 1,
            Some(ClaimOutcome::Refunded) => {
                decision.counts.refunded_auto = 1;
                decision.counts.refunded_credits = credits;
                decision.refunds = 1;
                decision.refunded = credits;
            }
            Some(ClaimOutcome::NotRefunded) => decision.counts.refused_auto = 1,
            None => return Vec::new(),
        }
        if decision.day == report.day {
            report.merge(&decision);
            vec![report]
        } else {
            vec![report, decision]
        }
    }

    /// A person's decision on a claim in review.
    pub(crate) fn reviewed(account: Uuid, c: &ClaimRecord, g: &GenerationRecord) -> Self {
        let mut d = Self::of(account, c.decided_at.map_or(0, day_of), g);
        if c.outcome == Some(ClaimOutcome::Refunded) {
            let credits = c.refunded_credits.unwrap_or(0);
            d.counts.refunded_reviewed = 1;
            d.counts.refunded_credits = credits;
            d.refunds = 1;
            d.refunded = credits;
        } else {
            d.counts.refused_reviewed = 1;
        }
        d
    }

    fn merge(&mut self, o: &Self) {
        add_counts(&mut self.counts, &o.counts);
        self.spent += o.spent;
        self.refunds += o.refunds;
        self.refunded += o.refunded;
    }
}

/// `into += more`, field by field.
pub(crate) fn add_counts(into: &mut InsightCounts, more: &InsightCounts) {
    into.delivered += more.delivered;
    into.failed += more.failed;
    into.reports += more.reports;
    into.refunded_auto += more.refunded_auto;
    into.refused_auto += more.refused_auto;
    into.sent_to_review += more.sent_to_review;
    into.refunded_reviewed += more.refunded_reviewed;
    into.refused_reviewed += more.refused_reviewed;
    into.refunded_credits += more.refunded_credits;
}

/// One day of one feature on one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InsightRow {
    pub(crate) day: i64,
    pub(crate) feature: Feature,
    pub(crate) platform: Platform,
    pub(crate) counts: InsightCounts,
}

/// An account's refunds and spending over a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountActivity {
    pub(crate) account: Uuid,
    pub(crate) subject: Option<String>,
    pub(crate) refunds: u64,
    pub(crate) refunded: u64,
    pub(crate) spent: u64,
}

/// Storage operations of the console's insights.
pub(crate) trait Insights: Send + Sync {
    /// Every counter row of the days `from..=to`.
    fn insight_rows(&self, from: i64, to: i64) -> StorageFuture<'_, Vec<InsightRow>>;

    /// Reports per reason over `from..=to`, narrowed to a feature and a platform.
    fn insight_reasons(
        &self,
        from: i64,
        to: i64,
        feature: Option<Feature>,
        platform: Option<Platform>,
    ) -> StorageFuture<'_, Vec<(ClaimReason, u64)>>;

    /// Every account with a refund on a day from `from` on, with its refunds, refunded and
    /// spent credits over those days.
    fn refunding_accounts(&self, from: i64) -> StorageFuture<'_, Vec<AccountActivity>>;
}

const COUNT_COLUMNS: &str = "delivered, failed, reports, refunded_auto, refused_auto, \
    sent_to_review, refunded_reviewed, refused_reviewed, refunded_credits";

/// The nine counters read from `row` starting at column `at`.
fn counts_at(row: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<[i64; 9]> {
    let mut out = [0i64; 9];
    for (i, v) in out.iter_mut().enumerate() {
        *v = row.get(at + i)?;
    }
    Ok(out)
}

/// Stored counters, checked.
pub(crate) fn counts_from(v: [i64; 9]) -> Result<InsightCounts, AppError> {
    Ok(InsightCounts {
        delivered: non_negative(v[0])?,
        failed: non_negative(v[1])?,
        reports: non_negative(v[2])?,
        refunded_auto: non_negative(v[3])?,
        refused_auto: non_negative(v[4])?,
        sent_to_review: non_negative(v[5])?,
        refunded_reviewed: non_negative(v[6])?,
        refused_reviewed: non_negative(v[7])?,
        refunded_credits: non_negative(v[8])?,
    })
}

/// A count as SQLite stores it.
fn sql(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The parameters of an `insight_days` row: its key, then its counters in [`COUNT_COLUMNS`]
/// order.
fn day_row(
    day: i64,
    f: Feature,
    p: Platform,
    c: &InsightCounts,
) -> rusqlite::ParamsFromIter<Vec<rusqlite::types::Value>> {
    use rusqlite::types::Value;
    let mut v = vec![
        Value::Integer(day),
        Value::Text(f.as_str().to_owned()),
        Value::Text(p.as_str().to_owned()),
    ];
    v.extend(
        [
            c.delivered,
            c.failed,
            c.reports,
            c.refunded_auto,
            c.refused_auto,
            c.sent_to_review,
            c.refunded_reviewed,
            c.refused_reviewed,
            c.refunded_credits,
        ]
        .map(|n| Value::Integer(sql(n))),
    );
    rusqlite::params_from_iter(v)
}

impl Registry {
    /// Adds deltas to the counters, in one transaction.
    pub(crate) fn add_insights(&self, deltas: &[InsightDelta]) -> Result<(), AppError> {
        if deltas.is_empty() {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        for d in deltas {
            let c = &d.counts;
            tx.prepare_cached(
                "INSERT INTO insight_days (day, feature, platform, delivered, failed, reports,
                     refunded_auto, refused_auto, sent_to_review, refunded_reviewed,
                     refused_reviewed, refunded_credits)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT (day, feature, platform) DO UPDATE SET
                     delivered = delivered + excluded.delivered,
                     failed = failed + excluded.failed,
                     reports = reports + excluded.reports,
                     refunded_auto = refunded_auto + excluded.refunded_auto,
                     refused_auto = refused_auto + excluded.refused_auto,
                     sent_to_review = sent_to_review + excluded.sent_to_review,
                     refunded_reviewed = refunded_reviewed + excluded.refunded_reviewed,
                     refused_reviewed = refused_reviewed + excluded.refused_reviewed,
                     refunded_credits = refunded_credits + excluded.refunded_credits",
            )?
            .execute(day_row(d.day, d.feature, d.platform, c))?;
            if let Some((reason, day)) = d.reason {
                tx.prepare_cached(
                    "INSERT INTO insight_reasons (day, feature, platform, reason, reports)
                     VALUES (?1, ?2, ?3, ?4, 1)
                     ON CONFLICT (day, feature, platform, reason) DO UPDATE SET reports = reports + 1",
                )?
                .execute(params![
                    day,
                    d.feature.as_str(),
                    d.platform.as_str(),
                    reason.as_str()
                ])?;
            }
            if d.spent > 0 || d.refunds > 0 {
                tx.prepare_cached(
                    "INSERT INTO insight_accounts (account_id, day, spent, refunded, refunds)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (account_id, day) DO UPDATE SET
                         spent = spent + excluded.spent,
                         refunded = refunded + excluded.refunded,
                         refunds = refunds + excluded.refunds",
                )?
                .execute(params![
                    d.account.as_bytes(),
                    d.day,
                    sql(d.spent),
                    sql(d.refunded),
                    sql(d.refunds)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn insight_rows(&self, from: i64, to: i64) -> Result<Vec<InsightRow>, AppError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT day, feature, platform, {COUNT_COLUMNS} FROM insight_days
             WHERE day BETWEEN ?1 AND ?2 ORDER BY day"
        ))?;
        let rows = stmt
            .query_map(params![from, to], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    counts_at(r, 3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(day, f, p, c)| {
                Ok(InsightRow {
                    day,
                    feature: spelled(&f)?,
                    platform: spelled(&p)?,
                    counts: counts_from(c)?,
                })
            })
            .collect()
    }

    fn insight_reasons(
        &self,
        from: i64,
        to: i64,
        feature: Option<Feature>,
        platform: Option<Platform>,
    ) -> Result<Vec<(ClaimReason, u64)>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT reason, sum(reports) FROM insight_reasons
             WHERE day BETWEEN ?1 AND ?2 AND (?3 IS NULL OR feature = ?3)
                 AND (?4 IS NULL OR platform = ?4)
             GROUP BY reason",
        )?;
        let rows = stmt
            .query_map(
                params![
                    from,
                    to,
                    feature.map(Feature::as_str),
                    platform.map(Platform::as_str)
                ],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
            )?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(reason, n)| Ok((spelled(&reason)?, non_negative(n)?)))
            .collect()
    }

    fn refunding_accounts(&self, from: i64) -> Result<Vec<AccountActivity>, AppError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.account_id, a.subject, sum(i.refunds), sum(i.refunded), sum(i.spent)
             FROM insight_accounts i
             LEFT JOIN accounts a ON a.account_id = i.account_id
             WHERE i.day >= ?1 AND i.account_id IN
                 (SELECT account_id FROM insight_accounts WHERE day >= ?1 AND refunds > 0)
             GROUP BY i.account_id",
        )?;
        let rows = stmt
            .query_map([from], |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(id, subject, refunds, refunded, spent)| {
                Ok(AccountActivity {
                    account: uuid_from(&id)?,
                    subject,
                    refunds: non_negative(refunds)?,
                    refunded: non_negative(refunded)?,
                    spent: non_negative(spent)?,
                })
            })
            .collect()
    }
}

/// Adds deltas to the registry's counters after the account's own commit: that commit stands
/// whatever happens here, so a failure is logged (the next start rebuilds the counters).
pub(crate) fn count(registry: &std::sync::Mutex<Registry>, deltas: &[InsightDelta]) {
    if deltas.is_empty() {
        return;
    }
    let added = lock(registry).and_then(|r| r.add_insights(deltas));
    if let Err(e) = added {
        tracing::error!(error = %e.0.message, "insight counters not updated; they are rebuilt at the next start");
    }
}

/// Every delta an account's ledger holds, counted by the module's rules; `reviewed` tells the
/// claims a person decided (from the audit log).
pub(crate) fn deltas_of_store(
    account: Uuid,
    store: &Store,
    reviewed: &std::collections::HashSet<Uuid>,
) -> Result<Vec<InsightDelta>, AppError> {
    let mut out = Vec::new();
    let mut generations = std::collections::HashMap::new();
    let mut before = None;
    loop {
        let page = store.history(&HistoryQuery {
            filter: HistoryFilter::default(),
            before,
            limit: HISTORY_PAGE_MAX,
        })?;
        for g in page.items {
            if let Some(d) = InsightDelta::finished(account, &g) {
                out.push(d);
            }
            generations.insert(g.generation_id, g);
        }
        match page.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    let mut before = None;
    loop {
        let claims = store.claims(&ClaimQuery {
            sync_state: None,
            before,
            limit: CLAIM_PAGE_MAX,
        })?;
        let Some(last) = claims.last().map(|c| c.claim_id) else {
            break;
        };
        for c in &claims {
            let Some(g) = generations.get(&c.generation_id) else {
                continue;
            };
            if reviewed.contains(&c.claim_id.0) && c.outcome != Some(ClaimOutcome::InReview) {
                let mut queued = c.clone();
                queued.outcome = Some(ClaimOutcome::InReview);
                out.extend(InsightDelta::recorded(account, &queued, g));
                out.push(InsightDelta::reviewed(account, c, g));
            } else {
                out.extend(InsightDelta::recorded(account, c, g));
            }
        }
        if claims.len() < CLAIM_PAGE_MAX as usize {
            break;
        }
        before = Some(last);
    }
    Ok(out)
}

impl Insights for SqliteStorage {
    fn insight_rows(&self, from: i64, to: i64) -> StorageFuture<'_, Vec<InsightRow>> {
        self.run(move |inner| lock(&inner.registry)?.insight_rows(from, to))
    }

    fn insight_reasons(
        &self,
        from: i64,
        to: i64,
        feature: Option<Feature>,
        platform: Option<Platform>,
    ) -> StorageFuture<'_, Vec<(ClaimReason, u64)>> {
        self.run(move |inner| lock(&inner.registry)?.insight_reasons(from, to, feature, platform))
    }

    fn refunding_accounts(&self, from: i64) -> StorageFuture<'_, Vec<AccountActivity>> {
        self.run(move |inner| lock(&inner.registry)?.refunding_accounts(from))
    }
}

/// Counters summed in memory (the rebuild's).
#[derive(Debug, Default)]
pub(crate) struct Tally {
    days: std::collections::HashMap<(i64, Feature, Platform), InsightCounts>,
    reasons: std::collections::HashMap<(i64, Feature, Platform, ClaimReason), u64>,
    accounts: std::collections::HashMap<(Uuid, i64), [u64; 3]>,
}

impl Tally {
    pub(crate) fn add(&mut self, d: &InsightDelta) {
        add_counts(
            self.days.entry((d.day, d.feature, d.platform)).or_default(),
            &d.counts,
        );
        if let Some((reason, day)) = d.reason {
            *self
                .reasons
                .entry((day, d.feature, d.platform, reason))
                .or_default() += 1;
        }
        if d.spent > 0 || d.refunds > 0 {
            let a = self.accounts.entry((d.account, d.day)).or_default();
            a[0] += d.spent;
            a[1] += d.refunded;
            a[2] += d.refunds;
        }
    }
}

impl Registry {
    /// Replaces every counter with `tally`, in one transaction.
    pub(crate) fn replace_insights(&self, tally: &Tally) -> Result<(), AppError> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute_batch(
            "DELETE FROM insight_days; DELETE FROM insight_reasons; DELETE FROM insight_accounts;",
        )?;
        {
            let mut days = tx.prepare(&format!(
                "INSERT INTO insight_days (day, feature, platform, {COUNT_COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
            ))?;
            for ((day, f, p), c) in &tally.days {
                days.execute(day_row(*day, *f, *p, c))?;
            }
            let mut reasons = tx.prepare(
                "INSERT INTO insight_reasons (day, feature, platform, reason, reports)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for ((day, f, p, r), n) in &tally.reasons {
                reasons.execute(params![day, f.as_str(), p.as_str(), r.as_str(), sql(*n)])?;
            }
            let mut accounts = tx.prepare(
                "INSERT INTO insight_accounts (account_id, day, spent, refunded, refunds)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for ((account, day), [spent, refunded, refunds]) in &tally.accounts {
                accounts.execute(params![
                    account.as_bytes(),
                    day,
                    sql(*spent),
                    sql(*refunded),
                    sql(*refunds)
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The claims a person decided (`review.decide` in the audit log).
    pub(crate) fn reviewed_claims(&self) -> Result<std::collections::HashSet<Uuid>, AppError> {
        let mut stmt = self
            .conn
            .prepare("SELECT target FROM audit WHERE action = 'review.decide'")?;
        let targets = stmt
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(targets
            .iter()
            .filter_map(|t| t.split_once('/'))
            .filter_map(|(_, claim)| claim.parse().ok())
            .collect())
    }
}

/// Runs a write that may finish a generation (`f`, with the account's store), then counts the
/// generation if this write took it out of `running`. Blocking.
pub(crate) fn finishing(
    inner: &super::sqlite::Inner,
    account: Uuid,
    generation: recoup_core::GenerationId,
    f: impl FnOnce(&mut Store) -> super::Ledger<GenerationRecord>,
) -> Result<super::Ledger<GenerationRecord>, AppError> {
    let (out, delta) = inner.write(account, |s| {
        let before = s.generation(generation).ok().map(|g| g.status);
        let out = f(s);
        let delta = match (&out, before) {
            (Ok(g), Some(GenerationStatus::Running)) => InsightDelta::finished(account, g),
            _ => None,
        };
        Ok((out, delta))
    })?;
    count(&inner.registry, delta.as_slice());
    Ok(out)
}
