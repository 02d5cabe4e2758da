//! Floods are folded by the profile; the policy names them and never rests
//! a decision on an identity a fold no longer tells apart, while the uses
//! the fold still counts exactly stay evidence.

mod common;

use common::*;
use temper_collector::*;
use temper_policy::report::markdown;
use temper_policy::simulate::simulate;
use temper_policy::{Catalog, State};

/// A server used over SSH every day, with a weekly backup login as `backup`.
fn ssh_server(host: &str) -> Vec<Observation> {
    let mut obs = linux_host(host, 21);
    for d in 0..21 {
        obs.push(connection(host, at(d, 9), Transport::Tcp, 22, 5));
        obs.push(logon(host, at(d, 9), "alice", "publickey", true, 5));
    }
    obs
}

#[test]
fn a_flood_of_failed_logons_is_named_and_holds_nothing_back() {
    let mut obs = ssh_server("web01");
    let clean = policy_of(&obs);
    for i in 0..3_000u32 {
        let mut flood = logon("web01", at(14 + i64::from(i / 1_500), 2), &format!("guess{i}"), "password", false, 66);
        flood.time += chrono::Duration::seconds(i64::from(i));
        obs.push(flood);
    }
    let policy = policy_of(&obs);
    assert_eq!(policy.floods.len(), 1, "{:#?}", policy.floods);
    let flood = &policy.floods[0];
    assert_eq!((flood.host.as_str(), flood.members.as_str()), ("web01", "user names"));
    assert!(flood.fact.contains("failed password logons to sshd"), "{}", flood.fact);
    assert_eq!(flood.days, 2);
    let folded_names = 3_000 - 256;
    assert!(!flood.distinct_exact && flood.distinct.abs_diff(folded_names) < folded_names / 10, "{}", flood.distinct);
    assert_eq!(flood.peers[0].value, "10.0.9.66");

    // No rule needs failed logons: every decision is the one the clean profile gave.
    for d in &policy.decisions {
        let before = clean.decisions.iter().find(|c| c.rule == d.rule && c.subject == d.subject).unwrap();
        assert_eq!(d.state, before.state, "{} {:?}: {}", d.rule, d.subject, d.reason);
        assert!(!d.reason.contains("flood"), "{}", d.reason);
    }
    let report = markdown(&policy);
    assert!(report.contains("## Floods"), "the report names the flood");
    assert!(report.contains("| web01 | failed password logons to sshd | "), "{report}");
    assert!(report.contains("10.0.9.66 ("), "and who flooded");
}

#[test]
fn a_flood_of_ports_holds_back_the_allowlist_it_may_hide_a_port_from() {
    let mut obs = ssh_server("web01");
    let clean = policy_of(&obs);
    assert_eq!(state(&clean, "linux-nftables-inbound-allowlist", None), State::Enforce);
    // Connections accepted on 3,000 ports in one night (a listener on every port, or a spoofing source).
    for port in 1_000..4_000u16 {
        obs.push(connection("web01", at(15, 1), Transport::Tcp, port, 77));
    }
    let policy = policy_of(&obs);
    let allow = decision(&policy, "linux-nftables-inbound-allowlist", None);
    assert_eq!(allow.state, State::Insufficient, "{}", allow.reason);
    assert!(allow.reason.starts_with("A flood may hide a use"), "{}", allow.reason);
    assert!(allow.reason.contains("other ports"), "{}", allow.reason);
    // Every use is counted, kept or folded; the busy port, kept or folded
    // (by the rank of its key, not by arrival), keeps its evidence.
    assert_eq!(policy.floods.len(), 1);
    let flood = &policy.floods[0];
    let kept: u64 =
        allow.usage.iter().filter(|u| !u.fact.contains("(folded)") && !u.fact.contains("logon")).map(|u| u.count).sum();
    assert_eq!(kept + flood.count, 3_000 + 21);
    match allow.usage.iter().find(|u| u.fact.contains("port 22")) {
        Some(ssh) => assert_eq!((ssh.state, ssh.count), (State::Exception, 21)),
        None => assert!(flood.examples.iter().any(|m| m.value == "22" && m.count > 10), "{:?}", flood.examples),
    }

    // The clean policy replayed on the flooded profile: the flood is listed
    // as what it may break, since which ports it used is not known.
    let dir = tempfile::tempdir().unwrap();
    let flooded = build_profile(&dir.path().join("flooded.db"), &obs);
    let breaks = simulate(&clean, &Catalog::embedded().unwrap(), &flooded, None).unwrap();
    let allowlist = breaks.iter().find(|b| b.rule == "linux-nftables-inbound-allowlist").unwrap();
    assert!(allowlist.usage.iter().any(|u| u.fact.contains("(folded)")), "{:#?}", allowlist.usage);
}

#[test]
fn a_flood_of_share_names_holds_back_which_shares_are_unused() {
    let mut obs = linux_host("fs01", 21);
    obs.push(inventory(
        "fs01",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Listener, "smbd")
                .with_attr("port", 445)
                .with_attr("transport", "tcp"),
            InventoryItem::new(InventoryCategory::Share, "scans").with_attr("path", "/srv/scans"),
            InventoryItem::new(InventoryCategory::Share, "old").with_attr("path", "/srv/old"),
        ],
    ));
    for d in 0..21 {
        obs.push(share_use("fs01", at(d, 9), "scans", Access::Write, 5));
    }
    let clean = policy_of(&obs);
    assert_eq!(state(&clean, "linux-samba-unused-shares", Some("share old")), State::Enforce);
    for i in 0..600 {
        obs.push(share_use("fs01", at(16, 3), &format!("probe{i}"), Access::Write, 88));
    }
    let policy = policy_of(&obs);
    let old = decision(&policy, "linux-samba-unused-shares", Some("share old"));
    assert_eq!(old.state, State::Insufficient, "{}", old.reason);
    assert!(old.reason.contains("share names"), "{}", old.reason);
}
