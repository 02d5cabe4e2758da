//! Any evidence of use counts as use of what serves it: handshakes and
//! shares keep the service that serves their port, logons keep the service
//! they went through, a program or script run as an account keeps the
//! account, and `simulate` replays with the same evidence. Each test failed
//! before its fix.

mod common;

use common::*;
use temper_collector::*;
use temper_policy::{simulate, Catalog, State};

fn smb3(host: &str, day: i64, peer: u8) -> Observation {
    protocol(host, at(day, 10), Negotiated::Smb(SmbDialect::Smb311), 445, peer)
}

fn samba_server_inventory(host: &str) -> Observation {
    inventory(
        host,
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "smbd.service").with_attr("enabled", "enabled"),
            InventoryItem::new(InventoryCategory::Listener, "smbd:445")
                .with_attr("port", 445)
                .with_attr("process", "smbd"),
            InventoryItem::new(InventoryCategory::Share, "projects").with_attr("protocol", "smb"),
        ],
    )
}

/// The host: twenty days of SMB 3.1.1 handshakes and share writes
/// from a capture import, the smbd listener in the inventory, and not one
/// connection observation.
fn samba_server_without_connections() -> Vec<Observation> {
    let mut obs = linux_host("nas", 20);
    obs.push(samba_server_inventory("nas"));
    for d in 0..20 {
        obs.push(smb3("nas", d, 20 + (d % 3) as u8));
        obs.push(share_use("nas", at(d, 11), "projects", Access::Write, 20));
    }
    obs
}

#[test]
fn handshakes_and_shares_on_smbds_port_keep_smbd_running() {
    let policy = policy_of(&samba_server_without_connections());
    let smbd = decision(&policy, "linux-unused-services", Some("service smbd"));
    assert_eq!(smbd.state, State::Exception, "{}", smbd.reason);
    assert!(smbd.reason.contains("smb smb3.1.1 (inbound) on port 445"), "{}", smbd.reason);
    assert!(smbd.reason.contains("smb share projects (write)"), "{}", smbd.reason);

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let install = std::fs::read_to_string(dir.path().join("nas/install.sh")).unwrap();
    assert!(!install.contains("disable_unit 'smbd'"), "install.sh masks the Samba it hardens:\n{install}");
}

#[test]
fn simulate_judges_a_service_removal_with_the_same_evidence() {
    // Learned where smbd saw no use at all: masking it is enforced.
    let mut quiet = linux_host("nas", 20);
    quiet.push(samba_server_inventory("nas"));
    let policy = policy_of(&quiet);
    assert_eq!(state(&policy, "linux-unused-services", Some("service smbd")), State::Enforce);

    // Replayed where smbd served shares and handshakes, but no connection was recorded.
    let dir = tempfile::tempdir().unwrap();
    let busy = build_profile(&dir.path().join("busy.db"), &samba_server_without_connections());
    let breaks = simulate::simulate(&policy, &Catalog::embedded().unwrap(), &busy, None).unwrap();
    let smbd = breaks
        .iter()
        .find(|b| b.rule == "linux-unused-services" && b.subject.as_deref() == Some("service smbd"))
        .unwrap_or_else(|| panic!("masking smbd breaks nothing? {breaks:#?}"));
    assert!(smbd.usage.iter().any(|u| u.fact.contains("smb3.1.1")), "{:#?}", smbd.usage);
    assert!(smbd.usage.iter().any(|u| u.fact.contains("share projects")), "{:#?}", smbd.usage);
}

#[test]
fn the_windows_inbound_allowlist_takes_the_ports_of_handshakes_seen_every_day() {
    let mut obs = windows_host("fs", 21, "member_server");
    for d in 0..21 {
        obs.push(protocol("fs", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 30));
        obs.push(protocol("fs", at(d, 10), Negotiated::Tls(TlsVersion::Tls12), 443, 31));
    }
    let policy = policy_of(&obs);
    let allow = decision(&policy, "win-firewall-inbound-allowlist", None);
    assert_eq!(allow.value, serde_json::json!(["tcp/443", "tcp/445"]), "{}", allow.reason);
    assert_eq!(allow.state, State::Enforce, "{}", allow.reason);
    assert!(!allow.reason.contains("nothing was observed"), "{}", allow.reason);

    // The replay agrees: the decided list breaks none of it.
    let dir = tempfile::tempdir().unwrap();
    let profile = build_profile(&dir.path().join("p.db"), &obs);
    let breaks = simulate::simulate(&policy, &Catalog::embedded().unwrap(), &profile, None).unwrap();
    assert!(breaks.iter().all(|b| b.rule != "win-firewall-inbound-allowlist"), "{breaks:#?}");
}

