//! The one capture record every packet source produces: pcap/pcapng files
//! today, the eBPF TC program and the Windows NDIS packet source later. The
//! flow tracker and the dissectors read nothing else.

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
    pub fin: bool,
    pub rst: bool,
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
    /// Transport payload (possibly cut short by the capture's snap length).
    pub payload: &'a [u8],
}
