//! Everything policy generation needs about one host, read once from the
//! profile through the learner's read API.

use crate::rule::{Applicability, InventoryProbe, Platform};
use temper_learner::{
    assess_category_since, CategoryCoverage, CoverageWindow, Fact, HostRecord, InventoryRecord, LossRecord, Profile,
    ProfileError,
};
use temper_observation::inventory::settings;
use temper_observation::InventoryCategory;

pub struct HostView {
    pub record: HostRecord,
    pub facts: Vec<Fact>,
    pub inventory: Vec<InventoryRecord>,
    pub windows: Vec<CoverageWindow>,
    pub losses: Vec<LossRecord>,
}

impl HostView {
    pub fn load(profile: &Profile, record: HostRecord) -> Result<HostView, ProfileError> {
        let host = Some(record.host.as_str());
        Ok(HostView {
            facts: profile.facts(host)?,
            inventory: profile.inventory(host)?,
            windows: profile.coverage_windows(host)?,
            losses: profile.losses(host)?,
            record,
        })
    }

    pub fn name(&self) -> &str {
        &self.record.host
    }

    pub fn setting(&self, name: &str) -> Option<&str> {
        self.inventory
            .iter()
            .find(|i| i.category == InventoryCategory::Setting && i.name == name)
            .and_then(|i| i.attr_str("value"))
    }

    /// From the inventory's `os` setting, else from the sources that watched it.
    pub fn platform(&self) -> Option<Platform> {
        match self.setting(settings::OS) {
            Some("windows") => return Some(Platform::Windows),
            Some("linux") => return Some(Platform::Linux),
            _ => {}
        }
        let sources: Vec<&str> = self.windows.iter().map(|w| w.source.as_str()).collect();
        if sources.iter().any(|s| matches!(*s, "etw" | "evtx")) {
            Some(Platform::Windows)
        } else if sources.iter().any(|s| matches!(*s, "ebpf" | "journal")) {
            Some(Platform::Linux)
        } else {
            None
        }
    }

    pub fn domain_role(&self) -> Option<&str> {
        self.setting(settings::DOMAIN_ROLE)
    }

    /// How `category` was watched, counting from `since` (Unix ms) when given.
    /// How well `category` was watched, its losses weighed against what was
    /// seen in it on their days.
    pub fn coverage(&self, category: &str, since: Option<i64>) -> CategoryCoverage {
        let mut assessed = assess_category_since(&self.windows, &self.losses, category, since);
        let facts: Vec<&Fact> = self
            .facts
            .iter()
            .filter(|f| temper_learner::coverage::category_covers(category, &f.key.category()))
            .collect();
        assessed.weigh_losses(|day| facts.iter().filter_map(|f| f.stats.days.get(&day)).sum());
        assessed
    }

    pub fn inventory_of(&self, category: InventoryCategory) -> impl Iterator<Item = &InventoryRecord> {
        self.inventory.iter().filter(move |i| i.category == category)
    }

    /// The listener on a port, if the inventory has one.
    pub fn listener(&self, port: u16) -> Option<&InventoryRecord> {
        self.inventory_of(InventoryCategory::Listener).find(|l| listener_port(l) == Some(port))
    }

    /// Inventory items a probe names. Services match with or without a
    /// systemd unit suffix: the probe `ssh` finds `ssh.service`.
    pub fn matching_inventory<'a>(&'a self, probe: &'a InventoryProbe) -> impl Iterator<Item = &'a InventoryRecord> {
        self.inventory_of(probe.category).filter(move |item| {
            probe.name.as_ref().is_none_or(|n| unit_name(&item.name).eq_ignore_ascii_case(unit_name(n)))
                && probe.port.is_none_or(|p| listener_port(item) == Some(p))
        })
    }

    fn has(&self, probe: &InventoryProbe) -> bool {
        self.matching_inventory(probe).next().is_some()
    }

    /// Whether any inventory probe matches (rules without `applies_if` always apply).
    pub fn satisfies(&self, applicability: Option<&Applicability>) -> bool {
        applicability.is_none_or(|a| a.any.iter().any(|probe| self.has(probe)))
    }
}

/// `cups.service` and `cups.socket` are the unit names of the service `cups`.
pub fn unit_name(name: &str) -> &str {
    name.strip_suffix(".service").or_else(|| name.strip_suffix(".socket")).unwrap_or(name)
}

pub fn listener_port(item: &InventoryRecord) -> Option<u16> {
    item.attrs.get("port").and_then(|p| p.as_u64()).and_then(|p| u16::try_from(p).ok())
}
