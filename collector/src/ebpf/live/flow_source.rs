//! Protocol handshakes and UDP flows from the TC classifier
//! (`collector/bpf/flow.bpf.c`), attached with TCX where the kernel has it
//! (6.6+) and through a clsact qdisc otherwise or when asked. Its excerpts
//! go through the same flow tracker and dissectors as pcap files
//! ([`LiveWire`]); each new UDP flow is also a connection.
//!
//! A TCX link dies with the process that made it. A clsact filter does
//! not: one left by a killed instance would keep copying packets into a
//! ring nobody reads, so filters of Temper's programs are removed from
//! every chosen interface before attaching.

use super::boot_clock::BootClock;
use super::error::EbpfError;
use super::listeners::Listeners;
use super::ring_reader::{ring_size, RingReader, OUTLET_WAIT};
use crate::ebpf::flow_record::{parse_flow_record, udp_connections, FlowRecordKind, UdpHost};
use crate::linux::interfaces::interfaces;
use crate::observation::{Observation, ProcessRef};
use crate::sink::Sink;
use crate::source::{Running, Source, StartError};
use crate::wire::capture::PacketTime;
use crate::wire::live::LiveWire;
use aya::programs::tc::{qdisc_add_clsact, qdisc_detach_program, NlOptions, TcAttachOptions};
use aya::programs::{LinkOrder, SchedClassifier, TcAttachType};
use aya::util::KernelVersion;
use aya::{Ebpf, EbpfLoader};
use std::cell::RefCell;
use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

static FLOW_OBJECT: &[u8] = aya::include_bytes_aligned!("../../../bpf/flow.bpf.o");
const INGRESS_PROGRAM: &str = "temper_flow_in";
const EGRESS_PROGRAM: &str = "temper_flow_out";
/// How often idle flows are closed and the host's addresses re-read.
const TICK: Duration = Duration::from_secs(30);

/// What this source attests while it runs: the protocols its excerpts
/// carry. Shares are not among them: SMB3 encryption hides them and the
/// per-flow budget ends long sessions early; Samba's audit log attests them.
pub const FLOW_CATEGORIES: &[&str] =
    &["protocol:tls", "protocol:ssh", "protocol:smb", "protocol:ntlm", "protocol:kerberos", "protocol:rdp"];

/// How the classifier is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TcHook {
    /// A TCX link (Linux 6.6+), owned by this process.
    Tcx,
    /// A filter on a clsact qdisc, for older kernels.
    Clsact,
}

impl TcHook {
    /// TCX where the kernel has it, unless clsact is forced.
    pub fn for_this_kernel(force_clsact: bool) -> Self {
        if !force_clsact && KernelVersion::current().is_ok_and(|v| v >= KernelVersion::new(6, 6, 0)) {
            TcHook::Tcx
        } else {
            TcHook::Clsact
        }
    }
}

pub struct FlowSource {
    _bpf: Ebpf,
    ring: RingReader,
    host: String,
    hook: TcHook,
    interfaces: Vec<String>,
    /// The host's addresses when loaded; re-read every [`TICK`] while running.
    addresses: Vec<IpAddr>,
}

impl FlowSource {
    /// Loads the classifier and attaches it to `interfaces` (every interface
    /// that is up and has an address when empty): on `lo` to ingress only,
    /// where each loopback packet passes once; elsewhere to both directions.
    pub fn load(
        host: impl Into<String>,
        interfaces: &[String],
        hook: TcHook,
        ring_bytes: u32,
    ) -> Result<Self, EbpfError> {
        let failed = |e: &dyn std::error::Error| EbpfError::from_load("flow", e);
        let mut bpf = EbpfLoader::new()
            .map_max_entries("flow_events", ring_size(ring_bytes))
            .load(FLOW_OBJECT)
            .map_err(|e| failed(&e))?;
        for name in [INGRESS_PROGRAM, EGRESS_PROGRAM] {
            classifier(&mut bpf, name)?.load().map_err(|e| failed(&e))?;
        }
        let found = self::interfaces();
        let chosen: Vec<String> =
            if interfaces.is_empty() { found.names.into_iter().collect() } else { interfaces.to_vec() };
        for interface in &chosen {
            attach(&mut bpf, interface, hook)?;
        }
        let ring = RingReader::take(&mut bpf, "flow", "flow_events", "flow_lost")?;
        Ok(FlowSource { _bpf: bpf, ring, host: host.into(), hook, interfaces: chosen, addresses: found.addresses })
    }

