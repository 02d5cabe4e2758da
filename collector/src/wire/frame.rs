//! Link-layer frames to capture records: Ethernet (with VLAN tags), Linux
//! cooked captures (SLL, SLL2), BSD null/loopback, raw IP, PPP, Linux NFLOG
//! (`tcpdump -i nflog`) and macOS PKTAP (`tcpdump -i any` there), over IPv4
//! and IPv6 (extension headers skipped). Other link types are named by
//! [`link_name`] when a capture holds them, never silently dropped. Headers are read with etherparse's
//! header slices, which only wrap the bytes: building a whole
//! `LaxSlicedPacket` per packet cost more than everything else decode does.
//! Parsing is lax where captures need it: a frame cut by the snap length
//! still yields the payload it holds, and checksums are not checked
//! (offloaded captures carry bad ones).

use super::capture::{CaptureRecord, PacketTime, TcpMeta};
use crate::observation::Transport;
use etherparse::{Ethernet2HeaderSlice, Ipv6HeaderSlice, SingleVlanHeaderSlice, TcpHeaderSlice, UdpHeaderSlice};
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
    pub const PPP: i32 = 9;
    pub const NFLOG: i32 = 239;
    pub const PKTAP: i32 = 258;
}

/// Whether [`decode_frame`] reads frames of this link type.
pub fn reads_link(link: i32) -> bool {
    use linktype::*;
    matches!(
        link,
        NULL | ETHERNET | RAW | LOOP | LINUX_SLL | IPV4 | IPV6 | LINUX_SLL2 | RAW_OPENBSD | PPP | NFLOG | PKTAP
    )
}

/// The name tcpdump's list gives a link type, for messages.
pub fn link_name(link: i32) -> &'static str {
    match link {
        6 => "IEEE 802.5 Token Ring",
        8 => "SLIP",
        10 => "FDDI",
        50 => "PPP in HDLC-like framing",
        105 => "IEEE 802.11 wireless",
        119 => "Prism 802.11",
        127 => "802.11 with radiotap",
        143 => "DOCSIS",
        163 => "802.11 with AVS",
        187 => "Bluetooth HCI",
        195 => "IEEE 802.15.4",
        220 => "USB (usbmon)",
        249 => "USBPcap",
        _ => "not a link type Temper reads",
    }
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
/// 802.1Q, 802.1ad and the old QinQ tag.
const ETHERTYPE_VLANS: [u16; 3] = [0x8100, 0x88a8, 0x9100];
const IP_TCP: u8 = 6;
const IP_UDP: u8 = 17;

/// Decodes one frame; `None` when it carries no TCP or UDP payload we can place.
pub fn decode_frame(link: i32, time: PacketTime, frame: &[u8]) -> Option<CaptureRecord<'_>> {
    let ip = match link {
        linktype::ETHERNET => {
            let ethernet = Ethernet2HeaderSlice::from_slice(frame).ok()?;
            let (mut ether_type, mut rest) = (ethernet.ether_type().0, frame.get(14..)?);
            // Up to two VLAN tags (QinQ).
            for _ in 0..2 {
                if !ETHERTYPE_VLANS.contains(&ether_type) {
                    break;
                }
                ether_type = SingleVlanHeaderSlice::from_slice(rest).ok()?.ether_type().0;
                rest = rest.get(4..)?;
            }
            matches!(ether_type, ETHERTYPE_IPV4 | ETHERTYPE_IPV6).then_some(rest)?
        }
        // 16-byte header; the protocol (an EtherType) is the last two bytes.
        linktype::LINUX_SLL => frame.get(16..)?,
        // 20-byte header starting with the protocol.
        linktype::LINUX_SLL2 => frame.get(20..)?,
        linktype::NULL | linktype::LOOP => frame.get(4..)?,
        linktype::RAW | linktype::RAW_OPENBSD | linktype::IPV4 | linktype::IPV6 => frame,
        linktype::PPP => ppp_payload(frame)?,
        linktype::NFLOG => nflog_payload(frame)?,
        // PKTAP: a header whose length and inner link type lead (macOS's net/pktap.h).
        linktype::PKTAP => {
            let len = u32::from_le_bytes(frame.get(..4)?.try_into().ok()?) as usize;
            let inner = i32::from_le_bytes(frame.get(4..8)?.try_into().ok()?);
            if inner == linktype::PKTAP || len < 8 {
                return None;
            }
            return decode_frame(inner, time, frame.get(len..)?);
        }
        _ => return None,
    };
    let (src_ip, dst_ip, protocol, payload) = decode_ip(ip)?;
    match protocol {
        IP_TCP => {
            let tcp = TcpHeaderSlice::from_slice(payload).ok()?;
            Some(CaptureRecord {
                time,
                src: SocketAddr::new(src_ip, tcp.source_port()),
                dst: SocketAddr::new(dst_ip, tcp.destination_port()),
                transport: Transport::Tcp,
                tcp: Some(TcpMeta {
                    seq: tcp.sequence_number(),
                    syn: tcp.syn(),
                    ack: tcp.ack(),
                    ack_number: tcp.ack().then(|| tcp.acknowledgment_number()),
                    fin: tcp.fin(),
                    rst: tcp.rst(),
                }),
                crossing: None,
                excerpt: None,
                payload: payload.get(tcp.slice().len()..).unwrap_or(&[]),
                wire_len: None,
            })
        }
        IP_UDP => {
            let udp = UdpHeaderSlice::from_slice(payload).ok()?;
            Some(CaptureRecord {
                time,
                src: SocketAddr::new(src_ip, udp.source_port()),
                dst: SocketAddr::new(dst_ip, udp.destination_port()),
                transport: Transport::Udp,
                tcp: None,
                crossing: None,
                excerpt: None,
                payload: payload.get(8..).unwrap_or(&[]),
                wire_len: None,
            })
        }
        _ => None,
    }
}

