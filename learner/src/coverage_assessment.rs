//! How well one category was watched on one host: the covered span, the days
//! that lost events, and whether the windows were declared or inferred.
//! Policy generation turns this into `insufficient` decisions.

use crate::coverage::{category_covers, Intervals};
use crate::read::{CoverageWindow, LossRecord};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq)]
pub struct CategoryCoverage {
    pub category: String,
    /// Union of every covering window, across sources.
    pub windows: Intervals,
    /// Covered time in days.
    pub days_covered: f64,
    /// Distinct UTC days touched by coverage.
    pub days_touched: usize,
    /// Days on which a covering source lost events, with the count.
    pub lossy_days: BTreeMap<i64, u64>,
    /// What the losses weigh, in days: each lossy day counts as the share of
    /// its events that were lost (lost / (lost + seen)); a whole day each
    /// until [`CategoryCoverage::weigh_losses`] says what was seen.
    pub lossy_weight: f64,
    /// True when every covering window was inferred rather than declared.
    pub inferred: bool,
    pub sources: BTreeSet<String>,
}

impl CategoryCoverage {
    /// What the losses weigh as a share of the days covered (0.0–1.0).
    pub fn lossy_share(&self) -> f64 {
        if self.days_touched == 0 {
            return 0.0;
        }
        self.lossy_weight / self.days_touched as f64
    }

    /// Weighs each lossy day by what it lost against what was `seen` that
    /// day (events of the category observed): one segment lost on a day of
    /// ten thousand handshakes hid little, a day that lost everything it saw
    /// weighs a whole day. Routine capture drops then never keep a category
    /// insufficient, and a source that loses much of what it sees does.
    pub fn weigh_losses(&mut self, seen: impl Fn(i64) -> u64) {
        self.lossy_weight = self.lossy_days.iter().map(|(day, lost)| *lost as f64 / (*lost + seen(*day)) as f64).sum();
    }
}

/// Assesses `category` (`share`, `protocol:tls`, ...) from one host's windows and losses.
pub fn assess_category(windows: &[CoverageWindow], losses: &[LossRecord], category: &str) -> CategoryCoverage {
    assess_category_since(windows, losses, category, None)
}

/// As [`assess_category`], counting only coverage from `since` (Unix ms) on:
/// a listener or share that appeared during the window was watched only
/// from then.
pub fn assess_category_since(
    windows: &[CoverageWindow],
    losses: &[LossRecord],
    category: &str,
    since: Option<i64>,
) -> CategoryCoverage {
    let covering: Vec<&CoverageWindow> = windows.iter().filter(|w| category_covers(&w.category, category)).collect();
    let start = since.unwrap_or(i64::MIN);
    let set = Intervals::from_pairs(covering.iter().filter(|w| w.to > start).map(|w| (w.from.max(start), w.to)));
    let days: BTreeSet<i64> = set.days().into_iter().collect();
    let mut lossy_days = BTreeMap::new();
    for loss in losses.iter().filter(|l| category_covers(&l.category, category) && days.contains(&l.day)) {
        *lossy_days.entry(loss.day).or_insert(0) += loss.lost;
    }
    CategoryCoverage {
        category: category.to_string(),
        days_covered: set.span_ms() as f64 / 86_400_000.0,
        days_touched: days.len(),
        windows: set,
        lossy_weight: lossy_days.len() as f64,
        lossy_days,
        inferred: !covering.is_empty() && covering.iter().all(|w| w.inferred),
        sources: covering.iter().map(|w| w.source.clone()).collect(),
    }
}
