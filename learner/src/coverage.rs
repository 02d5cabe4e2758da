//! Coverage windows: what each source watched, when, and what it lost
//! (docs/observation-format.md, `coverage`). Windows are kept as a union of
//! intervals per host, source and category, so thousands of 30-second
//! coverage records from a long observe run collapse into a few rows, in any
//! order. Losses are kept per day, so one burst does not taint a whole window.

use crate::time_buckets::day_of;
use std::collections::BTreeMap;

/// Sorted, disjoint, non-touching closed intervals of Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Intervals(Vec<(i64, i64)>);

impl Intervals {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (i64, i64)>) -> Self {
        let mut set = Intervals::default();
        for (from, to) in pairs {
            set.add(from, to);
        }
        set
    }

    pub fn add(&mut self, from: i64, to: i64) {
        let (from, to) = (from.min(to), from.max(to));
        self.0.push((from, to));
        self.0.sort_unstable();
        let mut merged: Vec<(i64, i64)> = Vec::with_capacity(self.0.len());
        for (f, t) in self.0.drain(..) {
            match merged.last_mut() {
                Some(last) if f <= last.1 => last.1 = last.1.max(t),
                _ => merged.push((f, t)),
            }
        }
        self.0 = merged;
    }

    pub fn union(&mut self, other: &Intervals) {
        for (f, t) in &other.0 {
            self.add(*f, *t);
        }
    }

    pub fn pairs(&self) -> &[(i64, i64)] {
        &self.0
    }

    /// Total covered time in milliseconds.
    pub fn span_ms(&self) -> i64 {
        self.0.iter().map(|(f, t)| t - f).sum()
    }

    /// UTC days that any interval covers. Ends are exclusive, so a window
    /// ending at midnight does not count the day that starts there.
    pub fn days(&self) -> Vec<i64> {
        let mut days: Vec<i64> = self.0.iter().flat_map(|(f, t)| day_of(*f)..=day_of((*t - 1).max(*f))).collect();
        days.dedup();
        days
    }
}

/// Where a coverage window came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CoverageKey {
    pub host: String,
    pub source: String,
    /// Kind name, `protocol:NAME`, or `*`.
    pub category: String,
    /// True when no coverage record was present and the window was inferred
    /// from the observations themselves.
    pub inferred: bool,
}

/// Does coverage of `covered` attest to `wanted`? `*` covers everything,
/// `protocol` covers every `protocol:NAME`.
pub fn category_covers(covered: &str, wanted: &str) -> bool {
    covered == "*" || covered == wanted || wanted.split_once(':').is_some_and(|(kind, _)| kind == covered)
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoverageDelta {
    pub windows: BTreeMap<CoverageKey, Intervals>,
    /// (host, source, category, day) → events lost.
    pub losses: BTreeMap<(String, String, String, i64), u64>,
}

impl CoverageDelta {
    pub fn add_window(&mut self, key: CoverageKey, from: i64, to: i64) {
        self.windows.entry(key).or_default().add(from, to);
    }

    /// Attributes a record's losses to the day its window ends.
    pub fn add_loss(&mut self, host: &str, source: &str, category: &str, at: i64, lost: u64) {
        if lost > 0 {
            *self.losses.entry((host.into(), source.into(), category.into(), day_of(at))).or_insert(0) += lost;
        }
    }

    pub fn merge(&mut self, other: &CoverageDelta) {
        for (key, set) in &other.windows {
            self.windows.entry(key.clone()).or_default().union(set);
        }
        for (key, lost) in &other.losses {
            *self.losses.entry(key.clone()).or_insert(0) += lost;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.windows.is_empty() && self.losses.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_union_in_any_order() {
        let a = Intervals::from_pairs([(0, 10), (20, 30), (10, 15), (40, 50)]);
        let b = Intervals::from_pairs([(40, 50), (10, 15), (20, 30), (0, 10)]);
        assert_eq!(a, b);
        assert_eq!(a.pairs(), &[(0, 15), (20, 30), (40, 50)]);
        assert_eq!(a.span_ms(), 35);
    }

    #[test]
    fn days_treat_the_end_as_exclusive() {
        let day = 86_400_000;
        assert_eq!(Intervals::from_pairs([(0, day)]).days(), vec![0]);
        assert_eq!(Intervals::from_pairs([(0, day + 1)]).days(), vec![0, 1]);
        assert_eq!(Intervals::from_pairs([(5, 5)]).days(), vec![0]);
    }

    #[test]
    fn categories() {
        assert!(category_covers("*", "share"));
        assert!(category_covers("protocol", "protocol:tls"));
        assert!(category_covers("protocol:tls", "protocol:tls"));
        assert!(!category_covers("protocol:smb", "protocol:tls"));
        assert!(!category_covers("share", "script"));
    }
}
