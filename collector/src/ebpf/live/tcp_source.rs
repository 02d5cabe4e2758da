//! TCP connections from `tp_btf/inet_sock_set_state`
//! (`collector/bpf/tcp.bpf.c`). Inbound accepts are attributed to the
//! listening socket's owner, found in /proc ([`crate::ebpf::proc_sockets`]).

use super::boot_clock::BootClock;
use super::error::EbpfError;
use super::exec_source::{BTF_PATH, WAKE_MS};
use super::ring_reader::{ring_size, RingReader};
use crate::ebpf::tcp_event::parse_tcp_event;
use crate::linux::listener_owners;
use crate::live_sink::Sink;
use crate::observation::ProcessRef;
use aya::programs::BtfTracePoint;
use aya::{Btf, Ebpf, EbpfLoader};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
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
    owners_read: Option<Instant>,
    unknown: HashMap<u16, Instant>,
}

impl TcpSource {
    pub fn load(host: impl Into<String>, ring_bytes: u32) -> Result<Self, EbpfError> {
        if !Path::new(BTF_PATH).exists() {
            return Err(EbpfError::NoBtf(BTF_PATH.into()));
        }
        let btf = Btf::from_sys_fs().map_err(|e| EbpfError::from_load("tcp", &e))?;
        let mut bpf = EbpfLoader::new()
            .btf(Some(&btf))
            .map_max_entries("tcp_events", ring_size(ring_bytes))
            .load(TCP_OBJECT)
            .map_err(|e| EbpfError::from_load("tcp", &e))?;
        let program: &mut BtfTracePoint = bpf
            .program_mut("temper_tcp")
            .ok_or_else(|| EbpfError::Program {
                program: "tcp",
                message: "no temper_tcp program in the object".into(),
            })?
            .try_into()
            .map_err(|e| EbpfError::from_load("tcp", &e))?;
        program.load("inet_sock_set_state", &btf).map_err(|e| EbpfError::from_load("tcp", &e))?;
        program.attach().map_err(|e| EbpfError::from_load("tcp", &e))?;
        let ring = RingReader::take(&mut bpf, "tcp", "tcp_events", "tcp_lost")?;
        Ok(TcpSource {
            _bpf: bpf,
            ring,
            host: host.into(),
            owners: listener_owners("tcp"),
            owners_read: Some(Instant::now()),
            unknown: HashMap::new(),
        })
    }

    pub fn run(mut self, stop: &AtomicBool, sink: &dyn Sink) {
        loop {
            let stopping = stop.load(Ordering::Relaxed);
            if !stopping {
                self.ring.wait(WAKE_MS);
            }
            let clock = BootClock::now();
            let (host, owners, owners_read, unknown) =
                (&self.host, &mut self.owners, &mut self.owners_read, &mut self.unknown);
            self.ring.drain(|bytes| {
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
                        if owners_read.is_none_or(|t| t.elapsed() > OWNERS_REFRESH) {
                            *owners = listener_owners("tcp");
                            *owners_read = Some(Instant::now());
                        }
                        if !owners.contains_key(&port) {
                            unknown.insert(port, Instant::now());
                        }
                    }
                    owners.get(&port).cloned()
                };
                sink.send(event.to_observation(host, clock.to_utc(event.boot_ns), process));
            });
            self.ring.report_lost(sink);
            if stopping {
                return;
            }
        }
    }
}
