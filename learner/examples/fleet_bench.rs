//! The fleet benchmark's two halves (bench/fleet.sh runs them):
//!
//! - `fleet_bench generate PROFILE HOSTS DAYS`: a fleet profile of HOSTS
//!   servers (the demo's file and web servers, each with its own seed and
//!   only a few with legacy clients) watched for DAYS days, aggregated
//!   through the same path as `temper import`, one host per transaction.
//! - `fleet_bench analyse PROFILE`: the polars analytics (convergence per
//!   host and category, fleet outliers) from one read of the profile.

use std::time::Instant;
use temper_collector::demo::{fleet_host, DEMO_SEED};
use temper_learner::{analytics, Aggregator, Profile};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", path, hosts, days] => generate(path, hosts.parse()?, days.parse()?),
        ["analyse", path] => analyse(path),
        _ => Err("usage: fleet_bench generate PROFILE HOSTS DAYS | fleet_bench analyse PROFILE".into()),
    }
}

fn generate(path: &str, hosts: usize, days: i64) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut profile = Profile::create_or_open(std::path::Path::new(path))?;
    let mut observations = 0usize;
    for index in 0..hosts {
        let mut aggregator = Aggregator::for_profile(&profile);
        for obs in fleet_host(DEMO_SEED, index, days) {
            aggregator.ingest(&obs);
            observations += 1;
        }
        aggregator.finish_stream();
        aggregator.flush(&mut profile)?;
    }
    println!(
        "generated {hosts} hosts x {days} days: {observations} observations, {} facts in {:.1} s",
        profile.fact_summaries()?.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn analyse(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let profile = Profile::open(std::path::Path::new(path))?;
    let learning = analytics::learning(&profile)?;
    // The same figures bench/fleet.sql prints, to check both computed the same thing.
    let new_per_day_rows: usize =
        learning.convergence.iter().map(|c| c.new_per_day.iter().filter(|n| **n > 0).count()).sum();
    println!("new_per_day_rows|{new_per_day_rows}");
    println!("outliers|{}", learning.fleet_outliers.len());
    eprintln!("analysed {} host-category rows in {:.2} s", learning.convergence.len(), started.elapsed().as_secs_f64());
    Ok(())
}
