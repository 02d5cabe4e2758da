//! Broad share grants, end to end: security descriptors written by a real
//! implementation (Samba's `sharesec`, in both the binary form Windows keeps
//! in the registry and the SDDL text of event 5143) read the same through
//! both parsers, and `win-broad-share-grants` flags only shares that let
//! any account change files, proposing the users seen.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use temper_collector::windows::sddl::dacl_of_sddl;
use temper_collector::windows::security_descriptor::Dacl;
use temper_collector::windows::share_grants::{grants_of, grants_of_descriptor, to_attr, Grant, Rights};
use temper_collector::*;
use temper_policy::{Policy, State};

const RULE: &str = "win-broad-share-grants";

/// The descriptor `sharesec` stores for share `data` given `acl`: the bytes
/// from share_info.tdb (self-relative, as in the registry) and its SDDL.
fn samba_descriptor(dir: &Path, acl: &str) -> (Vec<u8>, String) {
    let state = dir.join("state");
    std::fs::create_dir_all(dir.join("data")).unwrap();
    let conf = dir.join("smb.conf");
    let mut text = String::from("[global]\n");
    for (option, sub) in [
        ("state directory", "state"),
        ("cache directory", "cache"),
        ("lock directory", "lock"),
        ("private dir", "private"),
        ("pid directory", "lock"),
        ("ncalrpc dir", "lock/ncalrpc"),
    ] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
        text += &format!("{option} = {}\n", dir.join(sub).display());
    }
    text += &format!("[data]\npath = {}\n", dir.join("data").display());
    std::fs::write(&conf, text).unwrap();
    let sharesec = |args: &[&str]| {
        let out = Command::new("sharesec").arg("-s").arg(&conf).arg("data").args(args).output().unwrap();
        assert!(out.status.success(), "sharesec {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    sharesec(&["--replace", acl]);
    let sddl = sharesec(&["--viewsddl"]).trim().to_string();
    let dump = Command::new("tdbdump").arg(state.join("share_info.tdb")).output().unwrap();
    assert!(dump.status.success(), "tdbdump: {}", String::from_utf8_lossy(&dump.stderr));
    (tdb_record(&String::from_utf8_lossy(&dump.stdout), "SECDESC/data"), sddl)
}

/// The data of `key` in `tdbdump`'s output: `key(n) = "..."` then
/// `data(n) = "..."`, with bytes outside printable ASCII as `\XX`.
fn tdb_record(dump: &str, key: &str) -> Vec<u8> {
    let mut lines = dump.lines().skip_while(|l| !l.contains(&format!("\"{key}\\00\"")));
    lines.next().unwrap_or_else(|| panic!("no {key} in\n{dump}"));
    let data = lines.next().unwrap();
    let quoted = &data[data.find('"').unwrap() + 1..data.rfind('"').unwrap()];
    let text = quoted.as_bytes();
    let mut bytes = Vec::new();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\\' {
            bytes.push(u8::from_str_radix(std::str::from_utf8(&text[i + 1..i + 3]).unwrap(), 16).unwrap());
            i += 3;
        } else {
            bytes.push(text[i]);
            i += 1;
        }
    }
    let length: usize = data[data.find('(').unwrap() + 1..data.find(')').unwrap()].parse().unwrap();
    assert_eq!(bytes.len(), length, "tdbdump's length");
    bytes
}

#[test]
fn samba_written_descriptors_read_the_same_as_bytes_and_as_sddl() {
    if !live_tool("sharesec", false) || !live_tool("tdbdump", false) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (bytes, sddl) = samba_descriptor(
        dir.path(),
        "S-1-1-0:ALLOWED/0/CHANGE,S-1-5-32-544:ALLOWED/0/FULL,S-1-5-11:ALLOWED/OI|CI|IO/READ,S-1-5-7:DENIED/0/FULL",
    );
    let from_bytes = grants_of_descriptor(&bytes, |_| None).unwrap();
    let from_text = grants_of(&dacl_of_sddl(&sddl).unwrap());
    assert_eq!(from_bytes, from_text, "the binary and SDDL forms of {sddl}");
    let labels: Vec<String> = from_bytes.iter().map(Grant::label).collect();
    assert_eq!(
        labels,
        ["Everyone (change)", "Authenticated Users (read)", r"BUILTIN\Administrators (full)"],
        "the ANONYMOUS LOGON entry denies, and grants nothing"
    );
    // Truncated anywhere, Samba's bytes are refused, never half-read.
    for len in 0..bytes.len() {
        assert!(grants_of_descriptor(&bytes[..len], |_| None).is_err(), "{len} of {} bytes", bytes.len());
    }
}

fn grant(trustee: &str, name: &str, rights: Rights) -> Grant {
    Grant { trustee: trustee.into(), name: Some(name.into()), rights }
}

