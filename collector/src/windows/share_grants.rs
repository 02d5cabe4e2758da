//! Who may do what on a share: the allow entries of the share's and of its
//! folder's DACL, one grant per trustee at the highest level of rights, as
//! the inventory keeps them (`share_grants`, `folder_grants`, whose form is
//! the Observation contract's `share_grants`). Whether a grant is too broad
//! is the policy's judgement, not the collector's.

use super::security_descriptor::{dacl_of_bytes, AccessEntry, Dacl, DescriptorError};
use super::well_known_sids::well_known_name;
use std::collections::BTreeMap;
pub use temper_observation::share_grants::{from_attr, to_attr, Grant, Rights};

pub const EVERYONE: &str = "S-1-1-0";

const FILE_WRITE_DATA: u32 = 0x2;
const FILE_APPEND_DATA: u32 = 0x4;
const FILE_DELETE_CHILD: u32 = 0x40;
const DELETE: u32 = 0x1_0000;
const WRITE_DAC: u32 = 0x4_0000;
const WRITE_OWNER: u32 = 0x8_0000;
const GENERIC_ALL: u32 = 0x1000_0000;
const GENERIC_WRITE: u32 = 0x4000_0000;

/// The level an access mask grants; `None` for a mask that grants nothing.
pub fn rights_of(mask: u32) -> Option<Rights> {
    if mask & (WRITE_DAC | WRITE_OWNER | GENERIC_ALL) != 0 {
        Some(Rights::Full)
    } else if mask & (FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD | DELETE | GENERIC_WRITE) != 0 {
        Some(Rights::Change)
    } else if mask != 0 {
        Some(Rights::Read)
    } else {
        None
    }
}

/// The grants a DACL makes: allow entries merged per trustee at their
/// highest level, in trustee order. Deny entries are not subtracted: they
/// make a grant narrower than listed, never broader, and a reviewer sees
/// the whole ACL when narrowing it. No DACL grants Everyone full control.
pub fn grants_of(dacl: &Dacl) -> Vec<Grant> {
    let entries: &[AccessEntry] = match dacl {
        Dacl::Unrestricted => {
            return vec![Grant { trustee: EVERYONE.into(), name: Some("Everyone".into()), rights: Rights::Full }]
        }
        Dacl::Entries(entries) => entries,
    };
    let mut by_trustee: BTreeMap<&str, Rights> = BTreeMap::new();
    for entry in entries.iter().filter(|e| e.allow) {
        if let Some(rights) = rights_of(entry.mask) {
            let level = by_trustee.entry(&entry.trustee).or_insert(rights);
            *level = (*level).max(rights);
        }
    }
    by_trustee
        .into_iter()
        .map(|(trustee, rights)| Grant {
            trustee: trustee.to_string(),
            name: well_known_name(trustee).map(str::to_string),
            rights,
        })
        .collect()
}

/// The grants of a self-relative descriptor, trustees without a
/// well-known name named by `lookup` (the live layer's account lookup).
pub fn grants_of_descriptor(
    bytes: &[u8],
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<Vec<Grant>, DescriptorError> {
    let mut grants = grants_of(&dacl_of_bytes(bytes)?);
    for grant in grants.iter_mut().filter(|g| g.name.is_none()) {
        grant.name = lookup(&grant.trustee);
    }
    Ok(grants)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_share_dialog_levels_and_ntfs_masks() {
        // Share Full / Change / Read as Windows writes them; Samba's Change.
        assert_eq!(rights_of(0x1f01ff), Some(Rights::Full));
        assert_eq!(rights_of(0x1301bf), Some(Rights::Change));
        assert_eq!(rights_of(0x1301ff), Some(Rights::Change));
        assert_eq!(rights_of(0x1200a9), Some(Rights::Read));
        // NTFS Write, a drop box's append-only, generic rights.
        assert_eq!(rights_of(0x120116), Some(Rights::Change));
        assert_eq!(rights_of(FILE_APPEND_DATA), Some(Rights::Change));
        assert_eq!(rights_of(GENERIC_ALL), Some(Rights::Full));
        assert_eq!(rights_of(0x8000_0000), Some(Rights::Read));
        assert_eq!(rights_of(0), None);
    }

    #[test]
    fn grants_merge_per_trustee_and_skip_denials() {
        let entry =
            |allow, trustee: &str, mask| AccessEntry { allow, trustee: trustee.into(), mask, inherit_only: false };
        let dacl = Dacl::Entries(vec![
            entry(false, "S-1-5-7", 0x1f01ff),
            entry(true, "S-1-5-11", 0x1200a9),
            entry(true, "S-1-5-11", 0x1301bf),
            entry(true, "DU", 0x1200a9),
            entry(true, "S-1-5-21-1-2-3-1104", 0),
        ]);
        let labels: Vec<String> = grants_of(&dacl).iter().map(Grant::label).collect();
        assert_eq!(labels, ["Domain Users (read)", "Authenticated Users (change)"]);
        assert_eq!(grants_of(&Dacl::Unrestricted)[0].label(), "Everyone (full)");
    }

    #[test]
    fn attrs_round_trip() {
        let grants = grants_of(&Dacl::Unrestricted);
        assert_eq!(from_attr(Some(&to_attr(&grants))), Some(grants));
        assert_eq!(from_attr(Some(&serde_json::Value::String("x".into()))), None);
    }
}
