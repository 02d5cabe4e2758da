//! The aggregate kept for one fact: count, first/last seen, per-day buckets,
//! an hour-of-week histogram and capped evidence. Every field merges by a
//! commutative, associative rule (sum, min, max, bucket-wise sum), so any
//! order and batching of the same observations gives the same numbers.

use crate::evidence::{Dimension, EvidenceSummary, Tally};
use crate::time_buckets::{date_of_day, day_of, hour_of_week, utc, HOURS_PER_WEEK};
use chrono::{DateTime, NaiveDate, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FactStats {
    pub count: u64,
    /// Unix milliseconds.
    pub first_seen: i64,
    pub last_seen: i64,
    /// Days since the epoch (UTC) → occurrences that day.
    pub days: BTreeMap<i64, u64>,
    /// Occurrences per UTC hour of the week, Monday 00:00 first.
    pub hours: Vec<u64>,
    pub evidence: BTreeMap<Dimension, EvidenceSummary>,
}

impl FactStats {
    pub fn empty() -> Self {
        FactStats {
            count: 0,
            first_seen: i64::MAX,
            last_seen: i64::MIN,
            days: BTreeMap::new(),
            hours: vec![0; HOURS_PER_WEEK],
            evidence: BTreeMap::new(),
        }
    }

    pub fn record(&mut self, at: i64, evidence: &[(Dimension, String)], cap: usize) {
        self.count += 1;
        self.first_seen = self.first_seen.min(at);
        self.last_seen = self.last_seen.max(at);
        *self.days.entry(day_of(at)).or_insert(0) += 1;
        self.hours[hour_of_week(at)] += 1;
        for (dimension, value) in evidence {
            self.evidence.entry(*dimension).or_default().record(value, at, cap);
        }
    }

    pub fn merge(&mut self, other: &FactStats, cap: usize) {
        self.count += other.count;
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        for (day, n) in &other.days {
            *self.days.entry(*day).or_insert(0) += n;
        }
        for (mine, theirs) in self.hours.iter_mut().zip(&other.hours) {
            *mine += theirs;
        }
        for (dimension, summary) in &other.evidence {
            self.evidence.entry(*dimension).or_default().merge(summary, cap);
        }
    }

    /// Folds a member fact into this (folded) one: its counts and evidence,
    /// and its identity into `member` evidence.
    pub fn absorb_member(&mut self, identity: &str, member: &FactStats, cap: usize) {
        self.merge(member, cap);
        let tally = Tally { count: member.count, first_seen: member.first_seen, last_seen: member.last_seen };
        self.evidence.entry(Dimension::Member).or_default().record_tally(identity, tally, cap);
    }

    pub fn first_seen_utc(&self) -> DateTime<Utc> {
        utc(self.first_seen)
    }

    pub fn last_seen_utc(&self) -> DateTime<Utc> {
        utc(self.last_seen)
    }

    /// Distinct UTC dates the fact was seen on.
    pub fn dates(&self) -> Vec<NaiveDate> {
        self.days.keys().map(|d| date_of_day(*d)).collect()
    }

    pub fn evidence(&self, dimension: Dimension) -> Option<&EvidenceSummary> {
        self.evidence.get(&dimension)
    }
}

/// Hours histogram as stored: 168 little-endian u64.
pub fn encode_hours(hours: &[u64]) -> Vec<u8> {
    hours.iter().flat_map(|h| h.to_le_bytes()).collect()
}

pub fn decode_hours(blob: &[u8]) -> Option<Vec<u64>> {
    if blob.len() != HOURS_PER_WEEK * 8 {
        return None;
    }
    Some(blob.chunks_exact(8).map(|c| u64::from_le_bytes(c.try_into().expect("8-byte chunk"))).collect())
}
