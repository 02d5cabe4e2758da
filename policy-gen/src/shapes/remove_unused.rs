//! `remove_unused`: inventory items never used during observation (unused
//! shares, services, accounts, kernel modules from the CIS list, weak sshd
//! algorithms). Items in use are kept, as exceptions with their evidence; an
//! item that appeared during the window is judged only on the time since it
//! appeared.
//!
//! Use is any evidence, not only the kind the rule's matcher names: a
//! service is used by every inbound use of its ports (`inbound_use`), logons
//! through it, connections to it and starts of its program by anything but
//! the service manager; an account by every fact whose user it is and every
//! service that runs as it.

use super::{presence_usage, Proposal, ShapeContext};
use crate::document::Usage;
use crate::host_view::{unit_name, HostView};
use crate::inbound_use::{listener_ports_of, uses_any_port};
use crate::rarity::assess_usages;
use crate::rule::{Candidate, Rule, ShapeSpec};
use crate::usage_matcher::UsageMatcher;
use regex::Regex;
use serde_json::Value;
use temper_learner::{Dimension, Fact, FactKey, InventoryRecord};
use temper_observation::normalize::bare_program_name;
use temper_observation::share_name::same_share;
use temper_observation::{InventoryCategory, Kind, Role, ServiceAction, ShareProtocol};

/// Kernel module names use `-` and `_` interchangeably.
fn module_name(name: &str) -> String {
    name.replace('-', "_")
}

fn names_match(category: Option<InventoryCategory>, a: &str, b: &str) -> bool {
    match category {
        Some(InventoryCategory::Share) => same_share(a, b),
        Some(InventoryCategory::Module) => module_name(a) == module_name(b),
        Some(InventoryCategory::Service) => unit_name(a).eq_ignore_ascii_case(unit_name(b)),
        // A logon may name the account with its domain or computer (`FS01\\alice`).
        Some(InventoryCategory::Account) => bare_account(a).eq_ignore_ascii_case(bare_account(b)),
        _ => a == b,
    }
}

fn bare_account(name: &str) -> &str {
    name.rsplit('\\').next().unwrap_or(name)
}

/// The item a fact is a use of: the share, module, service, account,
/// algorithm or program (by its bare name) it names.
fn fact_name(key: &FactKey) -> Option<String> {
    match key {
        FactKey::Share { share, .. } => Some(share.clone()),
        FactKey::Module { name } => Some(name.clone()),
        FactKey::Service { service, .. } => Some(service.clone()),
        FactKey::Algorithm { name, .. } => Some(name.clone()),
        FactKey::Logon { user, .. } => user.clone(),
        FactKey::Exec { image } => Some(bare_program_name(image)),
        FactKey::Script { interpreter, .. } => Some(interpreter.clone()),
        // A flood's fold names no one item: `floods` holds back what it may hide.
        FactKey::Protocol { .. } | FactKey::Connection { .. } | FactKey::Folded { .. } => None,
    }
}

