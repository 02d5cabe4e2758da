//! Windows artifacts: one PowerShell script per host that applies every
//! `enforce` decision of this host's scope. It supports `-WhatIf` (nothing
//! changes, every change is listed) and writes a rollback script that undoes
//! exactly what the run changed. Observed strings enter only as PowerShell
//! single-quoted literals or sanitised comments.

use crate::document::Policy;
use crate::document::{Decision, State};
use crate::escape::{comment_text, powershell_literal};
use crate::rule::{RenderSpec, Rule};
use std::fmt::Write;

const PRELUDE: &str = include_str!("windows_prelude.ps1");
const EPILOGUE: &str = include_str!("windows_epilogue.ps1");

/// A PowerShell parameter name or feature name from the catalog: plain words only.
fn plain(word: &str) -> &str {
    assert!(
        !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "catalog value `{word}` is not a plain PowerShell word"
    );
    word
}

fn registry_data(value: &toml::Value) -> String {
    match value {
        toml::Value::Integer(n) => n.to_string(),
        toml::Value::Boolean(b) => u8::from(*b).to_string(),
        toml::Value::String(text) => powershell_literal(text),
        other => powershell_literal(&other.to_string()),
    }
}

/// The commands that apply one decision, or why it has none.
fn commands(decision: &Decision, rule: &Rule) -> Result<Vec<String>, String> {
    let rule_id = powershell_literal(&decision.rule);
    match &rule.render {
        RenderSpec::Registry { values } => Ok(values
            .iter()
            .map(|v| {
                format!(
                    "Set-TemperRegistryValue -Path {} -Name {} -Type {} -Value {} -Rule {rule_id}",
                    powershell_literal(&v.path),
                    powershell_literal(&v.name),
                    powershell_literal(plain(&v.kind)),
                    registry_data(&v.data)
                )
            })
            .collect()),
        RenderSpec::WindowsFeature { server_feature, client_feature } => Ok(vec![format!(
            "Disable-TemperFeature -ServerFeature {} -ClientFeature {} -Rule {rule_id}",
            powershell_literal(plain(server_feature)),
            powershell_literal(plain(client_feature))
        )]),
        RenderSpec::SmbServerConfiguration { parameter, levels } => {
            let version = decision.value.as_str().unwrap_or_default();
            let level = levels.get(version).ok_or_else(|| format!("no {parameter} value for {version}"))?;
            Ok(vec![format!(
                "Set-TemperSmbServerSetting -Parameter {} -Value {} -Rule {rule_id}",
                powershell_literal(plain(parameter)),
                powershell_literal(level)
            )])
        }
        RenderSpec::SmbShareRemoval => {
            let share = decision.value.as_str().ok_or("the decision names no share")?;
            Ok(vec![format!("Remove-TemperSmbShare -Name {} -Rule {rule_id}", powershell_literal(share))])
        }
        RenderSpec::ServiceDisable { service } => {
            let name = service.as_deref().or(decision.value.as_str()).ok_or("the decision names no service")?;
            Ok(vec![format!("Disable-TemperService -Name {} -Rule {rule_id}", powershell_literal(name))])
        }
        RenderSpec::FirewallInbound => {
            let mut members = Vec::new();
            for member in decision.value.as_array().into_iter().flatten().filter_map(|v| v.as_str()) {
                let valid = member.split_once('/').is_some_and(|(transport, port)| {
                    matches!(transport, "tcp" | "udp") && port.parse::<u16>().is_ok_and(|p| p > 0)
                });
                if !valid {
                    return Err(format!("firewall member {member:?} is not tcp/PORT or udp/PORT"));
                }
                members.push(powershell_literal(member));
            }
            Ok(vec![format!("Set-TemperFirewallInbound -Allow @({}) -Rule {rule_id}", members.join(", "))])
        }
        RenderSpec::LocalAccountDisable => {
            let name = decision.value.as_str().ok_or("the decision names no account")?;
            Ok(vec![format!("Disable-TemperLocalUser -Name {} -Rule {rule_id}", powershell_literal(name))])
        }
        RenderSpec::Manual { step, .. } => Ok(vec![format!(
            "Write-Warning ({} + {})",
            powershell_literal(&format!("by hand ({}): ", decision.rule)),
            powershell_literal(&crate::render::linux::manual_step(step, decision))
        )]),
        other => Err(format!("{other:?} is not a Windows rendering")),
    }
}

/// The apply script for one host. The renderer writes it with a UTF-8
/// byte-order mark: Windows PowerShell 5.1 reads BOM-less files as ANSI.
pub fn apply_script(policy: &Policy, host: &str, rules: &[Rule]) -> Result<String, String> {
    let mut out = String::new();
    writeln!(out, "#Requires -RunAsAdministrator").unwrap();
    writeln!(out, "<#").unwrap();
    writeln!(out, ".SYNOPSIS").unwrap();
    writeln!(out, "    Temper hardening policy for host {}.", comment_text(host)).unwrap();
    writeln!(out, ".DESCRIPTION").unwrap();
    writeln!(
        out,
        "    Generated by {} on {} from profile {}.",
        comment_text(&policy.generator),
        policy.generated_at.to_rfc3339(),
        &policy.profile.sha256[..16.min(policy.profile.sha256.len())]
    )
    .unwrap();
    writeln!(out, "    Applies only the decisions marked 'enforce' for this host; exceptions,").unwrap();
    writeln!(out, "    review items, insufficient ones and recommendations for other places").unwrap();
    writeln!(out, "    are listed in the report and left untouched.").unwrap();
    writeln!(out, "    Run with -WhatIf first. A rollback script is written next to this one.").unwrap();
    writeln!(out, "#>").unwrap();
    out.push_str(PRELUDE);
    writeln!(out).unwrap();

    let mut applied = 0;
    for decision in policy.decisions_for(host) {
        let rule = rules
            .iter()
            .find(|r| r.id == decision.rule)
            .ok_or_else(|| format!("rule {} is not in this catalog", decision.rule))?;
        let subject = decision.subject.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
        let headline = comment_text(&format!("{}{subject}: {}", decision.rule, decision.state.as_str()));
        if decision.is_enforced_here() {
            writeln!(out, "# {headline}").unwrap();
            for command in commands(decision, rule)? {
                writeln!(out, "{command}").unwrap();
            }
            applied += 1;
        } else {
            let why = match decision.state {
                State::Enforce => "a recommendation for the domain controllers",
                State::Exception => "held back: in use",
                State::Review => "held back: needs review",
                State::Insufficient => "held back: not watched long enough",
            };
            writeln!(out, "# {headline} - {why}").unwrap();
        }
    }
    if applied == 0 {
        writeln!(out, "Write-Host 'Nothing to enforce on this host.'").unwrap();
    }
    out.push_str(EPILOGUE);
    Ok(out)
}
