//! `remove_unused`: inventory items never used during observation (unused
//! shares, kernel modules from the CIS list). Items in use are kept, as
//! exceptions with their evidence; an item that appeared during the window is
//! judged only on the time since it appeared.

use super::Outcome;
use crate::decision::Usage;
use crate::host_view::HostView;
use crate::rarity::assess_usages;
use crate::rule::{Rule, ShapeSpec};
use regex::Regex;
use serde_json::Value;
use temper_collector::share_name::same_share;
use temper_collector::InventoryCategory;
use temper_learner::time_buckets::utc;
use temper_learner::{FactKey, InventoryRecord};

/// Kernel module names use `-` and `_` interchangeably.
fn module_name(name: &str) -> String {
    name.replace('-', "_")
}

fn names_match(category: InventoryCategory, a: &str, b: &str) -> bool {
    match category {
        InventoryCategory::Share => same_share(a, b),
        InventoryCategory::Module => module_name(a) == module_name(b),
        _ => a == b,
    }
}

fn fact_names(key: &FactKey) -> Option<&str> {
    match key {
        FactKey::Share { share, .. } => Some(share),
        FactKey::Module { name } => Some(name),
        FactKey::Service { service, .. } => Some(service),
        _ => None,
    }
}

pub fn evaluate(rule: &Rule, host: &HostView) -> Vec<Outcome> {
    let ShapeSpec::RemoveUnused { inventory, usage, exclude, candidates } = &rule.shape else {
        unreachable!("remove_unused::evaluate is only called for remove_unused rules")
    };
    let excluded: Vec<Regex> = exclude.iter().map(|p| Regex::new(p).expect("catalog checked the pattern")).collect();
    let present: Vec<&InventoryRecord> = host.inventory_of(*inventory).collect();

    let names: Vec<String> = if candidates.is_empty() {
        present.iter().map(|i| i.name.clone()).filter(|n| !excluded.iter().any(|r| r.is_match(n))).collect()
    } else {
        candidates.iter().map(|c| c.name.clone()).collect()
    };
    let noun = inventory.as_str();

    names
        .into_iter()
        .map(|name| {
            let item = present.iter().find(|i| names_match(*inventory, &i.name, &name));
            let used: Vec<&temper_learner::Fact> = host
                .facts
                .iter()
                .filter(|f| usage.matches(&f.key) && fact_names(&f.key).is_some_and(|n| names_match(*inventory, n, &name)))
                .collect();
            let mut uses: Vec<Usage> = assess_usages(&used);
            // A module the inventory lists is loaded, hence in use, sighting or not.
            if *inventory == InventoryCategory::Module {
                if let Some(item) = item {
                    uses.push(loaded_module_usage(item));
                }
            }
            let mut outcome = Outcome::new(Value::String(name.clone()), format!("{noun} {name} was never used"));
            outcome.subject = Some(format!("{noun} {name}"));
            outcome.usage = uses;
            if let Some(item) = item {
                if *inventory != InventoryCategory::Module {
                    outcome.watched_since = Some(item.first_seen);
                }
                if !item.attrs.is_empty() {
                    outcome.detail.insert("inventory".into(), Value::Object(item.attrs.clone()));
                }
            }
            if let Some(candidate) = candidates.iter().find(|c| c.name == name) {
                let refs = serde_json::json!({ "cis": candidate.cis, "stig": candidate.stig, "cac": format!("kernel_module_{}_disabled", candidate.name) });
                outcome.detail.insert("references".into(), refs);
            }
            outcome
        })
        .collect()
}

/// A loaded module seen in the inventory: in use for as long as it was listed.
fn loaded_module_usage(item: &InventoryRecord) -> Usage {
    Usage {
        fact: format!("kernel module {} loaded (inventory)", item.name),
        state: crate::decision::State::Exception,
        note: None,
        count: 1,
        first_seen: utc(item.first_seen),
        last_seen: utc(item.last_seen),
        days: (((item.last_seen - item.first_seen) / 86_400_000) + 1) as usize,
        peers: Vec::new(),
        processes: Vec::new(),
        users: Vec::new(),
        objects: Vec::new(),
        evidence_exact: true,
        undercount: 0,
    }
}
