//! Windows sources. Platform-neutral, and tested on any host: the event
//! record both the `.evtx` reader and the live collectors fill, the
//! decoders that turn records into observations, the `.evtx` and event-XML
//! readers, ETW payload decoding, NDIS packet reassembly, event-log
//! bookmarks, the live packet filter, the readings of raw host values and
//! the judgements on host state. The `cfg(windows)` [`live`] layer holds
//! platform calls only (ETW, the event log, registry, service manager,
//! audit policy) and fills these types.

pub mod binary_text;
pub mod bookmark;
pub mod context;
pub mod decoder;
pub mod etw_layout;
pub mod etw_payload;
pub mod event_record;
pub mod event_table;
pub mod event_xml;
pub mod events;
pub mod evtx_file;
pub mod evtx_import;
mod evtx_json;
pub mod fields;
pub mod host_state;
pub mod host_values;
pub mod listener_table;
#[cfg(windows)]
pub mod live;
pub mod packet_capture;
pub mod port_filter;
pub mod providers;
pub mod record_sequence;
pub mod sddl;
pub mod security_descriptor;
pub mod share_grants;
pub mod sockaddr;
pub mod tdh_types;
pub mod well_known_sids;
pub mod wide;

pub use decoder::WindowsDecoder;
pub use event_record::{EventRecord, FieldValue};
pub use event_table::{event_kind, wants, EventKind, EVENTS};
pub use evtx_file::{is_evtx, Damage, EvtxFileError, EvtxFileStats};
pub use evtx_import::{decode_evtx, EvtxOptions, EvtxSummary};
