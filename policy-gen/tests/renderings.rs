//! The other renderings, each checked by its real consumer: the Ansible
//! playbook by `ansible-playbook` (syntax and a check-mode run on this
//! machine, where a hostile observed string must not be templated), the
//! XCCDF tailoring by `oscap` against ComplianceAsCode's content, and the
//! `.reg` file by its format.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use temper_collector::*;
use temper_policy::State;

fn linux_policy() -> temper_policy::Policy {
    let mut obs = linux_host("web", 30);
    obs.push(inventory(
        "web",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "cups.service").with_attr("enabled", "enabled"),
            InventoryItem::new(InventoryCategory::Module, "udf"),
            // A process name an attacker chose, which reaches a manual step.
            InventoryItem::new(InventoryCategory::Listener, "x:8443")
                .with_attr("port", 8443)
                .with_attr("tls", true)
                .with_attr("process", "{{ 7*191 }}"),
        ],
    ));
    for d in 0..30 {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
        obs.push(logon("web", at(d, 10), "carol", "password", true, 6));
        obs.push(connection("web", at(d, 9), Transport::Tcp, 22, 5));
    }
    policy_of(&obs)
}

#[test]
fn ansible_playbook_passes_syntax_check_and_never_templates_observed_strings() {
    let policy = linux_policy();
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("web");
    let playbook = std::fs::read_to_string(host.join("playbook.yml")).unwrap();
    assert!(playbook.contains("dest: !unsafe \"/etc/ssh/sshd_config.d/00-temper.conf\""), "{playbook}");
    assert!(playbook.contains("validate: !unsafe \"/usr/sbin/sshd -t -f %s\""));
    assert!(playbook.contains("name: !unsafe \"cups.service\""));
    assert!(playbook.contains("{{ 7*191 }}"), "the hostile name is there, as data");
    if !live_tool("ansible-playbook", false) {
        return;
    }
    let run = |args: &[&str]| {
        Command::new("ansible-playbook")
            .args(["-i", "web,", "-c", "local"])
            .args(args)
            .arg(host.join("playbook.yml"))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_LOCALHOST_WARNING", "0")
            .output()
            .unwrap()
    };
    let syntax = run(&["--syntax-check"]);
    assert!(
        syntax.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&syntax.stdout),
        String::from_utf8_lossy(&syntax.stderr)
    );
    // Check mode on this machine changes nothing, but runs every template.
    let check = run(&["--check"]);
    let output = String::from_utf8_lossy(&check.stdout);
    assert!(output.contains("a step for a person"), "{output}");
    assert!(
        output.contains("{{ 7*191 }}") && !output.contains("1337"),
        "Ansible templated an observed string:\n{output}"
    );
}

#[test]
fn xccdf_tailoring_deselects_held_back_rules_and_loads_in_oscap() {
    let policy = linux_policy();
    assert_eq!(state(&policy, "linux-sshd-password-authentication", None), State::Exception);
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("web");
    let xml = std::fs::read_to_string(host.join("xccdf-tailoring.xml")).unwrap();
    assert!(xml.contains("extends=\"xccdf_org.ssgproject.content_profile_cis_level1_server\""));
    assert!(
        xml.contains(
            "<xccdf:select idref=\"xccdf_org.ssgproject.content_rule_kernel_module_udf_disabled\" selected=\"false\"/>"
        ),
        "{xml}"
    );
    let reasons: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(host.join("xccdf-tailoring.reasons.json")).unwrap()).unwrap();
    let udf =
        reasons["deselected"].as_array().unwrap().iter().find(|r| r["temper_rule"] == "linux-kernel-modules").unwrap();
    assert_eq!(udf["subject"], "module udf");
    assert!(udf["reason"].as_str().unwrap().contains("loaded"));
    if !live_tool("oscap", false) {
        return;
    }
    let content = Path::new("/usr/share/xml/scap/ssg/content/ssg-ubuntu2204-ds.xml");
    assert!(
        content.exists() || std::env::var("TEMPER_REQUIRE_LIVE").as_deref() != Ok("1"),
        "ssg-debderived is not installed"
    );
    if !content.exists() {
        eprintln!("skipped: ComplianceAsCode content (ssg-debderived) is not installed");
        return;
    }
    let profile = temper_policy::render::xccdf_tailoring::profile_id("web");
    let out = Command::new("oscap")
        .args(["xccdf", "generate", "guide", "--tailoring-file"])
        .arg(host.join("xccdf-tailoring.xml"))
        .args(["--profile", &profile])
        .arg(content)
        .output()
        .unwrap();
    assert!(out.status.success(), "oscap refused the tailoring: {}", String::from_utf8_lossy(&out.stderr));
    let guide = String::from_utf8_lossy(&out.stdout);
    assert!(guide.contains("tailored by Temper for web"), "the guide is for the tailored profile");
    // The guide lists the selected rules: the deselected one is gone, others stay.
    assert!(!guide.contains("xccdf_org.ssgproject.content_rule_kernel_module_udf_disabled"));
    assert!(guide.contains("xccdf_org.ssgproject.content_rule_kernel_module_cramfs_disabled"));
}

