//! Signed bundles: what was signed verifies only with a trusted key, any
//! changed byte is refused, and `fit` names what a target has or uses that
//! the role's policy would break.

mod common;

use chrono::Utc;
use common::*;
use temper_collector::*;
use temper_policy::bundle::{self, BundleError};
use temper_policy::host_view::HostView;
use temper_policy::signing::{load_public_keys, SecretKey};
use temper_policy::{Catalog, State};

fn file_server(host: &str, smb1_client_days: i64, extra_share: bool) -> Vec<Observation> {
    let mut obs = windows_host(host, 30, "member_server");
    let mut items = vec![
        InventoryItem::new(InventoryCategory::Setting, "os_version")
            .with_attr("value", "Windows Server 2022 Standard (build 20348)"),
        InventoryItem::new(InventoryCategory::Service, "LanmanServer"),
        InventoryItem::new(InventoryCategory::Share, "scans").with_attr("path", "D:\\scans"),
        InventoryItem::new(InventoryCategory::Listener, "tcp/445").with_attr("transport", "tcp").with_attr("port", 445),
    ];
    if extra_share {
        items.push(InventoryItem::new(InventoryCategory::Share, "finance").with_attr("path", "D:\\finance"));
        items.push(
            InventoryItem::new(InventoryCategory::Listener, "tcp/8080")
                .with_attr("transport", "tcp")
                .with_attr("port", 8080),
        );
    }
    obs.push(inventory(host, 0, items));
    for d in 0..30 {
        obs.push(share_use(host, at(d, 9), "scans", Access::Write, 20));
        obs.push(connection(host, at(d, 9), Transport::Tcp, 445, 20));
        obs.push(protocol(host, at(d, 9), Negotiated::Smb(SmbDialect::Smb311), 445, 20));
        if extra_share {
            obs.push(share_use(host, at(d, 10), "finance", Access::Read, 21));
            obs.push(connection(host, at(d, 10), Transport::Tcp, 8080, 22));
        }
    }
    for d in 0..smb1_client_days {
        obs.push(client_protocol(host, at(d, 11), Negotiated::Smb(SmbDialect::Smb1), 445, 30));
    }
    obs
}

struct Signed {
    dir: tempfile::TempDir,
    path: std::path::PathBuf,
    trusted: Vec<temper_policy::signing::PublicKey>,
}

