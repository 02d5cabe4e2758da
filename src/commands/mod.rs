//! One file per command; `run` dispatches.

mod apply;
mod bundle;
mod capture;
mod check;
mod decode;
mod demo;
mod evtx;
mod import;
#[cfg(any(windows, target_os = "linux"))]
mod observe;
#[cfg(target_os = "linux")]
mod observe_linux;
#[cfg(any(windows, target_os = "linux"))]
mod observe_settings;
#[cfg(windows)]
mod observe_windows;
mod policy;
mod profile;
mod render;
mod report;
mod review;
mod rules;
#[cfg(windows)]
mod windows_service;

use crate::args::{Cli, Command, ImportCommand, PolicyCommand, ProfileCommand};
use std::path::PathBuf;

#[cfg(windows)]
pub use observe::service_log_file;

/// A policy file, refused (exit 5) when it names a rule this temper's catalog lacks.
pub(crate) fn load_policy(path: &std::path::Path) -> anyhow::Result<temper_policy::Policy> {
    Ok(temper_policy::Catalog::embedded()?.load_policy(path)?)
}

/// The profile when `--profile` and `$TEMPER_PROFILE` are absent.
const DEFAULT_PROFILE: &str = "temper.db";

pub fn run(cli: Cli) -> anyhow::Result<()> {
    let profile = cli.profile.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_PROFILE));
    match cli.command {
        Command::Import(ImportCommand::Jsonl { files, skip_invalid, json }) => {
            import::jsonl(&profile, &files, skip_invalid, json)
        }
        Command::Import(ImportCommand::Evtx { paths, host, threads, json }) => {
            evtx::import(&profile, &paths, host, threads, json)
        }
        Command::Import(ImportCommand::Pcap { files, hosts, json }) => import::pcap(&profile, &files, &hosts, json),
        Command::Decode { files, skip_invalid, hosts } => decode::run(&files, skip_invalid, &hosts),
        Command::Profile(ProfileCommand::Show { json, facts }) => profile::show(&profile, json, facts),
        Command::Profile(ProfileCommand::Merge { inputs, output }) => profile::merge(&inputs, &output),
        Command::Profile(ProfileCommand::Export { parquet, json }) => profile::export_parquet(&profile, &parquet, json),
        Command::Policy(PolicyCommand::Generate(args)) => policy::generate(&profile, &args),
        Command::Policy(PolicyCommand::Simulate { policy, as_host, json }) => {
            policy::simulate(&profile, &policy, as_host.as_deref(), json)
        }
        Command::Policy(PolicyCommand::Diff { old, new, json }) => policy::diff(&old, &new, json),
        Command::Policy(PolicyCommand::Compare { policy: file, baselines, candidates, pick_strictest, json }) => {
            policy::compare(&profile, &file, &baselines, &candidates, pick_strictest.as_deref(), json)
        }
        Command::Review(args) => review::run(&args),
        Command::Check { policy, host, sshd_config, smb_conf, json } => {
            check::run(&policy, host.as_deref(), sshd_config, smb_conf, json)
        }
        Command::Apply(args) => apply::run(cli.profile.clone(), &args),
        Command::Keygen { out, name } => bundle::keygen(&out, name.as_deref()),
        Command::Policy(PolicyCommand::Bundle { policy, key, host, review, stage, output }) => {
            bundle::bundle(&profile, &policy, &key, host.as_deref(), review.as_deref(), stage.stage(), &output)
        }
        Command::Policy(PolicyCommand::Verify { bundle: file, trust, json }) => bundle::verify(&file, &trust, json),
        Command::Policy(PolicyCommand::Fit { bundle: file, trust, host, json }) => {
            bundle::fit(&profile, &file, &trust, host.as_deref(), json)
        }
        Command::Report { policy, format, output } => report::run(&policy, format, output.as_deref()),
        Command::Render { policy, out, stage } => render::run(&policy, &out, stage.stage()),
        Command::Rules { markdown, json } => rules::run(markdown, json),
        Command::Demo { out, seed } => demo::run(&out, seed),
        // Its default profile is not the working directory's: a service runs in System32
        // (Windows) or under systemd's StateDirectory (Linux).
        #[cfg(any(windows, target_os = "linux"))]
        Command::Observe(args) => observe::run(cli.profile, args),
    }
}
