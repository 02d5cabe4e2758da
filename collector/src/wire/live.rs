//! Live packet sources (the eBPF TC program, Windows NDIS capture) feed
//! the same flow tracker as capture files, on behalf of one host. Unlike a
//! capture, a live host knows its own addresses: a flow whose server is
//! elsewhere is this host acting as a client, so its observation says
//! `role: client`, with the remote server as the peer.

use super::capture::{CaptureRecord, PacketTime};
use super::flow::{FlowFinding, FlowTracker};
use super::observations::{to_observation, HostNaming};
use crate::observation::{Observation, Role};
use std::collections::HashSet;
use std::net::IpAddr;

pub struct LiveWire {
    tracker: FlowTracker,
    naming: HostNaming,
    local: HashSet<IpAddr>,
    findings: Vec<FlowFinding>,
}

impl LiveWire {
    pub fn new(host: impl Into<String>, local_addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        LiveWire {
            tracker: FlowTracker::new(),
            naming: HostNaming { fixed: Some(host.into()), ..Default::default() },
            local: local_addresses.into_iter().collect(),
            findings: Vec::new(),
        }
    }

    /// The host's addresses changed (DHCP, a new interface).
    pub fn set_local_addresses(&mut self, addresses: impl IntoIterator<Item = IpAddr>) {
        self.local = addresses.into_iter().collect();
    }

    pub fn local_addresses(&self) -> &HashSet<IpAddr> {
        &self.local
    }

    /// Whether `ip` is this host's: one of its addresses, or loopback.
    pub fn is_local(&self, ip: IpAddr) -> bool {
        is_local(&self.local, ip)
    }

    /// One packet; what it completes is appended to `out`.
    pub fn packet(&mut self, record: &CaptureRecord<'_>, out: &mut Vec<Observation>) {
        self.tracker.observe(record, &mut self.findings);
        self.drain(out);
    }

    /// Closes flows idle long before `now` (see [`FlowTracker::sweep`]).
    pub fn tick(&mut self, now: PacketTime, out: &mut Vec<Observation>) {
        self.tracker.sweep(now, &mut self.findings);
        self.drain(out);
    }

    fn drain(&mut self, out: &mut Vec<Observation>) {
        for found in self.findings.drain(..) {
            let Some(mut obs) = to_observation(&found, &self.naming) else { continue };
            if !is_local(&self.local, found.server.ip()) && self.local.contains(&found.client.ip()) {
                obs.role = Some(Role::Client);
                std::mem::swap(&mut obs.local, &mut obs.peer);
            }
            out.push(obs);
        }
    }
}

fn is_local(local: &HashSet<IpAddr>, ip: IpAddr) -> bool {
    ip.is_loopback() || local.contains(&ip)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::capture::TcpMeta;
    use crate::Transport;

    fn record<'a>(src: &str, dst: &str, seq: u32, flags: (bool, bool, bool), payload: &'a [u8]) -> CaptureRecord<'a> {
        CaptureRecord {
            time: PacketTime(1_700_000_000_000_000_000),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            transport: Transport::Tcp,
            tcp: Some(TcpMeta { seq, syn: flags.0, ack: flags.1, ack_number: None, fin: flags.2, rst: false }),
            crossing: None,
            excerpt: None,
            payload,
            wire_len: None,
        }
    }

    #[test]
    fn outbound_flows_are_client_role() {
        let mut wire = LiveWire::new("ws01", ["10.0.0.5".parse().unwrap()]);
        let mut out = Vec::new();
        let (client, server) = ("10.0.0.5:50000", "192.0.2.7:22");
        let (hello_c, hello_s) = (b"SSH-2.0-OpenSSH_9.2\r\n", b"SSH-2.0-OpenSSH_9.6\r\n");
        wire.packet(&record(client, server, 0, (true, false, false), b""), &mut out);
        wire.packet(&record(server, client, 0, (true, true, false), b""), &mut out);
        wire.packet(&record(client, server, 1, (false, true, false), hello_c), &mut out);
        wire.packet(&record(server, client, 1, (false, true, false), hello_s), &mut out);
        // The banners alone are an SSH 2 handshake once the connection closes.
        wire.packet(&record(client, server, 1 + hello_c.len() as u32, (false, true, true), b""), &mut out);
        wire.packet(&record(server, client, 1 + hello_s.len() as u32, (false, true, true), b""), &mut out);
        let obs = out.first().expect("an ssh observation");
        assert_eq!(obs.host, "ws01");
        assert_eq!(obs.role, Some(Role::Client));
        assert_eq!(obs.peer.as_ref().unwrap().port, Some(22));
        assert_eq!(obs.local.as_ref().unwrap().ip, Some("10.0.0.5".parse().unwrap()));
    }
}
