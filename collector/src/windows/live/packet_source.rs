//! The live wire source: packets from the NDIS-PacketCapture ETW provider
//! (what `netsh trace` and pktmon use) in a session of their own, so the
//! packet volume cannot crowd out the control events. Fragments (event
//! 1001) are reassembled, decoded as frames, kept only on handshake or
//! listener ports, and fed to the same flow tracker and dissectors as
//! capture files.

use super::etw_record::{raw, split, time};
use super::etw_session::EtwSession;
use super::local_addresses::local_addresses;
use super::sink::Sink;
use super::tdh_schema::SchemaCache;
use crate::observation::Observation;
use crate::source::{Running, Source, StartError};
use crate::windows::packet_capture::{NdisFragment, PacketAssembler};
use crate::windows::port_filter::PortFilter;
use crate::wire::frame::decode_frame;
use crate::wire::live::LiveWire;
use ferrisetw::provider::{EventFilter, Provider};
use ferrisetw::trace::{LoggingMode, TraceProperties};
use ferrisetw::GUID;
use std::net::IpAddr;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

const SESSION: &str = "temper-observe-packets";
/// Protocols whose every handshake on the watched ports the dissectors see.
pub const PACKET_CATEGORIES: &[&str] =
    &["protocol:smb", "protocol:ntlm", "protocol:rdp", "protocol:kerberos", "protocol:tls", "protocol:ssh"];
/// Microsoft-Windows-NDIS-PacketCapture.
const NDIS_PACKET_CAPTURE: GUID = GUID::from_u128(0x2ED6006E_4729_4609_B423_3EE7BCD678EF);
/// Packet Fragment.
const FRAGMENT_EVENT: u16 = 1001;
const VERBOSE: u8 = 5;
const LOSS_POLL: Duration = Duration::from_secs(5);
/// Addresses change with DHCP and new interfaces.
const ADDRESS_REFRESH: Duration = Duration::from_secs(300);

/// The packet source for one host.
#[derive(Debug, Clone)]
pub struct PacketSource {
    pub host: String,
    pub ports: PortFilter,
}

/// New local addresses for the callback, handed over without blocking it.
#[derive(Default)]
struct AddressUpdate {
    pending: AtomicBool,
    addresses: Mutex<Vec<IpAddr>>,
}

impl PacketSource {
    fn launch(self, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        let mut addresses = local_addresses();
        let update = Arc::new(AddressUpdate::default());
        let mut handler = Handler {
            schemas: SchemaCache::default(),
            assembler: PacketAssembler::default(),
            ports: self.ports,
            wire: LiveWire::new(self.host, addresses.clone()),
            update: update.clone(),
            out: Vec::new(),
            sink: sink.clone(),
        };
        let provider = Provider::by_guid(NDIS_PACKET_CAPTURE)
            .level(VERBOSE)
            .add_filter(EventFilter::ByEventIds(vec![FRAGMENT_EVENT]))
            .add_callback(move |record: &ferrisetw::EventRecord, _: &ferrisetw::SchemaLocator| {
                // The state is a reassembly buffer and flow tables: a panic costs at most the flows in flight.
                if catch_unwind(AssertUnwindSafe(|| handler.handle(record))).is_err() {
                    handler.out.clear();
                    handler.sink.lost(1);
                }
            })
            .build();
        // Larger buffers than the control session: packets come in bursts.
        let properties = TraceProperties {
            buffer_size: 256,
            min_buffer: 16,
            max_buffer: 128,
            flush_timer: Duration::from_secs(1),
            log_file_mode: LoggingMode::EVENT_TRACE_REAL_TIME_MODE
                | LoggingMode::EVENT_TRACE_NO_PER_PROCESSOR_BUFFERING,
        };
        let mut session = EtwSession::start(SESSION, vec![provider], properties)?;
        Running::spawn("packets", move |stop| {
            let mut refreshed = Instant::now();
            while !stop.wait(LOSS_POLL) {
                let lost = session.take_lost();
                if lost > 0 {
                    sink.lost(lost);
                }
                if refreshed.elapsed() >= ADDRESS_REFRESH {
                    refreshed = Instant::now();
                    let now = local_addresses();
                    if !now.is_empty() && now != addresses {
                        addresses = now.clone();
                        *update.addresses.lock().unwrap_or_else(PoisonError::into_inner) = now;
                        update.pending.store(true, Ordering::Release);
                    }
                }
            }
            let lost = session.take_lost();
            if lost > 0 {
                sink.lost(lost);
            }
            session.stop();
        })
    }
}

/// The packet callback's state, owned by it.
struct Handler {
    schemas: SchemaCache,
    assembler: PacketAssembler,
    ports: PortFilter,
    wire: LiveWire,
    update: Arc<AddressUpdate>,
    out: Vec<Observation>,
    sink: Arc<dyn Sink>,
}

impl Handler {
    fn handle(&mut self, record: &ferrisetw::EventRecord) {
        let record = raw(record);
        if record.EventHeader.EventDescriptor.Id != FRAGMENT_EVENT {
            return;
        }
        if self.update.pending.swap(false, Ordering::Acquire) {
            if let Ok(addresses) = self.update.addresses.try_lock() {
                self.wire.set_local_addresses(addresses.iter().copied());
            } else {
                self.update.pending.store(true, Ordering::Release);
            }
        }
        let Some(schema) = self.schemas.schema(record) else { return };
        let (mut interface, mut bytes) = (None, None);
        for property in split(record, &schema) {
            match property.layout.name.as_str() {
                "LowerIfIndex" => interface = property.bytes.try_into().ok().map(u32::from_le_bytes),
                "Fragment" => bytes = Some(property.bytes),
                _ => {}
            }
        }
        let (Some(interface), Some(bytes)) = (interface, bytes) else { return };
        let fragment = NdisFragment {
            time: time(record),
            keywords: record.EventHeader.EventDescriptor.Keyword,
            interface,
            bytes: bytes.to_vec(),
        };
        let Some(frame) = self.assembler.push(fragment) else { return };
        let Some(packet) = decode_frame(frame.link, frame.time, &frame.bytes) else { return };
        if !self.ports.wants(&packet) {
            return;
        }
        self.wire.packet(&packet, &mut self.out);
        for observation in self.out.drain(..) {
            self.sink.send(observation);
        }
    }
}

impl Source for PacketSource {
    fn name(&self) -> &str {
        "packets"
    }

    fn source(&self) -> &'static str {
        "wire"
    }

    fn attests(&self) -> Vec<String> {
        PACKET_CATEGORIES.iter().map(|c| c.to_string()).collect()
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        self.launch(sink)
    }
}
