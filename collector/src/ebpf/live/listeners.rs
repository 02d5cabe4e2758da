//! Listening ports and their owners, read from /proc on demand: an event on
//! a port not seen before makes the tables be read again (at most every
//! 250 ms), and a port still unknown (a kernel socket: NFS, say) is not
//! looked for again for a minute. Kernel events in softirq context name
//! no process; this does.

use crate::linux::{listener_owners, listening_ports};
use crate::observation::ProcessRef;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

const REFRESH: Duration = Duration::from_millis(250);
const UNKNOWN_FOR: Duration = Duration::from_secs(60);

pub(super) struct Listeners {
    transport: &'static str,
    ports: HashSet<u16>,
    owners: HashMap<u16, ProcessRef>,
    read_at: Instant,
    unknown: HashMap<u16, Instant>,
}

impl Listeners {
    /// `transport`: "tcp" (listening sockets) or "udp" (bound, unconnected ones).
    pub fn read(transport: &'static str) -> Self {
        Listeners {
            transport,
            ports: listening_ports(transport),
            owners: listener_owners(transport),
            read_at: Instant::now(),
            unknown: HashMap::new(),
        }
    }

    /// Whether something listens on `port`.
    pub fn listening(&mut self, port: u16) -> bool {
        self.refresh_for(port, |l| l.ports.contains(&port));
        self.ports.contains(&port)
    }

    /// The process listening on `port`, if one does.
    pub fn owner(&mut self, port: u16) -> Option<ProcessRef> {
        self.refresh_for(port, |l| l.owners.contains_key(&port));
        self.owners.get(&port).cloned()
    }

    fn refresh_for(&mut self, port: u16, known: impl Fn(&Self) -> bool) {
        if known(self) || self.unknown.get(&port).is_some_and(|t| t.elapsed() < UNKNOWN_FOR) {
            return;
        }
        if self.read_at.elapsed() > REFRESH {
            self.ports = listening_ports(self.transport);
            self.owners = listener_owners(self.transport);
            self.read_at = Instant::now();
        }
        if !known(self) {
            self.unknown.insert(port, Instant::now());
        }
    }
}
