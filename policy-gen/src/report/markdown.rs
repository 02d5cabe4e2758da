//! The exception report in Markdown: a reviewer who never saw Temper reads
//! what would be enforced, what is held back and why, and the evidence for
//! every exception (who, what, how often, when).

use crate::document::Policy;
use crate::document::{Decision, Scope, State, Usage};
use crate::escape::markdown_text as md;
use crate::report::outline;
use crate::report::wording::{
    coverage_line, gaps_text, overflow_line, references, scanner_only_lines, shown_with_evidence, stale_line,
    state_label, usage_counts, value_text, verdict_line, witness_assessment, witness_rows, Syntax, WitnessRow,
};
use std::fmt::Write;

const MARKDOWN: Syntax = Syntax { text: md, code: |name| format!("`{name}`") };

pub fn markdown(policy: &Policy) -> String {
    let mut out = String::new();
    let w = &mut out;
    writeln!(w, "# Temper policy report\n").unwrap();
    writeln!(
        w,
        "Generated {} by {} from profile `{}` (sha256 `{}`).",
        policy.generated_at.format("%Y-%m-%d %H:%M UTC"),
        md(&policy.generator),
        md(&policy.profile.path),
        &policy.profile.sha256
    )
    .unwrap();
    if let (Some(from), Some(to)) = (policy.profile.window_from, policy.profile.window_to) {
        writeln!(
            w,
            "Observation window: {} → {} ({:.1} days).",
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d"),
            (to - from).num_hours() as f64 / 24.0
        )
        .unwrap();
    }
    writeln!(
        w,
        "Minimum coverage {} days; at most {:.0}% of days may lose events.\n",
        policy.parameters.min_days,
        policy.parameters.max_lossy_share * 100.0
    )
    .unwrap();
    write_actions(w, policy);
    writeln!(w, "## How to read it\n").unwrap();
    for meaning in outline::states_used(policy) {
        writeln!(w, "- **{}**: {}", meaning.label, md_code(meaning.meaning)).unwrap();
    }
    writeln!(w, "\nOnly **enforce** is applied.\n").unwrap();

    writeln!(w, "## Summary\n").unwrap();
    writeln!(w, "| Host | Platform | Observed | Enforce | Exception | Review | Insufficient |").unwrap();
    writeln!(w, "|---|---|---|---:|---:|---:|---:|").unwrap();
    let counts = policy.counts_by_host();
    for host in &policy.hosts {
        let c = counts.get(&host.host).copied().unwrap_or_default();
        writeln!(
            w,
            "| {} | {} | {} → {} | {} | {} | {} | {} |",
            md(&host.host),
            host.platform.map(|p| p.as_str()).unwrap_or("unknown"),
            host.first_seen.format("%Y-%m-%d"),
            host.last_seen.format("%Y-%m-%d"),
            c[0],
            c[1],
            c[2],
            c[3]
        )
        .unwrap();
    }

    if !policy.fleet_outliers.is_empty() {
        writeln!(w, "\n## Fleet outliers\n").unwrap();
        writeln!(w, "Facts that at most a quarter of the hosts of a platform use: the fix may be those hosts, not a weaker policy for all.\n").unwrap();
        writeln!(w, "| Platform | Fact | Used by | Of |").unwrap();
        writeln!(w, "|---|---|---|---:|").unwrap();
        for o in &policy.fleet_outliers {
            writeln!(w, "| {} | {} | {} | {} |", md(&o.platform), md(&o.fact), md(&o.hosts.join(", ")), o.of).unwrap();
        }
    }

    if !policy.scanner_suspects.is_empty() {
        writeln!(w, "\n## Peers that behave like scanners\n").unwrap();
        writeln!(w, "Untagged peers that touched many ports or protocol versions within two days. If they are scanners, tag them `scanner` in the peers file (`policy generate --peers FILE`): use by scanners alone never holds a setting back.\n").unwrap();
        writeln!(w, "| Host | Peer | Ports | Versions of one protocol | Days |").unwrap();
        writeln!(w, "|---|---|---:|---:|---:|").unwrap();
        for s in &policy.scanner_suspects {
            writeln!(w, "| {} | {} | {} | {} | {} |", md(&s.host), md(&s.peer), s.ports, s.versions, s.days).unwrap();
        }
    }

    if !policy.floods.is_empty() {
        writeln!(w, "\n## Floods\n").unwrap();
        writeln!(w, "{}\n", super::wording::FLOODS_INTRO).unwrap();
        writeln!(w, "| Host | What | Uses | Folded | Peers | Days | First | Last |").unwrap();
        writeln!(w, "|---|---|---:|---|---|---:|---|---|").unwrap();
        for f in &policy.floods {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} | {} |",
                md(&f.host),
                md(&f.fact),
                f.count,
                md(&super::wording::flood_distinct(f)),
                md(&super::wording::flood_peers(f)),
                f.days,
                f.first_seen.format("%Y-%m-%d %H:%M"),
                f.last_seen.format("%Y-%m-%d %H:%M")
            )
            .unwrap();
        }
    }

    if !policy.health.is_empty() {
        writeln!(w, "\n## Collector health\n").unwrap();
        writeln!(w, "Per host and source over the window: days watched, the gaps when it did not watch, and the days it lost events. A category whose source was off or lossy for a material share of the window is `insufficient`, never unused.\n").unwrap();
        writeln!(w, "| Host | Source | Days watched | Of | Gaps | Days with losses | Events lost |").unwrap();
        writeln!(w, "|---|---|---:|---:|---|---:|---:|").unwrap();
        for h in &policy.health {
            writeln!(
                w,
                "| {} | {}{} | {} | {} | {} | {} | {} |",
                md(&h.host),
                md(&h.source),
                if h.inferred { " (inferred)" } else { "" },
                h.days_watched,
                h.window_days,
                gaps_text(h),
                h.lossy_days(),
                h.lost
            )
            .unwrap();
        }
    }

    if !policy.calendar.is_empty() {
        writeln!(w, "\n## Calendar coverage\n").unwrap();
        writeln!(w, "Days watched per weekday and month ends watched, in each host's time zone; and what the window cannot have seen.\n").unwrap();
        writeln!(w, "| Host | Time zone | Days | Mon | Tue | Wed | Thu | Fri | Sat | Sun | Month ends |").unwrap();
        writeln!(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|").unwrap();
        for c in &policy.calendar {
            let d = c.weekdays;
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                md(&c.host),
                md(&c.time_zone),
                c.days,
                d[0],
                d[1],
                d[2],
                d[3],
                d[4],
                d[5],
                d[6],
                c.month_ends
            )
            .unwrap();
        }
        for c in policy.calendar.iter().filter(|c| !c.warnings.is_empty()) {
            writeln!(w, "\n{}: {}", md(&c.host), md(&c.warnings.join("; "))).unwrap();
        }
    }

    if !policy.convergence.is_empty() {
        writeln!(w, "\n## Learning: has it converged?\n").unwrap();
        writeln!(w, "A category has converged when the host was watched for at least 14 days and nothing new appeared in it for the last max(7, window/4) days. Decisions that rely on an absence in a category still learning are `insufficient`.\n").unwrap();
        writeln!(w, "| Host | Category | State | Facts | Days since a new one | Quiet days needed | Expected |")
            .unwrap();
        writeln!(w, "|---|---|---|---:|---:|---:|---|").unwrap();
        for c in &policy.convergence {
            writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} |",
                md(&c.host),
                c.category,
                match c.state {
                    crate::document::ConvergenceState::Converged => "converged",
                    crate::document::ConvergenceState::StillLearning => "**still learning**",
                },
                c.facts,
                c.days_since_new,
                c.quiet_needed,
                c.expected.map(|d| d.to_string()).unwrap_or_default()
            )
            .unwrap();
        }
    }

    writeln!(w, "\n## Decisions\n").unwrap();
    writeln!(w, "Decisions held back for the same reason on the same host are one row.\n").unwrap();
    writeln!(w, "| Host | Rule | Subject | Decision | Setting | Proposed | Reason |").unwrap();
    writeln!(w, "|---|---|---|---|---|---|---|").unwrap();
    for group in outline::groups(&policy.decisions) {
        let d = group.decisions[0];
        match group.holds() {
            None => writeln!(
                w,
                "| {} | {} | {} | **{}** | {} | {} | {} |",
                md(&d.host),
                md(&d.rule),
                md(d.subject.as_deref().unwrap_or("")),
                group.label,
                md(&d.setting),
                md(&value_text(&d.value)),
                md(&d.reason)
            ),
            Some(holds) => writeln!(
                w,
                "| {} | {} | {} | **{}** | {} | {} | {} |",
                md(group.host),
                md(&rules_text(&group)),
                md(&subjects_text(&group)),
                group.label,
                md(&outline::distinct(group.decisions.iter().map(|d| d.setting.clone())).join("; ")),
                md(&outline::some_of(&group.decisions.iter().map(|d| value_text(&d.value)).collect::<Vec<_>>(), 4)),
                md(&outline::holds_text(holds))
            ),
        }
        .unwrap();
    }

    if let Some(review) = policy.review.as_ref().filter(|r| !r.notes.is_empty() || r.file.is_some()) {
        writeln!(w, "\n## Review\n").unwrap();
        match (&review.file, &review.sha256) {
            (Some(file), Some(sha)) => writeln!(
                w,
                "{} verdict(s) applied from `{}` (sha256 `{}`).\n",
                review.verdicts,
                md(file),
                sha.chars().take(16).collect::<String>()
            )
            .unwrap(),
            _ => writeln!(w, "No review file yet: record verdicts with `temper review`.\n").unwrap(),
        }
        for note in &review.notes {
            writeln!(w, "- {}", md(note)).unwrap();
        }
    }

    let held = outline::groups(policy.decisions.iter().filter(|d| shown_with_evidence(d)));
    if !held.is_empty() {
        writeln!(w, "\n## Held back or recommended elsewhere, with evidence\n").unwrap();
    }
    for group in &held {
        match group.holds() {
            None => write_decision(w, group.decisions[0]),
            Some(holds) => write_group(w, group, holds),
        }
    }

    let not_applicable = outline::not_applicable(policy);
    if !not_applicable.is_empty() {
        writeln!(w, "\n## Not applicable\n").unwrap();
        for line in not_applicable {
            writeln!(w, "- {}", md(&line)).unwrap();
        }
    }
    out
}

