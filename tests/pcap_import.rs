//! `temper import pcap` and `temper decode` on the Zeek corpus (TEMPER_CORPUS).

mod common;

use common::*;
use serde_json::Value;

#[test]
fn import_learns_versions_per_server_named_by_the_host_map() {
    let Some(pcap) = common::pcap_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("hosts.txt"), "# lab servers\n205.227.227.243 oldnas\n10.0.0.12  fs12\n").unwrap();
    let files = ["dssetup_DsRoleGetPrimaryDomainInformation_standalone_workstation.cap", "smb2.pcap", "tls1_1.pcap"];
    let mut args = vec!["import".to_string(), "pcap".into(), "--json".into(), "--host-map".into(), "hosts.txt".into()];
    args.extend(files.iter().map(|f| pcap.join(f).display().to_string()));
    let run = ok(dir.path(), &args.iter().map(String::as_str).collect::<Vec<_>>());
    let summary: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(summary["files"], 3);
    assert_eq!(summary["handshakes"]["tls"], 1);

    let show: Value = serde_json::from_str(&ok(dir.path(), &["profile", "show", "--json", "--facts"]).stdout).unwrap();
    let host = |name: &str| {
        show["hosts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["host"] == name)
            .unwrap_or_else(|| panic!("no host {name}: {show}"))
            .clone()
    };
    let facts = |h: &Value| {
        h["fact_list"].as_array().unwrap().iter().map(|f| f["fact"].as_str().unwrap().to_string()).collect::<Vec<_>>()
    };
    assert!(
        facts(&host("oldnas")).iter().any(|f| f == "smb smb1 (inbound) on port 445"),
        "{:?}",
        facts(&host("oldnas"))
    );
    let fs12 = facts(&host("fs12"));
    assert!(fs12.iter().any(|f| f == "smb smb2.0.2 (inbound) on port 445"), "{fs12:?}");
    assert!(fs12.iter().any(|f| f.starts_with("smb share smb2")), "{fs12:?}");
    // Unmapped servers are named by their address; a capture attests only to what it decoded.
    let google = host("216.58.192.14");
    assert_eq!(google["coverage"][0]["category"], "protocol:tls");
    assert_eq!(google["coverage"][0]["inferred"], false);
}

#[test]
fn damaged_capture_keeps_what_came_before_and_fails_with_the_offset() {
    let Some(pcap) = common::pcap_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(pcap.join("smb3.pcap")).unwrap();
    std::fs::write(dir.path().join("cut.pcap"), &bytes[..5000]).unwrap();
    let run = temper(dir.path(), &["import", "pcap", "cut.pcap"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert!(run.stderr.contains("cut.pcap: damaged capture at byte offset 4999"), "{}", run.stderr);
    let show: Value = serde_json::from_str(&ok(dir.path(), &["profile", "show", "--json", "--facts"]).stdout).unwrap();
    let facts: Vec<&str> =
        show["hosts"][0]["fact_list"].as_array().unwrap().iter().map(|f| f["fact"].as_str().unwrap()).collect();
    assert!(facts.contains(&"smb smb3.0 (inbound) on port 445"), "decoded before the damage: {facts:?}");

    std::fs::write(dir.path().join("notes.txt"), "not a capture").unwrap();
    let run = temper(dir.path(), &["import", "pcap", "notes.txt"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("notes.txt: not a pcap or pcapng capture"), "{}", run.stderr);
}

#[test]
fn decode_prints_capture_observations_for_a_fixed_host() {
    let Some(pcap) = common::pcap_corpus() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = ok(dir.path(), &["decode", "--host", "jumphost", pcap.join("ssh_version_199.pcap").to_str().unwrap()]);
    let observations: Vec<Value> = run.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ssh = observations.iter().find(|o| o["protocol"] == "ssh").unwrap();
    assert_eq!((ssh["host"].as_str(), ssh["version"].as_str()), (Some("jumphost"), Some("ssh2")));
    assert_eq!(ssh["detail"]["kex"], "diffie-hellman-group1-sha1");
    assert!(!dir.path().join("temper.db").exists());
}

#[test]
fn a_capture_of_a_link_type_temper_does_not_read_is_refused_with_the_link_type() {
    let dir = tempfile::tempdir().unwrap();
    let captures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("collector/tests/captures");
    // The same frames, labelled as 802.11: nothing in them can be placed.
    let mut bytes = std::fs::read(captures.join("tls1_3.pcap")).unwrap();
    bytes[20..24].copy_from_slice(&105u32.to_le_bytes());
    std::fs::write(dir.path().join("wlan.pcap"), &bytes).unwrap();
    for args in [&["import", "pcap", "wlan.pcap"][..], &["decode", "wlan.pcap"][..]] {
        let run = temper(dir.path(), args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains("wlan.pcap: 16 frame(s) of link type 105 (IEEE 802.11 wireless) were not read"),
            "{args:?}: {}",
            run.stderr
        );
    }
}
