//! The flow tracker: capture records in, findings per flow out.
//!
//! Each flow (5-tuple, either direction) gets its client and server from the
//! TCP handshake when it was captured, else from the protocol itself (who
//! sent the ClientHello, the connection request, the Kerberos request), else
//! from the ports. Its two directions are reassembled (see `stream`) and fed
//! to the dissector its first bytes call for; unknown flows are scanned for
//! a late TLS handshake (STARTTLS on any protocol) and for NTLM/Kerberos
//! tokens. Memory is bounded: per direction, per flow and in flow count.

use super::capture::{CaptureRecord, PacketTime};
use super::dissector::Dissector;
use super::dissector::Gap;
use super::registry::{identify, DISSECTORS};
use super::stream::{Stream, MAX_BUFFERED};
use super::tls::TlsDissector;
use super::{ntlm_scan, Direction, Finding};
use crate::observation::Transport;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::net::SocketAddr;

/// Flows tracked at once; further new flows are counted and ignored.
pub const MAX_FLOWS: usize = 262_144;
/// A flow idle this long (capture time) is closed.
const IDLE_TIMEOUT_SECONDS: i64 = 15 * 60;
/// How often (in records) idle flows are looked for.
const SWEEP_EVERY: u64 = 16_384;
/// Bytes of an unidentified flow (both directions) scanned for tokens and a
/// late ClientHello before giving up: authentication happens early in a
/// connection, and bulk transfers must not be scanned to their end.
const MAX_SCANNED: usize = 128 * 1024;

/// A finding with the flow it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowFinding {
    pub time: DateTime<Utc>,
    pub client: SocketAddr,
    pub server: SocketAddr,
    pub transport: Transport,
    pub finding: Finding,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FlowStats {
    pub flows: u64,
    /// Flows whose protocol was recognised.
    pub identified: u64,
    /// Flows that carried payload but yielded nothing.
    pub undecoded: u64,
    /// New flows ignored because `MAX_FLOWS` were open.
    pub dropped: u64,
}

/// Where a flow's dissection stands.
enum Dissection {
    /// Not recognised yet: scanned for a late ClientHello and for tokens.
    Unknown,
    Active(Box<dyn Dissector>),
    /// Nothing more to learn.
    Done,
}

impl Dissection {
    /// Feeds the active dissector one direction's bytes; returns how many it
    /// consumed. `Unknown` is the flow's own business (see `Flow::feed`);
    /// `Done` takes everything.
    fn feed(&mut self, dir: Direction, data: &[u8], out: &mut Vec<Finding>) -> usize {
        match self {
            Dissection::Active(d) => d.feed(dir, data, out),
            Dissection::Unknown | Dissection::Done => data.len(),
        }
    }

    fn finished(&self) -> bool {
        matches!(self, Dissection::Active(d) if d.finished())
    }

    /// End of flow: what a dissector holds back until then.
    fn finish(&mut self, out: &mut Vec<Finding>) {
        if let Dissection::Active(d) = self {
            d.finish(out);
        }
    }

    fn hands_over(&self) -> bool {
        matches!(self, Dissection::Active(d) if d.hands_over())
    }
}

struct Flow {
    /// (client, server) once known.
    roles: Option<(SocketAddr, SocketAddr)>,
    transport: Transport,
    /// Indexed by `Direction.index()`.
    streams: [Stream; 2],
    /// Position in each direction's buffer up to which it was scanned while Unknown.
    scanned: [usize; 2],
    /// Bytes scanned while Unknown, both directions together.
    scanned_total: usize,
    dissection: Dissection,
    first_sender: SocketAddr,
    last_seen: PacketTime,
    found: bool,
    had_payload: bool,
    closing: [bool; 2],
    /// What the dissector's flows feed (see `Registration::categories`): what a hole hides.
    categories: &'static [&'static str],
}

