//! `temper observe` watching packets through its TC classifier on the real
//! kernel, with real peers on loopback: openssl at TLS 1.0 and 1.3 on both
//! the TCX and the clsact path, Samba at NT1 and SMB3 with share access,
//! a UDP exchange; and a killed clsact instance whose filter the next start
//! removes. Needs root, kernel BTF and the tools; skips with a printed
//! reason elsewhere, fails instead when TEMPER_REQUIRE_LIVE=1.
#![cfg(target_os = "linux")]

mod common;

use common::observing::{cannot_observe, fact_list, facts, skip, start_observe, start_observe_ready, wait_for};
use common::peers::{free_port, self_signed, smbclient, smbd_conf, start_smbd, tls_handshake};
use serde_json::Value;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The tests share lo and its filters: one at a time.
fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LO: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LO.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Facts of `kind` (with `protocol`, when given) on `port`.
fn facts_on(learned: &Value, kind: &str, protocol: Option<&str>, port: u16) -> Vec<Value> {
    fact_list(learned)
        .into_iter()
        .filter(|f| {
            let key = &f["key"];
            key["kind"] == kind
                && key["port"] == port
                && protocol.is_none_or(|p| key["negotiated"]["protocol"] == p || key["protocol"] == p)
        })
        .collect()
}

/// Lines of `tc filter show dev lo ingress` naming Temper's ingress program.
fn clsact_filters_on_lo() -> usize {
    let out = Command::new("tc").args(["filter", "show", "dev", "lo", "ingress"]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| l.contains("temper_flow_in")).count()
}

fn tls_versions_are_learned(extra: &[&str]) {
    if let Some(reason) = cannot_observe(&["/usr/bin/openssl", "/usr/sbin/tc"]) {
        return skip(reason);
    }
    let _lo = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let identity = self_signed(dir.path());
    let mut args = vec!["--interface", "lo"];
    args.extend_from_slice(extra);
    let observer = start_observe_ready(dir.path(), &args);
    let clsact = extra.contains(&"--clsact");
    assert_eq!(clsact_filters_on_lo(), usize::from(clsact), "a filter on lo exactly when clsact was asked for");
    let (old, new) = (free_port(), free_port());
    tls_handshake(old, "-tls1", &identity);
    tls_handshake(new, "-tls1_3", &identity);
    std::thread::sleep(Duration::from_millis(1500));
    assert!(observer.stop().success());
    assert_eq!(clsact_filters_on_lo(), 0, "a clean stop removes its filter");

    let learned = facts(dir.path());
    for (port, version) in [(old, "tls1.0"), (new, "tls1.3")] {
        let tls = facts_on(&learned, "protocol", Some("tls"), port);
        assert_eq!(tls.len(), 1, "one TLS fact on {port}: {tls:?}");
        assert_eq!(tls[0]["key"]["negotiated"]["version"], version);
        assert_eq!(tls[0]["key"]["role"], "server");
        assert_eq!(tls[0]["count"], 1, "one handshake: {:?}", tls[0]);
    }
}

#[test]
fn tls_versions_through_tcx() {
    tls_versions_are_learned(&[]);
}

#[test]
fn tls_versions_through_clsact() {
    tls_versions_are_learned(&["--clsact"]);
}

#[test]
fn samba_dialects_and_share_access_from_the_wire() {
    if let Some(reason) = cannot_observe(&["/usr/sbin/smbd", "/usr/bin/smbclient"]) {
        return skip(reason);
    }
    let _lo = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let conf = smbd_conf(d, port);
    std::fs::write(d.join("scan001.pdf"), b"%PDF-1.4 a scanned page").unwrap();
    let observer = start_observe_ready(d, &["--interface", "lo"]);
    let _smbd = start_smbd(&conf, port);
    smbclient(d, port, "NT1", "put scan001.pdf");
    smbclient(d, port, "SMB3", "get scan001.pdf copy.pdf");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(observer.stop().success());

    let learned = facts(d);
    let dialects: Vec<Value> = facts_on(&learned, "protocol", Some("smb"), port)
        .iter()
        .map(|f| f["key"]["negotiated"]["version"].clone())
        .collect();
    assert!(dialects.contains(&"smb1".into()), "{dialects:?}");
    assert!(dialects.contains(&"smb3.1.1".into()), "{dialects:?}");
    let shares: Vec<(String, String)> = fact_list(&learned)
        .iter()
        .filter(|f| f["key"]["kind"] == "share")
        // Share names compare case-insensitively; smbclient's SMB1 client upper-cases them.
        .map(|f| {
            let key = &f["key"];
            (key["share"].as_str().unwrap().to_lowercase(), key["access"].as_str().unwrap().to_string())
        })
        .collect();
    assert!(shares.contains(&("scans".into(), "write".into())), "the SMB1 put is a write: {shares:?}");
    assert!(shares.contains(&("scans".into(), "read".into())), "the SMB3 get is a read: {shares:?}");
}

const UDP_ECHO: &str = r#"
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("ready", flush=True)
while True:
    data, peer = s.recvfrom(512)
    s.sendto(data, peer)
"#;

