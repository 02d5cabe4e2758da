//! The effective sshd configuration from `sshd -T` (`key value` lines, keys
//! lower case), as `sshd.<key>` settings.

use crate::inventory::{InventoryCategory, InventoryItem};

/// Keys the sshd rules decide on; the full dump is hundreds of lines.
const KEYS: &[&str] = &[
    "permitrootlogin",
    "passwordauthentication",
    "kbdinteractiveauthentication",
    "pubkeyauthentication",
    "allowusers",
    "allowgroups",
    "denyusers",
    "ciphers",
    "macs",
    "kexalgorithms",
    "hostkeyalgorithms",
    "port",
];

pub fn sshd_settings(sshd_t: &str) -> Vec<InventoryItem> {
    let mut items: Vec<InventoryItem> = Vec::new();
    for line in sshd_t.lines() {
        let Some((key, value)) = line.trim().split_once(' ') else { continue };
        if !KEYS.contains(&key) {
            continue;
        }
        let name = format!("sshd.{key}");
        // Repeated keys (several ports, several AllowUsers lines) are one list.
        match items.iter_mut().find(|i| i.name == name) {
            Some(item) => {
                let joined = format!("{} {}", item.attr_str("value").unwrap_or(""), value.trim());
                *item = InventoryItem::new(InventoryCategory::Setting, name).with_attr("value", joined);
            }
            None => items.push(InventoryItem::new(InventoryCategory::Setting, name).with_attr("value", value.trim())),
        }
    }
    items
}

#[cfg(test)]
mod tests {
    #[test]
    fn effective_settings() {
        let items = super::sshd_settings("port 22\nport 2222\npermitrootlogin without-password\nciphers aes128-ctr,aes256-gcm@openssh.com\nbanner none\n");
        let value =
            |name: &str| items.iter().find(|i| i.name == name).and_then(|i| i.attr_str("value")).map(str::to_string);
        assert_eq!(value("sshd.port").as_deref(), Some("22 2222"));
        assert_eq!(value("sshd.permitrootlogin").as_deref(), Some("without-password"));
        assert!(value("sshd.banner").is_none());
    }
}
