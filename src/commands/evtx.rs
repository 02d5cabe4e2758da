//! `temper import evtx`: Windows event logs into the profile. Every file is
//! decoded and aggregated first, then written in one transaction. A
//! damaged file contributes every record that could be read; the command
//! then reports the damage (file, chunk or record) and exits with 3.

use crate::exit::{fail, BAD_INPUT};
use crate::progress;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use temper_collector::windows::{decode_evtx, is_evtx, EvtxOptions};
use temper_learner::{Aggregator, Profile};

#[derive(Debug, Serialize)]
pub struct FileResult {
    pub file: PathBuf,
    pub records: u64,
    pub decoded: u64,
    pub observations: u64,
    pub damaged: u64,
    pub channels: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// The first damaged chunks and records, with file and position.
    pub damage: Vec<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct EvtxImportSummary {
    pub profile: PathBuf,
    pub files: Vec<FileResult>,
    pub records: u64,
    pub observations: u64,
    pub damaged: u64,
    /// Records decoded per `Provider/id`, over all files.
    pub events: BTreeMap<String, u64>,
}

/// The `.evtx` files named: files as given (each must be an `.evtx` file),
/// directories searched recursively for `*.evtx`, sorted.
pub fn expand(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            collect_dir(path, &mut files).map_err(|e| fail(BAD_INPUT, format!("{}: {e}", path.display())))?;
            files[before..].sort();
            if files.len() == before {
                return Err(fail(BAD_INPUT, format!("{}: no .evtx files in this directory", path.display())));
            }
        } else if !path.exists() {
            return Err(fail(BAD_INPUT, format!("{}: no such file", path.display())));
        } else if !is_evtx(path) {
            return Err(fail(
                BAD_INPUT,
                format!("{}: not an .evtx file (it does not start with `ElfFile`)", path.display()),
            ));
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect_dir(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_dir(&path, out)?;
        } else if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("evtx")) {
            out.push(path);
        }
    }
    Ok(())
}

pub fn options(host: Option<String>, threads: Option<usize>) -> EvtxOptions {
    let mut options = EvtxOptions { host, ..EvtxOptions::default() };
    if let Some(threads) = threads {
        options.threads = threads.max(1);
    }
    options
}

pub fn import(
    profile_path: &Path,
    paths: &[PathBuf],
    host: Option<String>,
    threads: Option<usize>,
    json: bool,
) -> anyhow::Result<()> {
    let files = expand(paths)?;
    let options = options(host, threads);
    let mut profile = Profile::create_or_open(profile_path)?;
    let mut aggregator = Aggregator::for_profile(&profile);
    let mut summary = EvtxImportSummary { profile: profile_path.to_path_buf(), ..Default::default() };
    let total: u64 = files.iter().filter_map(|f| f.metadata().ok()).map(|m| m.len()).sum();
    let bar = progress::bytes(total, "evtx");
    for path in &files {
        bar.set_message(path.display().to_string());
        let result =
            decode_evtx(path, &options, |obs| aggregator.ingest(&obs)).map_err(|e| fail(BAD_INPUT, e.to_string()))?;
        aggregator.finish_stream();
        bar.inc(path.metadata().map(|m| m.len()).unwrap_or(0));
        summary.records += result.file.records;
        summary.observations += result.observations;
        summary.damaged += result.file.damaged;
        for (event, n) in &result.decoded {
            *summary.events.entry(event.clone()).or_insert(0) += n;
        }
        tracing::info!(file = %path.display(), records = result.file.records, observations = result.observations, damaged = result.file.damaged, "read");
        summary.files.push(FileResult {
            file: path.clone(),
            records: result.file.records,
            decoded: result.file.wanted,
            observations: result.observations,
            damaged: result.file.damaged,
            channels: result.file.channels.iter().cloned().collect(),
            from: result.file.first.map(|t| t.to_rfc3339()),
            to: result.file.last.map(|t| t.to_rfc3339()),
            damage: result.file.damage.iter().map(ToString::to_string).collect(),
        });
    }
    bar.finish_and_clear();
    aggregator.flush(&mut profile)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary);
    }
    let damaged_files: Vec<&FileResult> = summary.files.iter().filter(|f| f.damaged > 0).collect();
    match damaged_files.first() {
        Some(first) => Err(fail(
            BAD_INPUT,
            format!(
                "{}; {} damaged part(s) in {} file(s), every readable record was imported",
                first.damage.first().cloned().unwrap_or_else(|| first.file.display().to_string()),
                summary.damaged,
                damaged_files.len()
            ),
        )),
        None => Ok(()),
    }
}

fn print_summary(summary: &EvtxImportSummary) {
    println!(
        "imported {} observations from {} records in {} file(s) into {}",
        summary.observations,
        summary.records,
        summary.files.len(),
        summary.profile.display()
    );
    for file in &summary.files {
        println!(
            "  {}: {} records, {} decoded, {} observations{}",
            file.file.display(),
            file.records,
            file.decoded,
            file.observations,
            if file.damaged > 0 { format!(", {} damaged", file.damaged) } else { String::new() }
        );
        for damage in &file.damage {
            println!("    damaged: {damage}");
        }
    }
    if !summary.events.is_empty() {
        let events: Vec<String> = summary.events.iter().map(|(e, n)| format!("{e} {n}")).collect();
        println!("events decoded: {}", events.join(", "));
    }
}
