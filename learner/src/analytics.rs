//! Analytics over a profile with polars (the `analytics` feature): facts
//! become a frame and the per-category questions are lazy aggregations
//! over it. The answers are the plain types of [`crate::convergence`], so
//! policy generation and reports need no polars themselves.

use crate::convergence::{assess, category_of, CategoryConvergence, CATEGORIES};
use crate::learning::Learning;
use crate::time_buckets::day_of;
use crate::{FactSummary, HostRecord, InventoryRecord, Profile, ProfileError};
use polars::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("analytics: {0}")]
    Polars(#[from] PolarsError),
}

/// Every analysis, from one read of the profile's hosts, facts and inventory.
/// Facts are read without their buckets and evidence: on a fleet profile
/// those are most of the file, and no analysis here needs them.
pub fn learning(profile: &Profile) -> Result<Learning, AnalyticsError> {
    let (hosts, facts) = (profile.hosts()?, profile.fact_summaries()?);
    Ok(Learning {
        convergence: convergence(&hosts, &facts)?,
        fleet_outliers: fleet_outliers(&hosts, &facts, &profile.inventory(None)?)?,
    })
}

/// Every fact of a convergence category as a row: host, category, first day seen.
fn facts_frame(facts: &[FactSummary]) -> Result<DataFrame, AnalyticsError> {
    let (mut hosts, mut categories, mut first) = (Vec::new(), Vec::new(), Vec::new());
    for fact in facts.iter().filter(|f| f.key.is_use()) {
        let Some(category) = category_of(&fact.key.category()) else { continue };
        hosts.push(fact.host.as_str());
        categories.push(category);
        first.push(day_of(fact.first_seen));
    }
    Ok(df!("host" => hosts, "category" => categories, "first_day" => first)?)
}

/// Convergence of every category on every host.
pub fn convergence(hosts: &[HostRecord], facts: &[FactSummary]) -> Result<Vec<CategoryConvergence>, AnalyticsError> {
    // New distinct facts per host, category and day: the day each fact first appeared.
    let new_per_day = facts_frame(facts)?
        .lazy()
        .group_by([col("host"), col("category"), col("first_day")])
        .agg([len().alias("new")])
        .sort(["host", "category", "first_day"], Default::default())
        .collect()?;
    let host_names = new_per_day.column("host")?.str()?;
    let categories = new_per_day.column("category")?.str()?;
    let days = new_per_day.column("first_day")?.i64()?;
    let counts = new_per_day.column("new")?.u32()?;
    let mut first_days: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for i in 0..new_per_day.height() {
        let (Some(host), Some(category), Some(day), Some(n)) =
            (host_names.get(i), categories.get(i), days.get(i), counts.get(i))
        else {
            continue;
        };
        let entry = first_days.entry((host.to_string(), category.to_string())).or_default();
        entry.extend(std::iter::repeat_n(day, n as usize));
    }
    let mut out = Vec::new();
    for record in hosts {
        let (start, end) = (day_of(record.first_seen), day_of(record.last_seen));
        for category in CATEGORIES {
            let days = first_days.get(&(record.host.clone(), category.to_string())).map(Vec::as_slice).unwrap_or(&[]);
            out.push(assess(&record.host, category, start, end, days));
        }
    }
    Ok(out)
}

/// Facts that only a few hosts of their platform use, from a (merged) profile.
pub fn fleet_outliers(
    hosts: &[HostRecord],
    facts: &[FactSummary],
    inventory: &[InventoryRecord],
) -> Result<Vec<crate::fleet::FleetOutlier>, AnalyticsError> {
    use crate::fleet::{is_outlier, FleetOutlier};
    let platform_of = |host: &str| {
        inventory
            .iter()
            .find(|i| i.host == host && i.category == temper_observation::InventoryCategory::Setting && i.name == "os")
            .and_then(|i| i.attr_str("value"))
            .unwrap_or("unknown")
            .to_string()
    };
    let mut fleet: BTreeMap<String, u32> = BTreeMap::new();
    let mut platform_by_host: BTreeMap<String, String> = BTreeMap::new();
    for host in hosts {
        let platform = platform_of(&host.host);
        *fleet.entry(platform.clone()).or_insert(0) += 1;
        platform_by_host.insert(host.host.clone(), platform);
    }
    let (mut platforms, mut fact_hosts, mut described) = (Vec::new(), Vec::new(), Vec::new());
    for fact in facts.iter().filter(|f| f.key.is_use()) {
        platforms.push(platform_by_host.get(&fact.host).map_or("unknown", String::as_str));
        described.push(fact.key.describe());
        fact_hosts.push(fact.host.as_str());
    }
    // Per platform and fact: the distinct hosts that use it.
    let outliers = df!("platform" => platforms, "host" => fact_hosts, "fact" => described)?
        .lazy()
        .group_by([col("platform"), col("fact")])
        .agg([col("host").unique().sort(Default::default()).alias("hosts"), col("host").n_unique().alias("users")])
        .sort(["platform", "fact"], Default::default())
        .collect()?;
    let (platform, fact, users, hosts) = (
        outliers.column("platform")?.str()?,
        outliers.column("fact")?.str()?,
        outliers.column("users")?.u32()?,
        outliers.column("hosts")?.list()?,
    );
    let mut out = Vec::new();
    for i in 0..outliers.height() {
        let (Some(platform), Some(fact), Some(users), Some(hosts)) =
            (platform.get(i), fact.get(i), users.get(i), hosts.get_as_series(i))
        else {
            continue;
        };
        let of = fleet.get(platform).copied().unwrap_or(0);
        if !is_outlier(users as usize, of as usize) {
            continue;
        }
        let hosts: Vec<String> = hosts.str()?.into_iter().flatten().map(str::to_string).collect();
        out.push(FleetOutlier { platform: platform.to_string(), fact: fact.to_string(), hosts, of: of as usize });
    }
    Ok(out)
}
