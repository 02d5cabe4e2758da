//! Share use from Samba's `full_audit` VFS module. Temper asks for a prefix
//! of its own (`temper|%u|%I|%S`), so a line reads
//! `temper|USER|CLIENT|SERVICE|OPERATION|ok|ARGS...` wherever it lands
//! (syslog as `smbd_audit`, or Samba's own log with `full_audit:syslog = no`).
//! Samba opens files through `/proc/self/fd`, so file-open syscalls cannot
//! name shares; these lines can.

use crate::observation::{Access, Endpoint, Event, Observation, Role, ShareProtocol, ShareUse};
use crate::windows::events::share_access::access_of;
use chrono::{DateTime, Utc};

/// What to add to smb.conf `[global]` for these lines (printed by `temper observe`).
pub const SMB_CONF_LINES: &str = "vfs objects = full_audit\n\
full_audit:prefix = temper|%u|%I|%S\n\
full_audit:success = connect create_file pwrite unlinkat renameat mkdirat\n\
full_audit:failure = none\n\
full_audit:facility = LOCAL5\n\
full_audit:priority = NOTICE";

/// The prefix Temper's configuration writes; lines without it are someone else's.
pub const PREFIX: &str = "temper|";

/// The share use a line records, if it records one.
pub fn parse_audit_line(line: &str, host: &str, time: DateTime<Utc>) -> Option<Observation> {
    let start = line.find(PREFIX)? + PREFIX.len();
    let fields: Vec<&str> = line[start..].trim_end().split('|').collect();
    let [user, client, service, operation, result, args @ ..] = fields.as_slice() else { return None };
    if *result != "ok" {
        return None;
    }
    let (share, access, path) = match *operation {
        // `connect|ok|IPC$`: the share as the client named it (%S escapes `$`).
        "connect" => (args.first().copied().unwrap_or(service), Access::List, None),
        // `create_file|ok|0x12019f|file|overwrite_if|/srv/docs/a.txt`: the access the client asked for.
        "create_file" => {
            let mask = i64::from_str_radix(args.first()?.trim_start_matches("0x"), 16).ok()?;
            (*service, access_of(mask), args.get(3).copied())
        }
        "pwrite" | "renameat" | "mkdirat" => (*service, Access::Write, args.last().copied()),
        "unlinkat" => (*service, Access::Delete, args.last().copied()),
        _ => return None,
    };
    if share.is_empty() {
        return None;
    }
    let mut obs = Observation::new(
        time,
        host,
        "journal",
        Event::Share(ShareUse {
            share: share.to_string(),
            path: path.map(str::to_string),
            access,
            protocol: ShareProtocol::Smb,
        }),
    )
    .with_role(Role::Server)
    .with_detail("operation", *operation);
    if !user.is_empty() {
        obs = obs.with_user(*user);
    }
    if let Ok(ip) = client.parse() {
        obs = obs.with_peer(Endpoint::ip(ip));
    }
    obs.normalize();
    obs.validate().ok()?;
    Some(obs)
}

/// Whether `testparm -s` output asks for Temper's audit lines: only then
/// is share use attested.
pub fn configured(testparm: &str) -> bool {
    testparm.lines().any(|l| {
        let l = l.trim();
        l.starts_with("full_audit:prefix") && l.contains(PREFIX)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Option<Observation> {
        parse_audit_line(line, "fs02", "2026-11-02T10:00:00Z".parse().unwrap())
    }

    fn share(obs: &Observation) -> &ShareUse {
        match &obs.event {
            Event::Share(s) => s,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn lines_samba_4_17_writes() {
        let connect = parse("temper|root|127.0.0.1|IPC_|connect|ok|IPC$").unwrap();
        assert_eq!((share(&connect).share.as_str(), share(&connect).access), ("IPC$", Access::List));
        let write = parse("Nov 25 00:30:00 fs02 smbd_audit: temper|alice|10.0.0.5|docs|create_file|ok|0x12019f|file|overwrite_if|/srv/docs/up.txt").unwrap();
        assert_eq!((share(&write).share.as_str(), share(&write).access), ("docs", Access::Write));
        assert_eq!(write.user.as_deref(), Some("alice"));
        assert_eq!(write.peer.as_ref().unwrap().ip, Some("10.0.0.5".parse().unwrap()));
        let read = parse("temper|alice|10.0.0.5|docs|create_file|ok|0x120089|file|open|/srv/docs/up.txt").unwrap();
        assert_eq!(share(&read).access, Access::Read);
        let delete = parse("temper|alice|10.0.0.5|docs|create_file|ok|0x10000|file|open|/srv/docs/up.txt").unwrap();
        assert_eq!(share(&delete).access, Access::Delete);
        assert_eq!(share(&parse("temper|a|10.0.0.5|docs|mkdirat|ok|/srv/docs/d").unwrap()).access, Access::Write);
        assert!(parse("temper|a|10.0.0.5|docs|openat|ok|r|/srv/docs").is_none(), "create_file says it better");
        assert!(parse("temper|a|10.0.0.5|docs|create_file|fail (NT_STATUS_ACCESS_DENIED)|0x2|file|open|/x").is_none());
        assert!(parse("someone|else|docs|connect|ok|docs").is_none());
    }
}
