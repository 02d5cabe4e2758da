//! The grown catalog on real profiles: each new shape decides from the
//! evidence it names, and the artifacts it renders pass the real tools
//! (`sshd -t`/`sshd -T`, `testparm`, `sysctl` in a private network namespace,
//! install.sh into a root with rollback).

mod common;

use common::*;
use serde_json::json;
use std::process::Command;
use temper_collector::*;
use temper_policy::rule::{Platform, ShapeSpec};
use temper_policy::{Catalog, Policy, State};

#[test]
fn catalog_has_at_least_25_rules_per_platform_using_every_shape() {
    let catalog = Catalog::embedded().unwrap();
    let count = |p: Platform| catalog.rules().iter().filter(|r| r.platform == p).count();
    assert!(count(Platform::Windows) >= 25, "{} Windows rules", count(Platform::Windows));
    assert!(count(Platform::Linux) >= 25, "{} Linux rules", count(Platform::Linux));
    let shapes: std::collections::BTreeSet<&str> = catalog.rules().iter().map(|r| r.shape.name()).collect();
    for shape in [
        "min_version",
        "disable_unless_used",
        "setting_unless_used",
        "allowlist",
        "remove_unused",
        "baseline",
        "narrow_grants",
    ] {
        assert!(shapes.contains(shape), "no rule uses {shape}");
    }
    for rule in catalog.rules() {
        assert!(!rule.rationale.is_empty() && !rule.breaks.is_empty(), "{}", rule.id);
        // A rule that relies on an absence says which coverage proves it.
        assert_eq!(matches!(rule.shape, ShapeSpec::Baseline), rule.categories.is_empty(), "{}", rule.id);
    }
}

fn ssh(host: &str, when: chrono::DateTime<chrono::Utc>, cipher: &str, mac: &str, peer: u8) -> Observation {
    protocol(host, when, Negotiated::Ssh(SshVersion::Ssh2), 22, peer)
        .with_detail("cipher", cipher)
        .with_detail("mac", mac)
        .with_detail("kex", "curve25519-sha256")
        .with_detail("host_key", "ssh-ed25519")
}

#[test]
fn weak_sshd_algorithms_are_removed_unless_negotiated_and_sshd_applies_the_removal() {
    let mut obs = linux_host("bastion", 30);
    for d in 0..30 {
        // A legacy client that needs aes128-cbc and hmac-sha1, every day.
        obs.push(ssh("bastion", at(d, 9), "aes128-cbc", "hmac-sha1", 5));
        obs.push(ssh("bastion", at(d, 10), "chacha20-poly1305@openssh.com", "<implicit>", 6));
        obs.push(logon("bastion", at(d, 9), "alice", "publickey", true, 5));
    }
    let policy = policy_of(&obs);
    let kept = decision(&policy, "linux-sshd-weak-ciphers", Some("cipher aes128-cbc"));
    assert_eq!(kept.state, State::Exception, "{}", kept.reason);
    assert!(kept.usage[0].peers.iter().any(|p| p.value == "10.0.9.5"), "the evidence names the client");
    assert_eq!(state(&policy, "linux-sshd-weak-ciphers", Some("cipher 3des-cbc")), State::Enforce);
    assert_eq!(state(&policy, "linux-sshd-weak-macs", Some("MAC hmac-sha1")), State::Exception);
    assert_eq!(state(&policy, "linux-sshd-weak-macs", Some("MAC hmac-sha1-etm@openssh.com")), State::Enforce);
    assert_eq!(state(&policy, "linux-sshd-weak-kex", Some("key exchange diffie-hellman-group14-sha1")), State::Enforce);

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let drop_in =
        std::fs::read_to_string(dir.path().join("bastion/files/etc/ssh/sshd_config.d/00-temper.conf")).unwrap();
    let ciphers = drop_in.lines().find(|l| l.starts_with("Ciphers ")).expect("a Ciphers line");
    assert!(ciphers.starts_with("Ciphers -") && ciphers.contains("3des-cbc"), "{ciphers}");
    assert!(!ciphers.contains("aes128-cbc"), "the negotiated cipher stays: {ciphers}");

    let Some(sshd) = sshd_path() else {
        assert!(live_tool("sshd", false));
        return;
    };
    if !live_tool(sshd, false) {
        return;
    }
    let config = sshd_config_with_host_key(dir.path(), &drop_in);
    let out = Command::new(sshd).arg("-T").arg("-f").arg(&config).output().unwrap();
    assert!(out.status.success(), "sshd -T rejected the drop-in: {}", String::from_utf8_lossy(&out.stderr));
    let effective = String::from_utf8(out.stdout).unwrap();
    let list = |keyword: &str| -> Vec<String> {
        let line = effective
            .lines()
            .find(|l| l.starts_with(&format!("{keyword} ")))
            .unwrap_or_else(|| panic!("{keyword} in sshd -T"));
        line.split_once(' ').unwrap().1.split(',').map(str::to_string).collect()
    };
    let macs = list("macs");
    assert!(macs.contains(&"hmac-sha1".to_string()), "a negotiated MAC is never removed: {macs:?}");
    assert!(!macs.iter().any(|m| m == "hmac-sha1-etm@openssh.com" || m == "umac-64@openssh.com"), "{macs:?}");
    assert!(macs.contains(&"hmac-sha2-256".to_string()), "the strong defaults stay: {macs:?}");
    let kex = list("kexalgorithms");
    assert!(!kex.iter().any(|k| k.ends_with("-sha1")) && kex.contains(&"curve25519-sha256".to_string()), "{kex:?}");
    let host_keys = list("hostkeyalgorithms");
    assert!(
        !host_keys.contains(&"ssh-rsa".to_string()) && host_keys.contains(&"rsa-sha2-512".to_string()),
        "{host_keys:?}"
    );
}

