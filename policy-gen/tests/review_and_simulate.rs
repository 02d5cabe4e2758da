//! Reviewers' verdicts change what the next generation decides; simulation
//! replays a profile against a policy and, for the profile the policy was
//! learned from, finds nothing but what reviewers rejected (a property
//! over generated profiles); diff lists what changed.

mod common;

use chrono::Utc;
use common::*;
use proptest::prelude::*;
use temper_collector::*;
use temper_learner::Profile;
use temper_policy::review::{apply, Outcome, ReviewFile, Verdict};
use temper_policy::simulate::simulate;
use temper_policy::{generate, Catalog, Policy, PolicyOptions, State};

fn generated(observations: &[Observation]) -> (tempfile::TempDir, Profile, Policy) {
    let dir = tempfile::tempdir().unwrap();
    let profile = build_profile(&dir.path().join("p.db"), observations);
    let policy = generate(&profile, &Catalog::embedded().unwrap(), &PolicyOptions::default(), Utc::now()).unwrap();
    (dir, profile, policy)
}

fn verdict(host: &str, rule: &str, subject: Option<&str>, outcome: Outcome, expires: Option<&str>) -> Verdict {
    Verdict {
        host: host.into(),
        rule: rule.into(),
        subject: subject.map(str::to_string),
        verdict: outcome,
        reviewer: "alice".into(),
        reason: "ticket OPS-17".into(),
        expires: expires.map(|e| e.parse().unwrap()),
        recorded: Utc::now(),
        state_then: State::Exception,
        evidence_last_seen: None,
    }
}

/// A file server: a scanner on SMB1 every day, a one-day TLS 1.1 peer, an
/// SMB1 client use that stopped three weeks before the window ended.
fn file_server() -> Vec<Observation> {
    let mut obs = windows_host("fs01", 60, "standalone");
    for d in 0..60 {
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb1), 445, 20));
        obs.push(protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 21));
        obs.push(connection("fs01", at(d, 9), Transport::Tcp, 445, 21));
    }
    obs.push(protocol("fs01", at(30, 3), Negotiated::Tls(TlsVersion::Tls11), 443, 99));
    for d in 0..20 {
        obs.push(client_protocol("fs01", at(d, 9), Negotiated::Smb(SmbDialect::Smb1), 445, 30));
    }
    obs
}

#[test]
fn verdicts_accept_reject_expire_and_stale_exceptions_are_flagged() {
    let (_dir, profile, mut policy) = generated(&file_server());
    assert_eq!(state(&policy, "win-smb1-server", None), State::Exception);
    assert_eq!(state(&policy, "win-schannel-tls11-server", None), State::Review);
    let mut review = ReviewFile::default();
    review.record(verdict("fs01", "win-smb1-server", None, Outcome::Reject, None));
    review.record(verdict("fs01", "win-schannel-tls11-server", None, Outcome::Accept, Some("2099-12-31")));
    review.record(verdict("fs01", "win-smb-signing-required", None, Outcome::Accept, Some("2020-01-01")));
    review.record(verdict("fs01", "win-retired-rule", None, Outcome::Accept, Some("2099-12-31")));
    let notes = apply(&mut policy, &review, 30);

    let smb1 = decision(&policy, "win-smb1-server", None);
    assert_eq!(smb1.state, State::Enforce, "rejected: enforced anyway");
    assert!(smb1.reason.starts_with("Rejected by alice: ticket OPS-17."), "{}", smb1.reason);
    assert!(!smb1.usage.is_empty(), "the evidence of what breaks stays");
    let tls = decision(&policy, "win-schannel-tls11-server", None);
    assert_eq!(tls.state, State::Exception, "accepted: held back by a human");
    assert_eq!(tls.verdict.as_ref().unwrap().state_before, State::Review);
    let signing = decision(&policy, "win-smb-signing-required", None);
    assert_eq!(signing.state, State::Exception, "an expired verdict is not applied");
    assert!(signing.verdict.as_ref().unwrap().expired);
    assert!(
        notes.iter().any(|n| n.contains("win-smb-signing-required") && n.contains("expired on 2020-01-01")),
        "{notes:?}"
    );
    assert!(notes.iter().any(|n| n.contains("win-retired-rule") && n.contains("matches no decision")), "{notes:?}");
    let client = decision(&policy, "win-smb1-client", None);
    assert_eq!(client.state, State::Exception);
    assert_eq!(client.stale_days, Some(40), "last SMB1 client use on day 19 of 60");
    assert!(notes.iter().any(|n| n.contains("win-smb1-client") && n.contains("the need may be gone")), "{notes:?}");

    // What a reviewer rejected is exactly what the simulation says breaks.
    let breaks = simulate(&policy, &Catalog::embedded().unwrap(), &profile, None).unwrap();
    assert_eq!(breaks.len(), 1, "{breaks:#?}");
    assert_eq!((breaks[0].rule.as_str(), breaks[0].rejected_by.as_deref()), ("win-smb1-server", Some("alice")));
    assert!(breaks[0].usage[0].peers.iter().any(|p| p.value == "10.0.9.20"));

    let report = temper_policy::report::markdown(&policy);
    assert!(report.contains("- Verdict: accepted by alice on"), "{report}");
    assert!(report.contains("enforce (rejected by reviewer)"));
    assert!(report.contains("- Stale: the evidence was last seen 40 days before the window ended"));
}

