//! Time: one instant type for all of Recoup, [`Timestamp`], a UTC instant held as chrono's
//! `DateTime<Utc>`, and chrono's [`TimeDelta`] for spans of time.
//!
//! `Timestamp` is a newtype rather than `DateTime<Utc>` itself so that the one text form every
//! boundary uses is written once, here: RFC 3339 in UTC with a `Z`, the fraction of a second
//! printed only when it is not zero and with no trailing zeros (`2026-11-25T10:00:00Z`,
//! `2026-11-25T10:00:00.12Z`, `2026-11-25T10:00:00.123Z`). `Display`, `Serialize`, the UI's
//! views and the CLI all print it; `FromStr` and `Deserialize` read any RFC 3339 instant (any
//! offset, which is converted to UTC) and refuse anything else with a typed [`TimeError`].
//! Stores keep instants as integer Unix milliseconds ([`Timestamp::as_millis`],
//! [`Timestamp::from_millis`]).
//!
//! The range is the one RFC 3339 can write, years 0000 to 9999 ([`Timestamp::MIN`],
//! [`Timestamp::MAX`]); arithmetic that would leave it is checked ([`Timestamp::checked_add`])
//! or saturates ([`Timestamp::saturating_add`]).

use std::fmt;
use std::ops::{Add, Sub};
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use chrono::TimeDelta;

/// `secs` seconds, pinned to [`TimeDelta::MIN`] or [`TimeDelta::MAX`] beyond them (chrono's
/// `TimeDelta::seconds` panics there): for counts that come from outside (an offset setting).
pub fn saturating_seconds(secs: i64) -> TimeDelta {
    TimeDelta::try_seconds(secs).unwrap_or(if secs < 0 {
        TimeDelta::MIN
    } else {
        TimeDelta::MAX
    })
}

/// `ms` milliseconds, pinned to [`TimeDelta::MIN`] or [`TimeDelta::MAX`] beyond them.
pub fn saturating_millis(ms: i64) -> TimeDelta {
    TimeDelta::try_milliseconds(ms).unwrap_or(if ms < 0 {
        TimeDelta::MIN
    } else {
        TimeDelta::MAX
    })
}

/// A time could not be read or is outside the range of [`Timestamp`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// The text is not an RFC 3339 instant.
    #[error("'{input}' is not an RFC 3339 time such as 2026-11-25T10:00:00Z ({reason})")]
    Parse {
        /// What was given.
        input: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The instant is before year 0000 or after year 9999.
    #[error("{0} is outside the years 0000 to 9999")]
    OutOfRange(String),
}

/// An instant in UTC, to the nanosecond (stores keep milliseconds). See the [module](self).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

const fn utc(date: Option<NaiveDate>, time: Option<NaiveTime>) -> DateTime<Utc> {
    match (date, time) {
        (Some(d), Some(t)) => NaiveDateTime::new(d, t).and_utc(),
        // The constants below are valid dates and times: this arm is never taken.
        _ => DateTime::<Utc>::MIN_UTC,
    }
}

