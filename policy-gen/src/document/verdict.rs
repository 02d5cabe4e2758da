//! What a reviewer's verdict did to a decision, as the policy records it.
//! The review file that holds the verdicts, and applying them, are
//! `review`'s.

use super::state::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// A reviewer's answer to a held-back decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Keep the setting held back: the use is a need.
    Accept,
    /// Enforce the setting anyway: the use is not to be kept.
    Reject,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Accept => "accept",
            Outcome::Reject => "reject",
        }
    }
}

/// What a verdict did to a decision, recorded in the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedVerdict {
    pub verdict: Outcome,
    pub reviewer: String,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<NaiveDate>,
    pub recorded: DateTime<Utc>,
    /// The state the evidence alone gave, before the verdict.
    pub state_before: State,
    /// An expired verdict is shown but no longer applied.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub expired: bool,
}
