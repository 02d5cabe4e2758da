//! `temper profile export --parquet DIR`: the profile's tables as Parquet
//! files for users' own analysis (polars, DuckDB, pandas, Spark). Times are
//! UTC timestamps in milliseconds and days are dates, so the files read as
//! what they are without knowing Temper's encoding; fact keys come both as
//! the canonical key and in words.
//!
//! Each file is written beside its final name and renamed into place, so a
//! reader never sees half a file and a failed export leaves no partial table
//! behind under a final name.

use crate::analytics::AnalyticsError;
use crate::evidence::Dimension;
use crate::{Fact, Profile};
use polars::prelude::*;
use polars_io::parquet::write::{ParquetCompression, ParquetWriter};
use std::path::{Path, PathBuf};

/// One written table: its file and how many rows it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportedTable {
    pub name: &'static str,
    pub path: PathBuf,
    pub rows: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Read(#[from] AnalyticsError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}: {source}")]
    Write { path: PathBuf, source: PolarsError },
}

impl From<PolarsError> for ExportError {
    fn from(e: PolarsError) -> Self {
        ExportError::Read(AnalyticsError::Polars(e))
    }
}

impl From<crate::ProfileError> for ExportError {
    fn from(e: crate::ProfileError) -> Self {
        ExportError::Read(AnalyticsError::Profile(e))
    }
}

/// Writes hosts, facts, fact_days (the daily buckets), evidence, coverage,
/// coverage_loss and inventory into `dir` (created if missing).
pub fn export_parquet(profile: &Profile, dir: &Path) -> Result<Vec<ExportedTable>, ExportError> {
    std::fs::create_dir_all(dir).map_err(|source| ExportError::Io { path: dir.into(), source })?;
    let all_facts = profile.facts(None)?;
    let tables = [
        ("hosts", hosts(profile)?),
        ("facts", facts(&all_facts)?),
        ("fact_days", fact_days(&all_facts)?),
        ("evidence", evidence(&all_facts)?),
        ("coverage", coverage(profile)?),
        ("coverage_loss", coverage_loss(profile)?),
        ("inventory", inventory(profile)?),
    ];
    let mut written = Vec::new();
    for (name, mut frame) in tables {
        let path = dir.join(format!("{name}.parquet"));
        write_atomically(&path, &mut frame)?;
        written.push(ExportedTable { name, path, rows: frame.height() });
    }
    Ok(written)
}

fn write_atomically(path: &Path, frame: &mut DataFrame) -> Result<(), ExportError> {
    let mut failed = None;
    let written = temper_observation::atomic_file::write_atomically_with(path, |file| {
        ParquetWriter::new(file).with_compression(ParquetCompression::Zstd(None)).finish(frame).map(|_| ()).map_err(
            |e| {
                failed = Some(e);
                std::io::Error::other("the Parquet writer failed")
            },
        )
    });
    match (written, failed) {
        (_, Some(source)) => Err(ExportError::Write { path: path.into(), source }),
        (Err(source), None) => Err(ExportError::Io { path: path.into(), source }),
        (Ok(()), None) => Ok(()),
    }
}

/// Unix milliseconds as a UTC timestamp column.
fn timestamps(name: &str, ms: Vec<i64>) -> PolarsResult<Column> {
    Ok(Int64Chunked::from_vec(name.into(), ms).into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)).into_column())
}

/// Days since the epoch as a date column.
fn dates(name: &str, days: Vec<i64>) -> PolarsResult<Column> {
    let days: Vec<i32> = days.into_iter().map(|d| d.clamp(i32::MIN as i64, i32::MAX as i64) as i32).collect();
    Ok(Int32Chunked::from_vec(name.into(), days).into_date().into_column())
}

fn hosts(profile: &Profile) -> Result<DataFrame, ExportError> {
    let hosts = profile.hosts()?;
    Ok(DataFrame::new(vec![
        Column::new("host".into(), hosts.iter().map(|h| h.host.as_str()).collect::<Vec<_>>()),
        timestamps("first_seen", hosts.iter().map(|h| h.first_seen).collect())?,
        timestamps("last_seen", hosts.iter().map(|h| h.last_seen).collect())?,
        Column::new("observations".into(), hosts.iter().map(|h| h.observations).collect::<Vec<_>>()),
    ])?)
}

