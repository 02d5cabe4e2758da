//! `temper render`.

use crate::exit::{fail, BAD_POLICY};
use std::path::Path;
use temper_policy::{render, Catalog, Policy};

pub fn run(policy_path: &Path, out: &Path, stage: render::Stage) -> anyhow::Result<()> {
    let policy = Policy::load(policy_path)?;
    let catalog = Catalog::embedded()?;
    if let Some(unknown) = policy.decisions.iter().find(|d| catalog.get(&d.rule).is_none()) {
        return Err(fail(
            BAD_POLICY,
            format!("{}: rule {} is not in this temper's catalog", policy_path.display(), unknown.rule),
        ));
    }
    let summary = render::render_stage(&policy, catalog.rules(), out, stage)?;
    for (host, dir, files) in &summary.hosts {
        println!("{host}: {} file(s) in {}", files.len(), dir.display());
    }
    for refused in &summary.refused {
        tracing::warn!("{refused}");
    }
    Ok(())
}
