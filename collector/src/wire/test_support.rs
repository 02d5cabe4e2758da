//! Real bytes for the dissector tests: the committed captures in
//! `collector/tests/captures` (made by real implementations on loopback,
//! see `make.sh` there), read back segment by segment so that tests can cite
//! a message by its frame number.

use super::capture_file::read_stream;
use super::feeding::Transcript;
use super::Direction;

/// One TCP segment with payload of a capture's single flow.
#[derive(Debug, Clone)]
pub struct Segment {
    /// 1-based, as tshark and Wireshark number frames.
    pub frame: usize,
    pub dir: Direction,
    pub payload: Vec<u8>,
}

/// The captures this crate's tests read, by file name.
pub fn capture(name: &str) -> &'static [u8] {
    match name {
        "tls1_2.pcap" => include_bytes!("../../tests/captures/tls1_2.pcap"),
        "tls1_3.pcap" => include_bytes!("../../tests/captures/tls1_3.pcap"),
        "ssh.pcap" => include_bytes!("../../tests/captures/ssh.pcap"),
        "smb3.pcap" => include_bytes!("../../tests/captures/smb3.pcap"),
        "nt1.pcap" => include_bytes!("../../tests/captures/nt1.pcap"),
        other => panic!("no committed capture {other}"),
    }
}

/// The payload-carrying segments of a capture of one TCP flow; the client
/// is whoever sent the first SYN.
pub fn segments(name: &str) -> Vec<Segment> {
    let mut client = None;
    let mut frame = 0;
    let mut out = Vec::new();
    let stats = read_stream(name, capture(name), |record| {
        frame += 1;
        let tcp = record.tcp.expect("a TCP capture");
        if tcp.syn && !tcp.ack {
            client.get_or_insert(record.src);
        }
        if !record.payload.is_empty() {
            let dir = if Some(record.src) == client { Direction::ToServer } else { Direction::ToClient };
            out.push(Segment { frame, dir, payload: record.payload.to_vec() });
        }
    })
    .expect("a committed capture reads");
    assert_eq!(stats.frames as usize, frame, "{name}: every frame is a TCP/IP frame, so frame numbers hold");
    out
}

/// The payload of frame `frame` of a capture.
pub fn frame(name: &str, frame: usize) -> Vec<u8> {
    segments(name)
        .into_iter()
        .find(|s| s.frame == frame)
        .unwrap_or_else(|| panic!("{name}: no payload in frame {frame}"))
        .payload
}

/// The SMB message in frame `frame` (its payload without the 4-byte NBSS header).
pub fn smb_message(name: &str, frame: usize) -> Vec<u8> {
    self::frame(name, frame)[4..].to_vec()
}

/// A capture's flow as the dissector sees it: its segments, in order.
pub fn transcript(name: &str) -> Transcript {
    segments(name).into_iter().map(|s| (s.dir, s.payload)).collect()
}

/// Bytes to feed a dissector: random, or `valid` with random bytes spliced in.
pub fn noisy(valid: Vec<u8>, max_noise: usize) -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
    use proptest::prelude::*;
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        (proptest::collection::vec(any::<u8>(), 0..max_noise), any::<prop::sample::Index>()).prop_map(
            move |(noise, at)| {
                let mut bytes = valid.clone();
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, noise);
                bytes
            }
        ),
    ]
}
