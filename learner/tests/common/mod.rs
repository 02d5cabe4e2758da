//! Observation generators shared by the learner's tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr};
use temper_collector::*;

pub fn base_time() -> DateTime<Utc> {
    "2026-10-01T00:00:00Z".parse().unwrap()
}

fn at(minutes: u32) -> DateTime<Utc> {
    base_time() + Duration::minutes(minutes as i64)
}

fn peer(n: u8) -> Endpoint {
    Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 4, n)), 50_000 + n as u16)
}

/// One observation from a small domain, so that facts repeat and collide.
pub fn observation() -> impl Strategy<Value = Observation> {
    let host = prop::sample::select(vec!["fs01", "web01"]);
    let minutes = 0u32..(30 * 24 * 60);
    let peer_n = 1u8..12;
    let choice = 0u8..7;
    let sub = 0usize..6;
    (host, minutes, peer_n, choice, sub)
        .prop_map(|(host, minutes, p, choice, sub)| {
            let time = at(minutes);
            match choice {
                0 => {
                    let v = TlsVersion::ALL[sub];
                    Observation::new(
                        time,
                        host,
                        "wire",
                        Event::Protocol(ProtocolUse { negotiated: Negotiated::Tls(v) }),
                    )
                    .with_role(Role::Server)
                    .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)), [443, 8443][sub % 2]))
                    .with_peer(peer(p))
                    .with_detail("cipher", ["TLS_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_128_CBC_SHA"][sub % 2])
                }
                1 => Observation::new(
                    time,
                    host,
                    "etw",
                    Event::Share(ShareUse {
                        share: ["scans", r"\\FS01\Public", "[IPC$]"][sub % 3].into(),
                        path: Some(format!("dir{sub}/file.pdf")),
                        access: [Access::Read, Access::Write][sub % 2],
                        protocol: ShareProtocol::Smb,
                    }),
                )
                .with_peer(peer(p))
                .with_user(["alice", "bob", "scanner"][sub % 3]),
                2 => Observation::new(
                    time,
                    host,
                    "journal",
                    Event::Logon(LogonEvent {
                        method: ["publickey", "password"][sub % 2].into(),
                        service: "sshd".into(),
                        success: sub != 5,
                    }),
                )
                .with_user(["alice", "bob", "carol"][sub % 3])
                .with_peer(peer(p)),
                3 => Observation::new(
                    time,
                    host,
                    "ebpf",
                    Event::Script(ScriptRun {
                        interpreter: ["bash", "python3"][sub % 2].into(),
                        engine_version: None,
                        host_application: None,
                        command: Some(format!("/opt/job{sub}.sh --password=s{p}")),
                        parent: Some(ProcessRef::named("cron")),
                    }),
                )
                .with_user("root"),
                4 => Observation::new(
                    time,
                    host,
                    "ebpf",
                    Event::Coverage(Coverage {
                        categories: vec!["script".into(), "connection".into()],
                        from: time,
                        to: time + Duration::minutes(30 + sub as i64 * 60),
                        lost: if sub == 0 { p as u64 } else { 0 },
                    }),
                ),
                5 => Observation::new(
                    time,
                    host,
                    "inventory",
                    Event::Inventory(Inventory {
                        items: vec![
                            InventoryItem::new(InventoryCategory::Share, ["scans", "Public", "old"][sub % 3])
                                .with_attr("path", format!("/srv/{sub}")),
                            InventoryItem::new(InventoryCategory::Module, "cramfs"),
                        ],
                    }),
                ),
                _ => Observation::new(
                    time,
                    host,
                    "ebpf",
                    Event::Connection(ConnectionUse { transport: [Transport::Tcp, Transport::Udp][sub % 2] }),
                )
                .with_role(Role::Server)
                .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)), [22, 53, 443][sub % 3]))
                .with_peer(peer(p)),
            }
        })
        .prop_map(|mut obs| {
            obs.normalize();
            obs
        })
}
