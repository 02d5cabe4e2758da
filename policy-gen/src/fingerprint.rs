//! The role a bundle is for: what the source host is (OS family and
//! version, domain role) and has (enabled services, shares, listeners,
//! installed features), from its inventory. `policy fit` compares a target
//! with it: a service, share or listener the role never had is something
//! the bundle's policy was not learned for.

use crate::host_view::{listener_port, unit_name, HostView};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use temper_observation::inventory::settings;
use temper_observation::InventoryCategory;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleFingerprint {
    pub os: Option<String>,
    pub os_version: Option<String>,
    pub domain_role: Option<String>,
    /// Services that are enabled or running (systemd units without their suffix).
    pub services: BTreeSet<String>,
    pub shares: BTreeSet<String>,
    /// `tcp/22`, `udp/161`.
    pub listeners: BTreeSet<String>,
    pub features: BTreeSet<String>,
}

/// A difference between a target and the role.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoleDifference {
    /// `os`, `service`, `share`, `listener`, `feature`.
    pub what: String,
    pub target: String,
    pub role: String,
}

impl RoleDifference {
    /// The target is another kind of host (OS family or domain role), not
    /// the same kind with more on it.
    pub fn disqualifies(&self) -> bool {
        self.what == "os" || self.what == "domain role"
    }
}

impl RoleFingerprint {
    pub fn of(host: &HostView) -> RoleFingerprint {
        let active = |attrs: &serde_json::Map<String, serde_json::Value>| {
            let enabled = attrs.get("enabled").and_then(|v| v.as_str());
            let state = attrs.get("active").or_else(|| attrs.get("state")).and_then(|v| v.as_str());
            let start = attrs.get("start_type").and_then(|v| v.as_str());
            // No state recorded (a bare inventory item): present counts.
            (enabled.is_none() && state.is_none() && start.is_none())
                || matches!(enabled, Some("enabled" | "static" | "indirect" | "alias"))
                || matches!(state, Some("active" | "running" | "Running"))
                || matches!(start, Some("auto" | "Automatic"))
        };
        let names = |category: InventoryCategory| -> BTreeSet<String> {
            host.inventory_of(category).map(|i| i.name.clone()).collect()
        };
        RoleFingerprint {
            os: host.setting(settings::OS).map(str::to_string),
            os_version: host.setting(settings::OS_VERSION).map(str::to_string),
            domain_role: host.domain_role().map(str::to_string),
            services: host
                .inventory_of(InventoryCategory::Service)
                .filter(|i| active(&i.attrs))
                .map(|i| unit_name(&i.name).to_ascii_lowercase())
                .collect(),
            shares: names(InventoryCategory::Share),
            listeners: host
                .inventory_of(InventoryCategory::Listener)
                .filter_map(|l| {
                    let port = listener_port(l)?;
                    let transport = l.attr_str("transport").unwrap_or("tcp");
                    Some(format!("{transport}/{port}"))
                })
                .collect(),
            features: host
                .inventory_of(InventoryCategory::Feature)
                .filter(|f| f.attrs.get("enabled").and_then(|v| v.as_bool()).unwrap_or(true))
                .map(|f| f.name.clone())
                .collect(),
        }
    }

    /// What the target is or has that the role is not or has not.
    pub fn differences(&self, target: &RoleFingerprint) -> Vec<RoleDifference> {
        let mut out = Vec::new();
        let scalar = |what: &str, role: &Option<String>, target: &Option<String>, out: &mut Vec<RoleDifference>| {
            if let (Some(r), Some(t)) = (role, target) {
                if r != t {
                    out.push(RoleDifference { what: what.into(), target: t.clone(), role: r.clone() });
                }
            }
        };
        scalar("os", &self.os, &target.os, &mut out);
        scalar("os version", &self.os_version, &target.os_version, &mut out);
        scalar("domain role", &self.domain_role, &target.domain_role, &mut out);
        let sets: [(&str, &BTreeSet<String>, &BTreeSet<String>); 4] = [
            ("service", &self.services, &target.services),
            ("share", &self.shares, &target.shares),
            ("listener", &self.listeners, &target.listeners),
            ("feature", &self.features, &target.features),
        ];
        for (what, role, target) in sets {
            for extra in target.difference(role) {
                out.push(RoleDifference { what: what.into(), target: extra.clone(), role: "absent".into() });
            }
        }
        out
    }
}
