//! `temper check`: drift between this host's live configuration and a policy.

use crate::exit::{fail, BAD_INPUT, DRIFT};
use std::path::{Path, PathBuf};
use temper_policy::drift::{check, LiveState, Status};
use temper_policy::escape::comment_text;
use temper_policy::Catalog;

pub fn run(
    policy_path: &Path,
    host: Option<&str>,
    sshd_config: Option<PathBuf>,
    smb_conf: Option<PathBuf>,
    json: bool,
) -> anyhow::Result<()> {
    let policy = super::load_policy(policy_path)?;
    let host = match host {
        Some(h) if policy.hosts.iter().any(|p| p.host == h) => h.to_string(),
        Some(h) => return Err(fail(BAD_INPUT, format!("no host {h} in {}", policy_path.display()))),
        None if policy.hosts.len() == 1 => policy.hosts[0].host.clone(),
        None => return Err(fail(BAD_INPUT, "the policy has several hosts: name this one with --host")),
    };
    let mut live = live_state(sshd_config, smb_conf);
    let findings = check(&policy, &host, Catalog::embedded()?.rules(), live.as_mut());
    let count = |s: Status| findings.iter().filter(|f| f.status == s).count();
    let (ok, drift, unchecked) = (count(Status::Ok), count(Status::Drift), count(Status::Unchecked));
    if json {
        println!(
            "{}",
            serde_json::json!({ "host": host, "ok": ok, "drift": drift, "unchecked": unchecked, "findings": findings })
        );
    } else {
        for f in findings.iter().filter(|f| f.status != Status::Ok) {
            let subject = f.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            let label = if f.status == Status::Drift { "drift" } else { "unchecked" };
            println!(
                "{}",
                comment_text(&format!(
                    "{label}: {}{subject}: {}: expected {}, found {}",
                    f.rule, f.what, f.expected, f.actual
                ))
            );
        }
        println!("{host}: {ok} in line with the policy, {drift} drifted, {unchecked} not checked");
    }
    if drift > 0 {
        return Err(fail(DRIFT, format!("{drift} setting(s) differ from {}", policy_path.display())));
    }
    Ok(())
}

#[cfg(target_os = "linux")]
fn live_state(sshd_config: Option<PathBuf>, smb_conf: Option<PathBuf>) -> Box<dyn LiveState> {
    Box::new(temper_policy::drift::linux_state::LinuxState::new(sshd_config, smb_conf))
}

/// This Windows host's registry under HKLM (services' start types, the
/// firewall's default actions and the PowerShell 2.0 engine are registry
/// values too), through the collector's platform layer.
#[cfg(windows)]
fn live_state(_sshd_config: Option<PathBuf>, _smb_conf: Option<PathBuf>) -> Box<dyn LiveState> {
    struct WindowsState;
    impl LiveState for WindowsState {
        fn registry(&mut self, path: &str, name: &str) -> Result<Option<String>, String> {
            // Catalog paths are PowerShell's `HKLM:\...`; the registry API takes the rest.
            let relative = path.strip_prefix("HKLM:\\").ok_or_else(|| format!("{path} is not under HKLM:"))?;
            temper_collector::windows::live::read_local_machine_value(relative, name)
        }
    }
    Box::new(WindowsState)
}

/// Elsewhere every probe reports itself unchecked.
#[cfg(not(any(windows, target_os = "linux")))]
fn live_state(_sshd_config: Option<PathBuf>, _smb_conf: Option<PathBuf>) -> Box<dyn LiveState> {
    struct Nothing;
    impl LiveState for Nothing {}
    Box::new(Nothing)
}
