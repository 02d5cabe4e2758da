//! Applying a verified bundle on a target: its artifacts extracted to a
//! staging directory, and, for `--confirm-within`, a pending-apply record
//! that a watchdog reads when the time is up: unless `temper apply
//! --confirm` removed it first, the watchdog runs the rollback. So an
//! apply that cuts off SSH or the firewall heals itself.

use crate::bundle::BundlePayload;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Component, Path, PathBuf};
use temper_observation::atomic_file::write_atomically;

/// Extracts every artifact of the bundle below `dir` (install.sh executable).
pub fn extract(payload: &BundlePayload, dir: &Path) -> Result<(), String> {
    for path in payload.artifacts.keys() {
        // Artifact paths are relative and stay below `dir`, whatever the bundle says.
        let relative = Path::new(path);
        if relative.components().any(|c| !matches!(c, Component::Normal(_))) {
            return Err(format!("artifact path {path:?} leaves the staging directory"));
        }
        let bytes = payload.artifact(path).ok_or_else(|| format!("artifact {path} is not valid base64"))?;
        let target = dir.join(relative);
        write_atomically(&target, &bytes).map_err(|e| format!("{}: {e}", target.display()))?;
        #[cfg(unix)]
        if path == "install.sh" {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o755))
                .map_err(|e| format!("{}: {e}", target.display()))?;
        }
    }
    Ok(())
}

/// An apply waiting for `temper apply --confirm`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pending {
    pub bundle: String,
    pub host: String,
    pub applied: DateTime<Utc>,
    pub deadline: DateTime<Utc>,
    /// The rollback script install.sh wrote.
    pub rollback: PathBuf,
}

pub fn pending_path(state_dir: &Path) -> PathBuf {
    state_dir.join("apply-pending.json")
}

pub fn write_pending(state_dir: &Path, pending: &Pending) -> Result<(), String> {
    let path = pending_path(state_dir);
    let text = serde_json::to_string_pretty(pending).expect("pending applies serialise");
    write_atomically(&path, text.as_bytes()).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_pending(state_dir: &Path) -> Result<Option<Pending>, String> {
    let path = pending_path(state_dir);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map(Some).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Confirms the pending apply: removes the record, so the watchdog does nothing.
/// The rename is atomic, so the watchdog either sees the record or does not.
pub fn confirm(state_dir: &Path) -> Result<Option<Pending>, String> {
    let Some(pending) = read_pending(state_dir)? else { return Ok(None) };
    let path = pending_path(state_dir);
    let confirmed = state_dir.join(format!("apply-confirmed-{}.json", Utc::now().format("%Y%m%dT%H%M%SZ")));
    std::fs::rename(&path, &confirmed).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(pending))
}

/// Takes the pending record for the watchdog, if it is still there: the
/// rename makes a late `--confirm` and the watchdog exclusive.
pub fn take_expired(state_dir: &Path, applied: DateTime<Utc>) -> Result<Option<Pending>, String> {
    let Some(pending) = read_pending(state_dir)? else { return Ok(None) };
    if pending.applied != applied {
        // A newer apply replaced it; its own watchdog decides.
        return Ok(None);
    }
    let path = pending_path(state_dir);
    let taken = state_dir.join(format!("apply-rolled-back-{}.json", Utc::now().format("%Y%m%dT%H%M%SZ")));
    match std::fs::rename(&path, &taken) {
        Ok(()) => Ok(Some(pending)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}
