//! The rule shapes (docs/policy-format.md, "Shapes"). Each turns a rule and a host into
//! proposals: what it would set, and which observed uses that would break.
//! The evaluator then decides the state (enforce / exception / review /
//! insufficient) the same way for every shape.

pub mod allowlist;
pub mod baseline;
pub mod disable_unless_used;
pub mod min_version;
pub mod narrow_grants;
pub mod remove_unused;
pub mod setting_unless_used;

use crate::document::Usage;
use crate::host_view::HostView;
use crate::rule::{Rule, ShapeSpec};
use serde_json::{Map, Value};

/// What a shape proposes for one subject of a rule on one host (the
/// evaluator decides its state; a reviewer's verdict is `review::Outcome`).
pub struct Proposal {
    pub subject: Option<String>,
    /// The strict value proposed.
    pub value: Value,
    pub safe_value: Option<Value>,
    /// Uses the value would break (or, for allowlists, the members it keeps).
    pub usage: Vec<Usage>,
    /// Allowlist proposals list what is allowed, not what breaks.
    pub usage_is_allowed: bool,
    /// Why it can be enforced, in words, when nothing breaks.
    pub enforce_reason: String,
    /// A reason to hold back regardless of usage (e.g. an empty allowlist).
    pub hold_back: Option<String>,
    /// The subject appeared during the window: coverage counts from here (ms).
    pub watched_since: Option<i64>,
    pub detail: Map<String, Value>,
}

impl Proposal {
    pub fn new(value: Value, enforce_reason: impl Into<String>) -> Self {
        Proposal {
            subject: None,
            value,
            safe_value: None,
            usage: Vec::new(),
            usage_is_allowed: false,
            enforce_reason: enforce_reason.into(),
            hold_back: None,
            watched_since: None,
            detail: Map::new(),
        }
    }
}

/// Options that shapes need beyond the rule itself.
pub struct ShapeContext<'a> {
    pub keep_accounts: &'a [String],
}

pub fn evaluate_shape(rule: &Rule, host: &HostView, ctx: &ShapeContext<'_>) -> Vec<Proposal> {
    match &rule.shape {
        ShapeSpec::MinVersion { .. } => min_version::evaluate(rule, host),
        ShapeSpec::DisableUnlessUsed { usage, present_means_used, served_by } => {
            disable_unless_used::evaluate(rule, matching_usage(host, usage, present_means_used, served_by))
        }
        ShapeSpec::SettingUnlessUsed { usage, present_means_used, served_by } => {
            setting_unless_used::evaluate(rule, matching_usage(host, usage, present_means_used, served_by))
        }
        ShapeSpec::Allowlist { member, usage } => allowlist::evaluate(rule, *member, usage, host, ctx),
        ShapeSpec::RemoveUnused { .. } => remove_unused::evaluate(rule, host, ctx),
        ShapeSpec::Baseline => baseline::evaluate(rule),
        ShapeSpec::NarrowGrants { protocol } => narrow_grants::evaluate(*protocol, host),
    }
}

/// Facts of the host that a matcher selects or that used a port one of the
/// `served_by` programs listens on, assessed for rarity, and the inventory
/// items whose presence is a use.
pub fn matching_usage(
    host: &HostView,
    usage: &crate::usage_matcher::UsageMatcher,
    present_means_used: &[crate::rule::InventoryProbe],
    served_by: &[String],
) -> Vec<Usage> {
    let served_ports: Vec<u16> = served_by
        .iter()
        .flat_map(|program| crate::inbound_use::listener_ports_of(host, program))
        .map(|p| p.port)
        .collect();
    let facts: Vec<_> = host
        .facts
        .iter()
        .filter(|f| usage.matches_fact(f) || crate::inbound_use::uses_any_port(&f.key, host, &served_ports))
        .collect();
    let mut uses = crate::rarity::assess_usages(&facts);
    for probe in present_means_used {
        uses.extend(host.matching_inventory(probe).map(|item| {
            presence_usage(item, &format!("{} {} present (inventory)", item.category.as_str(), item.name))
        }));
    }
    uses
}

/// An inventory item as a use: for as long as it was listed.
pub fn presence_usage(item: &temper_learner::InventoryRecord, fact: &str) -> Usage {
    use temper_learner::time_buckets::utc;
    Usage {
        fact: fact.to_string(),
        state: crate::document::State::Exception,
        note: None,
        count: 1,
        first_seen: utc(item.first_seen),
        last_seen: utc(item.last_seen),
        days: (((item.last_seen - item.first_seen) / 86_400_000) + 1) as usize,
        period: None,
        peers: Vec::new(),
        processes: Vec::new(),
        users: Vec::new(),
        objects: Vec::new(),
        members: Vec::new(),
        evidence_exact: true,
        undercount: 0,
        key: None,
        hours: Vec::new(),
    }
}
