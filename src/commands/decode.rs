//! `temper decode`: observations decoded from files, as JSONL on stdout.
//! Packet captures and `.evtx` logs are recognised by their first bytes;
//! anything else is read as observation JSONL.

use super::capture;
use super::import::open_input;
use crate::args::HostOptions;
use crate::exit::{fail, BAD_INPUT};
use std::io::Write;
use std::path::PathBuf;
use temper_collector::jsonl::{JsonlReader, JsonlWriter};
use temper_collector::windows::{decode_evtx, is_evtx};

pub fn run(files: &[PathBuf], skip_invalid: bool, hosts: &HostOptions) -> anyhow::Result<()> {
    let naming = capture::naming(hosts)?;
    let stdout = std::io::stdout();
    let mut writer = JsonlWriter::new(std::io::BufWriter::new(stdout.lock()));
    for path in files {
        if path.as_os_str() != "-" && capture::is_capture(path) {
            let mut write_error = None;
            let (_, damage) = capture::decode(path, &naming, |obs| {
                if write_error.is_none() {
                    write_error = writer.write(&obs).err();
                }
            })?;
            if let Some(e) = write_error {
                return Err(e.into());
            }
            if let Some(damage) = damage {
                writer.into_inner().flush()?;
                return Err(damage.into());
            }
            continue;
        }
        if path.as_os_str() != "-" && is_evtx(path) {
            let options = super::evtx::options(hosts.host.clone(), None);
            let mut write_error = None;
            let summary = decode_evtx(path, &options, |obs| {
                if write_error.is_none() {
                    write_error = writer.write(&obs).err();
                }
            })
            .map_err(|e| fail(BAD_INPUT, e.to_string()))?;
            if let Some(e) = write_error {
                return Err(e.into());
            }
            if let Some(damage) = summary.file.damage.first() {
                writer.into_inner().flush()?;
                return Err(fail(
                    BAD_INPUT,
                    format!("{damage}; {} damaged part(s), every readable record was decoded", summary.file.damaged),
                ));
            }
            continue;
        }
        let (input, _) = open_input(path)?;
        let mut reader = JsonlReader::new(input, path.display().to_string()).skip_invalid(skip_invalid);
        for obs in reader.by_ref() {
            writer.write(&obs?)?;
        }
        let (skipped, reasons) = reader.skipped();
        if skipped > 0 {
            tracing::warn!(file = %path.display(), skipped, first = ?reasons.first().map(|r| r.line), "skipped malformed lines");
        }
    }
    writer.into_inner().flush()?;
    Ok(())
}
