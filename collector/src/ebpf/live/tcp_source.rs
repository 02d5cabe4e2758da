//! TCP connections from `tp_btf/inet_sock_set_state`
//! (`collector/bpf/tcp.bpf.c`). Inbound accepts are attributed to the
//! listening socket's owner, found in /proc ([`crate::ebpf::proc_sockets`]).

use super::error::EbpfError;
use super::program::load_tp_btf;
use super::ring_reader::RingReader;
use crate::ebpf::tcp_event::parse_tcp_event;
use crate::linux::listener_owners;
use crate::live_sink::Sink;
use crate::observation::ProcessRef;
use aya::{Btf, Ebpf};
use std::collections::HashMap;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

static TCP_OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/tcp.bpf.o");

/// A port with no known owner makes /proc be read again, at most this often...
const OWNERS_REFRESH: Duration = Duration::from_millis(250);
/// ...and a port still without one (a kernel socket: NFS, say) is not
/// looked for again for this long.
const UNKNOWN_FOR: Duration = Duration::from_secs(60);

pub struct TcpSource {
    _bpf: Ebpf,
    ring: RingReader,
    host: String,
    owners: HashMap<u16, ProcessRef>,
    owners_read: Instant,
    unknown: HashMap<u16, Instant>,
}

impl TcpSource {
    /// Loads the program, relocated against `btf` ([`super::kernel_btf`]).
    pub fn load(btf: &Btf, host: impl Into<String>, ring_bytes: u32) -> Result<Self, EbpfError> {
        let (bpf, ring) = load_tp_btf(btf, "tcp", TCP_OBJECT, "temper_tcp", "inet_sock_set_state", ring_bytes)?;
        Ok(TcpSource {
            _bpf: bpf,
            ring,
            host: host.into(),
            owners: listener_owners("tcp"),
            owners_read: Instant::now(),
            unknown: HashMap::new(),
        })
    }

    /// Reads records until `stop` is set, handing observations to `sink`.
    pub fn run(mut self, stop: &AtomicBool, sink: &dyn Sink) {
        let (host, owners, owners_read, unknown) =
            (&self.host, &mut self.owners, &mut self.owners_read, &mut self.unknown);
        self.ring.run(stop, sink, |bytes, clock| {
            let Some(event) = parse_tcp_event(bytes) else {
                sink.lost(1);
                return;
            };
            let process = if event.outbound {
                (event.pid != 0).then(|| ProcessRef { pid: Some(event.pid), name: event.comm.clone() })
            } else {
                let port = event.local.1;
                let given_up = unknown.get(&port).is_some_and(|t| t.elapsed() < UNKNOWN_FOR);
                if !owners.contains_key(&port) && !given_up {
                    if owners_read.elapsed() > OWNERS_REFRESH {
                        *owners = listener_owners("tcp");
                        *owners_read = Instant::now();
                    }
                    if !owners.contains_key(&port) {
                        unknown.insert(port, Instant::now());
                    }
                }
                owners.get(&port).cloned()
            };
            sink.send(event.to_observation(host, clock.to_utc(event.boot_ns), process));
        });
    }
}
