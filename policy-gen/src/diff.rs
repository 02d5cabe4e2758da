//! `temper policy diff OLD NEW`: what changed between two versions of a
//! policy, decision by decision (host, rule, subject), for a reviewer.

use crate::document::Policy;
use crate::document::{Decision, State};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    pub host: String,
    pub rule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_state: Option<State>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_state: Option<State>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_value: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_value: Option<Value>,
    /// Why it is what it is now (the old reason for a removed decision).
    pub reason: String,
}

type Key<'a> = (&'a str, &'a str, Option<&'a str>);

fn key(d: &Decision) -> Key<'_> {
    (d.host.as_str(), d.rule.as_str(), d.subject.as_deref())
}

/// Decisions added, removed, or whose state or value changed, in host/rule order.
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let old_by: BTreeMap<Key, &Decision> = old.decisions.iter().map(|d| (key(d), d)).collect();
    let new_by: BTreeMap<Key, &Decision> = new.decisions.iter().map(|d| (key(d), d)).collect();
    let mut keys: Vec<Key> = old_by.keys().chain(new_by.keys()).copied().collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (old_by.get(&k).copied(), new_by.get(&k).copied());
            let kind = match (o, n) {
                (None, Some(_)) => ChangeKind::Added,
                (Some(_), None) => ChangeKind::Removed,
                (Some(o), Some(n)) if o.state != n.state || o.value != n.value || o.scope != n.scope => {
                    ChangeKind::Changed
                }
                _ => return None,
            };
            Some(Change {
                kind,
                host: k.0.to_string(),
                rule: k.1.to_string(),
                subject: k.2.map(str::to_string),
                old_state: o.map(|d| d.state),
                new_state: n.map(|d| d.state),
                old_value: o.map(|d| d.value.clone()),
                new_value: n.map(|d| d.value.clone()),
                reason: n.or(o).map(|d| d.reason.clone()).unwrap_or_default(),
            })
        })
        .collect()
}

/// One line per change: `+`, `-` or `~`, host, rule (subject), state and value.
pub fn text(changes: &[Change]) -> String {
    let value = |v: &Option<Value>| match v {
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let state = |s: &Option<State>| s.map(|s| s.as_str()).unwrap_or("");
    let mut out = String::new();
    for c in changes {
        let subject = c.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
        let line = match c.kind {
            ChangeKind::Added => {
                format!("+ {} {}{subject}: {} {}", c.host, c.rule, state(&c.new_state), value(&c.new_value))
            }
            ChangeKind::Removed => {
                format!("- {} {}{subject}: was {} {}", c.host, c.rule, state(&c.old_state), value(&c.old_value))
            }
            ChangeKind::Changed => {
                let mut parts = Vec::new();
                if c.old_state != c.new_state {
                    parts.push(format!("{} → {}", state(&c.old_state), state(&c.new_state)));
                }
                if c.old_value != c.new_value {
                    parts.push(format!("value {} → {}", value(&c.old_value), value(&c.new_value)));
                }
                if parts.is_empty() {
                    parts.push("scope changed".into());
                }
                format!("~ {} {}{subject}: {}", c.host, c.rule, parts.join("; "))
            }
        };
        out.push_str(&crate::escape::comment_text(&line));
        out.push('\n');
        out.push_str(&format!("    {}\n", crate::escape::comment_text(&c.reason)));
    }
    out
}