    pub fn hook(&self) -> TcHook {
        self.hook
    }

    /// The interfaces the classifier is attached to.
    pub fn interfaces(&self) -> &[String] {
        &self.interfaces
    }

    /// Reads records until `stop` is set, handing observations to `sink`.
    pub fn run(mut self, stop: &AtomicBool, sink: &dyn Sink) {
        let reader = RefCell::new(Reader {
            wire: LiveWire::new(self.host.clone(), self.addresses.iter().copied()),
            udp: Listeners::read("udp"),
            name: self.host.clone(),
            out: Vec::new(),
            ticked: Instant::now(),
        });
        self.ring.run_ticking(
            stop,
            sink,
            |bytes, clock| reader.borrow_mut().record(bytes, clock, sink),
            || reader.borrow_mut().tick(sink),
        );
    }
}

/// This host's addresses (the ones the wire knows) and bound UDP sockets,
/// for [`udp_connections`].
struct LocalHost<'a> {
    wire: &'a LiveWire,
    udp: &'a mut Listeners,
}

impl UdpHost for LocalHost<'_> {
    fn is_local(&self, ip: IpAddr) -> bool {
        self.wire.is_local(ip)
    }
    fn is_bound(&mut self, port: u16) -> bool {
        self.udp.listening(port)
    }
    fn owner(&mut self, port: u16) -> Option<ProcessRef> {
        self.udp.owner(port)
    }
}

struct Reader {
    wire: LiveWire,
    udp: Listeners,
    name: String,
    out: Vec<Observation>,
    ticked: Instant,
}

impl Reader {
    fn record(&mut self, bytes: &[u8], clock: BootClock, sink: &dyn Sink) {
        let Some(record) = parse_flow_record(bytes) else {
            sink.lost(1);
            return;
        };
        tracing::trace!(kind = ?record.kind, src = %record.src, dst = %record.dst, seq = record.seq,
            wire_len = record.wire_len, copied = record.payload.len(), "flow record");
        let time = clock.to_utc(record.boot_ns);
        if record.kind == FlowRecordKind::UdpFlow {
            let mut host = LocalHost { wire: &self.wire, udp: &mut self.udp };
            for obs in udp_connections(&record, &self.name, time, &mut host) {
                sink.send_waiting(obs, OUTLET_WAIT);
            }
            if record.payload.is_empty() {
                return;
            }
        }
        self.wire.packet(&record.to_capture(time), &mut self.out);
        for obs in self.out.drain(..) {
            sink.send_waiting(obs, OUTLET_WAIT);
        }
    }

    /// Closes idle flows and follows address changes, every [`TICK`].
    fn tick(&mut self, sink: &dyn Sink) {
        if self.ticked.elapsed() < TICK {
            return;
        }
        self.ticked = Instant::now();
        let now: HashSet<IpAddr> = interfaces().addresses.into_iter().collect();
        if !now.is_empty() && &now != self.wire.local_addresses() {
            self.wire.set_local_addresses(now);
        }
        self.wire.tick(PacketTime::from_utc(chrono::Utc::now()), &mut self.out);
        for obs in self.out.drain(..) {
            sink.send_waiting(obs, OUTLET_WAIT);
        }
    }
}

fn classifier<'a>(bpf: &'a mut Ebpf, name: &str) -> Result<&'a mut SchedClassifier, EbpfError> {
    bpf.program_mut(name)
        .ok_or_else(|| EbpfError::Program { program: "flow", message: format!("no {name} program in the object") })?
        .try_into()
        .map_err(|e| EbpfError::from_load("flow", &e))
}

