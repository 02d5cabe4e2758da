//! The demo's Markdown report as a reviewer reads it: it opens with what to
//! do, explains every state it uses, says a shared cause once for all the
//! decisions it holds back, and folds the rules of another platform into
//! one line per host.

mod common;

use common::*;

fn report() -> String {
    std::fs::read_to_string(demo_dir().join("report.md")).unwrap()
}

fn section<'a>(report: &'a str, heading: &str) -> &'a str {
    let start = report.find(heading).unwrap_or_else(|| panic!("no {heading}"));
    let rest = &report[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn the_report_opens_with_what_to_do() {
    let report = report();
    let actions = report.find("## What to do").expect("an action list");
    assert!(actions < report.find("## Summary").unwrap(), "before everything else");
    let actions = section(&report, "## What to do");
    // What to review, named.
    assert!(actions.contains("**Review 2 decisions"), "{actions}");
    assert!(actions.contains("fs01: win-schannel-tls11-server"), "{actions}");
    // What to fix at which client: the SMB1 client, with every rule it holds back.
    let smb1 = actions.lines().find(|l| l.contains("peer 10.0.8.20 on fs01")).expect("the SMB1 client");
    for rule in ["win-smb1-server", "win-smb-signing-required", "win-smb-encryption", "win-ntlm-restrict-incoming"] {
        assert!(smb1.contains(rule), "{smb1}");
    }
    // A kept share or account is a need, not something to fix at a client.
    assert!(!actions.contains("win-unused-shares") && !actions.contains("win-unused-local-accounts"), "{actions}");
    // When learning converges, and how many decisions wait for it.
    assert!(
        actions.contains(
            "web01: ports, protocols still learning, expected to converge by 2026-11-17; 31 decisions wait for it"
        ),
        "{actions}"
    );
    assert!(actions.contains("Apply 2 recommendations on the domain controllers"), "{actions}");
}

#[test]
fn every_state_the_report_uses_is_explained() {
    let report = report();
    let reading = section(&report, "## How to read it");
    for state in
        ["enforce", "exception", "review", "insufficient", "recommended for the domain controllers", "not applicable"]
    {
        assert!(reading.contains(&format!("- **{state}**: ")), "{state} is not explained:\n{reading}");
    }
}

#[test]
fn a_shared_cause_is_said_once_and_other_platforms_are_one_line() {
    let report = report();
    let cause = "Learning has not converged in protocols";
    // Once in the Decisions table (one row for the 30) and once as the group's reason.
    assert_eq!(report.matches(cause).count(), 2, "{cause} repeated");
    let decisions = section(&report, "## Decisions");
    let row = decisions.lines().find(|l| l.contains(cause)).unwrap();
    assert!(row.contains("linux-sshd-weak-ciphers (10)") && row.contains("linux-sshd-weak-macs (12)"), "{row}");
    assert!(report.contains("### 30 decisions on web01: insufficient — learning has not converged in protocols"));
    // Each grouped decision keeps what its evidence alone gives.
    assert!(report.contains("| linux-sshd-weak-ciphers | cipher 3des-cbc | Ciphers (removed from the defaults) | 3des-cbc | enforce: Cipher 3des-cbc was never used |"));

    let not_applicable = section(&report, "## Not applicable");
    assert!(not_applicable.contains("- fs01 (windows): the 29 linux rules\n"), "{not_applicable}");
    assert!(not_applicable.contains("- web01 (linux): the 32 windows rules\n"), "{not_applicable}");
    assert!(!not_applicable.contains("a linux rule;"), "{not_applicable}");
    assert!(not_applicable.lines().filter(|l| l.starts_with("- ")).count() <= 4, "{not_applicable}");
}
