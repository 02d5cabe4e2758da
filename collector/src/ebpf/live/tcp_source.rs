//! TCP connections from `tp_btf/inet_sock_set_state`
//! (`collector/bpf/tcp.bpf.c`). Inbound accepts are attributed to the
//! listening socket's owner, found in /proc ([`super::listeners`]).

use super::error::EbpfError;
use super::listeners::Listeners;
use super::program::load_tp_btf;
use super::ring_reader::{RingReader, OUTLET_WAIT};
use crate::ebpf::tcp_event::parse_tcp_event;
use crate::observation::ProcessRef;
use crate::sink::Sink;
use crate::source::{Running, Source, StartError};
use aya::{Btf, Ebpf};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

static TCP_OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/tcp.bpf.o");

pub struct TcpSource {
    _bpf: Ebpf,
    ring: RingReader,
    host: String,
    listeners: Listeners,
    /// The UDP flows are watched beside it (the TC classifier runs).
    udp_watched: bool,
}

impl TcpSource {
    /// Loads the program, relocated against `btf` ([`super::kernel_btf`]).
    pub fn load(btf: &Btf, host: impl Into<String>, ring_bytes: u32) -> Result<Self, EbpfError> {
        let (bpf, ring) = load_tp_btf(btf, "tcp", TCP_OBJECT, "temper_tcp", "inet_sock_set_state", ring_bytes)?;
        Ok(TcpSource { _bpf: bpf, ring, host: host.into(), listeners: Listeners::read("tcp"), udp_watched: false })
    }

    /// Says that UDP flows are watched too, so that together they attest connections.
    pub fn with_udp_watched(mut self, watched: bool) -> Self {
        self.udp_watched = watched;
        self
    }

    /// Reads records until `stop` is set, handing observations to `sink`.
    pub fn run(mut self, stop: &AtomicBool, sink: &dyn Sink) {
        let (host, listeners) = (&self.host, &mut self.listeners);
        self.ring.run(stop, sink, |bytes, clock| {
            let Some(event) = parse_tcp_event(bytes) else {
                sink.lost(1);
                return;
            };
            let process = if event.outbound {
                (event.pid != 0).then(|| ProcessRef { pid: Some(event.pid), name: event.comm.clone() })
            } else {
                listeners.owner(event.local.1)
            };
            sink.send_waiting(event.to_observation(host, clock.to_utc(event.boot_ns), process), OUTLET_WAIT);
        });
    }
}

impl Source for TcpSource {
    fn name(&self) -> &str {
        "tcp"
    }

    fn source(&self) -> &'static str {
        "ebpf"
    }

    /// Connections are attested only with UDP flows watched too: TCP alone
    /// cannot say a port was unused.
    fn attests(&self) -> Vec<String> {
        if self.udp_watched {
            vec!["connection".into()]
        } else {
            Vec::new()
        }
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        Running::spawn("tcp", move |stop| self.run(stop.flag(), &*sink))
    }
}
