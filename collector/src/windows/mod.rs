//! Windows sources, platform-neutral: the event record both the `.evtx`
//! reader and the live collectors fill, the decoders that turn records
//! into observations, and the `.evtx` reader itself. The live layer
//! (ETW, event-log subscription, registry) lives in the binary's
//! `cfg(windows)` code and only fills [`EventRecord`]s.

pub mod decoder;
pub mod event_record;
pub mod event_xml;
pub mod events;
pub mod evtx_file;
pub mod evtx_import;
mod evtx_json;
pub mod fields;
pub mod host_state;
pub mod packet_capture;
pub mod providers;

pub use decoder::{decoder_for, wants, Decoder, WindowsDecoder};
pub use event_record::{EventRecord, FieldValue};
pub use evtx_file::{is_evtx, Damage, EvtxFileError, EvtxFileStats};
pub use evtx_import::{decode_evtx, EvtxOptions, EvtxSummary};
