//! `min_version`: the highest level that every observed use still meets
//! (TLS minimum per listener, SMB dialect minimum, LmCompatibilityLevel).
//!
//! Uses below the rule's `target` are what the target would break. When
//! nothing is below it, the proposed level is the lowest one observed,
//! capped at the rule's `ceiling`: the strictest level that breaks nothing
//! observed. With nothing observed at all, the target is proposed.
//!
//! An SMB session seen only after its NEGOTIATE (`smb2+`: SMB 2 or later,
//! the dialect unknown) is not known to meet any minimum: a client seen
//! only that way holds an enforceable minimum back for review, named, until
//! a reconnect shows its dialect. Its use never counts as SMB1.

use super::Proposal;
use crate::host_view::{listener_port, HostView};
use crate::rarity::assess_usages;
use crate::rule::{Rule, ShapeSpec};
use serde_json::Value;
use std::collections::BTreeMap;
use temper_learner::{Dimension, Fact, FactKey};
use temper_observation::{InventoryCategory, Negotiated};

/// A fact and the version it negotiated.
type Sighting<'a> = (&'a Fact, Negotiated);

/// The clients of `smb2+` sessions whose dialect no other session of theirs
/// showed: `peer 10.0.5.9`, or `an unnamed client` for a use with no peer.
fn unresolved_clients(unknown: &[Sighting<'_>], known: &[Sighting<'_>]) -> Vec<String> {
    let peers_of = |fact: &Fact| -> Vec<String> {
        fact.stats.evidence(Dimension::Peer).map(|p| p.values.keys().cloned().collect()).unwrap_or_default()
    };
    let seen_known: std::collections::BTreeSet<String> = known.iter().flat_map(|(f, _)| peers_of(f)).collect();
    let mut out: Vec<String> = Vec::new();
    for (fact, _) in unknown {
        let peers = peers_of(fact);
        if peers.is_empty() {
            out.push("an unnamed client".into());
        }
        for peer in peers.into_iter().filter(|p| !seen_known.contains(p)) {
            out.push(format!("peer {peer}"));
        }
        // Peers beyond the evidence cap are not listed: any of them may be unresolved.
        if fact.stats.evidence(Dimension::Peer).is_some_and(|p| !p.is_exact()) {
            out.push("other peers".into());
        }
    }
    out.sort();
    out.dedup();
    out
}

pub fn evaluate(rule: &Rule, host: &HostView) -> Vec<Proposal> {
    let ShapeSpec::MinVersion { protocol, role, per_port, target, ceiling, ignore } = &rule.shape else {
        unreachable!("min_version::evaluate is only called for min_version rules")
    };
    let target = Negotiated::parse(*protocol, target).expect("catalog checked the target");
    let ceiling = Negotiated::parse(*protocol, ceiling).expect("catalog checked the ceiling");

    // Group the relevant facts by service port (or all together). Per-port
    // rules cannot place a sighting without a port (a host-wide Schannel
    // event, say): it could be any listener's, so it joins every group.
    let mut groups: BTreeMap<Option<u16>, Vec<(&Fact, Negotiated)>> = BTreeMap::new();
    let mut unplaced: Vec<(&Fact, Negotiated)> = Vec::new();
    for fact in &host.facts {
        let FactKey::Protocol { negotiated, role: fact_role, port, anonymous } = &fact.key else { continue };
        if negotiated.protocol() != *protocol
            || *anonymous
            || !crate::usage_matcher::role_matches(*role, *fact_role)
            || ignore.iter().any(|v| v == negotiated.version_str())
        {
            continue;
        }
        if *per_port && port.is_none() {
            unplaced.push((fact, *negotiated));
            continue;
        }
        groups.entry(if *per_port { *port } else { None }).or_default().push((fact, *negotiated));
    }
    if *per_port {
        // Listeners the inventory marks as TLS with no sighting still get a decision.
        if protocol.as_str() == "tls" {
            for listener in host.inventory_of(InventoryCategory::Listener) {
                if listener.attrs.get("tls").and_then(Value::as_bool) == Some(true) {
                    if let Some(port) = listener_port(listener) {
                        groups.entry(Some(port)).or_default();
                    }
                }
            }
        }
    } else {
        groups.entry(None).or_default();
    }

    if !unplaced.is_empty() {
        for facts in groups.values_mut() {
            facts.extend(unplaced.iter().copied());
        }
    }

    groups
        .into_iter()
        .map(|(port, facts)| {
            let (unknown, facts): (Vec<Sighting>, Vec<Sighting>) =
                facts.into_iter().partition(|(_, v)| matches!(v, Negotiated::Smb(d) if !d.is_known()));
            let lowest = facts.iter().map(|(_, v)| *v).min();
            let below: Vec<&Fact> = facts.iter().filter(|(_, v)| *v < target).map(|(f, _)| *f).collect();
            let breaking = assess_usages(&below);
            let unresolved = unresolved_clients(&unknown, &facts);
            let proposed = match lowest {
                Some(low) if low >= target => low.min(ceiling),
                _ => target,
            };
            let reason = match lowest {
                None => format!("no {protocol} use was observed; the target {} applies", target.version_str()),
                Some(low) => format!(
                    "every observed {protocol} use meets {} (lowest seen: {})",
                    proposed.version_str(),
                    low.version_str()
                ),
            };
            let mut proposal = Proposal::new(Value::String(proposed.version_str().into()), reason);
            proposal.safe_value = lowest.map(|low| Value::String(low.min(ceiling).version_str().into()));
            proposal.usage = breaking;
            if proposal.usage.is_empty() && !unresolved.is_empty() {
                let (who, verb) = match unresolved.as_slice() {
                    [one] => (one.clone(), "is"),
                    many => (many.join(", "), "are"),
                };
                proposal.hold_back = Some(format!(
                    "{who} used SMB 2 or later in sessions that negotiated before the capture or the observer began, so the dialect was not seen and {verb} not known to meet {}; a reconnect shows it",
                    proposed.version_str()
                ));
                proposal.usage = assess_usages(&unknown.iter().map(|(f, _)| *f).collect::<Vec<_>>());
            }
            if let Some(port) = port {
                proposal.subject = Some(format!("port {port}"));
                proposal.detail.insert("port".into(), port.into());
                if let Some(listener) = host.listener(port) {
                    proposal.watched_since = Some(listener.first_seen);
                    if let Some(process) = listener.attr_str("process") {
                        proposal.detail.insert("process".into(), process.into());
                    }
                }
            }
            proposal
        })
        .collect()
}
