//! A peer that behaved like a scanner, listed in the policy for a reviewer
//! to tag (`peers` finds them).

use serde::{Deserialize, Serialize};

/// A peer that behaved like a scanner and is not tagged yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScannerSuspect {
    pub host: String,
    pub peer: String,
    pub ports: usize,
    /// The most versions of one protocol it negotiated.
    pub versions: usize,
    pub days: usize,
}