#[test]
fn review_file_round_trips_and_refuses_bad_files_with_their_position() {
    let mut review = ReviewFile::default();
    review.record(verdict("fs01", "win-smb1-server", Some("share scans"), Outcome::Accept, Some("2027-01-31")));
    review.record(verdict("fs01", "win-smb1-server", Some("share scans"), Outcome::Reject, None));
    assert_eq!(review.verdicts.len(), 1, "a new verdict replaces the old one");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.review.toml");
    review.save(&path).unwrap();
    assert_eq!(ReviewFile::load_or_default(&path).unwrap(), review);
    let err = ReviewFile::parse("format = \"temper-review\"\nversion = 1\n[[verdict]]\nhost = 3\n").unwrap_err();
    assert!(err.contains("line 4"), "{err}");
    assert!(ReviewFile::parse("format = \"other\"\nversion = 1\n").unwrap_err().contains("not a Temper review file"));
}

#[test]
fn a_new_server_is_checked_against_the_role_policy() {
    // Without fs01's one-off TLS 1.1 handshake on 443, which holds its inbound
    // allowlist for review (a port used once by one peer).
    let mut fs01 = file_server();
    fs01.retain(|o| !matches!(&o.event, Event::Protocol(p) if p.negotiated == Negotiated::Tls(TlsVersion::Tls11)));
    let (_dir, _profile, policy) = generated(&fs01);
    assert_eq!(state(&policy, "win-firewall-inbound-allowlist", None), State::Enforce);
    // fs02 serves TLS 1.0 on 443 and something on 8080: fs01's policy turns
    // TLS 1.0 off and allows only 445 inbound.
    let mut other = windows_host("fs02", 30, "standalone");
    for d in 0..30 {
        other.push(connection("fs02", at(d, 9), Transport::Tcp, 8080, 40));
        other.push(protocol("fs02", at(d, 9), Negotiated::Tls(TlsVersion::Tls10), 443, 41));
    }
    let dir = tempfile::tempdir().unwrap();
    let target = build_profile(&dir.path().join("fs02.db"), &other);
    let breaks = simulate(&policy, &Catalog::embedded().unwrap(), &target, Some("fs01")).unwrap();
    let rules: Vec<&str> = breaks.iter().map(|b| b.rule.as_str()).collect();
    assert!(rules.contains(&"win-schannel-tls10-server"), "{rules:?}");
    assert!(rules.contains(&"win-firewall-inbound-allowlist"), "port 8080 is outside fs01's list: {rules:?}");
    assert!(breaks.iter().all(|b| b.host == "fs02" && b.rejected_by.is_none()));
}

