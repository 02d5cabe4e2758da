//! A real Active Directory domain controller (Samba's, with its KDC, in a
//! network namespace) and a real client (smbclient, Kerberos only, SMB3),
//! captured with tcpdump on the DC's link and decoded by `temper decode`:
//!
//! - the Kerberos AP-REQ in the SMB2 SESSION_SETUP, with the ticket's and the
//!   authenticator's encryption types, beside the KDC's own exchanges;
//! - bulk transfers as BIG TCP super-packets (IPv4 total length 0, larger
//!   than 64 KiB, cut short by libpcap's 64 KiB frames), after which the
//!   session's next file is still seen and nothing counts as lost;
//!
//! Needs root and Samba's AD DC packages; skips with a printed reason
//! elsewhere and fails instead under TEMPER_REQUIRE_LIVE=1 (CI).

#![cfg(target_os = "linux")]

mod common;

use common::ad_dc::{DomainController, DC_NAME, TOOLS};
use common::capture::{decode, ipv4_tcp, live, Capture, PcapFile};
use serde_json::Value;

fn of_kind<'a>(observations: &'a [Value], kind: &str) -> Vec<&'a Value> {
    observations.iter().filter(|o| o["kind"] == kind).collect()
}

#[test]
fn kerberos_in_smb3_session_setup_and_big_tcp_super_packets() {
    if !live(TOOLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dc = DomainController::start(dir.path(), 1);
    // Zeros: the capture stays small in a temporary directory, the transfer is real.
    std::fs::write(dir.path().join("report.bin"), vec![0u8; 600_000]).unwrap();
    let capture = Capture::on(dir.path(), &dc.interface, &format!("host {}", dc.dc_ip));
    dc.smbclient(dir.path(), "netlogon", "put report.bin report.bin; get report.bin back.bin");
    let capture = capture.stop();

    let pcap = PcapFile::read(&capture);
    assert_eq!(pcap.link_type(), 1);
    let super_packets = pcap
        .frames
        .iter()
        .filter(|(_, f)| f.len() > 65_549 && ipv4_tcp(f).is_some_and(|(total, ..)| total == 0))
        .count();
    assert!(super_packets > 0, "the transfer crossed the link in BIG TCP super-packets (IPv4 total length 0)");

    let observations = decode(&capture);
    let kerberos: Vec<&Value> =
        observations.iter().filter(|o| o["protocol"] == "kerberos" && o["local"]["port"] == 445).collect();
    assert_eq!(kerberos.len(), 1, "one AP-REQ in the SMB2 SESSION_SETUP: {observations:#?}");
    let ap = &kerberos[0]["detail"];
    assert_eq!(ap["request_type"], "AP");
    assert_eq!(ap["service"], format!("cifs/{DC_NAME}"));
    assert_eq!(ap["etype"], "aes256-cts-hmac-sha1-96", "the ticket's");
    assert_eq!(ap["authenticator_etype"], "aes256-cts-hmac-sha1-96", "the session key's");
    assert_eq!(kerberos[0]["peer"]["ip"], dc.client_ip);
    // The KDC's own exchange for that ticket, on port 88.
    assert!(observations.iter().any(|o| o["local"]["port"] == 88
        && o["detail"]["request_type"] == "TGS"
        && o["detail"]["service"] == format!("cifs/{DC_NAME}")));

    let smb = observations.iter().find(|o| o["protocol"] == "smb").expect("the dialect");
    assert_eq!(smb["version"], "smb3.1.1");
    let shares = of_kind(&observations, "share");
    let file = |access: &str| {
        shares.iter().any(|s| s["share"] == "netlogon" && s["path"] == "report.bin" && s["access"] == access)
    };
    assert!(file("write"), "the upload's CREATE");
    assert!(file("read"), "the download's CREATE, after the super-packets: {shares:#?}");
    let coverage = of_kind(&observations, "coverage");
    assert_eq!(coverage[0]["lost"], 0, "nothing of the capture was lost");
}

/// Frames from the first SMB2 TREE_CONNECT request on: the capture as it
/// would be had it started after the session's NEGOTIATE and SESSION_SETUP.
fn from_first_tree_connect(pcap: &PcapFile) -> PcapFile {
    let tree_connect = |frame: &[u8]| {
        ipv4_tcp(frame).is_some_and(|(_, _, destination, payload)| {
            destination == 445
                && payload.get(4..8) == Some(b"\xfeSMB")
                && payload.get(16..18) == Some(&[3, 0])
                && payload.get(20).is_some_and(|flags| flags & 1 == 0)
        })
    };
    let start = pcap.frames.iter().position(|(_, f)| tree_connect(f)).expect("a TREE_CONNECT request");
    PcapFile { header: pcap.header.clone(), frames: pcap.frames[start..].to_vec() }
}

#[test]
fn a_session_negotiated_before_the_capture_is_smb2_or_later_and_holds_the_minimum_back() {
    if !live(TOOLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dc = DomainController::start(dir.path(), 2);
    std::fs::write(dir.path().join("scan.pdf"), vec![7u8; 20_000]).unwrap();
    let capture = Capture::on(dir.path(), &dc.interface, &format!("host {}", dc.dc_ip));
    dc.smbclient(dir.path(), "netlogon", "put scan.pdf scan.pdf; get scan.pdf back.pdf");
    let whole = capture.stop();
    let cut = dir.path().join("after-negotiate.pcap");
    from_first_tree_connect(&PcapFile::read(&whole)).write(&cut);

    let observations = decode(&cut);
    let smb: Vec<&Value> = observations.iter().filter(|o| o["kind"] == "protocol" && o["protocol"] == "smb").collect();
    assert_eq!(smb.len(), 1, "{smb:#?}");
    assert_eq!(smb[0]["version"], "smb2+", "SMB 2 or later, the dialect not seen");
    assert_eq!(smb[0]["peer"]["ip"], dc.client_ip);
    let shares = of_kind(&observations, "share");
    for access in ["write", "read"] {
        assert!(
            shares.iter().any(|s| s["share"] == "netlogon" && s["path"] == "scan.pdf" && s["access"] == access),
            "{access}"
        );
    }

    // As a Samba server's profile: the unknown dialect keeps the minimum out of enforce, named.
    let inventory = format!(
        r#"{{"v":1,"time":{},"host":"dc1","source":"inventory","kind":"inventory","items":[{{"category":"setting","name":"os","attrs":{{"value":"linux"}}}},{{"category":"listener","name":"smbd:445","attrs":{{"port":445,"process":"smbd","transport":"tcp"}}}}]}}"#,
        smb[0]["time"]
    );
    std::fs::write(dir.path().join("inventory.jsonl"), inventory + "\n").unwrap();
    let run = |args: &[&str]| common::ok(dir.path(), args);
    run(&["import", "pcap", "--host", "dc1", cut.to_str().unwrap()]);
    run(&["import", "jsonl", "inventory.jsonl"]);
    run(&["policy", "generate", "--min-days", "0", "--accept-unconverged", "-o", "policy.json"]);
    let policy: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("policy.json")).unwrap()).unwrap();
    let minimum =
        policy["decisions"].as_array().unwrap().iter().find(|d| d["rule"] == "linux-samba-min-protocol").unwrap();
    assert_eq!(minimum["state"], "review", "{minimum:#}");
    let reason = minimum["reason"].as_str().unwrap();
    assert!(reason.contains(&format!("peer {}", dc.client_ip)) && reason.contains("not known to meet"), "{reason}");
}

