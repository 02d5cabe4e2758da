//! Records of the TC classifier (`collector/bpf/flow.bpf.c`): the first
//! bytes of packets that start a protocol message, FIN/RST of flows that
//! had such records, and new UDP flows. They become the capture records the
//! flow tracker reads from pcap files, marked as excerpts; a new UDP flow
//! also becomes a connection observation.

use super::kernel_address::kernel_address;
use crate::observation::{ConnectionUse, Endpoint, Event, Observation, ProcessRef, Role, Transport};
use crate::wire::capture::{CaptureRecord, Crossing, Excerpt, PacketTime, TcpMeta};
use chrono::{DateTime, Utc};
use std::net::{IpAddr, SocketAddr};

/// The fixed part of `struct flow_record`; `copied` payload bytes follow.
pub const FLOW_RECORD_HEADER: usize = 64;
const IPPROTO_TCP: u8 = 6;
const IPPROTO_UDP: u8 = 17;
const TCP_FIN: u8 = 0x01;
const TCP_SYN: u8 = 0x02;
const TCP_RST: u8 = 0x04;
const TCP_ACK: u8 = 0x10;

/// What a record is (`KIND_*` in flow.bpf.c).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowRecordKind {
    /// FIN or RST of a flow that had records.
    Control,
    /// The payload starts a protocol message.
    Message,
    /// The rest of the message before it.
    Continuation,
    /// The first datagram of a new UDP flow.
    UdpFlow,
    /// A later datagram worth reading (Kerberos).
    Datagram,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FlowRecord<'a> {
    pub boot_ns: u64,
    pub kind: FlowRecordKind,
    pub transport: Transport,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub seq: u32,
    pub tcp_flags: u8,
    pub wire_len: u32,
    pub from_client: Option<bool>,
    pub egress: bool,
    pub payload: &'a [u8],
}

/// Reads one ring-buffer record; `None` when it is malformed (counted as loss).
pub fn parse_flow_record(bytes: &[u8]) -> Option<FlowRecord<'_>> {
    let header = bytes.get(..FLOW_RECORD_HEADER)?;
    let u16_at = |at: usize| u16::from_ne_bytes([header[at], header[at + 1]]);
    let u32_at = |at: usize| u32::from_ne_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let copied = u16_at(22) as usize;
    let payload = bytes.get(FLOW_RECORD_HEADER..FLOW_RECORD_HEADER + copied)?;
    let kind = match header[26] {
        0 => FlowRecordKind::Control,
        1 => FlowRecordKind::Message,
        2 => FlowRecordKind::Continuation,
        3 => FlowRecordKind::UdpFlow,
        4 => FlowRecordKind::Datagram,
        _ => return None,
    };
    let transport = match header[24] {
        IPPROTO_TCP => Transport::Tcp,
        IPPROTO_UDP => Transport::Udp,
        _ => return None,
    };
    let family = u16_at(16);
    Some(FlowRecord {
        boot_ns: u64::from_ne_bytes(header[0..8].try_into().ok()?),
        kind,
        transport,
        src: SocketAddr::new(kernel_address(family, &header[32..48]), u16_at(18)),
        dst: SocketAddr::new(kernel_address(family, &header[48..64]), u16_at(20)),
        seq: u32_at(8),
        tcp_flags: header[25],
        wire_len: u32_at(12),
        from_client: match header[27] {
            1 => Some(true),
            2 => Some(false),
            _ => None,
        },
        egress: header[28] != 0,
        payload,
    })
}