fn facts(facts: &[Fact]) -> Result<DataFrame, ExportError> {
    Ok(DataFrame::new(vec![
        Column::new("host".into(), facts.iter().map(|f| f.host.as_str()).collect::<Vec<_>>()),
        Column::new("kind".into(), facts.iter().map(|f| f.key.kind().as_str()).collect::<Vec<_>>()),
        Column::new("category".into(), facts.iter().map(|f| f.key.category()).collect::<Vec<_>>()),
        Column::new("fact".into(), facts.iter().map(|f| f.key.describe()).collect::<Vec<_>>()),
        Column::new("key".into(), facts.iter().map(|f| f.key.to_text()).collect::<Vec<_>>()),
        Column::new("count".into(), facts.iter().map(|f| f.stats.count).collect::<Vec<_>>()),
        Column::new("days".into(), facts.iter().map(|f| f.stats.days.len() as u32).collect::<Vec<_>>()),
        timestamps("first_seen", facts.iter().map(|f| f.stats.first_seen).collect())?,
        timestamps("last_seen", facts.iter().map(|f| f.stats.last_seen).collect())?,
    ])?)
}

fn fact_days(facts: &[Fact]) -> Result<DataFrame, ExportError> {
    let (mut host, mut key, mut day, mut count) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for fact in facts {
        let text = fact.key.to_text();
        for (d, n) in &fact.stats.days {
            host.push(fact.host.clone());
            key.push(text.clone());
            day.push(*d);
            count.push(*n);
        }
    }
    Ok(DataFrame::new(vec![
        Column::new("host".into(), host),
        Column::new("key".into(), key),
        dates("day", day)?,
        Column::new("count".into(), count),
    ])?)
}

fn evidence(facts: &[Fact]) -> Result<DataFrame, ExportError> {
    let (mut host, mut key, mut dimension, mut value) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let (mut count, mut first, mut last) = (Vec::new(), Vec::new(), Vec::new());
    for fact in facts {
        let text = fact.key.to_text();
        for (dim, summary) in &fact.stats.evidence {
            for (v, tally) in &summary.values {
                host.push(fact.host.clone());
                key.push(text.clone());
                dimension.push(Dimension::as_str(*dim));
                value.push(v.clone());
                count.push(tally.count);
                first.push(tally.first_seen);
                last.push(tally.last_seen);
            }
        }
    }
    Ok(DataFrame::new(vec![
        Column::new("host".into(), host),
        Column::new("key".into(), key),
        Column::new("dimension".into(), dimension),
        Column::new("value".into(), value),
        Column::new("count".into(), count),
        timestamps("first_seen", first)?,
        timestamps("last_seen", last)?,
    ])?)
}

fn coverage(profile: &Profile) -> Result<DataFrame, ExportError> {
    let windows = profile.coverage_windows(None)?;
    Ok(DataFrame::new(vec![
        Column::new("host".into(), windows.iter().map(|w| w.host.as_str()).collect::<Vec<_>>()),
        Column::new("source".into(), windows.iter().map(|w| w.source.as_str()).collect::<Vec<_>>()),
        Column::new("category".into(), windows.iter().map(|w| w.category.as_str()).collect::<Vec<_>>()),
        Column::new("inferred".into(), windows.iter().map(|w| w.inferred).collect::<Vec<_>>()),
        timestamps("from", windows.iter().map(|w| w.from).collect())?,
        timestamps("to", windows.iter().map(|w| w.to).collect())?,
    ])?)
}

fn coverage_loss(profile: &Profile) -> Result<DataFrame, ExportError> {
    let losses = profile.losses(None)?;
    Ok(DataFrame::new(vec![
        Column::new("host".into(), losses.iter().map(|l| l.host.as_str()).collect::<Vec<_>>()),
        Column::new("source".into(), losses.iter().map(|l| l.source.as_str()).collect::<Vec<_>>()),
        Column::new("category".into(), losses.iter().map(|l| l.category.as_str()).collect::<Vec<_>>()),
        dates("day", losses.iter().map(|l| l.day).collect())?,
        Column::new("lost".into(), losses.iter().map(|l| l.lost).collect::<Vec<_>>()),
    ])?)
}

fn inventory(profile: &Profile) -> Result<DataFrame, ExportError> {
    let items = profile.inventory(None)?;
    Ok(DataFrame::new(vec![
        Column::new("host".into(), items.iter().map(|i| i.host.as_str()).collect::<Vec<_>>()),
        Column::new("category".into(), items.iter().map(|i| i.category.as_str()).collect::<Vec<_>>()),
        Column::new("name".into(), items.iter().map(|i| i.name.as_str()).collect::<Vec<_>>()),
        // Attributes differ per category: JSON text keeps them all.
        Column::new(
            "attrs".into(),
            items.iter().map(|i| serde_json::Value::Object(i.attrs.clone()).to_string()).collect::<Vec<_>>(),
        ),
        timestamps("first_seen", items.iter().map(|i| i.first_seen).collect())?,
        timestamps("last_seen", items.iter().map(|i| i.last_seen).collect())?,
    ])?)
}
