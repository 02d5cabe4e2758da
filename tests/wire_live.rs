//! Real traffic from real protocol implementations on loopback, captured with
//! tcpdump and decoded by `temper decode`: openssl at TLS 1.0/1.2/1.3 and
//! with STARTTLS, Samba's smbd/smbclient at NT1 and SMB3, OpenSSH.
//!
//! These need root (to capture) and the tools; they skip with a printed
//! reason elsewhere and fail instead under TEMPER_REQUIRE_LIVE=1 (CI).

mod common;

use common::capture::{decode, live, Capture};
use common::peers::{
    free_port, run, self_signed, smbclient, smbd_conf, start_smbd, tls_handshake, wait_for_port, Server,
};
use common::sshd_path;
use serde_json::Value;
use std::process::{Command, Stdio};

fn protocol_observations<'a>(all: &'a [Value], protocol: &str, port: u16) -> Vec<&'a Value> {
    all.iter().filter(|o| o["kind"] == "protocol" && o["protocol"] == protocol && o["local"]["port"] == port).collect()
}

#[test]
fn openssl_tls_versions_from_a_real_capture() {
    if !live(&["tcpdump", "openssl", "timeout"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let identity = self_signed(dir.path());
    let cases = [("-tls1", "tls1.0"), ("-tls1_2", "tls1.2"), ("-tls1_3", "tls1.3")];
    let ports: Vec<u16> = cases.iter().map(|_| free_port()).collect();
    let capture = Capture::start(dir.path(), &ports);
    for ((flag, _), port) in cases.iter().zip(&ports) {
        tls_handshake(*port, flag, &identity);
    }
    let observations = decode(&capture.stop());
    for ((flag, version), port) in cases.iter().zip(&ports) {
        let tls = protocol_observations(&observations, "tls", *port);
        assert_eq!(tls.len(), 1, "{flag}: one handshake on port {port}: {tls:?}");
        assert_eq!(tls[0]["version"], *version, "{flag}");
        assert_eq!(tls[0]["detail"]["sni"], "app.temper.test");
        assert!(tls[0]["detail"]["cipher"].as_str().unwrap().starts_with("TLS_"));
        assert_eq!(tls[0]["peer"]["ip"], "127.0.0.1");
    }
}

const STARTTLS_SMTP_SERVER: &str = r#"
import socket, ssl, sys
port, cert, key = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(cert, key)
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", port)); s.listen(4)
def serve(c):
    f = c.makefile("rwb")
    f.write(b"220 mail.temper.test ESMTP\r\n"); f.flush()
    while True:
        line = f.readline()
        if not line: return
        if line.upper().startswith(b"EHLO"):
            f.write(b"250-mail.temper.test\r\n250 STARTTLS\r\n"); f.flush()
        elif line.upper().startswith(b"STARTTLS"):
            f.write(b"220 2.0.0 Ready to start TLS\r\n"); f.flush()
            t = ctx.wrap_socket(c, server_side=True)
            t.recv(1); t.close(); return
while True:  # the port probe connects and leaves (maybe with a reset); the client comes next
    c, _ = s.accept()
    try: serve(c)
    except OSError: pass
    finally: c.close()
"#;

#[test]
fn starttls_on_smtp_is_found_after_the_plaintext() {
    if !live(&["tcpdump", "openssl", "python3", "timeout"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (key, cert) = self_signed(dir.path());
    let script = dir.path().join("smtp.py");
    std::fs::write(&script, STARTTLS_SMTP_SERVER).unwrap();
    let port = free_port();
    let capture = Capture::start(dir.path(), &[port]);
    let server = Server(
        Command::new("python3")
            .arg(&script)
            .arg(port.to_string())
            .arg(&cert)
            .arg(&key)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);
    let out = run(Command::new("timeout")
        .args(["20", "openssl", "s_client", "-starttls", "smtp", "-tls1_2", "-connect", &format!("127.0.0.1:{port}")])
        .stdin(Stdio::null()));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Cipher"),
        "STARTTLS failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    let observations = decode(&capture.stop());
    let tls = protocol_observations(&observations, "tls", port);
    assert_eq!(tls.len(), 1, "{observations:?}");
    assert_eq!(tls[0]["version"], "tls1.2");
}

#[test]
fn samba_smb1_and_smb3_with_share_access() {
    if !live(&["tcpdump", "smbd", "smbclient", "timeout"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let port = free_port();
    let conf = smbd_conf(d, port);
    std::fs::write(d.join("scan001.pdf"), b"%PDF-1.4 a scanned page").unwrap();
    let capture = Capture::start(d, &[port]);
    let _smbd = start_smbd(&conf, port);
    smbclient(d, port, "NT1", "put scan001.pdf");
    smbclient(d, port, "SMB3", "ls");
    let observations = decode(&capture.stop());
    let versions: Vec<&str> =
        protocol_observations(&observations, "smb", port).iter().map(|o| o["version"].as_str().unwrap()).collect();
    assert!(versions.contains(&"smb1"), "{versions:?}");
    assert!(versions.contains(&"smb3.1.1"), "{versions:?}");
    let smb311 =
        protocol_observations(&observations, "smb", port).into_iter().find(|o| o["version"] == "smb3.1.1").unwrap();
    assert!(
        smb311["detail"]["cipher"].as_str().is_some_and(|c| c.starts_with("AES-")),
        "the negotiated encryption cipher: {smb311}"
    );
    let shares: Vec<(String, &str)> = observations
        .iter()
        .filter(|o| o["kind"] == "share")
        // Share names compare case-insensitively; smbclient's SMB1 client upper-cases them.
        .map(|o| (o["share"].as_str().unwrap().to_lowercase(), o["access"].as_str().unwrap()))
        .collect();
    let shares: Vec<(&str, &str)> = shares.iter().map(|(s, a)| (s.as_str(), *a)).collect();
    assert!(shares.contains(&("scans", "write")), "the put is a write: {shares:?}");
    assert!(shares.contains(&("scans", "read")) || shares.contains(&("scans", "list")), "{shares:?}");
    assert!(observations
        .iter()
        .any(|o| o["kind"] == "share" && o["path"].as_str().is_some_and(|p| p.contains("scan001.pdf"))));
}

#[test]
fn openssh_algorithms_from_a_real_handshake() {
    let sshd = sshd_path().unwrap_or("sshd");
    if !live(&["tcpdump", sshd, "ssh", "ssh-keygen", "timeout"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("host_ed25519");
    assert!(run(Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key)).status.success());
    let port = free_port();
    let conf = dir.path().join("sshd_config");
    std::fs::write(
        &conf,
        format!("Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile none\nUsePAM no\n", key.display()),
    )
    .unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let capture = Capture::start(dir.path(), &[port]);
    let _server =
        Server(Command::new(sshd).arg("-D").arg("-e").arg("-f").arg(&conf).stderr(Stdio::null()).spawn().unwrap());
    wait_for_port(port);
    // Authentication fails (no key for nobody); the handshake before it is what we want.
    let _ = run(Command::new("timeout").args(["20", "ssh", "-p", &port.to_string()]).args([
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "nobody@127.0.0.1",
        "true",
    ]));
    let observations = decode(&capture.stop());
    let ssh: Vec<&Value> = protocol_observations(&observations, "ssh", port)
        .into_iter()
        .filter(|o| o["peer"]["port"] != Value::Null)
        .collect();
    // The port probe is a connection without a handshake; the client's is the one with algorithms.
    let handshake = ssh.iter().find(|o| o["detail"]["kex"].is_string()).unwrap_or_else(|| panic!("{ssh:?}"));
    assert_eq!(handshake["version"], "ssh2");
    assert!(handshake["detail"]["server_banner"].as_str().unwrap().starts_with("SSH-2.0-OpenSSH"));
    assert_eq!(handshake["detail"]["host_key"], "ssh-ed25519");
    for key in ["kex", "cipher", "mac"] {
        assert!(!handshake["detail"][key].as_str().unwrap().is_empty(), "{key}");
    }
}
