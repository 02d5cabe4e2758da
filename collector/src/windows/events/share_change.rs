//! Security 5143 (a network share object was modified, "Audit File Share"):
//! the share's new ACL (`NewSD`, in SDDL) and path, as the share's
//! inventory item. It is how an `.evtx` import learns a share's grants;
//! the live inventory reads them from the registry instead.
//!
//! The item replaces the share's earlier one (the newest inventory wins),
//! so its folder grants are unknown until the next live inventory.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::sddl::dacl_of_sddl;
use super::super::share_grants::{grants_of, to_attr};
use crate::inventory::{InventoryCategory, InventoryItem};
use crate::observation::{Event, Inventory, Observation};
use crate::share_name::normalize_share_name;

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(raw_name) = record.value("ShareName") else { return };
    let name = normalize_share_name(&raw_name);
    let Some(descriptor) = record.value("NewSD") else { return };
    if name.is_empty() {
        return;
    }
    let dacl = match dacl_of_sddl(&descriptor) {
        Ok(dacl) => dacl,
        Err(e) => {
            tracing::warn!(event = %ctx.event_name(record), record = record.record_id, share = %name, "share permissions not recorded: {e}");
            return;
        }
    };
    let mut item =
        InventoryItem::new(InventoryCategory::Share, name).with_attr("share_grants", to_attr(&grants_of(&dacl)));
    if let Some(path) = record.value("ShareLocalPath") {
        // 5140 writes `\??\C:\Data`, 5143 `C:\Data`.
        let path = path.strip_prefix(r"\??\").unwrap_or(&path);
        if !path.is_empty() {
            item = item.with_attr("path", path);
        }
    }
    out.push(ctx.observation(record, Event::Inventory(Inventory { items: vec![item] })));
}
