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
//!
//! How many distinct values there were stays known beyond the cap: from the
//! first overflow on, a summary also keeps a [`DistinctSketch`] of every
//! value it was given, so "1,260 distinct peers on 21 days" is still
//! evidence of a public service, and a flood of a million user names is
//! still counted. Under the cap the count is exact: the listed values.

use crate::distinct::DistinctSketch;
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
    /// Of a folded fact: the identities folded into it (user names, ports, shares).
    Member,
}

impl Dimension {
    pub const ALL: [Dimension; 5] =
        [Dimension::Peer, Dimension::Process, Dimension::User, Dimension::Object, Dimension::Member];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Peer => "peer",
            Dimension::Process => "process",
            Dimension::User => "user",
            Dimension::Object => "object",
            Dimension::Member => "member",
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

/// How many distinct values a summary was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distinct {
    /// Every value is listed.
    Exact(u64),
    /// Estimated by the summary's sketch (about 3% standard error).
    About(u64),
    /// A summary that overflowed before sketches were kept (a profile of
    /// schema 1): at least the values listed, plus those dropped.
    AtLeast(u64),
}

impl Distinct {
    pub fn value(self) -> u64 {
        match self {
            Distinct::Exact(n) | Distinct::About(n) | Distinct::AtLeast(n) => n,
        }
    }
}

impl std::fmt::Display for Distinct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Distinct::Exact(n) => write!(f, "{n}"),
            Distinct::About(n) => write!(f, "about {n}"),
            Distinct::AtLeast(n) => write!(f, "at least {n}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EvidenceSummary {
    pub values: BTreeMap<String, Tally>,
    /// Occurrences recorded in this dimension (exact).
    pub total: u64,
    /// Largest possible undercount of any listed value (0 while exact).
    pub undercount: u64,
    /// Values removed when the summary overflowed.
    pub dropped: u64,
    /// From the first overflow on: every value given, as a sketch.
    pub sketch: Option<DistinctSketch>,
}

impl EvidenceSummary {
    pub fn is_exact(&self) -> bool {
        self.undercount == 0 && self.dropped == 0
    }

    /// How many distinct values this summary was given.
    pub fn distinct(&self) -> Distinct {
        match &self.sketch {
            // A sketch never claims fewer values than are listed.
            Some(sketch) => Distinct::About(sketch.estimate().max(self.values.len() as u64)),
            None if self.is_exact() => Distinct::Exact(self.values.len() as u64),
            None => Distinct::AtLeast(self.values.len() as u64 + self.dropped),
        }
    }

    pub fn record(&mut self, value: &str, at: i64, cap: usize) {
        self.record_tally(value, Tally::once(at), cap);
    }

    /// Adds `tally` occurrences of one value at once (a folded fact's identity).
    pub fn record_tally(&mut self, value: &str, tally: Tally, cap: usize) {
        self.total += tally.count;
        if let Some(sketch) = &mut self.sketch {
            sketch.insert(value);
        }
        match self.values.get_mut(value) {
            Some(listed) => listed.absorb(&tally),
            None => {
                self.values.insert(value.to_string(), tally);
                self.prune(cap);
            }
        }
    }

    /// Adds another summary of the same dimension (from another batch, flush or profile).
    pub fn merge(&mut self, other: &EvidenceSummary, cap: usize) {
        self.total += other.total;
        self.undercount += other.undercount;
        self.dropped += other.dropped;
        if let Some(theirs) = &other.sketch {
            self.sketch_listed().merge(theirs);
        } else if let Some(mine) = &mut self.sketch {
            // Without a sketch, the other summary lists every value it was given.
            other.values.keys().for_each(|v| mine.insert(v));
        }
        for (value, tally) in &other.values {
            self.values.entry(value.clone()).and_modify(|t| t.absorb(tally)).or_insert(*tally);
        }
        self.prune(cap);
    }

    /// The sketch, started from the listed values (all there are, until the
    /// first overflow) when there is none yet.
    fn sketch_listed(&mut self) -> &mut DistinctSketch {
        let values = &self.values;
        self.sketch.get_or_insert_with(|| {
            let mut sketch = DistinctSketch::default();
            values.keys().for_each(|v| sketch.insert(v));
            sketch
        })
    }

    /// The Misra–Gries reduction: while more than `cap` values are listed,
    /// subtract the (cap+1)-th largest count from every value and drop those
    /// that reach zero.
    fn prune(&mut self, cap: usize) {
        if self.values.len() <= cap {
            return;
        }
        self.sketch_listed();
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
    fn distinct_values_stay_counted_beyond_the_cap_for_any_batching() {
        let mut exact = EvidenceSummary::default();
        for i in 0..16 {
            exact.record(&format!("peer{i}"), i, 16);
        }
        assert_eq!(exact.distinct(), Distinct::Exact(16));
        assert!(exact.sketch.is_none(), "no sketch while every value is listed");

        let (mut whole, mut left, mut right) =
            (EvidenceSummary::default(), EvidenceSummary::default(), EvidenceSummary::default());
        for i in 0..1_260 {
            let peer = format!("peer{}", i % 1_000);
            whole.record(&peer, i, 16);
            if i % 3 == 0 {
                left.record(&peer, i, 16)
            } else {
                right.record(&peer, i, 16)
            }
        }
        // A part under the cap merged into one over it, and the other way round.
        let mut small = EvidenceSummary::default();
        small.record("peer5000", 0, 16);
        let mut merged = right.clone();
        merged.merge(&left, 16);
        merged.merge(&small, 16);
        let mut other_way = small.clone();
        other_way.merge(&left, 16);
        other_way.merge(&right, 16);
        whole.record("peer5000", 0, 16);
        assert_eq!(merged.sketch, whole.sketch);
        assert_eq!(other_way.sketch, whole.sketch);
        let Distinct::About(n) = whole.distinct() else { panic!("{:?}", whole.distinct()) };
        assert!(n.abs_diff(1_001) < 100, "{n}");
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
