//! How domain values are stored, the same numbers as the SQLite store's: instants as Unix
//! milliseconds UTC, credits as non-negative `bigint`, enums as their spelling.

use std::str::FromStr;

use recoup_core::Timestamp;
use recoup_store::StoreError;

use super::{LedgerFailure, Outcome, decode};

/// An instant as stored.
pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millis()
}

/// A stored instant.
pub(crate) fn ts(ms: i64) -> Outcome<Timestamp> {
    Timestamp::from_millis(ms).map_err(decode)
}

/// A stored optional instant.
pub(crate) fn opt_ts(ms: Option<i64>) -> Outcome<Option<Timestamp>> {
    ms.map(ts).transpose()
}

/// A stored enum.
pub(crate) fn parse<T: FromStr>(s: &str) -> Outcome<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| decode(e))
}

/// Stored credits (never negative: the checks of the schema refuse it).
pub(crate) fn credits(v: i64) -> Outcome<u64> {
    u64::try_from(v).map_err(|_| decode(format!("negative credit amount {v}")))
}

/// Credits as stored; an amount past `bigint` is refused as input.
pub(crate) fn sql_credits(v: u64) -> Outcome<i64> {
    i64::try_from(v).map_err(|_| {
        LedgerFailure::Refused(StoreError::InvalidInput {
            field: "credits",
            problem: format!("{v} is too large"),
        })
    })
}
