//! What a reviewer reads first, the same for both report formats: the
//! actions to take, every state the report uses in words, decisions grouped
//! by the cause they share (32 weak ciphers and MACs waiting for the same
//! category to converge are one group, not 32 rows), and the rules that do
//! not apply folded into one line per host and platform. Plain text here;
//! each format escapes it for its own syntax.

use crate::document::{Decision, Hold, Policy, Scope, State, Witness};
use crate::render::expressible::NOT_RENDERABLE;
use crate::report::wording::state_label;
use std::collections::BTreeMap;

/// Items an action lists before it counts the rest.
pub const LISTED_ITEMS: usize = 12;

/// Decisions on one host held back the same way (or one decision alone).
pub struct Group<'a> {
    pub host: &'a str,
    pub state: State,
    pub label: String,
    pub decisions: Vec<&'a Decision>,
}

impl<'a> Group<'a> {
    /// What holds every decision of the group back, when they share it.
    pub fn holds(&self) -> Option<&'a [Hold]> {
        self.decisions[0].held.as_ref().map(|h| h.by.as_slice()).filter(|_| self.decisions.len() > 1)
    }

    /// The distinct rules, in order, with how many decisions each has.
    pub fn rules(&self) -> Vec<(&'a str, usize)> {
        let mut rules: Vec<(&str, usize)> = Vec::new();
        for d in &self.decisions {
            match rules.iter_mut().find(|(r, _)| *r == d.rule) {
                Some((_, n)) => *n += 1,
                None => rules.push((d.rule.as_str(), 1)),
            }
        }
        rules
    }
}

/// Decisions in policy order, those that share a host, state and holds
/// (and no reviewer's verdict) together where the first of them stood.
pub fn groups<'a>(decisions: impl IntoIterator<Item = &'a Decision>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index: BTreeMap<(&str, String, &[Hold]), usize> = BTreeMap::new();
    for d in decisions {
        let label = state_label(d);
        let shared = d.held.as_ref().filter(|_| d.verdict.is_none()).map(|h| h.by.as_slice());
        if let Some(holds) = shared {
            if let Some(&at) = index.get(&(d.host.as_str(), label.clone(), holds)) {
                groups[at].decisions.push(d);
                continue;
            }
            index.insert((d.host.as_str(), label.clone(), holds), groups.len());
        }
        groups.push(Group { host: &d.host, state: d.state, label, decisions: vec![d] });
    }
    groups
}

/// One hold in words: `learning has not converged in protocols (expected 2026-11-17)`.
pub fn hold_text(hold: &Hold) -> String {
    match hold {
        Hold::Learning { category, expected } => format!(
            "learning has not converged in {category}{}",
            expected.map(|d| format!(" (expected {d} if nothing new appears)")).unwrap_or_default()
        ),
        Hold::Coverage { problem } => format!("not watched enough to trust an absence: {problem}"),
        Hold::Flood { floods } => format!("a flood may hide a use: {}", floods.join("; ")),
        Hold::NotRenderable { why } => format!("the artifacts cannot apply it safely ({why})"),
    }
}

/// The holds of a group, outermost (the one that decided) first.
pub fn holds_text(holds: &[Hold]) -> String {
    let mut texts: Vec<String> = holds.iter().rev().map(hold_text).collect();
    if let Some(first) = texts.first_mut() {
        *first = capitalise(first);
    }
    texts.join("; and ")
}

/// One thing to do, with the items it is about.
pub struct Action {
    pub title: String,
    pub items: Vec<String>,
    /// Items beyond [`LISTED_ITEMS`], counted.
    pub more: usize,
}

impl Action {
    fn new(title: String, mut items: Vec<String>) -> Action {
        let more = items.len().saturating_sub(LISTED_ITEMS);
        items.truncate(LISTED_ITEMS);
        Action { title, items, more }
    }
}

