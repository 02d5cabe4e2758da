//! `temper profile show`, `temper profile merge` and `temper profile export`.

use crate::exit::{fail, BAD_PROFILE};
use crate::table;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use temper_learner::time_buckets::utc;
use temper_learner::{assess_category, Dimension, Profile};

pub fn show(path: &Path, as_json: bool, list_facts: bool) -> anyhow::Result<()> {
    let profile = Profile::open(path)?;
    let facts = profile.facts(None)?;
    let windows = profile.coverage_windows(None)?;
    let losses = profile.losses(None)?;
    let inventory = profile.inventory(None)?;
    let mut hosts = Vec::new();
    for host in profile.hosts()? {
        let mine: Vec<_> = facts.iter().filter(|f| f.host == host.host).collect();
        let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
        for f in &mine {
            *by_kind.entry(f.key.kind().as_str()).or_insert(0) += 1;
        }
        let host_windows: Vec<_> = windows.iter().filter(|w| w.host == host.host).cloned().collect();
        let host_losses: Vec<_> = losses.iter().filter(|l| l.host == host.host).cloned().collect();
        let mut categories: Vec<String> = host_windows.iter().map(|w| w.category.clone()).collect();
        categories.sort();
        categories.dedup();
        let coverage: Vec<Value> = categories
            .iter()
            .map(|c| {
                let a = assess_category(&host_windows, &host_losses, c);
                json!({
                    "category": c,
                    "days": (a.days_covered * 10.0).round() / 10.0,
                    "lossy_days": a.lossy_days.len(),
                    "inferred": a.inferred,
                    "sources": a.sources,
                })
            })
            .collect();
        let mut entry = json!({
            "host": host.host,
            "first_seen": utc(host.first_seen),
            "last_seen": utc(host.last_seen),
            "observations": host.observations,
            "facts": mine.len(),
            "facts_by_kind": by_kind,
            "coverage": coverage,
            "inventory_items": inventory.iter().filter(|i| i.host == host.host).count(),
        });
        if list_facts {
            entry["fact_list"] = mine
                .iter()
                .map(|f| {
                    let peers = f.stats.evidence(Dimension::Peer).map(|s| s.values.len()).unwrap_or(0);
                    // Who and what, with counts: the same evidence the report shows.
                    let evidence: serde_json::Map<String, serde_json::Value> = Dimension::ALL
                        .into_iter()
                        .filter_map(|d| {
                            let summary = f.stats.evidence(d)?;
                            let counts: serde_json::Map<String, serde_json::Value> =
                                summary.values.iter().map(|(v, t)| (v.clone(), json!(t.count))).collect();
                            Some((d.as_str().to_string(), counts.into()))
                        })
                        .collect();
                    json!({
                        "fact": f.key.describe(),
                        "key": f.key,
                        "count": f.stats.count,
                        "days": f.stats.days.len(),
                        "first_seen": f.stats.first_seen_utc(),
                        "last_seen": f.stats.last_seen_utc(),
                        "peers": peers,
                        "evidence": evidence,
                    })
                })
                .collect();
        }
        hosts.push(entry);
    }
    let summary = json!({
        "profile": path.display().to_string(),
        "schema_version": profile.schema_version(),
        "evidence_cap": profile.evidence_cap(),
        "sha256": profile.digest()?,
        "hosts": hosts,
    });
    if as_json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(());
    }
    println!(
        "profile {} (schema v{}, sha256 {})",
        path.display(),
        profile.schema_version(),
        &summary["sha256"].as_str().unwrap_or("")[..16]
    );
    for host in summary["hosts"].as_array().into_iter().flatten() {
        println!(
            "\n{}: {} observations, {} facts, {} → {}",
            host["host"].as_str().unwrap_or(""),
            host["observations"],
            host["facts"],
            host["first_seen"].as_str().unwrap_or("").get(..10).unwrap_or(""),
            host["last_seen"].as_str().unwrap_or("").get(..10).unwrap_or("")
        );
        let kinds: Vec<String> =
            host["facts_by_kind"].as_object().into_iter().flatten().map(|(k, v)| format!("{k} {v}")).collect();
        println!("  facts: {}", kinds.join(", "));
        let rows: Vec<Vec<String>> = host["coverage"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| {
                vec![
                    c["category"].as_str().unwrap_or("").to_string(),
                    format!("{}", c["days"]),
                    format!("{}", c["lossy_days"]),
                    if c["inferred"].as_bool() == Some(true) { "inferred".into() } else { "declared".into() },
                ]
            })
            .collect();
        for line in table::render(&["coverage", "days", "lossy days", "windows"], &rows).lines() {
            println!("  {line}");
        }
        if let Some(list) = host.get("fact_list").and_then(Value::as_array) {
            for f in list {
                println!("  - {} ×{} on {} day(s)", f["fact"].as_str().unwrap_or(""), f["count"], f["days"]);
            }
        }
    }
    Ok(())
}

pub fn merge(inputs: &[PathBuf], output: &Path) -> anyhow::Result<()> {
    if output.exists() {
        return Err(fail(BAD_PROFILE, format!("{}: already exists; merge writes a new profile", output.display())));
    }
    // Merge into a temporary file and rename it, so OUT is whole or absent.
    let tmp = output.with_extension("merging");
    let _ = std::fs::remove_file(&tmp);
    let result = (|| -> anyhow::Result<()> {
        let sources = inputs.iter().map(|p| Profile::open(p)).collect::<Result<Vec<_>, _>>()?;
        // The group profile keeps the evidence cap of its members.
        let cap = sources.first().map_or(temper_learner::DEFAULT_EVIDENCE_CAP, Profile::evidence_cap);
        let mut merged = Profile::create_with_cap(&tmp, cap)?;
        for source in &sources {
            merged.merge_from(source)?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        return Err(e);
    }
    std::fs::rename(&tmp, output)?;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
    }
    let merged = Profile::open(output)?;
    println!(
        "merged {} profile(s) into {} ({} host(s), {} facts)",
        inputs.len(),
        output.display(),
        merged.hosts()?.len(),
        merged.facts(None)?.len()
    );
    Ok(())
}

/// `temper profile export --parquet DIR` (polars; the `analytics` feature).
#[cfg(feature = "analytics")]
pub fn export_parquet(path: &Path, dir: &Path, as_json: bool) -> anyhow::Result<()> {
    let profile = Profile::open(path)?;
    let tables = temper_learner::parquet_export::export_parquet(&profile, dir)?;
    if as_json {
        let rows: Vec<Value> =
            tables.iter().map(|t| json!({"table": t.name, "path": t.path, "rows": t.rows})).collect();
        println!("{}", serde_json::to_string_pretty(&json!({"profile": path, "tables": rows}))?);
    } else {
        for t in &tables {
            println!("{:<14} {:>9} rows  {}", t.name, t.rows, t.path.display());
        }
    }
    Ok(())
}

/// Built without analytics: Parquet needs polars.
#[cfg(not(feature = "analytics"))]
pub fn export_parquet(_path: &Path, _dir: &Path, _as_json: bool) -> anyhow::Result<()> {
    Err(fail(crate::exit::USAGE, "profile export --parquet needs a build with the analytics feature (the default)"))
}
