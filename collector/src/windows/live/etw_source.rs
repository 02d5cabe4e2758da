//! The ETW source: one user session, `temper-observe`, with the providers
//! whose events have no event-log channel a subscription could read, or
//! only an analytic one. Each provider's callback decodes with its own
//! [`WindowsDecoder`] and never panics past itself (ferrisetw would exit
//! the process).

use super::etw_record::{raw, to_event_record};
use super::etw_session::EtwSession;
use super::sink::Sink;
use super::tdh_schema::SchemaCache;
use crate::observation::Observation;
use crate::source::{Running, Source, StartError};
use crate::windows::decoder::WindowsDecoder;
use crate::windows::event_table::wants;
use crate::windows::providers::{
    KERNEL_PROCESS, NTLM, POWERSHELL, POWERSHELL_CORE, RDP_CORE, REMOTE_CONNECTION_MANAGER, SMB_SERVER,
};
use ferrisetw::provider::{EventFilter, Provider};
use ferrisetw::trace::{LoggingMode, TraceProperties};
use ferrisetw::GUID;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// Stale sessions of this name are stopped at start.
const SESSION: &str = "temper-observe";
/// What the session attests: SMBServer sees every SMB2+ negotiation. The
/// other providers add evidence but see only part of their category.
pub const ETW_CATEGORIES: &[&str] = &["protocol:smb"];
/// How often the session's losses are read.
const LOSS_POLL: Duration = Duration::from_secs(5);
/// TRACE_LEVEL_VERBOSE: the event-id filter, not the level, selects events.
const VERBOSE: u8 = 5;
/// SMBServer keywords Connection (500-502) and Response (101): without them
/// the provider would build every request event only for the filter to drop it.
const SMB_CONNECTION_RESPONSE: u64 = 0x10 | 0x2;
/// Kernel-Process WINEVENT_KEYWORD_PROCESS.
const KERNEL_PROCESS_KEYWORD: u64 = 0x10;

/// A provider: its name (as decoders key it), GUID, keywords and event ids.
struct Plan {
    name: &'static str,
    guid: GUID,
    keywords: u64,
    ids: &'static [u16],
}

/// GUIDs as the providers register them (`wevtutil gp NAME`; also in
/// repnz/etw-providers-docs and libyal/winevt-kb). MatchAnyKeyword 0
/// enables every keyword.
const PLANS: &[Plan] = &[
    Plan {
        name: SMB_SERVER,
        guid: GUID::from_u128(0xD48CE617_33A2_4BC3_A5C7_11AA4F29619E),
        keywords: SMB_CONNECTION_RESPONSE,
        ids: &[500, 501, 502, 101],
    },
    Plan {
        name: NTLM,
        guid: GUID::from_u128(0xAC43300D_5FCC_4800_8E99_1BD3F85F0320),
        keywords: 0,
        ids: &[8001, 8002, 8003],
    },
    Plan {
        name: POWERSHELL,
        guid: GUID::from_u128(0xA0C1853B_5C40_4B15_8766_3CF1C58F985A),
        keywords: 0,
        ids: &[4103, 4104],
    },
    Plan {
        name: POWERSHELL_CORE,
        guid: GUID::from_u128(0xF90714A8_5509_434A_BF6D_B1624C8A19A2),
        keywords: 0,
        ids: &[4103, 4104],
    },
    Plan {
        name: KERNEL_PROCESS,
        guid: GUID::from_u128(0x22FB2CD6_0E7B_422B_A0C7_2FAD1FD0E716),
        keywords: KERNEL_PROCESS_KEYWORD,
        ids: &[1],
    },
    Plan {
        name: REMOTE_CONNECTION_MANAGER,
        guid: GUID::from_u128(0xC76BAA63_AE81_421C_B425_340B4B24157F),
        keywords: 0,
        ids: &[1149],
    },
    Plan { name: RDP_CORE, guid: GUID::from_u128(0x1139C61B_B549_4251_8ED3_27250A1EDEC8), keywords: 0, ids: &[131] },
];

/// The ETW source for one host.
#[derive(Debug, Clone)]
pub struct EtwSource {
    pub host: String,
    /// The RDP listener port, which RdpCoreTS 131 does not log.
    pub rdp_port: u16,
}

impl EtwSource {
    fn launch(self, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        let providers = PLANS.iter().map(|plan| self.provider(plan, sink.clone())).collect();
        let properties = TraceProperties {
            buffer_size: 64,
            min_buffer: 4,
            max_buffer: 64,
            flush_timer: Duration::from_secs(1),
            log_file_mode: LoggingMode::EVENT_TRACE_REAL_TIME_MODE
                | LoggingMode::EVENT_TRACE_NO_PER_PROCESSOR_BUFFERING,
        };
        let mut session = EtwSession::start(SESSION, providers, properties)?;
        Running::spawn("etw", move |stop| {
            while !stop.wait(LOSS_POLL) {
                report(&*sink, session.take_lost());
            }
            report(&*sink, session.take_lost());
            session.stop();
        })
    }

    fn provider(&self, plan: &Plan, sink: Arc<dyn Sink>) -> Provider {
        let mut handler = Handler {
            provider: plan.name,
            computer: self.host.clone(),
            decoder: WindowsDecoder::new("etw").with_host(Some(self.host.clone())).with_rdp_port(self.rdp_port),
            schemas: SchemaCache::default(),
            out: Vec::new(),
            sink,
        };
        Provider::by_guid(plan.guid)
            .any(plan.keywords)
            .level(VERBOSE)
            .add_filter(EventFilter::ByEventIds(plan.ids.to_vec()))
            .add_callback(move |record: &ferrisetw::EventRecord, _: &ferrisetw::SchemaLocator| {
                // The handler's state is caches and a join table: a panic leaves at worst one stale entry.
                if catch_unwind(AssertUnwindSafe(|| handler.handle(record))).is_err() {
                    handler.out.clear();
                    handler.sink.lost(1);
                }
            })
            .build()
    }
}

fn report(sink: &dyn Sink, lost: u64) {
    if lost > 0 {
        sink.lost(lost);
    }
}

/// One provider's decoding state, owned by its callback.
struct Handler {
    provider: &'static str,
    computer: String,
    decoder: WindowsDecoder,
    schemas: SchemaCache,
    out: Vec<Observation>,
    sink: Arc<dyn Sink>,
}

impl Handler {
    fn handle(&mut self, record: &ferrisetw::EventRecord) {
        let record = raw(record);
        // The id filter is a request; ETW may still deliver other events (pre-8.1 hosts).
        if !wants(self.provider, u32::from(record.EventHeader.EventDescriptor.Id)) {
            return;
        }
        // Without its manifest an event's fields are unknown: decoding it would invent a fieldless use.
        let Some(schema) = self.schemas.schema(record) else {
            self.sink.lost(1);
            return;
        };
        let event = to_event_record(record, &schema, self.provider, &self.computer);
        self.decoder.decode(&event, &mut self.out);
        for observation in self.out.drain(..) {
            self.sink.send(observation);
        }
    }
}

impl Source for EtwSource {
    fn name(&self) -> &str {
        "etw"
    }

    fn source(&self) -> &'static str {
        "etw"
    }

    fn attests(&self) -> Vec<String> {
        ETW_CATEGORIES.iter().map(|c| c.to_string()).collect()
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        self.launch(sink)
    }
}