/// What to do, most pressing first. Empty when every decision is enforced.
pub fn actions(policy: &Policy) -> Vec<Action> {
    let mut actions = Vec::new();
    let subject = |d: &Decision| d.subject.as_ref().map(|s| format!(" ({s})")).unwrap_or_default();

    let review: Vec<String> = policy
        .decisions
        .iter()
        .filter(|d| d.state == State::Review && d.verdict.is_none() && !d.detail.contains_key(NOT_RENDERABLE))
        .map(|d| format!("{}: {}{}: {}", d.host, d.rule, subject(d), first_sentence(&d.reason)))
        .collect();
    if !review.is_empty() {
        actions.push(Action::new(
            format!(
                "Review {}: the only uses are rare or suspicious; record a verdict with `temper review`",
                count(review.len(), "decision")
            ),
            review,
        ));
    }

    let clients = clients_to_fix(policy);
    if !clients.is_empty() {
        actions.push(Action::new(
            format!("Fix at the client ({}): these uses keep a weak protocol or setting in place; once they stop, the next policy enforces it", count(clients.len(), "client")),
            clients,
        ));
    }

    // Per host: categories still learning, and how many decisions wait for them.
    let mut learning: BTreeMap<&str, (Vec<&str>, Option<chrono::NaiveDate>, usize)> = BTreeMap::new();
    for d in &policy.decisions {
        let Some(held) = &d.held else { continue };
        for hold in &held.by {
            if let Hold::Learning { category, expected } = hold {
                let entry = learning.entry(&d.host).or_default();
                if !entry.0.contains(&category.as_str()) {
                    entry.0.push(category);
                }
                entry.1 = entry.1.max(*expected);
                entry.2 += 1;
            }
        }
    }
    if !learning.is_empty() {
        let items = learning
            .into_iter()
            .map(|(host, (categories, expected, waiting))| {
                format!(
                    "{host}: {} still learning{}; {} wait for it",
                    categories.join(", "),
                    expected.map(|d| format!(", expected to converge by {d}")).unwrap_or_default(),
                    count(waiting, "decision")
                )
            })
            .collect();
        actions.push(Action::new(
            "Wait for learning to converge, then generate the policy again (or decide now with `--accept-unconverged`)"
                .into(),
            items,
        ));
    }

    let coverage = per_host(policy, |hold| match hold {
        Hold::Coverage { problem } => Some(problem.clone()),
        _ => None,
    });
    if !coverage.is_empty() {
        actions.push(Action::new(
            "Watch longer or fix the collectors: these absences were not watched well enough to trust".into(),
            coverage,
        ));
    }

    let floods: Vec<String> = policy
        .floods
        .iter()
        .map(|f| {
            format!(
                "{}: {} {} from {}{} peers, {} → {}",
                f.host,
                f.count,
                f.fact,
                if f.distinct_peers_exact { "" } else { "about " },
                f.distinct_peers,
                f.first_seen.format("%Y-%m-%d"),
                f.last_seen.format("%Y-%m-%d")
            )
        })
        .collect();
    if !floods.is_empty() {
        let held = policy
            .decisions
            .iter()
            .filter(|d| d.held.as_ref().is_some_and(|h| h.by.iter().any(|b| matches!(b, Hold::Flood { .. }))))
            .count();
        actions.push(Action::new(
            format!(
                "Stop the floods (see Floods): {} held back until the profile is learned without them",
                count(held, "decision")
            ),
            floods,
        ));
    }

    let elsewhere: Vec<String> = policy
        .decisions
        .iter()
        .filter(|d| d.scope == Scope::DomainControllers && d.state == State::Enforce)
        .map(|d| format!("{}: {}{}: {}", d.host, d.rule, subject(d), d.setting))
        .collect();
    if !elsewhere.is_empty() {
        actions.push(Action::new(
            format!("Apply {} on the domain controllers (by Group Policy): they take effect there, so no host's artifacts apply them", count(elsewhere.len(), "recommendation")),
            elsewhere,
        ));
    }

    let by_hand: Vec<String> = policy
        .decisions
        .iter()
        .filter_map(|d| {
            let why = d.detail.get(NOT_RENDERABLE)?.as_str()?;
            (d.state != State::Enforce).then(|| format!("{}: {}{}: {why}", d.host, d.rule, subject(d)))
        })
        .collect();
    if !by_hand.is_empty() {
        actions.push(Action::new(
            "Apply by hand, or change the names: the artifacts cannot write these values safely".into(),
            by_hand,
        ));
    }

    let stale: Vec<String> = policy
        .decisions
        .iter()
        .filter_map(|d| {
            d.stale_days.map(|days| {
                format!("{}: {}{}: last used {days} days before the window ended", d.host, d.rule, subject(d))
            })
        })
        .collect();
    if !stale.is_empty() {
        actions.push(Action::new("Ask whether these exceptions are still needed: their use stopped".into(), stale));
    }
    actions
}