/// DCE/RPC connection-oriented PDUs (C706 §12.6.3): bind, alter-context and
/// request come from the client; their acks and responses from the server.
fn dcerpc_from_client(p: &[u8]) -> Option<bool> {
    match p {
        [5, 0, ptype, ..] => match ptype {
            0 | 11 | 14 | 16 => Some(true),
            2 | 12 | 13 | 15 => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Ports of services whose server side is known (used when nothing else tells).
fn well_known_server_port(port: u16) -> bool {
    port < 1024 || matches!(port, 1433 | 3268 | 3269 | 3389 | 5985 | 5986 | 8080 | 8443)
}

fn key(a: SocketAddr, b: SocketAddr, transport: Transport) -> (SocketAddr, SocketAddr, Transport) {
    if a <= b {
        (a, b, transport)
    } else {
        (b, a, transport)
    }
}

/// Flow keys are attacker-chosen (any 5-tuple): ahash keeps SipHash's
/// resistance to collision flooding (random keys per process) at a
/// fraction of its cost per packet.
type FlowMap = HashMap<(SocketAddr, SocketAddr, Transport), Flow, ahash::RandomState>;

#[derive(Default)]
pub struct FlowTracker {
    flows: FlowMap,
    stats: FlowStats,
    records: u64,
}

impl FlowTracker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn stats(&self) -> FlowStats {
        self.stats
    }

    pub fn observe(&mut self, record: &CaptureRecord<'_>, out: &mut Vec<FlowFinding>) {
        self.records += 1;
        if self.records.is_multiple_of(SWEEP_EVERY) {
            self.sweep(record.time, out);
        }
        let k = key(record.src, record.dst, record.transport);
        let open_flows = self.flows.len();
        let flow = match self.flows.entry(k) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            // A bare ACK, FIN or RST of a flow not open (the last ACK after both FINs
            // closed it, or a flow whose start was not captured) has nothing to read:
            // opening a flow for it would keep one per past connection until it idles out.
            std::collections::hash_map::Entry::Vacant(_)
                if record.payload.is_empty() && record.tcp.is_none_or(|tcp| !tcp.syn) =>
            {
                return;
            }
            std::collections::hash_map::Entry::Vacant(_) if open_flows >= MAX_FLOWS => {
                self.stats.dropped += 1;
                return;
            }
            std::collections::hash_map::Entry::Vacant(entry) => {
                self.stats.flows += 1;
                entry.insert(Flow {
                    roles: None,
                    transport: record.transport,
                    streams: Default::default(),
                    scanned: [0, 0],
                    scanned_total: 0,
                    dissection: Dissection::Unknown,
                    first_sender: record.src,
                    last_seen: record.time,
                    found: false,
                    had_payload: false,
                    closing: [false, false],
                    categories: &[],
                })
            }
        };
        flow.last_seen = record.time;
        let mut findings = Vec::new();
        flow.record(record, &mut findings);
        if findings.iter().any(Finding::is_use) && !flow.found {
            flow.found = true;
            self.stats.identified += 1;
        }
        let (client, server) = flow.roles.unwrap_or((record.src, record.dst));
        let time = record.time.utc();
        out.extend(findings.into_iter().map(|finding| FlowFinding {
            time,
            client,
            server,
            transport: record.transport,
            finding,
        }));
        if flow.closing == [true, true] {
            let flow = self.flows.remove(&k).expect("present");
            self.close(flow, record.time, out);
        }
    }

    /// Ends every open flow (end of the capture).
    pub fn finish(mut self, out: &mut Vec<FlowFinding>) -> FlowStats {
        let mut flows: Vec<Flow> = self.flows.drain().map(|(_, f)| f).collect();
        flows.sort_by_key(|f| f.last_seen);
        for flow in flows {
            let time = flow.last_seen;
            self.close(flow, time, out);
        }
        self.stats
    }

    /// Closes flows idle for 15 minutes before `now`. Captures do this as
    /// they go; a live source also calls it on a timer, since a quiet host
    /// sends too few records to reach a sweep.
    pub fn sweep(&mut self, now: PacketTime, out: &mut Vec<FlowFinding>) {
        let idle: Vec<_> = self
            .flows
            .iter()
            .filter(|(_, f)| now.0.saturating_sub(f.last_seen.0) > IDLE_TIMEOUT_SECONDS * 1_000_000_000)
            .map(|(k, _)| *k)
            .collect();
        for k in idle {
            if let Some(flow) = self.flows.remove(&k) {
                self.close(flow, now, out);
            }
        }
    }

    fn close(&mut self, mut flow: Flow, time: PacketTime, out: &mut Vec<FlowFinding>) {
        let time = time.utc();
        let mut findings = Vec::new();
        // Segments still waiting behind a hole that never filled: read them across it.
        for dir in [Direction::ToServer, Direction::ToClient] {
            flow.read_past_holes(dir, &mut findings);
        }
        flow.dissection.finish(&mut findings);
        if findings.iter().any(Finding::is_use) && !flow.found {
            flow.found = true;
            self.stats.identified += 1;
        }
        if flow.had_payload && !flow.found {
            self.stats.undecoded += 1;
        }
        let (client, server) = flow.roles.unwrap_or((flow.first_sender, flow.first_sender));
        out.extend(findings.into_iter().map(|finding| FlowFinding {
            time,
            client,
            server,
            transport: flow.transport,
            finding,
        }));
    }
}

impl Flow {
    fn record(&mut self, record: &CaptureRecord<'_>, out: &mut Vec<Finding>) {
        if let Some(tcp) = record.tcp {
            if tcp.syn && self.roles.is_none() {
                // SYN from the client; SYN+ACK from the server.
                self.roles = Some(if tcp.ack { (record.dst, record.src) } else { (record.src, record.dst) });
            }
        }
        // A sampling source that saw the handshake says who is who.
        if let (None, Some(from_client)) = (self.roles, record.excerpt.and_then(|e| e.from_client)) {
            self.roles = Some(if from_client { (record.src, record.dst) } else { (record.dst, record.src) });
        }
        if !record.payload.is_empty() {
            self.had_payload = true;
        }
        if self.roles.is_none() && !record.payload.is_empty() {
            self.orient_from_payload(record);
        }
        let Some((client, _)) = self.roles else { return };
        let dir = if record.src == client { Direction::ToServer } else { Direction::ToClient };
        match record.tcp {
            None => self.datagram(dir, record.payload, out),
            Some(tcp) => {
                // What this packet acknowledges of the other direction comes first: a
                // request the capture holds behind a lost segment is read before its response.
                if let Some(ack) = tcp.ack_number {
                    let other = dir.reverse();
                    if matches!(self.dissection, Dissection::Active(_)) && self.streams[other.index()].acked(ack) {
                        let caught_up = match self.streams[other.index()].take_hole() {
                            Some(hole) => self.across_hole(other, hole, out),
                            None => true,
                        };
                        if caught_up {
                            self.feed(other, out);
                        }
                    }
                }
                let stream = &mut self.streams[dir.index()];
                if tcp.syn {
                    stream.syn(tcp.seq);
                }
                if tcp.fin || tcp.rst {
                    self.closing[dir.index()] = true;
                    if tcp.rst {
                        self.closing = [true, true];
                    }
                }
                if matches!(self.dissection, Dissection::Done) {
                    return;
                }
                if let Some(excerpt) = record.excerpt {
                    let stream = &mut self.streams[dir.index()];
                    if stream.excerpt(tcp.seq, record.payload, excerpt.wire_len, excerpt.message_start) {
                        self.feed(dir, out);
                    }
                    return;
                }
                let stream = &mut self.streams[dir.index()];
                // The common case, in-order data with nothing buffered, is read in place.
                if !record.payload.is_empty()
                    && record.wire_len.is_none()
                    && stream.continues_exactly(tcp.seq)
                    && self.fast_feed(dir, tcp.seq, record.payload, out)
                {
                    return;
                }
                let stream = &mut self.streams[dir.index()];
                let wire_len = record.wire_len.unwrap_or(record.payload.len() as u32);
                if stream.segment_cut(tcp.seq, record.payload, wire_len) {
                    if let Some(hole) = stream.take_hole() {
                        if !self.across_hole(dir, hole, out) {
                            return;
                        }
                    }
                    self.feed(dir, out);
                }
            }
        }
    }

    /// Client and server from what the first payload says, else from the ports.
    fn orient_from_payload(&mut self, record: &CaptureRecord<'_>) {
        let p = record.payload;
        let sender_is_client = DISSECTORS
            .iter()
            .filter(|r| r.serves(record.transport))
            .find_map(|r| (r.sender_is_client)(record.transport, p))
            .or_else(|| dcerpc_from_client(p));
        let (src_server, dst_server) =
            (well_known_server_port(record.src.port()), well_known_server_port(record.dst.port()));
        let sender_is_client = sender_is_client.unwrap_or(match (src_server, dst_server) {
            (false, true) => true,
            (true, false) => false,
            // Both or neither well known: the lower port serves.
            _ => record.dst.port() <= record.src.port(),
        });
        self.roles = Some(if sender_is_client { (record.src, record.dst) } else { (record.dst, record.src) });
    }

    fn datagram(&mut self, dir: Direction, payload: &[u8], out: &mut Vec<Finding>) {
        if matches!(self.dissection, Dissection::Unknown) {
            if let Some(registration) = identify(self.transport, dir, payload) {
                self.dissection = Dissection::Active((registration.new)(self.transport));
            }
        }
        match &mut self.dissection {
            Dissection::Active(d) => {
                d.feed(dir, payload, out);
            }
            Dissection::Unknown => {
                ntlm_scan::scan(payload, out);
            }
            Dissection::Done => {}
        }
    }

    /// Bytes of `dir` were lost at `hole.at` in its buffer: the dissector
    /// reads what came before, then says what the hole cost (see `Gap`); a
    /// hole that hid messages is a loss for the categories the flow feeds.
    /// Returns whether the bytes after the hole are to be fed.
    fn across_hole(&mut self, dir: Direction, hole: super::stream::Hole, out: &mut Vec<Finding>) -> bool {
        let s = dir.index();
        let Dissection::Active(dissector) = &mut self.dissection else {
            // An unknown flow is only scanned, which needs no framing.
            return true;
        };
        let buffer = &self.streams[s].buffer;
        let consumed = dissector.feed(dir, &buffer[..hole.at], out).min(hole.at);
        // A dissector that has learned all it will is not hurt by a hole.
        let cost =
            if dissector.finished() { Gap::Skipped } else { dissector.gap(dir, &buffer[consumed..hole.at], hole.lost) };
        if cost != Gap::Skipped {
            out.push(Finding::Lost { categories: self.categories });
        }
        if cost == Gap::Lost {
            // Framing cannot be trusted any more; what the dissector held back stands.
            self.dissection.finish(out);
            self.dissection = Dissection::Done;
            self.streams = Default::default();
            return false;
        }
        // The start of the message the hole cut goes with it.
        self.streams[s].consume(hole.at);
        true
    }

    /// At the end of a flow: segments still waiting behind a hole are read
    /// across it, so what came after a loss is not lost as well.
    fn read_past_holes(&mut self, dir: Direction, out: &mut Vec<Finding>) {
        while matches!(self.dissection, Dissection::Active(_)) && self.streams[dir.index()].skip_waiting() {
            if let Some(hole) = self.streams[dir.index()].take_hole() {
                if !self.across_hole(dir, hole, out) {
                    return;
                }
            }
            self.feed(dir, out);
        }
    }

    /// Runs the dissector over the buffered bytes of `dir`.
    fn feed(&mut self, dir: Direction, out: &mut Vec<Finding>) {
        let s = dir.index();
        if matches!(self.dissection, Dissection::Unknown) {
            self.identify(dir);
        }
        let data = &self.streams[s].buffer;
        let consumed = match &mut self.dissection {
            Dissection::Unknown => {
                // STARTTLS (or TLS after another protocol's negotiation) on any port.
                if dir == Direction::ToServer {
                    if let Some(at) = TlsDissector::find_client_hello(data) {
                        self.streams[s].consume(at);
                        self.start_tls(out);
                        return;
                    }
                }
                let from = self.scanned[s].min(data.len());
                let before = out.len();
                let settled = from + ntlm_scan::scan(&data[from..], out);
                // An NTLM AUTHENTICATE is always the client's: if it came the other way, the
                // flow's roles were guessed wrong (no SYN captured, two ephemeral ports).
                if dir == Direction::ToClient && out[before..].iter().any(|f| matches!(f, Finding::Ntlm { .. })) {
                    self.roles = self.roles.map(|(client, server)| (server, client));
                    self.streams.swap(0, 1);
                    self.scanned.swap(0, 1);
                    self.scanned[1 - s] = settled;
                    return;
                }
                self.scanned_total += settled.saturating_sub(from);
                self.scanned[s] = settled;
                if self.scanned_total > MAX_SCANNED {
                    self.dissection = Dissection::Done;
                }
                // Keep a short tail so a ClientHello split across segments is found.
                let keep_from = settled.min(data.len().saturating_sub(8));
                self.scanned[s] -= keep_from.min(self.scanned[s]);
                keep_from
            }
            identified => identified.feed(dir, data, out),
        };
        self.streams[s].consume(consumed);
        if self.dissection.finished() {
            // A dissector that hands over (RDP, to TLS or CredSSP) leaves the
            // rest to be identified; anything else that finished has nothing more to say.
            self.dissection = if self.dissection.hands_over() { Dissection::Unknown } else { Dissection::Done };
            if matches!(self.dissection, Dissection::Unknown) && !self.streams[s].buffer.is_empty() {
                self.feed(dir, out);
            }
        } else if self.streams[s].buffer.len() > MAX_BUFFERED {
            self.dissection = Dissection::Done;
        }
        if matches!(self.dissection, Dissection::Done) {
            self.streams = Default::default();
        }
    }

    /// Feeds an in-order segment straight from the packet to an identified
    /// dissector; only what it leaves unconsumed is copied into the stream.
    /// Returns false when the slow path must handle it: no dissector yet, or
    /// one that hands over, whose leftover bytes go on to the next protocol.
    fn fast_feed(&mut self, dir: Direction, seq: u32, payload: &[u8], out: &mut Vec<Finding>) -> bool {
        if !matches!(self.dissection, Dissection::Active(_)) || self.dissection.hands_over() {
            return false;
        }
        let consumed = self.dissection.feed(dir, payload, out);
        self.streams[dir.index()].advance_in_place(seq, payload.len(), &payload[consumed.min(payload.len())..]);
        if self.dissection.finished() || self.streams[dir.index()].buffer.len() > MAX_BUFFERED {
            self.dissection = Dissection::Done;
            self.streams = Default::default();
        }
        true
    }

    /// Chooses a dissector from the first bytes of a direction.
    fn identify(&mut self, dir: Direction) {
        let data = &self.streams[dir.index()].buffer;
        if data.len() < 4 && !data.starts_with(b"SSH") {
            return;
        }
        if let Some(registration) = identify(self.transport, dir, data) {
            self.dissection = Dissection::Active((registration.new)(self.transport));
            self.categories = registration.categories;
            // The other direction may already hold bytes for the new dissector.
            self.scanned = [0, 0];
        }
    }

    /// Switches an unknown flow to TLS at a ClientHello found in the client's bytes.
    fn start_tls(&mut self, out: &mut Vec<Finding>) {
        let mut tls = TlsDissector::resyncing();
        let client = std::mem::take(&mut self.streams[0].buffer);
        let n = tls.feed(Direction::ToServer, &client, out);
        self.streams[0].buffer = client[n..].to_vec();
        let server = std::mem::take(&mut self.streams[1].buffer);
        let m = tls.feed(Direction::ToClient, &server, out);
        self.streams[1].buffer = server[m..].to_vec();
        self.dissection = if tls.finished() { Dissection::Done } else { Dissection::Active(Box::new(tls)) };
        self.categories = &["protocol:tls"];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::capture::TcpMeta;

    fn record<'a>(src: &str, dst: &str, seq: u32, syn: bool, payload: &'a [u8]) -> CaptureRecord<'a> {
        CaptureRecord {
            time: PacketTime::from_parts(1_793_577_600, 0),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            transport: Transport::Tcp,
            tcp: Some(TcpMeta { seq, syn, ack: false, ack_number: None, fin: false, rst: false }),
            crossing: None,
            excerpt: None,
            payload,
            wire_len: None,
        }
    }

    #[test]
    fn the_last_ack_after_both_fins_opens_no_flow() {
        let mut tracker = FlowTracker::new();
        let mut out = Vec::new();
        let (c, s) = ("10.0.0.1:40000", "10.0.0.2:443");
        let mut fin = |src, dst, seq| {
            let mut r = record(src, dst, seq, false, b"");
            r.tcp = Some(TcpMeta { seq, syn: false, ack: true, ack_number: Some(1), fin: true, rst: false });
            tracker.observe(&r, &mut out);
        };
        fin(c, s, 1);
        fin(s, c, 1);
        assert_eq!(tracker.flows.len(), 0, "closed");
        // The client's ACK of the server's FIN, and a stray RST: nothing to read, nothing kept.
        tracker.observe(&record(c, s, 2, false, b""), &mut out);
        tracker.observe(&record("10.0.0.9:5555", s, 7, false, b""), &mut out);
        assert_eq!(tracker.flows.len(), 0, "no flow kept for a bare ACK until it idles out");
        assert_eq!(tracker.stats().flows, 0);
    }

    #[test]
    fn a_bulk_transfer_stops_being_scanned() {
        let mut tracker = FlowTracker::new();
        let mut out = Vec::new();
        let (c, s) = ("10.0.0.1:40000", "10.0.0.2:9000");
        tracker.observe(&record(c, s, 0, true, b""), &mut out);
        let chunk = vec![0x42u8; 1448];
        let mut seq = 1u32;
        for _ in 0..200 {
            tracker.observe(&record(c, s, seq, false, &chunk), &mut out);
            seq = seq.wrapping_add(1448);
        }
        let flow = tracker.flows.values().next().unwrap();
        assert!(matches!(flow.dissection, Dissection::Done), "scanning ends after {MAX_SCANNED} bytes");
        assert!(flow.streams[0].buffer.is_empty(), "nothing is buffered once done");
    }

    #[test]
    fn ntlm_in_http_after_a_401_is_found() {
        use base64::Engine;
        // A minimal NTLMv2 AUTHENTICATE: empty LM, 40-byte NT response, user "bob".
        let mut msg = b"NTLMSSP\0\x03\0\0\0".to_vec();
        let fields = |len: u16, off: u32| {
            [len.to_le_bytes(), len.to_le_bytes()].concat().into_iter().chain(off.to_le_bytes()).collect::<Vec<u8>>()
        };
        msg.extend(fields(0, 88)); // LM
        msg.extend(fields(40, 88)); // NT
        msg.extend(fields(0, 128)); // domain
        msg.extend(fields(6, 128)); // user
        msg.extend(fields(0, 134)); // workstation
        msg.extend(fields(0, 134)); // session key
        msg.extend(1u32.to_le_bytes()); // NEGOTIATE_UNICODE
        msg.resize(88, 0);
        msg.extend([0x11; 40]);
        msg.extend("bob".encode_utf16().flat_map(u16::to_le_bytes));
        let token = base64::engine::general_purpose::STANDARD.encode(&msg);
        let request = format!("GET /api HTTP/1.1\r\nHost: web\r\nAuthorization: NTLM {token}\r\n\r\n");
        let mut tracker = FlowTracker::new();
        let mut out = Vec::new();
        let (c, s) = ("10.0.0.1:40001", "10.0.0.2:80");
        tracker.observe(&record(c, s, 0, true, b""), &mut out);
        // Split mid-token: the scanner waits for the rest.
        let bytes = request.as_bytes();
        tracker.observe(&record(c, s, 1, false, &bytes[..60]), &mut out);
        tracker.observe(&record(c, s, 61, false, &bytes[60..]), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(matches!(&out[0].finding, Finding::Ntlm { user: Some(u), .. } if u == "bob"));
        assert_eq!(out[0].server, s.parse().unwrap());
    }
}
