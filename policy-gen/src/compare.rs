//! `temper policy compare`: candidate baselines (`cis-l1`, `cis-l2`,
//! `strict`, or any policy file) replayed against the profile, rule by
//! rule: which would break what. `--pick-strictest` combines, per decision,
//! the strictest candidate that breaks nothing observed.
//!
//! A baseline is static: it enforces its rules' strict values on every host
//! whatever was observed (CIS level 1: rules with a CIS reference not marked
//! L2; level 2: every rule with a CIS reference; strict: the whole catalog,
//! minimum versions at their ceiling). Allowlists and share grants have no
//! static value (a baseline cannot know the site's ports or users), so
//! baselines leave them to the learned policy.

use crate::catalog::Catalog;
use crate::document::Policy;
use crate::document::{Decision, Scope, State};
use crate::rule::{Rule, ShapeSpec};
use crate::simulate::{simulate, Break, SimulateError};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use temper_learner::Profile;
use temper_observation::Negotiated;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Baseline {
    CisL1,
    CisL2,
    Strict,
}

impl Baseline {
    pub fn parse(name: &str) -> Option<Baseline> {
        match name {
            "cis-l1" => Some(Baseline::CisL1),
            "cis-l2" => Some(Baseline::CisL2),
            "strict" => Some(Baseline::Strict),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Baseline::CisL1 => "cis-l1",
            Baseline::CisL2 => "cis-l2",
            Baseline::Strict => "strict",
        }
    }

    fn includes(self, rule: &Rule) -> bool {
        if matches!(rule.shape, ShapeSpec::Allowlist { .. } | ShapeSpec::NarrowGrants { .. }) {
            return false;
        }
        match self {
            Baseline::Strict => true,
            Baseline::CisL2 => rule.references.cis.is_some(),
            Baseline::CisL1 => rule.references.cis.as_deref().is_some_and(|cis| !cis.contains("L2")),
        }
    }

    /// The value the baseline sets for `rule` (None: it leaves the decision alone).
    fn value(self, rule: &Rule, learned: &Decision) -> Option<Value> {
        if !self.includes(rule) {
            return None;
        }
        Some(match &rule.shape {
            ShapeSpec::MinVersion { target, ceiling, .. } => {
                Value::String(if self == Baseline::Strict { ceiling.clone() } else { target.clone() })
            }
            _ => learned.value.clone(),
        })
    }

    /// The learned policy's decisions, with this baseline's values enforced where it has one.
    pub fn apply_to(self, learned: &Policy, catalog: &Catalog) -> Policy {
        let mut policy = learned.clone();
        for d in policy.decisions.iter_mut() {
            d.verdict = None;
            match catalog.get(&d.rule).and_then(|rule| self.value(rule, d)) {
                Some(value) => {
                    d.state = State::Enforce;
                    d.scope = Scope::Host;
                    d.value = value;
                    d.reason = format!("set by the {} baseline", self.name());
                }
                // Not this baseline's: not enforced by it.
                None => d.state = State::Review,
            }
        }
        policy
    }
}

/// One candidate's replay.
#[derive(Debug, Serialize)]
pub struct CandidateResult {
    pub candidate: String,
    pub enforced: usize,
    pub breaks: Vec<Break>,
}

pub fn evaluate(
    candidate: &str,
    policy: &Policy,
    catalog: &Catalog,
    profile: &Profile,
) -> Result<CandidateResult, SimulateError> {
    Ok(CandidateResult {
        candidate: candidate.to_string(),
        enforced: policy.decisions.iter().filter(|d| d.is_enforced_here()).count(),
        breaks: simulate(policy, catalog, profile, None)?,
    })
}

type Key = (String, String, Option<String>);

fn key(d: &Decision) -> Key {
    (d.host.clone(), d.rule.clone(), d.subject.clone())
}

/// Whether enforcing `a` is stricter than enforcing `b` (same rule and subject).
fn stricter(rule: &Rule, a: &Value, b: &Value) -> bool {
    match &rule.shape {
        ShapeSpec::MinVersion { protocol, .. } => {
            let parse = |v: &Value| v.as_str().and_then(|v| Negotiated::parse(*protocol, v).ok());
            matches!((parse(a), parse(b)), (Some(x), Some(y)) if x > y)
        }
        ShapeSpec::Allowlist { .. } => {
            let members = |v: &Value| v.as_array().map(|a| a.len()).unwrap_or(usize::MAX);
            members(a) < members(b)
        }
        _ => false,
    }
}

/// The learned policy, with each decision replaced by the strictest
/// candidate decision that is enforced and breaks nothing observed. A
/// learned `insufficient` decision is never enforced: breaking nothing that
/// was seen means little where the category was not watched.
pub fn pick_strictest(learned: &Policy, candidates: &[(String, Policy, CandidateResult)], catalog: &Catalog) -> Policy {
    let broken: Vec<(String, Vec<Key>)> = candidates
        .iter()
        .map(|(name, _, result)| {
            (name.clone(), result.breaks.iter().map(|b| (b.host.clone(), b.rule.clone(), b.subject.clone())).collect())
        })
        .collect();
    let mut picked = learned.clone();
    for d in picked.decisions.iter_mut() {
        if d.state == State::Insufficient {
            continue;
        }
        let Some(rule) = catalog.get(&d.rule) else { continue };
        let k = key(d);
        let mut best: Option<(&str, &Decision)> = None;
        for ((name, policy, _), (_, breaks)) in candidates.iter().zip(&broken) {
            if breaks.contains(&k) {
                continue;
            }
            let Some(c) = policy.decisions.iter().find(|c| key(c) == k && c.is_enforced_here()) else { continue };
            let current = best.map(|(_, b)| b).unwrap_or(d);
            let better = if current.is_enforced_here() { stricter(rule, &c.value, &current.value) } else { true };
            if better {
                best = Some((name.as_str(), c));
            }
        }
        if let Some((name, c)) = best {
            d.state = State::Enforce;
            d.scope = Scope::Host;
            d.value = c.value.clone();
            d.reason = format!("From candidate {name}, which breaks nothing observed. (Learned: {})", d.reason);
        }
    }
    picked
}

/// Per-candidate breaks grouped by rule, for the table `compare` prints.
pub fn breaks_by_rule(result: &CandidateResult) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for b in &result.breaks {
        *out.entry(b.rule.clone()).or_insert(0) += b.usage.len();
    }
    out
}
