//! Packets from the Microsoft-Windows-NDIS-PacketCapture ETW provider
//! (`{2ED6006E-4729-4609-B423-3EE7BCD678EF}`, what pktmon and `netsh trace`
//! use), reassembled into frames for the wire dissectors.
//!
//! Event 1001 carries one fragment (`LowerIfIndex`, `FragmentSize`,
//! `Fragment`). Which medium the frame is, and whether the fragment starts
//! or ends a packet, is in the event's keywords; the values are those
//! microsoft/etl2pcapng reads "from the ndiscap manifest" (src/main.c).

use crate::wire::capture::PacketTime;
use crate::wire::frame::linktype;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// The medium is mobile broadband: frames are raw IP.
pub const KW_MEDIA_WIRELESS_WAN: u64 = 0x200;
/// The medium is native 802.11: not decoded (Wi-Fi servers are rare and
/// their frames need radio headers Temper does not read).
pub const KW_MEDIA_NATIVE_802_11: u64 = 0x1_0000;
pub const KW_PACKET_START: u64 = 0x4000_0000;
pub const KW_PACKET_END: u64 = 0x8000_0000;
pub const KW_SEND: u64 = 0x1_0000_0000;
pub const KW_RECEIVE: u64 = 0x2_0000_0000;

/// Largest packet reassembled; larger ones are cut (the dissectors need
/// only the first bytes of a handshake).
const MAX_PACKET: usize = 65_536;

/// One 1001 event.
#[derive(Debug, Clone)]
pub struct NdisFragment {
    pub time: DateTime<Utc>,
    pub keywords: u64,
    /// `LowerIfIndex`: the interface the packet crossed.
    pub interface: u32,
    pub bytes: Vec<u8>,
}

/// A whole frame, ready for [`crate::wire::frame::decode_frame`].
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub link: i32,
    pub time: PacketTime,
    pub bytes: Vec<u8>,
}

/// Joins fragments per interface. A packet split across events arrives
/// start, middle..., end on one interface.
#[derive(Debug, Default)]
pub struct PacketAssembler {
    partial: HashMap<u32, (i32, PacketTime, Vec<u8>)>,
    /// Fragments that did not continue a started packet, and 802.11 frames.
    pub dropped: u64,
}

impl PacketAssembler {
    pub fn push(&mut self, fragment: NdisFragment) -> Option<Frame> {
        if fragment.keywords & KW_MEDIA_NATIVE_802_11 != 0 {
            self.dropped += 1;
            return None;
        }
        let link = if fragment.keywords & KW_MEDIA_WIRELESS_WAN != 0 { linktype::RAW } else { linktype::ETHERNET };
        let start = fragment.keywords & KW_PACKET_START != 0;
        let end = fragment.keywords & KW_PACKET_END != 0;
        let time = PacketTime::from_utc(fragment.time);
        if start {
            if self.partial.remove(&fragment.interface).is_some() {
                self.dropped += 1;
            }
            if end {
                return Some(Frame { link, time, bytes: fragment.bytes });
            }
            let mut bytes = fragment.bytes;
            bytes.truncate(MAX_PACKET);
            self.partial.insert(fragment.interface, (link, time, bytes));
            return None;
        }
        let Some((_, _, bytes)) = self.partial.get_mut(&fragment.interface) else {
            self.dropped += 1;
            return None;
        };
        let room = MAX_PACKET.saturating_sub(bytes.len());
        bytes.extend_from_slice(&fragment.bytes[..fragment.bytes.len().min(room)]);
        if end {
            let (link, time, bytes) = self.partial.remove(&fragment.interface)?;
            return Some(Frame { link, time, bytes });
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fragment(keywords: u64, interface: u32, bytes: &[u8]) -> NdisFragment {
        NdisFragment { time: "2026-11-02T10:00:00Z".parse().unwrap(), keywords, interface, bytes: bytes.to_vec() }
    }

    #[test]
    fn whole_split_and_orphan_fragments() {
        let mut assembler = PacketAssembler::default();
        let whole = assembler.push(fragment(KW_PACKET_START | KW_PACKET_END | KW_RECEIVE, 7, b"abc")).unwrap();
        assert_eq!((whole.link, whole.bytes.as_slice()), (linktype::ETHERNET, &b"abc"[..]));
        assert!(assembler.push(fragment(KW_PACKET_START, 7, b"ab")).is_none());
        assert!(assembler.push(fragment(0, 9, b"zz")).is_none(), "another interface's middle is an orphan");
        assert!(assembler.push(fragment(0, 7, b"cd")).is_none());
        let joined = assembler.push(fragment(KW_PACKET_END, 7, b"ef")).unwrap();
        assert_eq!(joined.bytes, b"abcdef");
        let raw = assembler.push(fragment(KW_PACKET_START | KW_PACKET_END | KW_MEDIA_WIRELESS_WAN, 3, b"x")).unwrap();
        assert_eq!(raw.link, linktype::RAW);
        assert!(assembler.push(fragment(KW_PACKET_START | KW_PACKET_END | KW_MEDIA_NATIVE_802_11, 3, b"x")).is_none());
        assert_eq!(assembler.dropped, 2);
    }
}