impl Timestamp {
    /// The first instant: 0000-01-01T00:00:00Z.
    pub const MIN: Timestamp = Timestamp(utc(
        NaiveDate::from_ymd_opt(0, 1, 1),
        NaiveTime::from_hms_opt(0, 0, 0),
    ));
    /// The last instant: 9999-12-31T23:59:59.999999999Z.
    pub const MAX: Timestamp = Timestamp(utc(
        NaiveDate::from_ymd_opt(9999, 12, 31),
        NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999),
    ));
    /// 1970-01-01T00:00:00Z.
    pub const UNIX_EPOCH: Timestamp = Timestamp(DateTime::<Utc>::UNIX_EPOCH);

    /// The operating system's clock now. Only [`crate::SystemClock`] and code outside the domain
    /// (file names, test set-ups) read it: the domain takes a [`crate::Clock`].
    pub fn now() -> Timestamp {
        // The system clock is inside the years 0000 to 9999 on any machine that runs Recoup.
        Timestamp::clamped(Utc::now())
    }

    /// `t`, if it is within the range.
    pub fn new(t: DateTime<Utc>) -> Result<Timestamp, TimeError> {
        if (Self::MIN.0..=Self::MAX.0).contains(&t) {
            Ok(Timestamp(normalise_leap_second(t)))
        } else {
            Err(TimeError::OutOfRange(format!("{t:?}")))
        }
    }

    fn clamped(t: DateTime<Utc>) -> Timestamp {
        Timestamp(normalise_leap_second(t.clamp(Self::MIN.0, Self::MAX.0)))
    }

    /// The instant `ms` milliseconds after the Unix epoch (before it if negative), as stored.
    pub fn from_millis(ms: i64) -> Result<Timestamp, TimeError> {
        DateTime::<Utc>::from_timestamp_millis(ms)
            .ok_or_else(|| TimeError::OutOfRange(format!("{ms} ms after 1970")))
            .and_then(Timestamp::new)
    }

    /// Whole milliseconds since the Unix epoch (the fraction dropped, towards zero), as stored.
    pub fn as_millis(self) -> i64 {
        let (secs, nanos) = self.towards_zero();
        secs * 1_000 + nanos / 1_000_000
    }

    /// Whole seconds since the Unix epoch (the fraction dropped, towards zero), as in a JWT's
    /// `exp`.
    pub fn as_secs(self) -> i64 {
        self.towards_zero().0
    }

    /// Seconds and nanoseconds since the Unix epoch, both with the instant's sign (chrono counts
    /// the nanoseconds forward from the second below, even before 1970).
    fn towards_zero(self) -> (i64, i64) {
        let (secs, nanos) = (
            self.0.timestamp(),
            i64::from(self.0.timestamp_subsec_nanos()),
        );
        if secs < 0 && nanos > 0 {
            (secs + 1, nanos - 1_000_000_000)
        } else {
            (secs, nanos)
        }
    }

    /// The same instant as chrono's type.
    pub const fn as_datetime(self) -> DateTime<Utc> {
        self.0
    }

    /// `self + d`, or `None` if that leaves the range.
    pub fn checked_add(self, d: TimeDelta) -> Option<Timestamp> {
        self.0
            .checked_add_signed(d)
            .and_then(|t| Timestamp::new(t).ok())
    }

    /// `self - d`, or `None` if that leaves the range.
    pub fn checked_sub(self, d: TimeDelta) -> Option<Timestamp> {
        self.0
            .checked_sub_signed(d)
            .and_then(|t| Timestamp::new(t).ok())
    }

    /// `self + d`, pinned to [`Timestamp::MIN`] or [`Timestamp::MAX`] if that leaves the range.
    pub fn saturating_add(self, d: TimeDelta) -> Timestamp {
        self.checked_add(d).unwrap_or(if d < TimeDelta::zero() {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
    }

    /// `self - d`, pinned to [`Timestamp::MIN`] or [`Timestamp::MAX`] if that leaves the range.
    pub fn saturating_sub(self, d: TimeDelta) -> Timestamp {
        self.checked_sub(d).unwrap_or(if d < TimeDelta::zero() {
            Timestamp::MAX
        } else {
            Timestamp::MIN
        })
    }

    /// The time from `earlier` to `self` (negative if `earlier` is later).
    pub fn duration_since(self, earlier: Timestamp) -> TimeDelta {
        self.0.signed_duration_since(earlier.0)
    }

    /// The time from `self` to `later` (negative if `later` is earlier).
    pub fn duration_until(self, later: Timestamp) -> TimeDelta {
        later.duration_since(self)
    }

    /// Formats with chrono's `strftime` specifiers (`%Y-%m-%d %H:%M:%S`), in UTC.
    pub fn format<'a>(
        self,
        fmt: &'a str,
    ) -> chrono::format::DelayedFormat<chrono::format::StrftimeItems<'a>> {
        self.0.format(fmt)
    }

    /// The calendar date in UTC.
    pub fn date(self) -> NaiveDate {
        self.0.date_naive()
    }
}

/// chrono writes a leap second as second 59 with more than 10⁹ nanoseconds; RFC 3339 text and
/// the stores have no leap seconds: such an instant counts as the last nanosecond of second 59.
fn normalise_leap_second(t: DateTime<Utc>) -> DateTime<Utc> {
    if t.nanosecond() < 1_000_000_000 {
        return t;
    }
    t.with_nanosecond(999_999_999).unwrap_or(t)
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.0
    }
}

impl TryFrom<DateTime<Utc>> for Timestamp {
    type Error = TimeError;

    fn try_from(t: DateTime<Utc>) -> Result<Self, TimeError> {
        Timestamp::new(t)
    }
}