/// `web01: protocol:ssh watched for 3.0 days (minimum 14) (31 decisions)`, per host and problem.
fn per_host(policy: &Policy, pick: impl Fn(&Hold) -> Option<String>) -> Vec<String> {
    let mut found: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for d in &policy.decisions {
        for hold in d.held.iter().flat_map(|h| &h.by) {
            if let Some(text) = pick(hold) {
                *found.entry((d.host.as_str(), text)).or_default() += 1;
            }
        }
    }
    found.into_iter().map(|((host, text), n)| format!("{host}: {text} ({})", count(n, "decision"))).collect()
}

/// Who keeps a weak protocol or setting in use, per host: the peers (or
/// users, or programs) behind the uses that made a version, feature or
/// setting an exception. An item kept because it is used (a share, an
/// account, a service) is a need, not something to fix, and is not listed.
fn clients_to_fix(policy: &Policy) -> Vec<String> {
    let weakening = ["min_version", "disable_unless_used", "setting_unless_used"];
    // Per host and client: each use, with the rules it holds back.
    type Uses<'a> = Vec<(&'a str, Vec<&'a str>)>;
    let mut by_client: BTreeMap<(&str, String), Uses<'_>> = BTreeMap::new();
    for d in policy.decisions.iter().filter(|d| d.state == State::Exception && weakening.contains(&d.shape.as_str())) {
        for usage in d.usage.iter().filter(|u| u.state == State::Exception) {
            for who in needs(usage) {
                let uses = by_client.entry((d.host.as_str(), who)).or_default();
                match uses.iter_mut().find(|(fact, _)| *fact == usage.fact) {
                    Some((_, rules)) if !rules.contains(&d.rule.as_str()) => rules.push(&d.rule),
                    Some(_) => {}
                    None => uses.push((&usage.fact, vec![&d.rule])),
                }
            }
        }
    }
    by_client
        .into_iter()
        .map(|((host, who), uses)| {
            let uses: Vec<String> =
                uses.iter().map(|(fact, rules)| format!("{fact} (holds back {})", rules.join(", "))).collect();
            format!("{who} on {host}: {}", uses.join("; "))
        })
        .collect()
}

/// The witnesses a use is a need of: its regular peers, else its users, else its programs.
fn needs(usage: &crate::document::Usage) -> Vec<String> {
    let named = |list: &[Witness], what: &str| -> Vec<String> {
        list.iter().filter(|w| w.state != Some(State::Review)).take(3).map(|w| format!("{what} {}", w.value)).collect()
    };
    let peers = named(&usage.peers, "peer");
    if !peers.is_empty() {
        return peers;
    }
    let users = named(&usage.users, "user");
    if !users.is_empty() {
        return users;
    }
    let programs = named(&usage.processes, "program");
    if !programs.is_empty() {
        return programs;
    }
    vec!["an unnamed client".to_string()]
}

/// A state or label the report uses, and what it means.
pub struct StateMeaning {
    /// The CSS class of its badge.
    pub state: State,
    pub label: &'static str,
    pub meaning: &'static str,
}