#[test]
fn diff_lists_changed_added_and_removed_decisions() {
    let (_d1, _p1, old) = generated(&file_server());
    let mut obs = file_server();
    obs.retain(|o| !matches!(&o.event, Event::Protocol(p) if p.negotiated == Negotiated::Tls(TlsVersion::Tls11)));
    obs.push(inventory("fs01", 0, vec![InventoryItem::new(InventoryCategory::Service, "RemoteRegistry")]));
    let (_d2, _p2, new) = generated(&obs);
    let changes = temper_policy::diff::diff(&old, &new);
    let find = |rule: &str| changes.iter().find(|c| c.rule == rule);
    let tls = find("win-schannel-tls11-server").expect("TLS 1.1 changed");
    assert_eq!((tls.old_state, tls.new_state), (Some(State::Review), Some(State::Enforce)));
    assert!(find("win-smb1-server").is_none(), "unchanged decisions are not listed");
    let text = temper_policy::diff::text(&changes);
    assert!(text.contains("~ fs01 win-schannel-tls11-server: review → enforce"), "{text}");
    assert!(temper_policy::diff::diff(&old, &old).is_empty());
}

fn arbitrary_fact() -> impl Strategy<Value = (u8, i64, u8, u8)> {
    (0u8..12, 0i64..40, 0u8..6, 0u8..4)
}

