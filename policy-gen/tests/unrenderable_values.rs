//! A decision the artifacts cannot write never looks enforced: the policy,
//! the report, the README and install.sh all say it was not applied.

mod common;

use common::*;
use temper_policy::{render, Catalog, State};

#[test]
fn an_allowlist_the_artifacts_cannot_write_is_held_back_everywhere() {
    let mut obs = linux_host("web", 30);
    for d in 0..30 {
        obs.push(logon("web", at(d, 9), "alice", "publickey", true, 5));
        obs.push(logon("web", at(d, 10), "alice root", "publickey", true, 6));
    }
    let policy = policy_of(&obs);
    let allow = decision(&policy, "linux-sshd-allow-users", None);
    assert_eq!(allow.state, State::Review, "shown as applied while the renderer drops it: {}", allow.reason);
    assert!(allow.reason.contains("cannot apply this safely"), "{}", allow.reason);
    assert!(allow.reason.contains("\"alice root\""), "{}", allow.reason);

    // The report says the same as the artifacts.
    let report = temper_policy::report::markdown(&policy);
    let row = report.lines().find(|l| l.contains("linux-sshd-allow-users")).unwrap();
    assert!(!row.contains("enforce"), "{row}");

    let dir = tempfile::tempdir().unwrap();
    render_to(&policy, dir.path());
    let sshd = std::fs::read_to_string(dir.path().join("web/files/etc/ssh/sshd_config.d/00-temper.conf")).unwrap();
    assert!(!sshd.contains("AllowUsers"), "{sshd}");
    let readme = std::fs::read_to_string(dir.path().join("web/README.md")).unwrap();
    assert!(readme.contains("**Not applied:** linux-sshd-allow-users"), "{readme}");

    // A reviewer's reject cannot make the value writable.
    let mut reviewed = policy.clone();
    let mut file = temper_policy::review::ReviewFile::default();
    file.record(temper_policy::review::Verdict {
        rule: "linux-sshd-allow-users".into(),
        host: "web".into(),
        subject: None,
        verdict: temper_policy::review::Outcome::Reject,
        reviewer: "sam".into(),
        reason: "lock it down".into(),
        expires: None,
        recorded: chrono::Utc::now(),
        state_then: State::Review,
        evidence_last_seen: None,
    });
    temper_policy::review::apply(&mut reviewed, &file, 30);
    let allow = decision(&reviewed, "linux-sshd-allow-users", None);
    assert_eq!(allow.state, State::Review, "{}", allow.reason);
    assert!(allow.reason.contains("Still not enforced"), "{}", allow.reason);
    let rendered = render::linux::render(&reviewed, "web", Catalog::embedded().unwrap().rules()).unwrap();
    assert!(!rendered.files.values().any(|f| f.contains("AllowUsers")));
}
