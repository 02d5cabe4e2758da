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
    ports: OnDemand<HashSet<u16>>,
    owners: OnDemand<HashMap<u16, ProcessRef>>,
}

impl Listeners {
    /// `transport`: "tcp" (listening sockets) or "udp" (bound, unconnected ones).
    pub fn read(transport: &'static str) -> Self {
        Listeners {
            transport,
            ports: OnDemand::new(listening_ports(transport)),
            owners: OnDemand::new(listener_owners(transport)),
        }
    }

    /// Whether something listens on `port`. Reads only the socket tables,
    /// never the processes' descriptors.
    pub fn listening(&mut self, port: u16) -> bool {
        let transport = self.transport;
        self.ports.ensure(port, |ports| ports.contains(&port), || listening_ports(transport));
        self.ports.table.contains(&port)
    }

    /// The process listening on `port`, if one does.
    pub fn owner(&mut self, port: u16) -> Option<ProcessRef> {
        let transport = self.transport;
        self.owners.ensure(port, |owners| owners.contains_key(&port), || listener_owners(transport));
        self.owners.table.get(&port).cloned()
    }
}

/// A table from /proc, read again when asked for a port it lacks.
struct OnDemand<T> {
    table: T,
    read_at: Instant,
    unknown: HashMap<u16, Instant>,
}

impl<T> OnDemand<T> {
    fn new(table: T) -> Self {
        OnDemand { table, read_at: Instant::now(), unknown: HashMap::new() }
    }

    fn ensure(&mut self, port: u16, has: impl Fn(&T) -> bool, read: impl FnOnce() -> T) {
        if has(&self.table) || self.unknown.get(&port).is_some_and(|t| t.elapsed() < UNKNOWN_FOR) {
            return;
        }
        // Within REFRESH of the last read, the port may have opened since:
        // give up on it only after a read that did not find it.
        if self.read_at.elapsed() > REFRESH {
            self.table = read();
            self.read_at = Instant::now();
            if !has(&self.table) {
                self.unknown.insert(port, Instant::now());
            }
        }
    }
}
