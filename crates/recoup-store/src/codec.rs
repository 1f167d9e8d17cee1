//! How domain values are stored: instants as integer milliseconds since the Unix epoch, ids as
//! their 16 big-endian bytes (UUIDv7 bytes sort by creation time), enums as their spelling.

use std::str::FromStr;

use recoup_core::Timestamp;
use rusqlite::Row;

use crate::error::{Result, StoreError};

pub(crate) fn ms(t: Timestamp) -> i64 {
    t.as_millis()
}

pub(crate) fn ts(ms: i64) -> Result<Timestamp> {
    Timestamp::from_millis(ms).map_err(StoreError::decode)
}

pub(crate) fn opt_ts(ms: Option<i64>) -> Result<Option<Timestamp>> {
    ms.map(ts).transpose()
}

pub(crate) fn id_bytes(row: &Row<'_>, idx: usize) -> rusqlite::Result<[u8; 16]> {
    let v: Vec<u8> = row.get(idx)?;
    v.as_slice().try_into().map_err(|_| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Blob,
            "stored id is not 16 bytes".into(),
        )
    })
}

/// An id read from a nullable BLOB column (already fetched as bytes).
pub(crate) fn bytes16(b: &[u8]) -> Result<[u8; 16]> {
    b.try_into()
        .map_err(|_| StoreError::decode("stored id is not 16 bytes"))
}

pub(crate) fn parse<T: FromStr>(s: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::decode(e))
}

/// Credits are u64 in the domain and INTEGER (i64) in SQLite; amounts are bounded far below
/// i64::MAX, so a failed conversion means a damaged database.
pub(crate) fn credits(v: i64) -> Result<u64> {
    u64::try_from(v).map_err(|_| StoreError::decode(format!("negative credit amount {v}")))
}

pub(crate) fn sql_credits(v: u64) -> Result<i64> {
    i64::try_from(v).map_err(|_| StoreError::InvalidInput {
        field: "credits",
        problem: format!("{v} is too large"),
    })
}
