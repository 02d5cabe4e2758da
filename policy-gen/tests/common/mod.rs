//! Builders for observations and profiles used by policy-gen's tests. Every
//! profile is a real SQLite file written through the learner.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;
use temper_collector::*;
use temper_learner::{Aggregator, Profile};
use temper_policy::{generate, render, Catalog, Decision, Policy, PolicyOptions, State};

pub fn day(n: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap() + Duration::days(n)
}

pub fn at(n: i64, hour: i64) -> DateTime<Utc> {
    day(n) + Duration::hours(hour)
}

pub fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(10, 0, 9, last))
}

pub fn os(host: &str, family: &str) -> Observation {
    inventory(host, 0, vec![InventoryItem::new(InventoryCategory::Setting, "os").with_attr("value", family)])
}

pub fn inventory(host: &str, on_day: i64, items: Vec<InventoryItem>) -> Observation {
    Observation::new(at(on_day, 0), host, "inventory", Event::Inventory(Inventory { items }))
}

/// Daily coverage of `categories` by `source` for `days` days, losing events on the given days.
pub fn coverage(host: &str, source: &str, categories: &[&str], days: i64, lossy: &[i64]) -> Vec<Observation> {
    (0..days)
        .map(|d| {
            Observation::new(
                day(d + 1),
                host,
                source,
                Event::Coverage(Coverage {
                    categories: categories.iter().map(|c| c.to_string()).collect(),
                    from: day(d),
                    to: day(d + 1),
                    lost: if lossy.contains(&d) { 10 } else { 0 },
                }),
            )
        })
        .collect()
}

/// `host` as the client: it reached `peer` on `port` and negotiated this.
pub fn client_protocol(host: &str, when: DateTime<Utc>, negotiated: Negotiated, port: u16, peer: u8) -> Observation {
    Observation::new(when, host, "wire", Event::Protocol(ProtocolUse { negotiated }))
        .with_role(Role::Client)
        .with_local(Endpoint::new(ip(1), 50_000))
        .with_peer(Endpoint::new(ip(peer), port))
}

pub fn protocol(host: &str, when: DateTime<Utc>, negotiated: Negotiated, port: u16, peer: u8) -> Observation {
    Observation::new(when, host, "wire", Event::Protocol(ProtocolUse { negotiated }))
        .with_role(Role::Server)
        .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), port))
        .with_peer(Endpoint::new(ip(peer), 50_000))
}

pub fn connection(host: &str, when: DateTime<Utc>, transport: Transport, port: u16, peer: u8) -> Observation {
    Observation::new(when, host, "ebpf", Event::Connection(ConnectionUse { transport }))
        .with_role(Role::Server)
        .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), port))
        .with_peer(Endpoint::new(ip(peer), 50_000))
}

pub fn logon(host: &str, when: DateTime<Utc>, user: &str, method: &str, success: bool, peer: u8) -> Observation {
    Observation::new(
        when,
        host,
        "journal",
        Event::Logon(LogonEvent { method: method.into(), service: "sshd".into(), success }),
    )
    .with_user(user)
    .with_peer(Endpoint::ip(ip(peer)))
}

pub fn share_use(host: &str, when: DateTime<Utc>, share: &str, access: Access, peer: u8) -> Observation {
    Observation::new(
        when,
        host,
        "etw",
        Event::Share(ShareUse {
            share: share.into(),
            path: Some("a.txt".into()),
            access,
            protocol: ShareProtocol::Smb,
        }),
    )
    .with_peer(Endpoint::ip(ip(peer)))
}

pub fn build_profile(path: &Path, observations: &[Observation]) -> Profile {
    let mut profile = Profile::create_or_open(path).unwrap();
    let mut agg = Aggregator::for_profile(&profile);
    for obs in observations {
        let mut obs = obs.clone();
        obs.normalize();
        agg.ingest(&obs);
    }
    agg.finish_stream();
    agg.flush(&mut profile).unwrap();
    profile
}

pub fn policy_of(observations: &[Observation]) -> Policy {
    policy_with(observations, &PolicyOptions::default())
}

pub fn policy_with(observations: &[Observation], options: &PolicyOptions) -> Policy {
    let dir = tempfile::tempdir().unwrap();
    let profile = build_profile(&dir.path().join("p.db"), observations);
    generate(&profile, &Catalog::embedded().unwrap(), options, Utc::now()).unwrap()
}

