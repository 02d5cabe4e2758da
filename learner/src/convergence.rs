//! When is learning done? Per host and category (protocols, shares,
//! services, scripts, logons, ports): the new distinct facts per day over
//! the window, the days since the last new one, and a stated criterion.
//!
//! The criterion: a category has `converged` when the host was observed for
//! at least [`MIN_WINDOW_DAYS`] days and nothing new appeared in it during
//! the last `max(7, window / 4)` days of the window. A weekly job first
//! seen in the last week keeps its category learning; a month-long window
//! needs a week of quiet, a three-month one three weeks. Otherwise it is
//! `still learning`, with the date it would converge if nothing new shows up.
//!
//! These types are always available; computing them over a profile is the
//! `analytics` feature's job (polars), so the observe daemon needs no polars.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::time_buckets::date_of_day;

/// A window shorter than this has not seen two of any weekly cycle.
pub const MIN_WINDOW_DAYS: i64 = 14;
/// The shortest quiet period that counts.
pub const MIN_QUIET_DAYS: i64 = 7;

/// The categories learning converges in, and the fact categories in each.
pub const CATEGORIES: [&str; 6] = ["protocols", "shares", "services", "scripts", "logons", "ports"];

/// The convergence category of a fact category (`protocol:smb` → `protocols`).
pub fn category_of(fact_category: &str) -> Option<&'static str> {
    Some(match fact_category {
        c if c.starts_with("protocol") => "protocols",
        "share" => "shares",
        "service" | "module" => "services",
        "script" | "exec" => "scripts",
        "logon" => "logons",
        "connection" => "ports",
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvergenceState {
    Converged,
    StillLearning,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryConvergence {
    pub host: String,
    pub category: String,
    pub state: ConvergenceState,
    /// Distinct facts seen in the category.
    pub facts: u64,
    /// New distinct facts per day, for every day of the window (day 0 first).
    pub new_per_day: Vec<u64>,
    pub window_days: i64,
    /// Days from the last new fact to the end of the window (the whole window when none).
    pub days_since_new: i64,
    /// The quiet period the criterion asks for on this window.
    pub quiet_needed: i64,
    /// When it converges if nothing new appears (still learning only).
    pub expected: Option<NaiveDate>,
    /// The criterion in words, with this category's numbers.
    pub reason: String,
}

/// Applies the criterion. Days are days since the epoch (UTC); `first_days`
/// holds the first-seen day of each distinct fact of the category.
pub fn assess(host: &str, category: &str, start_day: i64, end_day: i64, first_days: &[i64]) -> CategoryConvergence {
    let window_days = (end_day - start_day + 1).max(1);
    let mut new_per_day = vec![0u64; window_days as usize];
    for day in first_days {
        let index = (day - start_day).clamp(0, window_days - 1) as usize;
        new_per_day[index] += 1;
    }
    let last_new = first_days.iter().copied().max();
    let days_since_new = match last_new {
        Some(day) => end_day - day,
        None => window_days,
    };
    let quiet_needed = MIN_QUIET_DAYS.max((window_days + 3) / 4);
    let converged = window_days >= MIN_WINDOW_DAYS && days_since_new >= quiet_needed;
    let expected_day = match last_new {
        Some(day) => (day + quiet_needed).max(start_day + MIN_WINDOW_DAYS - 1),
        None => start_day + MIN_WINDOW_DAYS - 1,
    };
    let reason = if converged {
        format!(
            "nothing new for {days_since_new} days (needs {quiet_needed} on a {window_days}-day window, at least {MIN_WINDOW_DAYS})"
        )
    } else if window_days < MIN_WINDOW_DAYS {
        format!("observed {window_days} days: a window shorter than {MIN_WINDOW_DAYS} cannot have seen a weekly cycle twice")
    } else {
        format!(
            "a new fact {days_since_new} day(s) before the window ended; needs {quiet_needed} quiet days on a {window_days}-day window"
        )
    };
    CategoryConvergence {
        host: host.to_string(),
        category: category.to_string(),
        state: if converged { ConvergenceState::Converged } else { ConvergenceState::StillLearning },
        facts: first_days.len() as u64,
        new_per_day,
        window_days,
        days_since_new,
        quiet_needed,
        expected: (!converged).then(|| date_of_day(expected_day)),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weekly_job_first_seen_in_the_last_week_keeps_the_category_learning() {
        // 30 days; the scripts category got a new (weekly) job on day 26.
        let learning = assess("h", "scripts", 0, 29, &[0, 0, 1, 26]);
        assert_eq!(learning.state, ConvergenceState::StillLearning);
        assert_eq!((learning.days_since_new, learning.quiet_needed), (3, 8));
        assert_eq!(learning.expected, Some(date_of_day(34)));
        assert_eq!(learning.new_per_day[26], 1);
        let quiet = assess("h", "scripts", 0, 29, &[0, 0, 1, 12]);
        assert_eq!(quiet.state, ConvergenceState::Converged, "{}", quiet.reason);
    }

    #[test]
    fn a_short_window_never_converges() {
        let short = assess("h", "ports", 0, 9, &[0]);
        assert_eq!(short.state, ConvergenceState::StillLearning);
        assert!(short.reason.contains("cannot have seen a weekly cycle twice"));
        assert_eq!(short.expected, Some(date_of_day(13)));
    }
}
