//! Policy generation: every catalog rule against every host of a profile.
//! Shapes say what a rule would set and what that would break; this file
//! turns that into a decision state, the same way for every shape:
//!
//! 1. nothing observed would break → `enforce`;
//! 2. a use that looks like a need → `exception`;
//! 3. only uses too rare to trust (see `rarity`) → `review`;
//! 4. `enforce` or `review` that relies on watching a category that was not
//!    watched well enough (see `sufficiency`), or on an identity a flood
//!    folded (see `floods`) → `insufficient`.
//!    An exception stays an exception: a use that was seen is a fact.

use crate::catalog::Catalog;
use crate::document::{Decision, Held, Hold, Scope, State, Usage};
use crate::document::{HostSummary, NotApplicable, Parameters, Policy, ProfileRef, POLICY_FORMAT, POLICY_VERSION};
use crate::host_view::HostView;
use crate::rule::{Rule, ScopeSpec, ShapeSpec};
use crate::shapes::{evaluate_shape, Proposal, ShapeContext};
use crate::sufficiency::Sufficiency;
use chrono::{DateTime, Utc};
use temper_learner::time_buckets::utc;
use temper_learner::{FactKey, Profile, ProfileError};

#[derive(Debug, Clone, Default)]
pub struct PolicyOptions {
    pub sufficiency: Sufficiency,
    /// Break-glass accounts always kept in user allowlists.
    pub keep_accounts: Vec<String>,
    /// Only these hosts (all when empty).
    pub hosts: Vec<String>,
    /// Convergence per host and category (empty: not assessed).
    pub convergence: Vec<temper_learner::convergence::CategoryConvergence>,
    /// Decide absences in categories that are still learning anyway.
    pub accept_unconverged: bool,
    /// Facts only a few hosts of their platform use (empty: not assessed).
    pub fleet_outliers: Vec<temper_learner::fleet::FleetOutlier>,
    /// Tagged peers (the peers file): scanner-only use never holds a setting back.
    pub peers: crate::peers::PeerTags,
}

pub fn generate(
    profile: &Profile,
    catalog: &Catalog,
    options: &PolicyOptions,
    generated_at: DateTime<Utc>,
) -> Result<Policy, ProfileError> {
    let mut hosts = Vec::new();
    let mut decisions = Vec::new();
    let mut not_applicable = Vec::new();
    let mut calendar = Vec::new();
    let mut health = Vec::new();
    let mut scanner_suspects = Vec::new();
    let mut floods = Vec::new();
    let ctx = ShapeContext { keep_accounts: &options.keep_accounts };
    for record in profile.hosts()? {
        if !options.hosts.is_empty() && !options.hosts.contains(&record.host) {
            continue;
        }
        let view = HostView::load(profile, record)?;
        health.extend(
            temper_learner::source_health::source_health(
                view.name(),
                view.record.first_seen,
                view.record.last_seen,
                &view.windows,
                &view.losses,
            )
            .into_iter()
            .map(Into::into),
        );
        calendar.push(
            temper_learner::calendar::calendar(
                view.name(),
                &view.windows,
                view.setting(temper_observation::inventory::settings::TIMEZONE),
            )
            .into(),
        );
        scanner_suspects.extend(crate::peers::scanner_suspects(&view, &options.peers));
        floods.extend(crate::floods::floods_of(&view));
        let quarantine = crate::quarantine::Quarantine::for_host(&view);
        let platform = view.platform();
        hosts.push(HostSummary {
            host: view.name().to_string(),
            platform,
            first_seen: utc(view.record.first_seen),
            last_seen: utc(view.record.last_seen),
            observations: view.record.observations,
            domain_role: view.domain_role().map(str::to_string),
        });
        for rule in catalog.rules() {
            if platform != Some(rule.platform) {
                let reason = match platform {
                    Some(p) => format!("a {} rule; {} is {}", rule.platform.as_str(), view.name(), p.as_str()),
                    None => "the host's platform is unknown (no `os` setting in its inventory)".to_string(),
                };
                not_applicable.push(NotApplicable { rule: rule.id.clone(), host: view.name().to_string(), reason });
                continue;
            }
            if !view.satisfies(rule.applies_if.as_ref()) && !has_related_facts(rule, &view) {
                let wanted: Vec<String> = rule
                    .applies_if
                    .iter()
                    .flat_map(|a| &a.any)
                    .map(|p| match (&p.name, p.port) {
                        (Some(n), _) => format!("{} {n}", p.category.as_str()),
                        (None, Some(port)) => format!("{} on port {port}", p.category.as_str()),
                        (None, None) => p.category.as_str().to_string(),
                    })
                    .collect();
                not_applicable.push(NotApplicable {
                    rule: rule.id.clone(),
                    host: view.name().to_string(),
                    reason: format!("none of {} in the inventory, and no related use observed", wanted.join(", ")),
                });
                continue;
            }
            for proposal in evaluate_shape(rule, &view, &ctx) {
                decisions.push(decide(rule, &view, &quarantine, proposal, options));
            }
        }
    }
    let window_from = hosts.iter().map(|h| h.first_seen).min();
    let window_to = hosts.iter().map(|h| h.last_seen).max();
    Ok(Policy {
        format: POLICY_FORMAT.to_string(),
        version: POLICY_VERSION,
        generated_at,
        generator: format!("temper {}", env!("CARGO_PKG_VERSION")),
        profile: ProfileRef {
            path: profile.path().display().to_string(),
            sha256: profile.digest()?,
            window_from,
            window_to,
        },
        parameters: Parameters {
            min_days: options.sufficiency.min_days,
            max_lossy_share: options.sufficiency.max_lossy_share,
            keep_accounts: options.keep_accounts.clone(),
        },
        hosts,
        decisions,
        not_applicable,
        review: None,
        convergence: options.convergence.iter().map(Into::into).collect(),
        calendar,
        health,
        scanner_suspects,
        floods,
        fleet_outliers: options.fleet_outliers.iter().map(Into::into).collect(),
    })
}

