//! Learning convergence computed with polars over a real profile file, with
//! known answers: a steady category converges, a weekly job that first
//! appeared in the last week keeps its category learning, and a short
//! window converges nothing.

use chrono::{DateTime, Duration, Utc};
use std::net::{IpAddr, Ipv4Addr};
use temper_collector::*;
use temper_learner::analytics::learning;
use temper_learner::convergence::ConvergenceState;
use temper_learner::{Aggregator, Profile};

fn day(n: i64) -> DateTime<Utc> {
    "2026-10-01T09:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::days(n)
}

fn connection(host: &str, n: i64, port: u16) -> Observation {
    Observation::new(day(n), host, "ebpf", Event::Connection(ConnectionUse { transport: Transport::Tcp }))
        .with_role(Role::Server)
        .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), port))
        .with_peer(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)), 50_000))
}

fn script(host: &str, n: i64, interpreter: &str) -> Observation {
    Observation::new(
        day(n),
        host,
        "ebpf",
        Event::Script(ScriptRun {
            interpreter: interpreter.into(),
            engine_version: None,
            host_application: None,
            command: None,
            parent: None,
        }),
    )
}

/// A real profile file holding `obs`, aggregated as `temper import` does.
fn profile_of(path: &std::path::Path, obs: &[Observation]) -> Profile {
    let mut profile = Profile::create_or_open(path).unwrap();
    let mut aggregator = Aggregator::for_profile(&profile);
    for o in obs {
        let mut o = o.clone();
        o.normalize();
        aggregator.ingest(&o);
    }
    aggregator.finish_stream();
    aggregator.flush(&mut profile).unwrap();
    profile
}

#[test]
fn convergence_per_category_from_a_profile_file() {
    let mut obs = Vec::new();
    for d in 0..30 {
        obs.push(connection("web", d, 443));
        obs.push(script("web", d, "bash"));
        if d < 10 {
            obs.push(connection("lab", d, 22));
        }
    }
    // A weekly job, first seen four days before the end of the window.
    obs.push(script("web", 26, "python3"));
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_of(&dir.path().join("p.db"), &obs);

    let result = learning(&profile).unwrap().convergence;
    let find = |host: &str, category: &str| result.iter().find(|c| c.host == host && c.category == category).unwrap();
    let ports = find("web", "ports");
    assert_eq!((ports.state, ports.facts, ports.window_days), (ConvergenceState::Converged, 1, 30));
    let scripts = find("web", "scripts");
    assert_eq!(scripts.state, ConvergenceState::StillLearning, "{}", scripts.reason);
    assert_eq!((scripts.facts, scripts.days_since_new), (2, 3));
    assert_eq!(scripts.new_per_day[0], 1);
    assert_eq!(scripts.new_per_day[26], 1);
    let lab = find("lab", "ports");
    assert_eq!(lab.state, ConvergenceState::StillLearning, "ten days cannot converge");
    assert_eq!(result.iter().filter(|c| c.host == "web").count(), 6, "every category, used or not");
}

fn tls(host: &str, n: i64, version: TlsVersion) -> Observation {
    Observation::new(day(n), host, "wire", Event::Protocol(ProtocolUse { negotiated: Negotiated::Tls(version) }))
        .with_role(Role::Server)
        .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 443))
        .with_peer(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)), 50_000))
}

fn os(host: &str, family: &str) -> Observation {
    Observation::new(
        day(0),
        host,
        "inventory",
        Event::Inventory(Inventory {
            items: vec![InventoryItem::new(InventoryCategory::Setting, "os").with_attr("value", family)],
        }),
    )
}

#[test]
fn fleet_outliers_are_facts_few_hosts_of_a_platform_use() {
    let mut obs = vec![os("fs01", "windows"), tls("fs01", 0, TlsVersion::Tls10)];
    for n in 1..=8 {
        let host = format!("web{n}");
        obs.push(os(&host, "linux"));
        obs.push(tls(&host, 1, TlsVersion::Tls13));
    }
    obs.push(tls("web8", 2, TlsVersion::Tls10));
    obs.push(tls("web7", 2, TlsVersion::Tls12));
    obs.push(tls("web8", 2, TlsVersion::Tls12));
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_of(&dir.path().join("fleet.db"), &obs);

    let outliers = learning(&profile).unwrap().fleet_outliers;
    let facts: Vec<(&str, &str, Vec<&str>, usize)> = outliers
        .iter()
        .map(|o| (o.platform.as_str(), o.fact.as_str(), o.hosts.iter().map(String::as_str).collect(), o.of))
        .collect();
    assert_eq!(
        facts,
        [
            ("linux", "tls tls1.0 (inbound) on port 443", vec!["web8"], 8),
            ("linux", "tls tls1.2 (inbound) on port 443", vec!["web7", "web8"], 8),
        ],
        "only web8 of 8 speaks TLS 1.0; fs01 has no fleet to stand out from"
    );
}

#[test]
fn failed_logons_and_floods_do_not_keep_learning_going() {
    let logon = |n: i64, user: &str, success: bool| {
        Observation::new(
            day(n),
            "web",
            "journal",
            Event::Logon(LogonEvent { service: "sshd".into(), method: "password".into(), success }),
        )
        .with_user(user)
        .with_peer(Endpoint::new(IpAddr::V4(Ipv4Addr::new(203, 0, 113, 7)), 40_000))
    };
    let mut obs: Vec<Observation> = (0..30).map(|d| logon(d, "alice", true)).collect();
    // A stranger trying a new user name every other day, up to the last one,
    // and a flood of 1,000 names in the last week.
    obs.extend((0..15).map(|d| logon(d * 2, &format!("guess{d}"), false)));
    obs.extend((0..1_000).map(|i| logon(27, &format!("flood{i}"), false)));
    let dir = tempfile::tempdir().unwrap();
    let profile = profile_of(&dir.path().join("p.db"), &obs);
    let result = learning(&profile).unwrap().convergence;
    let logons = result.iter().find(|c| c.category == "logons").unwrap();
    assert_eq!((logons.state, logons.facts), (ConvergenceState::Converged, 1), "{}", logons.reason);
}
