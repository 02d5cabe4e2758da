//! `fs01`: a Windows file server (a domain member) for 25 workstations.
//!
//! What the data implies, and the demo's end-to-end test checks:
//! - an old scanner (10.0.8.20) negotiates SMB1 to the `scans` share on most
//!   weekdays → SMB1 stays on, as an exception naming the scanner;
//! - one peer (10.0.9.77) tries SMB1 once, on a single day → flagged review;
//! - every workstation negotiates SMB 3.1.1 with NTLMv2 or Kerberos;
//! - a legacy point-of-sale client (10.0.6.50) reaches IIS on 443 with TLS
//!   1.0 a few times a week → SCHANNEL TLS 1.0 is an exception naming it;
//! - one peer uses TLS 1.1 once → review;
//! - a month-end task runs the PowerShell 2.0 engine on the 1st (twice in
//!   the window) → an exception for that task;
//! - `Finance-Archive-2019` is never touched → removed; `Projects-2027`
//!   appears four days before the end → not watched long enough;
//! - RDP is used by an administrator, always with NLA (CredSSP);
//! - `Public` lets Authenticated Users change files → its grants are
//!   flagged for review, proposing the users seen; `scans` grants only the
//!   scanner's account → nothing to narrow.

use super::{is_weekday, v4, weekday, Generator};
use crate::observation::*;
use crate::versions::*;
use crate::windows::share_grants::{to_attr, Grant, Rights};
use crate::{InventoryCategory as Cat, InventoryItem};
use chrono::{Duration, Weekday};
use std::net::IpAddr;

const HOST: &str = "fs01";
const PEOPLE: [&str; 25] = [
    "alice", "bob", "chen", "dana", "emil", "fatima", "georg", "hana", "ivan", "julia", "karl", "lena", "marek",
    "nora", "oskar", "petra", "quentin", "rosa", "sven", "tara", "udo", "vera", "wim", "xenia", "yusuf",
];

fn local(port: u16) -> Endpoint {
    Endpoint::new(IpAddr::V4(v4(10, 0, 0, 5)), port)
}

/// A version negotiated by a client with this server on `port`, as the packet source sees it.
fn inbound(time: chrono::DateTime<chrono::Utc>, negotiated: Negotiated, port: u16, peer: &Endpoint) -> Observation {
    Observation::new(time, HOST, "wire", Event::Protocol(ProtocolUse { negotiated }))
        .with_role(Role::Server)
        .with_local(local(port))
        .with_peer(peer.clone())
}

fn smb(gen: &mut Generator, time: chrono::DateTime<chrono::Utc>, peer: &Endpoint, dialect: SmbDialect) {
    gen.push(
        inbound(time, Negotiated::Smb(dialect), 445, peer)
            .with_process(ProcessRef { pid: Some(4), name: "System".into() }),
    );
    gen.push(
        Observation::new(time, HOST, "etw", Event::Connection(ConnectionUse { transport: Transport::Tcp }))
            .with_role(Role::Server)
            .with_local(local(445))
            .with_peer(peer.clone())
            .with_process(ProcessRef { pid: Some(4), name: "System".into() }),
    );
}

fn ntlm(gen: &mut Generator, time: chrono::DateTime<chrono::Utc>, peer: &Endpoint, user: &str, workstation: &str) {
    gen.push(
        inbound(time, Negotiated::Ntlm(NtlmVersion::NtlmV2), 445, peer)
            .with_user(user)
            .with_detail("workstation", workstation)
            .with_detail("domain", "CORP"),
    );
}

fn share(
    gen: &mut Generator,
    time: chrono::DateTime<chrono::Utc>,
    peer: &Endpoint,
    user: &str,
    name: &str,
    path: &str,
    access: Access,
) {
    gen.push(
        Observation::new(
            time,
            HOST,
            "etw",
            Event::Share(ShareUse {
                share: format!(r"\\*\{name}"),
                path: Some(path.into()),
                access,
                protocol: ShareProtocol::Smb,
            }),
        )
        .with_peer(Endpoint::ip(peer.ip.expect("demo peers have addresses")))
        .with_user(user),
    );
}

