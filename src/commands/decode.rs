//! `temper decode`: observations decoded from files, as JSONL on stdout.

use super::import::open_input;
use std::io::Write;
use std::path::PathBuf;
use temper_collector::jsonl::{JsonlReader, JsonlWriter};

pub fn run(files: &[PathBuf], skip_invalid: bool) -> anyhow::Result<()> {
    let stdout = std::io::stdout();
    let mut writer = JsonlWriter::new(std::io::BufWriter::new(stdout.lock()));
    for path in files {
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
