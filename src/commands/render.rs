//! `temper render`.

use std::path::Path;
use temper_policy::{render, Catalog};

pub fn run(policy_path: &Path, out: &Path, stage: render::Stage) -> anyhow::Result<()> {
    let policy = super::load_policy(policy_path)?;
    let catalog = Catalog::embedded()?;
    let summary = render::render_stage(&policy, catalog.rules(), out, stage)?;
    for (host, dir, files) in &summary.hosts {
        println!("{host}: {} file(s) in {}", files.len(), dir.display());
    }
    for refused in &summary.refused {
        tracing::warn!("{refused}");
    }
    Ok(())
}
