//! Quarantine on real profiles: suspicious patterns are never learned as a
//! need however often they were seen; rare uses first seen late or only at
//! odd hours go to review; periodic ones stay needs.

mod common;

use common::*;
use temper_collector::*;
use temper_policy::State;

fn ps2(host: &str, day: i64, hour: i64, command: &str) -> Observation {
    Observation::new(
        at(day, hour),
        host,
        "etw",
        Event::Script(ScriptRun {
            interpreter: "powershell".into(),
            engine_version: Some("2.0".into()),
            host_application: None,
            command: Some(command.into()),
            parent: None,
        }),
    )
    .with_user("CORP\\svc")
}

#[test]
fn smb1_from_a_peer_that_speaks_smb3_and_encoded_powershell_2_are_never_learned() {
    let mut obs = windows_host("fs01", 30, "standalone");
    for d in 0..30 {
        // Peer 30 speaks SMB 3.1.1 and, every day, also SMB1: a downgrade, not a legacy client.
        obs.push(protocol("fs01", at(d, 10), Negotiated::Smb(SmbDialect::Smb311), 445, 30));
        obs.push(protocol("fs01", at(d, 11), Negotiated::Smb(SmbDialect::Smb1), 445, 30));
        obs.push(ps2("fs01", d, 10, "powershell -Version 2 -enc SQBFAFgA"));
    }
    let policy = policy_of(&obs);
    let smb1 = decision(&policy, "win-smb1-server", None);
    assert_eq!(smb1.state, State::Review, "{}", smb1.reason);
    assert!(smb1.usage[0]
        .note
        .as_deref()
        .unwrap()
        .starts_with("suspicious: SMB1 from peer(s) that otherwise speak SMB 2 or 3"));
    let ps = decision(&policy, "win-powershell2-removed", None);
    assert_eq!(ps.state, State::Review, "{}", ps.reason);
    assert!(ps.usage[0].note.as_deref().unwrap().contains("encoded command"));
}

#[test]
fn rare_uses_late_in_the_window_or_at_odd_hours_go_to_review_and_periodic_ones_do_not() {
    let mut obs = windows_host("fs01", 40, "standalone");
    for d in 0..40 {
        // The host's day: file service from 08:00 to 17:00.
        for hour in 8..18 {
            obs.push(protocol("fs01", at(d, hour), Negotiated::Smb(SmbDialect::Smb311), 445, 5));
        }
    }
    // TLS 1.0 from one client on two days, at 03:00: outside the usual hours.
    for d in [5, 6] {
        obs.push(protocol("fs01", at(d, 3), Negotiated::Tls(TlsVersion::Tls10), 443, 40));
        obs.push(protocol("fs01", at(d, 3) + chrono::Duration::hours(20), Negotiated::Tls(TlsVersion::Tls10), 443, 40));
    }
    // TLS 1.1 from one client on the last two days, in office hours: late in the window.
    for d in [38, 39] {
        obs.push(protocol("fs01", at(d, 10), Negotiated::Tls(TlsVersion::Tls11), 443, 41));
    }
    // PowerShell 2.0 on two month ends: periodic, a need.
    for d in [30, 0] {
        obs.push(ps2("fs01", d, 2, "report.ps1"));
    }
    let policy = policy_of(&obs);
    let tls10 = decision(&policy, "win-schannel-tls10-server", None);
    assert_eq!(tls10.state, State::Review, "{}", tls10.reason);
    assert!(
        tls10.usage[0].note.as_deref().unwrap().contains("outside the host's usual hours"),
        "{:?}",
        tls10.usage[0].note
    );
    let tls11 = decision(&policy, "win-schannel-tls11-server", None);
    assert_eq!(tls11.state, State::Review, "{}", tls11.reason);
    assert!(tls11.usage[0].note.as_deref().unwrap().contains("first seen late in the window"));
    let ps = decision(&policy, "win-powershell2-removed", None);
    assert_eq!(ps.state, State::Exception, "a monthly job at 02:00 is a need: {}", ps.reason);
}
