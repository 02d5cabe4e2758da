//! `temper import jsonl`: every file is read and aggregated first, then the
//! whole import is written in one transaction. A malformed file therefore
//! leaves the profile exactly as it was (nothing half-imported), and memory
//! stays bounded by the number of distinct facts, not by file size.

use crate::exit::{fail, BAD_INPUT};
use crate::progress;
use serde::Serialize;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use temper_collector::jsonl::JsonlReader;
use temper_learner::{Aggregator, Profile};

#[derive(Debug, Default, Serialize)]
pub struct ImportSummary {
    pub profile: PathBuf,
    pub files: usize,
    pub observations: u64,
    pub skipped_lines: u64,
    pub skipped: Vec<String>,
    pub hosts: usize,
    pub facts: usize,
}

/// Opens a file (or standard input for `-`) with its size for the progress bar.
pub fn open_input(path: &Path) -> anyhow::Result<(Box<dyn BufRead>, u64)> {
    if path.as_os_str() == "-" {
        return Ok((Box::new(BufReader::new(std::io::stdin())), 0));
    }
    let file = File::open(path).map_err(|e| fail(BAD_INPUT, format!("{}: {e}", path.display())))?;
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((Box::new(BufReader::with_capacity(1 << 16, file)), size))
}

pub fn import_into(profile: &mut Profile, files: &[PathBuf], skip_invalid: bool) -> anyhow::Result<ImportSummary> {
    let mut aggregator = Aggregator::for_profile(profile);
    let mut summary = ImportSummary { profile: profile.path().to_path_buf(), ..Default::default() };
    for path in files {
        let (input, size) = open_input(path)?;
        let bar = progress::bytes(size, &path.display().to_string());
        let name = path.display().to_string();
        let mut reader = JsonlReader::new(BufReader::new(bar.wrap_read(input as Box<dyn Read>)), name.clone())
            .skip_invalid(skip_invalid);
        for obs in reader.by_ref() {
            aggregator.ingest(&obs?);
            summary.observations += 1;
        }
        aggregator.finish_stream();
        bar.finish_and_clear();
        let (skipped, reasons) = reader.skipped();
        summary.skipped_lines += skipped;
        summary.skipped.extend(reasons.iter().map(|s| format!("{name}:{}: {}", s.line, s.reason)));
        summary.files += 1;
        tracing::info!(file = %name, lines = reader.lines_read(), skipped, "read");
    }
    aggregator.flush(profile)?;
    summary.hosts = profile.hosts()?.len();
    summary.facts = profile.facts(None)?.len();
    Ok(summary)
}

pub fn jsonl(profile_path: &Path, files: &[PathBuf], skip_invalid: bool, json: bool) -> anyhow::Result<()> {
    let mut profile = Profile::create_or_open(profile_path)?;
    let summary = import_into(&mut profile, files, skip_invalid)
        .map_err(|e| e.context(format!("nothing was imported into {}", profile_path.display())))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!(
            "imported {} observations from {} file(s) into {} ({} host(s), {} facts)",
            summary.observations,
            summary.files,
            profile_path.display(),
            summary.hosts,
            summary.facts
        );
        if summary.skipped_lines > 0 {
            println!("skipped {} malformed line(s):", summary.skipped_lines);
            for line in &summary.skipped {
                println!("  {line}");
            }
        }
    }
    Ok(())
}

#[derive(Debug, Default, Serialize)]
pub struct CaptureImportSummary {
    pub profile: PathBuf,
    pub files: usize,
    pub packets: u64,
    pub flows: u64,
    pub flows_identified: u64,
    pub flows_undecoded: u64,
    pub flows_dropped: u64,
    pub handshakes: std::collections::BTreeMap<String, u64>,
    pub observations: u64,
    /// Damaged files: what was decoded before the damage was imported.
    pub damaged: Vec<String>,
}

/// `temper import pcap`: decodes every capture, then writes once. A damaged
/// capture contributes what was decoded before the damage, and the command
/// then fails naming the file and byte offset.
pub fn pcap(
    profile_path: &Path,
    files: &[PathBuf],
    hosts: &crate::args::HostOptions,
    json: bool,
) -> anyhow::Result<()> {
    let naming = super::capture::naming(hosts)?;
    for path in files {
        if !super::capture::is_capture(path) {
            let reason = if path.exists() { "not a pcap or pcapng capture" } else { "no such file" };
            return Err(fail(BAD_INPUT, format!("{}: {reason}", path.display())));
        }
    }
    let mut profile = Profile::create_or_open(profile_path)?;
    let mut aggregator = Aggregator::for_profile(&profile);
    let mut summary = CaptureImportSummary { profile: profile_path.to_path_buf(), ..Default::default() };
    let mut damage_errors = Vec::new();
    for path in files {
        let (stats, damage) = super::capture::decode(path, &naming, |obs| aggregator.ingest(&obs))?;
        aggregator.finish_stream();
        summary.files += 1;
        summary.packets += stats.capture.records;
        summary.flows += stats.flows.flows;
        summary.flows_identified += stats.flows.identified;
        summary.flows_undecoded += stats.flows.undecoded;
        summary.flows_dropped += stats.flows.dropped;
        summary.observations += stats.observations;
        for (protocol, n) in stats.handshakes {
            *summary.handshakes.entry(protocol).or_insert(0) += n;
        }
        if let Some(damage) = damage {
            summary.damaged.push(damage.to_string());
            damage_errors.push(damage);
        }
    }
    aggregator.flush(&mut profile)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        let handshakes: Vec<String> = summary.handshakes.iter().map(|(p, n)| format!("{p} {n}")).collect();
        println!(
            "imported {} observations from {} capture(s) into {}: {} packets, {} flows ({} identified, {} undecoded{}), handshakes: {}",
            summary.observations,
            summary.files,
            profile_path.display(),
            summary.packets,
            summary.flows,
            summary.flows_identified,
            summary.flows_undecoded,
            if summary.flows_dropped > 0 { format!(", {} over the flow limit", summary.flows_dropped) } else { String::new() },
            if handshakes.is_empty() { "none".to_string() } else { handshakes.join(", ") }
        );
    }
    match damage_errors.first() {
        Some(first) => Err(fail(
            BAD_INPUT,
            format!(
                "{first}; every packet Temper reads was imported ({} file(s) damaged or with frames not read)",
                damage_errors.len()
            ),
        )),
        None => Ok(()),
    }
}
