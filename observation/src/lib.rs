//! temper-observation: the contract between Temper's collectors and its
//! learner (docs/observation-format.md, docs/architecture.md). One
//! observation is one thing seen happening on one host; every source
//! produces the same type, with one text form (JSONL, versioned by `"v"`),
//! canonical protocol versions, and names normalised where they enter.
//! Nothing here reads a packet, a log or a kernel event: that is the
//! collector's work, and the learner and the policy need none of it.

pub mod atomic_file;
pub mod host_name;
pub mod inventory;
pub mod jsonl;
pub mod normalize;
pub mod observation;
pub mod redact;
pub mod share_grants;
pub mod share_name;
pub mod sink;
pub mod source;
pub mod versions;

pub use inventory::{InventoryCategory, InventoryItem};
pub use observation::*;
pub use versions::*;
