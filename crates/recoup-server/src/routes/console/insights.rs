//! The console's insights: what bad results say, per day and over a period, from the counters
//! the storage keeps (`storage::insights`).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use chrono::NaiveDate;
use recoup_api::ErrorCode;
use recoup_api::console::{
    INSIGHT_DAYS_MAX, InsightAccount, InsightCell, InsightCounts, InsightDay, InsightQuery,
    InsightReason, Insights,
};
use recoup_core::TimeDelta;
use recoup_core::policy::Safeguards;

use super::super::{AppResult, Shared};
use super::operator;
use crate::error::AppError;
use crate::storage::{AccountActivity, add_counts, day_of};

/// Accounts the insights list as closest to the safeguards.
const NEAR_LIMITS_MAX: usize = 20;

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// A `YYYY-MM-DD` day as days since 1970-01-01.
fn parse_day(field: &str, text: &str) -> AppResult<i64> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|d| d.signed_duration_since(epoch()).num_days())
        .map_err(|_| {
            AppError::api(
                ErrorCode::InvalidInput,
                format!("{field}: a day written YYYY-MM-DD, got {text:?}"),
            )
        })
}

/// Days since 1970-01-01 as `YYYY-MM-DD`.
fn day_text(day: i64) -> String {
    epoch()
        .checked_add_signed(chrono::TimeDelta::days(day))
        .map_or_else(|| day.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

/// The period a query asks for, checked: (from, to), both included.
fn period(q: &InsightQuery, today: i64) -> AppResult<(i64, i64)> {
    let to = q.to.as_deref().map_or(Ok(today), |t| parse_day("to", t))?;
    let from = q
        .from
        .as_deref()
        .map_or(Ok(to - 29), |f| parse_day("from", f))?;
    if from > to {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!(
                "from ({}) is after to ({}): the period is empty",
                day_text(from),
                day_text(to)
            ),
        ));
    }
    let days = to - from + 1;
    if days > i64::from(INSIGHT_DAYS_MAX) {
        return Err(AppError::api(
            ErrorCode::InvalidInput,
            format!("a period covers at most {INSIGHT_DAYS_MAX} days, this one {days}: narrow it"),
        ));
    }
    Ok((from, to))
}

/// A rate as a share of `of`, in percent, for ordering (0 when `of` is 0).
fn rate(part: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        part as f64 * 100.0 / of as f64
    }
}

/// How close an account is to the nearer safeguard limit, in percent.
pub(crate) fn closeness(a: &AccountActivity, s: &Safeguards) -> u32 {
    let by_count = if s.refunds_max == 0 {
        if a.refunds > 0 { 100 } else { 0 }
    } else {
        a.refunds.saturating_mul(100) / u64::from(s.refunds_max)
    };
    let by_share = if a.spent >= s.share_min_spent_credits
        && a.spent > 0
        && s.refunded_share_max_percent > 0
    {
        // refunded / spent against the maximum share, both in percent.
        a.refunded.saturating_mul(10_000) / a.spent / u64::from(s.refunded_share_max_percent)
    } else {
        0
    };
    u32::try_from(by_count.max(by_share)).unwrap_or(u32::MAX)
}

