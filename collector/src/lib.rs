//! temper-collector: the Observation model (ARCHITECTURE.md §1) and the
//! sources that produce observations.

pub mod demo;
pub mod ebpf;
pub mod inventory;
pub mod jsonl;
pub mod linux;
pub mod live_sink;
pub mod normalize;
pub mod observation;
pub mod redact;
pub mod share_name;
pub mod versions;
pub mod windows;
pub mod wire;

pub use inventory::{InventoryCategory, InventoryItem};
pub use observation::*;
pub use versions::*;
