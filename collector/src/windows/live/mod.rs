//! The live Windows sources: platform calls only. ETW sessions, the event
//! log, the registry, the service manager and the audit policy fill the
//! neutral types of the parent module ([`super::EventRecord`],
//! [`super::host_state::WindowsHostState`], [`super::packet_capture`]);
//! decoding and every judgement stay platform-neutral.
//!
//! Each source runs on its own thread with its own decoder and hands what
//! it sees to a [`Sink`] (the observe loop's per-source channel), counting
//! what it could not see as lost.

mod audit_policy;
mod error;
mod etw_record;
mod etw_session;
mod etw_source;
mod event_log;
mod event_log_source;
mod file_security;
mod host_reader;
mod inventory_source;
mod listeners;
mod local_addresses;
mod packet_source;
mod private_dir;
mod privilege;
mod process_memory;
mod registry;
mod services;
mod sink;
mod tdh_schema;
mod wide_ptr;

pub use error::LiveError;
pub use etw_source::{EtwSource, ETW_CATEGORIES};
pub use event_log_source::{EventLogSource, CHANNELS};
pub use host_reader::{computer_name, read_host_state};
pub use inventory_source::{InventorySource, INVENTORY_EVERY};
pub use local_addresses::local_addresses;
pub use packet_source::{PacketSource, PACKET_CATEGORIES};
pub use private_dir::create_private_dir;
pub use privilege::require_elevation;
pub use process_memory::resident_bytes;
pub use registry::read_local_machine_value;
pub use sink::Sink;