fn tls(gen: &mut Generator, time: chrono::DateTime<chrono::Utc>, peer: &Endpoint, version: TlsVersion, cipher: &str) {
    gen.push(
        inbound(time, Negotiated::Tls(version), 443, peer)
            .with_detail("cipher", cipher)
            .with_detail("sni", "intranet.corp.example"),
    );
    gen.push(
        Observation::new(time, HOST, "etw", Event::Connection(ConnectionUse { transport: Transport::Tcp }))
            .with_role(Role::Server)
            .with_local(local(443))
            .with_peer(peer.clone())
            .with_process(ProcessRef { pid: Some(4), name: "System".into() }),
    );
}

const AUTHENTICATED_USERS: &str = "S-1-5-11";
const ADMINISTRATORS: &str = "S-1-5-32-544";
const SYSTEM: &str = "S-1-5-18";
const SCANNER_ACCOUNT: &str = "S-1-5-21-1004336348-1177238915-682003330-1108";

/// Share or folder grants as the live inventory records them.
fn grants(list: &[(&str, &str, Rights)]) -> serde_json::Value {
    let list: Vec<Grant> = list
        .iter()
        .map(|&(trustee, name, rights)| Grant { trustee: trustee.into(), name: Some(name.into()), rights })
        .collect();
    to_attr(&list)
}

