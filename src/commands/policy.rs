//! `temper policy generate`.

use crate::args::GenerateArgs;
use crate::table;
use std::path::Path;
use temper_learner::Profile;
use temper_policy::escape::comment_text;
use temper_policy::review::{apply_file, review_path_for};
use temper_policy::{generate as generate_policy, Catalog, Policy, PolicyOptions, State, Sufficiency};

pub fn generate(profile_path: &Path, args: &GenerateArgs) -> anyhow::Result<()> {
    let profile = Profile::open(profile_path)?;
    let catalog = Catalog::embedded()?;
    let learning = learning(&profile)?;
    let options = PolicyOptions {
        sufficiency: Sufficiency { min_days: args.min_days, max_lossy_share: args.max_lossy_share },
        keep_accounts: args.keep_accounts.clone(),
        hosts: args.hosts.clone(),
        convergence: learning.convergence,
        fleet_outliers: learning.fleet_outliers,
        accept_unconverged: args.accept_unconverged,
        peers: match &args.peers {
            Some(path) => temper_policy::peers::PeerTags::load(path)
                .map_err(|e| crate::exit::fail(crate::exit::BAD_INPUT, e.to_string()))?,
            None => Default::default(),
        },
    };
    let mut policy = generate_policy(&profile, &catalog, &options, chrono::Utc::now())?;
    let review_path = args.review.clone().unwrap_or_else(|| review_path_for(&args.output));
    apply_file(&mut policy, &review_path, args.stale_days)?;
    if !args.hosts.is_empty() && policy.hosts.len() != args.hosts.len() {
        let known: Vec<&str> = policy.hosts.iter().map(|h| h.host.as_str()).collect();
        let missing: Vec<&String> = args.hosts.iter().filter(|h| !known.contains(&h.as_str())).collect();
        anyhow::bail!("no host {:?} in {}", missing, profile_path.display());
    }
    policy.save(&args.output)?;
    if args.json {
        let counts: serde_json::Map<String, serde_json::Value> = policy
            .counts_by_host()
            .into_iter()
            .map(|(host, c)| {
                (host, serde_json::json!({"enforce": c[0], "exception": c[1], "review": c[2], "insufficient": c[3]}))
            })
            .collect();
        println!("{}", serde_json::json!({ "policy": args.output.display().to_string(), "hosts": counts }));
    } else {
        print!("{}", summary_table(&policy));
        for note in policy.review.iter().flat_map(|r| &r.notes) {
            println!("review: {}", temper_policy::escape::comment_text(note));
        }
        println!("policy written to {}", args.output.display());
    }
    Ok(())
}

/// `temper policy simulate`: exits with WOULD_BREAK when anything would break.
pub fn simulate(profile_path: &Path, policy_path: &Path, as_host: Option<&str>, json: bool) -> anyhow::Result<()> {
    let policy = super::load_policy(policy_path)?;
    let profile = Profile::open(profile_path)?;
    let breaks = temper_policy::simulate::simulate(&policy, &Catalog::embedded()?, &profile, as_host)?;
    if json {
        println!("{}", serde_json::json!({ "policy": policy_path.display().to_string(), "breaks": breaks }));
    } else if breaks.is_empty() {
        println!(
            "nothing observed in {} would be blocked or broken by {}",
            profile_path.display(),
            policy_path.display()
        );
    } else {
        for b in &breaks {
            let subject = b.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            let why = match &b.rejected_by {
                Some(reviewer) => format!(" [rejected by {reviewer}: enforced on purpose]"),
                None => String::new(),
            };
            println!("{}", comment_text(&format!("{} {}{subject}{why}: {} would break", b.host, b.rule, b.setting)));
            for usage in &b.usage {
                println!("    {}", comment_text(&temper_policy::evaluate::summarise(usage)));
            }
        }
    }
    if breaks.is_empty() {
        Ok(())
    } else {
        let rejected = breaks.iter().filter(|b| b.rejected_by.is_some()).count();
        Err(crate::exit::fail(
            crate::exit::WOULD_BREAK,
            format!(
                "{} decision(s) would break observed use ({rejected} rejected by a reviewer on purpose)",
                breaks.len()
            ),
        ))
    }
}

