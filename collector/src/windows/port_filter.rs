//! Which packets the live wire source keeps: those to or from a port where
//! a handshake Temper decodes happens, or where this host listens. The rest
//! never reach the flow tracker, which keeps a busy server's CPU cost low.

use crate::wire::capture::CaptureRecord;
use std::collections::HashSet;

/// SSH, SMTP, Kerberos, RPC, NetBIOS session, LDAP(S), HTTPS, SMB, SMTPS and
/// submission, IMAPS, POP3S, SQL Server, global catalog (plain and TLS), RDP,
/// WinRM (HTTP and HTTPS) and HTTPS on 8443.
pub const HANDSHAKE_PORTS: &[u16] =
    &[22, 25, 88, 135, 139, 389, 443, 445, 465, 587, 636, 993, 995, 1433, 3268, 3269, 3389, 5985, 5986, 8443];

#[derive(Debug, Clone)]
pub struct PortFilter {
    ports: HashSet<u16>,
}

impl PortFilter {
    /// The handshake ports plus `listening` (this host's listeners).
    pub fn new(listening: impl IntoIterator<Item = u16>) -> Self {
        PortFilter { ports: HANDSHAKE_PORTS.iter().copied().chain(listening).filter(|p| *p != 0).collect() }
    }

    pub fn wants(&self, record: &CaptureRecord<'_>) -> bool {
        self.ports.contains(&record.src.port()) || self.ports.contains(&record.dst.port())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::capture::PacketTime;
    use crate::Transport;

    fn record(src: &str, dst: &str) -> CaptureRecord<'static> {
        CaptureRecord {
            time: PacketTime(0),
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            transport: Transport::Tcp,
            tcp: None,
            crossing: None,
            excerpt: None,
            payload: &[],
            wire_len: None,
        }
    }

    #[test]
    fn keeps_handshake_and_listener_ports_only() {
        let filter = PortFilter::new([8080]);
        assert!(filter.wants(&record("10.0.0.9:50000", "10.0.0.5:445")));
        assert!(filter.wants(&record("10.0.0.5:8080", "10.0.0.9:50001")));
        assert!(!filter.wants(&record("10.0.0.9:50000", "10.0.0.5:80")));
    }

    #[test]
    fn a_listener_on_port_zero_keeps_nothing_more() {
        let filter = PortFilter::new([0]);
        assert!(!filter.wants(&record("10.0.0.9:0", "10.0.0.5:0")));
        assert!(filter.wants(&record("10.0.0.9:0", "10.0.0.5:3389")));
    }
}
