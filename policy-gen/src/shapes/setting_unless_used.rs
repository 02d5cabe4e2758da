//! `setting_unless_used`: a strict setting, unless usage it would break was
//! seen (PermitRootLogin, PasswordAuthentication, RDP NLA). It decides like
//! `disable_unless_used`; it differs in what it renders — a value of a
//! setting rather than a feature switched off — and in how it reads.

use super::{matching_usage, Outcome};
use crate::host_view::HostView;
use crate::rule::{InventoryProbe, Rule};
use crate::usage_matcher::UsageMatcher;
use serde_json::Value;

pub fn evaluate(rule: &Rule, usage: &UsageMatcher, present: &[InventoryProbe], host: &HostView) -> Vec<Outcome> {
    let mut outcome = Outcome::new(
        Value::String(rule.setting.value.clone()),
        format!("no use that {} = {} would break was observed", rule.setting.name, rule.setting.value),
    );
    outcome.usage = matching_usage(host, usage, present);
    vec![outcome]
}
