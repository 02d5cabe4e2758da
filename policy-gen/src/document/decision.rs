//! Decisions: what a policy says about one rule on one host (and subject),
//! with the reason and the evidence (docs/policy-format.md).

use super::state::{Scope, State};
use crate::rule::{Platform, References};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Someone or something behind a use, with counts and first/last seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Witness {
    pub value: String,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// For peers: whether this peer's use looks like a need or needs review.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
}

/// One observed use that the decision is about, with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Usage {
    /// The fact, in words.
    pub fact: String,
    /// `exception` (a need) or `review` (too rare to trust).
    pub state: State,
    /// Why it is `review`, when it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub count: u64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    /// Distinct days it was seen on.
    pub days: usize,
    /// It recurs weekly or monthly (every gap between the days it was seen is one period).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<super::learned::Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peers: Vec<Witness>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub processes: Vec<Witness>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<Witness>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Witness>,
    /// Of a flood's folded fact: the heaviest identities folded into it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Witness>,
    /// False when the evidence overflowed its cap: the lists are the heaviest
    /// hitters, and counts may be low by at most `undercount`.
    pub evidence_exact: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub undercount: u64,
    /// The fact itself and its hour-of-week histogram: working state for
    /// quarantine, never written (the document does not carry learner types).
    #[serde(skip)]
    pub key: Option<temper_learner::FactKey>,
    #[serde(skip)]
    pub hours: Vec<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// How well the rule's categories were watched on this host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoverageNote {
    pub category: String,
    pub days_covered: f64,
    pub lossy_days: usize,
    pub days_touched: usize,
    pub inferred: bool,
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    pub rule: String,
    pub title: String,
    pub platform: Platform,
    pub host: String,
    /// What within the host the decision is about: `port 8443`, `share scans`, `module udf`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub scope: Scope,
    pub state: State,
    /// The setting, as a reviewer reads it.
    pub setting: String,
    /// The strict value the rule proposes; applied only when `state` is `enforce`.
    pub value: Value,
    /// For `min_version`: the highest level every observed use meets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safe_value: Option<Value>,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<Usage>,
    pub coverage: Vec<CoverageNote>,
    #[serde(default)]
    pub references: References,
    /// Facts renderers need (port, listening process, share path...).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub detail: Map<String, Value>,
    /// A reviewer's verdict from the review file, as applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict: Option<super::verdict::AppliedVerdict>,
    /// An exception whose evidence was last seen this many days before the end of the window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale_days: Option<i64>,
    /// The rule's shape (`min_version`, `remove_unused`, ...): what kind of change it is.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub shape: String,
    /// Set when something other than the evidence held the decision back:
    /// what, and what the evidence alone would give.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub held: Option<Held>,
}

/// What held a decision back, and the decision the evidence alone gives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Held {
    /// Innermost first, in the order they were applied.
    pub by: Vec<Hold>,
    /// The state and reason without them.
    pub state: State,
    pub reason: String,
}

/// One reason to hold a decision back regardless of its evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "hold", rename_all = "snake_case")]
pub enum Hold {
    /// A flood the profile folded may hide a use (`floods`: each, in words).
    Flood { floods: Vec<String> },
    /// A category was not watched long or well enough.
    Coverage { problem: String },
    /// A category is still learning; expected to converge on `expected`.
    Learning {
        category: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expected: Option<NaiveDate>,
    },
    /// The artifacts cannot write the value safely.
    NotRenderable { why: String },
}

impl Decision {
    pub fn is_enforced_here(&self) -> bool {
        self.state == State::Enforce && self.scope == Scope::Host
    }
}
