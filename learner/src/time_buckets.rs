//! Time bucketing shared by facts and coverage. Profiles store Unix
//! milliseconds, UTC days and a UTC hour-of-week histogram; calendar analysis
//! shifts them into the host's time zone when it reads them.

use chrono::{DateTime, Datelike, NaiveDate, Timelike, Utc};

pub const HOURS_PER_WEEK: usize = 168;
const MS_PER_DAY: i64 = 86_400_000;

/// Days since 1970-01-01 (UTC).
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(MS_PER_DAY)
}

pub fn date_of_day(day: i64) -> NaiveDate {
    DateTime::<Utc>::from_timestamp_millis(day * MS_PER_DAY).map(|t| t.date_naive()).unwrap_or(NaiveDate::MIN)
}

/// 0 = Monday 00:00–00:59 UTC, 167 = Sunday 23:00–23:59 UTC.
pub fn hour_of_week(ms: i64) -> usize {
    let t = utc(ms);
    t.weekday().num_days_from_monday() as usize * 24 + t.hour() as usize
}

pub fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

pub fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}
