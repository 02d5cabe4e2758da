//! `web01`: a Linux web server.
//!
//! What the data implies, and the demo's end-to-end test checks:
//! - nginx on 443 sees TLS 1.2 and 1.3 only → minimum TLS 1.2 on 443;
//! - an internal API (java) on 8443 has one legacy client (10.0.7.15) on
//!   TLS 1.0 most weekdays → an exception on 8443;
//! - Grafana starts listening on 9443 six days before the end → its TLS
//!   minimum is not watched long enough;
//! - alice and bob log in with keys, carol with a password on several days
//!   → PasswordAuthentication is an exception naming carol; AllowUsers is
//!   exactly those three;
//! - root never logs in (only failed guesses from the internet) →
//!   PermitRootLogin no is enforced;
//! - a nightly python job from cron; udf is loaded (the cloud-init ISO) →
//!   kept, the other CIS modules are disabled.

use super::{is_weekday, v4, Generator};
use crate::observation::*;
use crate::versions::*;
use crate::{InventoryCategory as Cat, InventoryItem};
use chrono::Duration;
use std::net::IpAddr;

const HOST: &str = "web01";

fn local(port: u16) -> Endpoint {
    Endpoint::new(IpAddr::V4(v4(10, 0, 1, 20)), port)
}

fn inbound(
    gen: &mut Generator,
    t: chrono::DateTime<chrono::Utc>,
    port: u16,
    transport: Transport,
    peer: &Endpoint,
    process: &str,
) {
    gen.push(
        Observation::new(t, HOST, "ebpf", Event::Connection(ConnectionUse { transport }))
            .with_role(Role::Server)
            .with_local(local(port))
            .with_peer(peer.clone())
            .with_process(ProcessRef::named(process)),
    );
}

fn tls(
    gen: &mut Generator,
    t: chrono::DateTime<chrono::Utc>,
    port: u16,
    peer: &Endpoint,
    version: TlsVersion,
    cipher: &str,
    process: &str,
) {
    inbound(gen, t, port, Transport::Tcp, peer, process);
    gen.push(
        Observation::new(t, HOST, "ebpf", Event::Protocol(ProtocolUse { negotiated: Negotiated::Tls(version) }))
            .with_role(Role::Server)
            .with_local(local(port))
            .with_peer(peer.clone())
            .with_process(ProcessRef::named(process))
            .with_detail("cipher", cipher),
    );
}

fn ssh_logon(
    gen: &mut Generator,
    t: chrono::DateTime<chrono::Utc>,
    user: &str,
    method: &str,
    success: bool,
    peer: &Endpoint,
) {
    inbound(gen, t, 22, Transport::Tcp, peer, "sshd");
    gen.push(
        Observation::new(
            t,
            HOST,
            "journal",
            Event::Logon(LogonEvent { method: method.into(), service: "sshd".into(), success }),
        )
        .with_user(user)
        .with_peer(peer.clone()),
    );
}

fn inventory_items(day: i64) -> Vec<InventoryItem> {
    let listener = |name: &str, port: u16, transport: &str, process: &str| {
        InventoryItem::new(Cat::Listener, name)
            .with_attr("port", port)
            .with_attr("transport", transport)
            .with_attr("process", process)
    };
    let mut items = vec![
        InventoryItem::new(Cat::Setting, "os")
            .with_attr("value", "linux")
            .with_attr("version", "Debian GNU/Linux 12 (bookworm)"),
        InventoryItem::new(Cat::Setting, "timezone").with_attr("value", "Europe/Berlin"),
        InventoryItem::new(Cat::Setting, "sshd.permitrootlogin").with_attr("value", "without-password"),
        InventoryItem::new(Cat::Setting, "sshd.passwordauthentication").with_attr("value", "yes"),
        listener("sshd:22", 22, "tcp", "sshd"),
        listener("nginx:443", 443, "tcp", "nginx").with_attr("tls", true),
        listener("java:8443", 8443, "tcp", "java").with_attr("tls", true),
        listener("node_exporter:9100", 9100, "tcp", "node_exporter"),
        listener("snmpd:161", 161, "udp", "snmpd"),
        InventoryItem::new(Cat::Service, "ssh").with_attr("state", "running"),
        InventoryItem::new(Cat::Service, "nginx").with_attr("state", "running"),
        InventoryItem::new(Cat::Service, "orders-api").with_attr("state", "running"),
        InventoryItem::new(Cat::Service, "snmpd").with_attr("state", "running"),
        InventoryItem::new(Cat::Service, "cron").with_attr("state", "running"),
    ];
    for module in ["ext4", "nf_tables", "overlay", "udf", "virtio_net"] {
        items.push(InventoryItem::new(Cat::Module, module));
    }
    for (account, shell) in [
        ("root", "/bin/bash"),
        ("alice", "/bin/bash"),
        ("bob", "/bin/bash"),
        ("carol", "/bin/bash"),
        ("report", "/usr/sbin/nologin"),
        ("www-data", "/usr/sbin/nologin"),
    ] {
        items.push(InventoryItem::new(Cat::Account, account).with_attr("shell", shell));
    }
    // A build toolchain the image was made with and nothing runs.
    for program in ["gcc", "make", "gdb"] {
        items.push(
            InventoryItem::new(Cat::Feature, program)
                .with_attr("kind", "program")
                .with_attr("path", format!("/usr/bin/{program}"))
                .with_attr("enabled", true),
        );
    }
    if day >= 36 {
        items.push(listener("grafana:9443", 9443, "tcp", "grafana").with_attr("tls", true));
        items.push(InventoryItem::new(Cat::Service, "grafana-server").with_attr("state", "running"));
    }
    items
}