fn share_with_object(
    host: &str,
    day: i64,
    share: &str,
    object: &str,
    access: Access,
    peer: u8,
    user: &str,
) -> Observation {
    Observation::new(
        at(day, 9),
        host,
        "wire",
        Event::Share(ShareUse { share: share.into(), path: Some(object.into()), access, protocol: ShareProtocol::Smb }),
    )
    .with_peer(Endpoint::ip(ip(peer)))
    .with_user(user)
}

fn nas() -> Vec<Observation> {
    let mut obs = linux_host("nas", 30);
    let share = |name: &str| {
        InventoryItem::new(InventoryCategory::Share, name)
            .with_attr("protocol", "smb")
            .with_attr("path", format!("/srv/{name}"))
    };
    obs.push(inventory(
        "nas",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "smbd.service").with_attr("enabled", "enabled"),
            share("scans"),
            share("public"),
            share("old"),
            share("x]\n[global]"),
            InventoryItem::new(InventoryCategory::Share, "/export/home").with_attr("protocol", "nfs"),
        ],
    ));
    for d in 0..30 {
        obs.push(protocol("nas", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 1));
        obs.push(protocol("nas", at(d, 9), Negotiated::Ntlm(NtlmVersion::NtlmV2), 445, 1));
        obs.push(share_with_object("nas", d, "scans", "in/a.pdf", Access::Write, 1, "scanner"));
        obs.push(share_with_object("nas", d, "public", "a.txt", Access::Read, 2, "bob"));
        obs.push(share_with_object("nas", d, "public", "b.txt", Access::Read, 3, "carol"));
        obs.push(share_with_object("nas", d, "x]\n[global]", "a", Access::Read, 3, "carol"));
    }
    obs
}

