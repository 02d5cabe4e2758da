//! What the learner assessed, as the policy document writes it: learning
//! convergence, calendar coverage, collector health, fleet outliers and the
//! period of a use. These are the policy's own types, converted from the
//! learner's here and nowhere else, so that a learner refactor cannot change
//! the versioned policy format without this file changing too (and the
//! golden policy in tests/golden with it).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use temper_learner as learner;

/// A use recurs every week or every month.
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

impl From<learner::calendar::Period> for Period {
    fn from(period: learner::calendar::Period) -> Self {
        match period {
            learner::calendar::Period::Weekly => Period::Weekly,
            learner::calendar::Period::Monthly => Period::Monthly,
        }
    }
}

/// A fact only a few hosts of a platform use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetOutlier {
    /// `windows`, `linux`, or `unknown`: hosts are compared with their own kind.
    pub platform: String,
    /// The fact, in words.
    pub fact: String,
    /// The hosts that use it.
    pub hosts: Vec<String>,
    /// How many hosts of that platform there are.
    pub of: usize,
}

impl From<&learner::fleet::FleetOutlier> for FleetOutlier {
    fn from(o: &learner::fleet::FleetOutlier) -> Self {
        FleetOutlier { platform: o.platform.clone(), fact: o.fact.clone(), hosts: o.hosts.clone(), of: o.of }
    }
}

/// One source's health on one host over the window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceHealth {
    pub host: String,
    pub source: String,
    /// Distinct days (UTC) the source's windows touched.
    pub days_watched: usize,
    /// Days in the host's window.
    pub window_days: i64,
    /// Runs of days inside the window the source did not watch at all.
    pub gaps: Vec<(NaiveDate, NaiveDate)>,
    /// The days on which the source lost events, and how many it lost in all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lossy_dates: Vec<NaiveDate>,
    pub lost: u64,
    /// Every window was inferred from observations, none declared.
    pub inferred: bool,
}

impl SourceHealth {
    pub fn lossy_days(&self) -> usize {
        self.lossy_dates.len()
    }
}

impl From<learner::source_health::SourceHealth> for SourceHealth {
    fn from(h: learner::source_health::SourceHealth) -> Self {
        SourceHealth {
            host: h.host,
            source: h.source,
            days_watched: h.days_watched,
            window_days: h.window_days,
            gaps: h.gaps,
            lossy_dates: h.lossy_dates,
            lost: h.lost,
            inferred: h.inferred,
        }
    }
}

/// Which weekdays, hours and month ends a host was watched, in its time zone.
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

impl From<learner::calendar::CalendarCoverage> for CalendarCoverage {
    fn from(c: learner::calendar::CalendarCoverage) -> Self {
        CalendarCoverage {
            host: c.host,
            time_zone: c.time_zone,
            weekdays: c.weekdays,
            hours: c.hours,
            month_ends: c.month_ends,
            days: c.days,
            warnings: c.warnings,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConvergenceState {
    Converged,
    StillLearning,
}

/// Whether learning has converged in one category of one host.
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

impl From<&learner::convergence::CategoryConvergence> for CategoryConvergence {
    fn from(c: &learner::convergence::CategoryConvergence) -> Self {
        CategoryConvergence {
            host: c.host.clone(),
            category: c.category.clone(),
            state: match c.state {
                learner::convergence::ConvergenceState::Converged => ConvergenceState::Converged,
                learner::convergence::ConvergenceState::StillLearning => ConvergenceState::StillLearning,
            },
            facts: c.facts,
            new_per_day: c.new_per_day.clone(),
            window_days: c.window_days,
            days_since_new: c.days_since_new,
            quiet_needed: c.quiet_needed,
            expected: c.expected,
            reason: c.reason.clone(),
        }
    }
}