impl FlowRecord<'_> {
    /// The capture record the flow tracker reads, dated `time`.
    pub fn to_capture(&self, time: DateTime<Utc>) -> CaptureRecord<'_> {
        let tcp = (self.transport == Transport::Tcp).then_some(TcpMeta {
            seq: self.seq,
            syn: self.tcp_flags & TCP_SYN != 0,
            ack: self.tcp_flags & TCP_ACK != 0,
            // Sampled streams skip bulk data by design: their holes are not losses.
            ack_number: None,
            fin: self.tcp_flags & TCP_FIN != 0,
            rst: self.tcp_flags & TCP_RST != 0,
        });
        let sampled = self.transport == Transport::Tcp && self.kind != FlowRecordKind::Control;
        CaptureRecord {
            time: PacketTime::from_utc(time),
            src: self.src,
            dst: self.dst,
            transport: self.transport,
            tcp,
            crossing: Some(if self.egress { Crossing::Egress } else { Crossing::Ingress }),
            excerpt: sampled.then_some(Excerpt {
                message_start: self.kind == FlowRecordKind::Message,
                from_client: self.from_client,
                wire_len: self.wire_len,
            }),
            payload: self.payload,
            wire_len: None,
        }
    }
}

/// What a new UDP flow is judged against: this host's addresses and sockets.
pub trait UdpHost {
    fn is_local(&self, ip: IpAddr) -> bool;
    /// Whether a UDP port has a socket bound on this host.
    fn is_bound(&mut self, port: u16) -> bool;
    /// The process bound to a UDP port.
    fn owner(&mut self, port: u16) -> Option<ProcessRef>;
}

