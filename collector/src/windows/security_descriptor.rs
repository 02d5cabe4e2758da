//! The discretionary ACL of a Windows security descriptor, from its binary
//! self-relative form: what the registry keeps for a share
//! (`LanmanServer\Shares\Security`) and what `GetNamedSecurityInfoW` returns
//! for a folder. The bytes are parsed by the `windows-sddl` crate, which
//! bounds-checks every offset; the text form is in [`super::sddl`].

use windows_sddl::{AceType, DaclKind};

/// `INHERIT_ONLY_ACE`: the entry applies to what is created inside, not to
/// the folder itself, but still to every file a user puts there.
pub const INHERIT_ONLY: u8 = 0x08;

/// One allow or deny entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessEntry {
    pub allow: bool,
    /// A SID string (`S-1-1-0`), or, from SDDL, a domain-relative alias
    /// (`DU`) whose domain the text does not name.
    pub trustee: String,
    pub mask: u32,
    pub inherit_only: bool,
}

/// What a descriptor's DACL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dacl {
    /// No DACL, or a NULL one: Windows grants everyone full access.
    Unrestricted,
    /// The allow and deny entries, in order. Audit, alarm and conditional
    /// (callback) entries are left out: they grant nothing unconditionally.
    Entries(Vec<AccessEntry>),
}

#[derive(Debug, thiserror::Error)]
#[error("unreadable security descriptor: {0}")]
pub struct DescriptorError(String);

/// The DACL of a self-relative security descriptor.
pub fn dacl_of_bytes(bytes: &[u8]) -> Result<Dacl, DescriptorError> {
    let descriptor = windows_sddl::parse(bytes).map_err(|e| DescriptorError(e.to_string()))?;
    let acl = match (descriptor.dacl_kind, descriptor.dacl) {
        (DaclKind::Present, Some(acl)) => acl,
        _ => return Ok(Dacl::Unrestricted),
    };
    let entries = acl
        .aces
        .iter()
        .filter_map(|ace| {
            let allow = match ace.ace_type {
                AceType::AccessAllowed | AceType::AccessAllowedObject => true,
                AceType::AccessDenied | AceType::AccessDeniedObject => false,
                AceType::Other(_) => return None,
            };
            Some(AccessEntry {
                allow,
                trustee: ace.trustee.to_string(),
                mask: ace.mask.bits(),
                inherit_only: ace.flags & INHERIT_ONLY != 0,
            })
        })
        .collect();
    Ok(Dacl::Entries(entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `D:(A;;0x1f01ff;;;WD)` as Windows stores it: revision 1, control
    /// SE_DACL_PRESENT | SE_SELF_RELATIVE, the DACL at offset 20.
    fn everyone_full() -> Vec<u8> {
        let mut sd = vec![1, 0, 0x04, 0x80];
        sd.extend_from_slice(&[0; 12]);
        sd.extend_from_slice(&20u32.to_le_bytes());
        sd.extend_from_slice(&[2, 0, 28, 0, 1, 0, 0, 0]);
        sd.extend_from_slice(&[0x00, 0x00, 20, 0]);
        sd.extend_from_slice(&0x1f01ffu32.to_le_bytes());
        sd.extend_from_slice(&[1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]);
        sd
    }

    #[test]
    fn reads_allow_entries() {
        let dacl = dacl_of_bytes(&everyone_full()).unwrap();
        let entry = AccessEntry { allow: true, trustee: "S-1-1-0".into(), mask: 0x1f01ff, inherit_only: false };
        assert_eq!(dacl, Dacl::Entries(vec![entry]));
    }

    #[test]
    fn a_null_dacl_is_unrestricted() {
        let mut sd = vec![1, 0, 0x04, 0x80];
        sd.extend_from_slice(&[0; 16]);
        assert_eq!(dacl_of_bytes(&sd).unwrap(), Dacl::Unrestricted);
    }

    #[test]
    fn truncated_bytes_are_an_error() {
        let sd = everyone_full();
        for len in 0..sd.len() {
            assert!(dacl_of_bytes(&sd[..len]).is_err(), "{len} bytes");
        }
    }
}