pub fn decision<'a>(policy: &'a Policy, rule: &str, subject: Option<&str>) -> &'a Decision {
    policy.decisions.iter().find(|d| d.rule == rule && d.subject.as_deref() == subject).unwrap_or_else(|| {
        panic!(
            "no decision {rule} {subject:?} in {:#?}",
            policy.decisions.iter().map(|d| (&d.rule, &d.subject, d.state)).collect::<Vec<_>>()
        )
    })
}

pub fn state(policy: &Policy, rule: &str, subject: Option<&str>) -> State {
    decision(policy, rule, subject).state
}

/// A Linux host watched for `days` days by every source the rules need.
pub fn linux_host(host: &str, days: i64) -> Vec<Observation> {
    let mut out = vec![os(host, "linux")];
    out.extend(coverage(host, "ebpf", &["*"], days, &[]));
    out.extend(coverage(host, "journal", &["logon"], days, &[]));
    out.push(inventory(
        host,
        0,
        vec![InventoryItem::new(InventoryCategory::Listener, "sshd:22")
            .with_attr("port", 22)
            .with_attr("process", "sshd")],
    ));
    out
}

/// A Windows host watched for `days` days.
pub fn windows_host(host: &str, days: i64, role: &str) -> Vec<Observation> {
    let mut out = vec![inventory(
        host,
        0,
        vec![
            InventoryItem::new(InventoryCategory::Setting, "os").with_attr("value", "windows"),
            InventoryItem::new(InventoryCategory::Setting, "domain_role").with_attr("value", role),
        ],
    )];
    out.extend(coverage(host, "etw", &["*"], days, &[]));
    out
}

pub fn render_to(policy: &Policy, dir: &Path) {
    render::render(policy, Catalog::embedded().unwrap().rules(), dir).unwrap();
}

/// Runs a rendered install.sh into `root` (TEMPER_ROOT).
pub fn run_install(dir: &Path, root: &Path, args: &[&str]) -> std::process::Output {
    Command::new("sh").arg(dir.join("install.sh")).args(args).env("TEMPER_ROOT", root).output().expect("sh runs")
}

/// A real tool for a validation test: skip with a reason, or fail under TEMPER_REQUIRE_LIVE=1.
pub fn live_tool(tool: &str, needs_root: bool) -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {tool}"))
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    let root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false);
    let missing = if !found {
        Some(format!("{tool} is not installed"))
    } else if needs_root && !root {
        Some(format!("{tool} needs root"))
    } else {
        None
    };
    match missing {
        None => true,
        Some(reason) if std::env::var("TEMPER_REQUIRE_LIVE").as_deref() == Ok("1") => {
            panic!("TEMPER_REQUIRE_LIVE=1 but {reason}")
        }
        Some(reason) => {
            eprintln!("skipped: {reason}");
            false
        }
    }
}

/// Runs the rollback script install.sh wrote into `root` (its only one).
pub fn run_rollback(root: &Path) -> std::process::Output {
    let rollback = std::fs::read_dir(root.join("var/backups/temper"))
        .unwrap()
        .next()
        .expect("install.sh wrote a backup directory")
        .unwrap()
        .path()
        .join("rollback.sh");
    Command::new("sh").arg(&rollback).output().unwrap()
}

/// An sshd_config of `drop_in` with a fresh host key, ready for `sshd -t`/`-T`.
pub fn sshd_config_with_host_key(dir: &Path, drop_in: &str) -> std::path::PathBuf {
    let key = dir.join("hostkey");
    let keygen = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key).output().unwrap();
    assert!(keygen.status.success());
    let config = dir.join("sshd_config");
    std::fs::write(&config, format!("{drop_in}\nHostKey {}\n", key.display())).unwrap();
    // sshd insists on its privilege separation directory, which a fresh
    // machine may not have yet (it is created when the service first starts).
    let _ = std::fs::create_dir_all("/run/sshd");
    config
}

/// Where sshd is installed (it is not on a normal user's PATH), if it is.
pub fn sshd_path() -> Option<&'static str> {
    ["/usr/sbin/sshd", "/usr/bin/sshd"].into_iter().find(|p| Path::new(p).exists())
}
