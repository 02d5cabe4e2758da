//! Link-layer frames to capture records: Ethernet (with VLAN tags), Linux
//! cooked captures (SLL, SLL2), BSD null/loopback and raw IP. Parsing is lax
//! (etherparse): a frame cut by the snap length still yields what it holds,
//! and checksums are not checked (offloaded captures carry bad ones).

use super::capture::{CaptureRecord, TcpMeta};
use crate::observation::Transport;
use chrono::{DateTime, Utc};
use etherparse::{EtherType, LaxNetSlice, LaxSlicedPacket, TransportSlice};
use std::net::{IpAddr, SocketAddr};

/// pcap link types this decoder understands (www.tcpdump.org/linktypes.html).
pub mod linktype {
    pub const NULL: i32 = 0;
    pub const ETHERNET: i32 = 1;
    pub const RAW: i32 = 101;
    pub const LOOP: i32 = 108;
    pub const LINUX_SLL: i32 = 113;
    pub const IPV4: i32 = 228;
    pub const IPV6: i32 = 229;
    pub const LINUX_SLL2: i32 = 276;
    /// OpenBSD's DLT_RAW number, seen in old captures.
    pub const RAW_OPENBSD: i32 = 14;
}

/// Decodes one frame; `None` when it carries no TCP or UDP payload we can place.
pub fn decode_frame(link: i32, time: DateTime<Utc>, frame: &[u8]) -> Option<CaptureRecord<'_>> {
    let packet = match link {
        linktype::ETHERNET => LaxSlicedPacket::from_ethernet(frame).ok()?,
        linktype::LINUX_SLL => {
            // 16-byte header; the protocol (an EtherType) is the last two bytes.
            let proto = u16::from_be_bytes([*frame.get(14)?, *frame.get(15)?]);
            LaxSlicedPacket::from_ether_type(EtherType(proto), frame.get(16..)?)
        }
        linktype::LINUX_SLL2 => {
            // 20-byte header starting with the protocol.
            let proto = u16::from_be_bytes([*frame.first()?, *frame.get(1)?]);
            LaxSlicedPacket::from_ether_type(EtherType(proto), frame.get(20..)?)
        }
        linktype::NULL | linktype::LOOP => LaxSlicedPacket::from_ip(frame.get(4..)?).ok()?,
        linktype::RAW | linktype::RAW_OPENBSD | linktype::IPV4 | linktype::IPV6 => {
            LaxSlicedPacket::from_ip(frame).ok()?
        }
        _ => return None,
    };
    let (src_ip, dst_ip): (IpAddr, IpAddr) = match packet.net.as_ref()? {
        LaxNetSlice::Ipv4(ip) => (ip.header().source_addr().into(), ip.header().destination_addr().into()),
        LaxNetSlice::Ipv6(ip) => (ip.header().source_addr().into(), ip.header().destination_addr().into()),
        LaxNetSlice::Arp(_) => return None,
    };
    match packet.transport.as_ref()? {
        TransportSlice::Tcp(tcp) => Some(CaptureRecord {
            time,
            src: SocketAddr::new(src_ip, tcp.source_port()),
            dst: SocketAddr::new(dst_ip, tcp.destination_port()),
            transport: Transport::Tcp,
            tcp: Some(TcpMeta {
                seq: tcp.sequence_number(),
                syn: tcp.syn(),
                ack: tcp.ack(),
                fin: tcp.fin(),
                rst: tcp.rst(),
            }),
            crossing: None,
            payload: tcp.payload(),
        }),
        TransportSlice::Udp(udp) => Some(CaptureRecord {
            time,
            src: SocketAddr::new(src_ip, udp.source_port()),
            dst: SocketAddr::new(dst_ip, udp.destination_port()),
            transport: Transport::Udp,
            tcp: None,
            crossing: None,
            payload: udp.payload(),
        }),
        _ => None,
    }
}
