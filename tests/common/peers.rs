//! Real protocol peers on loopback for live tests: a free port, a server
//! process killed when dropped, a self-signed certificate, an openssl
//! handshake at a chosen version, a test smbd configuration.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match std::net::TcpStream::connect(("127.0.0.1", port)) {
            // A connect to an unbound port in the ephemeral range can meet
            // itself (TCP simultaneous open, source port = destination
            // port): that is not a listener, and it holds the port.
            Ok(stream) if stream.local_addr().ok() != stream.peer_addr().ok() => return,
            _ => {}
        }
        assert!(Instant::now() < deadline, "nothing listens on port {port}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A server process killed when dropped.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn run(command: &mut Command) -> std::process::Output {
    command.output().expect("the command runs")
}

/// A throwaway key and certificate: (key, cert).
pub fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let out = run(Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=temper.test", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert));
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    (key, cert)
}

/// One openssl handshake on `port` at `flag` (`-tls1`, `-tls1_3`, ...),
/// security level 0 so the old versions are allowed; the server is gone
/// when this returns.
pub fn tls_handshake(port: u16, flag: &str, (key, cert): &(PathBuf, PathBuf)) {
    let server = Server(
        Command::new("openssl")
            .args(["s_server", "-accept", &format!("127.0.0.1:{port}"), "-cipher", "DEFAULT@SECLEVEL=0", flag])
            .args(["-quiet", "-cert"])
            .arg(cert)
            .arg("-key")
            .arg(key)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);
    let out = run(Command::new("timeout")
        .args(["20", "openssl", "s_client", "-connect", &format!("127.0.0.1:{port}")])
        .args(["-servername", "app.temper.test", "-cipher", "DEFAULT@SECLEVEL=0", flag])
        .stdin(Stdio::null()));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Cipher"),
        "handshake {flag} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
}

/// A standalone smbd on `port` (loopback only, SMB1 allowed) sharing
/// `{dir}/scans` read-write to guests; returns the smb.conf path.
pub fn smbd_conf(dir: &Path, port: u16) -> PathBuf {
    for sub in ["lock", "state", "cache", "pid", "private", "ncalrpc", "scans"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let conf = dir.join("smb.conf");
    std::fs::write(
        &conf,
        format!(
            "[global]\n  server role = standalone server\n  map to guest = Bad User\n  smb ports = {port}\n  interfaces = lo\n  bind interfaces only = yes\n  server min protocol = NT1\n  lock directory = {d}/lock\n  state directory = {d}/state\n  cache directory = {d}/cache\n  pid directory = {d}/pid\n  private dir = {d}/private\n  ncalrpc dir = {d}/ncalrpc\n  log file = {d}/log.%m\n  load printers = no\n  printcap name = /dev/null\n  disable spoolss = yes\n[scans]\n  path = {d}/scans\n  read only = no\n  guest ok = yes\n  force user = root\n",
            d = dir.display()
        ),
    )
    .unwrap();
    conf
}

/// Starts smbd with `conf` and waits for its port.
pub fn start_smbd(conf: &Path, port: u16) -> Server {
    let server = Server(
        Command::new("smbd")
            .args(["--foreground", "--no-process-group", "--debug-stdout", "-s"])
            .arg(conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_for_port(port);
    server
}

/// `smbclient -m PROTOCOL -c COMMAND` as a guest on //127.0.0.1/scans, from `dir`.
pub fn smbclient(dir: &Path, port: u16, protocol: &str, command: &str) {
    let out = run(Command::new("timeout")
        .args(["30", "smbclient", "//127.0.0.1/scans", "-p", &port.to_string(), "-N", "-m", protocol])
        .args(["--option=client min protocol=NT1", "-c", command])
        .current_dir(dir));
    assert!(
        out.status.success(),
        "smbclient -m {protocol} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
