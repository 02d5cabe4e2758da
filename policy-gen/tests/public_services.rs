//! A public service is a need, not a rarity: a use seen on many days is a
//! need however many distinct peers make it, while a one-off peer beside
//! regular ones is still flagged and a scan stays `review`.

mod common;

use common::*;
use std::net::{IpAddr, Ipv4Addr};
use temper_collector::*;
use temper_policy::State;

/// `n` visitors of a public site on `day`, each from an address seen on no other day.
fn public_visitors(host: &str, day: i64, n: u8) -> Vec<Observation> {
    (0..n)
        .map(|i| {
            let visitor = IpAddr::V4(Ipv4Addr::new(203, (day % 200) as u8, 113, i));
            Observation::new(
                at(day, 1 + (i as i64 % 20)),
                host,
                "ebpf",
                Event::Connection(ConnectionUse { transport: Transport::Tcp }),
            )
            .with_role(Role::Server)
            .with_local(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 443))
            .with_peer(Endpoint::new(visitor, 40_000 + i as u16))
        })
        .collect()
}

#[test]
fn a_public_service_used_every_day_by_one_off_visitors_is_a_need() {
    let mut obs = linux_host("www", 21);
    for d in 0..21 {
        obs.extend(public_visitors("www", d, 60));
        obs.push(connection("www", at(d, 9), Transport::Tcp, 22, 5));
    }
    let policy = policy_of(&obs);
    let allow = decision(&policy, "linux-nftables-inbound-allowlist", None);
    assert_eq!(allow.state, State::Enforce, "{}", allow.reason);
    assert_eq!(allow.value, serde_json::json!(["tcp/22", "tcp/443"]));
    let https = allow.usage.iter().find(|u| u.fact.contains("port 443")).unwrap();
    assert_eq!(https.state, State::Exception);
    assert!(https.note.as_deref().is_some_and(|n| n.contains("a public service")), "{:?}", https.note);
}

#[test]
fn a_one_off_peer_of_a_regular_service_is_still_flagged_and_a_scan_stays_review() {
    // A one-off peer next to a regular one: the use is a need, the one-off is named.
    let mut obs = linux_host("app", 21);
    for d in 0..21 {
        obs.push(connection("app", at(d, 9), Transport::Tcp, 22, 5));
    }
    obs.push(connection("app", at(7, 3), Transport::Tcp, 22, 99));
    let policy = policy_of(&obs);
    let allow = decision(&policy, "linux-nftables-inbound-allowlist", None);
    let ssh = allow.usage.iter().find(|u| u.fact.contains("port 22")).unwrap();
    assert_eq!(ssh.state, State::Exception);
    assert!(ssh.note.as_deref().is_some_and(|n| n.contains("10.0.9.99")), "{:?}", ssh.note);

    // One peer, many ports, one day: a scan, never a need.
    let mut scanned = linux_host("app", 21);
    for d in 0..21 {
        scanned.push(connection("app", at(d, 9), Transport::Tcp, 22, 5));
    }
    for port in [23, 25, 80, 110, 135, 139, 445, 3306, 5432, 8080] {
        scanned.push(connection("app", at(12, 4), Transport::Tcp, port, 66));
    }
    let policy = policy_of(&scanned);
    let allow = decision(&policy, "linux-nftables-inbound-allowlist", None);
    assert_eq!(allow.state, State::Review, "{}", allow.reason);
    assert!(allow.reason.contains("tcp/3306"), "{}", allow.reason);
}

#[test]
fn a_use_on_a_few_days_by_one_off_peers_stays_review() {
    let mut obs = linux_host("app", 21);
    for d in 0..21 {
        obs.push(connection("app", at(d, 9), Transport::Tcp, 22, 5));
    }
    for d in [3, 9] {
        obs.extend(public_visitors("app", d, 3).into_iter().map(|o| {
            let mut o = o;
            o.local = Some(Endpoint::new(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 8080));
            o
        }));
    }
    let policy = policy_of(&obs);
    let allow = decision(&policy, "linux-nftables-inbound-allowlist", None);
    let web = allow.usage.iter().find(|u| u.fact.contains("port 8080")).unwrap();
    assert_eq!(web.state, State::Review, "two days of one-off peers is not yet a public service");
}
