//! NFS exports from `/etc/exports` (`PATH CLIENT(OPTIONS) ...`), as shares
//! with protocol `nfs`: their use is seen as connections to 2049 per client.

use crate::inventory::{InventoryCategory, InventoryItem};

pub fn nfs_exports(exports: &str) -> Vec<InventoryItem> {
    exports
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|line| !line.is_empty())
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let path = parts.next()?.trim_matches('"');
            let clients: Vec<&str> = parts.collect();
            Some(
                InventoryItem::new(InventoryCategory::Share, path)
                    .with_attr("protocol", "nfs")
                    .with_attr("path", path)
                    .with_attr("clients", clients.join(" ")),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn exports_and_their_clients() {
        let items =
            super::nfs_exports("# comment\n/srv/nfs 10.0.0.0/24(rw,sync) backup(ro)\n\n\"/srv/with space\" *(ro)\n");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].name, "/srv/nfs");
        assert_eq!(items[0].attr_str("clients"), Some("10.0.0.0/24(rw,sync) backup(ro)"));
        assert_eq!(items[0].attr_str("protocol"), Some("nfs"));
    }
}
