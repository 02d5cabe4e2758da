//! `setting_unless_used`: a strict setting, unless usage it would break was
//! seen (PermitRootLogin, PasswordAuthentication, RDP NLA). It decides like
//! `disable_unless_used`; it differs in what it renders — a value of a
//! setting rather than a feature switched off — and in how it reads.

use super::Proposal;
use crate::document::Usage;
use crate::rule::Rule;
use serde_json::Value;

pub fn evaluate(rule: &Rule, usage: Vec<Usage>) -> Vec<Proposal> {
    let mut proposal = Proposal::new(
        Value::String(rule.setting.value.clone()),
        format!("no use that {} = {} would break was observed", rule.setting.name, rule.setting.value),
    );
    proposal.usage = usage;
    vec![proposal]
}
