//! Microsoft-Windows-SMBServer: which SMB dialect each client negotiated.
//!
//! Field names are the provider manifest's, as dumped in
//! github.com/jdu2600/Windows10EtwEvents (`manifest/
//! Microsoft-Windows-SMBServer.tsv`) and nasbench/EVTX-ETW-Resources
//! (Windows 11 21H2 WEPExplorer dump, which also gives the channels):
//!
//! - 3000 (`SMBServer/Audit`, with `AuditSmb1Access` on): `ClientName`,
//!   which holds the client's *address*: an SMB1 access.
//! - 500 Smb2ConnectionAccept (Analytic, ETW): `ConnectionGUID`,
//!   `Address` (a SOCKADDR, binary) — who connected.
//! - 101 Smb2ResponseNegotiate (ETW): `ConnectionGUID`, `Status`,
//!   `SecurityMode`, `DialectRevision` — what was negotiated.
//! - 501/502 (disconnect, terminate): `ConnectionGUID` — forget it.
//!
//! 500 and 101 are joined on `ConnectionGUID`. A negotiation whose
//! connection was accepted before the trace started still counts, without
//! a peer.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::{hex_bytes, parse_ip, parse_socket};
use crate::observation::{Endpoint, Event, Observation, ProtocolUse, Role};
use crate::versions::{Negotiated, SmbDialect};
use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The SMB server port: 3000 and 101 are about the SMB service itself.
const SMB_PORT: u16 = 445;
/// Connections remembered between 500 and 101; the oldest are forgotten first.
const MAX_PENDING: usize = 65_536;
/// SMB2_NEGOTIATE_SIGNING_REQUIRED in SecurityMode.
const SIGNING_REQUIRED: i64 = 0x2;

/// Ids of this provider that [`ConnectionJoin::decode`] reads.
pub const CONNECTION_EVENTS: &[u32] = &[101, 500, 501, 502];

/// `DialectRevision` (MS-SMB2 2.2.4) → the canonical dialect. 0x2FF (the
/// SMB2 wildcard answered to a multi-protocol negotiate) is not a dialect.
pub fn dialect_of(revision: i64) -> Option<SmbDialect> {
    match revision {
        0x0202 => Some(SmbDialect::Smb202),
        0x0210 => Some(SmbDialect::Smb21),
        0x0300 => Some(SmbDialect::Smb30),
        0x0302 => Some(SmbDialect::Smb302),
        0x0311 => Some(SmbDialect::Smb311),
        _ => None,
    }
}

/// A SOCKADDR as the event log renders binary data (hex), or as text
/// (`10.0.0.5:50000`) where a consumer formatted it already.
pub fn parse_sockaddr(text: &str) -> Option<(IpAddr, Option<u16>)> {
    if let Some(parsed) = parse_socket(text) {
        return Some(parsed);
    }
    let bytes = hex_bytes(text)?;
    let family = u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]);
    let port = u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]);
    let port = (port != 0).then_some(port);
    match family {
        // AF_INET: family, port, 4 address bytes.
        2 => {
            let a: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Some((IpAddr::V4(Ipv4Addr::from(a)), port))
        }
        // AF_INET6 (23 on Windows): family, port, flow info, 16 address bytes.
        23 => {
            let a: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            let v6 = Ipv6Addr::from(a);
            Some((v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)), port))
        }
        _ => None,
    }
}

/// 3000: an SMB1 access, by client address.
pub fn decode_smb1_audit(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let mut obs = ctx
        .observation(record, Event::Protocol(ProtocolUse { negotiated: Negotiated::Smb(SmbDialect::Smb1) }))
        .with_role(Role::Server)
        .with_local(Endpoint { ip: None, port: Some(SMB_PORT), name: None })
        .with_detail("event", ctx.event_name(record));
    if let Some(client) = record.value("ClientName") {
        obs = obs.with_peer(match parse_ip(&client) {
            Some(ip) => Endpoint::ip(ip),
            None => Endpoint { ip: None, port: None, name: Some(client.trim().to_string()) },
        });
    }
    out.push(obs);
}

/// Remembers who each connection is (500) until it negotiates (101).
#[derive(Debug, Default)]
pub struct ConnectionJoin {
    peers: HashMap<String, Endpoint>,
    order: VecDeque<String>,
}

impl ConnectionJoin {
    pub fn clear(&mut self) {
        self.peers.clear();
        self.order.clear();
    }

    pub fn decode(&mut self, record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
        let Some(connection) = record.value("ConnectionGUID").map(|g| g.trim().to_ascii_lowercase()) else { return };
        match record.event_id {
            500 => {
                let Some((ip, port)) = record.value("Address").and_then(|a| parse_sockaddr(&a)) else { return };
                if self.peers.len() >= MAX_PENDING {
                    if let Some(oldest) = self.order.pop_front() {
                        self.peers.remove(&oldest);
                    }
                }
                if self.peers.insert(connection.clone(), Endpoint { ip: Some(ip), port, name: None }).is_none() {
                    self.order.push_back(connection);
                }
            }
            501 | 502 => {
                // `order` keeps the stale key until it is popped: bounded, and cheaper than a scan.
                self.peers.remove(&connection);
            }
            101 => {
                if record.int("Status").is_some_and(|s| s != 0) {
                    return;
                }
                let Some(dialect) = record.int("DialectRevision").and_then(dialect_of) else { return };
                let mut obs = ctx
                    .observation(record, Event::Protocol(ProtocolUse { negotiated: Negotiated::Smb(dialect) }))
                    .with_role(Role::Server)
                    .with_local(Endpoint { ip: None, port: Some(SMB_PORT), name: None })
                    .with_detail("event", ctx.event_name(record));
                if let Some(peer) = self.peers.get(&connection) {
                    obs = obs.with_peer(peer.clone());
                }
                if let Some(mode) = record.int("SecurityMode") {
                    obs = obs.with_detail("signing", if mode & SIGNING_REQUIRED != 0 { "required" } else { "enabled" });
                }
                out.push(obs);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockaddrs_in_hex() {
        // AF_INET 10.0.0.9:50123 (0xC3CB), zero padding.
        assert_eq!(
            parse_sockaddr("0200C3CB0A0000090000000000000000"),
            Some(("10.0.0.9".parse().unwrap(), Some(50123)))
        );
        // AF_INET6 ::1 port 445.
        let v6 = format!("1700{:04X}00000000{}00000000", 445, "00000000000000000000000000000001");
        assert_eq!(parse_sockaddr(&v6), Some(("::1".parse().unwrap(), Some(445))));
        assert_eq!(parse_sockaddr("10.1.2.3:4455"), Some(("10.1.2.3".parse().unwrap(), Some(4455))));
        assert_eq!(parse_sockaddr("0200"), None);
        assert_eq!(parse_sockaddr("zz"), None);
    }

    #[test]
    fn dialects() {
        assert_eq!(dialect_of(0x311), Some(SmbDialect::Smb311));
        assert_eq!(dialect_of(0x202), Some(SmbDialect::Smb202));
        assert_eq!(dialect_of(0x2ff), None);
    }
}
