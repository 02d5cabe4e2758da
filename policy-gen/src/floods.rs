//! Floods the profile folded (the learner's `fold`): a flood's uses are
//! counted exactly, but the identities beyond the limit (user names, ports,
//! share or algorithm names) are no longer told apart. A decision that rests
//! on the absence of such an identity (no logon as `root`, no use of port
//! 8080, no tree connect to `old`) would rest on what the fold lost, so it
//! is held back as `insufficient`; the flood itself is listed in the policy
//! and the report.

use crate::document::{Flood, Witness};
use crate::host_view::listener_port;
use crate::host_view::HostView;
use crate::inbound_use::{inbound_use, listener_ports_of, InboundUse};
use crate::rule::{AllowlistMember, Rule, ShapeSpec};
use temper_learner::fold::port_always_kept;
use temper_learner::time_buckets::utc;
use temper_learner::{Dimension, EvidenceSummary, Fact, FactKey, FoldClass};
use temper_observation::InventoryCategory;

/// How many peers and folded identities a flood lists.
const LISTED: usize = 10;

/// The folded facts of `host` that may hold a use `rule` decides on.
pub fn hidden_by<'a>(rule: &Rule, host: &'a HostView) -> Vec<&'a Fact> {
    host.facts.iter().filter(|fact| hides_from(rule, &fact.key, host)).collect()
}

fn hides_from(rule: &Rule, key: &FactKey, host: &HostView) -> bool {
    let FactKey::Folded { class } = key else { return false };
    // A fold of inbound ports may hold any port but the service ports, which always keep their fact.
    let inbound_fold = inbound_use(key, host) == InboundUse::PortUnknown;
    let may_hold_any = |ports: &[u16]| inbound_fold && ports.iter().any(|p| !port_always_kept(*p));
    let listener_ports =
        |program: &str| -> Vec<u16> { listener_ports_of(host, program).iter().map(|p| p.port).collect() };
    match &rule.shape {
        ShapeSpec::DisableUnlessUsed { usage, served_by, .. }
        | ShapeSpec::SettingUnlessUsed { usage, served_by, .. } => {
            usage.may_hide(key) || served_by.iter().any(|program| may_hold_any(&listener_ports(program)))
        }
        // Every folded port is one the list would have to allow or refuse.
        ShapeSpec::Allowlist { member: AllowlistMember::Port, .. } => inbound_fold,
        ShapeSpec::Allowlist { member: AllowlistMember::User, usage } => usage.may_hide(key),
        // Every item is a name: any fold of the matcher's class may hold it;
        // and a service may be used on its ports, if a fold may hold them.
        ShapeSpec::RemoveUnused { usage, candidates, inventory, .. } => {
            let mut ports: Vec<u16> = candidates.iter().flat_map(|c| c.ports.iter().copied()).collect();
            ports.extend(candidates.iter().filter_map(|c| c.process.as_deref()).flat_map(listener_ports));
            if *inventory == Some(InventoryCategory::Service) && candidates.is_empty() {
                ports.extend(host.inventory_of(InventoryCategory::Listener).filter_map(listener_port));
            }
            usage.class_matches(class) || may_hold_any(&ports)
        }
        ShapeSpec::NarrowGrants { protocol } => {
            matches!(class, FoldClass::Shares { protocol: p, .. } if p == protocol)
        }
        ShapeSpec::MinVersion { .. } | ShapeSpec::Baseline => false,
    }
}

/// `a flood of 1000000 failed password logons to sshd with about 999744 other user names (2026-11-01 → 2026-11-03)`
pub fn describe(fact: &Fact) -> String {
    let FactKey::Folded { class } = &fact.key else { return fact.key.describe() };
    let distinct = fact.stats.evidence(Dimension::Member).map(EvidenceSummary::distinct);
    format!(
        "a flood of {} {} with {} {} ({} → {})",
        fact.stats.count,
        what(class),
        distinct.map_or("other".to_string(), |d| format!("{d} other")),
        class.members(),
        fact.stats.first_seen_utc().format("%Y-%m-%d"),
        fact.stats.last_seen_utc().format("%Y-%m-%d"),
    )
}

/// The reason a decision is held back by the floods that may hide its use.
pub fn hold_back_reason(floods: &[&Fact]) -> String {
    let described: Vec<String> = floods.iter().map(|f| describe(f)).collect();
    let mut nouns: Vec<&str> = floods
        .iter()
        .filter_map(|f| match &f.key {
            FactKey::Folded { class } => Some(class.members()),
            _ => None,
        })
        .collect();
    nouns.dedup();
    format!(
        "A flood may hide a use this relies on not having seen: {}. The profile counts these uses but no longer tells their {} apart; decide by hand, or learn again once the flood is stopped",
        described.join("; "),
        nouns.join(" or ")
    )
}

/// What a class folds, in words: `failed password logons to sshd`.
fn what(class: &FoldClass) -> String {
    match class {
        FoldClass::FailedLogons { service, method } => format!("failed {method} logons to {service}"),
        FoldClass::Ports { transport, role } => format!(
            "{} connections{}",
            transport.as_str(),
            match role {
                Some(temper_observation::Role::Server) => " accepted",
                Some(temper_observation::Role::Client) => " opened",
                None => "",
            }
        ),
        FoldClass::Shares { protocol, access } => format!("{} {} uses of shares", protocol.as_str(), access.as_str()),
        FoldClass::Algorithms { protocol, slot, .. } => format!("{protocol} handshakes negotiating a {slot}"),
    }
}

/// The floods of `host`, for the policy's list.
pub fn floods_of(host: &HostView) -> Vec<Flood> {
    host.facts
        .iter()
        .filter_map(|fact| {
            let FactKey::Folded { class } = &fact.key else { return None };
            let stats = &fact.stats;
            let members = stats.evidence(Dimension::Member).map(EvidenceSummary::distinct);
            let peers = stats.evidence(Dimension::Peer).map(EvidenceSummary::distinct);
            Some(Flood {
                host: host.name().to_string(),
                fact: what(class),
                members: class.members().to_string(),
                count: stats.count,
                distinct: members.map_or(0, |d| d.value()),
                distinct_exact: members.is_none_or(|d| matches!(d, temper_learner::evidence::Distinct::Exact(_))),
                distinct_peers: peers.map_or(0, |d| d.value()),
                distinct_peers_exact: peers.is_none_or(|d| matches!(d, temper_learner::evidence::Distinct::Exact(_))),
                first_seen: stats.first_seen_utc(),
                last_seen: stats.last_seen_utc(),
                days: stats.days.len(),
                peers: heaviest(stats.evidence(Dimension::Peer)),
                examples: heaviest(stats.evidence(Dimension::Member)),
            })
        })
        .collect()
}

fn heaviest(summary: Option<&EvidenceSummary>) -> Vec<Witness> {
    summary
        .map(|s| {
            s.ranked()
                .into_iter()
                .take(LISTED)
                .map(|(value, tally)| Witness {
                    value: value.to_string(),
                    count: tally.count,
                    first_seen: utc(tally.first_seen),
                    last_seen: utc(tally.last_seen),
                    state: None,
                })
                .collect()
        })
        .unwrap_or_default()
}
