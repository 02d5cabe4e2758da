//! The one capture record every packet source produces: pcap/pcapng files,
//! the eBPF TC program and the Windows NDIS packet source. The flow tracker
//! and the dissectors read nothing else.

use crate::observation::Transport;
use chrono::{DateTime, Utc};
use std::net::SocketAddr;

/// Which way a packet crossed the capturing host's interface, when the
/// source knows (the TC program does; a pcap file does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    Ingress,
    Egress,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpMeta {
    pub seq: u32,
    pub syn: bool,
    pub ack: bool,
    /// The acknowledgment number, when the source has it (an ACK beyond a
    /// hole in the other direction proves the hole will never fill).
    pub ack_number: Option<u32>,
    pub fin: bool,
    pub rst: bool,
}

/// How a sampling source (the eBPF TC program) chose a packet. Capture
/// files and NDIS capture carry every packet and set none: their streams
/// are whole, so a hole is damage. A sampled stream skips bulk data by
/// design and resumes at the next message the source marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Excerpt {
    /// The payload starts a protocol message; stream bytes before it may have been left out.
    /// Otherwise it continues the message of the record before it.
    pub message_start: bool,
    /// Whether the sender is the connection's client, when the source saw its handshake.
    pub from_client: Option<bool>,
    /// The packet's whole payload length: `payload` may be its first bytes only.
    pub wire_len: u32,
}

/// Unix time in nanoseconds. Packets carry it as read: a calendar date is
/// computed only for what becomes an observation, not for every packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PacketTime(pub i64);

impl PacketTime {
    pub fn from_parts(seconds: i64, nanos: u32) -> Self {
        PacketTime(seconds.saturating_mul(1_000_000_000).saturating_add(nanos as i64))
    }

    pub fn from_utc(time: DateTime<Utc>) -> Self {
        PacketTime(time.timestamp_nanos_opt().unwrap_or(i64::MAX))
    }

    pub fn utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp_nanos(self.0)
    }
}

/// One packet's transport payload with its 5-tuple.
#[derive(Debug, Clone, Copy)]
pub struct CaptureRecord<'a> {
    pub time: PacketTime,
    pub src: SocketAddr,
    pub dst: SocketAddr,
    pub transport: Transport,
    /// TCP sequence number and flags; `None` for UDP.
    pub tcp: Option<TcpMeta>,
    pub crossing: Option<Crossing>,
    /// Set by sampling sources only.
    pub excerpt: Option<Excerpt>,
    /// Transport payload (possibly cut short by the capture's snap length).
    pub payload: &'a [u8],
    /// When the capture cut the frame short (its snap length): the payload's
    /// length on the wire. Its missing bytes are a hole in the stream.
    pub wire_len: Option<u32>,
}
