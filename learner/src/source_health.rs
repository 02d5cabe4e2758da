//! Collector health over the window, per host and source: the days it
//! watched, the gaps when it did not, and the days it lost events. The
//! decisions already refuse to call a category unused when its source was
//! off or lossy for a material share of the window (`insufficient`); this
//! is the timeline a reviewer reads to see why.

use crate::coverage::Intervals;
use crate::read::{CoverageWindow, LossRecord};
use crate::time_buckets::{date_of_day, day_of};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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

/// One row per source that watched `host` between `from` and `to` (Unix ms).
pub fn source_health(
    host: &str,
    from: i64,
    to: i64,
    windows: &[CoverageWindow],
    losses: &[LossRecord],
) -> Vec<SourceHealth> {
    let (first_day, last_day) = (day_of(from), day_of(to));
    let mut by_source: BTreeMap<&str, Vec<&CoverageWindow>> = BTreeMap::new();
    for w in windows.iter().filter(|w| w.host == host) {
        by_source.entry(w.source.as_str()).or_default().push(w);
    }
    by_source
        .into_iter()
        .map(|(source, ws)| {
            let days: BTreeSet<i64> =
                Intervals::from_pairs(ws.iter().map(|w| (w.from, w.to))).days().into_iter().collect();
            let mut gaps = Vec::new();
            let mut run: Option<(i64, i64)> = None;
            for day in first_day..=last_day {
                if days.contains(&day) {
                    if let Some((a, b)) = run.take() {
                        gaps.push((date_of_day(a), date_of_day(b)));
                    }
                } else {
                    run = Some(run.map_or((day, day), |(a, _)| (a, day)));
                }
            }
            if let Some((a, b)) = run {
                gaps.push((date_of_day(a), date_of_day(b)));
            }
            let mine: Vec<&LossRecord> =
                losses.iter().filter(|l| l.host == host && l.source == source && l.lost > 0).collect();
            let lossy: BTreeSet<i64> = mine.iter().map(|l| l.day).collect();
            SourceHealth {
                host: host.to_string(),
                source: source.to_string(),
                days_watched: days.len(),
                window_days: last_day - first_day + 1,
                gaps,
                lossy_dates: lossy.iter().map(|d| date_of_day(*d)).collect(),
                lost: mine.iter().map(|l| l.lost).sum(),
                inferred: ws.iter().all(|w| w.inferred),
            }
        })
        .collect()
}
