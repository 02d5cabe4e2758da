//! temper-collector: every source of observations (docs/architecture.md):
//! packet dissectors, the Linux kernel collector, Windows event decoders and
//! the inventories. The Observation contract they produce is its own crate,
//! `temper-observation`, re-exported here under the paths the sources use.

pub mod demo;
pub mod ebpf;
pub mod linux;
pub mod this_host;
pub mod windows;
pub mod wire;

pub use temper_observation::observation::*;
pub use temper_observation::versions::*;
pub use temper_observation::{
    atomic_file, host_name, inventory, jsonl, normalize, observation, redact, share_name, sink, source, versions,
};
pub use temper_observation::{InventoryCategory, InventoryItem};
