//! `temper review`: what in a policy needs a reviewer, and recording a
//! verdict in the policy's review file (`policy generate` honours it).

use crate::args::{ReviewAction, ReviewArgs, VerdictArgs};
use crate::exit::{fail, BAD_INPUT};
use temper_policy::escape::comment_text;
use temper_policy::review::{evidence_last_seen, needs_review, review_path_for, Outcome, ReviewFile, Verdict};
use temper_policy::{report::state_label, Policy};

pub fn run(args: &ReviewArgs) -> anyhow::Result<()> {
    let policy = super::load_policy(&args.policy)?;
    let path = args.file.clone().unwrap_or_else(|| review_path_for(&args.policy));
    let mut file = ReviewFile::load_or_default(&path)?;
    match &args.action {
        None => list(&policy, &file, args.json),
        Some(ReviewAction::Accept(v)) => {
            record(&policy, &mut file, v, Outcome::Accept)?;
            file.save(&path)?;
            println!("accepted; recorded in {} (applied by the next `policy generate`)", path.display());
            Ok(())
        }
        Some(ReviewAction::Reject(v)) => {
            record(&policy, &mut file, v, Outcome::Reject)?;
            file.save(&path)?;
            println!("rejected; recorded in {} (applied by the next `policy generate`)", path.display());
            Ok(())
        }
    }
}

fn record(policy: &Policy, file: &mut ReviewFile, args: &VerdictArgs, verdict: Outcome) -> anyhow::Result<()> {
    let decision = policy
        .decisions
        .iter()
        .find(|d| d.host == args.host && d.rule == args.rule && d.subject == args.subject)
        .ok_or_else(|| {
            let subject = args.subject.as_deref().map(|s| format!(" with subject {s:?}")).unwrap_or_default();
            fail(
                BAD_INPUT,
                format!(
                    "no decision of rule {} on host {}{subject} in this policy (see `temper review POLICY`)",
                    args.rule, args.host
                ),
            )
        })?;
    if !needs_review(decision) && verdict == Outcome::Accept {
        return Err(fail(
            BAD_INPUT,
            format!("{} on {} is enforced: nothing is held back to accept", args.rule, args.host),
        ));
    }
    if verdict == Outcome::Accept && args.expires.is_none() {
        return Err(fail(BAD_INPUT, "an accepted exception needs --expires YYYY-MM-DD: exceptions are reviewed again"));
    }
    if args.reviewer.trim().is_empty() || args.reason.trim().is_empty() {
        return Err(fail(BAD_INPUT, "--reviewer and --reason must not be empty"));
    }
    file.record(Verdict {
        host: args.host.clone(),
        rule: args.rule.clone(),
        subject: args.subject.clone(),
        verdict,
        reviewer: args.reviewer.clone(),
        reason: args.reason.clone(),
        expires: args.expires,
        recorded: chrono::Utc::now(),
        state_then: decision.state,
        evidence_last_seen: evidence_last_seen(decision),
    });
    Ok(())
}

fn list(policy: &Policy, file: &ReviewFile, json: bool) -> anyhow::Result<()> {
    let today = chrono::Utc::now().date_naive();
    let items: Vec<serde_json::Value> = policy
        .decisions
        .iter()
        .filter(|d| needs_review(d) || d.verdict.is_some())
        .map(|d| {
            let verdict = file.verdicts.iter().find(|v| v.matches(d));
            let status = match verdict {
                None => "pending".to_string(),
                Some(v) if v.expired(today) => format!("expired ({} by {})", v.verdict.as_str(), v.reviewer),
                Some(v) => format!("{}ed by {}", v.verdict.as_str(), v.reviewer),
            };
            serde_json::json!({
                "host": d.host,
                "rule": d.rule,
                "subject": d.subject,
                "state": state_label(d),
                "status": status,
                "reason": d.reason,
                "evidence_last_seen": evidence_last_seen(d),
                "stale_days": d.stale_days,
            })
        })
        .collect();
    if json {
        println!("{}", serde_json::json!({ "items": items }));
        return Ok(());
    }
    if items.is_empty() {
        println!("nothing in this policy needs a reviewer");
    }
    for item in &items {
        let text = |k: &str| item[k].as_str().unwrap_or_default().to_string();
        let subject = item["subject"].as_str().map(|s| format!(" --subject {s:?}")).unwrap_or_default();
        let stale = item["stale_days"]
            .as_i64()
            .map(|d| format!(" [stale: last seen {d} days before the window ended]"))
            .unwrap_or_default();
        println!(
            "{}",
            comment_text(&format!(
                "{} --host {}{subject}: {} — {}{stale}",
                text("rule"),
                text("host"),
                text("state"),
                text("status")
            ))
        );
        println!("    {}", comment_text(&text("reason")));
    }
    Ok(())
}