/// `temper policy compare`.
pub fn compare(
    profile_path: &Path,
    policy_path: &Path,
    baselines: &[String],
    files: &[std::path::PathBuf],
    pick: Option<&Path>,
    json: bool,
) -> anyhow::Result<()> {
    use temper_policy::compare::{breaks_by_rule, evaluate, pick_strictest, Baseline};
    let learned = super::load_policy(policy_path)?;
    let profile = Profile::open(profile_path)?;
    let catalog = Catalog::embedded()?;
    let names: Vec<String> = if baselines.is_empty() && files.is_empty() {
        ["cis-l1", "cis-l2", "strict"].map(String::from).to_vec()
    } else {
        baselines.to_vec()
    };
    let mut candidates = Vec::new();
    for name in &names {
        let baseline = Baseline::parse(name).ok_or_else(|| {
            crate::exit::fail(
                crate::exit::BAD_INPUT,
                format!("unknown baseline {name:?} (expected cis-l1, cis-l2 or strict)"),
            )
        })?;
        let policy = baseline.apply_to(&learned, &catalog);
        let result = evaluate(name, &policy, &catalog, &profile)?;
        candidates.push((name.clone(), policy, result));
    }
    for file in files {
        let policy = super::load_policy(file)?;
        let name = file.display().to_string();
        let result = evaluate(&name, &policy, &catalog, &profile)?;
        candidates.push((name, policy, result));
    }
    if let Some(out) = pick {
        let picked = pick_strictest(&learned, &candidates, &catalog);
        picked.save(out)?;
    }
    if json {
        let results: Vec<&temper_policy::compare::CandidateResult> = candidates.iter().map(|(_, _, r)| r).collect();
        println!("{}", serde_json::json!({ "policy": policy_path.display().to_string(), "candidates": results }));
        return Ok(());
    }
    let rows: Vec<Vec<String>> = candidates
        .iter()
        .map(|(name, _, r)| {
            let by_rule = breaks_by_rule(r);
            vec![
                name.clone(),
                r.enforced.to_string(),
                by_rule.len().to_string(),
                by_rule.values().sum::<usize>().to_string(),
            ]
        })
        .collect();
    print!("{}", table::render(&["candidate", "enforced", "rules that break", "uses broken"], &rows));
    for (name, _, r) in &candidates {
        for b in &r.breaks {
            let subject = b.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            println!("{}", comment_text(&format!("{name}: {} on {}{subject} would break:", b.rule, b.host)));
            for usage in &b.usage {
                println!("    {}", comment_text(&temper_policy::evaluate::summarise(usage)));
            }
        }
    }
    if let Some(out) = pick {
        println!("strictest combination that breaks nothing observed written to {}", out.display());
    }
    Ok(())
}

/// `temper policy diff`.
pub fn diff(old_path: &Path, new_path: &Path, json: bool) -> anyhow::Result<()> {
    let (old, new) = (super::load_policy(old_path)?, super::load_policy(new_path)?);
    let changes = temper_policy::diff::diff(&old, &new);
    if json {
        println!(
            "{}",
            serde_json::json!({ "old": old_path.display().to_string(), "new": new_path.display().to_string(), "changes": changes })
        );
    } else if changes.is_empty() {
        println!("no decision changed");
    } else {
        print!("{}", temper_policy::diff::text(&changes));
    }
    Ok(())
}

/// Convergence and fleet outliers (polars; the `analytics` feature), from one read of the profile.
#[cfg(feature = "analytics")]
pub(crate) fn learning(profile: &Profile) -> anyhow::Result<temper_learner::learning::Learning> {
    Ok(temper_learner::analytics::learning(profile)?)
}

/// Built without analytics: neither convergence nor the fleet is assessed (the policy lists none).
#[cfg(not(feature = "analytics"))]
pub(crate) fn learning(_profile: &Profile) -> anyhow::Result<temper_learner::learning::Learning> {
    tracing::warn!("built without the analytics feature: learning convergence and the fleet are not assessed");
    Ok(Default::default())
}

/// Enforced / exceptions / review / insufficient per host.
pub fn summary_table(policy: &Policy) -> String {
    let rows: Vec<Vec<String>> = policy
        .counts_by_host()
        .into_iter()
        .map(|(host, c)| {
            let platform = policy
                .hosts
                .iter()
                .find(|h| h.host == host)
                .and_then(|h| h.platform)
                .map(|p| p.as_str())
                .unwrap_or("unknown");
            vec![host, platform.to_string(), c[0].to_string(), c[1].to_string(), c[2].to_string(), c[3].to_string()]
        })
        .collect();
    let header = [
        "host",
        "platform",
        State::Enforce.as_str(),
        State::Exception.as_str(),
        State::Review.as_str(),
        State::Insufficient.as_str(),
    ];
    table::render(&header, &rows)
}
