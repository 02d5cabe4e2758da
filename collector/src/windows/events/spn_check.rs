//! Security 5168: "SPN check for SMB/SMB2 failed". SMB server name
//! hardening rejected (or, at level 1, only flagged) a client whose
//! service principal name did not match this server: a client that this
//! setting breaks. It is kept as a failed `logon` on `smb` with method
//! `spn-check`, naming the account and the SPN it presented.
//! Fields: `SubjectUserName`, `SubjectDomainName`, `SpnName`, `ErrorCode`
//! (learn.microsoft.com, "5168(F): SPN check for SMB/SMB2 failed").

use super::super::context::Context;
use super::super::event_record::EventRecord;
use crate::observation::{Event, LogonEvent, Observation, Role};

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let mut obs = ctx
        .observation(
            record,
            Event::Logon(LogonEvent { method: "spn-check".into(), service: "smb".into(), success: false }),
        )
        .with_role(Role::Server)
        .with_detail("event", ctx.event_name(record));
    if let Some(user) = record.value("SubjectUserName") {
        obs = obs.with_user(user.to_string());
    }
    if let Some(domain) = record.value("SubjectDomainName") {
        obs = obs.with_detail("domain", domain.to_string());
    }
    if let Some(spn) = record.value("SpnName") {
        obs = obs.with_detail("spn", spn.to_string());
    }
    if let Some(code) = record.value("ErrorCode") {
        obs = obs.with_detail("error_code", code.to_string());
    }
    out.push(obs);
}
