//! Inbound use of a port, whatever kind of observation proved it.
//!
//! A connection accepted on a port is the obvious evidence, but not the only
//! one: a capture imported without a TCP source holds the handshakes on the
//! port, a Samba audit log the shares opened, the auth log the logons through
//! sshd. Every rule that removes, disables or allowlists what serves a port
//! judges with all of it, and `simulate` replays with the same function, so
//! use seen by one source is never read as "unused" because another source
//! saw nothing.

use crate::host_view::{listener_port, HostView};
use temper_learner::{FactKey, FoldClass};
use temper_observation::normalize::bare_program_name;
use temper_observation::{InventoryCategory, Protocol, Role, ShareProtocol, Transport};

/// A port this host served on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct InboundPort {
    pub transport: Transport,
    pub port: u16,
}

impl InboundPort {
    /// The allowlist member: `tcp/445`.
    pub fn member(self) -> String {
        format!("{}/{}", self.transport.as_str(), self.port)
    }
}

/// What a fact says about inbound use of this host's ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundUse {
    /// Not a use of one of this host's ports (outbound, local, or not network
    /// use at all; also authentication carried inside another protocol,
    /// whose own facts name the port).
    NotInbound,
    /// Inbound use of these ports.
    On(Vec<InboundPort>),
    /// A connection accepted on a port nobody recorded.
    PortUnknown,
}

/// The transports a protocol's handshake on `port` ran over: a KDC answers
/// Kerberos on both; everywhere else Kerberos and NTLM ride inside the TCP
/// protocol of the port (SMB, HTTP, LDAP).
fn transports_of(protocol: Protocol, port: u16) -> &'static [Transport] {
    match (protocol, port) {
        (Protocol::Kerberos, 88 | 464) => &[Transport::Tcp, Transport::Udp],
        _ => &[Transport::Tcp],
    }
}

/// The ports the inventory lists `program` listening on (bare, case-insensitive).
pub fn listener_ports_of(host: &HostView, program: &str) -> Vec<InboundPort> {
    let mut ports: Vec<InboundPort> = host
        .inventory_of(InventoryCategory::Listener)
        .filter(|l| l.attr_str("process").is_some_and(|p| bare_program_name(p).eq_ignore_ascii_case(program)))
        .filter_map(|l| Some(InboundPort { transport: listener_transport(l), port: listener_port(l)? }))
        .collect();
    ports.sort();
    ports.dedup();
    ports
}

fn listener_transport(listener: &temper_learner::InventoryRecord) -> Transport {
    match listener.attr_str("transport") {
        Some(t) if t.eq_ignore_ascii_case("udp") => Transport::Udp,
        _ => Transport::Tcp,
    }
}

/// The listeners on any of `wanted` ports, or the first of them over TCP
/// when the inventory lists none (a share opened proves the server listened).
fn served_on(host: &HostView, wanted: &[u16]) -> Vec<InboundPort> {
    let mut ports: Vec<InboundPort> = host
        .inventory_of(InventoryCategory::Listener)
        .filter_map(|l| Some(InboundPort { transport: listener_transport(l), port: listener_port(l)? }))
        .filter(|p| wanted.contains(&p.port))
        .collect();
    if ports.is_empty() {
        ports.push(InboundPort { transport: Transport::Tcp, port: wanted[0] });
    }
    ports.sort();
    ports.dedup();
    ports
}

/// The ports on which `key` proves this host was used from the network.
pub fn inbound_use(key: &FactKey, host: &HostView) -> InboundUse {
    match key {
        FactKey::Connection { role: Some(Role::Client), .. } => InboundUse::NotInbound,
        FactKey::Connection { transport, port: Some(port), .. } => {
            InboundUse::On(vec![InboundPort { transport: *transport, port: *port }])
        }
        FactKey::Connection { port: None, .. } => InboundUse::PortUnknown,
        FactKey::Protocol { role: Some(Role::Client), .. } => InboundUse::NotInbound,
        FactKey::Protocol { negotiated, port: Some(port), .. } => InboundUse::On(
            transports_of(negotiated.protocol(), *port)
                .iter()
                .map(|t| InboundPort { transport: *t, port: *port })
                .collect(),
        ),
        // Host-wide sources (Schannel, 4624's NTLM package) name no port. The
        // connection source an allowlist relies on anyway has the flow, and a
        // removal cannot tie them to one service.
        FactKey::Protocol { port: None, .. } => InboundUse::NotInbound,
        // Every algorithm comes with its handshake's protocol fact, which says the same.
        FactKey::Algorithm { .. } => InboundUse::NotInbound,
        FactKey::Share { protocol: ShareProtocol::Smb, .. } => InboundUse::On(served_on(host, &[445, 139])),
        FactKey::Share { protocol: ShareProtocol::Nfs, .. } => InboundUse::On(served_on(host, &[2049])),
        // A failed logon proves someone tried, not that anyone needs it.
        FactKey::Logon { success: false, .. } => InboundUse::NotInbound,
        FactKey::Logon { service, .. } => match service.as_str() {
            "sshd" => {
                let ports = listener_ports_of(host, "sshd");
                InboundUse::On(if ports.is_empty() { served_on(host, &[22]) } else { ports })
            }
            "rdp" | "cached-rdp" => InboundUse::On(served_on(host, &[3389])),
            "smb" => InboundUse::On(served_on(host, &[445, 139])),
            // Console, batch, service, sudo, and Windows network logons, which
            // do not say what carried them.
            _ => InboundUse::NotInbound,
        },
        FactKey::Script { .. } | FactKey::Exec { .. } | FactKey::Service { .. } | FactKey::Module { .. } => {
            InboundUse::NotInbound
        }
        // A flood of ports: inbound, on ports no longer told apart.
        FactKey::Folded { class: FoldClass::Ports { role: Some(Role::Client), .. } } => InboundUse::NotInbound,
        FactKey::Folded { class: FoldClass::Ports { .. } } => InboundUse::PortUnknown,
        // Shares, whatever their names, were opened through the share server.
        FactKey::Folded { class: class @ FoldClass::Shares { .. } } => match class.member("") {
            Some(share) => inbound_use(&share, host),
            None => InboundUse::NotInbound,
        },
        FactKey::Folded { class: FoldClass::FailedLogons { .. } | FoldClass::Algorithms { .. } } => {
            InboundUse::NotInbound
        }
    }
}

/// Whether `key` is inbound use of any of `ports` (any transport).
pub fn uses_any_port(key: &FactKey, host: &HostView, ports: &[u16]) -> bool {
    match inbound_use(key, host) {
        InboundUse::On(used) => used.iter().any(|u| ports.contains(&u.port)),
        InboundUse::NotInbound | InboundUse::PortUnknown => false,
    }
}