fn observation(host: &str, linux: bool, (kind, day, peer, variant): (u8, i64, u8, u8)) -> Observation {
    let when = at(day, (peer % 24) as i64);
    let dialects = [SmbDialect::Smb1, SmbDialect::Smb202, SmbDialect::Smb302, SmbDialect::Smb311];
    let tls = [TlsVersion::Tls10, TlsVersion::Tls11, TlsVersion::Tls12, TlsVersion::Tls13];
    match kind {
        0 => protocol(host, when, Negotiated::Smb(dialects[variant as usize]), 445, peer),
        1 => {
            protocol(host, when, Negotiated::Tls(tls[variant as usize]), [443, 8443, 993, 636][variant as usize], peer)
        }
        2 => protocol(
            host,
            when,
            Negotiated::Ntlm([NtlmVersion::NtlmV1, NtlmVersion::NtlmV2][variant as usize % 2]),
            445,
            peer,
        )
        .with_detail("anonymous", variant == 3),
        3 => connection(
            host,
            when,
            [Transport::Tcp, Transport::Udp][variant as usize % 2],
            [22, 53, 161, 5355][variant as usize],
            peer,
        ),
        4 => logon(
            host,
            when,
            ["alice", "bob", "root", "carol"][variant as usize],
            ["publickey", "password"][peer as usize % 2],
            true,
            peer,
        ),
        5 => share_use(
            host,
            when,
            ["scans", "public", "IPC$", "old"][variant as usize],
            [Access::Read, Access::Write][peer as usize % 2],
            peer,
        ),
        6 => protocol(host, when, Negotiated::Ssh(SshVersion::Ssh2), 22, peer)
            .with_detail(
                "cipher",
                ["aes128-cbc", "aes256-gcm@openssh.com", "3des-cbc", "chacha20-poly1305@openssh.com"][variant as usize],
            )
            .with_detail("mac", ["hmac-sha1", "hmac-sha2-256", "umac-64@openssh.com", "hmac-md5"][variant as usize]),
        7 => protocol(host, when, Negotiated::Kerberos(KerberosVersion::V5), 88, peer).with_detail(
            "etype",
            ["rc4-hmac", "aes256-cts-hmac-sha1-96", "des-cbc-md5", "aes128-cts-hmac-sha1-96"][variant as usize],
        ),
        8 => Observation::new(
            when,
            host,
            "ebpf",
            Event::Exec(ExecRun {
                image: ["/usr/bin/gcc", "/usr/bin/make", "/usr/bin/dockerd", "/bin/true"][variant as usize].into(),
                argv: Vec::new(),
                parent: None,
            }),
        )
        .with_user("root"),
        9 => protocol(
            host,
            when,
            Negotiated::Rdp(
                [RdpSecurity::Rdp, RdpSecurity::Tls, RdpSecurity::CredSsp, RdpSecurity::CredSspEx][variant as usize],
            ),
            3389,
            peer,
        ),
        10 => inventory(
            host,
            day,
            vec![InventoryItem::new(
                InventoryCategory::Service,
                ["cups.service", "Spooler", "docker.service", "FTPSVC"][variant as usize],
            )],
        ),
        _ => inventory(
            host,
            day,
            vec![
                InventoryItem::new(
                    InventoryCategory::Share,
                    ["scans", "public", "archive", "/export"][variant as usize],
                )
                .with_attr("protocol", if variant == 3 { "nfs" } else { "smb" }),
                InventoryItem::new(InventoryCategory::Listener, if linux { "sshd:22" } else { "tcp/445" })
                    .with_attr("port", if linux { 22 } else { 445 }),
            ],
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// For the profile a policy was learned from, simulation finds nothing to break.
    #[test]
    fn a_policy_never_breaks_its_own_profile(
        linux in any::<bool>(),
        days in 1i64..45,
        facts in proptest::collection::vec(arbitrary_fact(), 0..80),
    ) {
        let host = "h1";
        let mut obs = if linux { linux_host(host, days) } else { windows_host(host, days, "standalone") };
        obs.extend(facts.into_iter().map(|f| observation(host, linux, f)));
        let (_dir, profile, policy) = generated(&obs);
        let breaks = simulate(&policy, &Catalog::embedded().unwrap(), &profile, None).unwrap();
        prop_assert!(breaks.is_empty(), "{:#?}", breaks);
    }
}

#[test]
fn baselines_are_compared_and_the_strictest_safe_combination_is_picked() {
    use temper_policy::compare::{evaluate, pick_strictest, Baseline};
    let mut obs = linux_host("web", 30);
    obs.push(inventory(
        "web",
        0,
        vec![InventoryItem::new(InventoryCategory::Listener, "nginx:8443")
            .with_attr("port", 8443)
            .with_attr("tls", true)
            .with_attr("process", "nginx")],
    ));
    for d in 0..30 {
        obs.push(protocol("web", at(d, 9), Negotiated::Tls(TlsVersion::Tls11), 8443, 7));
        obs.push(logon("web", at(d, 9), "root", "publickey", true, 6));
    }
    let (_dir, profile, learned) = generated(&obs);
    let catalog = Catalog::embedded().unwrap();
    let tls = decision(&learned, "linux-tls-min-version", Some("port 8443"));
    assert_eq!((tls.state, tls.safe_value.clone()), (State::Exception, Some(serde_json::json!("tls1.1"))));

    let run = |b: Baseline| {
        let policy = b.apply_to(&learned, &catalog);
        let result = evaluate(b.name(), &policy, &catalog, &profile).unwrap();
        (b.name().to_string(), policy, result)
    };
    let candidates = vec![run(Baseline::CisL1), run(Baseline::Strict)];
    let rules = |i: usize| -> Vec<&str> { candidates[i].2.breaks.iter().map(|b| b.rule.as_str()).collect() };
    assert!(rules(0).contains(&"linux-sshd-permit-root-login"), "CIS L1 refuses root logins: {:?}", rules(0));
    assert!(rules(1).contains(&"linux-tls-min-version"), "strict wants TLS 1.3: {:?}", rules(1));
    assert!(!rules(0).contains(&"linux-tls-min-version"), "the TLS rule has no CIS reference");

    // A reviewed policy that raises port 8443 to the level every client meets.
    let mut raised = learned.clone();
    let d = raised.decisions.iter_mut().find(|d| d.rule == "linux-tls-min-version").unwrap();
    d.state = State::Enforce;
    d.value = serde_json::json!("tls1.1");
    let raised_result = evaluate("raised", &raised, &catalog, &profile).unwrap();
    assert!(raised_result.breaks.is_empty());
    let mut all = candidates;
    all.push(("raised".into(), raised, raised_result));
    let picked = pick_strictest(&learned, &all, &catalog);
    let tls = decision(&picked, "linux-tls-min-version", Some("port 8443"));
    assert_eq!((tls.state, tls.value.clone()), (State::Enforce, serde_json::json!("tls1.1")));
    assert!(tls.reason.starts_with("From candidate raised"), "{}", tls.reason);
    assert_eq!(state(&picked, "linux-sshd-permit-root-login", None), State::Exception, "nothing that breaks is picked");
    assert!(simulate(&picked, &catalog, &profile, None).unwrap().is_empty(), "the combination breaks nothing observed");
}
