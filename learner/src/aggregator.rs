//! The in-memory aggregator between collectors and the profile: observations
//! go in one at a time, and a flush writes everything gathered since the last
//! one in a single transaction (docs/design-notes.md, "The profile").

use crate::coverage::CoverageKey;
use crate::delta::{Delta, HostStats, InventoryEntry};
use crate::evidence::DEFAULT_EVIDENCE_CAP;
use crate::fact_key::facts_of;
use crate::fact_stats::FactStats;
use crate::profile::{Profile, ProfileError};
use crate::time_buckets::millis;
use std::collections::BTreeMap;
use temper_observation::{Event, Observation};

/// Per host and source within one stream: did it say what it covered, and if
/// not, which categories did it produce and over what span.
#[derive(Default)]
struct StreamSource {
    declared_coverage: bool,
    produced: BTreeMap<String, (i64, i64)>,
}

pub struct Aggregator {
    cap: usize,
    delta: Delta,
    pending: u64,
    stream: BTreeMap<(String, String), StreamSource>,
}

impl Default for Aggregator {
    fn default() -> Self {
        Aggregator::new(DEFAULT_EVIDENCE_CAP)
    }
}

impl Aggregator {
    /// `cap`: distinct evidence values kept exactly per fact and dimension.
    pub fn new(cap: usize) -> Self {
        Aggregator { cap: cap.max(1), delta: Delta::default(), pending: 0, stream: BTreeMap::new() }
    }

    /// An aggregator using the profile's evidence cap.
    pub fn for_profile(profile: &Profile) -> Self {
        Aggregator::new(profile.evidence_cap())
    }

    /// Observations gathered since the last flush.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    pub fn ingest(&mut self, obs: &Observation) {
        let at = millis(obs.time);
        self.pending += 1;
        self.delta
            .hosts
            .entry(obs.host.clone())
            .and_modify(|h| h.merge(&HostStats { first_seen: at, last_seen: at, observations: 1 }))
            .or_insert(HostStats { first_seen: at, last_seen: at, observations: 1 });
        let stream = self.stream.entry((obs.host.clone(), obs.source.clone())).or_default();

        match &obs.event {
            Event::Coverage(coverage) => {
                stream.declared_coverage = true;
                for category in &coverage.categories {
                    let key = CoverageKey {
                        host: obs.host.clone(),
                        source: obs.source.clone(),
                        category: category.clone(),
                        inferred: false,
                    };
                    self.delta.coverage.add_window(key, millis(coverage.from), millis(coverage.to));
                    self.delta.coverage.add_loss(&obs.host, &obs.source, category, millis(coverage.to), coverage.lost);
                }
            }
            Event::Inventory(inventory) => {
                for item in &inventory.items {
                    let entry = InventoryEntry { attrs: item.attrs.clone(), first_seen: at, last_seen: at };
                    self.delta
                        .inventory
                        .entry((obs.host.clone(), item.category, item.name.clone()))
                        .and_modify(|e| e.merge(&entry))
                        .or_insert(entry);
                }
            }
            _ => {
                for touch in facts_of(obs) {
                    let span = stream.produced.entry(touch.key.category()).or_insert((at, at));
                    *span = (span.0.min(at), span.1.max(at));
                    self.delta.facts.entry((obs.host.clone(), touch.key)).or_insert_with(FactStats::empty).record(
                        at,
                        &touch.evidence,
                        self.cap,
                    );
                }
            }
        }
    }

    /// Ends a stream (a file, a replay): sources that produced observations
    /// but never said what they covered are taken to have covered the
    /// categories they produced, from their first to their last observation,
    /// and those windows are marked inferred.
    pub fn finish_stream(&mut self) {
        for ((host, source), seen) in std::mem::take(&mut self.stream) {
            if seen.declared_coverage {
                continue;
            }
            for (category, (from, to)) in seen.produced {
                let key = CoverageKey { host: host.clone(), source: source.clone(), category, inferred: true };
                self.delta.coverage.add_window(key, from, to);
            }
        }
    }

    /// Writes everything gathered so far in one transaction and starts afresh.
    /// On error nothing is written and nothing is lost: the batch stays here.
    pub fn flush(&mut self, profile: &mut Profile) -> Result<u64, ProfileError> {
        if self.delta.is_empty() {
            return Ok(0);
        }
        profile.apply(&self.delta)?;
        self.delta = Delta::default();
        Ok(std::mem::take(&mut self.pending))
    }
}