/// `t + d`. Panics if the result leaves the range, as integer overflow does: use
/// [`Timestamp::checked_add`] on values that come from outside.
impl Add<TimeDelta> for Timestamp {
    type Output = Timestamp;

    #[allow(clippy::expect_used)]
    fn add(self, d: TimeDelta) -> Timestamp {
        self.checked_add(d)
            .expect("Timestamp + TimeDelta left the years 0000 to 9999")
    }
}

/// `t - d`. Panics if the result leaves the range: use [`Timestamp::checked_sub`] on values
/// that come from outside.
impl Sub<TimeDelta> for Timestamp {
    type Output = Timestamp;

    #[allow(clippy::expect_used)]
    fn sub(self, d: TimeDelta) -> Timestamp {
        self.checked_sub(d)
            .expect("Timestamp - TimeDelta left the years 0000 to 9999")
    }
}

/// `a - b`: the time from `b` to `a`.
impl Sub for Timestamp {
    type Output = TimeDelta;

    fn sub(self, earlier: Timestamp) -> TimeDelta {
        self.duration_since(earlier)
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in UTC: `2026-11-25T10:00:00Z`, `2026-11-25T10:00:00.12Z`; the fraction only
    /// when it is not zero, without trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.0;
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )?;
        let nanos = t.nanosecond();
        if nanos != 0 {
            let digits = format!("{nanos:09}");
            write!(f, ".{}", digits.trim_end_matches('0'))?;
        }
        f.write_str("Z")
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Timestamp {
    type Err = TimeError;

    /// Any RFC 3339 instant (`2026-11-25T10:00:00Z`, `2026-11-25T11:00:00.5+01:00`), in UTC.
    fn from_str(s: &str) -> Result<Self, TimeError> {
        let t = DateTime::parse_from_rfc3339(s).map_err(|e| TimeError::Parse {
            input: s.to_owned(),
            reason: e.to_string(),
        })?;
        Timestamp::new(t.with_timezone(&Utc))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;

        impl serde::de::Visitor<'_> for Visitor {
            type Value = Timestamp;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 time such as 2026-11-25T10:00:00Z")
            }

            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                s.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn t(s: &str) -> Timestamp {
        s.parse().expect("a valid time")
    }

    #[test]
    fn prints_rfc3339_utc_with_the_fraction_only_as_needed() {
        for (given, printed) in [
            ("2026-11-25T10:00:00Z", "2026-11-25T10:00:00Z"),
            ("2026-11-25T10:00:00.000Z", "2026-11-25T10:00:00Z"),
            ("2026-11-25T10:00:00.120Z", "2026-11-25T10:00:00.12Z"),
            ("2026-11-25T10:00:00.123Z", "2026-11-25T10:00:00.123Z"),
            (
                "2026-11-25T10:00:00.123456789Z",
                "2026-11-25T10:00:00.123456789Z",
            ),
            ("2026-11-25T11:30:00.5+01:30", "2026-11-25T10:00:00.5Z"),
            ("0000-01-01T00:00:00Z", "0000-01-01T00:00:00Z"),
        ] {
            assert_eq!(
                t(given).to_string(),
                printed,
                "{given} prints in UTC, as before"
            );
            assert_eq!(
                serde_json::to_string(&t(given)).expect("serialise"),
                format!("\"{printed}\""),
                "{given} serialises as it prints"
            );
        }
        assert_eq!(Timestamp::MAX.to_string(), "9999-12-31T23:59:59.999999999Z");
        assert_eq!(Timestamp::MIN.to_string(), "0000-01-01T00:00:00Z");
    }

    #[test]
    fn bad_text_and_out_of_range_times_are_typed_errors() {
        for bad in [
            "",
            "yesterday",
            "2026-11-25",
            "2026-11-25T10:00:00",
            "2026-13-01T00:00:00Z",
            "2026-11-25T10:00:00Zjunk",
        ] {
            assert!(
                matches!(bad.parse::<Timestamp>(), Err(TimeError::Parse { .. })),
                "{bad:?} must be refused as text"
            );
            assert!(
                serde_json::from_str::<Timestamp>(&format!("\"{bad}\"")).is_err(),
                "{bad:?} must be refused by serde"
            );
        }
        assert!(
            serde_json::from_str::<Timestamp>("12").is_err(),
            "a number is not a time"
        );
        assert!(
            matches!(
                "0000-01-01T00:00:00+01:00".parse::<Timestamp>(),
                Err(TimeError::OutOfRange(_))
            ),
            "before year 0000 in UTC"
        );
        assert!(
            matches!(
                Timestamp::from_millis(i64::MAX),
                Err(TimeError::OutOfRange(_))
            ),
            "far beyond 9999"
        );
        assert!(
            Timestamp::from_millis(Timestamp::MAX.as_millis() + 1).is_err(),
            "one millisecond past the end"
        );
    }

    #[test]
    fn a_leap_second_counts_as_the_end_of_second_59() {
        assert_eq!(
            t("2016-12-31T23:59:60.5Z").to_string(),
            "2016-12-31T23:59:59.999999999Z",
            "no second 60 is ever printed or stored"
        );
    }

    #[test]
    fn arithmetic_at_the_ends_is_checked_or_saturates() {
        let hour = TimeDelta::hours(1);
        assert_eq!(Timestamp::MAX.checked_add(hour), None, "past the end");
        assert_eq!(Timestamp::MIN.checked_sub(hour), None, "before the start");
        assert_eq!(
            Timestamp::MAX.saturating_add(hour),
            Timestamp::MAX,
            "pinned to the end"
        );
        assert_eq!(
            Timestamp::MIN.saturating_sub(hour),
            Timestamp::MIN,
            "pinned to the start"
        );
        assert_eq!(
            Timestamp::MIN.saturating_add(-hour),
            Timestamp::MIN,
            "pinned to the start"
        );
        assert_eq!(
            Timestamp::MAX.saturating_add(TimeDelta::MAX),
            Timestamp::MAX,
            "huge span"
        );
        assert_eq!(
            Timestamp::MIN.saturating_add(TimeDelta::MIN),
            Timestamp::MIN,
            "huge span"
        );
    }

    #[test]
    fn spans_from_outside_saturate_instead_of_panicking() {
        assert_eq!(
            saturating_seconds(i64::MAX),
            TimeDelta::MAX,
            "too many seconds"
        );
        assert_eq!(
            saturating_seconds(i64::MIN),
            TimeDelta::MIN,
            "too many seconds back"
        );
        assert_eq!(
            saturating_seconds(-90),
            TimeDelta::seconds(-90),
            "in range: exact"
        );
        assert_eq!(
            saturating_millis(i64::MIN),
            TimeDelta::MIN,
            "chrono's MIN is -i64::MAX ms"
        );
        assert_eq!(
            saturating_millis(1_500),
            TimeDelta::milliseconds(1_500),
            "in range: exact"
        );
    }

    proptest! {
        #[test]
        fn millis_round_trip_through_text_serde_and_storage(
            ms in Timestamp::MIN.as_millis()..=Timestamp::MAX.as_millis(),
        ) {
            let t = Timestamp::from_millis(ms).expect("in range");
            prop_assert_eq!(t.as_millis(), ms, "stored milliseconds come back");
            let text = t.to_string();
            prop_assert!(text.ends_with('Z'), "UTC: {}", text);
            prop_assert!(
                !text.contains('.') || !text.trim_end_matches('Z').ends_with('0'),
                "no trailing zeros: {}", text
            );
            prop_assert_eq!(text.parse::<Timestamp>().expect("reads back"), t, "{}", text);
            let json = serde_json::to_string(&t).expect("serialise");
            let back: Timestamp = serde_json::from_str(&json).expect("deserialise");
            prop_assert_eq!(back, t, "{}", json);
        }

        #[test]
        fn adding_then_subtracting_a_span_comes_back(
            ms in Timestamp::MIN.as_millis()..=Timestamp::MAX.as_millis(),
            span_ms in -400_000_000_000_000i64..400_000_000_000_000,
        ) {
            let t = Timestamp::from_millis(ms).expect("in range");
            let d = TimeDelta::milliseconds(span_ms);
            match t.checked_add(d) {
                Some(u) => {
                    prop_assert_eq!(u.checked_sub(d), Some(t), "{} + {} - {}", t, d, d);
                    prop_assert_eq!(u.duration_since(t), d, "{} - {}", u, t);
                    prop_assert_eq!(t.saturating_add(d), u, "in range: no saturation");
                }
                None => {
                    let pinned = t.saturating_add(d);
                    let end = if span_ms < 0 { Timestamp::MIN } else { Timestamp::MAX };
                    prop_assert_eq!(pinned, end, "{} + {} saturates", t, d);
                }
            }
        }
    }
}
