//! The exception report as one self-contained HTML file: inline CSS and SVG
//! charts, no script, nothing fetched (its Content-Security-Policy forbids
//! it), so it reads offline and an observed string cannot run or load
//! anything. Every observed string goes through [`html_text`].

use super::charts;
use super::outline;
use super::wording::{
    coverage_line, gaps_text, overflow_line, references, scanner_only_lines, shown_with_evidence, stale_line,
    state_label, usage_counts, value_text, verdict_line, witness_assessment, witness_rows, Syntax, WitnessRow,
};
use crate::document::ConvergenceState;
use crate::document::Policy;
use crate::document::{Decision, Scope, State, Usage};
use crate::escape::html_text as h;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Hosts drawn in the decision-mix chart and given their own charts; the
/// tables list every host. Hosts that need attention are drawn first.
const MAX_CHARTED_HOSTS: usize = 30;
const HTML: Syntax = Syntax { text: h, code: |name| format!("<code>{name}</code>") };

const STYLE: &str = r#"
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0 auto; max-width: 1560px; padding: 0 24px 48px; color: #222; line-height: 1.45; }
p, dl, .actions { max-width: 75em; }
h1 { margin: 24px 0 4px; } h2 { margin-top: 36px; border-bottom: 2px solid #ddd; padding-bottom: 4px; } h3 { margin: 24px 0 8px; }
nav a { margin-right: 14px; } .muted { color: #666; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 14px; max-width: 100%; } th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; overflow-wrap: anywhere; }
table.decisions { table-layout: fixed; width: 100%; } td.n { overflow-wrap: normal; } td .state { white-space: normal; display: inline-block; }
.actions > li { margin-bottom: 6px; } .actions ul { margin: 2px 0; } dl.states dt { font-weight: 600; margin-top: 6px; } dl.states dd { margin-left: 1.5em; }
svg { max-width: 100%; height: auto; } p, li, dd { overflow-wrap: anywhere; }
th { background: #f4f4f4; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
.state { font-weight: 600; padding: 1px 6px; border-radius: 4px; white-space: nowrap; }
.enforce { background: #e3f1e6; } .exception { background: #fde9d9; } .review { background: #ecebf5; } .insufficient { background: #e2eef7; }
.charts { display: flex; flex-wrap: wrap; gap: 12px; } .charts svg { border: 1px solid #e4e4e4; }
.warn { background: #fff6d6; border-left: 4px solid #e0b000; padding: 6px 10px; margin: 8px 0; }
details { border: 1px solid #ddd; border-radius: 6px; padding: 6px 12px; margin: 10px 0; } summary { cursor: pointer; font-weight: 600; }
code { background: #f4f4f4; padding: 0 3px; }
"#;

pub fn html(policy: &Policy) -> String {
    let mut out = String::new();
    let w = &mut out;
    head(w, policy);
    actions(w, policy);
    let hosts = hosts_by_attention(policy);
    summary(w, policy, &hosts);
    learning(w, policy, &hosts);
    fleet(w, policy);
    decisions(w, policy);
    held_back(w, policy);
    review_notes(w, policy);
    w.push_str("</body>\n</html>\n");
    out
}

fn head(w: &mut String, policy: &Policy) {
    writeln!(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">").unwrap();
    // Nothing may load or run: the file is read offline and holds observed strings.
    writeln!(
        w,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    )
    .unwrap();
    writeln!(w, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">").unwrap();
    writeln!(w, "<title>Temper policy report</title>\n<style>{STYLE}</style>\n</head>\n<body>").unwrap();
    writeln!(w, "<h1>Temper policy report</h1>").unwrap();
    writeln!(
        w,
        "<p class=\"muted\">Generated {} by {} from profile <code>{}</code> (sha256 <code>{}</code>).",
        policy.generated_at.format("%Y-%m-%d %H:%M UTC"),
        h(&policy.generator),
        h(&policy.profile.path),
        h(&policy.profile.sha256)
    )
    .unwrap();
    if let (Some(from), Some(to)) = (policy.profile.window_from, policy.profile.window_to) {
        writeln!(
            w,
            " Observation window {} → {} ({:.1} days).",
            from.format("%Y-%m-%d"),
            to.format("%Y-%m-%d"),
            (to - from).num_hours() as f64 / 24.0
        )
        .unwrap();
    }
    writeln!(
        w,
        " Minimum coverage {} days; at most {:.0}% of days may lose events.</p>",
        policy.parameters.min_days,
        policy.parameters.max_lossy_share * 100.0
    )
    .unwrap();
    writeln!(w, "<nav><a href=\"#actions\">What to do</a><a href=\"#states\">How to read it</a><a href=\"#summary\">Summary</a><a href=\"#learning\">Learning per host</a><a href=\"#fleet\">Fleet</a><a href=\"#decisions\">Decisions</a><a href=\"#held\">Exceptions and evidence</a></nav>").unwrap();
}

/// What to do, most pressing first; then every state the report uses.
fn actions(w: &mut String, policy: &Policy) {
    writeln!(w, "<h2 id=\"actions\">What to do</h2>").unwrap();
    let actions = outline::actions(policy);
    if actions.is_empty() {
        writeln!(w, "<p>Nothing: every decision is enforced here.</p>").unwrap();
    } else {
        w.push_str("<ul class=\"actions\">\n");
        for action in actions {
            writeln!(w, "<li><strong>{}</strong>\n<ul>", code_spans(&action.title)).unwrap();
            for item in &action.items {
                writeln!(w, "<li>{}</li>", h(item)).unwrap();
            }
            if action.more > 0 {
                writeln!(w, "<li>… and {} more (see <a href=\"#decisions\">Decisions</a>)</li>", action.more).unwrap();
            }
            w.push_str("</ul></li>\n");
        }
        w.push_str("</ul>\n");
    }
    writeln!(w, "<h2 id=\"states\">How to read it</h2>\n<dl class=\"states\">").unwrap();
    for meaning in outline::states_used(policy) {
        writeln!(w, "<dt>{}</dt><dd>{}</dd>", state_badge(meaning.state, meaning.label), code_spans(meaning.meaning))
            .unwrap();
    }
    writeln!(w, "</dl>\n<p>Only <span class=\"state enforce\">enforce</span> is applied.</p>").unwrap();
}

/// Fixed wording with `commands` in backticks as code; the rest escaped.
fn code_spans(text: &str) -> String {
    text.split('`')
        .enumerate()
        .map(|(i, part)| if i % 2 == 1 { format!("<code>{}</code>", h(part)) } else { h(part) })
        .collect()
}

fn state_badge(state: State, label: &str) -> String {
    format!("<span class=\"state {}\">{}</span>", state.as_str(), h(label))
}

/// The SVG, or the reason it could not be drawn.
fn chart(w: &mut String, drawn: Result<String, String>) {
    match drawn {
        Ok(svg) => w.push_str(&svg),
        Err(e) => writeln!(w, "<p class=\"warn\">{}</p>", h(&e)).unwrap(),
    }
    w.push('\n');
}

/// Hosts that need a reader's attention first (still learning, blind or
/// lossy sources, calendar warnings), then the rest, in name order.
fn hosts_by_attention(policy: &Policy) -> Vec<&str> {
    // One pass over each list: a fleet policy has thousands of rows in them.
    let needs_attention: BTreeSet<&str> = (policy.convergence.iter())
        .filter(|c| c.state == ConvergenceState::StillLearning)
        .map(|c| c.host.as_str())
        .chain(policy.health.iter().filter(|s| !s.gaps.is_empty() || s.lossy_days() > 0).map(|s| s.host.as_str()))
        .chain(policy.calendar.iter().filter(|c| !c.warnings.is_empty()).map(|c| c.host.as_str()))
        .collect();
    let mut hosts: Vec<&str> = policy.hosts.iter().map(|h| h.host.as_str()).collect();
    hosts.sort_by_key(|host| (!needs_attention.contains(host), *host));
    hosts
}

fn summary(w: &mut String, policy: &Policy, hosts_by_attention: &[&str]) {
    writeln!(w, "<h2 id=\"summary\">Summary</h2>").unwrap();
    let counts = policy.counts_by_host();
    let charted: Vec<(String, [usize; 4])> = hosts_by_attention
        .iter()
        .take(MAX_CHARTED_HOSTS)
        .map(|&host| (host.to_string(), counts.get(host).copied().unwrap_or_default()))
        .collect();
    w.push_str("<div class=\"charts\">");
    chart(w, charts::decision_mix(&charted));
    w.push_str("</div>\n");
    if policy.hosts.len() > charted.len() {
        writeln!(
            w,
            "<p class=\"muted\">The chart shows {} of {} hosts; the table lists all.</p>",
            charted.len(),
            policy.hosts.len()
        )
        .unwrap();
    }
    writeln!(w, "<table><tr><th>Host</th><th>Platform</th><th>Observed</th><th>Enforce</th><th>Exception</th><th>Review</th><th>Insufficient</th></tr>").unwrap();
    for host in &policy.hosts {
        let c = counts.get(&host.host).copied().unwrap_or_default();
        writeln!(
            w,
            "<tr><td>{}</td><td>{}</td><td>{} → {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            h(&host.host),
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
    w.push_str("</table>\n");

    // Per rule: on how many hosts it landed in each state.
    let mut by_rule: BTreeMap<&str, (&str, [usize; 4])> = BTreeMap::new();
    for d in &policy.decisions {
        let slot = State::ALL.iter().position(|s| *s == d.state).expect("every state is listed");
        by_rule.entry(d.rule.as_str()).or_insert((d.title.as_str(), [0; 4])).1[slot] += 1;
    }
    writeln!(w, "<details><summary>Per rule: on how many hosts each rule landed in each state</summary>\n<table><tr><th>Rule</th><th>What it does</th><th>Enforce</th><th>Exception</th><th>Review</th><th>Insufficient</th></tr>").unwrap();
    for (rule, (title, c)) in by_rule {
        writeln!(
            w,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            h(rule),
            h(title),
            c[0],
            c[1],
            c[2],
            c[3]
        )
        .unwrap();
    }
    w.push_str("</table>\n</details>\n");
}

fn learning(w: &mut String, policy: &Policy, hosts: &[&str]) {
    writeln!(w, "<h2 id=\"learning\">Learning per host: convergence, calendar, collector health</h2>").unwrap();
    writeln!(w, "<p>A category has converged when the host was watched for at least 14 days and nothing new appeared in it for the last max(7, window/4) days (the shaded band). Decisions that rely on an absence in a category still learning are <span class=\"state insufficient\">insufficient</span>. A category whose source was off or lossy for a material share of the window is never called unused.</p>").unwrap();
    if policy.convergence.is_empty() && policy.calendar.is_empty() && policy.health.is_empty() {
        writeln!(w, "<p class=\"warn\">This policy carries no learning analysis (it was generated by a build without the analytics feature).</p>").unwrap();
        return;
    }
    if hosts.len() > MAX_CHARTED_HOSTS {
        writeln!(
            w,
            "<p class=\"muted\">Charts for the first {MAX_CHARTED_HOSTS} of {} hosts, those needing attention first; the policy file holds the figures for all.</p>",
            hosts.len()
        )
        .unwrap();
    }
    for &host in hosts.iter().take(MAX_CHARTED_HOSTS) {
        writeln!(w, "<h3>{}</h3>", h(host)).unwrap();
        let convergence: Vec<_> = policy.convergence.iter().filter(|c| c.host == host).collect();
        let health: Vec<_> = policy.health.iter().filter(|s| s.host == host).collect();
        let calendar = policy.calendar.iter().find(|c| c.host == host);
        w.push_str("<div class=\"charts\">\n");
        if !convergence.is_empty() {
            chart(w, charts::learning_curves(&convergence));
        }
        if let Some(calendar) = calendar {
            chart(w, charts::calendar(calendar));
        }
        let first_day = policy.hosts.iter().find(|h| h.host == host).map(|h| h.first_seen.date_naive());
        if let (false, Some(first_day)) = (health.is_empty(), first_day) {
            chart(w, charts::health_timeline(first_day, &health));
        }
        w.push_str("</div>\n");
        if let Some(calendar) = calendar {
            writeln!(
                w,
                "<p class=\"muted\">Calendar in {}: {} days watched, {} month end(s).</p>",
                h(&calendar.time_zone),
                calendar.days,
                calendar.month_ends
            )
            .unwrap();
            for warning in &calendar.warnings {
                writeln!(w, "<p class=\"warn\">{}</p>", h(warning)).unwrap();
            }
        }
        if !convergence.is_empty() {
            writeln!(w, "<table><tr><th>Category</th><th>State</th><th>Facts</th><th>Days since a new one</th><th>Quiet days needed</th><th>Expected</th></tr>").unwrap();
            for c in convergence {
                let (class, label) = match c.state {
                    ConvergenceState::Converged => ("enforce", "converged"),
                    ConvergenceState::StillLearning => ("insufficient", "still learning"),
                };
                writeln!(
                    w,
                    "<tr><td>{}</td><td><span class=\"state {class}\">{label}</span></td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                    h(&c.category),
                    c.facts,
                    c.days_since_new,
                    c.quiet_needed,
                    c.expected.map(|d| d.to_string()).unwrap_or_default()
                )
                .unwrap();
            }
            w.push_str("</table>\n");
        }
        if !health.is_empty() {
            writeln!(w, "<table><tr><th>Source</th><th>Days watched</th><th>Of</th><th>Gaps</th><th>Days with losses</th><th>Events lost</th></tr>").unwrap();
            for s in health {
                writeln!(
                    w,
                    "<tr><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                    h(&s.source),
                    if s.inferred { " (inferred)" } else { "" },
                    s.days_watched,
                    s.window_days,
                    gaps_text(s),
                    s.lossy_days(),
                    s.lost
                )
                .unwrap();
            }
            w.push_str("</table>\n");
        }
    }
}

fn fleet(w: &mut String, policy: &Policy) {
    writeln!(w, "<h2 id=\"fleet\">Fleet</h2>").unwrap();
    if policy.fleet_outliers.is_empty() {
        writeln!(w, "<p>No fact is used by only a few hosts of their platform.</p>").unwrap();
    } else {
        writeln!(w, "<p>Facts that at most a quarter of the hosts of a platform use: the fix may be those hosts, not a weaker policy for all.</p>").unwrap();
        writeln!(w, "<table><tr><th>Platform</th><th>Fact</th><th>Used by</th><th>Of</th></tr>").unwrap();
        for o in &policy.fleet_outliers {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td></tr>",
                h(&o.platform),
                h(&o.fact),
                h(&o.hosts.join(", ")),
                o.of
            )
            .unwrap();
        }
        w.push_str("</table>\n");
    }
    if !policy.floods.is_empty() {
        writeln!(w, "<h3 id=\"floods\">Floods</h3>\n<p>{}</p>", h(super::wording::FLOODS_INTRO)).unwrap();
        writeln!(w, "<table><tr><th>Host</th><th>What</th><th>Uses</th><th>Folded</th><th>Peers</th><th>Days</th><th>First</th><th>Last</th></tr>").unwrap();
        for f in &policy.floods {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>",
                h(&f.host),
                h(&f.fact),
                f.count,
                h(&super::wording::flood_distinct(f)),
                h(&super::wording::flood_peers(f)),
                f.days,
                f.first_seen.format("%Y-%m-%d %H:%M"),
                f.last_seen.format("%Y-%m-%d %H:%M")
            )
            .unwrap();
        }
        w.push_str("</table>\n");
    }
    if !policy.scanner_suspects.is_empty() {
        writeln!(w, "<h3>Peers that behave like scanners</h3>\n<p>Untagged peers that touched many ports or protocol versions within two days. If they are scanners, tag them <code>scanner</code> in the peers file (<code>policy generate --peers FILE</code>): use by scanners alone never holds a setting back.</p>").unwrap();
        writeln!(
            w,
            "<table><tr><th>Host</th><th>Peer</th><th>Ports</th><th>Versions of one protocol</th><th>Days</th></tr>"
        )
        .unwrap();
        for s in &policy.scanner_suspects {
            writeln!(
                w,
                "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
                h(&s.host),
                h(&s.peer),
                s.ports,
                s.versions,
                s.days
            )
            .unwrap();
        }
        w.push_str("</table>\n");
    }
}

fn decisions(w: &mut String, policy: &Policy) {
    writeln!(w, "<h2 id=\"decisions\">Decisions</h2>\n<p class=\"muted\">Decisions held back for the same reason on the same host are one row.</p>").unwrap();
    // Fixed columns: a long value or reason wraps in its cell instead of widening the table.
    writeln!(w, "<table class=\"decisions\"><colgroup><col style=\"width:7%\"><col style=\"width:15%\"><col style=\"width:10%\"><col style=\"width:13%\"><col style=\"width:14%\"><col style=\"width:13%\"><col style=\"width:28%\"></colgroup><tr><th>Host</th><th>Rule</th><th>Subject</th><th>Decision</th><th>Setting</th><th>Proposed</th><th>Reason</th></tr>").unwrap();
    for group in outline::groups(&policy.decisions) {
        let d = group.decisions[0];
        let (rule, subject, setting, value, reason) = match group.holds() {
            None => (
                format!("<code>{}</code>", h(&d.rule)),
                h(d.subject.as_deref().unwrap_or("")),
                h(&d.setting),
                h(&value_text(&d.value)),
                h(&d.reason),
            ),
            Some(holds) => (
                group
                    .rules()
                    .iter()
                    .map(|(r, n)| {
                        format!("<code>{}</code>{}", h(r), if *n > 1 { format!(" ({n})") } else { String::new() })
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
                h(&outline::some_of(&group.decisions.iter().filter_map(|d| d.subject.clone()).collect::<Vec<_>>(), 4)),
                h(&outline::distinct(group.decisions.iter().map(|d| d.setting.clone())).join("; ")),
                h(&outline::some_of(&group.decisions.iter().map(|d| value_text(&d.value)).collect::<Vec<_>>(), 4)),
                h(&outline::holds_text(holds)),
            ),
        };
        writeln!(
            w,
            "<tr><td>{}</td><td>{rule}</td><td>{subject}</td><td>{}</td><td>{setting}</td><td>{value}</td><td>{reason}</td></tr>",
            h(group.host),
            state_badge(group.state, &group.label),
        )
        .unwrap();
    }
    w.push_str("</table>\n");
    let not_applicable = outline::not_applicable(policy);
    if !not_applicable.is_empty() {
        writeln!(w, "<h3>Not applicable</h3>\n<ul>").unwrap();
        for line in not_applicable {
            writeln!(w, "<li>{}</li>", h(&line)).unwrap();
        }
        w.push_str("</ul>\n");
    }
}

fn held_back(w: &mut String, policy: &Policy) {
    writeln!(w, "<h2 id=\"held\">Held back or recommended elsewhere, with evidence</h2>").unwrap();
    let held = outline::groups(policy.decisions.iter().filter(|d| shown_with_evidence(d)));
    if held.is_empty() {
        writeln!(w, "<p>Nothing is held back: every decision is enforced here.</p>").unwrap();
    }
    for group in &held {
        match group.holds() {
            None => held_decision(w, group.decisions[0]),
            Some(holds) => held_group(w, group, holds),
        }
    }
}

/// Decisions held back the same way: the cause once, then a row each.
fn held_group(w: &mut String, group: &outline::Group<'_>, holds: &[crate::document::Hold]) {
    writeln!(
        w,
        "<details open><summary>{} on {}: {} — {}</summary>",
        outline::count(group.decisions.len(), "decision"),
        h(group.host),
        state_badge(group.state, &group.label),
        h(&outline::hold_text(holds.last().expect("a group shares at least one hold")))
    )
    .unwrap();
    writeln!(w, "<ul><li>Why: {}</li>", h(&outline::holds_text(holds))).unwrap();
    let mut coverage: Vec<String> = Vec::new();
    for c in group.decisions.iter().flat_map(|d| &d.coverage) {
        let line = coverage_line(c, &HTML);
        if !coverage.contains(&line) {
            coverage.push(line);
        }
    }
    for line in coverage {
        writeln!(w, "<li>{line}</li>").unwrap();
    }
    writeln!(w, "<li>{}</li></ul>", verdict_line(None, &HTML)).unwrap();
    writeln!(
        w,
        "<table><tr><th>Rule</th><th>Subject</th><th>Setting held back</th><th>Proposed</th><th>Otherwise</th></tr>"
    )
    .unwrap();
    for d in &group.decisions {
        let otherwise =
            d.held.as_ref().map(|held| format!("{}: {}", held.state.as_str(), held.reason)).unwrap_or_default();
        writeln!(
            w,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            h(&d.rule),
            h(d.subject.as_deref().unwrap_or("")),
            h(&d.setting),
            h(&value_text(&d.value)),
            h(&otherwise)
        )
        .unwrap();
    }
    w.push_str("</table>\n");
    let mut referenced: Vec<&str> = Vec::new();
    for d in &group.decisions {
        let refs = references(&d.references);
        if !refs.is_empty() && !referenced.contains(&d.rule.as_str()) {
            referenced.push(&d.rule);
            writeln!(w, "<p>References of <code>{}</code>: {}</p>", h(&d.rule), h(&refs.join("; "))).unwrap();
        }
    }
    for d in group.decisions.iter().filter(|d| !d.usage.is_empty()) {
        let subject = d.subject.as_deref().map(|s| format!(" — {}", h(s))).unwrap_or_default();
        writeln!(w, "<h4>Evidence of <code>{}</code>{subject}</h4>", h(&d.rule)).unwrap();
        for usage in &d.usage {
            usage_evidence(w, usage);
        }
    }
    w.push_str("</details>\n");
}

fn held_decision(w: &mut String, d: &Decision) {
    {
        let subject = d.subject.as_deref().map(|s| format!(" — {}", h(s))).unwrap_or_default();
        writeln!(
            w,
            "<details open><summary><code>{}</code> on {}{subject}: {}</summary>",
            h(&d.rule),
            h(&d.host),
            state_badge(d.state, &state_label(d))
        )
        .unwrap();
        writeln!(w, "<p>{}</p>\n<ul>", h(&d.title)).unwrap();
        let role = if d.state == State::Enforce { "Setting recommended" } else { "Setting held back" };
        writeln!(w, "<li>{role}: <code>{}</code> = {}</li>", h(&d.setting), h(&value_text(&d.value))).unwrap();
        if let Some(safe) = &d.safe_value {
            writeln!(w, "<li>Highest level every observed use meets: {}</li>", h(&value_text(safe))).unwrap();
        }
        if d.scope == Scope::DomainControllers {
            writeln!(w, "<li>Where it takes effect: the domain controllers (a recommendation for them)</li>").unwrap();
        }
        writeln!(w, "<li>Why: {}</li>", h(&d.reason)).unwrap();
        writeln!(w, "<li>{}</li>", verdict_line(d.verdict.as_ref(), &HTML)).unwrap();
        if let Some(days) = d.stale_days {
            writeln!(w, "<li class=\"warn\">{}</li>", stale_line(days)).unwrap();
        }
        for c in &d.coverage {
            writeln!(w, "<li>{}</li>", coverage_line(c, &HTML)).unwrap();
        }
        let refs = references(&d.references);
        if !refs.is_empty() {
            writeln!(w, "<li>References: {}</li>", h(&refs.join("; "))).unwrap();
        }
        w.push_str("</ul>\n");
        for usage in &d.usage {
            usage_evidence(w, usage);
        }
        let scanners = scanner_only_lines(d, &HTML);
        if !scanners.is_empty() {
            writeln!(w, "<p>Used only by tagged scanners (not a need, not kept):</p>\n<ul>").unwrap();
            for line in scanners {
                writeln!(w, "<li>{line}</li>").unwrap();
            }
            w.push_str("</ul>\n");
        }
        w.push_str("</details>\n");
    }
}

fn usage_evidence(w: &mut String, u: &Usage) {
    writeln!(
        w,
        "<p><strong>{}</strong> — {}: {}</p>",
        h(&u.fact),
        state_badge(u.state, u.state.as_str()),
        usage_counts(u, &HTML)
    )
    .unwrap();
    if !u.evidence_exact {
        writeln!(w, "<p class=\"warn\">{}</p>", overflow_line(u)).unwrap();
    }
    let rows = witness_rows(u);
    if rows.is_empty() {
        return;
    }
    writeln!(w, "<table><tr><th>Who/what</th><th>Value</th><th>Count</th><th>First seen</th><th>Last seen</th><th>Assessment</th></tr>").unwrap();
    for row in rows {
        match row {
            WitnessRow::Shown { label, witness } => writeln!(
                w,
                "<tr><td>{label}</td><td>{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                h(&witness.value),
                witness.count,
                witness.first_seen.format("%Y-%m-%d"),
                witness.last_seen.format("%Y-%m-%d"),
                witness_assessment(witness.state)
            ),
            WitnessRow::More { label, hidden } => {
                writeln!(w, "<tr><td>{label}</td><td colspan=\"5\">… {hidden} more in the policy file</td></tr>")
            }
        }
        .unwrap();
    }
    w.push_str("</table>\n");
}

fn review_notes(w: &mut String, policy: &Policy) {
    let Some(review) = policy.review.as_ref().filter(|r| !r.notes.is_empty() || r.file.is_some()) else { return };
    writeln!(w, "<h2 id=\"review\">Review</h2>").unwrap();
    match (&review.file, &review.sha256) {
        (Some(file), Some(sha)) => writeln!(
            w,
            "<p>{} verdict(s) applied from <code>{}</code> (sha256 <code>{}</code>).</p>",
            review.verdicts,
            h(file),
            h(&sha.chars().take(16).collect::<String>())
        )
        .unwrap(),
        _ => writeln!(w, "<p>No review file yet: record verdicts with <code>temper review</code>.</p>").unwrap(),
    }
    w.push_str("<ul>\n");
    for note in &review.notes {
        writeln!(w, "<li>{}</li>", h(note)).unwrap();
    }
    w.push_str("</ul>\n");
}
