//! The balance screen ([`App::overview`]) and the balance as events carry it
//! ([`balance_summary`]), with the UTC day and month arithmetic they share.

use chrono::{Datelike, NaiveTime};
use recoup_core::{TimeDelta, Timestamp};
use recoup_device::sentence;

use recoup_store::Store;

use super::App;
use crate::convert;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::views::{BalanceSummary, DayFlow, GrantView, Overview};

/// Days the balance chart shows.
const CHART_DAYS: i64 = 30;

impl App {
    /// The balance screen.
    pub fn overview(&self) -> AppResult<Overview> {
        let s = self.session()?;
        let store = s.store();
        let now = self.now(&store)?;
        let balance = store.balance(now)?;
        let today = day_start(now)?;
        let from = today
            .checked_sub(TimeDelta::hours(24 * (CHART_DAYS - 1)))
            .ok_or_else(out_of_range)?;
        let month = month_start(now)?;
        let earliest = from.min(month);
        let end = today
            .checked_add(TimeDelta::hours(24))
            .ok_or_else(out_of_range)?;
        let rows = store.daily_flows(earliest, end)?;
        let mut flows = Vec::with_capacity(CHART_DAYS as usize);
        for i in 0..CHART_DAYS {
            let day = from
                .checked_add(TimeDelta::hours(24 * i))
                .ok_or_else(out_of_range)?;
            let row = rows.iter().find(|r| r.day_start == day);
            flows.push(DayFlow {
                day: day_label(day),
                spent: row.map_or(0, |r| r.spent),
                refunded: row.map_or(0, |r| r.refunded),
            });
        }
        let this_month = rows.iter().filter(|r| r.day_start >= month);
        let (spent_this_month, refunded_this_month) = this_month
            .fold((0u64, 0u64), |(s, r), row| {
                (s.saturating_add(row.spent), r.saturating_add(row.refunded))
            });
        let mut grants: Vec<GrantView> = balance.grants.iter().map(convert::grant).collect();
        grants.sort_by_key(|g| (!g.live, g.expires_at.is_none(), g.expires_at.clone()));
        Ok(Overview {
            available: balance.totals.available,
            held: balance.totals.held,
            refunded_this_month,
            spent_this_month,
            grants,
            flows,
            as_of: convert::time(now),
        })
    }
}

fn day_start(t: Timestamp) -> AppResult<Timestamp> {
    let ms = t.as_millis();
    Timestamp::from_millis(ms - ms.rem_euclid(86_400_000)).map_err(time_error)
}

fn month_start(t: Timestamp) -> AppResult<Timestamp> {
    let first = t.date().with_day(1).ok_or_else(out_of_range)?;
    Timestamp::new(first.and_time(NaiveTime::MIN).and_utc()).map_err(time_error)
}

fn out_of_range() -> AppError {
    AppError::new(
        ErrorCode::Internal,
        sentence!(
            "error-chart-out-of-range",
            "a day of the balance chart is outside the years 0000 to 9999"
        ),
    )
}

/// A bound of the balance chart that is not an instant (a bug): the time library's words.
fn time_error(e: recoup_core::TimeError) -> AppError {
    AppError::new(
        ErrorCode::Internal,
        sentence!("error-time", "{detail}", detail = e.to_string()),
    )
}

/// `2026-11-25`: the UTC day.
fn day_label(t: Timestamp) -> String {
    t.date().format("%Y-%m-%d").to_string()
}

/// The balance as events carry it.
pub fn balance_summary(store: &Store, now: Timestamp) -> AppResult<BalanceSummary> {
    let b = store.balance(now)?;
    let month = month_start(now)?;
    let refunded_this_month = store
        .daily_flows(month, now.checked_add(TimeDelta::hours(24)).unwrap_or(now))?
        .iter()
        .map(|r| r.refunded)
        .sum();
    Ok(BalanceSummary {
        available: b.totals.available,
        held: b.totals.held,
        refunded_this_month,
    })
}
