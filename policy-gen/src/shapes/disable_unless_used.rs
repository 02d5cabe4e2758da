//! `disable_unless_used`: a feature is turned off unless it was observed in
//! use (SMB1, SCHANNEL TLS 1.0, the PowerShell 2.0 engine).

use super::{matching_usage, Outcome};
use crate::host_view::HostView;
use crate::rule::{InventoryProbe, Rule};
use crate::usage_matcher::UsageMatcher;
use serde_json::Value;

pub fn evaluate(rule: &Rule, usage: &UsageMatcher, present: &[InventoryProbe], host: &HostView) -> Vec<Outcome> {
    let mut outcome = Outcome::new(Value::String(rule.setting.value.clone()), "no use of it was observed");
    outcome.usage = matching_usage(host, usage, present);
    vec![outcome]
}