/// A new UDP flow as connections: to a local bound port it is inbound
/// (this host serves); from a local address it is outbound (this host is
/// a client). On loopback it is both, as a TCP connection is. Datagrams
/// to a local port nothing listens on (scans) and forwarded traffic are
/// not this host's use.
pub fn udp_connections(
    record: &FlowRecord<'_>,
    host_name: &str,
    time: DateTime<Utc>,
    host: &mut impl UdpHost,
) -> Vec<Observation> {
    let (src, dst) = (record.src, record.dst);
    let connection = |role: Role, local: SocketAddr, peer: SocketAddr| {
        Observation::new(time, host_name, "ebpf", Event::Connection(ConnectionUse { transport: Transport::Udp }))
            .with_role(role)
            .with_local(Endpoint::new(local.ip(), local.port()))
            .with_peer(Endpoint::new(peer.ip(), peer.port()))
    };
    let served = |host: &mut dyn UdpHost, local: SocketAddr, peer: SocketAddr| {
        let obs = connection(Role::Server, local, peer);
        match host.owner(local.port()) {
            Some(process) => obs.with_process(process),
            None => obs,
        }
    };
    let mut found = Vec::new();
    if host.is_local(dst.ip()) && host.is_bound(dst.port()) {
        found.push(served(host, dst, src));
    } else if host.is_local(src.ip()) && host.is_bound(src.port()) && !host.is_local(dst.ip()) {
        // The reply of a local service to a flow that began before the program was attached.
        return vec![served(host, src, dst)];
    }
    if host.is_local(src.ip()) {
        found.push(connection(Role::Client, src, dst));
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: u8, protocol: u8, src: ([u8; 4], u16), dst: ([u8; 4], u16), payload: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; FLOW_RECORD_HEADER];
        b[0..8].copy_from_slice(&77u64.to_ne_bytes());
        b[8..12].copy_from_slice(&1000u32.to_ne_bytes());
        b[12..16].copy_from_slice(&(payload.len() as u32 + 10).to_ne_bytes());
        b[16..18].copy_from_slice(&2u16.to_ne_bytes());
        b[18..20].copy_from_slice(&src.1.to_ne_bytes());
        b[20..22].copy_from_slice(&dst.1.to_ne_bytes());
        b[22..24].copy_from_slice(&(payload.len() as u16).to_ne_bytes());
        b[24] = protocol;
        b[25] = 0x18;
        b[26] = kind;
        b[27] = 1;
        b[32..36].copy_from_slice(&src.0);
        b[48..52].copy_from_slice(&dst.0);
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn a_message_record_is_an_excerpt_capture_record() {
        let bytes = record(1, IPPROTO_TCP, ([10, 0, 0, 9], 50000), ([10, 0, 0, 5], 443), b"\x16\x03\x01");
        let r = parse_flow_record(&bytes).unwrap();
        assert_eq!(r.kind, FlowRecordKind::Message);
        assert_eq!(r.src, "10.0.0.9:50000".parse().unwrap());
        assert_eq!(r.dst, "10.0.0.5:443".parse().unwrap());
        let capture = r.to_capture("2026-11-02T10:00:00Z".parse().unwrap());
        assert_eq!(capture.payload, b"\x16\x03\x01");
        let excerpt = capture.excerpt.unwrap();
        assert!(excerpt.message_start);
        assert_eq!(excerpt.from_client, Some(true));
        assert_eq!(excerpt.wire_len, 13);
        assert_eq!(capture.tcp.unwrap().seq, 1000);
        assert_eq!(capture.crossing, Some(Crossing::Ingress));
    }

    #[test]
    fn malformed_records_are_refused() {
        let mut bytes = record(1, IPPROTO_TCP, ([10, 0, 0, 9], 1), ([10, 0, 0, 5], 2), b"abc");
        assert!(parse_flow_record(&bytes[..FLOW_RECORD_HEADER + 2]).is_none(), "copied says 3");
        bytes[26] = 9;
        assert!(parse_flow_record(&bytes).is_none(), "unknown kind");
        assert!(parse_flow_record(&bytes[..10]).is_none());
    }

    /// 10.0.0.5, with `named` bound to `bound`.
    struct TestHost {
        bound: Option<u16>,
    }

    impl UdpHost for TestHost {
        fn is_local(&self, ip: IpAddr) -> bool {
            ip == IpAddr::from([10, 0, 0, 5])
        }
        fn is_bound(&mut self, port: u16) -> bool {
            self.bound == Some(port)
        }
        fn owner(&mut self, port: u16) -> Option<ProcessRef> {
            self.is_bound(port).then(|| ProcessRef { pid: Some(7), name: "named".into() })
        }
    }

    #[test]
    fn udp_flows_are_inbound_to_bound_local_ports_and_outbound_from_local_addresses() {
        let time = "2026-11-02T10:00:00Z".parse().unwrap();
        let inbound = record(3, IPPROTO_UDP, ([10, 0, 0, 9], 40000), ([10, 0, 0, 5], 53), b"");
        let r = parse_flow_record(&inbound).unwrap();
        let found = udp_connections(&r, "h", time, &mut TestHost { bound: Some(53) });
        assert_eq!(found.len(), 1);
        let obs = &found[0];
        assert_eq!(obs.role, Some(Role::Server));
        assert_eq!(obs.local.as_ref().unwrap().port, Some(53));
        assert_eq!(obs.process.as_ref().unwrap().name, "named");

        let outbound = record(3, IPPROTO_UDP, ([10, 0, 0, 5], 40000), ([192, 0, 2, 1], 123), b"");
        let r = parse_flow_record(&outbound).unwrap();
        let found = udp_connections(&r, "h", time, &mut TestHost { bound: None });
        assert_eq!(found.len(), 1);
        let obs = &found[0];
        assert_eq!(obs.role, Some(Role::Client));
        assert_eq!(obs.peer.as_ref().unwrap().port, Some(123));
        assert!(obs.process.is_none());

        let scan = record(3, IPPROTO_UDP, ([192, 0, 2, 1], 40000), ([10, 0, 0, 5], 161), b"");
        let r = parse_flow_record(&scan).unwrap();
        assert!(udp_connections(&r, "h", time, &mut TestHost { bound: None }).is_empty());

        let local_to_local = record(3, IPPROTO_UDP, ([10, 0, 0, 5], 40000), ([10, 0, 0, 5], 53), b"");
        let r = parse_flow_record(&local_to_local).unwrap();
        let roles: Vec<_> =
            udp_connections(&r, "h", time, &mut TestHost { bound: Some(53) }).iter().map(|o| o.role).collect();
        assert_eq!(roles, [Some(Role::Server), Some(Role::Client)], "both ends are this host's");
    }
}
