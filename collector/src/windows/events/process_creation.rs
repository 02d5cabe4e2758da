//! Process creation: Security 4688, Sysmon 1 and, live, the
//! Kernel-Process ETW provider's ProcessStart (1).
//!
//! Interpreters and shells become `script` observations (the hardening
//! questions are about them: PowerShell 2.0, encoded commands, mshta);
//! every other program is an `exec`, aggregated by image.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use super::super::fields::{basename, process};
use crate::observation::{Event, ExecRun, Observation, ProcessRef, ScriptRun};

/// Images that are interpreters or script hosts, without `.exe`.
pub const INTERPRETERS: &[&str] = &["powershell", "pwsh", "powershell_ise", "cmd", "wscript", "cscript", "mshta"];

/// The fields one source names differently from another.
struct Names {
    image: &'static str,
    command_line: &'static str,
    pid: &'static str,
    parent_image: Option<&'static str>,
    parent_pid: &'static str,
}

const SECURITY_4688: Names = Names {
    image: "NewProcessName",
    command_line: "CommandLine",
    pid: "NewProcessId",
    parent_image: Some("ParentProcessName"),
    parent_pid: "ProcessId",
};
const SYSMON_1: Names = Names {
    image: "Image",
    command_line: "CommandLine",
    pid: "ProcessId",
    parent_image: Some("ParentImage"),
    parent_pid: "ParentProcessId",
};
const KERNEL_PROCESS_START: Names = Names {
    image: "ImageName",
    command_line: "CommandLine",
    pid: "ProcessID",
    parent_image: None,
    parent_pid: "ParentProcessID",
};

pub fn decode_security(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    // Version 2 names the new process's account; earlier versions only its creator.
    let user = record
        .value("TargetUserName")
        .map(|u| (u.to_string(), record.value("TargetDomainName")))
        .or_else(|| record.value("SubjectUserName").map(|u| (u.to_string(), record.value("SubjectDomainName"))))
        .map(|(user, domain)| match domain {
            Some(domain) => format!(r"{domain}\{user}"),
            None => user,
        });
    decode_with(record, ctx, &SECURITY_4688, user, out)
}

pub fn decode_sysmon(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let user = record.value("User").map(|u| u.to_string());
    decode_with(record, ctx, &SYSMON_1, user, out)
}

pub fn decode_kernel_process(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    decode_with(record, ctx, &KERNEL_PROCESS_START, None, out)
}

fn decode_with(record: &EventRecord, ctx: &Context, names: &Names, user: Option<String>, out: &mut Vec<Observation>) {
    let Some(image) = record.value(names.image) else { return };
    let command_line = record.value(names.command_line).map(|c| c.to_string());
    let parent = names
        .parent_image
        .and_then(|field| record.value(field))
        .map(|parent| process(&parent, record.int(names.parent_pid)));
    let program = basename(&image).to_ascii_lowercase();
    let bare = program.strip_suffix(".exe").unwrap_or(&program);
    let mut obs = if INTERPRETERS.contains(&bare) {
        let flags = command_line.as_deref().map(powershell_flags).unwrap_or_default();
        let is_powershell = matches!(bare, "powershell" | "powershell_ise" | "pwsh");
        let mut obs = ctx.observation(
            record,
            Event::Script(ScriptRun {
                interpreter: bare.to_string(),
                // Asking for `-Version 2` is a use of the 2.0 engine, whatever happens next.
                engine_version: (is_powershell && flags.version_2).then(|| "2.0".to_string()),
                host_application: None,
                command: command_line.clone(),
                parent,
            }),
        );
        if is_powershell && flags.version_2 {
            obs = obs.with_detail("version_requested", "2");
        }
        if is_powershell && flags.encoded_command {
            obs = obs.with_detail("encoded_command", true);
        }
        obs
    } else {
        ctx.observation(
            record,
            Event::Exec(ExecRun { image: image.to_string(), argv: command_line.into_iter().collect(), parent }),
        )
    };
    if let Some(pid) = record.int(names.pid).and_then(|p| u32::try_from(p).ok()) {
        obs = obs.with_process(ProcessRef { pid: Some(pid), name: basename(&image).to_string() });
    }
    if let Some(user) = user {
        obs = obs.with_user(user);
    }
    out.push(obs.with_detail("image", image.to_string()).with_detail("event", ctx.event_name(record)));
}

/// What a PowerShell command line asks for.
#[derive(Debug, Default, PartialEq)]
pub struct PowerShellFlags {
    pub version_2: bool,
    pub encoded_command: bool,
}

/// Reads `-Version 2` and `-EncodedCommand` the way powershell.exe does:
/// parameters are case-insensitive, start with `-` or `/`, and may be
/// abbreviated to any unambiguous prefix (`-v 2`, `-enc`, `-ec`, `-e`).
pub fn powershell_flags(command_line: &str) -> PowerShellFlags {
    let mut flags = PowerShellFlags::default();
    let tokens: Vec<&str> = command_line.split_whitespace().collect();
    // Arguments after -Command / -File belong to the script, not to powershell.exe.
    for (i, token) in tokens.iter().enumerate().skip(1) {
        let Some(name) = token.strip_prefix('-').or_else(|| token.strip_prefix('/')) else { continue };
        let name = name.to_ascii_lowercase();
        let name = name.split(':').next().unwrap_or(&name).to_string();
        if is_prefix_of(&name, "command", 1) || is_prefix_of(&name, "file", 1) {
            break;
        }
        if is_prefix_of(&name, "version", 1) {
            let value = token.split_once(':').map(|(_, v)| v).or_else(|| tokens.get(i + 1).copied()).unwrap_or("");
            let value = value.trim_matches(['"', '\'']);
            if value == "2" || value.starts_with("2.") {
                flags.version_2 = true;
            }
        } else if name == "e" || name == "ec" || is_prefix_of(&name, "encodedcommand", 2) {
            flags.encoded_command = true;
        }
    }
    flags
}

fn is_prefix_of(name: &str, parameter: &str, min: usize) -> bool {
    name.len() >= min && parameter.starts_with(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn powershell_command_lines() {
        let f = powershell_flags("powershell.exe -Version 2 -NoProfile -File C:\\Tasks\\x.ps1");
        assert!(f.version_2 && !f.encoded_command);
        assert!(powershell_flags("PowerShell -v 2.0 -c Get-Date").version_2);
        assert!(powershell_flags("powershell /VERSION:2 -c x").version_2);
        assert!(!powershell_flags("powershell -Version 5.1").version_2);
        assert!(powershell_flags("powershell -nop -w hidden -enc SQBFAFgA").encoded_command);
        assert!(powershell_flags("powershell -e SQBFAFgA").encoded_command);
        assert!(powershell_flags("powershell -EncodedCommand SQBFAFgA").encoded_command);
        // -ex is -ExecutionPolicy, and flags after -Command are the script's.
        assert!(!powershell_flags("powershell -ex bypass -c echo -enc").encoded_command);
        assert!(!powershell_flags("powershell -File x.ps1 -Version 2").version_2);
    }
}