fn inventory_items(day: i64) -> Vec<InventoryItem> {
    let mut items = vec![
        InventoryItem::new(Cat::Setting, "os")
            .with_attr("value", "windows")
            .with_attr("version", "Windows Server 2022 Standard 21H2"),
        InventoryItem::new(Cat::Setting, "timezone").with_attr("value", "Europe/Berlin"),
        InventoryItem::new(Cat::Setting, "domain_role")
            .with_attr("value", "member_server")
            .with_attr("domain", "corp.example"),
        InventoryItem::new(Cat::Setting, "LmCompatibilityLevel").with_attr("value", 3),
        InventoryItem::new(Cat::Setting, "SMB1").with_attr("value", "enabled"),
        InventoryItem::new(Cat::Share, "scans")
            .with_attr("path", r"D:\Scans")
            .with_attr(
                "share_grants",
                grants(&[
                    (SCANNER_ACCOUNT, r"CORP\svc-scanner", Rights::Change),
                    (ADMINISTRATORS, r"BUILTIN\Administrators", Rights::Full),
                ]),
            )
            .with_attr(
                "folder_grants",
                grants(&[(SCANNER_ACCOUNT, r"CORP\svc-scanner", Rights::Change), (SYSTEM, "SYSTEM", Rights::Full)]),
            ),
        InventoryItem::new(Cat::Share, "Public")
            .with_attr("path", r"D:\Public")
            .with_attr("share_grants", grants(&[(AUTHENTICATED_USERS, "Authenticated Users", Rights::Change)]))
            .with_attr(
                "folder_grants",
                grants(&[
                    (AUTHENTICATED_USERS, "Authenticated Users", Rights::Change),
                    (SYSTEM, "SYSTEM", Rights::Full),
                ]),
            ),
        InventoryItem::new(Cat::Share, "Finance-Archive-2019").with_attr("path", r"D:\Archive\Finance-2019"),
        InventoryItem::new(Cat::Share, "IPC$"),
        InventoryItem::new(Cat::Share, "ADMIN$").with_attr("path", r"C:\Windows"),
        InventoryItem::new(Cat::Share, "C$").with_attr("path", r"C:\"),
        InventoryItem::new(Cat::Share, "D$").with_attr("path", r"D:\"),
        InventoryItem::new(Cat::Service, "LanmanServer").with_attr("state", "running").with_attr("start", "auto"),
        InventoryItem::new(Cat::Service, "W3SVC").with_attr("state", "running").with_attr("start", "auto"),
        InventoryItem::new(Cat::Service, "TermService").with_attr("state", "running").with_attr("start", "manual"),
        InventoryItem::new(Cat::Service, "Spooler").with_attr("state", "running").with_attr("start", "auto"),
        InventoryItem::new(Cat::Listener, "System:445")
            .with_attr("port", 445)
            .with_attr("transport", "tcp")
            .with_attr("process", "System"),
        InventoryItem::new(Cat::Listener, "System:443")
            .with_attr("port", 443)
            .with_attr("transport", "tcp")
            .with_attr("process", "System")
            .with_attr("tls", true),
        InventoryItem::new(Cat::Listener, "svchost:3389")
            .with_attr("port", 3389)
            .with_attr("transport", "tcp")
            .with_attr("process", "svchost.exe")
            .with_attr("tls", true),
        InventoryItem::new(Cat::Listener, "svchost:135")
            .with_attr("port", 135)
            .with_attr("transport", "tcp")
            .with_attr("process", "svchost.exe"),
        InventoryItem::new(Cat::Feature, "PowerShell-V2").with_attr("installed", true),
    ];
    if day >= 38 {
        items.push(InventoryItem::new(Cat::Share, "Projects-2027").with_attr("path", r"D:\Projects\2027"));
    }
    items
}

pub(super) fn generate(gen: &mut Generator) {
    gen.daily_coverage(HOST, "etw", &["share", "script", "logon", "service", "connection"], &[]);
    // One burst of lost packets on one day: not enough to doubt the whole window.
    gen.daily_coverage(HOST, "wire", &["protocol"], &[(20, 350)]);

    for day in 0..gen.days {
        gen.inventory(HOST, day, inventory_items(day));
        let workday = is_weekday(day);

        // Workstations: SMB 3.1.1, NTLMv2 or Kerberos, the Public share, the intranet.
        for (n, person) in PEOPLE.iter().enumerate() {
            if !workday || !gen.chance(0.9) {
                continue;
            }
            let ip = v4(10, 0, 5, 10 + n as u8);
            let user = format!(r"CORP\{person}");
            let sessions = gen.between(1, 3);
            for _ in 0..sessions {
                let t = gen.time_on(day, 7, 18);
                let peer = gen.ephemeral(ip);
                smb(gen, t, &peer, SmbDialect::Smb311);
                if gen.chance(0.3) {
                    ntlm(gen, t, &peer, &user, &format!("WS-{:03}", 10 + n));
                } else {
                    gen.push(
                        inbound(t, Negotiated::Kerberos(KerberosVersion::V5), 445, &peer)
                            .with_detail("etype", "aes256-cts-hmac-sha1-96"),
                    );
                }
                gen.push(
                    Observation::new(
                        t,
                        HOST,
                        "etw",
                        Event::Logon(LogonEvent { method: "kerberos".into(), service: "smb".into(), success: true }),
                    )
                    .with_user(user.clone())
                    .with_peer(Endpoint::ip(IpAddr::V4(ip))),
                );
                share(gen, t, &peer, &user, "IPC$", "", Access::List);
                for _ in 0..gen.between(2, 8) {
                    let t2 = t + Duration::seconds(gen.between(5, 3000) as i64);
                    let path = format!(r"Team\{person}\notes-{}.docx", gen.between(1, 40));
                    share(gen, t2, &peer, &user, "Public", &path, Access::Read);
                }
                for _ in 0..gen.between(0, 2) {
                    let t2 = t + Duration::seconds(gen.between(5, 3000) as i64);
                    let path = format!(r"Team\{person}\draft-{}.xlsx", gen.between(1, 40));
                    share(gen, t2, &peer, &user, "Public", &path, Access::Write);
                }
            }
            if gen.chance(0.4) {
                let t = gen.time_on(day, 8, 17);
                let peer = gen.ephemeral(ip);
                let (v, c) = if gen.chance(0.6) {
                    (TlsVersion::Tls13, "TLS_AES_256_GCM_SHA384")
                } else {
                    (TlsVersion::Tls12, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384")
                };
                tls(gen, t, &peer, v, c);
            }
        }

        // The old multifunction printer scans to \\fs01\scans over SMB1.
        if workday && gen.chance(0.85) {
            let ip = v4(10, 0, 8, 20);
            for _ in 0..gen.between(2, 8) {
                let t = gen.time_on(day, 7, 18);
                let peer = gen.ephemeral(ip);
                smb(gen, t, &peer, SmbDialect::Smb1);
                ntlm(gen, t, &peer, r"CORP\svc-scanner", "SCAN-3F-MFP");
                let file = format!("scan_{}_{:04}.pdf", t.format("%Y%m%d"), gen.between(0, 9999));
                share(gen, t + Duration::seconds(2), &peer, r"CORP\svc-scanner", "scans", &file, Access::Write);
            }
        }

        // The legacy point-of-sale client only speaks TLS 1.0.
        if matches!(weekday(day), Weekday::Mon | Weekday::Wed | Weekday::Fri) && gen.chance(0.9) {
            for _ in 0..gen.between(1, 3) {
                let t = gen.time_on(day, 9, 20);
                let peer = gen.ephemeral(v4(10, 0, 6, 50));
                tls(gen, t, &peer, TlsVersion::Tls10, "TLS_RSA_WITH_3DES_EDE_CBC_SHA");
            }
        }

        // An administrator on RDP, always with NLA.
        if matches!(weekday(day), Weekday::Tue | Weekday::Thu) {
            let t = gen.time_on(day, 9, 16);
            let peer = gen.ephemeral(v4(10, 0, 5, 10));
            gen.push(inbound(t, Negotiated::Rdp(RdpSecurity::CredSsp), 3389, &peer));
            gen.push(
                Observation::new(t, HOST, "etw", Event::Connection(ConnectionUse { transport: Transport::Tcp }))
                    .with_role(Role::Server)
                    .with_local(local(3389))
                    .with_peer(peer.clone())
                    .with_process(ProcessRef::named("svchost.exe")),
            );
            gen.push(
                Observation::new(
                    t,
                    HOST,
                    "etw",
                    Event::Logon(LogonEvent { method: "kerberos".into(), service: "rdp".into(), success: true }),
                )
                .with_user(r"CORP\adm-alice")
                .with_peer(peer)
                .with_detail("logon_type", 10),
            );
        }

        // Daily housekeeping in PowerShell 5.1.
        let t = gen.time_on(day, 6, 7);
        gen.push(
            Observation::new(
                t,
                HOST,
                "etw",
                Event::Script(ScriptRun {
                    interpreter: r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe".into(),
                    engine_version: Some("5.1.20348.2849".into()),
                    host_application: Some("powershell.exe -NoProfile -File C:\\Tasks\\Cleanup-Scans.ps1".into()),
                    command: Some("Get-ChildItem D:\\Scans -Recurse | Where-Object LastWriteTime -lt (Get-Date).AddDays(-30) | Remove-Item".into()),
                    parent: Some(ProcessRef::named("svchost.exe")),
                }),
            )
            .with_user(r"NT AUTHORITY\SYSTEM"),
        );
    }

    // The month-end report still runs on the PowerShell 2.0 engine (Oct 1 and Nov 1).
    for day in [0, 31] {
        let t = super::day_start(day) + Duration::hours(2) + Duration::minutes(gen.between(0, 4) as i64);
        gen.push(
            Observation::new(
                t,
                HOST,
                "etw",
                Event::Script(ScriptRun {
                    interpreter: "powershell.exe".into(),
                    engine_version: Some("2.0".into()),
                    host_application: Some(
                        "powershell.exe -Version 2 -NoProfile -File C:\\Tasks\\MonthEnd-Report.ps1".into(),
                    ),
                    command: Some("powershell.exe -Version 2 -NoProfile -File C:\\Tasks\\MonthEnd-Report.ps1".into()),
                    parent: Some(ProcessRef::named("svchost.exe")),
                }),
            )
            .with_user(r"CORP\svc-report")
            .with_detail("task", r"\Finance\MonthEnd-Report"),
        );
    }

    // An administrator once typed a password on the command line: stored redacted.
    let t = super::day_start(9) + Duration::hours(10);
    gen.push(
        Observation::new(
            t,
            HOST,
            "etw",
            Event::Script(ScriptRun {
                interpreter: "powershell.exe".into(),
                engine_version: Some("5.1.20348.2849".into()),
                host_application: Some("powershell.exe".into()),
                command: Some("New-LocalUser -Name temp-audit -Password (ConvertTo-SecureString 'Winter2026!' -AsPlainText -Force)".into()),
                parent: Some(ProcessRef::named("explorer.exe")),
            }),
        )
        .with_user(r"CORP\adm-alice"),
    );

    // One unknown peer tries SMB1 once, in the night.
    let t = super::day_start(23) + Duration::hours(3) + Duration::minutes(12);
    let peer = gen.ephemeral(v4(10, 0, 9, 77));
    smb(gen, t, &peer, SmbDialect::Smb1);

    // One peer negotiates TLS 1.1 once.
    let t = super::day_start(17) + Duration::hours(14) + Duration::minutes(5);
    let peer = gen.ephemeral(v4(10, 0, 7, 201));
    tls(gen, t, &peer, TlsVersion::Tls11, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA");

    // The web server was restarted once for patching.
    let t = super::day_start(14) + Duration::hours(22);
    for action in [ServiceAction::Stop, ServiceAction::Start] {
        gen.push(Observation::new(
            t,
            HOST,
            "etw",
            Event::Service(ServiceEvent {
                service: "W3SVC".into(),
                action,
                image: Some(r"C:\Windows\system32\svchost.exe -k iissvcs".into()),
                account: Some("LocalSystem".into()),
            }),
        ));
    }
}
