//! Wording both report formats share, as plain text: each format escapes it
//! for its own syntax.

use crate::document::{Decision, Scope, State, Usage, Witness};

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

/// A setting's value as one line: lists joined with commas, strings
/// unquoted, objects as `key: value` pairs.
pub fn value_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        serde_json::Value::Object(fields) => {
            fields.iter().map(|(key, v)| format!("{key}: {}", value_text(v))).collect::<Vec<_>>().join("; ")
        }
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

/// Witnesses shown per list; the policy JSON keeps them all.
const SHOWN_WITNESSES: usize = 15;

/// How a report format writes observed text and the names of commands.
pub struct Syntax {
    pub text: fn(&str) -> String,
    pub code: fn(&str) -> String,
}

/// Decisions the report details with their evidence: all but those simply
/// enforced on the host with no reviewer involved.
pub fn shown_with_evidence(d: &Decision) -> bool {
    !d.is_enforced_here() || d.verdict.is_some()
}

/// `Verdict: accepted by … on …, until …: reason`, or that there is none yet.
pub fn verdict_line(verdict: Option<&crate::document::AppliedVerdict>, s: &Syntax) -> String {
    match verdict {
        Some(v) => format!(
            "Verdict: {}ed by {} on {}{}{}: {}",
            v.verdict.as_str(),
            (s.text)(&v.reviewer),
            v.recorded.format("%Y-%m-%d"),
            v.expires.map(|e| format!(", until {e}")).unwrap_or_default(),
            if v.expired { " (expired: needs a reviewer again)" } else { "" },
            (s.text)(&v.reason)
        ),
        None => format!("Verdict: none yet ({})", (s.code)("temper review")),
    }
}

pub fn stale_line(days: i64) -> String {
    format!("Stale: the evidence was last seen {days} days before the window ended; the need may be gone")
}

pub fn coverage_line(c: &crate::document::CoverageNote, s: &Syntax) -> String {
    format!(
        "Coverage of {}: {:.1} days by {}{}, events lost on {} of {} days",
        (s.text)(&c.category),
        c.days_covered,
        if c.sources.is_empty() { "no source".to_string() } else { (s.text)(&c.sources.join(", ")) },
        if c.inferred { " (inferred from the observations: no coverage records)" } else { "" },
        c.lossy_days,
        c.days_touched
    )
}

/// `N uses on D days, first …, last … (note; recurs monthly)`: a use after its fact and state.
pub fn usage_counts(u: &Usage, s: &Syntax) -> String {
    format!(
        "{} use{} on {} day{}, first {}, last {}{}",
        u.count,
        if u.count == 1 { "" } else { "s" },
        u.days,
        if u.days == 1 { "" } else { "s" },
        u.first_seen.format("%Y-%m-%d %H:%M"),
        u.last_seen.format("%Y-%m-%d %H:%M"),
        match (&u.note, u.period) {
            (Some(n), Some(p)) => format!(" ({}; recurs {})", (s.text)(n), p.as_str()),
            (Some(n), None) => format!(" ({})", (s.text)(n)),
            (None, Some(p)) => format!(" (recurs {})", p.as_str()),
            (None, None) => String::new(),
        }
    )
}

pub fn overflow_line(u: &Usage) -> String {
    format!(
        "Evidence overflowed its cap: the heaviest hitters are listed, counts may be low by up to {}.",
        u.undercount
    )
}

/// A use's witnesses by kind, in the order the reports list them.
fn witness_lists(u: &Usage) -> [(&'static str, &Vec<Witness>); 5] {
    [("Peer", &u.peers), ("User", &u.users), ("Process", &u.processes), ("What", &u.objects), ("Folded", &u.members)]
}

/// One row of a use's witness table.
pub enum WitnessRow<'a> {
    Shown {
        label: &'static str,
        witness: &'a Witness,
    },
    /// How many more of the list the policy file holds.
    More {
        label: &'static str,
        hidden: usize,
    },
}

/// A use's witness table, list by list: at most [`SHOWN_WITNESSES`] of
/// each, then a count of the rest. Empty when the use names no witness.
pub fn witness_rows(u: &Usage) -> Vec<WitnessRow<'_>> {
    let mut rows = Vec::new();
    for (label, list) in witness_lists(u) {
        rows.extend(list.iter().take(SHOWN_WITNESSES).map(|witness| WitnessRow::Shown { label, witness }));
        if list.len() > SHOWN_WITNESSES {
            rows.push(WitnessRow::More { label, hidden: list.len() - SHOWN_WITNESSES });
        }
    }
    rows
}

/// `fact (N uses) by peer, peer` for each use only tagged scanners made.
pub fn scanner_only_lines(d: &Decision, s: &Syntax) -> Vec<String> {
    let Some(serde_json::Value::Array(scanners)) = d.detail.get("scanner_only") else { return Vec::new() };
    scanners
        .iter()
        .map(|scanner| {
            let peers: Vec<&str> =
                scanner["peers"].as_array().into_iter().flatten().filter_map(|p| p.as_str()).collect();
            format!(
                "{} ({} uses) by {}",
                (s.text)(scanner["fact"].as_str().unwrap_or("")),
                scanner["count"],
                (s.text)(&peers.join(", "))
            )
        })
        .collect()
}

/// What the floods section says before its table.
pub const FLOODS_INTRO: &str = "Beyond a limit per host and kind, the profile stops telling apart the identities a flood brings (user names of failed logons, ports, share or algorithm names) and counts them in one folded fact: counts, days and peers stay exact evidence, identities are estimated. Decisions that would rest on not having seen a folded identity are `insufficient`.";

/// `about 999744 user names` / `300 user names`
pub fn flood_distinct(f: &crate::document::Flood) -> String {
    format!("{}{} {}", if f.distinct_exact { "" } else { "about " }, f.distinct, f.members)
}

/// `about 1000000 peers, most 203.0.113.7 (12), 198.51.100.4 (9)`
pub fn flood_peers(f: &crate::document::Flood) -> String {
    let heaviest: Vec<String> = f.peers.iter().take(3).map(|p| format!("{} ({})", p.value, p.count)).collect();
    format!(
        "{}{}{}",
        if f.distinct_peers_exact { "" } else { "about " },
        f.distinct_peers,
        if heaviest.is_empty() { String::new() } else { format!(", most {}", heaviest.join(", ")) }
    )
}

/// A source's gaps as date ranges, or `none`.
pub fn gaps_text(health: &crate::document::SourceHealth) -> String {
    let gaps: Vec<String> =
        health.gaps.iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a} → {b}") }).collect();
    if gaps.is_empty() {
        "none".to_string()
    } else {
        gaps.join(", ")
    }
}
