//! Analytics over a profile with polars (the `analytics` feature): facts
//! become a frame and the per-category questions are lazy aggregations
//! over it. The answers are the plain types of [`crate::convergence`], so
//! policy generation and reports need no polars themselves.

use crate::convergence::{assess, category_of, CategoryConvergence, CATEGORIES};
use crate::time_buckets::day_of;
use crate::{Profile, ProfileError};
use polars::prelude::*;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    #[error(transparent)]
    Profile(#[from] ProfileError),
    #[error("analytics: {0}")]
    Polars(#[from] PolarsError),
}

/// Every fact as a row: host, convergence category, first and last day seen.
pub fn facts_frame(profile: &Profile) -> Result<DataFrame, AnalyticsError> {
    let (mut hosts, mut categories, mut first, mut last) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for fact in profile.facts(None)? {
        let Some(category) = category_of(&fact.key.category()) else { continue };
        hosts.push(fact.host);
        categories.push(category);
        first.push(day_of(fact.stats.first_seen));
        last.push(day_of(fact.stats.last_seen));
    }
    Ok(df!("host" => hosts, "category" => categories, "first_day" => first, "last_day" => last)?)
}

/// Convergence of every category on every host of the profile.
pub fn convergence(profile: &Profile) -> Result<Vec<CategoryConvergence>, AnalyticsError> {
    // New distinct facts per host, category and day: the day each fact first appeared.
    let new_per_day = facts_frame(profile)?
        .lazy()
        .group_by([col("host"), col("category"), col("first_day")])
        .agg([len().alias("new")])
        .sort(["host", "category", "first_day"], Default::default())
        .collect()?;
    let hosts = new_per_day.column("host")?.str()?;
    let categories = new_per_day.column("category")?.str()?;
    let days = new_per_day.column("first_day")?.i64()?;
    let counts = new_per_day.column("new")?.u32()?;
    let mut first_days: BTreeMap<(String, String), Vec<i64>> = BTreeMap::new();
    for i in 0..new_per_day.height() {
        let (Some(host), Some(category), Some(day), Some(n)) =
            (hosts.get(i), categories.get(i), days.get(i), counts.get(i))
        else {
            continue;
        };
        let entry = first_days.entry((host.to_string(), category.to_string())).or_default();
        entry.extend(std::iter::repeat_n(day, n as usize));
    }
    let mut out = Vec::new();
    for record in profile.hosts()? {
        let (start, end) = (day_of(record.first_seen), day_of(record.last_seen));
        for category in CATEGORIES {
            let days = first_days.get(&(record.host.clone(), category.to_string())).map(Vec::as_slice).unwrap_or(&[]);
            out.push(assess(&record.host, category, start, end, days));
        }
    }
    Ok(out)
}

/// Facts that only a few hosts of their platform use, from a (merged) profile.
pub fn fleet_outliers(profile: &Profile) -> Result<Vec<crate::fleet::FleetOutlier>, AnalyticsError> {
    use crate::fleet::{is_outlier, FleetOutlier};
    let inventory = profile.inventory(None)?;
    let platform_of = |host: &str| {
        inventory
            .iter()
            .find(|i| i.host == host && i.category == temper_collector::InventoryCategory::Setting && i.name == "os")
            .and_then(|i| i.attr_str("value"))
            .unwrap_or("unknown")
            .to_string()
    };
    let hosts = profile.hosts()?;
    let mut fleet: BTreeMap<String, u32> = BTreeMap::new();
    let mut platform_by_host: BTreeMap<String, String> = BTreeMap::new();
    for host in &hosts {
        let platform = platform_of(&host.host);
        *fleet.entry(platform.clone()).or_insert(0) += 1;
        platform_by_host.insert(host.host.clone(), platform);
    }
    let (mut platforms, mut fact_hosts, mut facts) = (Vec::new(), Vec::new(), Vec::new());
    for fact in profile.facts(None)? {
        platforms.push(platform_by_host.get(&fact.host).cloned().unwrap_or_else(|| "unknown".into()));
        facts.push(fact.key.describe());
        fact_hosts.push(fact.host);
    }
    // Per platform and fact: the distinct hosts that use it.
    let outliers = df!("platform" => platforms, "host" => fact_hosts, "fact" => facts)?
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
