//! The TCP program's ring-buffer record (`collector/bpf/tcp.bpf.c`,
//! `struct tcp_event`) and the `connection` observation it becomes.

use super::kernel_address::kernel_address;
use crate::observation::{ConnectionUse, Endpoint, Event, Observation, ProcessRef, Role, Transport};
use chrono::{DateTime, Utc};
use std::net::IpAddr;

const COMM_LEN: usize = 16;
/// `sizeof(struct tcp_event)`.
pub const TCP_EVENT_SIZE: usize = 8 + 4 + 2 * 3 + 1 + 5 + 16 * 2 + COMM_LEN;

#[derive(Debug, Clone, PartialEq)]
pub struct TcpEvent {
    pub boot_ns: u64,
    /// The connecting process (outbound only; 0 when unknown).
    pub pid: u32,
    pub outbound: bool,
    pub local: (IpAddr, u16),
    pub peer: (IpAddr, u16),
    pub comm: String,
}

/// Reads one record; `None` when it is not a whole record.
pub fn parse_tcp_event(bytes: &[u8]) -> Option<TcpEvent> {
    if bytes.len() < TCP_EVENT_SIZE {
        return None;
    }
    let u16_at = |at: usize| u16::from_ne_bytes([bytes[at], bytes[at + 1]]);
    let family = u16_at(12);
    let comm = &bytes[56..56 + COMM_LEN];
    let comm_end = memchr::memchr(0, comm).unwrap_or(COMM_LEN);
    Some(TcpEvent {
        boot_ns: u64::from_ne_bytes(bytes[0..8].try_into().ok()?),
        pid: u32::from_ne_bytes(bytes[8..12].try_into().ok()?),
        outbound: bytes[18] != 0,
        local: (kernel_address(family, &bytes[24..40]), u16_at(14)),
        peer: (kernel_address(family, &bytes[40..56]), u16_at(16)),
        comm: String::from_utf8_lossy(&comm[..comm_end]).into_owned(),
    })
}

impl TcpEvent {
    /// The observation, with `process` the owner (for inbound accepts, the
    /// listening socket's owner, which user space looks up).
    pub fn to_observation(&self, host: &str, time: DateTime<Utc>, process: Option<ProcessRef>) -> Observation {
        let role = if self.outbound { Role::Client } else { Role::Server };
        let mut obs =
            Observation::new(time, host, "ebpf", Event::Connection(ConnectionUse { transport: Transport::Tcp }))
                .with_role(role)
                .with_local(Endpoint::new(self.local.0, self.local.1))
                .with_peer(Endpoint::new(self.peer.0, self.peer.1));
        if let Some(process) = process {
            obs = obs.with_process(process);
        }
        obs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv6Addr;

    const AF_INET6: u16 = 10;

    #[test]
    fn records_read_both_families() {
        let mut bytes = vec![0u8; TCP_EVENT_SIZE];
        bytes[8..12].copy_from_slice(&4242u32.to_ne_bytes());
        bytes[12..14].copy_from_slice(&2u16.to_ne_bytes());
        bytes[14..16].copy_from_slice(&51000u16.to_ne_bytes());
        bytes[16..18].copy_from_slice(&443u16.to_ne_bytes());
        bytes[18] = 1;
        bytes[24..28].copy_from_slice(&[10, 0, 0, 5]);
        bytes[40..44].copy_from_slice(&[192, 0, 2, 7]);
        bytes[56..60].copy_from_slice(b"curl");
        let event = parse_tcp_event(&bytes).unwrap();
        assert_eq!(event.local, ("10.0.0.5".parse().unwrap(), 51000));
        assert_eq!(event.peer, ("192.0.2.7".parse().unwrap(), 443));
        assert!(event.outbound);
        assert_eq!(event.comm, "curl");
        let obs = event.to_observation("h", "2026-11-02T10:00:00Z".parse().unwrap(), None);
        assert_eq!(obs.role, Some(Role::Client));

        bytes[12..14].copy_from_slice(&AF_INET6.to_ne_bytes());
        bytes[24..40].copy_from_slice(&"::ffff:10.0.0.9".parse::<Ipv6Addr>().unwrap().octets());
        bytes[40..56].copy_from_slice(&"2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
        let v6 = parse_tcp_event(&bytes).unwrap();
        assert_eq!(v6.local.0, "10.0.0.9".parse::<IpAddr>().unwrap());
        assert_eq!(v6.peer.0, "2001:db8::1".parse::<IpAddr>().unwrap());
        assert_eq!(parse_tcp_event(&bytes[..20]), None);
    }
}