#[test]
fn samba_settings_and_share_sections_pass_testparm() {
    let policy = policy_of(&nas());
    for rule in ["linux-samba-ntlm-auth", "linux-samba-server-signing", "linux-samba-smb-encrypt"] {
        assert_eq!(state(&policy, rule, None), State::Enforce, "{rule}");
    }
    assert_eq!(state(&policy, "linux-samba-unused-shares", Some("share old")), State::Enforce);
    assert_eq!(state(&policy, "linux-samba-unused-shares", Some("share public")), State::Exception);
    assert_eq!(state(&policy, "linux-samba-read-only-shares", Some("share public")), State::Enforce);
    assert_eq!(state(&policy, "linux-samba-read-only-shares", Some("share scans")), State::Exception);
    // NFS exports are not Samba shares, and the NFS rule sees no NFS use.
    assert!(!policy
        .decisions
        .iter()
        .any(|d| d.rule.starts_with("linux-samba") && d.subject.as_deref() == Some("share /export/home")));
    assert_eq!(state(&policy, "linux-nfs-unused-exports", Some("share /export/home")), State::Enforce);
    let grants = decision(&policy, "linux-samba-valid-users", Some("share public"));
    assert_eq!(grants.state, State::Review);
    assert_eq!(grants.value, json!({ "users": ["bob", "carol"], "access": "read" }));
    assert!(grants.reason.contains("read-only"), "{}", grants.reason);
    assert_eq!(decision(&policy, "linux-samba-valid-users", Some("share scans")).value["access"], "change");

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("nas");
    let shares = std::fs::read_to_string(host.join("files/etc/samba/temper-shares.conf")).unwrap();
    let old_section = shares.split("[old]\n").nth(1).and_then(|rest| rest.split("\n[").next()).unwrap_or_default();
    assert!(old_section.contains("\tavailable = no"), "{shares}");
    assert!(shares.contains("[public]\n") && shares.contains("read only = yes"), "{shares}");
    assert!(
        !shares.contains("[scans]") && !shares.contains("[global]"),
        "a hostile share name never becomes a section:\n{shares}"
    );
    let readme = std::fs::read_to_string(host.join("README.md")).unwrap();
    assert!(readme.contains("cannot be written as an smb.conf section"), "{readme}");
    assert!(readme.contains("remove the export /export/home from /etc/exports"), "{readme}");

    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc/samba")).unwrap();
    let smb_conf = root.path().join("etc/samba/smb.conf");
    std::fs::write(&smb_conf, "[global]\n   workgroup = WORKGROUP\n[old]\n   path = /srv/old\n[public]\n   path = /srv/public\n   read only = no\n").unwrap();
    let out = run_install(&host, root.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let conf = std::fs::read_to_string(&smb_conf).unwrap();
    assert!(conf.ends_with("include = /etc/samba/temper-shares.conf\n"), "the share overrides come last:\n{conf}");
    if !live_tool("testparm", false) {
        return;
    }
    let staged = conf.replace("/etc/samba/", &format!("{}/", root.path().join("etc/samba").display()));
    std::fs::write(&smb_conf, staged).unwrap();
    let parameter = |section: &str, name: &str| {
        let out = Command::new("testparm")
            .args(["-s", "--section-name", section, "--parameter-name", name])
            .arg(&smb_conf)
            .output()
            .unwrap();
        assert!(out.status.success(), "testparm: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    };
    assert_eq!(parameter("old", "available"), "No");
    assert_eq!(parameter("public", "read only"), "Yes");
    // testparm prints Samba's canonical name for mandatory.
    assert_eq!(parameter("global", "server signing"), "required");
    assert_eq!(parameter("global", "ntlm auth"), "ntlmv2-only");
    assert_eq!(parameter("global", "server smb encrypt"), "required");
}

#[test]
fn sysctl_hardening_loads_in_a_private_network_namespace_and_respects_container_hosts() {
    let policy = policy_of(&linux_host("web", 30));
    for rule in [
        "linux-sysctl-ip-forward",
        "linux-sysctl-send-redirects",
        "linux-sysctl-tcp-syncookies",
        "linux-sysctl-accept-redirects",
    ] {
        assert_eq!(state(&policy, rule, None), State::Enforce, "{rule}");
    }
    let mut docker = linux_host("ci", 30);
    docker.push(inventory("ci", 0, vec![InventoryItem::new(InventoryCategory::Service, "docker.service")]));
    let held = policy_of(&docker);
    let forward = decision(&held, "linux-sysctl-ip-forward", None);
    assert_eq!(forward.state, State::Exception);
    assert!(forward.reason.contains("service docker.service present"), "{}", forward.reason);
    // A baseline needs no coverage at all: it relies on no absence.
    assert_eq!(state(&policy_of(&[os("bare", "linux")]), "linux-sysctl-tcp-syncookies", None), State::Enforce);

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let file = dir.path().join("web/files/etc/sysctl.d/60-temper.conf");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("net.ipv4.ip_forward = 0") && text.contains("net.ipv6.conf.all.accept_redirects = 0"),
        "{text}"
    );
    let install = std::fs::read_to_string(dir.path().join("web/install.sh")).unwrap();
    assert!(install.contains("remember_sysctl 'net.ipv4.ip_forward'"), "the rollback restores live values");
    if !live_tool("unshare", true) || !live_tool("sysctl", false) {
        return;
    }
    // In a new network namespace every net.* key is private: the real
    // sysctl parses and applies the file there and the host is untouched.
    let out = Command::new("unshare")
        .args(["--net", "sh", "-c"])
        .arg(r#"sysctl -q -p "$1" && sysctl -n net.ipv4.ip_forward net.ipv4.conf.all.send_redirects net.ipv4.tcp_syncookies"#)
        .arg("sh")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "sysctl -p rejected the file: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>(), ["0", "0", "1"]);
}

#[test]
fn unused_network_services_are_masked_in_a_root_and_rolled_back() {
    let mut obs = linux_host("app", 30);
    obs.push(inventory(
        "app",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "cups.service").with_attr("enabled", "enabled"),
            InventoryItem::new(InventoryCategory::Service, "cups.socket").with_attr("enabled", "enabled"),
            InventoryItem::new(InventoryCategory::Service, "rpcbind.service").with_attr("enabled", "enabled"),
            InventoryItem::new(InventoryCategory::Listener, "cupsd:631")
                .with_attr("port", 631)
                .with_attr("process", "cupsd"),
            InventoryItem::new(InventoryCategory::Listener, "rpcbind:111")
                .with_attr("port", 111)
                .with_attr("process", "rpcbind"),
        ],
    ));
    for d in 0..30 {
        obs.push(connection("app", at(d, 9), Transport::Tcp, 111, 4));
    }
    let policy = policy_of(&obs);
    assert_eq!(state(&policy, "linux-unused-services", Some("service cups")), State::Enforce);
    let rpcbind = decision(&policy, "linux-unused-services", Some("service rpcbind"));
    assert_eq!(rpcbind.state, State::Exception, "{}", rpcbind.reason);
    assert!(
        !policy.decisions.iter().any(|d| d.subject.as_deref() == Some("service avahi-daemon")),
        "absent services need no decision"
    );

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("app");
    let root = tempfile::tempdir().unwrap();
    let units = root.path().join("lib/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    for unit in ["cups.service", "cups.socket", "rpcbind.service"] {
        std::fs::write(units.join(unit), "[Unit]\n").unwrap();
    }
    let dry = run_install(&host, root.path(), &["--dry-run"]);
    assert!(String::from_utf8_lossy(&dry.stdout).contains("would disable, stop and mask cups"));
    let out = run_install(&host, root.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let masked = |unit: &str| std::fs::read_link(root.path().join("etc/systemd/system").join(unit)).ok();
    assert_eq!(masked("cups.service"), Some("/dev/null".into()));
    assert_eq!(masked("cups.socket"), Some("/dev/null".into()));
    assert_eq!(masked("rpcbind.service"), None, "a used service is left alone");
    let out = run_rollback(root.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(masked("cups.service"), None);
    assert_eq!(masked("cups.socket"), None);
}

fn windows_file_server() -> Policy {
    let mut obs = windows_host("fs01", 30, "standalone");
    obs.push(inventory(
        "fs01",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "Spooler"),
            InventoryItem::new(InventoryCategory::Service, "RemoteRegistry"),
            InventoryItem::new(InventoryCategory::Service, "FTPSVC"),
            InventoryItem::new(InventoryCategory::Service, "XblGameSave"),
            InventoryItem::new(InventoryCategory::Share, "data").with_attr("path", "D:\\data"),
            InventoryItem::new(InventoryCategory::Listener, "tcp/445").with_attr("port", 445),
        ],
    ));
    for d in 0..30 {
        obs.push(share_with_object("fs01", d, "IPC$", "spoolss", Access::Write, 7, "printer-admin"));
        obs.push(share_with_object("fs01", d, "data", "report.docx", Access::Read, 8, "CORP\\alice"));
        obs.push(connection("fs01", at(d, 9), Transport::Tcp, 445, 8));
        obs.push(connection("fs01", at(d, 9), Transport::Tcp, 21, 9));
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 8));
        // A file server sees its clients' tickets in SMB SESSION_SETUP, on 445 (it is no KDC).
        obs.push(
            protocol("fs01", at(d, 9), Negotiated::Kerberos(KerberosVersion::V5), 445, 8)
                .with_detail("etype", "rc4-hmac"),
        );
        obs.push(
            protocol("fs01", at(d, 10), Negotiated::Ntlm(NtlmVersion::NtlmV1), 445, 10).with_detail("anonymous", true),
        );
    }
    policy_of(&obs)
}

