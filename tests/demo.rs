//! `temper demo` end to end: the decisions its data implies.

mod common;

use common::*;
use serde_json::Value;

fn policy() -> Value {
    let text = std::fs::read_to_string(demo_dir().join("policy.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn decision<'a>(policy: &'a Value, host: &str, rule: &str, subject: Option<&str>) -> &'a Value {
    policy["decisions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["host"] == host && d["rule"] == rule && d["subject"].as_str() == subject)
        .unwrap_or_else(|| panic!("no decision {host} {rule} {subject:?}"))
}

fn peers(decision: &Value) -> Vec<(String, String)> {
    decision["usage"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|u| u["peers"].as_array().cloned().unwrap_or_default())
        .map(|p| (p["value"].as_str().unwrap().to_string(), p["state"].as_str().unwrap_or("").to_string()))
        .collect()
}

#[test]
fn smb1_is_an_exception_naming_the_scanner_and_the_one_day_peer_is_review() {
    let p = policy();
    let smb1 = decision(&p, "fs01", "win-smb1-server", None);
    assert_eq!(smb1["state"], "exception");
    let peers = peers(smb1);
    assert!(peers.contains(&("10.0.8.20".into(), "exception".into())), "{peers:?}");
    assert!(peers.contains(&("10.0.9.77".into(), "review".into())), "{peers:?}");
    assert!(smb1["reason"].as_str().unwrap().contains("10.0.8.20"));
}

#[test]
fn untouched_share_is_removed_and_used_or_new_shares_are_not() {
    let p = policy();
    assert_eq!(decision(&p, "fs01", "win-unused-shares", Some("share Finance-Archive-2019"))["state"], "enforce");
    assert_eq!(decision(&p, "fs01", "win-unused-shares", Some("share scans"))["state"], "exception");
    assert_eq!(decision(&p, "fs01", "win-unused-shares", Some("share Projects-2027"))["state"], "insufficient");
    let script = std::fs::read_to_string(demo_dir().join("artifacts/fs01/apply.ps1")).unwrap();
    assert!(script.contains("Remove-TemperSmbShare -Name 'Finance-Archive-2019'"));
    assert!(!script.contains("Remove-TemperSmbShare -Name 'scans'"));
}

#[test]
fn only_the_share_any_account_may_change_is_flagged() {
    let p = policy();
    let public = decision(&p, "fs01", "win-broad-share-grants", Some("share Public"));
    assert_eq!(public["state"], "review");
    assert_eq!(
        public["value"]["remove"],
        serde_json::json!(["Authenticated Users (change) on the share", "Authenticated Users (change) on the folder"])
    );
    assert_eq!(public["value"]["access"], "change", "workstations write to Public");
    let flagged = |share: &str| {
        p["decisions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["rule"] == "win-broad-share-grants" && d["subject"] == share)
    };
    assert!(!flagged("share scans"), "scans grants only the scanner's account");
}

#[test]
fn schannel_tls10_is_an_exception_naming_the_legacy_client() {
    let p = policy();
    let d = decision(&p, "fs01", "win-schannel-tls10-server", None);
    assert_eq!(d["state"], "exception");
    assert!(peers(d).contains(&("10.0.6.50".into(), "exception".into())));
    assert_eq!(decision(&p, "fs01", "win-schannel-tls11-server", None)["state"], "review");
}

#[test]
fn powershell2_removal_is_an_exception_for_the_monthly_task() {
    let p = policy();
    let d = decision(&p, "fs01", "win-powershell2-removed", None);
    assert_eq!(d["state"], "exception");
    let usage = &d["usage"][0];
    assert_eq!((usage["count"].as_u64(), usage["days"].as_u64()), (Some(2), Some(2)));
    assert!(usage["objects"][0]["value"].as_str().unwrap().contains("MonthEnd-Report.ps1"));
    assert_eq!(usage["users"][0]["value"], "CORP\\svc-report");
}

#[test]
fn windows_decisions_without_usage_are_enforced_in_the_script() {
    let p = policy();
    assert_eq!(decision(&p, "fs01", "win-rdp-nla", None)["state"], "enforce");
    let dialect = decision(&p, "fs01", "win-smb-min-dialect", None);
    assert_eq!((dialect["state"].as_str(), dialect["value"].as_str()), (Some("enforce"), Some("smb3.1.1")));
    let lm = decision(&p, "fs01", "win-lm-compatibility-level", None);
    assert_eq!((lm["state"].as_str(), lm["scope"].as_str()), (Some("enforce"), Some("domain_controllers")));
    let script = std::fs::read_to_string(demo_dir().join("artifacts/fs01/apply.ps1")).unwrap();
    assert!(script.contains("-Name 'UserAuthentication' -Type 'DWord' -Value 1"));
    assert!(script.contains("[CmdletBinding(SupportsShouldProcess = $true)]"), "supports -WhatIf");
    assert!(!script.contains("LmCompatibilityLevel' -Type"), "a recommendation for the DCs is not applied here");
}

#[test]
fn linux_tls_minimum_waits_for_learning_on_443_and_is_an_exception_on_8443() {
    let p = policy();
    // Grafana started serving TLS on 9443 six days before the window ended: the
    // protocols category is still learning, so no TLS minimum relies on an absence yet.
    let protocols = p["convergence"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["host"] == "web01" && c["category"] == "protocols")
        .unwrap();
    assert_eq!((protocols["state"].as_str(), protocols["days_since_new"].as_i64()), (Some("still_learning"), Some(6)));
    let p443 = decision(&p, "web01", "linux-tls-min-version", Some("port 443"));
    assert_eq!((p443["state"].as_str(), p443["value"].as_str()), (Some("insufficient"), Some("tls1.2")));
    assert!(
        p443["reason"].as_str().unwrap().starts_with("Learning has not converged in protocols"),
        "{}",
        p443["reason"]
    );
    let p8443 = decision(&p, "web01", "linux-tls-min-version", Some("port 8443"));
    assert_eq!(p8443["state"], "exception", "a use that was seen stays an exception");
    assert!(peers(p8443).contains(&("10.0.7.15".into(), "exception".into())));
    assert_eq!(decision(&p, "web01", "linux-tls-min-version", Some("port 9443"))["state"], "insufficient");
    assert!(
        !demo_dir().join("artifacts/web01/files/etc/nginx/snippets/temper-tls-443.conf").exists(),
        "nothing is enforced while learning"
    );
    // Where learning has converged (fs01's protocols), decisions stand as before.
    assert_eq!(decision(&p, "fs01", "win-smb1-server", None)["state"], "exception");
}

#[test]
fn sshd_root_login_is_enforced_and_password_logins_are_an_exception_naming_carol() {
    let p = policy();
    assert_eq!(decision(&p, "web01", "linux-sshd-permit-root-login", None)["state"], "enforce");
    let pw = decision(&p, "web01", "linux-sshd-password-authentication", None);
    assert_eq!(pw["state"], "exception");
    assert_eq!(pw["usage"][0]["users"][0]["value"], "carol");
    let allow = decision(&p, "web01", "linux-sshd-allow-users", None);
    assert_eq!(allow["value"], serde_json::json!(["alice", "bob", "carol"]));
    let drop_in =
        std::fs::read_to_string(demo_dir().join("artifacts/web01/files/etc/ssh/sshd_config.d/00-temper.conf")).unwrap();
    assert!(drop_in.contains("PermitRootLogin no") && drop_in.contains("AllowUsers alice bob carol"));
    assert!(!drop_in.contains("PasswordAuthentication"), "held back for carol");
}

#[test]
fn firewall_and_modules_follow_what_was_used() {
    let p = policy();
    let fw = decision(&p, "web01", "linux-nftables-inbound-allowlist", None);
    assert_eq!(fw["value"], serde_json::json!(["tcp/22", "tcp/443", "tcp/8443", "tcp/9100", "tcp/9443", "udp/161"]));
    assert_eq!(decision(&p, "web01", "linux-kernel-modules", Some("module udf"))["state"], "exception");
    assert_eq!(decision(&p, "web01", "linux-kernel-modules", Some("module cramfs"))["state"], "enforce");
    assert!(p["not_applicable"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["rule"] == "linux-samba-min-protocol" && n["host"] == "web01"));
}

#[test]
fn demo_prints_the_summary_and_the_report_reads_for_a_reviewer() {
    let dir = tempfile::tempdir().unwrap();
    let run = ok(dir.path(), &["demo", "--out", "d"]);
    assert!(run.stdout.contains("fs01   windows   22       9          2       1"), "{}", run.stdout);
    assert!(run.stdout.contains("report        d/report.md"));
    let report = std::fs::read_to_string(dir.path().join("d/report.md")).unwrap();
    assert!(report.contains("### win-smb1-server on fs01: exception"));
    assert!(report.contains("| Peer | 10.0.9.77 | 1 | 2026-10-24 | 2026-10-24 | review: single day |"));
    // The demo is deterministic: the same observations and profile every run.
    let first = std::fs::read(dir.path().join("d/observations.jsonl")).unwrap();
    ok(dir.path(), &["demo", "--out", "d"]);
    assert_eq!(std::fs::read(dir.path().join("d/observations.jsonl")).unwrap(), first);
    let digest = |run: Run| serde_json::from_str::<Value>(&run.stdout).unwrap()["sha256"].clone();
    let a = digest(ok(dir.path(), &["--profile", "d/profile.db", "profile", "show", "--json"]));
    assert_eq!(a, policy()["profile"]["sha256"], "same profile content as the shared demo run");
}
