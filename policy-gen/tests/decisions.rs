//! Each rule shape and each decision state, on real profiles.

mod common;

use common::*;
use serde_json::json;
use temper_collector::*;
use temper_policy::{PolicyOptions, Scope, State, Sufficiency};

fn tls(v: TlsVersion) -> Negotiated {
    Negotiated::Tls(v)
}

#[test]
fn min_version_per_port_enforces_the_lowest_level_seen_and_holds_back_below_target() {
    let mut obs = linux_host("web", 30);
    for d in 0..30 {
        obs.push(protocol("web", at(d, 10), tls(TlsVersion::Tls12), 443, 1));
        obs.push(protocol("web", at(d, 11), tls(TlsVersion::Tls13), 443, 2));
        obs.push(protocol("web", at(d, 12), tls(TlsVersion::Tls13), 8443, 3));
        obs.push(protocol("web", at(d, 12), tls(TlsVersion::Tls13), 9443, 5));
        if d % 3 == 0 {
            obs.push(protocol("web", at(d, 13), tls(TlsVersion::Tls10), 8443, 4));
        }
    }
    let policy = policy_of(&obs);
    let p443 = decision(&policy, "linux-tls-min-version", Some("port 443"));
    assert_eq!((p443.state, p443.value.clone()), (State::Enforce, json!("tls1.2")));
    let p8443 = decision(&policy, "linux-tls-min-version", Some("port 8443"));
    assert_eq!(p8443.state, State::Exception);
    assert_eq!(p8443.safe_value, Some(json!("tls1.0")));
    assert_eq!(p8443.usage.len(), 1, "only the TLS 1.0 use breaks the target");
    assert_eq!(p8443.usage[0].peers[0].value, "10.0.9.4");
    assert!(p8443.reason.contains("10.0.9.4"), "{}", p8443.reason);
    // Only TLS 1.3 seen: the strictest level that breaks nothing is 1.3.
    let p9443 = decision(&policy, "linux-tls-min-version", Some("port 9443"));
    assert_eq!((p9443.state, p9443.value.clone()), (State::Enforce, json!("tls1.3")));
}

#[test]
fn min_version_with_nothing_observed_proposes_the_target_for_tls_listeners() {
    let mut obs = linux_host("web", 20);
    obs.push(inventory(
        "web",
        0,
        vec![InventoryItem::new(InventoryCategory::Listener, "nginx:443")
            .with_attr("port", 443)
            .with_attr("process", "nginx")
            .with_attr("tls", true)],
    ));
    let policy = policy_of(&obs);
    let d = decision(&policy, "linux-tls-min-version", Some("port 443"));
    assert_eq!((d.state, d.value.clone()), (State::Enforce, json!("tls1.2")));
    assert_eq!(d.detail["process"], json!("nginx"));
}