#[test]
fn windows_rules_decide_from_pipes_etypes_anonymous_sessions_and_service_ports() {
    let policy = windows_file_server();
    let spooler = decision(&policy, "win-print-spooler-disabled", None);
    assert_eq!(spooler.state, State::Exception, "spoolss opened on IPC$ is printing: {}", spooler.reason);
    assert_eq!(state(&policy, "win-remote-registry-disabled", None), State::Enforce);
    assert_eq!(state(&policy, "win-kerberos-no-rc4", None), State::Exception);
    assert_eq!(state(&policy, "win-null-sessions-restricted", None), State::Exception);
    // An anonymous NTLMv1 session is not a client's use of NTLMv1.
    assert_eq!(state(&policy, "win-ntlm-min-server-sec", None), State::Enforce);
    assert_eq!(state(&policy, "win-smb-encryption", None), State::Enforce);
    assert_eq!(state(&policy, "win-unused-services", Some("service FTPSVC")), State::Exception);
    assert_eq!(state(&policy, "win-unused-services", Some("service XblGameSave")), State::Enforce);
    assert_eq!(state(&policy, "win-powershell-script-block-logging", None), State::Enforce);
    let firewall = decision(&policy, "win-firewall-inbound-allowlist", None);
    assert_eq!(firewall.value, json!(["tcp/21", "tcp/445"]));
    let grants = decision(&policy, "win-broad-share-grants", Some("share data"));
    assert_eq!(
        (grants.state, grants.value.clone()),
        (State::Review, json!({ "users": ["CORP\\alice"], "access": "read" }))
    );

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let script = std::fs::read_to_string(dir.path().join("fs01/apply.ps1")).unwrap();
    for line in [
        "Disable-TemperService -Name 'RemoteRegistry' -Rule 'win-remote-registry-disabled'",
        "Disable-TemperService -Name 'XblGameSave' -Rule 'win-unused-services'",
        "Set-TemperFirewallInbound -Allow @('tcp/21', 'tcp/445') -Rule 'win-firewall-inbound-allowlist'",
        "-Name 'EnableScriptBlockLogging' -Type 'DWord' -Value 1",
    ] {
        assert!(script.contains(line), "missing `{line}` in:\n{script}");
    }
    assert!(!script.contains("Disable-TemperService -Name 'Spooler'"), "a used spooler stays");
    assert!(!script.contains("Disable-TemperService -Name 'FTPSVC'"));
}

