//! A loss weighs what it hid: a lossy day counts as the share of its events
//! that were lost. A capture's routine dropped segment on busy days never
//! keeps a category insufficient; a source that loses much of what it sees
//! still does.

mod common;

use common::*;
use temper_collector::*;
use temper_policy::State;

/// A Samba server whose `scans` share is written 100 times a day for 21
/// days, and whose `old` share is never used; the share source loses `lost`
/// events on five of those days.
fn samba_server(lost: u64) -> Vec<Observation> {
    let mut obs = vec![os("nas", "linux")];
    obs.push(inventory(
        "nas",
        0,
        vec![
            InventoryItem::new(InventoryCategory::Listener, "smbd:445")
                .with_attr("port", 445)
                .with_attr("process", "smbd"),
            InventoryItem::new(InventoryCategory::Share, "scans").with_attr("path", "/srv/scans"),
            InventoryItem::new(InventoryCategory::Share, "old").with_attr("path", "/srv/old"),
        ],
    ));
    for d in 0..21 {
        obs.push(Observation::new(
            day(d + 1),
            "nas",
            "wire",
            Event::Coverage(Coverage {
                categories: vec!["share".into(), "protocol:smb".into()],
                from: day(d),
                to: day(d + 1),
                lost: if d % 4 == 1 { lost } else { 0 },
            }),
        ));
        for i in 0..100 {
            obs.push(share_use(
                "nas",
                at(d, 8) + chrono::Duration::minutes(i),
                "scans",
                Access::Write,
                (i % 20) as u8 + 1,
            ));
        }
    }
    obs
}

#[test]
fn a_dropped_segment_on_busy_days_does_not_keep_a_share_insufficient() {
    let policy = policy_of(&samba_server(1));
    let old = decision(&policy, "linux-samba-unused-shares", Some("share old"));
    assert_eq!(old.state, State::Enforce, "{}", old.reason);
    assert_eq!(old.coverage[0].lossy_days, 5, "the losses are still reported");
}

#[test]
fn a_source_that_loses_most_of_what_it_sees_keeps_it_insufficient() {
    let policy = policy_of(&samba_server(300));
    let old = decision(&policy, "linux-samba-unused-shares", Some("share old"));
    assert_eq!(old.state, State::Insufficient, "{}", old.reason);
    assert!(old.reason.contains("share lost events on 5 of 21 days, weighing 18%"), "{}", old.reason);
}
