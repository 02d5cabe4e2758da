//! Security 5140 (a share was accessed) and 5145 (a file in a share was
//! checked for access: "Detailed File Share" auditing).
//!
//! The access is read from `AccessMask`: data or DACL writes are `write`,
//! DELETE without a write is `delete`, anything else `read`. Those bits
//! are what a read-only share would refuse.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::peer;
use crate::observation::{Access, Event, Observation, Role, ShareProtocol, ShareUse};
use crate::share_name::normalize_share_name;

/// FILE_WRITE_DATA / FILE_ADD_FILE.
const WRITE_DATA: i64 = 0x2;
/// FILE_APPEND_DATA / FILE_ADD_SUBDIRECTORY.
const APPEND_DATA: i64 = 0x4;
const DELETE: i64 = 0x1_0000;
const WRITE_DAC: i64 = 0x4_0000;

/// The access an `AccessMask` asks for.
pub fn access_of(mask: i64) -> Access {
    if mask & (WRITE_DATA | APPEND_DATA | WRITE_DAC) != 0 {
        Access::Write
    } else if mask & DELETE != 0 {
        Access::Delete
    } else {
        Access::Read
    }
}

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(share) = record.value("ShareName") else { return };
    // `\\server` alone names no share.
    if normalize_share_name(&share).is_empty() {
        return;
    }
    let access = record.int("AccessMask").map(access_of).unwrap_or(Access::Read);
    let path = record.value("RelativeTargetName").map(|p| p.to_string());
    let mut obs = ctx
        .observation(
            record,
            Event::Share(ShareUse { share: share.to_string(), path, access, protocol: ShareProtocol::Smb }),
        )
        .with_role(Role::Server)
        .with_detail("event", ctx.event_name(record));
    if let Some(peer) = peer(record, "IpAddress", Some("IpPort"), None) {
        obs = obs.with_peer(peer);
    }
    if let Some(user) = record.value("SubjectUserName") {
        obs = obs.with_user(user.to_string());
    }
    if let Some(domain) = record.value("SubjectDomainName") {
        obs = obs.with_detail("domain", domain.to_string());
    }
    if let Some(mask) = record.value("AccessMask") {
        obs = obs.with_detail("access_mask", mask.to_string());
    }
    if let Some(local_path) = record.value("ShareLocalPath") {
        obs = obs.with_detail("share_local_path", local_path.to_string());
    }
    out.push(obs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_masks() {
        assert_eq!(access_of(0x1), Access::Read);
        assert_eq!(access_of(0x100080), Access::Read);
        assert_eq!(access_of(0x2), Access::Write);
        assert_eq!(access_of(0x13019f), Access::Write);
        assert_eq!(access_of(0x10080), Access::Delete);
        assert_eq!(access_of(0x40000), Access::Write);
    }
}
