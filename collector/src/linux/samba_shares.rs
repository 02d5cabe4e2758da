//! Samba shares and server settings from `testparm -s` (the effective
//! configuration, includes resolved). Sections other than `[global]`,
//! `[printers]` and `[print$]` are shares; a few `[global]` settings the
//! Samba rules decide on are kept as `samba.<name>` settings.

use crate::inventory::{InventoryCategory, InventoryItem};

/// `[global]` parameters worth keeping (lower case, as testparm writes them).
const GLOBAL_SETTINGS: &[&str] =
    &["server min protocol", "ntlm auth", "server signing", "smb encrypt", "server smb encrypt", "map to guest"];

pub fn samba_inventory(testparm: &str) -> Vec<InventoryItem> {
    let mut items = Vec::new();
    let mut section: Option<InventoryItem> = None;
    let mut in_global = false;
    for line in testparm.lines().map(str::trim) {
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            items.extend(section.take());
            in_global = name.eq_ignore_ascii_case("global");
            if !in_global && !name.eq_ignore_ascii_case("printers") && name != "print$" {
                section = Some(InventoryItem::new(InventoryCategory::Share, name).with_attr("protocol", "smb"));
            }
            continue;
        }
        let Some((key, value)) = line.split_once('=') else { continue };
        let (key, value) = (key.trim().to_ascii_lowercase(), value.trim());
        if in_global {
            if GLOBAL_SETTINGS.contains(&key.as_str()) {
                items.push(
                    InventoryItem::new(InventoryCategory::Setting, format!("samba.{key}")).with_attr("value", value),
                );
            }
        } else if let Some(share) = section.take() {
            section = Some(share.with_attr(&key.replace(' ', "_"), value));
        }
    }
    items.extend(section);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_global_settings() {
        let text = "# Global parameters\n[global]\n\tserver min protocol = NT1\n\tworkgroup = WG\n\n[scans]\n\tpath = /srv/scans\n\tread only = No\n\tvalid users = @scanners\n\n[printers]\n\tpath = /var/spool\n";
        let items = samba_inventory(text);
        let scans = items.iter().find(|i| i.name == "scans").unwrap();
        assert_eq!(scans.attr_str("path"), Some("/srv/scans"));
        assert_eq!(scans.attr_str("read_only"), Some("No"));
        assert_eq!(scans.attr_str("valid_users"), Some("@scanners"));
        assert!(items.iter().any(|i| i.name == "samba.server min protocol" && i.attr_str("value") == Some("NT1")));
        assert!(!items.iter().any(|i| i.name == "printers" || i.name == "samba.workgroup"));
    }
}
