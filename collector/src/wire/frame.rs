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

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::PacketBuilder;

    fn time() -> DateTime<Utc> {
        "2026-11-01T00:00:00Z".parse().unwrap()
    }

    fn ipv4_tcp(payload: &[u8]) -> Vec<u8> {
        let builder = PacketBuilder::ip(etherparse::IpHeaders::Ipv4(
            etherparse::Ipv4Header::new(0, 64, etherparse::IpNumber::TCP, [10, 0, 0, 1], [10, 0, 0, 2]).unwrap(),
            Default::default(),
        ))
        .tcp(40000, 445, 1000, 65535);
        let mut out = Vec::new();
        builder.write(&mut out, payload).unwrap();
        out
    }

    #[test]
    fn ethernet_with_a_vlan_tag() {
        let builder = PacketBuilder::ethernet2([1; 6], [2; 6])
            .single_vlan(42.try_into().unwrap())
            .ipv4([10, 0, 0, 1], [10, 0, 0, 2], 64)
            .tcp(40000, 445, 7, 65535);
        let mut frame = Vec::new();
        builder.write(&mut frame, b"hello").unwrap();
        let record = decode_frame(linktype::ETHERNET, time(), &frame).unwrap();
        assert_eq!(record.src, "10.0.0.1:40000".parse().unwrap());
        assert_eq!(record.dst, "10.0.0.2:445".parse().unwrap());
        assert_eq!(record.tcp.unwrap().seq, 7);
        assert_eq!(record.payload, b"hello");
    }

    #[test]
    fn ipv6_udp() {
        let builder = PacketBuilder::ethernet2([1; 6], [2; 6]).ipv6([0xfe; 16], [0xfd; 16], 64).udp(50000, 88);
        let mut frame = Vec::new();
        builder.write(&mut frame, b"\x6a\x00").unwrap();
        let record = decode_frame(linktype::ETHERNET, time(), &frame).unwrap();
        assert_eq!(record.transport, Transport::Udp);
        assert!(record.src.is_ipv6() && record.dst.port() == 88);
        assert_eq!(record.payload, b"\x6a\x00");
    }

    #[test]
    fn cooked_null_and_raw_link_types() {
        let ip = ipv4_tcp(b"x");
        // Linux SLL2: protocol first, 20-byte header.
        let mut sll2 = vec![0x08, 0x00];
        sll2.extend([0; 18]);
        sll2.extend(&ip);
        // Linux SLL: 16-byte header, protocol last.
        let mut sll = vec![0; 14];
        sll.extend([0x08, 0x00]);
        sll.extend(&ip);
        // BSD null: a 4-byte address family.
        let mut null = 2u32.to_le_bytes().to_vec();
        null.extend(&ip);
        for (link, frame) in
            [(linktype::LINUX_SLL2, &sll2), (linktype::LINUX_SLL, &sll), (linktype::NULL, &null), (linktype::RAW, &ip)]
        {
            let record = decode_frame(link, time(), frame).unwrap_or_else(|| panic!("link type {link}"));
            assert_eq!(record.payload, b"x", "link type {link}");
        }
        assert!(decode_frame(9999, time(), &ip).is_none(), "unknown link types are skipped");
    }

    #[test]
    fn frames_cut_by_the_snap_length_keep_what_they_hold() {
        let frame = ipv4_tcp(&[0x16; 100]);
        let record = decode_frame(linktype::RAW, time(), &frame[..frame.len() - 60]).unwrap();
        assert_eq!(record.payload.len(), 40);
        assert!(decode_frame(linktype::RAW, time(), &frame[..10]).is_none());
    }
}