#[test]
fn a_udp_exchange_is_a_udp_connection_of_the_listener() {
    if let Some(reason) = cannot_observe(&["/usr/bin/python3"]) {
        return skip(reason);
    }
    let _lo = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let observer = start_observe_ready(dir.path(), &["--interface", "lo"]);
    let mut echo = common::peers::Server(
        Command::new("python3")
            .args(["-c", UDP_ECHO, &port.to_string()])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(echo.0.stdout.as_mut().unwrap()), &mut ready).unwrap();
    let client = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    client.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    client.send_to(b"ping", ("127.0.0.1", port)).unwrap();
    let mut buf = [0u8; 16];
    let (n, _) = client.recv_from(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"ping");
    std::thread::sleep(Duration::from_millis(1500));
    assert!(observer.stop().success());
    drop(echo);

    let learned = facts(dir.path());
    let udp: Vec<Value> =
        facts_on(&learned, "connection", None, port).into_iter().filter(|f| f["key"]["transport"] == "udp").collect();
    let server = udp.iter().find(|f| f["key"]["role"] == "server").unwrap_or_else(|| panic!("{udp:?}"));
    assert_eq!(server["count"], 1, "one flow, however many datagrams: {server}");
    assert!(udp.iter().any(|f| f["key"]["role"] == "client"), "loopback: this host was the client too: {udp:?}");
    let processes = &server["evidence"]["process"];
    assert!(processes.to_string().contains("python3"), "attributed to the listener's process: {server}");
}

#[test]
fn a_killed_clsact_instance_leaves_a_filter_the_next_start_removes() {
    if let Some(reason) = cannot_observe(&["/usr/sbin/tc"]) {
        return skip(reason);
    }
    let _lo = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let killed = start_observe_ready(dir.path(), &["--interface", "lo", "--clsact"]);
    drop(killed); // SIGKILL: nothing detaches the filter.
    assert_eq!(clsact_filters_on_lo(), 1, "the killed instance's filter stays behind");
    std::fs::remove_file(dir.path().join("p.db.status.json")).unwrap();
    let restarted = start_observe(dir.path(), &["--interface", "lo", "--clsact", "--duration", "3s"]);
    wait_for("the restart to attach", || Path::new(&dir.path().join("p.db.status.json")).exists());
    std::thread::sleep(Duration::from_millis(1200));
    assert_eq!(clsact_filters_on_lo(), 1, "the stale filter was replaced, not joined");
    let mut restarted = restarted;
    assert!(restarted.0.wait().unwrap().success());
    assert_eq!(clsact_filters_on_lo(), 0);
}

/// Serves one connection on `listener`: reads the request, writes `response`.
fn answer_once(listener: std::net::TcpListener, response: &'static [u8]) -> std::thread::JoinHandle<()> {
    use std::io::{Read, Write};
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).unwrap();
        stream.write_all(response).unwrap();
    })
}

/// Sends `request` to `port` on loopback and reads the answer to its end.
fn ask(port: u16, request: &[u8]) {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(request).unwrap();
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).unwrap();
    assert!(!answer.is_empty());
}

/// A minimal NTLMv2 AUTHENTICATE (MS-NLMP 2.2.1.3) from user "bob": an
/// empty LM response and a 40-byte NT response.
fn ntlmv2_authenticate() -> Vec<u8> {
    let mut msg = b"NTLMSSP\0\x03\0\0\0".to_vec();
    let field = |len: u16, offset: u32| [&len.to_le_bytes()[..], &len.to_le_bytes(), &offset.to_le_bytes()].concat();
    for (len, offset) in [(0, 88), (40, 88), (0, 128), (6, 128), (0, 134), (0, 134)] {
        msg.extend(field(len, offset)); // LM, NT, domain, user, workstation, session key
    }
    msg.extend(1u32.to_le_bytes()); // NEGOTIATE_UNICODE
    msg.resize(88, 0);
    msg.extend([0x11; 40]);
    msg.extend("bob".encode_utf16().flat_map(u16::to_le_bytes));
    msg
}

#[test]
fn http_ntlm_and_rdp_negotiation_from_the_wire() {
    use base64::Engine;
    if let Some(reason) = cannot_observe(&[]) {
        return skip(reason);
    }
    let _lo = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let observer = start_observe_ready(dir.path(), &["--interface", "lo"]);

    let web = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let web_port = web.local_addr().unwrap().port();
    let served = answer_once(web, b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let token = base64::engine::general_purpose::STANDARD.encode(ntlmv2_authenticate());
    ask(web_port, format!("GET /reports HTTP/1.1\r\nHost: intranet\r\nAuthorization: NTLM {token}\r\n\r\n").as_bytes());
    served.join().unwrap();

    // X.224 Connection Request offering TLS, CredSSP and CredSSP-EX; the confirm selects CredSSP.
    let rdp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let rdp_port = rdp.local_addr().unwrap().port();
    let served = answer_once(rdp, b"\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x00\x08\x00\x02\x00\x00\x00");
    ask(rdp_port, b"\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x0b\x00\x00\x00");
    served.join().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert!(observer.stop().success());

    let learned = facts(dir.path());
    let ntlm = facts_on(&learned, "protocol", Some("ntlm"), web_port);
    assert_eq!(ntlm.len(), 1, "{ntlm:?}");
    assert_eq!(ntlm[0]["key"]["negotiated"]["version"], "ntlmv2");
    let rdp = facts_on(&learned, "protocol", Some("rdp"), rdp_port);
    assert_eq!(rdp.len(), 1, "{rdp:?}");
    assert_eq!(rdp[0]["key"]["negotiated"]["version"], "credssp");
}