/// A rule whose inventory probe failed still applies when related use was seen
/// (no inventory was collected, but SMB traffic was).
fn has_related_facts(rule: &Rule, host: &HostView) -> bool {
    host.facts.iter().any(|f| match &rule.shape {
        ShapeSpec::MinVersion { protocol, .. } => {
            matches!(&f.key, FactKey::Protocol { negotiated, .. } if negotiated.protocol() == *protocol)
        }
        ShapeSpec::DisableUnlessUsed { usage, .. }
        | ShapeSpec::SettingUnlessUsed { usage, .. }
        | ShapeSpec::Allowlist { usage, .. }
        | ShapeSpec::RemoveUnused { usage, .. } => usage.related(&f.key),
        ShapeSpec::Baseline => false,
        ShapeSpec::NarrowGrants { protocol } => {
            matches!(&f.key, FactKey::Share { protocol: p, .. } if p == protocol)
        }
    })
}

fn decide(
    rule: &Rule,
    host: &HostView,
    quarantine: &crate::quarantine::Quarantine,
    mut proposal: Proposal,
    options: &PolicyOptions,
) -> Decision {
    let sufficiency = &options.sufficiency;
    quarantine.apply(&mut proposal.usage);
    // Use by tagged scanners only is never a need: listed apart, it holds nothing back.
    let scanner_only: Vec<Usage> = if proposal.usage_is_allowed {
        Vec::new()
    } else {
        let (scanners, kept): (Vec<Usage>, Vec<Usage>) =
            std::mem::take(&mut proposal.usage).into_iter().partition(|u| options.peers.scanner_only(u));
        proposal.usage = kept;
        scanners
    };
    if !scanner_only.is_empty() {
        let listed: Vec<serde_json::Value> = scanner_only
            .iter()
            .map(|u| serde_json::json!({ "fact": u.fact, "count": u.count, "peers": u.peers.iter().map(|p| &p.value).collect::<Vec<_>>() }))
            .collect();
        proposal.detail.insert("scanner_only".into(), serde_json::Value::Array(listed));
    }
    let (mut state, mut reason) = if let Some(hold) = &proposal.hold_back {
        (State::Review, hold.clone())
    } else if proposal.usage_is_allowed || proposal.usage.is_empty() {
        (State::Enforce, capitalise(&proposal.enforce_reason))
    } else if proposal.usage.iter().any(|u| u.state == State::Exception) {
        let needs: Vec<String> = proposal.usage.iter().filter(|u| u.state == State::Exception).map(summarise).collect();
        (State::Exception, format!("In use: {}", needs.join("; ")))
    } else {
        let rare: Vec<String> = proposal.usage.iter().map(summarise).collect();
        (State::Review, format!("Only rare use, which may not be a need: {}", rare.join("; ")))
    };
    let unheld = (state, reason.clone());
    let mut holds = Vec::new();
    let floods = crate::floods::hidden_by(rule, host);
    if !floods.is_empty() {
        let flood = crate::floods::hold_back_reason(&floods);
        match state {
            State::Enforce | State::Review => {
                reason = format!("{flood}. (Otherwise: {reason})");
                state = State::Insufficient;
                holds.push(Hold::Flood { floods: floods.iter().map(|f| crate::floods::describe(f)).collect() });
            }
            State::Exception | State::Insufficient => reason = format!("{reason}. {flood}"),
        }
    }
    let (coverage, problem) = sufficiency.check(host, &rule.categories, proposal.watched_since);
    if let Some(problem) = problem {
        match state {
            State::Enforce | State::Review => {
                reason = format!("Not watched enough to trust an absence: {problem}. (Otherwise: {reason})");
                state = State::Insufficient;
                holds.push(Hold::Coverage { problem });
            }
            State::Exception | State::Insufficient => reason = format!("{reason}. Coverage is short: {problem}"),
        }
    }
    if matches!(state, State::Enforce | State::Review) && !options.accept_unconverged {
        if let Some(learning) = still_learning(rule, host.name(), &options.convergence) {
            reason = format!(
                "Learning has not converged in {}: {}; expected to converge on {} if nothing new appears (--accept-unconverged decides anyway). (Otherwise: {reason})",
                learning.category,
                learning.reason,
                learning.expected.map(|d| d.to_string()).unwrap_or_default()
            );
            state = State::Insufficient;
            holds.push(Hold::Learning { category: learning.category.clone(), expected: learning.expected });
        }
    }
    if !scanner_only.is_empty() {
        let facts: Vec<String> = scanner_only.iter().map(summarise).collect();
        reason = format!("{reason}. Used only by tagged scanners, which is not a need: {}", facts.join("; "));
    }
    let scope = match rule.scope {
        ScopeSpec::Host => Scope::Host,
        ScopeSpec::Domain if host.domain_role() == Some("member_server") => Scope::DomainControllers,
        ScopeSpec::Domain => Scope::Host,
    };
    if scope == Scope::DomainControllers {
        reason = format!(
            "{reason}. Domain accounts are validated by the domain controllers, so this is a recommendation for them, with this host's evidence"
        );
    }
    let mut decision = Decision {
        rule: rule.id.clone(),
        title: rule.title.clone(),
        platform: rule.platform,
        host: host.name().to_string(),
        subject: proposal.subject,
        scope,
        state,
        setting: rule.setting.name.clone(),
        value: proposal.value,
        safe_value: proposal.safe_value,
        reason,
        usage: proposal.usage,
        coverage,
        references: rule.references.clone(),
        detail: proposal.detail,
        verdict: None,
        stale_days: None,
        shape: rule.shape.name().to_string(),
        held: None,
    };
    hold_back_unrenderable(rule, &mut decision, &mut holds);
    decision.held = (!holds.is_empty()).then_some(Held { by: holds, state: unheld.0, reason: unheld.1 });
    decision
}

