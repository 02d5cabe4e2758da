//! The in-memory aggregator between collectors and the profile: observations
//! go in one at a time, and a flush writes everything gathered since the last
//! one in a single transaction (docs/design-notes.md, "The profile").

use crate::coverage::CoverageKey;
use crate::delta::{Delta, HostStats, InventoryEntry};
use crate::evidence::Dimension;
use crate::evidence::DEFAULT_EVIDENCE_CAP;
use crate::fact_key::{facts_of, FactKey, Touch};
use crate::fact_stats::FactStats;
use crate::fold::{fold_of, rank, FoldClass};
use crate::profile::{Profile, ProfileError};
use crate::time_buckets::millis;
use std::collections::{BTreeMap, HashMap};
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
    /// Per host and fold class, the members this batch keeps as facts, by
    /// (rank, identity): a flood folds here already, so a batch stays as
    /// small as the profile it is written to (see `fold`).
    kept: HashMap<(String, FoldClass), BTreeMap<(u64, String), FactKey>>,
}

impl Default for Aggregator {
    fn default() -> Self {
        Aggregator::new(DEFAULT_EVIDENCE_CAP)
    }
}

impl Aggregator {
    /// `cap`: distinct evidence values kept exactly per fact and dimension.
    pub fn new(cap: usize) -> Self {
        Aggregator {
            cap: cap.max(1),
            delta: Delta::default(),
            pending: 0,
            stream: BTreeMap::new(),
            kept: HashMap::new(),
        }
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
                let touches = facts_of(obs);
                for touch in &touches {
                    let span = stream.produced.entry(touch.key.category()).or_insert((at, at));
                    *span = (span.0.min(at), span.1.max(at));
                }
                for touch in touches {
                    self.record(&obs.host, touch, at);
                }
            }
        }
    }

    /// One fact touched: recorded on its own, or on its class's folded fact
    /// when the class already keeps its limit of lower-ranked members.
    fn record(&mut self, host: &str, touch: Touch, at: i64) {
        let cap = self.cap;
        let entry = (host.to_string(), touch.key);
        if let Some(stats) = self.delta.facts.get_mut(&entry) {
            stats.record(at, &touch.evidence, cap);
            return;
        }
        let (host, key) = entry;
        let Some((class, identity)) = fold_of(&key) else {
            let mut stats = FactStats::empty();
            stats.record(at, &touch.evidence, cap);
            self.delta.facts.insert((host, key), stats);
            return;
        };
        let limit = class.limit();
        let member = (rank(&key), identity);
        let kept = self.kept.entry((host.clone(), class.clone())).or_default();
        let folded_key = (host.clone(), FactKey::Folded { class });
        if kept.len() >= limit && kept.last_key_value().is_some_and(|(highest, _)| member > *highest) {
            let folded = self.delta.facts.entry(folded_key).or_insert_with(FactStats::empty);
            folded.record(at, &touch.evidence, cap);
            folded.evidence.entry(Dimension::Member).or_default().record(&member.1, at, cap);
            return;
        }
        kept.insert(member, key.clone());
        if kept.len() > limit {
            let ((_, identity), evicted) = kept.pop_last().expect("more than the limit kept");
            let stats = self.delta.facts.remove(&(host.clone(), evicted)).expect("a kept member has its fact");
            self.delta.facts.entry(folded_key).or_insert_with(FactStats::empty).absorb_member(&identity, &stats, cap);
        }
        let mut stats = FactStats::empty();
        stats.record(at, &touch.evidence, cap);
        self.delta.facts.insert((host, key), stats);
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
        self.kept.clear();
        Ok(std::mem::take(&mut self.pending))
    }
}