#[test]
fn unused_local_accounts_are_expired_or_disabled_except_the_keep_list() {
    let mut obs = linux_host("app", 30);
    let account = |name: &str| InventoryItem::new(InventoryCategory::Account, name).with_attr("shell", "/bin/bash");
    obs.push(inventory("app", 0, vec![account("root"), account("alice"), account("bob"), account("breakglass")]));
    for d in 0..30 {
        obs.push(logon("app", at(d, 9), "alice", "publickey", true, 5));
    }
    let options = temper_policy::PolicyOptions { keep_accounts: vec!["breakglass".into()], ..Default::default() };
    let policy = policy_with(&obs, &options);
    assert_eq!(state(&policy, "linux-unused-local-accounts", Some("account bob")), State::Enforce);
    assert_eq!(state(&policy, "linux-unused-local-accounts", Some("account alice")), State::Exception);
    let subjects: Vec<&str> = policy
        .decisions
        .iter()
        .filter(|d| d.rule == "linux-unused-local-accounts")
        .filter_map(|d| d.subject.as_deref())
        .collect();
    assert!(!subjects.contains(&"account root") && !subjects.contains(&"account breakglass"), "{subjects:?}");

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let host = dir.path().join("app");
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc")).unwrap();
    let shadow = root.path().join("etc/shadow");
    let before = "root:*:19000:0:99999:7:::\nalice:$y$x:19000:0:99999:7:::\nbob:$y$y:19000:0:99999:7:::\n";
    std::fs::write(&shadow, before).unwrap();
    let out = run_install(&host, root.path(), &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let after = std::fs::read_to_string(&shadow).unwrap();
    assert!(
        after.contains("bob:$y$y:19000:0:99999:7::1:\n") && after.contains("alice:$y$x:19000:0:99999:7:::\n"),
        "{after}"
    );
    assert!(run_rollback(root.path()).status.success());
    assert_eq!(
        std::fs::read_to_string(&shadow).unwrap(),
        before,
        "the rollback restores the shadow file byte for byte"
    );
    let playbook = std::fs::read_to_string(host.join("playbook.yml")).unwrap();
    assert!(playbook.contains("name: !unsafe \"bob\"\n        expires: 1"), "{playbook}");

    let mut win = windows_host("fs01", 30, "standalone");
    win.push(inventory(
        "fs01",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Account, "Guest").with_attr("disabled", true),
            InventoryItem::new(InventoryCategory::Account, "svc_old").with_attr("disabled", false),
            InventoryItem::new(InventoryCategory::Account, "localadmin").with_attr("disabled", false),
        ],
    ));
    for d in 0..30 {
        win.push(logon("fs01", at(d, 9), "localadmin", "ntlm", true, 5));
    }
    let policy = policy_of(&win);
    assert_eq!(state(&policy, "win-unused-local-accounts", Some("account svc_old")), State::Enforce);
    assert_eq!(state(&policy, "win-unused-local-accounts", Some("account localadmin")), State::Exception);
    assert!(!policy.decisions.iter().any(|d| d.subject.as_deref() == Some("account Guest")), "disabled already");
    render_to(&policy, dir.path());
    let script = std::fs::read_to_string(dir.path().join("fs01/apply.ps1")).unwrap();
    assert!(script.contains("Disable-TemperLocalUser -Name 'svc_old' -Rule 'win-unused-local-accounts'"));
    assert!(!script.contains("Disable-TemperLocalUser -Name 'localadmin'"));
}

