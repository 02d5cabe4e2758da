//! Security 5156: the Windows Filtering Platform permitted a connection
//! ("Filtering Platform Connection" auditing).
//!
//! For an inbound connection (`Direction` `%%14592`) the `Source` fields
//! are this host and the `Dest` fields the peer; for an outbound one
//! (`%%14593`) `Source` is still this host. Other IP protocols (ICMP, ...)
//! are not flows a firewall allowlist of ports needs.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::{parse_ip, port, process};
use crate::observation::{ConnectionUse, Endpoint, Event, Observation, Role, Transport};

/// `Direction` as an event-log message id, or its English text.
fn role_of(direction: &str) -> Option<Role> {
    match direction.trim() {
        "%%14592" => Some(Role::Server),
        "%%14593" => Some(Role::Client),
        d if d.eq_ignore_ascii_case("inbound") => Some(Role::Server),
        d if d.eq_ignore_ascii_case("outbound") => Some(Role::Client),
        _ => None,
    }
}

fn transport_of(protocol: Option<i64>) -> Option<Transport> {
    match protocol? {
        6 => Some(Transport::Tcp),
        17 => Some(Transport::Udp),
        _ => None,
    }
}

pub fn decode(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(role) = record.value("Direction").and_then(|d| role_of(&d)) else { return };
    let Some(transport) = transport_of(record.int("Protocol")) else { return };
    let endpoint = |address: &str, port_field: &str| Endpoint {
        ip: record.value(address).and_then(|a| parse_ip(&a)),
        port: port(record, port_field),
        name: None,
    };
    let local = endpoint("SourceAddress", "SourcePort");
    let remote = endpoint("DestAddress", "DestPort");
    let mut obs = ctx
        .observation(record, Event::Connection(ConnectionUse { transport }))
        .with_role(role)
        .with_local(local)
        .with_peer(remote)
        .with_detail("event", ctx.event_name(record));
    if let Some(application) = record.value("Application") {
        obs = obs
            .with_process(process(&application, record.int("ProcessID")))
            .with_detail("application", application.to_string());
    }
    out.push(obs);
}