/// What to do, most pressing first.
fn write_actions(w: &mut String, policy: &Policy) {
    writeln!(w, "## What to do\n").unwrap();
    let actions = outline::actions(policy);
    if actions.is_empty() {
        writeln!(w, "Nothing: every decision is enforced here.\n").unwrap();
        return;
    }
    for action in actions {
        writeln!(w, "- **{}**", md_code(&action.title)).unwrap();
        for item in &action.items {
            writeln!(w, "  - {}", md(item)).unwrap();
        }
        if action.more > 0 {
            writeln!(w, "  - … and {} more (see Decisions)", action.more).unwrap();
        }
    }
    writeln!(w).unwrap();
}

/// Fixed wording with `commands` in backticks: only the text between them is escaped.
fn md_code(text: &str) -> String {
    text.split('`').enumerate().map(|(i, part)| if i % 2 == 1 { format!("`{part}`") } else { md(part) }).collect()
}

/// `linux-sshd-weak-ciphers (10), linux-sshd-weak-macs (12)`
fn rules_text(group: &outline::Group<'_>) -> String {
    group
        .rules()
        .iter()
        .map(|(rule, n)| if *n > 1 { format!("{rule} ({n})") } else { rule.to_string() })
        .collect::<Vec<_>>()
        .join(", ")
}

