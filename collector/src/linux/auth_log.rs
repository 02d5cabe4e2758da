//! Logons from sshd and sudo messages, as syslog (`/var/log/auth.log`),
//! the journal (`MESSAGE` of `SYSLOG_IDENTIFIER` sshd/sudo) or `sshd -E`
//! write them. Only the message matters here; time and host come from
//! where the line was read.

use crate::observation::{Endpoint, Event, LogonEvent, Observation, Role};
use crate::redact::redact_command;
use chrono::{DateTime, Utc};
use std::net::IpAddr;

/// Which program wrote a message, when the reader knows (the journal says;
/// a syslog line says `sshd[123]:` or `sudo:` before it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Program {
    Sshd,
    Sudo,
    Unknown,
}

/// Splits a syslog line `Nov 24 10:00:00 host sshd[123]: message` (or an
/// ISO-8601 one) into the program and the message; other text is all message.
pub fn split_syslog(line: &str) -> (Program, &str) {
    for (marker, program) in
        [("sshd[", Program::Sshd), ("sshd-session[", Program::Sshd), ("sudo:", Program::Sudo), ("sudo[", Program::Sudo)]
    {
        if let Some(at) = line.find(marker) {
            if let Some(colon) = line[at..].find(": ") {
                return (program, &line[at + colon + 2..]);
            }
        }
    }
    (Program::Unknown, line)
}

/// The logon a message records, if it records one.
pub fn parse_auth_message(program: Program, message: &str, host: &str, time: DateTime<Utc>) -> Option<Observation> {
    let message = message.trim();
    if program != Program::Sudo {
        if let Some(obs) = sshd(message, host, time) {
            return Some(obs);
        }
    }
    if program != Program::Sshd {
        return sudo(message, host, time);
    }
    None
}

/// `Accepted publickey for alice from 10.0.0.5 port 51234 ssh2: ...`,
/// `Failed password for invalid user admin from 1.2.3.4 port 22 ssh2`.
fn sshd(message: &str, host: &str, time: DateTime<Utc>) -> Option<Observation> {
    let (success, rest) = if let Some(rest) = message.strip_prefix("Accepted ") {
        (true, rest)
    } else if let Some(rest) = message.strip_prefix("Failed ") {
        (false, rest)
    } else {
        return None;
    };
    let (method, rest) = rest.split_once(" for ")?;
    let (invalid, rest) = match rest.strip_prefix("invalid user ") {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    // The user name may hold spaces; the address follows the last " from ".
    let (user, rest) = rest.rsplit_once(" from ")?;
    let mut words = rest.split_whitespace();
    let ip: IpAddr = words.next()?.parse().ok()?;
    let port = match (words.next(), words.next()) {
        (Some("port"), Some(port)) => port.parse().ok(),
        _ => None,
    };
    // `keyboard-interactive/pam` is keyboard-interactive.
    let method = method.split('/').next().unwrap_or(method);
    let mut obs = Observation::new(
        time,
        host,
        "journal",
        Event::Logon(LogonEvent { method: method.into(), service: "sshd".into(), success }),
    )
    .with_role(Role::Server)
    .with_user(user)
    .with_peer(Endpoint { ip: Some(ip), port, name: None });
    if invalid {
        obs = obs.with_detail("invalid_user", true);
    }
    obs.normalize();
    Some(obs)
}

/// `alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/apt update`,
/// `bob : 3 incorrect password attempts ; TTY=pts/1 ; ... ; COMMAND=/bin/sh`.
fn sudo(message: &str, host: &str, time: DateTime<Utc>) -> Option<Observation> {
    let (user, rest) = message.split_once(" : ")?;
    let user = user.trim();
    if user.is_empty() || user.contains(' ') || !rest.contains("COMMAND=") {
        return None;
    }
    let fields: Vec<&str> = rest.split(" ; ").map(str::trim).collect();
    let value = |key: &str| fields.iter().find_map(|f| f.strip_prefix(key)).map(str::to_string);
    let success = !fields.first().is_some_and(|f| f.contains("incorrect password") || f.contains("NOT in sudoers"));
    let mut obs = Observation::new(
        time,
        host,
        "journal",
        Event::Logon(LogonEvent { method: "password".into(), service: "sudo".into(), success }),
    )
    .with_user(user);
    if let Some(target) = value("USER=") {
        obs = obs.with_detail("target_user", target);
    }
    if let Some(command) = value("COMMAND=") {
        obs = obs.with_detail("command", redact_command(&command));
    }
    obs.normalize();
    Some(obs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Observation> {
        let (program, message) = split_syslog(line);
        parse_auth_message(program, message, "web01", "2026-11-02T10:00:00Z".parse().unwrap())
    }

    fn logon(obs: &Observation) -> &LogonEvent {
        match &obs.event {
            Event::Logon(l) => l,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn sshd_logons_with_their_methods() {
        let key = parse("Nov 24 10:00:00 web01 sshd[812]: Accepted publickey for alice from 10.0.0.5 port 51234 ssh2: ED25519 SHA256:abc").unwrap();
        assert_eq!((logon(&key).method.as_str(), logon(&key).success), ("publickey", true));
        assert_eq!(key.user.as_deref(), Some("alice"));
        assert_eq!(key.peer.as_ref().unwrap().port, Some(51234));
        let kbd = parse("2026-11-24T10:00:00.123456+01:00 web01 sshd-session[9]: Accepted keyboard-interactive/pam for bob from ::1 port 2 ssh2").unwrap();
        assert_eq!(logon(&kbd).method, "keyboard-interactive");
        let failed = parse("sshd[1]: Failed password for invalid user admin from 192.0.2.9 port 40000 ssh2").unwrap();
        assert!(!logon(&failed).success);
        assert_eq!(failed.user.as_deref(), Some("admin"));
        assert_eq!(failed.detail.get("invalid_user"), Some(&serde_json::Value::Bool(true)));
        // `sshd -E` lines carry no syslog prefix.
        assert!(parse("Accepted password for root from 127.0.0.1 port 3 ssh2").is_some());
        assert!(parse("sshd[1]: Connection closed by 10.0.0.5 port 5 [preauth]").is_none());
    }

    #[test]
    fn sudo_use_with_the_command_redacted() {
        let ok = parse("Nov 24 10:00:00 web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/mysql -u root -psecret").unwrap();
        assert_eq!((logon(&ok).service.as_str(), logon(&ok).success), ("sudo", true));
        assert_eq!(ok.user.as_deref(), Some("alice"));
        assert_eq!(ok.detail_str("target_user"), Some("root"));
        assert!(!ok.detail_str("command").unwrap().contains("secret"));
        let bad = parse("sudo: bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/ ; USER=root ; COMMAND=/bin/sh")
            .unwrap();
        assert!(!logon(&bad).success);
        assert!(parse("sudo: pam_unix(sudo:session): session opened for user root").is_none());
    }
}
