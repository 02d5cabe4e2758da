//! `temper demo`: the whole pipeline on built-in data, with no privileges and
//! no network: observations → profile → policy → report → artifacts.

use super::import::import_into;
use super::policy::summary_table;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use temper_collector::demo::demo_observations;
use temper_collector::jsonl::JsonlWriter;
use temper_learner::Profile;
use temper_policy::{generate, render, report, Catalog, PolicyOptions};

pub fn run(out: &Path, seed: u64) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).map_err(|e| anyhow::anyhow!("{}: {e}", out.display()))?;
    // Start from a clean slate so the demo is the same on every run.
    for name in ["profile.db", "profile.db-wal", "profile.db-shm"] {
        let _ = std::fs::remove_file(out.join(name));
    }
    let _ = std::fs::remove_dir_all(out.join("artifacts"));

    let observations_path = out.join("observations.jsonl");
    let observations = demo_observations(seed);
    {
        let mut writer = JsonlWriter::new(BufWriter::new(File::create(&observations_path)?));
        for obs in &observations {
            writer.write(obs)?;
        }
        writer.into_inner().flush()?;
    }

    // Learn through the same path as `temper import jsonl`.
    let profile_path = out.join("profile.db");
    let mut profile = Profile::create_or_open(&profile_path)?;
    let imported = import_into(&mut profile, std::slice::from_ref(&observations_path), false)?;

    let catalog = Catalog::embedded()?;
    let learning = super::policy::learning(&profile)?;
    let options = PolicyOptions {
        convergence: learning.convergence,
        fleet_outliers: learning.fleet_outliers,
        ..Default::default()
    };
    let policy = generate(&profile, &catalog, &options, chrono::Utc::now())?;
    let policy_path = out.join("policy.json");
    policy.save(&policy_path)?;
    let report_path = out.join("report.md");
    temper_observation::atomic_file::write_atomically(&report_path, report::markdown(&policy).as_bytes())?;
    let html_path = out.join("report.html");
    temper_observation::atomic_file::write_atomically(&html_path, report::html(&policy).as_bytes())?;
    let artifacts = out.join("artifacts");
    let rendered = render::render(&policy, catalog.rules(), &artifacts)?;

    println!("Temper demo: 42 days of observations from two servers\n");
    println!("  observations  {} ({} lines)", observations_path.display(), imported.observations);
    println!("  profile       {} ({} facts)", profile_path.display(), imported.facts);
    println!("  policy        {}", policy_path.display());
    println!("  report        {} (and {}, with charts)", report_path.display(), html_path.display());
    for (host, dir, _) in &rendered.hosts {
        println!("  artifacts     {} ({host})", dir.display());
    }
    println!();
    print!("{}", summary_table(&policy));
    println!("\nRead the report: {}", report_path.display());
    Ok(())
}
