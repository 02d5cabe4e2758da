//! Normalisation and validation applied to every observation where it enters
//! Temper, whatever its source (docs/observation-format.md): bare share names, bare
//! interpreter names, redacted command lines, lower-case method and host names.

use crate::observation::{Event, Observation};
use crate::redact::{redact_argv, redact_command, truncate_command};
use crate::share_name::normalize_share_name;
use serde_json::Value;

impl Observation {
    /// Brings an observation to its stored form. Idempotent.
    pub fn normalize(&mut self) {
        let mut original_share = None;
        match &mut self.event {
            Event::Share(share) => {
                let bare = normalize_share_name(&share.share);
                if bare != share.share {
                    original_share = Some(std::mem::replace(&mut share.share, bare));
                }
            }
            Event::Script(script) => {
                script.interpreter = bare_program_name(&script.interpreter);
                if let Some(command) = &script.command {
                    script.command = Some(truncate_command(&redact_command(command)));
                }
                // The host application is a command line too (PowerShell's HostApplication).
                if let Some(host_application) = &script.host_application {
                    script.host_application = Some(truncate_command(&redact_command(host_application)));
                }
            }
            Event::Exec(exec) => {
                exec.argv = redact_argv(&exec.argv).into_iter().map(|a| truncate_command(&a)).collect();
            }
            Event::Logon(logon) => {
                logon.method = logon.method.trim().to_ascii_lowercase();
                logon.service = logon.service.trim().to_ascii_lowercase();
            }
            Event::Module(module) => module.name = module.name.trim().to_string(),
            // A service's image is its command line (Windows ImagePath): it can carry secrets.
            Event::Service(service) => {
                if let Some(image) = &service.image {
                    service.image = Some(truncate_command(&redact_command(image)));
                }
            }
            Event::Protocol(_) | Event::Connection(_) | Event::Inventory(_) | Event::Coverage(_) => {}
        }
        if let Some(original) = original_share {
            self.detail.entry("share_original").or_insert(Value::String(original));
        }
        self.host = crate::host_name::normalize_host(&self.host);
    }

    /// Checks what serde cannot: non-empty names and sane windows.
    pub fn validate(&self) -> Result<(), String> {
        if self.host.is_empty() {
            return Err("`host` is empty".into());
        }
        if self.source.trim().is_empty() {
            return Err("`source` is empty".into());
        }
        match &self.event {
            Event::Share(share) if share.share.is_empty() => Err("`share` has no share name".into()),
            Event::Script(script) if script.interpreter.is_empty() => Err("`interpreter` is empty".into()),
            Event::Exec(exec) if exec.image.trim().is_empty() => Err("`image` is empty".into()),
            Event::Service(service) if service.service.trim().is_empty() => Err("`service` is empty".into()),
            Event::Logon(logon) if logon.method.is_empty() || logon.service.is_empty() => {
                Err("logon needs `method` and `service`".into())
            }
            Event::Module(module) if module.name.is_empty() => Err("`name` is empty".into()),
            Event::Coverage(coverage) if coverage.from > coverage.to => {
                Err(format!("coverage `from` ({}) is after `to` ({})", coverage.from, coverage.to))
            }
            Event::Coverage(coverage) if coverage.categories.is_empty() => Err("coverage lists no `categories`".into()),
            _ => Ok(()),
        }
    }
}

/// `C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` → `powershell`.
pub fn bare_program_name(program: &str) -> String {
    let trimmed = program.trim().trim_matches('"');
    let base = trimmed.rsplit(['/', '\\']).next().unwrap_or(trimmed);
    let lower = base.to_ascii_lowercase();
    lower.strip_suffix(".exe").unwrap_or(&lower).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::observation::{Access, ScriptRun, ShareProtocol, ShareUse};

    #[test]
    fn host_names_are_one_form_whatever_the_source_wrote() {
        let line = r#"{"v":1,"time":"2026-11-02T10:00:00Z","host":" WEB01.Corp ","source":"jsonl","kind":"module","name":"udf"}"#;
        let mut obs: Observation = serde_json::from_str(line).unwrap();
        obs.normalize();
        assert_eq!(obs.host, "web01.corp");
    }

    #[test]
    fn share_names_are_bare_and_originals_kept() {
        let mut obs = Observation::new(
            "2026-11-02T10:00:00Z".parse().unwrap(),
            "fs01",
            "evtx",
            Event::Share(ShareUse {
                share: r"\\*\IPC$".into(),
                path: None,
                access: Access::Read,
                protocol: ShareProtocol::Smb,
            }),
        );
        obs.normalize();
        let Event::Share(share) = &obs.event else { unreachable!() };
        assert_eq!(share.share, "IPC$");
        assert_eq!(obs.detail_str("share_original"), Some(r"\\*\IPC$"));
        let once = obs.clone();
        obs.normalize();
        assert_eq!(obs, once, "normalize is idempotent");
    }

    #[test]
    fn service_images_are_redacted() {
        let mut obs = Observation::new(
            "2026-11-02T10:00:00Z".parse().unwrap(),
            "fs01",
            "evtx",
            Event::Service(crate::observation::ServiceEvent {
                service: "svc".into(),
                action: crate::observation::ServiceAction::Install,
                image: Some(r"C:\app\app.exe --db-password=S3cret -k".into()),
                account: None,
            }),
        );
        obs.normalize();
        let Event::Service(service) = &obs.event else { unreachable!() };
        assert_eq!(service.image.as_deref(), Some(r"C:\app\app.exe --db-password=[REDACTED] -k"));
    }

    #[test]
    fn interpreters_are_bare_and_commands_redacted() {
        let mut obs = Observation::new(
            "2026-11-02T10:00:00Z".parse().unwrap(),
            "fs01",
            "evtx",
            Event::Script(ScriptRun {
                interpreter: r"C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.EXE".into(),
                engine_version: Some("2.0".into()),
                host_application: None,
                command: Some("Set-Thing -Password hunter2".into()),
                parent: None,
            }),
        );
        obs.normalize();
        let Event::Script(script) = &obs.event else { unreachable!() };
        assert_eq!(script.interpreter, "powershell");
        assert_eq!(script.command.as_deref(), Some("Set-Thing -Password [REDACTED]"));
    }
}
