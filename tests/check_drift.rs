//! `temper check` against the real tools: `sshd -T` on a staged sshd
//! config, and nftables, sysctl and modprobe inside a private network
//! namespace (so the ruleset and kernel parameters a test loads never touch
//! the machine).
#![cfg(target_os = "linux")]

mod common;

use common::*;
use serde_json::Value;
use std::process::Command;

fn findings(stdout: &str) -> Vec<Value> {
    let v: Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    v["findings"].as_array().unwrap().clone()
}

fn status_of<'a>(findings: &'a [Value], what: &str) -> &'a str {
    findings
        .iter()
        .find(|f| f["what"] == what)
        .and_then(|f| f["status"].as_str())
        .unwrap_or_else(|| panic!("no finding {what}: {findings:#?}"))
}

#[test]
fn check_reads_sshd_nftables_sysctl_and_modprobe_and_exits_10_on_drift() {
    let sshd = sshd_path();
    if !usable(sshd.unwrap_or("sshd"), false) || !usable("nft", true) || !usable("unshare", true) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.jsonl"), linux_web_observations()).unwrap();
    ok(dir.path(), &["import", "jsonl", "a.jsonl"]);
    ok(dir.path(), &["policy", "generate", "--min-days", "0", "-o", "p.json"]);
    ok(dir.path(), &["render", "p.json", "--out", "art"]);
    let files = dir.path().join("art/web/files");

    // sshd: the staged drop-in is in effect, then a config without it drifts.
    let key = dir.path().join("hostkey");
    assert!(Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&key)
        .status()
        .unwrap()
        .success());
    let drop_in = std::fs::read_to_string(files.join("etc/ssh/sshd_config.d/00-temper.conf")).unwrap();
    std::fs::write(dir.path().join("with"), format!("{drop_in}\nHostKey {}\n", key.display())).unwrap();
    std::fs::write(dir.path().join("without"), format!("PermitRootLogin yes\nHostKey {}\n", key.display())).unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let with = temper(dir.path(), &["check", "p.json", "--sshd-config", "with", "--json"]);
    let f = findings(&with.stdout);
    assert_eq!(status_of(&f, "sshd PermitRootLogin"), "ok", "{f:#?}");
    assert_eq!(status_of(&f, "sshd AllowUsers"), "ok");
    let without = temper(dir.path(), &["check", "p.json", "--sshd-config", "without"]);
    assert_eq!(without.code, 10, "{}", without.stdout);
    assert!(
        without.stdout.contains("drift: linux-sshd-permit-root-login: sshd PermitRootLogin: expected no, found yes"),
        "{}",
        without.stdout
    );

    // nftables and sysctl in a private network namespace: loaded there, they are in line.
    let script = format!(
        "nft -f {nft} && sysctl -q -p {sysctl} && \"$0\" check p.json --sshd-config with --json",
        nft = files.join("etc/temper/nftables.nft").display(),
        sysctl = files.join("etc/sysctl.d/60-temper.conf").display(),
    );
    let out = Command::new("unshare")
        .args(["--net", "sh", "-c", &script, env!("CARGO_BIN_EXE_temper")])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let f = findings(&stdout);
    assert_eq!(status_of(&f, "nftables"), "ok", "{f:#?}");
    assert_eq!(status_of(&f, "sysctl net.ipv4.conf.all.accept_redirects"), "ok");
    assert_eq!(status_of(&f, "sysctl net.ipv4.ip_forward"), "ok");
    assert_eq!(status_of(&f, "sysctl net.ipv4.tcp_syncookies"), "ok");
    // The modprobe blacklist is not installed on this machine: that is drift.
    assert_eq!(status_of(&f, "modprobe cramfs"), "drift");
    assert_eq!(out.status.code(), Some(10));
    // Without the ruleset, in a fresh namespace, there is no table inet temper.
    let out = Command::new("unshare")
        .args(["--net", env!("CARGO_BIN_EXE_temper"), "check", "p.json", "--sshd-config", "with", "--json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let f = findings(&String::from_utf8_lossy(&out.stdout));
    let nft = f.iter().find(|x| x["what"] == "nftables").unwrap();
    assert_eq!((nft["status"].as_str(), nft["actual"].as_str()), (Some("drift"), Some("no table inet temper")));
}
