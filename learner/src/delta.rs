//! A batch of profile changes. The observe loop's aggregator fills one in
//! memory and flushes it; `profile merge` reads a whole profile as one. Both
//! are written by the same [`crate::Profile::apply`], so a flush and a merge
//! follow exactly the same rules.

use crate::coverage::CoverageDelta;
use crate::fact_key::FactKey;
use crate::fact_stats::FactStats;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use temper_observation::InventoryCategory;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostStats {
    pub first_seen: i64,
    pub last_seen: i64,
    pub observations: u64,
}

impl HostStats {
    pub fn merge(&mut self, other: &HostStats) {
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
        self.observations += other.observations;
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct InventoryEntry {
    /// Attributes as of `last_seen`: the newest inventory wins.
    pub attrs: Map<String, Value>,
    pub first_seen: i64,
    pub last_seen: i64,
}

impl InventoryEntry {
    pub fn merge(&mut self, other: &InventoryEntry) {
        if other.last_seen > self.last_seen
            || (other.last_seen == self.last_seen && other.attrs_text() > self.attrs_text())
        {
            self.attrs = other.attrs.clone();
        }
        self.first_seen = self.first_seen.min(other.first_seen);
        self.last_seen = self.last_seen.max(other.last_seen);
    }

    pub fn attrs_text(&self) -> String {
        Value::Object(self.attrs.clone()).to_string()
    }
}

pub type InventoryKey = (String, InventoryCategory, String);

#[derive(Debug, Clone, Default)]
pub struct Delta {
    pub facts: HashMap<(String, FactKey), FactStats>,
    pub coverage: CoverageDelta,
    pub inventory: BTreeMap<InventoryKey, InventoryEntry>,
    pub hosts: BTreeMap<String, HostStats>,
}

impl Delta {
    pub fn is_empty(&self) -> bool {
        self.facts.is_empty() && self.coverage.is_empty() && self.inventory.is_empty() && self.hosts.is_empty()
    }
}
