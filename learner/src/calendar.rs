//! Calendar coverage, in the host's time zone: which weekdays, weekends,
//! month ends and hours of the day the sources were watching, and what
//! that window cannot have seen (a weekly cycle, a monthly one). Periodic
//! facts (every 7 or about 30 days) are recognised from their days, so a
//! monthly job seen twice reads as periodic, not as a rare event.

use crate::read::CoverageWindow;
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

const MS_PER_HOUR: i64 = 3_600_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalendarCoverage {
    pub host: String,
    /// The IANA zone the calendar is in, or `UTC` with the reason.
    pub time_zone: String,
    /// Distinct dates watched per weekday, Monday first.
    pub weekdays: [u32; 7],
    /// Distinct dates watched per hour of the day (local).
    pub hours: [u32; 24],
    /// Distinct month ends (the last day of a month) watched.
    pub month_ends: u32,
    /// Distinct dates watched at all.
    pub days: u32,
    /// What this window cannot have seen.
    pub warnings: Vec<String>,
}

/// The zone named by the inventory (`Europe/Berlin`), or None when it is not an IANA name.
pub fn zone(name: Option<&str>) -> Option<Tz> {
    name.and_then(|n| n.parse::<Tz>().ok())
}

/// Coverage of the host's windows (any source, any category), hour by hour.
pub fn calendar(host: &str, windows: &[CoverageWindow], time_zone: Option<&str>) -> CalendarCoverage {
    let tz = zone(time_zone);
    let zone_text = match (tz, time_zone) {
        (Some(tz), _) => tz.name().to_string(),
        (None, Some(other)) => format!("UTC (the host's zone {other} is not an IANA name)"),
        (None, None) => "UTC (the inventory names no time zone)".to_string(),
    };
    // Every hour any window touched, once.
    let mut hours: BTreeSet<i64> = BTreeSet::new();
    for w in windows.iter().filter(|w| w.host == host && !w.inferred) {
        let mut hour = w.from.div_euclid(MS_PER_HOUR);
        while hour * MS_PER_HOUR < w.to {
            hours.insert(hour);
            hour += 1;
        }
    }
    let local = |hour: i64| -> (NaiveDate, u32) {
        let t: DateTime<Utc> = Utc.timestamp_millis_opt(hour * MS_PER_HOUR).single().unwrap_or_default();
        match tz {
            Some(tz) => {
                let l = t.with_timezone(&tz);
                (l.date_naive(), l.hour())
            }
            None => (t.date_naive(), t.hour()),
        }
    };
    let mut dates: BTreeSet<NaiveDate> = BTreeSet::new();
    let mut hour_dates: Vec<BTreeSet<NaiveDate>> = vec![BTreeSet::new(); 24];
    for hour in &hours {
        let (date, h) = local(*hour);
        dates.insert(date);
        hour_dates[h as usize].insert(date);
    }
    let mut weekdays = [0u32; 7];
    let mut month_ends = 0;
    for date in &dates {
        weekdays[date.weekday().num_days_from_monday() as usize] += 1;
        if date.succ_opt().is_some_and(|next| next.month() != date.month()) {
            month_ends += 1;
        }
    }
    let mut warnings = Vec::new();
    let span = match (dates.first(), dates.last()) {
        (Some(first), Some(last)) => (*last - *first).num_days() + 1,
        _ => 0,
    };
    if span < 14 {
        warnings.push(format!("the window spans {span} days: a weekly cycle cannot have been seen twice"));
    } else if weekdays.contains(&0) {
        warnings.push("some weekdays were never watched: a job on that weekday cannot have been seen".into());
    }
    if weekdays[5] + weekdays[6] == 0 {
        warnings.push("no weekend was watched: weekend jobs cannot have been seen".into());
    }
    if month_ends == 0 {
        warnings.push("no month end was watched: a monthly (month-end) job cannot have been seen".into());
    } else if month_ends < 2 {
        warnings.push("one month end was watched: a monthly job was seen at most once".into());
    }
    let uncovered: Vec<String> = (0..24).filter(|h| hour_dates[*h].is_empty()).map(|h| format!("{h:02}:00")).collect();
    if !hours.is_empty() && !uncovered.is_empty() {
        warnings.push(format!("hours never watched: {}", uncovered.join(", ")));
    }
    CalendarCoverage {
        host: host.to_string(),
        time_zone: zone_text,
        weekdays,
        hours: std::array::from_fn(|h| hour_dates[h].len() as u32),
        month_ends,
        days: dates.len() as u32,
        warnings,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Weekly,
    Monthly,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Weekly => "weekly",
            Period::Monthly => "monthly",
        }
    }
}

/// A fact seen on these (sorted, distinct) days recurs weekly or monthly
/// when it was seen at least twice and every gap is one period (±1 day for
/// weeks, 27–32 days for months, which covers month ends and calendar months).
pub fn period_of(days: &[i64]) -> Option<Period> {
    if days.len() < 2 {
        return None;
    }
    let gaps: Vec<i64> = days.windows(2).map(|w| w[1] - w[0]).collect();
    if gaps.iter().all(|g| (6..=8).contains(g)) {
        Some(Period::Weekly)
    } else if gaps.iter().all(|g| (27..=32).contains(g)) {
        Some(Period::Monthly)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(from: &str, to: &str) -> CoverageWindow {
        let ms = |t: &str| t.parse::<DateTime<Utc>>().unwrap().timestamp_millis();
        CoverageWindow {
            host: "h".into(),
            source: "ebpf".into(),
            category: "*".into(),
            inferred: false,
            from: ms(from),
            to: ms(to),
        }
    }

    #[test]
    fn a_monthly_job_seen_twice_is_periodic_and_a_weekly_one_too() {
        assert_eq!(period_of(&[10, 41]), Some(Period::Monthly), "Oct 31 and Nov 30");
        assert_eq!(period_of(&[3, 10, 17, 25]), Some(Period::Weekly));
        assert_eq!(period_of(&[3]), None, "seen once is not a period");
        assert_eq!(period_of(&[3, 4, 20]), None);
    }

    #[test]
    fn calendar_in_the_hosts_zone_with_what_the_window_cannot_have_seen() {
        // Nine days, Monday 2026-11-02 to Tuesday 2026-11-10 UTC, watched 08:00-18:00 UTC each day.
        let windows: Vec<CoverageWindow> = (2..=10)
            .map(|d| window(&format!("2026-11-{d:02}T08:00:00Z"), &format!("2026-11-{d:02}T18:00:00Z")))
            .collect();
        let berlin = calendar("h", &windows, Some("Europe/Berlin"));
        assert_eq!(berlin.time_zone, "Europe/Berlin");
        assert_eq!(berlin.days, 9);
        assert_eq!(berlin.weekdays, [2, 2, 1, 1, 1, 1, 1]);
        assert_eq!((berlin.hours[9], berlin.hours[8]), (9, 0), "08:00 UTC is 09:00 in Berlin in November");
        assert!(berlin.warnings.iter().any(|w| w.contains("weekly cycle cannot have been seen twice")));
        assert!(berlin.warnings.iter().any(|w| w.contains("no month end was watched")));
        let utc = calendar("h", &windows, Some("W. Europe Standard Time"));
        assert!(utc.time_zone.starts_with("UTC (the host's zone W. Europe Standard Time is not an IANA name)"));
        assert_eq!(utc.hours[8], 9);
    }
}
