//! `allowlist`: exactly the observed set (sshd AllowUsers, inbound firewall
//! ports), plus a keep-list of break-glass accounts for user lists. Members
//! seen too rarely to trust send the list to review; an empty list is never
//! enforced (it would lock everyone out).

use super::{Outcome, ShapeContext};
use crate::decision::{State, Usage};
use crate::host_view::HostView;
use crate::rarity::assess_usages;
use crate::rule::{AllowlistMember, Rule};
use crate::usage_matcher::UsageMatcher;
use serde_json::Value;
use std::collections::BTreeMap;
use temper_learner::FactKey;

/// The member a fact contributes: a user name, or `tcp/22`.
pub(crate) fn member_of(key: &FactKey, member: AllowlistMember) -> Option<String> {
    match (member, key) {
        (AllowlistMember::User, FactKey::Logon { user, .. }) => user.clone(),
        (AllowlistMember::Port, FactKey::Connection { transport, port: Some(port), .. }) => {
            Some(format!("{}/{port}", transport.as_str()))
        }
        _ => None,
    }
}

pub fn evaluate(
    rule: &Rule,
    member: AllowlistMember,
    usage: &UsageMatcher,
    host: &HostView,
    ctx: &ShapeContext<'_>,
) -> Vec<Outcome> {
    let mut facts_of_member: BTreeMap<String, Vec<&temper_learner::Fact>> = BTreeMap::new();
    // Uses that match but cannot be expressed as a member (a connection with
    // no known port, a logon with no user): an allowlist would block them.
    let mut unplaceable: Vec<String> = Vec::new();
    for fact in host.facts.iter().filter(|f| usage.matches(&f.key)) {
        match member_of(&fact.key, member) {
            Some(m) => facts_of_member.entry(m).or_default().push(fact),
            None => unplaceable.push(fact.key.describe()),
        }
    }
    let members: BTreeMap<String, Vec<Usage>> =
        facts_of_member.into_iter().map(|(m, facts)| (m, assess_usages(&facts))).collect();
    let kept: Vec<String> = if member == AllowlistMember::User { ctx.keep_accounts.to_vec() } else { Vec::new() };
    let mut list: Vec<String> = members.keys().cloned().chain(kept.iter().cloned()).collect();
    list.sort_by_key(|member| sort_key(member));
    list.dedup();

    let rare: Vec<String> = members
        .iter()
        .filter(|(_, uses)| uses.iter().all(|u| u.state == State::Review))
        .map(|(m, _)| m.clone())
        .collect();
    let mut outcome = Outcome::new(
        Value::Array(list.iter().cloned().map(Value::String).collect()),
        format!(
            "allow exactly what was observed: {}",
            if list.is_empty() { "nothing".into() } else { list.join(", ") }
        ),
    );
    outcome.usage_is_allowed = true;
    outcome.usage = members.into_values().flatten().collect();
    if !kept.is_empty() {
        outcome.detail.insert("keep_list".into(), Value::Array(kept.into_iter().map(Value::String).collect()));
    }
    if !unplaceable.is_empty() {
        outcome.hold_back = Some(format!(
            "uses that {} cannot express were observed, and it would block them: {}",
            rule.setting.name,
            unplaceable.join(", ")
        ));
    } else if list.is_empty() {
        outcome.hold_back =
            Some(format!("nothing was observed for {}: enforcing it would allow nobody", rule.setting.name));
    } else if !rare.is_empty() {
        outcome.hold_back = Some(format!(
            "{} seen too rarely to trust: {}",
            if rare.len() == 1 { "a member was" } else { "members were" },
            rare.join(", ")
        ));
    }
    vec![outcome]
}

/// Ports sort numerically (`tcp/22` before `tcp/443`), names alphabetically.
fn sort_key(member: &str) -> (String, u32, String) {
    match member.split_once('/') {
        Some((transport, port)) if port.parse::<u32>().is_ok() => {
            (transport.to_string(), port.parse().unwrap_or(0), String::new())
        }
        _ => (String::new(), 0, member.to_string()),
    }
}
