//! Sockets from the IP Helper owner-PID tables (what `netstat -ano` shows)
//! as the host state's listeners: one per transport, port and process,
//! with UDP client ports left out.

use super::fields::basename;
use super::host_state::ListenerEntry;
use std::collections::{BTreeSet, HashMap};

/// Windows' default dynamic port range starts here. A bound UDP socket in
/// it is almost always a client's (DNS lookups and the like), not a service.
const DYNAMIC_PORTS_START: u16 = 49_152;
/// The System process (kernel-mode listeners such as SMB and HTTP.sys).
const SYSTEM_PID: u32 = 4;

/// One table row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Socket {
    /// `tcp` or `udp`.
    pub transport: &'static str,
    pub port: u16,
    pub pid: u32,
}

/// `dwLocalPort` holds the port in network byte order in its low 16 bits.
pub fn table_port(raw: u32) -> u16 {
    u16::from_be_bytes([(raw & 0xff) as u8, ((raw >> 8) & 0xff) as u8])
}

/// The listeners, sorted; IPv4 and IPv6 rows of one socket merge.
/// `image_path` gives a process's image path, or `None` when it cannot be
/// opened (protected, gone); it is asked once per process, never for System.
pub fn listeners(
    sockets: impl IntoIterator<Item = Socket>,
    mut image_path: impl FnMut(u32) -> Option<String>,
) -> Vec<ListenerEntry> {
    let sockets: BTreeSet<Socket> = sockets.into_iter().collect();
    let mut names: HashMap<u32, Option<String>> = HashMap::new();
    let mut listeners: BTreeSet<(&'static str, u16, Option<String>)> = BTreeSet::new();
    for Socket { transport, port, pid } in sockets {
        if port == 0 || (transport == "udp" && port >= DYNAMIC_PORTS_START) {
            continue;
        }
        let process = names
            .entry(pid)
            .or_insert_with(|| {
                if pid == SYSTEM_PID {
                    Some("System".to_string())
                } else {
                    image_path(pid).map(|path| basename(&path).to_string())
                }
            })
            .clone();
        listeners.insert((transport, port, process));
    }
    listeners
        .into_iter()
        .map(|(transport, port, process)| ListenerEntry { transport: transport.to_string(), port, process })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_come_in_network_order() {
        // 445 = 0x01BD, stored as bytes BD 01 read little-endian.
        assert_eq!(table_port(0x0000_BD01), 445);
        assert_eq!(table_port(0xFFFF_BD01), 445);
    }

    #[test]
    fn listeners_merge_and_leave_client_ports_out() {
        let socket = |transport, port, pid| Socket { transport, port, pid };
        let sockets = [
            socket("tcp", 445, 4),
            socket("tcp", 445, 4),
            socket("tcp", 3389, 1100),
            socket("udp", 3389, 1100),
            socket("udp", 53000, 1200),
            socket("tcp", 0, 1300),
            socket("tcp", 8080, 1400),
        ];
        let mut asked = Vec::new();
        let found = listeners(sockets, |pid| {
            asked.push(pid);
            (pid == 1100).then(|| r"C:\Windows\System32\svchost.exe".to_string())
        });
        asked.sort();
        assert_eq!(asked, [1100, 1400]);
        let entry = |transport: &str, port, process: Option<&str>| ListenerEntry {
            transport: transport.to_string(),
            port,
            process: process.map(str::to_string),
        };
        assert_eq!(
            found,
            [
                entry("tcp", 445, Some("System")),
                entry("tcp", 3389, Some("svchost.exe")),
                entry("tcp", 8080, None),
                entry("udp", 3389, Some("svchost.exe")),
            ]
        );
    }
}
