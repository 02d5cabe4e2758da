//! `baseline`: a setting no observable use depends on (script block logging
//! on, AutoPlay off, LM hashes not stored). It is enforced on every host it
//! applies to; the rule's `breaks` says why nothing can break.

use super::Proposal;
use crate::rule::Rule;
use serde_json::Value;

pub fn evaluate(rule: &Rule) -> Vec<Proposal> {
    vec![Proposal::new(
        Value::String(rule.setting.value.clone()),
        format!("a baseline setting that no observed use depends on ({})", rule.breaks.trim_end_matches('.')),
    )]
}
