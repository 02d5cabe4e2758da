//! Follows log messages live (Linux only): sshd and sudo logons, and
//! Samba `full_audit` share use. From the journal (`journalctl -f -o json`,
//! which survives rotation and restarts of journald) when systemd's journal
//! runs, else by tailing a log file (`/var/log/auth.log`, `/var/log/secure`,
//! or one given), reopening it when it is rotated.

use super::auth_log::{parse_auth_message, split_syslog, Program};
use super::samba_audit::{self, parse_audit_line};
use crate::observation::Observation;
use crate::sink::Sink;
use crate::source::{Running, Source, StartError};
use chrono::{DateTime, Utc};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// Where messages are read from.
#[derive(Debug, Clone, PartialEq)]
pub enum LogSource {
    Journal,
    File(PathBuf),
}

/// What is read from the messages.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LogKind {
    /// sshd and sudo logons.
    Logons,
    /// Samba `full_audit` lines with Temper's prefix.
    SambaAudit,
}

impl LogKind {
    fn identifiers(self) -> &'static [&'static str] {
        match self {
            LogKind::Logons => &["sshd", "sshd-session", "sudo"],
            LogKind::SambaAudit => &["smbd_audit"],
        }
    }

    fn parse(self, identifier: Option<&str>, line: &str, host: &str, time: DateTime<Utc>) -> Option<Observation> {
        match self {
            LogKind::SambaAudit => parse_audit_line(line, host, time),
            LogKind::Logons => {
                let (program, message) = match identifier {
                    Some("sudo") => (Program::Sudo, line),
                    Some(_) => (Program::Sshd, line),
                    None => split_syslog(line),
                };
                parse_auth_message(program, message, host, time)
            }
        }
    }
}

impl LogSource {
    /// The journal, when systemd's journal runs here and can be read.
    pub fn journal() -> Option<LogSource> {
        (Path::new("/run/systemd/journal/socket").exists() && which("journalctl")).then_some(LogSource::Journal)
    }

    /// The journal when it runs here, else the first auth log that exists.
    pub fn detect() -> Option<LogSource> {
        if let Some(journal) = LogSource::journal() {
            return Some(journal);
        }
        ["/var/log/auth.log", "/var/log/secure"].iter().map(PathBuf::from).find(|p| p.exists()).map(LogSource::File)
    }

    /// Reads until `stop` is set; only messages written from now on count.
    pub fn follow(&self, kind: LogKind, host: &str, stop: &AtomicBool, sink: &dyn Sink) -> std::io::Result<()> {
        match self {
            LogSource::Journal => follow_journal(kind, host, stop, sink),
            LogSource::File(path) => follow_file(path, kind, host, stop, sink),
        }
    }
}

/// A log followed as a live source: sshd and sudo logons, or Samba's audit lines.
pub struct LogFollower {
    pub log: LogSource,
    pub kind: LogKind,
    pub host: String,
    /// Samba's lines attest shares only while smb.conf asks for Temper's prefix.
    pub samba_configured: bool,
}

impl LogFollower {
    /// The Samba audit source of this host: `None` without Samba (no
    /// `testparm`). Lines come from `log_file`, else the journal.
    pub fn samba(host: &str, log_file: Option<PathBuf>) -> Option<LogFollower> {
        let testparm = Command::new("testparm").args(["-s", "--suppress-prompt"]).output().ok()?;
        let samba_configured = samba_audit::configured(&String::from_utf8_lossy(&testparm.stdout));
        let log = log_file.map(LogSource::File).or_else(LogSource::journal)?;
        Some(LogFollower { log, kind: LogKind::SambaAudit, host: host.to_string(), samba_configured })
    }
}

impl Source for LogFollower {
    fn name(&self) -> &str {
        match self.kind {
            LogKind::Logons => "logons",
            LogKind::SambaAudit => "samba-audit",
        }
    }

    fn source(&self) -> &'static str {
        "journal"
    }

    fn attests(&self) -> Vec<String> {
        match self.kind {
            LogKind::Logons => vec!["logon".into()],
            LogKind::SambaAudit if self.samba_configured => vec!["share".into()],
            LogKind::SambaAudit => Vec::new(),
        }
    }

    fn start(self: Box<Self>, sink: Arc<dyn Sink>) -> Result<Running, StartError> {
        let name = self.name().to_string();
        Running::spawn(&name.clone(), move |stop| {
            if let Err(e) = self.log.follow(self.kind, &self.host, stop.flag(), &*sink) {
                tracing::error!("the {name} source stopped: {e}");
            }
        })
    }
}

fn which(program: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {program}")).output().is_ok_and(|o| o.status.success())
}

struct KillOnDrop(Child);
impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn follow_journal(kind: LogKind, host: &str, stop: &AtomicBool, sink: &dyn Sink) -> std::io::Result<()> {
    let mut child = KillOnDrop(
        Command::new("journalctl")
            .args(["-f", "-n", "0", "-o", "json", "--no-pager"])
            .args(kind.identifiers().iter().map(|id| format!("SYSLOG_IDENTIFIER={id}")))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let stdout = child.0.stdout.take().ok_or_else(|| std::io::Error::other("journalctl has no stdout"))?;
    // The reader blocks on journalctl; a thread watching `stop` kills it.
    let pid = child.0.id();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
            }
            // SAFETY: signals our own child, which we have not reaped yet.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
        });
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
                sink.lost(1);
                continue;
            };
            // MESSAGE is text, or an array of bytes when it is not UTF-8.
            let message = match &entry["MESSAGE"] {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Array(bytes) => String::from_utf8_lossy(
                    &bytes.iter().filter_map(|b| b.as_u64().map(|b| b as u8)).collect::<Vec<_>>(),
                )
                .into_owned(),
                _ => continue,
            };
            let time = entry["__REALTIME_TIMESTAMP"]
                .as_str()
                .and_then(|t| t.parse::<i64>().ok())
                .and_then(DateTime::from_timestamp_micros)
                .unwrap_or_else(Utc::now);
            if let Some(obs) = kind.parse(entry["SYSLOG_IDENTIFIER"].as_str(), &message, host, time) {
                sink.send(obs);
            }
        }
    });
    Ok(())
}

fn follow_file(path: &Path, kind: LogKind, host: &str, stop: &AtomicBool, sink: &dyn Sink) -> std::io::Result<()> {
    let open = |from_end: bool| -> std::io::Result<(std::fs::File, u64)> {
        let mut file = std::fs::File::open(path)?;
        let inode = file.metadata()?.ino();
        if from_end {
            file.seek(SeekFrom::End(0))?;
        }
        Ok((file, inode))
    };
    let (mut file, mut inode) = open(true)?;
    let mut pending = String::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer)?;
        if n > 0 {
            pending.push_str(&String::from_utf8_lossy(&buffer[..n]));
            while let Some(end) = pending.find('\n') {
                let line: String = pending.drain(..=end).collect();
                if let Some(obs) = kind.parse(None, line.trim_end(), host, Utc::now()) {
                    sink.send(obs);
                }
            }
            continue;
        }
        if stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
        // Rotated (a new file under the name) or truncated: start at its beginning.
        let rotated = std::fs::metadata(path).is_ok_and(|m| m.ino() != inode);
        let truncated = file.metadata().is_ok_and(|m| m.len() < file.stream_position().unwrap_or(0));
        if rotated || truncated {
            if let Ok(reopened) = open(false) {
                (file, inode) = reopened;
                pending.clear();
            }
        }
    }
}
