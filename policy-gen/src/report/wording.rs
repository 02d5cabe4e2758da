//! Wording both report formats share, as plain text: each format escapes it
//! for its own syntax.

use crate::decision::{Decision, Scope, State};

/// `CIS …`, `ComplianceAsCode …`, `STIG …` (CIS references name their benchmark already).
pub fn references(references: &crate::rule::References) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(cis) = &references.cis {
        out.push(if cis.starts_with("CIS") { cis.clone() } else { format!("CIS {cis}") });
    }
    if let Some(cac) = &references.cac {
        out.push(format!("ComplianceAsCode {cac}"));
    }
    if let Some(stig) = &references.stig {
        out.push(format!("STIG {stig}"));
    }
    out
}

/// The state as a reviewer should read it.
pub fn state_label(d: &Decision) -> String {
    let base = match (d.state, d.scope) {
        (State::Enforce, Scope::DomainControllers) => "recommended for the domain controllers".to_string(),
        (state, _) => state.as_str().to_string(),
    };
    match &d.verdict {
        Some(v) if v.expired => format!("{base} (verdict expired)"),
        Some(v) => format!("{base} ({}ed by reviewer)", v.verdict.as_str()),
        None => base,
    }
}

/// A setting's value as one line: lists joined with commas, strings unquoted.
pub fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// How a decision's use is read in the evidence tables.
pub fn witness_assessment(state: Option<State>) -> &'static str {
    match state {
        Some(State::Review) => "review: single day",
        Some(_) => "need",
        None => "",
    }
}
