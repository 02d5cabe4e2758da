//! systemd services and sockets with their enablement and state, from
//! `systemctl list-units --all` and `systemctl list-unit-files` (both with
//! `--no-legend --plain --no-pager`).

use crate::inventory::{InventoryCategory, InventoryItem};
use std::collections::BTreeMap;

/// `UNIT LOAD ACTIVE SUB DESCRIPTION...` lines and `UNIT STATE [PRESET]` lines, merged per unit.
pub fn systemd_units(list_units: &str, list_unit_files: &str) -> Vec<InventoryItem> {
    let mut units: BTreeMap<String, InventoryItem> = BTreeMap::new();
    let kept = |unit: &str| unit.ends_with(".service") || unit.ends_with(".socket");
    for line in list_unit_files.lines() {
        let mut parts = line.split_whitespace();
        let (Some(unit), Some(state)) = (parts.next(), parts.next()) else { continue };
        if kept(unit) {
            units.insert(unit.into(), InventoryItem::new(InventoryCategory::Service, unit).with_attr("enabled", state));
        }
    }
    for line in list_units.lines() {
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [unit, load, active, sub, ..] = parts[..] else { continue };
        if !kept(unit) {
            continue;
        }
        let item = units.remove(unit).unwrap_or_else(|| InventoryItem::new(InventoryCategory::Service, unit));
        units.insert(unit.into(), item.with_attr("load", load).with_attr("active", active).with_attr("state", sub));
    }
    units.into_values().collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn units_merge_state_and_enablement() {
        let units = super::systemd_units(
            "ssh.service loaded active running OpenBSD Secure Shell server\nsnmpd.service loaded inactive dead SNMP\ncron.timer loaded active waiting x\n",
            "ssh.service enabled enabled\nsnmpd.service disabled enabled\nsmbd.socket masked -\n",
        );
        let get = |n: &str| units.iter().find(|u| u.name == n).unwrap();
        assert_eq!(get("ssh.service").attr_str("state"), Some("running"));
        assert_eq!(get("snmpd.service").attr_str("enabled"), Some("disabled"));
        assert_eq!(get("smbd.socket").attr_str("enabled"), Some("masked"));
        assert!(units.iter().all(|u| u.name != "cron.timer"));
    }
}
