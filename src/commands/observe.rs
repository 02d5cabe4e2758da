//! `temper observe`: resolves the options, then observes in the foreground,
//! under the service manager, installs or removes the service, or prints
//! the status the running observer writes after every flush.

#[cfg(windows)]
use crate::args::ObserveAction;
use crate::args::{ObserveArgs, ObserveOptions};
#[cfg(target_os = "linux")]
use crate::commands::observe_linux;
#[cfg(windows)]
use crate::commands::{observe_windows, windows_service};
use crate::exit::{fail, BAD_INPUT};
use crate::table;
use std::path::{Path, PathBuf};
use std::time::Duration;
use temper_learner::observer::{read_status, status_path, ObserveStatus};

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

#[cfg(windows)]
pub fn run(profile: Option<PathBuf>, args: ObserveArgs) -> anyhow::Result<()> {
    match args.action {
        Some(ObserveAction::Install(options)) => windows_service::install(&settings(profile, &options)?),
        Some(ObserveAction::Uninstall) => windows_service::uninstall(),
        None if args.status => status(&settings(profile, &args.options)?.profile, args.json),
        None if args.service => windows_service::run(settings(profile, &args.options)?),
        None => observe_windows::foreground(&settings(profile, &args.options)?),
    }
}

#[cfg(target_os = "linux")]
pub fn run(profile: Option<PathBuf>, args: ObserveArgs) -> anyhow::Result<()> {
    let settings = settings(profile, &args.options)?;
    if args.status {
        status(&settings.profile, args.json)
    } else {
        observe_linux::foreground(&settings)
    }
}

/// Where the service writes its log: it has no console.
#[cfg(windows)]
pub fn service_log_file(args: &ObserveArgs) -> Option<PathBuf> {
    (args.service && args.action.is_none()).then(|| state_dir(&args.options).join("observe.log"))
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
fn state_dir(options: &ObserveOptions) -> PathBuf {
    options.state_dir.clone().unwrap_or_else(|| temper_dir().join("state"))
}

fn settings(profile: Option<PathBuf>, options: &ObserveOptions) -> anyhow::Result<ObserveSettings> {
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

fn status(profile: &Path, as_json: bool) -> anyhow::Result<()> {
    let status = read_status(profile).map_err(|e| {
        let path = status_path(profile);
        if e.kind() == std::io::ErrorKind::NotFound {
            fail(BAD_INPUT, format!("{}: no status: no observer has flushed this profile yet", path.display()))
        } else {
            fail(BAD_INPUT, format!("{}: {e}", path.display()))
        }
    })?;
    if as_json {
        println!("{}", serde_json::to_string_pretty(&status)?);
    } else {
        print!("{}", status_text(&status));
    }
    Ok(())
}

fn status_text(status: &ObserveStatus) -> String {
    let memory = status.resident_bytes.map(|b| format!(", {} MiB resident", b / (1 << 20))).unwrap_or_default();
    let mut text = format!(
        "observer pid {} writing {}\nstarted {}, last flush {} ({} flushes, {} observations written{memory})\n\n",
        status.pid,
        status.profile.display(),
        status.started.format("%Y-%m-%d %H:%M:%S UTC"),
        status.last_flush.format("%Y-%m-%d %H:%M:%S UTC"),
        status.flushes,
        status.observations_written,
    );
    let rows: Vec<Vec<String>> = status
        .sources
        .iter()
        .map(|s| {
            vec![
                s.name.clone(),
                s.events.to_string(),
                s.lost.to_string(),
                format!("{:.1}", s.events_per_second),
                s.categories.join(" "),
            ]
        })
        .collect();
    text.push_str(&table::render(&["source", "events", "lost", "events/s", "attests"], &rows));
    text
}
