//! Enforcement artifacts: `temper render POLICY --out DIR` writes one
//! directory per host with what applies the policy there, and a README that
//! says what it does and what it leaves alone.

pub mod ansible;
pub mod expressible;
pub mod install_result;
pub mod linux;
pub mod registry_file;
pub mod windows;
pub mod xccdf_tailoring;

use crate::document::Policy;
use crate::document::State;
use crate::escape::{file_name, markdown_text};
use crate::rule::{Platform, Rule};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use temper_observation::atomic_file::write_atomically;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("host {host}: {message}")]
    Rule { host: String, message: String },
}

/// What was written, per host.
#[derive(Debug, Default)]
pub struct RenderSummary {
    pub hosts: Vec<(String, PathBuf, Vec<PathBuf>)>,
    /// Values that could not be written safely (also listed in each README).
    pub refused: Vec<String>,
}

/// Which artifacts to render: the policy's enforcement, or its audit stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    #[default]
    Enforce,
    /// Before enforcing: only the rules marked `audit` (they only log), and the
    /// firewall in a log-only form that logs what it would drop.
    Audit,
}

pub fn render(policy: &Policy, rules: &[Rule], out: &Path) -> Result<RenderSummary, RenderError> {
    render_stage(policy, rules, out, Stage::Enforce)
}

pub fn render_stage(policy: &Policy, rules: &[Rule], out: &Path, stage: Stage) -> Result<RenderSummary, RenderError> {
    let audit_only;
    let policy = match stage {
        Stage::Enforce => policy,
        Stage::Audit => {
            let mut staged = policy.clone();
            staged.decisions.retain(|d| rules.iter().any(|r| r.id == d.rule && r.audit));
            audit_only = staged;
            &audit_only
        }
    };
    let mut summary = RenderSummary::default();
    let dirs = directory_names(policy.hosts.iter().map(|h| h.host.as_str()));
    for host in &policy.hosts {
        let dir = out.join(&dirs[&host.host]);
        let write_bytes = |relative: &str, bytes: &[u8], written: &mut Vec<PathBuf>| -> Result<(), RenderError> {
            let path = dir.join(relative);
            write_atomically(&path, bytes).map_err(|source| RenderError::Io { path: path.clone(), source })?;
            written.push(path);
            Ok(())
        };
        let write =
            |relative: &str, text: &str, written: &mut Vec<PathBuf>| write_bytes(relative, text.as_bytes(), written);
        let mut written = Vec::new();
        let fail = |message: String| RenderError::Rule { host: host.host.clone(), message };
        let mut readme = format!("# Temper artifacts for {}\n\n", markdown_text(&host.host));
        match host.platform {
            Some(Platform::Windows) => {
                let script = windows::apply_script(policy, &host.host, rules).map_err(fail)?;
                write("apply.ps1", &format!("\u{FEFF}{script}"), &mut written)?;
                let reg = registry_file::text(policy, &host.host, rules).map_err(fail)?;
                write_bytes("policy.reg", &registry_file::encode(&reg), &mut written)?;
                readme.push_str(
                    "Run in an elevated PowerShell on this host:\n\n\
                     ```powershell\n.\\apply.ps1 -WhatIf   # lists every change, changes nothing\n.\\apply.ps1           # applies them and writes rollback-<time>.ps1\n```\n\n\
                     `policy.reg` holds the same registry settings for review or `reg import` (no rollback: apply.ps1 writes one).\n\n",
                );
            }
            Some(Platform::Linux) => {
                let artifacts = linux::render_stage(policy, &host.host, rules, stage).map_err(fail)?;
                for (path, text) in &artifacts.files {
                    write(&format!("files/{path}"), text, &mut written)?;
                }
                write("install.sh", &artifacts.install_script, &mut written)?;
                set_executable(&dir.join("install.sh"))?;
                write("playbook.yml", &ansible::playbook(policy, &host.host, &artifacts), &mut written)?;
                if let Some((xml, reasons)) = xccdf_tailoring::tailoring(policy, &host.host, rules) {
                    write("xccdf-tailoring.xml", &xml, &mut written)?;
                    write("xccdf-tailoring.reasons.json", &reasons, &mut written)?;
                }
                readme.push_str(
                    "Run as root on this host:\n\n\
                     ```sh\nsh install.sh --dry-run   # lists every change, changes nothing\nsh install.sh             # backs up, installs, validates, reloads, writes a rollback script\n```\n\n\
                     Or with Ansible: `ansible-playbook -i HOST, playbook.yml --check --diff`, then without `--check`.\n\
                     `xccdf-tailoring.xml` (when present) deselects, from ComplianceAsCode's CIS level 1 server profile, the rules this policy holds back; the reasons are in `xccdf-tailoring.reasons.json`.\n\n",
                );
                readme.push_str("Files (as they will sit below `/`):\n\n");
                for path in artifacts.files.keys() {
                    writeln!(readme, "- `/{path}`").unwrap();
                }
                if !artifacts.manual_steps.is_empty() {
                    readme.push_str("\nSteps that need a hand:\n\n");
                    for step in &artifacts.manual_steps {
                        writeln!(readme, "- {}", markdown_text(step)).unwrap();
                    }
                }
                for refused in &artifacts.refused {
                    writeln!(readme, "\n**Not applied:** {}", markdown_text(refused)).unwrap();
                    summary.refused.push(format!("{}: {refused}", host.host));
                }
                readme.push('\n');
            }
            None => {
                readme.push_str("The platform of this host is unknown, so nothing was rendered.\n\n");
            }
        }
        let held = held_back(policy, &host.host);
        if !held.is_empty() {
            readme.push_str("Left untouched (see the report for the evidence):\n\n");
            for line in held {
                writeln!(readme, "- {}", markdown_text(&line)).unwrap();
            }
        }
        write("README.md", &readme, &mut written)?;
        summary.hosts.push((host.host.clone(), dir, written));
    }
    Ok(summary)
}

/// Each host's directory name: its name made safe for a file system, and
/// where two hosts would share one (`a/b` and `a_b`), each of them suffixed
/// with a digest of its real name, so that no host's artifacts overwrite another's.
pub fn directory_names<'a>(hosts: impl Iterator<Item = &'a str>) -> std::collections::BTreeMap<String, String> {
    use sha2::{Digest, Sha256};
    let hosts: Vec<&str> = hosts.collect();
    let mut uses: std::collections::BTreeMap<String, usize> = std::collections::BTreeMap::new();
    for host in &hosts {
        *uses.entry(file_name(host)).or_default() += 1;
    }
    hosts
        .iter()
        .map(|host| {
            let safe = file_name(host);
            let name = if uses[&safe] > 1 {
                let digest: String =
                    Sha256::digest(host.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
                format!("{safe}-{digest}")
            } else {
                safe
            };
            (host.to_string(), name)
        })
        .collect()
}

fn set_executable(path: &Path) -> Result<(), RenderError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(|source| RenderError::Io { path: path.into(), source })?;
    }
    let _ = path;
    Ok(())
}

/// Decisions not applied on this host, for the README.
pub fn held_back(policy: &Policy, host: &str) -> Vec<String> {
    policy
        .decisions_for(host)
        .filter(|d| !d.is_enforced_here())
        .map(|d| {
            let subject = d.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
            let state = if d.state == State::Enforce { "recommendation for another place" } else { d.state.as_str() };
            format!("{}{subject}: {state}", d.rule)
        })
        .collect()
}
