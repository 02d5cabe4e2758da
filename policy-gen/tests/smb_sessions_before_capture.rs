//! An SMB session that negotiated before the capture or the observer began
//! (`smb2+`: SMB 2 or later, the dialect unknown) is a use of SMB 2 or later:
//! it never holds SMB1 removal back, but it is not known to meet any dialect
//! minimum, so a client seen only that way keeps the minimum out of
//! `enforce`, named, until a reconnect shows its dialect.

mod common;

use common::*;
use temper_collector::*;
use temper_policy::State;

fn file_server(unknown_peer_reconnects: bool) -> Vec<Observation> {
    let mut obs = windows_host("fs01", 21, "member_server");
    obs.push(inventory(
        "fs01",
        0,
        vec![InventoryItem::new(InventoryCategory::Listener, "System:445")
            .with_attr("port", 445)
            .with_attr("transport", "tcp")],
    ));
    for d in 0..21 {
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 5));
        // A mapped drive of 10.0.9.7, connected since before the observer started.
        obs.push(protocol("fs01", at(d, 10), Negotiated::Smb(SmbDialect::Smb2Unknown), 445, 7));
        obs.push(share_use("fs01", at(d, 10), "scans", Access::Write, 7));
    }
    if unknown_peer_reconnects {
        obs.push(protocol("fs01", at(20, 8), Negotiated::Smb(SmbDialect::Smb311), 445, 7));
    }
    obs
}

#[test]
fn a_client_whose_dialect_was_never_seen_keeps_the_minimum_in_review() {
    let policy = policy_of(&file_server(false));
    let minimum = decision(&policy, "win-smb-min-dialect", None);
    assert_eq!(minimum.state, State::Review, "{}", minimum.reason);
    assert!(minimum.reason.contains("peer 10.0.9.7"), "{}", minimum.reason);
    assert!(minimum.reason.contains("not known to meet smb3.1.1"), "{}", minimum.reason);
    assert!(minimum.usage.iter().any(|u| u.fact.contains("smb2+")), "its evidence is shown: {:?}", minimum.usage);
    // SMB 2 or later is not SMB1: removing SMB1 breaks nothing.
    assert_eq!(state(&policy, "win-smb1-server", None), State::Enforce);
}

#[test]
fn a_reconnect_that_shows_the_dialect_resolves_it() {
    let policy = policy_of(&file_server(true));
    let minimum = decision(&policy, "win-smb-min-dialect", None);
    assert_eq!(minimum.state, State::Enforce, "{}", minimum.reason);
    assert_eq!(minimum.value, "smb3.1.1");
}