#[test]
fn registry_file_is_utf16_with_the_enforced_values_and_comments_stay_comments() {
    let mut obs = windows_host("fs01\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Evil]", 30, "standalone");
    obs.push(inventory(
        "fs01\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Evil]",
        0,
        vec![InventoryItem::new(InventoryCategory::Service, "RemoteRegistry")],
    ));
    let policy = policy_of(&obs);
    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host_dir = std::fs::read_dir(dir.path()).unwrap().next().unwrap().unwrap().path();
    let bytes = std::fs::read(host_dir.join("policy.reg")).unwrap();
    assert_eq!(&bytes[..2], &[0xFF, 0xFE], "UTF-16LE byte-order mark");
    let units: Vec<u16> = bytes[2..].chunks(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
    let text = String::from_utf16(&units).unwrap();
    assert!(text.starts_with("Windows Registry Editor Version 5.00\r\n"));
    assert!(text.contains("[HKEY_LOCAL_MACHINE\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters]\r\n\"SMB1\"=dword:00000000"), "{text}");
    assert!(text.contains("\"NoDriveTypeAutoRun\"=dword:000000ff"));
    assert!(text.contains("; win-remote-registry-disabled: not a registry setting, applied by apply.ps1"));
    assert!(
        !text.lines().any(|l| l.starts_with("[HKEY_LOCAL_MACHINE\\SOFTWARE\\Evil]")),
        "a host name started a key:\n{text}"
    );
}

#[test]
fn the_audit_stage_only_logs_and_its_ruleset_passes_nft_check() {
    use temper_policy::render::{render_stage, Stage};
    let catalog = temper_policy::Catalog::embedded().unwrap();
    let policy = linux_policy();
    let dir = tempfile::tempdir().unwrap();
    render_stage(&policy, catalog.rules(), dir.path(), Stage::Audit).unwrap();
    let files = dir.path().join("web/files");
    let ruleset = std::fs::read_to_string(files.join("etc/temper/nftables.nft")).unwrap();
    assert!(ruleset.contains("policy accept;") && !ruleset.contains("policy drop"), "{ruleset}");
    assert!(ruleset.contains("log prefix \"temper would drop: \""), "{ruleset}");
    assert!(!files.join("etc/ssh/sshd_config.d/00-temper.conf").exists(), "the audit stage changes no access");
    assert!(files.join("etc/sysctl.d/60-temper.conf").exists(), "log_martians only logs");
    let sysctl = std::fs::read_to_string(files.join("etc/sysctl.d/60-temper.conf")).unwrap();
    assert!(sysctl.contains("log_martians") && !sysctl.contains("ip_forward"), "{sysctl}");

    let mut obs = windows_host("fs01", 30, "standalone");
    for d in 0..30 {
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 8));
    }
    let windows = policy_of(&obs);
    render_stage(&windows, catalog.rules(), dir.path(), Stage::Audit).unwrap();
    let script = std::fs::read_to_string(dir.path().join("fs01/apply.ps1")).unwrap();
    assert!(
        script.contains("-Name 'AuditSmb1Access'") && script.contains("-Name 'AuditReceivingNTLMTraffic'"),
        "{script}"
    );
    assert!(!script.contains("-Name 'SMB1' "), "SMB1 is audited, not turned off, in the audit stage");

    if !live_tool("nft", true) {
        return;
    }
    let out = Command::new("nft").arg("-c").arg("-f").arg(files.join("etc/temper/nftables.nft")).output().unwrap();
    assert!(out.status.success(), "nft -c rejected the audit ruleset: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn loading_the_ruleset_twice_leaves_other_tables_untouched() {
    if !live_tool("nft", true) || !live_tool("unshare", true) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    render_to(&linux_policy(), dir.path());
    let ruleset = dir.path().join("web/files/etc/temper/nftables.nft");
    // In a private network namespace: another table (Docker's, fail2ban's) with a
    // rule exists first; ours is loaded twice, as a re-run of install.sh would.
    let script = r#"set -e
nft add table inet other
nft add chain inet other input '{ type filter hook input priority 0; policy accept; }'
nft add rule inet other input tcp dport 2375 accept
nft -f "$1"
nft -f "$1"
nft list table inet other
nft list table inet temper"#;
    let out = Command::new("unshare").args(["--net", "sh", "-c", script, "sh"]).arg(&ruleset).output().unwrap();
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}\n{}", listing, String::from_utf8_lossy(&out.stderr));
    assert!(listing.contains("tcp dport 2375 accept"), "the other table kept its rule:\n{listing}");
    assert_eq!(listing.matches("tcp dport 22 accept").count(), 1, "loading twice does not duplicate rules:\n{listing}");
}