/// The IP packet of a PPP frame (RFC 1661 §2), with or without the
/// HDLC address and control bytes (0xff 0x03) before the protocol.
fn ppp_payload(frame: &[u8]) -> Option<&[u8]> {
    let frame = frame.strip_prefix(&[0xff, 0x03]).unwrap_or(frame);
    match frame.get(..2)? {
        [0x00, 0x21] | [0x00, 0x57] => frame.get(2..),
        _ => None,
    }
}

/// The packet of a Linux NFLOG frame: a 4-byte header (family, version,
/// resource id), then TLVs (length and type little-endian, each padded to 4
/// bytes); NFULA_PAYLOAD (9) holds the IP packet.
fn nflog_payload(frame: &[u8]) -> Option<&[u8]> {
    const NFULA_PAYLOAD: u16 = 9;
    let mut rest = frame.get(4..)?;
    while rest.len() >= 4 {
        let len = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        let kind = u16::from_le_bytes([rest[2], rest[3]]);
        if len < 4 {
            return None;
        }
        let value = rest.get(4..len)?;
        if kind == NFULA_PAYLOAD {
            return Some(value);
        }
        rest = rest.get(len.div_ceil(4) * 4..).unwrap_or_default();
    }
    None
}

/// Addresses, transport protocol and transport bytes of an IP packet (the
/// version nibble decides), cut to the IP length when the frame has padding,
/// or to what was captured when the snap length cut it. Non-first fragments
/// carry no transport header and are skipped.
///
/// A length field of 0 is a segmentation-offload super-packet captured
/// before the NIC split it (TSO, Linux BIG TCP above 64 KiB, IPv6 jumbo
/// payloads): the whole captured frame is the packet, as Wireshark reads it.
fn decode_ip(packet: &[u8]) -> Option<(IpAddr, IpAddr, u8, &[u8])> {
    match packet.first()? >> 4 {
        4 => {
            // Read by hand: etherparse refuses a total length below the header's.
            let header_len = usize::from(packet[0] & 0x0f) * 4;
            if header_len < 20 || packet.len() < header_len {
                return None;
            }
            let fragment_offset = u16::from_be_bytes([packet[6], packet[7]]) & 0x1fff;
            if fragment_offset != 0 {
                return None;
            }
            let total_len = usize::from(u16::from_be_bytes([packet[2], packet[3]]));
            let end = if total_len == 0 { packet.len() } else { total_len.clamp(header_len, packet.len()) };
            let address = |at: usize| IpAddr::from(<[u8; 4]>::try_from(&packet[at..at + 4]).expect("four bytes"));
            Some((address(12), address(16), packet[9], &packet[header_len..end]))
        }
        6 => {
            let ip = Ipv6HeaderSlice::from_slice(packet).ok()?;
            let end = match ip.payload_length() {
                0 => packet.len(),
                length => (40 + length as usize).min(packet.len()),
            };
            let mut next = ip.next_header().0;
            let mut rest = &packet[40..end];
            // Hop-by-hop, routing, fragment and destination options (RFC 8200 §4).
            for _ in 0..8 {
                match next {
                    0 | 43 | 60 => {
                        let len = (*rest.get(1)? as usize + 1) * 8;
                        next = *rest.first()?;
                        rest = rest.get(len..)?;
                    }
                    44 => {
                        let offset = u16::from_be_bytes([*rest.get(2)?, *rest.get(3)?]) >> 3;
                        if offset != 0 {
                            return None;
                        }
                        next = *rest.first()?;
                        rest = rest.get(8..)?;
                    }
                    _ => break,
                }
            }
            Some((ip.source_addr().into(), ip.destination_addr().into(), next, rest))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    /// Frame 4 of the committed TLS 1.3 capture: the ClientHello, on Ethernet.
    fn client_hello() -> Vec<u8> {
        let bytes = include_bytes!("../../tests/captures/tls1_3.pcap");
        let mut at = 24;
        let mut frames = Vec::new();
        while at + 16 <= bytes.len() {
            let len = u32::from_le_bytes(bytes[at + 8..at + 12].try_into().unwrap()) as usize;
            frames.push(bytes[at + 16..at + 16 + len].to_vec());
            at += 16 + len;
        }
        frames[3].clone()
    }

    #[test]
    fn pktap_and_ppp_carry_the_same_packet() {
        let ethernet = client_hello();
        let time = PacketTime::from_parts(1_800_000_000, 0);
        let want = decode_frame(linktype::ETHERNET, time, &ethernet).unwrap();
        // PKTAP: a 108-byte header naming the inner link type (Ethernet), then the frame.
        let mut pktap = 108u32.to_le_bytes().to_vec();
        pktap.extend(1u32.to_le_bytes());
        pktap.resize(108, 0);
        pktap.extend(&ethernet);
        assert_eq!(decode_frame(linktype::PKTAP, time, &pktap).unwrap().payload, want.payload);
        // PPP, with and without HDLC address and control.
        let ip = &ethernet[14..];
        for prefix in [&[0x00, 0x21][..], &[0xff, 0x03, 0x00, 0x21][..]] {
            let ppp = [prefix, ip].concat();
            let got = decode_frame(linktype::PPP, time, &ppp).unwrap();
            assert_eq!((got.src, got.dst, got.payload), (want.src, want.dst, want.payload));
        }
        assert!(decode_frame(linktype::PPP, time, &[0xc0, 0x21, 1, 2]).is_none(), "LCP is not IP");
        assert!(decode_frame(linktype::PKTAP, time, &[4, 0, 0, 0, 0x02, 1, 0, 0]).is_none(), "a header too short");
    }

    use super::*;
    use etherparse::PacketBuilder;

    fn time() -> PacketTime {
        PacketTime::from_parts(1_793_577_600, 0)
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
    fn offload_super_packets_with_length_zero_are_read_whole() {
        // IPv4 (TSO, Linux BIG TCP): total length 0, the frame larger than 64 KiB.
        let payload = vec![0x5a; 70_000];
        let mut packet = ipv4_tcp(&payload[..1000]);
        packet.truncate(40);
        packet.extend_from_slice(&payload);
        packet[2..4].copy_from_slice(&[0, 0]);
        let record = decode_frame(linktype::RAW, time(), &packet).unwrap();
        assert_eq!(record.payload.len(), 70_000);
        // IPv6 (BIG TCP, jumbo payloads): payload length 0.
        let builder = PacketBuilder::ipv6([1; 16], [2; 16], 64).tcp(40000, 445, 1, 65535);
        let mut packet = Vec::new();
        builder.write(&mut packet, &payload[..10]).unwrap();
        packet.truncate(60);
        packet.extend_from_slice(&payload);
        packet[4..6].copy_from_slice(&[0, 0]);
        let record = decode_frame(linktype::RAW, time(), &packet).unwrap();
        assert_eq!(record.payload.len(), 70_000);
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
    fn ipv6_extension_headers_are_skipped() {
        // Hop-by-hop options (8 bytes) before UDP.
        let mut udp = 50000u16.to_be_bytes().to_vec();
        udp.extend(88u16.to_be_bytes());
        udp.extend(10u16.to_be_bytes());
        udp.extend([0, 0, 0x6a, 0x00]);
        let mut hop = vec![17, 0, 1, 4, 0, 0, 0, 0];
        hop.extend(&udp);
        let mut ip = vec![0x60, 0, 0, 0];
        ip.extend((hop.len() as u16).to_be_bytes());
        ip.extend([0, 64]); // next header: hop-by-hop
        ip.extend([0xfe; 16]);
        ip.extend([0xfd; 16]);
        ip.extend(&hop);
        let record = decode_frame(linktype::IPV6, time(), &ip).unwrap();
        assert_eq!((record.transport, record.dst.port(), record.payload), (Transport::Udp, 88, &[0x6a, 0x00][..]));
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
        // Ethernet padding after a short IP packet is not payload.
        let mut padded = ipv4_tcp(b"ab");
        padded.extend([0; 10]);
        assert_eq!(decode_frame(linktype::RAW, time(), &padded).unwrap().payload, b"ab");
    }
}