#[test]
fn an_account_that_runs_a_nightly_job_is_not_expired() {
    let mut obs = linux_host("app", 30);
    obs.push(inventory(
        "app",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Account, "report").with_attr("shell", "/usr/sbin/nologin"),
            InventoryItem::new(InventoryCategory::Account, "idle").with_attr("shell", "/bin/bash"),
        ],
    ));
    for d in 0..30 {
        obs.push(
            Observation::new(
                at(d, 2),
                "app",
                "ebpf",
                Event::Script(ScriptRun {
                    interpreter: "/usr/bin/python3".into(),
                    engine_version: Some("3.11.2".into()),
                    host_application: None,
                    command: Some("/usr/bin/python3 /opt/reports/nightly.py".into()),
                    parent: Some(ProcessRef::named("cron")),
                }),
            )
            .with_user("report"),
        );
    }
    let policy = policy_of(&obs);
    let report = decision(&policy, "linux-unused-local-accounts", Some("account report"));
    assert_eq!(report.state, State::Exception, "{}", report.reason);
    assert!(report.reason.contains("python3"), "{}", report.reason);
    assert_eq!(state(&policy, "linux-unused-local-accounts", Some("account idle")), State::Enforce);
}

#[test]
fn a_local_account_a_service_runs_as_is_not_disabled() {
    let mut obs = windows_host("app", 30, "member_server");
    obs.push(inventory(
        "app",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Account, "svc_backup"),
            InventoryItem::new(InventoryCategory::Account, "olduser"),
            InventoryItem::new(InventoryCategory::Service, "BackupAgent").with_attr("account", ".\\svc_backup"),
        ],
    ));
    let policy = policy_of(&obs);
    let svc = decision(&policy, "win-unused-local-accounts", Some("account svc_backup"));
    assert_eq!(svc.state, State::Exception, "{}", svc.reason);
    assert!(svc.reason.contains("service BackupAgent runs as svc_backup"), "{}", svc.reason);
    assert_eq!(state(&policy, "win-unused-local-accounts", Some("account olduser")), State::Enforce);
}

#[test]
fn printing_over_rpc_to_the_spoolers_port_keeps_the_spooler() {
    let mut obs = windows_host("print", 30, "member_server");
    obs.push(inventory(
        "print",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Service, "Spooler"),
            InventoryItem::new(InventoryCategory::Listener, "spoolsv:49670")
                .with_attr("port", 49670)
                .with_attr("process", "spoolsv.exe"),
        ],
    ));
    for d in 0..30 {
        obs.push(connection("print", at(d, 10), Transport::Tcp, 49670, 40 + (d % 4) as u8));
    }
    let policy = policy_of(&obs);
    let spooler = decision(&policy, "win-print-spooler-disabled", None);
    assert_eq!(spooler.state, State::Exception, "{}", spooler.reason);
    assert!(spooler.reason.contains("port 49670"), "{}", spooler.reason);
}

#[test]
fn logons_through_the_windows_ssh_server_keep_it() {
    let mut obs = windows_host("jump", 30, "member_server");
    obs.push(inventory("jump", 0, vec![InventoryItem::new(InventoryCategory::Service, "sshd")]));
    for d in 0..30 {
        obs.push(
            Observation::new(
                at(d, 9),
                "jump",
                "evtx",
                Event::Logon(LogonEvent { method: "publickey".into(), service: "sshd".into(), success: true }),
            )
            .with_user("admin")
            .with_peer(Endpoint::ip(ip(7))),
        );
    }
    let policy = policy_of(&obs);
    let sshd = decision(&policy, "win-unused-services", Some("service sshd"));
    assert_eq!(sshd.state, State::Exception, "{}", sshd.reason);
    assert!(sshd.reason.contains("logon to sshd"), "{}", sshd.reason);
}

#[test]
fn an_nfs_export_mounted_without_a_connection_source_is_kept() {
    let mut obs = linux_host("files", 30);
    obs.push(inventory(
        "files",
        0,
        vec![InventoryItem::new(InventoryCategory::Share, "/srv/exports/home").with_attr("protocol", "nfs")],
    ));
    for d in 0..30 {
        obs.push(
            Observation::new(
                at(d, 9),
                "files",
                "journal",
                Event::Share(ShareUse {
                    share: "/srv/exports/home".into(),
                    path: None,
                    access: Access::Read,
                    protocol: ShareProtocol::Nfs,
                }),
            )
            .with_peer(Endpoint::ip(ip(50 + (d % 3) as u8))),
        );
    }
    let policy = policy_of(&obs);
    let export = decision(&policy, "linux-nfs-unused-exports", Some("share /srv/exports/home"));
    assert_eq!(export.state, State::Exception, "{}", export.reason);
}
