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
    /// True when every covering window was inferred rather than declared.
    pub inferred: bool,
    pub sources: BTreeSet<String>,
}

impl CategoryCoverage {
    /// Share of covered days that lost events (0.0–1.0).
    pub fn lossy_share(&self) -> f64 {
        if self.days_touched == 0 {
            return 0.0;
        }
        self.lossy_days.len() as f64 / self.days_touched as f64
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
        lossy_days,
        inferred: !covering.is_empty() && covering.iter().all(|w| w.inferred),
        sources: covering.iter().map(|w| w.source.clone()).collect(),
    }
}