pub fn evaluate(rule: &Rule, host: &HostView, ctx: &ShapeContext<'_>) -> Vec<Proposal> {
    let ShapeSpec::RemoveUnused {
        inventory,
        item: item_noun,
        protocol,
        never,
        unattributed,
        usage,
        exclude,
        candidates,
        only_present,
        keep_accounts,
        skip_disabled,
    } = &rule.shape
    else {
        unreachable!("remove_unused::evaluate is only called for remove_unused rules")
    };
    let excluded: Vec<Regex> = exclude.iter().map(|p| Regex::new(p).expect("catalog checked the pattern")).collect();
    let present: Vec<&InventoryRecord> = inventory
        .map(|c| {
            host.inventory_of(c)
                .filter(|i| {
                    protocol.is_none_or(|p| i.attr_str("protocol").unwrap_or(ShareProtocol::Smb.as_str()) == p.as_str())
                })
                .collect()
        })
        .unwrap_or_default();
    let kept = |name: &str| {
        excluded.iter().any(|r| r.is_match(name))
            || (*keep_accounts && ctx.keep_accounts.iter().any(|k| k.eq_ignore_ascii_case(name)))
    };

    let disabled =
        |i: &&&InventoryRecord| *skip_disabled && i.attrs.get("disabled").and_then(|d| d.as_bool()) == Some(true);
    let names: Vec<String> = if candidates.is_empty() {
        present.iter().filter(|i| !disabled(i)).map(|i| i.name.clone()).filter(|n| !kept(n)).collect()
    } else {
        candidates
            .iter()
            .map(|c| c.name.clone())
            .filter(|n| !*only_present || present.iter().any(|i| names_match(*inventory, &i.name, n)))
            .collect()
    };
    let noun = item_noun.as_deref().or(inventory.map(|c| c.as_str())).unwrap_or("item");
    let never = never.as_deref().unwrap_or("used");

    names
        .into_iter()
        .map(|name| {
            let item = present.iter().find(|i| names_match(*inventory, &i.name, &name));
            let candidate = candidates.iter().find(|c| c.name == name);
            let ports = candidate.map(|c| candidate_ports(c, host)).unwrap_or_default();
            let used: Vec<&Fact> = host
                .facts
                .iter()
                .filter(|f| {
                    let of_item =
                        *unattributed || fact_name(&f.key).is_some_and(|n| names_match(*inventory, &n, &name));
                    (usage.matches_fact(f) && of_item)
                        || uses_any_port(&f.key, host, &ports)
                        || (*unattributed && uses_matched_ports(usage, f, host))
                        || candidate.is_some_and(|c| serves(c, &f.key) || started_by_a_client(c, f))
                        || (*inventory == Some(InventoryCategory::Account) && acted_as(f, &name))
                })
                .collect();
            let mut uses: Vec<Usage> = assess_usages(&used);
            // A module the inventory lists is loaded, hence in use, sighting or not.
            if *inventory == Some(InventoryCategory::Module) {
                if let Some(item) = item {
                    uses.push(presence_usage(item, &format!("kernel module {} loaded (inventory)", item.name)));
                }
            }
            // A service that runs as the account uses it whenever it runs.
            if *inventory == Some(InventoryCategory::Account) {
                for service in host.inventory_of(InventoryCategory::Service) {
                    if service.attr_str("account").is_some_and(|a| names_match(*inventory, a, &name)) {
                        uses.push(presence_usage(
                            service,
                            &format!("service {} runs as {name} (inventory)", service.name),
                        ));
                    }
                }
            }
            let mut proposal = Proposal::new(Value::String(name.clone()), format!("{noun} {name} was never {never}"));
            proposal.subject = Some(format!("{noun} {name}"));
            proposal.usage = uses;
            if let Some(item) = item {
                if *inventory != Some(InventoryCategory::Module) {
                    proposal.watched_since = Some(item.first_seen);
                }
                if !item.attrs.is_empty() {
                    proposal.detail.insert("inventory".into(), Value::Object(item.attrs.clone()));
                }
            }
            if let Some(candidate) = candidate {
                let mut refs = serde_json::json!({ "cis": candidate.cis, "stig": candidate.stig });
                if *inventory == Some(InventoryCategory::Module) {
                    refs["cac"] = format!("kernel_module_{}_disabled", candidate.name).into();
                }
                proposal.detail.insert("references".into(), refs);
            }
            if !ports.is_empty() {
                proposal.detail.insert("ports".into(), ports.iter().copied().collect());
            }
            proposal
        })
        .collect()
}

/// The candidate's well-known ports and the ports its program listens on.
fn candidate_ports(candidate: &Candidate, host: &HostView) -> Vec<u16> {
    let mut ports = candidate.ports.clone();
    if let Some(program) = &candidate.process {
        ports.extend(listener_ports_of(host, program).into_iter().map(|p| p.port));
    }
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// An inbound-connection matcher with ports (NFS: 2049) takes every inbound
/// use of those ports, as a share opened over NFS, not only connections.
fn uses_matched_ports(usage: &UsageMatcher, fact: &Fact, host: &HostView) -> bool {
    usage.kind == Some(Kind::Connection)
        && usage.role != Some(Role::Client)
        && usage.ports.as_deref().is_some_and(|ports| uses_any_port(&fact.key, host, ports))
}

/// Whether `name` is the candidate's service or program name.
fn names_candidate(candidate: &Candidate, name: &str) -> bool {
    unit_name(name).eq_ignore_ascii_case(&candidate.name)
        || candidate.process.as_deref().is_some_and(|p| bare_program_name(name).eq_ignore_ascii_case(p))
}

/// Logons through the service, and clients connecting to it.
fn serves(candidate: &Candidate, key: &FactKey) -> bool {
    match key {
        FactKey::Logon { service, success: true, .. } => names_candidate(candidate, service),
        FactKey::Service { service, action: ServiceAction::Connect } => names_candidate(candidate, service),
        _ => false,
    }
}

/// Programs that start services: a start by one of them is the service
/// manager at work, not a client (an inetd or a user starting it is one).
const SERVICE_MANAGERS: &[&str] = &["systemd", "init", "services", "svchost", "wininit"];

/// A start of the candidate's program by something other than the service manager.
fn started_by_a_client(candidate: &Candidate, fact: &Fact) -> bool {
    let FactKey::Exec { image } = &fact.key else { return false };
    let Some(program) = &candidate.process else { return false };
    if !bare_program_name(image).eq_ignore_ascii_case(program) {
        return false;
    }
    match fact.stats.evidence(Dimension::Process).filter(|p| !p.values.is_empty()) {
        Some(parents) => {
            parents.values.keys().any(|parent| !SERVICE_MANAGERS.contains(&bare_program_name(parent).as_str()))
        }
        // Who started it is unknown: it may have been a client.
        None => true,
    }
}

/// A fact whose user is the account: a share opened, a program or script run
/// as it. Logons are the rule's own matcher's (a failed one is no use).
fn acted_as(fact: &Fact, account: &str) -> bool {
    !matches!(fact.key, FactKey::Logon { .. })
        && fact.stats.evidence(Dimension::User).is_some_and(|users| {
            users.values.keys().any(|user| names_match(Some(InventoryCategory::Account), user, account))
        })
}
