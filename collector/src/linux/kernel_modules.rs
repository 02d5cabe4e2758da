//! Loaded kernel modules, from `/proc/modules` (`name size refcount deps state address`).

use crate::inventory::{InventoryCategory, InventoryItem};

pub fn loaded_modules(proc_modules: &str) -> Vec<InventoryItem> {
    proc_modules
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(|name| InventoryItem::new(InventoryCategory::Module, name))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn module_names() {
        let items = super::loaded_modules(
            "cifs 1196032 0 - Live 0x0000000000000000\nnf_tables 348160 1 nft_ct, Live 0x0000000000000000\n",
        );
        assert_eq!(items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["cifs", "nf_tables"]);
    }
}