#[test]
fn decisions_in_categories_still_learning_are_insufficient_unless_accepted() {
    use temper_learner::convergence::assess;
    let obs = linux_host("web", 30);
    // Days since the epoch of the window: day(0) is 2026-10-01.
    let start = day(0).timestamp().div_euclid(86_400);
    let learning = vec![
        assess("web", "services", start, start + 29, &[start, start + 27]),
        assess("web", "logons", start, start + 29, &[start]),
    ];
    let options = temper_policy::PolicyOptions { convergence: learning.clone(), ..Default::default() };
    let policy = policy_with(&obs, &options);
    let cramfs = decision(&policy, "linux-kernel-modules", Some("module cramfs"));
    assert_eq!(cramfs.state, State::Insufficient, "modules are services: still learning");
    assert!(cramfs.reason.starts_with("Learning has not converged in services"), "{}", cramfs.reason);
    assert_eq!(state(&policy, "linux-sshd-permit-root-login", None), State::Enforce, "logons converged");
    assert_eq!(policy.convergence.len(), 2, "the policy records what it was decided on");
    let report = temper_policy::report::markdown(&policy);
    assert!(report.contains("| web | services | **still learning** |"), "{report}");

    let accepted = policy_with(
        &obs,
        &temper_policy::PolicyOptions { convergence: learning, accept_unconverged: true, ..Default::default() },
    );
    assert_eq!(state(&accepted, "linux-kernel-modules", Some("module cramfs")), State::Enforce);
}