/// `cipher 3des-cbc, cipher aes128-cbc, … and 30 more`
fn subjects_text(group: &outline::Group<'_>) -> String {
    let subjects: Vec<String> = group.decisions.iter().filter_map(|d| d.subject.clone()).collect();
    outline::some_of(&subjects, 4)
}

/// Decisions held back the same way: the cause once, then a row each.
fn write_group(w: &mut String, group: &outline::Group<'_>, holds: &[crate::document::Hold]) {
    writeln!(
        w,
        "### {} on {}: {} — {}\n",
        outline::count(group.decisions.len(), "decision"),
        md(group.host),
        group.label,
        md(&outline::hold_text(holds.last().expect("a group shares at least one hold")))
    )
    .unwrap();
    writeln!(w, "- Why: {}", md(&outline::holds_text(holds))).unwrap();
    writeln!(w, "- Rules: {}", md(&rules_text(group))).unwrap();
    let mut coverage: Vec<String> = Vec::new();
    for d in &group.decisions {
        for c in &d.coverage {
            let line = coverage_line(c, &MARKDOWN);
            if !coverage.contains(&line) {
                coverage.push(line);
            }
        }
    }
    for line in coverage {
        writeln!(w, "- {line}").unwrap();
    }
    writeln!(w, "- {}\n", verdict_line(None, &MARKDOWN)).unwrap();
    writeln!(w, "| Rule | Subject | Setting held back | Proposed | Otherwise |").unwrap();
    writeln!(w, "|---|---|---|---|---|").unwrap();
    for d in &group.decisions {
        let otherwise = d.held.as_ref().map(|h| format!("{}: {}", h.state.as_str(), h.reason)).unwrap_or_default();
        writeln!(
            w,
            "| {} | {} | {} | {} | {} |",
            md(&d.rule),
            md(d.subject.as_deref().unwrap_or("")),
            md(&d.setting),
            md(&value_text(&d.value)),
            md(&otherwise)
        )
        .unwrap();
    }
    writeln!(w).unwrap();
    let mut referenced: Vec<&str> = Vec::new();
    for d in &group.decisions {
        let refs: Vec<String> = references(&d.references).iter().map(|r| md(r)).collect();
        if !refs.is_empty() && !referenced.contains(&d.rule.as_str()) {
            referenced.push(&d.rule);
            writeln!(w, "- References of {}: {}", md(&d.rule), refs.join("; ")).unwrap();
        }
    }
    if !referenced.is_empty() {
        writeln!(w).unwrap();
    }
    for d in group.decisions.iter().filter(|d| !d.usage.is_empty()) {
        let subject = d.subject.as_deref().map(|s| format!(" — {}", md(s))).unwrap_or_default();
        writeln!(w, "#### Evidence of {}{subject}\n", md(&d.rule)).unwrap();
        for usage in &d.usage {
            write_usage(w, usage);
        }
    }
}

