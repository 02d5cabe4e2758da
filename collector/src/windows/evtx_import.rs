//! An `.evtx` file to observations: read (evtx_file), decode (decoder),
//! then one `coverage` per host for what the file attests: its time range
//! and only the categories whose audit events appear in it, with 1101/1104
//! reports and unreadable records counted as lost.

use super::decoder::WindowsDecoder;
use super::evtx_file::{read_evtx, EvtxFileError, EvtxFileStats};
use crate::observation::Observation;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone)]
pub struct EvtxOptions {
    /// Parser threads (chunks are parsed in parallel).
    pub threads: usize,
    /// Every observation belongs to this host (default: each record's `Computer`).
    pub host: Option<String>,
}

impl Default for EvtxOptions {
    fn default() -> Self {
        EvtxOptions { threads: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1), host: None }
    }
}

#[derive(Debug, Default, Clone)]
pub struct EvtxSummary {
    pub file: EvtxFileStats,
    pub observations: u64,
    /// Records decoded per `Provider/id`.
    pub decoded: BTreeMap<String, u64>,
}

/// Decodes one file, handing every observation to `sink` (coverage last).
/// Damage inside the file is in the summary; only a file that is not an
/// `.evtx` file at all, or cannot be opened, is an error.
pub fn decode_evtx(
    path: &Path,
    options: &EvtxOptions,
    mut sink: impl FnMut(Observation),
) -> Result<EvtxSummary, EvtxFileError> {
    let mut decoder = WindowsDecoder::new("evtx").with_host(options.host.clone());
    let mut summary = EvtxSummary::default();
    let mut batch = Vec::new();
    let mut last_good = None;
    let file = read_evtx(path, options.threads, super::event_table::wants, |record| {
        last_good = Some(record.time);
        decoder.decode(&record, &mut batch);
        summary.observations += batch.len() as u64;
        batch.drain(..).for_each(&mut sink);
    })?;
    if let (Some(from), Some(to)) = (file.first, file.last) {
        let damaged_at = last_good.unwrap_or(to);
        for coverage in decoder.take_coverage(from, to, file.damaged, damaged_at) {
            summary.observations += 1;
            sink(coverage);
        }
    }
    summary.decoded = std::mem::take(&mut decoder.decoded);
    summary.file = file;
    Ok(summary)
}