#[test]
fn a_monthly_job_seen_twice_is_periodic_and_the_calendar_is_in_the_hosts_zone() {
    let mut obs = windows_host("fs01", 60, "standalone");
    obs.push(inventory(
        "fs01",
        0,
        vec![InventoryItem::new(InventoryCategory::Setting, "timezone").with_attr("value", "Europe/Berlin")],
    ));
    // The month-end report job: PowerShell 2.0 on 2026-10-31 and 2026-11-30 (days 30 and 60).
    for d in [30, 60] {
        obs.push(
            Observation::new(
                at(d, 23),
                "fs01",
                "etw",
                Event::Script(ScriptRun {
                    interpreter: "powershell".into(),
                    engine_version: Some("2.0".into()),
                    host_application: None,
                    command: Some("report.ps1".into()),
                    parent: None,
                }),
            )
            .with_user("CORP\\svc-report"),
        );
    }
    let policy = policy_of(&obs);
    let ps2 = decision(&policy, "win-powershell2-removed", None);
    assert_eq!(ps2.state, State::Exception, "{}", ps2.reason);
    assert_eq!(ps2.usage[0].period, Some(temper_policy::document::Period::Monthly));
    let report = temper_policy::report::markdown(&policy);
    assert!(report.contains("recurs monthly"), "{report}");
    let calendar = &policy.calendar[0];
    assert_eq!(calendar.time_zone, "Europe/Berlin");
    // October 31, and November 30 from 00:00 to 01:00 Berlin time (the window ends at midnight UTC).
    assert_eq!(calendar.month_ends, 2);
    assert_eq!(calendar.hours[0], 60, "midnight Berlin is 23:00 UTC the day before: 60 dates");
    assert!(report.contains("## Calendar coverage") && report.contains("| fs01 | Europe/Berlin |"), "{report}");
}

#[test]
fn smb1_used_only_by_a_tagged_scanner_is_enforced_and_an_untagged_scanner_is_flagged() {
    let mut obs = windows_host("fs01", 30, "standalone");
    for d in 0..30 {
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 8));
        // The vulnerability scanner speaks SMB1 every day.
        obs.push(protocol("fs01", at(d, 3), Negotiated::Smb(SmbDialect::Smb1), 445, 200));
    }
    // An untagged peer probing twelve ports and three TLS versions in one night.
    for (i, port) in [21, 22, 23, 25, 80, 110, 135, 139, 443, 445, 3389, 8080].into_iter().enumerate() {
        obs.push(connection("fs01", at(20, 2) + chrono::Duration::seconds(i as i64), Transport::Tcp, port, 201));
    }
    for v in [TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12] {
        obs.push(protocol("fs01", at(20, 2), Negotiated::Tls(v), 443, 201));
    }
    let untagged = policy_of(&obs);
    assert_eq!(state(&untagged, "win-smb1-server", None), State::Exception, "an untagged daily SMB1 peer is a need");
    let tags = temper_policy::peers::PeerTags::parse("10.0.9.200/32 scanner\n").unwrap();
    let policy = policy_with(&obs, &temper_policy::PolicyOptions { peers: tags, ..Default::default() });
    let smb1 = decision(&policy, "win-smb1-server", None);
    assert_eq!(smb1.state, State::Enforce, "{}", smb1.reason);
    assert!(smb1.reason.contains("Used only by tagged scanners"), "{}", smb1.reason);
    assert_eq!(smb1.detail["scanner_only"][0]["peers"], serde_json::json!(["10.0.9.200"]));
    let suspect = policy.scanner_suspects.iter().find(|s| s.peer == "10.0.9.201").expect("the prober is flagged");
    assert_eq!((suspect.ports, suspect.versions, suspect.days), (12, 3, 1));
    assert!(!policy.scanner_suspects.iter().any(|s| s.peer == "10.0.9.200"), "a tagged scanner is not a suspect");
    let report = temper_policy::report::markdown(&policy);
    assert!(
        report.contains("## Peers that behave like scanners") && report.contains("| fs01 | 10.0.9.201 | 12 | 3 | 1 |"),
        "{report}"
    );
}

#[test]
fn collector_health_shows_the_gap_and_the_lossy_days_behind_insufficient() {
    let mut obs = vec![os("web", "linux")];
    // eBPF watched days 0-9 and 15-29, losing events on days 3 and 20; the journal every day.
    let days: Vec<i64> = (0..10).chain(15..30).collect();
    obs.extend(
        coverage("web", "ebpf", &["*"], 30, &[3, 20])
            .into_iter()
            .enumerate()
            .filter(|(d, _)| days.contains(&(*d as i64)))
            .map(|(_, o)| o),
    );
    obs.extend(coverage("web", "journal", &["logon"], 30, &[]));
    let policy = policy_of(&obs);
    let ebpf = policy.health.iter().find(|h| h.source == "ebpf").unwrap();
    assert_eq!((ebpf.days_watched, ebpf.window_days, ebpf.lossy_days(), ebpf.lost), (25, 31, 2, 20));
    let gap: Vec<String> = ebpf.gaps.iter().map(|(a, b)| format!("{a}..{b}")).collect();
    assert_eq!(
        gap,
        ["2026-10-11..2026-10-15", "2026-10-31..2026-10-31"],
        "the five-day gap, and the window's last day"
    );
    let journal = policy.health.iter().find(|h| h.source == "journal").unwrap();
    assert_eq!((journal.days_watched, journal.lossy_days()), (30, 0));
    let report = temper_policy::report::markdown(&policy);
    assert!(report.contains("| web | ebpf | 25 | 31 | 2026-10-11 → 2026-10-15, 2026-10-31 | 2 | 20 |"), "{report}");
}