/// How many bytes of link-layer header precede the IP header on an
/// interface, from its ARPHRD type: Ethernet, Wi-Fi and loopback carry an
/// Ethernet header; tunnels (WireGuard, tun, GRE, SIT) carry none.
fn link_header_len(interface: &str) -> Result<(u32, u32), EbpfError> {
    let read = |what: &str| {
        std::fs::read_to_string(format!("/sys/class/net/{interface}/{what}"))
            .ok()
            .and_then(|v| v.trim().parse::<u32>().ok())
            .ok_or_else(|| EbpfError::Program { program: "flow", message: format!("no interface {interface}") })
    };
    let (index, kind) = (read("ifindex")?, read("type")?);
    const ETHER: u32 = 1;
    const LOOPBACK: u32 = 772;
    const NONE: u32 = 65534;
    const TUNNEL: u32 = 768;
    const TUNNEL6: u32 = 769;
    const SIT: u32 = 776;
    const IPGRE: u32 = 778;
    match kind {
        ETHER | LOOPBACK => Ok((index, 14)),
        NONE | TUNNEL | TUNNEL6 | SIT | IPGRE => Ok((index, 0)),
        other => Err(EbpfError::Program {
            program: "flow",
            message: format!(
                "{interface}: link type {other} is not Ethernet or an IP tunnel; leave it out (--interface)"
            ),
        }),
    }
}

fn attach(bpf: &mut Ebpf, interface: &str, hook: TcHook) -> Result<(), EbpfError> {
    let (index, header_len) = link_header_len(interface)?;
    let map = bpf.map_mut("link_header_len").ok_or_else(|| EbpfError::Program {
        program: "flow",
        message: "no link_header_len map in the object".into(),
    })?;
    let mut lengths: aya::maps::HashMap<_, u32, u32> =
        aya::maps::HashMap::try_from(map).map_err(|e| EbpfError::from_load("flow", &e))?;
    lengths.insert(index, header_len, 0).map_err(|e| EbpfError::from_load("flow", &e))?;
    let hooks: &[(&str, TcAttachType)] = if interface == "lo" {
        &[(INGRESS_PROGRAM, TcAttachType::Ingress)]
    } else {
        &[(INGRESS_PROGRAM, TcAttachType::Ingress), (EGRESS_PROGRAM, TcAttachType::Egress)]
    };
    remove_stale_filters(interface);
    if hook == TcHook::Clsact {
        // Fails when the qdisc exists already, which is what is wanted; a
        // real failure shows in the attach below.
        if let Err(e) = qdisc_add_clsact(interface) {
            tracing::debug!("clsact qdisc on {interface}: {e}");
        }
    }
    for (name, attach_type) in hooks {
        let options = match hook {
            TcHook::Tcx => TcAttachOptions::TcxOrder(LinkOrder::default()),
            TcHook::Clsact => TcAttachOptions::Netlink(NlOptions::default()),
        };
        classifier(bpf, name)?.attach_with_options(interface, *attach_type, options).map_err(|e| {
            match EbpfError::from_load("flow", &e) {
                EbpfError::Program { program, message } => {
                    EbpfError::Program { program, message: format!("cannot attach to {interface}: {message}") }
                }
                other => other,
            }
        })?;
    }
    Ok(())
}

/// Removes clsact filters of Temper's programs, left by an instance that was killed.
fn remove_stale_filters(interface: &str) {
    for (name, attach_type) in [(INGRESS_PROGRAM, TcAttachType::Ingress), (EGRESS_PROGRAM, TcAttachType::Egress)] {
        // Not found (the usual case) and no clsact qdisc are both errors here.
        if qdisc_detach_program(interface, attach_type, name).is_ok() {
            tracing::info!("removed a stale {name} filter from {interface} (left by an earlier instance)");
        }
    }
}

impl Source for FlowSource {
    fn name(&self) -> &str {
        "packets"
    }

    fn source(&self) -> &'static str {
        "ebpf"
    }

    fn attests(&self) -> Vec<String> {
        FLOW_CATEGORIES.iter().map(|c| c.to_string()).collect()
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        Running::spawn("packets", move |stop| self.run(stop.flag(), &*sink))
    }
}