pub(super) fn generate(gen: &mut Generator) {
    gen.daily_coverage(HOST, "ebpf", &["exec", "script", "connection", "protocol", "module"], &[]);
    gen.daily_coverage(HOST, "journal", &["logon"], &[]);

    // Modules loaded at boot, before the window; the udf module for the cloud-init ISO.
    for module in ["ext4", "nf_tables", "overlay", "udf", "virtio_net"] {
        let t = super::day_start(0) + Duration::seconds(gen.between(1, 50) as i64);
        gen.push(Observation::new(t, HOST, "ebpf", Event::Module(ModuleLoad { name: module.into() })));
    }

    for day in 0..gen.days {
        gen.inventory(HOST, day, inventory_items(day));
        let workday = is_weekday(day);

        // Public clients of nginx.
        for _ in 0..gen.between(30, 80) {
            let t = gen.time_on(day, 0, 24);
            let ip = if gen.chance(0.5) {
                v4(203, 0, 113, gen.between(1, 254) as u8)
            } else {
                v4(198, 51, 100, gen.between(1, 254) as u8)
            };
            let peer = gen.ephemeral(ip);
            if gen.chance(0.7) {
                tls(gen, t, 443, &peer, TlsVersion::Tls13, "TLS_AES_128_GCM_SHA256", "nginx");
            } else {
                tls(gen, t, 443, &peer, TlsVersion::Tls12, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "nginx");
            }
        }

        // Internal clients of the orders API, and the one legacy client on TLS 1.0.
        for client in 10..15u8 {
            for _ in 0..gen.between(2, 6) {
                let t = gen.time_on(day, 6, 22);
                let peer = gen.ephemeral(v4(10, 0, 2, client));
                let v = if client % 2 == 0 { TlsVersion::Tls13 } else { TlsVersion::Tls12 };
                tls(gen, t, 8443, &peer, v, "TLS_AES_256_GCM_SHA384", "java");
            }
        }
        if workday && gen.chance(0.8) {
            for _ in 0..gen.between(1, 4) {
                let t = gen.time_on(day, 8, 18);
                let peer = gen.ephemeral(v4(10, 0, 7, 15));
                tls(gen, t, 8443, &peer, TlsVersion::Tls10, "TLS_RSA_WITH_AES_128_CBC_SHA", "java");
            }
        }

        // Grafana, new on day 36, only TLS 1.3 clients so far.
        if day >= 36 {
            for _ in 0..gen.between(1, 5) {
                let t = gen.time_on(day, 8, 18);
                let peer = gen.ephemeral(v4(10, 0, 2, 30));
                tls(gen, t, 9443, &peer, TlsVersion::Tls13, "TLS_AES_128_GCM_SHA256", "grafana");
            }
        }

        // SSH: keys for alice and bob, a password for carol on some days, guesses for root.
        if workday && gen.chance(0.8) {
            let t = gen.time_on(day, 8, 18);
            let peer = gen.ephemeral(v4(10, 0, 1, 5));
            ssh_logon(gen, t, "alice", "publickey", true, &peer);
        }
        if workday && gen.chance(0.6) {
            let t = gen.time_on(day, 8, 18);
            let peer = gen.ephemeral(v4(10, 0, 1, 6));
            ssh_logon(gen, t, "bob", "publickey", true, &peer);
        }
        if workday && gen.chance(0.3) {
            let t = gen.time_on(day, 9, 17);
            let peer = gen.ephemeral(v4(10, 0, 1, 9));
            ssh_logon(gen, t, "carol", "password", true, &peer);
        }
        for _ in 0..gen.between(0, 6) {
            let t = gen.time_on(day, 0, 24);
            let guesser = v4(192, 0, 2, gen.between(1, 254) as u8);
            let peer = gen.ephemeral(guesser);
            ssh_logon(gen, t, "root", "password", false, &peer);
        }

        // Monitoring: node_exporter scrapes and SNMP polls.
        for hour in 0..24 {
            let t = super::day_start(day) + Duration::hours(hour) + Duration::seconds(gen.between(0, 59) as i64);
            let peer = gen.ephemeral(v4(10, 0, 3, 3));
            inbound(gen, t, 9100, Transport::Tcp, &peer, "node_exporter");
            if hour % 6 == 0 {
                let snmp = Endpoint::new(IpAddr::V4(v4(10, 0, 3, 3)), 50161);
                inbound(gen, t, 161, Transport::Udp, &snmp, "snmpd");
            }
        }

        // The nightly report job from cron (it puts its password on the command line).
        let t = super::day_start(day) + Duration::hours(2) + Duration::seconds(gen.between(0, 30) as i64);
        gen.push(
            Observation::new(
                t,
                HOST,
                "ebpf",
                Event::Script(ScriptRun {
                    interpreter: "/usr/bin/python3".into(),
                    engine_version: Some("3.11.2".into()),
                    host_application: None,
                    command: Some(
                        "/usr/bin/python3 /opt/reports/nightly.py --db-password=hunter2 --out /srv/reports".into(),
                    ),
                    parent: Some(ProcessRef::named("cron")),
                }),
            )
            .with_user("report"),
        );
        gen.push(
            Observation::new(
                t + Duration::minutes(15),
                HOST,
                "ebpf",
                Event::Exec(ExecRun {
                    image: "/usr/sbin/logrotate".into(),
                    argv: vec!["/usr/sbin/logrotate".into(), "/etc/logrotate.conf".into()],
                    parent: Some(ProcessRef::named("cron")),
                }),
            )
            .with_user("root"),
        );
    }
}
