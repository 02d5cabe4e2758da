//! A flood the profile folded, listed in the policy so a reviewer sees who
//! flooded what, when and how much (the learner's `fold`).

use super::decision::Witness;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Facts of one kind beyond the profile's limit on one host: counted
/// exactly, no longer told apart by the identity that flooded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Flood {
    pub host: String,
    /// What was folded, in words.
    pub fact: String,
    /// What the folded identities are: `user names`, `ports`, `share names`.
    pub members: String,
    /// Occurrences folded (exact).
    pub count: u64,
    /// Distinct identities folded: exact while `distinct_exact`, else estimated.
    pub distinct: u64,
    pub distinct_exact: bool,
    /// Distinct peers behind the folded uses, estimated likewise.
    pub distinct_peers: u64,
    pub distinct_peers_exact: bool,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub days: usize,
    /// The heaviest peers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Witness>,
    /// The heaviest folded identities.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Witness>,
}
