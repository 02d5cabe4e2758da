//! Local accounts that can log in: `/etc/passwd` entries whose shell is a
//! real shell (not `nologin` or `false`). AllowUsers keep-lists and
//! "accounts never used" decisions start from these.

use crate::inventory::{InventoryCategory, InventoryItem};

pub fn login_accounts(passwd: &str) -> Vec<InventoryItem> {
    passwd
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let fields: Vec<&str> = line.split(':').collect();
            let (name, uid, shell) = (*fields.first()?, fields.get(2)?, *fields.get(6)?);
            let login = !shell.is_empty() && !shell.ends_with("/nologin") && !shell.ends_with("/false");
            (login && !name.is_empty()).then(|| {
                InventoryItem::new(InventoryCategory::Account, name)
                    .with_attr("shell", shell)
                    .with_attr("uid", uid.parse::<u64>().unwrap_or(u64::MAX))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_accounts_with_a_shell() {
        let items = login_accounts("root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\nsync:x:4:65534:sync:/bin:/bin/sync\nsshd:x:100:65534::/run/sshd:/usr/sbin/nologin\nbackup:x:34:34::/var/backups:/bin/false\n");
        let names: Vec<&str> = items.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["root", "sync"]);
        assert_eq!(items[0].attr_str("shell"), Some("/bin/bash"));
    }
}
