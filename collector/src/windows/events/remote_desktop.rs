//! Remote Desktop: RemoteConnectionManager 1149 (a user authenticated)
//! and RdpCoreTS 131 (a TCP or UDP connection was accepted).
//!
//! 1149 names the user and the client but not how they authenticated (the
//! RDP security layer comes from the wire source), so its method is
//! `unknown`. 131 has a client and no user; it does not name the listener
//! port either, so the decoder's configured RDP port stands in (3389
//! unless the inventory says otherwise), marked as assumed.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::{parse_ip, parse_socket};
use crate::observation::{ConnectionUse, Endpoint, Event, LogonEvent, Observation, Role, Transport};

pub fn decode_authenticated(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let mut obs = ctx
        .observation(
            record,
            Event::Logon(LogonEvent { method: "unknown".into(), service: "rdp".into(), success: true }),
        )
        .with_role(Role::Server)
        .with_detail("event", ctx.event_name(record));
    if let Some(user) = record.value("Param1") {
        obs = obs.with_user(user.to_string());
    }
    if let Some(domain) = record.value("Param2") {
        obs = obs.with_detail("domain", domain.to_string());
    }
    if let Some(address) = record.value("Param3") {
        obs = obs.with_peer(match parse_ip(&address) {
            Some(ip) => Endpoint::ip(ip),
            None => Endpoint { ip: None, port: None, name: Some(address.to_string()) },
        });
        obs = obs.with_detail("source_address", address.to_string());
    }
    out.push(obs);
}

pub fn decode_accepted(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let transport = match record.value("ConnType").as_deref().map(str::trim) {
        Some(t) if t.eq_ignore_ascii_case("udp") => Transport::Udp,
        _ => Transport::Tcp,
    };
    let mut obs = ctx
        .observation(record, Event::Connection(ConnectionUse { transport }))
        .with_role(Role::Server)
        .with_local(Endpoint { ip: None, port: Some(ctx.rdp_port), name: None })
        .with_detail("port_assumed", true)
        .with_detail("event", ctx.event_name(record));
    if let Some((ip, port)) = record.value("ClientIP").and_then(|c| parse_socket(&c)) {
        obs = obs.with_peer(Endpoint { ip: Some(ip), port, name: None });
    }
    out.push(obs);
}
