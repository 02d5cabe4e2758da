//! `temper observe`: resolves the options, then observes in the foreground,
//! under the service manager, installs or removes the service, or prints
//! the status the running observer writes after every flush.

#[cfg(windows)]
use crate::args::ObserveAction;
use crate::args::ObserveArgs;
#[cfg(target_os = "linux")]
use crate::commands::observe_linux;
use crate::commands::observe_settings::settings;
#[cfg(windows)]
use crate::commands::observe_settings::state_dir;
#[cfg(windows)]
use crate::commands::{observe_windows, windows_service};
use crate::exit::{fail, BAD_INPUT};
use crate::table;
use std::path::{Path, PathBuf};
use temper_learner::observer::{read_status, status_path, ObserveStatus};

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