#[test]
fn client_schannel_llmnr_netbios_and_incoming_ntlm_decide_from_what_was_negotiated() {
    let mut obs = windows_host("app01", 30, "member_server");
    for d in 0..30 {
        // This host connects to an old appliance over TLS 1.0, every day.
        obs.push(client_protocol("app01", at(d, 9), Negotiated::Tls(TlsVersion::Tls10), 443, 20));
        // Clients authenticate to it with NTLMv2; LLMNR queries reach it.
        obs.push(protocol("app01", at(d, 10), Negotiated::Ntlm(NtlmVersion::NtlmV2), 445, 21));
        obs.push(connection("app01", at(d, 11), Transport::Udp, 5355, 22));
    }
    let policy = policy_of(&obs);
    assert_eq!(state(&policy, "win-schannel-tls10-client", None), State::Exception);
    assert_eq!(state(&policy, "win-schannel-tls11-client", None), State::Enforce, "no TLS 1.1 client use");
    // A server-side TLS 1.0 use is not a client's: the client rule reads the role.
    assert_eq!(state(&policy, "win-schannel-tls10-server", None), State::Enforce);
    assert_eq!(state(&policy, "win-schannel-ssl30-server", None), State::Enforce);
    assert_eq!(state(&policy, "win-llmnr-off", None), State::Exception);
    assert_eq!(state(&policy, "win-netbios-nodetype", None), State::Enforce, "no NetBIOS traffic");
    let ntlm = decision(&policy, "win-ntlm-restrict-incoming", None);
    assert_eq!(ntlm.state, State::Exception, "clients authenticate with NTLM: {}", ntlm.reason);
    let witnesses = serde_json::to_string(&ntlm.usage).unwrap();
    assert!(witnesses.contains(&ip(21).to_string()), "the exception names the NTLM client: {witnesses}");
}

#[test]
fn compilers_and_interpreters_are_flagged_only_when_installed_and_never_run() {
    let mut obs = linux_host("build", 30);
    let program = |name: &str| {
        InventoryItem::new(InventoryCategory::Feature, name)
            .with_attr("kind", "program")
            .with_attr("path", format!("/usr/bin/{name}"))
            .with_attr("enabled", true)
    };
    obs.push(inventory("build", 0, vec![program("gcc"), program("make")]));
    for d in 0..30 {
        obs.push(
            Observation::new(
                at(d, 3),
                "build",
                "ebpf",
                Event::Exec(ExecRun {
                    image: "/usr/bin/make".into(),
                    argv: vec!["make".into(), "-C".into(), "/srv/app".into()],
                    parent: Some(ProcessRef::named("cron")),
                }),
            )
            .with_user("deploy"),
        );
    }
    let policy = policy_of(&obs);
    let subjects: Vec<(String, State)> = policy
        .decisions
        .iter()
        .filter(|d| d.rule == "linux-unused-compilers-interpreters")
        .map(|d| (d.subject.clone().unwrap_or_default(), d.state))
        .collect();
    assert_eq!(
        subjects,
        [("program gcc".to_string(), State::Enforce), ("program make".to_string(), State::Exception)],
        "only installed programs get a decision; make runs nightly"
    );
    // Every candidate is a program the Linux inventory looks for.
    let catalog = Catalog::embedded().unwrap();
    let rule = catalog.get("linux-unused-compilers-interpreters").unwrap();
    let ShapeSpec::RemoveUnused { candidates, .. } = &rule.shape else { panic!("remove_unused") };
    for candidate in candidates {
        assert!(
            temper_collector::linux::installed_programs::NOTABLE_PROGRAMS.contains(&candidate.name.as_str()),
            "{} is a candidate the inventory never looks for",
            candidate.name
        );
    }
}
