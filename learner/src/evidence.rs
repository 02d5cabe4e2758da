//! Evidence per fact and dimension: which peers, processes, users and objects
//! were behind it, with counts and first/last seen.
//!
//! Exact while a fact has at most `cap` distinct values in a dimension. Beyond
//! that it is a Misra–Gries summary, chosen over space-saving because it is
//! *mergeable* (Agarwal et al., "Mergeable Summaries", PODS 2012): the bound
//! below holds for any order and any tree of merges, and every flush of the
//! observe loop is a merge into the stored summary.
//!
//! Bound: a listed value's `count` is at most `undercount` below its true
//! count, and `undercount` ≤ `total / (cap + 1)`. A value missing from the
//! summary occurred at most `undercount` times. `dropped` counts values
//! removed when the summary overflowed.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Default number of distinct values kept exactly per fact and dimension.
pub const DEFAULT_EVIDENCE_CAP: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// Who, on the network: the peer's address or name.
    Peer,
    /// Who, on the host: the process (or for scripts and programs, the parent that ran them).
    Process,
    /// Who, as an account.
    User,
    /// What: the share path, command line, SNI or image.
    Object,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [Dimension::Peer, Dimension::Process, Dimension::User, Dimension::Object];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Peer => "peer",
            Dimension::Process => "process",
            Dimension::User => "user",
            Dimension::Object => "object",
        }
    }

    pub fn parse(text: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == text)
    }
}

/// Times are Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    pub count: u64,
    pub first_seen: i64,
    pub last_seen: i64,
}

impl Tally {
    pub fn once(at: i64) -> Self {
        Tally { count: 1, first_seen: at, last_seen: at }
    }

    fn absorb(&mut self, other: &Tally) {
        self.count += other.count;
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EvidenceSummary {
    pub values: BTreeMap<String, Tally>,
    /// Occurrences recorded in this dimension (exact).
    pub total: u64,
    /// Largest possible undercount of any listed value (0 while exact).
    pub undercount: u64,
    /// Values removed when the summary overflowed.
    pub dropped: u64,
}

impl EvidenceSummary {
    pub fn is_exact(&self) -> bool {
        self.undercount == 0 && self.dropped == 0
    }

    pub fn record(&mut self, value: &str, at: i64, cap: usize) {
        self.total += 1;
        match self.values.get_mut(value) {
            Some(tally) => tally.absorb(&Tally::once(at)),
            None => {
                self.values.insert(value.to_string(), Tally::once(at));
                self.prune(cap);
            }
        }
    }

    /// Adds another summary of the same dimension (from another batch, flush or profile).
    pub fn merge(&mut self, other: &EvidenceSummary, cap: usize) {
        self.total += other.total;
        self.undercount += other.undercount;
        self.dropped += other.dropped;
        for (value, tally) in &other.values {
            self.values.entry(value.clone()).and_modify(|t| t.absorb(tally)).or_insert(*tally);
        }
        self.prune(cap);
    }

    /// The Misra–Gries reduction: while more than `cap` values are listed,
    /// subtract the (cap+1)-th largest count from every value and drop those
    /// that reach zero.
    fn prune(&mut self, cap: usize) {
        if self.values.len() <= cap {
            return;
        }
        let mut counts: Vec<u64> = self.values.values().map(|t| t.count).collect();
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let cut = counts[cap];
        let before = self.values.len() as u64;
        self.values.retain(|_, tally| {
            tally.count -= cut.min(tally.count);
            tally.count > 0
        });
        self.undercount += cut;
        self.dropped += before - self.values.len() as u64;
    }

    /// Values by count, largest first (ties by value, so output is stable).
    pub fn ranked(&self) -> Vec<(&str, &Tally)> {
        let mut list: Vec<(&str, &Tally)> = self.values.iter().map(|(v, t)| (v.as_str(), t)).collect();
        list.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        list
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    fn true_counts(stream: &[u8]) -> HashMap<String, u64> {
        let mut m = HashMap::new();
        for v in stream {
            *m.entry(v.to_string()).or_insert(0) += 1;
        }
        m
    }

    fn assert_within_bound(summary: &EvidenceSummary, truth: &HashMap<String, u64>, cap: usize) {
        let total: u64 = truth.values().sum();
        assert_eq!(summary.total, total);
        assert!(
            summary.undercount * (cap as u64 + 1) <= total,
            "undercount {} > total {total}/(cap+1)",
            summary.undercount
        );
        assert!(summary.values.len() <= cap);
        for (value, true_count) in truth {
            let listed = summary.values.get(value).map_or(0, |t| t.count);
            assert!(listed <= *true_count, "{value}: listed {listed} > true {true_count}");
            assert!(
                listed + summary.undercount >= *true_count,
                "{value}: {listed}+{} < {true_count}",
                summary.undercount
            );
        }
    }

    proptest! {
        #[test]
        fn exact_under_the_cap(stream in prop::collection::vec(0u8..8, 0..200)) {
            let mut s = EvidenceSummary::default();
            for (i, v) in stream.iter().enumerate() {
                s.record(&v.to_string(), i as i64, 8);
            }
            prop_assert!(s.is_exact());
            let truth = true_counts(&stream);
            for (v, c) in &truth {
                prop_assert_eq!(s.values[v].count, *c);
            }
        }

        #[test]
        fn bounded_beyond_the_cap_for_any_merge_tree(
            stream in prop::collection::vec(0u8..40, 1..400),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
            cap in 1usize..10,
        ) {
            // Split the stream into batches, summarise each, merge in a random order.
            let mut points: Vec<usize> = cuts.iter().map(|i| i.index(stream.len())).collect();
            points.push(0);
            points.push(stream.len());
            points.sort_unstable();
            let mut parts: Vec<EvidenceSummary> = points.windows(2).map(|w| {
                let mut s = EvidenceSummary::default();
                for v in &stream[w[0]..w[1]] {
                    s.record(&v.to_string(), 0, cap);
                }
                s
            }).collect();
            parts.reverse();
            let mut merged = EvidenceSummary::default();
            for p in &parts {
                merged.merge(p, cap);
            }
            assert_within_bound(&merged, &true_counts(&stream), cap);
        }
    }

    #[test]
    fn heavy_hitter_survives_a_flood_of_one_offs() {
        let mut s = EvidenceSummary::default();
        for i in 0..10_000 {
            s.record("scanner", i, 16);
            s.record(&format!("one-off-{i}"), i, 16);
        }
        assert!(s.values.contains_key("scanner"));
        assert!(s.dropped > 9_000);
        assert_within_bound(
            &s,
            &{
                let mut m: HashMap<String, u64> = (0..10_000).map(|i| (format!("one-off-{i}"), 1)).collect();
                m.insert("scanner".into(), 10_000);
                m
            },
            16,
        );
    }
}