pub(super) async fn insights(
    State(state): Shared,
    headers: HeaderMap,
    query: Result<Query<InsightQuery>, QueryRejection>,
) -> AppResult<Json<Insights>> {
    operator(&state, &headers).await?;
    let Query(q) = query.map_err(|e| {
        AppError::api(
            ErrorCode::InvalidInput,
            format!("the insights' query string: {}", e.body_text()),
        )
    })?;
    let now = state.now();
    let (from, to) = period(&q, day_of(now))?;
    let rows = state.storage.insight_rows(from, to).await?;
    let safeguards = state.published()?.policy.safeguards();

    let len = usize::try_from(to - from + 1).unwrap_or(0);
    let mut days = vec![InsightCounts::default(); len];
    let mut totals = InsightCounts::default();
    let mut cells: std::collections::BTreeMap<_, InsightCounts> = std::collections::BTreeMap::new();
    for r in &rows {
        add_counts(cells.entry((r.feature, r.platform)).or_default(), &r.counts);
        let narrowed =
            q.feature.is_none_or(|f| f == r.feature) && q.platform.is_none_or(|p| p == r.platform);
        if !narrowed {
            continue;
        }
        if let Some(day) = usize::try_from(r.day - from)
            .ok()
            .and_then(|i| days.get_mut(i))
        {
            add_counts(day, &r.counts);
        }
        add_counts(&mut totals, &r.counts);
    }
    let mut cells: Vec<InsightCell> = cells
        .into_iter()
        .map(|((feature, platform), counts)| InsightCell {
            feature,
            platform,
            counts,
        })
        .collect();
    cells.sort_by(|a, b| {
        rate(b.counts.reports, b.counts.delivered)
            .total_cmp(&rate(a.counts.reports, a.counts.delivered))
            .then(b.counts.reports.cmp(&a.counts.reports))
    });

    let mut reasons: Vec<InsightReason> = state
        .storage
        .insight_reasons(from, to, q.feature, q.platform)
        .await?
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(reason, reports)| InsightReason { reason, reports })
        .collect();
    reasons.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.reason.cmp(&b.reason)));

    let window_start = now.saturating_sub(TimeDelta::seconds(
        i64::try_from(safeguards.window_secs).unwrap_or(i64::MAX),
    ));
    let mut near: Vec<InsightAccount> = state
        .storage
        .refunding_accounts(day_of(window_start))
        .await?
        .into_iter()
        .map(|a| InsightAccount {
            closeness_percent: closeness(&a, &safeguards),
            account_id: a.account,
            subject: a.subject,
            refunds: u32::try_from(a.refunds).unwrap_or(u32::MAX),
            refunded_credits: a.refunded,
            spent_credits: a.spent,
        })
        .collect();
    near.sort_by(|a, b| {
        b.closeness_percent
            .cmp(&a.closeness_percent)
            .then(a.account_id.cmp(&b.account_id))
    });
    near.truncate(NEAR_LIMITS_MAX);

    Ok(Json(Insights {
        from: day_text(from),
        to: day_text(to),
        days: days
            .into_iter()
            .enumerate()
            .map(|(i, counts)| InsightDay {
                day: day_text(from + i64::try_from(i).unwrap_or(0)),
                counts,
            })
            .collect(),
        totals,
        cells,
        reasons,
        near_limits: near,
        safeguards,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_day_reads_and_writes_back_and_bad_periods_are_named() {
        let d = parse_day("from", "2026-12-07").expect("a valid day");
        assert_eq!(day_text(d), "2026-12-07", "the day round-trips");
        assert_eq!(
            parse_day("from", "1970-01-02").ok(),
            Some(1),
            "day 1 is 1970-01-02"
        );
        for bad in ["2026-13-01", "07/12/2026", "", "2026-12-07T00:00"] {
            let e = parse_day("from", bad).expect_err("not a day");
            assert_eq!(
                e.0.code,
                ErrorCode::InvalidInput,
                "{bad:?} is invalid input"
            );
            assert!(
                e.0.message.starts_with("from:"),
                "the field is named: {}",
                e.0.message
            );
        }
        let q = |from: &str, to: &str| InsightQuery {
            from: Some(from.to_owned()),
            to: Some(to.to_owned()),
            ..InsightQuery::default()
        };
        assert!(
            period(&q("2026-12-08", "2026-12-07"), 0).is_err(),
            "from after to"
        );
        assert!(
            period(&q("2020-01-01", "2026-12-07"), 0).is_err(),
            "more than the maximum of days"
        );
        assert_eq!(
            period(&InsightQuery::default(), 100).ok(),
            Some((71, 100)),
            "the default is the 30 days ending today"
        );
    }

    #[test]
    fn closeness_is_the_nearer_limit() {
        let s = Safeguards {
            window_secs: 30 * 86_400,
            refunds_max: 10,
            refunded_share_max_percent: 20,
            share_min_spent_credits: 100,
        };
        let a = |refunds, refunded, spent| AccountActivity {
            account: Uuid::nil(),
            subject: None,
            refunds,
            refunded,
            spent,
        };
        assert_eq!(
            closeness(&a(5, 10, 1000), &s),
            50,
            "5 of 10 refunds; 1% of 20% share"
        );
        assert_eq!(
            closeness(&a(1, 40, 200), &s),
            100,
            "20% refunded of a 20% maximum"
        );
        assert_eq!(
            closeness(&a(2, 50, 90), &s),
            20,
            "the share does not count below 100 spent"
        );
        assert_eq!(
            closeness(&a(12, 0, 0), &s),
            120,
            "past the limit shows past 100"
        );
    }
}