/// A file server whose share `data` has these grants (absent: unknown),
/// read by alice and bob for 30 days; `written` adds bob's writes.
fn file_server(share_grants: Option<Vec<Grant>>, folder_grants: Option<Vec<Grant>>, written: bool) -> Policy {
    let mut obs = windows_host("fs01", 30, "member_server");
    let mut share = InventoryItem::new(InventoryCategory::Share, "data").with_attr("path", r"D:\data");
    if let Some(grants) = &share_grants {
        share = share.with_attr("share_grants", to_attr(grants));
    }
    if let Some(grants) = &folder_grants {
        share = share.with_attr("folder_grants", to_attr(grants));
    }
    obs.push(inventory("fs01", 0, vec![share]));
    for d in 0..30 {
        obs.push(share_use("fs01", at(d, 9), "data", Access::Read, 8).with_user(r"CORP\alice"));
        let bob = if written { Access::Write } else { Access::Read };
        obs.push(share_use("fs01", at(d, 10), "data", bob, 9).with_user(r"CORP\bob"));
    }
    policy_of(&obs)
}

#[test]
fn a_share_any_account_may_change_is_flagged_with_the_users_seen() {
    let finance = grant("S-1-5-21-1-2-3-1105", r"CORP\Finance", Rights::Change);
    let policy = file_server(
        Some(vec![grant("S-1-1-0", "Everyone", Rights::Change)]),
        Some(vec![
            grant("S-1-5-11", "Authenticated Users", Rights::Full),
            grant("S-1-5-18", "SYSTEM", Rights::Full),
            finance.clone(),
        ]),
        false,
    );
    let flagged = decision(&policy, RULE, Some("share data"));
    assert_eq!(flagged.state, State::Review);
    assert_eq!(flagged.value["users"], serde_json::json!([r"CORP\alice", r"CORP\bob"]));
    assert_eq!(flagged.value["access"], "read");
    assert_eq!(
        flagged.value["remove"],
        serde_json::json!(["Everyone (change) on the share", "Authenticated Users (full) on the folder"])
    );
    for part in [
        "Everyone (change) on the share and Authenticated Users (full) on the folder let any account change its files",
        r"grant only CORP\alice, CORP\bob, read-only (no write or delete was seen)",
        r"Narrower grants already there: CORP\Finance (change) on the folder",
    ] {
        assert!(flagged.reason.contains(part), "`{part}` missing from: {}", flagged.reason);
    }
    assert!(!flagged.reason.contains("SYSTEM"), "system principals are not proposed: {}", flagged.reason);

    // Writes seen: the proposal keeps change rights.
    let written = file_server(Some(vec![grant("S-1-1-0", "Everyone", Rights::Full)]), None, true);
    let flagged = decision(&written, RULE, Some("share data"));
    assert_eq!(flagged.value["access"], "change");
    assert!(
        flagged.reason.contains("(the folder's permissions were not read): remove it and grant only"),
        "{}",
        flagged.reason
    );

    // BUILTIN\Users holds every authenticated account: a folder inheriting
    // its create-files right under a share open to Everyone is broad.
    let users = file_server(
        Some(vec![grant("S-1-1-0", "Everyone", Rights::Full)]),
        Some(vec![grant("S-1-5-32-545", r"BUILTIN\Users", Rights::Change)]),
        false,
    );
    let flagged = decision(&users, RULE, Some("share data"));
    assert_eq!(
        flagged.value["remove"],
        serde_json::json!(["Everyone (full) on the share", r"BUILTIN\Users (change) on the folder"])
    );
}

#[test]
fn narrow_or_read_only_grants_need_nothing_and_unknown_grants_are_still_proposed() {
    let narrow = file_server(
        Some(vec![grant("S-1-1-0", "Everyone", Rights::Read)]),
        Some(vec![grant("S-1-5-21-1-2-3-1105", r"CORP\Finance", Rights::Change)]),
        true,
    );
    assert!(
        !narrow.decisions.iter().any(|d| d.rule == RULE),
        "Everyone read-only and a group's change rights are not broad"
    );
    // SMB grants the lesser of the two levels: Everyone Full on the share
    // over a folder only Finance may change (Microsoft's advice) is narrow.
    let recommended = file_server(
        Some(vec![grant("S-1-1-0", "Everyone", Rights::Full)]),
        Some(vec![grant("S-1-5-21-1-2-3-1105", r"CORP\Finance", Rights::Change)]),
        true,
    );
    assert!(!recommended.decisions.iter().any(|d| d.rule == RULE), "the folder keeps other accounts out");
    // A share with no DACL grants Everyone full control.
    let unrestricted = file_server(Some(grants_of(&Dacl::Unrestricted)), None, false);
    assert_eq!(state(&unrestricted, RULE, Some("share data")), State::Review);

    let unknown = file_server(None, None, false);
    let proposed = decision(&unknown, RULE, Some("share data"));
    assert_eq!(proposed.state, State::Review);
    assert!(proposed.reason.contains("share grants are not in the inventory"), "{}", proposed.reason);
    assert!(proposed.value.get("remove").is_none());
}
