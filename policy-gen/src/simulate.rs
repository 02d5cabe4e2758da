//! What-if: replays every fact of a profile against a policy's enforced
//! decisions and lists what they would have blocked or broken. Against the
//! profile the policy was learned from it lists nothing but what reviewers
//! rejected (enforced anyway); against another profile it shows what a
//! policy would break there (`policy fit`).
//!
//! Each shape is replayed with the value the policy decided, not re-decided:
//! a minimum version breaks the uses below the decided level, an allowlist
//! the members not on the decided list.

use crate::catalog::Catalog;
use crate::document::Policy;
use crate::document::{Decision, Usage};
use crate::host_view::HostView;
use crate::rarity::assess_usages;
use crate::rule::{Rule, ShapeSpec};
use crate::shapes::allowlist::{placement, Placement};
use crate::shapes::{matching_usage, remove_unused, ShapeContext};
use serde::Serialize;
use temper_learner::{Dimension, Fact, FactKey, Profile, ProfileError};
use temper_observation::{Access, Negotiated};

/// One enforced decision and the observed uses it would break.
#[derive(Debug, Clone, Serialize)]
pub struct Break {
    pub host: String,
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub setting: String,
    pub value: serde_json::Value,
    /// The reviewer who rejected the exception, when the break was chosen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_by: Option<String>,
    pub usage: Vec<Usage>,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("the policy uses rule {0}, which this temper's catalog does not have")]
    UnknownRule(String),
}

/// Replays `profile` against `policy`. `as_host` maps the profile's hosts
/// onto the policy's: `None` matches hosts by name; `Some(h)` replays every
/// host of the profile against the decisions for `h` (a new server of the same role).
pub fn simulate(
    policy: &Policy,
    catalog: &Catalog,
    profile: &Profile,
    as_host: Option<&str>,
) -> Result<Vec<Break>, SimulateError> {
    let mut breaks = Vec::new();
    for record in profile.hosts()? {
        let policy_host = as_host.unwrap_or(&record.host).to_string();
        let view = HostView::load(profile, record)?;
        breaks.extend(breaks_on(policy, catalog, &policy_host, &view)?);
    }
    Ok(breaks)
}

/// What the decisions `policy` holds for `policy_host` would break on `view`.
pub fn breaks_on(
    policy: &Policy,
    catalog: &Catalog,
    policy_host: &str,
    view: &HostView,
) -> Result<Vec<Break>, SimulateError> {
    let ctx = ShapeContext { keep_accounts: &policy.parameters.keep_accounts };
    let mut breaks = Vec::new();
    for d in policy.decisions_for(policy_host).filter(|d| d.is_enforced_here()) {
        let rule = catalog.get(&d.rule).ok_or_else(|| SimulateError::UnknownRule(d.rule.clone()))?;
        let mut usage = breaking_usage(rule, d, view, &ctx);
        // A flood may hold a use the decision breaks: listed, as it cannot be ruled out.
        let floods = crate::floods::hidden_by(rule, view);
        for flood in assess_usages(&floods) {
            if !usage.iter().any(|u| u.fact == flood.fact) {
                usage.push(Usage { note: Some("a flood: which of its uses this breaks is not known".into()), ..flood });
            }
        }
        if !usage.is_empty() {
            breaks.push(Break {
                host: view.name().to_string(),
                rule: d.rule.clone(),
                subject: d.subject.clone(),
                setting: d.setting.clone(),
                value: d.value.clone(),
                rejected_by: d.verdict.as_ref().filter(|v| !v.expired).map(|v| v.reviewer.clone()),
                usage,
            });
        }
    }
    Ok(breaks)
}

/// The uses on `host` that decision `d` of `rule` would break.
pub fn breaking_usage(rule: &Rule, d: &Decision, host: &HostView, ctx: &ShapeContext<'_>) -> Vec<Usage> {
    match &rule.shape {
        ShapeSpec::MinVersion { protocol, role, ignore, .. } => {
            let Some(level) = d.value.as_str().and_then(|v| Negotiated::parse(*protocol, v).ok()) else {
                return Vec::new();
            };
            let port = d.detail.get("port").and_then(|p| p.as_u64()).and_then(|p| u16::try_from(p).ok());
            let below: Vec<&Fact> = host
                .facts
                .iter()
                .filter(|f| match &f.key {
                    FactKey::Protocol { negotiated, role: r, port: p, anonymous } => {
                        negotiated.protocol() == *protocol
                            && !anonymous
                            && crate::usage_matcher::role_matches(*role, *r)
                            && !ignore.iter().any(|v| v == negotiated.version_str())
                            && (port.is_none() || p.is_none() || *p == port)
                            && *negotiated < level
                    }
                    _ => false,
                })
                .collect();
            assess_usages(&below)
        }
        ShapeSpec::DisableUnlessUsed { usage, present_means_used, served_by }
        | ShapeSpec::SettingUnlessUsed { usage, present_means_used, served_by } => {
            matching_usage(host, usage, present_means_used, served_by)
        }
        ShapeSpec::Allowlist { member, usage } => {
            let allowed: Vec<&str> = d.value.as_array().into_iter().flatten().filter_map(|v| v.as_str()).collect();
            let outside: Vec<&Fact> = host
                .facts
                .iter()
                .filter(|f| match placement(&f.key, *member, usage, host) {
                    Placement::Members(members) => members.iter().any(|m| !allowed.contains(&m.as_str())),
                    Placement::Unplaceable => true,
                    Placement::Unrelated => false,
                })
                .collect();
            assess_usages(&outside)
        }
        ShapeSpec::RemoveUnused { .. } => remove_unused::evaluate(rule, host, ctx)
            .into_iter()
            .find(|o| o.subject == d.subject)
            .map(|o| o.usage)
            .unwrap_or_default(),
        ShapeSpec::Baseline => Vec::new(),
        ShapeSpec::NarrowGrants { protocol } => {
            let (Some(share), Some(users)) = (
                d.subject.as_deref().and_then(|s| s.strip_prefix("share ")),
                d.value.get("users").and_then(|u| u.as_array()),
            ) else {
                return Vec::new();
            };
            let users: Vec<&str> = users.iter().filter_map(|u| u.as_str()).collect();
            let read_only = d.value.get("access").and_then(|a| a.as_str()) == Some("read");
            let outside: Vec<&Fact> = host
                .facts
                .iter()
                .filter(|f| match &f.key {
                    FactKey::Share { protocol: p, share: s, access } => {
                        p == protocol
                            && temper_observation::share_name::same_share(s, share)
                            && ((read_only && matches!(access, Access::Write | Access::Delete))
                                || f.stats
                                    .evidence(Dimension::User)
                                    .is_some_and(|e| e.values.keys().any(|u| !users.contains(&u.as_str()))))
                    }
                    _ => false,
                })
                .collect();
            assess_usages(&outside)
        }
    }
}
