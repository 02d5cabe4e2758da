//! NTLM auditing ("Restrict NTLM: Audit ..."), in the
//! `Microsoft-Windows-NTLM/Operational` log: who authenticates with NTLM at
//! all, whatever the version. This is the exception list "Restrict NTLM:
//! incoming traffic" needs. Field names from the providers' manifests as
//! dumped in github.com/jdu2600/Windows10EtwEvents (`manifest/
//! Microsoft-Windows-NTLM.tsv`, `Microsoft-Windows-Security-Netlogon.tsv`)
//! and OSSEM-DD.
//!
//! - 8001 (NTLM): outgoing NTLM from this host: `TargetName`, `UserName`,
//!   `DomainName`, `CallerPID`, `ProcessName`, `ClientUserName`, ...
//! - 8002 (NTLM): incoming NTLM to this host: `CallerPID`, `ProcessName`,
//!   `ClientUserName`, `ClientDomainName` (no client address).
//! - 8003 (NTLM): incoming NTLM with a domain account: `UserName`,
//!   `DomainName`, `Workstation`, `ProcessName`, `LogonType`.
//! - 8004 (Security-Netlogon, domain controllers): NTLM pass-through to
//!   this DC: `SChannelName` (the server that passed it on), `UserName`,
//!   `DomainName`, `WorkstationName`.
//!
//! None of them says which NTLM version was used (4624's `LmPackageName`
//! does), so they become `logon` observations with method `ntlm`, never a
//! `protocol` version.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::process;
use crate::observation::{Endpoint, Event, LogonEvent, Observation, Role};

fn named(name: &str) -> Endpoint {
    Endpoint { ip: None, port: None, name: Some(name.trim().to_string()) }
}

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let (role, user, domain, peer) = match record.event_id {
        8001 => (Role::Client, "UserName", "DomainName", record.value("TargetName")),
        8002 => (Role::Server, "ClientUserName", "ClientDomainName", None),
        8003 => (Role::Server, "UserName", "DomainName", record.value("Workstation")),
        _ => (Role::Server, "UserName", "DomainName", record.value("WorkstationName")),
    };
    let mut obs = ctx
        .observation(
            record,
            Event::Logon(LogonEvent { method: "ntlm".into(), service: "network".into(), success: true }),
        )
        .with_role(role)
        .with_detail("event", ctx.event_name(record))
        .with_detail("ntlm_audit", true);
    if let Some(user) = record.value(user) {
        obs = obs.with_user(user.to_string());
    }
    // Netlogon writes the literal `NULL` for an unknown domain.
    if let Some(domain) = record.value(domain).filter(|d| d.trim() != "NULL") {
        obs = obs.with_detail("domain", domain.to_string());
    }
    if let Some(peer) = peer {
        obs = obs.with_peer(named(&peer));
    }
    if let Some(image) = record.value("ProcessName") {
        obs = obs.with_process(process(&image, record.int("CallerPID")));
    }
    if let Some(channel_server) = record.value("SChannelName") {
        obs = obs.with_detail("via_server", channel_server.to_string());
    }
    if let Some(logon_type) = record.int("LogonType") {
        obs = obs.with_detail("logon_type", logon_type);
    }
    out.push(obs);
}
