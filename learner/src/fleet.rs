//! The fleet view over merged profiles: which hosts use each fact, and the
//! outliers — a fact only a few hosts of a platform use ("only fs07 of 12
//! file servers negotiates SMB1"), so the fix can be one host rather than a
//! weaker policy for the whole fleet. Computed by the `analytics` feature.

use serde::{Deserialize, Serialize};

/// A fleet smaller than this has no majority to stand out from.
pub const MIN_FLEET: usize = 3;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetOutlier {
    /// `windows`, `linux`, or `unknown`: hosts are compared with their own kind.
    pub platform: String,
    /// The fact, in words.
    pub fact: String,
    /// The hosts that use it.
    pub hosts: Vec<String>,
    /// How many hosts of that platform there are.
    pub of: usize,
}

/// A fact used by at most a quarter of the platform's hosts (and by fewer
/// than all but one of them) is an outlier.
pub fn is_outlier(users: usize, fleet: usize) -> bool {
    fleet >= MIN_FLEET && users * 4 <= fleet && users < fleet
}