/// A value the artifacts cannot write is never shown as enforced: the
/// decision goes to review, and the reason is kept for a reviewer's verdict.
fn hold_back_unrenderable(rule: &Rule, decision: &mut Decision, holds: &mut Vec<Hold>) {
    use crate::render::expressible::{refusal, NOT_RENDERABLE};
    let Some(why) = refusal(&rule.render, decision) else { return };
    decision.detail.insert(NOT_RENDERABLE.into(), serde_json::Value::String(why.clone()));
    if decision.state == State::Enforce && decision.scope == Scope::Host {
        decision.state = State::Review;
        decision.reason = format!(
            "The artifacts cannot apply this safely ({why}): apply it by hand or change the names. (Otherwise: {})",
            decision.reason
        );
        holds.push(Hold::NotRenderable { why });
    }
}

/// The first of the rule's categories still learning on `host`, if any.
fn still_learning<'a>(
    rule: &Rule,
    host: &str,
    convergence: &'a [temper_learner::convergence::CategoryConvergence],
) -> Option<&'a temper_learner::convergence::CategoryConvergence> {
    use temper_learner::convergence::{category_of, ConvergenceState};
    rule.categories.iter().filter_map(|c| category_of(c)).find_map(|category| {
        convergence
            .iter()
            .find(|c| c.host == host && c.category == category && c.state == ConvergenceState::StillLearning)
    })
}

/// `smb smb1 (inbound) on port 445: 212 uses on 31 days by 10.0.8.20 and 1 more`
pub fn summarise(usage: &Usage) -> String {
    let witnesses = if !usage.peers.is_empty() {
        &usage.peers
    } else if !usage.users.is_empty() {
        &usage.users
    } else {
        &usage.processes
    };
    let who = match witnesses.len() {
        0 => String::new(),
        1 => format!(" by {}", witnesses[0].value),
        n => format!(" by {} and {} more", witnesses[0].value, n - 1),
    };
    format!(
        "{}: {} use{} on {} day{}{who} ({} → {})",
        usage.fact,
        usage.count,
        if usage.count == 1 { "" } else { "s" },
        usage.days,
        if usage.days == 1 { "" } else { "s" },
        usage.first_seen.format("%Y-%m-%d"),
        usage.last_seen.format("%Y-%m-%d")
    )
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
