//! `temper policy generate`.

use crate::args::GenerateArgs;
use crate::table;
use std::path::Path;
use temper_learner::Profile;
use temper_policy::{generate as generate_policy, Catalog, Policy, PolicyOptions, State, Sufficiency};

pub fn generate(profile_path: &Path, args: &GenerateArgs) -> anyhow::Result<()> {
    let profile = Profile::open(profile_path)?;
    let catalog = Catalog::embedded()?;
    let options = PolicyOptions {
        sufficiency: Sufficiency { min_days: args.min_days, max_lossy_share: args.max_lossy_share },
        keep_accounts: args.keep_accounts.clone(),
        hosts: args.hosts.clone(),
    };
    let policy = generate_policy(&profile, &catalog, &options, chrono::Utc::now())?;
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
        println!("policy written to {}", args.output.display());
    }
    Ok(())
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
