//! `disable_unless_used`: a feature is turned off unless it was observed in
//! use (SMB1, SCHANNEL TLS 1.0, the PowerShell 2.0 engine).

use super::Proposal;
use crate::document::Usage;
use crate::rule::Rule;
use serde_json::Value;

pub fn evaluate(rule: &Rule, usage: Vec<Usage>) -> Vec<Proposal> {
    let mut proposal = Proposal::new(Value::String(rule.setting.value.clone()), "no use of it was observed");
    proposal.usage = usage;
    vec![proposal]
}