fn signed_bundle() -> Signed {
    let dir = tempfile::tempdir().unwrap();
    let profile = build_profile(&dir.path().join("fs01.db"), &file_server("fs01", 0, false));
    let policy =
        temper_policy::generate(&profile, &Catalog::embedded().unwrap(), &Default::default(), Utc::now()).unwrap();
    assert_eq!(state(&policy, "win-smb1-client", None), State::Enforce);
    let record = profile.hosts().unwrap().into_iter().next().unwrap();
    let view = HostView::load(&profile, record).unwrap();
    let payload = bundle::payload_for(
        &policy,
        "fs01",
        &view,
        Some("format = \"temper-review\"\nversion = 1\n".into()),
        Catalog::embedded().unwrap().rules(),
        Utc::now(),
        Default::default(),
    )
    .unwrap();
    assert!(payload.artifact("apply.ps1").unwrap().starts_with("\u{FEFF}".as_bytes()), "artifacts are byte-exact");
    assert_eq!(payload.fingerprint.os_version.as_deref(), Some("Windows Server 2022 Standard (build 20348)"));
    assert!(payload.fingerprint.listeners.contains("tcp/445"));
    let key = SecretKey::generate("release team").unwrap();
    let key_path = dir.path().join("release");
    let public = key.save(&key_path).unwrap();
    assert!(key.save(&key_path).is_err(), "keygen never overwrites a key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key_path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let path = dir.path().join("fs01.bundle");
    bundle::write(&path, &payload, &SecretKey::load(&key_path).unwrap()).unwrap();
    Signed { trusted: load_public_keys(&public).unwrap(), dir, path }
}

#[test]
fn a_bundle_verifies_with_its_key_and_refuses_unknown_signers_and_any_changed_byte() {
    let signed = signed_bundle();
    let verified = bundle::open(&signed.path, &signed.trusted).unwrap();
    assert_eq!(verified.payload.host, "fs01");
    assert_eq!(verified.signer.name, "release team");
    assert!(verified.payload.policy.decisions.iter().all(|d| d.host == "fs01"));

    let stranger = SecretKey::generate("someone else").unwrap().public();
    match bundle::open(&signed.path, &[stranger]) {
        Err(BundleError::UnknownSigner { name, .. }) => assert_eq!(name, "release team"),
        other => panic!("an unknown signer must be refused: {:?}", other.map(|_| ())),
    }

    let original = std::fs::read(&signed.path).unwrap();
    let tampered = signed.dir.path().join("tampered.bundle");
    let header_end = original.iter().enumerate().filter(|(_, b)| **b == b'\n').nth(2).unwrap().0;
    // Every region: the magic line, the signer line, the signature, the payload, its end.
    for position in [3, 30, header_end - 5, header_end + 40, original.len() / 2, original.len() - 2] {
        let mut bytes = original.clone();
        bytes[position] ^= 0x01;
        std::fs::write(&tampered, &bytes).unwrap();
        assert!(bundle::open(&tampered, &signed.trusted).is_err(), "a flipped byte at {position} was accepted");
    }
    let mut appended = original.clone();
    appended.extend_from_slice(b"\n");
    std::fs::write(&tampered, &appended).unwrap();
    assert!(matches!(bundle::open(&tampered, &signed.trusted), Err(BundleError::BadSignature { .. })));
    // A payload change that is still valid JSON: the signature says no.
    let text = String::from_utf8(original.clone()).unwrap().replacen("\"enforce\"", "\"exception\"", 1);
    std::fs::write(&tampered, text).unwrap();
    assert!(matches!(bundle::open(&tampered, &signed.trusted), Err(BundleError::BadSignature { .. })));
}

#[test]
fn fit_names_what_a_target_has_that_the_role_had_not_and_what_would_break() {
    let signed = signed_bundle();
    let verified = bundle::open(&signed.path, &signed.trusted).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let twin = build_profile(&dir.path().join("twin.db"), &file_server("fs02", 0, false));
    let fits = temper_policy::fit::fit(&verified.payload, &Catalog::embedded().unwrap(), &twin, None).unwrap();
    assert!(fits[0].fits(), "an identical server fits: {:#?}", fits[0].breaks);
    assert!(fits[0].differences.is_empty(), "{:#?}", fits[0].differences);

    let odd = build_profile(&dir.path().join("odd.db"), &file_server("fs07", 30, true));
    let fits = temper_policy::fit::fit(&verified.payload, &Catalog::embedded().unwrap(), &odd, None).unwrap();
    let f = &fits[0];
    assert!(!f.fits());
    let rules: Vec<&str> = f.breaks.iter().map(|b| b.rule.as_str()).collect();
    assert!(rules.contains(&"win-smb1-client"), "fs07 is an SMB1 client: {rules:?}");
    assert!(rules.contains(&"win-firewall-inbound-allowlist"), "8080 is outside the role's allowlist: {rules:?}");
    // The role never had a share named finance, so its policy removes none: it is a difference, not a break.
    assert!(!rules.contains(&"win-unused-shares"), "{rules:?}");
    let differences: Vec<String> = f.differences.iter().map(|d| format!("{} {}", d.what, d.target)).collect();
    assert!(
        differences.contains(&"share finance".to_string()) && differences.contains(&"listener tcp/8080".to_string()),
        "{differences:?}"
    );
    assert_eq!(f.disqualifying().count(), 0, "more shares and listeners: the same kind of host");

    // A Linux web server is not a Windows file server with more on it.
    let linux = build_profile(&dir.path().join("web.db"), &temper_collector::demo::fleet_host(7, 1, 30));
    let fits = temper_policy::fit::fit(&verified.payload, &Catalog::embedded().unwrap(), &linux, None).unwrap();
    assert!(!fits[0].fits());
    let kinds: Vec<String> = fits[0].disqualifying().map(|d| format!("{} {} {}", d.what, d.target, d.role)).collect();
    assert_eq!(kinds, ["os linux windows"]);
}
