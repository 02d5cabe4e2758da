//! The observer's settings: its options with every default filled in and
//! paths absolute, shared by the command, both platforms' wiring and the
//! Windows service.

use crate::args::ObserveOptions;
use crate::exit::{fail, BAD_INPUT};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The observer's options with every default filled in and paths absolute
/// (the Windows service starts in System32, not where `install` ran).
#[derive(Debug, Clone)]
pub struct ObserveSettings {
    pub profile: PathBuf,
    /// Bookmarks and the service log (Windows).
    #[cfg(windows)]
    pub state_dir: PathBuf,
    pub duration: Option<Duration>,
    pub flush: Duration,
    #[cfg(windows)]
    pub packets: bool,
    #[cfg(target_os = "linux")]
    pub ring_buffer: u32,
    #[cfg(target_os = "linux")]
    pub auth_log: Option<PathBuf>,
    #[cfg(target_os = "linux")]
    pub samba_audit_log: Option<PathBuf>,
    #[cfg(target_os = "linux")]
    pub packets: Option<PacketSettings>,
}

/// Where and how the Linux packet classifier attaches.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone)]
pub struct PacketSettings {
    /// Empty: every interface that is up with an address.
    pub interfaces: Vec<String>,
    pub force_clsact: bool,
}

/// Where the profile lives unless `--profile` says: `%ProgramData%\Temper`
/// on Windows, the systemd `StateDirectory` `/var/lib/temper` on Linux.
#[cfg(windows)]
pub(crate) fn temper_dir() -> PathBuf {
    let program_data = std::env::var_os("ProgramData").map(PathBuf::from);
    program_data.unwrap_or_else(|| PathBuf::from(r"C:\ProgramData")).join("Temper")
}

#[cfg(target_os = "linux")]
pub(crate) fn temper_dir() -> PathBuf {
    std::env::var_os("STATE_DIRECTORY").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/var/lib/temper"))
}

#[cfg(windows)]
pub(crate) fn state_dir(options: &ObserveOptions) -> PathBuf {
    options.state_dir.clone().unwrap_or_else(|| temper_dir().join("state"))
}

pub(crate) fn settings(profile: Option<PathBuf>, options: &ObserveOptions) -> anyhow::Result<ObserveSettings> {
    let profile = profile.unwrap_or_else(|| temper_dir().join("profile.db"));
    let absolute =
        |path: &Path| std::path::absolute(path).map_err(|e| fail(BAD_INPUT, format!("{}: {e}", path.display())));
    Ok(ObserveSettings {
        profile: absolute(&profile)?,
        #[cfg(windows)]
        state_dir: absolute(&state_dir(options))?,
        duration: options.duration,
        flush: options.flush,
        #[cfg(windows)]
        packets: !options.no_packets,
        #[cfg(target_os = "linux")]
        ring_buffer: options.ring_buffer,
        #[cfg(target_os = "linux")]
        auth_log: options.auth_log.clone(),
        #[cfg(target_os = "linux")]
        samba_audit_log: options.samba_audit_log.clone(),
        #[cfg(target_os = "linux")]
        packets: (!options.no_packets)
            .then(|| PacketSettings { interfaces: options.interfaces.clone(), force_clsact: options.clsact }),
    })
}
