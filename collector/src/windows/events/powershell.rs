//! PowerShell: the classic "Windows PowerShell" log (400 engine started,
//! 403 engine stopped, 800 pipeline executed) and the Operational logs of
//! Windows PowerShell 5 and PowerShell 7 (4103 module logging, 4104 script
//! blocks).
//!
//! Only the classic log hears the 2.0 engine: it writes its `key=value`
//! blob there (with bare `\n` line endings and no `HostApplication`),
//! while 4103/4104 exist only from 5.0 on. Any 2.x `EngineVersion` is a
//! PowerShell 2.0 use. 600 (provider started) repeats what 400 says, six
//! times per engine start, so it attests coverage but adds no observation.

use super::super::context::Context;
use super::super::event_record::EventRecord;
use crate::observation::{Event, Observation, ScriptRun};

/// `5.1.19041.1` → `5.1`: facts are kept per engine release, not per patch.
pub fn engine_release(version: &str) -> Option<String> {
    let mut parts = version.trim().split('.');
    let major = parts.next().filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))?;
    match parts.next().filter(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit())) {
        Some(minor) => Some(format!("{major}.{minor}")),
        None => Some(format!("{major}.0")),
    }
}

/// `key=value` lines of a classic event's blob (tab-indented, `\r\n` or `\n`).
fn blob_value<'a>(blob: &'a str, key: &str) -> Option<&'a str> {
    blob.lines().find_map(|line| {
        let (k, v) = line.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim()).filter(|v| !v.is_empty())
    })
}

/// Windows PowerShell 400, 403 and 800.
pub fn decode_classic(record: &EventRecord, ctx: &Context, out: &mut Vec<Observation>) {
    let Some(blob) = record.data.iter().find(|item| {
        item.lines()
            .any(|l| l.trim_start().starts_with("HostApplication=") || l.trim_start().starts_with("EngineVersion="))
    }) else {
        return;
    };
    let engine = blob_value(blob, "EngineVersion");
    let host_application = blob_value(blob, "HostApplication").map(str::to_string);
    // 800's first item is the pipeline it ran; 400/403 carry engine states there.
    let command =
        (record.event_id == 800).then(|| record.data.first()).flatten().filter(|first| *first != blob).cloned();
    let mut obs = ctx
        .observation(
            record,
            Event::Script(ScriptRun {
                interpreter: "powershell".into(),
                engine_version: engine.and_then(engine_release),
                host_application,
                command,
                parent: None,
            }),
        )
        .with_detail("event", ctx.event_name(record));
    if let Some(engine) = engine {
        obs = obs.with_detail("engine_version_full", engine.to_string());
    }
    if let Some(host) = blob_value(blob, "HostName") {
        obs = obs.with_detail("host_name", host.to_string());
    }
    if let Some(user) = blob_value(blob, "UserId") {
        obs = obs.with_user(user.to_string());
    }
    out.push(obs);
}

/// `ContextInfo` of 4103: `        Host Application = powershell.exe -c x` lines.
fn context_value<'a>(context: &'a str, key: &str) -> Option<&'a str> {
    context.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim()).filter(|v| !v.is_empty())
    })
}

/// 4103 (module logging) and 4104 (script block), from Windows PowerShell
/// (`interpreter` powershell) or PowerShell 7 (pwsh).
pub fn decode_operational(record: &EventRecord, ctx: &Context, interpreter: &str, out: &mut Vec<Observation>) {
    let mut obs = if record.event_id == 4103 {
        let context = record.value("ContextInfo").map(|c| c.to_string()).unwrap_or_default();
        let engine = context_value(&context, "Engine Version");
        let mut obs = ctx.observation(
            record,
            Event::Script(ScriptRun {
                interpreter: interpreter.into(),
                engine_version: engine.and_then(engine_release),
                host_application: context_value(&context, "Host Application").map(str::to_string),
                command: context_value(&context, "Command Name").map(str::to_string),
                parent: None,
            }),
        );
        if let Some(user) = context_value(&context, "User") {
            obs = obs.with_user(user.to_string());
        }
        if let Some(engine) = engine {
            obs = obs.with_detail("engine_version_full", engine.to_string());
        }
        obs
    } else {
        let mut obs = ctx.observation(
            record,
            Event::Script(ScriptRun {
                interpreter: interpreter.into(),
                engine_version: None,
                host_application: None,
                command: record.value("ScriptBlockText").map(|t| t.to_string()),
                parent: None,
            }),
        );
        if let Some(id) = record.value("ScriptBlockId") {
            obs = obs.with_detail("script_block_id", id.to_string());
        }
        if let (Some(n), Some(total)) = (record.int("MessageNumber"), record.int("MessageTotal")) {
            obs = obs.with_detail("part", format!("{n}/{total}"));
        }
        if let Some(path) = record.value("Path") {
            obs = obs.with_detail("path", path.to_string());
        }
        if let Some(sid) = &record.user_sid {
            obs = obs.with_user(sid.clone());
        }
        obs
    };
    obs = obs.with_detail("event", ctx.event_name(record));
    out.push(obs);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_releases() {
        assert_eq!(engine_release("5.1.19041.1").as_deref(), Some("5.1"));
        assert_eq!(engine_release("2.0").as_deref(), Some("2.0"));
        assert_eq!(engine_release("7").as_deref(), Some("7.0"));
        assert_eq!(engine_release("x.1"), None);
    }

    #[test]
    fn classic_blob_with_bare_newlines() {
        let blob = "\tNewEngineState=Available\n\tPreviousEngineState=None\n\n\tSequenceNumber=13\n\n\tHostName=ConsoleHost\n\tHostVersion=2.0\n\tEngineVersion=2.0\n";
        assert_eq!(blob_value(blob, "EngineVersion"), Some("2.0"));
        assert_eq!(blob_value(blob, "HostApplication"), None);
    }
}