#[test]
fn disable_unless_used_enforces_when_unused_and_names_the_user_when_used() {
    let mut unused = windows_host("fs", 30, "standalone");
    unused.push(protocol("fs", at(3, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 1));
    let policy = policy_of(&unused);
    assert_eq!(state(&policy, "win-smb1-server", None), State::Enforce);

    let mut used = windows_host("fs", 30, "standalone");
    for d in [1, 5, 9, 20] {
        used.push(protocol("fs", at(d, 9), Negotiated::Smb(SmbDialect::Smb1), 445, 20));
    }
    used.push(protocol("fs", at(11, 3), Negotiated::Smb(SmbDialect::Smb1), 445, 77));
    let policy = policy_of(&used);
    let d = decision(&policy, "win-smb1-server", None);
    assert_eq!(d.state, State::Exception);
    let scanner = d.usage[0].peers.iter().find(|p| p.value == "10.0.9.20").unwrap();
    assert_eq!((scanner.count, scanner.state), (4, Some(State::Exception)));
    let one_off = d.usage[0].peers.iter().find(|p| p.value == "10.0.9.77").unwrap();
    assert_eq!(one_off.state, Some(State::Review), "a single-day peer is flagged for review");
}

#[test]
fn review_when_the_only_use_is_one_peer_on_one_day() {
    let mut obs = windows_host("fs", 30, "standalone");
    obs.push(protocol("fs", at(12, 14), tls(TlsVersion::Tls11), 443, 201));
    obs.push(protocol("fs", at(12, 15), tls(TlsVersion::Tls11), 443, 201));
    let policy = policy_of(&obs);
    let d = decision(&policy, "win-schannel-tls11-server", None);
    assert_eq!(d.state, State::Review);
    assert!(d.reason.contains("rare"), "{}", d.reason);
    assert_eq!(d.usage[0].state, State::Review);
}

#[test]
fn script_uses_without_peers_are_rare_only_on_a_single_day() {
    let ps2 = |d: i64| {
        Observation::new(
            at(d, 2),
            "fs",
            "etw",
            Event::Script(ScriptRun {
                interpreter: "powershell.exe".into(),
                engine_version: Some("2.0".into()),
                host_application: None,
                command: Some("powershell -Version 2 -File x.ps1".into()),
                parent: None,
            }),
        )
    };
    let mut once = windows_host("fs", 40, "standalone");
    once.push(ps2(0));
    assert_eq!(state(&policy_of(&once), "win-powershell2-removed", None), State::Review);
    let mut monthly = windows_host("fs", 40, "standalone");
    monthly.extend([ps2(0), ps2(31)]);
    assert_eq!(state(&policy_of(&monthly), "win-powershell2-removed", None), State::Exception);
    // The 5.1 engine does not hold the 2.0 engine back.
    let mut modern = windows_host("fs", 40, "standalone");
    let mut run = ps2(3);
    if let Event::Script(s) = &mut run.event {
        s.engine_version = Some("5.1.20348".into());
    }
    modern.push(run);
    assert_eq!(state(&policy_of(&modern), "win-powershell2-removed", None), State::Enforce);
}

#[test]
fn setting_unless_used_ignores_failed_logons() {
    let mut obs = linux_host("web", 20);
    for d in 0..20 {
        obs.push(logon("web", at(d, 3), "root", "password", false, 100 + d as u8));
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
    }
    let policy = policy_of(&obs);
    assert_eq!(state(&policy, "linux-sshd-permit-root-login", None), State::Enforce);
    assert_eq!(state(&policy, "linux-sshd-password-authentication", None), State::Enforce);

    obs.push(logon("web", at(2, 9), "carol", "password", true, 9));
    obs.push(logon("web", at(8, 9), "carol", "keyboard-interactive", true, 9));
    obs.push(logon("web", at(4, 9), "root", "publickey", true, 6));
    obs.push(logon("web", at(9, 9), "root", "publickey", true, 6));
    let policy = policy_of(&obs);
    let d = decision(&policy, "linux-sshd-password-authentication", None);
    assert_eq!(d.state, State::Exception);
    assert!(d.usage.iter().all(|u| u.users[0].value == "carol"));
    assert!(d.reason.contains("carol"), "{}", d.reason);
    assert_eq!(state(&policy, "linux-sshd-permit-root-login", None), State::Exception);
}

#[test]
fn allowlists_are_exact_with_the_keep_list_and_never_empty() {
    let mut obs = linux_host("web", 20);
    for d in 0..20 {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
        obs.push(logon("web", at(d, 10), "bob", "publickey", true, 6));
        obs.push(logon("web", at(d, 11), "mallory", "password", false, 7));
        obs.push(connection("web", at(d, 9), Transport::Tcp, 22, 5));
        obs.push(connection("web", at(d, 9), Transport::Udp, 161, 3));
        obs.push(connection("web", at(d, 9), Transport::Tcp, 8443, 3));
    }
    let options = PolicyOptions { keep_accounts: vec!["breakglass".into()], ..Default::default() };
    let policy = policy_with(&obs, &options);
    let users = decision(&policy, "linux-sshd-allow-users", None);
    assert_eq!(users.state, State::Enforce);
    assert_eq!(users.value, json!(["alice", "bob", "breakglass"]));
    let firewall = decision(&policy, "linux-nftables-inbound-allowlist", None);
    assert_eq!(firewall.value, json!(["tcp/22", "tcp/8443", "udp/161"]));

    // Nobody logged in: AllowUsers would lock everyone out.
    let policy = policy_of(&linux_host("quiet", 20));
    let d = decision(&policy, "linux-sshd-allow-users", None);
    assert_eq!(d.state, State::Review);
    assert!(d.reason.contains("allow nobody"), "{}", d.reason);

    // A member seen once sends the list to review.
    let mut rare = linux_host("web", 20);
    rare.push(logon("web", at(3, 9), "alice", "publickey", true, 5));
    rare.push(logon("web", at(9, 9), "alice", "publickey", true, 5));
    rare.push(logon("web", at(4, 2), "eve", "publickey", true, 66));
    let d = policy_of(&rare);
    let d = decision(&d, "linux-sshd-allow-users", None);
    assert_eq!(d.state, State::Review);
    assert!(d.reason.contains("eve"), "{}", d.reason);
}

#[test]
fn remove_unused_removes_only_what_nobody_used_and_keeps_admin_shares() {
    let mut obs = windows_host("fs", 30, "standalone");
    let share =
        |name: &str| InventoryItem::new(InventoryCategory::Share, name).with_attr("path", format!("D:\\{name}"));
    obs.push(inventory("fs", 0, vec![share("scans"), share("old"), share("IPC$"), share("C$"), share("ADMIN$")]));
    obs.push(inventory("fs", 25, vec![share("new")]));
    for d in [1, 4, 8] {
        obs.push(share_use("fs", at(d, 9), r"\\FS\SCANS", Access::Write, 20));
    }
    let policy = policy_of(&obs);
    assert_eq!(state(&policy, "win-unused-shares", Some("share old")), State::Enforce);
    let scans = decision(&policy, "win-unused-shares", Some("share scans"));
    assert_eq!(scans.state, State::Exception, "share names compare case-insensitively");
    let new = decision(&policy, "win-unused-shares", Some("share new"));
    assert_eq!(new.state, State::Insufficient, "{}", new.reason);
    assert!(new.reason.contains("since it appeared"));
    for admin in ["IPC$", "C$", "ADMIN$"] {
        assert!(
            !policy.decisions.iter().any(|d| d.subject.as_deref() == Some(&format!("share {admin}"))),
            "{admin} is never proposed"
        );
    }
}

#[test]
fn modules_loaded_per_inventory_are_kept() {
    let mut obs = linux_host("web", 20);
    obs.push(inventory("web", 0, vec![InventoryItem::new(InventoryCategory::Module, "usb_storage")]));
    obs.push(Observation::new(at(2, 1), "web", "ebpf", Event::Module(ModuleLoad { name: "sctp".into() })));
    obs.push(Observation::new(at(9, 1), "web", "ebpf", Event::Module(ModuleLoad { name: "sctp".into() })));
    let policy = policy_of(&obs);
    assert_eq!(
        state(&policy, "linux-kernel-modules", Some("module usb-storage")),
        State::Exception,
        "usb-storage is usb_storage in the kernel"
    );
    assert_eq!(state(&policy, "linux-kernel-modules", Some("module sctp")), State::Exception);
    assert_eq!(state(&policy, "linux-kernel-modules", Some("module cramfs")), State::Enforce);
    let cramfs = decision(&policy, "linux-kernel-modules", Some("module cramfs"));
    assert_eq!(cramfs.detail["references"]["cis"], json!("1.1.1.1"));
}

#[test]
fn insufficient_when_watched_too_briefly_or_losing_events() {
    let short = linux_host("web", 10);
    let policy = policy_of(&short);
    let d = decision(&policy, "linux-sshd-permit-root-login", None);
    assert_eq!(d.state, State::Insufficient);
    assert!(d.reason.contains("logon watched for 10.0 days"), "{}", d.reason);
    // --min-days moves the bar.
    let options =
        PolicyOptions { sufficiency: Sufficiency { min_days: 7.0, max_lossy_share: 0.1 }, ..Default::default() };
    assert_eq!(state(&policy_with(&short, &options), "linux-sshd-permit-root-login", None), State::Enforce);

    // Losing events on 5 of 30 days is material; one burst is not.
    let sshd = || inventory("web", 0, vec![InventoryItem::new(InventoryCategory::Service, "ssh")]);
    let mut lossy = vec![os("web", "linux"), sshd()];
    lossy.extend(coverage("web", "journal", &["logon"], 30, &[1, 5, 9, 14, 20]));
    let d = policy_of(&lossy);
    let d = decision(&d, "linux-sshd-permit-root-login", None);
    assert_eq!(d.state, State::Insufficient);
    assert!(d.reason.contains("lost events on 5 of 30 days"), "{}", d.reason);
    let mut burst = vec![os("web", "linux"), sshd()];
    burst.extend(coverage("web", "journal", &["logon"], 30, &[14]));
    assert_eq!(state(&policy_of(&burst), "linux-sshd-permit-root-login", None), State::Enforce);
}

#[test]
fn a_use_seen_stays_an_exception_even_with_short_coverage() {
    let mut obs = linux_host("web", 5);
    for d in 0..5 {
        obs.push(logon("web", at(d, 9), "carol", "password", true, 9));
    }
    let policy = policy_of(&obs);
    let d = decision(&policy, "linux-sshd-password-authentication", None);
    assert_eq!(d.state, State::Exception);
    assert!(d.reason.contains("Coverage is short"), "{}", d.reason);
}

#[test]
fn unwatched_categories_are_insufficient_and_inferred_coverage_is_marked() {
    // Logons seen, but no source ever declared coverage: inferred from them.
    let mut obs = vec![os("web", "linux")];
    for d in 0..20 {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
    }
    let policy = policy_of(&obs);
    let d = decision(&policy, "linux-sshd-permit-root-login", None);
    assert!(d.coverage[0].inferred);
    assert_eq!(d.coverage[0].sources, vec!["journal".to_string()]);
    // Nothing watched connections at all.
    let d = decision(&policy, "linux-nftables-inbound-allowlist", None);
    assert_eq!(d.state, State::Insufficient);
    assert!(d.reason.contains("no source watched connection"), "{}", d.reason);
}

#[test]
fn domain_scoped_rules_become_recommendations_on_member_servers() {
    let mut member = windows_host("fs", 30, "member_server");
    for d in 0..30 {
        member.push(protocol("fs", at(d, 9), Negotiated::Ntlm(NtlmVersion::NtlmV2), 445, 1));
    }
    // An anonymous NTLMv1 null session is not a client's NTLMv1 use.
    member.push(protocol("fs", at(3, 9), Negotiated::Ntlm(NtlmVersion::NtlmV1), 445, 2).with_detail("anonymous", true));
    let policy = policy_of(&member);
    let d = decision(&policy, "win-lm-compatibility-level", None);
    assert_eq!((d.state, d.scope), (State::Enforce, Scope::DomainControllers));
    assert!(!d.is_enforced_here());

    let mut standalone = windows_host("fs", 30, "standalone");
    for d in [1, 6, 12] {
        standalone.push(protocol("fs", at(d, 9), Negotiated::Ntlm(NtlmVersion::NtlmV1), 445, 3));
    }
    let policy = policy_of(&standalone);
    let d = decision(&policy, "win-lm-compatibility-level", None);
    assert_eq!((d.state, d.scope), (State::Exception, Scope::Host));
}

#[test]
fn rules_for_absent_services_are_not_applicable() {
    let policy = policy_of(&linux_host("web", 20));
    let na = policy.not_applicable.iter().find(|n| n.rule == "linux-samba-min-protocol").unwrap();
    assert!(na.reason.contains("service smbd"), "{}", na.reason);
    assert!(policy.not_applicable.iter().any(|n| n.rule == "win-smb1-server" && n.reason.contains("web is linux")));
    // SMB traffic makes the Samba rule apply even without an inventory entry.
    let mut obs = linux_host("nas", 20);
    for d in [1, 2, 3] {
        obs.push(protocol("nas", at(d, 9), Negotiated::Smb(SmbDialect::Smb1), 445, 1));
    }
    let policy = policy_of(&obs);
    let d = decision(&policy, "linux-samba-min-protocol", None);
    assert_eq!(d.state, State::Exception);
}

#[test]
fn unknown_platform_applies_no_rule() {
    let policy = policy_of(&[Observation::new(
        at(1, 1),
        "mystery",
        "wire",
        Event::Connection(ConnectionUse { transport: Transport::Tcp }),
    )]);
    assert!(policy.decisions.is_empty());
    assert!(policy.not_applicable.iter().all(|n| n.reason.contains("platform is unknown")));
}

#[test]
fn uses_with_unknown_role_or_port_are_never_ignored() {
    // An SMB1 use with no role still holds the SMB1 server back.
    let mut obs = windows_host("fs", 30, "standalone");
    for d in [1, 9] {
        let mut smb1 = protocol("fs", at(d, 9), Negotiated::Smb(SmbDialect::Smb1), 445, 20);
        smb1.role = None;
        obs.push(smb1);
    }
    assert_eq!(state(&policy_of(&obs), "win-smb1-server", None), State::Exception);

    // A TLS 1.0 use on an unknown port holds back every listener's minimum.
    let mut obs = linux_host("web", 30);
    for d in 0..30 {
        obs.push(protocol("web", at(d, 9), tls(TlsVersion::Tls13), 443, 1));
    }
    for d in [2, 12] {
        let mut legacy = protocol("web", at(d, 9), tls(TlsVersion::Tls10), 443, 9);
        legacy.local = None;
        obs.push(legacy);
    }
    let d = decision(&policy_of(&obs), "linux-tls-min-version", Some("port 443")).clone();
    assert_eq!(d.state, State::Exception, "{}", d.reason);

    // An inbound connection with no port keeps the firewall allowlist back.
    let mut obs = linux_host("web", 30);
    for d in 0..30 {
        obs.push(connection("web", at(d, 9), Transport::Tcp, 22, 5));
    }
    let mut portless = connection("web", at(3, 9), Transport::Udp, 0, 7);
    portless.local = None;
    obs.push(portless);
    let d = decision(&policy_of(&obs), "linux-nftables-inbound-allowlist", None).clone();
    assert_eq!(d.state, State::Review);
    assert!(d.reason.contains("cannot express"), "{}", d.reason);
}
