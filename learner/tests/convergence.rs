//! Learning convergence computed with polars over a real profile file, with
//! known answers: a steady category converges, a weekly job that first
//! appeared in the last week keeps its category learning, and a short
//! window converges nothing.

use chrono::{DateTime, Duration, Utc};
use std::net::{IpAddr, Ipv4Addr};
use temper_collector::*;
use temper_learner::analytics::convergence;
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
    let mut profile = Profile::create_or_open(&dir.path().join("p.db")).unwrap();
    let mut aggregator = Aggregator::for_profile(&profile);
    for o in &obs {
        let mut o = o.clone();
        o.normalize();
        aggregator.ingest(&o);
    }
    aggregator.finish_stream();
    aggregator.flush(&mut profile).unwrap();

    let result = convergence(&profile).unwrap();
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