/// Every state and label this policy's report uses, explained.
pub fn states_used(policy: &Policy) -> Vec<StateMeaning> {
    let mut out = vec![
        StateMeaning { state: State::Enforce, label: "enforce", meaning: "nothing observed would break: the artifacts apply it" },
        StateMeaning { state: State::Exception, label: "exception", meaning: "held back because it is in use; the evidence says by whom, how often and when. A weak protocol or setting stays until its clients move off it" },
        StateMeaning { state: State::Review, label: "review", meaning: "held back because the only uses are too rare or too suspicious to trust (an attacker or a one-off, not a need), or because the artifacts cannot apply the value safely; a person decides with `temper review`" },
        StateMeaning { state: State::Insufficient, label: "insufficient", meaning: "held back because nothing it relies on not having seen can be trusted yet: the category was not watched long or well enough, is still learning, or a flood may hide a use. The reason says which, and what the evidence alone would give" },
    ];
    let decisions = &policy.decisions;
    if decisions.iter().any(|d| d.scope == Scope::DomainControllers) {
        out.push(StateMeaning { state: State::Enforce, label: "recommended for the domain controllers", meaning: "the setting takes effect on the domain controllers (domain accounts are validated there), so no host's artifacts apply it: apply it there, with this host's evidence in mind" });
    }
    if decisions.iter().any(|d| d.verdict.as_ref().is_some_and(|v| !v.expired)) {
        out.push(StateMeaning { state: State::Review, label: "(accepted / rejected by reviewer)", meaning: "a reviewer's verdict from the review file decided it: accepted keeps the exception, rejected enforces the setting anyway" });
    }
    if decisions.iter().any(|d| d.verdict.as_ref().is_some_and(|v| v.expired)) {
        out.push(StateMeaning { state: State::Review, label: "(verdict expired)", meaning: "a reviewer's verdict passed its expiry date: the decision is back to what the evidence gives until someone reviews it again" });
    }
    if !policy.not_applicable.is_empty() {
        out.push(StateMeaning {
            state: State::Insufficient,
            label: "not applicable",
            meaning: "the rule is for another platform, or for software this host does not run; nothing to decide",
        });
    }
    out
}

/// Not-applicable rules, one line per host and platform for the rules of
/// another platform, then each rule that does not apply for its own reason.
pub fn not_applicable(policy: &Policy) -> Vec<String> {
    let mut other_platform: BTreeMap<(&str, &str), Vec<&str>> = BTreeMap::new();
    // The other reasons, per host and reason, in order.
    let mut same_reason: Vec<((&str, &str), Vec<&str>)> = Vec::new();
    for n in &policy.not_applicable {
        let platform = n.reason.strip_prefix("a ").and_then(|r| r.split_once(" rule; ")).map(|(p, _)| p);
        match platform {
            Some(platform) => other_platform.entry((n.host.as_str(), platform)).or_default().push(&n.rule),
            None => match same_reason.iter_mut().find(|(key, _)| *key == (n.host.as_str(), n.reason.as_str())) {
                Some((_, rules)) => rules.push(&n.rule),
                None => same_reason.push(((&n.host, &n.reason), vec![&n.rule])),
            },
        }
    }
    let mut lines: Vec<String> = other_platform
        .into_iter()
        .map(|((host, platform), rules)| {
            let is = policy
                .hosts
                .iter()
                .find(|h| h.host == host)
                .and_then(|h| h.platform)
                .map(|p| p.as_str())
                .unwrap_or("unknown");
            format!("{host} ({is}): the {} {platform} rules", rules.len())
        })
        .collect();
    lines.extend(same_reason.into_iter().map(|((host, reason), rules)| match rules.as_slice() {
        [rule] => format!("{rule} on {host}: {reason}"),
        _ => format!("{} on {host} ({}): {reason}", count(rules.len(), "rule"), rules.join(", ")),
    }));
    lines
}

/// The first `shown` of `items`, then how many more: `a, b, c, d and 26 more`.
pub fn some_of(items: &[String], shown: usize) -> String {
    match items.len().checked_sub(shown) {
        Some(more) if more > 0 => format!("{} and {more} more", items[..shown].join(", ")),
        _ => items.join(", "),
    }
}

/// The distinct values, in order.
pub fn distinct(values: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen: Vec<String> = Vec::new();
    for value in values {
        if !seen.contains(&value) {
            seen.push(value);
        }
    }
    seen
}

/// `3 decisions`, `1 decision`
pub fn count(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The reason's first sentence, at most 160 characters, for one-line lists.
fn first_sentence(reason: &str) -> String {
    let first = reason.split_once(". ").map_or(reason, |(first, _)| first);
    match first.char_indices().nth(160) {
        Some((cut, _)) => format!("{}…", &first[..cut]),
        None => first.to_string(),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
