//! `profile export --parquet`: a real profile file's tables written as
//! Parquet and read back, row for row, with their timestamp and date types;
//! a failed export leaves no table behind under its final name.

use chrono::{DateTime, Duration, Utc};
use polars::prelude::*;
use polars_io::parquet::read::ParquetReader;
use polars_io::SerReader;
use std::net::{IpAddr, Ipv4Addr};
use temper_collector::*;
use temper_learner::parquet_export::{export_parquet, ExportError};
use temper_learner::{Aggregator, Profile};

fn day(n: i64) -> DateTime<Utc> {
    "2026-10-01T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(n)
}

fn smb(n: i64, peer: u8, dialect: SmbDialect) -> Observation {
    Observation::new(day(n), "fs01", "wire", Event::Protocol(ProtocolUse { negotiated: Negotiated::Smb(dialect) }))
        .with_role(Role::Server)
        .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 445))
        .with_peer(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 8, peer)), 50_000))
}

fn profile_with_use(path: &std::path::Path) -> Profile {
    let mut profile = Profile::create_or_open(path).unwrap();
    let mut aggregator = Aggregator::for_profile(&profile);
    for n in 0..10 {
        for o in [smb(n, 20, SmbDialect::Smb311), smb(n, 20, SmbDialect::Smb311), smb(n, 21, SmbDialect::Smb1)] {
            let mut o = o;
            o.normalize();
            aggregator.ingest(&o);
        }
    }
    aggregator.finish_stream();
    aggregator.flush(&mut profile).unwrap();
    profile
}

fn read(path: &std::path::Path) -> DataFrame {
    ParquetReader::new(std::fs::File::open(path).unwrap()).finish().unwrap()
}

#[test]
fn every_table_reads_back_with_its_rows_and_types() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with_use(&dir.path().join("p.db"));
    let out = dir.path().join("export");
    let tables = export_parquet(&profile, &out).unwrap();
    let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
    assert_eq!(names, ["hosts", "facts", "fact_days", "evidence", "coverage", "coverage_loss", "inventory"]);
    for t in &tables {
        assert_eq!(read(&t.path).height(), t.rows, "{}", t.name);
    }

    let facts = read(&out.join("facts.parquet"));
    let expected = profile.facts(None).unwrap();
    assert_eq!(facts.height(), expected.len());
    let described: Vec<&str> = facts.column("fact").unwrap().str().unwrap().into_no_null_iter().collect();
    let smb1 =
        described.iter().position(|f| f.contains("smb1")).unwrap_or_else(|| panic!("no SMB1 fact in {described:?}"));
    assert_eq!(facts.column("count").unwrap().u64().unwrap().get(smb1), Some(10));
    assert_eq!(facts.column("days").unwrap().u32().unwrap().get(smb1), Some(10));
    assert_eq!(
        facts.column("first_seen").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
    );
    let first_ms = facts.column("first_seen").unwrap().datetime().unwrap().physical().get(smb1);
    assert_eq!(first_ms, Some(day(0).timestamp_millis()));

    // Daily buckets: one row per fact and day, as dates, counts summing to the facts' counts.
    let days = read(&out.join("fact_days.parquet"));
    assert_eq!(days.column("day").unwrap().dtype(), &DataType::Date);
    let bucket_total: u64 = days.column("count").unwrap().u64().unwrap().into_no_null_iter().sum();
    assert_eq!(bucket_total, expected.iter().map(|f| f.stats.count).sum::<u64>());

    // Evidence: who used SMB1 — the one peer, ten times.
    let evidence = read(&out.join("evidence.parquet"));
    let values: Vec<&str> = evidence.column("value").unwrap().str().unwrap().into_no_null_iter().collect();
    let dims: Vec<&str> = evidence.column("dimension").unwrap().str().unwrap().into_no_null_iter().collect();
    assert!(values.iter().zip(&dims).any(|(v, d)| *v == "10.0.8.21" && *d == "peer"), "{values:?}");

    let hosts = read(&out.join("hosts.parquet"));
    assert_eq!(hosts.column("host").unwrap().str().unwrap().get(0), Some("fs01"));
    // No partial file is left beside the tables.
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".parquet"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_table_that_cannot_be_written_fails_naming_it_and_leaves_nothing_partial() {
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_with_use(&dir.path().join("p.db"));
    let out = dir.path().join("export");
    // A directory where a table's file must go: the rename cannot replace it.
    std::fs::create_dir_all(out.join("evidence.parquet/occupied")).unwrap();
    let error = export_parquet(&profile, &out).unwrap_err();
    assert!(matches!(error, ExportError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("evidence.parquet"), "{error}");
    assert!(!out.join(".evidence.parquet.partial").exists(), "a partial file was left behind");
    // Tables written before it are whole.
    assert_eq!(read(&out.join("facts.parquet")).height(), profile.facts(None).unwrap().len());
}
