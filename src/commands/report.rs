//! `temper report`.

use crate::args::ReportFormat;
use std::path::Path;
use temper_observation::atomic_file::write_atomically;
use temper_policy::report;

pub fn run(policy_path: &Path, format: ReportFormat, output: Option<&Path>) -> anyhow::Result<()> {
    let policy = super::load_policy(policy_path)?;
    let text = match format {
        ReportFormat::Markdown => report::markdown(&policy),
        ReportFormat::Html => report::html(&policy),
    };
    match output {
        Some(path) => {
            write_atomically(path, text.as_bytes()).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
            println!("report written to {}", path.display());
        }
        None => print!("{text}"),
    }
    Ok(())
}
