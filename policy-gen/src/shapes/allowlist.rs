//! `allowlist`: exactly the observed set (sshd AllowUsers, inbound firewall
//! ports), plus a keep-list of break-glass accounts for user lists. Members
//! seen too rarely to trust send the list to review; an empty list is never
//! enforced (it would lock everyone out).
//!
//! A port list takes every inbound use of a port (`inbound_use`), not only
//! connections: a handshake dissected on 443 or a share opened over SMB
//! proves the port is needed even where no connection source ran.

use super::{Proposal, ShapeContext};
use crate::document::{State, Usage};
use crate::host_view::HostView;
use crate::inbound_use::{inbound_use, InboundUse};
use crate::rarity::assess_usages;
use crate::rule::{AllowlistMember, Rule};
use crate::usage_matcher::UsageMatcher;
use serde_json::Value;
use std::collections::BTreeMap;
use temper_learner::FactKey;

/// Where a fact belongs in an allowlist.
pub(crate) enum Placement {
    /// The members it is a use of: user names, or `tcp/22`.
    Members(Vec<String>),
    /// A use the list would block but cannot express (a connection on no
    /// known port, a logon with no user).
    Unplaceable,
    /// Not a use the list is about.
    Unrelated,
}

pub(crate) fn placement(key: &FactKey, member: AllowlistMember, usage: &UsageMatcher, host: &HostView) -> Placement {
    match member {
        AllowlistMember::User if usage.matches(key) => match key {
            FactKey::Logon { user: Some(user), .. } => Placement::Members(vec![user.clone()]),
            _ => Placement::Unplaceable,
        },
        AllowlistMember::User => Placement::Unrelated,
        AllowlistMember::Port => match inbound_use(key, host) {
            InboundUse::On(ports) => Placement::Members(ports.into_iter().map(|p| p.member()).collect()),
            InboundUse::PortUnknown => Placement::Unplaceable,
            InboundUse::NotInbound => Placement::Unrelated,
        },
    }
}

pub fn evaluate(
    rule: &Rule,
    member: AllowlistMember,
    usage: &UsageMatcher,
    host: &HostView,
    ctx: &ShapeContext<'_>,
) -> Vec<Proposal> {
    let mut facts_of_member: BTreeMap<String, Vec<&temper_learner::Fact>> = BTreeMap::new();
    // Uses that match but cannot be expressed as a member (a connection with
    // no known port, a logon with no user): an allowlist would block them.
    let mut unplaceable: Vec<String> = Vec::new();
    for fact in &host.facts {
        match placement(&fact.key, member, usage, host) {
            Placement::Members(members) => {
                for m in members {
                    facts_of_member.entry(m).or_default().push(fact);
                }
            }
            Placement::Unplaceable => unplaceable.push(fact.key.describe()),
            Placement::Unrelated => {}
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
    let mut proposal = Proposal::new(
        Value::Array(list.iter().cloned().map(Value::String).collect()),
        format!(
            "allow exactly what was observed: {}",
            if list.is_empty() { "nothing".into() } else { list.join(", ") }
        ),
    );
    proposal.usage_is_allowed = true;
    proposal.usage = members.into_values().flatten().collect();
    if !kept.is_empty() {
        proposal.detail.insert("keep_list".into(), Value::Array(kept.into_iter().map(Value::String).collect()));
    }
    if !unplaceable.is_empty() {
        proposal.hold_back = Some(format!(
            "uses that {} cannot express were observed, and it would block them: {}",
            rule.setting.name,
            unplaceable.join(", ")
        ));
    } else if list.is_empty() {
        proposal.hold_back =
            Some(format!("nothing was observed for {}: enforcing it would allow nobody", rule.setting.name));
    } else if !rare.is_empty() {
        proposal.hold_back = Some(format!(
            "{} seen too rarely to trust: {}",
            if rare.len() == 1 { "a member was" } else { "members were" },
            rare.join(", ")
        ));
    }
    vec![proposal]
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