fn write_decision(w: &mut String, d: &Decision) {
    let subject = d.subject.as_deref().map(|s| format!(" — {}", md(s))).unwrap_or_default();
    writeln!(w, "### {} on {}{subject}: {}\n", md(&d.rule), md(&d.host), state_label(d)).unwrap();
    writeln!(w, "{}\n", md(&d.title)).unwrap();
    let role = if d.state == State::Enforce { "Setting recommended" } else { "Setting held back" };
    writeln!(w, "- {role}: {} = {}", md(&d.setting), md(&value_text(&d.value))).unwrap();
    if let Some(safe) = &d.safe_value {
        writeln!(w, "- Highest level every observed use meets: {}", md(&value_text(safe))).unwrap();
    }
    if d.scope == Scope::DomainControllers {
        writeln!(w, "- Where it takes effect: the domain controllers (a recommendation for them)").unwrap();
    }
    writeln!(w, "- Why: {}", md(&d.reason)).unwrap();
    writeln!(w, "- {}", verdict_line(d.verdict.as_ref(), &MARKDOWN)).unwrap();
    if let Some(days) = d.stale_days {
        writeln!(w, "- {}", stale_line(days)).unwrap();
    }
    for c in &d.coverage {
        writeln!(w, "- {}", coverage_line(c, &MARKDOWN)).unwrap();
    }
    let refs: Vec<String> = references(&d.references).iter().map(|r| md(r)).collect();
    if !refs.is_empty() {
        writeln!(w, "- References: {}", refs.join("; ")).unwrap();
    }
    writeln!(w).unwrap();
    for usage in &d.usage {
        write_usage(w, usage);
    }
    let scanners = scanner_only_lines(d, &MARKDOWN);
    if !scanners.is_empty() {
        writeln!(w, "Used only by tagged scanners (not a need, not kept):\n").unwrap();
        for line in scanners {
            writeln!(w, "- {line}").unwrap();
        }
        writeln!(w).unwrap();
    }
}

fn write_usage(w: &mut String, u: &Usage) {
    writeln!(w, "**{}** — {}: {}\n", md(&u.fact), u.state.as_str(), usage_counts(u, &MARKDOWN)).unwrap();
    if !u.evidence_exact {
        writeln!(w, "{}\n", overflow_line(u)).unwrap();
    }
    let rows = witness_rows(u);
    if rows.is_empty() {
        return;
    }
    writeln!(w, "| Who/what | Value | Count | First seen | Last seen | Assessment |").unwrap();
    writeln!(w, "|---|---|---:|---|---|---|").unwrap();
    for row in rows {
        match row {
            WitnessRow::Shown { label, witness } => writeln!(
                w,
                "| {label} | {} | {} | {} | {} | {} |",
                md(&witness.value),
                witness.count,
                witness.first_seen.format("%Y-%m-%d"),
                witness.last_seen.format("%Y-%m-%d"),
                witness_assessment(witness.state)
            ),
            WitnessRow::More { label, hidden } => {
                writeln!(w, "| {label} | … {hidden} more in the policy file | | | | |")
            }
        }
        .unwrap();
    }
    writeln!(w).unwrap();
}