/// The SMB2 command of a client's frame to port 445 that starts a message, if it does.
fn request_command(frame: &[u8]) -> Option<u16> {
    let (_, _, destination, payload) = ipv4_tcp(frame)?;
    (destination == 445 && payload.get(4..8) == Some(b"\xfeSMB"))
        .then(|| u16::from_le_bytes([payload[16], payload[17]]))
}

#[test]
fn segments_lost_from_a_real_smb3_session_cost_only_the_messages_they_held() {
    if !live(TOOLS) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dc = DomainController::start(dir.path(), 3);
    std::fs::write(dir.path().join("bulk.bin"), vec![0u8; 300_000]).unwrap();
    std::fs::write(dir.path().join("b.txt"), b"second").unwrap();
    std::fs::write(dir.path().join("c.txt"), b"third").unwrap();
    let capture = Capture::on(dir.path(), &dc.interface, &format!("host {}", dc.dc_ip));
    dc.smbclient(dir.path(), "netlogon", "put bulk.bin bulk.bin; put b.txt b.txt; put c.txt c.txt");
    let mut pcap = PcapFile::read(&capture.stop());

    // Lose a segment inside the bulk WRITE's file data, and the one holding b.txt's CREATE.
    let b_txt: Vec<u8> = "b.txt".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let create_b = pcap
        .frames
        .iter()
        .position(|(_, f)| {
            request_command(f) == Some(5)
                && ipv4_tcp(f).is_some_and(|(.., p)| p.windows(b_txt.len()).any(|w| w == b_txt))
        })
        .expect("b.txt's CREATE");
    let write = pcap.frames.iter().position(|(_, f)| request_command(f) == Some(9)).expect("the bulk WRITE");
    let inside_data = (write + 1..create_b)
        .filter(|i| ipv4_tcp(&pcap.frames[*i].1).is_some_and(|(_, _, dst, p)| dst == 445 && !p.is_empty()))
        .nth(1)
        .expect("a data segment after the WRITE's first");
    pcap.frames.remove(create_b);
    pcap.frames.remove(inside_data);
    let lossy = dir.path().join("lossy.pcap");
    pcap.write(&lossy);

    let observations = decode(&lossy);
    let written =
        |file: &str| observations.iter().any(|o| o["kind"] == "share" && o["path"] == file && o["access"] == "write");
    assert!(written("bulk.bin"), "the WRITE's CREATE came before both holes");
    assert!(!written("b.txt"), "its CREATE was lost");
    assert!(written("c.txt"), "the dissector found the next message after the hole");
    // One loss, for the hole that hid a message; the one inside file data hid nothing.
    let losses: Vec<&Value> =
        observations.iter().filter(|o| o["kind"] == "coverage" && o["lost"].as_u64() > Some(0)).collect();
    assert_eq!(losses.len(), 1, "{losses:#?}");
    let categories = losses[0]["categories"].as_array().unwrap();
    assert!(
        categories.iter().any(|c| c == "share") && categories.iter().any(|c| c == "protocol:smb"),
        "{categories:?}"
    );
}
